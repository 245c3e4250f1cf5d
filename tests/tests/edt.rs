//! EDT plugin: `edt-sts` (emp_sts) and `edt-table` (EXP_* lists), correspondences and the
//! linking of EDT rows to SIECLE students.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use passerelle_core::Dataset;
use passerelle_core::correspondences::{DIVISION_EXTRA, EDT_ORIGIN};
use passerelle_core::demo::{DemoParams, demo_timestamp, generate};
use passerelle_core::detect::{ReadFile, read_input};
use passerelle_core::format::{Format, ReadOptions, WriteOptions};
use passerelle_core::input::{InputFile, Limits, load_paths};
use passerelle_core::json_format::from_json;
use passerelle_core::model::{
    Allowance, Alternance, Course, DayHours, Division, DivisionAttachment, Extra, ExtraNode,
    FileInfo, Group, Membership, OtherResponsibility, Room, Service, ServiceTeacher, StaffMember,
    StructureKind, StructureRef, StudentRef,
};
use passerelle_core::time::{Minutes, TimeOfDay};
use passerelle_tests::{fixture, shared_sample};

use crate::passerelle;

fn format(id: &str) -> &'static dyn Format {
    passerelle_builtin::registry()
        .expect("registre")
        .get(id)
        .unwrap_or_else(|| panic!("format {id} absent"))
}

fn read_path(path: &Path) -> ReadFile {
    let registry = passerelle_builtin::registry().expect("registre");
    let loaded = load_paths(&[path.to_path_buf()], &Limits::default()).expect("fixture lisible");
    read_input(&registry, &loaded.files[0], None, &ReadOptions::default()).expect("fichier lu")
}

fn read_bytes(name: &str, bytes: Vec<u8>) -> ReadFile {
    let registry = passerelle_builtin::registry().expect("registre");
    let input = InputFile {
        name: name.to_string(),
        disk_path: PathBuf::from(name),
        bytes,
    };
    read_input(&registry, &input, None, &ReadOptions::default()).expect("fichier lu")
}

fn write_one(id: &str, dataset: &Dataset) -> (String, Vec<u8>) {
    let options = WriteOptions {
        timestamp: Some(demo_timestamp(dataset)),
        ..WriteOptions::default()
    };
    let mut outputs = format(id).write(dataset, &options).expect("écriture");
    assert_eq!(outputs.len(), 1);
    let output = outputs.remove(0);
    (output.name, output.bytes)
}

fn date(text: &str) -> NaiveDate {
    passerelle_core::dates::parse_iso(text).expect("date ISO")
}

fn time(text: &str) -> Option<TimeOfDay> {
    TimeOfDay::parse(text)
}

fn text_nodes(nodes: &[(&str, &str)]) -> Extra {
    Extra(
        nodes
            .iter()
            .map(|(name, text)| ExtraNode::text(*name, *text))
            .collect(),
    )
}

fn course(alternance: &str, day: u8, start: &str, minutes: u16, room: Option<&str>) -> Course {
    Course {
        alternance: Some(alternance.into()),
        day: Some(day),
        start: time(start),
        duration: Some(Minutes(minutes)),
        room: room.map(str::to_string),
        ..Course::default()
    }
}

