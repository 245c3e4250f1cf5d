//! The anomalies demo: the demo establishment written with one planted instance of each
//! anomaly code of `passerelle check`, so that `check` can be shown (and tested) finding
//! exactly what was planted.
//!
//! It is a batch folder of two establishments: `college/`, the demo collège with every plant
//! that a complete set of files allows, and `annexe/`, a second school with only an
//! `sts_emp` without services, for the two codes a complete set cannot show
//! (`SERVICES_ABSENTS`, `FICHIER_MANQUANT`).
//!
//! Plants are made in two ways. Dataset-level plants change the dataset a writer is given
//! (each format gets its own variant of the demo: `emp_sts` naming a subject `sts_emp` does
//! not have, a students file where one student has no INE…). File-level plants change the
//! files once written (a truncated zip, a malformed XML, an unknown export, UTF-8 under a
//! Latin-9 label, a copy, a renamed file, an unzipped liens file, and two edits of the
//! written text: a second `ELEVE` under the same `ELEVE_ID`, a `NUM_ENVOI` out of range).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{Duration, NaiveDate};

use crate::demo::{DemoParams, demo_timestamp, generate};
use crate::diagnostics::Objet;
use crate::encoding::encode_latin9;
use crate::format::{OutputFile, Registry, WriteOptions};
use crate::input::{Limits, read_zip};
use crate::model::{
    Dataset, Division, DivisionAttachment, Group, MefAttachment, Membership, Service,
    ServiceTeacher, StaffMember, StructureKind, StructureRef, Student, StudentRef, staff_kind,
};
use crate::objet;
use crate::output::{OutputError, write_atomic, zip_single};

/// The establishment with every plant a complete set of files allows.
pub const COLLEGE: &str = "college";
/// The second establishment: a lone `sts_emp` without services.
pub const ANNEXE: &str = "annexe";
/// UAJ of the second establishment, and the wrong UAJ planted in the first.
pub const OTHER_UAJ: &str = "0999998Y";

/// One planted anomaly: the sub-folder of its establishment, its code and its `objet`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Plant {
    /// `college` or `annexe`.
    pub dossier: &'static str,
    /// Anomaly code.
    pub code: &'static str,
    /// Its `objet`, as `check` reports it.
    pub objet: Objet,
}

/// Why the anomalies demo could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A format the demo needs has no writer.
    #[error(
        "la démo des anomalies a besoin du format {0}, qui ne sait pas écrire : `passerelle formats` liste les formats"
    )]
    MissingWriter(String),
    /// A writer refused the demo.
    #[error("le format {format} n'a pas pu écrire la démo : {message}")]
    Writer {
        /// Format id.
        format: String,
        /// Its error.
        message: String,
    },
    /// A plant could not be made in what a writer produced.
    #[error("l'anomalie {code} n'a pas pu être plantée : {message}")]
    Plant {
        /// The code.
        code: &'static str,
        /// Why.
        message: String,
    },
    /// Writing failed.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// A plant waiting for the name of the file it concerns.
#[derive(Clone, Debug)]
struct Pending {
    code: &'static str,
    objet: Objet,
    /// Format whose (first) written input name fills `objet.fichier`, or whose text is edited.
    file_of: Option<&'static str>,
    /// The value a text edit needs (the INE sent for `REJELEGROUPE_03`).
    edit: Option<String>,
}

/// The per-format datasets of the college and the plants made in them.
#[derive(Clone, Debug)]
pub struct PlantedDatasets {
    /// The dataset every format without a variant is written from.
    pub base: Dataset,
    /// A variant per format id.
    pub variants: BTreeMap<&'static str, Dataset>,
    pending: Vec<Pending>,
}

impl PlantedDatasets {
    /// The dataset a format is written from.
    pub fn dataset_for(&self, format: &str) -> &Dataset {
        self.variants.get(format).unwrap_or(&self.base)
    }

    /// The dataset-level plants whose `objet` does not depend on a file name.
    pub fn plants(&self) -> Vec<Plant> {
        self.pending
            .iter()
            .filter(|pending| pending.file_of.is_none())
            .map(|pending| Plant {
                dossier: COLLEGE,
                code: pending.code,
                objet: pending.objet.clone(),
            })
            .collect()
    }
}

fn plant_error(code: &'static str, message: impl Into<String>) -> DemoError {
    DemoError::Plant {
        code,
        message: message.into(),
    }
}

/// Picks distinct students, in ELEVE_ID order.
struct Picker<'a> {
    dataset: &'a Dataset,
    taken: BTreeSet<String>,
}

impl Picker<'_> {
    fn pick(
        &mut self,
        code: &'static str,
        wanted: impl Fn(&Student) -> bool,
    ) -> Result<Student, DemoError> {
        let reference = self.dataset.reference_date;
        let student = self
            .dataset
            .students
            .values()
            .find(|student| !self.taken.contains(&student.eleve_id) && wanted(student))
            .ok_or_else(|| {
                plant_error(
                    code,
                    format!("aucun élève ne convient (date {reference:?})"),
                )
            })?;
        self.taken.insert(student.eleve_id.clone());
        Ok(student.clone())
    }
}

fn memberships_of<'a>(dataset: &'a Dataset, eleve_id: &str) -> Vec<&'a Membership> {
    dataset
        .memberships
        .iter()
        .filter(|membership| membership.student.eleve_id.as_deref() == Some(eleve_id))
        .collect()
}

fn group_ref(code: &str) -> StructureRef {
    StructureRef {
        kind: StructureKind::Groupe,
        code: code.into(),
    }
}

fn division_ref(code: &str) -> StructureRef {
    StructureRef {
        kind: StructureKind::Division,
        code: code.into(),
    }
}

