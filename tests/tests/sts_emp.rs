//! The `sts-emp` format: STS-Web's export for the timetable (`sts_emp_<UAJ>_<ANNEE>.xml`,
//! root `STS_EDT`): golden fixture, round trips, demo, independent sample, CLI behaviour.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use passerelle_core::demo::{DemoParams, generate};
use passerelle_core::detect::{ReadFile, read_input};
use passerelle_core::diagnostics::codes;
use passerelle_core::format::{Format, OutputFile, ReadOptions, WriteOptions};
use passerelle_core::input::InputFile;
use passerelle_core::model::{
    Alternance, CodeItem, Dataset, DayHours, Discipline, Division, DivisionAttachment,
    Establishment, Extra, ExtraNode, FileInfo, Group, MainTeacherAssignment, Mef, MefAttachment,
    Programme, Room, SchoolYear, Service, ServiceTeacher, StaffMember, StructureKind, StructureRef,
    Subject, Timetable, YearBounds, code_lists,
};
use passerelle_core::time::TimeOfDay;
use passerelle_tests::{fixture, shared_sample};

use crate::passerelle;

const GOLDEN: &str = "sts-emp/sts_emp_0999999Z_2024.xml";
const GOLDEN_NAME: &str = "sts_emp_0999999Z_2024.xml";

fn format() -> &'static dyn Format {
    passerelle_builtin::registry()
        .expect("no duplicate ids")
        .get("sts-emp")
        .expect("sts-emp is registered")
}

/// Reads bytes as the CLI does (decoding, detection, reader).
fn read_bytes(name: &str, bytes: Vec<u8>) -> ReadFile {
    let registry = passerelle_builtin::registry().expect("no duplicate ids");
    let input = InputFile {
        name: name.to_string(),
        disk_path: PathBuf::from(name),
        bytes,
    };
    read_input(&registry, &input, None, &ReadOptions::default())
        .unwrap_or_else(|error| panic!("{name}: {error}"))
}

fn write(dataset: &Dataset) -> OutputFile {
    let mut outputs = format()
        .write(dataset, &WriteOptions::default())
        .expect("the writer accepts the dataset");
    assert_eq!(outputs.len(), 1, "one file");
    outputs.remove(0)
}

fn some(text: &str) -> Option<String> {
    Some(text.to_string())
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a real date")
}

fn text(name: &str, value: &str) -> ExtraNode {
    ExtraNode::text(name, value)
}

fn empty(name: &str) -> ExtraNode {
    ExtraNode {
        name: name.to_string(),
        ..ExtraNode::default()
    }
}

fn node(name: &str, attributes: &[(&str, &str)], children: Vec<ExtraNode>) -> ExtraNode {
    ExtraNode {
        name: name.to_string(),
        attributes: attributes
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect(),
        children,
        ..ExtraNode::default()
    }
}

fn code_item(code: &str, short: &str, long: &str, extra: Vec<ExtraNode>) -> (String, CodeItem) {
    (
        code.to_string(),
        CodeItem {
            code: code.to_string(),
            short_label: some(short),
            long_label: some(long),
            extra: Extra(extra),
            ..CodeItem::default()
        },
    )
}

fn discipline(code: &str, label: &str, hours: Option<&str>) -> Discipline {
    Discipline {
        code: code.into(),
        short_label: some(label),
        hours: hours.map(str::to_string),
        ..Discipline::default()
    }
}

fn mef_attachment(code: &str, planned: Option<u32>, actual: Option<u32>) -> MefAttachment {
    MefAttachment {
        code: code.into(),
        planned,
        actual,
        ..MefAttachment::default()
    }
}

fn division_attachment(
    code: &str,
    planned: Option<u32>,
    actual: Option<u32>,
) -> DivisionAttachment {
    DivisionAttachment {
        code: code.into(),
        planned,
        actual,
        ..DivisionAttachment::default()
    }
}

fn teacher(id: &str, kind: &str, hours: Option<&str>, weighting: Option<&str>) -> ServiceTeacher {
    ServiceTeacher {
        id: id.into(),
        kind: some(kind),
        hours: hours.map(str::to_string),
        weighting: weighting.map(str::to_string),
        ..ServiceTeacher::default()
    }
}

fn service(
    kind: StructureKind,
    structure: &str,
    subject: &str,
    mode: &str,
    hours: &str,
    teachers: Vec<ServiceTeacher>,
) -> Service {
    Service {
        structure: StructureRef {
            kind,
            code: structure.into(),
        },
        subject: subject.into(),
        course_mode: some(mode),
        hours: some(hours),
        teachers,
        ..Service::default()
    }
}