/// The model the hand-written emp_sts fixture must give, field by field.
fn expected_emp_sts() -> Dataset {
    let mut dataset = Dataset::new("0999999Z", Some(2024));
    dataset.files = vec![FileInfo {
        fichier: "emp_sts_0999999Z_2024.xml".into(),
        format: "edt-sts".into(),
        uaj: Some("0999999Z".into()),
        annee: Some(2024),
        logiciel: Some("EXEMPLE EDT".into()),
        ..FileInfo::default()
    }];
    dataset.timetable.day_hours = vec![
        DayHours {
            day: 1,
            start: time("0800"),
            end: time("1730"),
            ..DayHours::default()
        },
        DayHours {
            day: 3,
            start: time("0800"),
            end: time("1230"),
            ..DayHours::default()
        },
    ];
    for (code, long, weeks) in [
        (
            "H",
            "HEBDOMADAIRE",
            // 2024-09-08 is a Sunday: moved to the Monday.
            vec!["2024-09-02", "2024-09-09", "2024-09-16"],
        ),
        ("Q1", "SEMAINE A", vec!["2024-09-02", "2024-09-16"]),
    ] {
        dataset.timetable.alternances.insert(
            code.into(),
            Alternance {
                code: code.into(),
                short_label: Some(code.into()),
                long_label: Some(long.into()),
                weeks: weeks.into_iter().map(date).collect(),
                ..Alternance::default()
            },
        );
    }
    dataset.timetable.rooms.insert(
        "B12".into(),
        Room {
            code: "B12".into(),
            room_group: Some("BÂTIMENT B".into()),
            location: Some("1er étage".into()),
            ..Room::default()
        },
    );
    dataset.timetable.rooms.insert(
        "GYM".into(),
        Room {
            code: "GYM".into(),
            ..Room::default()
        },
    );
    for member in [
        StaffMember {
            id: "12345".into(),
            allowances: vec![Allowance {
                division: Some("3 A".into()),
                mefstat4: Some("2114".into()),
                ..Allowance::default()
            }],
            other_responsibilities: vec![OtherResponsibility {
                code: Some("RN".into()),
                hours: Some("1.00".into()),
                ..OtherResponsibility::default()
            }],
            ..StaffMember::default()
        },
        StaffMember {
            id: "678".into(),
            ..StaffMember::default()
        },
        StaffMember {
            id: "9001".into(),
            extra: text_nodes(&[("NOTE_EXEMPLE", "gardée")]),
            ..StaffMember::default()
        },
    ] {
        dataset.staff.insert(member.id.clone(), member);
    }
    for code in ["3 A", "61"] {
        dataset.divisions.insert(
            code.into(),
            Division {
                code: code.into(),
                ..Division::default()
            },
        );
    }
    dataset.groups.insert(
        "3ESP2".into(),
        Group {
            code: "3ESP2".into(),
            label: Some("3E ESPAGNOL LV2".into()),
            planned: Some(24),
            max_timetable: Some(26),
            divisions: vec![
                DivisionAttachment {
                    code: "3 A".into(),
                    planned: Some(12),
                    ..DivisionAttachment::default()
                },
                DivisionAttachment {
                    code: String::new(),
                    planned: Some(12),
                    ..DivisionAttachment::default()
                },
            ],
            extra: text_nodes(&[("COMMENTAIRE_EDT", "Groupe d'exemple Œ")]),
            ..Group::default()
        },
    );
    dataset.groups.insert(
        "3LATIN".into(),
        Group {
            code: "3LATIN".into(),
            ..Group::default()
        },
    );
    dataset.services = vec![
        Service {
            structure: StructureRef {
                kind: StructureKind::Division,
                code: "3 A".into(),
            },
            subject: "030201".into(),
            course_mode: Some("CG".into()),
            hours: Some("3.00".into()),
            co_teaching: None,
            teachers: vec![ServiceTeacher {
                id: "12345".into(),
                kind: Some("epp".into()),
                hours: Some("3.00".into()),
                weighting: Some("1.00".into()),
                courses: vec![
                    course("H", 1, "1340", 90, Some("B12")),
                    course("Q1", 3, "0800", 60, None),
                ],
                ..ServiceTeacher::default()
            }],
            ..Service::default()
        },
        Service {
            structure: StructureRef {
                kind: StructureKind::Groupe,
                code: "3ESP2".into(),
            },
            subject: "030602".into(),
            teachers: vec![ServiceTeacher {
                id: "678".into(),
                courses: vec![course("H", 5, "1500", 120, None)],
                ..ServiceTeacher::default()
            }],
            ..Service::default()
        },
    ];
    dataset.extra = Extra(vec![ExtraNode {
        name: "EDT_STS/DONNEES".into(),
        children: vec![ExtraNode {
            name: "BLOC_FUTUR".into(),
            children: vec![ExtraNode::text("VALEUR", "1")],
            ..ExtraNode::default()
        }],
        ..ExtraNode::default()
    }]);
    dataset
}