fn service(structure: StructureRef, subject: &str, teacher: &str) -> Service {
    Service {
        structure,
        subject: subject.into(),
        course_mode: Some("CG".into()),
        hours: Some("1.00".into()),
        co_teaching: Some("N".into()),
        teachers: vec![ServiceTeacher {
            id: teacher.into(),
            kind: Some(staff_kind::EPP.into()),
            hours: Some("1.00".into()),
            weighting: Some("1.00".into()),
            ..ServiceTeacher::default()
        }],
        ..Service::default()
    }
}

fn attached_group(code: &str, label: &str, division: &str, mef: Option<&str>) -> Group {
    Group {
        code: code.into(),
        label: Some(label.into()),
        planned: Some(12),
        divisions: vec![DivisionAttachment {
            code: division.into(),
            ..DivisionAttachment::default()
        }],
        mefs: mef
            .map(|mef| MefAttachment {
                code: mef.into(),
                ..MefAttachment::default()
            })
            .into_iter()
            .collect(),
        ..Group::default()
    }
}

/// Builds the college's per-format datasets with every dataset-level plant.
pub fn plant_datasets(mut base: Dataset) -> Result<PlantedDatasets, DemoError> {
    let date = base.reference_date;
    let present = move |student: &Student| date.is_none_or(|date| student.is_present_at(date));
    let (period_start, period_end) = base
        .school_year
        .bounds
        .start
        .zip(base.school_year.bounds.end)
        .ok_or_else(|| plant_error("ELEGRP_A_02", "la démo n'a pas de période scolaire"))?;
    let snapshot = base.clone();
    let mut picker = Picker {
        dataset: &snapshot,
        taken: BTreeSet::new(),
    };
    let has_links = |student: &Student| !memberships_of(&snapshot, &student.eleve_id).is_empty();
    let with_ine = |student: &Student| student.ine.is_some();
    let mut pending = Vec::new();
    let mut plant = |code: &'static str, objet: Objet| {
        pending.push(Pending {
            code,
            objet,
            file_of: None,
            edit: None,
        });
    };

    // Synchro 2, in the students file.
    let ine_a = picker.pick("DOUBLON_INE", |s| present(s) && with_ine(s))?;
    let ine_b = picker.pick("DOUBLON_INE", |s| present(s) && with_ine(s))?;
    let no_ine = picker.pick("INE_ABSENT", present)?;
    let no_division = picker.pick("ELEVE_SANS_DIVISION", present)?;
    let duplicated = picker.pick("DOUBLON_ELEVE_ID", present)?;
    let leaver_in_division = picker.pick("ELEVE_SORTI_DANS_DIVISION", |s| {
        !present(s) && s.division.is_some()
    })?;
    let shared_ine = ine_a.ine.clone().unwrap_or_default();
    plant(
        "DOUBLON_INE",
        objet!(ine = shared_ine.trim().to_uppercase()),
    );
    plant("INE_ABSENT", objet!(eleve_id = no_ine.eleve_id.clone()));
    plant(
        "ELEVE_SANS_DIVISION",
        objet!(eleve_id = no_division.eleve_id.clone()),
    );
    plant(
        "ELEVE_SORTI_DANS_DIVISION",
        objet!(eleve_id = leaver_in_division.eleve_id.clone()),
    );

    // Synchro 5 students, chosen now so that they differ from the ones above.
    let outside_group = picker.pick("GROUPE_A_01", |s| {
        present(s) && s.mef.is_some() && has_links(s)
    })?;
    let without_mef = picker.pick("GROUPE_B_01", |s| present(s) && has_links(s))?;
    let fifth = picker.pick("GROUPE_B_02", |s| {
        present(s) && has_links(s) && s.division.as_deref().is_some_and(|d| d.starts_with('5'))
    })?;
    let sent_twice = picker.pick("REJELEGROUPE_03", |s| {
        present(s) && with_ine(s) && has_links(s)
    })?;
    let bad_order = picker.pick("ELEGRP_A_01", |s| present(s) && has_links(s))?;
    let early = picker.pick("ELEGRP_A_02", |s| present(s) && has_links(s))?;
    let late = picker.pick("ELEGRP_A_03", |s| present(s) && has_links(s))?;
    let forgotten = picker.pick("LIENS_INCOMPLET", |s| present(s) && has_links(s))?;
    let renamed = picker.pick("ELEVE_IDENTITE", |s| present(s) && has_links(s))?;
    let groupless = picker.pick("ELEVE_SANS_GROUPE", |s| present(s) && s.division.is_some())?;
    // Leaves after the export (so the liens file still sends them) but before a link starts.
    let left_linked = picker.pick("ELEVE_SORTI", |s| present(s) && has_links(s))?;
    let left_on = date.unwrap_or(period_start) + Duration::days(20);
    if let Some(student) = base.students.get_mut(&left_linked.eleve_id) {
        student.leaving_date = Some(left_on);
        student.leaving_reason = Some("11".into());
    }

    // Every format: the groupless student is in no group anywhere.
    base.memberships
        .retain(|membership| membership.student.eleve_id.as_deref() != Some(&groupless.eleve_id));
    plant(
        "ELEVE_SANS_GROUPE",
        objet!(eleve_id = groupless.eleve_id.clone()),
    );

    let mut variants = BTreeMap::new();

    // siecle-eleves.
    let mut students = base.clone();
    let leaver_id = leaver_in_division.eleve_id.clone();
    for student in students.students.values_mut() {
        if !present(student) && student.eleve_id != leaver_id {
            student.division = None;
        }
    }
    if let Some(student) = students.students.get_mut(&ine_b.eleve_id) {
        student.ine = ine_a.ine.clone();
    }
    if let Some(student) = students.students.get_mut(&no_ine.eleve_id) {
        student.ine = None;
    }
    if let Some(student) = students.students.get_mut(&no_division.eleve_id) {
        student.division = None;
    }
    if let Some(student) = students.students.get_mut(&without_mef.eleve_id) {
        student.mef = None;
    }
    plant(
        "GROUPE_B_01",
        objet!(eleve_id = without_mef.eleve_id.clone()),
    );
    variants.insert("siecle-eleves", students);

    // sts-emp.
    let mut sts = base.clone();
    let teacher = sts
        .services
        .iter()
        .find(|service| service.structure.kind == StructureKind::Division)
        .and_then(|service| service.teachers.first())
        .map(|teacher| teacher.id.clone())
        .ok_or_else(|| plant_error("ENSEIGNANT_SANS_FONCTION", "aucun service de division"))?;
    if let Some(member) = sts.staff.get_mut(&teacher) {
        member.function = None;
    }
    plant(
        "ENSEIGNANT_SANS_FONCTION",
        objet!(enseignant = teacher.clone()),
    );
    let fourth_mef = snapshot
        .students
        .values()
        .find(|s| s.division.as_deref().is_some_and(|d| d.starts_with('4')))
        .and_then(|s| s.mef.clone());
    let fourth_division = snapshot
        .divisions
        .keys()
        .find(|code| code.starts_with('4'))
        .cloned()
        .ok_or_else(|| plant_error("STRUCTURE_ABSENTE_SIECLE", "aucune division de 4e"))?;
    sts.groups.insert(
        "4SOUTIEN".into(),
        attached_group(
            "4SOUTIEN",
            "4E SOUTIEN",
            &fourth_division,
            fourth_mef.as_deref(),
        ),
    );
    plant("STRUCTURE_ABSENTE_SIECLE", objet!(groupe = "4SOUTIEN"));
    let unattached = sts
        .groups
        .get_mut("5LATIN")
        .ok_or_else(|| plant_error("GROUPE_SANS_RATTACHEMENT", "pas de groupe 5LATIN"))?;
    unattached.divisions.clear();
    unattached.mefs.clear();
    plant("GROUPE_SANS_RATTACHEMENT", objet!(groupe = "5LATIN"));
    let without_service = "4ALL2";
    sts.services.retain(|service| {
        !(service.structure.kind == StructureKind::Groupe
            && service.structure.code == without_service)
    });
    plant("GROUPE_SANS_SERVICE", objet!(groupe = without_service));
    variants.insert("sts-emp", sts);

    // edt-sts.
    let mut emp = base.clone();
    let third_division = snapshot
        .divisions
        .keys()
        .find(|code| code.starts_with('3'))
        .cloned()
        .ok_or_else(|| plant_error("DIVISION_INCONNUE", "aucune division de 3e"))?;
    let known_teacher = snapshot
        .services
        .iter()
        .filter_map(|service| service.teachers.first())
        .map(|teacher| teacher.id.clone())
        .find(|id| *id != teacher)
        .ok_or_else(|| plant_error("MATIERE_INCONNUE", "aucun enseignant"))?;
    let known_subject = snapshot
        .subjects
        .keys()
        .next()
        .cloned()
        .ok_or_else(|| plant_error("MATIERE_INCONNUE", "aucune matière"))?;
    emp.services.push(service(
        division_ref(&third_division),
        "999999",
        &known_teacher,
    ));
    plant("MATIERE_INCONNUE", objet!(matiere = "999999"));
    let unknown_teacher = "99999";
    if snapshot.staff.contains_key(unknown_teacher) {
        return Err(plant_error(
            "ENSEIGNANT_INCONNU",
            "l'identifiant 99999 existe",
        ));
    }
    emp.staff.insert(
        unknown_teacher.into(),
        StaffMember {
            id: unknown_teacher.into(),
            kind: Some(staff_kind::LOCAL.into()),
            ..StaffMember::default()
        },
    );
    let mut by_unknown = service(
        division_ref(&third_division),
        &known_subject,
        unknown_teacher,
    );
    by_unknown.course_mode = Some("TP".into());
    emp.services.push(by_unknown);
    plant("ENSEIGNANT_INCONNU", objet!(enseignant = unknown_teacher));
    emp.divisions.insert(
        "3 Z".into(),
        Division {
            code: "3 Z".into(),
            label: Some("3EME Z".into()),
            ..Division::default()
        },
    );
    emp.services
        .push(service(division_ref("3 Z"), &known_subject, &known_teacher));
    plant("DIVISION_INCONNUE", objet!(division = "3 Z"));
    emp.groups.insert(
        "3CHORALE".into(),
        attached_group("3CHORALE", "3E CHORALE", &third_division, None),
    );
    emp.services.push(service(
        group_ref("3CHORALE"),
        &known_subject,
        &known_teacher,
    ));
    plant("GROUPE_NOUVEAU", objet!(groupe = "3CHORALE"));
    variants.insert("edt-sts", emp);

    // siecle-structures.
    let mut structures = base.clone();
    let third_mef = snapshot
        .divisions
        .get(&third_division)
        .and_then(|division| division.mefs.first())
        .map(|mef| mef.code.clone());
    structures.groups.insert(
        "3 SOUT".into(),
        attached_group(
            "3 SOUT",
            "3E SOUTIEN",
            &third_division,
            third_mef.as_deref(),
        ),
    );
    plant("STRUCTURE_ABSENTE_STS", objet!(groupe = "3 SOUT"));
    variants.insert("siecle-structures", structures);

    // siecle-nomenclatures: another establishment and year.
    let mut nomenclatures = base.clone();
    nomenclatures.establishment.uaj = OTHER_UAJ.into();
    let other_year = base.school_year.millesime.map(|year| year - 1);
    nomenclatures.school_year.millesime = other_year;
    pending.push(Pending {
        code: "UAJ_DIFFERENTS",
        objet: objet!(uaj = OTHER_UAJ),
        file_of: Some("siecle-nomenclatures"),
        edit: None,
    });
    pending.push(Pending {
        code: "MILLESIME",
        objet: Objet {
            annee: other_year,
            ..Objet::default()
        },
        file_of: Some("siecle-nomenclatures"),
        edit: None,
    });
    variants.insert("siecle-nomenclatures", nomenclatures);

    // pronote-liens.
    let mut liens = base.clone();
    let mut plant = |code: &'static str, objet: Objet| {
        pending.push(Pending {
            code,
            objet,
            file_of: None,
            edit: None,
        });
    };
    let first_link = |code: &'static str, id: &str| -> Result<Membership, DemoError> {
        memberships_of(&snapshot, id)
            .first()
            .map(|membership| (*membership).clone())
            .ok_or_else(|| plant_error(code, format!("l'élève {id} n'a pas de groupe")))
    };
    let mut link = first_link("GROUPE_A_01", &outside_group.eleve_id)?;
    link.group = "ZZINCONU".into();
    liens.memberships.push(link);
    plant(
        "GROUPE_A_01",
        objet!(
            eleve_id = outside_group.eleve_id.clone(),
            groupe = "ZZINCONU"
        ),
    );
    let mut link = first_link("GROUPE_B_02", &fifth.eleve_id)?;
    link.group = "4LATIN".into();
    liens.memberships.push(link);
    for code in ["GROUPE_B_02", "GROUPE_HORS_DIVISION"] {
        plant(
            code,
            objet!(eleve_id = fifth.eleve_id.clone(), groupe = "4LATIN"),
        );
    }
    // REJELEGROUPE_03 is a text edit of the written file (see `resend_by_ine`): the writer
    // sends each SIECLE student once.
    let stranger_id = "9999999";
    if snapshot.students.contains_key(stranger_id) {
        return Err(plant_error("REJELEGROUPE_01", "l'ELEVE_ID 9999999 existe"));
    }
    let stranger = Student {
        eleve_id: stranger_id.into(),
        family_name: Some("INCONNU".into()),
        first_name: Some("Personne".into()),
        birth_date: NaiveDate::from_ymd_opt(2011, 1, 1),
        mef: outside_group.mef.clone(),
        division: outside_group.division.clone(),
        ..Student::default()
    };
    let mut link = first_link("REJELEGROUPE_01", &outside_group.eleve_id)?;
    link.student = StudentRef {
        eleve_id: Some(stranger_id.into()),
        family_name: stranger.family_name.clone(),
        first_name: stranger.first_name.clone(),
        birth_date: stranger.birth_date,
        ..StudentRef::default()
    };
    liens.students.insert(stranger_id.into(), stranger);
    liens.memberships.push(link);
    plant("REJELEGROUPE_01", objet!(eleve_id = stranger_id));
    let mut dated = |student: &Student,
                     code: &'static str,
                     dates: (Option<NaiveDate>, Option<NaiveDate>)|
     -> Result<(), DemoError> {
        let group = first_link(code, &student.eleve_id)?.group;
        for membership in &mut liens.memberships {
            if membership.student.eleve_id.as_deref() == Some(&student.eleve_id)
                && membership.group == group
            {
                (membership.start, membership.end) = dates;
            }
        }
        plant(
            code,
            objet!(eleve_id = student.eleve_id.clone(), groupe = group),
        );
        Ok(())
    };
    dated(
        &bad_order,
        "ELEGRP_A_01",
        (
            Some(period_start + Duration::days(40)),
            Some(period_start + Duration::days(30)),
        ),
    )?;
    dated(
        &early,
        "ELEGRP_A_02",
        (Some(period_start - Duration::days(7)), None),
    )?;
    dated(
        &late,
        "ELEGRP_A_03",
        (
            Some(period_start + Duration::days(30)),
            Some(period_end + Duration::days(7)),
        ),
    )?;
    liens
        .memberships
        .retain(|membership| membership.student.eleve_id.as_deref() != Some(&forgotten.eleve_id));
    plant(
        "LIENS_INCOMPLET",
        objet!(eleve_id = forgotten.eleve_id.clone()),
    );
    if let Some(student) = liens.students.get_mut(&renamed.eleve_id) {
        student.first_name = Some("Maxence".into());
    }
    for membership in &mut liens.memberships {
        if membership.student.eleve_id.as_deref() == Some(&renamed.eleve_id) {
            membership.student.first_name = Some("Maxence".into());
        }
    }
    plant(
        "ELEVE_IDENTITE",
        objet!(eleve_id = renamed.eleve_id.clone()),
    );
    let left_link = liens
        .memberships
        .iter_mut()
        .find(|membership| membership.student.eleve_id.as_deref() == Some(&left_linked.eleve_id))
        .ok_or_else(|| plant_error("ELEVE_SORTI", "l'élève choisi n'a pas de groupe"))?;
    left_link.start = Some(left_on + Duration::days(5));
    let left_group = left_link.group.clone();
    plant(
        "ELEVE_SORTI",
        objet!(eleve_id = left_linked.eleve_id.clone(), groupe = left_group),
    );
    variants.insert("pronote-liens", liens);

    // Filled in once the file is written: the second ELEVE of this ELEVE_ID.
    pending.push(Pending {
        code: "DOUBLON_ELEVE_ID",
        objet: objet!(eleve_id = duplicated.eleve_id.clone()),
        file_of: Some("siecle-eleves"),
        edit: None,
    });
    pending.push(Pending {
        code: "REJELEGROUPE_03",
        objet: objet!(eleve_id = sent_twice.eleve_id.clone()),
        file_of: Some("pronote-liens"),
        edit: sent_twice.ine.clone(),
    });

    Ok(PlantedDatasets {
        base,
        variants,
        pending,
    })
}

