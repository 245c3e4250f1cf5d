//! The anomaly catalogue of `passerelle check` (CHECKS.md) and what every rule shares.
//!
//! Every code is documented once, in [`CATALOGUE`], with the same fixed sections: severity,
//! synchronisation, objects, rule, why it matters, fix. Rules are pure functions of the files
//! read for one establishment ([`Sources`]) and of the [`Reference`] (UAJ, year, date, school
//! period); they build their findings with [`anomaly`], which takes severity, synchronisation
//! and fix from the catalogue, so that a code's facts live in one place.

pub mod compare;
pub mod envelope;
pub mod liens;
pub mod report;
pub mod run;
pub mod siecle;
pub mod structures;
pub mod sts_edt;
#[cfg(test)]
pub(crate) mod testing;

use chrono::NaiveDate;

use crate::diagnostics::{Diagnostic, Objet, Severity};
use crate::model::{Dataset, FileInfo, Source};

/// The documentation of one anomaly code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeDoc {
    /// Stable code (never renamed).
    pub code: &'static str,
    /// Severity.
    pub severity: Severity,
    /// Synchronisation (0 = files and envelope).
    pub synchro: u8,
    /// Keys of `objet` it fills.
    pub objet: &'static str,
    /// When it is raised (French).
    pub rule: &'static str,
    /// Why it matters (French).
    pub why: &'static str,
    /// What to do (French): printed once per code in reports.
    pub fix: &'static str,
}

macro_rules! code_doc {
    ($code:literal, $severity:ident, $synchro:literal, $objet:literal,
     rule: $rule:literal, why: $why:literal, fix: $fix:literal) => {
        CodeDoc {
            code: $code,
            severity: Severity::$severity,
            synchro: $synchro,
            objet: $objet,
            rule: $rule,
            why: $why,
            fix: $fix,
        }
    };
}

