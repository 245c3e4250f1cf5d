//! `siecle-nomenclatures` golden fixture.

use std::collections::BTreeMap;

use passerelle_core::format::WriteOptions;
use passerelle_core::model::{
    CodeItem, CompulsoryOption, Dataset, Mef, Programme, Subject, code_lists,
};

use super::*;

fn item(code: &str, short: &str, long: &str, more: Vec<ExtraNode>) -> (String, CodeItem) {
    (
        code.to_string(),
        CodeItem {
            code: code.into(),
            short_label: some(short),
            long_label: some(long),
            extra: extra(more),
            ..CodeItem::default()
        },
    )
}

fn mef_dates() -> Vec<ExtraNode> {
    vec![
        text("INSCRIPTION_ETAB", "1"),
        text("MEF_ORIGINE", "X"),
        text("MEF_SELECTIONNE", "1"),
        text("MEF_SELORIG", "0"),
        text("DATE_OUVERTURE", "01/09/2016"),
        text("DATE_FERMETURE", "31/12/9999"),
    ]
}

fn expected() -> Dataset {
    let mut dataset = Dataset::new("0999999Z", Some(2017));
    dataset.files = vec![envelope(
        "Nomenclature.xml",
        "siecle-nomenclatures",
        "2.0",
        "02/10/2017 07:15:40",
    )];
    let with_origin = |origin: &str, mut before: Vec<ExtraNode>| {
        let mut tail = mef_dates();
        tail[1] = text("MEF_ORIGINE", origin);
        before.extend(tail);
        extra(before)
    };
    dataset.mefs = BTreeMap::from([
        (
            "10310019110".to_string(),
            Mef {
                code: "10310019110".into(),
                formation: some("3EME"),
                // Whitespace-only SPECIALITE: absent.
                long_label: some("3EME"),
                edition_label: some("3ème"),
                mefstat11: some("10310019110"),
                extra: with_origin("10310019110", vec![text("MEF_RATTACHEMENT", "10310019110")]),
                ..Mef::default()
            },
        ),
        (
            "1031000H11U".to_string(),
            Mef {
                code: "1031000H11U".into(),
                formation: some("3EME SEGPA"),
                long_label: some("3EME SEGPA"),
                mefstat11: some("10310001110"),
                extra: with_origin("1031000H11U", vec![text("NB_OPT_OBLIG", "1")]),
                ..Mef::default()
            },
        ),
    ]);
    dataset.subjects = BTreeMap::from([
        (
            "030201".to_string(),
            Subject {
                code: "030201".into(),
                management_code: some("AGL1"),
                short_label: some("ANGLAIS LV1"),
                long_label: some("ANGLAIS LV1"),
                edition_label: some("Anglais LV1"),
                extra: extra(vec![text("MATIERE_ETP", "0")]),
                ..Subject::default()
            },
        ),
        (
            "000L00".to_string(),
            Subject {
                code: "000L00".into(),
                management_code: some("ŒNO"),
                short_label: some("ŒNOLOGIE"),
                long_label: some("ŒNOLOGIE & VITICULTURE"),
                edition_label: some("Œnologie"),
                extra: extra(vec![
                    text("MATIERE_ETP", "1"),
                    text("CODE_MATIERE_NATIONALE", "000L00"),
                ]),
                ..Subject::default()
            },
        ),
    ]);
    dataset.programmes = vec![Programme {
        mef: some("10310019110"),
        subject: some("030201"),
        modality: some("S"),
        hours: some("3.50"),
        ..Programme::default()
    }];
    dataset.compulsory_options = vec![CompulsoryOption {
        mef: "1031000H11U".into(),
        subject: "000L00".into(),
        rank: some("1"),
        ..CompulsoryOption::default()
    }];
    dataset.code_lists = BTreeMap::from([
        (
            code_lists::ELECTION_MODALITIES.to_string(),
            BTreeMap::from([
                item("S", "TRONC COMMUN", "TRONC COMMUN", vec![]),
                item("O", "OBLIGATOIRE", "OPTION OBLIGATOIRE", vec![]),
            ]),
        ),
        (
            "REGIMES".to_string(),
            BTreeMap::from([item(
                "2",
                "DP DAN",
                "DEMI-PENSIONNAIRE DANS L'ETAB.",
                vec![],
            )]),
        ),
        (
            "LIENS_PARENTE".to_string(),
            BTreeMap::from([item("1", "PERE", "PERE", vec![])]),
        ),
        (
            "BOURSES".to_string(),
            BTreeMap::from([item(
                "1",
                "NATIONALE",
                "BOURSE NATIONALE",
                vec![text("BOURSE_NATIONALE", "1")],
            )]),
        ),
        ("PROFESSIONS".to_string(), BTreeMap::new()),
        (
            "SITUATIONS_EMPLOI".to_string(),
            BTreeMap::from([item(
                "1",
                "OCCUPE UN EMPLOI",
                "OCCUPE UN EMPLOI",
                vec![text("TRANS_SITUATION", "1")],
            )]),
        ),
        (
            "STATUTS_ELEVE".to_string(),
            BTreeMap::from([item("ST", "SCOLAIRE", "SCOLAIRE", vec![])]),
        ),
        (
            code_lists::CONTRACTS.to_string(),
            BTreeMap::from([item(
                "3",
                "SOUS CONTRAT",
                "SOUS CONTRAT D'ASSOCIATION",
                vec![],
            )]),
        ),
        (
            code_lists::CIVILITIES.to_string(),
            BTreeMap::from([item("1", "M.", "MONSIEUR", vec![])]),
        ),
        (
            code_lists::COURSE_MODES.to_string(),
            // SIECLE's CO_ENSEIGNEMENT under STS's name, shared by both.
            BTreeMap::from([item(
                "CE",
                "CO-ENSEIGNEMENT",
                "CO-ENSEIGNEMENT",
                vec![text("CO_ENS", "O")],
            )]),
        ),
    ]);
    dataset.extra = extra(vec![parent(
        "BEE_NOMENCLATURES",
        vec![
            parent(
                "PCS_SITUATIONS_EMPLOI",
                vec![parent(
                    "PCS_SITUATION",
                    vec![text("CODE_PROFESSION", "33"), text("CODE_SITUATION", "1")],
                )],
            ),
            parent(
                "NIVEAUX_NOUVEAUX",
                vec![ExtraNode {
                    name: "NIVEAU".into(),
                    attributes: vec![("CODE".into(), "X".into())],
                    children: vec![text("LIBELLE_LONG", "LISTE INCONNUE")],
                    ..ExtraNode::default()
                }],
            ),
        ],
    )]);
    dataset
}

