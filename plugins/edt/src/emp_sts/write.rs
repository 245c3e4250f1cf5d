//! Writing `emp_sts` in the DTD's element order (STS.md §3.2), in ISO-8859-15.

use std::collections::{BTreeSet, HashMap};

use passerelle_core::dates::format_iso;
use passerelle_core::format::{FormatError, OutputFile, WriteOptions};
use passerelle_core::model::{
    Allowance, Course, Dataset, Division, Group, Service, ServiceTeacher, StaffMember,
    StructureKind,
};
use passerelle_core::xml::XmlWriter;

use super::read::kept;
use super::{FORMAT_ID, ROOT};

/// Default `APPLICATION_SOURCE` when neither the options nor a read `emp_sts` give one.
const SOFTWARE: &str = "passerelle";

pub(crate) fn write(
    dataset: &Dataset,
    options: &WriteOptions,
) -> Result<Vec<OutputFile>, FormatError> {
    let uaj = dataset.establishment.uaj.trim();
    if uaj.is_empty() {
        return Err(FormatError::MissingData(
            "l'UAJ de l'établissement est inconnu : donnez aussi un fichier qui le porte \
             (sts_emp, export SIECLE)"
                .to_string(),
        ));
    }
    let year = dataset.school_year.millesime;
    let mut writer = XmlWriter::with_declaration("ISO-8859-15");
    writer.open(ROOT, &[]);
    parameters(&mut writer, dataset, options, uaj);
    writer.open("DONNEES", &[]);
    day_hours(&mut writer, dataset);
    alternances(&mut writer, dataset);
    rooms(&mut writer, dataset);
    staff(&mut writer, dataset);
    structure(&mut writer, dataset);
    writer.extra(&kept(dataset, &[ROOT, "DONNEES"]));
    writer.close();
    writer.extra(&kept(dataset, &[ROOT]));
    let name = match year {
        Some(year) => format!("emp_sts_{uaj}_{year}.xml"),
        None => format!("emp_sts_{uaj}.xml"),
    };
    Ok(vec![OutputFile {
        name,
        bytes: writer.finish_latin9(),
    }])
}

/// Opens a list element, or writes it empty (`<GROUPES/>`) when it has no item. Returns
/// whether it was opened.
fn open_list(writer: &mut XmlWriter, name: &str, has_items: bool) -> bool {
    if has_items {
        writer.open(name, &[]);
    } else {
        writer.empty(name, &[]);
    }
    has_items
}

fn parameters(writer: &mut XmlWriter, dataset: &Dataset, options: &WriteOptions, uaj: &str) {
    let info = dataset.files.iter().find(|file| file.format == FORMAT_ID);
    let software = options
        .params
        .get("logiciel")
        .map(String::as_str)
        .or_else(|| info.and_then(|file| file.logiciel.as_deref()))
        .unwrap_or(SOFTWARE);
    writer.open("PARAMETRES", &[]);
    writer.leaf("UAJ", uaj);
    if let Some(year) = dataset.school_year.millesime {
        writer.leaf("ANNEE_SCOLAIRE", &year.to_string());
    }
    writer.leaf("APPLICATION_SOURCE", software);
    if let Some(info) = info {
        writer.leaf_opt("HORODATAGE", info.horodatage.as_deref());
        writer.extra(&info.extra);
    }
    writer.close();
}

fn day_hours(writer: &mut XmlWriter, dataset: &Dataset) {
    let hours = &dataset.timetable.day_hours;
    let unknown = kept(dataset, &[ROOT, "DONNEES", "HORAIRES"]);
    if !open_list(writer, "HORAIRES", !hours.is_empty() || !unknown.is_empty()) {
        return;
    }
    for day in hours {
        writer.open("HORAIRE", &[("JOUR", &day.day.to_string())]);
        writer.leaf_or_empty("DEBUT_COURS", day.start.map(|t| t.to_hhmm()).as_deref());
        writer.leaf_or_empty("FIN_COURS", day.end.map(|t| t.to_hhmm()).as_deref());
        writer.extra(&day.extra);
        writer.close();
    }
    writer.extra(&unknown);
    writer.close();
}