#[allow(clippy::too_many_arguments)]
fn staff_member(
    id: &str,
    kind: &str,
    sex: Option<&str>,
    usage_name: &str,
    birth_name: Option<&str>,
    first_name: &str,
    birth_date: Option<NaiveDate>,
    grade: Option<&str>,
    function: Option<&str>,
) -> StaffMember {
    StaffMember {
        id: id.into(),
        kind: some(kind),
        sex: sex.map(str::to_string),
        civility: sex.map(str::to_string),
        usage_name: some(usage_name),
        birth_name: birth_name.map(str::to_string),
        first_name: some(first_name),
        birth_date,
        grade: grade.map(str::to_string),
        function: function.map(str::to_string),
        ..StaffMember::default()
    }
}

/// The model the golden fixture must read to, written by hand from the fixture.
fn expected_golden() -> Dataset {
    let mut dataset = Dataset {
        files: vec![FileInfo {
            fichier: GOLDEN_NAME.into(),
            format: "sts-emp".into(),
            uaj: some("0999999Z"),
            annee: Some(2024),
            horodatage: some("2024-10-14T10:15:30"),
            extra: Extra(vec![text("VERSION_EXPORT", "11.4.2")]),
            ..FileInfo::default()
        }],
        establishment: Establishment {
            uaj: "0999999Z".into(),
            academy_code: some("99"),
            academy_name: some("EXEMPLE"),
            acronym: some("CLG"),
            name: some("COLLEGE"),
            name_complement: some("SAINT-EXEMPLE DU CŒUR"),
            extra: Extra(vec![
                text("CODE_NATURE", "340"),
                text("CODE_CATEGORIE", "04"),
                empty("MENTION_DISTRIBUTION"),
                text("ADRESSE", "1 RUE DE L'ÉCOLE"),
                text("COMMUNE", "EXEMPLEVILLE"),
                text("CODE_POSTAL", "99000"),
                empty("BOITE_POSTALE"),
                text("TELEPHONE", "0299000000"),
                text("STATUT", "1"),
                text("ETABLISSEMENT_SENSIBLE", "N"),
                node("ACADEMIE", &[], vec![text("REGION", "OUEST")]),
            ]),
        },
        school_year: SchoolYear {
            millesime: Some(2024),
            bounds: YearBounds {
                start: Some(date(2024, 9, 2)),
                end: Some(date(2025, 7, 5)),
                ..YearBounds::default()
            },
            ..SchoolYear::default()
        },
        ..Dataset::default()
    };

    for (code, management, short, long, edition) in [
        (
            "030201",
            "AGL1",
            some("ANGLAIS LV1"),
            some("ANGLAIS LV1"),
            some("Anglais LV1"),
        ),
        ("030602", "ESP2", some("ESPAGNOL LV2"), None, None),
        (
            "020700",
            "FRANC",
            some("FRANCAIS"),
            some("FRANCAIS"),
            some("Français & littérature"),
        ),
        (
            "070200",
            "TECHN",
            some("TECHNOLOGIE"),
            some("TECHNOLOGIE"),
            None,
        ),
    ] {
        dataset.subjects.insert(
            code.into(),
            Subject {
                code: code.into(),
                management_code: some(management),
                short_label: short,
                long_label: long,
                edition_label: edition,
                ..Subject::default()
            },
        );
    }
    for (code, formation, long, edition) in [
        ("10310019110", "3EME", "3EME", some("3ème")),
        ("10310019112", "3EME EURO", "3EME SECTION EUROPÉENNE", None),
    ] {
        dataset.mefs.insert(
            code.into(),
            Mef {
                code: code.into(),
                formation: some(formation),
                speciality: None,
                long_label: some(long),
                edition_label: edition,
                mefstat11: some("10310019110"),
                mefstat4: some("2114"),
                ..Mef::default()
            },
        );
    }
    let lists: [(&str, Vec<(String, CodeItem)>); 6] = [
        (
            "TYPES_AHE",
            vec![code_item(
                "IMP",
                "IMP",
                "INDEMNITÉ POUR MISSION PARTICULIÈRE (€)",
                vec![],
            )],
        ),
        (
            code_lists::CIVILITIES,
            vec![
                code_item("1", "M.", "MONSIEUR", vec![]),
                code_item("2", "MME", "MADAME", vec![]),
            ],
        ),
        (
            "MEFSTATS4",
            vec![code_item(
                "2114",
                "3EME",
                "TROISIEME",
                vec![text("INDEMNITE_PP_AUTORISEE", "O")],
            )],
        ),
        (
            "TAUX_PONDS",
            vec![(
                "1.10".to_string(),
                CodeItem {
                    code: "1.10".into(),
                    extra: Extra(vec![text("CPGE_BTS", "N")]),
                    ..CodeItem::default()
                },
            )],
        ),
        (
            code_lists::COURSE_MODES,
            vec![
                code_item(
                    "CG",
                    "COURS GENERAL",
                    "COURS GENERAL",
                    vec![text("CO_ENS", "N")],
                ),
                code_item(
                    "TP",
                    "TRAV. PRATIQUES",
                    "TRAVAUX PRATIQUES",
                    vec![text("CO_ENS", "N")],
                ),
            ],
        ),
        (
            code_lists::CONTRACTS,
            vec![code_item(
                "30",
                "ASSOCIATION",
                "CONTRAT D'ASSOCIATION",
                vec![text("CODE_GESTION", "CA")],
            )],
        ),
    ];
    for (key, items) in lists {
        dataset.code_lists.insert(
            key.to_string(),
            items.into_iter().collect::<BTreeMap<_, _>>(),
        );
    }
    dataset.programmes.push(Programme {
        mef: some("10310019110"),
        subject: some("030201"),
        hours: some("3.00"),
        ..Programme::default()
    });

    let mut anne = staff_member(
        "12345",
        "epp",
        Some("2"),
        "CŒURDEROY",
        Some("EXEMPLE"),
        "ANNE-HÉLÈNE",
        Some(date(1980, 1, 31)),
        Some("CERT CE"),
        Some("ENS"),
    );
    anne.main_teacher_of.push(MainTeacherAssignment {
        division: some("3 A"),
        start: Some(date(2024, 9, 2)),
        end: Some(date(2025, 7, 5)),
        ..MainTeacherAssignment::default()
    });
    anne.disciplines
        .push(discipline("L0422", "ANGLAIS", Some("18.00")));
    anne.extra.push(text("INDICE_PAIE", "550"));
    let mut joel = staff_member(
        "67890", "local", None, "LEFÈVRE", None, "JOËL", None, None, None,
    );
    joel.disciplines.push(discipline("L0426", "ESPAGNOL", None));
    let francois = staff_member(
        "24680",
        "dir",
        Some("1"),
        "NOËL",
        Some("NOËL"),
        "FRANÇOIS",
        Some(date(1970, 6, 15)),
        Some("PERDIR HC"),
        Some("DIR"),
    );
    let mut jerome = staff_member(
        "13579",
        "epp",
        Some("1"),
        "ŠIMEK",
        Some("ŠIMEK"),
        "JÉRÔME",
        Some(date(1985, 11, 30)),
        Some("CERT CN"),
        None,
    );
    jerome
        .disciplines
        .push(discipline("L1400", "TECHNOLOGIE", Some("18.00")));
    let mut zoe = staff_member(
        "11223",
        "eppsup",
        Some("2"),
        "BŒUF",
        Some("BŒUF"),
        "ZOÉ",
        Some(date(1990, 3, 12)),
        Some("CONTRACTUEL"),
        Some("ENS"),
    );
    zoe.substitute = true;
    zoe.extra.push(empty("SERVICES_SUPPLEANTS"));
    for member in [anne, joel, francois, jerome, zoe] {
        dataset.staff.insert(member.id.clone(), member);
    }

    dataset.divisions.insert(
        "3 A".into(),
        Division {
            code: "3 A".into(),
            label: some("3EME A"),
            planned: Some(25),
            actual: Some(24),
            mefs: vec![
                mef_attachment("10310019110", Some(20), Some(19)),
                mef_attachment("10310019112", Some(5), None),
            ],
            ..Division::default()
        },
    );
    dataset.divisions.insert(
        "3 B".into(),
        Division {
            code: "3 B".into(),
            label: None,
            planned: Some(24),
            mefs: vec![mef_attachment("10310019110", None, None)],
            extra: Extra(vec![text("CODE_CONTRAT", "30")]),
            ..Division::default()
        },
    );
    dataset.groups.insert(
        "3ESP2".into(),
        Group {
            code: "3ESP2".into(),
            label: some("3E ESPAGNOL LV2"),
            planned: Some(30),
            actual: Some(28),
            max_timetable: Some(32),
            divisions: vec![
                division_attachment("3 A", Some(15), Some(14)),
                division_attachment("3 B", None, None),
            ],
            mefs: vec![
                mef_attachment("10310019110", None, None),
                mef_attachment("10310019112", None, None),
            ],
            ..Group::default()
        },
    );
    dataset.groups.insert(
        "3A TECH1".into(),
        Group {
            code: "3A TECH1".into(),
            divisions: vec![division_attachment("3 A", None, None)],
            ..Group::default()
        },
    );
    let mut english = service(
        StructureKind::Division,
        "3 A",
        "030201",
        "CG",
        "3.50",
        vec![teacher("12345", "epp", Some("3.50"), Some("1.00"))],
    );
    english.co_teaching = some("N");
    let mut french = service(
        StructureKind::Division,
        "3 A",
        "020700",
        "CG",
        "4.50",
        vec![teacher("11223", "eppsup", Some("4.50"), None)],
    );
    french.extra.push(text("COMMENTAIRE", "REMPLACEMENT"));
    dataset.services = vec![
        english,
        french,
        service(
            StructureKind::Groupe,
            "3ESP2",
            "030602",
            "CG",
            "2.50",
            vec![teacher("67890", "local", Some("2.50"), None)],
        ),
        service(
            StructureKind::Groupe,
            "3A TECH1",
            "070200",
            "TP",
            "1.50",
            vec![teacher("13579", "epp", None, None)],
        ),
    ];

    dataset.timetable = Timetable {
        day_hours: vec![
            DayHours {
                day: 1,
                start: TimeOfDay::parse("0800"),
                end: TimeOfDay::parse("1730"),
                ..DayHours::default()
            },
            DayHours {
                day: 3,
                start: TimeOfDay::parse("0800"),
                end: TimeOfDay::parse("1230"),
                ..DayHours::default()
            },
        ],
        alternances: [(
            "Q1".to_string(),
            Alternance {
                code: "Q1".into(),
                short_label: some("Q1"),
                long_label: some("SEMAINE 1"),
                // 2024-09-15 is a Sunday: the following Monday.
                weeks: vec![date(2024, 9, 2), date(2024, 9, 16)],
                ..Alternance::default()
            },
        )]
        .into_iter()
        .collect(),
        rooms: [
            (
                "B12".to_string(),
                Room {
                    code: "B12".into(),
                    room_group: some("SCIENCES"),
                    location: some("BÂTIMENT B"),
                    ..Room::default()
                },
            ),
            (
                "GYM".to_string(),
                Room {
                    code: "GYM".into(),
                    ..Room::default()
                },
            ),
        ]
        .into_iter()
        .collect(),
        courses: Vec::new(),
    };

    dataset.extra.push(node(
        "STS_EDT",
        &[],
        vec![
            text("SIGNATURE", "ABC123"),
            node(
                "NOMENCLATURES",
                &[],
                vec![node(
                    "ZONES_GEO",
                    &[],
                    vec![ExtraNode {
                        attributes: vec![("CODE".into(), "Z1".into())],
                        ..text("ZONE", "NORD")
                    }],
                )],
            ),
            node(
                "DONNEES",
                &[],
                vec![
                    node(
                        "BLOC_FUTUR",
                        &[("VERSION", "2")],
                        vec![ExtraNode {
                            attributes: vec![("CODE".into(), "X".into())],
                            ..text("ELEMENT", "VALEUR")
                        }],
                    ),
                    node("STRUCTURE", &[], vec![empty("SOUS_SERVICES")]),
                ],
            ),
        ],
    ));
    dataset
}

