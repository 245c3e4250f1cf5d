//! Detection and reading of one input: encoding → root element → best-scoring format → reader.

use crate::diagnostics::{Diagnostic, Objet, Severity};
use crate::encoding::{Decoded, TextKind, decode, decode_owned};
use crate::format::{Format, FormatError, Probe, ReadInput, ReadOptions, Registry};
use crate::input::InputFile;
use crate::model::Dataset;
use crate::xml::{StartTag, XmlError, XmlStream};

/// Why no format could be chosen for a file.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// Nothing recognises the file.
    #[error(
        "« {file} » n'est pas un fichier reconnu{} : `passerelle formats` liste ceux que passerelle comprend",
        root_hint(.root)
    )]
    Unknown {
        /// File.
        file: String,
        /// Its root element, if it is XML.
        root: Option<String>,
    },
    /// The file is empty.
    #[error("« {0} » est vide (0 octet) : retéléchargez l'export, le téléchargement a dû échouer")]
    Empty(String),
    /// The file looks like XML but its prolog or root cannot be read.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// Several formats claim the file with the same score.
    #[error(
        "« {file} » peut être lu comme {} : précisez le format avec --from",
        .candidates.join(" ou ")
    )]
    Ambiguous {
        /// File.
        file: String,
        /// The ids that tie.
        candidates: Vec<String>,
    },
    /// `--from` names an unknown format.
    #[error("le format « {0} » n'existe pas : `passerelle formats` liste les formats connus")]
    UnknownFormat(String),
    /// `--from` forces one STS dialect on a file of the other (`FICHIER_INVERSE`).
    #[error("{0}")]
    Inverse(String),
    /// `--from` forces a format that recognises the file as another one, and says which.
    #[error("{0}")]
    Mismatch(String),
    /// `--from` forces a format the file is clearly not.
    #[error(
        "« {file} » n'est pas un fichier {format}{} : vérifiez le fichier ou l'option --from",
        root_hint(.root)
    )]
    ForcedMismatch {
        /// File.
        file: String,
        /// The forced format id.
        format: String,
        /// The file's root element.
        root: Option<String>,
    },
}

fn root_hint(root: &Option<String>) -> String {
    match root {
        Some(root) => format!(" (élément racine <{root}>)"),
        None => String::new(),
    }
}

/// The two STS-Web dialects that users confuse: a file-name prefix and the root it should hold.
const STS_DIALECTS: [(&str, &str, &str, &str); 2] = [
    (
        "sts_emp",
        "STS_EDT",
        "sts-emp",
        "l'export de STS-Web vers l'emploi du temps (sts_emp, *Exports › Emploi du temps*)",
    ),
    (
        "emp_sts",
        "EDT_STS",
        "edt-sts",
        "la remontée de l'emploi du temps vers STS-Web (emp_sts, produite par EDT, *STSWEB*)",
    ),
];

/// `FICHIER_INVERSE`: the sentence saying that a file named (or forced) as one STS dialect
/// holds the other. `expected` is a file-name prefix (`sts_emp`) or a format id (`sts-emp`).
pub fn inverse_dialect(file: &str, expected: &str, root: Option<&str>) -> Option<String> {
    let root = root?;
    let expected = expected.to_ascii_lowercase();
    let (wanted, found) = if STS_DIALECTS[0].0 == expected || STS_DIALECTS[0].2 == expected {
        (STS_DIALECTS[0], STS_DIALECTS[1])
    } else if STS_DIALECTS[1].0 == expected || STS_DIALECTS[1].2 == expected {
        (STS_DIALECTS[1], STS_DIALECTS[0])
    } else {
        return None;
    };
    (root == found.1).then(|| {
        format!(
            "« {file} » devrait être {} (racine <{}>) mais contient {} (racine <{}>) : \
             vérifiez que vous avez pris le bon fichier",
            wanted.3, wanted.1, found.3, found.1
        )
    })
}

