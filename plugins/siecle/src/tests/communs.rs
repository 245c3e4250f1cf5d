//! `siecle-communs` golden fixture (CRLF line endings, Latin-9).

use passerelle_core::format::WriteOptions;
use passerelle_core::model::{Dataset, Establishment, SchoolYear, YearBounds};

use super::*;

#[test]
fn the_crlf_fixture_reads_to_the_expected_model() {
    let bytes = std::fs::read(fixture("siecle-communs/1.7/Communs.xml")).unwrap();
    assert!(bytes.windows(2).any(|pair| pair == b"\r\n"), "CRLF fixture");
    let read = read_fixture("siecle-communs/1.7/Communs.xml");
    assert_eq!(read.format, "siecle-communs");
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    let mut expected = Dataset::new("0999999Z", Some(2024));
    expected.files = vec![envelope(
        "Communs.xml",
        "siecle-communs",
        "1.7",
        "14/10/2024 15:42:18",
    )];
    expected.establishment = Establishment {
        uaj: "0999999Z".into(),
        name: some("COLLEGE"),
        name_complement: some("LES TILLEULS DE L'ŒUVRE"),
        extra: extra(vec![
            text("ETAB_UAJ_ID", "0999999Z"),
            text("NUM_SIREN", "199900000"),
            text("NOM_RESP", "M. EXEMPLE"),
            text("QUAL_RESP", "PRINCIPAL"),
            text("LIGNE1_ADRESSE", "1 RUE DES ÉCOLES"),
            empty("LIGNE2_ADRESSE"),
            empty("BOITE_POST"),
            text("TELEPHONE", "09 99 99 99 99"),
            text("MEL_1", "ce.0999999z@exemple.invalid"),
            text("CODE_TYPE_ETAB", "CLG"),
            text("SECTEUR_CODE", "PU"),
            text("CODE_POSTAL", "99000"),
            text("CODE_COMMUNE_INSEE", "99999"),
            text("CODE_PAYS", "100"),
        ]),
        ..Establishment::default()
    };
    expected.school_year = SchoolYear {
        millesime: Some(2024),
        bounds: YearBounds {
            start: Some(date(2024, 9, 2)),
            end: Some(date(2025, 7, 5)),
            staff_start: Some(date(2024, 8, 30)),
            // 31/12/9999: no end.
            staff_end: None,
        },
        // ANNEE_SCOLAIRE_AD present but empty: no previous year.
        previous: None,
        extra: extra(vec![parent(
            "PERIODES_PEDAGOGIQUES",
            vec![parent(
                "PERIODE_PEDAGOGIQUE",
                vec![
                    text("CODE_PERIODE", "T1"),
                    text("DATE_DEBUT", "02/09/2024"),
                    text("DATE_FIN", "29/11/2024"),
                    text("LL_PERIODE", "1ER TRIMESTRE"),
                    text("INDICE", "1"),
                    text("CODE_TYPE_PERIODE", "T"),
                ],
            )],
        )]),
    };
    assert_eq!(read.dataset, expected);
    // Lines are counted across CRLF.
    assert_eq!(
        read.dataset.files[0].horodatage.as_deref(),
        Some("14/10/2024 15:42:18")
    );
}

#[test]
fn the_calendar_is_written_with_empty_blocks_where_there_is_nothing() {
    let dataset = read_fixture("siecle-communs/1.7/Communs.xml").dataset;
    let xml = xml_text(&write("siecle-communs", &dataset, &WriteOptions::default())[0]);
    assert!(xml.contains("<ANNEE_SCOLAIRE_AD/>"));
    assert!(xml.contains("<CALENDRIERS_FERMETURES/>"));
    assert!(xml.contains("<PERIODE_PEDAGOGIQUE>"));
    assert!(!xml.contains("DATE_FIN_PROF"), "the open end is left out");
    assert!(!xml.contains('\r'), "written with LF");
}

#[test]
fn sts_fields_of_the_establishment_are_not_written() {
    let mut dataset = read_fixture("siecle-communs/1.7/Communs.xml").dataset;
    dataset.establishment.extra.push(text("CEDEX", "99001"));
    let xml = xml_text(&write("siecle-communs", &dataset, &WriteOptions::default())[0]);
    assert!(!xml.contains("CEDEX"));
}

#[test]
fn the_fixture_round_trips() {
    assert_round_trip(
        "siecle-communs",
        &read_fixture("siecle-communs/1.7/Communs.xml").dataset,
    );
}
