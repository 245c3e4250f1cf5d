//! Synchro 0: the files themselves — what could not be read, the envelope (`PARAMETRES`)
//! against the reference UAJ and year, formats given twice, and checks skipped for lack of a
//! file.

use std::collections::BTreeMap;

use super::{FileRef, Reference, Sources, anomaly, envelope_of, file_kind};
use crate::diagnostics::{Diagnostic, Objet};
use crate::format::FormatError;
use crate::input::ArchiveRefused;
use crate::objet;
use crate::xml::{XmlError, XmlStream};

/// The kinds of file `FICHIER_MANQUANT` names (its `objet.fichier`).
pub mod kinds {
    /// STS-Web's `sts_emp`.
    pub const STS: &str = "sts_emp";
    /// SIECLE's structure export.
    pub const STRUCTURES: &str = "Structures.xml";
    /// SIECLE's students export.
    pub const STUDENTS: &str = "ElevesSansAdresses.xml";
    /// SIECLE's calendar export.
    pub const COMMUNS: &str = "Communs.xml";
}

/// What a format's envelope must declare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EnvelopeRule {
    /// No envelope: EDT list exports, passerelle's own JSON.
    Exempt,
    /// UAJ required, year optional (`emp_sts`: its DTD allows leaving the year out).
    Uaj,
    /// UAJ and year required.
    UajAndYear,
}

fn envelope_rule(format: &str) -> EnvelopeRule {
    match format {
        "edt-table" | "json" => EnvelopeRule::Exempt,
        "edt-sts" => EnvelopeRule::Uaj,
        _ => EnvelopeRule::UajAndYear,
    }
}

/// True when a format has an envelope (`PARAMETRES` then `DONNEES`) to check.
pub fn has_envelope(format: &str) -> bool {
    envelope_rule(format) != EnvelopeRule::Exempt
}

fn file_objet(name: &str) -> Objet {
    objet!(fichier = name)
}

fn at_line(mut diagnostic: Diagnostic, line: Option<u32>) -> Diagnostic {
    diagnostic.line = line;
    diagnostic
}

/// `XML_INVALIDE` for a document that is not well-formed or is refused by the XML layer.
pub fn xml_error(name: &str, error: &XmlError) -> Diagnostic {
    let path = if error.path.is_empty() {
        String::new()
    } else {
        format!(", dans {}", error.path)
    };
    let found = anomaly(
        "XML_INVALIDE",
        format!(
            "« {name} » n'est pas un fichier XML valide (ligne {}, colonne {}{path}) : {}",
            error.line, error.column, error.message
        ),
        file_objet(name),
    );
    at_line(found.in_file(name), Some(error.line))
}

/// The anomaly for a file whose reader failed: `XML_INVALIDE` for an XML file (its content is
/// not what the format requires), `FORMAT_INCONNU` otherwise.
pub fn read_failure(name: &str, is_xml: bool, error: &FormatError) -> Diagnostic {
    match error {
        FormatError::Xml(error) => xml_error(name, error),
        FormatError::Invalid { line, message, .. } if is_xml => {
            let found = anomaly(
                "XML_INVALIDE",
                format!("« {name} » est refusé : {message}"),
                file_objet(name),
            );
            at_line(found.in_file(name), *line)
        }
        // The error's own text names the file: only its reason and line are taken.
        FormatError::Invalid {
            line: Some(line),
            message,
            ..
        } => at_line(
            unknown_format(
                name,
                format!("« {name} » n'a pas pu être lu (ligne {line}) : {message}"),
            ),
            Some(*line),
        ),
        FormatError::Invalid { message, .. } => {
            unknown_format(name, format!("« {name} » n'a pas pu être lu : {message}"))
        }
        other => unknown_format(name, format!("« {name} » n'a pas pu être lu : {other}")),
    }
}

/// `FORMAT_INCONNU`, with a message naming the file (detection's, or the reader's).
pub fn unknown_format(name: &str, message: String) -> Diagnostic {
    anomaly("FORMAT_INCONNU", message, file_objet(name)).in_file(name)
}

/// `ARCHIVE_REFUSEE`: nothing of the zip is read.
pub fn archive_refused(refused: &ArchiveRefused) -> Diagnostic {
    anomaly(
        "ARCHIVE_REFUSEE",
        format!("{refused} : aucun de ses fichiers n'est lu"),
        file_objet(&refused.archive),
    )
    .in_file(&refused.archive)
}

