//! Synchronisation 5 (PRONOTE → SIECLE, liens élèves-groupes): SIECLE's overnight checks and
//! ours, on a liens file given to `check` or on the file `convert --to pronote-liens` is about
//! to write.
//!
//! The schema and file-name checks (`LIENS_INVALIDE`, `NOM_FICHIER`) belong to the reader of
//! the liens file; this module holds every rule that needs the other files: the SIECLE students
//! (`REJELEGROUPE_*`, `GROUPE_B_*`, `ELEVE_*`, `LIENS_INCOMPLET`), the structure (`GROUPE_A_01`,
//! `GROUPE_B_02`, `GROUPE_HORS_DIVISION`), `sts_emp` (`GROUPE_SANS_SERVICE`) and the school
//! period (`ELEGRP_A_*`). It also chooses and shapes what the writer sends
//! ([`entries_to_write`]) and runs the pre-flight of `convert` ([`preflight`]).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;

use super::{FileRef, Reference, ReferenceOptions, Sources, anomaly, anomaly_at};
use crate::dates::{format_french, format_iso, parse_iso};
use crate::detect::{ProbedFile, read_with};
use crate::diagnostics::{Diagnostic, Objet};
use crate::format::{Format, FormatError, OutputFile, ReadOptions, WriteOptions};
use crate::input::{InputFile, Limits, read_zip};
use crate::merge::same_uaj;
use crate::model::{Dataset, ExtraNode, Group, Membership, Source, Student, StudentRef};
use crate::names::same_name;
use crate::objet;
use crate::students::{Resolution, StudentIndex, identity_matches};

/// Format id of the liens file, and `origin` of the memberships its reader produces.
pub const ORIGIN: &str = "pronote-liens";

/// Name of the dataset-level extra node in which the liens reader keeps the entries that carry
/// no group (an empty `GROUPES`, a schema violation): they are in the file, so their student
/// is not `LIENS_INCOMPLET`, yet no membership can hold them.
pub const ENTRIES_WITHOUT_GROUP: &str = "ELEVES_SANS_GROUPE";

/// Where `convert --to pronote-liens` takes the memberships from, in order of preference
/// (ARCHITECTURE.md): the timetable's student list, a liens file, SIECLE's own groups.
pub const ORIGIN_PRIORITY: [&str; 3] = ["edt-table", ORIGIN, "siecle-eleves"];

/// One group link of a liens entry (`GROUPE`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiensLink {
    /// `CODE_GROUPE`, trimmed.
    pub group: String,
    /// `DATE_DEBUT_GROUPE`.
    pub start: Option<NaiveDate>,
    /// `DATE_FIN_GROUPE`.
    pub end: Option<NaiveDate>,
    /// Where it was read.
    pub source: Source,
}

/// One student entry of a liens file (`ELEVE`): the student as sent and their links.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LiensEntry {
    /// Identifier, names and birth date as sent.
    pub student: StudentRef,
    /// The links, in file order.
    pub links: Vec<LiensLink>,
    /// Where it was read (its first `GROUPE`, or the `ELEVE` when it has none).
    pub source: Source,
}

type RefKey = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<NaiveDate>,
);

fn ref_key(student: &StudentRef) -> RefKey {
    (
        student.eleve_id.clone(),
        student.ine.clone(),
        student.private_id.clone(),
        student.family_name.clone(),
        student.usage_name.clone(),
        student.first_name.clone(),
        student.first_name2.clone(),
        student.first_name3.clone(),
        student.birth_date,
    )
}

/// [`RefKey`], borrowed: the key of a student named by many memberships.
type BorrowedRefKey<'a> = (
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<NaiveDate>,
);

fn borrowed_ref_key(student: &StudentRef) -> BorrowedRefKey<'_> {
    (
        student.eleve_id.as_deref(),
        student.ine.as_deref(),
        student.private_id.as_deref(),
        student.family_name.as_deref(),
        student.usage_name.as_deref(),
        student.first_name.as_deref(),
        student.first_name2.as_deref(),
        student.first_name3.as_deref(),
        student.birth_date,
    )
}

/// The fields of an entry's student, as the liens file names them.
fn student_fields(student: &StudentRef) -> [(&'static str, Option<String>); 9] {
    [
        ("ELEVE_ID", student.eleve_id.clone()),
        ("ID_NATIONAL", student.ine.clone()),
        ("ID_PRV_ELE", student.private_id.clone()),
        ("NOM_DE_FAMILLE", student.family_name.clone()),
        ("NOM_USAGE", student.usage_name.clone()),
        ("PRENOM", student.first_name.clone()),
        ("PRENOM2", student.first_name2.clone()),
        ("PRENOM3", student.first_name3.clone()),
        ("DATE_NAISS", student.birth_date.map(format_iso)),
    ]
}

/// The extra node the reader keeps for an entry without group (see [`ENTRIES_WITHOUT_GROUP`]).
pub fn entry_node(student: &StudentRef, source: &Source) -> ExtraNode {
    ExtraNode {
        name: "ELEVE".into(),
        attributes: source
            .ligne
            .map(|line| vec![("ligne".to_string(), line.to_string())])
            .unwrap_or_default(),
        children: student_fields(student)
            .into_iter()
            .filter_map(|(name, value)| value.map(|value| ExtraNode::text(name, value)))
            .collect(),
        ..ExtraNode::default()
    }
}

fn entry_from_node(node: &ExtraNode, file: &str) -> LiensEntry {
    let field = |name: &str| {
        node.children
            .iter()
            .find(|child| child.name == name)
            .and_then(|child| child.text.clone())
    };
    let line = node
        .attributes
        .iter()
        .find(|(key, _)| key == "ligne")
        .and_then(|(_, value)| value.parse().ok());
    LiensEntry {
        student: StudentRef {
            eleve_id: field("ELEVE_ID"),
            ine: field("ID_NATIONAL"),
            private_id: field("ID_PRV_ELE"),
            family_name: field("NOM_DE_FAMILLE"),
            usage_name: field("NOM_USAGE"),
            first_name: field("PRENOM"),
            first_name2: field("PRENOM2"),
            first_name3: field("PRENOM3"),
            birth_date: field("DATE_NAISS").as_deref().and_then(parse_iso),
        },
        links: Vec::new(),
        source: Source::new(file, line),
    }
}

/// Groups memberships into entries, one per distinct student reference, in first-seen order.
fn group_entries<'a>(memberships: impl Iterator<Item = &'a Membership>) -> Vec<LiensEntry> {
    let mut entries: Vec<LiensEntry> = Vec::new();
    let mut index: HashMap<BorrowedRefKey<'a>, usize> = HashMap::new();
    for membership in memberships {
        let position = *index
            .entry(borrowed_ref_key(&membership.student))
            .or_insert_with(|| {
                entries.push(LiensEntry {
                    student: membership.student.clone(),
                    links: Vec::new(),
                    source: membership.source.clone(),
                });
                entries.len() - 1
            });
        entries[position].links.push(LiensLink {
            group: membership.group.trim().to_string(),
            start: membership.start,
            end: membership.end,
            source: membership.source.clone(),
        });
    }
    entries
}

/// The entries of a liens file read into `dataset` (its memberships of origin
/// [`ORIGIN`] and its entries without group), in file order.
pub fn entries(dataset: &Dataset) -> Vec<LiensEntry> {
    let mut entries = group_entries(
        dataset
            .memberships
            .iter()
            .filter(|membership| membership.origin == ORIGIN),
    );
    let file = dataset
        .files
        .iter()
        .find(|info| info.format == ORIGIN)
        .map(|info| info.fichier.clone())
        .unwrap_or_default();
    if let Some(without) = dataset.extra.get(ENTRIES_WITHOUT_GROUP) {
        entries.extend(
            without
                .children
                .iter()
                .map(|node| entry_from_node(node, &file)),
        );
    }
    // Entries read from a file are put back in file order; entries built in memory carry no
    // line and keep theirs (the sort is stable).
    entries.sort_by_key(|entry| entry.source.ligne.unwrap_or(u32::MAX));
    entries
}

/// The memberships `convert --to pronote-liens` sends, and where they come from.
#[derive(Clone, Debug)]
pub struct MembershipChoice<'a> {
    /// The origin chosen (a format id, or another origin when none of [`ORIGIN_PRIORITY`]
    /// is present).
    pub origin: String,
    /// The memberships of that origin, in dataset order.
    pub memberships: Vec<&'a Membership>,
}

