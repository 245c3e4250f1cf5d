//! EDT names → STS codes: the correspondence file (`--correspondances`) and automatic matching.
//!
//! EDT/PRONOTE list exports name groups, divisions, subjects and teachers as the timetable
//! knows them, which are not always the STS codes that SIECLE and STS-Web expect. After the
//! inputs are merged, [`apply`] rewrites the EDT names of the dataset (memberships read from a
//! list export, and the courses of `EXP_COURS`) into STS codes: first from the correspondence
//! file when one is given, then by code (the name is already a code of the STS data present),
//! then by exact label. Names that stay unmatched are reported, never guessed.
//!
//! The file is CSV (`type;nom_edt;code_sts`, `;`, UTF-8 with or without BOM, or Latin-9);
//! `#` lines and blank lines are ignored (formats/README.md, "The correspondence file").

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use crate::csv::CsvReader;
use crate::diagnostics::{Diagnostic, Objet, Severity};
use crate::encoding::{TextKind, decode};
use crate::model::{Dataset, Source};
use crate::names::same_name;

/// `Membership::origin` of the memberships read from an EDT/PRONOTE list export: the only
/// memberships whose group names are EDT names.
pub const EDT_ORIGIN: &str = "edt-table";

/// Name of the [`crate::model::Extra`] node of an EDT membership that holds the student's
/// division (the first item of the `CLASSE` column), an EDT name until [`apply`] maps it.
pub const DIVISION_EXTRA: &str = "CLASSE";

/// An EDT name no correspondence, code or label matches.
pub const CORRESPONDANCE_MANQUANTE: &str = "CORRESPONDANCE_MANQUANTE";

/// A correspondence that names a code absent from the STS data given.
pub const CORRESPONDANCE_INCONNUE: &str = "CORRESPONDANCE_INCONNUE";

/// What an EDT name designates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdtKind {
    /// A group (or a class part): `GROUPE/@CODE`.
    Groupe,
    /// A division (class): `DIVISION/@CODE`.
    Division,
    /// A subject: `MATIERE/@CODE`.
    Matiere,
    /// A teacher: `INDIVIDU/@ID`.
    Enseignant,
}

impl EdtKind {
    /// Every kind, in the order of the documentation.
    pub const ALL: [EdtKind; 4] = [
        EdtKind::Groupe,
        EdtKind::Division,
        EdtKind::Matiere,
        EdtKind::Enseignant,
    ];

    /// The `type` column value.
    pub fn keyword(self) -> &'static str {
        match self {
            EdtKind::Groupe => "groupe",
            EdtKind::Division => "division",
            EdtKind::Matiere => "matiere",
            EdtKind::Enseignant => "enseignant",
        }
    }

    /// Parses the `type` column (case-insensitive, `matière` accepted).
    pub fn parse(text: &str) -> Option<Self> {
        let lower = text.trim().to_lowercase().replace('è', "e");
        EdtKind::ALL
            .into_iter()
            .find(|kind| kind.keyword() == lower)
    }

    /// "le groupe", "la division"… for messages.
    fn article(self) -> &'static str {
        match self {
            EdtKind::Groupe => "le groupe",
            EdtKind::Division => "la division",
            EdtKind::Matiere => "la matière",
            EdtKind::Enseignant => "l'enseignant",
        }
    }

    /// Plural noun for messages.
    fn plural(self) -> &'static str {
        match self {
            EdtKind::Groupe => "groupes",
            EdtKind::Division => "divisions",
            EdtKind::Matiere => "matières",
            EdtKind::Enseignant => "enseignants",
        }
    }
}

impl fmt::Display for EdtKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// One line of the file: the STS code for an EDT name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Correspondence {
    /// The STS code.
    pub code: String,
    /// Line of the file.
    pub line: u32,
}

/// A parsed correspondence file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Correspondences {
    /// The file name, for messages.
    pub file: String,
    entries: BTreeMap<(EdtKind, String), Correspondence>,
}

impl Correspondences {
    /// The correspondence for an EDT name (compared after trimming).
    pub fn get(&self, kind: EdtKind, name: &str) -> Option<&Correspondence> {
        self.entries.get(&(kind, name.trim().to_string()))
    }