#[test]
fn emp_sts_golden_fixture_reads_to_the_expected_model() {
    let file = read_path(&fixture("edt-sts/emp_sts_0999999Z_2024.xml"));
    assert_eq!(file.format, "edt-sts");
    assert_eq!(file.dataset, expected_emp_sts());
    let codes: Vec<&str> = file.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["SEMAINE_DIMANCHE"], "{:#?}", file.diagnostics);
    assert_eq!(file.diagnostics[0].line, Some(24));
    assert!(file.diagnostics[0].message.contains("2024-09-08"));
    // Provenance is kept for messages.
    let service = &file.dataset.services[0];
    assert_eq!(service.source.ligne, Some(68));
    // Course end computed in minutes: 13:40 + 1 h 30 is 15:10 (not 1340 + 130 = 1470).
    let first = &service.teachers[0].courses[0];
    let end = first.start.unwrap().plus(first.duration.unwrap());
    assert_eq!(end.to_hhmm(), "1510");
}

#[test]
fn emp_sts_fixture_round_trips() {
    let original = read_path(&fixture("edt-sts/emp_sts_0999999Z_2024.xml"));
    let (name, bytes) = write_one("edt-sts", &original.dataset);
    assert_eq!(name, "emp_sts_0999999Z_2024.xml");
    let text: String = bytes.iter().map(|&b| char::from(b)).collect();
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<EDT_STS>\n"));
    // Latin-9: Œ is the single byte 0xBC.
    assert!(bytes.contains(&0xBC) && !bytes.windows(2).any(|pair| pair == [0xC5, 0x92]));
    let reread = read_bytes(&name, bytes.clone());
    assert_eq!(reread.dataset, original.dataset);
    assert!(reread.diagnostics.is_empty(), "{:#?}", reread.diagnostics);
    let (_, again) = write_one("edt-sts", &reread.dataset);
    assert_eq!(again, bytes, "write → read → write is byte-identical");
}

#[test]
fn emp_sts_writer_follows_the_dtd_order_and_keeps_required_elements() {
    let minimal = read_path(&fixture("edt-sts/emp_sts_minimal.xml"));
    assert_eq!(minimal.dataset.school_year.millesime, None);
    let (name, bytes) = write_one("edt-sts", &minimal.dataset);
    assert_eq!(name, "emp_sts_0999999Z.xml");
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<EDT_STS>\n  <PARAMETRES>\n    \
         <UAJ>0999999Z</UAJ>\n    <APPLICATION_SOURCE>passerelle</APPLICATION_SOURCE>\n  \
         </PARAMETRES>\n  <DONNEES>\n    <HORAIRES/>\n    <ALTERNANCES/>\n    <INDIVIDUS/>\n    \
         <STRUCTURE>\n      <DIVISIONS/>\n      <GROUPES/>\n    </STRUCTURE>\n  </DONNEES>\n\
         </EDT_STS>\n"
    );
    let (_, bytes) = write_one("edt-sts", &expected_emp_sts());
    let text: String = bytes.iter().map(|&b| char::from(b)).collect();
    let order = [
        "<PARAMETRES>",
        "<UAJ>",
        "<ANNEE_SCOLAIRE>",
        "<APPLICATION_SOURCE>",
        "<DONNEES>",
        "<HORAIRES>",
        "<ALTERNANCES>",
        "<SALLES_COURS>",
        "<INDIVIDUS>",
        "<STRUCTURE>",
        "<DIVISIONS>",
        "<GROUPES>",
        "<BLOC_FUTUR>",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|tag| text.find(tag).unwrap_or_else(|| panic!("{tag} absent")))
        .collect();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{text}");
    assert!(text.contains(
        "<COURS>\n                      <CODE_ALTERNANCE>H</CODE_ALTERNANCE>\n                      \
         <JOUR>1</JOUR>\n                      <HEURE_DEBUT>1340</HEURE_DEBUT>\n                      \
         <DUREE>0130</DUREE>\n                      <CODE_SALLE>B12</CODE_SALLE>"
    ));
    assert!(text.contains("<ENSEIGNANT ID=\"12345\" TYPE=\"epp\">"));
    assert!(text.contains("<SERVICE CODE_MATIERE=\"030201\" CODE_MOD_COURS=\"CG\">"));
}