fn golden_bytes() -> Vec<u8> {
    fs::read(fixture(GOLDEN)).expect("the golden fixture exists")
}

#[test]
fn the_golden_fixture_is_latin9_with_every_quirk() {
    let bytes = golden_bytes();
    assert!(bytes.starts_with(b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<STS_EDT>"));
    assert!(std::str::from_utf8(&bytes).is_err(), "real Latin-9 bytes");
    assert!(bytes.contains(&0xBC), "Œ is byte 0xBC in Latin-9");
    assert!(bytes.contains(&0xA4), "€ is byte 0xA4 in Latin-9");
    let text = String::from_utf8(latin9_to_utf8(&bytes)).unwrap();
    for quirk in [
        "<LIBELLE_LONG/>",
        "<LIBELLE_LONG></LIBELLE_LONG>",
        "<FONCTION>   </FONCTION>",
        "<CODE_GESTION>AGL1  </CODE_GESTION>",
        "<INDIVIDU TYPE=\"local\" ID=\"  67890 \">",
        "<SERVICES/>",
        "<SUPPLEANTS>",
        "<SERVICES_SUPPLEANTS/>",
        "<HORAIRES>",
        "<ALTERNANCES>",
        "<SALLES_COURS>",
        "<PROFS_PRINC>",
        "<BLOC_FUTUR VERSION=\"2\">",
        "CŒUR",
        "ŠIMEK",
    ] {
        assert!(text.contains(quirk), "{quirk} missing from the fixture");
    }
}

#[test]
fn the_golden_fixture_reads_to_the_expected_model() {
    let file = read_bytes(GOLDEN_NAME, golden_bytes());
    assert_eq!(file.format, "sts-emp");
    let expected = expected_golden();
    // Field by field first, for readable failures, then the whole model.
    assert_eq!(file.dataset.files, expected.files);
    assert_eq!(file.dataset.establishment, expected.establishment);
    assert_eq!(file.dataset.school_year, expected.school_year);
    assert_eq!(file.dataset.subjects, expected.subjects);
    assert_eq!(file.dataset.mefs, expected.mefs);
    assert_eq!(file.dataset.code_lists, expected.code_lists);
    assert_eq!(file.dataset.programmes, expected.programmes);
    assert_eq!(file.dataset.staff, expected.staff);
    assert_eq!(file.dataset.divisions, expected.divisions);
    assert_eq!(file.dataset.groups, expected.groups);
    assert_eq!(file.dataset.services, expected.services);
    assert_eq!(file.dataset.timetable, expected.timetable);
    assert_eq!(file.dataset.extra, expected.extra);
    assert_eq!(file.dataset, expected);

    // Provenance: file and line of each record.
    let member = &file.dataset.staff["12345"];
    assert_eq!(member.source.fichier, GOLDEN_NAME);
    assert_eq!(member.source.ligne, Some(164));
    assert_eq!(file.dataset.staff["11223"].source.ligne, Some(228));
    assert_eq!(file.dataset.divisions["3 A"].source.ligne, Some(242));
    assert_eq!(file.dataset.groups["3ESP2"].source.ligne, Some(289));
    assert_eq!(file.dataset.subjects["030201"].source.ligne, Some(74));

    // The only remark is the Sunday week start; no encoding problem.
    let remarks: Vec<(&str, Option<u32>)> = file
        .diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.code.as_str(), diagnostic.line))
        .collect();
    assert_eq!(remarks, [(codes::VALEUR_INVALIDE, Some(152))]);
    assert!(
        file.diagnostics[0].message.contains("dimanche"),
        "{}",
        file.diagnostics[0]
    );
}