    /// Number of correspondences.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the file holds no correspondence.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Why a correspondence file is refused.
#[derive(Debug, thiserror::Error)]
pub enum CorrespondenceError {
    /// The file cannot be read.
    #[error(
        "le fichier de correspondances « {path} » ne peut pas être lu ({source}) : vérifiez le chemin et les droits d'accès"
    )]
    Io {
        /// The path as given.
        path: String,
        /// The system error.
        source: std::io::Error,
    },
    /// A line is wrong.
    #[error("fichier de correspondances « {file} », ligne {line} : {message}")]
    Invalid {
        /// The file.
        file: String,
        /// 1-based line.
        line: u32,
        /// What is wrong and what to do, in French.
        message: String,
    },
}

const HEADER: [&str; 3] = ["type", "nom_edt", "code_sts"];

/// Parses a correspondence file's text (already decoded). `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Correspondences, CorrespondenceError> {
    let invalid = |line: u32, message: String| CorrespondenceError::Invalid {
        file: file.to_string(),
        line,
        message,
    };
    let mut table = Correspondences {
        file: file.to_string(),
        entries: BTreeMap::new(),
    };
    let mut first = true;
    for record in CsvReader::new(text, ';') {
        let record = record.map_err(|error| invalid(error.line, error.what().to_string()))?;
        let type_field = record.field(0).unwrap_or("");
        if type_field.starts_with('#') || record.fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let is_header = first
            && record.fields.len() >= HEADER.len()
            && HEADER.iter().enumerate().all(|(index, name)| {
                record
                    .field(index)
                    .is_some_and(|f| f.eq_ignore_ascii_case(name))
            });
        first = false;
        if is_header {
            continue;
        }
        let kind = EdtKind::parse(type_field).ok_or_else(|| {
            invalid(
                record.line,
                format!(
                    "type « {type_field} » inconnu : la première colonne doit valoir groupe, \
                     division, matiere ou enseignant"
                ),
            )
        })?;
        let (Some(name), Some(code)) = (record.field(1), record.field(2)) else {
            return Err(invalid(
                record.line,
                "colonne manquante : chaque ligne doit donner type;nom_edt;code_sts, séparés \
                 par des points-virgules"
                    .to_string(),
            ));
        };
        let key = (kind, name.to_string());
        if let Some(previous) = table.entries.get(&key) {
            if previous.code != code {
                return Err(invalid(
                    record.line,
                    format!(
                        "{} EDT « {name} » reçoit le code « {code} », mais la ligne {} lui donne \
                         déjà « {} » : gardez une seule ligne",
                        capitalised(kind.article()),
                        previous.line,
                        previous.code
                    ),
                ));
            }
            continue;
        }
        table.entries.insert(
            key,
            Correspondence {
                code: code.to_string(),
                line: record.line,
            },
        );
    }
    Ok(table)
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Reads and parses a correspondence file (UTF-8 with or without BOM, or Latin-9).
pub fn load(path: &Path) -> Result<Correspondences, CorrespondenceError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| CorrespondenceError::Io {
        path: shown.clone(),
        source,
    })?;
    let decoded = decode(&bytes, &shown, TextKind::Csv);
    parse(&decoded.text, &shown)
}

/// How a name was found among the STS data.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Lookup {
    /// Mapped to this code.
    Mapped(String),
    /// Several entities carry this label.
    Ambiguous(Vec<String>),
    /// Nothing matches.
    Unmatched,
    /// The dataset holds no STS data of this kind to match against.
    NoReference,
}

/// The codes of one kind present in the dataset.
fn has_code(dataset: &Dataset, kind: EdtKind, code: &str) -> bool {
    match kind {
        EdtKind::Groupe => dataset.groups.contains_key(code),
        EdtKind::Division => dataset.divisions.contains_key(code),
        EdtKind::Matiere => dataset.subjects.contains_key(code),
        EdtKind::Enseignant => dataset.staff.contains_key(code),
    }
}

fn has_reference(dataset: &Dataset, kind: EdtKind) -> bool {
    match kind {
        EdtKind::Groupe => !dataset.groups.is_empty(),
        EdtKind::Division => !dataset.divisions.is_empty(),
        EdtKind::Matiere => !dataset.subjects.is_empty(),
        EdtKind::Enseignant => !dataset.staff.is_empty(),
    }
}

