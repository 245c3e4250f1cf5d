//! Synchro 4 (STS-Web → SIECLE, structure): the divisions and groups of `sts_emp` against
//! SIECLE's `Structures.xml`, and groups SIECLE could not check students against.

use super::compare::CodeSet;
use super::{Sources, anomaly_at};
use crate::diagnostics::{Diagnostic, Objet};
use crate::model::{Dataset, Source};
use crate::objet;

/// One namespace of structures: its name in messages and how to build its `objet`.
struct Namespace {
    singular: &'static str,
    absent: &'static str,
    objet: fn(&str) -> Objet,
}

const DIVISIONS: Namespace = Namespace {
    singular: "La division",
    absent: "absente",
    objet: |code| objet!(division = code),
};

const GROUPS: Namespace = Namespace {
    singular: "Le groupe",
    absent: "absent",
    objet: |code| objet!(groupe = code),
};

const STS: &str = "STS-Web (sts_emp)";
const SIECLE: &str = "SIECLE (Structures.xml)";

/// The codes of one namespace with their provenance, blank codes left out.
fn codes_of<'a>(
    entries: impl Iterator<Item = (&'a str, &'a Source)>,
) -> Vec<(&'a str, &'a Source)> {
    entries
        .map(|(code, source)| (code.trim(), source))
        .filter(|(code, _)| !code.is_empty())
        .collect()
}

fn divisions_of(dataset: &Dataset) -> Vec<(&str, &Source)> {
    codes_of(
        dataset
            .divisions
            .values()
            .map(|division| (division.code.as_str(), &division.source)),
    )
}

fn groups_of(dataset: &Dataset) -> Vec<(&str, &Source)> {
    codes_of(
        dataset
            .groups
            .values()
            .map(|group| (group.code.as_str(), &group.source)),
    )
}

/// The structures of `from` absent from `into`, as `code`.
fn absent(
    code: &'static str,
    namespace: &Namespace,
    from: &[(&str, &Source)],
    into: &[(&str, &Source)],
    (from_label, into_label): (&str, &str),
) -> Vec<Diagnostic> {
    let known = CodeSet::new(into.iter().map(|(code, _)| *code));
    from.iter()
        .filter(|(structure, _)| !known.contains(structure))
        .map(|(structure, source)| {
            anomaly_at(
                code,
                format!(
                    "{} « {structure} » de {from_label} est {} de {into_label}{}",
                    namespace.singular,
                    namespace.absent,
                    known.hint(structure)
                ),
                (namespace.objet)(structure),
                source,
            )
        })
        .collect()
}

/// `STRUCTURE_ABSENTE_SIECLE` and `STRUCTURE_ABSENTE_STS`: `sts_emp` against `Structures.xml`.
pub fn check_structures(sources: &Sources<'_>) -> Vec<Diagnostic> {
    let (Some(sts), Some(siecle)) = (sources.sts, sources.structures) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (namespace, sts_codes, siecle_codes) in [
        (
            &DIVISIONS,
            divisions_of(sts.dataset),
            divisions_of(siecle.dataset),
        ),
        (&GROUPS, groups_of(sts.dataset), groups_of(siecle.dataset)),
    ] {
        found.extend(absent(
            "STRUCTURE_ABSENTE_SIECLE",
            namespace,
            &sts_codes,
            &siecle_codes,
            (STS, SIECLE),
        ));
        found.extend(absent(
            "STRUCTURE_ABSENTE_STS",
            namespace,
            &siecle_codes,
            &sts_codes,
            (SIECLE, STS),
        ));
    }
    found
}

