//! Reading `emp_sts` (root `EDT_STS`, STS.md §3) into the model, one record at a time.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use passerelle_core::dates::{format_iso, parse_iso};
use passerelle_core::diagnostics::{Diagnostic, Severity};
use passerelle_core::format::{FormatError, ReadInput, ReadOutput};
use passerelle_core::model::{
    Allowance, Alternance, Course, Dataset, DayHours, Division, DivisionAttachment, Extra,
    ExtraNode, FileInfo, Group, OtherResponsibility, Room, Service, ServiceTeacher, Source,
    StaffMember, StructureKind, StructureRef,
};
use passerelle_core::time::{Minutes, TimeOfDay};
use passerelle_core::xml::{Node, XmlStream};

use super::{FORMAT_ID, ROOT, SEMAINE_DIMANCHE, kept_path};
use crate::common::{day_number, invalid_value, refused, value_remark};

/// Code of the remark for an element met where `emp_sts` has no place for it.
pub const ELEMENT_IGNORE: &str = "ELEMENT_IGNORE";

/// Code of the remark for a known block met at the wrong place, read anyway.
pub const ELEMENT_MAL_PLACE: &str = "ELEMENT_MAL_PLACE";

struct Reader<'a> {
    stream: XmlStream<'a>,
    file: &'a str,
    dataset: Dataset,
    diagnostics: Vec<Diagnostic>,
    /// Unknown elements outside records, by the path of their parent (written back there).
    kept: Vec<(String, Vec<ExtraNode>)>,
}

/// A record reader: what to do with each item of a list element.
type ItemReader<'a> = fn(&mut Reader<'a>, Node) -> Result<(), FormatError>;

pub(crate) fn read(input: &ReadInput<'_>) -> Result<ReadOutput, FormatError> {
    let mut reader = Reader {
        stream: input.xml_stream(),
        file: input.file_name,
        dataset: Dataset::default(),
        diagnostics: Vec::new(),
        kept: Vec::new(),
    };
    reader.document()?;
    let Reader {
        mut dataset,
        diagnostics,
        kept,
        ..
    } = reader;
    for (path, nodes) in kept {
        dataset.extra.push(ExtraNode {
            name: path,
            children: nodes,
            ..ExtraNode::default()
        });
    }
    Ok(ReadOutput {
        dataset,
        diagnostics,
    })
}