impl MembershipChoice<'_> {
    /// The source in French, for the sentence `convert` prints.
    pub fn describe(&self) -> String {
        match self.origin.as_str() {
            "edt-table" => "l'export des élèves de l'emploi du temps (EXP_ELEVE)".to_string(),
            ORIGIN => "le fichier des liens élèves-groupes donné en entrée".to_string(),
            "siecle-eleves" => {
                "les groupes des élèves dans SIECLE (structures de type G de l'export élèves)"
                    .to_string()
            }
            other => {
                format!("les appartenances aux groupes du jeu de données (origine « {other} »)")
            }
        }
    }
}

/// Chooses the memberships to send: those of the first origin of [`ORIGIN_PRIORITY`] present,
/// else those of the first other origin (in name order). `None` when there is none.
pub fn choose_memberships(dataset: &Dataset) -> Option<MembershipChoice<'_>> {
    let origins: BTreeSet<&str> = dataset
        .memberships
        .iter()
        .map(|membership| membership.origin.as_str())
        .collect();
    let origin = ORIGIN_PRIORITY
        .iter()
        .copied()
        .find(|origin| origins.contains(origin))
        .or_else(|| origins.iter().copied().next())?;
    Some(MembershipChoice {
        origin: origin.to_string(),
        memberships: dataset
            .memberships
            .iter()
            .filter(|membership| membership.origin == origin)
            .collect(),
    })
}

/// The SIECLE student a reference names, when the dataset has students.
fn resolved_student<'d>(index: &StudentIndex<'d>, student: &StudentRef) -> Option<&'d Student> {
    let dataset = index.dataset();
    if let Some(id) = student.eleve_id.as_deref()
        && let Some(found) = dataset.students.get(id.trim())
    {
        return Some(found);
    }
    if dataset.students.is_empty() {
        return None;
    }
    index.student(student, true)
}

/// What the file says of a SIECLE student: ELEVE_ID, names and birth date from SIECLE.
fn reference_of(student: &Student) -> StudentRef {
    StudentRef {
        eleve_id: Some(student.eleve_id.clone()),
        family_name: student.family_name.clone(),
        usage_name: student.usage_name.clone(),
        first_name: student.first_name.clone(),
        first_name2: student.first_name2.clone(),
        first_name3: student.first_name3.clone(),
        birth_date: student.birth_date,
        ..StudentRef::default()
    }
}

/// A reference that keeps exactly one identifier, the first of ELEVE_ID, INE, private id.
fn with_one_identifier(student: &StudentRef) -> StudentRef {
    let mut kept = student.clone();
    if kept.eleve_id.is_some() {
        kept.ine = None;
        kept.private_id = None;
    } else if kept.ine.is_some() {
        kept.private_id = None;
    }
    kept
}

/// The entries `convert --to pronote-liens` writes, from the memberships
/// [`choose_memberships`] picks: one per student, identified by ELEVE_ID with SIECLE's names
/// and birth date when the student is known; students who left before the reference date are
/// left out; a group is sent once per student; students without group are never written.
/// Sorted by family name, first name and identifier.
pub fn entries_to_write(dataset: &Dataset) -> Vec<LiensEntry> {
    let Some(choice) = choose_memberships(dataset) else {
        return Vec::new();
    };
    let mut entries: Vec<LiensEntry> = Vec::new();
    // A student named by several references (an INE here, an ELEVE_ID there) is one entry.
    let mut by_student: BTreeMap<RefKey, Option<usize>> = BTreeMap::new();
    let mut by_eleve_id: BTreeMap<String, usize> = BTreeMap::new();
    let index = StudentIndex::new(dataset);
    for membership in choice.memberships {
        let group = membership.group.trim();
        if group.is_empty() {
            continue;
        }
        let key = ref_key(&membership.student);
        let position = match by_student.get(&key) {
            Some(position) => *position,
            None => {
                let found = resolved_student(&index, &membership.student);
                let left = found.is_some_and(|student| {
                    dataset
                        .reference_date
                        .is_some_and(|date| !student.is_present_at(date))
                });
                let position = (!left).then(|| {
                    let student = found
                        .map_or_else(|| with_one_identifier(&membership.student), reference_of);
                    let existing = student
                        .eleve_id
                        .as_ref()
                        .and_then(|id| by_eleve_id.get(id).copied());
                    existing.unwrap_or_else(|| {
                        if let Some(id) = &student.eleve_id {
                            by_eleve_id.insert(id.clone(), entries.len());
                        }
                        entries.push(LiensEntry {
                            student,
                            links: Vec::new(),
                            source: membership.source.clone(),
                        });
                        entries.len() - 1
                    })
                });
                by_student.insert(key, position);
                position
            }
        };
        let Some(position) = position else { continue };
        let entry = &mut entries[position];
        if entry.links.iter().all(|link| link.group != group) {
            entry.links.push(LiensLink {
                group: group.to_string(),
                start: membership.start,
                end: membership.end,
                source: membership.source.clone(),
            });
        }
    }
    fn order_key(entry: &LiensEntry) -> (&str, &str, &str) {
        (
            entry.student.family_name.as_deref().unwrap_or_default(),
            entry.student.first_name.as_deref().unwrap_or_default(),
            entry.student.identifier().unwrap_or_default(),
        )
    }
    entries.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
    entries
}