#[test]
fn emp_sts_demo_round_trips_byte_for_byte() {
    let demo = generate(&DemoParams::default());
    let (name, bytes) = write_one("edt-sts", &demo);
    assert_eq!(name, "emp_sts_0999999Z_2026.xml");
    let read = read_bytes(&name, bytes.clone());
    assert!(read.diagnostics.is_empty(), "{:#?}", read.diagnostics);
    let (_, again) = write_one("edt-sts", &read.dataset);
    assert_eq!(again, bytes);
    // What the demo holds reaches the file: services with their courses, alternances, rooms.
    let dataset = &read.dataset;
    assert_eq!(dataset.services.len(), demo.services.len());
    assert_eq!(dataset.timetable.alternances, demo.timetable.alternances);
    assert_eq!(dataset.timetable.rooms.len(), demo.timetable.rooms.len());
    assert_eq!(dataset.timetable.day_hours, demo.timetable.day_hours);
    let courses = |data: &Dataset| -> usize {
        data.services
            .iter()
            .flat_map(|service| &service.teachers)
            .map(|teacher| teacher.courses.len())
            .sum()
    };
    assert!(courses(dataset) > 400);
    assert_eq!(courses(dataset), courses(&demo));
    // Main teachers of sts_emp become the professeur principal allowances.
    let allowances: usize = dataset.staff.values().map(|m| m.allowances.len()).sum();
    assert_eq!(allowances, demo.divisions.len());
}

#[test]
fn the_independent_sample_emp_sts_reads_and_round_trips() {
    let Some(sample) = shared_sample() else {
        eprintln!("échantillon partagé absent : test sauté");
        return;
    };
    let path = sample.join("emp_sts_0999990A_2025.xml");
    let original = read_path(&path);
    assert_eq!(original.format, "edt-sts");
    assert!(
        original.diagnostics.is_empty(),
        "{:#?}",
        original.diagnostics
    );
    let dataset = &original.dataset;
    assert_eq!(dataset.establishment.uaj, "0999990A");
    assert_eq!(dataset.school_year.millesime, Some(2025));
    assert_eq!(dataset.files[0].logiciel.as_deref(), Some("EDT"));
    assert!(!dataset.services.is_empty() && !dataset.groups.is_empty());
    let (name, bytes) = write_one("edt-sts", dataset);
    assert_eq!(name, "emp_sts_0999990A_2025.xml");
    let reread = read_bytes(&name, bytes.clone());
    assert_eq!(reread.dataset, original.dataset);
    // The writer reproduces the other tool's file exactly (element order, layout, ids).
    assert_eq!(bytes, std::fs::read(&path).unwrap());
}

#[test]
fn a_sts_edt_file_forced_as_edt_sts_is_refused_in_one_sentence() {
    let file = fixture("edt-sts/racine_STS_EDT.xml");
    let run = passerelle(&[
        "convert",
        file.to_str().unwrap(),
        "--from",
        "edt-sts",
        "--to",
        "json",
        "-o",
        "-",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.is_empty());
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        lines[0].contains("<EDT_STS>")
            && lines[0].contains("<STS_EDT>")
            && lines[0].contains("racine_STS_EDT.xml"),
        "{}",
        lines[0]
    );
}

/// A membership as the edt-table reader gives it (provenance aside).
fn edt_membership(
    student: (Option<&str>, &str, &str, &str),
    group: &str,
    extra: &[(&str, &str)],
) -> Membership {
    let (ine, family, first, birth) = student;
    Membership {
        student: StudentRef {
            ine: ine.map(str::to_string),
            family_name: Some(family.into()),
            first_name: Some(first.into()),
            birth_date: passerelle_core::dates::parse_french(birth),
            ..StudentRef::default()
        },
        group: group.into(),
        origin: EDT_ORIGIN.into(),
        extra: text_nodes(extra),
        ..Membership::default()
    }
}

