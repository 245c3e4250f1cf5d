//! The `edt-sts` format: `emp_sts_<UAJ>_<ANNEE>.xml` (root `EDT_STS`), EDT's upload of the
//! structure, services and courses to STS-Web (synchronisation 3, STS.md §3).

mod read;
mod write;

use passerelle_core::format::{
    Format, FormatError, OutputFile, Probe, ReadInput, ReadOutput, WriteOptions, score,
};
use passerelle_core::model::Dataset;

pub use read::{ELEMENT_IGNORE, ELEMENT_MAL_PLACE};

/// Format id.
pub const FORMAT_ID: &str = "edt-sts";

/// Root element of the upward file (the downward `sts_emp` has `STS_EDT`).
pub const ROOT: &str = "EDT_STS";

/// Code of the remark for a week start written on a Sunday and moved to the Monday
/// (STS.md §8.9).
pub const SEMAINE_DIMANCHE: &str = "SEMAINE_DIMANCHE";

/// Where unknown elements outside records are kept in [`Dataset::extra`]: one node per parent
/// element, named by the parent's path (`EDT_STS/DONNEES`), so that only this format writes
/// them back, at their place.
fn kept_path(path: &[&str]) -> String {
    path.join("/")
}

/// The `edt-sts` format.
pub struct EdtStsFormat;

impl Format for EdtStsFormat {
    fn id(&self) -> &str {
        FORMAT_ID
    }

    /// The file carries no version: this is the DTD generation it follows (2013, with the
    /// courses that EDT 2009 did not send).
    fn version(&self) -> &str {
        "2013"
    }

    fn description(&self) -> &str {
        "Remontée des services d'EDT vers STS-Web (emp_sts_<UAJ>_<ANNEE>.xml, racine EDT_STS)"
    }

    fn sniff(&self, probe: &Probe<'_>) -> u8 {
        match probe.root {
            Some(root) if root.name == ROOT => score::SURE,
            _ => score::NO,
        }
    }

    fn can_read(&self) -> bool {
        true
    }

    fn can_write(&self) -> bool {
        true
    }

    fn read(&self, input: &ReadInput<'_>) -> Result<ReadOutput, FormatError> {
        read::read(input)
    }

    fn write(
        &self,
        dataset: &Dataset,
        options: &WriteOptions,
    ) -> Result<Vec<OutputFile>, FormatError> {
        write::write(dataset, options)
    }
}

passerelle_core::register_format!(EdtStsFormat);

#[cfg(test)]
mod tests {
    use passerelle_core::diagnostics::codes::VALEUR_INVALIDE;
    use passerelle_core::format::ReadOptions;
    use passerelle_core::xml::probe_root;

    use super::*;

    fn read_text(text: &str) -> Result<ReadOutput, FormatError> {
        EdtStsFormat.read(&ReadInput {
            file_name: "emp_sts.xml",
            base_name: "emp_sts.xml",
            text,
            options: &ReadOptions::default(),
        })
    }

    fn document(data: &str) -> String {
        format!(
            "<?xml version=\"1.0\"?>\n<EDT_STS>\n<PARAMETRES><UAJ>0999999Z</UAJ><ANNEE_SCOLAIRE>2024</ANNEE_SCOLAIRE></PARAMETRES>\n<DONNEES>\n{data}\n</DONNEES>\n</EDT_STS>\n"
        )
    }

    fn codes(output: &ReadOutput) -> Vec<&str> {
        output
            .diagnostics
            .iter()
            .map(|diagnostic| diagnostic.code.as_str())
            .collect()
    }

    fn write_text(dataset: &Dataset) -> String {
        let outputs = EdtStsFormat
            .write(dataset, &WriteOptions::default())
            .unwrap();
        String::from_utf8(outputs[0].bytes.clone()).unwrap()
    }

    #[test]
    fn sniffs_only_its_root() {
        let score = |text: &str| {
            let root = probe_root(text);
            EdtStsFormat.sniff(&Probe {
                file_name: "f.xml",
                base_name: "f.xml",
                text,
                root: root.as_ref(),
            })
        };
        assert_eq!(score("<EDT_STS><PARAMETRES/></EDT_STS>"), score::SURE);
        assert_eq!(score("<STS_EDT><PARAMETRES/></STS_EDT>"), score::NO);
        assert_eq!(score("NOM;PRENOM"), score::NO);
    }

