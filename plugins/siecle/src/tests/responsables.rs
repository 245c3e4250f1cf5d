//! `siecle-responsables` golden fixtures: the pre-2018 and the 2018+ link forms.

use std::collections::BTreeMap;

use passerelle_core::format::WriteOptions;
use passerelle_core::model::{Address, Dataset, Guardian, GuardianLink};

use super::*;

fn link(eleve_id: &str, guardian_id: &str) -> GuardianLink {
    GuardianLink {
        eleve_id: eleve_id.into(),
        guardian_id: guardian_id.into(),
        ..GuardianLink::default()
    }
}

fn flags(financier: &str, paiement: &str, contact: &str) -> Vec<ExtraNode> {
    vec![
        text("RESP_FINANCIER", financier),
        text("PERS_PAIEMENT", paiement),
        text("PERS_CONTACT", contact),
    ]
}

#[test]
fn the_2017_fixture_reads_resp_legal() {
    let read = read_fixture("siecle-responsables/1.9-resp-legal/ResponsablesAvecAdresses.xml");
    assert_eq!(read.format, "siecle-responsables");
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    let mut expected = Dataset::new("0999999Z", Some(2017));
    expected.files = vec![envelope(
        "ResponsablesAvecAdresses.xml",
        "siecle-responsables",
        "1.9",
        "02/10/2017 07:14:02",
    )];
    let mother = Guardian {
        id: "3000001".into(),
        civility: some("MME"),
        family_name: some("CŒURDEROY"),
        usage_name: some("EXEMPLE"),
        first_name: some("Hélène"),
        address_id: some("2000001"),
        extra: extra(vec![
            text("LL_CIVILITE", "MADAME"),
            empty("TEL_PERSONNEL"),
            text("TEL_PORTABLE", "+33611111111"),
            text("ACCEPTE_SMS", "1"),
            text("MEL", "helene.exemple@exemple.invalid"),
            text("COMMUNICATION_ADRESSE", "1"),
            text("CODE_PROFESSION", "33"),
        ]),
        ..Guardian::default()
    };
    let father = Guardian {
        id: "3000002".into(),
        civility: some("M."),
        family_name: some("CŒURDEROY"),
        // A blank first name is absent.
        first_name: None,
        address_id: some("2000002"),
        extra: extra(vec![
            text("LL_CIVILITE", "MONSIEUR"),
            text("TEL_PROFESSIONNEL", "+33299999999"),
        ]),
        ..Guardian::default()
    };
    let ase = Guardian {
        id: "3000003".into(),
        family_name: some("AIDE SOCIALE À L'ENFANCE"),
        address_id: some("2000003"),
        ..Guardian::default()
    };
    expected.guardians = BTreeMap::from([
        (mother.id.clone(), mother),
        (father.id.clone(), father),
        (ase.id.clone(), ase),
    ]);
    expected.guardian_links = vec![
        GuardianLink {
            legal_guardian: some("1"),
            relationship: some("2"),
            extra: extra(flags("1", "1", "1")),
            ..link("1234567", "3000001")
        },
        GuardianLink {
            legal_guardian: some("2"),
            relationship: some("1"),
            extra: extra(flags("0", "0", "1")),
            ..link("1234567", "3000002")
        },
        GuardianLink {
            legal_guardian: some("0"),
            relationship: some("5"),
            extra: extra(flags("0", "0", "0")),
            ..link("1234568", "3000003")
        },
    ];
    let france = || {
        extra(vec![
            text("CODE_COMMUNE_INSEE", "99999"),
            text("LL_PAYS", "FRANCE"),
            text("CODE_DEPARTEMENT", "099"),
        ])
    };
    let addresses = [
        Address {
            id: "2000001".into(),
            lines: vec!["12 RUE DE L'ŒUVRE".into()],
            postal_code: some("99000"),
            city: some("EXEMPLEVILLE"),
            country_code: some("100"),
            extra: france(),
            ..Address::default()
        },
        Address {
            id: "2000002".into(),
            lines: vec!["RUA DO EXEMPLO 3".into()],
            // Whitespace-only postal code and empty city: absent.
            postal_code: None,
            city: None,
            country_code: some("139"),
            extra: extra(vec![
                text("COMMUNE_ETRANGERE", "PORTO"),
                text("LL_PAYS", "PORTUGAL"),
            ]),
            ..Address::default()
        },
        Address {
            id: "2000003".into(),
            lines: vec!["1 PLACE DE LA PRÉFECTURE".into(), "SERVICE ASE".into()],
            postal_code: some("99000"),
            city: some("EXEMPLEVILLE"),
            country_code: some("100"),
            extra: france(),
            ..Address::default()
        },
    ];
    expected.addresses = addresses
        .into_iter()
        .map(|address| (address.id.clone(), address))
        .collect();
    assert_eq!(read.dataset, expected);
}