fn years_text(text: &str) -> Option<i32> {
    let text = text.trim();
    (text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn number(text: &str) -> Option<u32> {
    text.trim().parse().ok()
}

impl<'a> Reader<'a> {
    fn source(&self, line: u32) -> Source {
        Source::new(self.file, Some(line))
    }

    fn keep(&mut self, path: &[&str], node: &Node) {
        let path = kept_path(path);
        let extra = node.to_extra();
        match self.kept.iter_mut().find(|(known, _)| *known == path) {
            Some((_, nodes)) => nodes.push(extra),
            None => self.kept.push((path, vec![extra])),
        }
    }

    fn ignore(&mut self, parent: &str, node: &Node) {
        self.diagnostics.push(
            Diagnostic::new(
                ELEMENT_IGNORE,
                Severity::Info,
                format!(
                    "<{}> n'a pas sa place dans <{parent}> d'un fichier emp_sts : il est ignoré.",
                    node.name
                ),
            )
            .at(&self.source(node.line)),
        );
    }

    /// The trimmed text of a child parsed by `parse`; an unparsable value is reported.
    fn parsed<T>(
        &mut self,
        node: &Node,
        child: &str,
        parse: impl Fn(&str) -> Option<T>,
        expected: &str,
    ) -> Option<T> {
        let element = node.child(child)?;
        let text = element.value()?;
        let value = parse(text);
        if value.is_none() {
            let diagnostic = invalid_value(
                &self.source(element.line),
                &format!("<{child}> de <{}>", node.name),
                text,
                expected,
            );
            self.diagnostics.push(diagnostic);
        }
        value
    }

    fn required_attr(&self, node: &Node, attribute: &str) -> Result<String, FormatError> {
        node.attr(attribute).map(str::to_string).ok_or_else(|| {
            refused(
                self.file,
                node.line,
                format!(
                    "<{}> (dans {}) n'a pas d'attribut {attribute} : le fichier ne suit pas la \
                     grammaire d'emp_sts ; réexportez-le depuis EDT",
                    node.name,
                    self.stream.path()
                ),
            )
        })
    }

    /// The record's key (a required attribute), or `None` when an earlier record has it: the
    /// first is kept and the duplicate reported.
    fn new_key(
        &mut self,
        node: &Node,
        attribute: &str,
        what: &str,
        taken: fn(&Dataset, &str) -> bool,
    ) -> Result<Option<String>, FormatError> {
        let key = self.required_attr(node, attribute)?;
        if !taken(&self.dataset, &key) {
            return Ok(Some(key));
        }
        self.diagnostics.push(
            Diagnostic::new(
                passerelle_core::diagnostics::codes::VALEUR_INVALIDE,
                Severity::Warning,
                format!("{what} « {key} » apparaît deux fois : la seconde est ignorée."),
            )
            .at(&self.source(node.line)),
        );
        Ok(None)
    }

    fn document(&mut self) -> Result<(), FormatError> {
        let root = self.stream.root()?;
        if root.name != ROOT {
            return Err(refused(
                self.file,
                root.line,
                format!(
                    "l'élément racine est <{}>, or un fichier emp_sts commence par <{ROOT}>",
                    root.name
                ),
            ));
        }
        let mut has_parameters = false;
        let mut has_data = false;
        while let Some(tag) = self.stream.next_child()? {
            match tag.name.as_str() {
                "PARAMETRES" => {
                    let node = self.stream.read_node(tag)?;
                    self.parameters(&node)?;
                    has_parameters = true;
                }
                "DONNEES" => {
                    self.data()?;
                    has_data = true;
                }
                "ALTERNANCES" => {
                    // One generator writes them under the root (STS.md §3.2): read them anyway.
                    self.diagnostics.push(
                        Diagnostic::new(
                            ELEMENT_MAL_PLACE,
                            Severity::Warning,
                            "<ALTERNANCES> est placé sous <EDT_STS> au lieu de <DONNEES> : il \
                             est lu, et sera réécrit à sa place.",
                        )
                        .at(&self.source(tag.line)),
                    );
                    self.items("ALTERNANCE", &[ROOT, "ALTERNANCES"], Self::alternance)?;
                }
                _ => {
                    let node = self.stream.read_node(tag)?;
                    self.keep(&[ROOT], &node);
                }
            }
        }
        self.stream.finish()?;
        if !has_parameters || !has_data {
            let missing = if has_parameters {
                "<DONNEES>"
            } else {
                "<PARAMETRES>"
            };
            return Err(refused(
                self.file,
                root.line,
                format!(
                    "<{ROOT}> ne contient pas {missing} : le fichier est incomplet ; réexportez-le depuis EDT"
                ),
            ));
        }
        Ok(())
    }

    fn parameters(&mut self, node: &Node) -> Result<(), FormatError> {
        let uaj_node = node.child("UAJ");
        let uaj = match uaj_node.and_then(Node::value) {
            Some(uaj) => uaj.to_string(),
            None => {
                // The downward file holds it as an attribute: accept it, but say so.
                let Some(code) = uaj_node.and_then(|uaj| uaj.attr("CODE")) else {
                    return Err(refused(
                        self.file,
                        node.line,
                        "<PARAMETRES> ne donne pas l'UAJ de l'établissement (<UAJ>) : réexportez \
                         le fichier depuis EDT",
                    ));
                };
                self.diagnostics.push(invalid_value(
                    &self.source(node.line),
                    "<UAJ>",
                    &format!("CODE=\"{code}\""),
                    "emp_sts écrit l'UAJ en texte (<UAJ>0999999Z</UAJ>) ; il est lu quand même",
                ));
                code.to_string()
            }
        };
        let year = self.parsed(
            node,
            "ANNEE_SCOLAIRE",
            years_text,
            "l'année doit s'écrire sur 4 chiffres (2025 pour 2025-2026)",
        );
        let known = ["UAJ", "ANNEE_SCOLAIRE", "APPLICATION_SOURCE", "HORODATAGE"];
        self.dataset.establishment.uaj = uaj.clone();
        self.dataset.school_year.millesime = year;
        self.dataset.files = vec![FileInfo {
            fichier: self.file.to_string(),
            format: FORMAT_ID.to_string(),
            uaj: Some(uaj),
            annee: year,
            horodatage: node.child_value("HORODATAGE"),
            logiciel: node.child_value("APPLICATION_SOURCE"),
            extra: node.extras_except(&known),
            ..FileInfo::default()
        }];
        Ok(())
    }

    /// Reads the items of the list element just entered; other children are kept.
    fn items(
        &mut self,
        item: &str,
        path: &[&str],
        read: ItemReader<'a>,
    ) -> Result<(), FormatError> {
        while let Some(tag) = self.stream.next_child()? {
            let node = self.stream.read_node(tag)?;
            if node.name == item {
                read(self, node)?;
            } else {
                self.keep(path, &node);
            }
        }
        Ok(())
    }

    fn data(&mut self) -> Result<(), FormatError> {
        const PATH: [&str; 2] = [ROOT, "DONNEES"];
        while let Some(tag) = self.stream.next_child()? {
            let list: Option<(&str, ItemReader<'a>)> = match tag.name.as_str() {
                "HORAIRES" => Some(("HORAIRE", Self::day_hours)),
                "ALTERNANCES" => Some(("ALTERNANCE", Self::alternance)),
                "SALLES_COURS" => Some(("SALLE_COURS", Self::room)),
                "INDIVIDUS" => Some(("INDIVIDU", Self::staff_member)),
                _ => None,
            };
            if let Some((item, read)) = list {
                let name = tag.name.clone();
                self.items(item, &[ROOT, "DONNEES", &name], read)?;
            } else if tag.name == "STRUCTURE" {
                self.structure()?;
            } else {
                let node = self.stream.read_node(tag)?;
                self.keep(&PATH, &node);
            }
        }
        Ok(())
    }

    fn structure(&mut self) -> Result<(), FormatError> {
        while let Some(tag) = self.stream.next_child()? {
            match tag.name.as_str() {
                "DIVISIONS" => self.items(
                    "DIVISION",
                    &[ROOT, "DONNEES", "STRUCTURE", "DIVISIONS"],
                    Self::division,
                )?,
                "GROUPES" => self.items(
                    "GROUPE",
                    &[ROOT, "DONNEES", "STRUCTURE", "GROUPES"],
                    Self::group,
                )?,
                _ => {
                    let node = self.stream.read_node(tag)?;
                    self.keep(&[ROOT, "DONNEES", "STRUCTURE"], &node);
                }
            }
        }
        Ok(())
    }

    fn day_hours(&mut self, node: Node) -> Result<(), FormatError> {
        let Some(day) = node.attr("JOUR").and_then(day_number) else {
            let value = node.attr("JOUR").unwrap_or("");
            let diagnostic = invalid_value(
                &self.source(node.line),
                "L'attribut JOUR de <HORAIRE>",
                value,
                "il faut un jour de 1 (lundi) à 7 (dimanche) ; l'horaire est ignoré",
            );
            self.diagnostics.push(diagnostic);
            return Ok(());
        };
        let hhmm = "l'heure s'écrit HHMM (0800)";
        let hours = DayHours {
            day,
            start: self.parsed(&node, "DEBUT_COURS", TimeOfDay::parse, hhmm),
            end: self.parsed(&node, "FIN_COURS", TimeOfDay::parse, hhmm),
            extra: node.extras_except(&["DEBUT_COURS", "FIN_COURS"]),
        };
        self.dataset.timetable.day_hours.push(hours);
        Ok(())
    }

    fn alternance(&mut self, node: Node) -> Result<(), FormatError> {
        let Some(code) = self.new_key(&node, "CODE", "L'alternance", |dataset, code| {
            dataset.timetable.alternances.contains_key(code)
        })?
        else {
            return Ok(());
        };
        let mut weeks = Vec::new();
        let mut sundays = Vec::new();
        for list in node.children_named("SEMAINES") {
            for week in &list.children {
                if week.name != "DATE_DEBUT_SEMAINE" {
                    self.ignore("SEMAINES", week);
                    continue;
                }
                let Some(text) = week.value() else { continue };
                let Some(date) = parse_iso(text) else {
                    let diagnostic = invalid_value(
                        &self.source(week.line),
                        "<DATE_DEBUT_SEMAINE>",
                        text,
                        "une date s'écrit AAAA-MM-JJ",
                    );
                    self.diagnostics.push(diagnostic);
                    continue;
                };
                weeks.push(self.monday(date, week.line, &mut sundays));
            }
        }
        if let Some(first_line) = sundays.first().map(|(_, line)| *line) {
            let dates: Vec<String> = sundays.iter().map(|(date, _)| format_iso(*date)).collect();
            self.diagnostics.push(
                Diagnostic::new(
                    SEMAINE_DIMANCHE,
                    Severity::Warning,
                    format!(
                        "L'alternance « {code} » fait commencer {} semaine(s) un dimanche ({}) : \
                         chacune est ramenée au lundi suivant.",
                        dates.len(),
                        dates.join(", ")
                    ),
                )
                .with_fix(
                    "Vérifiez le calendrier d'EDT (fuseau horaire du poste qui exporte), puis \
                     refaites l'export.",
                )
                .at(&self.source(first_line)),
            );
        }
        let alternance = Alternance {
            code: code.clone(),
            short_label: node.child_value("LIBELLE_COURT"),
            long_label: node.child_value("LIBELLE_LONG"),
            weeks,
            extra: node.extras_except(&["LIBELLE_COURT", "LIBELLE_LONG", "SEMAINES"]),
            source: self.source(node.line),
        };
        self.dataset.timetable.alternances.insert(code, alternance);
        Ok(())
    }

    /// A week start as a Monday: a Sunday becomes the next day (STS.md §8.9).
    fn monday(
        &mut self,
        date: NaiveDate,
        line: u32,
        sundays: &mut Vec<(NaiveDate, u32)>,
    ) -> NaiveDate {
        match date.weekday() {
            Weekday::Mon => date,
            Weekday::Sun => {
                sundays.push((date, line));
                date + Duration::days(1)
            }
            _ => {
                // Kept as written: only the known Sunday shift is corrected.
                let diagnostic = value_remark(
                    &self.source(line),
                    "<DATE_DEBUT_SEMAINE>",
                    &format_iso(date),
                    "une semaine commence un lundi ; la date est gardée telle quelle",
                );
                self.diagnostics.push(diagnostic);
                date
            }
        }
    }

    fn room(&mut self, node: Node) -> Result<(), FormatError> {
        let Some(code) = self.new_key(&node, "CODE", "La salle", |dataset, code| {
            dataset.timetable.rooms.contains_key(code)
        })?
        else {
            return Ok(());
        };
        let room = Room {
            code: code.clone(),
            room_group: node.child_value("GROUPE_SALLE"),
            location: node.child_value("LOCALISATION"),
            extra: node.extras_except(&["GROUPE_SALLE", "LOCALISATION"]),
            source: self.source(node.line),
        };
        self.dataset.timetable.rooms.insert(code, room);
        Ok(())
    }

    /// The items of a list child (`INDEMNITES/INDEMNITE`…); other children are reported.
    fn list_items<'n>(&mut self, node: &'n Node, list: &str, item: &str) -> Vec<&'n Node> {
        let mut items = Vec::new();
        for container in node.children.iter().filter(|child| child.name == list) {
            for child in &container.children {
                if child.name == item {
                    items.push(child);
                } else {
                    self.ignore(list, child);
                }
            }
        }
        items
    }

    fn staff_member(&mut self, node: Node) -> Result<(), FormatError> {
        let Some(id) = self.new_key(&node, "ID", "L'individu", |dataset, id| {
            dataset.staff.contains_key(id)
        })?
        else {
            return Ok(());
        };
        let allowances = self
            .list_items(&node, "INDEMNITES", "INDEMNITE")
            .into_iter()
            .map(|item| Allowance {
                division: item.child_value("CODE_STRUCTURE"),
                mefstat4: item.child_value("MEFSTAT4"),
                extra: item.extras_except(&["CODE_STRUCTURE", "MEFSTAT4"]),
            })
            .collect();
        let other_responsibilities = self
            .list_items(&node, "ARES", "ARE")
            .into_iter()
            .map(|item| OtherResponsibility {
                code: item.child_value("CODE_ARE"),
                hours: item.child_value("HEURES"),
                extra: item.extras_except(&["CODE_ARE", "HEURES"]),
            })
            .collect();
        let member = StaffMember {
            id: id.clone(),
            allowances,
            other_responsibilities,
            extra: node.extras_except(&["INDEMNITES", "ARES"]),
            source: self.source(node.line),
            ..StaffMember::default()
        };
        self.dataset.staff.insert(id, member);
        Ok(())
    }

    fn division(&mut self, node: Node) -> Result<(), FormatError> {
        let Some(code) = self.new_key(&node, "CODE", "La division", |dataset, code| {
            dataset.divisions.contains_key(code)
        })?
        else {
            return Ok(());
        };
        self.services(&node, StructureKind::Division, &code)?;
        let division = Division {
            code: code.clone(),
            extra: node.extras_except(&["SERVICES"]),
            source: self.source(node.line),
            ..Division::default()
        };
        self.dataset.divisions.insert(code, division);
        Ok(())
    }

    fn group(&mut self, node: Node) -> Result<(), FormatError> {
        let Some(code) = self.new_key(&node, "CODE", "Le groupe", |dataset, code| {
            dataset.groups.contains_key(code)
        })?
        else {
            return Ok(());
        };
        let count = "un effectif est un nombre entier";
        let planned = self.parsed(&node, "EFFECTIF_PREVU", number, count);
        let max_timetable = self.parsed(&node, "EFFECTIF_MAX_EDT", number, count);
        let mut divisions = Vec::new();
        for item in self.list_items(&node, "DIVISIONS_APPARTENANCE", "DIVISION_APPARTENANCE") {
            divisions.push(DivisionAttachment {
                code: item.attr("CODE").unwrap_or("").to_string(),
                planned: self.parsed(item, "EFFECTIF_PREVU", number, count),
                extra: item.extras_except(&["EFFECTIF_PREVU"]),
                ..DivisionAttachment::default()
            });
        }
        self.services(&node, StructureKind::Groupe, &code)?;
        let group = Group {
            code: code.clone(),
            label: node.child_value("LIBELLE_LONG"),
            planned,
            max_timetable,
            divisions,
            extra: node.extras_except(&[
                "LIBELLE_LONG",
                "EFFECTIF_PREVU",
                "EFFECTIF_MAX_EDT",
                "DIVISIONS_APPARTENANCE",
                "SERVICES",
            ]),
            source: self.source(node.line),
            ..Group::default()
        };
        self.dataset.groups.insert(code, group);
        Ok(())
    }

    fn services(
        &mut self,
        node: &Node,
        kind: StructureKind,
        code: &str,
    ) -> Result<(), FormatError> {
        for item in self.list_items(node, "SERVICES", "SERVICE") {
            let subject = self.required_attr(item, "CODE_MATIERE")?;
            let mut teachers = Vec::new();
            for teacher in self.list_items(item, "ENSEIGNANTS", "ENSEIGNANT") {
                teachers.push(self.service_teacher(teacher)?);
            }
            self.dataset.services.push(Service {
                structure: StructureRef {
                    kind,
                    code: code.to_string(),
                },
                subject,
                course_mode: item.attr("CODE_MOD_COURS").map(str::to_string),
                hours: item.child_value("HEURES_STRUCTURE"),
                co_teaching: item.child_value("CO_ENS"),
                teachers,
                extra: item.extras_except(&["HEURES_STRUCTURE", "CO_ENS", "ENSEIGNANTS"]),
                source: self.source(item.line),
            });
        }
        Ok(())
    }

    fn service_teacher(&mut self, node: &Node) -> Result<ServiceTeacher, FormatError> {
        let id = self.required_attr(node, "ID")?;
        let courses = self
            .list_items(node, "COURS_RATTACHES", "COURS")
            .into_iter()
            .map(|course| self.course(course))
            .collect();
        Ok(ServiceTeacher {
            id,
            kind: node.attr("TYPE").map(str::to_string),
            hours: node.child_value("HEURES_AGENT"),
            weighting: node.child_value("TAUX_PONDERATION"),
            courses,
            extra: node.extras_except(&["HEURES_AGENT", "TAUX_PONDERATION", "COURS_RATTACHES"]),
        })
    }

    fn course(&mut self, node: &Node) -> Course {
        let day = self.parsed(
            node,
            "JOUR",
            day_number,
            "il faut un jour de 1 (lundi) à 7 (dimanche)",
        );
        let start = self.parsed(
            node,
            "HEURE_DEBUT",
            TimeOfDay::parse,
            "l'heure s'écrit HHMM (0800)",
        );
        let duration = self.parsed(
            node,
            "DUREE",
            Minutes::parse,
            "une durée s'écrit HHMM (0130 pour 1 h 30)",
        );
        if let (Some(start), Some(duration)) = (start, duration)
            && u32::from(start.0) + u32::from(duration.0) > 24 * 60
        {
            let diagnostic = value_remark(
                &self.source(node.line),
                "Le cours",
                &format!("{} + {}", start.to_hhmm(), duration.to_hhmm()),
                "il finirait après minuit ; il est gardé tel quel",
            );
            self.diagnostics.push(diagnostic);
        }
        Course {
            alternance: node.child_value("CODE_ALTERNANCE"),
            day,
            start,
            duration,
            room: node.child_value("CODE_SALLE"),
            extra: node.extras_except(&[
                "CODE_ALTERNANCE",
                "JOUR",
                "HEURE_DEBUT",
                "DUREE",
                "CODE_SALLE",
            ]),
            source: self.source(node.line),
            ..Course::default()
        }
    }
}

/// The kept unknown elements stored under `path` in a dataset's extra.
pub(crate) fn kept(dataset: &Dataset, path: &[&str]) -> Extra {
    let path = kept_path(path);
    Extra(
        dataset
            .extra
            .iter()
            .find(|node| node.name == path)
            .map(|node| node.children.clone())
            .unwrap_or_default(),
    )
}
