//! `siecle-eleves`: `BEE_ELEVES`, the students files `ElevesSansAdresses.xml` and
//! `ElevesAvecAdresses.xml` (SIECLE.md §5.1).
//!
//! Students with every field (modelled ones in [`Student`], the others in its extra, in
//! document order), their options, their division (`STRUCTURE` of type `D`) and groups
//! (type `G`, as memberships), their grants and, in the "avec adresses" file, the postal
//! addresses. VERSION 2.1 (2017) and 3.0 (2018+) are read by element name with one layout;
//! files from before the summer of 2016 name the family name `NOM`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use passerelle_core::dates::format_french;
use passerelle_core::diagnostics::{Diagnostic, Objet, Severity};
use passerelle_core::format::{FormatError, OutputFile, ReadInput, ReadOutput, WriteOptions};
use passerelle_core::model::{Dataset, Extra, Membership, Student, StudentOption, StudentRef};
use passerelle_core::names::same_name;
use passerelle_core::xml::{Node, StartTag, XmlStream, XmlWriter};

use crate::address;
use crate::bee::{
    Blocks, Reading, SiecleFormat, Spec, begin, each_record, envelope, kept_blocks, list_block,
    names, package, read_document, sniff_root,
};
use crate::layout::{Layout, Record, leaf, one, opt, write_fields, write_leaves};

/// Format id.
pub(crate) const ID: &str = "siecle-eleves";

/// Code of the "same ELEVE_ID, different identity" anomaly (CHECKS.md, synchro 2).
pub(crate) const DOUBLON_ELEVE_ID: &str = "DOUBLON_ELEVE_ID";

/// The format.
pub(crate) static FORMAT: SiecleFormat = SiecleFormat {
    spec: Spec {
        id: ID,
        root: "BEE_ELEVES",
        versions: &["2.1", "3.0"],
        description: "Export SIECLE des élèves (ElevesSansAdresses.xml, ElevesAvecAdresses.xml)",
    },
    sniff: sniff_root,
    read,
    write: Some(write),
};

static DATA: Layout = Layout {
    fields: &[
        one("ELEVES"),
        one("OPTIONS"),
        one("STRUCTURES"),
        one("BOURSES"),
        opt("ADRESSES"),
    ],
    foreign: &[],
};

/// `ELEVE` children, in SIECLE's order. `NOM` (before 2016) is kept after `NOM_DE_FAMILLE`
/// when a file carries both.
static STUDENT: Layout = Layout {
    fields: &[
        opt("ID_NATIONAL"),
        opt("INE_BEA"),
        opt("INE_RNIE"),
        one("ELENOET"),
        one("ID_ELEVE_ETAB"),
        opt("ID_PRV_ELE"),
        one("NOM_DE_FAMILLE"),
        opt("NOM"),
        opt("NOM_USAGE"),
        one("PRENOM"),
        opt("PRENOM2"),
        opt("PRENOM3"),
        one("DATE_NAISS"),
        one("DOUBLEMENT"),
        opt("TEL_PROFESSIONNEL"),
        opt("CODE_PAYS"),
        opt("ACCEPTE_SMS"),
        one("DATE_MODIFICATION"),
        opt("DATE_SORTIE"),
        opt("MEL"),
        one("CODE_REGIME"),
        one("DATE_ENTREE"),
        opt("VILLE_NAISS"),
        opt("ADRESSE_ID"),
        opt("CODE_MOTIF_SORTIE"),
        opt("TEL_PERSONNEL"),
        opt("CODE_SEXE"),
        opt("TEL_PORTABLE"),
        opt("CODE_PAYS_NAT"),
        opt("CODE_STATUT"),
        opt("CODE_MEF"),
        opt("CODE_DEPARTEMENT_NAISS"),
        opt("CODE_COMMUNE_INSEE_NAISS"),
        one("ADHESION_TRANSPORT"),
        opt("CODE_PROVENANCE"),
        one("SCOLARITE_AN_DERNIER"),
    ],
    foreign: &[],
};