/// Findings, one per (code, objet), keeping the first (CHECKS.md, Conventions).
#[derive(Default)]
struct Findings {
    seen: BTreeSet<(&'static str, Objet)>,
    found: Vec<Diagnostic>,
}

impl Findings {
    fn push(&mut self, code: &'static str, message: String, objet: Objet, source: Option<&Source>) {
        if self.seen.insert((code, objet.clone())) {
            let diagnostic = match source {
                Some(source) => anomaly_at(code, message, objet, source),
                None => anomaly(code, message, objet),
            };
            self.found.push(diagnostic);
        }
    }
}

/// How messages name a student: SIECLE's name and ELEVE_ID when resolved, else as sent.
fn who(student: Option<&Student>, sent: &StudentRef) -> String {
    match student {
        Some(student) => format!(
            "l'élève {} (ELEVE_ID {})",
            student.display_name(),
            student.eleve_id
        ),
        None => format!("l'élève {}", as_sent(sent)),
    }
}

/// A student as the file sends them, in SIECLE's words: names, birth date, identifier sent.
fn as_sent(sent: &StudentRef) -> String {
    let mut text = [sent.family_name.as_deref(), sent.first_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if text.is_empty() {
        text.push_str("sans nom");
    }
    if let Some(birth) = sent.birth_date {
        text.push_str(&format!(" né(e) le {}", format_french(birth)));
    }
    match sent.identifier() {
        Some(id) => text.push_str(&format!(" (identifiant envoyé = {id})")),
        None => text.push_str(" (sans identifiant)"),
    }
    text
}

fn quoted_list<'a>(codes: impl Iterator<Item = &'a str>) -> String {
    codes
        .map(|code| format!("« {code} »"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn groups_of(entry: &LiensEntry) -> String {
    quoted_list(entry.links.iter().map(|link| link.group.as_str()))
}

/// Codes compared loosely, for the "vouliez-vous dire" hint: no spaces, no case.
fn loose(code: &str) -> String {
    code.chars()
        .filter(|character| !character.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Why a group code is not referenced, beyond "unknown": a division of that code, or a group
/// whose code differs only in case or spaces.
fn unknown_group_hint(code: &str, structure: &Dataset) -> String {
    if structure.divisions.contains_key(code) {
        return format!(" (« {code} » est une division, pas un groupe)");
    }
    let wanted = loose(code);
    match structure.groups.keys().find(|known| loose(known) == wanted) {
        Some(known) => format!(" (vouliez-vous dire « {known} » ?)"),
        None => String::new(),
    }
}

/// A group's MEFs: its own attachments, else those of its divisions.
/// The groups of the structure links are checked against, with what each link asks of its
/// group found once per group rather than once per link: its divisions and its MEFs.
struct StructureGroups<'d> {
    dataset: &'d Dataset,
    /// Trimmed division codes of each group.
    divisions: HashMap<&'d str, HashSet<&'d str>>,
    /// MEFs of each group ([`group_mefs`]).
    mefs: HashMap<&'d str, BTreeSet<String>>,
}

impl<'d> StructureGroups<'d> {
    fn new(dataset: &'d Dataset) -> Self {
        let divisions = dataset
            .groups
            .iter()
            .map(|(code, group)| {
                let codes = group
                    .divisions
                    .iter()
                    .map(|attached| attached.code.trim())
                    .collect();
                (code.as_str(), codes)
            })
            .collect();
        let mefs = dataset
            .groups
            .iter()
            .map(|(code, group)| (code.as_str(), group_mefs(group, dataset)))
            .collect();
        StructureGroups {
            dataset,
            divisions,
            mefs,
        }
    }

    fn mefs_of(&self, code: &str) -> &BTreeSet<String> {
        static NONE: BTreeSet<String> = BTreeSet::new();
        self.mefs.get(code).unwrap_or(&NONE)
    }
}

fn group_mefs(group: &Group, structure: &Dataset) -> BTreeSet<String> {
    let own: BTreeSet<String> = group
        .mefs
        .iter()
        .map(|mef| mef.code.trim().to_string())
        .filter(|code| !code.is_empty())
        .collect();
    if !own.is_empty() {
        return own;
    }
    group
        .divisions
        .iter()
        .filter_map(|division| structure.divisions.get(division.code.trim()))
        .flat_map(|division| &division.mefs)
        .map(|mef| mef.code.trim().to_string())
        .filter(|code| !code.is_empty())
        .collect()
}

fn blank(value: Option<&str>) -> bool {
    value.is_none_or(|value| value.trim().is_empty())
}

/// The differences between what a liens entry sends and the SIECLE student, in French.
fn identity_differences(student: &Student, sent: &StudentRef) -> Vec<&'static str> {
    let mut differences = Vec::new();
    let family_ok = sent.family_name.as_deref().is_some_and(|family| {
        [
            student.family_name.as_deref(),
            student.usage_name.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|known| same_name(known, family))
    });
    if !family_ok {
        differences.push("nom");
    }
    let first_ok = match (sent.first_name.as_deref(), student.first_name.as_deref()) {
        (Some(sent), Some(known)) => same_name(sent, known),
        _ => false,
    };
    if !first_ok {
        differences.push("prénom");
    }
    if sent.birth_date.is_none() || sent.birth_date != student.birth_date {
        differences.push("date de naissance");
    }
    differences
}

fn period_text(period: (NaiveDate, NaiveDate)) -> String {
    format!(
        "du {} au {}",
        format_french(period.0),
        format_french(period.1)
    )
}

/// The synchro-5 checks of a liens file given to `check`: the entries of `sources.liens`
/// against the SIECLE students and structure, `sts_emp` and the school period. Nothing when
/// there is no liens file. The schema and name checks (`LIENS_INVALIDE`, `NOM_FICHIER`) are
/// the reader's diagnostics.
pub fn check_liens(sources: &Sources<'_>, reference: &Reference) -> Vec<Diagnostic> {
    match sources.liens {
        Some(liens) => check_entries(&entries(liens.dataset), sources, reference),
        None => Vec::new(),
    }
}

/// The synchro-5 checks of liens entries (read from a file, or about to be written) against
/// the other sources. `FICHIER_MANQUANT` (info) for each kind of file a check lacks.
pub fn check_entries(
    entries: &[LiensEntry],
    sources: &Sources<'_>,
    reference: &Reference,
) -> Vec<Diagnostic> {
    let mut findings = Findings::default();
    missing_files(&mut findings, sources, reference);
    let students = sources.students.map(|file| file.dataset);
    let index = students.map(StudentIndex::new);
    let structure = sources.structures.or(sources.sts).map(|file| file.dataset);
    let groups = structure.map(StructureGroups::new);
    let sts = sources.sts.map(|file| StsGroups::new(file.dataset));
    // Which SIECLE student each entry names; the first entry naming a student keeps it.
    let mut first_entry_of: HashMap<&str, &LiensEntry> = HashMap::new();
    let mut in_file: HashSet<&str> = HashSet::new();
    for entry in entries {
        let mut student = None;
        let mut rejected = false;
        if let (Some(students), Some(index)) = (students, &index) {
            match index.resolve(&entry.student, true) {
                Resolution::ById(id) => {
                    student = students.students.get(&id);
                    if let Some(found) = student
                        && !identity_matches(found, &entry.student, false)
                    {
                        let differences = identity_differences(found, &entry.student);
                        findings.push(
                            "ELEVE_IDENTITE",
                            format!(
                                "L'identifiant {} désigne dans SIECLE {} né(e) le {}, mais le fichier des liens envoie {} (différence : {}) : SIECLE rattachera les groupes {} à l'élève de SIECLE.",
                                entry.student.identifier().unwrap_or("?"),
                                who(Some(found), &entry.student),
                                found.birth_date.map(format_french).unwrap_or_else(|| "?".into()),
                                as_sent(&entry.student),
                                differences.join(", "),
                                groups_of(entry),
                            ),
                            objet!(eleve_id = found.eleve_id.clone()),
                            Some(&entry.source),
                        );
                    }
                }
                Resolution::ByIdentity(id) => {
                    student = students.students.get(&id);
                    if let Some(found) = student {
                        let sent = match entry.student.identifier() {
                            Some(sent) => {
                                format!("L'identifiant envoyé {sent} est inconnu de SIECLE")
                            }
                            None => "Aucun identifiant n'est envoyé".to_string(),
                        };
                        findings.push(
                            "ELEVE_IDENTITE",
                            format!(
                                "{sent} pour {} : SIECLE rattachera les groupes {} à {}, retrouvé(e) par ses nom, prénom et date de naissance.",
                                as_sent(&entry.student),
                                groups_of(entry),
                                who(Some(found), &entry.student),
                            ),
                            objet!(eleve_id = found.eleve_id.clone()),
                            Some(&entry.source),
                        );
                    }
                }
                Resolution::Ambiguous(ids) => {
                    findings.push(
                        "ELEVE_IDENTITE",
                        format!(
                            "L'élève {} est inconnu(e) de SIECLE par son identifiant et correspond par ses nom, prénom et date de naissance à plusieurs élèves (ELEVE_ID {}) : SIECLE rattachera les groupes {} à l'un d'eux.",
                            as_sent(&entry.student),
                            ids.join(", "),
                            groups_of(entry),
                        ),
                        sent_objet(&entry.student),
                        Some(&entry.source),
                    );
                }
                Resolution::NotFound => {
                    rejected = true;
                    findings.push(
                        "REJELEGROUPE_01",
                        format!(
                            "L'élève {} n'a pas été trouvé(e) dans SIECLE, ni par son identifiant ni par ses nom, prénom et date de naissance : aucune de ses inscriptions de groupe ({}) ne sera créée.",
                            as_sent(&entry.student),
                            groups_of(entry),
                        ),
                        sent_objet(&entry.student),
                        Some(&entry.source),
                    );
                }
            }
        }
        if let Some(found) = student {
            in_file.insert(found.eleve_id.as_str());
            match first_entry_of.get(found.eleve_id.as_str()) {
                Some(first) if first.student.identifier() != entry.student.identifier() => {
                    rejected = true;
                    findings.push(
                        "REJELEGROUPE_03",
                        format!(
                            "Les inscriptions de groupe de l'élève {} ont déjà été importées : cette entrée désigne le même élève de SIECLE ({}) qu'une entrée précédente ({}{}) ; elle sera rejetée avec ses groupes {}.",
                            as_sent(&entry.student),
                            who(Some(found), &entry.student),
                            as_sent(&first.student),
                            first
                                .source
                                .ligne
                                .map(|line| format!(", ligne {line}"))
                                .unwrap_or_default(),
                            groups_of(entry),
                        ),
                        objet!(eleve_id = found.eleve_id.clone()),
                        Some(&entry.source),
                    );
                }
                Some(_) => {}
                None => {
                    first_entry_of.insert(found.eleve_id.as_str(), entry);
                }
            }
        }
        // objet.eleve_id is the student resolved to, even for a rejected second entry.
        let eleve_objet = match student {
            Some(found) => Some(found.eleve_id.clone()),
            None => entry.student.identifier().map(str::to_string),
        };
        let student = student.filter(|_| !rejected);
        let link_objet = |group: &str| Objet {
            eleve_id: eleve_objet.clone(),
            groupe: Some(group.to_string()),
            ..Objet::default()
        };
        let name = who(student, &entry.student);
        let without_mef = student.is_some_and(|found| blank(found.mef.as_deref()));
        if let Some(found) = student
            && without_mef
            && !entry.links.is_empty()
        {
            findings.push(
                "GROUPE_B_01",
                format!(
                    "L'élève {} (ELEVE_ID {}), non inscrit(e) dans un MEF, ne peut pas être inscrit(e) dans un groupe : toutes ses inscriptions de groupe ({}) seront rejetées.",
                    found.display_name(),
                    found.eleve_id,
                    groups_of(entry),
                ),
                objet!(eleve_id = found.eleve_id.clone()),
                Some(&entry.source),
            );
        }
        for link in &entry.links {
            check_link(
                &mut findings,
                link,
                &name,
                link_objet(&link.group),
                student.filter(|_| !without_mef),
                student,
                groups.as_ref(),
                sources.structures.is_some(),
                sts.as_ref(),
                reference,
            );
        }
    }
    if let Some(index) = &index {
        completeness(
            &mut findings,
            &in_file,
            index,
            sources.edt_students.map(|file| file.dataset),
            structure,
            reference,
        );
    }
    findings.found
}

fn sent_objet(student: &StudentRef) -> Objet {
    Objet {
        eleve_id: student.identifier().map(str::to_string),
        ..Objet::default()
    }
}

/// The groups of `sts_emp`, and those a service of `sts_emp` teaches (codes trimmed), looked
/// up for every link.
struct StsGroups<'d> {
    dataset: &'d Dataset,
    serviced: BTreeSet<&'d str>,
}

impl<'d> StsGroups<'d> {
    fn new(dataset: &'d Dataset) -> Self {
        let serviced = dataset
            .services
            .iter()
            .filter(|service| service.structure.kind == crate::model::StructureKind::Groupe)
            .map(|service| service.structure.code.trim())
            .collect();
        StsGroups { dataset, serviced }
    }
}

#[allow(clippy::too_many_arguments)]
fn check_link(
    findings: &mut Findings,
    link: &LiensLink,
    name: &str,
    objet: Objet,
    with_mef: Option<&Student>,
    student: Option<&Student>,
    structure: Option<&StructureGroups<'_>>,
    from_structures_file: bool,
    sts: Option<&StsGroups<'_>>,
    reference: &Reference,
) {
    let code = link.group.as_str();
    let group = structure.and_then(|structure| structure.dataset.groups.get(code));
    if let Some(structure) = structure
        && group.is_none()
    {
        findings.push(
            "GROUPE_A_01",
            format!(
                "Le groupe \"{code}\" n'est pas référencé dans {}{} : l'inscription de {name} dans ce groupe sera rejetée.",
                if from_structures_file { "la structure SIECLE (Structures.xml)" } else { "STS-Web (sts_emp)" },
                unknown_group_hint(code, structure.dataset),
            ),
            objet.clone(),
            Some(&link.source),
        );
    }
    if let (Some(group), Some(structure)) = (group, structure) {
        if let Some(found) = with_mef
            && let Some(mef) = found.mef.as_deref().map(str::trim)
        {
            let mefs = structure.mefs_of(code);
            if !mefs.is_empty() && !mefs.contains(mef) {
                findings.push(
                    "GROUPE_B_02",
                    format!(
                        "Le groupe \"{code}\" n'est pas rattaché au MEF (\"{mef}\") de {name} : l'inscription de l'élève dans ce groupe sera rejetée (MEF du groupe : {}).",
                        quoted_list(mefs.iter().map(String::as_str)),
                    ),
                    objet.clone(),
                    Some(&link.source),
                );
            }
        }
        if let Some(found) = student
            && let Some(division) = found.division.as_deref().map(str::trim)
            && let Some(divisions) = structure.divisions.get(code)
            && !divisions.is_empty()
            && !divisions.contains(division)
        {
            findings.push(
                "GROUPE_HORS_DIVISION",
                format!(
                    "{} de la division \"{division}\" est inscrit(e) dans le groupe \"{code}\", qui n'est rattaché qu'aux divisions {}.",
                    capitalised(name),
                    quoted_list(group.divisions.iter().map(|attached| attached.code.as_str())),
                ),
                objet.clone(),
                Some(&link.source),
            );
        }
    }
    if let Some(sts) = sts
        && sts.dataset.groups.contains_key(code)
        && !sts.serviced.contains(code)
    {
        findings.push(
            "GROUPE_SANS_SERVICE",
            format!(
                "Le groupe \"{code}\" (où est inscrit(e) {name}) existe dans STS-Web (sts_emp) mais n'y a aucun service : PRONOTE ne pourra pas noter ses élèves."
            ),
            objet!(groupe = code),
            Some(&link.source),
        );
    }
    check_dates(findings, link, name, &objet, student, reference);
}

fn capitalised(text: &str) -> String {
    let mut characters = text.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}

fn check_dates(
    findings: &mut Findings,
    link: &LiensLink,
    name: &str,
    objet: &Objet,
    student: Option<&Student>,
    reference: &Reference,
) {
    let code = link.group.as_str();
    if let (Some(start), Some(end)) = (link.start, link.end)
        && start >= end
    {
        findings.push(
            "ELEGRP_A_01",
            format!(
                "Les dates d'inscription de {name} dans le groupe \"{code}\" sont invalides : le début ({}) n'est pas antérieur à la fin ({}) ; SIECLE les réinitialisera.",
                format_french(start),
                format_french(end),
            ),
            objet.clone(),
            Some(&link.source),
        );
    }
    if let Some(period) = reference.period {
        let outside = |date: NaiveDate| date < period.0 || date > period.1;
        for (code_name, date, which) in [
            ("ELEGRP_A_02", link.start, "début"),
            ("ELEGRP_A_03", link.end, "fin"),
        ] {
            if let Some(date) = date.filter(|date| outside(*date)) {
                findings.push(
                    code_name,
                    format!(
                        "La date de {which} d'inscription de {name} dans le groupe \"{code}\" ({}) n'est pas incluse dans la période scolaire autorisée ({}) : SIECLE la réinitialisera.",
                        format_french(date),
                        period_text(period),
                    ),
                    objet.clone(),
                    Some(&link.source),
                );
            }
        }
    }
    if let Some(found) = student
        && let Some(left) = found.leaving_date
    {
        let start = link
            .start
            .map(|start| (start, format!("({})", format_french(start))))
            .or_else(|| {
                reference.period.map(|period| {
                    (
                        period.0,
                        format!("(début de l'année, {})", format_french(period.0)),
                    )
                })
            });
        if let Some((start, shown)) = start
            && left < start
        {
            findings.push(
                "ELEVE_SORTI",
                format!(
                    "{} est sorti(e) de l'établissement le {}, avant le début de son inscription dans le groupe \"{code}\" {shown} : SIECLE arrêtera le lien à sa date de sortie.",
                    capitalised(name),
                    format_french(left),
                ),
                objet.clone(),
                Some(&link.source),
            );
        }
    }
}

/// `LIENS_INCOMPLET` and `ELEVE_SANS_GROUPE`: present students absent from the file.
fn completeness(
    findings: &mut Findings,
    in_file: &HashSet<&str>,
    index: &StudentIndex<'_>,
    edt: Option<&Dataset>,
    structure: Option<&Dataset>,
    reference: &Reference,
) {
    let students = index.dataset();
    // Borrowed keys in a hash map: this runs over every membership of two files.
    let mut groups: HashMap<&str, BTreeSet<&str>> = HashMap::with_capacity(students.students.len());
    for membership in &students.memberships {
        if let Some(id) = membership.student.eleve_id.as_deref() {
            groups
                .entry(id.trim())
                .or_default()
                .insert(membership.group.trim());
        }
    }
    if let Some(edt) = edt {
        // Resolving through the index costs less than remembering what each row resolved to.
        for membership in &edt.memberships {
            if let Some(student) = index.student(&membership.student, false) {
                groups
                    .entry(student.eleve_id.as_str())
                    .or_default()
                    .insert(membership.group.trim());
            }
        }
    }
    // Built on the first student who needs it: most files leave nobody out.
    let mut groups_by_division: Option<BTreeMap<&str, Vec<&str>>> = None;
    for student in students.students.values() {
        if reference
            .date
            .is_some_and(|date| !student.is_present_at(date))
            || in_file.contains(student.eleve_id.as_str())
        {
            continue;
        }
        let name = format!(
            "L'élève {} (ELEVE_ID {})",
            student.display_name(),
            student.eleve_id
        );
        match groups
            .get(student.eleve_id.as_str())
            .filter(|codes| !codes.is_empty())
        {
            Some(codes) => findings.push(
                "LIENS_INCOMPLET",
                format!(
                    "{name}, présent(e) et inscrit(e) dans {} {}, est absent(e) du fichier des liens : l'import commence par supprimer tous les liens élèves-groupes de l'établissement, cet élève perdra tous ses groupes.",
                    if codes.len() == 1 { "le groupe" } else { "les groupes" },
                    quoted_list(codes.iter().copied()),
                ),
                objet!(eleve_id = student.eleve_id.clone()),
                Some(&student.source),
            ),
            None => {
                let Some(division) = student.division.as_deref().map(str::trim) else {
                    continue;
                };
                let attached = groups_by_division
                    .get_or_insert_with(|| groups_of_divisions(structure))
                    .get(division)
                    .cloned()
                    .unwrap_or_default();
                if !attached.is_empty() {
                    findings.push(
                        "ELEVE_SANS_GROUPE",
                        format!(
                            "{name} de la division \"{division}\" n'a aucun groupe (ni dans SIECLE, ni dans le fichier des liens, ni dans l'export de l'emploi du temps), alors que des groupes sont rattachés à sa division : {}.",
                            quoted_list(attached.into_iter()),
                        ),
                        objet!(eleve_id = student.eleve_id.clone()),
                        Some(&student.source),
                    );
                }
            }
        }
    }
}

/// The groups attached to each division (codes trimmed), in group order.
fn groups_of_divisions(structure: Option<&Dataset>) -> BTreeMap<&str, Vec<&str>> {
    let mut attached: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for group in structure
        .into_iter()
        .flat_map(|structure| structure.groups.values())
    {
        for division in &group.divisions {
            let codes = attached.entry(division.code.trim()).or_default();
            if codes.last() != Some(&group.code.as_str()) {
                codes.push(&group.code);
            }
        }
    }
    attached
}

/// `FICHIER_MANQUANT` for each kind of file a liens check lacks (CHECKS.md, Finer points).
fn missing_files(findings: &mut Findings, sources: &Sources<'_>, reference: &Reference) {
    let mut missing = |kind: &'static str, what: &str| {
        findings.push(
            "FICHIER_MANQUANT",
            format!("Sans {kind}, le fichier des liens élèves-groupes n'est pas vérifié : {what}."),
            objet!(fichier = kind),
            None,
        );
    };
    if sources.students.is_none() {
        missing(
            "ElevesSansAdresses.xml",
            "élèves inconnus de SIECLE (REJELEGROUPE_01), en double (REJELEGROUPE_03), sans MEF (GROUPE_B_01), identités, élèves sortis et élèves oubliés (LIENS_INCOMPLET)",
        );
    }
    if sources.structures.is_none() && sources.sts.is_none() {
        missing(
            "Structures.xml",
            "groupes inconnus de SIECLE (GROUPE_A_01), rattachement des groupes aux MEF (GROUPE_B_02) et aux divisions",
        );
    }
    if sources.sts.is_none() {
        missing(
            "sts_emp",
            "groupes sans service dans STS-Web (GROUPE_SANS_SERVICE)",
        );
    }
    if reference.period.is_none() {
        missing(
            "Communs.xml",
            "dates d'inscription hors de la période scolaire (ELEGRP_A_02, ELEGRP_A_03)",
        );
    }
}

/// The files a JSON dataset (`passerelle convert … --to json`) stands in for: it holds the
/// students, the structure, the calendar and the services of the SIECLE and STS files it was
/// made from, so the checks see it as each of them. Other files are returned unchanged.
pub fn stand_ins<'a>(file: FileRef<'a>) -> Vec<FileRef<'a>> {
    if file.format != "json" {
        return vec![file];
    }
    let dataset = file.dataset;
    let bounds = &dataset.school_year.bounds;
    [
        ("siecle-eleves", !dataset.students.is_empty()),
        (
            "siecle-structures",
            !dataset.divisions.is_empty() || !dataset.groups.is_empty(),
        ),
        (
            "siecle-communs",
            bounds.start.is_some() && bounds.end.is_some(),
        ),
        ("sts-emp", !dataset.services.is_empty()),
    ]
    .into_iter()
    .filter(|(_, holds)| *holds)
    .map(|(format, _)| FileRef { format, ..file })
    .collect()
}