/// One written input: a plain file or a zip member.
struct Written {
    /// Name as `check` shows it (`archive.zip!member.xml`).
    input_name: String,
    /// Member name inside the zip, or the file name.
    member: String,
    /// The member's bytes.
    bytes: Vec<u8>,
    /// The zip name, if zipped.
    zip: Option<String>,
}

fn unpack(code: &'static str, output: &OutputFile) -> Result<Written, DemoError> {
    if !output.name.to_ascii_lowercase().ends_with(".zip") {
        return Ok(Written {
            input_name: output.name.clone(),
            member: output.name.clone(),
            bytes: output.bytes.clone(),
            zip: None,
        });
    }
    let (members, _) = read_zip(
        &output.name,
        Path::new(&output.name),
        &output.bytes,
        &Limits::default(),
    )
    .map_err(|refused| plant_error(code, refused.to_string()))?;
    let [member] = members.as_slice() else {
        return Err(plant_error(
            code,
            format!("« {} » ne contient pas un seul fichier", output.name),
        ));
    };
    let member_name = member
        .name
        .split_once('!')
        .map(|(_, member)| member.to_string())
        .unwrap_or_default();
    Ok(Written {
        input_name: member.name.clone(),
        member: member_name,
        bytes: member.bytes.clone(),
        zip: Some(output.name.clone()),
    })
}