#[test]
fn exp_eleve_xml_golden_fixture() {
    let file = read_path(&fixture("edt-table/EXP_ELEVE.xml"));
    assert_eq!(file.format, "edt-table");
    assert!(file.diagnostics.is_empty(), "{:#?}", file.diagnostics);
    let camille = (Some("123456789AB"), "EXEMPLE", "Camille", "15/03/2010");
    let base = [
        ("NUMERO", "1"),
        ("SEXE", "F"),
        ("CIVILITE", "Mlle"),
        (DIVISION_EXTRA, "4B"),
    ];
    let with = |more: (&'static str, &'static str)| {
        let mut nodes = base.to_vec();
        nodes.push(more);
        nodes
    };
    let noe = (None, "CŒURDEROY", "Noé", "02/11/2010");
    let expected = vec![
        edt_membership(camille, "4B G1", &with(("PARTITION", "Dédoublement"))),
        edt_membership(camille, "LAT", &with(("PARTITION", "LATIN"))),
        edt_membership(camille, "4ESP2", &base),
        edt_membership(camille, "AGL1_4B_4C", &base),
        edt_membership(
            noe,
            "AGL1_4B_4C",
            &[
                ("NUMERO", "7"),
                ("SEXE", "M"),
                ("OPTION_1", "LATIN"),
                (DIVISION_EXTRA, "4C"),
            ],
        ),
    ];
    assert_eq!(file.dataset.memberships, expected);
    assert_eq!(file.dataset.memberships[4].source.ligne, Some(4));
    assert_eq!(
        file.dataset.files,
        vec![FileInfo {
            fichier: "EXP_ELEVE.xml".into(),
            format: "edt-table".into(),
            extra: text_nodes(&[("TABLE", "Elèves")]),
            ..FileInfo::default()
        }]
    );
    assert!(
        file.dataset.students.is_empty(),
        "EDT rows have no ELEVE_ID"
    );
}

#[test]
fn exp_eleve_csv_with_bom_and_columns_in_another_order() {
    let file = read_path(&fixture("edt-table/EXP_ELEVE_bom.csv"));
    assert_eq!(file.format, "edt-table");
    assert!(file.diagnostics.is_empty(), "{:#?}", file.diagnostics);
    let camille = (Some("123456789AB"), "EXEMPLE", "Camille", "15/03/2010");
    let base = [
        ("NUMERO", "1"),
        ("REGIME", "DP DAN"),
        (DIVISION_EXTRA, "4B"),
    ];
    let mut part = base.to_vec();
    part.push(("PARTITION", "Dédoublement"));
    let expected = vec![
        edt_membership(camille, "4B G1", &part),
        edt_membership(camille, "4ESP2", &base),
        edt_membership(camille, "AGL1_4B_4C", &base),
        edt_membership(
            (None, "CŒURDEROY", "Noé", "02/11/2010"),
            "AGL1_4B_4C",
            &[
                ("NUMERO", "7"),
                ("REGIME", "EXTERNE"),
                (DIVISION_EXTRA, "4C"),
            ],
        ),
    ];
    assert_eq!(file.dataset.memberships, expected);
    assert_eq!(file.dataset.memberships[3].source.ligne, Some(3));
    // The XML and CSV exports of the same list say the same thing.
    let xml = read_path(&fixture("edt-table/EXP_ELEVE.xml"));
    let groups = |data: &Dataset| -> BTreeSet<(String, String)> {
        data.memberships
            .iter()
            .map(|m| (m.student.first_name.clone().unwrap(), m.group.clone()))
            .filter(|(_, group)| group != "LAT")
            .collect()
    };
    assert_eq!(groups(&file.dataset), groups(&xml.dataset));
}

#[test]
fn exp_eleve_latin9_csv_without_bom() {
    let file = read_path(&fixture("edt-table/EXP_ELEVE_latin9.csv"));
    assert_eq!(file.format, "edt-table");
    assert!(file.diagnostics.is_empty(), "{:#?}", file.diagnostics);
    let zoe = (None, "CŒURDEROY", "Zoé", "05/06/2011");
    let loic = (Some("111222333AA"), "ÉTIENNE", "Loïc", "07/08/2011");
    let division = [(DIVISION_EXTRA, "3 A")];
    assert_eq!(
        file.dataset.memberships,
        vec![
            edt_membership(zoe, "3ESP2", &division),
            edt_membership(loic, "3ESP2", &division),
            edt_membership(loic, "3LATIN", &division),
        ]
    );
}