/// `XML_INVALIDE` when the root element has no `DONNEES` child. Only the elements before
/// `DONNEES` are read (the small `PARAMETRES` and `NOMENCLATURES`), never the data itself.
/// `max_depth` is the readers' depth limit.
pub fn check_donnees(name: &str, format: &str, text: &str, max_depth: usize) -> Option<Diagnostic> {
    if !has_envelope(format) {
        return None;
    }
    let mut stream = XmlStream::new(text, name).with_max_depth(max_depth);
    let outcome = (|| -> Result<Option<u32>, XmlError> {
        let root = stream.root()?;
        while let Some(child) = stream.next_child()? {
            if child.name == "DONNEES" {
                return Ok(None);
            }
            stream.skip(child)?;
        }
        Ok(Some(root.line))
    })();
    match outcome {
        Ok(None) => None,
        Ok(Some(line)) => {
            let found = anomaly(
                "XML_INVALIDE",
                format!(
                    "« {name} » n'a pas d'élément DONNEES : le fichier est incomplet ou n'est \
                     pas un export"
                ),
                file_objet(name),
            );
            Some(at_line(found.in_file(name), Some(line)))
        }
        Err(error) => Some(xml_error(name, &error)),
    }
}

/// The envelope of a file read: `PARAMETRES` must give the UAJ and year (`XML_INVALIDE`), and
/// they must be the reference ones (`UAJ_DIFFERENTS`, `MILLESIME`). Runs on every file read,
/// duplicates included.
pub fn check_envelope(file: &FileRef<'_>, reference: &Reference) -> Vec<Diagnostic> {
    let rule = envelope_rule(file.format);
    let info = envelope_of(file);
    let uaj = info
        .and_then(|info| info.uaj.as_deref())
        .map(str::trim)
        .filter(|uaj| !uaj.is_empty());
    let annee = info.and_then(|info| info.annee);
    let name = file.name;
    let mut found = Vec::new();
    let missing: Vec<&str> = match rule {
        EnvelopeRule::Exempt => Vec::new(),
        EnvelopeRule::Uaj => uaj
            .is_none()
            .then_some("l'établissement (UAJ)")
            .into_iter()
            .collect(),
        EnvelopeRule::UajAndYear => [
            uaj.is_none().then_some("l'établissement (UAJ)"),
            annee
                .is_none()
                .then_some("l'année scolaire (ANNEE_SCOLAIRE)"),
        ]
        .into_iter()
        .flatten()
        .collect(),
    };
    if !missing.is_empty() {
        found.push(
            anomaly(
                "XML_INVALIDE",
                format!(
                    "« {name} » n'indique pas {} dans PARAMETRES : l'application nationale le \
                     refusera",
                    missing.join(" ni ")
                ),
                file_objet(name),
            )
            .in_file(name),
        );
    }
    if let (Some(uaj), Some(expected)) = (uaj, reference.uaj.as_deref())
        && !crate::merge::same_uaj(uaj, expected)
    {
        found.push(
            anomaly(
                "UAJ_DIFFERENTS",
                format!(
                    "« {name} » concerne l'établissement {uaj}, pas l'établissement de référence \
                     {}",
                    expected.trim()
                ),
                objet!(fichier = name, uaj = uaj),
            )
            .in_file(name),
        );
    }
    if let (Some(annee), Some(expected)) = (annee, reference.annee)
        && annee != expected
    {
        found.push(
            anomaly(
                "MILLESIME",
                format!(
                    "« {name} » concerne l'année scolaire {annee}-{}, pas l'année de référence \
                     {expected}-{}",
                    annee + 1,
                    expected + 1
                ),
                objet!(fichier = name, annee = annee),
            )
            .in_file(name),
        );
    }
    found
}

/// "a second file of this kind", in French.
fn second_of_kind(kind: &str) -> String {
    match kind {
        "edt-table:eleves" => "une deuxième liste des élèves exportée d'EDT".to_string(),
        "edt-table:cours" => "une deuxième liste des cours exportée d'EDT".to_string(),
        other => format!("un deuxième fichier {other}"),
    }
}