fn repack(
    written: &Written,
    bytes: Vec<u8>,
    when: chrono::NaiveDateTime,
) -> Result<OutputFile, DemoError> {
    Ok(match &written.zip {
        None => OutputFile {
            name: written.member.clone(),
            bytes,
        },
        Some(zip) => OutputFile {
            name: zip.clone(),
            bytes: zip_single(&written.member, &bytes, when)?,
        },
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|position| position + from)
}

/// Inserts `copy` on its own line after the element at `start..end`, indented like it.
fn insert_after(xml: &[u8], start: usize, end: usize, copy: &[u8]) -> Vec<u8> {
    let line_start = xml[..start]
        .iter()
        .rposition(|byte| *byte == b'\n')
        .map_or(0, |position| position + 1);
    let mut result = xml[..end].to_vec();
    result.push(b'\n');
    result.extend_from_slice(&xml[line_start..start]);
    result.extend_from_slice(copy);
    result.extend_from_slice(&xml[end..]);
    result
}

/// Copies the `ELEVE` element of `eleve_id` right after itself, with another first name.
pub fn duplicate_student(xml: &[u8], eleve_id: &str, first_name: &str) -> Option<Vec<u8>> {
    let attribute = format!("ELEVE_ID=\"{eleve_id}\"");
    let mut from = 0;
    let start = loop {
        let start = find(xml, b"<ELEVE ", from)?;
        let tag_end = find(xml, b">", start)?;
        if find(&xml[start..=tag_end], attribute.as_bytes(), 0).is_some() {
            break start;
        }
        from = tag_end;
    };
    let end = find(xml, b"</ELEVE>", start)? + b"</ELEVE>".len();
    let mut copy = xml[start..end].to_vec();
    let name_start = find(&copy, b"<PRENOM>", 0)? + b"<PRENOM>".len();
    let name_end = find(&copy, b"</PRENOM>", name_start)?;
    copy.splice(name_start..name_end, encode_latin9(first_name));
    Some(insert_after(xml, start, end, &copy))
}

/// Copies the liens `ELEVE` entry of `eleve_id` right after itself, naming the student by
/// INE instead: two entries for one SIECLE student (`REJELEGROUPE_03`).
pub fn resend_by_ine(xml: &[u8], eleve_id: &str, ine: &str) -> Option<Vec<u8>> {
    let identifier = format!("<ELEVE_ID>{eleve_id}</ELEVE_ID>");
    let at = find(xml, identifier.as_bytes(), 0)?;
    let start = xml[..at]
        .windows(b"<ELEVE>".len())
        .rposition(|window| window == b"<ELEVE>")?;
    let end = find(xml, b"</ELEVE>", at)? + b"</ELEVE>".len();
    let copy = xml[start..end].to_vec();
    let position = find(&copy, identifier.as_bytes(), 0)?;
    let mut copy = copy;
    copy.splice(
        position..position + identifier.len(),
        format!("<ID_NATIONAL>{ine}</ID_NATIONAL>").into_bytes(),
    );
    Some(insert_after(xml, start, end, &copy))
}

/// Replaces the text of the first `<name>` element.
pub fn replace_text(xml: &[u8], name: &str, text: &str) -> Option<Vec<u8>> {
    let open = format!("<{name}>");
    let start = find(xml, open.as_bytes(), 0)? + open.len();
    let end = find(xml, format!("</{name}>").as_bytes(), start)?;
    let mut result = xml.to_vec();
    result.splice(start..end, text.bytes());
    Some(result)
}

/// Latin-9 bytes rewritten in UTF-8, the declaration unchanged: what an editor does when it
/// re-saves the file.
fn to_utf8(latin9: &[u8]) -> Vec<u8> {
    let (text, _) = encoding_rs::ISO_8859_15.decode_without_bom_handling(latin9);
    text.into_owned().into_bytes()
}

/// The files of the college, with every file-level plant.
struct College {
    outputs: BTreeMap<&'static str, Vec<OutputFile>>,
    extra: Vec<OutputFile>,
    plants: Vec<Plant>,
}

/// Formats the college needs a writer for.
const NEEDED: [&str; 8] = [
    "sts-emp",
    "edt-sts",
    "siecle-eleves",
    "siecle-structures",
    "siecle-communs",
    "siecle-responsables",
    "siecle-nomenclatures",
    "pronote-liens",
];

fn first_output<'a>(
    outputs: &'a BTreeMap<&'static str, Vec<OutputFile>>,
    format: &str,
    code: &'static str,
) -> Result<&'a OutputFile, DemoError> {
    outputs
        .get(format)
        .and_then(|files| files.first())
        .ok_or_else(|| plant_error(code, format!("le format {format} n'a rien écrit")))
}

