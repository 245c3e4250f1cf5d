//! `siecle-eleves` up to VERSION 4.0: the students export (`BEE_ELEVES`) of a hypothetical
//! SIECLE release in which two elements of `ELEVE` were renamed, `NOM_DE_FAMILLE` →
//! `NOM_NAISSANCE` and `ID_NATIONAL` → `INE`, everything else being the 3.0 layout.
//!
//! A 4.0 file is translated to the 3.0 layout (names only, lines unchanged) and read by the
//! built-in reader of `passerelle-siecle`; its remarks and errors are given back with the 4.0
//! names. Writing 4.0 is the reverse: the built-in writer's 3.0 file, translated. Older
//! versions are read by the built-in reader as they are; a dataset read from an older
//! version is written in it by the built-in writer. This is an ordinary [`Format`]: the same
//! value could be registered statically.

use std::io::{Cursor, Read};

use chrono::{NaiveDate, NaiveDateTime};
use passerelle_core::dynamic::newer_version;
use passerelle_core::format::{
    Format, FormatError, OutputFile, Probe, ReadInput, ReadOutput, WriteOptions, score,
};
use passerelle_core::model::Dataset;
use passerelle_core::output::zip_single;
use passerelle_core::xml::{StartTag, probe_root};

use crate::translate::{Direction, Translation, Unexpected, original_column, rename_words};

/// Format id: the built-in one, which this format replaces.
pub(crate) const ID: &str = "siecle-eleves";

/// The version this format adds.
pub(crate) const VERSION: &str = "4.0";

/// 4.0 against 3.0, the layout of the built-in reader and writer.
pub(crate) static LAYOUT: Translation = Translation {
    root: "BEE_ELEVES",
    older: "3.0",
    newer: VERSION,
    parent: &["BEE_ELEVES", "DONNEES", "ELEVES", "ELEVE"],
    renamed: &[("NOM_NAISSANCE", "NOM_DE_FAMILLE"), ("INE", "ID_NATIONAL")],
};

/// The format.
pub(crate) struct ElevesV4;

/// The format value, as `export_plugin!` (or `register_format!`) takes it.
pub(crate) static FORMAT: ElevesV4 = ElevesV4;

/// The built-in `siecle-eleves`, to which everything but the translation is delegated.
fn builtin() -> Result<&'static dyn Format, FormatError> {
    passerelle_siecle::format(ID).ok_or_else(|| {
        FormatError::Plugin(format!(
            "passerelle-siecle ne fournit plus le format {ID} : recompilez ce plugin avec la \
             version de passerelle qui l'accompagne"
        ))
    })
}

/// Whether a root element is the one of a students export of VERSION 4.0.
fn is_v4(root: Option<&StartTag>) -> bool {
    root.is_some_and(|root| {
        root.name == LAYOUT.root && root.attr("VERSION").map(str::trim) == Some(VERSION)
    })
}

/// Speaks of the 4.0 elements in a message about the translated 3.0 file.
fn newer_names(message: &str) -> String {
    rename_words(message, LAYOUT.renamed, Direction::ToNewer)
}

/// An error of the built-in reader on the translation of `original`, about the original:
/// 4.0 names, and the column of the original line.
fn error_about_original(error: FormatError, original: &str, translated: &str) -> FormatError {
    match error {
        FormatError::Xml(mut error) => {
            let line = |text: &str| {
                let index = usize::try_from(error.line.saturating_sub(1)).unwrap_or(usize::MAX);
                text.lines().nth(index).map(str::to_string)
            };
            if let (Some(original), Some(translated)) = (line(original), line(translated)) {
                error.column = original_column(
                    &original,
                    &translated,
                    error.column,
                    &LAYOUT,
                    Direction::ToOlder,
                );
            }
            error.path = newer_names(&error.path);
            error.message = newer_names(&error.message);
            FormatError::Xml(error)
        }
        FormatError::Invalid {
            file,
            line,
            message,
        } => FormatError::Invalid {
            file,
            line,
            message: newer_names(&message),
        },
        other => {
            let message = other.to_string();
            let renamed = newer_names(&message);
            if renamed == message {
                other
            } else {
                FormatError::Plugin(renamed)
            }
        }
    }
}

/// Reads a 4.0 file through its 3.0 translation.
fn read_v4(builtin: &dyn Format, input: &ReadInput<'_>) -> Result<ReadOutput, FormatError> {
    let translated = match LAYOUT.apply_text(input.text, Direction::ToOlder) {
        Ok(translated) => translated,
        // The reader reports where the original is not well-formed, in its own words.
        Err(Unexpected::Malformed) => return builtin.read(input),
        Err(unexpected) => {
            return Err(FormatError::Invalid {
                file: input.file_name.to_string(),
                line: None,
                message: format!(
                    "{unexpected}, alors qu'un export des élèves en VERSION {VERSION} était \
                     attendu : vérifiez le fichier ou l'option --from"
                ),
            });
        }
    };
    let mut output = builtin
        .read(&ReadInput {
            text: &translated,
            ..*input
        })
        .map_err(|error| error_about_original(error, input.text, &translated))?;
    for file in &mut output.dataset.files {
        if file.format == ID {
            file.version = Some(VERSION.to_string());
        }
    }
    for diagnostic in &mut output.diagnostics {
        diagnostic.message = newer_names(&diagnostic.message);
        if let Some(fix) = &diagnostic.fix {
            diagnostic.fix = Some(newer_names(fix));
        }
    }
    Ok(output)
}

