//! The `sts_emp` reader: streams `STS_EDT` one record at a time into a [`Dataset`].

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use passerelle_core::dates;
use passerelle_core::diagnostics::{Diagnostic, Objet, Severity, codes};
use passerelle_core::format::{FormatError, ReadInput, ReadOutput};
use passerelle_core::model::{
    Alternance, CodeItem, Dataset, DayHours, Discipline, Division, DivisionAttachment,
    Establishment, Extra, ExtraNode, FileInfo, Group, MainTeacherAssignment, Mef, MefAttachment,
    Programme, Room, Service, ServiceTeacher, Source, StaffMember, StructureKind, StructureRef,
    Subject, staff_kind,
};
use passerelle_core::time::TimeOfDay;
use passerelle_core::xml::{Node, XmlStream};

use crate::layout::{
    ACADEMIE_FIELDS, ALTERNANCE_CONTAINERS, ALTERNANCE_FIELDS, ATTACHMENT_FIELDS, CODE_ITEM_FIELDS,
    CODE_LISTS, CodeAt, CodeList, DAY_HOURS_FIELDS, DISCIPLINE_FIELDS, DIVISION_CONTAINERS,
    DIVISION_FIELDS, DONNEES_CONTAINERS, GROUP_CONTAINERS, GROUP_FIELDS, MAIN_TEACHER_FIELDS,
    MEF_FIELDS, NOMENCLATURES_CONTAINERS, PARAMETRES_CONTAINERS, PARAMETRES_FIELDS,
    PROGRAMME_FIELDS, ROOM_FIELDS, ROOT_CONTAINERS, SERVICE_CONTAINERS, SERVICE_FIELDS,
    STAFF_CONTAINERS, STAFF_FIELDS, STRUCTURE_CONTAINERS, SUBJECT_FIELDS, TEACHER_FIELDS,
    UAJ_CONTAINERS, UAJ_FIELDS, YEAR_FIELDS,
};
use crate::leftovers::{normalize, push_nested};
use crate::{FORMAT_ID, ROOT, services_by_structure};

/// What to do after a reader error or a doubtful value.
const FIX: &str = "Réexportez le fichier depuis STS-Web (Mise à jour › Exports › Emploi du \
                   temps) plutôt que de le modifier à la main.";

/// Reads an `sts_emp` document.
pub fn read(input: &ReadInput<'_>) -> Result<ReadOutput, FormatError> {
    let mut reader = Reader {
        stream: input.xml_stream(),
        file: input.file_name,
        dataset: Dataset::default(),
        diagnostics: Vec::new(),
    };
    reader.document()?;
    let Reader {
        mut dataset,
        diagnostics,
        ..
    } = reader;
    dataset.services = in_file_order(std::mem::take(&mut dataset.services));
    Ok(ReadOutput {
        dataset,
        diagnostics,
    })
}

/// The services in the order the writer gives them back (a no-op for a file whose
/// `DIVISIONS` come before its `GROUPES`, as the DTD wants).
fn in_file_order(services: Vec<Service>) -> Vec<Service> {
    let order: Vec<usize> = services_by_structure(&services)
        .into_iter()
        .flat_map(|(_, indexes)| indexes)
        .collect();
    let mut slots: Vec<Option<Service>> = services.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|index| slots.get_mut(index).and_then(Option::take))
        .collect()
}

/// One record being read: its node, its leftovers so far and its path, for messages.
struct Record<'n> {
    node: &'n Node,
    path: String,
    leftovers: Vec<ExtraNode>,
}

impl<'n> Record<'n> {
    /// Starts a record: the children not in `known` are its first leftovers.
    fn new(node: &'n Node, known: &[&str], path: String) -> Self {
        Record {
            node,
            path,
            leftovers: node.extras_except(known).0,
        }
    }

    /// The trimmed text of a child; `None` when absent, empty or blank.
    fn text(&self, name: &str) -> Option<String> {
        self.node.child_value(name)
    }

    /// Keeps `node` verbatim inside the wrapper `container` of this record.
    fn keep_in(&mut self, container: &str, node: &Node) {
        push_nested(&mut self.leftovers, container, vec![node.to_extra()]);
    }

