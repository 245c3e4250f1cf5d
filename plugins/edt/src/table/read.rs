//! Reading EDT's list exports: `<TABLE nom="…">` XML and `;` CSV, one row at a time.

use std::collections::BTreeMap;

use passerelle_core::correspondences::{DIVISION_EXTRA, EDT_ORIGIN};
use passerelle_core::csv::CsvReader;
use passerelle_core::dates::{parse_french, parse_iso};
use passerelle_core::diagnostics::{Diagnostic, Severity};
use passerelle_core::format::{FormatError, ReadInput, ReadOutput};
use passerelle_core::model::{
    Course, Dataset, Extra, ExtraNode, FileInfo, Membership, Source, StudentRef,
};
use passerelle_core::time::{Minutes, TimeOfDay};
use passerelle_core::xml::Node;

use super::cells::{Item, values, weekday};
use super::columns::{Column, ColumnCache, ListKind};
use super::{FORMAT_ID, PARTITION_EXTRA, ROOT, TABLE_EXTRA};
use crate::common::{invalid_value, refused};

/// Code of the remark for a list passerelle reads but does not use, or rows it cannot use.
pub const LISTE_NON_REPRISE: &str = "LISTE_NON_REPRISE";

/// One row: its line and its cells (column heading as written, trimmed value).
struct Row {
    line: u32,
    cells: Vec<ExtraNode>,
}

/// A row's cells sorted out: the known columns (first occurrence), and the others.
struct Fields<'r> {
    known: BTreeMap<Column, &'r str>,
    others: Vec<&'r ExtraNode>,
}

impl<'r> Fields<'r> {
    fn of(row: &'r Row, columns: &mut ColumnCache) -> Self {
        let mut known = BTreeMap::new();
        let mut others = Vec::new();
        // A blank cell says nothing, in XML (`<X/>`) as in CSV.
        for cell in row
            .cells
            .iter()
            .filter(|cell| cell.text.is_some() || !cell.children.is_empty())
        {
            let column = columns
                .of(&cell.name)
                .filter(|column| !known.contains_key(column));
            match (column, cell.text.as_deref(), cell.children.is_empty()) {
                (Some(column), Some(value), true) => {
                    known.insert(column, value);
                }
                _ => others.push(cell),
            }
        }
        Fields { known, others }
    }

    fn get(&self, column: Column) -> Option<&'r str> {
        self.known.get(&column).copied()
    }

    /// The known columns the row does not turn into model fields, under their French heading
    /// (in a fixed order), then the unknown columns as written: the extra of what the row
    /// becomes.
    fn extra(&self, consumed: &[Column]) -> Vec<ExtraNode> {
        let mut extra: Vec<ExtraNode> = self
            .known
            .iter()
            .filter(|(column, _)| !consumed.contains(column))
            .map(|(column, value)| ExtraNode::text(column.heading(), *value))
            .collect();
        extra.extend(self.others.iter().map(|cell| (*cell).clone()));
        extra
    }
}

struct Builder<'a> {
    file: &'a str,
    kind: Option<ListKind>,
    dataset: Dataset,
    diagnostics: Vec<Diagnostic>,
    rows: usize,
    identified_rows: usize,
    columns: ColumnCache,
}

pub(crate) fn read(input: &ReadInput<'_>) -> Result<ReadOutput, FormatError> {
    let mut builder = Builder {
        file: input.file_name,
        kind: None,
        dataset: Dataset::default(),
        diagnostics: Vec::new(),
        rows: 0,
        identified_rows: 0,
        columns: ColumnCache::default(),
    };
    let mut info = FileInfo {
        fichier: input.file_name.to_string(),
        format: FORMAT_ID.to_string(),
        ..FileInfo::default()
    };
    if input.text.trim_start().starts_with('<') {
        if let Some(name) = read_xml(input, &mut builder)? {
            info.extra.push(ExtraNode::text(TABLE_EXTRA, name));
        }
    } else {
        read_csv(input, &mut builder)?;
    }
    builder.dataset.files = vec![info];
    Ok(builder.finish())
}

fn read_xml(
    input: &ReadInput<'_>,
    builder: &mut Builder<'_>,
) -> Result<Option<String>, FormatError> {
    let mut stream = input.xml_stream();
    let root = stream.root()?;
    if root.name != ROOT {
        return Err(refused(
            input.file_name,
            root.line,
            format!(
                "l'élément racine est <{}>, or une liste exportée d'EDT commence par <{ROOT} nom=\"…\">",
                root.name
            ),
        ));
    }
    let name = root
        .attr("nom")
        .or_else(|| root.attr("NOM"))
        .map(str::to_string);
    builder.kind = name.as_deref().and_then(ListKind::from_name);
    while let Some(tag) = stream.next_child()? {
        let node = stream.read_node(tag)?;
        if builder.kind.is_none() {
            builder.kind = ListKind::from_name(&node.name)
                .or_else(|| {
                    ListKind::from_columns(node.children.iter().filter_map(|c| Column::of(&c.name)))
                })
                .or_else(|| Some(ListKind::Other(name.clone().unwrap_or(node.name.clone()))));
        }
        builder.row(&Row {
            line: node.line,
            cells: node.children.iter().map(Node::to_extra).collect(),
        });
    }
    stream.finish()?;
    Ok(name)
}