/// Every anomaly code of `passerelle check`, in catalogue order.
pub const CATALOGUE: &[CodeDoc] = &[
    // Synchro 0: files and envelope.
    code_doc!("XML_INVALIDE", Error, 0, "fichier",
        rule: "Le fichier n'est pas du XML bien formé, déclare des entités dans un DOCTYPE, ou n'a pas de PARAMETRES (UAJ et année) ou de DONNEES.",
        why: "L'application nationale refusera le fichier entier.",
        fix: "Réexportez le fichier ; ne l'ouvrez et ne l'enregistrez jamais dans un tableur ou un éditeur de texte."),
    code_doc!("FORMAT_INCONNU", Error, 0, "fichier",
        rule: "Aucun format connu ne reconnaît ce fichier XML ou CSV (par exemple un IMPORT_ELEVES « dossiers » au lieu des liens élèves-groupes).",
        why: "Le fichier n'est pas celui qu'attend la synchronisation.",
        fix: "Donnez le bon fichier ; `passerelle formats` liste les fichiers que passerelle comprend."),
    code_doc!("ARCHIVE_REFUSEE", Error, 0, "fichier",
        rule: "Un zip corrompu, chiffré, compressé d'une manière non prise en charge, contenant un chemin dangereux (« .. », chemin absolu) ou dépassant les limites de taille ou de nombre de fichiers.",
        why: "Rien n'est lu de cette archive.",
        fix: "Retéléchargez l'export depuis l'application d'origine."),
    code_doc!("FICHIER_INVERSE", Error, 0, "fichier",
        rule: "Un fichier nommé sts_emp* contient EDT_STS, ou un fichier nommé emp_sts* contient STS_EDT.",
        why: "Les deux fichiers STS-Web vont en sens inverse : importer l'un à la place de l'autre échoue ou écrase des données.",
        fix: "Pour sts_emp : exportez-le depuis STS-Web, Exports › Emploi du temps ; pour emp_sts : exportez-le depuis EDT (Fichier › STSWEB)."),
    code_doc!("ENCODAGE", Warning, 0, "fichier",
        rule: "Des octets contredisent l'encodage déclaré : de l'UTF-8 dans un fichier déclaré ISO-8859-15 (réparé en mémoire), ou de l'ISO-8859-15 dans un fichier déclaré UTF-8.",
        why: "L'application nationale lirait des noms abîmés (« Ã© » au lieu de « é »).",
        fix: "Réexportez le fichier plutôt que de le modifier à la main."),
    code_doc!("UAJ_DIFFERENTS", Error, 0, "fichier, uaj",
        rule: "L'UAJ d'un fichier diffère de l'UAJ de référence (--uaj, sinon celle du fichier élèves SIECLE, sinon la majorité).",
        why: "Les fichiers de deux établissements ne se recoupent pas : les vérifications croisées seraient fausses.",
        fix: "Prenez tous les fichiers du même établissement (une cité scolaire a deux UAJ)."),
    code_doc!("MILLESIME", Error, 0, "fichier, annee",
        rule: "L'année d'un fichier diffère de l'année de référence (--annee, sinon celle du fichier élèves SIECLE, sinon la majorité).",
        why: "Entre mai et la rentrée, STS-Web et SIECLE tiennent deux années : un fichier de l'autre année est refusé ou modifie la mauvaise année.",
        fix: "Dans STS-Web ou SIECLE, choisissez l'année à traiter (vérifiez le menu Campagne) et réexportez ; pour le fichier des liens, vérifiez la version de PRONOTE et sa connexion."),
    code_doc!("DOUBLON_FICHIER", Warning, 0, "fichier",
        rule: "Le même format est donné deux fois pour un établissement ; le premier dans l'ordre des noms est utilisé, les autres sont ignorés.",
        why: "Deux exports différents du même fichier rendent le résultat ambigu.",
        fix: "Ne gardez qu'un export par format."),
    code_doc!("FICHIER_MANQUANT", Info, 0, "fichier",
        rule: "Une vérification n'a pas pu se faire faute d'un fichier (objet.fichier nomme le type de fichier).",
        why: "Une partie des rejets possibles n'est pas vérifiée.",
        fix: "Donnez ce fichier pour activer la vérification."),
    // Synchro 2: SIECLE exports.
    code_doc!("DOUBLON_INE", Error, 2, "ine",
        rule: "Deux élèves présents partagent le même INE (comparé sans espaces ni casse).",
        why: "Les logiciels qui rapprochent les élèves par INE confondent les deux élèves.",
        fix: "Faites corriger l'INE en double dans SIECLE (Base élèves), puis réexportez."),
    code_doc!("DOUBLON_ELEVE_ID", Error, 2, "eleve_id",
        rule: "Un même ELEVE_ID apparaît deux fois avec un nom, un prénom ou une date de naissance différents.",
        why: "ELEVE_ID est la clé de toutes les synchronisations : deux élèves sous la même clé se mélangent.",
        fix: "Réexportez les fichiers SIECLE le même jour ; si le doublon persiste, signalez-le à l'assistance académique."),
    code_doc!("INE_ABSENT", Warning, 2, "eleve_id",
        rule: "Un élève présent n'a pas d'INE (élément absent, vide ou blanc).",
        why: "Les exports EDT et les liens par INE ne pourront pas retrouver cet élève.",
        fix: "Faites attribuer ou saisir l'INE de l'élève dans SIECLE, puis réexportez."),
    code_doc!("ELEVE_SANS_DIVISION", Warning, 2, "eleve_id",
        rule: "Un élève présent n'a aucune structure de type D (division).",
        why: "Sans division, l'élève n'est pas « scolarisé » pour SIECLE et n'apparaîtra dans aucune classe de PRONOTE.",
        fix: "Affectez l'élève à une division dans SIECLE, puis réexportez."),
    code_doc!("ELEVE_SORTI_DANS_DIVISION", Info, 2, "eleve_id",
        rule: "Un élève sorti (non présent à la date de référence) est encore rattaché à une division.",
        why: "C'est normal dans les exports SIECLE ; passerelle ne le compte pas comme présent.",
        fix: "Rien à faire."),
    // Synchro 1 and 3: STS-Web and EDT.
    code_doc!("SERVICES_ABSENTS", Warning, 1, "fichier",
        rule: "sts_emp ne contient aucun SERVICE.",
        why: "La remontée de l'emploi du temps n'a pas encore été faite : EDT ne recevra ni services ni liens enseignants-classes.",
        fix: "Faites d'abord la remontée des services EDT → STS-Web (synchro 3), puis réexportez sts_emp."),
    code_doc!("ENSEIGNANT_SANS_FONCTION", Warning, 1, "enseignant",
        rule: "Un enseignant dont la FONCTION est absente ou vide est cité par un service de sts_emp.",
        why: "Un personnel sans fonction (congé long, fiche incomplète) ne devrait pas porter de service.",
        fix: "Vérifiez la fiche de l'enseignant dans STS-Web (fonction, position), puis réexportez sts_emp."),
    code_doc!("MATIERE_INCONNUE", Error, 3, "matiere",
        rule: "Un service de emp_sts utilise un CODE_MATIERE absent des MATIERES de sts_emp.",
        why: "STS-Web rejette le service.",
        fix: "Dans EDT (Fichier › STSWEB › correspondances), associez la matière à une matière de STS-Web, puis réexportez emp_sts."),
    code_doc!("ENSEIGNANT_INCONNU", Error, 3, "enseignant",
        rule: "Un service de emp_sts cite un identifiant d'enseignant absent des INDIVIDUS et SUPPLEANTS de sts_emp.",
        why: "STS-Web rejette le service de cet enseignant.",
        fix: "Dans EDT, associez l'enseignant à un individu de STS-Web (correspondances), ou faites-le ajouter dans STS-Web ; puis réexportez."),
    code_doc!("DIVISION_INCONNUE", Error, 3, "division",
        rule: "Une division de emp_sts (ses DIVISIONS, ou un DIVISION_APPARTENANCE de groupe), ou une division citée par un groupe de sts_emp, n'est pas une division de sts_emp.",
        why: "STS-Web rejette les services et les groupes rattachés à une division qu'il ne connaît pas.",
        fix: "Créez la division dans STS-Web, ou corrigez son code dans EDT (correspondances), puis réexportez."),
    code_doc!("GROUPE_NOUVEAU", Info, 3, "groupe",
        rule: "Un groupe de emp_sts n'existe pas encore dans sts_emp.",
        why: "La remontée le créera dans STS-Web.",
        fix: "Rien à faire, si ce groupe est voulu."),
    // Synchro 4: STS-Web structure against SIECLE structure.
    code_doc!("STRUCTURE_ABSENTE_SIECLE", Error, 4, "division ou groupe",
        rule: "Une division ou un groupe de sts_emp est absent de Structures.xml.",
        why: "Le transfert des structures STS-Web → SIECLE (4a) n'est pas fait ou pas encore traité : SIECLE rejettera les liens vers ce groupe (GROUPE_A_01).",
        fix: "Faites le transfert des structures STS-Web → SIECLE (synchro 4a), attendez son traitement (le lendemain), puis réexportez Structures.xml."),
    code_doc!("STRUCTURE_ABSENTE_STS", Warning, 4, "division ou groupe",
        rule: "Une division ou un groupe de Structures.xml est absent de sts_emp.",
        why: "La structure a été supprimée ou renommée dans STS-Web sans nouveau transfert vers SIECLE.",
        fix: "Vérifiez la structure dans STS-Web, puis refaites le transfert des structures vers SIECLE (synchro 4a)."),
    code_doc!("GROUPE_SANS_RATTACHEMENT", Warning, 4, "groupe",
        rule: "Un groupe de sts_emp n'a ni DIVISIONS_APPARTENANCE ni MEFS_APPARTENANCE.",
        why: "SIECLE ne peut pas vérifier les élèves de ce groupe : leurs liens seront rejetés (GROUPE_B_02).",
        fix: "Dans STS-Web, rattachez le groupe à ses divisions ou à ses MEF, puis refaites le transfert des structures vers SIECLE (synchro 4a)."),
    // Synchro 5: liens élèves-groupes.
    code_doc!("NOM_FICHIER", Error, 5, "fichier",
        rule: "Le nom n'est pas <UAJ>ELEGROUPE<AAAA><AAMMJJhhmmss>.xml dans un zip de même nom, ou l'année ou l'UAJ du nom diffèrent de PARAMETRES.",
        why: "SIECLE refuse le dépôt immédiatement (« Nom du fichier mal formaté ! », « Nom de fichier .zip incorrect ! »).",
        fix: "Réexportez le fichier depuis PRONOTE sans le renommer, ou produisez-le avec `passerelle convert … --to pronote-liens`."),
    code_doc!("LIENS_INVALIDE", Error, 5, "fichier, eleve_id",
        rule: "Le fichier ne respecte pas le schéma officiel (élève sans groupe, identifiant absent ou en double, CODE_GROUPE de plus de 8 caractères, paramètre manquant, date mal écrite…).",
        why: "SIECLE refuse le dépôt : « Fichier XML non valide. Impossible d'importer ce fichier. »",
        fix: "Réexportez le fichier depuis PRONOTE, ou produisez-le avec `passerelle convert … --to pronote-liens`."),
    code_doc!("REJELEGROUPE_01", Error, 5, "eleve_id",
        rule: "L'identifiant envoyé est inconnu de SIECLE et aucun élève n'a les mêmes nom, prénom et date de naissance.",
        why: "SIECLE rejette l'élève : aucun de ses liens n'est créé.",
        fix: "Vérifiez l'identifiant SIECLE (ELEVE_ID) de l'élève dans PRONOTE/EDT (refaites l'import SIECLE → PRONOTE), puis réexportez les liens."),
    code_doc!("REJELEGROUPE_03", Error, 5, "eleve_id",
        rule: "Deux entrées du fichier désignent le même élève de SIECLE.",
        why: "SIECLE rejette la seconde entrée : ses liens sont perdus.",
        fix: "Fusionnez les doublons de l'élève dans PRONOTE/EDT, puis réexportez les liens."),
    code_doc!("GROUPE_A_01", Error, 5, "eleve_id, groupe",
        rule: "CODE_GROUPE n'est pas un groupe de Structures.xml (à défaut, de sts_emp) ; un code de division compte comme inconnu.",
        why: "SIECLE rejette le lien : « Le groupe n'est pas référencé ».",
        fix: "Si le groupe existe dans STS-Web, refaites le transfert des structures STS-Web → SIECLE (synchro 4a) et réimportez le fichier le lendemain ; sinon corrigez la structure dans STS-Web (par exemple le rattachement du groupe à un MEF), puis 4a, puis l'import."),
    code_doc!("GROUPE_B_01", Error, 5, "eleve_id",
        rule: "L'élève n'a pas de CODE_MEF dans SIECLE.",
        why: "SIECLE rejette tous les liens de l'élève : « L'élève non inscrit dans un MEF ne peut pas être inscrit dans un groupe ».",
        fix: "Inscrivez l'élève dans un MEF dans SIECLE, puis réimportez les liens."),
    code_doc!("GROUPE_B_02", Error, 5, "eleve_id, groupe",
        rule: "Le MEF de l'élève n'est pas parmi les MEF du groupe (ses MEFS_APPARTENANCE, à défaut ceux de ses divisions).",
        why: "SIECLE rejette le lien : « Le groupe n'est pas rattaché au MEF de l'élève ».",
        fix: "Dans STS-Web, rattachez le groupe au MEF de l'élève, refaites le transfert des structures vers SIECLE (synchro 4a), puis réimportez les liens le lendemain."),
    code_doc!("ELEGRP_A_01", Warning, 5, "eleve_id, groupe",
        rule: "La date de début du lien n'est pas antérieure à sa date de fin.",
        why: "SIECLE remplace les dates (début : entrée de l'élève ou début d'année ; fin : vide ou date de sortie).",
        fix: "Corrigez les dates d'appartenance au groupe dans PRONOTE/EDT, ou ne les envoyez pas."),
    code_doc!("ELEGRP_A_02", Warning, 5, "eleve_id, groupe",
        rule: "La date de début du lien est hors de la période scolaire.",
        why: "SIECLE remplace la date : « n'est pas incluse dans la période scolaire autorisée ».",
        fix: "Corrigez les dates d'appartenance au groupe dans PRONOTE/EDT, ou ne les envoyez pas."),
    code_doc!("ELEGRP_A_03", Warning, 5, "eleve_id, groupe",
        rule: "La date de fin du lien est hors de la période scolaire.",
        why: "SIECLE remplace la date : « n'est pas incluse dans la période scolaire autorisée ».",
        fix: "Corrigez les dates d'appartenance au groupe dans PRONOTE/EDT, ou ne les envoyez pas."),
    code_doc!("LIENS_INCOMPLET", Warning, 5, "eleve_id",
        rule: "Un élève présent qui a des groupes (dans SIECLE ou dans l'export de l'emploi du temps) est absent du fichier des liens.",
        why: "Chaque import commence par supprimer tous les liens élèves-groupes de l'établissement : cet élève perdra tous ses groupes.",
        fix: "Réexportez les liens de tout l'établissement (PRONOTE : Fichier › Avec SIECLE › Exporter les liens élèves / groupes › ETABLISSEMENT)."),
    code_doc!("ELEVE_IDENTITE", Warning, 5, "eleve_id",
        rule: "L'identifiant est trouvé mais le nom, le prénom ou la date de naissance diffèrent ; ou l'identifiant est inconnu et l'élève n'est retrouvé que par ses nom, prénom et date de naissance.",
        why: "SIECLE rattache les groupes à l'élève qu'il trouve, peut-être pas celui que vous croyez.",
        fix: "Vérifiez l'identité de l'élève dans PRONOTE/EDT et dans SIECLE, puis refaites l'import SIECLE → PRONOTE."),
    code_doc!("ELEVE_SORTI", Warning, 5, "eleve_id, groupe",
        rule: "La date de sortie de l'élève précède le début du lien (ou, sans date, le début de la période scolaire).",
        why: "SIECLE corrige la date de fin du lien à la sortie de l'élève.",
        fix: "Retirez l'élève de ses groupes dans PRONOTE/EDT, ou vérifiez sa date de sortie dans SIECLE."),
    code_doc!("GROUPE_HORS_DIVISION", Warning, 5, "eleve_id, groupe",
        rule: "La division de l'élève n'est pas parmi les divisions du groupe.",
        why: "Le groupe ne devrait pas contenir d'élève d'une autre classe : l'emploi du temps ou la structure est faux.",
        fix: "Vérifiez la composition du groupe dans EDT et ses divisions dans STS-Web."),
    code_doc!("GROUPE_SANS_SERVICE", Warning, 5, "groupe",
        rule: "Un groupe du fichier des liens existe dans sts_emp mais n'y a aucun service.",
        why: "PRONOTE a besoin d'un service pour noter les élèves de ce groupe.",
        fix: "Faites la remontée des services EDT → STS-Web (synchro 3) avec un service pour ce groupe."),
    code_doc!("ELEVE_SANS_GROUPE", Info, 5, "eleve_id",
        rule: "Un élève présent, absent du fichier des liens et sans groupe dans aucune source, alors que sa division a des groupes.",
        why: "C'est peut-être voulu, peut-être un oubli dans l'emploi du temps.",
        fix: "Vérifiez dans EDT que l'élève n'a pas été oublié dans les groupes de sa classe."),
];

