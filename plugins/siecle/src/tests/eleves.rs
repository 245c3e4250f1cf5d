//! `siecle-eleves` golden fixtures and quirks.

use std::collections::BTreeMap;

use passerelle_core::diagnostics::{Objet, Severity};
use passerelle_core::format::{FormatError, WriteOptions};
use passerelle_core::model::{
    Address, Dataset, Membership, Source, Student, StudentOption, StudentRef,
};

use super::*;

fn option(rank: &str, modality: &str, subject: &str) -> StudentOption {
    StudentOption {
        rank: some(rank),
        modality: some(modality),
        subject: some(subject),
        ..StudentOption::default()
    }
}

fn group(eleve_id: &str, code: &str) -> Membership {
    Membership {
        student: StudentRef::by_eleve_id(eleve_id),
        group: code.to_string(),
        origin: "siecle-eleves".to_string(),
        ..Membership::default()
    }
}

fn expected_3_0() -> Dataset {
    let zoe = Student {
        eleve_id: "1234567".into(),
        elenoet: some("1201"),
        ine: some("123456789AB"),
        school_id: some("01201999999"),
        family_name: some("CŒURDEROY"),
        usage_name: some("EXEMPLE-ŒUVRARD"),
        first_name: some("Zoé"),
        birth_date: Some(date(2011, 7, 3)),
        sex: some("2"),
        mef: some("10310019110"),
        entry_date: Some(date(2022, 9, 1)),
        division: some("3 A"),
        options: vec![option("1", "O", "030201"), option("2", "F", "020300")],
        grants: vec!["1".into(), "8".into()],
        address_id: some("2000001"),
        extra: extra(vec![
            text("INE_RNIE", "123456789AB"),
            text("DOUBLEMENT", "0"),
            text("CODE_PAYS", "100"),
            text("ACCEPTE_SMS", "1"),
            text("DATE_MODIFICATION", "01/09/2024"),
            empty("MEL"),
            text("CODE_REGIME", "2"),
            empty("VILLE_NAISS"),
            text("CODE_STATUT", "ST"),
            text("ADHESION_TRANSPORT", "0"),
            text("CODE_NOUVEAU", "X"),
            parent(
                "SCOLARITE_AN_DERNIER",
                vec![
                    text("CODE_MEF", "10210001110"),
                    text("CODE_STRUCTURE", "4 B"),
                    text("CODE_RNE", "0999999Z"),
                ],
            ),
            // From the second, identical record of the same ELEVE_ID.
            text("TEL_PORTABLE", "+33600000000"),
        ]),
        ..Student::default()
    };
    let leaver = Student {
        eleve_id: "1234568".into(),
        elenoet: some("1202"),
        school_id: some("01202999999"),
        family_name: some("EXEMPLE"),
        first_name: some("Noé"),
        birth_date: Some(date(2012, 12, 12)),
        mef: some("10210001110"),
        entry_date: Some(date(2023, 9, 1)),
        leaving_date: Some(date(2024, 9, 20)),
        leaving_reason: some("11"),
        division: some("4 B"),
        extra: extra(vec![
            text("DOUBLEMENT", "1"),
            text("DATE_MODIFICATION", "20/09/2024"),
            text("CODE_REGIME", "0"),
            text("ADHESION_TRANSPORT", "0"),
        ]),
        ..Student::default()
    };
    let newcomer = Student {
        eleve_id: "1234569".into(),
        elenoet: some("1203"),
        school_id: some("01203999999"),
        family_name: some("D'EXEMPLE"),
        first_name: some("Loïc"),
        first_name2: some("Élie"),
        first_name3: some("Noël"),
        birth_date: Some(date(2012, 2, 29)),
        mef: some("10310019110"),
        entry_date: Some(date(2024, 9, 30)),
        options: vec![option("1", "O", "030602")],
        extra: extra(vec![
            text("DOUBLEMENT", "0"),
            text("DATE_MODIFICATION", "30/09/2024"),
            text("CODE_REGIME", "2"),
            text("ADHESION_TRANSPORT", "1"),
        ]),
        ..Student::default()
    };
    let address = Address {
        id: "2000001".into(),
        lines: vec![
            "12 RUE DE L'ŒUVRE".into(),
            String::new(),
            "BATIMENT B & C".into(),
        ],
        postal_code: some("99000"),
        city: some("EXEMPLEVILLE"),
        country_code: some("100"),
        extra: extra(vec![
            text("CODE_COMMUNE_INSEE", "99999"),
            text("LL_PAYS", "FRANCE"),
            text("CODE_DEPARTEMENT", "099"),
        ]),
        ..Address::default()
    };
    let mut dataset = Dataset::new("0999999Z", Some(2024));
    dataset.files = vec![envelope(
        "ElevesAvecAdresses.xml",
        "siecle-eleves",
        "3.0",
        "14/10/2024 15:43:00",
    )];
    dataset.reference_date = Some(date(2024, 10, 14));
    dataset.students = BTreeMap::from([
        (zoe.eleve_id.clone(), zoe),
        (leaver.eleve_id.clone(), leaver),
        (newcomer.eleve_id.clone(), newcomer),
    ]);
    dataset.addresses = BTreeMap::from([(address.id.clone(), address)]);
    dataset.memberships = vec![
        group("1234567", "3LATIN"),
        group("1234567", "3 A G1"),
        group("1234569", "3ESP2"),
    ];
    dataset
}

