//! The `edt-table` format: EDT/PRONOTE list exports `EXP_*.xml` (`<TABLE nom="…">`, UTF-8
//! with BOM) and their `;` CSV twins (LIENS_ET_EDT.md §13).
//!
//! Student rows carry no ELEVE_ID: each becomes one [`Membership`] per group or class part,
//! naming the student by INE, names and birth date, with origin
//! [`EDT_ORIGIN`](passerelle_core::correspondences::EDT_ORIGIN). There is no `Student` for
//! them: students are keyed by ELEVE_ID, which only SIECLE gives, so they are linked after
//! merging ([`passerelle_core::students::link_memberships`]). The row's division (first item
//! of `CLASSE`) is kept on each membership, in the extra node
//! [`DIVISION_EXTRA`](passerelle_core::correspondences::DIVISION_EXTRA), so that
//! correspondences map it and the list can be written back; a class part also keeps its
//! partition ([`PARTITION_EXTRA`]). Course rows become `timetable.courses`.
//!
//! [`Membership`]: passerelle_core::model::Membership

mod cells;
mod columns;
mod read;
mod write;

use passerelle_core::csv::first_line;
use passerelle_core::format::{
    Format, FormatError, OutputFile, Probe, ReadInput, ReadOutput, WriteOptions, score,
};
use passerelle_core::model::Dataset;

use columns::{Column, ListKind};
pub use read::LISTE_NON_REPRISE;

/// Format id.
pub const FORMAT_ID: &str = "edt-table";

/// Root element of the XML lists.
pub const ROOT: &str = "TABLE";

/// Extra node of a class-part membership holding the partition's name.
pub const PARTITION_EXTRA: &str = "PARTITION";

/// Extra node of the file's [`FileInfo`](passerelle_core::model::FileInfo) holding
/// `TABLE/@nom`.
pub const TABLE_EXTRA: &str = "TABLE";

/// Score of a CSV whose header has at least two known columns: between [`score::ROOT`] and
/// [`score::SURE`], which no other format gives.
const CSV_HEADER: u8 = 80;

/// The `edt-table` format.
pub struct EdtTableFormat;

impl Format for EdtTableFormat {
    fn id(&self) -> &str {
        FORMAT_ID
    }

    /// EDT's list exports have no version; the columns are the user's choice.
    fn version(&self) -> &str {
        "1"
    }

    fn description(&self) -> &str {
        "Liste exportée d'EDT/PRONOTE (EXP_ELEVE, EXP_COURS… en XML ou CSV) ; écrit EXP_ELEVE.xml"
    }