static OPTION: Layout = Layout {
    fields: &[
        one("NUM_OPTION"),
        one("CODE_MODALITE_ELECT"),
        one("CODE_MATIERE"),
    ],
    foreign: &[],
};

static STRUCTURE: Layout = Layout {
    fields: &[one("CODE_STRUCTURE"), one("TYPE_STRUCTURE")],
    foreign: &[],
};

/// How a record of the `OPTIONS`, `STRUCTURES` and `BOURSES` lists names its student.
enum StudentKey {
    Id(String),
    Elenoet(String),
}

/// A `STRUCTURE` of a student.
struct Structure {
    code: String,
    kind: Option<String>,
    line: u32,
    extra: Extra,
}

enum Attached {
    Options(Vec<StudentOption>),
    Structures(Vec<Structure>),
    Grants(Vec<String>),
}

/// A list record waiting for its student: the lists may come before `ELEVES`.
struct Pending {
    key: StudentKey,
    list: &'static str,
    line: u32,
    attached: Attached,
}

#[derive(Default)]
struct Reader {
    pending: Vec<Pending>,
}

fn read(spec: &Spec, input: &ReadInput<'_>) -> Result<ReadOutput, FormatError> {
    let mut output = read_document(spec, input, Reader::default(), true)?;
    // Presence is judged at the export date of the students file (CHECKS.md).
    output.dataset.reference_date = output
        .dataset
        .files
        .first()
        .and_then(|file| file.date_export);
    Ok(output)
}

impl Blocks for Reader {
    fn block(
        &mut self,
        reading: &mut Reading<'_>,
        stream: &mut XmlStream<'_>,
        tag: StartTag,
    ) -> Result<Option<StartTag>, FormatError> {
        match tag.name.as_str() {
            "ELEVES" => each_record(reading, stream, "ELEVES", "ELEVE", |reading, node| {
                if let Some(student) = read_student(reading, &node) {
                    add_student(reading, student);
                }
            })?,
            "OPTIONS" => each_record(reading, stream, "OPTIONS", "OPTION", |reading, node| {
                let options = node
                    .children_named("OPTIONS_ELEVE")
                    .map(|child| {
                        let mut record = Record::new(child, &OPTION);
                        StudentOption {
                            rank: record.take(&["NUM_OPTION"]),
                            modality: record.take(&["CODE_MODALITE_ELECT"]),
                            subject: record.take(&["CODE_MATIERE"]),
                            extra: record.rest(),
                        }
                    })
                    .collect();
                self.attach(reading, &node, "OPTION", Attached::Options(options));
            })?,
            "STRUCTURES" => each_record(
                reading,
                stream,
                "STRUCTURES",
                "STRUCTURES_ELEVE",
                |reading, node| {
                    let mut structures = Vec::new();
                    for child in node.children_named("STRUCTURE") {
                        let mut record = Record::new(child, &STRUCTURE);
                        let code = record.take(&["CODE_STRUCTURE"]);
                        let kind = record.take(&["TYPE_STRUCTURE"]);
                        match code {
                            Some(code) => structures.push(Structure {
                                code,
                                kind,
                                line: child.line,
                                extra: record.rest(),
                            }),
                            None => reading.invalid(
                                Severity::Warning,
                                child.line,
                                "STRUCTURE sans CODE_STRUCTURE : elle est ignorée".to_string(),
                            ),
                        }
                    }
                    self.attach(
                        reading,
                        &node,
                        "STRUCTURES_ELEVE",
                        Attached::Structures(structures),
                    );
                },
            )?,
            "BOURSES" => each_record(reading, stream, "BOURSES", "BOURSE", |reading, node| {
                let grants = node
                    .children_named("CODE_BOURSE")
                    .filter_map(|child| child.value().map(str::to_string))
                    .collect();
                self.attach(reading, &node, "BOURSE", Attached::Grants(grants));
            })?,
            "ADRESSES" => each_record(reading, stream, "ADRESSES", "ADRESSE", |reading, node| {
                address::read(reading, &node);
            })?,
            _ => return Ok(Some(tag)),
        }
        Ok(None)
    }