/// `GROUPE_SANS_RATTACHEMENT`: a group of `sts_emp` attached to no division and no MEF (blank
/// attachments count as none). Needs `sts_emp` only.
pub fn check_group_attachments(sources: &Sources<'_>) -> Vec<Diagnostic> {
    let Some(sts) = sources.sts else {
        return Vec::new();
    };
    sts.dataset
        .groups
        .values()
        .filter(|group| {
            group
                .divisions
                .iter()
                .all(|division| division.code.trim().is_empty())
                && group.mefs.iter().all(|mef| mef.code.trim().is_empty())
        })
        .map(|group| {
            let code = group.code.trim();
            anomaly_at(
                "GROUPE_SANS_RATTACHEMENT",
                format!(
                    "Le groupe « {code} » de sts_emp n'est rattaché à aucune division ni à aucun \
                     MEF : SIECLE rejettera les liens de ses élèves"
                ),
                objet!(groupe = code),
                &group.source,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{division, file, found, fragment, group};

    fn structure(name: &str, format: &str, divisions: &[&str], groups: &[&str]) -> Dataset {
        let mut dataset = fragment(name, format, "0999999Z", Some(2025));
        for code in divisions {
            dataset
                .divisions
                .insert((*code).into(), division(code, &["10310019110"]));
        }
        for code in groups {
            dataset
                .groups
                .insert((*code).into(), group(code, &["3 A"], &[]));
        }
        dataset
    }

    fn run(sts: &Dataset, siecle: &Dataset) -> Vec<Diagnostic> {
        check_structures(&Sources {
            sts: Some(file("sts_emp.xml", "sts-emp", sts)),
            structures: Some(file("Structures.xml", "siecle-structures", siecle)),
            ..Sources::default()
        })
    }

    #[test]
    fn the_same_structure_on_both_sides_raises_nothing() {
        let sts = structure("sts_emp.xml", "sts-emp", &["3 A", "3 B"], &["3ESP2"]);
        let siecle = structure(
            "Structures.xml",
            "siecle-structures",
            &[" 3 A", "3 B"],
            &["3ESP2 "],
        );
        assert!(run(&sts, &siecle).is_empty());
        assert!(check_structures(&Sources::default()).is_empty());
    }

    #[test]
    fn structures_missing_on_either_side_are_reported_by_namespace() {
        let sts = structure("sts_emp.xml", "sts-emp", &["3 A", "3B"], &["3ESP2"]);
        let siecle = structure(
            "Structures.xml",
            "siecle-structures",
            &["3 A", "3 B"],
            &["3LATIN", "3B"],
        );
        let result = run(&sts, &siecle);
        assert_eq!(
            found(&result),
            [
                (
                    "STRUCTURE_ABSENTE_SIECLE".to_string(),
                    objet!(division = "3B")
                ),
                (
                    "STRUCTURE_ABSENTE_STS".to_string(),
                    objet!(division = "3 B")
                ),
                (
                    "STRUCTURE_ABSENTE_SIECLE".to_string(),
                    objet!(groupe = "3ESP2")
                ),
                ("STRUCTURE_ABSENTE_STS".to_string(), objet!(groupe = "3B")),
                (
                    "STRUCTURE_ABSENTE_STS".to_string(),
                    objet!(groupe = "3LATIN")
                ),
            ]
        );
        assert!(
            result[0].message.contains("vouliez-vous dire « 3 B » ?"),
            "{}",
            result[0].message
        );
        assert!(
            !result[3].message.contains("vouliez-vous"),
            "a division is no hint for a group: {}",
            result[3].message
        );
        assert_eq!(result[0].severity, crate::Severity::Error);
        assert_eq!(result[1].severity, crate::Severity::Warning);
    }

    #[test]
    fn a_group_attached_to_nothing_is_groupe_sans_rattachement() {
        let mut sts = structure("sts_emp.xml", "sts-emp", &["3 A"], &["3ESP2"]);
        sts.groups.insert("AS".into(), group("AS", &[" "], &[]));
        sts.groups
            .insert("3LATIN".into(), group("3LATIN", &[], &["10310019110"]));
        let sources = Sources {
            sts: Some(file("sts_emp.xml", "sts-emp", &sts)),
            ..Sources::default()
        };
        assert_eq!(
            found(&check_group_attachments(&sources)),
            [(
                "GROUPE_SANS_RATTACHEMENT".to_string(),
                objet!(groupe = "AS")
            )]
        );
        assert!(check_group_attachments(&Sources::default()).is_empty());
    }
}