/// The documentation of a code.
pub fn doc(code: &str) -> Option<&'static CodeDoc> {
    CATALOGUE.iter().find(|entry| entry.code == code)
}

/// True when a diagnostic's code is an anomaly of the catalogue.
pub fn is_anomaly(diagnostic: &Diagnostic) -> bool {
    doc(&diagnostic.code).is_some()
}

/// An anomaly of the catalogue: severity, synchronisation and fix come from [`CATALOGUE`].
pub fn anomaly(code: &'static str, message: impl Into<String>, objet: Objet) -> Diagnostic {
    let diagnostic = Diagnostic::new(code, Severity::Info, message).with_objet(objet);
    match doc(code) {
        Some(entry) => Diagnostic {
            severity: entry.severity,
            synchro: Some(entry.synchro),
            fix: Some(entry.fix.to_string()),
            ..diagnostic
        },
        // Only reachable with a code missing from the catalogue, which a test forbids.
        None => diagnostic,
    }
}

/// An anomaly located at an entity's provenance.
pub fn anomaly_at(
    code: &'static str,
    message: impl Into<String>,
    objet: Objet,
    source: &Source,
) -> Diagnostic {
    anomaly(code, message, objet).at(source)
}

/// One file read for an establishment, as the rules see it.
#[derive(Clone, Copy, Debug)]
pub struct FileRef<'a> {
    /// Display name (`archive.zip!member.xml`).
    pub name: &'a str,
    /// Format id.
    pub format: &'a str,
    /// What it holds.
    pub dataset: &'a Dataset,
}

