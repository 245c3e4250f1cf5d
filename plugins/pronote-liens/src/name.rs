//! The file name SIECLE requires (LIENS_ET_EDT.md §6): `<UAJ>ELEGROUPE<AAAA><AAMMJJhhmmss>.xml`
//! inside a zip of the same base name.

use chrono::NaiveDateTime;

/// The literal between the UAJ and the year.
const MARKER: &str = "ELEGROUPE";

/// The parts of a well-formed base name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameParts {
    /// The UAJ (8 word characters).
    pub uaj: String,
    /// The millésime.
    pub year: i32,
    /// The 12 digits of the generation timestamp, as written.
    pub stamp: String,
}

/// The base name (no extension) for a UAJ, a millésime and a generation time.
pub fn stem(uaj: &str, year: i32, generated: NaiveDateTime) -> String {
    format!("{uaj}{MARKER}{year:04}{}", generated.format("%y%m%d%H%M%S"))
}

fn is_word(character: char) -> bool {
    character.is_ascii_alphanumeric() || character == '_'
}

/// Splits a base name (no extension) into its parts; `None` when it does not have the form
/// `<8 word characters>ELEGROUPE<4 digits><12 digits>` (the marker is case-sensitive).
pub fn parse_stem(stem: &str) -> Option<NameParts> {
    let uaj = stem.get(..8)?;
    let rest = stem.get(8..)?.strip_prefix(MARKER)?;
    if !uaj.chars().all(is_word)
        || rest.len() != 16
        || !rest.chars().all(|character| character.is_ascii_digit())
    {
        return None;
    }
    Some(NameParts {
        uaj: uaj.to_string(),
        year: rest.get(..4)?.parse().ok()?,
        stamp: rest.get(4..)?.to_string(),
    })
}

/// True when the 12 digits are a real date and time (`AAMMJJhhmmss`).
pub fn real_stamp(stamp: &str) -> bool {
    NaiveDateTime::parse_from_str(stamp, "%y%m%d%H%M%S").is_ok()
}

/// Strips an extension, ignoring its case (`.XML` as well as `.xml`).
pub fn strip_extension<'a>(name: &'a str, extension: &str) -> Option<&'a str> {
    let cut = name.len().checked_sub(extension.len())?;
    let (stem, tail) = (name.get(..cut)?, name.get(cut..)?);
    tail.eq_ignore_ascii_case(extension).then_some(stem)
}

/// What is wrong with the name of a liens file read as `file_name` (`archive.zip!member.xml`
/// or a bare file), given the UAJ and year of its `PARAMETRES`. Empty when SIECLE accepts it.
pub fn problems(
    file_name: &str,
    base_name: &str,
    uaj: Option<&str>,
    year: Option<i32>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let member_stem = strip_extension(base_name, ".xml");
    match file_name.split_once('!') {
        None => problems.push(format!(
            "le fichier XML n'est pas dans un zip : SIECLE attend « {0}.zip » contenant « {0}.xml »",
            member_stem.unwrap_or(base_name)
        )),
        Some((archive, member)) => {
            if member.contains(['/', '\\']) {
                problems.push(format!(
                    "« {member} » n'est pas à la racine du zip"
                ));
            }
            let zip_stem = strip_extension(archive, ".zip").unwrap_or(archive);
            if member_stem.is_some_and(|stem| stem != zip_stem) {
                problems.push(format!(
                    "le zip « {archive} » ne porte pas le même nom que le fichier XML qu'il contient (« {base_name} ») : « Nom de fichier .zip incorrect ! »"
                ));
            }
        }
    }
    let Some(stem) = member_stem else {
        problems.push(format!("« {base_name} » n'a pas l'extension .xml"));
        return problems;
    };
    match parse_stem(stem) {
        None => problems.push(format!(
            "« {base_name} » n'a pas la forme <UAJ>ELEGROUPE<AAAA><AAMMJJhhmmss>.xml : « Nom du fichier mal formaté ! »"
        )),
        Some(parts) => {
            if !real_stamp(&parts.stamp) {
                problems.push(format!(
                    "l'horodatage « {} » du nom n'est pas une date et une heure réelles (AAMMJJhhmmss)",
                    parts.stamp
                ));
            }
            if let Some(year) = year
                && year != parts.year
            {
                problems.push(format!(
                    "l'année du nom ({}) diffère de ANNEE_SCOLAIRE ({year})",
                    parts.year
                ));
            }
            if let Some(uaj) = uaj
                && uaj.trim() != parts.uaj
            {
                problems.push(format!(
                    "l'UAJ du nom ({}) diffère de celle de PARAMETRES ({})",
                    parts.uaj,
                    uaj.trim()
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "0999999ZELEGROUPE2025251014101530";

    #[test]
    fn a_zipped_well_formed_name_has_no_problem() {
        let file = format!("{GOOD}.ZIP!{GOOD}.xml");
        assert!(problems(&file, &format!("{GOOD}.xml"), Some("0999999Z"), Some(2025)).is_empty());
        let parts = parse_stem(GOOD).unwrap();
        assert_eq!((parts.uaj.as_str(), parts.year), ("0999999Z", 2025));
    }

    #[test]
    fn every_rule_of_the_upload_page_is_checked() {
        let xml = format!("{GOOD}.xml");
        let bare = problems(&xml, &xml, Some("0999999Z"), Some(2025));
        assert!(bare[0].contains("pas dans un zip"), "{bare:?}");
        let renamed = problems(&format!("liens.zip!{xml}"), &xml, None, None);
        assert!(renamed[0].contains("même nom"), "{renamed:?}");
        let lower = "0999999Zelegroupe2025251014101530";
        let case = problems(
            &format!("{lower}.zip!{lower}.xml"),
            &format!("{lower}.xml"),
            None,
            None,
        );
        assert!(case[0].contains("mal formaté"), "{case:?}");
        let bad_time = "0999999ZELEGROUPE2025251332101530";
        let time = problems(
            &format!("{bad_time}.zip!{bad_time}.xml"),
            &format!("{bad_time}.xml"),
            None,
            None,
        );
        assert!(time[0].contains("horodatage"), "{time:?}");
        let other = problems(
            &format!("{GOOD}.zip!{GOOD}.xml"),
            &xml,
            Some("0999998Y"),
            Some(2024),
        );
        assert_eq!(other.len(), 2, "{other:?}");
        let nested = problems(&format!("{GOOD}.zip!dossier/{GOOD}.xml"), &xml, None, None);
        assert!(nested[0].contains("racine"), "{nested:?}");
    }
}
