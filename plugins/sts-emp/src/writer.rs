//! The `sts_emp` writer: ISO-8859-15, the element order of the DTD, required elements
//! written even when empty, leftovers written back inside the element they came from.
//!
//! Deterministic: maps are written in key order, services in dataset order grouped by
//! structure ([`services_by_structure`]), structures at the place of their first service.

use std::collections::{BTreeMap, BTreeSet};

use passerelle_core::dates;
use passerelle_core::format::{FormatError, OutputFile, WriteOptions};
use passerelle_core::model::{
    Alternance, CodeItem, Dataset, DayHours, Discipline, Division, DivisionAttachment, Extra,
    ExtraNode, FileInfo, Group, MainTeacherAssignment, Mef, MefAttachment, Programme, Room,
    Service, ServiceTeacher, StaffMember, StructureKind, Subject,
};
use passerelle_core::xml::XmlWriter;

use crate::layout::{
    ALTERNANCE_CONTAINERS, CODE_LISTS, CodeAt, CodeList, DAY_HOURS_FIELDS, DIVISION_CONTAINERS,
    DONNEES_CONTAINERS, GROUP_CONTAINERS, HEADCOUNTS, MAIN_TEACHER_TYPED, NOMENCLATURES_CONTAINERS,
    PARAMETRES_CONTAINERS, ROOT_CONTAINERS, SERVICE_CONTAINERS, STAFF_CONTAINERS, STAFF_TYPED,
    STRUCTURE_CONTAINERS, UAJ_CONTAINERS, YEAR_FIELDS,
};
use crate::leftovers::{nested, own};
use crate::{FORMAT_ID, ROOT, services_by_structure};

/// The encoding label written in the declaration (and used for the bytes).
const ENCODING: &str = "ISO-8859-15";

/// Writes the dataset as `sts_emp_<UAJ>_<ANNEE>.xml`.
pub fn write(dataset: &Dataset, _options: &WriteOptions) -> Result<Vec<OutputFile>, FormatError> {
    let uaj = dataset.establishment.uaj.trim();
    if uaj.is_empty() {
        return Err(FormatError::MissingData(
            "le jeu de données n'a pas d'UAJ : sts_emp l'exige (PARAMETRES/UAJ/@CODE et nom \
             du fichier) ; ajoutez un fichier qui le donne (sts_emp, export SIECLE)"
                .to_string(),
        ));
    }
    let Some(year) = dataset.school_year.millesime else {
        return Err(FormatError::MissingData(
            "le jeu de données n'a pas d'année scolaire : sts_emp l'exige \
             (PARAMETRES/ANNEE_SCOLAIRE/@ANNEE et nom du fichier) ; ajoutez un fichier qui la \
             donne (sts_emp, export SIECLE)"
                .to_string(),
        ));
    };
    let mut writer = Writer {
        out: XmlWriter::with_declaration(ENCODING),
        dataset,
    };
    writer.document(uaj, year);
    Ok(vec![OutputFile {
        name: format!("sts_emp_{uaj}_{year}.xml"),
        bytes: writer.out.finish_latin9(),
    }])
}

/// The leftovers of the document-level containers (`Dataset::extra["STS_EDT"]`).
fn root_leftovers(dataset: &Dataset) -> &[ExtraNode] {
    dataset
        .extra
        .get(ROOT)
        .map_or(&[], |node| node.children.as_slice())
}

struct Writer<'a> {
    out: XmlWriter,
    dataset: &'a Dataset,
}

