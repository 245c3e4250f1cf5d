//! Synchro 2 (SIECLE → PRONOTE): the students export against itself.
//!
//! `DOUBLON_ELEVE_ID` is found where a second record appears: by the SIECLE reader within
//! the file, and by the merge across files (`merge.rs`); the other codes are here.

use std::collections::BTreeMap;

use super::{Reference, Sources, anomaly_at};
use crate::diagnostics::Diagnostic;
use crate::model::Student;
use crate::objet;

/// A student in messages: `EXEMPLE Léa (ELEVE_ID 1234567, division 3 A)`.
pub fn describe_student(student: &Student) -> String {
    let mut details = format!("ELEVE_ID {}", student.eleve_id);
    if let Some(division) = division_of(student) {
        details.push_str(&format!(", division {division}"));
    }
    format!("{} ({details})", student.display_name())
}

/// The student's division (structure of type D), blank being none.
pub fn division_of(student: &Student) -> Option<&str> {
    student
        .division
        .as_deref()
        .map(str::trim)
        .filter(|division| !division.is_empty())
}

/// An INE as compared: trimmed and upper-cased; blank is none.
fn normalized_ine(student: &Student) -> Option<String> {
    student
        .ine
        .as_deref()
        .map(|ine| ine.trim().to_uppercase())
        .filter(|ine| !ine.is_empty())
}

/// Present at the reference date (everyone when there is none).
fn present(student: &Student, reference: &Reference) -> bool {
    reference
        .date
        .is_none_or(|date| student.is_present_at(date))
}

