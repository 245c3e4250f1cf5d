//! The `edt-sts` format: `emp_sts_<UAJ>_<ANNEE>.xml` (root `EDT_STS`), EDT's upload of the
//! structure, services and courses to STS-Web (synchronisation 3, STS.md §3).

mod read;
mod write;

use passerelle_core::format::{
    Format, FormatError, OutputFile, Probe, ReadInput, ReadOutput, WriteOptions, score,
};
use passerelle_core::model::Dataset;

pub use read::ELEMENT_IGNORE;

/// Format id.
pub const FORMAT_ID: &str = "edt-sts";

/// Root element of the upward file (the downward `sts_emp` has `STS_EDT`).
pub const ROOT: &str = "EDT_STS";

/// Code of the remark for a week start written on a Sunday and moved to the Monday
/// (STS.md §8.9).
pub const SEMAINE_DIMANCHE: &str = "SEMAINE_DIMANCHE";

/// Where unknown elements outside records are kept in [`Dataset::extra`]: one node per parent
/// element, named by the parent's path (`EDT_STS/DONNEES`), so that only this format writes
/// them back, at their place.
fn kept_path(path: &[&str]) -> String {
    path.join("/")
}

/// The `edt-sts` format.
pub struct EdtStsFormat;

impl Format for EdtStsFormat {
    fn id(&self) -> &str {
        FORMAT_ID
    }

    /// The file carries no version: this is the DTD generation it follows (2013, with the
    /// courses that EDT 2009 did not send).
    fn version(&self) -> &str {
        "2013"
    }

    fn description(&self) -> &str {
        "Remontée des services d'EDT vers STS-Web (emp_sts_<UAJ>_<ANNEE>.xml, racine EDT_STS)"
    }

    fn sniff(&self, probe: &Probe<'_>) -> u8 {
        match probe.root {
            Some(root) if root.name == ROOT => score::SURE,
            _ => score::NO,
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

passerelle_core::register_format!(EdtStsFormat);
