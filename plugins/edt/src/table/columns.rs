//! The columns of EDT's list exports, recognised by meaning rather than by position.
//!
//! The user picks the columns and their order, and headings follow the interface language
//! (LIENS_ET_EDT.md §13): a heading is compared without case, accents or punctuation
//! (`H.DEBUT`, `h_debut` and `Heure début` are the same column).

use std::collections::HashMap;

use passerelle_core::names::normalize_name;

/// A column passerelle understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Column {
    /// EDT's own row number.
    Numero,
    /// Family name.
    Nom,
    /// First name.
    Prenom,
    /// Birth date `DD/MM/YYYY`.
    DateNaiss,
    /// `F`, `M`.
    Sexe,
    /// INE.
    Ine,
    /// Division (and class parts) of a student; classes, parts and groups of a course.
    Classe,
    /// Group names.
    Groupes,
    /// Subject code as EDT knows it.
    MatCode,
    /// Subject label.
    MatLibelle,
    /// Teachers' family names.
    ProfNom,
    /// Teachers' first names.
    ProfPrenom,
    /// Weekday in full (`lundi`).
    Jour,
    /// Start time (`08h00`, maybe space-padded).
    HDebut,
    /// Duration (`1h00`).
    Duree,
    /// Room(s).
    Salle,
    /// Week pattern (`H`, `Q1`…).
    Alternance,
}

/// Headings by meaning, compared once normalised (see [`heading_key`]); French first, then
/// the Italian headings EDT writes in that language.
const HEADINGS: &[(Column, &[&str])] = &[
    (Column::Numero, &["NUMERO", "NUM", "N"]),
    (Column::Nom, &["NOM", "NOMDEFAMILLE", "NOMELEVE", "COGNOME"]),
    (Column::Prenom, &["PRENOM", "PRENOMELEVE", "NOME"]),
    (
        Column::DateNaiss,
        &[
            "DATENAISS",
            "DATENAISSANCE",
            "DATEDENAISSANCE",
            "NELE",
            "DATANASCITA",
        ],
    ),
    (Column::Sexe, &["SEXE", "SESSO"]),
    (
        Column::Ine,
        &["NNATIONAL", "INE", "IDNATIONAL", "NUMERONATIONAL"],
    ),
    (Column::Classe, &["CLASSE", "CLASSES", "DIVISION"]),
    (Column::Groupes, &["GROUPES", "GROUPE", "GRUPPI"]),
    (Column::MatCode, &["MATCODE", "MATCOD", "CODEMATIERE"]),
    (
        Column::MatLibelle,
        &["MATLIBELLE", "MATLIB", "MATIERE", "MATERIA"],
    ),
    (
        Column::ProfNom,
        &["PROFNOM", "PROFESSEUR", "PROFESSEURS", "DOCENTE"],
    ),
    (Column::ProfPrenom, &["PROFPRENOM"]),
    (Column::Jour, &["JOUR", "GIORNO"]),
    (
        Column::HDebut,
        &["HDEBUT", "HEUREDEBUT", "DEBUT", "OINIZIO"],
    ),
    (Column::Duree, &["DUREE", "DURATA"]),
    (Column::Salle, &["SALLE", "SALLES", "AULA"]),
    (Column::Alternance, &["ALTERNANCE", "FREQUENCE"]),
];

/// A heading reduced to upper-case letters and digits, accents removed.
pub(crate) fn heading_key(heading: &str) -> String {
    normalize_name(heading)
        .chars()
        .filter(|character| character.is_alphanumeric())
        .collect()
}

/// The columns of headings already seen: a list repeats its headings on every row, and
/// normalising a heading costs more than the rest of the cell.
#[derive(Debug, Default)]
pub(crate) struct ColumnCache(HashMap<String, Option<Column>>);

impl ColumnCache {
    /// [`Column::of`], once per heading.
    pub(crate) fn of(&mut self, heading: &str) -> Option<Column> {
        if let Some(column) = self.0.get(heading) {
            return *column;
        }
        let column = Column::of(heading);
        self.0.insert(heading.to_string(), column);
        column
    }
}

impl Column {
    /// The column a heading names, if passerelle knows it.
    pub(crate) fn of(heading: &str) -> Option<Column> {
        let key = heading_key(heading);
        HEADINGS
            .iter()
            .find(|(_, names)| names.contains(&key.as_str()))
            .map(|(column, _)| *column)
    }

