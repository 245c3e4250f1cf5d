//! The `edt-table` format: EDT/PRONOTE list exports `EXP_*.xml` (`<TABLE nom="…">`, UTF-8
//! with BOM) and their `;` CSV twins (LIENS_ET_EDT.md §13).
//!
//! Student rows carry no ELEVE_ID: each becomes one [`Membership`] per group or class part,
//! naming the student by INE, names and birth date, with origin
//! [`EDT_ORIGIN`](passerelle_core::correspondences::EDT_ORIGIN). There is no `Student` for
//! them: students are keyed by ELEVE_ID, which only SIECLE gives, so they are linked after
//! merging ([`passerelle_core::students::link_memberships`]). The row's division (first item
//! of `CLASSE`) is kept on each membership, in the extra node
//! [`DIVISION_EXTRA`](passerelle_core::correspondences::DIVISION_EXTRA), so that
//! correspondences map it and the list can be written back; a class part also keeps its
//! partition ([`PARTITION_EXTRA`]). Course rows become `timetable.courses`.
//!
//! [`Membership`]: passerelle_core::model::Membership

mod cells;
mod columns;
mod read;
mod write;

use passerelle_core::csv::first_line;
use passerelle_core::format::{
    Format, FormatError, OutputFile, Probe, ReadInput, ReadOutput, WriteOptions, score,
};
use passerelle_core::model::Dataset;

use columns::{Column, ListKind};
pub use read::LISTE_NON_REPRISE;

/// Format id.
pub const FORMAT_ID: &str = "edt-table";

/// Root element of the XML lists.
pub const ROOT: &str = "TABLE";

/// Extra node of a class-part membership holding the partition's name.
pub const PARTITION_EXTRA: &str = "PARTITION";

/// Extra node of the file's [`FileInfo`](passerelle_core::model::FileInfo) holding
/// `TABLE/@nom`.
pub const TABLE_EXTRA: &str = "TABLE";

/// Score of a CSV whose header has at least two known columns: between [`score::ROOT`] and
/// [`score::SURE`], which no other format gives.
const CSV_HEADER: u8 = 80;

/// The `edt-table` format.
pub struct EdtTableFormat;

impl Format for EdtTableFormat {
    fn id(&self) -> &str {
        FORMAT_ID
    }

    /// EDT's list exports have no version; the columns are the user's choice.
    fn version(&self) -> &str {
        "1"
    }

    fn description(&self) -> &str {
        "Liste exportée d'EDT/PRONOTE (EXP_ELEVE, EXP_COURS… en XML ou CSV) ; écrit EXP_ELEVE.xml"
    }

    fn sniff(&self, probe: &Probe<'_>) -> u8 {
        if let Some(root) = probe.root {
            return match root.name.as_str() {
                ROOT => match root.attr("nom").and_then(ListKind::from_name) {
                    Some(_) => score::SURE,
                    None => score::ROOT,
                },
                _ => score::NO,
            };
        }
        let header = first_line(probe.text);
        if probe.text.trim_start().starts_with('<') || !header.contains(';') {
            return score::NO;
        }
        let known = header
            .split(';')
            .filter(|heading| Column::of(heading.trim_matches(['"', ' '])).is_some())
            .count();
        if known >= 2 { CSV_HEADER } else { score::NO }
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

passerelle_core::register_format!(EdtTableFormat);