#[test]
fn the_3_0_fixture_reads_to_the_expected_model() {
    let read = read_fixture("siecle-eleves/3.0/ElevesAvecAdresses.xml");
    assert_eq!(read.format, "siecle-eleves");
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    assert_eq!(read.dataset, expected_3_0());
    // Provenance points at the records.
    let zoe = &read.dataset.students["1234567"];
    assert_eq!(
        zoe.source,
        Source::new("ElevesAvecAdresses.xml", Some(11)),
        "source compares equal whatever it holds"
    );
    assert_eq!(zoe.source.ligne, Some(11));
    assert_eq!(read.dataset.memberships[0].source.ligne, Some(118));
}

#[test]
fn leavers_stay_known_but_are_not_present() {
    let dataset = read_fixture("siecle-eleves/3.0/ElevesAvecAdresses.xml").dataset;
    let present: Vec<_> = dataset
        .present_students()
        .map(|s| s.eleve_id.as_str())
        .collect();
    // 1234568 left on 20/09/2024, before the export of 14/10/2024, and is still in 4 B.
    assert_eq!(present, ["1234567", "1234569"]);
    assert_eq!(dataset.students["1234568"].division.as_deref(), Some("4 B"));
    let counts = dataset.counts();
    assert_eq!(counts["eleves_presents"], 2);
    assert_eq!(counts["eleves_sortis"], 1);
    // `convert --date` moves the reference: before the exit, everyone is present.
    let mut earlier = dataset.clone();
    earlier.reference_date = Some(date(2024, 9, 19));
    assert_eq!(earlier.present_students().count(), 3);
    // On the exit date itself the student is no longer present.
    earlier.reference_date = Some(date(2024, 9, 20));
    assert_eq!(earlier.present_students().count(), 2);
}

#[test]
fn the_pre_2016_family_name_is_read() {
    let read = read_fixture("siecle-eleves/2015-nom/ElevesSansAdresses.xml");
    let student = &read.dataset.students["765432"];
    assert_eq!(student.family_name.as_deref(), Some("BŒUF"));
    assert_eq!(student.first_name.as_deref(), Some("Anaïs"));
    assert_eq!(student.division.as_deref(), Some("61"));
    assert!(student.extra.get("NOM").is_none());
    // VERSION 1.8 is unknown: read by element name, with a remark.
    assert_eq!(read.diagnostics.len(), 1, "{:?}", read.diagnostics);
    let remark = &read.diagnostics[0];
    assert_eq!(remark.code, "VERSION_INCONNUE");
    assert_eq!(remark.severity, Severity::Warning);
    assert_eq!(remark.line, Some(2));
    assert!(remark.message.contains("« 1.8 »"), "{}", remark.message);
    // Written back with the current name.
    let written = write("siecle-eleves", &read.dataset, &WriteOptions::default());
    let xml = xml_text(&written[0]);
    assert!(xml.contains("<BEE_ELEVES VERSION=\"3.0\">"));
    assert!(xml.contains("<NOM_DE_FAMILLE>BŒUF</NOM_DE_FAMILLE>"));
    assert!(!xml.contains("<NOM>"));
}

