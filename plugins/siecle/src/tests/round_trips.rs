//! The demo establishment written and read back, and the independent sample establishment.

use std::collections::BTreeSet;
use std::path::Path;

use passerelle_core::demo::{DemoParams, demo_timestamp, generate};
use passerelle_core::format::WriteOptions;
use passerelle_core::input::{Limits, load_paths};
use passerelle_core::model::Dataset;

use super::*;

const WRITERS: [&str; 5] = [
    "siecle-communs",
    "siecle-eleves",
    "siecle-nomenclatures",
    "siecle-responsables",
    "siecle-structures",
];

fn demo_options(demo: &Dataset) -> WriteOptions {
    WriteOptions {
        timestamp: Some(demo_timestamp(demo)),
        ..WriteOptions::default()
    }
}

#[test]
fn the_demo_is_written_read_and_written_again_identically() {
    let demo = generate(&DemoParams::default());
    let options = demo_options(&demo);
    for format in WRITERS {
        let first = write(format, &demo, &options);
        let read = read_output(&first[0]);
        assert_eq!(read.format, format);
        assert!(
            read.diagnostics.is_empty(),
            "{format}: {:?}",
            read.diagnostics
        );
        let second = write(format, &read.dataset, &options);
        assert_eq!(
            second, first,
            "{format}: write → read → write changes the bytes"
        );
    }
}

fn codes<'a>(items: impl IntoIterator<Item = &'a String>) -> Vec<&'a str> {
    items.into_iter().map(String::as_str).collect()
}

#[test]
fn the_demo_s_siecle_files_read_back_to_the_demo() {
    let demo = generate(&DemoParams::default());
    let options = demo_options(&demo);
    let read = |format: &str| read_output(&write(format, &demo, &options)[0]).dataset;

    let students = read("siecle-eleves");
    assert_eq!(students.students, demo.students);
    assert_eq!(students.reference_date, demo.reference_date);
    assert_eq!(
        students.present_students().count(),
        demo.present_students().count()
    );
    let groups = |dataset: &Dataset| -> BTreeSet<(String, String)> {
        dataset
            .memberships
            .iter()
            .map(|m| (m.student.eleve_id.clone().unwrap(), m.group.clone()))
            .collect()
    };
    assert_eq!(groups(&students), groups(&demo));

    let guardians = read("siecle-responsables");
    assert_eq!(guardians.guardians, demo.guardians);
    assert_eq!(guardians.guardian_links, demo.guardian_links);
    assert_eq!(guardians.addresses, demo.addresses);

    let nomenclature = read("siecle-nomenclatures");
    assert_eq!(nomenclature.subjects, demo.subjects);
    let mut mefs = demo.mefs.clone();
    // MEFSTAT4 is STS's: Nomenclature.xml has no place for it.
    mefs.values_mut().for_each(|mef| mef.mefstat4 = None);
    assert_eq!(nomenclature.mefs, mefs);
    assert_eq!(nomenclature.code_lists, demo.code_lists);

    let structure = read("siecle-structures");
    assert_eq!(
        codes(structure.divisions.keys()),
        codes(demo.divisions.keys())
    );
    for (code, division) in &demo.divisions {
        let read = &structure.divisions[code];
        assert_eq!(read.label, division.label);
        let mefs = |d: &passerelle_core::model::Division| -> Vec<String> {
            d.mefs.iter().map(|m| m.code.clone()).collect()
        };
        assert_eq!(mefs(read), mefs(division));
    }
    for (code, group) in &demo.groups {
        let read = &structure.groups[code];
        assert_eq!(read.label, group.label);
        let attached: Vec<_> = read.divisions.iter().map(|d| &d.code).collect();
        let expected: Vec<_> = group.divisions.iter().map(|d| &d.code).collect();
        assert_eq!(attached, expected);
    }
    assert_eq!(structure.groups.len(), demo.groups.len());

    let common = read("siecle-communs");
    assert_eq!(common.school_year.bounds, demo.school_year.bounds);
    assert_eq!(common.school_year.previous, demo.school_year.previous);
    assert_eq!(common.establishment.name, demo.establishment.name);
    assert_eq!(
        common.establishment.name_complement,
        demo.establishment.name_complement
    );
}

#[test]
fn the_written_set_merges_without_conflicts() {
    let demo = generate(&DemoParams::default());
    let options = demo_options(&demo);
    let fragments: Vec<Dataset> = WRITERS
        .iter()
        .map(|format| read_output(&write(format, &demo, &options)[0]).dataset)
        .collect();
    let (merged, conflicts) = passerelle_core::merge::merge_all(fragments).unwrap();
    assert!(conflicts.is_empty(), "{conflicts:?}");
    assert_eq!(merged.files.len(), 5);
    assert_eq!(merged.students.len(), demo.students.len());
}

#[test]
fn the_independent_sample_reads_and_round_trips() {
    let Some(sample) = sample() else {
        return;
    };
    let names = [
        "ExportXML_ElevesSansAdresses.zip",
        "ResponsablesAvecAdresses.xml",
        "ExportXML_Nomenclature.zip",
        "Structures.xml",
        "Communs.xml",
    ];
    let paths: Vec<_> = names.iter().map(|name| sample.join(name)).collect();
    let loaded = load_paths(&paths, &Limits::default()).unwrap();
    assert!(loaded.refused.is_empty());
    assert_eq!(loaded.files.len(), 5);
    let mut formats = BTreeSet::new();
    for input in &loaded.files {
        let read = read_bytes(&input.name, input.bytes.clone());
        assert!(
            read.diagnostics.is_empty(),
            "{}: {:?}",
            input.name,
            read.diagnostics
        );
        assert_eq!(read.dataset.establishment.uaj, "0999990A");
        assert_eq!(read.dataset.school_year.millesime, Some(2025));
        assert_round_trip(&read.format, &read.dataset);
        formats.insert(read.format);
    }
    assert_eq!(formats.into_iter().collect::<Vec<_>>(), WRITERS);
}

#[test]
fn the_sample_s_students_and_guardians_are_complete() {
    let Some(sample) = sample() else {
        return;
    };
    let loaded = load_paths(
        &[sample.join("ExportXML_ElevesSansAdresses.zip")],
        &Limits::default(),
    )
    .unwrap();
    let read = read_bytes(&loaded.files[0].name, loaded.files[0].bytes.clone());
    let dataset = read.dataset;
    assert_eq!(dataset.students.len(), 229);
    assert_eq!(dataset.reference_date, Some(date(2025, 10, 14)));
    let leavers_in_a_division = dataset
        .students
        .values()
        .filter(|s| !s.is_present_at(date(2025, 10, 14)) && s.division.is_some())
        .count();
    assert!(leavers_in_a_division > 0, "leavers still in a division");
    assert_eq!(dataset.counts()["eleves_sortis"], 29);
}

fn sample() -> Option<std::path::PathBuf> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/samples/college-exemple");
    path.is_dir().then_some(path)
}