impl Writer<'_> {
    /// Writes nodes kept verbatim.
    fn verbatim(&mut self, nodes: &[ExtraNode]) {
        self.out.extra(&Extra(nodes.to_vec()));
    }

    /// Writes the leftovers that belong to the element itself: not those nested under one of
    /// its containers, nor the values kept verbatim that [`typed`](Self::typed) wrote in place.
    fn own(&mut self, leftovers: &[ExtraNode], in_place: &[&[&str]]) {
        self.out.extra(&own(leftovers, &in_place.concat()));
    }

    /// Writes an element: `<X a="…"/>` when it has no child, open … close otherwise.
    fn element(
        &mut self,
        name: &str,
        attributes: &[(&str, &str)],
        has_children: bool,
        body: impl FnOnce(&mut Self),
    ) {
        if has_children {
            self.out.open(name, attributes);
            body(self);
            self.out.close();
        } else {
            self.out.empty(name, attributes);
        }
    }

    /// A record of optional text fields (in DTD order) and leftovers; `<X …/>` when it has
    /// none of them.
    fn record(
        &mut self,
        name: &str,
        attributes: &[(&str, &str)],
        fields: &[(&str, &Option<String>)],
        extra: &Extra,
    ) {
        let has_children = fields.iter().any(|(_, value)| value.is_some()) || !extra.is_empty();
        self.element(name, attributes, has_children, |writer| {
            for (field, value) in fields {
                writer.out.leaf_opt(field, value.as_deref());
            }
            writer.out.extra(extra);
        });
    }

    /// Writes a list wrapper holding `items` and the leftovers kept in it; an empty optional
    /// wrapper is left out, an empty required one is written `<X/>`.
    fn list<T>(
        &mut self,
        name: &str,
        required: bool,
        items: impl IntoIterator<Item = T>,
        leftovers: &[ExtraNode],
        mut write_item: impl FnMut(&mut Self, T),
    ) {
        let mut items = items.into_iter().peekable();
        if items.peek().is_none() && leftovers.is_empty() {
            if required {
                self.out.empty(name, &[]);
            }
            return;
        }
        self.out.open(name, &[]);
        for item in items {
            write_item(self, item);
        }
        self.verbatim(leftovers);
        self.out.close();
    }

    /// A typed value: the value, else the text the reader kept because it did not have the
    /// expected form (written where it belongs, so that reading it again gives the same), else
    /// `<X/>` when the element is required.
    fn typed(
        &mut self,
        name: &str,
        value: Option<String>,
        leftovers: &[ExtraNode],
        required: bool,
    ) {
        let kept = || {
            leftovers
                .iter()
                .find(|node| node.name == name && node.children.is_empty())
                .and_then(|node| node.text.clone())
        };
        match value.or_else(kept) {
            Some(text) => self.out.leaf(name, &text),
            None if required => self.out.empty(name, &[]),
            None => {}
        }
    }

    fn count(&mut self, name: &str, value: Option<u32>, leftovers: &[ExtraNode]) {
        self.typed(name, value.map(|value| value.to_string()), leftovers, false);
    }

    fn date(&mut self, name: &str, value: Option<chrono::NaiveDate>, leftovers: &[ExtraNode]) {
        self.typed(name, value.map(dates::format_iso), leftovers, false);
    }

    fn document(&mut self, uaj: &str, year: i32) {
        let dataset = self.dataset;
        let leftovers = root_leftovers(dataset);
        self.out.open(ROOT, &[]);
        self.parametres(uaj, year);
        self.nomenclatures(nested(leftovers, "NOMENCLATURES"));
        self.donnees(nested(leftovers, "DONNEES"));
        self.own(leftovers, &[ROOT_CONTAINERS]);
        self.out.close();
    }

    fn parametres(&mut self, uaj: &str, year: i32) {
        let dataset = self.dataset;
        let envelope = dataset
            .files
            .iter()
            .find(|file| file.format == FORMAT_ID)
            .cloned()
            .unwrap_or_else(FileInfo::default);
        let leftovers = &envelope.extra.0;
        self.out.open("PARAMETRES", &[]);
        self.establishment(uaj);
        let year_text = year.to_string();
        let bounds = &dataset.school_year.bounds;
        let year_leftovers = nested(leftovers, "ANNEE_SCOLAIRE");
        let has_children =
            bounds.start.is_some() || bounds.end.is_some() || !year_leftovers.is_empty();
        self.element(
            "ANNEE_SCOLAIRE",
            &[("ANNEE", &year_text)],
            has_children,
            |writer| {
                writer.date("DATE_DEBUT", bounds.start, year_leftovers);
                writer.date("DATE_FIN", bounds.end, year_leftovers);
                writer.own(year_leftovers, &[YEAR_FIELDS]);
            },
        );
        self.out
            .leaf_opt("HORODATAGE", envelope.horodatage.as_deref());
        self.own(leftovers, &[PARAMETRES_CONTAINERS]);
        self.out.close();
    }

    fn establishment(&mut self, uaj: &str) {
        let establishment = &self.dataset.establishment;
        let leftovers = &establishment.extra.0;
        let academy_leftovers = nested(leftovers, "ACADEMIE");
        let has_academy = establishment.academy_code.is_some()
            || establishment.academy_name.is_some()
            || !academy_leftovers.is_empty();
        let has_children = has_academy
            || establishment.acronym.is_some()
            || establishment.name.is_some()
            || establishment.name_complement.is_some()
            || !leftovers.is_empty();
        self.element("UAJ", &[("CODE", uaj)], has_children, |writer| {
            if has_academy {
                writer.out.open("ACADEMIE", &[]);
                writer
                    .out
                    .leaf_opt("CODE", establishment.academy_code.as_deref());
                writer
                    .out
                    .leaf_opt("LIBELLE", establishment.academy_name.as_deref());
                writer.verbatim(academy_leftovers);
                writer.out.close();
            }
            writer
                .out
                .leaf_opt("SIGLE", establishment.acronym.as_deref());
            writer
                .out
                .leaf_opt("DENOM_PRINC", establishment.name.as_deref());
            writer
                .out
                .leaf_opt("DENOM_COMPL", establishment.name_complement.as_deref());
            writer.own(leftovers, &[UAJ_CONTAINERS]);
        });
    }

    fn nomenclatures(&mut self, leftovers: &[ExtraNode]) {
        let dataset = self.dataset;
        self.out.open("NOMENCLATURES", &[]);
        // DTD order: the code lists before MATIERES, CONTRATS after PROGRAMMES.
        for list in CODE_LISTS.iter().filter(|list| list.list != "CONTRATS") {
            self.code_list(list, nested(leftovers, list.list));
        }
        self.list(
            "MATIERES",
            true,
            dataset.subjects.values(),
            nested(leftovers, "MATIERES"),
            Self::subject,
        );
        self.list(
            "MEFS",
            false,
            dataset.mefs.values(),
            nested(leftovers, "MEFS"),
            Self::mef,
        );
        self.list(
            "PROGRAMMES",
            false,
            &dataset.programmes,
            nested(leftovers, "PROGRAMMES"),
            Self::programme,
        );
        for list in CODE_LISTS.iter().filter(|list| list.list == "CONTRATS") {
            self.code_list(list, nested(leftovers, list.list));
        }
        self.own(leftovers, &[NOMENCLATURES_CONTAINERS]);
        self.out.close();
    }

    fn code_list(&mut self, list: &CodeList, leftovers: &[ExtraNode]) {
        let items = self.dataset.code_lists.get(list.key);
        self.list(
            list.list,
            false,
            items.into_iter().flat_map(BTreeMap::values),
            leftovers,
            |writer, item| writer.code_item(list, item),
        );
    }

    fn code_item(&mut self, list: &CodeList, item: &CodeItem) {
        let (leading, trailing): (Vec<ExtraNode>, Vec<ExtraNode>) = item
            .extra
            .iter()
            .cloned()
            .partition(|node| list.leading.contains(&node.name.as_str()));
        let code_child = match list.code {
            CodeAt::Child(child) => Some(child),
            CodeAt::Attribute(..) => None,
        };
        let attributes: Vec<(&str, &str)> = match list.code {
            CodeAt::Attribute(attribute, _) if !item.code.is_empty() => {
                vec![(attribute, item.code.as_str())]
            }
            _ => Vec::new(),
        };
        let has_children = code_child.is_some()
            || item.short_label.is_some()
            || item.long_label.is_some()
            || !item.extra.is_empty();
        self.element(list.item, &attributes, has_children, |writer| {
            if let Some(child) = code_child {
                writer.out.leaf(child, &item.code);
            }
            writer.verbatim(&leading);
            writer
                .out
                .leaf_opt("LIBELLE_COURT", item.short_label.as_deref());
            writer
                .out
                .leaf_opt("LIBELLE_LONG", item.long_label.as_deref());
            writer.verbatim(&trailing);
        });
    }

    fn subject(&mut self, subject: &Subject) {
        self.out.open("MATIERE", &[("CODE", &subject.code)]);
        self.out
            .leaf_opt("CODE_GESTION", subject.management_code.as_deref());
        self.out
            .leaf_opt("LIBELLE_COURT", subject.short_label.as_deref());
        self.out
            .leaf_or_empty("LIBELLE_LONG", subject.long_label.as_deref());
        self.out
            .leaf_opt("LIBELLE_EDITION", subject.edition_label.as_deref());
        self.out.extra(&subject.extra);
        self.out.close();
    }

    fn mef(&mut self, mef: &Mef) {
        self.record(
            "MEF",
            &[("CODE", &mef.code)],
            &[
                ("FORMATION", &mef.formation),
                ("SPECIALITE", &mef.speciality),
                ("LIBELLE_LONG", &mef.long_label),
                ("LIBELLE_EDITION", &mef.edition_label),
                ("MEFSTAT11", &mef.mefstat11),
                ("MEFSTAT4", &mef.mefstat4),
            ],
            &mef.extra,
        );
    }

    fn programme(&mut self, programme: &Programme) {
        self.record(
            "PROGRAMME",
            &[],
            &[
                ("CODE_MEF", &programme.mef),
                ("CODE_MATIERE", &programme.subject),
                ("HORAIRE", &programme.hours),
            ],
            &programme.extra,
        );
    }

    fn donnees(&mut self, leftovers: &[ExtraNode]) {
        let dataset = self.dataset;
        let timetable = &dataset.timetable;
        self.out.open("DONNEES", &[]);
        self.list(
            "HORAIRES",
            false,
            &timetable.day_hours,
            nested(leftovers, "HORAIRES"),
            Self::day_hours,
        );
        self.list(
            "ALTERNANCES",
            false,
            timetable.alternances.values(),
            nested(leftovers, "ALTERNANCES"),
            Self::alternance,
        );
        self.list(
            "SALLES_COURS",
            false,
            timetable.rooms.values(),
            nested(leftovers, "SALLES_COURS"),
            Self::room,
        );
        self.list(
            "INDIVIDUS",
            true,
            dataset.staff.values().filter(|member| !member.substitute),
            nested(leftovers, "INDIVIDUS"),
            |writer, member| writer.staff_member("INDIVIDU", member),
        );
        self.list(
            "SUPPLEANTS",
            false,
            dataset.staff.values().filter(|member| member.substitute),
            nested(leftovers, "SUPPLEANTS"),
            |writer, member| writer.staff_member("SUPPLEANT", member),
        );
        self.structure(nested(leftovers, "STRUCTURE"));
        self.own(leftovers, &[DONNEES_CONTAINERS]);
        self.out.close();
    }

    fn day_hours(&mut self, hours: &DayHours) {
        let day = hours.day.to_string();
        self.out.open("HORAIRE", &[("JOUR", &day)]);
        let leftovers = &hours.extra.0;
        let start = hours.start.map(|time| time.to_hhmm());
        let end = hours.end.map(|time| time.to_hhmm());
        self.typed("DEBUT_COURS", start, leftovers, true);
        self.typed("FIN_COURS", end, leftovers, true);
        self.own(leftovers, &[DAY_HOURS_FIELDS]);
        self.out.close();
    }

    fn alternance(&mut self, alternance: &Alternance) {
        let leftovers = &alternance.extra.0;
        self.out.open("ALTERNANCE", &[("CODE", &alternance.code)]);
        self.out
            .leaf_or_empty("LIBELLE_COURT", alternance.short_label.as_deref());
        self.out
            .leaf_or_empty("LIBELLE_LONG", alternance.long_label.as_deref());
        self.list(
            "SEMAINES",
            true,
            &alternance.weeks,
            nested(leftovers, "SEMAINES"),
            |writer, week| {
                writer
                    .out
                    .leaf("DATE_DEBUT_SEMAINE", &dates::format_iso(*week));
            },
        );
        self.own(leftovers, &[ALTERNANCE_CONTAINERS]);
        self.out.close();
    }

    fn room(&mut self, room: &Room) {
        self.record(
            "SALLE_COURS",
            &[("CODE", &room.code)],
            &[
                ("GROUPE_SALLE", &room.room_group),
                ("LOCALISATION", &room.location),
            ],
            &room.extra,
        );
    }

    fn staff_member(&mut self, element: &str, member: &StaffMember) {
        let leftovers = &member.extra.0;
        let mut attributes = vec![("ID", member.id.as_str())];
        if let Some(kind) = &member.kind {
            attributes.push(("TYPE", kind.as_str()));
        }
        self.out.open(element, &attributes);
        self.out.leaf_or_empty("SEXE", member.sex.as_deref());
        self.out.leaf_opt("CIVILITE", member.civility.as_deref());
        self.out
            .leaf_or_empty("NOM_USAGE", member.usage_name.as_deref());
        self.out
            .leaf_or_empty("NOM_PATRONYMIQUE", member.birth_name.as_deref());
        self.out
            .leaf_or_empty("PRENOM", member.first_name.as_deref());
        self.date("DATE_NAISSANCE", member.birth_date, leftovers);
        self.out.leaf_opt("GRADE", member.grade.as_deref());
        self.out.leaf_opt("FONCTION", member.function.as_deref());
        self.list(
            "PROFS_PRINC",
            false,
            &member.main_teacher_of,
            nested(leftovers, "PROFS_PRINC"),
            Self::main_teacher,
        );
        self.list(
            "DISCIPLINES",
            false,
            &member.disciplines,
            nested(leftovers, "DISCIPLINES"),
            Self::discipline,
        );
        // A SUPPLEANT's SERVICES_SUPPLEANTS is among the leftovers, written back here.
        self.own(leftovers, &[STAFF_CONTAINERS, STAFF_TYPED]);
        self.out.close();
    }

    fn main_teacher(&mut self, assignment: &MainTeacherAssignment) {
        let has_children = assignment.division.is_some()
            || assignment.start.is_some()
            || assignment.end.is_some()
            || !assignment.extra.is_empty();
        self.element("PROF_PRINC", &[], has_children, |writer| {
            writer
                .out
                .leaf_opt("CODE_STRUCTURE", assignment.division.as_deref());
            let leftovers = &assignment.extra.0;
            writer.date("DATE_DEBUT", assignment.start, leftovers);
            writer.date("DATE_FIN", assignment.end, leftovers);
            writer.own(leftovers, &[MAIN_TEACHER_TYPED]);
        });
    }

    fn discipline(&mut self, discipline: &Discipline) {
        self.out.open("DISCIPLINE", &[("CODE", &discipline.code)]);
        self.out
            .leaf_or_empty("LIBELLE_COURT", discipline.short_label.as_deref());
        self.out.leaf_opt("NB_HEURES", discipline.hours.as_deref());
        self.out.extra(&discipline.extra);
        self.out.close();
    }

    fn structure(&mut self, leftovers: &[ExtraNode]) {
        let dataset = self.dataset;
        let grouped = services_by_structure(&dataset.services);
        let services_of = |kind: StructureKind| -> Vec<(String, Vec<&Service>)> {
            grouped
                .iter()
                .filter(|(structure, _)| structure.kind == kind)
                .map(|(structure, indexes)| {
                    let services = indexes
                        .iter()
                        .filter_map(|index| dataset.services.get(*index))
                        .collect();
                    (structure.code.clone(), services)
                })
                .collect()
        };
        let divisions = in_structure_order(
            services_of(StructureKind::Division),
            dataset.divisions.keys(),
        );
        let groups = in_structure_order(services_of(StructureKind::Groupe), dataset.groups.keys());
        let has_children = !divisions.is_empty() || !groups.is_empty() || !leftovers.is_empty();
        if !has_children {
            self.out.empty("STRUCTURE", &[]);
            return;
        }
        self.out.open("STRUCTURE", &[]);
        self.structures(
            "DIVISIONS",
            divisions,
            &dataset.divisions,
            nested(leftovers, "DIVISIONS"),
            |code| Division {
                code,
                ..Division::default()
            },
            Self::division,
        );
        self.structures(
            "GROUPES",
            groups,
            &dataset.groups,
            nested(leftovers, "GROUPES"),
            |code| Group {
                code,
                ..Group::default()
            },
            Self::group,
        );
        self.own(leftovers, &[STRUCTURE_CONTAINERS]);
        self.out.close();
    }

    /// `DIVISIONS` or `GROUPES`: each structure with its services; a structure named by
    /// services but not declared is written bare (`bare`), so that no service is lost.
    fn structures<T>(
        &mut self,
        list: &str,
        order: Vec<(String, Vec<&Service>)>,
        declared: &BTreeMap<String, T>,
        leftovers: &[ExtraNode],
        bare: impl Fn(String) -> T,
        mut write: impl FnMut(&mut Self, &T, &[&Service]),
    ) {
        self.list(
            list,
            false,
            order,
            leftovers,
            |writer, (code, services)| match declared.get(&code) {
                Some(structure) => write(writer, structure, &services),
                None => write(writer, &bare(code), &services),
            },
        );
    }

    fn division(&mut self, division: &Division, services: &[&Service]) {
        self.structure_element(
            StructureView {
                element: "DIVISION",
                code: &division.code,
                label: division.label.as_deref(),
                headcounts: [division.planned, division.actual, None],
                divisions: &[],
                mefs: &division.mefs,
                leftovers: &division.extra.0,
                containers: DIVISION_CONTAINERS,
            },
            services,
        );
    }

    fn group(&mut self, group: &Group, services: &[&Service]) {
        self.structure_element(
            StructureView {
                element: "GROUPE",
                code: &group.code,
                label: group.label.as_deref(),
                headcounts: [group.planned, group.actual, group.max_timetable],
                divisions: &group.divisions,
                mefs: &group.mefs,
                leftovers: &group.extra.0,
                containers: GROUP_CONTAINERS,
            },
            services,
        );
    }

    /// `DIVISION` or `GROUPE`, in DTD order (a division has no `EFFECTIF_MAX_EDT` nor
    /// `DIVISIONS_APPARTENANCE`).
    fn structure_element(&mut self, view: StructureView<'_>, services: &[&Service]) {
        let leftovers = view.leftovers;
        self.out.open(view.element, &[("CODE", view.code)]);
        self.out.leaf_or_empty("LIBELLE_LONG", view.label);
        for (name, value) in HEADCOUNTS.iter().zip(view.headcounts) {
            self.count(name, value, leftovers);
        }
        self.attachments(
            "DIVISIONS_APPARTENANCE",
            "DIVISION_APPARTENANCE",
            view.divisions.iter().map(|division| {
                (
                    &division.code,
                    division.planned,
                    division.actual,
                    &division.extra,
                )
            }),
            nested(leftovers, "DIVISIONS_APPARTENANCE"),
        );
        self.attachments(
            "MEFS_APPARTENANCE",
            "MEF_APPARTENANCE",
            view.mefs
                .iter()
                .map(|mef| (&mef.code, mef.planned, mef.actual, &mef.extra)),
            nested(leftovers, "MEFS_APPARTENANCE"),
        );
        self.services(services, nested(leftovers, "SERVICES"));
        self.own(leftovers, &[view.containers, HEADCOUNTS]);
        self.out.close();
    }

    /// `MEFS_APPARTENANCE` or `DIVISIONS_APPARTENANCE`: code, planned, actual, leftovers.
    fn attachments<'d>(
        &mut self,
        list: &str,
        item: &str,
        attachments: impl Iterator<Item = (&'d String, Option<u32>, Option<u32>, &'d Extra)>,
        leftovers: &[ExtraNode],
    ) {
        self.list(
            list,
            false,
            attachments,
            leftovers,
            |writer, (code, planned, actual, extra)| {
                let has_children = planned.is_some() || actual.is_some() || !extra.is_empty();
                writer.element(item, &[("CODE", code)], has_children, |writer| {
                    writer.count("EFFECTIF_PREVU", planned, &extra.0);
                    writer.count("EFFECTIF_CALCULE", actual, &extra.0);
                    writer.own(&extra.0, &[HEADCOUNTS]);
                });
            },
        );
    }

    fn services(&mut self, services: &[&Service], leftovers: &[ExtraNode]) {
        self.list(
            "SERVICES",
            true,
            services.iter().copied(),
            leftovers,
            Self::service,
        );
    }

    fn service(&mut self, service: &Service) {
        let leftovers = &service.extra.0;
        let mut attributes = vec![("CODE_MATIERE", service.subject.as_str())];
        if let Some(mode) = &service.course_mode {
            attributes.push(("CODE_MOD_COURS", mode.as_str()));
        }
        self.out.open("SERVICE", &attributes);
        self.out
            .leaf_opt("HEURES_STRUCTURE", service.hours.as_deref());
        self.out.leaf_opt("CO_ENS", service.co_teaching.as_deref());
        self.list(
            "ENSEIGNANTS",
            true,
            &service.teachers,
            nested(leftovers, "ENSEIGNANTS"),
            Self::teacher,
        );
        self.own(leftovers, &[SERVICE_CONTAINERS]);
        self.out.close();
    }

    /// Courses (`COURS_RATTACHES`) belong to `emp_sts`: they are not written here.
    fn teacher(&mut self, teacher: &ServiceTeacher) {
        let mut attributes = vec![("ID", teacher.id.as_str())];
        if let Some(kind) = &teacher.kind {
            attributes.push(("TYPE", kind.as_str()));
        }
        self.record(
            "ENSEIGNANT",
            &attributes,
            &[
                ("HEURES_AGENT", &teacher.hours),
                ("TAUX_PONDERATION", &teacher.weighting),
            ],
            &teacher.extra,
        );
    }
}