/// The files of one establishment, one per kind (the first in file-name order when a format
/// is given twice), as the catalogue names them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sources<'a> {
    /// `sts_emp` (the state of STS-Web).
    pub sts: Option<FileRef<'a>>,
    /// `emp_sts` (what EDT proposes to upload).
    pub emp_sts: Option<FileRef<'a>>,
    /// SIECLE `Structures.xml`.
    pub structures: Option<FileRef<'a>>,
    /// SIECLE students file (`ElevesSansAdresses` / `ElevesAvecAdresses`).
    pub students: Option<FileRef<'a>>,
    /// SIECLE `Communs.xml`.
    pub communs: Option<FileRef<'a>>,
    /// The liens élèves-groupes file.
    pub liens: Option<FileRef<'a>>,
    /// EDT/PRONOTE student list export (`EXP_ELEVE`).
    pub edt_students: Option<FileRef<'a>>,
}

/// What the rules compare against.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reference {
    /// Reference UAJ (`--uaj`, else the students file's, else the majority).
    pub uaj: Option<String>,
    /// Reference millésime.
    pub annee: Option<i32>,
    /// Reference date for present students (`--date`, else the students file's export date).
    pub date: Option<NaiveDate>,
    /// School period for group dates, bounds inclusive (`--debut/--fin`, else `Communs.xml`,
    /// else `sts_emp`).
    pub period: Option<(NaiveDate, NaiveDate)>,
}

