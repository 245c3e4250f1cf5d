//! Property tests: generated establishments survive write → read in every format, and no
//! input — arbitrary bytes, or a valid file with bytes flipped, cut or inserted — makes a
//! reader, the detection or `check` panic.
//!
//! Short in CI: a few cases each, from a fixed seed, so that a run is the same every time.
//! `PROPTEST_CASES=1000` runs more; `PROPTEST_RNG_SEED=N` explores other inputs.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use passerelle_core::checks::run::{CheckOptions, check_establishment};
use passerelle_core::demo::{DemoParams, demo_timestamp, generate};
use passerelle_core::detect::{ProbedFile, detect, read_with};
use passerelle_core::format::{OutputFile, ReadOptions, Registry, WriteOptions};
use passerelle_core::input::{InputFile, Limits, LoadedInputs, read_zip};
use passerelle_core::model::Dataset;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed};

/// Cases per property when `PROPTEST_CASES` is not set.
const CI_CASES: u32 = 6;
/// Seed when `PROPTEST_RNG_SEED` is not set.
const CI_SEED: u64 = 0x00E5_7AB1_15E0;

/// Few cases from a fixed seed, unless the environment asks otherwise; no regression files
/// written into the source tree.
fn config(cases: u32) -> Config {
    let from_environment = Config::default();
    Config {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            from_environment.cases
        } else {
            cases
        },
        rng_seed: if std::env::var_os("PROPTEST_RNG_SEED").is_some() {
            from_environment.rng_seed
        } else {
            RngSeed::Fixed(CI_SEED)
        },
        failure_persistence: None,
        ..from_environment
    }
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| passerelle_builtin::registry().expect("the built-in registry"))
}

/// A name as admins type them: accents, Œ, apostrophes (straight and curly), hyphens, inner
/// spaces, the characters XML escapes, and a few characters Latin-9 lacks (written `&#N;`).
/// Never blank, never padded: a reader trims values and takes blank for absent.
fn name() -> impl Strategy<Value = String> {
    let edge = "[A-Za-zéèêàâîôûçÉÈÊÀÂÎÔÛÇŒœ'’&<>\"łğ€-]";
    let inner = "[A-Za-zéèêëàâäîïôöùûüçÉÈÊÀÂÎÔÙÛÇŒœ '’&<>\"łğ€-]";
    proptest::string::string_regex(&format!("{edge}({inner}{{0,18}}{edge})?"))
        .expect("a valid pattern")
}

/// A name, or none (the field left empty).
fn maybe_name() -> impl Strategy<Value = Option<String>> {
    prop_oneof![9 => name().prop_map(Some), 1 => Just(None)]
}

/// A demo establishment with its names replaced by generated ones.
fn establishment() -> impl Strategy<Value = Dataset> {
    (
        any::<u64>(),
        1usize..40,
        proptest::collection::vec(maybe_name(), 8..24),
    )
        .prop_map(|(seed, students, names)| {
            let mut dataset = generate(&DemoParams {
                students,
                seed,
                ..DemoParams::default()
            });
            let mut next = names.iter().cycle().cloned();
            let mut take = || next.next().flatten();
            for student in dataset.students.values_mut() {
                student.family_name = take().or(student.family_name.take());
                student.first_name = take();
            }
            for member in dataset.staff.values_mut() {
                member.usage_name = take();
                member.first_name = take();
            }
            for subject in dataset.subjects.values_mut() {
                subject.long_label = take();
            }
            for division in dataset.divisions.values_mut() {
                division.label = take();
            }
            for group in dataset.groups.values_mut() {
                group.label = take();
            }
            for guardian in dataset.guardians.values_mut() {
                guardian.family_name = take();
                guardian.first_name = take();
            }
            dataset.establishment.name = take();
            dataset
        })
}

/// The member of a zip, or the file itself, as an input named like the written file.
fn as_input(output: &OutputFile) -> InputFile {
    if output.bytes.starts_with(b"PK") {
        let (mut members, _) = read_zip(
            &output.name,
            output.name.as_ref(),
            &output.bytes,
            &Limits::default(),
        )
        .expect("a zip passerelle wrote");
        members.remove(0)
    } else {
        InputFile {
            name: output.name.clone(),
            disk_path: output.name.clone().into(),
            bytes: output.bytes.clone(),
        }
    }
}

/// Writes with the generation time of the demo `timed` (a dataset read from a file may not
/// carry the date it is computed from).
fn write_at(format: &str, dataset: &Dataset, timed: &Dataset) -> OutputFile {
    let options = WriteOptions {
        timestamp: Some(demo_timestamp(timed)),
        ..WriteOptions::default()
    };
    let mut outputs = registry()
        .get(format)
        .expect("a registered format")
        .write(dataset, &options)
        .unwrap_or_else(|error| panic!("{format}: {error}"));
    outputs.remove(0)
}