fn read_csv(input: &ReadInput<'_>, builder: &mut Builder<'_>) -> Result<(), FormatError> {
    let csv_error = |error: passerelle_core::csv::CsvError| {
        refused(input.file_name, error.line, error.what().to_string())
    };
    let mut records = CsvReader::new(input.text, ';');
    let Some(header) = records.next().transpose().map_err(csv_error)? else {
        return Err(FormatError::Invalid {
            file: input.file_name.to_string(),
            line: None,
            message: "le fichier est vide : exportez la liste depuis EDT avec sa ligne d'en-têtes"
                .to_string(),
        });
    };
    let headings: Vec<String> = header
        .fields
        .iter()
        .enumerate()
        .map(|(index, heading)| match heading.trim() {
            "" => format!("COLONNE_{}", index + 1),
            heading => heading.to_string(),
        })
        .collect();
    let base = input.base_name.to_ascii_uppercase();
    builder.kind = ListKind::from_columns(headings.iter().filter_map(|h| Column::of(h)))
        .or_else(|| ListKind::from_name(base.trim_start_matches("EXP_")))
        .or_else(|| Some(ListKind::Other(input.base_name.to_string())));
    for record in records {
        let record = record.map_err(csv_error)?;
        let cells = record
            .fields
            .iter()
            .enumerate()
            .filter(|(_, value)| !value.trim().is_empty())
            .map(|(index, value)| {
                let heading = headings
                    .get(index)
                    .cloned()
                    .unwrap_or_else(|| format!("COLONNE_{}", index + 1));
                ExtraNode::text(heading, value.trim())
            })
            .collect();
        builder.row(&Row {
            line: record.line,
            cells,
        });
    }
    Ok(())
}

