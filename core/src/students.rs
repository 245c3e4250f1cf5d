//! Finding the SIECLE student a reference names: by ELEVE_ID, INE, private id, then by
//! family name, first name and birth date, as SIECLE itself does.
//!
//! Used to link EDT list rows and liens entries (which carry no ELEVE_ID, or one that may be
//! wrong) to the students of the SIECLE export.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::diagnostics::{Diagnostic, Severity};
use crate::model::{Dataset, Student, StudentRef};
use crate::names::same_name;

/// How a reference was resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Found by an identifier (`ELEVE_ID`, INE or private id).
    ById(String),
    /// Found by family name, first name and birth date only.
    ByIdentity(String),
    /// Several students match the identity.
    Ambiguous(Vec<String>),
    /// No student matches.
    NotFound,
}

impl Resolution {
    /// The ELEVE_ID found, if exactly one.
    pub fn eleve_id(&self) -> Option<&str> {
        match self {
            Resolution::ById(id) | Resolution::ByIdentity(id) => Some(id),
            _ => None,
        }
    }
}

/// True when the reference's family name (against SIECLE's family or usage name), first name
/// and birth date match the student. With `with_other_first_names`, PRENOM2/PRENOM3 sent are
/// compared too (SIECLE's fallback does; identity checks do not).
pub fn identity_matches(
    student: &Student,
    reference: &StudentRef,
    with_other_first_names: bool,
) -> bool {
    let Some(family) = reference.family_name.as_deref() else {
        return false;
    };
    let family_ok = [
        student.family_name.as_deref(),
        student.usage_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .any(|name| same_name(name, family));
    let first_ok = match (
        reference.first_name.as_deref(),
        student.first_name.as_deref(),
    ) {
        (Some(sent), Some(known)) => same_name(sent, known),
        _ => false,
    };
    let birth_ok = reference.birth_date.is_some() && reference.birth_date == student.birth_date;
    let others_ok = !with_other_first_names
        || [
            (
                reference.first_name2.as_deref(),
                student.first_name2.as_deref(),
            ),
            (
                reference.first_name3.as_deref(),
                student.first_name3.as_deref(),
            ),
        ]
        .into_iter()
        .all(|(sent, known)| {
            sent.is_none_or(|sent| known.is_some_and(|known| same_name(sent, known)))
        });
    family_ok && first_ok && birth_ok && others_ok
}

/// The students of a dataset indexed by INE, private id and birth date, so that resolving a
/// reference costs a few lookups instead of a pass over every student (a liens file or an
/// EDT list names each student once: a pass per reference made checking quadratic).
#[derive(Debug)]
pub struct StudentIndex<'d> {
    dataset: &'d Dataset,
    /// Trimmed, upper-cased INE → the first student (in ELEVE_ID order) carrying it.
    by_ine: HashMap<String, &'d Student>,
    /// Trimmed, upper-cased ID_PRV_ELE → the first student carrying it.
    by_private_id: HashMap<String, &'d Student>,
    /// Birth date → the students born that day, in ELEVE_ID order.
    by_birth: HashMap<NaiveDate, Vec<&'d Student>>,
}

/// The key of an identifier compared as SIECLE does: trimmed, ASCII case ignored; a blank
/// one names nobody.
fn identifier_key(identifier: Option<&str>) -> Option<String> {
    identifier
        .map(str::trim)
        .filter(|identifier| !identifier.is_empty())
        .map(str::to_ascii_uppercase)
}

impl<'d> StudentIndex<'d> {
    /// Indexes the students of `dataset`.
    pub fn new(dataset: &'d Dataset) -> Self {
        let mut index = StudentIndex {
            dataset,
            by_ine: HashMap::new(),
            by_private_id: HashMap::new(),
            by_birth: HashMap::new(),
        };
        for student in dataset.students.values() {
            if let Some(key) = identifier_key(student.ine.as_deref()) {
                index.by_ine.entry(key).or_insert(student);
            }
            if let Some(key) = identifier_key(student.private_id.as_deref()) {
                index.by_private_id.entry(key).or_insert(student);
            }
            if let Some(birth) = student.birth_date {
                index.by_birth.entry(birth).or_default().push(student);
            }
        }
        index
    }