/// The kind of a file, for duplicates (`DOUBLON_FICHIER`) and source selection: the format
/// id, and for EDT list exports the kind of list (courses or students).
pub fn file_kind(format: &str, dataset: &Dataset) -> String {
    if format == "edt-table" {
        let list = if dataset.timetable.courses.is_empty() {
            "eleves"
        } else {
            "cours"
        };
        return format!("{format}:{list}");
    }
    format.to_string()
}

/// The kinds of file ([`file_kind`]) whose content a rule reads: [`Sources::select`] gives
/// each a slot. Of the other files, only the envelope is used.
pub const SOURCE_KINDS: [&str; 7] = [
    "sts-emp",
    "edt-sts",
    "siecle-structures",
    "siecle-eleves",
    "siecle-communs",
    "pronote-liens",
    "edt-table:eleves",
];

impl<'a> Sources<'a> {
    /// Picks one file per kind, the first in file-name order (byte order); returns the
    /// sources and the files ignored as duplicates (`DOUBLON_FICHIER`).
    pub fn select(files: &[FileRef<'a>]) -> (Sources<'a>, Vec<FileRef<'a>>) {
        let mut ordered: Vec<FileRef<'a>> = files.to_vec();
        ordered.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        let mut sources = Sources::default();
        let mut seen: Vec<String> = Vec::new();
        let mut duplicates = Vec::new();
        for file in ordered {
            let kind = file_kind(file.format, file.dataset);
            if seen.contains(&kind) {
                duplicates.push(file);
                continue;
            }
            seen.push(kind.clone());
            let slot = match kind.as_str() {
                "sts-emp" => &mut sources.sts,
                "edt-sts" => &mut sources.emp_sts,
                "siecle-structures" => &mut sources.structures,
                "siecle-eleves" => &mut sources.students,
                "siecle-communs" => &mut sources.communs,
                "pronote-liens" => &mut sources.liens,
                "edt-table:eleves" => &mut sources.edt_students,
                _ => continue,
            };
            *slot = Some(file);
        }
        (sources, duplicates)
    }
}

/// Explicit choices of the user that override what the files say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReferenceOptions {
    /// `--uaj`.
    pub uaj: Option<String>,
    /// `--annee`.
    pub annee: Option<i32>,
    /// `--date`.
    pub date: Option<NaiveDate>,
    /// `--debut`.
    pub start: Option<NaiveDate>,
    /// `--fin`.
    pub end: Option<NaiveDate>,
}

