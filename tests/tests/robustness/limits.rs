//! Reading limits: documented with their defaults in `--help`, each refusal naming the limit
//! and the option that raises it, raising it letting the file through, and the zip bomb
//! refused quickly in little memory.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::binary::passerelle_binary;
use crate::passerelle;

const SKELETON: &str = "../fixtures/invalides/dtd_externe_sts_emp_0999999Z_2025.xml";
const TWO_MEMBERS: &str = "../fixtures/invalides/zip_deux_xml.zip";
const DEEP: &str = "../fixtures/invalides/profondeur_sts_emp_0999999Z_2025.xml";
const BOMB: &str = "../fixtures/invalides/zip_bombe.zip";
const STUDENTS_ZIP: &str = "../fixtures/demo/ExportXML_ElevesSansAdresses.zip";

#[test]
fn every_limit_and_its_default_is_in_the_help() {
    for command in ["convert", "check", "detect"] {
        let help = passerelle(&[command, "--help"]).stdout;
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        for expected in [
            "Limites de lecture",
            "--max-taille-fichier <OCTETS> Taille maximale d'un fichier lu, en octets (défaut : \
             536870912, soit 512 Mio)",
            "--max-taille-zip <OCTETS> Taille maximale du contenu décompressé d'un zip, en \
             octets (défaut : 536870912, soit 512 Mio)",
            "--max-entrees-zip <N> Nombre maximal de fichiers dans un zip (défaut : 1000)",
            "--profondeur-max <N> Profondeur maximale des éléments XML imbriqués, de 1 à 1000 \
             (défaut : 64 ; les exports en ont moins de 12)",
        ] {
            assert!(help.contains(expected), "{command}: {expected}\n{help}");
        }
    }
}

/// `convert … --to json -o -` with extra options: exit code and standard error.
fn convert(input: &str, options: &[&str]) -> (u8, String) {
    let mut args = vec!["convert", input, "--to", "json", "-o", "-"];
    args.extend_from_slice(options);
    let run = passerelle(&args);
    (run.code, run.stderr)
}

#[test]
fn each_refusal_names_its_limit_and_the_option_that_raises_it() {
    let size = std::fs::metadata(SKELETON).unwrap().len();
    let cases = [
        (
            SKELETON,
            ["--max-taille-fichier", "100"],
            format!(
                "« {SKELETON} » fait {size} octets, plus que la limite de 100 octets : ce n'est \
                 pas un export attendu (la limite se change avec --max-taille-fichier)."
            ),
        ),
        (
            STUDENTS_ZIP,
            ["--max-taille-zip", "1000"],
            "l'archive « ExportXML_ElevesSansAdresses.zip » est refusée : « \
             ElevesSansAdresses.xml » se décompresse en 525574 octets, au-delà de la limite de \
             1000 octets : archive piégée ou corrompue (la limite se change avec \
             --max-taille-zip) ; retéléchargez l'export"
                .to_string(),
        ),
        (
            TWO_MEMBERS,
            ["--max-entrees-zip", "1"],
            "l'archive « zip_deux_xml.zip » est refusée : elle contient 2 fichiers, plus que la \
             limite de 1 (la limite se change avec --max-entrees-zip) ; retéléchargez l'export"
                .to_string(),
        ),
        (
            SKELETON,
            ["--profondeur-max", "3"],
            "dtd_externe_sts_emp_0999999Z_2025.xml, ligne 6, colonne 34 (dans \
             /STS_EDT/PARAMETRES/ANNEE_SCOLAIRE) : plus de 3 éléments imbriqués, la profondeur \
             maximale : le fichier n'est pas un export de ce type (la limite se change avec \
             --profondeur-max)"
                .to_string(),
        ),
    ];
    for (input, option, sentence) in cases {
        assert_eq!(
            convert(input, &option),
            (2, format!("passerelle : {sentence}\n")),
            "{input} {option:?}"
        );
        // Within the default limits, the same file is read.
        assert_eq!(convert(input, &[]).0, 0, "{input}");
    }
}

#[test]
fn a_raised_depth_limit_reads_the_deep_file_and_keeps_its_elements() {
    assert_eq!(convert(DEEP, &[]).0, 2);
    let run = passerelle(&[
        "convert",
        DEEP,
        "--to",
        "json",
        "-o",
        "-",
        "--profondeur-max",
        "200",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Kept nested in the teacher's extra (counted in the text: serde_json's own recursion
    // limit, 128, is below the JSON nesting of a hundred elements).
    assert_eq!(
        run.stdout.matches("\"name\": \"NIVEAU\"").count(),
        passerelle_tests::corpus::NESTED_DEPTH
    );
    let check = passerelle(&["check", "--json", "--profondeur-max", "200", DEEP]);
    assert_eq!(check.code, 0, "{}", check.stdout);
    assert!(!check.stdout.contains("XML_INVALIDE"), "{}", check.stdout);
}

/// The bomb under a 64 Mio ceiling of virtual memory: refused by its declared size, in a few
/// milliseconds. With the size limit raised beyond the bomb, the same run meets the ceiling,
/// which shows that the ceiling binds.
#[test]
fn the_zip_bomb_is_refused_quickly_in_little_memory() {
    let binary = passerelle_binary();
    let bounded = |options: &str| {
        let start = Instant::now();
        let output = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -v 65536; exec \"$0\" check --json {options} {BOMB}"
            ))
            .arg(binary)
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
        let message = report["etablissements"][0]["anomalies"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        (output.status.code(), message, start.elapsed())
    };
    let (code, message, elapsed) = bounded("");
    assert_eq!(code, Some(1), "{message}");
    assert!(
        message.contains("se décompresse en 1073741824 octets, au-delà de la limite"),
        "{message}"
    );
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    let (code, message, _) = bounded("--max-taille-zip 2000000000");
    assert_eq!(code, Some(1), "{message}");
    assert!(message.contains("out of memory"), "{message}");
}