#[test]
fn the_fixture_reads_to_the_expected_model() {
    let read = read_fixture("siecle-nomenclatures/2.0/Nomenclature.xml");
    assert_eq!(read.format, "siecle-nomenclatures");
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    assert_eq!(read.dataset, expected());
}

#[test]
fn kept_blocks_go_back_in_their_place() {
    let dataset = read_fixture("siecle-nomenclatures/2.0/Nomenclature.xml").dataset;
    let xml = xml_text(&write("siecle-nomenclatures", &dataset, &WriteOptions::default())[0]);
    let order: Vec<usize> = [
        "<MEFS>",
        "<MATIERES>",
        "<PROGRAMMES>",
        "<OPTIONS_OBLIGATOIRES>",
        "<MODALITES_ELECTION>",
        "<PROFESSIONS/>",
        "<SITUATIONS_EMPLOI>",
        "<PCS_SITUATIONS_EMPLOI>",
        "<STATUTS_ELEVE>",
        "<CONTRATS>",
        "<CIVILITES>",
        "<MODALITES_COURS>",
        // An unknown block goes before the next kept block, here none: at the end.
        "<NIVEAUX_NOUVEAUX>",
    ]
    .iter()
    .map(|tag| xml.find(tag).unwrap_or_else(|| panic!("{tag} missing")))
    .collect();
    assert!(order.windows(2).all(|pair| pair[0] < pair[1]), "{order:?}");
    assert!(xml.contains("<CO_ENSEIGNEMENT>O</CO_ENSEIGNEMENT>"));
    assert!(!xml.contains("CO_ENS>"));
    assert!(xml.contains("<CODE_GESTION>AGL1</CODE_GESTION>"));
}

#[test]
fn the_fixture_round_trips() {
    assert_round_trip(
        "siecle-nomenclatures",
        &read_fixture("siecle-nomenclatures/2.0/Nomenclature.xml").dataset,
    );
}