fn replace_first(
    outputs: &mut BTreeMap<&'static str, Vec<OutputFile>>,
    format: &str,
    file: OutputFile,
) {
    if let Some(first) = outputs.get_mut(format).and_then(|files| files.first_mut()) {
        *first = file;
    }
}

fn write_college(
    registry: &Registry,
    planted: &PlantedDatasets,
    edit_text: bool,
) -> Result<College, DemoError> {
    let when = demo_timestamp(&planted.base);
    let mut outputs: BTreeMap<&'static str, Vec<OutputFile>> = BTreeMap::new();
    for format in registry.iter().filter(|format| format.can_write()) {
        let id = format.id();
        if id == "json" {
            continue;
        }
        let dataset = planted.dataset_for(id);
        let options = WriteOptions {
            timestamp: Some(demo_timestamp(dataset)),
            ..WriteOptions::default()
        };
        let written = format
            .write(dataset, &options)
            .map_err(|error| DemoError::Writer {
                format: id.to_string(),
                message: error.to_string(),
            })?;
        let key = NEEDED.iter().find(|needed| **needed == id).copied();
        match key {
            Some(key) => {
                outputs.insert(key, written);
            }
            None => outputs.entry("autres").or_default().extend(written),
        }
    }
    if let Some(missing) = NEEDED.iter().find(|id| !outputs.contains_key(**id)) {
        return Err(DemoError::MissingWriter((*missing).to_string()));
    }
    let mut plants = planted.plants();
    let mut extra = Vec::new();

    // Plants whose objet names a written file.
    for pending in planted.pending.iter() {
        let Some(format) = pending.file_of else {
            continue;
        };
        let written = unpack(pending.code, first_output(&outputs, format, pending.code)?)?;
        let eleve_id = pending.objet.eleve_id.clone().unwrap_or_default();
        let edited = match pending.code {
            "DOUBLON_ELEVE_ID" => Some(duplicate_student(&written.bytes, &eleve_id, "Jérôme")),
            "REJELEGROUPE_03" => Some(resend_by_ine(
                &written.bytes,
                &eleve_id,
                pending.edit.as_deref().unwrap_or_default(),
            )),
            _ => None,
        };
        if let Some(edited) = edited {
            if !edit_text {
                continue;
            }
            let bytes = edited.ok_or_else(|| {
                plant_error(
                    pending.code,
                    format!(
                        "pas d'élément ELEVE d'ELEVE_ID {eleve_id} dans « {} »",
                        written.input_name
                    ),
                )
            })?;
            replace_first(&mut outputs, format, repack(&written, bytes, when)?);
            plants.push(Plant {
                dossier: COLLEGE,
                code: pending.code,
                objet: pending.objet.clone(),
            });
            continue;
        }
        plants.push(Plant {
            dossier: COLLEGE,
            code: pending.code,
            objet: Objet {
                fichier: Some(written.input_name.clone()),
                ..pending.objet.clone()
            },
        });
    }

    // ENCODAGE: the guardians file re-saved in UTF-8 under its Latin-9 declaration.
    let written = unpack(
        "ENCODAGE",
        first_output(&outputs, "siecle-responsables", "ENCODAGE")?,
    )?;
    if written.bytes.is_ascii() {
        return Err(plant_error(
            "ENCODAGE",
            "le fichier des responsables est en ASCII",
        ));
    }
    let bytes = to_utf8(&written.bytes);
    replace_first(
        &mut outputs,
        "siecle-responsables",
        repack(&written, bytes, when)?,
    );
    plants.push(file_plant("ENCODAGE", &written.input_name));

    // FICHIER_INVERSE: emp_sts saved under an sts_emp name.
    let written = unpack(
        "FICHIER_INVERSE",
        first_output(&outputs, "edt-sts", "FICHIER_INVERSE")?,
    )?;
    let uaj = planted.base.establishment.uaj.trim();
    let year = planted.base.school_year.millesime.unwrap_or_default();
    let inverse_name = format!("sts_emp_{uaj}_{year}_EDT.xml");
    replace_first(
        &mut outputs,
        "edt-sts",
        OutputFile {
            name: inverse_name.clone(),
            bytes: written.bytes,
        },
    );
    plants.push(file_plant("FICHIER_INVERSE", &inverse_name));

    // DOUBLON_FICHIER: a copy of the calendar, after the original in name order.
    let written = unpack(
        "DOUBLON_FICHIER",
        first_output(&outputs, "siecle-communs", "DOUBLON_FICHIER")?,
    )?;
    let copy_name = format!("copie_{}", written.member);
    if copy_name.as_bytes() <= written.input_name.as_bytes() {
        return Err(plant_error(
            "DOUBLON_FICHIER",
            format!("« {copy_name} » viendrait avant « {} »", written.input_name),
        ));
    }
    extra.push(OutputFile {
        name: copy_name.clone(),
        bytes: written.bytes,
    });
    plants.push(file_plant("DOUBLON_FICHIER", &copy_name));

    // NOM_FICHIER: the liens file unzipped; LIENS_INVALIDE: NUM_ENVOI out of range.
    let written = unpack(
        "NOM_FICHIER",
        first_output(&outputs, "pronote-liens", "NOM_FICHIER")?,
    )?;
    let mut bytes = written.bytes.clone();
    if edit_text {
        bytes = replace_text(&bytes, "NUM_ENVOI", "100000").ok_or_else(|| {
            plant_error(
                "LIENS_INVALIDE",
                format!("pas de NUM_ENVOI dans « {} »", written.input_name),
            )
        })?;
        plants.push(file_plant("LIENS_INVALIDE", &written.member));
    }
    replace_first(
        &mut outputs,
        "pronote-liens",
        OutputFile {
            name: written.member.clone(),
            bytes,
        },
    );
    plants.push(file_plant("NOM_FICHIER", &written.member));

    // Files that cannot be read.
    let malformed = "Eleves_ouvert_dans_un_tableur.xml";
    extra.push(OutputFile {
        name: malformed.into(),
        bytes: b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<BEE_ELEVES VERSION=\"2.1\"\n  <PARAMETRES>\n    <UAJ>0999999Z</UAJ>\n".to_vec(),
    });
    plants.push(file_plant("XML_INVALIDE", malformed));
    let unknown = "Export_vie_scolaire.xml";
    extra.push(OutputFile {
        name: unknown.into(),
        bytes: b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<EXPORT_VIE_SCOLAIRE VERSION=\"1.0\">\n  <ELEVES/>\n</EXPORT_VIE_SCOLAIRE>\n".to_vec(),
    });
    plants.push(file_plant("FORMAT_INCONNU", unknown));
    let interrupted = "ExportXML_Telechargement_interrompu.zip";
    let whole = zip_single("Structures.xml", b"<BEE_STRUCTURES/>", when)?;
    extra.push(OutputFile {
        name: interrupted.into(),
        bytes: whole[..whole.len() / 2].to_vec(),
    });
    plants.push(file_plant("ARCHIVE_REFUSEE", interrupted));

    Ok(College {
        outputs,
        extra,
        plants,
    })
}

