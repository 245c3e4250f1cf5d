//! The data model: one establishment, one school year, everything the exchange formats carry.
//!
//! Identifiers are strings everywhere (`"030201"`, `"61"`, `"0999999Z"`). Every entity keeps
//! the [`Source`] it was read from, which never takes part in equality, and an [`Extra`] list
//! holding what its format carries but the model does not name, so that read → write loses
//! nothing.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::time::{Minutes, TimeOfDay};

/// Version of the model, written in the canonical JSON dump. Bump it when a field changes
/// meaning or disappears (adding an optional field does not need a bump).
pub const MODEL_VERSION: u32 = 1;

/// Where an entity was read: the file (or `archive.zip!member.xml`) and the line.
///
/// Provenance is for messages only: two sources always compare equal, so that two models
/// can be compared with provenance set aside.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Source {
    /// File name as given on the command line, or `archive.zip!member.xml`.
    pub fichier: String,
    /// 1-based line, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ligne: Option<u32>,
}

impl Source {
    /// A source at a given line of a file.
    pub fn new(fichier: impl Into<String>, ligne: Option<u32>) -> Self {
        Source {
            fichier: fichier.into(),
            ligne,
        }
    }

    /// True when nothing is known of the origin (entities built in memory).
    pub fn is_unknown(&self) -> bool {
        self.fichier.is_empty() && self.ligne.is_none()
    }
}

impl PartialEq for Source {
    fn eq(&self, _other: &Self) -> bool {
        // Provenance is never part of an entity's identity or value.
        true
    }
}

impl Eq for Source {}

/// An element (or CSV column) the model does not name, kept verbatim for the writer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraNode {
    /// Element or column name.
    pub name: String,
    /// Attributes in document order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<(String, String)>,
    /// Text content (`None` for an element with children or no text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Child elements in document order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<ExtraNode>,
}

impl ExtraNode {
    /// A leaf with text.
    pub fn text(name: impl Into<String>, text: impl Into<String>) -> Self {
        ExtraNode {
            name: name.into(),
            text: Some(text.into()),
            ..ExtraNode::default()
        }
    }
}

/// Unknown fields of an entity, in document order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Extra(pub Vec<ExtraNode>);

impl Extra {
    /// True when nothing unknown was met.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Appends a node.
    pub fn push(&mut self, node: ExtraNode) {
        self.0.push(node);
    }

    /// The first node with this name.
    pub fn get(&self, name: &str) -> Option<&ExtraNode> {
        self.0.iter().find(|node| node.name == name)
    }

    /// Iterates over the nodes.
    pub fn iter(&self) -> std::slice::Iter<'_, ExtraNode> {
        self.0.iter()
    }
}

/// Describes one file that contributed to a dataset (its envelope).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// File name (or `archive.zip!member.xml`).
    pub fichier: String,
    /// Format id (`sts-emp`, `siecle-eleves`…).
    pub format: String,
    /// Version carried by the file (`VERSION` attribute), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// UAJ declared in the file's `PARAMETRES`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uaj: Option<String>,
    /// Millésime declared in the file's `PARAMETRES`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annee: Option<i32>,
    /// Export date (`DATE_EXPORT`, or `DATE_IMPORT` for the liens file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_export: Option<NaiveDate>,
    /// Raw `HORODATAGE`, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horodatage: Option<String>,
    /// Producing software (`APPLICATION_SOURCE`, `LOGICIEL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logiciel: Option<String>,
    /// Other envelope fields (`NUM_ENVOI`, …) in document order.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
}

/// The establishment (UAJ, names, académie).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Establishment {
    /// UAJ (= UAI, RNE): 7 digits and a letter.
    pub uaj: String,
    /// Académie code (`ACADEMIE/CODE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub academy_code: Option<String>,
    /// Académie name (`ACADEMIE/LIBELLE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub academy_name: Option<String>,
    /// Acronym (`SIGLE`, e.g. `CLG`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acronym: Option<String>,
    /// Main name (`DENOM_PRINC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Name complement (`DENOM_COMPL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_complement: Option<String>,
    /// Fields of one format not shared with the others.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
}