/// The codes whose label (or, for teachers, name) is exactly `name`.
fn codes_by_label(dataset: &Dataset, kind: EdtKind, name: &str) -> Vec<String> {
    let exact = |label: &Option<String>| label.as_deref().map(str::trim) == Some(name);
    match kind {
        EdtKind::Groupe => dataset
            .groups
            .values()
            .filter(|group| exact(&group.label))
            .map(|group| group.code.clone())
            .collect(),
        EdtKind::Division => dataset
            .divisions
            .values()
            .filter(|division| exact(&division.label))
            .map(|division| division.code.clone())
            .collect(),
        EdtKind::Matiere => dataset
            .subjects
            .values()
            .filter(|subject| {
                [
                    &subject.management_code,
                    &subject.short_label,
                    &subject.long_label,
                    &subject.edition_label,
                ]
                .into_iter()
                .any(exact)
            })
            .map(|subject| subject.code.clone())
            .collect(),
        EdtKind::Enseignant => dataset
            .staff
            .values()
            .filter(|member| {
                let first = member.first_name.as_deref().unwrap_or("");
                [&member.usage_name, &member.birth_name]
                    .into_iter()
                    .flatten()
                    .any(|family| {
                        same_name(family, name) || same_name(&format!("{family} {first}"), name)
                    })
            })
            .map(|member| member.id.clone())
            .collect(),
    }
}

struct Resolver<'a> {
    dataset: &'a Dataset,
    table: Option<&'a Correspondences>,
    diagnostics: Vec<Diagnostic>,
    unknown_codes: BTreeSet<(EdtKind, String)>,
}

impl Resolver<'_> {
    fn lookup(&mut self, kind: EdtKind, name: &str) -> Lookup {
        let name = name.trim();
        if let Some(entry) = self.table.and_then(|table| table.get(kind, name)) {
            if has_reference(self.dataset, kind)
                && !has_code(self.dataset, kind, &entry.code)
                && self.unknown_codes.insert((kind, name.to_string()))
            {
                let file = self
                    .table
                    .map(|table| table.file.clone())
                    .unwrap_or_default();
                self.diagnostics.push(
                    Diagnostic::new(
                        CORRESPONDANCE_INCONNUE,
                        Severity::Warning,
                        format!(
                            "Le fichier de correspondances associe {} EDT « {name} » au code « {} », \
                             absent des données STS fournies.",
                            kind.article(),
                            entry.code
                        ),
                    )
                    .with_fix("Corrigez le code dans le fichier de correspondances (voir sts_emp).")
                    .at(&Source::new(file, Some(entry.line))),
                );
            }
            return Lookup::Mapped(entry.code.clone());
        }
        if !has_reference(self.dataset, kind) {
            return Lookup::NoReference;
        }
        if has_code(self.dataset, kind, name) {
            return Lookup::Mapped(name.to_string());
        }
        let mut codes = codes_by_label(self.dataset, kind, name);
        match codes.len() {
            0 => Lookup::Unmatched,
            1 => Lookup::Mapped(codes.remove(0)),
            _ => Lookup::Ambiguous(codes),
        }
    }
}

/// What a name found in the EDT data designates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Kind(EdtKind),
    /// A course's `CLASSE` item: a division, else a group.
    Structure,
}

/// The EDT names of a dataset, in order of first appearance, with where each was first seen.
/// Names are keyed by target then name, so that a name seen again (every row of a list names
/// its division) is counted without building a key.
#[derive(Default)]
struct Names {
    order: Vec<(Target, String)>,
    seen: BTreeMap<Target, HashMap<String, (Source, usize)>>,
}

impl Names {
    fn add(&mut self, target: Target, name: &str, source: &Source) {
        let name = name.trim();
        let seen = self.seen.entry(target).or_default();
        match seen.get_mut(name) {
            Some((_, count)) => *count += 1,
            None => {
                self.order.push((target, name.to_string()));
                seen.insert(name.to_string(), (source.clone(), 1));
            }
        }
    }

    fn get(&self, target: Target, name: &str) -> Option<&(Source, usize)> {
        self.seen.get(&target)?.get(name)
    }
}

/// EDT names → STS codes, by target.
type Mapped = BTreeMap<Target, HashMap<String, String>>;

fn collect_names(dataset: &Dataset) -> Names {
    let mut names = Names::default();
    for membership in dataset
        .memberships
        .iter()
        .filter(|membership| membership.origin == EDT_ORIGIN)
    {
        if let Some(division) = membership
            .extra
            .get(DIVISION_EXTRA)
            .and_then(|node| node.text.as_deref())
        {
            names.add(
                Target::Kind(EdtKind::Division),
                division,
                &membership.source,
            );
        }
        names.add(
            Target::Kind(EdtKind::Groupe),
            &membership.group,
            &membership.source,
        );
    }
    for course in &dataset.timetable.courses {
        if let Some(subject) = &course.subject {
            names.add(Target::Kind(EdtKind::Matiere), subject, &course.source);
        }
        for teacher in &course.teachers {
            names.add(Target::Kind(EdtKind::Enseignant), teacher, &course.source);
        }
        for structure in &course.structures {
            names.add(Target::Structure, structure, &course.source);
        }
    }
    names
}