#[test]
fn exp_cours_latin9_xml_golden_fixture() {
    let file = read_path(&fixture("edt-table/EXP_COURS_latin9.xml"));
    assert_eq!(file.format, "edt-table");
    assert!(file.diagnostics.is_empty(), "{:#?}", file.diagnostics);
    let expected = vec![
        Course {
            alternance: Some("H".into()),
            day: Some(1),
            // « 8h00» padded with a space.
            start: time("0800"),
            duration: Some(Minutes(60)),
            room: Some("B12".into()),
            subject: Some("AGL1".into()),
            teachers: vec!["EXEMPLE Anne".into()],
            structures: vec!["4B".into()],
            extra: text_nodes(&[
                ("NUMERO", "1"),
                ("MAT_LIBELLE", "ANGLAIS LV1"),
                ("MODALITE", "CG"),
                ("CO-ENS.", "N"),
                ("POND.", "1"),
                ("EFFECTIF", "25"),
            ]),
            ..Course::default()
        },
        Course {
            alternance: Some("Q1".into()),
            day: Some(4),
            start: time("1330"),
            duration: Some(Minutes(90)),
            room: Some("B12".into()),
            subject: Some("ESP2".into()),
            teachers: vec!["ÉTIENNE Hélène".into(), "BŒUF Gérard".into()],
            structures: vec!["4 ESP2".into()],
            extra: text_nodes(&[("NUMERO", "2"), ("SALLE", "B12, B14")]),
            ..Course::default()
        },
        Course {
            day: Some(3),
            start: time("1000"),
            duration: Some(Minutes(60)),
            subject: Some("LATIN".into()),
            structures: vec!["LAT".into()],
            extra: text_nodes(&[("NUMERO", "3")]),
            ..Course::default()
        },
    ];
    assert_eq!(file.dataset.timetable.courses, expected);
    assert!(file.dataset.memberships.is_empty());
}

#[test]
fn exp_cours_with_italian_headings() {
    let file = read_path(&fixture("edt-table/EXP_COURS_italien.csv"));
    assert_eq!(
        file.dataset.timetable.courses,
        vec![Course {
            day: Some(1),
            start: time("0800"),
            duration: Some(Minutes(60)),
            room: Some("B12".into()),
            subject: Some("AGL1".into()),
            teachers: vec!["EXEMPLE".into()],
            structures: vec!["4B".into()],
            ..Course::default()
        }]
    );
}

#[test]
fn exp_eleve_read_from_edt_is_written_back_the_same() {
    for name in ["EXP_ELEVE.xml", "EXP_ELEVE_bom.csv", "EXP_ELEVE_latin9.csv"] {
        let original = read_path(&fixture(&format!("edt-table/{name}")));
        let (written, bytes) = write_one("edt-table", &original.dataset);
        assert_eq!(written, "EXP_ELEVE.xml");
        assert!(bytes.starts_with(
            "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<TABLE nom=\"Elèves\">"
                .as_bytes()
        ));
        let reread = read_bytes("EXP_ELEVE.xml", bytes.clone());
        assert_eq!(
            reread.dataset.memberships, original.dataset.memberships,
            "{name}"
        );
        let (_, again) = write_one("edt-table", &reread.dataset);
        assert_eq!(again, bytes, "{name}");
    }
}

#[test]
fn the_independent_sample_exp_eleve_reads() {
    let Some(sample) = shared_sample() else {
        eprintln!("échantillon partagé absent : test sauté");
        return;
    };
    let file = read_path(&sample.join("EXP_ELEVE.xml"));
    assert_eq!(file.format, "edt-table");
    assert!(file.diagnostics.is_empty(), "{:#?}", file.diagnostics);
    let memberships = &file.dataset.memberships;
    let students: BTreeSet<&str> = memberships
        .iter()
        .filter_map(|m| m.student.ine.as_deref())
        .collect();
    assert_eq!(students.len(), 200);
    assert!(memberships.iter().all(|m| m.origin == EDT_ORIGIN
        && m.student.birth_date.is_some()
        && division_of(m).is_some()));
    let first = &memberships[0];
    assert_eq!(first.student.family_name.as_deref(), Some("LÉVÊQUE"));
    assert_eq!(first.group, "3LV2ESP");
    assert_eq!(division_of(first), Some("3 B"));
    // Written back as EDT writes it, the list reads the same.
    let (_, bytes) = write_one("edt-table", &file.dataset);
    let reread = read_bytes("EXP_ELEVE.xml", bytes);
    assert_eq!(reread.dataset.memberships, file.dataset.memberships);
    // With the sample's emp_sts, every EDT name is an STS code but one group.
    let (_, stderr) = convert_to_json(&[
        &path_text(&sample.join("EXP_ELEVE.xml")),
        &path_text(&sample.join("emp_sts_0999990A_2025.xml")),
    ]);
    let missing: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("CORRESPONDANCE"))
        .collect();
    assert_eq!(missing.len(), 1, "{stderr}");
    assert!(missing[0].contains("« 6CHAM »"), "{}", missing[0]);
}