/// What `DIVISION` and `GROUPE` share, for writing.
struct StructureView<'d> {
    element: &'static str,
    code: &'d str,
    label: Option<&'d str>,
    /// `EFFECTIF_PREVU`, `EFFECTIF_CALCULE`, `EFFECTIF_MAX_EDT` (in [`HEADCOUNTS`] order).
    headcounts: [Option<u32>; 3],
    divisions: &'d [DivisionAttachment],
    mefs: &'d [MefAttachment],
    leftovers: &'d [ExtraNode],
    containers: &'static [&'static str],
}

/// The structures to write: those with services at the place of their first service, then
/// the declared ones without service, in code order.
fn in_structure_order<'a>(
    with_services: Vec<(String, Vec<&'a Service>)>,
    declared: impl Iterator<Item = &'a String>,
) -> Vec<(String, Vec<&'a Service>)> {
    let seen: BTreeSet<String> = with_services.iter().map(|(code, _)| code.clone()).collect();
    let mut order = with_services;
    order.extend(
        declared
            .filter(|code| !seen.contains(*code))
            .map(|code| (code.clone(), Vec::new())),
    );
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use passerelle_core::model::StructureRef;

    #[test]
    fn structures_without_services_come_after_in_code_order() {
        let service = Service {
            structure: StructureRef {
                kind: StructureKind::Division,
                code: "6 B".into(),
            },
            ..Service::default()
        };
        let declared = ["5 A".to_string(), "6 B".to_string(), "3 A".to_string()];
        let order: Vec<String> =
            in_structure_order(vec![("6 B".to_string(), vec![&service])], declared.iter())
                .into_iter()
                .map(|(code, _)| code)
                .collect();
        assert_eq!(order, ["6 B", "5 A", "3 A"]);
    }
}