    fn finish(self, reading: &mut Reading<'_>) {
        let by_elenoet: BTreeMap<String, String> = reading
            .dataset
            .students
            .values()
            .filter_map(|student| {
                student
                    .elenoet
                    .clone()
                    .map(|elenoet| (elenoet, student.eleve_id.clone()))
            })
            .collect();
        let mut memberships = Memberships::default();
        for pending in self.pending {
            let eleve_id = match &pending.key {
                StudentKey::Id(id) => Some(id.clone()),
                StudentKey::Elenoet(elenoet) => by_elenoet.get(elenoet).cloned(),
            };
            let Some(eleve_id) = eleve_id.filter(|id| reading.dataset.students.contains_key(id))
            else {
                let shown = match &pending.key {
                    StudentKey::Id(id) => format!("l'ELEVE_ID {id}"),
                    StudentKey::Elenoet(elenoet) => format!("l'ELENOET {elenoet}"),
                };
                reading.invalid(
                    Severity::Warning,
                    pending.line,
                    format!(
                        "<{}> concerne {shown}, absent de la liste ELEVES : il est ignoré",
                        pending.list
                    ),
                );
                continue;
            };
            attach_to_student(reading, &eleve_id, pending, &mut memberships);
        }
        // One order whatever the file's: by student, then as listed (the writer's order).
        let mut memberships = memberships.list;
        memberships.sort_by(|a, b| a.student.eleve_id.cmp(&b.student.eleve_id));
        reading.dataset.memberships = memberships;
    }
}

/// Group memberships read, each (student, group) once.
#[derive(Default)]
struct Memberships {
    list: Vec<Membership>,
    seen: BTreeSet<(String, String)>,
}

impl Reader {
    fn attach(
        &mut self,
        reading: &mut Reading<'_>,
        node: &Node,
        list: &'static str,
        attached: Attached,
    ) {
        let key = match (node.attr("ELEVE_ID"), node.attr("ELENOET")) {
            (Some(id), _) => StudentKey::Id(id.to_string()),
            (None, Some(elenoet)) => StudentKey::Elenoet(elenoet.to_string()),
            (None, None) => {
                reading.invalid(
                    Severity::Warning,
                    node.line,
                    format!("<{list}> sans ELEVE_ID ni ELENOET : il est ignoré"),
                );
                return;
            }
        };
        self.pending.push(Pending {
            key,
            list,
            line: node.line,
            attached,
        });
    }
}

fn attach_to_student(
    reading: &mut Reading<'_>,
    eleve_id: &str,
    pending: Pending,
    memberships: &mut Memberships,
) {
    let mut remarks = Vec::new();
    let source_file = reading.file.to_string();
    let Some(student) = reading.dataset.students.get_mut(eleve_id) else {
        return;
    };
    match pending.attached {
        Attached::Options(options) => student.options.extend(options),
        Attached::Grants(grants) => {
            for grant in grants {
                if !student.grants.contains(&grant) {
                    student.grants.push(grant);
                }
            }
        }
        Attached::Structures(structures) => {
            for structure in structures {
                match structure.kind.as_deref() {
                    Some("D") => match &student.division {
                        None => student.division = Some(structure.code),
                        Some(division) if *division == structure.code => {}
                        Some(division) => remarks.push((
                            structure.line,
                            format!(
                                "l'élève {eleve_id} est dans deux divisions (« {division} » puis \
                                 « {} ») : la première est gardée",
                                structure.code
                            ),
                        )),
                    },
                    Some("G") => {
                        let key = (eleve_id.to_string(), structure.code.clone());
                        if memberships.seen.insert(key) {
                            memberships.list.push(Membership {
                                student: StudentRef::by_eleve_id(eleve_id),
                                group: structure.code,
                                origin: ID.to_string(),
                                extra: structure.extra,
                                source: passerelle_core::model::Source::new(
                                    source_file.clone(),
                                    Some(structure.line),
                                ),
                                ..Membership::default()
                            });
                        }
                    }
                    other => remarks.push((
                        structure.line,
                        format!(
                            "TYPE_STRUCTURE de « {} » vaut {} au lieu de D (division) ou G \
                             (groupe) : la structure est ignorée",
                            structure.code,
                            other.map_or_else(|| "rien".to_string(), |kind| format!("« {kind} »"))
                        ),
                    )),
                }
            }
        }
    }
    for (line, message) in remarks {
        reading.invalid(Severity::Warning, line, message);
    }
}

