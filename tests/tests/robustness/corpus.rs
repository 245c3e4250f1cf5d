//! The bad-input corpus: the committed copy is the generator's output, and every case gets
//! the exact reaction of `convert`, `detect` and `check`.

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use passerelle_tests::{Run, corpus, fixture};
use serde_json::Value;

use crate::passerelle;

fn corpus_folder() -> PathBuf {
    fixture("invalides")
}

/// The names of the files of `fixtures/invalides/`, sorted.
fn committed_names() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(corpus_folder())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `PASSERELLE_REGENERER=1 cargo test -p passerelle-tests corpus` rewrites the corpus.
#[test]
fn the_committed_corpus_is_the_generator_s_output() {
    let folder = corpus_folder();
    if std::env::var_os("PASSERELLE_REGENERER").is_some() {
        corpus::write(&folder).unwrap();
    }
    let cases = corpus::cases();
    for (name, bytes) in &cases {
        let committed = fs::read(folder.join(name))
            .unwrap_or_else(|error| panic!("fixtures/invalides/{name}: {error}"));
        assert!(
            committed == *bytes,
            "fixtures/invalides/{name} is out of date: regenerate the corpus with \
             `PASSERELLE_REGENERER=1 cargo test -p passerelle-tests corpus`"
        );
    }
    let names = committed_names();
    let mut expected: Vec<String> = cases.iter().map(|(name, _)| name.to_string()).collect();
    expected.sort();
    assert_eq!(
        names, expected,
        "fixtures/invalides holds exactly the corpus"
    );
}

/// What `convert … --to json` does with a case.
enum Convert {
    /// Refused: exit 2, this one sentence (after `passerelle : `), nothing written. `{chemin}`
    /// stands for the path given on the command line.
    Refused(&'static str),
    /// Read and written (exit 0), with these diagnostics, in order.
    Read(&'static [&'static str]),
}

use Convert::{Read, Refused};

/// One case: its file, what `convert` does, and the codes `check --json` reports.
struct Case {
    name: &'static str,
    convert: Convert,
    check: &'static [&'static str],
}

/// What a clean sts_emp skeleton gets from `check` on its own.
const SKELETON_ALONE: &[&str] = &["FICHIER_MANQUANT", "SERVICES_ABSENTS"];