    fn sniff(&self, probe: &Probe<'_>) -> u8 {
        if let Some(root) = probe.root {
            return match root.name.as_str() {
                ROOT => match root.attr("nom").and_then(ListKind::from_name) {
                    Some(_) => score::SURE,
                    None => score::ROOT,
                },
                _ => score::NO,
            };
        }
        let header = first_line(probe.text);
        if probe.text.trim_start().starts_with('<') || !header.contains(';') {
            return score::NO;
        }
        let known = header
            .split(';')
            .filter(|heading| Column::of(heading.trim_matches(['"', ' '])).is_some())
            .count();
        if known >= 2 { CSV_HEADER } else { score::NO }
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

passerelle_core::register_format!(EdtTableFormat);

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use passerelle_core::correspondences::{DIVISION_EXTRA, EDT_ORIGIN};
    use passerelle_core::diagnostics::codes::VALEUR_INVALIDE;
    use passerelle_core::format::ReadOptions;
    use passerelle_core::model::{Extra, ExtraNode, Membership, Student, StudentRef};
    use passerelle_core::xml::probe_root;

    use super::*;

    fn score_of(name: &str, text: &str) -> u8 {
        let root = probe_root(text).filter(|_| text.starts_with('<'));
        EdtTableFormat.sniff(&Probe {
            file_name: name,
            base_name: name,
            text,
            root: root.as_ref(),
        })
    }

    fn read_text(name: &str, text: &str) -> Result<ReadOutput, FormatError> {
        EdtTableFormat.read(&ReadInput {
            file_name: name,
            base_name: name,
            text,
            options: &ReadOptions::default(),
        })
    }

    #[test]
    fn sniff_scores_are_distinctive() {
        assert_eq!(
            score_of("a.xml", "<TABLE nom=\"Elèves\"><Eleves/></TABLE>"),
            score::SURE
        );
        assert_eq!(score_of("a.xml", "<TABLE nom=\"Cours\"/>"), score::SURE);
        assert_eq!(score_of("a.xml", "<TABLE nom=\"Divers\"/>"), score::ROOT);
        assert_eq!(score_of("a.xml", "<EDT_STS/>"), score::NO);
        assert_eq!(
            score_of("e.csv", "\u{feff}NOM;PRENOM;CLASSE\r\nA;B;C"),
            CSV_HEADER
        );
        assert_eq!(score_of("c.csv", "\"MAT_CODE\";\"JOUR\"\n"), CSV_HEADER);
        assert_eq!(score_of("e.csv", "NOM;REMARQUE\nA;B"), score::NO);
        assert_eq!(score_of("corr.csv", "type;nom_edt;code_sts\n"), score::NO);
        assert_eq!(score_of("d.json", "{\"model_version\": 1}"), score::NO);
        assert!(![score::NO, score::WEAK, score::ROOT, score::SURE].contains(&CSV_HEADER));
    }

    #[test]
    fn an_unterminated_quote_names_its_line_once() {
        let error = read_text("EXP_ELEVE.csv", "NOM;PRENOM;CLASSE\r\nA;\"B;3 A\r\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "EXP_ELEVE.csv, ligne 2 : guillemet ouvrant sans guillemet fermant (fichier \
             tronqué ou mal enregistré ?)"
        );
    }

    #[test]
    fn invalid_cells_are_reported_with_their_row() {
        let output = read_text(
            "EXP_COURS.csv",
            "MAT_CODE;JOUR;H.DEBUT;DUREE\nAGL1;lundi;08h00;1h00\nAGL1;jour férié;8 heures;longtemps\n",
        )
        .unwrap();
        let lines: Vec<(&str, Option<u32>)> = output
            .diagnostics
            .iter()
            .map(|d| (d.code.as_str(), d.line))
            .collect();
        assert_eq!(lines, [(VALEUR_INVALIDE, Some(3)); 3]);
        let second = &output.dataset.timetable.courses[1];
        assert_eq!(
            (second.day, second.start, second.duration),
            (None, None, None)
        );
        let students = read_text(
            "EXP_ELEVE.csv",
            "NOM;PRENOM;DATE_NAISS;CLASSE;GROUPES\nA;B;31/02/2010;4B, 4C;G1\n",
        )
        .unwrap();
        let messages: Vec<&str> = students
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].contains("31/02/2010"));
        assert!(messages[1].contains("« 4C »"));
        assert!(
            messages[2].contains("ne pourront pas être reliés"),
            "{messages:?}"
        );
        assert_eq!(students.dataset.memberships.len(), 1);
    }

    #[test]
    fn other_lists_are_read_but_not_used() {
        let output = read_text(
            "EXP_MATIERE.xml",
            "<TABLE nom=\"Matières\"><Matieres numero=\"1\"><CODE>AGL1</CODE></Matieres></TABLE>",
        )
        .unwrap();
        assert_eq!(output.diagnostics[0].code, LISTE_NON_REPRISE);
        assert!(output.diagnostics[0].message.contains("« Matières »"));
        assert!(
            output.dataset.memberships.is_empty() && output.dataset.timetable.courses.is_empty()
        );
        // Without a known TABLE name, the row element then the columns decide.
        let by_row = read_text(
            "x.xml",
            "<TABLE><Eleves><NOM>A</NOM><GROUPES>G</GROUPES><N_NATIONAL>1</N_NATIONAL></Eleves></TABLE>",
        )
        .unwrap();
        assert_eq!(by_row.dataset.memberships.len(), 1);
        let by_columns = read_text(
            "x.xml",
            "<TABLE nom=\"X\"><L><JOUR>lundi</JOUR></L></TABLE>",
        )
        .unwrap();
        assert_eq!(by_columns.dataset.timetable.courses.len(), 1);
    }

    #[test]
    fn broken_files_are_refused_with_their_line() {
        let quote = read_text("e.csv", "NOM;GROUPES\nA;\"G1, G2\nB;G3\n").unwrap_err();
        assert!(quote.to_string().contains("ligne 2"), "{quote}");
        let empty = read_text("e.csv", "\u{feff}\r\n").unwrap_err();
        assert!(empty.to_string().contains("vide"), "{empty}");
        let root = read_text("e.xml", "<LISTE/>").unwrap_err();
        assert!(root.to_string().contains("<LISTE>"), "{root}");
    }

    fn student(id: &str, family: &str, division: &str, left: Option<NaiveDate>) -> Student {
        Student {
            eleve_id: id.into(),
            elenoet: Some(format!("E{id}")),
            family_name: Some(family.into()),
            first_name: Some("Léa".into()),
            birth_date: NaiveDate::from_ymd_opt(2012, 5, 1),
            sex: Some("2".into()),
            ine: Some(format!("INE{id}")),
            division: Some(division.into()),
            leaving_date: left,
            ..Student::default()
        }
    }

    #[test]
    fn the_student_list_is_written_from_siecle_students_and_their_groups() {
        let reference = NaiveDate::from_ymd_opt(2025, 10, 1);
        let mut dataset = Dataset::new("0999999Z", Some(2025));
        dataset.reference_date = reference;
        for s in [
            student("3", "ÉTIENNE", "4 B", None),
            student("1", "ZOLA", "4 A", None),
            student("2", "ABEL", "4 B", None),
            student("4", "PARTI", "4 A", NaiveDate::from_ymd_opt(2025, 9, 20)),
        ] {
            dataset.students.insert(s.eleve_id.clone(), s);
        }
        let membership = |id: &str, group: &str, end: Option<NaiveDate>, extra: Extra| Membership {
            student: StudentRef::by_eleve_id(id),
            group: group.into(),
            end,
            origin: EDT_ORIGIN.into(),
            extra,
            ..Membership::default()
        };
        dataset.memberships = vec![
            membership("3", "4ESP2", None, Extra::default()),
            membership(
                "3",
                "4B G1",
                None,
                Extra(vec![ExtraNode::text(PARTITION_EXTRA, "Dédoublement")]),
            ),
            membership("3", "4ESP2", None, Extra::default()),
            membership(
                "3",
                "4LATIN",
                NaiveDate::from_ymd_opt(2025, 9, 15),
                Extra::default(),
            ),
            membership("4", "4ESP2", None, Extra::default()),
        ];
        let outputs = EdtTableFormat
            .write(&dataset, &WriteOptions::default())
            .unwrap();
        assert_eq!(outputs[0].name, "EXP_ELEVE.xml");
        let text = String::from_utf8(outputs[0].bytes.clone()).unwrap();
        let rows: Vec<&str> = text.split("<Eleves ").skip(1).collect();
        assert_eq!(rows.len(), 3, "the student who left is not written: {text}");
        assert!(rows[0].contains("<NOM>ZOLA</NOM>"), "by division then name");
        assert!(rows[1].contains("<NOM>ABEL</NOM>") && rows[1].contains("<GROUPES/>"));
        assert!(rows[2].starts_with("numero=\"3\""));
        assert!(rows[2].contains("<NUMERO>E3</NUMERO>") && rows[2].contains("<SEXE>F</SEXE>"));
        assert!(rows[2].contains("<DATE_NAISS>01/05/2012</DATE_NAISS>"));
        assert!(
            rows[2].contains("<CLASSE>4 B, &lt;4 B&gt; &lt;Dédoublement&gt; 4B G1</CLASSE>"),
            "{}",
            rows[2]
        );
        assert!(
            rows[2].contains("<GROUPES>4ESP2</GROUPES>"),
            "ended memberships are left out"
        );
        // Read back, the list gives the same groups, named by INE.
        let reread = read_text("EXP_ELEVE.xml", text.trim_start_matches('\u{feff}')).unwrap();
        let groups: Vec<(&str, &str, &str)> = reread
            .dataset
            .memberships
            .iter()
            .map(|m| {
                (
                    m.student.ine.as_deref().unwrap(),
                    m.group.as_str(),
                    m.extra
                        .get(DIVISION_EXTRA)
                        .unwrap()
                        .text
                        .as_deref()
                        .unwrap(),
                )
            })
            .collect();
        assert_eq!(groups, [("INE3", "4B G1", "4 B"), ("INE3", "4ESP2", "4 B")]);
    }

    #[test]
    fn writing_without_students_is_refused() {
        let error = EdtTableFormat
            .write(&Dataset::default(), &WriteOptions::default())
            .unwrap_err();
        assert!(matches!(error, FormatError::MissingData(_)), "{error}");
    }
}