fn read_student(reading: &mut Reading<'_>, node: &Node) -> Option<Student> {
    let Some(eleve_id) = node.attr("ELEVE_ID") else {
        reading.invalid(
            Severity::Error,
            node.line,
            "ELEVE sans attribut ELEVE_ID : l'élève ne peut pas être identifié et il est ignoré"
                .to_string(),
        );
        return None;
    };
    let mut record = Record::new(node, &STUDENT);
    let ine = record.take(&["ID_NATIONAL"]);
    let elenoet = record
        .take(&["ELENOET"])
        .or_else(|| node.attr("ELENOET").map(str::to_string));
    let school_id = record.take(&["ID_ELEVE_ETAB"]);
    let private_id = record.take(&["ID_PRV_ELE"]);
    let family_name = record.take(&["NOM_DE_FAMILLE", "NOM"]);
    let usage_name = record.take(&["NOM_USAGE"]);
    let first_name = record.take(&["PRENOM"]);
    let first_name2 = record.take(&["PRENOM2"]);
    let first_name3 = record.take(&["PRENOM3"]);
    let birth_date = reading.date(&mut record, "DATE_NAISS");
    let leaving_date = reading.end_date(&mut record, "DATE_SORTIE");
    let entry_date = reading.date(&mut record, "DATE_ENTREE");
    let address_id = record.take(&["ADRESSE_ID"]);
    let leaving_reason = record.take(&["CODE_MOTIF_SORTIE"]);
    let sex = record.take(&["CODE_SEXE"]);
    let mef = record.take(&["CODE_MEF"]);
    Some(Student {
        eleve_id: eleve_id.to_string(),
        elenoet,
        ine,
        school_id,
        private_id,
        family_name,
        usage_name,
        first_name,
        first_name2,
        first_name3,
        birth_date,
        sex,
        mef,
        entry_date,
        leaving_date,
        leaving_reason,
        address_id,
        extra: record.rest(),
        source: reading.source(node.line),
        ..Student::default()
    })
}

/// Two values that are both known and differ (names compared as CHECKS.md says).
fn names_differ(a: Option<&str>, b: Option<&str>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if !same_name(a, b))
}

fn dates_differ(a: Option<NaiveDate>, b: Option<NaiveDate>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a != b)
}

fn identity(student: &Student) -> String {
    let mut text = student.display_name();
    if let Some(birth) = student.birth_date {
        text.push_str(&format!(", né(e) le {}", format_french(birth)));
    }
    text
}

/// Adds a student; an ELEVE_ID already read is merged into the first record (gaps filled),
/// and reported as `DOUBLON_ELEVE_ID` when the identity differs.
fn add_student(reading: &mut Reading<'_>, student: Student) {
    let Some(first) = reading.dataset.students.get_mut(&student.eleve_id) else {
        reading
            .dataset
            .students
            .insert(student.eleve_id.clone(), student);
        return;
    };
    let differs = names_differ(first.family_name.as_deref(), student.family_name.as_deref())
        || names_differ(first.first_name.as_deref(), student.first_name.as_deref())
        || dates_differ(first.birth_date, student.birth_date);
    let message = differs.then(|| {
        format!(
            "l'ELEVE_ID {} apparaît deux fois avec des identités différentes ({} ; puis {}) : \
             la première fiche est gardée",
            student.eleve_id,
            identity(first),
            identity(&student)
        )
    });
    fill_gaps(first, student.clone());
    if let Some(message) = message {
        reading.diagnostics.push(
            Diagnostic::new(DOUBLON_ELEVE_ID, Severity::Error, message)
                .with_synchro(2)
                .with_fix(
                    "Dans SIECLE, vérifiez les deux fiches de cet élève (doublon à fusionner ou \
                     identifiant erroné), puis refaites l'export.",
                )
                .at(&student.source)
                .with_objet(Objet {
                    eleve_id: Some(student.eleve_id),
                    ..Objet::default()
                }),
        );
    }
}