/// Bounds of a school year for students and staff.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearBounds {
    /// First day for students (`DATE_DEBUT_ELEVE`, or `sts_emp` `DATE_DEBUT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<NaiveDate>,
    /// Last day for students (`DATE_FIN_ELEVE`, or `sts_emp` `DATE_FIN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDate>,
    /// First day for staff (`DATE_DEBUT_PROF`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_start: Option<NaiveDate>,
    /// Last day for staff (`DATE_FIN_PROF`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_end: Option<NaiveDate>,
}

/// The school year: millésime and real bounds (not always September–July).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolYear {
    /// The millésime: calendar year of the student start date (`2025` for 2025-2026).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub millesime: Option<i32>,
    /// Real bounds of this year.
    #[serde(default)]
    pub bounds: YearBounds,
    /// Bounds of the previous year (`ANNEE_SCOLAIRE_AD`), when a file gives them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<YearBounds>,
    /// Periods, closures and other calendar data kept verbatim.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
}

/// A subject (matière).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// Subject code, 6 characters (`030201`).
    pub code: String,
    /// Management mnemonic (`CODE_GESTION`, e.g. `AGL1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_code: Option<String>,
    /// `LIBELLE_COURT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_label: Option<String>,
    /// `LIBELLE_LONG`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_label: Option<String>,
    /// `LIBELLE_EDITION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition_label: Option<String>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// Where it was read.
    #[serde(default, skip_serializing_if = "Source::is_unknown")]
    pub source: Source,
}

/// A MEF (module élémentaire de formation).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mef {
    /// MEF code, 11 characters.
    pub code: String,
    /// `FORMATION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formation: Option<String>,
    /// `SPECIALITE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speciality: Option<String>,
    /// `LIBELLE_LONG`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_label: Option<String>,
    /// `LIBELLE_EDITION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition_label: Option<String>,
    /// `MEFSTAT11` (STS) or `CODE_MEFSTAT` (SIECLE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mefstat11: Option<String>,
    /// `MEFSTAT4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mefstat4: Option<String>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// Where it was read.
    #[serde(default, skip_serializing_if = "Source::is_unknown")]
    pub source: Source,
}

/// An item of a code list (course modes, civilités, election modalities, régimes…).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeItem {
    /// The code (attribute of the item element).
    pub code: String,
    /// `LIBELLE_COURT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_label: Option<String>,
    /// `LIBELLE_LONG`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_label: Option<String>,
    /// Other fields (`CO_ENS`, `BOURSE_NATIONALE`…).
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// Where it was read.
    #[serde(default, skip_serializing_if = "Source::is_unknown")]
    pub source: Source,
}

/// Names of the code lists shared by several formats (keys of [`Dataset::code_lists`]).
/// Lists known to one format only are keyed by that format's list element name.
pub mod code_lists {
    /// Course modes (`MODS_COURS` in STS, `MODALITES_COURS` in SIECLE).
    pub const COURSE_MODES: &str = "modalites_cours";
    /// Civilités.
    pub const CIVILITIES: &str = "civilites";
    /// Election modalities (`MODALITES_ELECTION`).
    pub const ELECTION_MODALITIES: &str = "modalites_election";
    /// Contracts (`CONTRATS`).
    pub const CONTRACTS: &str = "contrats";
}

/// A subject programme line: MEF × subject (× election modality) → weekly hours.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Programme {
    /// MEF code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mef: Option<String>,
    /// Subject code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Election modality (`S`, `O`, `F`…), SIECLE only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modality: Option<String>,
    /// Hours as written (`3.50`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// Where it was read.
    #[serde(default, skip_serializing_if = "Source::is_unknown")]
    pub source: Source,
}

/// A compulsory option of a MEF (`OPTION_OBLIGATOIRE`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompulsoryOption {
    /// MEF code.
    pub mef: String,
    /// Subject code.
    pub subject: String,
    /// Rank (`RANG_OPTION`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<String>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// Where it was read.
    #[serde(default, skip_serializing_if = "Source::is_unknown")]
    pub source: Source,
}

/// Staff types (`INDIVIDU/@TYPE`, `SUPPLEANT/@TYPE`).
pub mod staff_kind {
    /// National staff.
    pub const EPP: &str = "epp";
    /// Added by the establishment.
    pub const LOCAL: &str = "local";
    /// Management (since 2017).
    pub const DIR: &str = "dir";
    /// Substitute (`SUPPLEANTS` block).
    pub const EPPSUP: &str = "eppsup";
}