fn unmatched(
    what: &str,
    name: &str,
    ambiguous: Option<&[String]>,
    (source, count): &(Source, usize),
    keyword: &str,
) -> Diagnostic {
    let uses = if *count > 1 {
        format!(" (utilisé {count} fois)")
    } else {
        String::new()
    };
    let message = match ambiguous {
        Some(codes) => format!(
            "{} EDT « {name} »{uses} porte le libellé de plusieurs codes STS ({}) : il n'est pas traduit.",
            capitalised(what),
            codes.join(", ")
        ),
        None => format!(
            "{} EDT « {name} »{uses} ne correspond à aucun code STS, ni par son code ni par son \
             libellé : il est gardé tel quel.",
            capitalised(what)
        ),
    };
    Diagnostic::new(CORRESPONDANCE_MANQUANTE, Severity::Warning, message)
        .with_fix(format!(
            "Ajoutez une ligne « {keyword};{name};CODE_STS » au fichier de correspondances \
             (--correspondances), ou renommez l'élément dans EDT comme dans STS-Web."
        ))
        .at(source)
}

/// Maps the EDT names of the dataset to STS codes (see the module documentation) and returns
/// what could not be mapped. Without EDT data, it does nothing.
pub fn apply(dataset: &mut Dataset, table: Option<&Correspondences>) -> Vec<Diagnostic> {
    let names = collect_names(dataset);
    let mut resolver = Resolver {
        dataset,
        table,
        diagnostics: Vec::new(),
        unknown_codes: BTreeSet::new(),
    };
    let mut mapped: Mapped = BTreeMap::new();
    let mut without_reference: BTreeMap<EdtKind, usize> = BTreeMap::new();
    let mut missing = Vec::new();
    for key in &names.order {
        let (target, name) = key;
        let lookup = match target {
            Target::Kind(kind) => resolver.lookup(*kind, name),
            Target::Structure => match resolver.lookup(EdtKind::Division, name) {
                Lookup::Mapped(code) => Lookup::Mapped(code),
                as_division => match (as_division, resolver.lookup(EdtKind::Groupe, name)) {
                    (_, Lookup::Mapped(code)) => Lookup::Mapped(code),
                    (Lookup::Ambiguous(codes), _) | (_, Lookup::Ambiguous(codes)) => {
                        Lookup::Ambiguous(codes)
                    }
                    // Without groups (or divisions) to compare with, nothing can be said.
                    (Lookup::NoReference, _) | (_, Lookup::NoReference) => Lookup::NoReference,
                    _ => Lookup::Unmatched,
                },
            },
        };
        let kind = match target {
            Target::Kind(kind) => *kind,
            Target::Structure => EdtKind::Groupe,
        };
        match lookup {
            Lookup::Mapped(code) => {
                mapped
                    .entry(*target)
                    .or_default()
                    .insert(name.clone(), code);
            }
            Lookup::NoReference => *without_reference.entry(kind).or_default() += 1,
            Lookup::Ambiguous(codes) => missing.push((key.clone(), Some(codes))),
            Lookup::Unmatched => missing.push((key.clone(), None)),
        }
    }
    let mut diagnostics = resolver.diagnostics;
    for ((target, name), ambiguous) in missing {
        let (what, keyword) = match target {
            Target::Kind(kind) => (kind.article(), kind.keyword()),
            Target::Structure => ("la classe ou le groupe", "groupe"),
        };
        if let Some(seen) = names.get(target, &name) {
            diagnostics.push(unmatched(what, &name, ambiguous.as_deref(), seen, keyword));
        }
    }
    for (kind, count) in without_reference {
        diagnostics.push(
            Diagnostic::new(
                CORRESPONDANCE_MANQUANTE,
                Severity::Info,
                format!(
                    "Aucune donnée STS ne donne les codes des {} : {count} nom(s) EDT de {} sont \
                     gardés tels quels.",
                    kind.plural(),
                    kind.plural()
                ),
            )
            .with_fix(
                "Donnez aussi sts_emp (ou Structures.xml), ou un fichier de correspondances \
                 (--correspondances).",
            )
            .with_objet(Objet::default()),
        );
    }
    rewrite(dataset, &mapped);
    diagnostics
}