    /// The heading passerelle writes (EDT's French heading).
    pub(crate) fn heading(self) -> &'static str {
        match self {
            Column::Numero => "NUMERO",
            Column::Nom => "NOM",
            Column::Prenom => "PRENOM",
            Column::DateNaiss => "DATE_NAISS",
            Column::Sexe => "SEXE",
            Column::Ine => "N_NATIONAL",
            Column::Classe => "CLASSE",
            Column::Groupes => "GROUPES",
            Column::MatCode => "MAT_CODE",
            Column::MatLibelle => "MAT_LIBELLE",
            Column::ProfNom => "PROF_NOM",
            Column::ProfPrenom => "PROF_PRENOM",
            Column::Jour => "JOUR",
            Column::HDebut => "H.DEBUT",
            Column::Duree => "DUREE",
            Column::Salle => "SALLE",
            Column::Alternance => "ALTERNANCE",
        }
    }

    /// Columns only a course list has.
    fn is_course_column(self) -> bool {
        matches!(
            self,
            Column::MatCode
                | Column::MatLibelle
                | Column::ProfNom
                | Column::ProfPrenom
                | Column::Jour
                | Column::HDebut
                | Column::Duree
                | Column::Salle
                | Column::Alternance
        )
    }

    /// Columns only a student list has.
    fn is_student_column(self) -> bool {
        matches!(
            self,
            Column::Nom | Column::Prenom | Column::DateNaiss | Column::Sexe | Column::Ine
        )
    }
}

/// What a list export holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ListKind {
    /// Students (`EXP_ELEVE`): rows become group memberships.
    Students,
    /// Courses (`EXP_COURS`): rows become courses.
    Courses,
    /// Another list (teachers, subjects, rooms…), named as the file names it.
    Other(String),
}

impl ListKind {
    /// From the `TABLE/@nom` or the row element name (`Elèves`, `Eleves_et_leurs_responsables`,
    /// `Cours`, `Cours_annuels`); `None` when the name says nothing passerelle knows.
    pub(crate) fn from_name(name: &str) -> Option<ListKind> {
        let key = heading_key(name);
        if key.starts_with("ELEVE") || key.starts_with("STUDENT") {
            Some(ListKind::Students)
        } else if key.starts_with("COURS") || key.starts_with("LEZION") {
            Some(ListKind::Courses)
        } else if [
            "PROFESSEURS",
            "MATIERES",
            "CLASSES",
            "SALLES",
            "GROUPES",
            "PERSONNELS",
            "RESPONSABLES",
        ]
        .contains(&key.as_str())
        {
            Some(ListKind::Other(name.trim().to_string()))
        } else {
            None
        }
    }

    /// From the columns: any course column makes a course list, any identity column a student
    /// list.
    pub(crate) fn from_columns(columns: impl IntoIterator<Item = Column>) -> Option<ListKind> {
        let columns: Vec<Column> = columns.into_iter().collect();
        if columns.iter().any(|column| column.is_course_column()) {
            Some(ListKind::Courses)
        } else if columns.iter().any(|column| column.is_student_column()) {
            Some(ListKind::Students)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_are_matched_by_meaning() {
        assert_eq!(Column::of("H.DEBUT"), Some(Column::HDebut));
        assert_eq!(Column::of(" h_debut "), Some(Column::HDebut));
        assert_eq!(Column::of("Heure début"), Some(Column::HDebut));
        assert_eq!(Column::of("n_national"), Some(Column::Ine));
        assert_eq!(Column::of("Date_Naiss"), Some(Column::DateNaiss));
        assert_eq!(Column::of("Prénom"), Some(Column::Prenom));
        assert_eq!(Column::of("O.INIZIO"), Some(Column::HDebut));
        assert_eq!(Column::of("MAT_COD"), Some(Column::MatCode));
        assert_eq!(Column::of("CO-ENS."), None);
        assert_eq!(Column::of("OPTION_1"), None);
        assert_eq!(Column::of(Column::HDebut.heading()), Some(Column::HDebut));
    }

    #[test]
    fn lists_are_recognised_by_name_then_columns() {
        assert_eq!(ListKind::from_name("Elèves"), Some(ListKind::Students));
        assert_eq!(
            ListKind::from_name("Eleves_et_leurs_responsables"),
            Some(ListKind::Students)
        );
        assert_eq!(
            ListKind::from_name("Cours_annuels"),
            Some(ListKind::Courses)
        );
        assert_eq!(
            ListKind::from_name("Matières"),
            Some(ListKind::Other("Matières".into()))
        );
        assert_eq!(ListKind::from_name("Divers"), None);
        assert_eq!(
            ListKind::from_columns([Column::Classe, Column::Jour]),
            Some(ListKind::Courses)
        );
        assert_eq!(
            ListKind::from_columns([Column::Numero, Column::Nom, Column::Groupes]),
            Some(ListKind::Students)
        );
        assert_eq!(ListKind::from_columns([Column::Classe]), None);
    }
}
