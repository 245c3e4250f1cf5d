//! The liens élèves-groupes file (synchro 5): reading, writing, the pre-flight of
//! `convert --to pronote-liens`, and the checks `check` runs on a liens file.
//!
//! The SIECLE and STS readers live in other branches: the pre-flight tests give the SIECLE
//! students and structure as the demo's JSON dataset, which stands in for those files.

// Test helpers outside `#[test]` functions: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use passerelle_core::checks::liens::{check_liens, stand_ins};
use passerelle_core::checks::{FileRef, Reference, ReferenceOptions, Sources};
use passerelle_core::demo::{DemoParams, demo_timestamp, generate};
use passerelle_core::detect::{ReadFile, read_input};
use passerelle_core::encoding::{TextKind, decode, encode_latin9};
use passerelle_core::format::WriteOptions;
use passerelle_core::input::{InputFile, Limits, read_zip};
use passerelle_core::json_format::{from_json, to_json};
use passerelle_core::model::{Dataset, Membership, StudentRef};
use passerelle_tests::{Run, fixture, shared_sample};

use crate::passerelle;

const DEMO_ZIP: &str = "0999999ZELEGROUPE2026261014101530.zip";
const DEMO_STAMP: &str = "2026-10-14T10:15:30";

fn only_member(path: &Path) -> (String, Vec<u8>) {
    let name = path.file_name().unwrap().to_str().unwrap();
    let (members, others) =
        read_zip(name, path, &fs::read(path).unwrap(), &Limits::default()).unwrap();
    assert!(others.is_empty());
    assert_eq!(members.len(), 1);
    (members[0].name.clone(), members[0].bytes.clone())
}