#[test]
fn the_golden_fixture_round_trips() {
    let first = read_bytes(GOLDEN_NAME, golden_bytes());
    let written = write(&first.dataset);
    assert_eq!(written.name, GOLDEN_NAME);
    assert!(
        written
            .bytes
            .starts_with(b"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<STS_EDT>\n"),
        "declaration on line 1, root on line 2"
    );
    assert!(written.bytes.contains(&0xBC), "Œ written in Latin-9");

    let second = read_bytes(&written.name, written.bytes.clone());
    assert_eq!(second.dataset, first.dataset, "read → write → read");
    assert!(
        second.diagnostics.is_empty(),
        "the Sunday was written as a Monday: {:?}",
        second.diagnostics
    );
    let rewritten = write(&second.dataset);
    assert_eq!(
        rewritten.bytes, written.bytes,
        "write → read → write is byte-identical"
    );
    assert_eq!(
        write(&first.dataset).bytes,
        written.bytes,
        "writing is deterministic"
    );
}

/// The lines of a written file, trimmed, as text.
fn lines(output: &OutputFile) -> Vec<String> {
    let text = String::from_utf8(latin9_to_utf8(&output.bytes)).expect("converted to UTF-8");
    text.lines().map(|line| line.trim().to_string()).collect()
}

/// The position of `needle` among `lines`, at or after `from`.
fn position(lines: &[String], needle: &str, from: usize) -> usize {
    lines
        .iter()
        .skip(from)
        .position(|line| line == needle)
        .map(|index| index + from)
        .unwrap_or_else(|| panic!("« {needle} » not written after line {from}"))
}

