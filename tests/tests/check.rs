//! `passerelle check`: establishments, the JSON and human reports, exit codes.
//!
//! Until the format readers are linked, inputs are passerelle JSON dumps of single files
//! (`convert sts_emp.xml --to json` gives one): a dump whose one `FileInfo` names a format
//! stands for a file of that format. Named `*.xml`, they are candidates in folders too
//! (detection goes by content).

use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use passerelle_core::json_format::to_json;
use passerelle_core::model::{
    Dataset, Division, DivisionAttachment, FileInfo, Group, Service, ServiceTeacher, Source,
    StaffMember, StructureKind, StructureRef, Student, Subject,
};

use crate::passerelle;

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a valid date")
}

/// Writes a JSON dump standing for a file `name` of `format`, declaring this UAJ and year.
fn stand_in(
    folder: &Path,
    name: &str,
    format: &str,
    uaj: &str,
    annee: i32,
    fill: impl FnOnce(&mut Dataset, &Maker),
) -> PathBuf {
    let mut dataset = Dataset::new(uaj, Some(annee));
    dataset.files.push(FileInfo {
        fichier: name.into(),
        format: format.into(),
        uaj: Some(uaj.into()),
        annee: Some(annee),
        ..FileInfo::default()
    });
    fill(&mut dataset, &Maker { file: name.into() });
    let path = folder.join(name);
    fs::write(&path, to_json(&dataset)).expect("temporary folder");
    path
}

/// Builds entities read from one file, at given lines.
struct Maker {
    file: String,
}

impl Maker {
    fn at(&self, line: u32) -> Source {
        Source::new(self.file.clone(), Some(line))
    }

    fn division(&self, code: &str, line: u32) -> (String, Division) {
        (
            code.into(),
            Division {
                code: code.into(),
                source: self.at(line),
                ..Division::default()
            },
        )
    }

    fn group(&self, code: &str, divisions: &[&str], line: u32) -> (String, Group) {
        (
            code.into(),
            Group {
                code: code.into(),
                divisions: divisions
                    .iter()
                    .map(|division| DivisionAttachment {
                        code: (*division).into(),
                        ..DivisionAttachment::default()
                    })
                    .collect(),
                source: self.at(line),
                ..Group::default()
            },
        )
    }

    fn service(
        &self,
        kind: StructureKind,
        structure: &str,
        subject: &str,
        teacher: &str,
    ) -> Service {
        Service {
            structure: StructureRef {
                kind,
                code: structure.into(),
            },
            subject: subject.into(),
            teachers: vec![ServiceTeacher {
                id: teacher.into(),
                ..ServiceTeacher::default()
            }],
            source: self.at(90),
            ..Service::default()
        }
    }

    fn staff(&self, id: &str, name: &str, function: Option<&str>) -> (String, StaffMember) {
        (
            id.into(),
            StaffMember {
                id: id.into(),
                usage_name: Some(name.into()),
                first_name: Some("Anne".into()),
                function: function.map(str::to_string),
                source: self.at(20),
                ..StaffMember::default()
            },
        )
    }
}

/// An `sts_emp` with one division taught by one teacher: nothing to say about it.
fn one_service(dataset: &mut Dataset, make: &Maker) {
    dataset
        .staff
        .extend([make.staff("1", "EXEMPLE", Some("ENS"))]);
    dataset.divisions.extend([make.division("3 A", 3)]);
    dataset.services = vec![make.service(StructureKind::Division, "3 A", "030201", "1")];
}