/// A discipline of a staff member (`DISCIPLINE`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discipline {
    /// Discipline code (`L0422`).
    pub code: String,
    /// `LIBELLE_COURT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_label: Option<String>,
    /// `NB_HEURES`, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
}

/// A "professeur principal" assignment (`PROF_PRINC`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MainTeacherAssignment {
    /// Division code (`CODE_STRUCTURE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    /// `DATE_DEBUT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<NaiveDate>,
    /// `DATE_FIN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDate>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
}

/// An allowance declared in `emp_sts` (`INDEMNITE`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allowance {
    /// `CODE_STRUCTURE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    /// `MEFSTAT4`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mefstat4: Option<String>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
}

/// "Autres responsabilités" hours declared in `emp_sts` (`ARE`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherResponsibility {
    /// `CODE_ARE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `HEURES`, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
}

/// A teacher or other staff member (`INDIVIDU`, `SUPPLEANT`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    /// STS individual id (`@ID`), opaque.
    pub id: String,
    /// `@TYPE`: see [`staff_kind`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Listed under `SUPPLEANTS` rather than `INDIVIDUS`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub substitute: bool,
    /// `SEXE` (`1` man, `2` woman).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    /// `CIVILITE` code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub civility: Option<String>,
    /// `NOM_USAGE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_name: Option<String>,
    /// `NOM_PATRONYMIQUE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_name: Option<String>,
    /// `PRENOM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// `DATE_NAISSANCE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    /// `GRADE` (a short label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    /// `FONCTION` (`ENS`, `DIR`, `EDU`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// `PROFS_PRINC`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub main_teacher_of: Vec<MainTeacherAssignment>,
    /// `DISCIPLINES`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disciplines: Vec<Discipline>,
    /// `INDEMNITES` (emp_sts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowances: Vec<Allowance>,
    /// `ARES` (emp_sts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_responsibilities: Vec<OtherResponsibility>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// Where it was read.
    #[serde(default, skip_serializing_if = "Source::is_unknown")]
    pub source: Source,
}

/// A MEF a division or group belongs to (`MEF_APPARTENANCE`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MefAttachment {
    /// MEF code.
    pub code: String,
    /// `EFFECTIF_PREVU`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned: Option<u32>,
    /// `EFFECTIF_CALCULE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<u32>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
}

/// A division a group draws from (`DIVISION_APPARTENANCE`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DivisionAttachment {
    /// Division code.
    pub code: String,
    /// `EFFECTIF_PREVU`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned: Option<u32>,
    /// `EFFECTIF_CALCULE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<u32>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
}

/// A division (class).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Division {
    /// Division code (free text, ≤ 8 characters: `3 A`, `61`).
    pub code: String,
    /// `LIBELLE_LONG`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `EFFECTIF_PREVU`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned: Option<u32>,
    /// `EFFECTIF_CALCULE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<u32>,
    /// MEFs of the division.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mefs: Vec<MefAttachment>,
    /// Other fields (`CODE_RNE`, `CODE_CONTRAT`…).
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// Where it was read.
    #[serde(default, skip_serializing_if = "Source::is_unknown")]
    pub source: Source,
}

/// A group (a split of a class, or an inter-class group).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// Group code (free text, ≤ 8 characters).
    pub code: String,
    /// `LIBELLE_LONG`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `EFFECTIF_PREVU`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned: Option<u32>,
    /// `EFFECTIF_CALCULE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<u32>,
    /// `EFFECTIF_MAX_EDT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_timetable: Option<u32>,
    /// Divisions the group draws from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub divisions: Vec<DivisionAttachment>,
    /// MEFs of the group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mefs: Vec<MefAttachment>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// Where it was read.
    #[serde(default, skip_serializing_if = "Source::is_unknown")]
    pub source: Source,
}

/// Whether a structure code names a division or a group (separate namespaces).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum StructureKind {
    /// A division (class); SIECLE type `D`.
    #[default]
    Division,
    /// A group; SIECLE type `G`.
    Groupe,
}

/// A reference to a division or a group.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct StructureRef {
    /// Division or group.
    pub kind: StructureKind,
    /// Its code.
    pub code: String,
}