#[test]
fn an_eleve_id_twice_with_another_identity_is_reported() {
    let read = read_fixture("siecle-eleves/doublon/ElevesSansAdresses.xml");
    assert_eq!(read.dataset.students.len(), 2);
    let doublons: Vec<_> = read
        .diagnostics
        .iter()
        .filter(|d| d.code == "DOUBLON_ELEVE_ID")
        .collect();
    // 2222222 twice, identical: merged silently; 1111111 with another first name: reported.
    assert_eq!(doublons.len(), 1, "{:?}", read.diagnostics);
    let doublon = doublons[0];
    assert_eq!(doublon.severity, Severity::Error);
    assert_eq!(doublon.synchro, Some(2));
    assert_eq!(
        doublon.objet,
        Objet {
            eleve_id: some("1111111"),
            ..Objet::default()
        }
    );
    assert_eq!(doublon.line, Some(37));
    assert!(doublon.message.contains("Louise") && doublon.message.contains("Lou"));
    // The first record is kept, its gaps filled by the second.
    let louise = &read.dataset.students["1111111"];
    assert_eq!(louise.first_name.as_deref(), Some("Louise"));
    assert_eq!(louise.sex.as_deref(), Some("2"));
}

fn small(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BEE_ELEVES VERSION=\"3.0\">\n<PARAMETRES>\
         <UAJ>0999999Z</UAJ><ANNEE_SCOLAIRE>2024</ANNEE_SCOLAIRE><DATE_EXPORT>14/10/2024\
         </DATE_EXPORT></PARAMETRES>\n<DONNEES>{body}</DONNEES></BEE_ELEVES>\n"
    )
}

#[test]
fn a_date_that_is_not_one_is_reported_and_kept() {
    let read = read_bytes(
        "ElevesSansAdresses.xml",
        small(
            "<ELEVES><ELEVE ELEVE_ID=\"1\"><NOM_DE_FAMILLE>EXEMPLE</NOM_DE_FAMILLE>\
             <DATE_NAISS>31/02/2012</DATE_NAISS></ELEVE></ELEVES>",
        )
        .into_bytes(),
    );
    let student = &read.dataset.students["1"];
    assert_eq!(student.birth_date, None);
    assert_eq!(
        student
            .extra
            .get("DATE_NAISS")
            .and_then(|n| n.text.as_deref()),
        Some("31/02/2012")
    );
    assert_eq!(read.diagnostics[0].code, "VALEUR_INVALIDE");
    assert!(read.diagnostics[0].message.contains("31/02/2012"));
    // Written back as found, once.
    let xml = xml_text(&write("siecle-eleves", &read.dataset, &WriteOptions::default())[0]);
    assert_eq!(xml.matches("<DATE_NAISS").count(), 1);
    assert!(xml.contains("<DATE_NAISS>31/02/2012</DATE_NAISS>"));
}