/// `DOUBLON_INE`, `INE_ABSENT`, `ELEVE_SANS_DIVISION` and `ELEVE_SORTI_DANS_DIVISION` on the
/// SIECLE students file.
pub fn check_students(sources: &Sources<'_>, reference: &Reference) -> Vec<Diagnostic> {
    let Some(file) = sources.students else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut by_ine: BTreeMap<String, Vec<&Student>> = BTreeMap::new();
    for student in file.dataset.students.values() {
        if !present(student, reference) {
            if let Some(division) = division_of(student) {
                let left = student
                    .leaving_date
                    .map(crate::dates::format_french)
                    .unwrap_or_default();
                found.push(anomaly_at(
                    "ELEVE_SORTI_DANS_DIVISION",
                    format!(
                        "{}, sorti(e) le {left}, est encore rattaché(e) à la division « {division} »",
                        describe_student(student)
                    ),
                    objet!(eleve_id = student.eleve_id.clone()),
                    &student.source,
                ));
            }
            continue;
        }
        match normalized_ine(student) {
            Some(ine) => by_ine.entry(ine).or_default().push(student),
            None => found.push(anomaly_at(
                "INE_ABSENT",
                format!("{} n'a pas d'INE", describe_student(student)),
                objet!(eleve_id = student.eleve_id.clone()),
                &student.source,
            )),
        }
        if division_of(student).is_none() {
            found.push(anomaly_at(
                "ELEVE_SANS_DIVISION",
                format!(
                    "{} n'est dans aucune division : il n'apparaîtra dans aucune classe",
                    describe_student(student)
                ),
                objet!(eleve_id = student.eleve_id.clone()),
                &student.source,
            ));
        }
    }
    for (ine, mut students) in by_ine {
        if students.len() < 2 {
            continue;
        }
        // Located where the INE appears a second time in the file.
        students.sort_by_key(|student| student.source.ligne);
        let names: Vec<String> = students
            .iter()
            .map(|student| describe_student(student))
            .collect();
        found.push(anomaly_at(
            "DOUBLON_INE",
            format!(
                "L'INE {ine} est porté par {} élèves présents : {}",
                students.len(),
                names.join(", ")
            ),
            objet!(ine = ine.clone()),
            &students[1].source,
        ));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{codes, day, file, found, fragment, student};
    use crate::model::Dataset;

    fn students(list: Vec<Student>) -> Dataset {
        let mut dataset = fragment(
            "ElevesSansAdresses.xml",
            "siecle-eleves",
            "0999999Z",
            Some(2025),
        );
        for student in list {
            dataset.students.insert(student.eleve_id.clone(), student);
        }
        dataset
    }

    fn run(dataset: &Dataset, date: Option<chrono::NaiveDate>) -> Vec<Diagnostic> {
        let sources = Sources {
            students: Some(file("ElevesSansAdresses.xml", "siecle-eleves", dataset)),
            ..Sources::default()
        };
        check_students(
            &sources,
            &Reference {
                date,
                ..Reference::default()
            },
        )
    }

    #[test]
    fn clean_students_raise_nothing() {
        let dataset = students(vec![
            student("1001", Some("123456789AA"), Some("3 A")),
            student("1002", Some("123456789AB"), Some("3 A")),
        ]);
        assert!(run(&dataset, Some(day(2025, 10, 14))).is_empty());
        assert!(check_students(&Sources::default(), &Reference::default()).is_empty());
    }

    #[test]
    fn two_present_students_sharing_an_ine_is_doublon_ine() {
        let mut second = student("1002", Some(" 123456789aa "), Some("3 B"));
        second.source.ligne = Some(80);
        let dataset = students(vec![
            student("1001", Some("123456789AA"), Some("3 A")),
            second,
        ]);
        let result = run(&dataset, Some(day(2025, 10, 14)));
        assert_eq!(
            found(&result),
            [("DOUBLON_INE".to_string(), objet!(ine = "123456789AA"))]
        );
        assert_eq!(result[0].line, Some(80));
        assert!(
            result[0].message.contains("ELEVE_ID 1001"),
            "{}",
            result[0].message
        );
        assert!(
            result[0].message.contains("ELEVE_ID 1002"),
            "{}",
            result[0].message
        );
        // A student who left does not count.
        let mut left = student("1002", Some("123456789AA"), None);
        left.leaving_date = Some(day(2025, 9, 30));
        let dataset = students(vec![
            student("1001", Some("123456789AA"), Some("3 A")),
            left,
        ]);
        assert!(run(&dataset, Some(day(2025, 10, 14))).is_empty());
    }

    #[test]
    fn a_present_student_without_ine_is_ine_absent() {
        let dataset = students(vec![
            student("1001", None, Some("3 A")),
            student("1002", Some("   "), Some("3 A")),
        ]);
        assert_eq!(
            found(&run(&dataset, None)),
            [
                ("INE_ABSENT".to_string(), objet!(eleve_id = "1001")),
                ("INE_ABSENT".to_string(), objet!(eleve_id = "1002")),
            ]
        );
    }

    #[test]
    fn a_present_student_without_division_is_eleve_sans_division() {
        let dataset = students(vec![
            student("1001", Some("123456789AA"), None),
            student("1002", Some("123456789AB"), Some(" ")),
        ]);
        assert_eq!(
            codes(&run(&dataset, None)),
            ["ELEVE_SANS_DIVISION", "ELEVE_SANS_DIVISION"]
        );
    }

    #[test]
    fn a_leaver_still_in_a_division_is_only_information() {
        let mut left = student("1001", None, Some("3 A"));
        left.leaving_date = Some(day(2025, 10, 1));
        let mut left_without_division = student("1002", None, None);
        left_without_division.leaving_date = Some(day(2025, 10, 1));
        let dataset = students(vec![left, left_without_division]);
        let result = run(&dataset, Some(day(2025, 10, 14)));
        assert_eq!(
            found(&result),
            [(
                "ELEVE_SORTI_DANS_DIVISION".to_string(),
                objet!(eleve_id = "1001")
            )]
        );
        assert!(
            result[0].message.contains("01/10/2025"),
            "{}",
            result[0].message
        );
        // Leaving on the reference date means gone; leaving after it means present.
        assert_eq!(
            codes(&run(&dataset, Some(day(2025, 10, 1)))),
            ["ELEVE_SORTI_DANS_DIVISION"]
        );
        assert_eq!(
            codes(&run(&dataset, Some(day(2025, 9, 30)))),
            ["INE_ABSENT", "INE_ABSENT", "ELEVE_SANS_DIVISION"]
        );
    }
}
