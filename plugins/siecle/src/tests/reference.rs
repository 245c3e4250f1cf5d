//! `siecle-etablissements` and `siecle-geographique`: recognition and what is read.

use passerelle_core::detect::{ProbedFile, detect};
use passerelle_core::format::score;
use passerelle_core::input::InputFile;

use super::*;

fn probed(name: &str, text: &str) -> ProbedFile {
    ProbedFile::new(&InputFile {
        name: name.into(),
        disk_path: name.into(),
        bytes: text.as_bytes().to_vec(),
    })
}

#[test]
fn etablissements_reads_its_items_as_a_code_list() {
    let read = read_fixture("siecle-etablissements/Etablissements.xml");
    assert_eq!(read.format, "siecle-etablissements");
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    let dataset = &read.dataset;
    assert_eq!(dataset.establishment.uaj, "0999999Z");
    assert_eq!(dataset.school_year.millesime, Some(2024));
    assert_eq!(dataset.files[0].version.as_deref(), Some("1.0"));
    let schools = &dataset.code_lists["ETABLISSEMENTS"];
    assert_eq!(schools.len(), 2);
    let school = &schools["0999998Y"];
    assert_eq!(
        school
            .extra
            .get("DENOM_COMPL")
            .and_then(|n| n.text.as_deref()),
        Some("DU CŒUR")
    );
    assert_eq!(school.extra.0.len(), 8);
    assert!(dataset.extra.is_empty());
}

#[test]
fn geographique_reads_coded_lists_and_keeps_the_rest() {
    let read = read_fixture("siecle-geographique/Geographique.xml");
    assert_eq!(read.format, "siecle-geographique");
    let dataset = &read.dataset;
    let countries = &dataset.code_lists["PAYS"];
    assert_eq!(countries["139"].long_label.as_deref(), Some("PORTUGAL"));
    assert_eq!(
        dataset.code_lists["COMMUNES"]["2A004"]
            .long_label
            .as_deref(),
        Some("AJACCIO-EXEMPLE")
    );
    // Departments carry no code attribute: kept verbatim.
    assert_eq!(
        dataset.extra,
        extra(vec![parent(
            "BEE_GEOGRAPHIQUE",
            vec![parent(
                "DEPARTEMENTS",
                vec![parent(
                    "DEPARTEMENT",
                    vec![
                        text("CODE_ACADEMIE", "99"),
                        text("CODE_DEPARTEMENT_MEN", "099"),
                        text("CODE_DEPARTEMENT_INSEE", "99"),
                        text("LIBELLE_LONG", "EXEMPLE"),
                    ],
                )],
            )],
        )])
    );
}

#[test]
fn reference_files_are_recognised_by_name_root_or_content() {
    let registry = registry();
    let id = |file: &ProbedFile| detect(&registry, file).map(|format| format.id().to_string());
    let unknown_root = "<?xml version=\"1.0\"?><LISTE><ITEM/></LISTE>";
    assert_eq!(
        id(&probed("Geographique.xml", unknown_root)).unwrap(),
        "siecle-geographique"
    );
    assert_eq!(
        id(&probed(
            "ExportXML_Etablissements.zip!EtablissementsEleves.xml",
            unknown_root
        ))
        .unwrap(),
        "siecle-etablissements"
    );
    let bee = "<BEE_INCONNU><PARAMETRES/><DONNEES><COMMUNES><COMMUNE CODE_COMMUNE_INSEE=\"1\"/>\
               </COMMUNES></DONNEES></BEE_INCONNU>";
    assert_eq!(id(&probed("x.xml", bee)).unwrap(), "siecle-geographique");
    let etab = registry.get("siecle-etablissements").unwrap();
    assert_eq!(etab.sniff(&probed("x.xml", bee).probe()), score::NO);
    // A BEE root with PARAMETRES and nothing telling: not claimed.
    assert!(id(&probed("x.xml", "<BEE_X><PARAMETRES/></BEE_X>")).is_err());
    // The five families are never reference files.
    let students = "<BEE_ELEVES VERSION=\"3.0\"><PARAMETRES/></BEE_ELEVES>";
    assert_eq!(
        etab.sniff(&probed("Etablissements.xml", students).probe()),
        score::NO
    );
    assert!(!etab.can_write());
}

#[test]
fn families_are_sure_with_a_known_version_only() {
    let registry = registry();
    let eleves = registry.get("siecle-eleves").unwrap();
    let sniff = |text: &str| eleves.sniff(&probed("x.xml", text).probe());
    assert_eq!(sniff("<BEE_ELEVES VERSION=\"3.0\"/>"), score::SURE);
    assert_eq!(sniff("<BEE_ELEVES VERSION=\"2.1\"/>"), score::SURE);
    assert_eq!(sniff("<BEE_ELEVES VERSION=\"9.9\"/>"), score::ROOT);
    assert_eq!(sniff("<BEE_ELEVES/>"), score::ROOT);
    assert_eq!(sniff("<BEE_RESPONSABLES VERSION=\"2.0\"/>"), score::NO);
    for (id, root, version) in [
        ("siecle-responsables", "BEE_RESPONSABLES", "1.9"),
        ("siecle-nomenclatures", "BEE_NOMENCLATURES", "3.1"),
        ("siecle-structures", "BEE_STRUCTURES", "2.0"),
        ("siecle-communs", "BEE_COMMUN", "1.7"),
    ] {
        let text = format!("<{root} VERSION=\"{version}\"/>");
        let file = probed("x.xml", &text);
        assert_eq!(detect(&registry, &file).unwrap().id(), id);
        assert_eq!(registry.get(id).unwrap().sniff(&file.probe()), score::SURE);
    }
}