fn alternances(writer: &mut XmlWriter, dataset: &Dataset) {
    let alternances = &dataset.timetable.alternances;
    let unknown = kept(dataset, &[ROOT, "DONNEES", "ALTERNANCES"]);
    if !open_list(
        writer,
        "ALTERNANCES",
        !alternances.is_empty() || !unknown.is_empty(),
    ) {
        return;
    }
    for alternance in alternances.values() {
        writer.open("ALTERNANCE", &[("CODE", &alternance.code)]);
        writer.leaf_or_empty("LIBELLE_COURT", alternance.short_label.as_deref());
        writer.leaf_or_empty("LIBELLE_LONG", alternance.long_label.as_deref());
        if open_list(writer, "SEMAINES", !alternance.weeks.is_empty()) {
            for week in &alternance.weeks {
                writer.leaf("DATE_DEBUT_SEMAINE", &format_iso(*week));
            }
            writer.close();
        }
        writer.extra(&alternance.extra);
        writer.close();
    }
    writer.extra(&unknown);
    writer.close();
}

fn rooms(writer: &mut XmlWriter, dataset: &Dataset) {
    let rooms = &dataset.timetable.rooms;
    let unknown = kept(dataset, &[ROOT, "DONNEES", "SALLES_COURS"]);
    // Optional in the DTD: left out when there is no room.
    if rooms.is_empty() && unknown.is_empty() {
        return;
    }
    writer.open("SALLES_COURS", &[]);
    for room in rooms.values() {
        let attributes = [("CODE", room.code.as_str())];
        if room.room_group.is_none() && room.location.is_none() && room.extra.is_empty() {
            writer.empty("SALLE_COURS", &attributes);
            continue;
        }
        writer.open("SALLE_COURS", &attributes);
        writer.leaf_opt("GROUPE_SALLE", room.room_group.as_deref());
        writer.leaf_opt("LOCALISATION", room.location.as_deref());
        writer.extra(&room.extra);
        writer.close();
    }
    writer.extra(&unknown);
    writer.close();
}

/// The allowances to declare: those read from an `emp_sts`, else the "professeur principal"
/// assignments of `sts_emp`, each with the MEFSTAT4 of the division's first MEF.
fn allowances(dataset: &Dataset, member: &StaffMember) -> Vec<Allowance> {
    if !member.allowances.is_empty() {
        return member.allowances.clone();
    }
    member
        .main_teacher_of
        .iter()
        .filter_map(|assignment| assignment.division.clone())
        .map(|division| {
            let mefstat4 = dataset
                .divisions
                .get(&division)
                .and_then(|known| known.mefs.first())
                .and_then(|mef| dataset.mefs.get(&mef.code))
                .and_then(|mef| mef.mefstat4.clone());
            Allowance {
                division: Some(division),
                mefstat4,
                ..Allowance::default()
            }
        })
        .collect()
}