fn write(format: &str, dataset: &Dataset) -> OutputFile {
    write_at(format, dataset, dataset)
}

fn read(format: &str, output: &OutputFile) -> Dataset {
    let input = as_input(output);
    let probed = ProbedFile::new(&input);
    let detected = detect(registry(), &probed).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(detected.id(), format, "{format} is detected as itself");
    read_with(detected, &probed, &ReadOptions::default())
        .unwrap_or_else(|error| panic!("{format}: {error}"))
        .dataset
}

/// A reading without the file names (the writer names its file; only the name may differ
/// between two readings).
fn unnamed(mut dataset: Dataset) -> Dataset {
    dataset
        .files
        .iter_mut()
        .for_each(|file| file.fichier.clear());
    dataset
}

type Projection = Vec<(String, Option<String>)>;

/// The generated values a format carries, by entity.
fn carried(format: &str, dataset: &Dataset) -> Projection {
    let mut found = Projection::new();
    let mut add = |key: String, value: &Option<String>| found.push((key, value.clone()));
    match format {
        "sts-emp" => {
            for (id, member) in &dataset.staff {
                add(format!("{id} nom"), &member.usage_name);
                add(format!("{id} prénom"), &member.first_name);
            }
            for (code, subject) in &dataset.subjects {
                add(code.clone(), &subject.long_label);
            }
            for (code, division) in &dataset.divisions {
                add(code.clone(), &division.label);
            }
        }
        "edt-sts" | "siecle-structures" => {
            for (code, group) in &dataset.groups {
                add(code.clone(), &group.label);
            }
            if format == "siecle-structures" {
                for (code, division) in &dataset.divisions {
                    add(code.clone(), &division.label);
                }
            }
        }
        "siecle-eleves" => {
            for (id, student) in &dataset.students {
                add(format!("{id} nom"), &student.family_name);
                add(format!("{id} prénom"), &student.first_name);
            }
        }
        "siecle-responsables" => {
            for (id, guardian) in &dataset.guardians {
                add(format!("{id} nom"), &guardian.family_name);
                add(format!("{id} prénom"), &guardian.first_name);
            }
        }
        "siecle-nomenclatures" => {
            for (code, subject) in &dataset.subjects {
                add(code.clone(), &subject.long_label);
            }
        }
        "siecle-communs" => add("nom".into(), &dataset.establishment.name),
        _ => {}
    }
    found
}

/// The names of the students a list export or a liens file carries with their groups.
fn membership_names(dataset: &Dataset) -> BTreeSet<String> {
    dataset
        .memberships
        .iter()
        .flat_map(|membership| {
            let student = &membership.student;
            [
                &student.family_name,
                &student.usage_name,
                &student.first_name,
            ]
        })
        .flatten()
        .cloned()
        .collect()
}

fn student_names(dataset: &Dataset) -> BTreeSet<String> {
    dataset
        .students
        .values()
        .flat_map(|student| {
            [
                &student.family_name,
                &student.usage_name,
                &student.first_name,
            ]
        })
        .flatten()
        .cloned()
        .collect()
}

/// Every format with a writer: the file read back carries the generated values unchanged, and
/// writing what was read gives the same bytes and the same reading.
fn survives_every_writer(dataset: &Dataset) {
    let writers: Vec<&str> = registry()
        .iter()
        .filter(|format| format.can_write() && format.can_read())
        .map(|format| format.id())
        .collect();
    assert!(writers.len() >= 10, "{writers:?}");
    for format in writers {
        let first = write(format, dataset);
        let read_once = read(format, &first);
        match format {
            "json" => {
                let mut expected = dataset.clone();
                expected.files.clear();
                let mut found = read_once.clone();
                found.files.clear();
                assert!(found == expected, "json: the dataset itself");
            }
            "edt-table" | "pronote-liens" => {
                let names = membership_names(&read_once);
                assert!(!names.is_empty(), "{format}: names carried");
                let known = student_names(dataset);
                let missing: Vec<&String> = names.difference(&known).collect();
                assert!(missing.is_empty(), "{format}: names changed {missing:?}");
            }
            _ => {
                let expected = carried(format, dataset);
                assert!(!expected.is_empty(), "{format} carries generated values");
                assert_eq!(carried(format, &read_once), expected, "{format}");
            }
        }
        let second = write_at(format, &read_once, dataset);
        assert!(
            second.bytes == first.bytes,
            "{format}: write → read → write gives the same bytes"
        );
        assert!(
            unnamed(read(format, &second)) == unnamed(read_once),
            "{format}: read again"
        );
    }
}