    /// The dataset indexed.
    pub fn dataset(&self) -> &'d Dataset {
        self.dataset
    }

    /// Resolves a reference among the students (present or not): by ELEVE_ID, INE, private
    /// id, then by family name, first name and birth date. With `with_other_first_names`,
    /// PRENOM2/PRENOM3 sent are compared too.
    pub fn resolve(&self, reference: &StudentRef, with_other_first_names: bool) -> Resolution {
        if let Some(id) = reference.eleve_id.as_deref()
            && self.dataset.students.contains_key(id.trim())
        {
            return Resolution::ById(id.trim().to_string());
        }
        let by_identifier = [
            (&self.by_ine, reference.ine.as_deref()),
            (&self.by_private_id, reference.private_id.as_deref()),
        ];
        for (table, identifier) in by_identifier {
            if let Some(student) = identifier_key(identifier).and_then(|key| table.get(&key)) {
                return Resolution::ById(student.eleve_id.clone());
            }
        }
        // Identity needs a birth date: only the students born that day can match.
        let matches: Vec<String> = reference
            .birth_date
            .and_then(|birth| self.by_birth.get(&birth))
            .into_iter()
            .flatten()
            .filter(|student| identity_matches(student, reference, with_other_first_names))
            .map(|student| student.eleve_id.clone())
            .collect();
        match matches.as_slice() {
            [] => Resolution::NotFound,
            [one] => Resolution::ByIdentity(one.clone()),
            _ => Resolution::Ambiguous(matches),
        }
    }

    /// The student a reference resolves to, when exactly one.
    pub fn student(
        &self,
        reference: &StudentRef,
        with_other_first_names: bool,
    ) -> Option<&'d Student> {
        self.resolve(reference, with_other_first_names)
            .eleve_id()
            .and_then(|id| self.dataset.students.get(id))
    }
}

/// Resolves one reference among the dataset's students (present or not). To resolve many,
/// build a [`StudentIndex`] once.
pub fn resolve(
    dataset: &Dataset,
    reference: &StudentRef,
    with_other_first_names: bool,
) -> Resolution {
    StudentIndex::new(dataset).resolve(reference, with_other_first_names)
}