/// `DOUBLON_FICHIER` on each file of a kind already given, the first in file-name order
/// being the one used (as [`Sources::select`] does).
pub fn check_duplicates(files: &[FileRef<'_>]) -> Vec<Diagnostic> {
    let mut ordered: Vec<&FileRef<'_>> = files.iter().collect();
    ordered.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    let mut kept: BTreeMap<String, &str> = BTreeMap::new();
    let mut found = Vec::new();
    for file in ordered {
        let kind = file_kind(file.format, file.dataset);
        match kept.get(&kind) {
            Some(first) => found.push(
                anomaly(
                    "DOUBLON_FICHIER",
                    format!(
                        "« {} » est {} : « {first} » est utilisé, celui-ci est ignoré",
                        file.name,
                        second_of_kind(&kind)
                    ),
                    file_objet(file.name),
                )
                .in_file(file.name),
            ),
            None => {
                kept.insert(kind, file.name);
            }
        }
    }
    found
}

/// `FICHIER_MANQUANT` (CHECKS.md, Finer points): one per kind of file whose absence skips a
/// check although some of its inputs are present, naming the checks skipped.
pub fn check_missing(sources: &Sources<'_>, reference: &Reference) -> Vec<Diagnostic> {
    let mut skipped: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut skip = |kind: &'static str, check: &'static str| {
        skipped.entry(kind).or_default().push(check);
    };
    if sources.emp_sts.is_some() && sources.sts.is_none() {
        skip(
            kinds::STS,
            "comparaison de emp_sts avec STS-Web (synchro 3)",
        );
    }
    match (sources.sts.is_some(), sources.structures.is_some()) {
        (true, false) => skip(
            kinds::STRUCTURES,
            "comparaison des structures de STS-Web et de SIECLE (synchro 4)",
        ),
        (false, true) => skip(
            kinds::STS,
            "comparaison des structures de STS-Web et de SIECLE (synchro 4)",
        ),
        _ => {}
    }
    if sources.liens.is_some() {
        const LIENS: &str = "vérification du fichier des liens élèves-groupes (synchro 5)";
        if sources.students.is_none() {
            skip(kinds::STUDENTS, LIENS);
        }
        if sources.structures.is_none() && sources.sts.is_none() {
            skip(kinds::STRUCTURES, LIENS);
        }
        if sources.sts.is_none() {
            skip(
                kinds::STS,
                "recherche des groupes sans service (GROUPE_SANS_SERVICE)",
            );
        }
        if reference.period.is_none() {
            skip(
                kinds::COMMUNS,
                "vérification des dates des liens élèves-groupes (ELEGRP_A_*)",
            );
        }
    }
    skipped
        .into_iter()
        .map(|(kind, checks)| {
            anomaly(
                "FICHIER_MANQUANT",
                format!("Il manque {kind} : pas de {}", checks.join(", ni de ")),
                file_objet(kind),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testing::{codes, file, found, fragment};
    use crate::model::{Dataset, Timetable};

    fn reference() -> Reference {
        Reference {
            uaj: Some("0999999Z".into()),
            annee: Some(2025),
            ..Reference::default()
        }
    }

    #[test]
    fn missing_uaj_or_year_is_xml_invalide_except_where_allowed() {
        let good = fragment("sts_emp.xml", "sts-emp", "0999999Z", Some(2025));
        assert!(check_envelope(&file("sts_emp.xml", "sts-emp", &good), &reference()).is_empty());
        let no_year = fragment("Structures.xml", "siecle-structures", "0999999Z", None);
        let found = check_envelope(
            &file("Structures.xml", "siecle-structures", &no_year),
            &reference(),
        );
        assert_eq!(codes(&found), ["XML_INVALIDE"]);
        assert!(
            found[0].message.contains("ANNEE_SCOLAIRE"),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].objet.fichier.as_deref(), Some("Structures.xml"));
        // emp_sts may omit its year; EDT lists have no envelope at all.
        let emp = fragment("emp_sts.xml", "edt-sts", "0999999Z", None);
        assert!(check_envelope(&file("emp_sts.xml", "edt-sts", &emp), &reference()).is_empty());
        let emp_no_uaj = fragment("emp_sts.xml", "edt-sts", "", None);
        assert_eq!(
            codes(&check_envelope(
                &file("emp_sts.xml", "edt-sts", &emp_no_uaj),
                &reference()
            )),
            ["XML_INVALIDE"]
        );
        let list = Dataset::default();
        assert!(
            check_envelope(&file("EXP_ELEVE.xml", "edt-table", &list), &reference()).is_empty()
        );
    }

    #[test]
    fn another_uaj_or_year_is_reported_with_the_files_own_values() {
        let other = fragment(
            "Nomenclature.xml",
            "siecle-nomenclatures",
            " 0999998Y ",
            Some(2024),
        );
        let found = check_envelope(
            &file("Nomenclature.xml", "siecle-nomenclatures", &other),
            &reference(),
        );
        assert_eq!(
            crate::checks::testing::found(&found),
            [
                (
                    "UAJ_DIFFERENTS".to_string(),
                    objet!(fichier = "Nomenclature.xml", uaj = "0999998Y")
                ),
                (
                    "MILLESIME".to_string(),
                    objet!(fichier = "Nomenclature.xml", annee = 2024)
                ),
            ]
        );
        assert_eq!(found[1].objet.annee, Some(2024));
        // UAJ compare trimmed and ignoring case.
        let same = fragment("a.xml", "siecle-communs", "0999999z", Some(2025));
        assert!(check_envelope(&file("a.xml", "siecle-communs", &same), &reference()).is_empty());
    }

    #[test]
    fn donnees_must_follow_parametres() {
        let with = "<?xml version=\"1.0\"?>\n<BEE_COMMUN VERSION=\"1.7\">\n<PARAMETRES><UAJ>0999999Z</UAJ></PARAMETRES>\n<DONNEES><X/></DONNEES>\n</BEE_COMMUN>\n";
        assert!(
            check_donnees(
                "Communs.xml",
                "siecle-communs",
                with,
                crate::xml::DEFAULT_MAX_DEPTH
            )
            .is_none()
        );
        let without = "<?xml version=\"1.0\"?>\n<BEE_COMMUN VERSION=\"1.7\">\n<PARAMETRES><UAJ>0999999Z</UAJ></PARAMETRES>\n</BEE_COMMUN>\n";
        let found = check_donnees(
            "Communs.xml",
            "siecle-communs",
            without,
            crate::xml::DEFAULT_MAX_DEPTH,
        )
        .unwrap();
        assert_eq!(found.code, "XML_INVALIDE");
        assert_eq!(found.line, Some(2));
        assert!(
            check_donnees(
                "EXP_ELEVE.xml",
                "edt-table",
                without,
                crate::xml::DEFAULT_MAX_DEPTH
            )
            .is_none()
        );
    }

    #[test]
    fn read_failures_name_the_line() {
        let error = XmlError {
            file: "x.xml".into(),
            line: 7,
            column: 3,
            path: "/BEE_ELEVES/DONNEES".into(),
            message: "balise non terminée".into(),
        };
        let found = read_failure("x.xml", true, &FormatError::Xml(error));
        assert_eq!((found.code.as_str(), found.line), ("XML_INVALIDE", Some(7)));
        assert!(found.message.contains("ligne 7"), "{}", found.message);
        let invalid = FormatError::Invalid {
            file: "x.csv".into(),
            line: None,
            message: "colonne NOM absente".into(),
        };
        assert_eq!(
            read_failure("x.csv", false, &invalid).code,
            "FORMAT_INCONNU"
        );
        let unterminated = FormatError::Invalid {
            file: "x.csv".into(),
            line: Some(3),
            message: "guillemet ouvrant sans guillemet fermant".into(),
        };
        let found = read_failure("x.csv", false, &unterminated);
        assert_eq!(
            (found.message.as_str(), found.line),
            (
                "« x.csv » n'a pas pu être lu (ligne 3) : guillemet ouvrant sans guillemet fermant",
                Some(3)
            )
        );
        let refused = ArchiveRefused {
            archive: "ExportXML_Eleves.zip".into(),
            reason: "elle contient un nom de fichier dangereux".into(),
        };
        let found = archive_refused(&refused);
        assert_eq!(found.code, "ARCHIVE_REFUSEE");
        assert_eq!(found.objet.fichier.as_deref(), Some("ExportXML_Eleves.zip"));
    }

    #[test]
    fn the_second_file_of_a_kind_is_the_duplicate() {
        let a = fragment("a_sts_emp.xml", "sts-emp", "0999999Z", Some(2025));
        let b = fragment("b_sts_emp.xml", "sts-emp", "0999999Z", Some(2025));
        let courses = Dataset {
            timetable: Timetable {
                courses: vec![crate::model::Course::default()],
                ..Timetable::default()
            },
            ..Dataset::default()
        };
        let students_list = Dataset::default();
        let files = [
            file("b_sts_emp.xml", "sts-emp", &b),
            file("a_sts_emp.xml", "sts-emp", &a),
            file("EXP_COURS.xml", "edt-table", &courses),
            file("EXP_ELEVE.xml", "edt-table", &students_list),
        ];
        let found = check_duplicates(&files);
        assert_eq!(
            crate::checks::testing::found(&found),
            [(
                "DOUBLON_FICHIER".to_string(),
                objet!(fichier = "b_sts_emp.xml")
            )]
        );
        assert!(
            found[0].message.contains("« a_sts_emp.xml » est utilisé"),
            "{}",
            found[0].message
        );
        assert!(
            check_duplicates(&files[1..]).is_empty(),
            "a list of courses and one of students"
        );
    }

    #[test]
    fn skipped_checks_name_the_missing_kind_once() {
        let data = Dataset::default();
        let one = |name| Some(file(name, "x", &data));
        let none = Sources::default();
        assert!(check_missing(&none, &Reference::default()).is_empty());
        let students_only = Sources {
            students: one("ElevesSansAdresses.xml"),
            ..Sources::default()
        };
        assert!(check_missing(&students_only, &Reference::default()).is_empty());
        let emp_only = Sources {
            emp_sts: one("emp_sts.xml"),
            ..Sources::default()
        };
        assert_eq!(
            found(&check_missing(&emp_only, &Reference::default())),
            [("FICHIER_MANQUANT".to_string(), objet!(fichier = "sts_emp"))]
        );
        let sts_only = Sources {
            sts: one("sts_emp.xml"),
            ..Sources::default()
        };
        assert_eq!(
            found(&check_missing(&sts_only, &Reference::default())),
            [(
                "FICHIER_MANQUANT".to_string(),
                objet!(fichier = "Structures.xml")
            )]
        );
        let structures_and_emp = Sources {
            structures: one("Structures.xml"),
            emp_sts: one("emp_sts.xml"),
            ..Sources::default()
        };
        let found_missing = check_missing(&structures_and_emp, &Reference::default());
        assert_eq!(
            found(&found_missing),
            [("FICHIER_MANQUANT".to_string(), objet!(fichier = "sts_emp"))]
        );
        assert!(
            found_missing[0].message.contains("synchro 3"),
            "{}",
            found_missing[0].message
        );
        assert!(
            found_missing[0].message.contains("synchro 4"),
            "{}",
            found_missing[0].message
        );
        assert_eq!(found_missing[0].file, None, "no location");
        let liens_alone = Sources {
            liens: one("liens.xml"),
            ..Sources::default()
        };
        assert_eq!(
            found(&check_missing(&liens_alone, &Reference::default())),
            [
                (
                    "FICHIER_MANQUANT".to_string(),
                    objet!(fichier = "Communs.xml")
                ),
                (
                    "FICHIER_MANQUANT".to_string(),
                    objet!(fichier = "ElevesSansAdresses.xml")
                ),
                (
                    "FICHIER_MANQUANT".to_string(),
                    objet!(fichier = "Structures.xml")
                ),
                ("FICHIER_MANQUANT".to_string(), objet!(fichier = "sts_emp")),
            ]
        );
        let liens_complete = Sources {
            liens: one("liens.xml"),
            students: one("ElevesSansAdresses.xml"),
            structures: one("Structures.xml"),
            sts: one("sts_emp.xml"),
            ..Sources::default()
        };
        let with_period = Reference {
            period: Some((
                crate::checks::testing::day(2025, 9, 1),
                crate::checks::testing::day(2026, 7, 4),
            )),
            ..Reference::default()
        };
        assert!(check_missing(&liens_complete, &with_period).is_empty());
    }
}
