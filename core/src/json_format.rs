//! The built-in `json` format: the canonical dump of the model, with its `model_version`.
//!
//! It is how users script against passerelle and how dynamic plugins exchange datasets.

use serde::{Deserialize, Serialize};

use crate::format::{
    Format, FormatError, OutputFile, Probe, ReadInput, ReadOutput, WriteOptions, score,
};
use crate::model::{Dataset, MODEL_VERSION};

/// The `json` format.
pub struct JsonFormat;

#[derive(Serialize)]
struct DocumentOut<'a> {
    model_version: u32,
    #[serde(flatten)]
    dataset: &'a Dataset,
}

#[derive(Deserialize)]
struct DocumentIn {
    model_version: u32,
    #[serde(flatten)]
    dataset: Dataset,
}

/// Serializes a dataset as canonical JSON (pretty-printed, final newline).
pub fn to_json(dataset: &Dataset) -> String {
    let document = DocumentOut {
        model_version: MODEL_VERSION,
        dataset,
    };
    let mut text = serde_json::to_string_pretty(&document)
        .unwrap_or_else(|error| format!("{{\"erreur\": \"{error}\"}}"));
    text.push('\n');
    text
}

/// Parses canonical JSON; `file` names the source in errors.
pub fn from_json(text: &str, file: &str) -> Result<Dataset, FormatError> {
    let document: DocumentIn =
        serde_json::from_str(text).map_err(|error| FormatError::Invalid {
            file: file.to_string(),
            line: u32::try_from(error.line()).ok(),
            message: format!(
                "ce n'est pas un jeu de données passerelle valide ({error}) : régénérez-le avec \
             `passerelle convert … --to json`"
            ),
        })?;
    if document.model_version != MODEL_VERSION {
        return Err(FormatError::Invalid {
            file: file.to_string(),
            line: None,
            message: format!(
                "le modèle est en version {}, or cette version de passerelle lit la version {} : \
                 régénérez le fichier avec cette version",
                document.model_version, MODEL_VERSION
            ),
        });
    }
    Ok(document.dataset)
}

impl Format for JsonFormat {
    fn id(&self) -> &str {
        "json"
    }

    fn version(&self) -> &str {
        "1"
    }

    fn description(&self) -> &str {
        "Jeu de données passerelle (modèle canonique en JSON, pour les scripts)"
    }

    fn sniff(&self, probe: &Probe<'_>) -> u8 {
        let text = probe.text.trim_start();
        if text.starts_with('{') && text.contains("\"model_version\"") {
            score::SURE
        } else {
            score::NO
        }
    }

    fn can_read(&self) -> bool {
        true
    }

    fn can_write(&self) -> bool {
        true
    }

    fn read(&self, input: &ReadInput<'_>) -> Result<ReadOutput, FormatError> {
        Ok(ReadOutput {
            dataset: from_json(input.text, input.file_name)?,
            diagnostics: Vec::new(),
        })
    }

    fn write(
        &self,
        dataset: &Dataset,
        _options: &WriteOptions,
    ) -> Result<Vec<OutputFile>, FormatError> {
        let uaj = dataset.establishment.uaj.trim();
        let name = match (uaj.is_empty(), dataset.school_year.millesime) {
            (false, Some(year)) => format!("passerelle_{uaj}_{year}.json"),
            (false, None) => format!("passerelle_{uaj}.json"),
            (true, _) => "passerelle.json".to_string(),
        };
        Ok(vec![OutputFile {
            name,
            bytes: to_json(dataset).into_bytes(),
        }])
    }
}

crate::register_format!(JsonFormat);
