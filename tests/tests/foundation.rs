//! Foundation: registry, detection through containers and encodings, JSON round trip, merge.

use std::fs;
use std::io::Write;

use passerelle_core::demo::{DemoParams, generate};
use passerelle_core::json_format::{from_json, to_json};

use crate::passerelle;

/// The exact list of built-in formats: a plugin crate that is not linked disappears from it.
#[test]
fn registry_lists_exactly_the_builtin_formats_sorted() {
    let registry = passerelle_builtin::registry().expect("no duplicate ids");
    assert_eq!(
        registry.ids(),
        [
            "edt-sts",
            "edt-table",
            "json",
            "pronote-liens",
            "siecle-communs",
            "siecle-eleves",
            "siecle-etablissements",
            "siecle-geographique",
            "siecle-nomenclatures",
            "siecle-responsables",
            "siecle-structures",
            "sts-emp",
        ]
    );
}

#[test]
fn formats_json_has_the_documented_shape() {
    let run = passerelle(&["formats", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let formats: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let json = formats
        .as_array()
        .unwrap()
        .iter()
        .find(|format| format["id"] == "json")
        .expect("json is listed");
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "version",
            "description",
            "lecture",
            "ecriture",
            "origine"
        ]
    );
    assert_eq!(json["origine"], "builtin");
    assert_eq!(json["lecture"], true);
    assert_eq!(json["ecriture"], true);
}

#[test]
fn a_generated_dataset_survives_the_json_round_trip() {
    let dataset = generate(&DemoParams::default());
    let text = to_json(&dataset);
    let back = from_json(&text, "demo.json").unwrap();
    assert_eq!(back, dataset);
    assert_eq!(
        to_json(&back),
        text,
        "write → read → write is byte-identical"
    );
    assert!(text.starts_with("{\n  \"model_version\": 1,"));
}

#[test]
fn the_demo_is_deterministic_and_detected_through_a_zip() {
    let folder = tempfile::tempdir().unwrap();
    let first = folder.path().join("a");
    let second = folder.path().join("b");
    for target in [&first, &second] {
        let run = passerelle(&["demo", target.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let json = first.join("passerelle_0999999Z_2026.json");
    assert_eq!(
        fs::read(&json).unwrap(),
        fs::read(second.join("passerelle_0999999Z_2026.json")).unwrap()
    );

    let zip_path = folder.path().join("jeu.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&zip_path).unwrap());
    // Detection goes by content, not by name: a JSON dataset under an .xml name is still json.
    zip.start_file("dossier/jeu.xml", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(&fs::read(&json).unwrap()).unwrap();
    zip.start_file(
        "__MACOSX/._jeu.json",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(b"resource fork").unwrap();
    zip.finish().unwrap();

    let run = passerelle(&["detect", "--json", zip_path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let detections: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let detections = detections.as_array().unwrap();
    assert_eq!(detections.len(), 1, "the __MACOSX member is skipped");
    let detection = &detections[0];
    assert_eq!(detection["fichier"], "jeu.zip!dossier/jeu.xml");
    assert_eq!(detection["format"], "json");
    assert_eq!(detection["uaj"], "0999999Z");
    assert_eq!(detection["annee"], 2026);
    assert_eq!(detection["effectifs"]["eleves"], 450);
    assert_eq!(detection["effectifs"]["divisions"], 16);
}

#[test]
fn convert_to_json_merges_and_reports_conflicts() {
    let folder = tempfile::tempdir().unwrap();
    let mut dataset = generate(&DemoParams {
        students: 40,
        ..DemoParams::default()
    });
    let a = folder.path().join("a.json");
    fs::write(&a, to_json(&dataset)).unwrap();
    let division = dataset.divisions.values_mut().next().unwrap();
    division.label = Some("LIBELLÉ DIFFÉRENT".into());
    let b = folder.path().join("b.json");
    fs::write(&b, to_json(&dataset)).unwrap();

    let out = folder.path().join("fusion.json");
    let run = passerelle(&[
        "convert",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--to",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("CONFLIT_FUSION"), "{}", run.stderr);
    assert!(run.stderr.contains("LIBELLÉ DIFFÉRENT"), "{}", run.stderr);
    let merged = from_json(&fs::read_to_string(&out).unwrap(), "fusion.json").unwrap();
    assert_eq!(merged.students.len(), 40);
    assert_ne!(
        merged.divisions.values().next().unwrap().label.as_deref(),
        Some("LIBELLÉ DIFFÉRENT"),
        "the first value is kept"
    );

    let stdout = passerelle(&["convert", a.to_str().unwrap(), "--to", "json", "-o", "-"]);
    assert_eq!(stdout.code, 0, "{}", stdout.stderr);
    assert_eq!(
        from_json(&stdout.stdout, "-").unwrap(),
        from_json(&fs::read_to_string(&a).unwrap(), "a.json").unwrap()
    );
}

#[test]
fn inputs_of_two_establishments_are_refused() {
    let folder = tempfile::tempdir().unwrap();
    let dataset = generate(&DemoParams {
        students: 8,
        ..DemoParams::default()
    });
    let a = folder.path().join("a.json");
    fs::write(&a, to_json(&dataset)).unwrap();
    let mut other = dataset.clone();
    other.establishment.uaj = "0999998Y".into();
    let b = folder.path().join("b.json");
    fs::write(&b, to_json(&other)).unwrap();
    let out = folder.path().join("sortie.json");
    let run = passerelle(&[
        "convert",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--to",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("0999998Y") && run.stderr.contains("0999999Z"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.lines().count(),
        1,
        "one sentence: {}",
        run.stderr
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn input_errors_are_one_french_sentence_and_exit_2() {
    let folder = tempfile::tempdir().unwrap();
    let missing = folder.path().join("absent.xml");
    let run = passerelle(&["detect", missing.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("n'existe pas"), "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1);

    let broken_zip = folder.path().join("ExportXML_ElevesSansAdresses.zip");
    fs::write(&broken_zip, b"PK\x03\x04 ceci n'est pas une archive").unwrap();
    let run = passerelle(&["detect", broken_zip.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("archive"), "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);

    let unknown = folder.path().join("inconnu.xml");
    fs::write(&unknown, "<?xml version=\"1.0\"?>\n<INCONNU/>\n").unwrap();
    let run = passerelle(&[
        "convert",
        unknown.to_str().unwrap(),
        "--to",
        "json",
        "-o",
        "-",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("<INCONNU>"), "{}", run.stderr);
    assert!(run.stderr.contains("passerelle formats"), "{}", run.stderr);

    let run = passerelle(&["convert", unknown.to_str().unwrap(), "--to", "nimporte"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("« nimporte » n'existe pas"),
        "{}",
        run.stderr
    );

    let run = passerelle(&["detect"]);
    assert_eq!(run.code, 2, "usage error");
}

#[test]
fn convert_never_writes_over_an_input() {
    let folder = tempfile::tempdir().unwrap();
    let dataset = generate(&DemoParams {
        students: 8,
        ..DemoParams::default()
    });
    let a = folder.path().join("a.json");
    let original = to_json(&dataset);
    fs::write(&a, &original).unwrap();
    let run = passerelle(&[
        "convert",
        a.to_str().unwrap(),
        "--to",
        "json",
        "-o",
        a.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("jamais par-dessus une entrée"),
        "{}",
        run.stderr
    );
    assert_eq!(fs::read_to_string(&a).unwrap(), original);
}
