//! The element layout of `sts_emp` shared by the reader and the writer: element names, the
//! children each record knows (in DTD order), the list wrappers (containers) whose leftovers
//! are nested, and the code lists of `NOMENCLATURES`.

use passerelle_core::model::code_lists;

/// Containers of the root (their leftovers are nested in `Dataset::extra["STS_EDT"]`).
pub const ROOT_CONTAINERS: &[&str] = &["NOMENCLATURES", "DONNEES"];

/// Known children of `PARAMETRES`; `ANNEE_SCOLAIRE` is its only container with leftovers
/// kept in `FileInfo::extra` (those of `UAJ` go to `Establishment::extra`).
pub const PARAMETRES_FIELDS: &[&str] = &["UAJ", "ANNEE_SCOLAIRE", "HORODATAGE"];
/// Containers of `PARAMETRES`.
pub const PARAMETRES_CONTAINERS: &[&str] = &["ANNEE_SCOLAIRE"];
/// Children of `UAJ` named by the model.
pub const UAJ_FIELDS: &[&str] = &["ACADEMIE", "SIGLE", "DENOM_PRINC", "DENOM_COMPL"];
/// Containers of `UAJ`.
pub const UAJ_CONTAINERS: &[&str] = &["ACADEMIE"];
/// Children of `ACADEMIE`.
pub const ACADEMIE_FIELDS: &[&str] = &["CODE", "LIBELLE"];
/// Children of `ANNEE_SCOLAIRE`.
pub const YEAR_FIELDS: &[&str] = &["DATE_DEBUT", "DATE_FIN"];

/// Containers of `NOMENCLATURES`, in DTD order.
pub const NOMENCLATURES_CONTAINERS: &[&str] = &[
    "TYPES_AHE",
    "CIVILITES",
    "MEFSTATS4",
    "TAUX_PONDS",
    "MODS_COURS",
    "MATIERES",
    "MEFS",
    "PROGRAMMES",
    "CONTRATS",
];
/// Children of `MATIERE`.
pub const SUBJECT_FIELDS: &[&str] = &[
    "CODE_GESTION",
    "LIBELLE_COURT",
    "LIBELLE_LONG",
    "LIBELLE_EDITION",
];
/// Children of `MEF`.
pub const MEF_FIELDS: &[&str] = &[
    "FORMATION",
    "SPECIALITE",
    "LIBELLE_LONG",
    "LIBELLE_EDITION",
    "MEFSTAT11",
    "MEFSTAT4",
];
/// Children of `PROGRAMME`.
pub const PROGRAMME_FIELDS: &[&str] = &["CODE_MEF", "CODE_MATIERE", "HORAIRE"];