/// A small establishment with a few anomalies of every synchronisation but 5.
fn small_establishment(folder: &Path) -> Vec<PathBuf> {
    let sts = stand_in(
        folder,
        "sts_emp_0999999Z_2025.xml",
        "sts-emp",
        "0999999Z",
        2025,
        |dataset, make| {
            dataset.school_year.bounds.start = Some(day(2025, 9, 1));
            dataset.school_year.bounds.end = Some(day(2026, 7, 4));
            dataset.subjects.insert(
                "030201".into(),
                Subject {
                    code: "030201".into(),
                    ..Subject::default()
                },
            );
            dataset.staff.extend([
                make.staff("12345", "EXEMPLE", Some("ENS")),
                make.staff("12346", "MODELE", None),
            ]);
            dataset
                .divisions
                .extend([make.division("3 A", 30), make.division("3 B", 40)]);
            dataset.groups.extend([
                make.group("3ESP2", &["3 A", "3 B"], 50),
                make.group("AS", &[], 60),
            ]);
            dataset.services = vec![
                make.service(StructureKind::Division, "3 A", "030201", "12345"),
                make.service(StructureKind::Groupe, "3ESP2", "030201", "12346"),
            ];
        },
    );
    let emp = stand_in(
        folder,
        "emp_sts_0999999Z_2025.xml",
        "edt-sts",
        "0999999Z",
        2025,
        |dataset, make| {
            dataset.divisions.extend([make.division("3A", 12)]);
            dataset
                .groups
                .extend([make.group("3CHORALE", &["3 B"], 14)]);
            dataset.services = vec![make.service(StructureKind::Division, "3A", "030202", "77777")];
        },
    );
    let structures = stand_in(
        folder,
        "Structures.xml",
        "siecle-structures",
        "0999999Z",
        2025,
        |dataset, make| {
            dataset
                .divisions
                .extend([make.division("3 A", 5), make.division("3 B", 9)]);
            dataset.groups.extend([
                make.group("3ESP2", &["3 A"], 13),
                make.group("3LATIN", &["3 A"], 17),
            ]);
        },
    );
    let students = stand_in(
        folder,
        "ElevesSansAdresses.xml",
        "siecle-eleves",
        "0999999Z",
        2025,
        |dataset, make| {
            dataset.reference_date = Some(day(2025, 10, 14));
            for index in 0..14u32 {
                let id = format!("10{index:02}");
                let student = Student {
                    eleve_id: id.clone(),
                    ine: match index {
                        0 | 1 => Some("123456789AA".into()),
                        2 => Some("123456789AB".into()),
                        _ => None,
                    },
                    family_name: Some("EXEMPLE".into()),
                    first_name: Some(format!("Élève{index}")),
                    division: Some("3 A".into()),
                    leaving_date: (index == 2).then(|| day(2025, 9, 30)),
                    source: make.at(100 + index * 10),
                    ..Student::default()
                };
                dataset.students.insert(id, student);
            }
        },
    );
    let nomenclature = stand_in(
        folder,
        "Nomenclature.xml",
        "siecle-nomenclatures",
        "0999998Y",
        2025,
        |_, _| {},
    );
    vec![sts, emp, structures, students, nomenclature]
}

fn run_check(args: &[&str], paths: &[PathBuf]) -> passerelle_tests::Run {
    let mut all: Vec<String> = vec!["check".into()];
    all.extend(args.iter().map(|arg| arg.to_string()));
    all.extend(paths.iter().map(|path| path.display().to_string()));
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    passerelle(&refs)
}

fn json(run: &passerelle_tests::Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|error| panic!("{error}: {}", run.stdout))
}