fn file_plant(code: &'static str, name: &str) -> Plant {
    Plant {
        dossier: COLLEGE,
        code,
        objet: objet!(fichier = name),
    }
}

fn write_files(folder: &Path, files: &[OutputFile]) -> Result<(), DemoError> {
    std::fs::create_dir_all(folder).map_err(|error| OutputError::Io {
        path: folder.display().to_string(),
        error,
    })?;
    for file in files {
        write_atomic(&folder.join(&file.name), &file.bytes, &[])?;
    }
    Ok(())
}

/// Writes the anomalies demo into `folder` (`college/` and `annexe/`) with the registry's
/// writers, and returns every plant, sorted.
pub fn write_demo_anomalies(registry: &Registry, folder: &Path) -> Result<Vec<Plant>, DemoError> {
    write_with(registry, folder, true)
}

/// As [`write_demo_anomalies`]; without `edit_text`, the two plants made by editing the
/// written text (which needs the real writers' output) are left out.
fn write_with(
    registry: &Registry,
    folder: &Path,
    edit_text: bool,
) -> Result<Vec<Plant>, DemoError> {
    let planted = plant_datasets(generate(&DemoParams::default()))?;
    let college = write_college(registry, &planted, edit_text)?;
    let mut files: Vec<OutputFile> = college.outputs.into_values().flatten().collect();
    files.extend(college.extra);
    write_files(&folder.join(COLLEGE), &files)?;
    let mut plants = college.plants;

    let mut annexe = generate(&DemoParams {
        students: 60,
        seed: 2,
        uaj: OTHER_UAJ.into(),
        ..DemoParams::default()
    });
    annexe.services.clear();
    let sts = registry
        .get("sts-emp")
        .filter(|format| format.can_write())
        .ok_or_else(|| DemoError::MissingWriter("sts-emp".into()))?;
    let outputs = sts
        .write(
            &annexe,
            &WriteOptions {
                timestamp: Some(demo_timestamp(&annexe)),
                ..WriteOptions::default()
            },
        )
        .map_err(|error| DemoError::Writer {
            format: "sts-emp".into(),
            message: error.to_string(),
        })?;
    let written = unpack(
        "SERVICES_ABSENTS",
        outputs
            .first()
            .ok_or_else(|| plant_error("SERVICES_ABSENTS", "le format sts-emp n'a rien écrit"))?,
    )?;
    write_files(&folder.join(ANNEXE), &outputs)?;
    plants.push(Plant {
        dossier: ANNEXE,
        code: "SERVICES_ABSENTS",
        objet: objet!(fichier = written.input_name),
    });
    plants.push(Plant {
        dossier: ANNEXE,
        code: "FICHIER_MANQUANT",
        objet: objet!(fichier = crate::checks::envelope::kinds::STRUCTURES),
    });
    plants.sort();
    Ok(plants)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::run::{CheckOptions, check_paths};
    use crate::checks::testing::fake_registry;
    use crate::checks::{CATALOGUE, doc};

    #[test]
    fn every_code_is_planted_once() {
        let folder = tempfile::tempdir().expect("temporary folder");
        let plants = write_demo_anomalies(&fake_registry(), folder.path());
        // The fake writers' text has no ELEVE nor NUM_ENVOI element to edit.
        assert!(
            matches!(
                plants,
                Err(DemoError::Plant {
                    code: "DOUBLON_ELEVE_ID",
                    ..
                })
            ),
            "{plants:?}"
        );
        let plants = write_with(&fake_registry(), folder.path(), false).expect("written");
        let mut codes: Vec<&str> = plants.iter().map(|plant| plant.code).collect();
        codes.sort_unstable();
        let mut expected: Vec<&str> = CATALOGUE
            .iter()
            .map(|entry| entry.code)
            .filter(|code| {
                !["DOUBLON_ELEVE_ID", "LIENS_INVALIDE", "REJELEGROUPE_03"].contains(code)
            })
            .collect();
        expected.sort_unstable();
        assert_eq!(codes, expected, "each code once");
    }

    #[test]
    fn check_finds_exactly_the_planted_anomalies_of_synchro_0_to_4() {
        let folder = tempfile::tempdir().expect("temporary folder");
        let plants = write_with(&fake_registry(), folder.path(), false).expect("written");
        // The fake formats carry no real liens file: synchro 5 is tested with the real plugins.
        let options = CheckOptions {
            liens_rules: None,
            ..CheckOptions::default()
        };
        let report = check_paths(&fake_registry(), &[folder.path().to_path_buf()], &options)
            .expect("readable");
        let mut found: Vec<(String, &str, Objet)> = report
            .etablissements
            .iter()
            .flat_map(|establishment| {
                let dossier = establishment
                    .dossier
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_string();
                establishment.anomalies.iter().map(move |anomaly| {
                    (
                        dossier.clone(),
                        anomaly.code.as_str(),
                        anomaly.objet.clone(),
                    )
                })
            })
            .collect();
        found.sort();
        // Synchro 5 is checked by the liens rules, not linked here.
        let mut expected: Vec<(String, &str, Objet)> = plants
            .iter()
            .filter(|plant| doc(plant.code).is_some_and(|entry| entry.synchro != 5))
            .map(|plant| (plant.dossier.to_string(), plant.code, plant.objet.clone()))
            .collect();
        expected.sort();
        assert_eq!(found, expected);
        assert_eq!(report.etablissements.len(), 2);
    }

    #[test]
    fn text_edits_make_a_second_student_and_a_bad_num_envoi() {
        let xml = "<ELEVES>\n    <ELEVE ELEVE_ID=\"1001\" ELENOET=\"1\">\n      <NOM_DE_FAMILLE>A</NOM_DE_FAMILLE>\n      <PRENOM>Léa</PRENOM>\n    </ELEVE>\n    <ELEVE ELEVE_ID=\"1002\" ELENOET=\"2\">\n      <PRENOM>Noé</PRENOM>\n    </ELEVE>\n</ELEVES>\n";
        let latin9 = encode_latin9(xml);
        let edited = duplicate_student(&latin9, "1002", "Jérôme").expect("found");
        let (text, _) = encoding_rs::ISO_8859_15.decode_without_bom_handling(&edited);
        assert_eq!(text.matches("ELEVE_ID=\"1002\"").count(), 2);
        assert!(text.contains("    </ELEVE>\n    <ELEVE ELEVE_ID=\"1002\" ELENOET=\"2\">\n      <PRENOM>Jérôme</PRENOM>"), "{text}");
        assert!(duplicate_student(&latin9, "1003", "X").is_none());
        let liens = b"<PARAMETRES><NUM_ENVOI>0</NUM_ENVOI></PARAMETRES>";
        assert_eq!(
            replace_text(liens, "NUM_ENVOI", "100000").expect("found"),
            b"<PARAMETRES><NUM_ENVOI>100000</NUM_ENVOI></PARAMETRES>"
        );
        assert!(replace_text(b"<A/>", "NUM_ENVOI", "1").is_none());
    }

    #[test]
    fn dataset_plants_touch_only_their_format() {
        let base = generate(&DemoParams::default());
        let planted = plant_datasets(base.clone()).expect("planted");
        let plants = planted.plants();
        let objet_of = |code: &str| {
            plants
                .iter()
                .find(|plant| plant.code == code)
                .map(|plant| plant.objet.clone())
                .expect("planted")
        };
        let students = planted.dataset_for("siecle-eleves");
        let no_ine = objet_of("INE_ABSENT").eleve_id.expect("an id");
        assert_eq!(students.students[&no_ine].ine, None);
        assert!(
            planted.dataset_for("pronote-liens").students[&no_ine]
                .ine
                .is_some()
        );
        let sts = planted.dataset_for("sts-emp");
        assert!(sts.groups.contains_key("4SOUTIEN"));
        assert!(
            !planted
                .dataset_for("siecle-structures")
                .groups
                .contains_key("4SOUTIEN")
        );
        assert!(
            planted
                .dataset_for("siecle-structures")
                .groups
                .contains_key("3 SOUT")
        );
        assert!(!planted.dataset_for("edt-sts").groups.contains_key("3 SOUT"));
        let groupless = objet_of("ELEVE_SANS_GROUPE").eleve_id.expect("an id");
        for format in ["siecle-eleves", "pronote-liens", "edt-table"] {
            assert!(memberships_of(planted.dataset_for(format), &groupless).is_empty());
        }
        let linked = objet_of("GROUPE_A_01");
        assert!(
            planted
                .dataset_for("pronote-liens")
                .memberships
                .iter()
                .any(|membership| {
                    membership.group == "ZZINCONU" && membership.student.eleve_id == linked.eleve_id
                })
        );
        assert_eq!(planted.dataset_for("json"), &planted.base);
        assert!(
            planted.base.students.keys().eq(base.students.keys()),
            "students are never removed"
        );
    }
}