/// Where the code of a code-list item is.
#[derive(Clone, Copy, Debug)]
pub enum CodeAt {
    /// In an attribute (`MOD_COURS/@CODE`); `true` when the DTD requires it.
    Attribute(&'static str, bool),
    /// In a child element (`CONTRAT/CODE`).
    Child(&'static str),
}

/// A code list of `NOMENCLATURES` read into `Dataset::code_lists`.
#[derive(Clone, Copy, Debug)]
pub struct CodeList {
    /// List element (`MODS_COURS`).
    pub list: &'static str,
    /// Item element (`MOD_COURS`).
    pub item: &'static str,
    /// Key in `Dataset::code_lists`.
    pub key: &'static str,
    /// Where the code is.
    pub code: CodeAt,
    /// Extra children the DTD places before `LIBELLE_COURT` (`CONTRAT/CODE_GESTION`).
    pub leading: &'static [&'static str],
}

/// The code lists, in DTD order (`MATIERES`, `MEFS` and `PROGRAMMES` have their own entities).
pub const CODE_LISTS: &[CodeList] = &[
    CodeList {
        list: "TYPES_AHE",
        item: "TYPE_AHE",
        key: "TYPES_AHE",
        code: CodeAt::Attribute("CODE", true),
        leading: &[],
    },
    CodeList {
        list: "CIVILITES",
        item: "CIVILITE",
        key: code_lists::CIVILITIES,
        code: CodeAt::Attribute("CODE", false),
        leading: &[],
    },
    CodeList {
        list: "MEFSTATS4",
        item: "MEFSTAT4",
        key: "MEFSTATS4",
        code: CodeAt::Attribute("CODE", false),
        leading: &[],
    },
    CodeList {
        list: "TAUX_PONDS",
        item: "TAUX_POND",
        key: "TAUX_PONDS",
        code: CodeAt::Attribute("TAUX", true),
        leading: &[],
    },
    CodeList {
        list: "MODS_COURS",
        item: "MOD_COURS",
        key: code_lists::COURSE_MODES,
        code: CodeAt::Attribute("CODE", true),
        leading: &[],
    },
    CodeList {
        list: "CONTRATS",
        item: "CONTRAT",
        key: code_lists::CONTRACTS,
        code: CodeAt::Child("CODE"),
        leading: &["CODE_GESTION"],
    },
];

/// Children of a code-list item named by the model.
pub const CODE_ITEM_FIELDS: &[&str] = &["LIBELLE_COURT", "LIBELLE_LONG"];

/// Containers of `DONNEES`, in the order written.
pub const DONNEES_CONTAINERS: &[&str] = &[
    "HORAIRES",
    "ALTERNANCES",
    "SALLES_COURS",
    "INDIVIDUS",
    "SUPPLEANTS",
    "STRUCTURE",
];
/// Children of `INDIVIDU` and `SUPPLEANT`.
pub const STAFF_FIELDS: &[&str] = &[
    "SEXE",
    "CIVILITE",
    "NOM_USAGE",
    "NOM_PATRONYMIQUE",
    "PRENOM",
    "DATE_NAISSANCE",
    "GRADE",
    "FONCTION",
    "PROFS_PRINC",
    "DISCIPLINES",
];
/// Containers of `INDIVIDU`.
pub const STAFF_CONTAINERS: &[&str] = &["PROFS_PRINC", "DISCIPLINES"];
/// Typed children of `INDIVIDU` (a value without the expected form is kept verbatim).
pub const STAFF_TYPED: &[&str] = &["DATE_NAISSANCE"];
/// Children of `PROF_PRINC` named by the model (its content is open).
pub const MAIN_TEACHER_FIELDS: &[&str] = &["CODE_STRUCTURE", "DATE_DEBUT", "DATE_FIN"];
/// Typed children of `PROF_PRINC`.
pub const MAIN_TEACHER_TYPED: &[&str] = &["DATE_DEBUT", "DATE_FIN"];
/// Children of `DISCIPLINE`.
pub const DISCIPLINE_FIELDS: &[&str] = &["LIBELLE_COURT", "NB_HEURES"];
/// Children of `HORAIRE`.
pub const DAY_HOURS_FIELDS: &[&str] = &["DEBUT_COURS", "FIN_COURS"];
/// Children of `ALTERNANCE`.
pub const ALTERNANCE_FIELDS: &[&str] = &["LIBELLE_COURT", "LIBELLE_LONG", "SEMAINES"];
/// Containers of `ALTERNANCE`.
pub const ALTERNANCE_CONTAINERS: &[&str] = &["SEMAINES"];
/// Children of `SALLE_COURS`.
pub const ROOM_FIELDS: &[&str] = &["GROUPE_SALLE", "LOCALISATION"];

/// Containers of `STRUCTURE`.
pub const STRUCTURE_CONTAINERS: &[&str] = &["DIVISIONS", "GROUPES"];
/// Children of `DIVISION`.
pub const DIVISION_FIELDS: &[&str] = &[
    "LIBELLE_LONG",
    "EFFECTIF_PREVU",
    "EFFECTIF_CALCULE",
    "MEFS_APPARTENANCE",
    "SERVICES",
];
/// Containers of `DIVISION`.
pub const DIVISION_CONTAINERS: &[&str] = &["MEFS_APPARTENANCE", "SERVICES"];
/// Children of `GROUPE`.
pub const GROUP_FIELDS: &[&str] = &[
    "LIBELLE_LONG",
    "EFFECTIF_PREVU",
    "EFFECTIF_CALCULE",
    "EFFECTIF_MAX_EDT",
    "DIVISIONS_APPARTENANCE",
    "MEFS_APPARTENANCE",
    "SERVICES",
];
/// Containers of `GROUPE`.
pub const GROUP_CONTAINERS: &[&str] = &["DIVISIONS_APPARTENANCE", "MEFS_APPARTENANCE", "SERVICES"];
/// Children of `MEF_APPARTENANCE` and `DIVISION_APPARTENANCE`.
pub const ATTACHMENT_FIELDS: &[&str] = &["EFFECTIF_PREVU", "EFFECTIF_CALCULE"];
/// Headcounts (`EFFECTIF_*`) of divisions, groups and attachments, all typed.
pub const HEADCOUNTS: &[&str] = &["EFFECTIF_PREVU", "EFFECTIF_CALCULE", "EFFECTIF_MAX_EDT"];
/// Children of `SERVICE`.
pub const SERVICE_FIELDS: &[&str] = &["HEURES_STRUCTURE", "CO_ENS", "ENSEIGNANTS"];
/// Containers of `SERVICE`.
pub const SERVICE_CONTAINERS: &[&str] = &["ENSEIGNANTS"];
/// Children of `ENSEIGNANT` (`COURS_RATTACHES`, an `emp_sts` element, stays in `extra`).
pub const TEACHER_FIELDS: &[&str] = &["HEURES_AGENT", "TAUX_PONDERATION"];
