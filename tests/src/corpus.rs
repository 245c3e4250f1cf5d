//! The bad-input corpus of `fixtures/invalides/`: broken, hostile and mislabelled files, each
//! with the reaction passerelle must have. Generated here so that the committed copy can be
//! checked and rebuilt (`PASSERELLE_REGENERER=1 cargo test -p passerelle-tests corpus`).

use std::io::Write;
use std::path::Path;

/// A minimal valid `sts_emp` (STS.md §9), with Latin-9 names to damage.
pub const STS_EMP_SKELETON: &str = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>
<STS_EDT>
  <PARAMETRES>
    <UAJ CODE=\"0999999Z\"/>
    <ANNEE_SCOLAIRE ANNEE=\"2025\"><DATE_DEBUT>2025-09-01</DATE_DEBUT><DATE_FIN>2026-07-04</DATE_FIN></ANNEE_SCOLAIRE>
  </PARAMETRES>
  <NOMENCLATURES>
    <MATIERES><MATIERE CODE=\"030201\"><LIBELLE_LONG>ANGLAIS LV1</LIBELLE_LONG></MATIERE></MATIERES>
  </NOMENCLATURES>
  <DONNEES>
    <INDIVIDUS>
      <INDIVIDU ID=\"12345\" TYPE=\"epp\"><SEXE>2</SEXE><NOM_USAGE>CŒURDEROY</NOM_USAGE><NOM_PATRONYMIQUE>CŒURDEROY</NOM_PATRONYMIQUE><PRENOM>Léa</PRENOM><FONCTION>ENS</FONCTION></INDIVIDU>
    </INDIVIDUS>
    <STRUCTURE>
      <DIVISIONS><DIVISION CODE=\"3 A\"><LIBELLE_LONG/><SERVICES/></DIVISION></DIVISIONS>
    </STRUCTURE>
  </DONNEES>
</STS_EDT>
";

fn latin9(text: &str) -> Vec<u8> {
    passerelle_core::encoding::encode_latin9(text)
}

fn zip(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    for (name, content) in members {
        writer.start_file(*name, options).expect("in-memory zip");
        writer.write_all(content).expect("in-memory zip");
    }
    writer.finish().expect("in-memory zip").into_inner()
}

/// A zip whose single member inflates to 1 Gio of zeros (about 1 Mo compressed).
fn zip_bomb() -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .large_file(true);
    writer
        .start_file("ElevesSansAdresses.xml", options)
        .expect("in-memory zip");
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        writer.write_all(&zeros).expect("in-memory zip");
    }
    writer.finish().expect("in-memory zip").into_inner()
}

/// Sets the "encrypted" flag (general purpose bit 0) of every member, in the local headers
/// and the central directory: the zip library then refuses to read the members, as it does
/// for a real encrypted export, without the corpus depending on an encryption feature.
fn mark_encrypted(mut bytes: Vec<u8>) -> Vec<u8> {
    for (signature, flags_at) in [(b"PK\x03\x04", 6), (b"PK\x01\x02", 8)] {
        let starts: Vec<usize> = bytes
            .windows(4)
            .enumerate()
            .filter(|(_, window)| window == signature)
            .map(|(start, _)| start)
            .collect();
        for start in starts {
            bytes[start + flags_at] |= 1;
        }
    }
    bytes
}

/// Overwrites the declared inflated size of the only member (local header and central
/// directory) with `declared`: the header lies, the content does not.
fn lie_about_size(mut bytes: Vec<u8>, declared: u32) -> Vec<u8> {
    for (signature, size_at) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
        if let Some(start) = bytes.windows(4).position(|window| window == signature) {
            bytes[start + size_at..start + size_at + 4].copy_from_slice(&declared.to_le_bytes());
        }
    }
    bytes
}