fn fill<T>(first: &mut Option<T>, second: Option<T>) {
    if first.is_none() {
        *first = second;
    }
}

fn fill_gaps(first: &mut Student, second: Student) {
    fill(&mut first.elenoet, second.elenoet);
    fill(&mut first.ine, second.ine);
    fill(&mut first.school_id, second.school_id);
    fill(&mut first.private_id, second.private_id);
    fill(&mut first.family_name, second.family_name);
    fill(&mut first.usage_name, second.usage_name);
    fill(&mut first.first_name, second.first_name);
    fill(&mut first.first_name2, second.first_name2);
    fill(&mut first.first_name3, second.first_name3);
    fill(&mut first.birth_date, second.birth_date);
    fill(&mut first.sex, second.sex);
    fill(&mut first.mef, second.mef);
    fill(&mut first.entry_date, second.entry_date);
    fill(&mut first.leaving_date, second.leaving_date);
    fill(&mut first.leaving_reason, second.leaving_reason);
    fill(&mut first.address_id, second.address_id);
    for node in second.extra.0 {
        if first.extra.get(&node.name).is_none() {
            first.extra.push(node);
        }
    }
}

/// `ELEVE_ID` and `ELENOET` attributes of a student's records.
fn ids(student: &Student) -> Vec<(&str, &str)> {
    let mut attributes = vec![("ELEVE_ID", student.eleve_id.as_str())];
    if let Some(elenoet) = student.elenoet.as_deref() {
        attributes.push(("ELENOET", elenoet));
    }
    attributes
}

fn write_student(writer: &mut XmlWriter, student: &Student, with_addresses: bool) {
    let birth = student.birth_date.map(format_french);
    let leaving = student.leaving_date.map(format_french);
    let entry = student.entry_date.map(format_french);
    let address = student.address_id.as_deref().filter(|_| with_addresses);
    write_leaves(
        writer,
        "ELEVE",
        &ids(student),
        &STUDENT,
        &student.extra,
        &[
            ("ID_NATIONAL", student.ine.as_deref()),
            ("ELENOET", student.elenoet.as_deref()),
            ("ID_ELEVE_ETAB", student.school_id.as_deref()),
            ("ID_PRV_ELE", student.private_id.as_deref()),
            ("NOM_DE_FAMILLE", student.family_name.as_deref()),
            ("NOM_USAGE", student.usage_name.as_deref()),
            ("PRENOM", student.first_name.as_deref()),
            ("PRENOM2", student.first_name2.as_deref()),
            ("PRENOM3", student.first_name3.as_deref()),
            ("DATE_NAISS", birth.as_deref()),
            ("DATE_SORTIE", leaving.as_deref()),
            ("DATE_ENTREE", entry.as_deref()),
            ("ADRESSE_ID", address),
            ("CODE_MOTIF_SORTIE", student.leaving_reason.as_deref()),
            ("CODE_SEXE", student.sex.as_deref()),
            ("CODE_MEF", student.mef.as_deref()),
        ],
    );
}

fn write_structure(writer: &mut XmlWriter, code: &str, kind: &str, extra: &Extra) {
    let values = [
        ("CODE_STRUCTURE", Some(code)),
        ("TYPE_STRUCTURE", Some(kind)),
    ];
    write_leaves(writer, "STRUCTURE", &[], &STRUCTURE, extra, &values);
}

