//! Merging several inputs into one dataset.
//!
//! Datasets of different establishments or years are never merged. The same entity read from
//! two files is merged field by field: a value fills a gap; two different values are a
//! conflict, reported as a `CONFLIT_FUSION` diagnostic, and the first value is kept. A student
//! whose ELEVE_ID comes with another family name, first name or birth date is not a conflict
//! but two students under one key: it is the anomaly `DOUBLON_ELEVE_ID` (CHECKS.md).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diagnostics::{Diagnostic, Objet, Severity, codes};
use crate::model::{
    Address, Alternance, CodeItem, CompulsoryOption, Dataset, DayHours, Division,
    DivisionAttachment, Establishment, Extra, Group, Guardian, GuardianLink, Mef, MefAttachment,
    Membership, Programme, Room, SchoolYear, Service, ServiceTeacher, Source, StaffMember, Student,
    Subject, YearBounds,
};

/// Why two datasets cannot be merged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// Different establishments.
    #[error(
        "« {second_file} » concerne l'établissement {second}, mais « {first_file} » concerne {first} : \
         donnez les fichiers d'un seul établissement à la fois"
    )]
    DifferentUaj {
        /// A file of the dataset merged into.
        first_file: String,
        /// Its UAJ.
        first: String,
        /// The file being merged.
        second_file: String,
        /// Its UAJ.
        second: String,
    },
    /// Different school years.
    #[error(
        "« {second_file} » concerne l'année {second}, mais « {first_file} » concerne l'année {first} : \
         exportez tous les fichiers pour la même année scolaire"
    )]
    DifferentYear {
        /// A file of the dataset merged into.
        first_file: String,
        /// Its millésime.
        first: i32,
        /// The file being merged.
        second_file: String,
        /// Its millésime.
        second: i32,
    },
}

/// Compares UAJ as the catalogue says: trimmed, ignoring case.
pub fn same_uaj(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Collects conflicts while merging one entity.
struct Conflicts<'a> {
    found: &'a mut Vec<Diagnostic>,
    entity: String,
    mine: Source,
    theirs: Source,
}

fn show<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => format!("« {text} »"),
        Ok(other) => other.to_string(),
        Err(_) => "?".to_string(),
    }
}

fn file_of(source: &Source) -> String {
    if source.fichier.is_empty() {
        "un fichier".to_string()
    } else {
        match source.ligne {
            Some(line) => format!("{} (ligne {line})", source.fichier),
            None => source.fichier.clone(),
        }
    }
}

impl Conflicts<'_> {
    fn report<T: Serialize>(&mut self, field: &str, mine: &T, theirs: &T) {
        let message = format!(
            "{} : {field} vaut {} dans {} mais {} dans {} ; la première valeur est gardée.",
            self.entity,
            show(mine),
            file_of(&self.mine),
            show(theirs),
            file_of(&self.theirs),
        );
        self.found.push(
            Diagnostic::new(codes::CONFLIT_FUSION, Severity::Warning, message)
                .at(&self.theirs)
                .with_fix("Vérifiez que les fichiers ont été exportés le même jour, pour le même établissement.")
                .with_objet(Objet::default()),
        );
    }

    fn option<T: PartialEq + Serialize>(
        &mut self,
        field: &str,
        mine: &mut Option<T>,
        theirs: Option<T>,
    ) {
        match (mine.as_ref(), theirs) {
            (None, Some(value)) => *mine = Some(value),
            (Some(current), Some(value)) if *current != value => {
                self.report(field, current, &value)
            }
            _ => {}
        }
    }

    fn list<T: PartialEq + Serialize>(&mut self, field: &str, mine: &mut Vec<T>, theirs: Vec<T>) {
        if mine.is_empty() {
            *mine = theirs;
        } else if !theirs.is_empty() && *mine != theirs {
            self.report(field, mine, &theirs);
        }
    }

    fn flag(&mut self, mine: &mut bool, theirs: bool) {
        *mine |= theirs;
    }

    /// Lists of items identified by a code (MEF and division attachments, a service's
    /// teachers): the same codes in the same order are the same items, whose fields fill
    /// gaps (headcounts are STS-only, courses emp_sts-only); other codes are a conflict.
    fn attachments<T: Attachment>(&mut self, field: &str, mine: &mut Vec<T>, theirs: Vec<T>) {
        let same_codes = mine.len() == theirs.len()
            && mine.iter().zip(&theirs).all(|(a, b)| a.code() == b.code());
        if same_codes {
            for (attachment, other) in mine.iter_mut().zip(theirs) {
                attachment.fill(other, field, self);
            }
        } else {
            self.list(field, mine, theirs);
        }
    }
}