/// What the pre-flight of `convert --to pronote-liens` found.
#[derive(Debug, Default)]
pub struct Preflight {
    /// Where the memberships were taken from, in French (`None`: no membership at all).
    pub origin: Option<String>,
    /// The files to write (written only when no anomaly is an error, or with `--force`).
    pub outputs: Vec<OutputFile>,
    /// Synchro-5 and envelope anomalies of the file about to be written, in finding order.
    pub anomalies: Vec<Diagnostic>,
    /// Other remarks of the reader on the produced file.
    pub remarks: Vec<Diagnostic>,
}

impl Preflight {
    /// True when an anomaly is an error: SIECLE would reject the file or some of its links.
    pub fn blocks(&self) -> bool {
        self.anomalies
            .iter()
            .any(|anomaly| anomaly.severity == crate::diagnostics::Severity::Error)
    }
}

/// The produced files, read back with the liens reader, as `check` would read them.
fn read_back(
    format: &dyn Format,
    outputs: &[OutputFile],
) -> Result<Vec<(String, crate::detect::ReadFile)>, FormatError> {
    let mut read = Vec::new();
    for output in outputs {
        let members = if output.name.to_ascii_lowercase().ends_with(".zip") {
            read_zip(
                &output.name,
                Path::new(&output.name),
                &output.bytes,
                &Limits::default(),
            )
            .map_err(|refused| FormatError::MissingData(refused.to_string()))?
            .0
        } else {
            vec![InputFile {
                name: output.name.clone(),
                disk_path: output.name.clone().into(),
                bytes: output.bytes.clone(),
            }]
        };
        for member in members {
            let probed = ProbedFile::new(&member);
            read.push((
                member.name.clone(),
                read_with(format, &probed, &ReadOptions::default())?,
            ));
        }
    }
    Ok(read)
}