#[test]
fn the_2018_fixture_reads_niveau_responsabilite() {
    let read = read_fixture("siecle-responsables/2.0-niveau/ResponsablesSansAdresses.xml");
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    let dataset = &read.dataset;
    assert_eq!(dataset.guardians.len(), 1);
    let person = &dataset.guardians["3000001"];
    assert_eq!(
        person.extra,
        extra(vec![
            text("ID_PRV_PER", "42"),
            text("LL_CIVILITE", "MADAME"),
            text("TEL_PORTABLE", "+33611111111"),
            text("ACCEPTE_SMS", "1"),
            text("COMMUNICATION_ADRESSE", "1"),
            text("CODE_PROFESSION", "33"),
            text("CONSENTEMENT_NOUVEAU", "1"),
        ])
    );
    assert_eq!(
        dataset.guardian_links,
        vec![
            GuardianLink {
                responsibility_level: some("1"),
                relationship: some("10"),
                extra: extra(
                    [
                        vec![text("PAIE_FRAIS_SCOLAIRES", "1")],
                        flags("1", "1", "1")
                    ]
                    .concat()
                ),
                ..link("1234567", "3000001")
            },
            GuardianLink {
                responsibility_level: some("3"),
                relationship: some("39"),
                extra: extra(
                    [
                        vec![text("PAIE_FRAIS_SCOLAIRES", "0")],
                        flags("0", "0", "1")
                    ]
                    .concat()
                ),
                ..link("1234569", "3000001")
            },
        ]
    );
    assert!(dataset.addresses.is_empty());
    // A « sans adresses » file stays one: ADRESSE_ID but no ADRESSES block.
    let written = write("siecle-responsables", dataset, &WriteOptions::default());
    assert_eq!(written[0].name, "ExportXML_ResponsablesSansAdresses.zip");
    let xml = xml_text(&written[0]);
    assert!(xml.contains("<ADRESSE_ID>2000001</ADRESSE_ID>"));
    assert!(!xml.contains("<ADRESSES"));
    // The 2018 order: NIVEAU_RESPONSABILITE, PAIE_FRAIS_SCOLAIRES, CODE_PARENTE.
    let niveau = xml.find("<NIVEAU_RESPONSABILITE>").unwrap();
    let paie = xml.find("<PAIE_FRAIS_SCOLAIRES>").unwrap();
    let parente = xml.find("<CODE_PARENTE>").unwrap();
    assert!(niveau < paie && paie < parente);
}

#[test]
fn the_pre_2016_family_name_of_a_guardian_is_read() {
    let read = read_bytes(
        "ResponsablesAvecAdresses.xml",
        "<BEE_RESPONSABLES VERSION=\"1.9\"><PARAMETRES><UAJ>0999999Z</UAJ><ANNEE_SCOLAIRE>2015\
         </ANNEE_SCOLAIRE></PARAMETRES><DONNEES><PERSONNES><PERSONNE PERSONNE_ID=\"1\">\
         <NOM>EXEMPLE</NOM><PRENOM>Anne</PRENOM><ADRESSE_ID>2</ADRESSE_ID></PERSONNE>\
         </PERSONNES></DONNEES></BEE_RESPONSABLES>"
            .as_bytes()
            .to_vec(),
    );
    let person = &read.dataset.guardians["1"];
    assert_eq!(person.family_name.as_deref(), Some("EXEMPLE"));
    assert!(person.extra.is_empty());
}

#[test]
fn the_fixtures_round_trip() {
    for fixture in [
        "siecle-responsables/1.9-resp-legal/ResponsablesAvecAdresses.xml",
        "siecle-responsables/2.0-niveau/ResponsablesSansAdresses.xml",
    ] {
        assert_round_trip("siecle-responsables", &read_fixture(fixture).dataset);
    }
}
