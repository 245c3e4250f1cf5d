//! SIECLE exports through the CLI: zips, bare XML, folders, detect, convert, demo.
#![cfg(test)]

use std::io::Write;
use std::path::{Path, PathBuf};

use passerelle_tests::{fixture, shared_sample};
use serde_json::Value;

use crate::passerelle;

fn path(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("{error}: {text}"))
}

/// `passerelle convert INPUT --to FORMAT -o TARGET`, which must succeed.
fn convert(input: &Path, format: &str, target: &str) {
    let run = passerelle(&["convert", path(input), "--to", format, "-o", target]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// Zips `content` as SIECLE does: `ExportXML_<base>.zip` holding `<base>.xml`.
fn siecle_zip(folder: &Path, base: &str, content: &[u8]) -> PathBuf {
    let target = folder.join(format!("ExportXML_{base}.zip"));
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&target).unwrap());
    writer
        .start_file(
            format!("{base}.xml"),
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
    writer.write_all(content).unwrap();
    writer.finish().unwrap();
    target
}

/// The seven downloads PRONOTE asks for, as zips and bare files mixed.
fn seven_downloads(folder: &Path) {
    let copy = |relative: &str, name: &str| {
        std::fs::copy(fixture(relative), folder.join(name)).unwrap();
    };
    let zipped = |relative: &str, base: &str| {
        siecle_zip(folder, base, &std::fs::read(fixture(relative)).unwrap());
    };
    zipped(
        "siecle-eleves/3.0/ElevesAvecAdresses.xml",
        "ElevesAvecAdresses",
    );
    zipped("siecle-etablissements/Etablissements.xml", "Etablissements");
    zipped(
        "siecle-responsables/2.0-niveau/ResponsablesSansAdresses.xml",
        "ResponsablesSansAdresses",
    );
    copy("siecle-structures/2.0/Structures.xml", "Structures.xml");
    copy("siecle-communs/1.7/Communs.xml", "Communs.xml");
    copy("siecle-geographique/Geographique.xml", "Geographique.xml");
    std::fs::write(folder.join("LISEZMOI.txt"), "ignoré").unwrap();
    nomenclature_2024(folder);
}

/// The 2017 nomenclature fixture, re-dated 2024 (the year is ASCII: Latin-9 bytes stay).
fn nomenclature_2024(folder: &Path) {
    let mut bytes = std::fs::read(fixture("siecle-nomenclatures/2.0/Nomenclature.xml")).unwrap();
    let year = b"<ANNEE_SCOLAIRE>2017<";
    let at = bytes
        .windows(year.len())
        .position(|window| window == year)
        .unwrap();
    bytes[at + 16..at + 20].copy_from_slice(b"2024");
    siecle_zip(folder, "Nomenclature", &bytes);
}

#[test]
fn detect_shows_the_envelope_and_the_counts_of_each_file() {
    let folder = tempfile::tempdir().unwrap();
    seven_downloads(folder.path());
    let run = passerelle(&["detect", path(folder.path()), "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let detections = json(&run.stdout);
    let by_file = |name: &str| -> Value {
        detections
            .as_array()
            .unwrap()
            .iter()
            .find(|detection| detection["fichier"] == name)
            .unwrap_or_else(|| panic!("{name} missing: {detections:#}"))
            .clone()
    };
    let students = by_file("ExportXML_ElevesAvecAdresses.zip!ElevesAvecAdresses.xml");
    assert_eq!(students["format"], "siecle-eleves");
    assert_eq!(students["version"], "3.0");
    assert_eq!(students["uaj"], "0999999Z");
    assert_eq!(students["annee"], 2024);
    assert_eq!(students["date_export"], "14/10/2024");
    assert_eq!(students["effectifs"]["eleves_presents"], 2);
    assert_eq!(students["effectifs"]["eleves_sortis"], 1);
    assert_eq!(students["effectifs"]["appartenances_groupes"], 3);
    let structures = by_file("Structures.xml");
    assert_eq!(structures["format"], "siecle-structures");
    assert_eq!(structures["effectifs"]["divisions"], 3);
    assert_eq!(structures["effectifs"]["groupes"], 2);
    let guardians = by_file("ExportXML_ResponsablesSansAdresses.zip!ResponsablesSansAdresses.xml");
    assert_eq!(guardians["effectifs"]["responsables"], 1);
    assert_eq!(guardians["effectifs"]["liens_responsables"], 2);
    assert_eq!(by_file("Communs.xml")["format"], "siecle-communs");
    assert_eq!(
        by_file("ExportXML_Nomenclature.zip!Nomenclature.xml")["effectifs"]["mefs"],
        2
    );
    assert_eq!(
        by_file("ExportXML_Etablissements.zip!Etablissements.xml")["format"],
        "siecle-etablissements"
    );
    assert_eq!(by_file("Geographique.xml")["format"], "siecle-geographique");
    assert_eq!(detections.as_array().unwrap().len(), 7);

    // The human output says the same in French.
    let run = passerelle(&["detect", path(folder.path())]);
    assert!(
        run.stdout.contains(
            "ExportXML_ElevesAvecAdresses.zip!ElevesAvecAdresses.xml : siecle-eleves 3.0, \
             établissement 0999999Z, année 2024-2025, exporté le 14/10/2024"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("eleves_presents 2, eleves_sortis 1"));
}

#[test]
fn a_folder_of_downloads_is_one_establishment() {
    let folder = tempfile::tempdir().unwrap();
    seven_downloads(folder.path());
    let run = passerelle(&["convert", path(folder.path()), "--to", "json", "-o", "-"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !run.stderr.contains("CONFLIT_FUSION"),
        "the set merges without conflict: {}",
        run.stderr
    );
    let dataset = json(&run.stdout);
    assert_eq!(dataset["files"].as_array().unwrap().len(), 7);
    assert_eq!(dataset["students"].as_object().unwrap().len(), 3);
    assert_eq!(dataset["divisions"].as_object().unwrap().len(), 3);
    assert_eq!(dataset["school_year"]["bounds"]["start"], "2024-09-02");
    assert_eq!(dataset["reference_date"], "2024-10-14");
    assert_eq!(
        dataset["code_lists"]["ETABLISSEMENTS"]["0999998Y"]["code"],
        "0999998Y"
    );
}

#[test]
fn convert_date_moves_the_presence_reference() {
    let input = fixture("siecle-eleves/3.0/ElevesAvecAdresses.xml");
    let run = passerelle(&[
        "convert",
        path(&input),
        "--to",
        "json",
        "--date",
        "19/09/2024",
        "-o",
        "-",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dataset = json(&run.stdout);
    assert_eq!(dataset["reference_date"], "2024-09-19");
    // The leaver stays in the model whatever the date.
    assert_eq!(dataset["students"]["1234568"]["leaving_date"], "2024-09-20");
}

#[test]
fn writers_zip_by_default_and_write_bare_xml_when_asked() {
    let folder = tempfile::tempdir().unwrap();
    let input = fixture("siecle-structures/2.0/Structures.xml");
    let out = format!("{}/", folder.path().display());
    convert(&input, "siecle-structures", &out);
    let zip = folder.path().join("ExportXML_Structures.zip");
    assert!(zip.is_file());
    let bare = folder.path().join("Structures.xml");
    convert(&zip, "siecle-structures", path(&bare));
    let bytes = std::fs::read(&bare).unwrap();
    assert!(
        bytes.starts_with(b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<BEE_STRUCTURES")
    );
    // The bare file and the zipped one hold the same XML.
    let run = passerelle(&["detect", path(&bare), path(&zip), "--json"]);
    let detections = json(&run.stdout);
    assert_eq!(detections[0]["effectifs"], detections[1]["effectifs"]);
}

#[test]
fn sts_emp_converts_to_siecle_structures() {
    let Some(sample) = shared_sample() else {
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    let target = folder.path().join("Structures.xml");
    convert(
        &sample.join("sts_emp_0999990A_2025.xml"),
        "siecle-structures",
        path(&target),
    );
    let run = passerelle(&["detect", path(&target), "--json"]);
    let detection = &json(&run.stdout)[0];
    assert_eq!(detection["format"], "siecle-structures");
    assert_eq!(detection["uaj"], "0999990A");
    // The structure of STS is SIECLE's structure after synchronisation 4a.
    let siecle = passerelle(&["detect", path(&sample.join("Structures.xml")), "--json"]);
    assert_eq!(detection["effectifs"], json(&siecle.stdout)[0]["effectifs"]);
}

#[test]
fn the_demo_writes_the_siecle_set_which_reads_back_without_conflict() {
    let folder = tempfile::tempdir().unwrap();
    let run = passerelle(&["demo", path(folder.path())]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for name in [
        "ExportXML_ElevesSansAdresses.zip",
        "ExportXML_ResponsablesAvecAdresses.zip",
        "ExportXML_Nomenclature.zip",
        "ExportXML_Structures.zip",
        "ExportXML_Communs.zip",
    ] {
        assert!(folder.path().join(name).is_file(), "{name}");
    }
    let run = passerelle(&["convert", path(folder.path()), "--to", "json", "-o", "-"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("CONFLIT_FUSION"), "{}", run.stderr);
    let dataset = json(&run.stdout);
    assert_eq!(dataset["students"].as_object().unwrap().len(), 450);
    // Written again from what was read: the same SIECLE bytes.
    let again = tempfile::tempdir().unwrap();
    let zip = folder.path().join("ExportXML_Structures.zip");
    convert(
        &zip,
        "siecle-structures",
        &format!("{}/", again.path().display()),
    );
    assert_eq!(
        std::fs::read(again.path().join("ExportXML_Structures.zip")).unwrap(),
        std::fs::read(&zip).unwrap()
    );
}

#[test]
fn a_truncated_file_is_refused_in_french_with_its_line() {
    let folder = tempfile::tempdir().unwrap();
    let broken = folder.path().join("ElevesSansAdresses.xml");
    std::fs::write(
        &broken,
        "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<BEE_ELEVES VERSION=\"3.0\">\n  \
         <PARAMETRES>\n    <UAJ>0999999Z</UAJ>\n",
    )
    .unwrap();
    let run = passerelle(&["convert", path(&broken), "--to", "json", "-o", "-"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("ElevesSansAdresses.xml, ligne"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("tronqué"), "{}", run.stderr);
}
