//! Reader, writer and detection on hand-written fixtures and on the demo establishment.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use passerelle_core::checks::liens::{ENTRIES_WITHOUT_GROUP, entries, preflight};
use passerelle_core::checks::{FileRef, ReferenceOptions};
use passerelle_core::demo::{DemoParams, demo_timestamp, generate};
use passerelle_core::encoding::{TextKind, decode};
use passerelle_core::format::{Format, Probe, ReadInput, ReadOptions, WriteOptions, score};
use passerelle_core::input::{Limits, read_zip};
use passerelle_core::model::{Dataset, Membership};
use passerelle_core::xml::probe_root;
use passerelle_core::{Diagnostic, Severity};

use crate::{Content, PRONOTE_LIENS, content};

fn fixture(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/pronote-liens")
        .join(relative);
    let bytes = std::fs::read(&path).unwrap();
    decode(&bytes, relative, TextKind::Xml).text
}

fn read_as(text: &str, file_name: &str) -> (Dataset, Vec<Diagnostic>) {
    let base_name = file_name.rsplit(['!', '/']).next().unwrap();
    let options = ReadOptions::default();
    let output = PRONOTE_LIENS
        .read(&ReadInput {
            file_name,
            base_name,
            text,
            options: &options,
        })
        .unwrap();
    (output.dataset, output.diagnostics)
}

fn sniff(text: &str, file_name: &str) -> (u8, Option<String>) {
    let root = probe_root(text);
    let probe = Probe {
        file_name,
        base_name: file_name,
        text,
        root: root.as_ref(),
    };
    (PRONOTE_LIENS.sniff(&probe), PRONOTE_LIENS.mismatch(&probe))
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

/// A membership as compared in tests: identifier, group, start, end.
type Link<'a> = (
    Option<&'a str>,
    &'a str,
    Option<NaiveDate>,
    Option<NaiveDate>,
);

const NAME: &str = "0999999ZELEGROUPE2024240912101530";

