//! Reading a liens file, VERSION 1.3 (`NOM`) or 1.4 (`NOM_DE_FAMILLE`, `NOM_USAGE`), streaming
//! one `ELEVE` at a time, and checking it against the official schema (LIENS_ET_EDT.md §3) and
//! file-name rules (§6): every violation is a `LIENS_INVALIDE` or `NOM_FICHIER` anomaly, and
//! what can be read is read all the same.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use passerelle_core::checks::anomaly;
use passerelle_core::checks::liens::{ENTRIES_WITHOUT_GROUP, ORIGIN, entry_node};
use passerelle_core::dates::parse_french;
use passerelle_core::diagnostics::{Diagnostic, Objet, Severity, codes};
use passerelle_core::format::{FormatError, ReadInput, ReadOutput};
use passerelle_core::model::{Dataset, ExtraNode, FileInfo, Membership, Source, StudentRef};
use passerelle_core::students::describe_reference;
use passerelle_core::xml::{Node, XmlStream};

use crate::{KNOWN_VERSIONS, ROOT, dossiers_sentence, name};

/// Longest name the schema allows (1.4; 1.3 allowed 25, SIECLE validates against 1.4).
pub const NAME_MAX: usize = 100;
/// Longest `CODE_GROUPE`.
pub const GROUP_CODE_MAX: usize = 8;
/// Longest `LOGICIEL`.
pub const SOFTWARE_MAX: usize = 10;
/// Largest `NUM_ENVOI` and `ID_PRV_ELE`.
pub const COUNTER_MAX: u32 = 99_999;

/// The identifier choice of an `ELEVE`, in the order SIECLE tries them.
const IDENTIFIERS: [&str; 3] = ["ELEVE_ID", "ID_NATIONAL", "ID_PRV_ELE"];

/// One position of an XSD sequence: the element names allowed there and how many times.
struct Slot {
    names: &'static [&'static str],
    min: usize,
    max: usize,
    label: &'static str,
}

const fn slot(names: &'static [&'static str], min: usize, max: usize, label: &'static str) -> Slot {
    Slot {
        names,
        min,
        max,
        label,
    }
}

/// `UAJ` and `ANNEE_SCOLAIRE` missing are `XML_INVALIDE` (CHECKS.md), not counted here.
const PARAMETRES: [Slot; 5] = [
    slot(&["UAJ"], 0, 1, "UAJ"),
    slot(&["ANNEE_SCOLAIRE"], 0, 1, "ANNEE_SCOLAIRE"),
    slot(&["DATE_IMPORT"], 1, 1, "DATE_IMPORT"),
    slot(&["NUM_ENVOI"], 1, 1, "NUM_ENVOI"),
    slot(&["LOGICIEL"], 1, 1, "LOGICIEL"),
];

const ELEVE: [Slot; 8] = [
    slot(
        &IDENTIFIERS,
        1,
        1,
        "un identifiant (ELEVE_ID, ID_NATIONAL ou ID_PRV_ELE)",
    ),
    slot(&["NOM_DE_FAMILLE", "NOM"], 1, 1, "NOM_DE_FAMILLE"),
    slot(&["NOM_USAGE"], 0, 1, "NOM_USAGE"),
    slot(&["PRENOM"], 1, 1, "PRENOM"),
    slot(&["PRENOM2"], 0, 1, "PRENOM2"),
    slot(&["PRENOM3"], 0, 1, "PRENOM3"),
    slot(&["DATE_NAISS"], 1, 1, "DATE_NAISS"),
    slot(&["GROUPES"], 1, 1, "GROUPES"),
];

const GROUPES: [Slot; 1] = [slot(
    &["GROUPE"],
    1,
    usize::MAX,
    "au moins un GROUPE (un élève sans groupe ne doit pas figurer dans le fichier)",
)];

const GROUPE: [Slot; 3] = [
    slot(&["CODE_GROUPE"], 1, 1, "CODE_GROUPE"),
    slot(&["DATE_DEBUT_GROUPE"], 0, 1, "DATE_DEBUT_GROUPE"),
    slot(&["DATE_FIN_GROUPE"], 0, 1, "DATE_FIN_GROUPE"),
];