    /// The `item` children of every `list` wrapper; other children of the wrappers are kept.
    fn items(&mut self, list: &str, item: &str) -> Vec<&'n Node> {
        let node = self.node;
        let mut items = Vec::new();
        for wrapper in node.children.iter().filter(|child| child.name == list) {
            for child in &wrapper.children {
                if child.name == item {
                    items.push(child);
                } else {
                    self.keep_in(list, child);
                }
            }
        }
        items
    }

    /// The path of an item of a wrapper of this record.
    fn item_path(&self, list: &str, item: &str) -> String {
        format!("{}/{list}/{item}", self.path)
    }

    /// The leftovers, in the order the writer gives them back.
    fn finish(self, containers: &[&str]) -> Extra {
        normalize(self.leftovers, containers)
    }
}

struct Reader<'a> {
    stream: XmlStream<'a>,
    file: &'a str,
    dataset: Dataset,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Reader<'a> {
    fn source(&self, line: u32) -> Source {
        Source::new(self.file, Some(line))
    }

    /// A path below the element being streamed.
    fn here(&self, name: &str) -> String {
        format!("{}/{name}", self.stream.path())
    }

    fn invalid(&self, line: Option<u32>, message: String) -> FormatError {
        FormatError::Invalid {
            file: self.file.to_string(),
            line,
            message,
        }
    }

    fn warn(&mut self, line: u32, message: String) {
        let diagnostic = Diagnostic::new(codes::VALEUR_INVALIDE, Severity::Warning, message)
            .with_synchro(1)
            .with_fix(FIX)
            .at(&self.source(line))
            .with_objet(Objet {
                fichier: Some(self.file.to_string()),
                ..Objet::default()
            });
        self.diagnostics.push(diagnostic);
    }

    /// The key attribute of a record, or a warning saying that the record is kept unread.
    fn key(&mut self, node: &Node, attribute: &str, path: &str) -> Option<String> {
        let key = node.attr(attribute).map(str::to_string);
        if key.is_none() {
            self.warn(
                node.line,
                format!(
                    "l'élément <{}> ({path}) n'a pas d'attribut {attribute} : il est conservé \
                     tel quel mais n'est pas lu",
                    node.name
                ),
            );
        }
        key
    }

    fn duplicate(&mut self, node: &Node, attribute: &str, key: &str, path: &str) {
        self.warn(
            node.line,
            format!(
                "<{} {attribute}=\"{key}\"> apparaît deux fois ({path}) : seule la première \
                 occurrence est lue, celle-ci est conservée telle quelle",
                node.name
            ),
        );
    }

    /// The key of a record not met before; `None`, after a warning, when the record has no
    /// key or repeats one (`seen` tells whether the dataset already holds it).
    fn fresh_key(
        &mut self,
        node: &Node,
        attribute: &str,
        path: &str,
        seen: impl Fn(&Dataset, &str) -> bool,
    ) -> Option<String> {
        let key = self.key(node, attribute, path)?;
        if seen(&self.dataset, &key) {
            self.duplicate(node, attribute, &key, path);
            return None;
        }
        Some(key)
    }

    /// A typed child value. A value without the expected form is reported and kept verbatim
    /// in the record's leftovers, so that writing the record loses nothing.
    fn typed<T>(
        &mut self,
        record: &mut Record<'_>,
        name: &str,
        expected: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let child = record.node.child(name)?;
        let raw = child.value()?;
        let parsed = parse(raw);
        if parsed.is_none() {
            self.warn(
                child.line,
                format!(
                    "« {raw} » n'est pas {expected} ({}/{name}) : la valeur est conservée telle \
                     quelle mais n'est pas interprétée",
                    record.path
                ),
            );
            record.leftovers.push(ExtraNode::text(name, raw));
        }
        parsed
    }

    fn date(&mut self, record: &mut Record<'_>, name: &str) -> Option<NaiveDate> {
        self.typed(record, name, "une date AAAA-MM-JJ", dates::parse_iso)
    }

    fn count(&mut self, record: &mut Record<'_>, name: &str) -> Option<u32> {
        self.typed(record, name, "un effectif (nombre entier)", |text| {
            text.parse().ok()
        })
    }

    fn time(&mut self, record: &mut Record<'_>, name: &str) -> Option<TimeOfDay> {
        self.typed(record, name, "une heure HHMM", TimeOfDay::parse)
    }

    /// Streams the `item` records of the list element just entered; `handle` returns the
    /// record when it could not be read. Returns the list's leftovers.
    fn items(
        &mut self,
        item: &str,
        mut handle: impl FnMut(&mut Self, Node) -> Option<Node>,
    ) -> Result<Vec<ExtraNode>, FormatError> {
        let mut leftovers = Vec::new();
        while let Some(tag) = self.stream.next_child()? {
            let node = self.stream.read_node(tag)?;
            if node.name == item {
                if let Some(kept) = handle(self, node) {
                    leftovers.push(kept.to_extra());
                }
            } else {
                leftovers.push(node.to_extra());
            }
        }
        Ok(leftovers)
    }

    fn document(&mut self) -> Result<(), FormatError> {
        let root = self.stream.root()?;
        if root.name != ROOT {
            return Err(self.invalid(
                Some(root.line),
                format!(
                    "l'élément racine est <{}> au lieu de <{ROOT}> : ce n'est pas un export \
                     sts_emp de STS-Web (Mise à jour › Exports › Emploi du temps)",
                    root.name
                ),
            ));
        }
        let mut leftovers = Vec::new();
        let mut parametres = false;
        let mut donnees = false;
        while let Some(tag) = self.stream.next_child()? {
            match tag.name.as_str() {
                "PARAMETRES" if !parametres => {
                    parametres = true;
                    let node = self.stream.read_node(tag)?;
                    self.parametres(&node)?;
                }
                "NOMENCLATURES" => {
                    let nested = self.nomenclatures()?;
                    push_nested(&mut leftovers, "NOMENCLATURES", nested);
                }
                "DONNEES" => {
                    donnees = true;
                    let nested = self.donnees()?;
                    push_nested(&mut leftovers, "DONNEES", nested);
                }
                _ => leftovers.push(self.stream.read_node(tag)?.to_extra()),
            }
        }
        self.stream.finish()?;
        for (present, block, content) in [
            (parametres, "PARAMETRES", "l'UAJ et l'année scolaire"),
            (donnees, "DONNEES", "les individus et la structure"),
        ] {
            if !present {
                return Err(self.invalid(
                    None,
                    format!(
                        "le bloc {block} (qui porte {content}) est absent de <{ROOT}> : le \
                         fichier est incomplet. {FIX}"
                    ),
                ));
            }
        }
        let leftovers = normalize(leftovers, ROOT_CONTAINERS);
        if !leftovers.is_empty() {
            self.dataset.extra.push(ExtraNode {
                name: ROOT.to_string(),
                children: leftovers.0,
                ..ExtraNode::default()
            });
        }
        Ok(())
    }

    fn parametres(&mut self, node: &Node) -> Result<(), FormatError> {
        let path = self.here("PARAMETRES");
        let mut record = Record::new(node, PARAMETRES_FIELDS, path.clone());
        let Some(uaj) = node.child("UAJ") else {
            return Err(self.invalid(
                Some(node.line),
                format!("{path} n'a pas d'élément UAJ : l'établissement est inconnu. {FIX}"),
            ));
        };
        let Some(code) = uaj.attr("CODE").map(str::to_string) else {
            return Err(self.invalid(
                Some(uaj.line),
                format!(
                    "{path}/UAJ n'a pas d'attribut CODE (l'UAJ de l'établissement, 7 chiffres \
                     et une lettre). {FIX}"
                ),
            ));
        };
        if !is_uaj(&code) {
            self.warn(
                uaj.line,
                format!(
                    "l'UAJ « {code} » ({path}/UAJ/@CODE) n'a pas la forme attendue (7 chiffres \
                     et une lettre) : elle est gardée telle quelle"
                ),
            );
        }
        self.establishment(uaj, &code, format!("{path}/UAJ"));

        let Some(year) = node.child("ANNEE_SCOLAIRE") else {
            return Err(self.invalid(
                Some(node.line),
                format!(
                    "{path} n'a pas d'élément ANNEE_SCOLAIRE : l'année scolaire est inconnue. \
                     {FIX}"
                ),
            ));
        };
        let millesime = match year.attr("ANNEE") {
            Some(text) => parse_year(text).ok_or_else(|| {
                self.invalid(
                    Some(year.line),
                    format!(
                        "{path}/ANNEE_SCOLAIRE/@ANNEE vaut « {text} » au lieu d'une année sur 4 \
                         chiffres (2024 pour 2024-2025). {FIX}"
                    ),
                )
            })?,
            None => {
                return Err(self.invalid(
                    Some(year.line),
                    format!(
                        "{path}/ANNEE_SCOLAIRE n'a pas d'attribut ANNEE (la première année de \
                         l'année scolaire, 2024 pour 2024-2025). {FIX}"
                    ),
                ));
            }
        };
        let mut year_record = Record::new(year, YEAR_FIELDS, format!("{path}/ANNEE_SCOLAIRE"));
        self.dataset.school_year.millesime = Some(millesime);
        self.dataset.school_year.bounds.start = self.date(&mut year_record, "DATE_DEBUT");
        self.dataset.school_year.bounds.end = self.date(&mut year_record, "DATE_FIN");
        push_nested(
            &mut record.leftovers,
            "ANNEE_SCOLAIRE",
            year_record.finish(&[]).0,
        );

        let horodatage = record.text("HORODATAGE");
        self.dataset.files = vec![FileInfo {
            fichier: self.file.to_string(),
            format: FORMAT_ID.to_string(),
            uaj: Some(code),
            annee: Some(millesime),
            horodatage,
            extra: record.finish(PARAMETRES_CONTAINERS),
            ..FileInfo::default()
        }];
        Ok(())
    }

    fn establishment(&mut self, uaj: &Node, code: &str, path: String) {
        let mut record = Record::new(uaj, UAJ_FIELDS, path);
        let (academy_code, academy_name) = match uaj.child("ACADEMIE") {
            Some(academy) => {
                let academy_record = Record::new(
                    academy,
                    ACADEMIE_FIELDS,
                    format!("{}/ACADEMIE", record.path),
                );
                let values = (academy_record.text("CODE"), academy_record.text("LIBELLE"));
                push_nested(
                    &mut record.leftovers,
                    "ACADEMIE",
                    academy_record.finish(&[]).0,
                );
                values
            }
            None => (None, None),
        };
        self.dataset.establishment = Establishment {
            uaj: code.to_string(),
            academy_code,
            academy_name,
            acronym: record.text("SIGLE"),
            name: record.text("DENOM_PRINC"),
            name_complement: record.text("DENOM_COMPL"),
            extra: record.finish(UAJ_CONTAINERS),
        };
    }

    fn nomenclatures(&mut self) -> Result<Vec<ExtraNode>, FormatError> {
        let mut leftovers = Vec::new();
        while let Some(tag) = self.stream.next_child()? {
            let name = tag.name.clone();
            let nested = match name.as_str() {
                "MATIERES" => self.items("MATIERE", Self::subject)?,
                "MEFS" => self.items("MEF", Self::mef)?,
                "PROGRAMMES" => self.items("PROGRAMME", Self::programme)?,
                other => match CODE_LISTS.iter().find(|list| list.list == other) {
                    Some(list) => {
                        self.items(list.item, |reader, node| reader.code_item(list, node))?
                    }
                    None => {
                        leftovers.push(self.stream.read_node(tag)?.to_extra());
                        continue;
                    }
                },
            };
            push_nested(&mut leftovers, &name, nested);
        }
        Ok(normalize(leftovers, NOMENCLATURES_CONTAINERS).0)
    }

    fn subject(&mut self, node: Node) -> Option<Node> {
        let path = self.here("MATIERE");
        let Some(code) = self.fresh_key(&node, "CODE", &path, |dataset, key| {
            dataset.subjects.contains_key(key)
        }) else {
            return Some(node);
        };
        let record = Record::new(&node, SUBJECT_FIELDS, path);
        let subject = Subject {
            code: code.clone(),
            management_code: record.text("CODE_GESTION"),
            short_label: record.text("LIBELLE_COURT"),
            long_label: record.text("LIBELLE_LONG"),
            edition_label: record.text("LIBELLE_EDITION"),
            source: self.source(node.line),
            extra: record.finish(&[]),
        };
        self.dataset.subjects.insert(code, subject);
        None
    }

    fn mef(&mut self, node: Node) -> Option<Node> {
        let path = self.here("MEF");
        let Some(code) = self.fresh_key(&node, "CODE", &path, |dataset, key| {
            dataset.mefs.contains_key(key)
        }) else {
            return Some(node);
        };
        let record = Record::new(&node, MEF_FIELDS, path);
        let mef = Mef {
            code: code.clone(),
            formation: record.text("FORMATION"),
            speciality: record.text("SPECIALITE"),
            long_label: record.text("LIBELLE_LONG"),
            edition_label: record.text("LIBELLE_EDITION"),
            mefstat11: record.text("MEFSTAT11"),
            mefstat4: record.text("MEFSTAT4"),
            source: self.source(node.line),
            extra: record.finish(&[]),
        };
        self.dataset.mefs.insert(code, mef);
        None
    }

    fn programme(&mut self, node: Node) -> Option<Node> {
        let record = Record::new(&node, PROGRAMME_FIELDS, self.here("PROGRAMME"));
        let programme = Programme {
            mef: record.text("CODE_MEF"),
            subject: record.text("CODE_MATIERE"),
            modality: None,
            hours: record.text("HORAIRE"),
            source: self.source(node.line),
            extra: record.finish(&[]),
        };
        self.dataset.programmes.push(programme);
        None
    }

    fn code_item(&mut self, list: &CodeList, node: Node) -> Option<Node> {
        let path = self.here(list.item);
        let (code, known): (Option<String>, Vec<&str>) = match list.code {
            CodeAt::Attribute(attribute, required) => {
                let code = if required {
                    self.key(&node, attribute, &path)
                } else {
                    // An optional code (CIVILITE/@CODE?): an item without one cannot be
                    // listed, it is kept as it is, which is nothing to warn about.
                    node.attr(attribute).map(str::to_string)
                };
                (code, CODE_ITEM_FIELDS.to_vec())
            }
            CodeAt::Child(child) => {
                let mut known = vec![child];
                known.extend_from_slice(CODE_ITEM_FIELDS);
                (node.child_value(child), known)
            }
        };
        let Some(code) = code else {
            return Some(node);
        };
        let seen = self
            .dataset
            .code_lists
            .get(list.key)
            .is_some_and(|items| items.contains_key(&code));
        if seen {
            let attribute = match list.code {
                CodeAt::Attribute(attribute, _) | CodeAt::Child(attribute) => attribute,
            };
            self.duplicate(&node, attribute, &code, &path);
            return Some(node);
        }
        let record = Record::new(&node, &known, path);
        let item = CodeItem {
            code: code.clone(),
            short_label: record.text("LIBELLE_COURT"),
            long_label: record.text("LIBELLE_LONG"),
            source: self.source(node.line),
            extra: record.finish(&[]),
        };
        self.dataset
            .code_lists
            .entry(list.key.to_string())
            .or_default()
            .insert(code, item);
        None
    }

    fn donnees(&mut self) -> Result<Vec<ExtraNode>, FormatError> {
        let mut leftovers = Vec::new();
        while let Some(tag) = self.stream.next_child()? {
            let name = tag.name.clone();
            let nested = match name.as_str() {
                "INDIVIDUS" => self.items("INDIVIDU", |reader, node| reader.staff(node, false))?,
                "SUPPLEANTS" => self.items("SUPPLEANT", |reader, node| reader.staff(node, true))?,
                "HORAIRES" => self.items("HORAIRE", Self::day_hours)?,
                "ALTERNANCES" => self.items("ALTERNANCE", Self::alternance)?,
                "SALLES_COURS" => self.items("SALLE_COURS", Self::room)?,
                "STRUCTURE" => self.structure()?,
                _ => {
                    leftovers.push(self.stream.read_node(tag)?.to_extra());
                    continue;
                }
            };
            push_nested(&mut leftovers, &name, nested);
        }
        Ok(normalize(leftovers, DONNEES_CONTAINERS).0)
    }

    fn staff(&mut self, node: Node, substitute: bool) -> Option<Node> {
        let path = self.here(&node.name);
        let Some(id) = self.fresh_key(&node, "ID", &path, |dataset, key| {
            dataset.staff.contains_key(key)
        }) else {
            return Some(node);
        };
        let mut record = Record::new(&node, STAFF_FIELDS, path);
        let kind = node
            .attr("TYPE")
            .map(str::to_string)
            // The block says what a SUPPLEANT is, even without its TYPE.
            .or_else(|| substitute.then(|| staff_kind::EPPSUP.to_string()));
        let birth_date = self.date(&mut record, "DATE_NAISSANCE");
        let main_teacher_of = self.main_teacher_of(&mut record);
        let disciplines = self.disciplines(&mut record);
        let member = StaffMember {
            id: id.clone(),
            kind,
            substitute,
            sex: record.text("SEXE"),
            civility: record.text("CIVILITE"),
            usage_name: record.text("NOM_USAGE"),
            birth_name: record.text("NOM_PATRONYMIQUE"),
            first_name: record.text("PRENOM"),
            birth_date,
            grade: record.text("GRADE"),
            function: record.text("FONCTION"),
            main_teacher_of,
            disciplines,
            allowances: Vec::new(),
            other_responsibilities: Vec::new(),
            source: self.source(node.line),
            extra: record.finish(STAFF_CONTAINERS),
        };
        self.dataset.staff.insert(id, member);
        None
    }

    fn main_teacher_of(&mut self, record: &mut Record<'_>) -> Vec<MainTeacherAssignment> {
        let path = record.item_path("PROFS_PRINC", "PROF_PRINC");
        let mut assignments = Vec::new();
        for item in record.items("PROFS_PRINC", "PROF_PRINC") {
            let mut item_record = Record::new(item, MAIN_TEACHER_FIELDS, path.clone());
            let start = self.date(&mut item_record, "DATE_DEBUT");
            let end = self.date(&mut item_record, "DATE_FIN");
            assignments.push(MainTeacherAssignment {
                division: item_record.text("CODE_STRUCTURE"),
                start,
                end,
                extra: item_record.finish(&[]),
            });
        }
        assignments
    }

    fn disciplines(&mut self, record: &mut Record<'_>) -> Vec<Discipline> {
        let path = record.item_path("DISCIPLINES", "DISCIPLINE");
        let mut disciplines = Vec::new();
        for item in record.items("DISCIPLINES", "DISCIPLINE") {
            let Some(code) = self.key(item, "CODE", &path) else {
                record.keep_in("DISCIPLINES", item);
                continue;
            };
            let item_record = Record::new(item, DISCIPLINE_FIELDS, path.clone());
            disciplines.push(Discipline {
                code,
                short_label: item_record.text("LIBELLE_COURT"),
                hours: item_record.text("NB_HEURES"),
                extra: item_record.finish(&[]),
            });
        }
        disciplines
    }

    fn day_hours(&mut self, node: Node) -> Option<Node> {
        let path = self.here("HORAIRE");
        let day = node.attr("JOUR");
        let Some(day) = day
            .and_then(|text| text.parse::<u8>().ok())
            .filter(|day| (1..=7).contains(day))
        else {
            let shown = day.unwrap_or("");
            self.warn(
                node.line,
                format!(
                    "l'attribut JOUR de <HORAIRE> ({path}) vaut « {shown} » au lieu d'un jour de \
                     1 (lundi) à 7 (dimanche) : l'horaire est conservé tel quel mais n'est pas lu"
                ),
            );
            return Some(node);
        };
        let mut record = Record::new(&node, DAY_HOURS_FIELDS, path);
        let start = self.time(&mut record, "DEBUT_COURS");
        let end = self.time(&mut record, "FIN_COURS");
        self.dataset.timetable.day_hours.push(DayHours {
            day,
            start,
            end,
            extra: record.finish(&[]),
        });
        None
    }

    fn alternance(&mut self, node: Node) -> Option<Node> {
        let path = self.here("ALTERNANCE");
        let Some(code) = self.fresh_key(&node, "CODE", &path, |dataset, key| {
            dataset.timetable.alternances.contains_key(key)
        }) else {
            return Some(node);
        };
        let mut record = Record::new(&node, ALTERNANCE_FIELDS, path);
        let week_path = record.item_path("SEMAINES", "DATE_DEBUT_SEMAINE");
        let mut weeks = Vec::new();
        for item in record.items("SEMAINES", "DATE_DEBUT_SEMAINE") {
            let Some(raw) = item.value() else {
                continue;
            };
            let Some(date) = dates::parse_iso(raw) else {
                self.warn(
                    item.line,
                    format!(
                        "« {raw} » n'est pas une date AAAA-MM-JJ ({week_path}, alternance \
                         {code}) : la valeur est conservée telle quelle mais n'est pas \
                         interprétée"
                    ),
                );
                record.keep_in("SEMAINES", item);
                continue;
            };
            weeks.push(self.week_start(date, item.line, &code));
        }
        let alternance = Alternance {
            code: code.clone(),
            short_label: record.text("LIBELLE_COURT"),
            long_label: record.text("LIBELLE_LONG"),
            weeks,
            source: self.source(node.line),
            extra: record.finish(ALTERNANCE_CONTAINERS),
        };
        self.dataset.timetable.alternances.insert(code, alternance);
        None
    }

    /// A week start on a Sunday (a time-zone shift in the producer) is the next Monday.
    fn week_start(&mut self, date: NaiveDate, line: u32, alternance: &str) -> NaiveDate {
        if date.weekday() != Weekday::Sun {
            return date;
        }
        let monday = date + Duration::days(1);
        self.warn(
            line,
            format!(
                "la semaine du {} de l'alternance {alternance} commence un dimanche : elle est \
                 ramenée au lundi {}",
                dates::format_french(date),
                dates::format_french(monday)
            ),
        );
        monday
    }

    fn room(&mut self, node: Node) -> Option<Node> {
        let path = self.here("SALLE_COURS");
        let Some(code) = self.fresh_key(&node, "CODE", &path, |dataset, key| {
            dataset.timetable.rooms.contains_key(key)
        }) else {
            return Some(node);
        };
        let record = Record::new(&node, ROOM_FIELDS, path);
        let room = Room {
            code: code.clone(),
            room_group: record.text("GROUPE_SALLE"),
            location: record.text("LOCALISATION"),
            source: self.source(node.line),
            extra: record.finish(&[]),
        };
        self.dataset.timetable.rooms.insert(code, room);
        None
    }

    fn structure(&mut self) -> Result<Vec<ExtraNode>, FormatError> {
        let mut leftovers = Vec::new();
        while let Some(tag) = self.stream.next_child()? {
            let name = tag.name.clone();
            let nested = match name.as_str() {
                "DIVISIONS" => self.items("DIVISION", Self::division)?,
                "GROUPES" => self.items("GROUPE", Self::group)?,
                _ => {
                    leftovers.push(self.stream.read_node(tag)?.to_extra());
                    continue;
                }
            };
            push_nested(&mut leftovers, &name, nested);
        }
        Ok(normalize(leftovers, STRUCTURE_CONTAINERS).0)
    }

    fn division(&mut self, node: Node) -> Option<Node> {
        let path = self.here("DIVISION");
        let Some(code) = self.fresh_key(&node, "CODE", &path, |dataset, key| {
            dataset.divisions.contains_key(key)
        }) else {
            return Some(node);
        };
        let mut record = Record::new(&node, DIVISION_FIELDS, path);
        let planned = self.count(&mut record, "EFFECTIF_PREVU");
        let actual = self.count(&mut record, "EFFECTIF_CALCULE");
        let mefs = self.mef_attachments(&mut record);
        self.services(&mut record, StructureKind::Division, &code);
        let division = Division {
            code: code.clone(),
            label: record.text("LIBELLE_LONG"),
            planned,
            actual,
            mefs,
            source: self.source(node.line),
            extra: record.finish(DIVISION_CONTAINERS),
        };
        self.dataset.divisions.insert(code, division);
        None
    }

    fn group(&mut self, node: Node) -> Option<Node> {
        let path = self.here("GROUPE");
        let Some(code) = self.fresh_key(&node, "CODE", &path, |dataset, key| {
            dataset.groups.contains_key(key)
        }) else {
            return Some(node);
        };
        let mut record = Record::new(&node, GROUP_FIELDS, path);
        let planned = self.count(&mut record, "EFFECTIF_PREVU");
        let actual = self.count(&mut record, "EFFECTIF_CALCULE");
        let max_timetable = self.count(&mut record, "EFFECTIF_MAX_EDT");
        let divisions = self.division_attachments(&mut record);
        let mefs = self.mef_attachments(&mut record);
        self.services(&mut record, StructureKind::Groupe, &code);
        let group = Group {
            code: code.clone(),
            label: record.text("LIBELLE_LONG"),
            planned,
            actual,
            max_timetable,
            divisions,
            mefs,
            source: self.source(node.line),
            extra: record.finish(GROUP_CONTAINERS),
        };
        self.dataset.groups.insert(code, group);
        None
    }

    /// The attachments of a `list` (code, planned and actual headcounts, leftovers).
    fn attachments(
        &mut self,
        record: &mut Record<'_>,
        list: &str,
        item: &str,
    ) -> Vec<(String, Option<u32>, Option<u32>, Extra)> {
        let path = record.item_path(list, item);
        let mut attachments = Vec::new();
        for node in record.items(list, item) {
            let Some(code) = self.key(node, "CODE", &path) else {
                record.keep_in(list, node);
                continue;
            };
            let mut item_record = Record::new(node, ATTACHMENT_FIELDS, path.clone());
            let planned = self.count(&mut item_record, "EFFECTIF_PREVU");
            let actual = self.count(&mut item_record, "EFFECTIF_CALCULE");
            attachments.push((code, planned, actual, item_record.finish(&[])));
        }
        attachments
    }

    fn mef_attachments(&mut self, record: &mut Record<'_>) -> Vec<MefAttachment> {
        self.attachments(record, "MEFS_APPARTENANCE", "MEF_APPARTENANCE")
            .into_iter()
            .map(|(code, planned, actual, extra)| MefAttachment {
                code,
                planned,
                actual,
                extra,
            })
            .collect()
    }

    fn division_attachments(&mut self, record: &mut Record<'_>) -> Vec<DivisionAttachment> {
        self.attachments(record, "DIVISIONS_APPARTENANCE", "DIVISION_APPARTENANCE")
            .into_iter()
            .map(|(code, planned, actual, extra)| DivisionAttachment {
                code,
                planned,
                actual,
                extra,
            })
            .collect()
    }

    fn services(&mut self, record: &mut Record<'_>, kind: StructureKind, code: &str) {
        let path = record.item_path("SERVICES", "SERVICE");
        for node in record.items("SERVICES", "SERVICE") {
            let Some(subject) = self.key(node, "CODE_MATIERE", &path) else {
                record.keep_in("SERVICES", node);
                continue;
            };
            let mut service_record = Record::new(node, SERVICE_FIELDS, path.clone());
            let teachers = self.teachers(&mut service_record);
            let service = Service {
                structure: StructureRef {
                    kind,
                    code: code.to_string(),
                },
                subject,
                course_mode: node.attr("CODE_MOD_COURS").map(str::to_string),
                hours: service_record.text("HEURES_STRUCTURE"),
                co_teaching: service_record.text("CO_ENS"),
                teachers,
                source: self.source(node.line),
                extra: service_record.finish(SERVICE_CONTAINERS),
            };
            self.dataset.services.push(service);
        }
    }

    fn teachers(&mut self, record: &mut Record<'_>) -> Vec<ServiceTeacher> {
        let path = record.item_path("ENSEIGNANTS", "ENSEIGNANT");
        let mut teachers = Vec::new();
        for node in record.items("ENSEIGNANTS", "ENSEIGNANT") {
            let Some(id) = self.key(node, "ID", &path) else {
                record.keep_in("ENSEIGNANTS", node);
                continue;
            };
            let teacher_record = Record::new(node, TEACHER_FIELDS, path.clone());
            teachers.push(ServiceTeacher {
                id,
                kind: node.attr("TYPE").map(str::to_string),
                hours: teacher_record.text("HEURES_AGENT"),
                weighting: teacher_record.text("TAUX_PONDERATION"),
                courses: Vec::new(),
                extra: teacher_record.finish(&[]),
            });
        }
        teachers
    }
}

/// `^[0-9]{7}[A-Za-z]$` (some tools write the letter in lower case).
fn is_uaj(code: &str) -> bool {
    let bytes = code.as_bytes();
    bytes.len() == 8 && bytes[..7].iter().all(u8::is_ascii_digit) && bytes[7].is_ascii_alphabetic()
}

/// A 4-digit year.
fn parse_year(text: &str) -> Option<i32> {
    (text.len() == 4 && text.bytes().all(|byte| byte.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}