/// A zip whose single member holds 64 Mio of zeros but declares 1 Kio.
fn zip_lying_header() -> Vec<u8> {
    let zeros = vec![0u8; 64 << 20];
    lie_about_size(zip(&[("ElevesSansAdresses.xml", zeros)]), 1024)
}

/// UTF-16 little-endian, with or without its byte-order mark.
fn utf16(text: &str, bom: bool) -> Vec<u8> {
    let mut bytes = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

/// The skeleton with `depth` unknown elements nested inside the teacher.
fn deeply_nested(depth: usize) -> String {
    let nest = format!("{}x{}", "<NIVEAU>".repeat(depth), "</NIVEAU>".repeat(depth));
    STS_EMP_SKELETON.replace(
        "<FONCTION>ENS</FONCTION>",
        &format!("<FONCTION>ENS</FONCTION>{nest}"),
    )
}

/// The depth of [`deeply_nested`] in the corpus: beyond the default limit of 64.
pub const NESTED_DEPTH: usize = 100;

/// The size of the huge attribute of `attribut_geant_…`.
pub const HUGE_ATTRIBUTE: usize = 1 << 20;

/// An EDT list export whose second row opens a quote that never closes.
pub const CSV_UNTERMINATED_QUOTE: &str = "\u{feff}NOM;PRENOM;DATE_NAISS;N_NATIONAL;CLASSE;GROUPES\r
EXEMPLE;Anne;01/02/2010;111111111AA;3 A;3ANG1\r
EXEMPLE;\"Paul;03/04/2010;222222222BB;3 A;3ANG1\r
";

/// Every case: file name and content.
pub fn cases() -> Vec<(&'static str, Vec<u8>)> {
    let skeleton = STS_EMP_SKELETON;
    let cut = skeleton.find("<STRUCTURE>").unwrap_or(skeleton.len() / 2);
    let mut binary: Vec<u8> = (0u8..=255).cycle().take(2048).collect();
    binary[0] = 0x89;
    let many: Vec<(String, Vec<u8>)> = (0..1001)
        .map(|index| (format!("f{index:04}.xml"), b"<A/>".to_vec()))
        .collect();
    let many: Vec<(&str, Vec<u8>)> = many
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.clone()))
        .collect();
    vec![
        ("vide.xml", Vec::new()),
        ("binaire.xml", binary),
        ("tronque_sts_emp_0999999Z_2025.xml", latin9(&skeleton[..cut])),
        (
            "racine_inconnue.xml",
            b"<?xml version=\"1.0\"?>\n<RACINE_INCONNUE><PARAMETRES/></RACINE_INCONNUE>\n".to_vec(),
        ),
        (
            "balises_croisees_sts_emp_0999999Z_2025.xml",
            latin9(&skeleton.replace("<LIBELLE_LONG/><SERVICES/></DIVISION>", "<LIBELLE_LONG><SERVICES/></DIVISION></LIBELLE_LONG>")),
        ),
        ("iso_contenant_utf8_sts_emp_0999999Z_2025.xml", skeleton.as_bytes().to_vec()),
        (
            "utf8_contenant_latin9_sts_emp_0999999Z_2025.xml",
            latin9(&skeleton.replace("ISO-8859-15", "UTF-8")),
        ),
        (
            "double_encodage_sts_emp_0999999Z_2025.xml",
            skeleton.replace("ISO-8859-15", "UTF-8").replace("Léa", "LÃ©a").into_bytes(),
        ),
        (
            "milliard_de_rires.xml",
            latin9(&skeleton
                .replace(
                    "<STS_EDT>",
                    "<!DOCTYPE STS_EDT [<!ENTITY a \"hahahahahahahahahaha\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\"><!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\"><!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\"><!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\"><!ENTITY i \"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">]>\n<STS_EDT>",
                )
                .replace("<PRENOM>Léa</PRENOM>", "<PRENOM>&i;</PRENOM>")),
        ),
        (
            "entite_externe.xml",
            latin9(&skeleton
                .replace("<STS_EDT>", "<!DOCTYPE STS_EDT [<!ENTITY secret SYSTEM \"file:///etc/passwd\">]>\n<STS_EDT>")
                .replace("<PRENOM>Léa</PRENOM>", "<PRENOM>&secret;</PRENOM>")),
        ),
        (
            "dtd_externe_sts_emp_0999999Z_2025.xml",
            latin9(&skeleton.replace("<STS_EDT>", "<!DOCTYPE STS_EDT SYSTEM \"http://exemple.invalid/sts.dtd\">\n<STS_EDT>")),
        ),
        ("zip_chemin_remontant.zip", zip(&[("../../sts_emp_0999999Z_2025.xml", latin9(skeleton))])),
        ("zip_bombe.zip", zip_bomb()),
        ("zip_mille_entrees.zip", zip(&many)),
        (
            "zip_deux_xml.zip",
            zip(&[
                ("sts_emp_0999999Z_2025.xml", latin9(skeleton)),
                ("copie/sts_emp_0999999Z_2025.xml", latin9(skeleton)),
            ]),
        ),
        ("zip_entree_vide.zip", zip(&[("Structures.xml", Vec::new())])),
        ("zip_taille_mensongere.zip", zip_lying_header()),
        (
            "zip_dans_zip.zip",
            zip(&[(
                "ExportXML_sts.zip",
                zip(&[("sts_emp_0999999Z_2025.xml", latin9(skeleton))]),
            )]),
        ),
        ("zip_lecteur_windows.zip", zip(&[("C:/sts_emp_0999999Z_2025.xml", latin9(skeleton))])),
        (
            "zip_antislash_remontant.zip",
            zip(&[("..\\..\\sts_emp_0999999Z_2025.xml", latin9(skeleton))]),
        ),
        (
            "zip_chiffre.zip",
            mark_encrypted(zip(&[("sts_emp_0999999Z_2025.xml", latin9(skeleton))])),
        ),
        ("zip_illisible.zip", b"<!DOCTYPE html>\n<html><body>Session expir\xe9e</body></html>\n".to_vec()),
        (
            "page_html.xml",
            b"<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Connexion</title></head><body>Session expir\xc3\xa9e</body></html>\n".to_vec(),
        ),
        ("sans_racine.xml", b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- vide -->\n".to_vec()),
        (
            "deux_racines_sts_emp_0999999Z_2025.xml",
            latin9(&format!("{skeleton}<STS_EDT/>\n")),
        ),
        (
            "utf16_sts_emp_0999999Z_2025.xml",
            utf16(&skeleton.replace("ISO-8859-15", "UTF-16"), true),
        ),
        (
            "utf16_sans_bom_sts_emp_0999999Z_2025.xml",
            utf16(&skeleton.replace("ISO-8859-15", "UTF-16"), false),
        ),
        (
            "octet_nul_sts_emp_0999999Z_2025.xml",
            latin9(&skeleton.replace("<PRENOM>Léa</PRENOM>", "<PRENOM>L\u{0}a</PRENOM>")),
        ),
        ("profondeur_sts_emp_0999999Z_2025.xml", latin9(&deeply_nested(NESTED_DEPTH))),
        (
            "attribut_geant_sts_emp_0999999Z_2025.xml",
            latin9(&skeleton.replace(
                "<FONCTION>ENS</FONCTION>",
                &format!("<FONCTION>ENS</FONCTION><NOTE TEXTE=\"{}\"/>", "é".repeat(HUGE_ATTRIBUTE)),
            )),
        ),
        ("EXP_ELEVE_guillemet.csv", CSV_UNTERMINATED_QUOTE.as_bytes().to_vec()),
    ]
}

/// Writes the corpus into `folder`.
pub fn write(folder: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    for (name, bytes) in cases() {
        std::fs::write(folder.join(name), bytes)?;
    }
    Ok(())
}