#[test]
fn the_json_report_has_the_documented_shape_and_order() {
    let folder = tempfile::tempdir().unwrap();
    let paths = small_establishment(folder.path());
    let run = run_check(&["--json"], &paths);
    assert_eq!(run.code, 1, "errors were found: {}", run.stderr);
    let report = json(&run);
    let keys = |value: &serde_json::Value| -> Vec<String> {
        value.as_object().unwrap().keys().cloned().collect()
    };
    assert_eq!(keys(&report), ["etablissements", "ignores", "resume"]);
    let establishment = &report["etablissements"][0];
    assert_eq!(
        keys(establishment),
        [
            "uaj",
            "annee",
            "dossier",
            "fichiers",
            "ignores",
            "anomalies",
            "resume"
        ]
    );
    assert_eq!(establishment["uaj"], "0999999Z");
    assert_eq!(establishment["annee"], 2025);
    assert_eq!(establishment["dossier"], ".");
    assert_eq!(
        keys(&establishment["fichiers"][0]),
        ["fichier", "format", "version"]
    );
    let anomalies = establishment["anomalies"].as_array().unwrap();
    let first = &anomalies[0];
    assert_eq!(
        keys(first),
        [
            "code",
            "severite",
            "synchro",
            "message",
            "correction",
            "fichier",
            "objet"
        ]
    );
    let sort_key = |anomaly: &serde_json::Value| {
        (
            anomaly["synchro"].as_u64().unwrap(),
            anomaly["code"].as_str().unwrap().to_string(),
            anomaly["objet"].to_string(),
        )
    };
    let keys_in_order: Vec<_> = anomalies.iter().map(sort_key).collect();
    let mut sorted = keys_in_order.clone();
    sorted.sort();
    assert_eq!(keys_in_order, sorted, "sorted by (synchro, code, objet)");
    let located = anomalies
        .iter()
        .find(|anomaly| anomaly["code"] == "STRUCTURE_ABSENTE_SIECLE")
        .unwrap();
    assert_eq!(located["ligne"], 60);
    assert_eq!(located["fichier"], "sts_emp_0999999Z_2025.xml");
    assert_eq!(located["objet"], serde_json::json!({"groupe": "AS"}));
    let mut counts = [0, 0, 0];
    for anomaly in anomalies {
        let index = ["error", "warning", "info"]
            .iter()
            .position(|severity| anomaly["severite"] == *severity)
            .unwrap();
        counts[index] += 1;
    }
    assert_eq!(
        establishment["resume"],
        serde_json::json!({"error": counts[0], "warning": counts[1], "info": counts[2]})
    );
    assert_eq!(report["resume"], establishment["resume"]);
    let again = run_check(&["--json"], &paths);
    assert_eq!(again.stdout, run.stdout, "two runs are byte-identical");
}

#[test]
fn the_small_establishment_report_snapshots() {
    let folder = tempfile::tempdir().unwrap();
    let paths = small_establishment(folder.path());
    let human = run_check(&[], &paths);
    assert_eq!(human.code, 1);
    assert!(!human.stdout.contains('\u{1b}'), "no colour off a terminal");
    insta::assert_snapshot!("check_small_human", human.stdout);
    let all = run_check(&["--tout"], &paths);
    assert!(
        all.stdout.contains("INE_ABSENT : 11 anomalies"),
        "{}",
        all.stdout
    );
    assert!(!all.stdout.contains("--tout pour tout afficher"));
    let report = json(&run_check(&["--json"], &paths));
    insta::assert_json_snapshot!("check_small_json", report);
}