    #[test]
    fn refuses_what_is_not_an_emp_sts() {
        let wrong_root = read_text("<STS_EDT><PARAMETRES/></STS_EDT>").unwrap_err();
        assert!(wrong_root.to_string().contains("<STS_EDT>"), "{wrong_root}");
        let no_data = read_text("<EDT_STS><PARAMETRES><UAJ>0999999Z</UAJ></PARAMETRES></EDT_STS>")
            .unwrap_err();
        assert!(no_data.to_string().contains("<DONNEES>"), "{no_data}");
        let no_uaj = read_text("<EDT_STS><PARAMETRES/><DONNEES/></EDT_STS>").unwrap_err();
        assert!(no_uaj.to_string().contains("UAJ"), "{no_uaj}");
        let truncated = read_text(&document("<STRUCTURE><DIVISIONS>")).unwrap_err();
        assert!(matches!(truncated, FormatError::Xml(_)), "{truncated}");
    }

    #[test]
    fn a_record_without_its_key_is_refused_with_line_and_path() {
        let error = read_text(&document(
            "<STRUCTURE>\n<DIVISIONS>\n<DIVISION CODE=\"3 A\"><SERVICES/></DIVISION>\n<DIVISION><SERVICES/></DIVISION>\n</DIVISIONS>\n</STRUCTURE>",
        ))
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("ligne 8")
                && error.contains("/EDT_STS/DONNEES/STRUCTURE/DIVISIONS")
                && error.contains("CODE"),
            "{error}"
        );
    }

    #[test]
    fn invalid_values_are_reported_and_ignored() {
        let output = read_text(&document(
            "<HORAIRES><HORAIRE JOUR=\"9\"><DEBUT_COURS>0800</DEBUT_COURS><FIN_COURS>1700</FIN_COURS></HORAIRE>\
             <HORAIRE JOUR=\"2\"><DEBUT_COURS>8 heures</DEBUT_COURS><FIN_COURS>1700</FIN_COURS></HORAIRE></HORAIRES>\n\
             <STRUCTURE><DIVISIONS/><GROUPES><GROUPE CODE=\"G\"><EFFECTIF_PREVU>beaucoup</EFFECTIF_PREVU><SERVICES>\
             <SERVICE CODE_MATIERE=\"030201\"><ENSEIGNANTS><ENSEIGNANT ID=\"1\"><COURS_RATTACHES><COURS>\
             <CODE_ALTERNANCE>H</CODE_ALTERNANCE><JOUR>8</JOUR><HEURE_DEBUT>2330</HEURE_DEBUT><DUREE>0100</DUREE>\
             </COURS></COURS_RATTACHES></ENSEIGNANT></ENSEIGNANTS></SERVICE></SERVICES></GROUPE></GROUPES></STRUCTURE>",
        ))
        .unwrap();
        assert_eq!(
            codes(&output),
            [
                VALEUR_INVALIDE,
                VALEUR_INVALIDE,
                VALEUR_INVALIDE,
                VALEUR_INVALIDE,
                VALEUR_INVALIDE
            ]
        );
        let messages: Vec<&str> = output
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert!(messages[0].contains("« 9 »"), "{messages:?}");
        assert!(messages[1].contains("« 8 heures »"), "{messages:?}");
        assert!(messages[2].contains("« beaucoup »"), "{messages:?}");
        assert!(messages[4].contains("après minuit"), "{messages:?}");
        let dataset = &output.dataset;
        assert_eq!(dataset.timetable.day_hours.len(), 1);
        assert_eq!(dataset.timetable.day_hours[0].start, None);
        assert_eq!(dataset.groups["G"].planned, None);
        let course = &dataset.services[0].teachers[0].courses[0];
        assert_eq!(
            (course.day, course.start.map(|t| t.0)),
            (None, Some(23 * 60 + 30))
        );
    }

    #[test]
    fn week_starts_other_than_monday_are_reported() {
        let output = read_text(&document(
            "<ALTERNANCES><ALTERNANCE CODE=\"H\"><LIBELLE_COURT>H</LIBELLE_COURT><LIBELLE_LONG/>\
             <SEMAINES><DATE_DEBUT_SEMAINE>2024-09-01</DATE_DEBUT_SEMAINE>\
             <DATE_DEBUT_SEMAINE>2024-09-10</DATE_DEBUT_SEMAINE><DATE_DEBUT_SEMAINE>2 sept.</DATE_DEBUT_SEMAINE>\
             <SEMAINE>x</SEMAINE></SEMAINES></ALTERNANCE></ALTERNANCES>",
        ))
        .unwrap();
        assert_eq!(
            codes(&output),
            [
                VALEUR_INVALIDE,
                VALEUR_INVALIDE,
                ELEMENT_IGNORE,
                SEMAINE_DIMANCHE
            ]
        );
        let weeks: Vec<String> = output.dataset.timetable.alternances["H"]
            .weeks
            .iter()
            .map(|week| week.to_string())
            .collect();
        assert_eq!(weeks, ["2024-09-02", "2024-09-10"]);
    }

    #[test]
    fn misplaced_and_unknown_elements_are_kept_and_written_back_in_place() {
        let text = "<EDT_STS>\n<PARAMETRES><UAJ CODE=\"0999999Z\"/><AUTRE>x</AUTRE></PARAMETRES>\n\
            <ALTERNANCES><ALTERNANCE CODE=\"H\"><LIBELLE_COURT>H</LIBELLE_COURT><LIBELLE_LONG>H</LIBELLE_LONG><SEMAINES/></ALTERNANCE></ALTERNANCES>\n\
            <DONNEES><HORAIRES><NOTE>n</NOTE></HORAIRES><STRUCTURE><DIVISIONS/><GROUPES/><AUTRES/></STRUCTURE></DONNEES>\n\
            <FIN>f</FIN>\n</EDT_STS>";
        let output = read_text(text).unwrap();
        assert_eq!(codes(&output), [VALEUR_INVALIDE, ELEMENT_MAL_PLACE]);
        let dataset = &output.dataset;
        assert_eq!(dataset.establishment.uaj, "0999999Z");
        assert!(dataset.timetable.alternances.contains_key("H"));
        let written = write_text(dataset);
        let expected_order = [
            "<AUTRE>x</AUTRE>",
            "<HORAIRES>",
            "<NOTE>n</NOTE>",
            "<ALTERNANCES>",
            "<GROUPES/>",
            "<AUTRES/>",
            "</DONNEES>",
            "<FIN>f</FIN>",
        ];
        let positions: Vec<usize> = expected_order
            .iter()
            .map(|tag| {
                written
                    .find(tag)
                    .unwrap_or_else(|| panic!("{tag}: {written}"))
            })
            .collect();
        assert!(
            positions.windows(2).all(|pair| pair[0] < pair[1]),
            "{written}"
        );
        let reread = read_text(&written).unwrap();
        assert!(reread.diagnostics.is_empty(), "{:#?}", reread.diagnostics);
        assert_eq!(write_text(&reread.dataset), written);
    }

    #[test]
    fn duplicates_keep_the_first() {
        let output = read_text(&document(
            "<STRUCTURE><DIVISIONS><DIVISION CODE=\"3 A\"><SERVICES/></DIVISION>\
             <DIVISION CODE=\" 3 A \"><SERVICES><SERVICE CODE_MATIERE=\"1\"><ENSEIGNANTS/></SERVICE></SERVICES></DIVISION>\
             </DIVISIONS><GROUPES/></STRUCTURE>",
        ))
        .unwrap();
        assert_eq!(codes(&output), [VALEUR_INVALIDE]);
        assert!(output.diagnostics[0].message.contains("deux fois"));
        assert!(output.dataset.services.is_empty());
    }

    #[test]
    fn the_writer_needs_an_uaj() {
        let error = EdtStsFormat
            .write(&Dataset::default(), &WriteOptions::default())
            .unwrap_err();
        assert!(matches!(error, FormatError::MissingData(_)), "{error}");
    }
}
