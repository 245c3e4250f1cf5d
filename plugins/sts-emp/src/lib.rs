//! # passerelle-sts-emp
//!
//! Reads and writes STS-Web's `sts_emp_<UAJ>_<ANNEE>.xml` (root `STS_EDT`), the input of
//! synchronisation 1 (STS-Web → EDT) and the STS side of every cross-check.
//!
//! The reader streams the document and materialises one record (`INDIVIDU`, `DIVISION`,
//! `MATIERE`…) at a time. What it cannot place in the model (unknown elements, values that do
//! not have the expected form, records without their key) is kept verbatim in the nearest
//! `extra` and written back by the writer, which follows the element order of the DTD
//! (`formats/STS.md` §2.2) and encodes in ISO-8859-15.
//!
//! Where unknown content lives: an entity's unknown children are in its own
//! `extra`; the unknown children of a list wrapper inside an entity (`DISCIPLINES`, `SERVICES`,
//! `ENSEIGNANTS`…) are nested under the wrapper's name in that `extra`; the other children of
//! `UAJ` are in `Establishment::extra` (those of `ACADEMIE` nested under `ACADEMIE`); the other
//! children of `PARAMETRES` are in the file's `FileInfo::extra` (those of `ANNEE_SCOLAIRE`
//! nested under `ANNEE_SCOLAIRE`); the unknown children of the document-level containers (the
//! root, `NOMENCLATURES`, `DONNEES`, `STRUCTURE`, the lists) are nested under the node
//! `STS_EDT` of `Dataset::extra`, which keeps them apart from the other formats of a merged
//! dataset.
//!
//! Services are kept in file order, grouped by structure, divisions first; the writer writes
//! each structure at the place of its first service, then the structures without service in
//! code order. Courses nested in services (`COURS_RATTACHES`) belong to `emp_sts` and are not
//! written.

mod layout;
mod leftovers;
mod reader;
mod writer;

#[cfg(test)]
mod format_tests;

use passerelle_core::format::{
    Format, FormatError, OutputFile, Probe, ReadInput, ReadOutput, WriteOptions, score,
};
use passerelle_core::model::{Dataset, Service, StructureRef};

/// The format id.
pub const FORMAT_ID: &str = "sts-emp";

/// The root element of `sts_emp`.
pub const ROOT: &str = "STS_EDT";

/// The `sts-emp` format: STS-Web's export for the timetable software.
#[derive(Clone, Copy, Debug, Default)]
pub struct StsEmpFormat;

/// The registered instance.
pub static STS_EMP: StsEmpFormat = StsEmpFormat;

passerelle_core::register_format!(STS_EMP);

impl Format for StsEmpFormat {
    fn id(&self) -> &str {
        FORMAT_ID
    }

    /// `sts_emp` carries no `VERSION`: this names the layout read and written, the DTD of
    /// 2013 plus the blocks seen since 2017 (`HORAIRES`, `ALTERNANCES`, `SALLES_COURS`,
    /// `SUPPLEANTS`).
    fn version(&self) -> &str {
        "2017"
    }

    fn description(&self) -> &str {
        "Export STS-Web vers l'emploi du temps (sts_emp_<UAJ>_<ANNEE>.xml, racine STS_EDT)"
    }

    fn sniff(&self, probe: &Probe<'_>) -> u8 {
        // The root alone is distinctive: `EDT_STS` (the reverse dialect) must score 0 so that
        // `--from sts-emp` on it is refused with the FICHIER_INVERSE sentence.
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
        reader::read(input)
    }

    fn write(
        &self,
        dataset: &Dataset,
        options: &WriteOptions,
    ) -> Result<Vec<OutputFile>, FormatError> {
        writer::write(dataset, options)
    }
}

/// The services grouped by structure, in the order the file holds them: divisions first,
/// then groups (the DTD order of `STRUCTURE`), each structure at the place of its first
/// service, its services in dataset order. The reader puts its services in this order and
/// the writer writes in it, so that read → write → read keeps the list as it is.
fn services_by_structure(services: &[Service]) -> Vec<(&StructureRef, Vec<usize>)> {
    let mut groups: Vec<(&StructureRef, Vec<usize>)> = Vec::new();
    let mut positions = std::collections::HashMap::new();
    for (index, service) in services.iter().enumerate() {
        let position = *positions.entry(&service.structure).or_insert_with(|| {
            groups.push((&service.structure, Vec::new()));
            groups.len() - 1
        });
        groups[position].1.push(index);
    }
    // Stable: the first-appearance order is kept within each kind.
    groups.sort_by_key(|(structure, _)| structure.kind);
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use passerelle_core::model::StructureKind;

    fn service(kind: StructureKind, code: &str, subject: &str) -> Service {
        Service {
            structure: StructureRef {
                kind,
                code: code.into(),
            },
            subject: subject.into(),
            ..Service::default()
        }
    }

    #[test]
    fn services_are_grouped_divisions_first_in_first_appearance_order() {
        let services = vec![
            service(StructureKind::Groupe, "G", "1"),
            service(StructureKind::Division, "6 B", "2"),
            service(StructureKind::Division, "6 A", "3"),
            service(StructureKind::Division, "6 B", "4"),
        ];
        let grouped: Vec<(String, Vec<usize>)> = services_by_structure(&services)
            .into_iter()
            .map(|(structure, indexes)| (structure.code.clone(), indexes))
            .collect();
        assert_eq!(
            grouped,
            vec![
                ("6 B".to_string(), vec![1, 3]),
                ("6 A".to_string(), vec![2]),
                ("G".to_string(), vec![0]),
            ]
        );
    }

    #[test]
    fn only_the_sts_edt_root_is_claimed() {
        let probe_of = |text: &'static str| {
            let root = passerelle_core::xml::probe_root(text);
            let probe = Probe {
                file_name: "x.xml",
                base_name: "x.xml",
                text,
                root: root.as_ref(),
            };
            STS_EMP.sniff(&probe)
        };
        assert_eq!(probe_of("<STS_EDT><PARAMETRES/></STS_EDT>"), score::SURE);
        assert_eq!(probe_of("<EDT_STS><PARAMETRES/></EDT_STS>"), score::NO);
        assert_eq!(probe_of("<BEE_ELEVES/>"), score::NO);
        assert_eq!(probe_of("pas du XML"), score::NO);
    }
}