/// The envelope of a file: its own [`FileInfo`] (or the first of its dataset).
pub fn envelope_of<'a>(file: &FileRef<'a>) -> Option<&'a FileInfo> {
    file.dataset
        .files
        .iter()
        .find(|info| info.fichier == file.name)
        .or_else(|| file.dataset.files.first())
}

/// The UAJ and millésime a file declares in its envelope.
fn declared(file: &FileRef<'_>) -> (Option<String>, Option<i32>) {
    let info = envelope_of(file);
    let uaj = info
        .and_then(|info| info.uaj.clone())
        .map(|uaj| uaj.trim().to_ascii_uppercase())
        .filter(|uaj| !uaj.is_empty());
    (uaj, info.and_then(|info| info.annee))
}

/// The most frequent value, ties going to the first file in name order.
fn majority<T: PartialEq + Clone>(values: impl Iterator<Item = T>) -> Option<T> {
    let mut counted: Vec<(T, usize)> = Vec::new();
    for value in values {
        match counted.iter_mut().find(|(known, _)| *known == value) {
            Some((_, count)) => *count += 1,
            None => counted.push((value, 1)),
        }
    }
    let best = counted.iter().map(|(_, count)| *count).max()?;
    counted
        .into_iter()
        .find(|(_, count)| *count == best)
        .map(|(value, _)| value)
}