const CASES: &[Case] = &[
    Case {
        name: "vide.xml",
        convert: Refused(
            "« vide.xml » est vide (0 octet) : retéléchargez l'export, le téléchargement a dû \
             échouer",
        ),
        check: &["FORMAT_INCONNU"],
    },
    Case {
        name: "binaire.xml",
        convert: Refused(
            "« binaire.xml » n'est pas un fichier reconnu : `passerelle formats` liste ceux que \
             passerelle comprend",
        ),
        check: &["FORMAT_INCONNU"],
    },
    Case {
        name: "tronque_sts_emp_0999999Z_2025.xml",
        convert: Refused(
            "tronque_sts_emp_0999999Z_2025.xml, ligne 14, colonne 5 (dans /STS_EDT/DONNEES) : \
             fin de fichier inattendue : l'élément <DONNEES> n'est pas fermé (fichier tronqué ?)",
        ),
        check: &["XML_INVALIDE"],
    },
    Case {
        name: "racine_inconnue.xml",
        convert: Refused(
            "« racine_inconnue.xml » n'est pas un fichier reconnu (élément racine \
             <RACINE_INCONNUE>) : `passerelle formats` liste ceux que passerelle comprend",
        ),
        check: &["FORMAT_INCONNU"],
    },
    Case {
        name: "balises_croisees_sts_emp_0999999Z_2025.xml",
        convert: Refused(
            "balises_croisees_sts_emp_0999999Z_2025.xml, ligne 15, colonne 64 (dans \
             /STS_EDT/DONNEES/STRUCTURE/DIVISIONS/DIVISION/LIBELLE_LONG) : balise fermante \
             </DIVISION> rencontrée alors que <LIBELLE_LONG> est ouvert",
        ),
        check: &["XML_INVALIDE"],
    },
    Case {
        name: "iso_contenant_utf8_sts_emp_0999999Z_2025.xml",
        convert: Read(&["ENCODAGE"]),
        check: &["ENCODAGE", "FICHIER_MANQUANT", "SERVICES_ABSENTS"],
    },
    Case {
        name: "utf8_contenant_latin9_sts_emp_0999999Z_2025.xml",
        convert: Read(&["ENCODAGE"]),
        check: &["ENCODAGE", "FICHIER_MANQUANT", "SERVICES_ABSENTS"],
    },
    Case {
        name: "double_encodage_sts_emp_0999999Z_2025.xml",
        convert: Read(&["DOUBLE_ENCODAGE"]),
        // Outside the catalogue: printed apart by check, never an anomaly.
        check: SKELETON_ALONE,
    },
    Case {
        name: "milliard_de_rires.xml",
        convert: Refused(
            "milliard_de_rires.xml, ligne 2, colonne 1 : le document déclare des entités dans un \
             DOCTYPE : elles ne sont jamais développées ni téléchargées, le fichier est refusé",
        ),
        check: &["XML_INVALIDE"],
    },
    Case {
        name: "entite_externe.xml",
        convert: Refused(
            "entite_externe.xml, ligne 2, colonne 1 : le document déclare des entités dans un \
             DOCTYPE : elles ne sont jamais développées ni téléchargées, le fichier est refusé",
        ),
        check: &["XML_INVALIDE"],
    },
    Case {
        name: "dtd_externe_sts_emp_0999999Z_2025.xml",
        convert: Read(&[]),
        check: SKELETON_ALONE,
    },
    Case {
        name: "zip_chemin_remontant.zip",
        convert: Refused(
            "l'archive « zip_chemin_remontant.zip » est refusée : elle contient un nom de fichier \
             dangereux « ../../sts_emp_0999999Z_2025.xml » (chemin absolu ou « .. ») ; \
             retéléchargez l'export",
        ),
        check: &["ARCHIVE_REFUSEE"],
    },
    Case {
        name: "zip_antislash_remontant.zip",
        convert: Refused(
            "l'archive « zip_antislash_remontant.zip » est refusée : elle contient un nom de \
             fichier dangereux « ..\\..\\sts_emp_0999999Z_2025.xml » (chemin absolu ou « .. ») ; \
             retéléchargez l'export",
        ),
        check: &["ARCHIVE_REFUSEE"],
    },
    Case {
        name: "zip_lecteur_windows.zip",
        convert: Refused(
            "l'archive « zip_lecteur_windows.zip » est refusée : elle contient un nom de fichier \
             dangereux « C:/sts_emp_0999999Z_2025.xml » (chemin absolu ou « .. ») ; \
             retéléchargez l'export",
        ),
        check: &["ARCHIVE_REFUSEE"],
    },
    Case {
        name: "zip_bombe.zip",
        convert: Refused(
            "l'archive « zip_bombe.zip » est refusée : « ElevesSansAdresses.xml » se décompresse \
             en 1073741824 octets, au-delà de la limite de 536870912 octets : archive piégée ou \
             corrompue (la limite se change avec --max-taille-zip) ; retéléchargez l'export",
        ),
        check: &["ARCHIVE_REFUSEE"],
    },
    Case {
        name: "zip_taille_mensongere.zip",
        convert: Refused(
            "l'archive « zip_taille_mensongere.zip » est refusée : « ElevesSansAdresses.xml » ne \
             peut pas être décompressé : archive corrompue ou piégée (File is larger than its \
             declared uncompressed size) ; retéléchargez l'export",
        ),
        check: &["ARCHIVE_REFUSEE"],
    },
    Case {
        name: "zip_mille_entrees.zip",
        convert: Refused(
            "l'archive « zip_mille_entrees.zip » est refusée : elle contient 1001 fichiers, plus \
             que la limite de 1000 (la limite se change avec --max-entrees-zip) ; retéléchargez \
             l'export",
        ),
        check: &["ARCHIVE_REFUSEE"],
    },
    Case {
        name: "zip_deux_xml.zip",
        // The two copies are merged; check uses the first and reports the other.
        convert: Read(&[]),
        check: &["DOUBLON_FICHIER", "FICHIER_MANQUANT", "SERVICES_ABSENTS"],
    },
    Case {
        name: "zip_entree_vide.zip",
        convert: Refused(
            "« zip_entree_vide.zip!Structures.xml » est vide (0 octet) : retéléchargez l'export, \
             le téléchargement a dû échouer",
        ),
        check: &["FORMAT_INCONNU"],
    },
    Case {
        name: "zip_chiffre.zip",
        convert: Refused(
            "l'archive « zip_chiffre.zip » est refusée : « sts_emp_0999999Z_2025.xml » est \
             chiffré (protégé par un mot de passe), ce que passerelle ne lit pas ; retéléchargez \
             l'export",
        ),
        check: &["ARCHIVE_REFUSEE"],
    },
    Case {
        name: "zip_illisible.zip",
        convert: Refused(
            "l'archive « zip_illisible.zip » est refusée : ce n'est pas une archive zip lisible \
             (invalid Zip archive: Could not find EOCD) ; retéléchargez l'export",
        ),
        check: &["ARCHIVE_REFUSEE"],
    },
    Case {
        name: "zip_dans_zip.zip",
        convert: Refused(
            "aucun fichier à lire dans « {chemin} » : donnez des fichiers .xml, .zip ou .csv \
             (fichiers ignorés : zip_dans_zip.zip!ExportXML_sts.zip) ; une archive rangée dans \
             une autre n'est pas lue : décompressez d'abord l'archive qui la contient",
        ),
        // Listed in the report's ignored files, as any member that is not XML or CSV.
        check: &[],
    },
    Case {
        name: "page_html.xml",
        convert: Refused(
            "« page_html.xml » n'est pas un fichier reconnu (élément racine <html>) : \
             `passerelle formats` liste ceux que passerelle comprend",
        ),
        check: &["FORMAT_INCONNU"],
    },
    Case {
        name: "sans_racine.xml",
        convert: Refused(
            "sans_racine.xml, ligne 3, colonne 1 : le document ne contient aucun élément XML",
        ),
        check: &["XML_INVALIDE"],
    },
    Case {
        name: "deux_racines_sts_emp_0999999Z_2025.xml",
        convert: Refused(
            "deux_racines_sts_emp_0999999Z_2025.xml, ligne 19, colonne 1 : contenu après la fin \
             de l'élément racine",
        ),
        check: &["XML_INVALIDE"],
    },
    Case {
        name: "utf16_sts_emp_0999999Z_2025.xml",
        convert: Read(&[]),
        check: SKELETON_ALONE,
    },
    Case {
        name: "utf16_sans_bom_sts_emp_0999999Z_2025.xml",
        convert: Read(&[]),
        check: SKELETON_ALONE,
    },
    Case {
        name: "octet_nul_sts_emp_0999999Z_2025.xml",
        convert: Refused(
            "octet_nul_sts_emp_0999999Z_2025.xml, ligne 12, colonne 140 : le fichier contient un \
             octet nul, interdit en XML : il est abîmé (téléchargement ou copie interrompus ?) ou \
             n'est pas un export ; réexportez-le",
        ),
        check: &["XML_INVALIDE"],
    },
    Case {
        name: "profondeur_sts_emp_0999999Z_2025.xml",
        convert: Refused(
            "profondeur_sts_emp_0999999Z_2025.xml, ligne 12, colonne 655 (dans \
             /STS_EDT/DONNEES/INDIVIDUS/INDIVIDU/…(57 éléments)…/NIVEAU/NIVEAU/NIVEAU) : plus de \
             64 éléments imbriqués, la profondeur maximale : le fichier n'est pas un export de ce \
             type (la limite se change avec --profondeur-max)",
        ),
        check: &["XML_INVALIDE"],
    },
    Case {
        name: "attribut_geant_sts_emp_0999999Z_2025.xml",
        convert: Read(&[]),
        check: SKELETON_ALONE,
    },
    Case {
        name: "EXP_ELEVE_guillemet.csv",
        convert: Refused(
            "EXP_ELEVE_guillemet.csv, ligne 3 : guillemet ouvrant sans guillemet fermant \
             (fichier tronqué ou mal enregistré ?)",
        ),
        // A CSV that cannot be read has no XML to be invalid.
        check: &["FORMAT_INCONNU"],
    },
];