#[test]
fn a_folder_with_two_schools_gives_two_sections_without_cross_talk() {
    let root = tempfile::tempdir().unwrap();
    let academie = root.path().join("academie");
    let (a, b) = (academie.join("college-a"), academie.join("college-b"));
    fs::create_dir_all(&a).unwrap();
    fs::create_dir_all(&b).unwrap();
    fs::write(academie.join("LISEZMOI.txt"), "lot").unwrap();
    stand_in(
        &a,
        "sts_emp_0999999Z_2025.xml",
        "sts-emp",
        "0999999Z",
        2025,
        one_service,
    );
    stand_in(
        &a,
        "Structures.xml",
        "siecle-structures",
        "0999999Z",
        2025,
        |dataset, make| dataset.divisions.extend([make.division("3 A", 3)]),
    );
    stand_in(
        &b,
        "sts_emp_0999998Y_2025.xml",
        "sts-emp",
        "0999998Y",
        2025,
        |dataset, make| {
            dataset.divisions.extend([make.division("6 A", 3)]);
        },
    );
    fs::write(b.join("manifest.json"), "{}").unwrap();
    let run = run_check(&["--json"], std::slice::from_ref(&academie));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = json(&run);
    let establishments = report["etablissements"].as_array().unwrap();
    assert_eq!(establishments.len(), 2);
    let shown = academie.display().to_string();
    assert_eq!(establishments[0]["dossier"], format!("{shown}/college-a"));
    assert_eq!(establishments[1]["dossier"], format!("{shown}/college-b"));
    assert_eq!(establishments[0]["uaj"], "0999999Z");
    assert_eq!(establishments[1]["uaj"], "0999998Y");
    assert_eq!(establishments[0]["anomalies"], serde_json::json!([]));
    assert_eq!(
        establishments[1]["ignores"],
        serde_json::json!(["manifest.json"])
    );
    let second: Vec<&str> = establishments[1]["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|anomaly| anomaly["code"].as_str().unwrap())
        .collect();
    assert_eq!(second, ["FICHIER_MANQUANT", "SERVICES_ABSENTS"]);
    assert_eq!(
        report["ignores"],
        serde_json::json!([format!("{shown}/LISEZMOI.txt")])
    );
    let human = run_check(&[], std::slice::from_ref(&academie));
    assert_eq!(
        human.stdout.matches("Établissement ").count(),
        2,
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("Au total : 2 établissements"),
        "{}",
        human.stdout
    );
}

#[test]
fn files_of_two_uaj_in_one_folder_give_uaj_differents() {
    let folder = tempfile::tempdir().unwrap();
    stand_in(
        folder.path(),
        "ElevesSansAdresses.xml",
        "siecle-eleves",
        "0999999Z",
        2025,
        |_, _| {},
    );
    stand_in(
        folder.path(),
        "sts_emp_0999998Y_2025.xml",
        "sts-emp",
        "0999998Y",
        2025,
        |_, _| {},
    );
    let run = run_check(&["--json"], &[folder.path().to_path_buf()]);
    assert_eq!(run.code, 1);
    let report = json(&run);
    let anomalies = report["etablissements"][0]["anomalies"].as_array().unwrap();
    let uaj = anomalies
        .iter()
        .find(|anomaly| anomaly["code"] == "UAJ_DIFFERENTS")
        .expect("UAJ_DIFFERENTS");
    assert_eq!(
        uaj["objet"],
        serde_json::json!({"fichier": "sts_emp_0999998Y_2025.xml", "uaj": "0999998Y"})
    );
    assert_eq!(uaj["severite"], "error");
    assert_eq!(uaj["synchro"], 0);
    // --uaj decides the reference: the students file is then the odd one out.
    let forced = json(&run_check(
        &["--json", "--uaj", "0999998y"],
        &[folder.path().to_path_buf()],
    ));
    let odd: Vec<&serde_json::Value> = forced["etablissements"][0]["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|anomaly| anomaly["code"] == "UAJ_DIFFERENTS")
        .map(|anomaly| &anomaly["objet"]["fichier"])
        .collect();
    assert_eq!(odd, [&serde_json::json!("ElevesSansAdresses.xml")]);
}

#[test]
fn exit_status_is_0_without_error_1_with_errors_2_on_usage_or_missing_paths() {
    let folder = tempfile::tempdir().unwrap();
    let clean = stand_in(
        folder.path(),
        "sts_emp_0999999Z_2025.xml",
        "sts-emp",
        "0999999Z",
        2025,
        one_service,
    );
    let run = run_check(&[], std::slice::from_ref(&clean));
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("Vérifications non faites"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Bilan : 0 erreur, 0 avertissement, 1 info."),
        "{}",
        run.stdout
    );

    let broken = folder.path().join("Abime.xml");
    fs::write(&broken, "<?xml version=\"1.0\"?>\n<BEE_ELEVES\n<\n").unwrap();
    let run = run_check(&["--json"], &[clean.clone(), broken]);
    assert_eq!(
        run.code, 1,
        "a file opened but refused is an anomaly, exit 1"
    );
    let report = json(&run);
    assert!(
        report["etablissements"][0]["anomalies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|anomaly| anomaly["code"] == "XML_INVALIDE" && anomaly["ligne"] == 2),
        "{report}"
    );

    for (args, expected) in [
        (vec!["check", "/nulle/part/absent.xml"], "n'existe pas"),
        (vec!["check", "--uaj", "12", "x"], "n'est pas une UAJ"),
        (vec!["check", "--annee", "deux", "x"], "n'est pas une année"),
        (vec!["check", "--date", "2025-10-14", "x"], "JJ/MM/AAAA"),
        (
            vec!["check", "--debut", "01/09/2026", "--fin", "01/07/2026", "x"],
            "commence après sa fin",
        ),
        (
            vec!["check", "--correspondances", "/nulle/part.csv", "x"],
            "n'existe pas",
        ),
        (vec!["check"], "ENTREE"),
    ] {
        let run = passerelle(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn the_shipped_demo_is_clean() {
    let run = passerelle(&[
        "check",
        "--json",
        passerelle_tests::fixture("demo").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = json(&run);
    assert_eq!(report["resume"]["error"], 0, "{report}");
    assert_eq!(report["resume"]["warning"], 0, "{report}");
}

#[test]
fn check_finds_exactly_what_the_anomalies_demo_plants() {
    let registry = passerelle_builtin::registry().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let plants = passerelle_core::demo_anomalies::write_demo_anomalies(&registry, folder.path())
        .expect("every writer is linked");
    let report = json(&run_check(&["--json"], &[folder.path().to_path_buf()]));
    let mut found: Vec<(String, String, serde_json::Value)> = Vec::new();
    for establishment in report["etablissements"].as_array().unwrap() {
        let dossier = establishment["dossier"].as_str().unwrap();
        let dossier = dossier.rsplit('/').next().unwrap().to_string();
        for anomaly in establishment["anomalies"].as_array().unwrap() {
            found.push((
                dossier.clone(),
                anomaly["code"].as_str().unwrap().to_string(),
                anomaly["objet"].clone(),
            ));
        }
    }
    let mut expected: Vec<(String, String, serde_json::Value)> = plants
        .iter()
        .map(|plant| {
            (
                plant.dossier.to_string(),
                plant.code.to_string(),
                serde_json::to_value(&plant.objet).unwrap(),
            )
        })
        .collect();
    let key = |entry: &(String, String, serde_json::Value)| {
        (entry.0.clone(), entry.1.clone(), entry.2.to_string())
    };
    found.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(found, expected);
    // The fixture shipped in fixtures/ is this very generation.
    let fixture = passerelle_tests::fixture("demo-anomalies");
    assert!(fixture.is_dir(), "fixtures/demo-anomalies is shipped");
    for sub in ["college", "annexe"] {
        let mut names: Vec<String> = fs::read_dir(folder.path().join(sub))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in names {
            assert_eq!(
                fs::read(folder.path().join(sub).join(&name)).unwrap(),
                fs::read(fixture.join(sub).join(&name)).unwrap(),
                "fixtures/demo-anomalies/{sub}/{name} is out of date: regenerate it with \
                 `passerelle demo fixtures/demo-anomalies --anomalies`"
            );
        }
    }
    let relative = "../fixtures/demo-anomalies";
    let human = passerelle(&["check", relative]);
    assert_eq!(human.code, 1);
    insta::assert_snapshot!("check_demo_anomalies_human", human.stdout);
    let json = passerelle(&["check", "--json", relative]);
    insta::assert_snapshot!("check_demo_anomalies_json", json.stdout);
}