/// `FICHIER_INVERSE` from the file name alone (`sts_emp*` holding `EDT_STS`, or the reverse).
pub fn inverse_by_name(file: &ProbedFile) -> Option<Diagnostic> {
    let lower = file.base_name.to_ascii_lowercase();
    let prefix = STS_DIALECTS
        .iter()
        .map(|dialect| dialect.0)
        .find(|prefix| lower.starts_with(prefix))?;
    let message = inverse_dialect(
        &file.name,
        prefix,
        file.root.as_ref().map(|root| root.name.as_str()),
    )?;
    Some(
        Diagnostic::new(FICHIER_INVERSE, Severity::Error, message)
            .with_synchro(0)
            .with_fix(
                "Pour sts_emp : exportez-le depuis STS-Web, *Exports › Emploi du temps* ; pour \
                 emp_sts : exportez-le depuis EDT (*Fichier › STSWEB*).",
            )
            .in_file(&file.name)
            .with_objet(Objet {
                fichier: Some(file.name.clone()),
                ..Objet::default()
            }),
    )
}

/// Code of the "wrong STS dialect" anomaly.
pub const FICHIER_INVERSE: &str = "FICHIER_INVERSE";

/// A file decoded and probed, ready for detection and reading.
#[derive(Debug)]
pub struct ProbedFile {
    /// Display name.
    pub name: String,
    /// Base name of the file or zip member.
    pub base_name: String,
    /// Decoded text and encoding remarks.
    pub decoded: Decoded,
    /// Root element, for XML.
    pub root: Option<StartTag>,
    /// Why the root could not be read, for text that looks like XML.
    pub probe_error: Option<XmlError>,
    /// Size of the raw bytes.
    pub size: usize,
}

impl ProbedFile {
    /// Decodes and probes an input.
    pub fn new(input: &InputFile) -> Self {
        let kind = text_kind(&input.bytes);
        let decoded = decode(&input.bytes, &input.name, kind);
        Self::decoded(input.name.clone(), input.bytes.len(), kind, decoded)
    }

    /// Decodes and probes an input, taking its bytes: they become the text, or are dropped
    /// once decoded (decoding costs one buffer at most).
    pub fn from_input(input: InputFile) -> Self {
        let kind = text_kind(&input.bytes);
        let size = input.bytes.len();
        let decoded = decode_owned(input.bytes, &input.name, kind);
        Self::decoded(input.name, size, kind, decoded)
    }

    fn decoded(name: String, size: usize, kind: TextKind, decoded: Decoded) -> Self {
        let member = name.rsplit('!').next().unwrap_or(&name);
        let base_name = member
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(member)
            .to_string();
        let (root, probe_error) = match kind {
            TextKind::Xml => match XmlStream::new(&decoded.text, &name).root() {
                Ok(root) => (Some(root), None),
                Err(error) => (None, Some(error)),
            },
            TextKind::Csv => (None, None),
        };
        ProbedFile {
            name,
            base_name,
            decoded,
            root,
            probe_error,
            size,
        }
    }

    /// The probe formats score.
    pub fn probe(&self) -> Probe<'_> {
        Probe {
            file_name: &self.name,
            base_name: &self.base_name,
            text: &self.decoded.text,
            root: self.root.as_ref(),
        }
    }

    /// The root element's name.
    pub fn root_name(&self) -> Option<String> {
        self.root.as_ref().map(|root| root.name.clone())
    }
}

fn text_kind(bytes: &[u8]) -> TextKind {
    if looks_like_xml(bytes) {
        TextKind::Xml
    } else {
        TextKind::Csv
    }
}

fn looks_like_xml(bytes: &[u8]) -> bool {
    let without_bom = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .or_else(|| bytes.strip_prefix(b"\xFF\xFE"))
        .or_else(|| bytes.strip_prefix(b"\xFE\xFF"))
        .unwrap_or(bytes);
    let first = without_bom
        .iter()
        .find(|byte| !byte.is_ascii_whitespace() && **byte != 0);
    first == Some(&b'<')
}

/// Chooses the format of a probed file: the best score wins, a tie is ambiguous.
pub fn detect(registry: &Registry, file: &ProbedFile) -> Result<&'static dyn Format, DetectError> {
    if file.size == 0 {
        return Err(DetectError::Empty(file.name.clone()));
    }
    let probe = file.probe();
    let mut scored: Vec<(u8, &'static dyn Format)> = registry
        .iter()
        .map(|format| (format.sniff(&probe), format))
        .filter(|(score, _)| *score > 0)
        .collect();
    scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    match scored.as_slice() {
        [] => Err(match &file.probe_error {
            Some(error) => DetectError::Xml(error.clone()),
            None => DetectError::Unknown {
                file: file.name.clone(),
                root: file.root_name(),
            },
        }),
        [(best, format), rest @ ..] => {
            let ties: Vec<String> = rest
                .iter()
                .filter(|(score, _)| score == best)
                .map(|(_, other)| other.id().to_string())
                .collect();
            if ties.is_empty() {
                Ok(*format)
            } else {
                let mut candidates = vec![format.id().to_string()];
                candidates.extend(ties);
                Err(DetectError::Ambiguous {
                    file: file.name.clone(),
                    candidates,
                })
            }
        }
    }
}