/// The path of a case as given on the command line (tests run in `tests/`).
fn case_path(name: &str) -> String {
    format!("../fixtures/invalides/{name}")
}

/// A case that takes longer than this hangs (the slowest, the huge attribute, takes a tenth
/// of a second).
const PROMPT: Duration = Duration::from_secs(20);

fn timed(args: &[&str]) -> Run {
    let start = Instant::now();
    let run = passerelle(args);
    assert!(
        start.elapsed() < PROMPT,
        "{args:?} took {:?}",
        start.elapsed()
    );
    run
}

/// The diagnostic codes printed on standard error (`avertissement [CODE] …`), in order.
fn printed_codes(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter_map(|line| line.split_once('[')?.1.split_once(']'))
        .map(|(code, _)| code)
        .collect()
}

fn check_convert(case: &Case) -> Option<String> {
    let path = case_path(case.name);
    let out = tempfile::tempdir().unwrap();
    let target = format!("{}/", out.path().display());
    let run = timed(&["convert", &path, "--to", "json", "-o", &target]);
    let written: Vec<_> = fs::read_dir(out.path()).unwrap().collect();
    match case.convert {
        Refused(sentence) => {
            let expected = format!("passerelle : {}\n", sentence.replace("{chemin}", &path));
            assert_eq!(
                (run.code, run.stderr.as_str()),
                (2, expected.as_str()),
                "convert {}",
                case.name
            );
            assert!(written.is_empty(), "{}: nothing is written", case.name);
            Some(expected)
        }
        Read(codes) => {
            assert_eq!(run.code, 0, "convert {}: {}", case.name, run.stderr);
            assert_eq!(printed_codes(&run.stderr), codes, "{}", run.stderr);
            let last = run.stderr.lines().last().unwrap_or_default();
            assert!(last.starts_with("Écrit : "), "{}", run.stderr);
            assert_eq!(written.len(), 1, "{}", case.name);
            None
        }
    }
}

