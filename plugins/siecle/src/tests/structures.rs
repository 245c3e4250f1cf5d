//! `siecle-structures` golden fixture and the STS → SIECLE structure (synchronisation 4a).

use std::collections::BTreeMap;

use passerelle_core::format::WriteOptions;
use passerelle_core::model::{Dataset, Division, DivisionAttachment, Group, MefAttachment};

use super::*;

fn mef(code: &str) -> MefAttachment {
    MefAttachment {
        code: code.into(),
        ..MefAttachment::default()
    }
}

fn division_of(code: &str) -> DivisionAttachment {
    DivisionAttachment {
        code: code.into(),
        ..DivisionAttachment::default()
    }
}

#[test]
fn the_fixture_reads_to_the_expected_model() {
    let read = read_fixture("siecle-structures/2.0/Structures.xml");
    assert_eq!(read.format, "siecle-structures");
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    let rne = || text("CODE_RNE", "0999999Z");
    let mut expected = Dataset::new("0999999Z", Some(2024));
    expected.files = vec![envelope(
        "Structures.xml",
        "siecle-structures",
        "2.0",
        "14/10/2024 15:45:31",
    )];
    let divisions = [
        Division {
            code: "3 A".into(),
            label: some("3EME A"),
            mefs: vec![mef("10310019110"), mef("1031000H11U")],
            extra: extra(vec![rne(), text("CODE_CONTRAT", "3")]),
            ..Division::default()
        },
        Division {
            code: "61".into(),
            label: some("6EME 61"),
            mefs: vec![mef("10010012110")],
            extra: extra(vec![rne(), text("ENSEIGNANT_REFERENT", "X")]),
            ..Division::default()
        },
        Division {
            code: "4 B".into(),
            label: some("4EME B"),
            mefs: vec![],
            extra: extra(vec![rne()]),
            ..Division::default()
        },
    ];
    expected.divisions = divisions
        .into_iter()
        .map(|division| (division.code.clone(), division))
        .collect();
    let groups = [
        Group {
            code: "3LATIN".into(),
            // Empty label: absent (the code stands in when displaying).
            label: None,
            mefs: vec![mef("10310019110")],
            divisions: vec![division_of("3 A"), division_of("61")],
            extra: extra(vec![rne()]),
            ..Group::default()
        },
        Group {
            code: "3 A G1".into(),
            label: some("3 A SCIENCES & TECHNO"),
            mefs: vec![mef("10310019110")],
            divisions: vec![division_of("3 A")],
            extra: extra(vec![rne()]),
            ..Group::default()
        },
    ];
    expected.groups = groups
        .into_iter()
        .map(|group| (group.code.clone(), group))
        .collect();
    assert_eq!(read.dataset, expected);
    assert_eq!(read.dataset.counts()["divisions"], 3);
    assert_eq!(read.dataset.counts()["groupes"], 2);
}

/// A structure as read from `sts_emp`: STS's headcounts, no CODE_RNE.
fn from_sts() -> Dataset {
    let mut dataset = Dataset::new("0999999Z", Some(2025));
    dataset.files = vec![FileInfo {
        fichier: "sts_emp_0999999Z_2025.xml".into(),
        format: "sts-emp".into(),
        uaj: some("0999999Z"),
        annee: Some(2025),
        ..FileInfo::default()
    }];
    dataset.divisions = BTreeMap::from([(
        "3 A".to_string(),
        Division {
            code: "3 A".into(),
            label: some("3EME A"),
            planned: Some(28),
            actual: Some(27),
            mefs: vec![MefAttachment {
                code: "10310019110".into(),
                planned: Some(28),
                actual: Some(27),
                ..MefAttachment::default()
            }],
            ..Division::default()
        },
    )]);
    dataset.groups = BTreeMap::from([(
        "3LATIN".to_string(),
        Group {
            code: "3LATIN".into(),
            label: some("3E LATIN"),
            planned: Some(12),
            max_timetable: Some(14),
            divisions: vec![DivisionAttachment {
                code: "3 A".into(),
                planned: Some(12),
                ..DivisionAttachment::default()
            }],
            mefs: vec![mef("10310019110")],
            // An element of STS's dialect kept by the STS reader: not SIECLE's.
            extra: extra(vec![text("EFFECTIF_CALCULE", "11")]),
            ..Group::default()
        },
    )]);
    dataset
}

#[test]
fn the_sts_structure_is_written_in_siecle_s_dialect() {
    let options = WriteOptions {
        timestamp: Some(date(2025, 10, 14).and_hms_opt(8, 30, 0).unwrap()),
        target_name: some("Structures.xml"),
        ..WriteOptions::default()
    };
    let written = write("siecle-structures", &from_sts(), &options);
    assert_eq!(written[0].name, "Structures.xml");
    let xml = xml_text(&written[0]);
    assert_eq!(
        xml,
        "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>
<BEE_STRUCTURES VERSION=\"2.0\">
  <PARAMETRES>
    <UAJ>0999999Z</UAJ>
    <ANNEE_SCOLAIRE>2025</ANNEE_SCOLAIRE>
    <DATE_EXPORT>14/10/2025</DATE_EXPORT>
    <HORODATAGE>14/10/2025 08:30:00</HORODATAGE>
  </PARAMETRES>
  <DONNEES>
    <DIVISIONS>
      <DIVISION CODE_STRUCTURE=\"3 A\">
        <LIBELLE_LONG>3EME A</LIBELLE_LONG>
        <CODE_RNE>0999999Z</CODE_RNE>
        <MEFS_APPARTENANCE>
          <MEF_APPARTENANCE>
            <CODE_MEF>10310019110</CODE_MEF>
          </MEF_APPARTENANCE>
        </MEFS_APPARTENANCE>
      </DIVISION>
    </DIVISIONS>
    <GROUPES>
      <GROUPE CODE_STRUCTURE=\"3LATIN\">
        <LIBELLE_LONG>3E LATIN</LIBELLE_LONG>
        <CODE_RNE>0999999Z</CODE_RNE>
        <MEFS_APPARTENANCE>
          <MEF_APPARTENANCE>
            <CODE_MEF>10310019110</CODE_MEF>
          </MEF_APPARTENANCE>
        </MEFS_APPARTENANCE>
        <DIVISIONS_APPARTENANCE>
          <DIVISION_APPARTENANCE>
            <CODE_STRUCTURE>3 A</CODE_STRUCTURE>
          </DIVISION_APPARTENANCE>
        </DIVISIONS_APPARTENANCE>
      </GROUPE>
    </GROUPES>
  </DONNEES>
</BEE_STRUCTURES>
"
    );
    // Read back: the same structure, in SIECLE's terms.
    let read = read_output(&written[0]).dataset;
    assert_eq!(read.divisions["3 A"].mefs, vec![mef("10310019110")]);
    assert_eq!(read.groups["3LATIN"].divisions, vec![division_of("3 A")]);
}

#[test]
fn without_a_date_the_envelope_says_nothing_it_does_not_know() {
    let xml = xml_text(&write("siecle-structures", &from_sts(), &WriteOptions::default())[0]);
    assert!(xml.contains("<DATE_EXPORT/>") && xml.contains("<HORODATAGE/>"));
}

#[test]
fn the_fixture_round_trips() {
    assert_round_trip(
        "siecle-structures",
        &read_fixture("siecle-structures/2.0/Structures.xml").dataset,
    );
}
