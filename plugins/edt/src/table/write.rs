//! Writing the student list `EXP_ELEVE.xml` as EDT exports it: UTF-8 with BOM,
//! `standalone="yes"`, `<TABLE nom="Elèves">`, one `<Eleves numero="N">` per student.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use passerelle_core::correspondences::DIVISION_EXTRA;
use passerelle_core::dates::format_french;
use passerelle_core::format::{FormatError, OutputFile, WriteOptions};
use passerelle_core::model::{Dataset, Extra, ExtraNode, Membership, Student, StudentRef};
use passerelle_core::names::normalize_name;
use passerelle_core::xml::XmlWriter;

use super::cells::{Item, SEPARATOR};
use super::columns::Column;
use super::{PARTITION_EXTRA, ROOT};

/// File name EDT gives the student list.
const FILE_NAME: &str = "EXP_ELEVE.xml";
/// `TABLE/@nom` of the student list.
const LIST_NAME: &str = "Elèves";
/// Row element of the student list.
const ROW: &str = "Eleves";
/// The columns written, in EDT's order.
const COLUMNS: [Column; 8] = [
    Column::Numero,
    Column::Nom,
    Column::Prenom,
    Column::DateNaiss,
    Column::Sexe,
    Column::Ine,
    Column::Classe,
    Column::Groupes,
];

/// One row: the value of each of [`COLUMNS`], then other columns kept from a read list.
struct Row {
    values: [Option<String>; 8],
    extra: Vec<ExtraNode>,
}

pub(crate) fn write(
    dataset: &Dataset,
    _options: &WriteOptions,
) -> Result<Vec<OutputFile>, FormatError> {
    let rows = if dataset.students.is_empty() {
        rows_from_memberships(dataset)
    } else {
        rows_from_students(dataset)
    };
    if rows.is_empty() {
        return Err(FormatError::MissingData(
            "aucun élève à écrire dans EXP_ELEVE.xml : donnez l'export des élèves de SIECLE \
             (ou une liste d'élèves d'EDT)"
                .to_string(),
        ));
    }
    let mut writer = XmlWriter::default();
    writer.open(ROOT, &[("nom", LIST_NAME)]);
    for (index, row) in rows.iter().enumerate() {
        writer.open(ROW, &[("numero", &(index + 1).to_string())]);
        for (column, value) in COLUMNS.iter().zip(&row.values) {
            writer.leaf_or_empty(column.heading(), value.as_deref());
        }
        writer.extra(&Extra(row.extra.clone()));
        writer.close();
    }
    let mut text =
        String::from("\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n");
    text.push_str(&writer.finish());
    Ok(vec![OutputFile {
        name: FILE_NAME.to_string(),
        bytes: text.into_bytes(),
    }])
}

/// EDT writes the sex as a letter; SIECLE codes it `1` (male) / `2` (female).
fn sex_letter(code: &str) -> String {
    match code.trim() {
        "1" => "M".to_string(),
        "2" => "F".to_string(),
        other => other.to_string(),
    }
}

fn text_of<'m>(membership: &'m Membership, name: &str) -> Option<&'m str> {
    membership
        .extra
        .get(name)
        .and_then(|node| node.text.as_deref())
}

/// The `CLASSE` and `GROUPES` cells: the division then the class parts, and the groups.
fn structure_cells<'m>(
    division: Option<&str>,
    memberships: impl Iterator<Item = &'m Membership>,
) -> (Option<String>, Option<String>) {
    let mut classe: Vec<String> = division.map(str::to_string).into_iter().collect();
    let mut groups: Vec<String> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for membership in memberships {
        if seen.contains(&membership.group.as_str()) {
            continue;
        }
        seen.push(&membership.group);
        match text_of(membership, PARTITION_EXTRA) {
            Some(partition) => {
                let part_division = text_of(membership, DIVISION_EXTRA).or(division);
                classe.push(Item::part_text(
                    part_division.unwrap_or(""),
                    partition,
                    &membership.group,
                ));
            }
            None => groups.push(membership.group.clone()),
        }
    }
    let join = |items: Vec<String>| (!items.is_empty()).then(|| items.join(SEPARATOR));
    (join(classe), join(groups))
}

/// One row per present SIECLE student, by division then name, with the groups of every
/// membership current at the reference date.
fn rows_from_students(dataset: &Dataset) -> Vec<Row> {
    let reference = dataset.reference_date;
    let mut by_student: BTreeMap<&str, Vec<&Membership>> = BTreeMap::new();
    for membership in &dataset.memberships {
        let current = membership
            .end
            .is_none_or(|end| reference.is_none_or(|date| end >= date));
        if let Some(id) = membership.student.eleve_id.as_deref()
            && current
        {
            by_student.entry(id).or_default().push(membership);
        }
    }
    let mut students: Vec<&Student> = dataset.present_students().collect();
    students.sort_by_cached_key(|student| {
        (
            student.division.clone().unwrap_or_default(),
            normalize_name(student.family_name.as_deref().unwrap_or("")),
            normalize_name(student.first_name.as_deref().unwrap_or("")),
            student.eleve_id.clone(),
        )
    });
    students
        .into_iter()
        .map(|student| {
            let memberships = by_student
                .get(student.eleve_id.as_str())
                .map(Vec::as_slice)
                .unwrap_or_default();
            let (classe, groupes) =
                structure_cells(student.division.as_deref(), memberships.iter().copied());
            Row {
                values: [
                    student.elenoet.clone(),
                    student.family_name.clone(),
                    student.first_name.clone(),
                    student.birth_date.map(format_french),
                    student.sex.as_deref().map(sex_letter),
                    student.ine.clone(),
                    classe,
                    groupes,
                ],
                extra: Vec::new(),
            }
        })
        .collect()
}

/// Without SIECLE students: one row per student named by the memberships (a list read from
/// EDT written back), with the columns the list had.
fn rows_from_memberships(dataset: &Dataset) -> Vec<Row> {
    type Key<'m> = (
        Option<&'m str>,
        Option<&'m str>,
        Option<&'m str>,
        Option<NaiveDate>,
    );
    let mut index: BTreeMap<Key<'_>, usize> = BTreeMap::new();
    let mut order: Vec<&StudentRef> = Vec::new();
    let mut by_student: Vec<Vec<&Membership>> = Vec::new();
    for membership in &dataset.memberships {
        let student = &membership.student;
        let key = (
            student.identifier(),
            student.family_name.as_deref(),
            student.first_name.as_deref(),
            student.birth_date,
        );
        match index.get(&key) {
            Some(position) => by_student[*position].push(membership),
            None => {
                index.insert(key, order.len());
                order.push(student);
                by_student.push(vec![membership]);
            }
        }
    }
    let own = [
        Column::Numero.heading(),
        Column::Sexe.heading(),
        DIVISION_EXTRA,
        PARTITION_EXTRA,
    ];
    order
        .into_iter()
        .zip(by_student)
        .map(|(student, memberships)| {
            let first = memberships[0];
            let division = text_of(first, DIVISION_EXTRA);
            let (classe, groupes) = structure_cells(division, memberships.iter().copied());
            Row {
                values: [
                    text_of(first, Column::Numero.heading()).map(str::to_string),
                    student.family_name.clone(),
                    student.first_name.clone(),
                    student.birth_date.map(format_french),
                    text_of(first, Column::Sexe.heading()).map(str::to_string),
                    student.ine.clone(),
                    classe,
                    groupes,
                ],
                extra: first
                    .extra
                    .iter()
                    .filter(|node| !own.contains(&node.name.as_str()))
                    .cloned()
                    .collect(),
            }
        })
        .collect()
}