fn files_in(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(folder)
        .map(|entries| entries.map(|entry| entry.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn the_demo_writes_a_liens_zip_that_round_trips_byte_identical() {
    let folder = tempfile::tempdir().unwrap();
    let demo = folder.path().join("demo");
    let run = passerelle(&["demo", demo.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let zip = demo.join(DEMO_ZIP);
    assert_eq!(
        fs::read(&zip).unwrap(),
        fs::read(fixture("demo").join(DEMO_ZIP)).unwrap(),
        "fixtures/demo holds what `passerelle demo` writes"
    );
    assert_eq!(
        demo_timestamp(&generate(&DemoParams::default())).to_string(),
        DEMO_STAMP.replace('T', " ")
    );
    let out = folder.path().join("sortie");
    let run = to_liens(&zip, DEMO_STAMP, &format!("{}/", out.display()), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("pris dans le fichier des liens élèves-groupes donné en entrée"),
        "{}",
        run.stderr
    );
    assert_eq!(
        fs::read(out.join(DEMO_ZIP)).unwrap(),
        fs::read(&zip).unwrap(),
        "liens → model → liens is byte-identical"
    );
}

#[test]
fn the_independent_sample_reads_cleanly_and_round_trips() {
    let Some(sample) = shared_sample() else {
        return;
    };
    let zip = sample.join("0999990AELEGROUPE2025251014101530.zip");
    let run = passerelle(&["convert", zip.to_str().unwrap(), "--to", "json", "-o", "-"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !run.stderr.contains("LIENS_INVALIDE") && !run.stderr.contains("NOM_FICHIER"),
        "{}",
        run.stderr
    );
    let dataset = from_json(&run.stdout, "-").unwrap();
    assert_eq!(dataset.memberships.len(), 435);
    assert_eq!(dataset.files[0].format, "pronote-liens");
    let folder = tempfile::tempdir().unwrap();
    let out = folder.path().join("0999990AELEGROUPE2025251014101530.zip");
    let run = to_liens(&zip, "2025-10-14T10:15:30", out.to_str().unwrap(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (original_name, original) = only_member(&zip);
    let (written_name, written) = only_member(&out);
    assert_eq!(written_name, original_name);
    assert!(original == written, "the XML is byte-identical");
}

#[test]
fn a_1_3_file_in_utf8_reads() {
    let file = fixture("pronote-liens/v1.3/export_groupes_20150115.xml");
    let run = passerelle(&["convert", file.to_str().unwrap(), "--to", "json", "-o", "-"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dataset = from_json(&run.stdout, "-").unwrap();
    assert_eq!(dataset.files[0].version.as_deref(), Some("1.3"));
    assert_eq!(
        dataset.memberships[0].student.family_name.as_deref(),
        Some("LÉVÊQUE")
    );
    assert!(
        run.stderr.contains("erreur [NOM_FICHIER]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("erreur [LIENS_INVALIDE]"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_dossiers_import_is_not_claimed_and_refused_when_forced() {
    let file = fixture("pronote-liens/dossiers/0999999ZPRIVE2024240912101530.xml");
    let run = passerelle(&["detect", file.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("n'est pas un fichier reconnu"),
        "{}",
        run.stderr
    );
    let run = passerelle(&[
        "convert",
        file.to_str().unwrap(),
        "--from",
        "pronote-liens",
        "--to",
        "json",
        "-o",
        "-",
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("est l'import « dossiers » des élèves")
            && run
                .stderr
                .contains("pas le fichier des liens élèves-groupes"),
        "{}",
        run.stderr
    );
    let ambiguous = fixture("pronote-liens/ambigu/0999999ZELEGROUPE2024240912101530.xml");
    let run = passerelle(&["detect", ambiguous.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stdout);
}

/// A small demo establishment.
fn small_demo() -> Dataset {
    generate(&DemoParams {
        students: 90,
        ..DemoParams::default()
    })
}

/// A small demo establishment, changed by `plant`, written as JSON in `folder`.
fn demo_json(folder: &Path, plant: impl FnOnce(&mut Dataset)) -> (Dataset, PathBuf) {
    let mut dataset = small_demo();
    plant(&mut dataset);
    let path = folder.join("passerelle_0999999Z_2026.json");
    fs::write(&path, to_json(&dataset)).unwrap();
    (dataset, path)
}

/// `convert INPUT --to pronote-liens --horodatage STAMP -o TARGET`, with extra arguments.
fn to_liens(input: &Path, stamp: &str, target: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "convert",
        input.to_str().unwrap(),
        "--to",
        "pronote-liens",
        "--horodatage",
        stamp,
        "-o",
        target,
    ];
    args.extend_from_slice(extra);
    passerelle(&args)
}

/// `convert demo.json --to pronote-liens -o out/`, with extra arguments.
fn convert_liens(folder: &Path, json: &Path, extra: &[&str]) -> (Run, PathBuf) {
    let out = folder.join("sortie");
    let run = to_liens(json, DEMO_STAMP, &format!("{}/", out.display()), extra);
    (run, out)
}

/// A membership of a present student, with the student's ELEVE_ID and display name.
fn some_membership(dataset: &Dataset, group_prefix: char) -> (usize, String, String) {
    let index = dataset
        .memberships
        .iter()
        .position(|membership| membership.group.starts_with(group_prefix))
        .unwrap();
    let id = dataset.memberships[index].student.eleve_id.clone().unwrap();
    let name = dataset.students[&id].display_name();
    (index, id, name)
}

#[test]
fn the_clean_demo_passes_the_preflight() {
    let folder = tempfile::tempdir().unwrap();
    let (_, json) = demo_json(folder.path(), |_| {});
    let (run, out) = convert_liens(
        folder.path(),
        &json,
        &["--logiciel", "EDT", "--num-envoi", "7"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !run.stderr.contains("erreur") && !run.stderr.contains("avertissement"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Liens élèves-groupes pris dans"),
        "{}",
        run.stderr
    );
    let written = files_in(&out);
    assert_eq!(written.len(), 1);
    let (_, xml) = only_member(&written[0]);
    let text = decode(&xml, "x", TextKind::Xml).text;
    assert!(text.contains("<NUM_ENVOI>7</NUM_ENVOI>\n    <LOGICIEL>EDT</LOGICIEL>"));
}

/// Runs the pre-flight on a planted demo; asserts exit 1, nothing written, and the anomaly.
fn refused(plant: impl FnOnce(&mut Dataset), code: &str, words: &[&str]) {
    let folder = tempfile::tempdir().unwrap();
    let (_, json) = demo_json(folder.path(), plant);
    let (run, out) = convert_liens(folder.path(), &json, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(files_in(&out).is_empty(), "nothing written");
    let prefix = format!("erreur [{code}]");
    assert!(
        run.stderr
            .lines()
            .any(|line| line.starts_with(&prefix) && words.iter().all(|word| line.contains(word))),
        "{code} naming {words:?} in {}",
        run.stderr
    );
    assert!(run.stderr.contains("rien n'a été écrit"), "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
}

#[test]
fn an_unknown_group_code_blocks() {
    let demo = small_demo();
    let (index, id, name) = some_membership(&demo, '4');
    let group = demo.memberships[index].group.clone();
    let lower = group.to_lowercase();
    refused(
        |dataset| dataset.memberships[index].group = lower.clone(),
        "GROUPE_A_01",
        &[
            &format!("\"{lower}\""),
            &format!("vouliez-vous dire « {group} » ?"),
            &name,
            &id,
        ],
    );
}

#[test]
fn a_student_without_mef_blocks() {
    let demo = small_demo();
    let (index, id, name) = some_membership(&demo, '5');
    let group = demo.memberships[index].group.clone();
    refused(
        |dataset| dataset.students.get_mut(&id).unwrap().mef = None,
        "GROUPE_B_01",
        &[&name, &id, &group, "MEF"],
    );
}

#[test]
fn a_group_not_attached_to_the_students_mef_blocks() {
    let demo = small_demo();
    let (index, id, name) = some_membership(&demo, '3');
    let group = demo.memberships[index].group.clone();
    let mef = demo.students[&id].mef.clone().unwrap();
    let planted = group.clone();
    refused(
        move |dataset| {
            dataset.groups.get_mut(&planted).unwrap().mefs[0].code = "99999999999".into();
        },
        "GROUPE_B_02",
        &[&format!("\"{group}\""), &format!("(\"{mef}\")"), &name, &id],
    );
}

#[test]
fn an_unknown_eleve_id_blocks() {
    refused(
        |dataset| {
            dataset.memberships.push(Membership {
                student: StudentRef::by_eleve_id("9999999"),
                group: "3ESP2".into(),
                origin: "demo".into(),
                ..Membership::default()
            });
        },
        "REJELEGROUPE_01",
        &["identifiant envoyé = 9999999", "« 3ESP2 »"],
    );
}

#[test]
fn a_wrong_millesime_blocks() {
    refused(
        |dataset| dataset.school_year.millesime = Some(2025),
        "MILLESIME",
        &["2025", "2026"],
    );
}

#[test]
fn a_date_outside_the_year_warns_and_writes() {
    let folder = tempfile::tempdir().unwrap();
    let mut planted = None;
    let (_, json) = demo_json(folder.path(), |dataset| {
        let (index, id, name) = some_membership(dataset, '4');
        dataset.memberships[index].start = chrono::NaiveDate::from_ymd_opt(2020, 1, 6);
        planted = Some((id, name, dataset.memberships[index].group.clone()));
    });
    let (id, name, group) = planted.unwrap();
    let (run, out) = convert_liens(folder.path(), &json, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line = run
        .stderr
        .lines()
        .find(|line| line.starts_with("avertissement [ELEGRP_A_02]"))
        .unwrap_or_else(|| panic!("{}", run.stderr));
    let quoted = format!("\"{group}\"");
    for word in [
        id.as_str(),
        &name,
        &quoted,
        "06/01/2020",
        "période scolaire",
    ] {
        assert!(line.contains(word), "{word} in {line}");
    }
    assert_eq!(files_in(&out).len(), 1);
}

#[test]
fn a_name_siecle_refuses_blocks_unless_forced() {
    let folder = tempfile::tempdir().unwrap();
    let (_, json) = demo_json(folder.path(), |_| {});
    let target = folder.path().join("liens.zip");
    let run = to_liens(&json, DEMO_STAMP, target.to_str().unwrap(), &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("erreur [NOM_FICHIER]"),
        "{}",
        run.stderr
    );
    assert!(!target.exists());
    let run = to_liens(&json, DEMO_STAMP, target.to_str().unwrap(), &["--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    let (member, _) = only_member(&target);
    assert_eq!(member, "liens.zip!liens.xml");
}

/// Reads a file as `check` does (detection, then the reader).
fn read(name: &str, bytes: Vec<u8>) -> ReadFile {
    let registry = passerelle_builtin::registry().unwrap();
    let input = InputFile {
        name: name.into(),
        disk_path: name.into(),
        bytes,
    };
    read_input(&registry, &input, None, &Default::default()).unwrap()
}

/// The demo's liens file with one student sent twice (by ELEVE_ID, then by INE) and another
/// under a wrong name, checked as `check` will (the demo JSON standing in for SIECLE).
#[test]
fn a_student_twice_and_a_wrong_name_in_a_liens_file() {
    let demo = small_demo();
    let registry = passerelle_builtin::registry().unwrap();
    let format = registry.get("pronote-liens").unwrap();
    let options = WriteOptions {
        timestamp: Some(demo_timestamp(&demo)),
        target_name: Some("0999999ZELEGROUPE2026261014101530.xml".into()),
        ..WriteOptions::default()
    };
    let xml = format.write(&demo, &options).unwrap().remove(0).bytes;
    let text = decode(&xml, "x", TextKind::Xml).text;
    let first_start = text.find("      <ELEVE>").unwrap();
    let first_end = text.find("      </ELEVE>\n").unwrap() + "      </ELEVE>\n".len();
    let first = &text[first_start..first_end];
    let id = first
        .split("<ELEVE_ID>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_string();
    let student = &demo.students[&id];
    let twice = first.replace(
        &format!("<ELEVE_ID>{id}</ELEVE_ID>"),
        &format!(
            "<ID_NATIONAL>{}</ID_NATIONAL>",
            student.ine.clone().unwrap()
        ),
    );
    let second_id = text[first_end..]
        .split("<ELEVE_ID>")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_string();
    let second = &demo.students[&second_id];
    let family = second.family_name.clone().unwrap();
    let after = text[first_end..].replacen(
        &format!("<NOM_DE_FAMILLE>{family}</NOM_DE_FAMILLE>"),
        "<NOM_DE_FAMILLE>AUTRENOM</NOM_DE_FAMILLE>",
        1,
    );
    let planted = encode_latin9(&format!("{}{first}{twice}{after}", &text[..first_start]));
    let name = "0999999ZELEGROUPE2026261014101530.zip!0999999ZELEGROUPE2026261014101530.xml";
    let liens = read(name, planted.clone());
    assert_eq!(liens.format, "pronote-liens");
    assert!(
        liens
            .diagnostics
            .iter()
            .all(|found| found.code != "LIENS_INVALIDE"),
        "{:#?}",
        liens.diagnostics
    );
    let files = [
        FileRef {
            name: "passerelle_0999999Z_2026.json",
            format: "json",
            dataset: &demo,
        },
        FileRef {
            name,
            format: &liens.format,
            dataset: &liens.dataset,
        },
    ];
    let inputs: Vec<FileRef<'_>> = files.into_iter().flat_map(stand_ins).collect();
    let (sources, _) = Sources::select(&inputs);
    let reference = Reference::compute(&sources, &inputs, &ReferenceOptions::default());
    let found = check_liens(&sources, &reference);
    let codes: Vec<&str> = found.iter().map(|found| found.code.as_str()).collect();
    assert_eq!(codes, ["REJELEGROUPE_03", "ELEVE_IDENTITE"], "{found:#?}");
    assert_eq!(found[0].objet.eleve_id.as_deref(), Some(id.as_str()));
    assert!(
        found[0].message.contains("ont déjà été importées")
            && found[0].message.contains(&student.display_name()),
        "{}",
        found[0].message
    );
    assert_eq!(found[1].objet.eleve_id.as_deref(), Some(second_id.as_str()));
    assert!(
        found[1].message.contains("AUTRENOM") && found[1].message.contains(&family),
        "{}",
        found[1].message
    );

    // Converting that file through passerelle repairs both: one entry, SIECLE's names.
    let folder = tempfile::tempdir().unwrap();
    let json = folder.path().join("passerelle_0999999Z_2026.json");
    fs::write(&json, to_json(&demo)).unwrap();
    let zip = folder.path().join("0999999ZELEGROUPE2026261014101530.zip");
    let mut writer = zip::ZipWriter::new(fs::File::create(&zip).unwrap());
    writer
        .start_file(
            "0999999ZELEGROUPE2026261014101530.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
    writer.write_all(&planted).unwrap();
    writer.finish().unwrap();
    let (run, out) = convert_liens(folder.path(), &json, &[zip.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("pris dans le fichier des liens élèves-groupes donné en entrée")
            && !run.stderr.contains("REJELEGROUPE_03")
            && !run.stderr.contains("ELEVE_IDENTITE"),
        "{}",
        run.stderr
    );
    let (_, repaired) = only_member(&files_in(&out)[0]);
    let repaired = decode(&repaired, "x", TextKind::Xml).text;
    assert!(!repaired.contains("AUTRENOM"));
    assert_eq!(
        repaired
            .matches(&format!("<ELEVE_ID>{id}</ELEVE_ID>"))
            .count(),
        1
    );
}