impl Reference {
    /// The reference of an establishment (CHECKS.md, Conventions): options first, then the
    /// SIECLE students file, then the majority of files; the school period from the options,
    /// else `Communs.xml`, else `sts_emp`.
    pub fn compute(
        sources: &Sources<'_>,
        files: &[FileRef<'_>],
        options: &ReferenceOptions,
    ) -> Reference {
        let mut ordered: Vec<&FileRef<'_>> = files.iter().collect();
        ordered.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        let students = sources.students.as_ref().map(declared);
        let uaj = options
            .uaj
            .as_ref()
            .map(|uaj| uaj.trim().to_ascii_uppercase())
            .or_else(|| students.as_ref().and_then(|(uaj, _)| uaj.clone()))
            .or_else(|| majority(ordered.iter().filter_map(|file| declared(file).0)));
        let annee = options
            .annee
            .or_else(|| students.as_ref().and_then(|(_, annee)| *annee))
            .or_else(|| majority(ordered.iter().filter_map(|file| declared(file).1)));
        let date = options.date.or_else(|| {
            sources
                .students
                .and_then(|file| file.dataset.reference_date)
        });
        let bounds_of = |file: Option<FileRef<'_>>| {
            file.and_then(|file| {
                let bounds = &file.dataset.school_year.bounds;
                bounds.start.zip(bounds.end)
            })
        };
        let period = match (options.start, options.end) {
            (Some(start), Some(end)) => Some((start, end)),
            (start, end) => bounds_of(sources.communs)
                .or_else(|| bounds_of(sources.sts))
                .map(|(file_start, file_end)| {
                    (start.unwrap_or(file_start), end.unwrap_or(file_end))
                }),
        };
        Reference {
            uaj,
            annee,
            date,
            period,
        }
    }
}

