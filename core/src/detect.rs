//! Detection and reading of one input: encoding → root element → best-scoring format → reader.

use crate::diagnostics::Diagnostic;
use crate::encoding::{Decoded, TextKind, decode};
use crate::format::{Format, FormatError, Probe, ReadInput, ReadOptions, Registry};
use crate::input::InputFile;
use crate::model::Dataset;
use crate::xml::{StartTag, probe_root};

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
}

impl ProbedFile {
    /// Decodes and probes an input.
    pub fn new(input: &InputFile) -> Self {
        let member = input.name.rsplit('!').next().unwrap_or(&input.name);
        let base_name = member
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(member)
            .to_string();
        let kind = if looks_like_xml(&input.bytes) {
            TextKind::Xml
        } else {
            TextKind::Csv
        };
        let decoded = decode(&input.bytes, &input.name, kind);
        let root = match kind {
            TextKind::Xml => probe_root(&decoded.text),
            TextKind::Csv => None,
        };
        ProbedFile {
            name: input.name.clone(),
            base_name,
            decoded,
            root,
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
    let probe = file.probe();
    let mut scored: Vec<(u8, &'static dyn Format)> = registry
        .iter()
        .map(|format| (format.sniff(&probe), format))
        .filter(|(score, _)| *score > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0));
    match scored.as_slice() {
        [] => Err(DetectError::Unknown {
            file: file.name.clone(),
            root: file.root_name(),
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