/// `MILLESIME` and `UAJ_DIFFERENTS` of the produced file against the reference: SIECLE refuses
/// a file of another year or establishment at upload.
fn envelope(findings: &mut Findings, file: &str, dataset: &Dataset, reference: &Reference) {
    let Some(info) = dataset.files.iter().find(|info| info.fichier == file) else {
        return;
    };
    if let (Some(year), Some(expected)) = (info.annee, reference.annee)
        && year != expected
    {
        findings.push(
            "MILLESIME",
            format!(
                "Le fichier des liens « {file} » serait de l'année {year} (ANNEE_SCOLAIRE), mais le fichier élèves SIECLE est de l'année {expected} : SIECLE refusera le dépôt (« Année du fichier différente de l'année utilisée ! »)."
            ),
            Objet {
                fichier: Some(file.to_string()),
                annee: Some(year),
                ..Objet::default()
            },
            None,
        );
    }
    if let (Some(uaj), Some(expected)) = (info.uaj.as_deref(), reference.uaj.as_deref())
        && !same_uaj(uaj, expected)
    {
        findings.push(
            "UAJ_DIFFERENTS",
            format!(
                "Le fichier des liens « {file} » serait celui de l'établissement {uaj}, mais les autres fichiers sont de l'établissement {expected}."
            ),
            objet!(fichier = file, uaj = uaj),
            None,
        );
    }
}

