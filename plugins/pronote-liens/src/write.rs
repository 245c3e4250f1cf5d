//! Writing the liens file SIECLE imports: VERSION 1.4, ISO-8859-15, the official element order,
//! named `<UAJ>ELEGROUPE<AAAA><AAMMJJhhmmss>.xml` and zipped under the same base name.

use chrono::{NaiveDateTime, Timelike};
use passerelle_core::checks::liens::{LiensEntry, ORIGIN, entries_to_write};
use passerelle_core::dates::{format_french, format_iso};
use passerelle_core::format::{FormatError, OutputFile, WriteOptions};
use passerelle_core::model::Dataset;
use passerelle_core::output::zip_single;
use passerelle_core::xml::XmlWriter;

use crate::name::{stem, strip_extension};
use crate::read::{COUNTER_MAX, SOFTWARE_MAX};

/// `LOGICIEL` written when neither `--logiciel` nor a liens file read says otherwise.
pub const DEFAULT_SOFTWARE: &str = "passerelle";

/// Name of the write parameter giving `LOGICIEL`.
pub const PARAM_SOFTWARE: &str = "logiciel";
/// Name of the write parameter giving `NUM_ENVOI`.
pub const PARAM_SEND_NUMBER: &str = "num-envoi";

/// The envelope values: option first, then the liens file read, then the default.
fn envelope(dataset: &Dataset, options: &WriteOptions) -> Result<(String, String), FormatError> {
    let read = dataset.files.iter().find(|info| info.format == ORIGIN);
    let software = options
        .params
        .get(PARAM_SOFTWARE)
        .map(|value| value.trim().to_string())
        .or_else(|| read.and_then(|info| info.logiciel.clone()))
        .unwrap_or_else(|| DEFAULT_SOFTWARE.to_string());
    if software.is_empty() || software.chars().count() > SOFTWARE_MAX {
        return Err(FormatError::MissingData(format!(
            "le logiciel « {software} » doit faire de 1 à {SOFTWARE_MAX} caractères (--logiciel)"
        )));
    }
    let number = options
        .params
        .get(PARAM_SEND_NUMBER)
        .map(|value| value.trim().to_string())
        .or_else(|| {
            read.and_then(|info| info.extra.get("NUM_ENVOI"))
                .and_then(|node| node.text.clone())
        })
        .unwrap_or_else(|| "0".to_string());
    let valid = !number.is_empty()
        && number.chars().all(|character| character.is_ascii_digit())
        && number
            .parse::<u32>()
            .is_ok_and(|value| value <= COUNTER_MAX);
    if !valid {
        return Err(FormatError::MissingData(format!(
            "le numéro d'envoi « {number} » doit être un entier de 0 à {COUNTER_MAX} (--num-envoi)"
        )));
    }
    Ok((software, number))
}

fn write_entry(xml: &mut XmlWriter, entry: &LiensEntry) {
    let student = &entry.student;
    xml.open("ELEVE", &[]);
    if let Some(id) = &student.eleve_id {
        xml.leaf("ELEVE_ID", id.trim());
    } else if let Some(ine) = &student.ine {
        xml.leaf("ID_NATIONAL", ine.trim());
    } else if let Some(private) = &student.private_id {
        xml.leaf("ID_PRV_ELE", private.trim());
    }
    // Required elements stay present when empty, so that the pre-flight names the gap.
    xml.leaf_or_empty("NOM_DE_FAMILLE", student.family_name.as_deref());
    xml.leaf_opt("NOM_USAGE", student.usage_name.as_deref());
    xml.leaf_or_empty("PRENOM", student.first_name.as_deref());
    xml.leaf_opt("PRENOM2", student.first_name2.as_deref());
    xml.leaf_opt("PRENOM3", student.first_name3.as_deref());
    xml.leaf_or_empty("DATE_NAISS", student.birth_date.map(format_iso).as_deref());
    xml.open("GROUPES", &[]);
    for link in &entry.links {
        xml.open("GROUPE", &[]);
        xml.leaf("CODE_GROUPE", &link.group);
        xml.leaf_opt("DATE_DEBUT_GROUPE", link.start.map(format_iso).as_deref());
        xml.leaf_opt("DATE_FIN_GROUPE", link.end.map(format_iso).as_deref());
        xml.close();
    }
    xml.close();
    xml.close();
}

/// The document, in ISO-8859-15.
fn document(
    uaj: &str,
    year: i32,
    generated: NaiveDateTime,
    envelope: &(String, String),
    entries: &[LiensEntry],
) -> Vec<u8> {
    let mut xml = XmlWriter::with_declaration("ISO-8859-15");
    xml.open("IMPORT_ELEVES", &[("VERSION", "1.4")]);
    xml.open("PARAMETRES", &[]);
    xml.leaf("UAJ", uaj);
    xml.leaf("ANNEE_SCOLAIRE", &format!("{year:04}"));
    xml.leaf("DATE_IMPORT", &format_french(generated.date()));
    xml.leaf("NUM_ENVOI", &envelope.1);
    xml.leaf("LOGICIEL", &envelope.0);
    xml.close();
    xml.open("DONNEES", &[]);
    xml.open("ELEVES", &[]);
    for entry in entries {
        write_entry(&mut xml, entry);
    }
    xml.finish_latin9()
}

/// Writes the liens file of a dataset (see [`entries_to_write`] for what is sent).
pub fn write(dataset: &Dataset, options: &WriteOptions) -> Result<Vec<OutputFile>, FormatError> {
    let uaj = dataset.establishment.uaj.trim();
    if uaj.is_empty() {
        return Err(FormatError::MissingData(
            "le fichier des liens a besoin de l'UAJ de l'établissement : donnez aussi l'export des élèves de SIECLE".into(),
        ));
    }
    let year = dataset.school_year.millesime.ok_or_else(|| {
        FormatError::MissingData(
            "le fichier des liens a besoin du millésime (ANNEE_SCOLAIRE) : donnez aussi l'export des élèves de SIECLE".into(),
        )
    })?;
    let envelope = envelope(dataset, options)?;
    let entries: Vec<LiensEntry> = entries_to_write(dataset)
        .into_iter()
        // The schema needs exactly one identifier: a student nobody could link is left out
        // (the link step already named them).
        .filter(|entry| entry.student.identifier().is_some() && !entry.links.is_empty())
        .collect();
    if entries.is_empty() {
        return Err(FormatError::MissingData(
            "aucun élève présent n'a de groupe à envoyer : donnez l'export des élèves de l'emploi du temps (EXP_ELEVE), un fichier des liens, ou l'export des élèves de SIECLE avec leurs groupes".into(),
        ));
    }
    let generated = options.timestamp.unwrap_or_else(|| {
        let now = chrono::Local::now().naive_local();
        now.with_nanosecond(0).unwrap_or(now)
    });
    let bytes = document(uaj, year, generated, &envelope, &entries);
    let standard = stem(uaj, year, generated);
    let (zip_name, member) = match options.target_name.as_deref() {
        Some(target) if strip_extension(target, ".xml").is_some() => {
            return Ok(vec![OutputFile {
                name: target.to_string(),
                bytes,
            }]);
        }
        Some(target) => (
            target.to_string(),
            format!("{}.xml", strip_extension(target, ".zip").unwrap_or(target)),
        ),
        None => (format!("{standard}.zip"), format!("{standard}.xml")),
    };
    let zipped = zip_single(&member, &bytes, generated)
        .map_err(|error| FormatError::MissingData(error.to_string()))?;
    Ok(vec![OutputFile {
        name: zip_name,
        bytes: zipped,
    }])
}