#[test]
fn records_of_unknown_students_are_reported() {
    let read = read_bytes(
        "ElevesSansAdresses.xml",
        small(
            "<ELEVES><ELEVE ELEVE_ID=\"1\"/></ELEVES><STRUCTURES><STRUCTURES_ELEVE \
             ELEVE_ID=\"9\"><STRUCTURE><CODE_STRUCTURE>3 A</CODE_STRUCTURE><TYPE_STRUCTURE>D\
             </TYPE_STRUCTURE></STRUCTURE></STRUCTURES_ELEVE><STRUCTURES_ELEVE ELEVE_ID=\"1\">\
             <STRUCTURE><CODE_STRUCTURE>X</CODE_STRUCTURE><TYPE_STRUCTURE>Z</TYPE_STRUCTURE>\
             </STRUCTURE></STRUCTURES_ELEVE></STRUCTURES>",
        )
        .into_bytes(),
    );
    let messages: Vec<_> = read
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("l'ELEVE_ID 9")));
    assert!(messages.iter().any(|m| m.contains("« Z »")));
    assert!(read.dataset.memberships.is_empty());
}

#[test]
fn a_missing_envelope_is_an_error_naming_what_is_missing() {
    let registry = registry();
    let input = passerelle_core::input::InputFile {
        name: "ElevesSansAdresses.xml".into(),
        disk_path: "ElevesSansAdresses.xml".into(),
        bytes: b"<BEE_ELEVES VERSION=\"3.0\">\n<PARAMETRES><UAJ>0999999Z</UAJ></PARAMETRES>\n<DONNEES/></BEE_ELEVES>".to_vec(),
    };
    let error = read_input(&registry, &input, None, &ReadOptions::default()).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("ANNEE_SCOLAIRE"), "{message}");
    assert!(
        message.starts_with("ElevesSansAdresses.xml, ligne 1"),
        "{message}"
    );
}

#[test]
fn the_variant_and_the_name_follow_the_data_and_the_target() {
    let dataset = read_fixture("siecle-eleves/3.0/ElevesAvecAdresses.xml").dataset;
    let zipped = write("siecle-eleves", &dataset, &WriteOptions::default());
    assert_eq!(zipped[0].name, "ExportXML_ElevesAvecAdresses.zip");
    assert!(xml_text(&zipped[0]).contains("<ADRESSES>"));
    let bare = write(
        "siecle-eleves",
        &dataset,
        &WriteOptions {
            target_name: some("ElevesSansAdresses.xml"),
            ..WriteOptions::default()
        },
    );
    assert_eq!(bare[0].name, "ElevesSansAdresses.xml");
    let xml = xml_text(&bare[0]);
    assert!(
        !xml.contains("ADRESSE"),
        "a « sans adresses » file has none"
    );
    assert!(
        bare[0]
            .bytes
            .starts_with(b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>")
    );
    // Œ is one Latin-9 byte.
    assert!(bare[0].bytes.windows(2).any(|w| w == b"C\xBC"));
}

#[test]
fn no_student_is_a_clear_refusal() {
    let error = registry()
        .get("siecle-eleves")
        .unwrap()
        .write(
            &Dataset::new("0999999Z", Some(2024)),
            &WriteOptions::default(),
        )
        .unwrap_err();
    assert!(matches!(error, FormatError::MissingData(_)));
    assert!(error.to_string().contains("aucun élève"));
}

#[test]
fn groups_that_ended_before_the_export_are_not_listed() {
    let mut dataset = read_fixture("siecle-eleves/3.0/ElevesAvecAdresses.xml").dataset;
    dataset.memberships[0].end = Some(date(2024, 10, 1));
    dataset.memberships[1].origin = "pronote-liens".into();
    dataset.memberships[1].end = Some(date(2024, 10, 14));
    let xml = xml_text(&write("siecle-eleves", &dataset, &WriteOptions::default())[0]);
    assert!(!xml.contains("3LATIN"));
    assert!(xml.contains("<CODE_STRUCTURE>3 A G1</CODE_STRUCTURE>"));
}

#[test]
fn the_fixtures_round_trip() {
    for fixture in [
        "siecle-eleves/3.0/ElevesAvecAdresses.xml",
        "siecle-eleves/2015-nom/ElevesSansAdresses.xml",
        "siecle-eleves/doublon/ElevesSansAdresses.xml",
    ] {
        assert_round_trip("siecle-eleves", &read_fixture(fixture).dataset);
    }
}