/// A readable description of a reference for messages: names, birth date, identifier.
pub fn describe_reference(reference: &StudentRef) -> String {
    let mut text = [
        reference.family_name.as_deref(),
        reference.first_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    if text.is_empty() {
        text.push_str("élève sans nom");
    }
    if let Some(birth) = reference.birth_date {
        text.push_str(&format!(" né(e) le {}", crate::dates::format_french(birth)));
    }
    if let Some(id) = reference.identifier() {
        text.push_str(&format!(" (identifiant {id})"));
    }
    text
}

/// Code of the diagnostic for a reference that cannot be linked to a SIECLE student.
pub const ELEVE_NON_RELIE: &str = "ELEVE_NON_RELIE";

/// Gives an ELEVE_ID to every membership whose student is named by INE or identity only, when
/// the dataset has SIECLE students. Unmatched and ambiguous references are diagnostics naming
/// the row; they are left unlinked, never guessed.
pub fn link_memberships(dataset: &mut Dataset) -> Vec<Diagnostic> {
    if dataset.students.is_empty() {
        return Vec::new();
    }
    let mut diagnostics = Vec::new();
    let mut linked = Vec::with_capacity(dataset.memberships.len());
    let index = StudentIndex::new(dataset);
    for membership in &dataset.memberships {
        if membership
            .student
            .eleve_id
            .as_deref()
            .is_some_and(|id| dataset.students.contains_key(id))
        {
            linked.push(None);
            continue;
        }
        match index.resolve(&membership.student, false) {
            Resolution::ById(id) | Resolution::ByIdentity(id) => linked.push(Some(id)),
            Resolution::Ambiguous(ids) => {
                diagnostics.push(
                    Diagnostic::new(
                        ELEVE_NON_RELIE,
                        Severity::Warning,
                        format!(
                            "{} correspond à plusieurs élèves de SIECLE ({}) : l'appartenance au groupe « {} » n'est pas reliée.",
                            describe_reference(&membership.student),
                            ids.join(", "),
                            membership.group
                        ),
                    )
                    .with_fix("Ajoutez l'INE de l'élève dans EDT/PRONOTE, puis refaites l'export.")
                    .at(&membership.source),
                );
                linked.push(None);
            }
            Resolution::NotFound => {
                diagnostics.push(
                    Diagnostic::new(
                        ELEVE_NON_RELIE,
                        Severity::Warning,
                        format!(
                            "{} n'a été trouvé(e) dans l'export SIECLE ni par son INE ni par ses nom, prénom et date de naissance : l'appartenance au groupe « {} » n'est pas reliée.",
                            describe_reference(&membership.student),
                            membership.group
                        ),
                    )
                    .with_fix("Vérifiez l'identité de l'élève dans EDT/PRONOTE et dans SIECLE.")
                    .at(&membership.source),
                );
                linked.push(None);
            }
        }
    }
    for (membership, id) in dataset.memberships.iter_mut().zip(linked) {
        if let Some(id) = id {
            membership.student.eleve_id = Some(id);
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Membership;
    use chrono::NaiveDate;

    fn dataset() -> Dataset {
        let mut dataset = Dataset::new("0999999Z", Some(2025));
        for (id, ine, family, first) in [
            ("1001", Some("123456789AB"), "LÉVÊQUE", "Chloé"),
            ("1002", None, "MARTIN", "Noé"),
        ] {
            dataset.students.insert(
                id.into(),
                Student {
                    eleve_id: id.into(),
                    ine: ine.map(str::to_string),
                    family_name: Some(family.into()),
                    first_name: Some(first.into()),
                    birth_date: NaiveDate::from_ymd_opt(2012, 3, 15),
                    ..Student::default()
                },
            );
        }
        dataset
    }

    #[test]
    fn resolves_by_id_ine_then_identity() {
        let dataset = dataset();
        let by_ine = StudentRef {
            ine: Some(" 123456789ab ".into()),
            ..StudentRef::default()
        };
        assert_eq!(
            resolve(&dataset, &by_ine, false),
            Resolution::ById("1001".into())
        );
        let by_name = StudentRef {
            family_name: Some("martin".into()),
            first_name: Some("NOE".into()),
            birth_date: NaiveDate::from_ymd_opt(2012, 3, 15),
            ..StudentRef::default()
        };
        assert_eq!(
            resolve(&dataset, &by_name, false),
            Resolution::ByIdentity("1002".into())
        );
        let wrong_birth = StudentRef {
            birth_date: NaiveDate::from_ymd_opt(2012, 3, 16),
            ..by_name
        };
        assert_eq!(resolve(&dataset, &wrong_birth, false), Resolution::NotFound);
    }

    /// What resolution meant before the index: a pass over every student per reference.
    fn resolve_by_scan(dataset: &Dataset, reference: &StudentRef, others: bool) -> Resolution {
        let same = |a: Option<&str>, b: Option<&str>| match (a, b) {
            (Some(a), Some(b)) => a.trim().eq_ignore_ascii_case(b.trim()) && !a.trim().is_empty(),
            _ => false,
        };
        if let Some(id) = reference.eleve_id.as_deref()
            && dataset.students.contains_key(id.trim())
        {
            return Resolution::ById(id.trim().to_string());
        }
        let by = |field: fn(&Student) -> Option<&str>, sent: Option<&str>| {
            dataset
                .students
                .values()
                .find(|student| same(field(student), sent))
                .map(|student| Resolution::ById(student.eleve_id.clone()))
        };
        if let Some(found) =
            by(|student| student.ine.as_deref(), reference.ine.as_deref()).or_else(|| {
                by(
                    |student| student.private_id.as_deref(),
                    reference.private_id.as_deref(),
                )
            })
        {
            return found;
        }
        let matches: Vec<String> = dataset
            .students
            .values()
            .filter(|student| identity_matches(student, reference, others))
            .map(|student| student.eleve_id.clone())
            .collect();
        match matches.as_slice() {
            [] => Resolution::NotFound,
            [one] => Resolution::ByIdentity(one.clone()),
            _ => Resolution::Ambiguous(matches),
        }
    }

    #[test]
    fn the_index_resolves_as_a_scan_of_every_student_does() {
        let mut dataset = crate::demo::generate(&crate::demo::DemoParams {
            students: 200,
            ..crate::demo::DemoParams::default()
        });
        // Twins (same names and birth date), an INE given twice, a blank INE, private ids.
        let ids: Vec<String> = dataset.students.keys().cloned().collect();
        let first = dataset.students[&ids[0]].clone();
        if let Some(twin) = dataset.students.get_mut(&ids[1]) {
            twin.family_name = first.family_name.clone();
            twin.first_name = first.first_name.clone();
            twin.birth_date = first.birth_date;
            twin.ine = first.ine.clone();
        }
        if let Some(blank) = dataset.students.get_mut(&ids[2]) {
            blank.ine = Some("   ".into());
            blank.private_id = Some("PRV-2".into());
        }
        let mut references = vec![
            StudentRef {
                ine: Some("   ".into()),
                ..StudentRef::default()
            },
            StudentRef {
                private_id: Some(" prv-2 ".into()),
                ..StudentRef::default()
            },
            StudentRef {
                eleve_id: Some("inconnu".into()),
                family_name: Some("PERSONNE".into()),
                first_name: Some("Nul".into()),
                birth_date: first.birth_date,
                ..StudentRef::default()
            },
        ];
        for student in dataset.students.values() {
            references.push(StudentRef {
                ine: student
                    .ine
                    .as_deref()
                    .map(|ine| format!(" {} ", ine.to_lowercase())),
                ..StudentRef::default()
            });
            references.push(StudentRef {
                eleve_id: Some(format!("X{}", student.eleve_id)),
                family_name: student.family_name.as_deref().map(str::to_lowercase),
                first_name: student.first_name.clone(),
                first_name2: Some("Autre".into()),
                birth_date: student.birth_date,
                ..StudentRef::default()
            });
        }
        let index = StudentIndex::new(&dataset);
        for reference in &references {
            for others in [false, true] {
                assert_eq!(
                    index.resolve(reference, others),
                    resolve_by_scan(&dataset, reference, others),
                    "{reference:?}"
                );
            }
        }
        // The first student carrying an INE wins; twins are ambiguous, in ELEVE_ID order.
        let by_ine = StudentRef {
            ine: first.ine.clone(),
            ..StudentRef::default()
        };
        assert_eq!(
            index.resolve(&by_ine, false),
            Resolution::ById(ids[0].clone())
        );
        let twins = StudentRef {
            family_name: first.family_name.clone(),
            first_name: first.first_name.clone(),
            birth_date: first.birth_date,
            ..StudentRef::default()
        };
        assert_eq!(
            index.resolve(&twins, false),
            Resolution::Ambiguous(vec![ids[0].clone(), ids[1].clone()])
        );
    }

    #[test]
    fn links_memberships_and_reports_the_rest() {
        let mut dataset = dataset();
        dataset.memberships.push(Membership {
            student: StudentRef {
                ine: Some("123456789AB".into()),
                ..StudentRef::default()
            },
            group: "4ESP2".into(),
            origin: "edt-table".into(),
            ..Membership::default()
        });
        dataset.memberships.push(Membership {
            student: StudentRef {
                family_name: Some("INCONNU".into()),
                first_name: Some("Personne".into()),
                ..StudentRef::default()
            },
            group: "4ESP2".into(),
            origin: "edt-table".into(),
            ..Membership::default()
        });
        let diagnostics = link_memberships(&mut dataset);
        assert_eq!(
            dataset.memberships[0].student.eleve_id.as_deref(),
            Some("1001")
        );
        assert_eq!(dataset.memberships[1].student.eleve_id, None);
        assert_eq!(diagnostics.len(), 1);
        assert!(diagnostics[0].message.contains("INCONNU Personne"));
    }
}