impl Builder<'_> {
    fn source(&self, line: u32) -> Source {
        Source::new(self.file, Some(line))
    }

    fn row(&mut self, row: &Row) {
        if row.cells.is_empty() {
            return;
        }
        self.rows += 1;
        match self.kind {
            Some(ListKind::Students) => self.student_row(row),
            Some(ListKind::Courses) => self.course_row(row),
            _ => {}
        }
    }

    fn parsed<T>(
        &mut self,
        fields: &Fields<'_>,
        column: Column,
        line: u32,
        parse: impl Fn(&str) -> Option<T>,
        expected: &str,
    ) -> Option<T> {
        let text = fields.get(column)?;
        let value = parse(text);
        if value.is_none() {
            let diagnostic = invalid_value(
                &self.source(line),
                &format!("La colonne {}", column.heading()),
                text,
                expected,
            );
            self.diagnostics.push(diagnostic);
        }
        value
    }

    fn student_row(&mut self, row: &Row) {
        let fields = Fields::of(row, &mut self.columns);
        let birth_date = self.parsed(
            &fields,
            Column::DateNaiss,
            row.line,
            |text| parse_french(text).or_else(|| parse_iso(text)),
            "une date de naissance s'écrit JJ/MM/AAAA",
        );
        let student = StudentRef {
            ine: fields.get(Column::Ine).map(str::to_string),
            family_name: fields.get(Column::Nom).map(str::to_string),
            first_name: fields.get(Column::Prenom).map(str::to_string),
            birth_date,
            ..StudentRef::default()
        };
        if student.ine.is_some()
            || (student.family_name.is_some()
                && student.first_name.is_some()
                && student.birth_date.is_some())
        {
            self.identified_rows += 1;
        }
        let mut division = None;
        let mut items = Vec::new();
        for value in fields.get(Column::Classe).into_iter().flat_map(values) {
            match Item::parse(value) {
                Item::Plain(name) if division.is_none() => division = Some(name),
                Item::Plain(name) => {
                    let diagnostic = invalid_value(
                        &self.source(row.line),
                        "La colonne CLASSE",
                        &name,
                        "un élève n'a qu'une division (les suivantes doivent être des parties \
                         <division> <partition> partie)",
                    );
                    self.diagnostics.push(diagnostic);
                }
                item => items.push(item),
            }
        }
        items.extend(
            fields
                .get(Column::Groupes)
                .into_iter()
                .flat_map(values)
                .map(Item::parse),
        );
        let mut extra = fields.extra(&[
            Column::Nom,
            Column::Prenom,
            Column::DateNaiss,
            Column::Ine,
            Column::Classe,
            Column::Groupes,
        ]);
        if let Some(division) = &division {
            extra.push(ExtraNode::text(DIVISION_EXTRA, division));
        }
        let mut groups: Vec<&str> = Vec::new();
        for item in &items {
            let name = item.name();
            if groups.contains(&name) {
                continue;
            }
            groups.push(name);
            let mut extra = extra.clone();
            if let Item::Part { partition, .. } = item {
                extra.push(ExtraNode::text(PARTITION_EXTRA, partition));
            }
            self.dataset.memberships.push(Membership {
                student: student.clone(),
                group: name.to_string(),
                origin: EDT_ORIGIN.to_string(),
                extra: Extra(extra),
                source: self.source(row.line),
                ..Membership::default()
            });
        }
    }

    fn course_row(&mut self, row: &Row) {
        let fields = Fields::of(row, &mut self.columns);
        let day = self.parsed(
            &fields,
            Column::Jour,
            row.line,
            weekday,
            "il faut un jour de la semaine (lundi… dimanche)",
        );
        let start = self.parsed(
            &fields,
            Column::HDebut,
            row.line,
            TimeOfDay::parse,
            "une heure s'écrit 08h00",
        );
        let duration = self.parsed(
            &fields,
            Column::Duree,
            row.line,
            Minutes::parse,
            "une durée s'écrit 1h00",
        );
        let first_names: Vec<&str> = fields
            .get(Column::ProfPrenom)
            .into_iter()
            .flat_map(values)
            .collect();
        let teachers = fields
            .get(Column::ProfNom)
            .into_iter()
            .flat_map(values)
            .enumerate()
            .map(|(index, family)| match first_names.get(index) {
                Some(first) => format!("{family} {first}"),
                None => family.to_string(),
            })
            .collect();
        let mut structures: Vec<String> = Vec::new();
        for column in [Column::Classe, Column::Groupes] {
            for value in fields.get(column).into_iter().flat_map(values) {
                let name = Item::parse(value).name().to_string();
                if !structures.contains(&name) {
                    structures.push(name);
                }
            }
        }
        let rooms: Vec<&str> = fields
            .get(Column::Salle)
            .into_iter()
            .flat_map(values)
            .collect();
        let mut consumed = vec![
            Column::MatCode,
            Column::Classe,
            Column::Groupes,
            Column::Jour,
            Column::HDebut,
            Column::Duree,
            Column::Alternance,
        ];
        if fields.get(Column::MatCode).is_none() {
            consumed.push(Column::MatLibelle);
        }
        if fields.get(Column::ProfNom).is_some() {
            consumed.extend([Column::ProfNom, Column::ProfPrenom]);
        }
        if rooms.len() < 2 {
            // One room in the model; a list of rooms stays with the course as written.
            consumed.push(Column::Salle);
        }
        let course = Course {
            alternance: fields.get(Column::Alternance).map(str::to_string),
            day,
            start,
            duration,
            room: rooms.first().map(|room| room.to_string()),
            subject: fields
                .get(Column::MatCode)
                .or_else(|| fields.get(Column::MatLibelle))
                .map(str::to_string),
            teachers,
            structures,
            extra: Extra(fields.extra(&consumed)),
            source: self.source(row.line),
        };
        self.dataset.timetable.courses.push(course);
    }

    fn finish(mut self) -> ReadOutput {
        let file = self.file.to_string();
        match &self.kind {
            Some(ListKind::Other(name)) if self.rows > 0 => {
                self.diagnostics.push(
                    Diagnostic::new(
                        LISTE_NON_REPRISE,
                        Severity::Info,
                        format!(
                            "« {file} » est une liste « {name} » : passerelle n'en reprend que les \
                             listes d'élèves et de cours ; ses {} ligne(s) sont ignorées.",
                            self.rows
                        ),
                    )
                    .in_file(&file),
                );
            }
            Some(ListKind::Students) if self.rows > 0 && self.identified_rows == 0 => {
                self.diagnostics.push(
                    Diagnostic::new(
                        LISTE_NON_REPRISE,
                        Severity::Warning,
                        format!(
                            "« {file} » n'a ni la colonne N_NATIONAL ni les colonnes NOM, PRENOM \
                             et DATE_NAISS remplies : ses élèves ne pourront pas être reliés à \
                             SIECLE."
                        ),
                    )
                    .with_fix(
                        "Refaites l'export de la liste des élèves dans EDT en ajoutant ces colonnes.",
                    )
                    .in_file(&file),
                );
            }
            _ => {}
        }
        ReadOutput {
            dataset: self.dataset,
            diagnostics: self.diagnostics,
        }
    }
}