fn rewrite(dataset: &mut Dataset, mapped: &Mapped) {
    let map = |target: Target, name: &mut String| {
        if let Some(code) = mapped.get(&target).and_then(|names| names.get(name.trim())) {
            name.clone_from(code);
        }
    };
    for membership in dataset
        .memberships
        .iter_mut()
        .filter(|membership| membership.origin == EDT_ORIGIN)
    {
        map(Target::Kind(EdtKind::Groupe), &mut membership.group);
        for node in membership.extra.0.iter_mut() {
            if node.name == DIVISION_EXTRA
                && let Some(text) = node.text.as_mut()
            {
                map(Target::Kind(EdtKind::Division), text);
            }
        }
    }
    // Two EDT names mapped to one code would state the same membership twice.
    let mut seen = HashSet::new();
    let keep: Vec<bool> = dataset
        .memberships
        .iter()
        .map(|membership| {
            membership.origin != EDT_ORIGIN
                || seen.insert((
                    membership.student.identifier(),
                    membership.student.family_name.as_deref(),
                    membership.student.first_name.as_deref(),
                    membership.student.birth_date,
                    membership.group.as_str(),
                ))
        })
        .collect();
    let mut keep = keep.into_iter();
    dataset.memberships.retain(|_| keep.next().unwrap_or(true));
    for course in &mut dataset.timetable.courses {
        if let Some(subject) = course.subject.as_mut() {
            map(Target::Kind(EdtKind::Matiere), subject);
        }
        for teacher in &mut course.teachers {
            map(Target::Kind(EdtKind::Enseignant), teacher);
        }
        for structure in &mut course.structures {
            map(Target::Structure, structure);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Course, Division, ExtraNode, Group, Membership, StaffMember, StudentRef, Subject,
    };

    fn error_of(text: &str) -> String {
        parse(text, "corr.csv").unwrap_err().to_string()
    }

    #[test]
    fn parses_header_comments_blank_lines_and_types() {
        let table = parse(
            "\u{feff}type;nom_edt;code_sts\r\n# groupes\r\n\r\ngroupe;4ESP2;4ESP2\r\nMatière;AGL1;030201\r\nenseignant;EXEMPLE Anne;12345\r\ngroupe;4ESP2;4ESP2\r\n",
            "corr.csv",
        )
        .unwrap();
        assert_eq!(table.len(), 3);
        assert_eq!(
            table.get(EdtKind::Matiere, " AGL1 "),
            Some(&Correspondence {
                code: "030201".into(),
                line: 5
            })
        );
        assert!(table.get(EdtKind::Groupe, "AGL1").is_none());
    }

    #[test]
    fn errors_name_the_line() {
        let unknown = error_of("type;nom_edt;code_sts\nsalle;B12;B12\n");
        assert!(
            unknown.contains("ligne 2") && unknown.contains("« salle »"),
            "{unknown}"
        );
        let missing = error_of("groupe;4ESP2\n");
        assert!(
            missing.contains("ligne 1") && missing.contains("colonne manquante"),
            "{missing}"
        );
        let blank_code = error_of("groupe;4ESP2; \n");
        assert!(blank_code.contains("colonne manquante"), "{blank_code}");
        let twice = error_of("groupe;4ESP2;4ESP2\n\ngroupe;4ESP2;4ESP2B\n");
        assert!(
            twice.contains("ligne 3") && twice.contains("ligne 1"),
            "{twice}"
        );
        let unterminated = error_of("groupe;\"4ESP2;4ESP2\n");
        assert_eq!(
            unterminated,
            "fichier de correspondances « corr.csv », ligne 1 : guillemet ouvrant sans \
             guillemet fermant (fichier tronqué ou mal enregistré ?)"
        );
    }

    #[test]
    fn latin9_files_are_decoded() {
        let directory = std::env::temp_dir().join(format!("corr-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let path = directory.join("corr.csv");
        std::fs::write(&path, b"division;3\xE8me A;3 A\n").unwrap();
        let table = load(&path).unwrap();
        assert_eq!(table.get(EdtKind::Division, "3ème A").unwrap().code, "3 A");
        std::fs::remove_dir_all(&directory).unwrap();
        assert!(matches!(
            load(&directory.join("absent.csv")),
            Err(CorrespondenceError::Io { .. })
        ));
    }

    fn dataset() -> Dataset {
        let mut dataset = Dataset::new("0999999Z", Some(2025));
        for (code, label) in [("4ESP2", "4E ESPAGNOL LV2"), ("4LAT", "LATIN 4E")] {
            dataset.groups.insert(
                code.into(),
                Group {
                    code: code.into(),
                    label: Some(label.into()),
                    ..Group::default()
                },
            );
        }
        dataset.divisions.insert(
            "4 A".into(),
            Division {
                code: "4 A".into(),
                label: Some("4EME A".into()),
                ..Division::default()
            },
        );
        dataset.subjects.insert(
            "030201".into(),
            Subject {
                code: "030201".into(),
                management_code: Some("AGL1".into()),
                ..Subject::default()
            },
        );
        dataset.staff.insert(
            "12345".into(),
            StaffMember {
                id: "12345".into(),
                usage_name: Some("EXEMPLE".into()),
                first_name: Some("Anne".into()),
                ..StaffMember::default()
            },
        );
        for (group, division) in [
            ("4ESP2", "4EME A"),
            ("LATIN 4E", "4 A"),
            ("4 THEATRE", "4 A"),
            ("GR EDT", "4 A"),
        ] {
            dataset.memberships.push(Membership {
                student: StudentRef {
                    ine: Some("123456789AB".into()),
                    ..StudentRef::default()
                },
                group: group.into(),
                origin: EDT_ORIGIN.into(),
                extra: crate::model::Extra(vec![ExtraNode::text(DIVISION_EXTRA, division)]),
                source: Source::new("EXP_ELEVE.xml", Some(3)),
                ..Membership::default()
            });
        }
        dataset.timetable.courses.push(Course {
            subject: Some("AGL1".into()),
            teachers: vec!["exemple anne".into()],
            structures: vec!["4EME A".into(), "4LAT".into()],
            ..Course::default()
        });
        dataset
    }

    #[test]
    fn matches_by_file_then_code_then_label_and_lists_the_rest() {
        let mut dataset = dataset();
        let table = parse("groupe;GR EDT;4LAT\ngroupe;4 THEATRE;4THEA\n", "corr.csv").unwrap();
        let diagnostics = apply(&mut dataset, Some(&table));
        let groups: Vec<&str> = dataset
            .memberships
            .iter()
            .map(|m| m.group.as_str())
            .collect();
        // « GR EDT » and « LATIN 4E » both become 4LAT: one membership is left.
        assert_eq!(groups, ["4ESP2", "4LAT", "4THEA"]);
        assert!(
            dataset.memberships.iter().all(|m| m
                .extra
                .get(DIVISION_EXTRA)
                .unwrap()
                .text
                .as_deref()
                == Some("4 A"))
        );
        let course = &dataset.timetable.courses[0];
        assert_eq!(course.subject.as_deref(), Some("030201"));
        assert_eq!(course.teachers, ["12345"]);
        assert_eq!(course.structures, ["4 A", "4LAT"]);
        assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
        assert_eq!(diagnostics[0].code, CORRESPONDANCE_INCONNUE);
        assert_eq!(diagnostics[0].line, Some(2));
    }

    #[test]
    fn unmatched_names_are_listed_once_with_their_row() {
        let mut dataset = dataset();
        let diagnostics = apply(&mut dataset, None);
        let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(diagnostics.len(), 2, "{messages:#?}");
        assert!(messages[0].contains("« 4 THEATRE »"), "{messages:#?}");
        assert!(messages[1].contains("« GR EDT »"), "{messages:#?}");
        assert_eq!(diagnostics[0].file.as_deref(), Some("EXP_ELEVE.xml"));
        assert_eq!(diagnostics[0].line, Some(3));
        assert!(
            diagnostics[0]
                .fix
                .as_deref()
                .unwrap()
                .contains("groupe;4 THEATRE;")
        );
    }

    #[test]
    fn without_sts_data_names_are_kept_and_said_once() {
        let mut dataset = dataset();
        dataset.groups.clear();
        let diagnostics = apply(&mut dataset, None);
        assert_eq!(dataset.memberships[2].group, "4 THEATRE");
        let info: Vec<&Diagnostic> = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Info)
            .collect();
        assert_eq!(info.len(), 1);
        assert!(info[0].message.contains("groupes"), "{}", info[0].message);
        let mut empty = Dataset::default();
        assert!(apply(&mut empty, None).is_empty());
    }
}
