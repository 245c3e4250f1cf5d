//! # passerelle-pronote-liens
//!
//! Reads, builds and writes the liens élèves-groupes file (`IMPORT_ELEVES`, zipped) that
//! PRONOTE or EDT sends to SIECLE: synchronisation 5. The reader checks the official schema
//! and file name (`LIENS_INVALIDE`, `NOM_FICHIER`) and reads what it can; the writer emits
//! VERSION 1.4 exactly as SIECLE's schema wants it. The checks that need the other files
//! (SIECLE students and structure, `sts_emp`) are in `passerelle_core::checks::liens`.

pub mod name;
pub mod read;
pub mod write;

use passerelle_core::format::{
    Format, FormatError, OutputFile, Probe, ReadInput, ReadOutput, WriteOptions, score,
};
use passerelle_core::model::Dataset;

/// Root element of the liens file (and of the *dossiers* import, which shares it).
pub const ROOT: &str = "IMPORT_ELEVES";

/// The VERSIONs of the liens file passerelle knows.
pub const KNOWN_VERSIONS: [&str; 2] = ["1.3", "1.4"];

/// What an `IMPORT_ELEVES` holds, told by content (LIENS_ET_EDT.md §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    /// Students carry `GROUPES`: the liens élèves-groupes file.
    Liens,
    /// `DONNEES/PERSONNES`: the *dossiers* import (BEE private import).
    Dossiers,
    /// Neither clue: cannot be told apart.
    Unclear,
}

/// True when `text` holds a start tag `<name>`, `<name/>` or `<name …>`.
fn has_tag(text: &str, name: &str) -> bool {
    let open = format!("<{name}");
    text.match_indices(&open).any(|(index, _)| {
        text[index + open.len()..]
            .chars()
            .next()
            .is_some_and(|next| next == '>' || next == '/' || next.is_whitespace())
    })
}

/// Tells a liens file from a dossiers file by content: `PERSONNES` means dossiers, students
/// with `GROUPES` mean liens; VERSION alone is not decisive (`1.1` is a dossiers profile).
pub fn content(text: &str) -> Content {
    if has_tag(text, "PERSONNES") {
        Content::Dossiers
    } else if has_tag(text, "GROUPES") {
        Content::Liens
    } else {
        Content::Unclear
    }
}

/// The sentence for a *dossiers* `IMPORT_ELEVES` given as the liens file.
pub fn dossiers_sentence(file: &str) -> String {
    format!(
        "« {file} » est l'import « dossiers » des élèves (IMPORT_ELEVES avec PERSONNES, fichier <UAJ>PRIVE…), pas le fichier des liens élèves-groupes : exportez les liens depuis PRONOTE (Fichier › Avec SIECLE › Exporter les liens élèves / groupes) ou produisez-les avec `passerelle convert … --to pronote-liens`"
    )
}

/// The liens élèves-groupes format.
pub struct PronoteLiens;

/// The registered instance.
pub static PRONOTE_LIENS: PronoteLiens = PronoteLiens;

impl Format for PronoteLiens {
    fn id(&self) -> &str {
        passerelle_core::checks::liens::ORIGIN
    }

    fn version(&self) -> &str {
        "1.4"
    }

    fn description(&self) -> &str {
        "Liens élèves-groupes de PRONOTE ou EDT vers SIECLE (IMPORT_ELEVES 1.3 et 1.4, zippé)"
    }

    fn sniff(&self, probe: &Probe<'_>) -> u8 {
        match probe.root {
            Some(root) if root.name == ROOT && content(probe.text) == Content::Liens => score::SURE,
            _ => score::NO,
        }
    }

    fn mismatch(&self, probe: &Probe<'_>) -> Option<String> {
        let root = probe.root?;
        if root.name != ROOT {
            return None;
        }
        match content(probe.text) {
            Content::Liens => None,
            Content::Dossiers => Some(dossiers_sentence(probe.file_name)),
            Content::Unclear => Some(format!(
                "« {} » est un IMPORT_ELEVES sans aucun GROUPES ni PERSONNES : impossible de dire si c'est le fichier des liens élèves-groupes ou l'import « dossiers » des élèves ; un fichier des liens doit contenir au moins un élève avec ses groupes",
                probe.file_name
            )),
        }
    }

    fn can_read(&self) -> bool {
        true
    }

    fn can_write(&self) -> bool {
        true
    }

    fn read(&self, input: &ReadInput<'_>) -> Result<ReadOutput, FormatError> {
        read::read(input)
    }

    fn write(
        &self,
        dataset: &Dataset,
        options: &WriteOptions,
    ) -> Result<Vec<OutputFile>, FormatError> {
        write::write(dataset, options)
    }
}

passerelle_core::register_format!(PRONOTE_LIENS);

#[cfg(test)]
mod tests;