fn check_detect(case: &Case, refusal: Option<&str>) {
    let path = case_path(case.name);
    let run = timed(&["detect", &path]);
    match (refusal, &case.convert) {
        (Some(sentence), _) => {
            assert_eq!(
                (run.code, run.stderr.as_str()),
                (2, sentence),
                "detect {}",
                case.name
            );
        }
        (None, Read(codes)) => {
            assert_eq!(run.code, 0, "detect {}: {}", case.name, run.stderr);
            assert_eq!(printed_codes(&run.stderr), *codes, "{}", run.stderr);
            assert!(run.stdout.contains(": sts-emp"), "{}", run.stdout);
        }
        (None, Refused(_)) => unreachable!("a refusal always has its sentence"),
    }
}

fn check_check(case: &Case) -> Value {
    let path = case_path(case.name);
    let run = timed(&["check", "--json", &path]);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let anomalies = report["etablissements"][0]["anomalies"].as_array().unwrap();
    let codes: Vec<&str> = anomalies
        .iter()
        .map(|anomaly| anomaly["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, case.check, "check {}: {report:#}", case.name);
    let errors = anomalies
        .iter()
        .any(|anomaly| anomaly["severite"] == "error");
    assert_eq!(run.code, u8::from(errors), "check {}", case.name);
    // A file refused is named once in its anomaly.
    for anomaly in anomalies
        .iter()
        .filter(|_| matches!(case.convert, Refused(_)))
    {
        let message = anomaly["message"].as_str().unwrap();
        assert!(
            message.matches(case.name).count() <= 1,
            "{} named once: {message}",
            case.name
        );
    }
    report
}

/// Every reaction to one case: `convert`, then `detect`, then `check`.
fn run_case(name: &str) {
    let case = CASES
        .iter()
        .find(|case| case.name == name)
        .unwrap_or_else(|| panic!("{name} has its reaction in CASES"));
    let refusal = check_convert(case);
    check_detect(case, refusal.as_deref());
    let report = check_check(case);
    if name == "zip_dans_zip.zip" {
        assert_eq!(
            report["etablissements"][0]["ignores"],
            serde_json::json!(["zip_dans_zip.zip!ExportXML_sts.zip"])
        );
    }
}

/// One test per case of the corpus, and a test that every file of the corpus has one.
macro_rules! one_test_per_case {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                run_case($name);
            }
        )*

        #[test]
        fn every_file_of_the_corpus_has_its_test() {
            let mut tested = vec![$($name.to_string()),*];
            tested.sort_unstable();
            assert_eq!(tested, committed_names());
            assert_eq!(tested.len(), CASES.len());
        }
    };
}