/// Whether a dataset is written in 4.0: unless its students were read from an older version,
/// which the built-in writer keeps.
fn writes_v4(dataset: &Dataset) -> bool {
    let read = dataset
        .files
        .iter()
        .find(|file| file.format == ID)
        .and_then(|file| file.version.as_deref());
    read.is_none_or(|read| !newer_version(VERSION, read))
}

fn untranslatable(what: &str) -> FormatError {
    FormatError::Plugin(format!(
        "le fichier des élèves écrit par passerelle ne peut pas être traduit en VERSION \
         {VERSION} ({what}) : ce plugin ne correspond pas à cette version de passerelle, \
         recompilez-le avec elle"
    ))
}

fn translate_to_v4(xml: &[u8]) -> Result<Vec<u8>, FormatError> {
    LAYOUT
        .apply(xml, Direction::ToNewer)
        .map_err(|unexpected| untranslatable(&unexpected.to_string()))
}

/// A zip's single member: its name, modification time and content.
fn unzip_single(bytes: &[u8]) -> Result<(String, NaiveDateTime, Vec<u8>), FormatError> {
    let broken =
        |error: &dyn std::fmt::Display| untranslatable(&format!("zip illisible : {error}"));
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|error| broken(&error))?;
    if archive.len() != 1 {
        return Err(untranslatable(&format!(
            "zip de {} fichiers au lieu d'un",
            archive.len()
        )));
    }
    let mut member = archive.by_index(0).map_err(|error| broken(&error))?;
    let name = member.name().map_err(|error| broken(&error))?.into_owned();
    let modified = member
        .last_modified()
        .and_then(|time| {
            NaiveDate::from_ymd_opt(
                i32::from(time.year()),
                u32::from(time.month()),
                u32::from(time.day()),
            )?
            .and_hms_opt(
                u32::from(time.hour()),
                u32::from(time.minute()),
                u32::from(time.second()),
            )
        })
        .unwrap_or_default();
    let mut content = Vec::new();
    member
        .read_to_end(&mut content)
        .map_err(|error| broken(&error))?;
    Ok((name, modified, content))
}

/// A file of the built-in writer (3.0), translated to 4.0 and packaged as it was.
fn output_to_v4(output: OutputFile) -> Result<OutputFile, FormatError> {
    let bytes = if output.name.to_ascii_lowercase().ends_with(".zip") {
        let (member, modified, content) = unzip_single(&output.bytes)?;
        zip_single(&member, &translate_to_v4(&content)?, modified)
            .map_err(|error| untranslatable(&error.to_string()))?
    } else {
        translate_to_v4(&output.bytes)?
    };
    Ok(OutputFile {
        name: output.name,
        bytes,
    })
}

impl Format for ElevesV4 {
    fn id(&self) -> &str {
        ID
    }

    fn version(&self) -> &str {
        VERSION
    }

    fn description(&self) -> &str {
        "Export SIECLE des élèves, jusqu'à la VERSION 4.0 (ElevesSansAdresses.xml, \
         ElevesAvecAdresses.xml)"
    }

    fn sniff(&self, probe: &Probe<'_>) -> u8 {
        match (is_v4(probe.root), builtin()) {
            (true, _) => score::SURE,
            (false, Ok(builtin)) => builtin.sniff(probe),
            (false, Err(_)) => score::NO,
        }
    }

    fn mismatch(&self, probe: &Probe<'_>) -> Option<String> {
        builtin().ok()?.mismatch(probe)
    }

    fn can_read(&self) -> bool {
        true
    }

    fn can_write(&self) -> bool {
        true
    }

    fn read(&self, input: &ReadInput<'_>) -> Result<ReadOutput, FormatError> {
        let builtin = builtin()?;
        if is_v4(probe_root(input.text).as_ref()) {
            read_v4(builtin, input)
        } else {
            builtin.read(input)
        }
    }

    fn write(
        &self,
        dataset: &Dataset,
        options: &WriteOptions,
    ) -> Result<Vec<OutputFile>, FormatError> {
        let outputs = builtin()?.write(dataset, options)?;
        if !writes_v4(dataset) {
            return Ok(outputs);
        }
        outputs.into_iter().map(output_to_v4).collect()
    }
}