#[test]
fn the_writer_follows_the_dtd_order_and_writes_required_elements() {
    let file = read_bytes(GOLDEN_NAME, golden_bytes());
    let written = lines(&write(&file.dataset));
    let in_order = |needles: &[&str]| {
        let mut from = 0;
        for needle in needles {
            from = position(&written, needle, from) + 1;
        }
    };
    in_order(&[
        "<STS_EDT>",
        "<PARAMETRES>",
        "<UAJ CODE=\"0999999Z\">",
        "<ACADEMIE>",
        "<REGION>OUEST</REGION>",
        "</ACADEMIE>",
        "<SIGLE>CLG</SIGLE>",
        "<DENOM_COMPL>SAINT-EXEMPLE DU CŒUR</DENOM_COMPL>",
        "<CODE_NATURE>340</CODE_NATURE>",
        "<ANNEE_SCOLAIRE ANNEE=\"2024\">",
        "<DATE_FIN>2025-07-05</DATE_FIN>",
        "<HORODATAGE>2024-10-14T10:15:30</HORODATAGE>",
        "<VERSION_EXPORT>11.4.2</VERSION_EXPORT>",
        "</PARAMETRES>",
        "<NOMENCLATURES>",
        "<TYPES_AHE>",
        "<CIVILITES>",
        "<MEFSTATS4>",
        "<TAUX_PONDS>",
        "<TAUX_POND TAUX=\"1.10\">",
        "<MODS_COURS>",
        "<MATIERES>",
        "<MEFS>",
        "<PROGRAMMES>",
        "<CONTRATS>",
        "<CODE>30</CODE>",
        "<CODE_GESTION>CA</CODE_GESTION>",
        "<LIBELLE_COURT>ASSOCIATION</LIBELLE_COURT>",
        "<ZONES_GEO>",
        "</NOMENCLATURES>",
        "<DONNEES>",
        "<HORAIRES>",
        "<ALTERNANCES>",
        "<DATE_DEBUT_SEMAINE>2024-09-16</DATE_DEBUT_SEMAINE>",
        "<SALLES_COURS>",
        "<SALLE_COURS CODE=\"GYM\"/>",
        "<INDIVIDUS>",
    ]);
    // Substitutes are written under SUPPLEANTS, after INDIVIDUS, TYPE after ID.
    assert!(!written.contains(&"<INDIVIDU ID=\"11223\" TYPE=\"eppsup\">".to_string()));
    in_order(&[
        "<INDIVIDUS>",
        "<INDIVIDU ID=\"67890\" TYPE=\"local\">",
        "<SEXE/>",
        "<NOM_USAGE>LEFÈVRE</NOM_USAGE>",
        "<NOM_PATRONYMIQUE/>",
        "<PRENOM>JOËL</PRENOM>",
        "<DISCIPLINES>",
        "</INDIVIDUS>",
        "<SUPPLEANTS>",
        "<SUPPLEANT ID=\"11223\" TYPE=\"eppsup\">",
        "<SERVICES_SUPPLEANTS/>",
        "</SUPPLEANTS>",
        "<STRUCTURE>",
        "<DIVISIONS>",
        "<DIVISION CODE=\"3 A\">",
        "<LIBELLE_LONG>3EME A</LIBELLE_LONG>",
        "<EFFECTIF_PREVU>25</EFFECTIF_PREVU>",
        "<EFFECTIF_CALCULE>24</EFFECTIF_CALCULE>",
        "<MEFS_APPARTENANCE>",
        "<SERVICES>",
        "<SERVICE CODE_MATIERE=\"030201\" CODE_MOD_COURS=\"CG\">",
        "<HEURES_STRUCTURE>3.50</HEURES_STRUCTURE>",
        "<CO_ENS>N</CO_ENS>",
        "<ENSEIGNANTS>",
        "<ENSEIGNANT ID=\"12345\" TYPE=\"epp\">",
        "<SERVICE CODE_MATIERE=\"020700\" CODE_MOD_COURS=\"CG\">",
        "<ENSEIGNANT ID=\"11223\" TYPE=\"eppsup\">",
        "<COMMENTAIRE>REMPLACEMENT</COMMENTAIRE>",
        "<DIVISION CODE=\"3 B\">",
        "<LIBELLE_LONG/>",
        "<SERVICES/>",
        "<CODE_CONTRAT>30</CODE_CONTRAT>",
        "</DIVISIONS>",
        "<GROUPES>",
        "<GROUPE CODE=\"3ESP2\">",
        "<EFFECTIF_MAX_EDT>32</EFFECTIF_MAX_EDT>",
        "<DIVISIONS_APPARTENANCE>",
        "<DIVISION_APPARTENANCE CODE=\"3 B\"/>",
        "<MEFS_APPARTENANCE>",
        "<SERVICES>",
        "<GROUPE CODE=\"3A TECH1\">",
        "<LIBELLE_LONG/>",
        "<ENSEIGNANT ID=\"13579\" TYPE=\"epp\"/>",
        "</GROUPES>",
        "<SOUS_SERVICES/>",
        "</STRUCTURE>",
        "<BLOC_FUTUR VERSION=\"2\">",
        "</DONNEES>",
        "<SIGNATURE>ABC123</SIGNATURE>",
        "</STS_EDT>",
    ]);
    // Whitespace-only and empty optional values are absent, not written empty.
    assert!(!written.iter().any(|line| line.starts_with("<FONCTION>  ")));
    assert!(!written.contains(&"<SPECIALITE/>".to_string()));
    assert!(!written.contains(&"<LIBELLE_EDITION/>".to_string()));
}