one_test_per_case! {
    empty_file => "vide.xml",
    binary_file => "binaire.xml",
    truncated_xml => "tronque_sts_emp_0999999Z_2025.xml",
    unknown_root => "racine_inconnue.xml",
    mismatched_tags => "balises_croisees_sts_emp_0999999Z_2025.xml",
    utf8_declared_latin9 => "iso_contenant_utf8_sts_emp_0999999Z_2025.xml",
    latin9_declared_utf8 => "utf8_contenant_latin9_sts_emp_0999999Z_2025.xml",
    double_encoded_text => "double_encodage_sts_emp_0999999Z_2025.xml",
    billion_laughs => "milliard_de_rires.xml",
    external_entity => "entite_externe.xml",
    bare_external_dtd => "dtd_externe_sts_emp_0999999Z_2025.xml",
    zip_member_climbing_out => "zip_chemin_remontant.zip",
    zip_member_climbing_out_with_backslashes => "zip_antislash_remontant.zip",
    zip_member_with_a_drive_letter => "zip_lecteur_windows.zip",
    zip_bomb => "zip_bombe.zip",
    zip_member_lying_about_its_size => "zip_taille_mensongere.zip",
    zip_of_1001_members => "zip_mille_entrees.zip",
    zip_of_two_candidates => "zip_deux_xml.zip",
    zip_member_of_0_bytes => "zip_entree_vide.zip",
    encrypted_zip => "zip_chiffre.zip",
    web_page_saved_as_zip => "zip_illisible.zip",
    zip_inside_a_zip => "zip_dans_zip.zip",
    web_page_saved_as_xml => "page_html.xml",
    no_root_element => "sans_racine.xml",
    two_root_elements => "deux_racines_sts_emp_0999999Z_2025.xml",
    utf16_with_mark => "utf16_sts_emp_0999999Z_2025.xml",
    utf16_without_mark => "utf16_sans_bom_sts_emp_0999999Z_2025.xml",
    nul_byte => "octet_nul_sts_emp_0999999Z_2025.xml",
    nesting_beyond_the_depth_limit => "profondeur_sts_emp_0999999Z_2025.xml",
    huge_attribute => "attribut_geant_sts_emp_0999999Z_2025.xml",
    csv_with_an_unterminated_quote => "EXP_ELEVE_guillemet.csv",
}

/// The JSON `convert` writes for a case.
fn converted(name: &str) -> Value {
    let run = passerelle(&["convert", &case_path(name), "--to", "json", "-o", "-"]);
    assert_eq!(run.code, 0, "{name}: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn what_is_read_from_odd_files_is_the_skeleton_s_content() {
    // A bare external DTD is ignored, never fetched; UTF-16 decodes; the mislabelled and the
    // double-encoded files keep their names (the latter as written, with a remark).
    for (name, first_name) in [
        ("dtd_externe_sts_emp_0999999Z_2025.xml", "Léa"),
        ("utf16_sts_emp_0999999Z_2025.xml", "Léa"),
        ("utf16_sans_bom_sts_emp_0999999Z_2025.xml", "Léa"),
        ("iso_contenant_utf8_sts_emp_0999999Z_2025.xml", "Léa"),
        ("utf8_contenant_latin9_sts_emp_0999999Z_2025.xml", "Léa"),
        ("double_encodage_sts_emp_0999999Z_2025.xml", "LÃ©a"),
    ] {
        let dataset = converted(name);
        let teacher = &dataset["staff"]["12345"];
        assert_eq!(teacher["first_name"], first_name, "{name}");
        assert_eq!(teacher["usage_name"], "CŒURDEROY", "{name}");
    }
}

#[test]
fn a_huge_attribute_is_read_whole_and_kept() {
    let start = Instant::now();
    let dataset = converted("attribut_geant_sts_emp_0999999Z_2025.xml");
    assert!(start.elapsed() < PROMPT);
    let note = &dataset["staff"]["12345"]["extra"][0];
    assert_eq!(note["name"], "NOTE");
    let value = note["attributes"][0][1].as_str().unwrap();
    assert_eq!(value.chars().count(), corpus::HUGE_ATTRIBUTE);
    assert!(value.chars().all(|character| character == 'é'));
}