/// The violations of an element's children against an XSD sequence.
fn check_sequence(node: &Node, slots: &[Slot], problems: &mut Vec<String>) {
    let parent = &node.name;
    let mut counts = vec![0usize; slots.len()];
    let mut reached = 0;
    for child in &node.children {
        let Some(index) = slots
            .iter()
            .position(|slot| slot.names.contains(&child.name.as_str()))
        else {
            problems.push(format!(
                "élément <{}> inattendu dans <{parent}> (ligne {})",
                child.name, child.line
            ));
            continue;
        };
        if index < reached {
            problems.push(format!(
                "<{}> est mal placé dans <{parent}> (ligne {} ; ordre attendu : {})",
                child.name,
                child.line,
                slots
                    .iter()
                    .map(|slot| slot.names.join("|"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        reached = reached.max(index);
        counts[index] += 1;
    }
    for (slot, count) in slots.iter().zip(counts) {
        if count < slot.min {
            problems.push(format!("{} manque dans <{parent}>", slot.label));
        } else if count > slot.max {
            problems.push(format!(
                "{} apparaît {count} fois dans <{parent}> (ligne {}), une seule est permise",
                slot.label, node.line
            ));
        }
    }
}

/// `YYYY-MM-DD` exactly (xs:date without time zone, as every producer writes it).
pub fn strict_iso(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    let shape = text.len() == 10
        && text.char_indices().all(|(index, character)| match index {
            4 | 7 => character == '-',
            _ => character.is_ascii_digit(),
        });
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn counter(text: &str) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() || !text.chars().all(|character| character.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|value| *value <= COUNTER_MAX)
}

fn word_characters(text: &str, length: usize) -> bool {
    text.chars().count() == length
        && text
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || character == '_')
}

/// The violations of one objet: eleve_id (none: the file), first line, student, problems.
type ViolationGroup = (Option<String>, u32, Option<String>, Vec<String>);

/// Schema violations, grouped as the catalogue wants: one per (fichier, eleve_id).
#[derive(Default)]
struct Violations {
    groups: Vec<ViolationGroup>,
}

impl Violations {
    fn add(&mut self, eleve_id: Option<String>, line: u32, who: Option<String>, problem: String) {
        // Entries without identifier share the file's anomaly: each problem names its student.
        let problem = match (&eleve_id, &who) {
            (None, Some(who)) => format!("élève {who} : {problem}"),
            _ => problem,
        };
        match self.groups.iter_mut().find(|group| group.0 == eleve_id) {
            Some(group) => group.3.push(problem),
            None => {
                let who = who.filter(|_| eleve_id.is_some());
                self.groups.push((eleve_id, line, who, vec![problem]));
            }
        }
    }

    fn file(&mut self, line: u32, problem: String) {
        self.add(None, line, None, problem);
    }

    fn into_diagnostics(self, file: &str) -> Vec<Diagnostic> {
        self.groups
            .into_iter()
            .map(|(eleve_id, line, who, problems)| {
                let subject = match who {
                    Some(who) => format!(" pour l'élève {who}"),
                    None => String::new(),
                };
                anomaly(
                    "LIENS_INVALIDE",
                    format!(
                        "Le fichier des liens ne respecte pas le schéma officiel{subject} : {}. SIECLE refusera le dépôt (« Fichier XML non valide »).",
                        problems.join(" ; ")
                    ),
                    Objet {
                        fichier: Some(file.to_string()),
                        eleve_id,
                        ..Objet::default()
                    },
                )
                .at(&Source::new(file, Some(line)))
            })
            .collect()
    }
}

struct Reader<'a> {
    file: &'a str,
    version: Option<String>,
    violations: Violations,
    dataset: Dataset,
    info: FileInfo,
    students: usize,
    identifiers: BTreeMap<(&'static str, String), u32>,
    without_group: Vec<ExtraNode>,
}

impl Reader<'_> {
    fn parametres(&mut self, node: &Node) {
        let mut problems = Vec::new();
        check_sequence(node, &PARAMETRES, &mut problems);
        if let Some(uaj) = node.child_value("UAJ") {
            if !word_characters(&uaj, 8) {
                problems.push(format!(
                    "l'UAJ « {uaj} » n'a pas 8 caractères (7 chiffres et une lettre)"
                ));
            }
            self.dataset.establishment.uaj = uaj.clone();
            self.info.uaj = Some(uaj);
        }
        if let Some(year) = node.child_value("ANNEE_SCOLAIRE") {
            match year.parse::<i32>() {
                Ok(value) if word_characters(&year, 4) => {
                    self.dataset.school_year.millesime = Some(value);
                    self.info.annee = Some(value);
                }
                _ => problems.push(format!(
                    "ANNEE_SCOLAIRE « {year} » n'est pas une année sur 4 chiffres"
                )),
            }
        }
        match node.child_value("DATE_IMPORT") {
            Some(date) => match parse_french(&date) {
                Some(parsed) => self.info.date_export = Some(parsed),
                None => problems.push(format!(
                    "DATE_IMPORT « {date} » n'est pas une date JJ/MM/AAAA"
                )),
            },
            None if node.child("DATE_IMPORT").is_some() => {
                problems.push("DATE_IMPORT est vide".into());
            }
            None => {}
        }
        match node.child_value("NUM_ENVOI") {
            Some(number) if counter(&number).is_none() => problems.push(format!(
                "NUM_ENVOI « {number} » n'est pas un entier de 0 à {COUNTER_MAX}"
            )),
            None if node.child("NUM_ENVOI").is_some() => {
                problems.push("NUM_ENVOI est vide".into());
            }
            _ => {}
        }
        match node.child_value("LOGICIEL") {
            Some(software) => {
                if software.chars().count() > SOFTWARE_MAX {
                    problems.push(format!(
                        "LOGICIEL « {software} » dépasse {SOFTWARE_MAX} caractères"
                    ));
                }
                self.info.logiciel = Some(software);
            }
            None if node.child("LOGICIEL").is_some() => {
                problems.push("LOGICIEL est vide".into());
            }
            None => {}
        }
        self.info.extra = node.extras_except(&["UAJ", "ANNEE_SCOLAIRE", "DATE_IMPORT", "LOGICIEL"]);
        for problem in problems {
            self.violations.file(node.line, problem);
        }
    }

    fn eleve(&mut self, node: &Node) {
        self.students += 1;
        let mut problems = Vec::new();
        check_sequence(node, &ELEVE, &mut problems);
        let student = StudentRef {
            eleve_id: node.child_value("ELEVE_ID"),
            ine: node.child_value("ID_NATIONAL"),
            private_id: node.child_value("ID_PRV_ELE"),
            family_name: node.first_child_value(&["NOM_DE_FAMILLE", "NOM"]),
            usage_name: node.child_value("NOM_USAGE"),
            first_name: node.child_value("PRENOM"),
            first_name2: node.child_value("PRENOM2"),
            first_name3: node.child_value("PRENOM3"),
            birth_date: node
                .child_value("DATE_NAISS")
                .as_deref()
                .and_then(strict_iso),
        };
        self.identifier_problems(node, &student, &mut problems);
        self.identity_problems(node, &mut problems);
        let source = Source::new(self.file, Some(node.line));
        let mut memberships = Vec::new();
        if let Some(groupes) = node.child("GROUPES") {
            check_sequence(groupes, &GROUPES, &mut problems);
            let mut codes = BTreeSet::new();
            for groupe in groupes.children_named("GROUPE") {
                if let Some(membership) = self.groupe(groupe, &student, &mut codes, &mut problems) {
                    memberships.push(membership);
                }
            }
        }
        if memberships.is_empty() {
            self.without_group.push(entry_node(&student, &source));
        }
        self.dataset.memberships.extend(memberships);
        let who = describe_reference(&student);
        for problem in problems {
            self.violations.add(
                student.identifier().map(str::to_string),
                node.line,
                Some(who.clone()),
                problem,
            );
        }
    }

    fn identifier_problems(
        &mut self,
        node: &Node,
        student: &StudentRef,
        problems: &mut Vec<String>,
    ) {
        for (kind, value) in
            IDENTIFIERS
                .into_iter()
                .zip([&student.eleve_id, &student.ine, &student.private_id])
        {
            let Some(value) = value else {
                if node.child(kind).is_some() {
                    problems.push(format!("{kind} est vide"));
                }
                continue;
            };
            let valid = match kind {
                "ELEVE_ID" => {
                    value.chars().all(|character| character.is_ascii_digit())
                        && value.parse::<u32>().is_ok()
                }
                "ID_NATIONAL" => word_characters(value, 11),
                _ => counter(value).is_some(),
            };
            if !valid {
                let expected = match kind {
                    "ELEVE_ID" => "un entier positif (l'identifiant SIECLE de l'élève)",
                    "ID_NATIONAL" => "un INE de 11 caractères",
                    _ => "un entier de 0 à 99999",
                };
                problems.push(format!("{kind} « {value} » n'est pas {expected}"));
            }
            if let Some(first) = self.identifiers.insert((kind, value.clone()), node.line) {
                problems.push(format!(
                    "l'identifiant {kind} {value} figure déjà ligne {first} (chaque identifiant doit être unique dans le fichier)"
                ));
            }
        }
    }

    fn identity_problems(&self, node: &Node, problems: &mut Vec<String>) {
        if self.version.as_deref() == Some("1.4") && node.child("NOM").is_some() {
            problems.push(
                "l'élément <NOM> n'existe plus en version 1.4 : le nom s'écrit <NOM_DE_FAMILLE>"
                    .into(),
            );
        }
        for element in [
            "NOM_DE_FAMILLE",
            "NOM",
            "NOM_USAGE",
            "PRENOM",
            "PRENOM2",
            "PRENOM3",
        ] {
            let Some(child) = node.child(element) else {
                continue;
            };
            match child.value() {
                None => problems.push(format!("{element} est vide")),
                Some(value) if value.chars().count() > NAME_MAX => problems.push(format!(
                    "{element} « {value} » dépasse {NAME_MAX} caractères"
                )),
                Some(_) => {}
            }
        }
        if let Some(child) = node.child("DATE_NAISS") {
            match child.value() {
                None => problems.push("DATE_NAISS est vide".into()),
                Some(value) if strict_iso(value).is_none() => problems.push(format!(
                    "DATE_NAISS « {value} » n'est pas une date AAAA-MM-JJ"
                )),
                Some(_) => {}
            }
        }
    }

    fn groupe(
        &mut self,
        node: &Node,
        student: &StudentRef,
        codes: &mut BTreeSet<String>,
        problems: &mut Vec<String>,
    ) -> Option<Membership> {
        check_sequence(node, &GROUPE, problems);
        let mut dates = [None, None];
        for (slot, element) in dates
            .iter_mut()
            .zip(["DATE_DEBUT_GROUPE", "DATE_FIN_GROUPE"])
        {
            let Some(child) = node.child(element) else {
                continue;
            };
            match child.value() {
                Some(value) => match strict_iso(value) {
                    Some(date) => *slot = Some(date),
                    None => problems.push(format!(
                        "{element} « {value} » n'est pas une date AAAA-MM-JJ (ligne {})",
                        child.line
                    )),
                },
                None => problems.push(format!("{element} est vide (ligne {})", child.line)),
            }
        }
        let Some(code) = node.child_value("CODE_GROUPE") else {
            if node.child("CODE_GROUPE").is_some() {
                problems.push(format!("CODE_GROUPE est vide (ligne {})", node.line));
            }
            return None;
        };
        if code.chars().count() > GROUP_CODE_MAX {
            problems.push(format!(
                "CODE_GROUPE « {code} » dépasse {GROUP_CODE_MAX} caractères (ligne {})",
                node.line
            ));
        }
        if !codes.insert(code.clone()) {
            problems.push(format!(
                "le groupe « {code} » figure deux fois pour cet élève (ligne {})",
                node.line
            ));
        }
        Some(Membership {
            student: student.clone(),
            group: code,
            start: dates[0],
            end: dates[1],
            origin: ORIGIN.into(),
            extra: node.extras_except(&["CODE_GROUPE", "DATE_DEBUT_GROUPE", "DATE_FIN_GROUPE"]),
            source: Source::new(self.file, Some(node.line)),
        })
    }

    fn donnees(&mut self, stream: &mut XmlStream<'_>, line: u32) -> Result<(), FormatError> {
        let mut lists = 0;
        while let Some(tag) = stream.next_child()? {
            match tag.name.as_str() {
                "ELEVES" => {
                    lists += 1;
                    if lists > 1 {
                        self.violations
                            .file(tag.line, "DONNEES contient plusieurs ELEVES".into());
                    }
                    while let Some(child) = stream.next_child()? {
                        if child.name == "ELEVE" {
                            let node = stream.read_node(child)?;
                            self.eleve(&node);
                        } else {
                            self.violations.file(
                                child.line,
                                format!(
                                    "élément <{}> inattendu dans <ELEVES> (ligne {})",
                                    child.name, child.line
                                ),
                            );
                            stream.skip(child)?;
                        }
                    }
                }
                "PERSONNES" => {
                    return Err(FormatError::Invalid {
                        file: self.file.to_string(),
                        line: Some(tag.line),
                        message: dossiers_sentence(self.file),
                    });
                }
                other => {
                    self.violations.file(
                        tag.line,
                        format!(
                            "élément <{other}> inattendu dans <DONNEES> (ligne {})",
                            tag.line
                        ),
                    );
                    stream.skip(tag)?;
                }
            }
        }
        if lists == 0 {
            self.violations
                .file(line, "DONNEES ne contient pas de liste ELEVES".into());
        }
        if self.students == 0 {
            self.violations
                .file(line, "le fichier ne contient aucun élève".into());
        }
        Ok(())
    }
}

/// Reads a liens file into a dataset fragment: the envelope (`files`, UAJ, millésime), one
/// membership per `GROUPE` (origin `pronote-liens`), and the entries without group kept in
/// the dataset's extra ([`ENTRIES_WITHOUT_GROUP`]). Schema and name violations are anomalies.
pub fn read(input: &ReadInput<'_>) -> Result<ReadOutput, FormatError> {
    let file = input.file_name;
    let mut stream = input.xml_stream();
    let root = stream.root()?;
    if root.name != ROOT {
        return Err(FormatError::Invalid {
            file: file.to_string(),
            line: Some(root.line),
            message: format!(
                "l'élément racine est <{}> et non <{ROOT}> : ce n'est pas un fichier des liens élèves-groupes",
                root.name
            ),
        });
    }
    let mut reader = Reader {
        file,
        version: root.attr("VERSION").map(str::to_string),
        violations: Violations::default(),
        dataset: Dataset::default(),
        info: FileInfo {
            fichier: file.to_string(),
            format: ORIGIN.to_string(),
            ..FileInfo::default()
        },
        students: 0,
        identifiers: BTreeMap::new(),
        without_group: Vec::new(),
    };
    let mut diagnostics = Vec::new();
    match reader.version.as_deref() {
        None => reader.violations.file(
            root.line,
            format!("l'attribut VERSION de <{ROOT}> manque"),
        ),
        Some(version) if !KNOWN_VERSIONS.contains(&version) => diagnostics.push(
            Diagnostic::new(
                codes::VERSION_INCONNUE,
                Severity::Warning,
                format!(
                    "« {file} » est un fichier des liens élèves-groupes de VERSION « {version} », que passerelle ne connaît pas (versions connues : {}) : il est lu comme la version 1.4.",
                    KNOWN_VERSIONS.join(", ")
                ),
            )
            .in_file(file),
        ),
        Some(_) => {}
    }
    for (key, _) in &root.attributes {
        if key != "VERSION" {
            reader
                .violations
                .file(root.line, format!("attribut {key} inattendu sur <{ROOT}>"));
        }
    }
    reader.info.version = reader.version.clone();
    let mut seen: Vec<String> = Vec::new();
    while let Some(tag) = stream.next_child()? {
        let line = tag.line;
        let name = tag.name.clone();
        match name.as_str() {
            "PARAMETRES" => {
                let node = stream.read_node(tag)?;
                reader.parametres(&node);
            }
            "DONNEES" => reader.donnees(&mut stream, line)?,
            other => {
                reader.violations.file(
                    line,
                    format!("élément <{other}> inattendu dans <{ROOT}> (ligne {line})"),
                );
                stream.skip(tag)?;
                continue;
            }
        }
        if seen.contains(&name) {
            reader
                .violations
                .file(line, format!("<{name}> apparaît deux fois (ligne {line})"));
        } else if name == "PARAMETRES" && seen.iter().any(|known| known == "DONNEES") {
            reader
                .violations
                .file(line, "<PARAMETRES> doit précéder <DONNEES>".into());
        }
        seen.push(name);
    }
    stream.finish()?;
    let Reader {
        violations,
        mut dataset,
        info,
        without_group,
        ..
    } = reader;
    let names = name::problems(file, input.base_name, info.uaj.as_deref(), info.annee);
    if !names.is_empty() {
        diagnostics.push(
            anomaly(
                "NOM_FICHIER",
                format!(
                    "Le nom du fichier des liens « {file} » sera refusé par SIECLE : {}.",
                    names.join(" ; ")
                ),
                Objet {
                    fichier: Some(file.to_string()),
                    ..Objet::default()
                },
            )
            .in_file(file),
        );
    }
    diagnostics.extend(violations.into_diagnostics(file));
    if !without_group.is_empty() {
        dataset.extra.push(ExtraNode {
            name: ENTRIES_WITHOUT_GROUP.into(),
            children: without_group,
            ..ExtraNode::default()
        });
    }
    dataset.files = vec![info];
    Ok(ReadOutput {
        dataset,
        diagnostics,
    })
}