#[test]
fn the_demo_round_trips_byte_identically() {
    let demo = generate(&DemoParams::default());
    let written = write(&demo);
    assert_eq!(written.name, "sts_emp_0999999Z_2026.xml");
    let read = read_bytes(&written.name, written.bytes.clone());
    assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
    assert_eq!(
        write(&read.dataset).bytes,
        written.bytes,
        "write → read → write is byte-identical"
    );
    let again = read_bytes(&written.name, write(&read.dataset).bytes);
    assert_eq!(again.dataset, read.dataset, "read → write → read");

    // What sts_emp carries comes back as the demo has it.
    let back = &read.dataset;
    assert_eq!(back.establishment, demo.establishment);
    assert_eq!(back.school_year.millesime, demo.school_year.millesime);
    assert_eq!(back.school_year.bounds.start, demo.school_year.bounds.start);
    assert_eq!(back.school_year.bounds.end, demo.school_year.bounds.end);
    assert_eq!(back.subjects, demo.subjects);
    assert_eq!(back.mefs, demo.mefs);
    for list in [code_lists::COURSE_MODES, code_lists::CIVILITIES] {
        assert_eq!(back.code_lists[list], demo.code_lists[list], "{list}");
    }
    assert_eq!(back.divisions, demo.divisions);
    assert_eq!(back.groups, demo.groups);
    assert_eq!(back.timetable.day_hours, demo.timetable.day_hours);
    assert_eq!(back.timetable.alternances, demo.timetable.alternances);
    assert_eq!(back.timetable.rooms, demo.timetable.rooms);
    assert_eq!(back.staff.len(), demo.staff.len());
    assert_eq!(back.staff, demo.staff);
    assert!(back.staff.values().any(|member| member.substitute));
    // Services: the same, without the emp_sts courses, divisions first.
    let key = |service: &Service| {
        (
            service.structure.clone(),
            service.subject.clone(),
            service.course_mode.clone(),
        )
    };
    let mut expected: Vec<Service> = demo
        .services
        .iter()
        .cloned()
        .map(|mut service| {
            for teacher in &mut service.teachers {
                teacher.courses.clear();
            }
            service
        })
        .collect();
    let mut services = back.services.clone();
    expected.sort_by_key(key);
    services.sort_by_key(key);
    assert_eq!(services, expected);
    let first_group = back
        .services
        .iter()
        .position(|service| service.structure.kind == StructureKind::Groupe)
        .unwrap();
    assert!(
        back.services[first_group..]
            .iter()
            .all(|service| service.structure.kind == StructureKind::Groupe)
    );
}

