//! An académie batch: `passerelle demo DIR --etablissements N`, then `passerelle check DIR`
//! with one sub-folder per establishment, checked in parallel. The report is the one a
//! sequential run gives: each establishment as if checked alone, in folder order, then the
//! summary table of the batch.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::passerelle;

/// A batch of three demo establishments, made different: the second lacks its `sts_emp`
/// (checks skipped: `FICHIER_MANQUANT`), the third holds an unknown XML (`FORMAT_INCONNU`).
fn batch(root: &Path) -> Vec<String> {
    let folder = root.join("academie");
    let run = passerelle(&[
        "demo",
        folder.to_str().expect("UTF-8 path"),
        "--etablissements",
        "3",
        "--eleves",
        "60",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut uajs: Vec<String> = fs::read_dir(&folder)
        .expect("the batch")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    uajs.sort();
    assert_eq!(uajs, ["0999997Z", "0999998Z", "0999999Z"]);
    assert_eq!(run.stderr.matches("Écrit : ").count(), 3, "{}", run.stderr);
    fs::remove_file(folder.join("0999998Z/sts_emp_0999998Z_2026.xml")).expect("sts_emp written");
    fs::write(
        folder.join("0999997Z/Inconnu.xml"),
        "<?xml version=\"1.0\"?>\n<LISTE/>\n",
    )
    .expect("file");
    uajs
}

fn json(args: &[&str]) -> Value {
    let run = passerelle(args);
    assert!(run.code <= 1, "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("a JSON report")
}

#[test]
fn a_batch_reports_each_establishment_as_if_checked_alone_in_folder_order() {
    let root = tempfile::tempdir().expect("temporary folder");
    let uajs = batch(root.path());
    let folder = root.path().join("academie");
    let shown = folder.to_str().expect("UTF-8 path");
    let report = json(&["check", "--json", shown]);
    let establishments = report["etablissements"].as_array().expect("establishments");
    assert_eq!(establishments.len(), 3);
    let mut total = BTreeMap::new();
    for (establishment, uaj) in establishments.iter().zip(&uajs) {
        assert_eq!(establishment["uaj"], uaj.as_str());
        let alone_path = folder.join(uaj);
        let alone = json(&["check", "--json", alone_path.to_str().expect("UTF-8 path")]);
        assert_eq!(establishment, &alone["etablissements"][0], "{uaj}");
        for key in ["error", "warning", "info"] {
            *total.entry(key).or_insert(0) += establishment["resume"][key].as_u64().unwrap_or(0);
        }
    }
    for (key, count) in total {
        assert_eq!(report["resume"][key].as_u64(), Some(count), "{key}");
    }
    let codes = |index: usize| -> Vec<String> {
        establishments[index]["anomalies"]
            .as_array()
            .expect("anomalies")
            .iter()
            .map(|anomaly| anomaly["code"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert!(codes(0).iter().any(|code| code == "FORMAT_INCONNU"));
    assert!(codes(1).iter().any(|code| code == "FICHIER_MANQUANT"));
    assert!(
        codes(2)
            .iter()
            .all(|code| code == "ELEVE_SORTI_DANS_DIVISION")
    );

    // The human report: the establishments' own reports, in folder order, then the summary.
    let human = passerelle(&["check", shown]);
    let mut sections = Vec::new();
    for uaj in &uajs {
        let alone = passerelle(&["check", folder.join(uaj).to_str().expect("UTF-8 path")]);
        sections.push(alone.stdout);
    }
    assert!(
        human.stdout.starts_with(&sections.join("\n")),
        "{}",
        human.stdout
    );
    assert_eq!(human.code, 1, "FORMAT_INCONNU is an error");
    // Two runs, byte for byte.
    let first = passerelle(&["check", "--json", shown]).stdout;
    assert_eq!(first, passerelle(&["check", "--json", shown]).stdout);
    // In process (no terminal), no progress bar.
    assert!(!human.stderr.contains("Vérification"), "{}", human.stderr);
}

/// The summary table, parsed: code → (severity, establishments, anomalies).
fn summary_table(text: &str) -> BTreeMap<String, (String, u64, u64)> {
    let table = text
        .split("Récapitulatif du lot :")
        .nth(1)
        .expect("a summary")
        .split("Au total :")
        .next()
        .unwrap_or_default();
    table
        .lines()
        .skip(2)
        .filter_map(|line| {
            let cells: Vec<&str> = line.split_whitespace().collect();
            match cells.as_slice() {
                [code, severity, _synchro, establishments, anomalies] => Some((
                    code.to_string(),
                    (
                        severity.to_string(),
                        establishments.parse().ok()?,
                        anomalies.parse().ok()?,
                    ),
                )),
                _ => None,
            }
        })
        .collect()
}

#[test]
fn the_summary_counts_establishments_and_anomalies_per_code() {
    let root = tempfile::tempdir().expect("temporary folder");
    batch(root.path());
    let folder = root.path().join("academie");
    let shown = folder.to_str().expect("UTF-8 path");
    let report = json(&["check", "--json", shown]);
    let mut expected: BTreeMap<String, (String, u64, u64)> = BTreeMap::new();
    let mut with_errors = 0;
    let mut warnings_only = 0;
    for establishment in report["etablissements"].as_array().expect("establishments") {
        let resume = &establishment["resume"];
        if resume["error"].as_u64() > Some(0) {
            with_errors += 1;
        } else if resume["warning"].as_u64() > Some(0) {
            warnings_only += 1;
        }
        let mut seen = Vec::new();
        for anomaly in establishment["anomalies"].as_array().expect("anomalies") {
            let code = anomaly["code"].as_str().unwrap_or_default().to_string();
            let severity = match anomaly["severite"].as_str() {
                Some("error") => "erreur",
                Some("warning") => "avertissement",
                _ => "info",
            };
            let line = expected
                .entry(code.clone())
                .or_insert((severity.to_string(), 0, 0));
            line.2 += 1;
            if !seen.contains(&code) {
                line.1 += 1;
                seen.push(code);
            }
        }
    }
    let human = passerelle(&["check", shown]).stdout;
    assert_eq!(summary_table(&human), expected, "{human}");
    assert!(expected.contains_key("FORMAT_INCONNU") && expected.contains_key("FICHIER_MANQUANT"));
    assert!(
        human.contains(&format!(
            "Récapitulatif du lot : 3 établissements, dont {with_errors} avec erreurs, \
             {warnings_only} avec avertissements seulement, {} sans erreur ni avertissement.",
            3 - with_errors - warnings_only
        )),
        "{human}"
    );
    // One establishment: no summary.
    let alone = passerelle(&[
        "check",
        folder.join("0999999Z").to_str().expect("UTF-8 path"),
    ]);
    assert!(!alone.stdout.contains("Récapitulatif"), "{}", alone.stdout);
}