/// An item of a list identified by a code: a MEF or division attachment, a service teacher.
trait Attachment: PartialEq + Serialize {
    fn code(&self) -> &str;
    fn fill(&mut self, theirs: Self, field: &str, conflicts: &mut Conflicts<'_>);
}

macro_rules! attachment_impl {
    ($type:ty) => {
        impl Attachment for $type {
            fn code(&self) -> &str {
                &self.code
            }
            fn fill(&mut self, theirs: Self, field: &str, conflicts: &mut Conflicts<'_>) {
                let planned = format!("{field} {} planned", self.code);
                conflicts.option(&planned, &mut self.planned, theirs.planned);
                let actual = format!("{field} {} actual", self.code);
                conflicts.option(&actual, &mut self.actual, theirs.actual);
                merge_extra(&mut self.extra, theirs.extra);
            }
        }
    };
}

attachment_impl!(MefAttachment);
attachment_impl!(DivisionAttachment);

impl Attachment for ServiceTeacher {
    fn code(&self) -> &str {
        &self.id
    }
    fn fill(&mut self, theirs: Self, field: &str, conflicts: &mut Conflicts<'_>) {
        let name = |what: &str| format!("{field} {} {what}", self.id);
        conflicts.option(&name("kind"), &mut self.kind, theirs.kind);
        conflicts.option(&name("hours"), &mut self.hours, theirs.hours);
        conflicts.option(&name("weighting"), &mut self.weighting, theirs.weighting);
        conflicts.list(&name("courses"), &mut self.courses, theirs.courses);
        merge_extra(&mut self.extra, theirs.extra);
    }
}

/// Extras are format-specific: a union by element name, never a conflict.
fn merge_extra(mine: &mut Extra, theirs: Extra) {
    for node in theirs.0 {
        if mine.get(&node.name).is_none() {
            mine.push(node);
        }
    }
}

/// Field-by-field merge of one entity.
trait Merge: Sized {
    fn label(&self) -> String;
    fn source(&self) -> Source;
    fn merge_fields(&mut self, theirs: Self, conflicts: &mut Conflicts<'_>);
}

fn merge_entity<T: Merge>(mine: &mut T, theirs: T, found: &mut Vec<Diagnostic>) {
    let mut conflicts = Conflicts {
        found,
        entity: mine.label(),
        mine: mine.source(),
        theirs: theirs.source(),
    };
    mine.merge_fields(theirs, &mut conflicts);
}

/// Lists the `Option` fields, then the list fields, of an entity, and merges its extra. A
/// `before` hook sees both values first (and may clear fields of theirs it has dealt with).
macro_rules! merge_impl {
    ($type:ty, |$self_:ident| $label:expr, source: $has_source:tt,
     options: [$($option:ident),*], lists: [$($list:ident),*]
     $(, attachments: [$($attachment:ident),*])? $(, flags: [$($flag:ident),*])?
     $(, before: $before:path)?) => {
        impl Merge for $type {
            fn label(&$self_) -> String {
                $label
            }
            fn source(&self) -> Source {
                merge_impl!(@source self, $has_source)
            }
            #[allow(unused_mut, reason = "only a `before` hook changes theirs")]
            fn merge_fields(&mut self, mut theirs: Self, conflicts: &mut Conflicts<'_>) {
                $($before(self, &mut theirs, conflicts);)?
                $(conflicts.option(stringify!($option), &mut self.$option, theirs.$option);)*
                $(conflicts.list(stringify!($list), &mut self.$list, theirs.$list);)*
                $($(conflicts.attachments(
                    stringify!($attachment), &mut self.$attachment, theirs.$attachment);)*)?
                $($(conflicts.flag(&mut self.$flag, theirs.$flag);)*)?
                merge_extra(&mut self.extra, theirs.extra);
            }
        }
    };
    (@source $self_:ident, true) => { $self_.source.clone() };
    (@source $self_:ident, false) => { Source::default() };
}

merge_impl!(Establishment, |self| format!("l'établissement {}", self.uaj), source: false,
    options: [academy_code, academy_name, acronym, name, name_complement], lists: []);
merge_impl!(Subject, |self| format!("la matière {}", self.code), source: true,
    options: [management_code, short_label, long_label, edition_label], lists: []);
merge_impl!(Mef, |self| format!("le MEF {}", self.code), source: true,
    options: [formation, speciality, long_label, edition_label, mefstat11, mefstat4], lists: []);
merge_impl!(CodeItem, |self| format!("le code {}", self.code), source: true,
    options: [short_label, long_label], lists: []);
merge_impl!(StaffMember, |self| format!("l'individu {}", self.id), source: true,
    options: [kind, sex, civility, usage_name, birth_name, first_name, birth_date, grade, function],
    lists: [main_teacher_of, disciplines, allowances, other_responsibilities],
    flags: [substitute]);
merge_impl!(Division, |self| format!("la division « {} »", self.code), source: true,
    options: [label, planned, actual], lists: [], attachments: [mefs]);
merge_impl!(Group, |self| format!("le groupe « {} »", self.code), source: true,
    options: [label, planned, actual, max_timetable], lists: [], attachments: [divisions, mefs]);
merge_impl!(Service, |self| format!(
        "le service {} de « {} »", self.subject, self.structure.code), source: true,
    options: [hours, co_teaching], lists: [], attachments: [teachers]);
merge_impl!(Alternance, |self| format!("l'alternance {}", self.code), source: true,
    options: [short_label, long_label], lists: [weeks]);
merge_impl!(Room, |self| format!("la salle {}", self.code), source: true,
    options: [room_group, location], lists: []);
merge_impl!(DayHours, |self| format!("l'horaire du jour {}", self.day), source: false,
    options: [start, end], lists: []);
merge_impl!(Student, |self| format!("l'élève {} ({})", self.display_name(), self.eleve_id),
    source: true,
    options: [elenoet, ine, school_id, private_id, family_name, usage_name, first_name,
        first_name2, first_name3, birth_date, sex, mef, entry_date, leaving_date, leaving_reason,
        division, address_id],
    lists: [options, grants], before: student_identity);

/// Two students under one ELEVE_ID (`DOUBLON_ELEVE_ID`): the first identity is kept, and the
/// other's identity fields are cleared so that they are not reported again as conflicts.
fn student_identity(mine: &mut Student, theirs: &mut Student, conflicts: &mut Conflicts<'_>) {
    let names_differ = |a: &Option<String>, b: &Option<String>| match (a, b) {
        (Some(a), Some(b)) => !crate::names::same_name(a, b),
        _ => false,
    };
    let births_differ = matches!(
        (mine.birth_date, theirs.birth_date),
        (Some(a), Some(b)) if a != b
    );
    if !(names_differ(&mine.family_name, &theirs.family_name)
        || names_differ(&mine.first_name, &theirs.first_name)
        || births_differ)
    {
        return;
    }
    let identity = |student: &Student| {
        let birth = student
            .birth_date
            .map(|date| format!(" né(e) le {}", crate::dates::format_french(date)))
            .unwrap_or_default();
        format!(
            "{}{birth} ({})",
            student.display_name(),
            file_of(&student.source)
        )
    };
    let message = format!(
        "L'ELEVE_ID {} désigne deux élèves différents : {} et {} ; le premier est gardé.",
        mine.eleve_id,
        identity(mine),
        identity(theirs)
    );
    conflicts.found.push(crate::checks::anomaly_at(
        "DOUBLON_ELEVE_ID",
        message,
        crate::objet!(eleve_id = mine.eleve_id.clone()),
        &theirs.source,
    ));
    theirs.family_name = None;
    theirs.first_name = None;
    theirs.birth_date = None;
}
merge_impl!(Guardian, |self| format!("le responsable {}", self.id), source: true,
    options: [civility, family_name, usage_name, first_name, address_id], lists: []);
merge_impl!(GuardianLink, |self| format!(
        "le lien entre l'élève {} et le responsable {}", self.eleve_id, self.guardian_id),
    source: true,
    options: [responsibility_level, legal_guardian, relationship], lists: []);
merge_impl!(Address, |self| format!("l'adresse {}", self.id), source: true,
    options: [postal_code, city, country_code], lists: [lines]);
merge_impl!(Membership, |self| format!(
        "l'appartenance de l'élève {} au groupe « {} »",
        self.student.identifier().unwrap_or("?"), self.group), source: true,
    options: [start, end], lists: []);

fn merge_map<T: Merge>(
    mine: &mut std::collections::BTreeMap<String, T>,
    theirs: std::collections::BTreeMap<String, T>,
    found: &mut Vec<Diagnostic>,
) {
    for (key, value) in theirs {
        match mine.get_mut(&key) {
            Some(existing) => merge_entity(existing, value, found),
            None => {
                mine.insert(key, value);
            }
        }
    }
}

fn merge_keyed<T: Merge, K: Ord>(
    mine: &mut Vec<T>,
    theirs: Vec<T>,
    key: impl Fn(&T) -> K,
    found: &mut Vec<Diagnostic>,
) {
    // An index of the first entity per key: a linear search per entity made merging two
    // lists of thousands of memberships take seconds.
    let mut index: std::collections::BTreeMap<K, usize> = std::collections::BTreeMap::new();
    for (position, existing) in mine.iter().enumerate() {
        index.entry(key(existing)).or_insert(position);
    }
    for value in theirs {
        let wanted = key(&value);
        match index
            .get(&wanted)
            .and_then(|position| mine.get_mut(*position))
        {
            Some(existing) => merge_entity(existing, value, found),
            None => {
                index.insert(wanted, mine.len());
                mine.push(value);
            }
        }
    }
}

/// Appends the values of `theirs` that `mine` does not hold yet. `key` must agree with
/// equality (equal values have equal keys): only values with the same key are compared,
/// rather than each value with all the others.
fn append_new<T: PartialEq, K: Ord>(mine: &mut Vec<T>, theirs: Vec<T>, key: impl Fn(&T) -> K) {
    let mut buckets: BTreeMap<K, Vec<usize>> = BTreeMap::new();
    for (position, value) in mine.iter().enumerate() {
        buckets.entry(key(value)).or_default().push(position);
    }
    for value in theirs {
        let bucket = buckets.entry(key(&value)).or_default();
        if bucket.iter().all(|position| mine[*position] != value) {
            bucket.push(mine.len());
            mine.push(value);
        }
    }
}

fn merge_bounds(mine: &mut YearBounds, theirs: YearBounds, conflicts: &mut Conflicts<'_>) {
    conflicts.option("start", &mut mine.start, theirs.start);
    conflicts.option("end", &mut mine.end, theirs.end);
    conflicts.option("staff_start", &mut mine.staff_start, theirs.staff_start);
    conflicts.option("staff_end", &mut mine.staff_end, theirs.staff_end);
}

fn merge_school_year(mine: &mut SchoolYear, theirs: SchoolYear, found: &mut Vec<Diagnostic>) {
    let mut conflicts = Conflicts {
        found,
        entity: "l'année scolaire".to_string(),
        mine: Source::default(),
        theirs: Source::default(),
    };
    if mine.millesime.is_none() {
        mine.millesime = theirs.millesime;
    }
    merge_bounds(&mut mine.bounds, theirs.bounds, &mut conflicts);
    match (&mut mine.previous, theirs.previous) {
        (None, Some(previous)) => mine.previous = Some(previous),
        (Some(current), Some(previous)) => merge_bounds(current, previous, &mut conflicts),
        _ => {}
    }
    merge_extra(&mut mine.extra, theirs.extra);
}

fn first_file(dataset: &Dataset) -> String {
    dataset
        .files
        .first()
        .map(|file| file.fichier.clone())
        .unwrap_or_else(|| "les fichiers précédents".to_string())
}

/// Checks that two datasets concern the same establishment and year.
pub fn check_compatible(mine: &Dataset, theirs: &Dataset) -> Result<(), MergeError> {
    let (uaj, other_uaj) = (&mine.establishment.uaj, &theirs.establishment.uaj);
    if !uaj.trim().is_empty() && !other_uaj.trim().is_empty() && !same_uaj(uaj, other_uaj) {
        return Err(MergeError::DifferentUaj {
            first_file: first_file(mine),
            first: uaj.trim().to_string(),
            second_file: first_file(theirs),
            second: other_uaj.trim().to_string(),
        });
    }
    if let (Some(year), Some(other_year)) =
        (mine.school_year.millesime, theirs.school_year.millesime)
        && year != other_year
    {
        return Err(MergeError::DifferentYear {
            first_file: first_file(mine),
            first: year,
            second_file: first_file(theirs),
            second: other_year,
        });
    }
    Ok(())
}

/// Merges `theirs` into `mine`. Returns the conflicts found (values of `mine` are kept).
pub fn merge(mine: &mut Dataset, theirs: Dataset) -> Result<Vec<Diagnostic>, MergeError> {
    check_compatible(mine, &theirs)?;
    let mut found = Vec::new();
    let Dataset {
        files,
        establishment,
        school_year,
        reference_date,
        subjects,
        mefs,
        code_lists,
        programmes,
        compulsory_options,
        staff,
        divisions,
        groups,
        services,
        timetable,
        students,
        guardians,
        guardian_links,
        addresses,
        memberships,
        extra,
    } = theirs;

    mine.files.extend(files);
    if mine.establishment.uaj.trim().is_empty() {
        mine.establishment.uaj = establishment.uaj.clone();
    }
    merge_entity(&mut mine.establishment, establishment, &mut found);
    merge_school_year(&mut mine.school_year, school_year, &mut found);
    if mine.reference_date.is_none() {
        mine.reference_date = reference_date;
    }
    merge_map(&mut mine.subjects, subjects, &mut found);
    merge_map(&mut mine.mefs, mefs, &mut found);
    for (list, items) in code_lists {
        merge_map(mine.code_lists.entry(list).or_default(), items, &mut found);
    }
    append_new(&mut mine.programmes, programmes, |programme: &Programme| {
        (programme.mef.clone(), programme.subject.clone())
    });
    append_new(
        &mut mine.compulsory_options,
        compulsory_options,
        |option: &CompulsoryOption| (option.mef.clone(), option.subject.clone()),
    );
    merge_map(&mut mine.staff, staff, &mut found);
    merge_map(&mut mine.divisions, divisions, &mut found);
    merge_map(&mut mine.groups, groups, &mut found);
    merge_keyed(&mut mine.services, services, Service::key, &mut found);
    merge_keyed(
        &mut mine.timetable.day_hours,
        timetable.day_hours,
        |hours| hours.day,
        &mut found,
    );
    merge_map(
        &mut mine.timetable.alternances,
        timetable.alternances,
        &mut found,
    );
    merge_map(&mut mine.timetable.rooms, timetable.rooms, &mut found);
    append_new(&mut mine.timetable.courses, timetable.courses, |course| {
        (course.day, course.start, course.subject.clone())
    });
    merge_map(&mut mine.students, students, &mut found);
    merge_map(&mut mine.guardians, guardians, &mut found);
    merge_keyed(
        &mut mine.guardian_links,
        guardian_links,
        |link| (link.eleve_id.clone(), link.guardian_id.clone()),
        &mut found,
    );
    merge_map(&mut mine.addresses, addresses, &mut found);
    merge_keyed(
        &mut mine.memberships,
        memberships,
        // The origin is part of the key: `convert --to pronote-liens` chooses memberships by
        // origin, so the same link stated by two files must stay under both.
        |membership| {
            let student = &membership.student;
            let identifier = student.identifier().map(str::to_string);
            // Rows named by identity only (EDT lists without INE) are told apart by it.
            let identity = identifier.is_none().then(|| {
                (
                    student.family_name.clone(),
                    student.first_name.clone(),
                    student.birth_date,
                )
            });
            // Each source keeps its own links: the liens writer chooses a source by origin.
            (
                membership.origin.clone(),
                identifier,
                identity,
                membership.group.clone(),
            )
        },
        &mut found,
    );
    merge_extra(&mut mine.extra, extra);
    Ok(found)
}

/// Merges fragments in order into one dataset; the first conflicts win.
pub fn merge_all(
    fragments: impl IntoIterator<Item = Dataset>,
) -> Result<(Dataset, Vec<Diagnostic>), MergeError> {
    let mut iter = fragments.into_iter();
    let Some(mut merged) = iter.next() else {
        return Ok((Dataset::default(), Vec::new()));
    };
    let mut found = Vec::new();
    for fragment in iter {
        found.extend(merge(&mut merged, fragment)?);
    }
    Ok((merged, found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FileInfo;

    fn fragment(file: &str, uaj: &str, year: i32) -> Dataset {
        let mut dataset = Dataset::new(uaj, Some(year));
        dataset.files.push(FileInfo {
            fichier: file.to_string(),
            ..FileInfo::default()
        });
        dataset
    }

    #[test]
    fn new_values_are_appended_once_whatever_their_key() {
        // The key only narrows the comparison: equal values share a key, different values
        // may share one too.
        let mut mine = vec![(1, "a"), (2, "b")];
        append_new(
            &mut mine,
            vec![(1, "a"), (1, "c"), (3, "d"), (1, "c"), (2, "b")],
            |value| value.0,
        );
        assert_eq!(mine, [(1, "a"), (2, "b"), (1, "c"), (3, "d")]);
        let mut empty: Vec<(i32, &str)> = Vec::new();
        append_new(&mut empty, vec![(5, "x"), (5, "x")], |_| ());
        assert_eq!(empty, [(5, "x")]);
    }

    #[test]
    fn different_establishments_are_refused() {
        let mut a = fragment("a.xml", "0999999Z", 2025);
        let b = fragment("b.xml", "0999998Y", 2025);
        let error = merge(&mut a, b).unwrap_err();
        assert!(matches!(error, MergeError::DifferentUaj { .. }));
        assert!(error.to_string().contains("« b.xml »"));
        let mut c = fragment("c.xml", "0999999z ", 2024);
        assert!(matches!(
            merge(&mut c, fragment("d.xml", "0999999Z", 2025)),
            Err(MergeError::DifferentYear { .. })
        ));
    }

    #[test]
    fn fields_fill_gaps_and_conflicts_are_reported() {
        let mut a = fragment("a.xml", "0999999Z", 2025);
        a.divisions.insert(
            "3 A".into(),
            Division {
                code: "3 A".into(),
                label: Some("3EME A".into()),
                source: Source::new("a.xml", Some(12)),
                ..Division::default()
            },
        );
        let mut b = fragment("b.xml", "0999999Z", 2025);
        b.divisions.insert(
            "3 A".into(),
            Division {
                code: "3 A".into(),
                label: Some("TROISIEME A".into()),
                planned: Some(28),
                source: Source::new("b.xml", Some(40)),
                ..Division::default()
            },
        );
        let conflicts = merge(&mut a, b).unwrap();
        let division = &a.divisions["3 A"];
        assert_eq!(division.label.as_deref(), Some("3EME A"));
        assert_eq!(division.planned, Some(28));
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].code, "CONFLIT_FUSION");
        assert!(
            conflicts[0].message.contains("« 3EME A »"),
            "{}",
            conflicts[0].message
        );
        assert!(conflicts[0].message.contains("b.xml (ligne 40)"));
        assert_eq!(conflicts[0].line, Some(40));
    }

    #[test]
    fn memberships_without_identifier_are_told_apart_by_identity() {
        let by_name = |family: &str| Membership {
            student: crate::model::StudentRef {
                family_name: Some(family.into()),
                first_name: Some("Léa".into()),
                ..crate::model::StudentRef::default()
            },
            group: "4ESP2".into(),
            origin: "edt-table".into(),
            ..Membership::default()
        };
        let mut a = fragment("a.json", "0999999Z", 2025);
        a.memberships.push(Membership {
            student: crate::model::StudentRef::by_eleve_id("1001"),
            group: "4ESP2".into(),
            origin: "siecle-eleves".into(),
            ..Membership::default()
        });
        let mut b = fragment("b.csv", "0999999Z", 2025);
        b.memberships = vec![by_name("MARTIN"), by_name("DURAND"), by_name("MARTIN")];
        assert!(merge(&mut a, b).unwrap().is_empty());
        let families: Vec<Option<&str>> = a
            .memberships
            .iter()
            .map(|m| m.student.family_name.as_deref())
            .collect();
        assert_eq!(families, [None, Some("MARTIN"), Some("DURAND")]);
    }

    #[test]
    fn attachments_in_both_dialects_merge_without_conflict() {
        // Structures.xml has no headcounts; sts_emp has them on the same MEFs.
        let division = |planned: Option<u32>| Division {
            code: "3 A".into(),
            mefs: vec![MefAttachment {
                code: "10310019110".into(),
                planned,
                ..MefAttachment::default()
            }],
            ..Division::default()
        };
        let mut a = fragment("Structures.xml", "0999999Z", 2025);
        a.divisions.insert("3 A".into(), division(None));
        let mut b = fragment("sts_emp.xml", "0999999Z", 2025);
        b.divisions.insert("3 A".into(), division(Some(28)));
        assert!(merge(&mut a, b).unwrap().is_empty());
        assert_eq!(a.divisions["3 A"].mefs[0].planned, Some(28));
        let mut c = fragment("autre.xml", "0999999Z", 2025);
        let mut other = division(None);
        other.mefs[0].code = "10310019112".into();
        c.divisions.insert("3 A".into(), other);
        assert_eq!(merge(&mut a, c).unwrap()[0].code, "CONFLIT_FUSION");
    }

    #[test]
    fn one_eleve_id_for_two_identities_is_doublon_eleve_id() {
        let student = |first: &str, line: u32| Student {
            eleve_id: "1234567".into(),
            family_name: Some("EXEMPLE".into()),
            first_name: Some(first.into()),
            ine: Some("123456789AB".into()),
            source: Source::new("eleves.xml", Some(line)),
            ..Student::default()
        };
        let mut a = fragment("a.xml", "0999999Z", 2025);
        a.students.insert("1234567".into(), student("Léa", 10));
        let mut b = fragment("b.xml", "0999999Z", 2025);
        let mut other = student("Noé", 90);
        other.ine = Some("999999999ZZ".into());
        b.students.insert("1234567".into(), other);
        let found = merge(&mut a, b).unwrap();
        let codes: Vec<&str> = found.iter().map(|found| found.code.as_str()).collect();
        assert_eq!(codes, ["DOUBLON_ELEVE_ID", "CONFLIT_FUSION"], "{found:?}");
        assert_eq!(found[0].severity, Severity::Error);
        assert_eq!(found[0].objet.eleve_id.as_deref(), Some("1234567"));
        assert_eq!(found[0].line, Some(90));
        assert!(
            found[0].message.contains("EXEMPLE Léa"),
            "{}",
            found[0].message
        );
        assert!(
            found[0].message.contains("EXEMPLE Noé"),
            "{}",
            found[0].message
        );
        assert_eq!(a.students["1234567"].first_name.as_deref(), Some("Léa"));

        // The same identity written differently is not two students.
        let mut c = fragment("c.xml", "0999999Z", 2025);
        c.students.insert("1234567".into(), student("Léa", 10));
        let mut d = fragment("d.xml", "0999999Z", 2025);
        d.students.insert("1234567".into(), student("LEA", 12));
        let found = merge(&mut c, d).unwrap();
        let codes: Vec<&str> = found.iter().map(|found| found.code.as_str()).collect();
        assert_eq!(codes, ["CONFLIT_FUSION"], "{found:?}");
    }

    #[test]
    fn identical_entities_merge_silently() {
        let mut a = fragment("a.xml", "0999999Z", 2025);
        let student = Student {
            eleve_id: "1234567".into(),
            family_name: Some("EXEMPLE".into()),
            ..Student::default()
        };
        a.students.insert("1234567".into(), student.clone());
        let mut b = fragment("b.xml", "0999999Z", 2025);
        b.students.insert("1234567".into(), student);
        assert!(merge(&mut a, b).unwrap().is_empty());
        assert_eq!(a.students.len(), 1);
        assert_eq!(a.files.len(), 2);
    }
}