fn staff(writer: &mut XmlWriter, dataset: &Dataset) {
    let unknown = kept(dataset, &[ROOT, "DONNEES", "INDIVIDUS"]);
    if !open_list(
        writer,
        "INDIVIDUS",
        !dataset.staff.is_empty() || !unknown.is_empty(),
    ) {
        return;
    }
    // Ids are numeric: shorter first gives the numeric order EDT writes (4850 before 14018).
    let mut members: Vec<&StaffMember> = dataset.staff.values().collect();
    members.sort_by_key(|member| (member.id.len(), &member.id));
    for member in members {
        let attributes = [("ID", member.id.as_str())];
        let allowances = allowances(dataset, member);
        let responsibilities = &member.other_responsibilities;
        if allowances.is_empty() && responsibilities.is_empty() && member.extra.is_empty() {
            writer.empty("INDIVIDU", &attributes);
            continue;
        }
        writer.open("INDIVIDU", &attributes);
        if !allowances.is_empty() {
            writer.open("INDEMNITES", &[]);
            for allowance in &allowances {
                writer.open("INDEMNITE", &[]);
                writer.leaf_or_empty("CODE_STRUCTURE", allowance.division.as_deref());
                writer.leaf_or_empty("MEFSTAT4", allowance.mefstat4.as_deref());
                writer.extra(&allowance.extra);
                writer.close();
            }
            writer.close();
        }
        if !responsibilities.is_empty() {
            writer.open("ARES", &[]);
            for responsibility in responsibilities {
                writer.open("ARE", &[]);
                writer.leaf_or_empty("CODE_ARE", responsibility.code.as_deref());
                writer.leaf_or_empty("HEURES", responsibility.hours.as_deref());
                writer.extra(&responsibility.extra);
                writer.close();
            }
            writer.close();
        }
        writer.extra(&member.extra);
        writer.close();
    }
    writer.extra(&unknown);
    writer.close();
}

/// The codes of one kind of structure, in the order their services come, then the others
/// by code: reading back gives the services in the same order.
fn structure_order<'d>(
    dataset: &'d Dataset,
    kind: StructureKind,
    known: impl Iterator<Item = &'d String>,
) -> Vec<&'d str> {
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    let from_services = dataset
        .services
        .iter()
        .filter(|service| service.structure.kind == kind)
        .map(|service| &service.structure.code);
    for code in from_services.chain(known) {
        if seen.insert(code.as_str()) {
            order.push(code.as_str());
        }
    }
    order
}

/// The services of each structure, in dataset order: found once, rather than by a pass over
/// every service for each structure written.
type ServicesOf<'d> = HashMap<(StructureKind, &'d str), Vec<&'d Service>>;

fn services_of(dataset: &Dataset) -> ServicesOf<'_> {
    let mut services: ServicesOf<'_> = HashMap::new();
    for service in &dataset.services {
        services
            .entry((service.structure.kind, service.structure.code.as_str()))
            .or_default()
            .push(service);
    }
    services
}

fn structure(writer: &mut XmlWriter, dataset: &Dataset) {
    writer.open("STRUCTURE", &[]);
    let services = services_of(dataset);
    let divisions = structure_order(dataset, StructureKind::Division, dataset.divisions.keys());
    let unknown = kept(dataset, &[ROOT, "DONNEES", "STRUCTURE", "DIVISIONS"]);
    if open_list(
        writer,
        "DIVISIONS",
        !divisions.is_empty() || !unknown.is_empty(),
    ) {
        for code in divisions {
            division(writer, &services, code, dataset.divisions.get(code));
        }
        writer.extra(&unknown);
        writer.close();
    }
    let groups = structure_order(dataset, StructureKind::Groupe, dataset.groups.keys());
    let unknown = kept(dataset, &[ROOT, "DONNEES", "STRUCTURE", "GROUPES"]);
    if open_list(writer, "GROUPES", !groups.is_empty() || !unknown.is_empty()) {
        for code in groups {
            group(writer, &services, code, dataset.groups.get(code));
        }
        writer.extra(&unknown);
        writer.close();
    }
    writer.extra(&kept(dataset, &[ROOT, "DONNEES", "STRUCTURE"]));
    writer.close();
}

fn division(
    writer: &mut XmlWriter,
    services_of: &ServicesOf<'_>,
    code: &str,
    known: Option<&Division>,
) {
    writer.open("DIVISION", &[("CODE", code)]);
    services(writer, services_of, StructureKind::Division, code);
    if let Some(known) = known {
        writer.extra(&known.extra);
    }
    writer.close();
}