/// The format to use for a file: the forced one (checked against the file), or the detected one.
pub fn choose_format(
    registry: &Registry,
    file: &ProbedFile,
    forced: Option<&str>,
) -> Result<&'static dyn Format, DetectError> {
    match forced {
        None => detect(registry, file),
        Some(id) => {
            let format = registry
                .get(id)
                .ok_or_else(|| DetectError::UnknownFormat(id.to_string()))?;
            if format.sniff(&file.probe()) == 0 {
                let root = file.root.as_ref().map(|root| root.name.as_str());
                if let Some(message) = inverse_dialect(&file.name, id, root) {
                    return Err(DetectError::Inverse(message));
                }
                if let Some(message) = format.mismatch(&file.probe()) {
                    return Err(DetectError::Mismatch(message));
                }
                return Err(DetectError::ForcedMismatch {
                    file: file.name.clone(),
                    format: id.to_string(),
                    root: file.root_name(),
                });
            }
            Ok(format)
        }
    }
}

/// A file read into a dataset fragment.
#[derive(Debug)]
pub struct ReadFile {
    /// Display name.
    pub name: String,
    /// Format id.
    pub format: String,
    /// The fragment.
    pub dataset: Dataset,
    /// Encoding and reader remarks.
    pub diagnostics: Vec<Diagnostic>,
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// No format chosen.
    #[error(transparent)]
    Detect(#[from] DetectError),
    /// The reader failed.
    #[error(transparent)]
    Format(#[from] FormatError),
}

/// Reads a probed file with a chosen format.
pub fn read_with(
    format: &dyn Format,
    file: &ProbedFile,
    options: &ReadOptions,
) -> Result<ReadFile, FormatError> {
    let input = ReadInput {
        file_name: &file.name,
        base_name: &file.base_name,
        text: &file.decoded.text,
        options,
    };
    let output = format.read(&input)?;
    let mut diagnostics = file.decoded.diagnostics.clone();
    diagnostics.extend(inverse_by_name(file));
    diagnostics.extend(output.diagnostics);
    Ok(ReadFile {
        name: file.name.clone(),
        format: format.id().to_string(),
        dataset: output.dataset,
        diagnostics,
    })
}

/// Decodes, detects (or checks the forced format) and reads one input.
pub fn read_input(
    registry: &Registry,
    input: &InputFile,
    forced: Option<&str>,
    options: &ReadOptions,
) -> Result<ReadFile, ReadError> {
    let probed = ProbedFile::new(input);
    let format = choose_format(registry, &probed, forced)?;
    Ok(read_with(format, &probed, options)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_sts_dialects_are_told_apart() {
        let message =
            inverse_dialect("sts_emp_0999999Z_2025.xml", "sts_emp", Some("EDT_STS")).unwrap();
        assert!(
            message.contains("<STS_EDT>") && message.contains("<EDT_STS>"),
            "{message}"
        );
        assert!(inverse_dialect("x.xml", "edt-sts", Some("STS_EDT")).is_some());
        assert!(inverse_dialect("x.xml", "sts-emp", Some("STS_EDT")).is_none());
        assert!(inverse_dialect("x.xml", "siecle-eleves", Some("EDT_STS")).is_none());
        let input = InputFile {
            name: "STS_EMP_0999999Z_2025.xml".into(),
            disk_path: "STS_EMP_0999999Z_2025.xml".into(),
            bytes: b"<?xml version=\"1.0\"?>\n<EDT_STS><PARAMETRES/></EDT_STS>".to_vec(),
        };
        let diagnostic = inverse_by_name(&ProbedFile::new(&input)).unwrap();
        assert_eq!(diagnostic.code, FICHIER_INVERSE);
        assert_eq!(diagnostic.severity, Severity::Error);
    }
}