proptest! {
    #![proptest_config(config(CI_CASES))]

    #[test]
    fn generated_establishments_survive_every_writer(dataset in establishment()) {
        survives_every_writer(&dataset);
    }
}

/// Reads an input every way passerelle can: detection, every reader whatever detection says,
/// and `check`. Only a panic fails; every refusal is an answer.
fn read_every_way(input: &InputFile) {
    let registry = registry();
    let probed = ProbedFile::new(input);
    let _ = detect(registry, &probed);
    for format in registry.iter().filter(|format| format.can_read()) {
        let _ = read_with(format, &probed, &ReadOptions::default());
    }
    let loaded = LoadedInputs {
        files: vec![input.clone()],
        ..LoadedInputs::default()
    };
    let report = check_establishment(registry, ".", loaded, &CheckOptions::default());
    // A file given alone is read, or refused as an anomaly of its own.
    assert!(report.fichiers.len() + report.anomalies.len() > 0);
}

/// Limits small enough for a mutated zip to stay cheap.
const SMALL: Limits = Limits {
    max_file_size: 1 << 20,
    max_zip_inflated: 4 << 20,
    max_zip_entries: 64,
};

/// Opens bytes as a zip when they look like one, then reads every member every way.
fn open_every_way(name: &str, bytes: &[u8]) {
    if bytes.starts_with(b"PK") {
        if let Ok((members, _)) = read_zip(name, name.as_ref(), bytes, &SMALL) {
            members.iter().for_each(read_every_way);
        }
        return;
    }
    read_every_way(&InputFile {
        name: name.to_string(),
        disk_path: name.into(),
        bytes: bytes.to_vec(),
    });
}

/// One file of every format, written from a small demo (zips as written).
fn valid_files() -> &'static [OutputFile] {
    static FILES: OnceLock<Vec<OutputFile>> = OnceLock::new();
    FILES.get_or_init(|| {
        let demo = generate(&DemoParams {
            students: 12,
            ..DemoParams::default()
        });
        registry()
            .iter()
            .filter(|format| format.can_write())
            .map(|format| write(format.id(), &demo))
            .collect()
    })
}

/// A change to a file: positions are fractions of its length, so that they fit any file.
#[derive(Clone, Debug)]
enum Mutation {
    Flip { at: u16, byte: u8 },
    Truncate { at: u16 },
    Insert { at: u16, bytes: Vec<u8> },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<u16>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip { at, byte }),
        1 => any::<u16>().prop_map(|at| Mutation::Truncate { at }),
        2 => (
            any::<u16>(),
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 1..16),
                Just(b"<X>".to_vec()),
                Just(b"</".to_vec()),
                Just(b"&amp".to_vec()),
                Just(b"<!ENTITY a \"b\">".to_vec()),
                Just("é".as_bytes().to_vec()),
                Just(vec![0]),
            ]
        )
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let position = |at: u16| usize::from(at) * bytes.len() / (usize::from(u16::MAX) + 1);
    match mutation {
        Mutation::Flip { at, byte } => {
            let index = position(*at);
            if let Some(slot) = bytes.get_mut(index) {
                *slot = *byte;
            }
        }
        Mutation::Truncate { at } => bytes.truncate(position(*at)),
        Mutation::Insert {
            at,
            bytes: inserted,
        } => {
            let index = position(*at);
            bytes.splice(index..index, inserted.iter().copied());
        }
    }
}

proptest! {
    #![proptest_config(config(CI_CASES * 8))]

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..512),
            // Bytes behind a plausible start, so that they reach the XML and CSV readers.
            proptest::collection::vec(any::<u8>(), 0..512).prop_map(|tail| {
                [b"<?xml version=\"1.0\"?>\n<STS_EDT>".as_slice(), &tail].concat()
            }),
            proptest::collection::vec(any::<u8>(), 0..512).prop_map(|tail| {
                [b"NOM;PRENOM;CLASSE\n".as_slice(), &tail].concat()
            }),
        ],
        extension in prop_oneof![Just("xml"), Just("csv"), Just("zip")],
    ) {
        open_every_way(&format!("quelconque.{extension}"), &bytes);
    }

    #[test]
    fn mutated_valid_files_never_panic(
        index in any::<prop::sample::Index>(),
        mutations in proptest::collection::vec(mutation(), 1..5),
        inside_the_zip in any::<bool>(),
    ) {
        let files = valid_files();
        let file = &files[index.index(files.len())];
        if inside_the_zip && file.bytes.starts_with(b"PK") {
            // The member damaged, not the archive.
            let mut member = as_input(file);
            for change in &mutations {
                apply(&mut member.bytes, change);
            }
            read_every_way(&member);
        } else {
            let mut bytes = file.bytes.clone();
            for change in &mutations {
                apply(&mut bytes, change);
            }
            open_every_way(&file.name, &bytes);
        }
    }
}