/// The pre-flight of `convert --to pronote-liens`: writes the file with `format` (the liens
/// writer), reads it back with the same format's reader (schema and name: `LIENS_INVALIDE`,
/// `NOM_FICHIER`), checks its year and UAJ against the reference (`MILLESIME`,
/// `UAJ_DIFFERENTS`), then runs [`check_entries`] against the other inputs (`files`: every
/// file read, a JSON dataset standing in for the files it holds, a liens file among them
/// replaced by the one produced). Nothing is written here.
pub fn preflight(
    format: &dyn Format,
    dataset: &Dataset,
    options: &WriteOptions,
    files: &[FileRef<'_>],
    reference_options: &ReferenceOptions,
) -> Result<Preflight, FormatError> {
    let origin = choose_memberships(dataset).map(|choice| choice.describe());
    let outputs = format.write(dataset, options)?;
    let produced = read_back(format, &outputs)?;
    let inputs: Vec<FileRef<'_>> = files
        .iter()
        .copied()
        .filter(|file| file.format != ORIGIN)
        .flat_map(stand_ins)
        .collect();
    let (input_sources, _) = Sources::select(&inputs);
    let reference = Reference::compute(&input_sources, &inputs, reference_options);
    let mut findings = Findings::default();
    let mut remarks = Vec::new();
    let mut anomalies = Vec::new();
    for (name, file) in &produced {
        for diagnostic in &file.diagnostics {
            if super::is_anomaly(diagnostic) {
                anomalies.push(diagnostic.clone());
            } else {
                remarks.push(diagnostic.clone());
            }
        }
        envelope(&mut findings, name, &file.dataset, &reference);
        let sources = Sources {
            liens: Some(FileRef {
                name,
                format: ORIGIN,
                dataset: &file.dataset,
            }),
            ..input_sources
        };
        for diagnostic in check_liens(&sources, &reference) {
            findings.push_diagnostic(diagnostic);
        }
    }
    anomalies.extend(findings.found);
    Ok(Preflight {
        origin,
        outputs,
        anomalies,
        remarks,
    })
}

impl Findings {
    fn push_diagnostic(&mut self, diagnostic: Diagnostic) {
        let Some(code) = super::doc(&diagnostic.code).map(|doc| doc.code) else {
            self.found.push(diagnostic);
            return;
        };
        if self.seen.insert((code, diagnostic.objet.clone())) {
            self.found.push(diagnostic);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        Division, DivisionAttachment, FileInfo, MefAttachment, Service, StructureKind,
        StructureRef, YearBounds,
    };

    const MEF: &str = "10310019110";

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    fn file(name: &str, format: &str) -> Dataset {
        let mut dataset = Dataset::new("0999999Z", Some(2025));
        dataset.files.push(FileInfo {
            fichier: name.into(),
            format: format.into(),
            uaj: Some("0999999Z".into()),
            annee: Some(2025),
            ..FileInfo::default()
        });
        dataset
    }

    fn student(id: &str, family: &str, first: &str, division: &str) -> Student {
        Student {
            eleve_id: id.into(),
            ine: Some(format!("{id}0000000A")),
            family_name: Some(family.into()),
            first_name: Some(first.into()),
            birth_date: Some(date(2012, 3, 15)),
            mef: Some(MEF.into()),
            division: Some(division.into()),
            source: Source::new("ElevesSansAdresses.xml", Some(10)),
            ..Student::default()
        }
    }

    fn group(code: &str, divisions: &[&str], mefs: &[&str]) -> Group {
        Group {
            code: code.into(),
            divisions: divisions
                .iter()
                .map(|code| DivisionAttachment {
                    code: (*code).into(),
                    ..DivisionAttachment::default()
                })
                .collect(),
            mefs: mefs
                .iter()
                .map(|code| MefAttachment {
                    code: (*code).into(),
                    ..MefAttachment::default()
                })
                .collect(),
            ..Group::default()
        }
    }

    fn service(code: &str) -> Service {
        Service {
            structure: StructureRef {
                kind: StructureKind::Groupe,
                code: code.into(),
            },
            subject: "030602".into(),
            ..Service::default()
        }
    }

    /// The files of one establishment; clean as built: one student, one group, one link.
    struct World {
        students: Option<Dataset>,
        structures: Option<Dataset>,
        sts: Option<Dataset>,
        communs: Option<Dataset>,
        liens: Dataset,
    }

    fn link(student: StudentRef, group: &str, start: Option<NaiveDate>) -> Membership {
        Membership {
            student,
            group: group.into(),
            start,
            origin: ORIGIN.into(),
            source: Source::new("liens.zip!liens.xml", Some(20)),
            ..Membership::default()
        }
    }

    fn sent(id: &str, family: &str, first: &str) -> StudentRef {
        StudentRef {
            eleve_id: Some(id.into()),
            family_name: Some(family.into()),
            first_name: Some(first.into()),
            birth_date: Some(date(2012, 3, 15)),
            ..StudentRef::default()
        }
    }

    impl World {
        fn new() -> Self {
            let mut students = file("ElevesSansAdresses.xml", "siecle-eleves");
            students.reference_date = Some(date(2025, 10, 14));
            students
                .students
                .insert("1001".into(), student("1001", "EXEMPLE", "Camille", "3 A"));
            students.memberships.push(Membership {
                student: StudentRef::by_eleve_id("1001"),
                group: "3ESP2".into(),
                origin: "siecle-eleves".into(),
                ..Membership::default()
            });
            let mut structures = file("Structures.xml", "siecle-structures");
            for code in ["3 A", "3 B"] {
                structures.divisions.insert(
                    code.into(),
                    Division {
                        code: code.into(),
                        mefs: vec![MefAttachment {
                            code: MEF.into(),
                            ..MefAttachment::default()
                        }],
                        ..Division::default()
                    },
                );
            }
            structures
                .groups
                .insert("3ESP2".into(), group("3ESP2", &["3 A"], &[MEF]));
            let mut sts = file("sts_emp_0999999Z_2025.xml", "sts-emp");
            sts.groups = structures.groups.clone();
            sts.divisions = structures.divisions.clone();
            sts.services.push(service("3ESP2"));
            let mut communs = file("Communs.xml", "siecle-communs");
            communs.school_year.bounds = YearBounds {
                start: Some(date(2025, 9, 1)),
                end: Some(date(2026, 7, 4)),
                ..YearBounds::default()
            };
            let mut liens = file("liens.zip!liens.xml", ORIGIN);
            liens.memberships.push(link(
                sent("1001", "EXEMPLE", "Camille"),
                "3ESP2",
                Some(date(2025, 9, 1)),
            ));
            World {
                students: Some(students),
                structures: Some(structures),
                sts: Some(sts),
                communs: Some(communs),
                liens,
            }
        }

        fn students(&mut self) -> &mut Dataset {
            self.students.as_mut().unwrap()
        }

        fn camille(&mut self) -> &mut Student {
            self.students().students.get_mut("1001").unwrap()
        }

        fn check(&self) -> Vec<Diagnostic> {
            fn refs<'a>(
                dataset: &'a Option<Dataset>,
                name: &'static str,
                format: &'static str,
            ) -> Option<FileRef<'a>> {
                dataset.as_ref().map(|dataset| FileRef {
                    name,
                    format,
                    dataset,
                })
            }
            let mut files: Vec<FileRef<'_>> = [
                refs(&self.students, "ElevesSansAdresses.xml", "siecle-eleves"),
                refs(&self.structures, "Structures.xml", "siecle-structures"),
                refs(&self.sts, "sts_emp_0999999Z_2025.xml", "sts-emp"),
                refs(&self.communs, "Communs.xml", "siecle-communs"),
            ]
            .into_iter()
            .flatten()
            .collect();
            files.push(FileRef {
                name: "liens.zip!liens.xml",
                format: ORIGIN,
                dataset: &self.liens,
            });
            let (sources, _) = Sources::select(&files);
            let reference = Reference::compute(&sources, &files, &ReferenceOptions::default());
            check_liens(&sources, &reference)
        }
    }

    fn codes(found: &[Diagnostic]) -> Vec<&str> {
        found.iter().map(|found| found.code.as_str()).collect()
    }

    fn only<'a>(found: &'a [Diagnostic], code: &str) -> &'a Diagnostic {
        let matching: Vec<&Diagnostic> = found.iter().filter(|found| found.code == code).collect();
        assert_eq!(matching.len(), 1, "{code} once in {:#?}", found);
        matching[0]
    }

    #[test]
    fn a_clean_establishment_has_no_anomaly() {
        assert_eq!(World::new().check(), Vec::new());
    }

    #[test]
    fn no_liens_file_no_check() {
        let world = World::new();
        let reference = Reference::default();
        assert!(check_liens(&Sources::default(), &reference).is_empty());
        assert!(
            !world
                .check()
                .iter()
                .any(|found| found.code == "FICHIER_MANQUANT")
        );
    }

    #[test]
    fn unknown_identifier_without_namesake_is_rejelegroupe_01() {
        let mut world = World::new();
        world.liens.memberships[0].student = sent("9999", "INCONNU", "Personne");
        let found = world.check();
        let rejected = only(&found, "REJELEGROUPE_01");
        assert_eq!(rejected.severity, crate::Severity::Error);
        assert_eq!(rejected.objet.eleve_id.as_deref(), Some("9999"));
        assert!(
            rejected.message.contains("INCONNU Personne")
                && rejected.message.contains("identifiant envoyé = 9999")
                && rejected.message.contains("« 3ESP2 »"),
            "{}",
            rejected.message
        );
        assert_eq!(rejected.line, Some(20));
        // The links of a rejected entry are still checked for GROUPE_A_01.
        world.liens.memberships[0].group = "3XYZ".into();
        assert!(codes(&world.check()).contains(&"GROUPE_A_01"));
        // Camille is then absent from the file.
        assert!(codes(&world.check()).contains(&"LIENS_INCOMPLET"));
    }

    #[test]
    fn unknown_identifier_with_namesake_is_only_an_identity_warning() {
        let mut world = World::new();
        world.liens.memberships[0].student = sent("9999", "exemple", "CAMILLE");
        let found = world.check();
        assert_eq!(codes(&found), ["ELEVE_IDENTITE"]);
        assert_eq!(found[0].objet.eleve_id.as_deref(), Some("1001"));
        assert!(found[0].message.contains("9999"), "{}", found[0].message);
        // SIECLE's fallback compares PRENOM2 when it is sent.
        world.liens.memberships[0].student.first_name2 = Some("Autre".into());
        assert!(codes(&world.check()).contains(&"REJELEGROUPE_01"));
    }

    #[test]
    fn two_identifiers_for_one_student_is_rejelegroupe_03() {
        let mut world = World::new();
        let mut by_ine = sent("", "EXEMPLE", "Camille");
        by_ine.eleve_id = None;
        by_ine.ine = Some("10010000000A".into());
        let mut second = link(by_ine, "3ESP2", None);
        second.source.ligne = Some(40);
        world.liens.memberships.push(second);
        let found = world.check();
        let twice = only(&found, "REJELEGROUPE_03");
        assert_eq!(twice.objet.eleve_id.as_deref(), Some("1001"));
        assert_eq!(twice.line, Some(40), "the second entry is rejected");
        assert!(twice.message.contains("ligne 20"), "{}", twice.message);
        // The same identifier twice is a schema error, not REJELEGROUPE_03.
        let mut world = World::new();
        let mut again = world.liens.memberships[0].clone();
        again.group = "3LAT".into();
        again.student.first_name = Some("Camille ".into());
        world.liens.memberships.push(again);
        assert!(!codes(&world.check()).contains(&"REJELEGROUPE_03"));
    }

    #[test]
    fn unknown_group_is_groupe_a_01_with_a_hint() {
        let mut world = World::new();
        world.liens.memberships[0].group = "3esp2".into();
        let found = world.check();
        let unknown = only(&found, "GROUPE_A_01");
        assert_eq!(unknown.objet, objet!(eleve_id = "1001", groupe = "3esp2"));
        assert!(
            unknown.message.contains("\"3esp2\"")
                && unknown.message.contains("vouliez-vous dire « 3ESP2 » ?")
                && unknown.message.contains("EXEMPLE Camille (ELEVE_ID 1001)"),
            "{}",
            unknown.message
        );
        world.liens.memberships[0].group = "3 A".into();
        let found = world.check();
        assert!(
            only(&found, "GROUPE_A_01")
                .message
                .contains("est une division")
        );
        // Without Structures.xml, sts_emp stands in.
        let mut world = World::new();
        world.structures = None;
        assert_eq!(world.check(), Vec::new());
        world.liens.memberships[0].group = "3XYZ".into();
        assert!(
            only(&world.check(), "GROUPE_A_01")
                .message
                .contains("sts_emp")
        );
    }

    #[test]
    fn a_student_without_mef_gets_groupe_b_01_only() {
        let mut world = World::new();
        world.camille().mef = Some("  ".into());
        world
            .structures
            .as_mut()
            .unwrap()
            .groups
            .get_mut("3ESP2")
            .unwrap()
            .mefs[0]
            .code = "AUTRE".into();
        let found = world.check();
        assert_eq!(codes(&found), ["GROUPE_B_01"]);
        assert!(
            found[0].message.contains("EXEMPLE Camille") && found[0].message.contains("« 3ESP2 »"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_group_of_another_mef_is_groupe_b_02() {
        let mut world = World::new();
        let groups = &mut world.structures.as_mut().unwrap().groups;
        groups.get_mut("3ESP2").unwrap().mefs[0].code = "AUTRE".into();
        let found = world.check();
        let mef = only(&found, "GROUPE_B_02");
        assert!(
            mef.message.contains(&format!("(\"{MEF}\")")) && mef.message.contains("\"3ESP2\""),
            "{}",
            mef.message
        );
        // Without its own MEFs, the group has those of its divisions.
        let mut world = World::new();
        let structures = world.structures.as_mut().unwrap();
        structures.groups.get_mut("3ESP2").unwrap().mefs.clear();
        assert_eq!(world.check(), Vec::new());
        world
            .structures
            .as_mut()
            .unwrap()
            .divisions
            .get_mut("3 A")
            .unwrap()
            .mefs[0]
            .code = "AUTRE".into();
        assert!(codes(&world.check()).contains(&"GROUPE_B_02"));
        // With neither, the check is skipped.
        let structures = world.structures.as_mut().unwrap();
        structures
            .groups
            .get_mut("3ESP2")
            .unwrap()
            .divisions
            .clear();
        assert_eq!(world.check(), Vec::new());
    }

    #[test]
    fn group_dates_are_checked_against_each_other_and_the_period() {
        let mut world = World::new();
        world.liens.memberships[0].start = Some(date(2026, 1, 10));
        world.liens.memberships[0].end = Some(date(2025, 12, 1));
        let found = world.check();
        assert_eq!(codes(&found), ["ELEGRP_A_01"]);
        assert_eq!(found[0].severity, crate::Severity::Warning);
        assert!(
            found[0].message.contains("10/01/2026"),
            "{}",
            found[0].message
        );
        let mut world = World::new();
        world.liens.memberships[0].start = Some(date(2025, 8, 1));
        world.liens.memberships[0].end = Some(date(2026, 8, 1));
        let found = world.check();
        assert_eq!(codes(&found), ["ELEGRP_A_02", "ELEGRP_A_03"]);
        assert!(
            found[0].message.contains("du 01/09/2025 au 04/07/2026")
                && found[0].message.contains("\"3ESP2\""),
            "{}",
            found[0].message
        );
        // Bounds are inclusive; without any period source, FICHIER_MANQUANT.
        let mut world = World::new();
        world.liens.memberships[0].end = Some(date(2026, 7, 4));
        assert_eq!(world.check(), Vec::new());
        world.communs = None;
        world.sts.as_mut().unwrap().school_year.bounds = YearBounds::default();
        world.liens.memberships[0].start = Some(date(2020, 1, 1));
        let found = world.check();
        assert_eq!(codes(&found), ["FICHIER_MANQUANT"]);
        assert_eq!(found[0].objet, objet!(fichier = "Communs.xml"));
    }

    #[test]
    fn a_present_student_with_groups_missing_from_the_file_is_liens_incomplet() {
        let mut world = World::new();
        world
            .students()
            .students
            .insert("1002".into(), student("1002", "OUBLI", "Noé", "3 A"));
        world.students().memberships.push(Membership {
            student: StudentRef::by_eleve_id("1002"),
            group: "3ESP2".into(),
            origin: "siecle-eleves".into(),
            ..Membership::default()
        });
        let found = world.check();
        let missing = only(&found, "LIENS_INCOMPLET");
        assert_eq!(missing.objet, objet!(eleve_id = "1002"));
        assert!(
            missing.message.contains("OUBLI Noé") && missing.message.contains("« 3ESP2 »"),
            "{}",
            missing.message
        );
        assert_eq!(missing.file.as_deref(), Some("ElevesSansAdresses.xml"));
        // A student who left is not present.
        world
            .students()
            .students
            .get_mut("1002")
            .unwrap()
            .leaving_date = Some(date(2025, 10, 1));
        assert_eq!(world.check(), Vec::new());
    }

    #[test]
    fn an_entry_without_group_is_in_the_file() {
        let mut world = World::new();
        world.liens.memberships.clear();
        let camille = sent("1001", "EXEMPLE", "Camille");
        world.liens.extra.push(ExtraNode {
            name: ENTRIES_WITHOUT_GROUP.into(),
            children: vec![entry_node(&camille, &Source::new("", Some(12)))],
            ..ExtraNode::default()
        });
        let entries = entries(&world.liens);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].student, camille);
        assert_eq!(
            entries[0].source,
            Source::new("liens.zip!liens.xml", Some(12))
        );
        assert_eq!(world.check(), Vec::new());
    }

    #[test]
    fn another_identity_under_a_known_identifier_is_eleve_identite() {
        let mut world = World::new();
        world.liens.memberships[0].student.family_name = Some("AUTRE".into());
        world.liens.memberships[0].student.birth_date = Some(date(2012, 3, 16));
        let found = world.check();
        let identity = only(&found, "ELEVE_IDENTITE");
        assert_eq!(identity.objet, objet!(eleve_id = "1001"));
        assert!(
            identity.message.contains("AUTRE Camille")
                && identity.message.contains("EXEMPLE Camille")
                && identity.message.contains("nom, date de naissance")
                && identity.message.contains("« 3ESP2 »"),
            "{}",
            identity.message
        );
        // Case, accents, hyphens and the usage name are not differences.
        let mut world = World::new();
        world.camille().usage_name = Some("LÉVÊQUE-EXEMPLE".into());
        world.liens.memberships[0].student.family_name = Some("leveque exemple".into());
        world.liens.memberships[0].student.first_name = Some("camille".into());
        assert_eq!(world.check(), Vec::new());
    }

    #[test]
    fn a_link_starting_after_the_student_left_is_eleve_sorti() {
        let mut world = World::new();
        world.camille().leaving_date = Some(date(2025, 8, 30));
        let found = world.check();
        let left = only(&found, "ELEVE_SORTI");
        assert_eq!(left.objet, objet!(eleve_id = "1001", groupe = "3ESP2"));
        assert!(left.message.contains("30/08/2025"), "{}", left.message);
        // Without a start date, the school period's start counts.
        world.liens.memberships[0].start = None;
        assert!(codes(&world.check()).contains(&"ELEVE_SORTI"));
        world.camille().leaving_date = Some(date(2025, 9, 20));
        world.liens.memberships[0].start = Some(date(2025, 9, 1));
        assert_eq!(world.check(), Vec::new());
    }

    #[test]
    fn a_group_of_other_divisions_is_groupe_hors_division() {
        let mut world = World::new();
        world.camille().division = Some("3 B".into());
        let found = world.check();
        let outside = only(&found, "GROUPE_HORS_DIVISION");
        assert!(
            outside.message.contains("\"3 B\"") && outside.message.contains("« 3 A »"),
            "{}",
            outside.message
        );
        // Groups attached to no division, and students without division, are skipped.
        world.camille().division = None;
        assert_eq!(world.check(), Vec::new());
    }

    #[test]
    fn a_group_without_service_in_sts_is_groupe_sans_service() {
        let mut world = World::new();
        world.sts.as_mut().unwrap().services.clear();
        let found = world.check();
        let service = only(&found, "GROUPE_SANS_SERVICE");
        assert_eq!(service.objet, objet!(groupe = "3ESP2"));
        assert!(
            service.message.contains("EXEMPLE Camille"),
            "{}",
            service.message
        );
        world.sts = None;
        let found = world.check();
        assert_eq!(codes(&found), ["FICHIER_MANQUANT"]);
        assert_eq!(found[0].objet, objet!(fichier = "sts_emp"));
    }

    #[test]
    fn a_present_student_in_no_group_whose_division_has_groups_is_eleve_sans_groupe() {
        let mut world = World::new();
        world
            .students()
            .students
            .insert("1003".into(), student("1003", "SEUL", "Léo", "3 A"));
        let found = world.check();
        let alone = only(&found, "ELEVE_SANS_GROUPE");
        assert_eq!(alone.severity, crate::Severity::Info);
        assert!(alone.message.contains("SEUL Léo"), "{}", alone.message);
        world.students().students.get_mut("1003").unwrap().division = Some("3 B".into());
        assert_eq!(world.check(), Vec::new());
    }

    #[test]
    fn each_missing_kind_of_file_is_named_once() {
        let mut world = World::new();
        world.students = None;
        world.structures = None;
        world.sts = None;
        world.communs = None;
        let found = world.check();
        let kinds: Vec<Option<&str>> = found
            .iter()
            .map(|found| found.objet.fichier.as_deref())
            .collect();
        assert_eq!(
            kinds,
            [
                Some("ElevesSansAdresses.xml"),
                Some("Structures.xml"),
                Some("sts_emp"),
                Some("Communs.xml")
            ]
        );
        assert!(found.iter().all(|found| found.file.is_none()));
    }

    #[test]
    fn memberships_are_chosen_by_origin_and_shaped_for_writing() {
        let world = World::new();
        let mut dataset = world.students.clone().unwrap();
        let mut left = student("1004", "PARTI", "Jules", "3 A");
        left.leaving_date = Some(date(2025, 9, 30));
        dataset.students.insert("1004".into(), left);
        dataset
            .students
            .insert("1005".into(), student("1005", "AUBERT", "Lina", "3 A"));
        let edt = |student: StudentRef, group: &str| Membership {
            student,
            group: group.into(),
            origin: "edt-table".into(),
            ..Membership::default()
        };
        let by_ine = StudentRef {
            ine: Some("10050000000A".into()),
            ..StudentRef::default()
        };
        dataset.memberships.extend([
            edt(StudentRef::by_eleve_id("1001"), "3ESP2"),
            edt(StudentRef::by_eleve_id("1004"), "3ESP2"),
            edt(by_ine.clone(), "3ESP2"),
            edt(StudentRef::by_eleve_id("1005"), " 3ESP2 "),
            edt(StudentRef::by_eleve_id("1005"), "3LAT"),
        ]);
        let choice = choose_memberships(&dataset).unwrap();
        assert_eq!(choice.origin, "edt-table");
        assert!(choice.describe().contains("EXP_ELEVE"));
        let entries = entries_to_write(&dataset);
        let written: Vec<(Option<&str>, Option<&str>, Vec<&str>)> = entries
            .iter()
            .map(|entry| {
                (
                    entry.student.eleve_id.as_deref(),
                    entry.student.family_name.as_deref(),
                    entry.links.iter().map(|link| link.group.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            written,
            [
                (Some("1005"), Some("AUBERT"), vec!["3ESP2", "3LAT"]),
                (Some("1001"), Some("EXEMPLE"), vec!["3ESP2"]),
            ],
            "the leaver is left out, the INE and the ELEVE_ID make one entry, sorted by name"
        );
        assert_eq!(entries[0].student.ine, None, "one identifier only");
        // Without the EDT list, the SIECLE groups are sent.
        dataset
            .memberships
            .retain(|membership| membership.origin != "edt-table");
        assert_eq!(
            choose_memberships(&dataset).unwrap().origin,
            "siecle-eleves"
        );
        dataset.memberships.clear();
        assert!(choose_memberships(&dataset).is_none());
        assert!(entries_to_write(&dataset).is_empty());
    }

    #[test]
    fn a_json_dataset_stands_in_for_the_files_it_holds() {
        let world = World::new();
        let mut dataset = world.students.clone().unwrap();
        dataset.groups = world.structures.clone().unwrap().groups;
        let json = FileRef {
            name: "passerelle.json",
            format: "json",
            dataset: &dataset,
        };
        let formats: Vec<&str> = stand_ins(json).iter().map(|file| file.format).collect();
        assert_eq!(formats, ["siecle-eleves", "siecle-structures"]);
        let other = FileRef {
            format: "sts-emp",
            ..json
        };
        assert_eq!(stand_ins(other).len(), 1);
    }
}