/// The groups SIECLE lists for each student: memberships naming the student by ELEVE_ID
/// whose end is absent or not before the export date, each group once.
fn groups_by_student(
    dataset: &Dataset,
    export_date: Option<NaiveDate>,
) -> BTreeMap<&str, Vec<&Membership>> {
    let mut groups: BTreeMap<&str, Vec<&Membership>> = BTreeMap::new();
    for membership in &dataset.memberships {
        let Some(eleve_id) = membership.student.eleve_id.as_deref() else {
            continue;
        };
        let ended = matches!((membership.end, export_date), (Some(end), Some(date)) if end < date);
        if ended {
            continue;
        }
        let list = groups.entry(eleve_id).or_default();
        if !list.iter().any(|known| known.group == membership.group) {
            list.push(membership);
        }
    }
    groups
}

fn write(
    spec: &Spec,
    dataset: &Dataset,
    options: &WriteOptions,
) -> Result<Vec<OutputFile>, FormatError> {
    if dataset.students.is_empty() {
        return Err(FormatError::MissingData(
            "impossible d'écrire l'export des élèves : le jeu de données ne contient aucun élève \
             (lisez un export SIECLE des élèves ; SIECLE refuse lui aussi un export sans élève)"
                .to_string(),
        ));
    }
    let envelope = envelope(spec, dataset, options)?;
    let with_addresses = names(spec, dataset, options)
        .find_map(address::variant_of_name)
        .unwrap_or_else(|| {
            dataset
                .students
                .values()
                .any(|student| student.address_id.is_some())
        });
    let base = if with_addresses {
        "ElevesAvecAdresses"
    } else {
        "ElevesSansAdresses"
    };
    let groups = groups_by_student(dataset, envelope.date_export);
    let no_extra = Extra::default();
    let mut writer = begin(spec, &envelope);
    let kept = kept_blocks(spec, dataset);
    let students = || dataset.students.values();
    write_fields(&mut writer, &DATA, &kept, |writer, name| match name {
        "ELEVES" => list_block(writer, name, students(), |writer, student| {
            write_student(writer, student, with_addresses);
        }),
        "OPTIONS" => list_block(
            writer,
            name,
            students().filter(|student| !student.options.is_empty()),
            |writer, student| {
                writer.open("OPTION", &ids(student));
                for option in &student.options {
                    let values = [
                        ("NUM_OPTION", option.rank.as_deref()),
                        ("CODE_MODALITE_ELECT", option.modality.as_deref()),
                        ("CODE_MATIERE", option.subject.as_deref()),
                    ];
                    write_leaves(
                        writer,
                        "OPTIONS_ELEVE",
                        &[],
                        &OPTION,
                        &option.extra,
                        &values,
                    );
                }
                writer.close();
            },
        ),
        "STRUCTURES" => list_block(
            writer,
            name,
            students().filter(|student| {
                student.division.is_some() || groups.contains_key(student.eleve_id.as_str())
            }),
            |writer, student| {
                writer.open("STRUCTURES_ELEVE", &ids(student));
                if let Some(division) = &student.division {
                    write_structure(writer, division, "D", &no_extra);
                }
                for membership in groups.get(student.eleve_id.as_str()).into_iter().flatten() {
                    // Other formats' extras are not SIECLE elements.
                    let extra = if membership.origin == ID {
                        &membership.extra
                    } else {
                        &no_extra
                    };
                    write_structure(writer, &membership.group, "G", extra);
                }
                writer.close();
            },
        ),
        "BOURSES" => list_block(
            writer,
            name,
            students().filter(|student| !student.grants.is_empty()),
            |writer, student| {
                writer.open("BOURSE", &ids(student));
                for grant in &student.grants {
                    leaf(writer, "CODE_BOURSE", Some(grant));
                }
                writer.close();
            },
        ),
        "ADRESSES" if with_addresses => {
            let referenced: BTreeSet<&str> = students()
                .filter_map(|student| student.address_id.as_deref())
                .collect();
            list_block(
                writer,
                name,
                address::to_write(dataset, &referenced),
                address::write,
            )
        }
        _ => false,
    });
    package(&envelope, base, writer, options)
}