/// `passerelle convert ARGS… --to json -o -`: the merged dataset and what was printed on
/// standard error.
fn convert_to_json(args: &[&str]) -> (Dataset, String) {
    let mut all = vec!["convert"];
    all.extend(args);
    all.extend(["--to", "json", "-o", "-"]);
    let run = passerelle(&all);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dataset = from_json(&run.stdout, "stdout").expect("JSON de passerelle");
    (dataset, run.stderr)
}

fn path_text(path: &Path) -> String {
    path.display().to_string()
}

/// The division an EDT membership carries.
fn division_of(membership: &Membership) -> Option<&str> {
    membership
        .extra
        .get(DIVISION_EXTRA)
        .and_then(|node| node.text.as_deref())
}

fn groups_by_student(dataset: &Dataset, origin: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for membership in dataset.memberships.iter().filter(|m| m.origin == origin) {
        let id = membership
            .student
            .eleve_id
            .clone()
            .unwrap_or_else(|| panic!("non relié : {membership:?}"));
        groups
            .entry(id)
            .or_default()
            .insert(membership.group.clone());
    }
    groups
}

#[test]
fn demo_exp_eleve_links_every_present_student_to_its_groups() {
    let folder = tempfile::tempdir().unwrap();
    let demo = folder.path().join("demo");
    let run = passerelle(&["demo", demo.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    let exp = demo.join("EXP_ELEVE.xml");
    let json = demo.join("passerelle_0999999Z_2026.json");
    assert!(exp.is_file() && json.is_file());
    // The JSON holds the demo's SIECLE students (the SIECLE writers are another plugin).
    let (merged, stderr) = convert_to_json(&[&path_text(&exp), &path_text(&json)]);
    assert!(!stderr.contains("ELEVE_NON_RELIE"), "{stderr}");
    assert!(!stderr.contains("CORRESPONDANCE"), "{stderr}");
    let linked = groups_by_student(&merged, EDT_ORIGIN);
    let expected = groups_by_student(&merged, "demo");
    let present: BTreeSet<&String> = merged.present_students().map(|s| &s.eleve_id).collect();
    assert_eq!(linked.keys().collect::<BTreeSet<_>>(), present);
    assert_eq!(linked, expected);
    // The division of each row is the student's SIECLE division.
    for membership in merged.memberships.iter().filter(|m| m.origin == EDT_ORIGIN) {
        let student = &merged.students[membership.student.eleve_id.as_deref().unwrap()];
        assert_eq!(division_of(membership), student.division.as_deref());
    }
}

#[test]
fn demo_exp_eleve_with_the_siecle_exports() {
    let folder = tempfile::tempdir().unwrap();
    let demo = folder.path().join("demo");
    assert_eq!(passerelle(&["demo", demo.to_str().unwrap()]).code, 0);
    let mut inputs: Vec<String> = std::fs::read_dir(&demo)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_none_or(|ext| ext != "json"))
        .map(|path| path.display().to_string())
        .collect();
    inputs.sort();
    let args: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let (merged, stderr) = convert_to_json(&args);
    assert!(!stderr.contains("ELEVE_NON_RELIE"), "{stderr}");
    let linked = groups_by_student(&merged, EDT_ORIGIN);
    let demo_dataset = generate(&DemoParams::default());
    assert_eq!(linked, groups_by_student(&demo_dataset, "demo"));
}

#[test]
fn edt_rows_are_linked_by_ine_then_identity_and_the_rest_is_reported() {
    // Inputs are read in name order: the list comes first here, after the students there.
    let folder = tempfile::tempdir().unwrap();
    let list_last = folder.path().join("z_EXP_ELEVE.csv");
    let students_first = folder.path().join("a_eleves.json");
    std::fs::copy(fixture("edt-table/liens_EXP_ELEVE.csv"), &list_last).unwrap();
    std::fs::copy(
        fixture("edt-table/liens_eleves_siecle.json"),
        &students_first,
    )
    .unwrap();
    for (list, students) in [
        (
            fixture("edt-table/liens_EXP_ELEVE.csv"),
            fixture("edt-table/liens_eleves_siecle.json"),
        ),
        (list_last, students_first),
    ] {
        let (merged, stderr) = convert_to_json(&[&path_text(&list), &path_text(&students)]);
        let linked: Vec<(Option<&str>, &str)> = merged
            .memberships
            .iter()
            .map(|m| (m.student.eleve_id.as_deref(), m.group.as_str()))
            .collect();
        assert_eq!(
            linked,
            [
                (Some("1001"), "4ESP2"),      // by INE
                (Some("1002"), "AGL1_4B_4C"), // CŒURDEROY Noé = Cœurderoy NOE, same birth date
                (None, "4ESP2"),              // two MARTIN Léa born the same day
                (None, "4ESP2"),              // unknown
            ]
        );
        let unlinked: Vec<&str> = stderr
            .lines()
            .filter(|line| line.contains("[ELEVE_NON_RELIE]"))
            .collect();
        assert_eq!(unlinked.len(), 2, "{stderr}");
        let name = list.file_name().unwrap().to_str().unwrap();
        assert!(
            unlinked[0].contains(&format!("{name}:4")) && unlinked[0].contains("1003, 1004"),
            "{}",
            unlinked[0]
        );
        assert!(
            unlinked[1].contains(&format!("{name}:5")) && unlinked[1].contains("INCONNU Paul"),
            "{}",
            unlinked[1]
        );
    }
}

#[test]
fn correspondences_map_edt_names_to_sts_codes() {
    let (merged, stderr) = convert_to_json(&[
        &path_text(&fixture("edt-table/EXP_ELEVE_3e.csv")),
        &path_text(&fixture("edt-sts/emp_sts_0999999Z_2024.xml")),
        "--correspondances",
        &path_text(&fixture("edt-table/correspondances.csv")),
    ]);
    let mapped: Vec<(&str, &str, &str)> = merged
        .memberships
        .iter()
        .map(|m| {
            (
                m.student.first_name.as_deref().unwrap(),
                m.group.as_str(),
                division_of(m).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        mapped,
        [
            ("Anne", "3ESP2", "3 A"),  // group by label, division by the file
            ("Anne", "3LATIN", "3 A"), // « LATIN 3ème » by the (Latin-9) file
            ("Paul", "3ESP2", "61"),   // by code
            ("Paul", "THEATRE", "61"), // unmatched: kept, and listed
        ]
    );
    let missing: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("[CORRESPONDANCE_MANQUANTE]"))
        .collect();
    assert_eq!(missing.len(), 1, "{stderr}");
    assert!(
        missing[0].contains("« THEATRE »") && missing[0].contains("EXP_ELEVE_3e.csv:3"),
        "{}",
        missing[0]
    );
}

#[test]
fn a_wrong_correspondence_file_is_refused_naming_its_line() {
    let run = passerelle(&[
        "convert",
        fixture("edt-table/EXP_ELEVE_3e.csv").to_str().unwrap(),
        "--correspondances",
        fixture("edt-table/correspondances_erronees.csv")
            .to_str()
            .unwrap(),
        "--to",
        "json",
        "-o",
        "-",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("ligne 3") && run.stderr.contains("« salle »"),
        "{}",
        run.stderr
    );
}

#[test]
fn formats_lists_both_edt_formats() {
    let run = passerelle(&["formats"]);
    assert_eq!(run.code, 0);
    for id in ["edt-sts", "edt-table"] {
        assert!(
            run.stdout.lines().any(|line| line.starts_with(id)),
            "{}",
            run.stdout
        );
    }
}