/// A weekly course (`COURS` in `emp_sts`, a row of `EXP_COURS`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Course {
    /// Alternance code (`H`, `Q1`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternance: Option<String>,
    /// Day, 1 = Monday … 7 = Sunday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<u8>,
    /// Start time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<TimeOfDay>,
    /// Duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Minutes>,
    /// Room code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// Subject (only for courses not nested in a service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Teachers (only for courses not nested in a service).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teachers: Vec<String>,
    /// Divisions, groups or parts (only for courses not nested in a service).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub structures: Vec<String>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// Where it was read.
    #[serde(default, skip_serializing_if = "Source::is_unknown")]
    pub source: Source,
}

/// A teacher of a service (`ENSEIGNANT`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceTeacher {
    /// Staff id (`@ID` → [`StaffMember::id`]).
    pub id: String,
    /// `@TYPE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `HEURES_AGENT`, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
    /// `TAUX_PONDERATION`, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weighting: Option<String>,
    /// `COURS_RATTACHES` (emp_sts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub courses: Vec<Course>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
}

/// A teaching service: a subject taught to a division or group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// The division or group.
    pub structure: StructureRef,
    /// Subject code (`@CODE_MATIERE`).
    pub subject: String,
    /// Course mode (`@CODE_MOD_COURS`, e.g. `CG`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub course_mode: Option<String>,
    /// `HEURES_STRUCTURE`, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
    /// `CO_ENS`, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub co_teaching: Option<String>,
    /// Teachers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teachers: Vec<ServiceTeacher>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// Where it was read.
    #[serde(default, skip_serializing_if = "Source::is_unknown")]
    pub source: Source,
}

impl Service {
    /// The identity of a service: structure, subject and course mode.
    pub fn key(&self) -> (StructureRef, String, Option<String>) {
        (
            self.structure.clone(),
            self.subject.clone(),
            self.course_mode.clone(),
        )
    }
}

/// Opening hours of a day (`HORAIRE`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayHours {
    /// Day, 1 = Monday.
    pub day: u8,
    /// `DEBUT_COURS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<TimeOfDay>,
    /// `FIN_COURS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<TimeOfDay>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
}

/// A week pattern (`ALTERNANCE`): the weeks in which a course takes place.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alternance {
    /// Code (`H`, `Q1`…).
    pub code: String,
    /// `LIBELLE_COURT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_label: Option<String>,
    /// `LIBELLE_LONG`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_label: Option<String>,
    /// Mondays of the weeks (`DATE_DEBUT_SEMAINE`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weeks: Vec<NaiveDate>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// Where it was read.
    #[serde(default, skip_serializing_if = "Source::is_unknown")]
    pub source: Source,
}

/// A room (`SALLE_COURS`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    /// Room code.
    pub code: String,
    /// `GROUPE_SALLE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room_group: Option<String>,
    /// `LOCALISATION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// Where it was read.
    #[serde(default, skip_serializing_if = "Source::is_unknown")]
    pub source: Source,
}

/// The timetable: time grid, week patterns, rooms and courses not nested in services.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timetable {
    /// `HORAIRES`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub day_hours: Vec<DayHours>,
    /// `ALTERNANCES`, by code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub alternances: BTreeMap<String, Alternance>,
    /// `SALLES_COURS`, by code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rooms: BTreeMap<String, Room>,
    /// Courses read from list exports (`EXP_COURS`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub courses: Vec<Course>,
}

/// A chosen option of a student (`OPTIONS_ELEVE`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentOption {
    /// `NUM_OPTION` (rank).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<String>,
    /// `CODE_MODALITE_ELECT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modality: Option<String>,
    /// `CODE_MATIERE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
}

/// A student (SIECLE `ELEVE`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Student {
    /// SIECLE technical id (`ELEVE_ID`), the join key.
    pub eleve_id: String,
    /// The establishment's number (`ELENOET`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elenoet: Option<String>,
    /// INE (`ID_NATIONAL`); may be missing for new arrivals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ine: Option<String>,
    /// `ID_ELEVE_ETAB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school_id: Option<String>,
    /// `ID_PRV_ELE` (private software id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_id: Option<String>,
    /// `NOM_DE_FAMILLE` (≤ 2016: `NOM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// `NOM_USAGE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_name: Option<String>,
    /// `PRENOM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// `PRENOM2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name2: Option<String>,
    /// `PRENOM3`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name3: Option<String>,
    /// `DATE_NAISS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    /// `CODE_SEXE` (`1` male, `2` female).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    /// `CODE_MEF`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mef: Option<String>,
    /// Date of entry into the establishment (`DATE_ENTREE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_date: Option<NaiveDate>,
    /// `DATE_SORTIE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaving_date: Option<NaiveDate>,
    /// `CODE_MOTIF_SORTIE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaving_reason: Option<String>,
    /// Division (the structure of type `D`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    /// Options (`OPTIONS_ELEVE`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<StudentOption>,
    /// Grants (`CODE_BOURSE`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<String>,
    /// `ADRESSE_ID` ("avec adresses" files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_id: Option<String>,
    /// Other fields, in document order.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// Where it was read.
    #[serde(default, skip_serializing_if = "Source::is_unknown")]
    pub source: Source,
}