#[test]
fn a_valid_1_4_file_reads_into_memberships_without_remark() {
    let text = fixture("v1.4/0999999ZELEGROUPE2024240912101530.xml");
    let (dataset, diagnostics) = read_as(&text, &format!("{NAME}.zip!{NAME}.xml"));
    assert_eq!(diagnostics, Vec::new());
    let info = &dataset.files[0];
    assert_eq!(info.format, "pronote-liens");
    assert_eq!(info.version.as_deref(), Some("1.4"));
    assert_eq!(
        (info.uaj.as_deref(), info.annee),
        (Some("0999999Z"), Some(2024))
    );
    assert_eq!(info.date_export, Some(date(2024, 9, 12)));
    assert_eq!(info.logiciel.as_deref(), Some("EXEMPLE"));
    assert_eq!(
        info.extra.get("NUM_ENVOI").unwrap().text.as_deref(),
        Some("3")
    );
    assert_eq!(dataset.establishment.uaj, "0999999Z");
    assert_eq!(dataset.school_year.millesime, Some(2024));
    let groups: Vec<Link<'_>> = dataset
        .memberships
        .iter()
        .map(|membership| {
            (
                membership.student.identifier(),
                membership.group.as_str(),
                membership.start,
                membership.end,
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            (Some("1234567"), "3ESP2", Some(date(2024, 9, 2)), None),
            (Some("123456789AB"), "3 A G1", None, None),
            (
                Some("123456789AB"),
                "3LATIN",
                Some(date(2024, 9, 2)),
                Some(date(2025, 1, 31))
            ),
            (Some("4321"), "3ESP2", None, None),
        ]
    );
    let zoe = &dataset.memberships[1];
    assert_eq!(zoe.student.ine.as_deref(), Some("123456789AB"));
    assert_eq!(zoe.student.family_name.as_deref(), Some("CŒURDEROY"));
    assert_eq!(zoe.student.usage_name.as_deref(), Some("SAINT-ANDRÉ"));
    assert_eq!(zoe.student.first_name3.as_deref(), Some("Šárka"));
    assert_eq!(zoe.student.birth_date, Some(date(2010, 11, 2)));
    assert_eq!(zoe.origin, "pronote-liens");
    assert_eq!(zoe.source.ligne, Some(33), "the GROUPE line");
    assert_eq!(
        dataset.memberships[3].student.private_id.as_deref(),
        Some("4321")
    );
    assert_eq!(entries(&dataset).len(), 3);
}

#[test]
fn the_file_name_rules_apply_to_what_is_read() {
    let text = fixture("v1.4/0999999ZELEGROUPE2024240912101530.xml");
    let (_, bare) = read_as(&text, &format!("{NAME}.xml"));
    assert_eq!(bare.len(), 1);
    assert_eq!(bare[0].code, "NOM_FICHIER");
    assert_eq!(bare[0].severity, Severity::Error);
    assert_eq!(bare[0].synchro, Some(5));
    assert!(
        bare[0].message.contains("pas dans un zip"),
        "{}",
        bare[0].message
    );
    let other_year = "0999999ZELEGROUPE2025240912101530";
    let (_, year) = read_as(&text, &format!("{other_year}.zip!{other_year}.xml"));
    assert!(
        year[0].message.contains("ANNEE_SCOLAIRE (2024)"),
        "{}",
        year[0].message
    );
}

#[test]
fn a_1_3_file_in_utf8_with_nom_reads() {
    let text = fixture("v1.3/export_groupes_20150115.xml");
    let name = "export_groupes_20150115.xml";
    let (dataset, diagnostics) = read_as(&text, name);
    assert_eq!(dataset.files[0].version.as_deref(), Some("1.3"));
    assert_eq!(dataset.memberships.len(), 2);
    assert_eq!(
        dataset.memberships[0].student.family_name.as_deref(),
        Some("LÉVÊQUE")
    );
    assert_eq!(
        dataset.memberships[0].student.first_name.as_deref(),
        Some("Chloé")
    );
    assert_eq!(dataset.memberships[1].end, Some(date(2015, 7, 4)));
    let codes: Vec<&str> = diagnostics
        .iter()
        .map(|found| found.code.as_str())
        .collect();
    assert_eq!(codes, ["NOM_FICHIER", "LIENS_INVALIDE"]);
    // Gepi's empty GROUPES breaks the schema, and the student is still in the file.
    let empty = &diagnostics[1];
    assert_eq!(empty.objet.eleve_id.as_deref(), Some("7654322"));
    assert_eq!(empty.objet.fichier.as_deref(), Some(name));
    assert!(
        empty.message.contains("EXEMPLE Théo") && empty.message.contains("au moins un GROUPE"),
        "{}",
        empty.message
    );
    assert_eq!(empty.line, Some(30), "the ELEVE line");
    assert!(dataset.extra.get(ENTRIES_WITHOUT_GROUP).is_some());
    let read = entries(&dataset);
    assert_eq!(read.len(), 2);
    assert!(read[1].links.is_empty());
    assert_eq!(read[1].student.eleve_id.as_deref(), Some("7654322"));
}

#[test]
fn schema_violations_are_one_anomaly_per_student_and_the_rest_is_read() {
    let text = fixture("invalide/liens_renomme.xml");
    let (dataset, diagnostics) = read_as(&text, "liens.zip!liens_renomme.xml");
    let codes: Vec<&str> = diagnostics
        .iter()
        .map(|found| found.code.as_str())
        .collect();
    assert_eq!(codes, ["NOM_FICHIER", "LIENS_INVALIDE", "LIENS_INVALIDE"]);
    let file_level = &diagnostics[1];
    assert_eq!(file_level.objet.eleve_id, None);
    for expected in [
        "DATE_IMPORT « 2024-09-12 »",
        "NUM_ENVOI « 123456 »",
        "LOGICIEL « LOGICIEL-TROP-LONG » dépasse 10",
        "élève IDENTIFIANT Sans",
        "un identifiant (ELEVE_ID, ID_NATIONAL ou ID_PRV_ELE) manque",
        "<NOM_DE_FAMILLE> est mal placé",
        "CODE_GROUPE est vide",
        "élément <REMARQUE> inattendu",
    ] {
        assert!(
            file_level.message.contains(expected),
            "{expected} in {}",
            file_level.message
        );
    }
    let student = &diagnostics[2];
    assert_eq!(student.objet.eleve_id.as_deref(), Some("1234567"));
    for expected in [
        "DATE_NAISS « 15/03/2010 »",
        "CODE_GROUPE « GROUPE_TROP_LONG » dépasse 8",
        "le groupe « 3ESP2 » figure deux fois",
        "DATE_FIN_GROUPE « 2025-1-31 »",
        "un identifiant (ELEVE_ID, ID_NATIONAL ou ID_PRV_ELE) apparaît 2 fois",
        "l'identifiant ELEVE_ID 1234567 figure déjà ligne 12",
        "au moins un GROUPE",
    ] {
        assert!(
            student.message.contains(expected),
            "{expected} in {}",
            student.message
        );
    }
    assert_eq!(student.line, Some(12));
    // What could be read is read.
    assert_eq!(dataset.memberships.len(), 3);
    assert_eq!(
        dataset.files[0].logiciel.as_deref(),
        Some("LOGICIEL-TROP-LONG")
    );
}

#[test]
fn the_dossiers_import_is_never_claimed_and_is_named() {
    let liens = fixture("v1.4/0999999ZELEGROUPE2024240912101530.xml");
    assert_eq!(sniff(&liens, "a.xml"), (score::SURE, None));
    assert_eq!(content(&liens), Content::Liens);
    let dossiers = fixture("dossiers/0999999ZPRIVE2024240912101530.xml");
    let (score, sentence) = sniff(&dossiers, "0999999ZPRIVE2024240912101530.xml");
    assert_eq!(score, score::NO);
    let sentence = sentence.unwrap();
    assert!(
        sentence.contains("import « dossiers »") && sentence.contains("pas le fichier des liens"),
        "{sentence}"
    );
    let ambiguous = fixture("ambigu/0999999ZELEGROUPE2024240912101530.xml");
    let (score, sentence) = sniff(&ambiguous, "a.xml");
    assert_eq!(score, score::NO);
    assert!(sentence.unwrap().contains("impossible de dire"));
    assert_eq!(sniff("<STS_EDT/>", "a.xml"), (score::NO, None));
    // A reader called on it anyway refuses with the same sentence.
    let options = ReadOptions::default();
    let error = PRONOTE_LIENS
        .read(&ReadInput {
            file_name: "d.xml",
            base_name: "d.xml",
            text: &dossiers,
            options: &options,
        })
        .unwrap_err();
    assert!(error.to_string().contains("dossiers"), "{error}");
}

fn unzip(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let (members, others) = read_zip(name, Path::new(name), bytes, &Limits::default()).unwrap();
    assert!(others.is_empty());
    assert_eq!(members.len(), 1, "one entry");
    (members[0].name.clone(), members[0].bytes.clone())
}

fn timestamp() -> NaiveDateTime {
    date(2026, 10, 14).and_hms_opt(10, 15, 30).unwrap()
}

fn written_memberships(dataset: &Dataset) -> Vec<(String, String, Option<NaiveDate>)> {
    let mut found: Vec<_> = dataset
        .memberships
        .iter()
        .map(|membership: &Membership| {
            (
                membership.student.eleve_id.clone().unwrap_or_default(),
                membership.group.clone(),
                membership.start,
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn the_demo_is_written_read_back_and_rewritten_byte_identical() {
    let demo = generate(&DemoParams::default());
    let options = WriteOptions {
        timestamp: Some(demo_timestamp(&demo)),
        ..WriteOptions::default()
    };
    let outputs = PRONOTE_LIENS.write(&demo, &options).unwrap();
    assert_eq!(outputs.len(), 1);
    let zip = &outputs[0];
    assert_eq!(zip.name, "0999999ZELEGROUPE2026261014101530.zip");
    let (member, xml) = unzip(&zip.name, &zip.bytes);
    assert_eq!(
        member,
        "0999999ZELEGROUPE2026261014101530.zip!0999999ZELEGROUPE2026261014101530.xml"
    );
    let text = decode(&xml, &member, TextKind::Xml);
    assert_eq!(text.encoding, "ISO-8859-15");
    assert!(text.text.starts_with(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<IMPORT_ELEVES VERSION=\"1.4\">\n  <PARAMETRES>\n    <UAJ>0999999Z</UAJ>\n    <ANNEE_SCOLAIRE>2026</ANNEE_SCOLAIRE>\n    <DATE_IMPORT>14/10/2026</DATE_IMPORT>\n    <NUM_ENVOI>0</NUM_ENVOI>\n    <LOGICIEL>passerelle</LOGICIEL>\n"
    ));
    let (back, diagnostics) = read_as(&text.text, &member);
    assert_eq!(diagnostics, Vec::new());
    // Every present student with a group, and nothing else.
    let expected: Vec<(String, String, Option<NaiveDate>)> = {
        let mut memberships: Vec<_> = demo
            .memberships
            .iter()
            .map(|membership| {
                (
                    membership.student.eleve_id.clone().unwrap(),
                    membership.group.clone(),
                    membership.start,
                )
            })
            .collect();
        memberships.sort();
        memberships
    };
    assert_eq!(written_memberships(&back), expected);
    let again = PRONOTE_LIENS.write(&back, &options).unwrap();
    assert_eq!(again, outputs, "liens → model → liens is byte-identical");
    let student = &back.memberships[0].student;
    let siecle = &demo.students[student.eleve_id.as_deref().unwrap()];
    assert_eq!(student.family_name, siecle.family_name);
    assert_eq!(student.birth_date, siecle.birth_date);
}

#[test]
fn the_target_name_and_envelope_options_are_followed() {
    let demo = generate(&DemoParams {
        students: 30,
        ..DemoParams::default()
    });
    let mut options = WriteOptions {
        timestamp: Some(timestamp()),
        target_name: Some("liens.ZIP".into()),
        ..WriteOptions::default()
    };
    options.params.insert("logiciel".into(), "PRONOTE".into());
    options.params.insert("num-envoi".into(), "42".into());
    let outputs = PRONOTE_LIENS.write(&demo, &options).unwrap();
    assert_eq!(outputs[0].name, "liens.ZIP");
    let (member, xml) = unzip(&outputs[0].name, &outputs[0].bytes);
    assert_eq!(member, "liens.ZIP!liens.xml");
    let text = decode(&xml, &member, TextKind::Xml).text;
    assert!(text.contains("<NUM_ENVOI>42</NUM_ENVOI>\n    <LOGICIEL>PRONOTE</LOGICIEL>"));
    options.target_name = Some("liens.xml".into());
    let bare = PRONOTE_LIENS.write(&demo, &options).unwrap();
    assert_eq!(bare[0].name, "liens.xml");
    assert!(bare[0].bytes.starts_with(b"<?xml"));
    for (key, value, expected) in [
        ("num-envoi", "100000", "0 à 99999"),
        ("num-envoi", "-1", "0 à 99999"),
        ("logiciel", "UN-LOGICIEL-TROP-LONG", "1 à 10"),
    ] {
        let mut wrong = options.clone();
        wrong.params.insert(key.into(), value.into());
        let error = PRONOTE_LIENS.write(&demo, &wrong).unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }
    let mut empty = demo.clone();
    empty.memberships.clear();
    let error = PRONOTE_LIENS.write(&empty, &options).unwrap_err();
    assert!(error.to_string().contains("EXP_ELEVE"), "{error}");
}

#[test]
fn characters_outside_latin9_are_written_as_references() {
    let mut demo = generate(&DemoParams {
        students: 30,
        ..DemoParams::default()
    });
    let id = demo.memberships[0].student.eleve_id.clone().unwrap();
    demo.students.get_mut(&id).unwrap().first_name = Some("Łukasz".into());
    let options = WriteOptions {
        timestamp: Some(timestamp()),
        target_name: Some("x.xml".into()),
        ..WriteOptions::default()
    };
    let bytes = &PRONOTE_LIENS.write(&demo, &options).unwrap()[0].bytes;
    let text = String::from_utf8_lossy(bytes);
    assert!(text.contains("<PRENOM>&#321;ukasz</PRENOM>"), "{text}");
}

fn demo_preflight(
    dataset: &Dataset,
    sources: &Dataset,
) -> passerelle_core::checks::liens::Preflight {
    let options = WriteOptions {
        timestamp: Some(demo_timestamp(dataset)),
        ..WriteOptions::default()
    };
    let files = [FileRef {
        name: "passerelle_0999999Z_2026.json",
        format: "json",
        dataset: sources,
    }];
    preflight(
        &PRONOTE_LIENS,
        dataset,
        &options,
        &files,
        &ReferenceOptions::default(),
    )
    .unwrap()
}

#[test]
fn the_demo_passes_the_preflight_and_a_wrong_millesime_does_not() {
    let demo = generate(&DemoParams::default());
    let checked = demo_preflight(&demo, &demo);
    assert!(
        checked
            .anomalies
            .iter()
            .all(|anomaly| anomaly.severity == Severity::Info),
        "{:#?}",
        checked.anomalies
    );
    assert!(!checked.blocks());
    assert!(checked.origin.unwrap().contains("demo"));
    // A file of another year than the SIECLE students is refused at upload.
    let mut other_year = demo.clone();
    other_year.school_year.millesime = Some(2025);
    let checked = demo_preflight(&other_year, &demo);
    assert!(checked.blocks());
    let millesime = checked
        .anomalies
        .iter()
        .find(|anomaly| anomaly.code == "MILLESIME")
        .unwrap();
    assert_eq!(millesime.objet.annee, Some(2025));
    assert!(millesime.message.contains("2026"), "{}", millesime.message);
}