#[test]
fn the_shipped_demo_file_is_what_the_writer_produces() {
    let demo = generate(&DemoParams::default());
    let written = write(&demo);
    let shipped = fixture(&format!("demo/{}", written.name));
    assert_eq!(
        fs::read(&shipped).expect("fixtures/demo holds sts_emp"),
        written.bytes,
        "regenerate with `passerelle demo fixtures/demo`"
    );
}

#[test]
fn detect_reports_the_demo_sts_emp_with_its_counts() {
    let demo = generate(&DemoParams::default());
    let folder = tempfile::tempdir().unwrap();
    let run = passerelle(&["demo", folder.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let file = folder.path().join("sts_emp_0999999Z_2026.xml");
    assert!(file.exists(), "the demo writes sts_emp: {}", run.stderr);
    let run = passerelle(&["detect", file.to_str().unwrap(), "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let detections: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let detection = &detections[0];
    assert_eq!(detection["format"], "sts-emp");
    assert_eq!(detection["uaj"], "0999999Z");
    assert_eq!(detection["annee"], 2026);
    let counts = demo.counts();
    for name in ["enseignants", "divisions", "groupes", "services"] {
        assert_eq!(detection["effectifs"][name], counts[name], "{name}");
        assert!(counts[name] > 0, "{name}");
    }
    assert_eq!(detection["effectifs"]["personnels"], demo.staff.len());
    assert!(
        detection["effectifs"].get("cours").is_none(),
        "courses are emp_sts only"
    );
}

#[test]
fn a_latin9_label_over_utf8_bytes_reads_with_encodage_and_correct_names() {
    let utf8 = String::from_utf8(latin9_to_utf8(&golden_bytes())).unwrap();
    assert!(utf8.starts_with("<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>"));
    let file = read_bytes(GOLDEN_NAME, utf8.into_bytes());
    let encodage: Vec<_> = file
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.code == codes::ENCODAGE)
        .collect();
    assert_eq!(encodage.len(), 1, "{:?}", file.diagnostics);
    assert_eq!(
        file.dataset.staff["12345"].usage_name.as_deref(),
        Some("CŒURDEROY")
    );
    assert_eq!(
        file.dataset.staff["67890"].first_name.as_deref(),
        Some("JOËL")
    );
    assert_eq!(
        file.dataset.staff["11223"].usage_name.as_deref(),
        Some("BŒUF")
    );
    assert_eq!(
        file.dataset,
        expected_golden(),
        "the same model as the real Latin-9 file"
    );

    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join(GOLDEN_NAME);
    fs::write(&path, latin9_to_utf8(&golden_bytes())).unwrap();
    let run = passerelle(&["detect", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("[ENCODAGE]"), "{}", run.stderr);
    assert!(run.stdout.contains("sts-emp"), "{}", run.stdout);
}

/// Latin-9 bytes to UTF-8, by the table (the characters where Latin-9 differs from Latin-1).
fn latin9_to_utf8(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|byte| match byte {
            0xA4 => '€',
            0xA6 => 'Š',
            0xA8 => 'š',
            0xB4 => 'Ž',
            0xB8 => 'ž',
            0xBC => 'Œ',
            0xBD => 'œ',
            0xBE => 'Ÿ',
            other => char::from(*other),
        })
        .collect::<String>()
        .into_bytes()
}

fn temp_file(folder: &Path, name: &str, content: &str) -> PathBuf {
    let path = folder.join(name);
    fs::write(&path, content).expect("the temporary file is written");
    path
}

const EDT_STS: &str = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<EDT_STS>\n  <PARAMETRES>\n    <UAJ>0999999Z</UAJ>\n    <ANNEE_SCOLAIRE>2024</ANNEE_SCOLAIRE>\n  </PARAMETRES>\n  <DONNEES/>\n</EDT_STS>\n";

#[test]
fn forcing_sts_emp_on_an_edt_sts_file_is_one_french_sentence() {
    let folder = tempfile::tempdir().unwrap();
    let path = temp_file(folder.path(), "remontee.xml", EDT_STS);
    let run = passerelle(&[
        "convert",
        path.to_str().unwrap(),
        "--from",
        "sts-emp",
        "--to",
        "json",
        "-o",
        "-",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("<STS_EDT>"), "{}", run.stderr);
    assert!(run.stderr.contains("<EDT_STS>"), "{}", run.stderr);
    assert!(run.stderr.contains("emp_sts"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn a_file_named_sts_emp_holding_edt_sts_is_reported() {
    let folder = tempfile::tempdir().unwrap();
    let path = temp_file(folder.path(), "sts_emp_0999999Z_2024.xml", EDT_STS);
    let run = passerelle(&["detect", path.to_str().unwrap()]);
    let registry = passerelle_builtin::registry().unwrap();
    if registry.get("edt-sts").is_some() {
        // The reverse dialect is read by its own format, and the name is flagged.
        assert!(run.stderr.contains("[FICHIER_INVERSE]"), "{}", run.stderr);
        assert!(run.stderr.contains("<STS_EDT>"), "{}", run.stderr);
    } else {
        // Without an edt-sts reader nothing claims it: sts-emp never does.
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("<EDT_STS>"), "{}", run.stderr);
    }
    assert!(!run.stdout.contains("sts-emp"), "{}", run.stdout);
}

#[test]
fn a_file_named_emp_sts_holding_sts_edt_is_read_and_flagged_fichier_inverse() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("EMP_STS_0999999Z_2024.xml");
    fs::write(&path, golden_bytes()).unwrap();
    let run = passerelle(&["detect", path.to_str().unwrap()]);
    assert!(run.stdout.contains("sts-emp"), "{}", run.stdout);
    let inverse: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.contains("[FICHIER_INVERSE]"))
        .collect();
    assert_eq!(inverse.len(), 1, "{}", run.stderr);
    assert!(inverse[0].contains("devrait être"), "{}", inverse[0]);
}

#[test]
fn the_independent_sample_reads_and_round_trips() {
    let Some(folder) = shared_sample() else {
        eprintln!("independent sample absent: skipped");
        return;
    };
    let path = folder.join("sts_emp_0999990A_2025.xml");
    let first = read_bytes("sts_emp_0999990A_2025.xml", fs::read(&path).unwrap());
    assert_eq!(first.format, "sts-emp");
    assert!(first.diagnostics.is_empty(), "{:?}", first.diagnostics);
    let dataset = &first.dataset;
    assert_eq!(dataset.establishment.uaj, "0999990A");
    assert_eq!(dataset.school_year.millesime, Some(2025));
    assert_eq!(dataset.school_year.bounds.start, Some(date(2025, 9, 1)));
    assert_eq!(dataset.staff.len(), 23);
    let substitutes: Vec<&str> = dataset
        .staff
        .values()
        .filter(|member| member.substitute)
        .map(|member| member.id.as_str())
        .collect();
    assert_eq!(substitutes, ["12679"]);
    assert_eq!(dataset.staff["12679"].first_name.as_deref(), Some("MAËLYS"));
    assert_eq!(dataset.divisions.len(), 8);
    assert_eq!(dataset.groups.len(), 23);
    assert_eq!(dataset.services.len(), 89);
    let french = &dataset.groups["6FRA1"];
    let divisions: Vec<&str> = french.divisions.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(divisions, ["6 A", "61"]);
    assert_eq!(french.mefs.len(), 2);
    assert_eq!(
        dataset.subjects["020100"].management_code.as_deref(),
        Some("FRANC"),
        "padded value trimmed"
    );
    // The sample writes its services in document order: they stay in it.
    assert_eq!(dataset.services[0].structure.code, "6 A");

    let written = write(dataset);
    assert_eq!(written.name, "sts_emp_0999990A_2025.xml");
    let second = read_bytes(&written.name, written.bytes.clone());
    assert_eq!(&second.dataset, dataset, "read → write → read");
    assert_eq!(
        write(&second.dataset).bytes,
        written.bytes,
        "write → read → write"
    );
}

#[test]
fn the_writer_names_the_missing_data() {
    let mut dataset = generate(&DemoParams {
        students: 4,
        ..DemoParams::default()
    });
    dataset.school_year.millesime = None;
    let error = format()
        .write(&dataset, &WriteOptions::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("année scolaire"), "{error}");
    dataset.establishment.uaj = "  ".into();
    let error = format()
        .write(&dataset, &WriteOptions::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("UAJ"), "{error}");
}