impl Student {
    /// SIECLE's definition: present at `reference` when there is no leaving date, or one
    /// strictly after the reference date. Leavers stay in the model.
    pub fn is_present_at(&self, reference: NaiveDate) -> bool {
        self.leaving_date.is_none_or(|left| left > reference)
    }

    /// The name to display: `NOM_USAGE` when non-empty, else the family name.
    pub fn display_name(&self) -> String {
        let family = self
            .usage_name
            .as_deref()
            .or(self.family_name.as_deref())
            .unwrap_or("?");
        match &self.first_name {
            Some(first) => format!("{family} {first}"),
            None => family.to_string(),
        }
    }
}

/// A guardian or contact person (`PERSONNE`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guardian {
    /// `PERSONNE_ID`.
    pub id: String,
    /// `LC_CIVILITE` (`M.`, `MME`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub civility: Option<String>,
    /// `NOM_DE_FAMILLE` (≤ 2016: `NOM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// `NOM_USAGE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_name: Option<String>,
    /// `PRENOM` (may be empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// `ADRESSE_ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_id: Option<String>,
    /// Other fields (phones, mail, profession…), in document order.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// Where it was read.
    #[serde(default, skip_serializing_if = "Source::is_unknown")]
    pub source: Source,
}

/// A link between a student and a guardian (`RESPONSABLE_ELEVE`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardianLink {
    /// `ELEVE_ID`.
    pub eleve_id: String,
    /// `PERSONNE_ID`.
    pub guardian_id: String,
    /// `NIVEAU_RESPONSABILITE` (2018+: `1` legal, `2` in charge, `3` contact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responsibility_level: Option<String>,
    /// `RESP_LEGAL` (before 2018: `1`, `2`, `0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_guardian: Option<String>,
    /// `CODE_PARENTE` (1 digit before 2018, 2 digits after).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship: Option<String>,
    /// Other fields (`RESP_FINANCIER`, `PERS_PAIEMENT`, `PERS_CONTACT`…), in document order.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// Where it was read.
    #[serde(default, skip_serializing_if = "Source::is_unknown")]
    pub source: Source,
}

/// A postal address (`ADRESSE`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// `ADRESSE_ID`.
    pub id: String,
    /// `LIGNE1_ADRESSE` … `LIGNE4_ADRESSE`, as present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<String>,
    /// `CODE_POSTAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// `LIBELLE_POSTAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// `CODE_PAYS` (INSEE, `100` = France).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    /// Other fields, in document order.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// Where it was read.
    #[serde(default, skip_serializing_if = "Source::is_unknown")]
    pub source: Source,
}

/// How a membership names its student: one identifier and, for fallback matching, an identity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentRef {
    /// `ELEVE_ID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eleve_id: Option<String>,
    /// INE (`ID_NATIONAL`, `N_NATIONAL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ine: Option<String>,
    /// `ID_PRV_ELE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_id: Option<String>,
    /// Family name as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Usage name as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_name: Option<String>,
    /// First name as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Second first name as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name2: Option<String>,
    /// Third first name as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name3: Option<String>,
    /// Birth date as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
}

impl StudentRef {
    /// A reference by ELEVE_ID only.
    pub fn by_eleve_id(eleve_id: impl Into<String>) -> Self {
        StudentRef {
            eleve_id: Some(eleve_id.into()),
            ..StudentRef::default()
        }
    }

    /// The identifier sent, whichever kind it is.
    pub fn identifier(&self) -> Option<&str> {
        self.eleve_id
            .as_deref()
            .or(self.ine.as_deref())
            .or(self.private_id.as_deref())
    }
}

