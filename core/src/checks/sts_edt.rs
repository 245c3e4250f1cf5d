//! Synchro 1 (STS-Web → EDT, `sts_emp`) and synchro 3 (EDT → STS-Web, `emp_sts` against
//! `sts_emp`).

use std::collections::BTreeSet;

use super::compare::CodeSet;
use super::{Sources, anomaly, anomaly_at};
use crate::diagnostics::Diagnostic;
use crate::model::{Dataset, Service, StaffMember, StructureKind};
use crate::objet;

/// Whose a service is, in messages: `de la division « 3 A »`, `du groupe « 3ESP2 »`.
pub fn of_structure(service: &Service) -> String {
    let code = service.structure.code.trim();
    match service.structure.kind {
        StructureKind::Division => format!("de la division « {code} »"),
        StructureKind::Groupe => format!("du groupe « {code} »"),
    }
}

/// A service in messages: `le service 030201 de la division « 3 A »`.
pub fn describe_service(service: &Service) -> String {
    format!(
        "le service {} {}",
        service.subject.trim(),
        of_structure(service)
    )
}

/// A staff member in messages: `EXEMPLE Anne (ID 12345)`.
fn describe_staff(member: &StaffMember) -> String {
    let name = [
        member
            .usage_name
            .as_deref()
            .or(member.birth_name.as_deref()),
        member.first_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    if name.is_empty() {
        format!("l'individu {}", member.id)
    } else {
        format!("{name} (ID {})", member.id)
    }
}

fn divisions(dataset: &Dataset) -> CodeSet {
    CodeSet::new(dataset.divisions.keys().map(String::as_str))
}

fn groups(dataset: &Dataset) -> CodeSet {
    CodeSet::new(dataset.groups.keys().map(String::as_str))
}

/// Synchro 1 on `sts_emp` alone: `SERVICES_ABSENTS`, `ENSEIGNANT_SANS_FONCTION`, and
/// `DIVISION_INCONNUE` for a group of `sts_emp` attached to a division it does not have.
pub fn check_sts(sources: &Sources<'_>) -> Vec<Diagnostic> {
    let Some(sts) = sources.sts else {
        return Vec::new();
    };
    let mut found = Vec::new();
    if sts.dataset.services.is_empty() {
        found.push(
            anomaly(
                "SERVICES_ABSENTS",
                format!(
                    "« {} » ne contient aucun service : la remontée de l'emploi du temps vers \
                     STS-Web n'a pas encore été faite",
                    sts.name
                ),
                objet!(fichier = sts.name),
            )
            .in_file(sts.name),
        );
    }
    let mut reported = BTreeSet::new();
    for service in &sts.dataset.services {
        for teacher in &service.teachers {
            let id = teacher.id.trim();
            let Some(member) = sts.dataset.staff.get(id) else {
                continue;
            };
            let without_function = member
                .function
                .as_deref()
                .is_none_or(|function| function.trim().is_empty());
            if without_function && reported.insert(id.to_string()) {
                let source = if member.source.is_unknown() {
                    &service.source
                } else {
                    &member.source
                };
                found.push(anomaly_at(
                    "ENSEIGNANT_SANS_FONCTION",
                    format!(
                        "{} n'a pas de fonction dans STS-Web mais porte {}",
                        describe_staff(member),
                        describe_service(service)
                    ),
                    objet!(enseignant = id),
                    source,
                ));
            }
        }
    }
    let known = divisions(sts.dataset);
    for group in sts.dataset.groups.values() {
        for attachment in &group.divisions {
            let code = attachment.code.trim();
            if code.is_empty() || known.contains(code) {
                continue;
            }
            found.push(anomaly_at(
                "DIVISION_INCONNUE",
                format!(
                    "Le groupe « {} » de sts_emp est rattaché à la division « {code} », qui \
                     n'est pas une division de sts_emp{}",
                    group.code.trim(),
                    known.hint(code)
                ),
                objet!(division = code),
                &group.source,
            ));
        }
    }
    found
}

/// Synchro 3, `emp_sts` against `sts_emp`: `MATIERE_INCONNUE`, `ENSEIGNANT_INCONNU`,
/// `DIVISION_INCONNUE` and `GROUPE_NOUVEAU`.
pub fn check_emp_sts(sources: &Sources<'_>) -> Vec<Diagnostic> {
    let (Some(emp), Some(sts)) = (sources.emp_sts, sources.sts) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let sts_divisions = divisions(sts.dataset);
    let sts_groups = groups(sts.dataset);
    let subjects = CodeSet::new(sts.dataset.subjects.keys().map(String::as_str));
    let staff = CodeSet::new(sts.dataset.staff.keys().map(String::as_str));
    let unknown_division = |code: &str, context: String, source| {
        anomaly_at(
            "DIVISION_INCONNUE",
            format!(
                "La division « {code} » ({context}) n'est pas une division de sts_emp{}",
                sts_divisions.hint(code)
            ),
            objet!(division = code),
            source,
        )
    };
    for division in emp.dataset.divisions.values() {
        let code = division.code.trim();
        if !code.is_empty() && !sts_divisions.contains(code) {
            found.push(unknown_division(
                code,
                "division de emp_sts".to_string(),
                &division.source,
            ));
        }
    }
    for group in emp.dataset.groups.values() {
        let code = group.code.trim();
        for attachment in &group.divisions {
            let division = attachment.code.trim();
            if !division.is_empty() && !sts_divisions.contains(division) {
                found.push(unknown_division(
                    division,
                    format!("rattachement du groupe « {code} » de emp_sts"),
                    &group.source,
                ));
            }
        }
        if !code.is_empty() && !sts_groups.contains(code) {
            found.push(new_group(code, &sts_groups, &group.source));
        }
    }
    for service in &emp.dataset.services {
        let structure = service.structure.code.trim();
        match service.structure.kind {
            StructureKind::Division if !sts_divisions.contains(structure) => {
                found.push(unknown_division(
                    structure,
                    format!("{} de emp_sts", describe_service(service)),
                    &service.source,
                ))
            }
            StructureKind::Groupe if !sts_groups.contains(structure) => {
                found.push(new_group(structure, &sts_groups, &service.source));
            }
            _ => {}
        }
        let subject = service.subject.trim();
        if !subjects.contains(subject) {
            found.push(anomaly_at(
                "MATIERE_INCONNUE",
                format!(
                    "La matière {subject}, utilisée par un service {} dans emp_sts, n'existe pas \
                     dans les matières de sts_emp{}",
                    of_structure(service),
                    subjects.hint(subject)
                ),
                objet!(matiere = subject),
                &service.source,
            ));
        }
        for teacher in &service.teachers {
            let id = teacher.id.trim();
            if !staff.contains(id) {
                found.push(anomaly_at(
                    "ENSEIGNANT_INCONNU",
                    format!(
                        "L'enseignant d'identifiant {id}, qui porte {} dans emp_sts, n'est ni \
                         dans les INDIVIDUS ni dans les SUPPLEANTS de sts_emp{}",
                        describe_service(service),
                        staff.hint(id)
                    ),
                    objet!(enseignant = id),
                    &service.source,
                ));
            }
        }
    }
    found
}

fn new_group(code: &str, sts_groups: &CodeSet, source: &crate::model::Source) -> Diagnostic {
    anomaly_at(
        "GROUPE_NOUVEAU",
        format!(
            "Le groupe « {code} » de emp_sts n'existe pas encore dans sts_emp : la remontée le \
             créera{}",
            sts_groups.hint(code)
        ),
        objet!(groupe = code),
        source,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{codes, file, found, fragment, group, service, staff, subject};
    use crate::model::StructureKind::{Division as D, Groupe as G};

    fn sts() -> Dataset {
        let mut dataset = fragment("sts_emp.xml", "sts-emp", "0999999Z", Some(2025));
        dataset.subjects.insert("030201".into(), subject("030201"));
        dataset
            .staff
            .insert("12345".into(), staff("12345", Some("ENS")));
        dataset.staff.insert("12346".into(), {
            let mut substitute = staff("12346", Some("ENS"));
            substitute.substitute = true;
            substitute
        });
        for code in ["3 A", "3 B"] {
            dataset
                .divisions
                .insert(code.into(), crate::checks::testing::division(code, &[]));
        }
        dataset
            .groups
            .insert("3ESP2".into(), group("3ESP2", &["3 A", "3 B"], &[]));
        dataset
            .services
            .push(service(D, "3 A", "030201", &["12345"]));
        dataset
    }

    fn emp() -> Dataset {
        let mut dataset = fragment("emp_sts.xml", "edt-sts", "0999999Z", None);
        dataset
            .divisions
            .insert("3 A".into(), crate::checks::testing::division("3 A", &[]));
        dataset
            .groups
            .insert("3ESP2".into(), group("3ESP2", &["3 A"], &[]));
        dataset
            .services
            .push(service(D, "3 A", "030201", &["12345"]));
        dataset
            .services
            .push(service(G, "3ESP2", "030201", &["12346"]));
        dataset
    }

    fn run_sts(dataset: &Dataset) -> Vec<Diagnostic> {
        check_sts(&Sources {
            sts: Some(file("sts_emp.xml", "sts-emp", dataset)),
            ..Sources::default()
        })
    }

    fn run_emp(sts: &Dataset, emp: &Dataset) -> Vec<Diagnostic> {
        check_emp_sts(&Sources {
            sts: Some(file("sts_emp.xml", "sts-emp", sts)),
            emp_sts: Some(file("emp_sts.xml", "edt-sts", emp)),
            ..Sources::default()
        })
    }

    #[test]
    fn coherent_files_raise_nothing() {
        assert!(run_sts(&sts()).is_empty());
        assert!(run_emp(&sts(), &emp()).is_empty());
        assert!(check_emp_sts(&Sources::default()).is_empty());
    }

    #[test]
    fn sts_without_services_is_services_absents() {
        let mut dataset = sts();
        dataset.services.clear();
        let result = run_sts(&dataset);
        assert_eq!(
            found(&result),
            [(
                "SERVICES_ABSENTS".to_string(),
                objet!(fichier = "sts_emp.xml")
            )]
        );
        assert_eq!(result[0].file.as_deref(), Some("sts_emp.xml"));
    }

    #[test]
    fn a_teacher_without_function_carrying_a_service_is_reported_once() {
        let mut dataset = sts();
        if let Some(member) = dataset.staff.get_mut("12345") {
            member.function = Some("  ".into());
        }
        dataset
            .services
            .push(service(G, "3ESP2", "030201", &["12345"]));
        // Without function but without service: nothing to say.
        dataset.staff.insert("99".into(), staff("99", None));
        let result = run_sts(&dataset);
        assert_eq!(
            found(&result),
            [(
                "ENSEIGNANT_SANS_FONCTION".to_string(),
                objet!(enseignant = "12345")
            )]
        );
        assert!(
            result[0].message.contains("EXEMPLE Anne (ID 12345)"),
            "{}",
            result[0].message
        );
        assert_eq!(result[0].line, Some(40), "located at the teacher");
        // A substitute is checked against its own function.
        let mut dataset = sts();
        if let Some(member) = dataset.staff.get_mut("12346") {
            member.function = None;
        }
        dataset
            .services
            .push(service(D, "3 B", "030201", &["12346"]));
        assert_eq!(codes(&run_sts(&dataset)), ["ENSEIGNANT_SANS_FONCTION"]);
    }

    #[test]
    fn a_subject_unknown_to_sts_is_matiere_inconnue_with_a_hint() {
        let mut dataset = emp();
        dataset
            .services
            .push(service(D, "3 A", "0302 01", &["12345"]));
        let result = run_emp(&sts(), &dataset);
        assert_eq!(
            found(&result),
            [("MATIERE_INCONNUE".to_string(), objet!(matiere = "0302 01"))]
        );
        assert!(
            result[0].message.contains("vouliez-vous dire « 030201 » ?"),
            "{}",
            result[0].message
        );
    }

    #[test]
    fn a_teacher_unknown_to_sts_is_enseignant_inconnu() {
        let mut dataset = emp();
        dataset
            .services
            .push(service(D, "3 A", "030201", &["12345", "77777"]));
        assert_eq!(
            found(&run_emp(&sts(), &dataset)),
            [(
                "ENSEIGNANT_INCONNU".to_string(),
                objet!(enseignant = "77777")
            )]
        );
    }

    #[test]
    fn divisions_unknown_to_sts_are_division_inconnue() {
        let mut dataset = emp();
        dataset
            .divisions
            .insert("3A".into(), crate::checks::testing::division("3A", &[]));
        dataset
            .groups
            .insert("3ALL2".into(), group("3ALL2", &["3 C"], &[]));
        let result = run_emp(&sts(), &dataset);
        assert_eq!(
            found(&result),
            [
                ("DIVISION_INCONNUE".to_string(), objet!(division = "3A")),
                ("DIVISION_INCONNUE".to_string(), objet!(division = "3 C")),
                ("GROUPE_NOUVEAU".to_string(), objet!(groupe = "3ALL2")),
            ]
        );
        assert!(
            result[0].message.contains("vouliez-vous dire « 3 A » ?"),
            "{}",
            result[0].message
        );
        // A group of sts_emp attached to a division sts_emp does not have: sts_emp alone.
        let mut alone = sts();
        alone
            .groups
            .insert("3LATIN".into(), group("3LATIN", &["3 A", "3 Z"], &[]));
        assert_eq!(
            found(&run_sts(&alone)),
            [("DIVISION_INCONNUE".to_string(), objet!(division = "3 Z"))]
        );
    }

    #[test]
    fn a_group_of_emp_sts_not_in_sts_is_groupe_nouveau() {
        let mut dataset = emp();
        dataset
            .services
            .push(service(G, "3CHORALE", "030201", &["12345"]));
        let result = run_emp(&sts(), &dataset);
        assert_eq!(
            found(&result),
            [("GROUPE_NOUVEAU".to_string(), objet!(groupe = "3CHORALE"))]
        );
        assert_eq!(result[0].severity, crate::Severity::Info);
        // Divisions and groups are separate namespaces.
        let mut dataset = emp();
        dataset
            .services
            .push(service(G, "3 A", "030201", &["12345"]));
        assert_eq!(codes(&run_emp(&sts(), &dataset)), ["GROUPE_NOUVEAU"]);
    }
}