fn group(writer: &mut XmlWriter, services_of: &ServicesOf<'_>, code: &str, known: Option<&Group>) {
    writer.open("GROUPE", &[("CODE", code)]);
    if let Some(known) = known {
        writer.leaf_opt("LIBELLE_LONG", known.label.as_deref());
        writer.leaf_opt(
            "EFFECTIF_PREVU",
            known.planned.map(|n| n.to_string()).as_deref(),
        );
        writer.leaf_opt(
            "EFFECTIF_MAX_EDT",
            known.max_timetable.map(|n| n.to_string()).as_deref(),
        );
        if !known.divisions.is_empty() {
            writer.open("DIVISIONS_APPARTENANCE", &[]);
            for attachment in &known.divisions {
                let attributes: &[(&str, &str)] = if attachment.code.is_empty() {
                    &[]
                } else {
                    &[("CODE", attachment.code.as_str())]
                };
                writer.open("DIVISION_APPARTENANCE", attributes);
                writer.leaf_or_empty(
                    "EFFECTIF_PREVU",
                    attachment.planned.map(|n| n.to_string()).as_deref(),
                );
                writer.extra(&attachment.extra);
                writer.close();
            }
            writer.close();
        }
    }
    services(writer, services_of, StructureKind::Groupe, code);
    if let Some(known) = known {
        writer.extra(&known.extra);
    }
    writer.close();
}

fn services(writer: &mut XmlWriter, services_of: &ServicesOf<'_>, kind: StructureKind, code: &str) {
    let mine: &[&Service] = services_of.get(&(kind, code)).map_or(&[], Vec::as_slice);
    if !open_list(writer, "SERVICES", !mine.is_empty()) {
        return;
    }
    for service in mine {
        let mut attributes = vec![("CODE_MATIERE", service.subject.as_str())];
        if let Some(mode) = &service.course_mode {
            attributes.push(("CODE_MOD_COURS", mode));
        }
        writer.open("SERVICE", &attributes);
        writer.leaf_opt("HEURES_STRUCTURE", service.hours.as_deref());
        writer.leaf_opt("CO_ENS", service.co_teaching.as_deref());
        if open_list(writer, "ENSEIGNANTS", !service.teachers.is_empty()) {
            for teacher in &service.teachers {
                service_teacher(writer, teacher);
            }
            writer.close();
        }
        writer.extra(&service.extra);
        writer.close();
    }
    writer.close();
}

fn service_teacher(writer: &mut XmlWriter, teacher: &ServiceTeacher) {
    let mut attributes = vec![("ID", teacher.id.as_str())];
    if let Some(kind) = &teacher.kind {
        attributes.push(("TYPE", kind));
    }
    if teacher.hours.is_none()
        && teacher.weighting.is_none()
        && teacher.courses.is_empty()
        && teacher.extra.is_empty()
    {
        writer.empty("ENSEIGNANT", &attributes);
        return;
    }
    writer.open("ENSEIGNANT", &attributes);
    writer.leaf_opt("HEURES_AGENT", teacher.hours.as_deref());
    writer.leaf_opt("TAUX_PONDERATION", teacher.weighting.as_deref());
    if !teacher.courses.is_empty() {
        writer.open("COURS_RATTACHES", &[]);
        for course in &teacher.courses {
            self::course(writer, course);
        }
        writer.close();
    }
    writer.extra(&teacher.extra);
    writer.close();
}

fn course(writer: &mut XmlWriter, course: &Course) {
    writer.open("COURS", &[]);
    writer.leaf_or_empty("CODE_ALTERNANCE", course.alternance.as_deref());
    writer.leaf_or_empty("JOUR", course.day.map(|day| day.to_string()).as_deref());
    writer.leaf_or_empty(
        "HEURE_DEBUT",
        course.start.map(|start| start.to_hhmm()).as_deref(),
    );
    writer.leaf_or_empty(
        "DUREE",
        course
            .duration
            .map(|duration| duration.to_hhmm())
            .as_deref(),
    );
    writer.leaf_opt("CODE_SALLE", course.room.as_deref());
    writer.extra(&course.extra);
    writer.close();
}