/// A student's membership of a group, with optional dates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The student.
    pub student: StudentRef,
    /// Group code (an STS/SIECLE code once correspondences are applied).
    pub group: String,
    /// Start of membership.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<NaiveDate>,
    /// End of membership (absent: still a member).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDate>,
    /// Format id of the file that stated it (`siecle-eleves`, `pronote-liens`, `edt-table`…).
    pub origin: String,
    /// Other fields.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
    /// Where it was read.
    #[serde(default, skip_serializing_if = "Source::is_unknown")]
    pub source: Source,
}

/// One establishment and one school year: everything passerelle knows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dataset {
    /// The files that made this dataset, in reading order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileInfo>,
    /// The establishment.
    #[serde(default)]
    pub establishment: Establishment,
    /// The school year.
    #[serde(default)]
    pub school_year: SchoolYear,
    /// Reference date for "present" students (the students file's export date, or `--date`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_date: Option<NaiveDate>,
    /// Subjects by code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub subjects: BTreeMap<String, Subject>,
    /// MEFs by code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mefs: BTreeMap<String, Mef>,
    /// Other code lists, by list name (see [`code_lists`]), then by code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub code_lists: BTreeMap<String, BTreeMap<String, CodeItem>>,
    /// Subject programmes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub programmes: Vec<Programme>,
    /// Compulsory options of MEFs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compulsory_options: Vec<CompulsoryOption>,
    /// Teachers and other staff by id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub staff: BTreeMap<String, StaffMember>,
    /// Divisions by code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub divisions: BTreeMap<String, Division>,
    /// Groups by code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub groups: BTreeMap<String, Group>,
    /// Teaching services, in reading order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
    /// Timetable.
    #[serde(default)]
    pub timetable: Timetable,
    /// Students by ELEVE_ID.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub students: BTreeMap<String, Student>,
    /// Guardians by PERSONNE_ID.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub guardians: BTreeMap<String, Guardian>,
    /// Student ↔ guardian links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guardian_links: Vec<GuardianLink>,
    /// Postal addresses by ADRESSE_ID.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub addresses: BTreeMap<String, Address>,
    /// Student ↔ group memberships.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub memberships: Vec<Membership>,
    /// Dataset-level data of one format not named above, in document order.
    #[serde(default, skip_serializing_if = "Extra::is_empty")]
    pub extra: Extra,
}

impl Dataset {
    /// An empty dataset for an establishment and millésime.
    pub fn new(uaj: impl Into<String>, millesime: Option<i32>) -> Self {
        let mut dataset = Dataset::default();
        dataset.establishment.uaj = uaj.into();
        dataset.school_year.millesime = millesime;
        dataset
    }

    /// The students present at the reference date (all students if there is none).
    pub fn present_students(&self) -> impl Iterator<Item = &Student> {
        let reference = self.reference_date;
        self.students
            .values()
            .filter(move |student| reference.is_none_or(|date| student.is_present_at(date)))
    }

    /// Counts of what the dataset holds, by French name, for `detect` (zero counts left out).
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let present = self.present_students().count();
        let course_count = self.timetable.courses.len()
            + self
                .services
                .iter()
                .flat_map(|service| &service.teachers)
                .map(|teacher| teacher.courses.len())
                .sum::<usize>();
        let teachers = self
            .staff
            .values()
            .filter(|member| {
                member.function.as_deref() == Some("ENS") || !member.disciplines.is_empty()
            })
            .count();
        let counts = [
            ("matieres", self.subjects.len()),
            ("mefs", self.mefs.len()),
            ("personnels", self.staff.len()),
            ("enseignants", teachers),
            ("divisions", self.divisions.len()),
            ("groupes", self.groups.len()),
            ("services", self.services.len()),
            ("cours", course_count),
            ("salles", self.timetable.rooms.len()),
            ("alternances", self.timetable.alternances.len()),
            ("eleves", self.students.len()),
            ("eleves_presents", present),
            ("eleves_sortis", self.students.len() - present),
            ("responsables", self.guardians.len()),
            ("liens_responsables", self.guardian_links.len()),
            ("appartenances_groupes", self.memberships.len()),
        ];
        counts.into_iter().filter(|(_, count)| *count > 0).collect()
    }
}