/// Builds an [`Objet`] from `key = value` pairs: `objet!(eleve_id = id, groupe = code)`.
#[macro_export]
macro_rules! objet {
    ($($key:ident = $value:expr),* $(,)?) => {
        $crate::diagnostics::Objet {
            $($key: Some($value.into()),)*
            ..$crate::diagnostics::Objet::default()
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_documented_once_with_every_section() {
        let mut codes: Vec<&str> = CATALOGUE.iter().map(|entry| entry.code).collect();
        let count = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), count, "a code is documented twice");
        for entry in CATALOGUE {
            assert!(entry.synchro <= 5);
            for section in [entry.objet, entry.rule, entry.why, entry.fix] {
                assert!(
                    !section.trim().is_empty(),
                    "{} has an empty section",
                    entry.code
                );
            }
        }
        assert_eq!(count, 39);
    }

    fn fragment(name: &str, format: &str, uaj: &str, annee: i32) -> Dataset {
        let mut dataset = Dataset::new(uaj, Some(annee));
        dataset.files.push(crate::model::FileInfo {
            fichier: name.into(),
            format: format.into(),
            uaj: Some(uaj.into()),
            annee: Some(annee),
            ..crate::model::FileInfo::default()
        });
        dataset
    }

    #[test]
    fn the_source_kinds_are_the_kinds_that_fill_a_slot() {
        let mut datasets = Vec::new();
        for kind in SOURCE_KINDS.iter().chain(&[
            "siecle-responsables",
            "siecle-nomenclatures",
            "edt-table:cours",
            "json",
        ]) {
            let format = kind.split(':').next().unwrap_or(kind);
            let mut dataset = fragment(kind, format, "0999999Z", 2025);
            if *kind == "edt-table:cours" {
                dataset
                    .timetable
                    .courses
                    .push(crate::model::Course::default());
            }
            datasets.push((kind.to_string(), format.to_string(), dataset));
        }
        for (kind, format, dataset) in &datasets {
            let file = FileRef {
                name: kind,
                format,
                dataset,
            };
            assert_eq!(file_kind(format, dataset), *kind);
            let (sources, _) = Sources::select(&[file]);
            let filled = [
                sources.sts,
                sources.emp_sts,
                sources.structures,
                sources.students,
                sources.communs,
                sources.liens,
                sources.edt_students,
            ]
            .iter()
            .any(Option::is_some);
            assert_eq!(filled, SOURCE_KINDS.contains(&kind.as_str()), "{kind}");
        }
    }

    #[test]
    fn sources_take_the_first_file_of_each_kind_and_reference_follows_the_students_file() {
        let sts_b = fragment("b_sts_emp.xml", "sts-emp", "0999999Z", 2025);
        let sts_a = fragment("a_sts_emp.xml", "sts-emp", "0999999Z", 2025);
        let mut students = fragment("ElevesSansAdresses.xml", "siecle-eleves", "0999998Y", 2024);
        students.reference_date = NaiveDate::from_ymd_opt(2024, 10, 14);
        let files = [
            FileRef {
                name: "b_sts_emp.xml",
                format: "sts-emp",
                dataset: &sts_b,
            },
            FileRef {
                name: "a_sts_emp.xml",
                format: "sts-emp",
                dataset: &sts_a,
            },
            FileRef {
                name: "ElevesSansAdresses.xml",
                format: "siecle-eleves",
                dataset: &students,
            },
        ];
        let (sources, duplicates) = Sources::select(&files);
        assert_eq!(sources.sts.map(|file| file.name), Some("a_sts_emp.xml"));
        assert_eq!(
            duplicates.iter().map(|file| file.name).collect::<Vec<_>>(),
            ["b_sts_emp.xml"]
        );
        let reference = Reference::compute(&sources, &files, &ReferenceOptions::default());
        assert_eq!(reference.uaj.as_deref(), Some("0999998Y"));
        assert_eq!(reference.annee, Some(2024));
        assert_eq!(reference.date, NaiveDate::from_ymd_opt(2024, 10, 14));
        let without_students = Reference::compute(
            &Sources::default(),
            &files[..2],
            &ReferenceOptions::default(),
        );
        assert_eq!(without_students.uaj.as_deref(), Some("0999999Z"));
        let forced = Reference::compute(
            &sources,
            &files,
            &ReferenceOptions {
                uaj: Some(" 0999997x ".into()),
                annee: Some(2026),
                ..ReferenceOptions::default()
            },
        );
        assert_eq!(
            (forced.uaj.as_deref(), forced.annee),
            (Some("0999997X"), Some(2026))
        );
    }

    #[test]
    fn anomalies_take_their_facts_from_the_catalogue() {
        let found = anomaly(
            "GROUPE_A_01",
            "Le groupe \"3LATIN\" n'est pas référencé.",
            crate::objet!(eleve_id = "1234567", groupe = "3LATIN"),
        );
        assert_eq!(found.severity, Severity::Error);
        assert_eq!(found.synchro, Some(5));
        assert!(found.fix.as_deref().unwrap_or_default().contains("4a"));
        assert_eq!(found.objet.groupe.as_deref(), Some("3LATIN"));
        assert!(is_anomaly(&found));
    }
}
