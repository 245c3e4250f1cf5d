//! The format used statically, as a built-in one would be: registered in a registry (where it
//! replaces the built-in `siecle-eleves`), detected, read and written. The integration tests
//! (`tests/tests/dynamic.rs`) load the same code as a shared library.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use passerelle_core::demo::{DemoParams, demo_timestamp, generate};
use passerelle_core::detect::{ReadFile, read_input};
use passerelle_core::diagnostics::codes;
use passerelle_core::format::{
    Format, FormatError, OutputFile, ReadOptions, Registry, WriteOptions,
};
use passerelle_core::input::{InputFile, Limits, read_zip};
use passerelle_core::model::Dataset;

use crate::eleves_v4::{FORMAT, ID, VERSION};

fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(relative)
}

const V4: &str = "siecle-eleves/4.0/ElevesSansAdresses.xml";
const V3: &str = "siecle-eleves/3.0/ElevesAvecAdresses.xml";

/// The built-in formats with this plugin's format in place of the built-in `siecle-eleves`.
fn registry() -> Registry {
    let mut registry = Registry::builtin().unwrap();
    registry.replace(&FORMAT);
    registry
}

fn builtin() -> &'static dyn Format {
    passerelle_siecle::format(ID).unwrap()
}

fn read_bytes(registry: &Registry, name: &str, bytes: Vec<u8>) -> Result<ReadFile, String> {
    let input = InputFile {
        name: name.to_string(),
        disk_path: PathBuf::from(name),
        bytes,
    };
    read_input(registry, &input, None, &ReadOptions::default()).map_err(|error| error.to_string())
}

fn read_fixture(registry: &Registry, relative: &str) -> ReadFile {
    let path = fixture(relative);
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    read_bytes(registry, &name, std::fs::read(&path).unwrap()).unwrap()
}

/// The single XML a writer produced: a zip's member, or the bare file.
fn xml_of(output: &OutputFile) -> (String, Vec<u8>) {
    if !output.name.ends_with(".zip") {
        return (output.name.clone(), output.bytes.clone());
    }
    let (mut members, _) = read_zip(
        &output.name,
        Path::new(&output.name),
        &output.bytes,
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(members.len(), 1);
    let member = members.remove(0);
    (member.name, member.bytes)
}

fn latin9(bytes: &[u8]) -> String {
    passerelle_core::encoding::decode(bytes, "x.xml", passerelle_core::encoding::TextKind::Xml).text
}

fn without_files(dataset: &Dataset) -> Dataset {
    Dataset {
        files: Vec::new(),
        ..dataset.clone()
    }
}

#[test]
fn it_describes_itself_as_the_newer_siecle_eleves() {
    assert_eq!((FORMAT.id(), FORMAT.version()), ("siecle-eleves", "4.0"));
    assert!(passerelle_core::dynamic::newer_version(
        FORMAT.version(),
        builtin().version()
    ));
    assert!(FORMAT.can_read() && FORMAT.can_write());
}

#[test]
fn a_4_0_file_is_detected_and_read_into_the_model() {
    let read = read_fixture(&registry(), V4);
    assert_eq!(read.format, ID);
    assert!(read.diagnostics.is_empty(), "{:#?}", read.diagnostics);
    let dataset = &read.dataset;
    assert_eq!(dataset.files.len(), 1);
    assert_eq!(dataset.files[0].version.as_deref(), Some(VERSION));
    assert_eq!(dataset.establishment.uaj, "0999999Z");
    assert_eq!(dataset.school_year.millesime, Some(2027));
    assert_eq!(dataset.reference_date, NaiveDate::from_ymd_opt(2027, 9, 13));
    assert_eq!(dataset.students.len(), 3);
    let first = &dataset.students["4000001"];
    assert_eq!(first.ine.as_deref(), Some("987654321AB"));
    assert_eq!(first.family_name.as_deref(), Some("BŒUF-EXEMPLE"));
    assert_eq!(first.usage_name.as_deref(), Some("EXEMPLE"));
    assert_eq!(first.first_name.as_deref(), Some("Zoé"));
    assert_eq!(first.division.as_deref(), Some("3 A"));
    assert_eq!(first.options.len(), 1);
    // The new 4.0 element the model does not name is kept, in document order.
    let extra: Vec<&str> = first.extra.iter().map(|node| node.name.as_str()).collect();
    assert!(extra.contains(&"ID_ENT"), "{extra:?}");
    assert!(!extra.contains(&"INE") && !extra.contains(&"NOM_NAISSANCE"));
    let second = &dataset.students["4000002"];
    assert_eq!(second.ine, None, "a whitespace-only INE is absent");
    assert_eq!(second.family_name.as_deref(), Some("D'EXEMPLE"));
    assert_eq!(second.sex, None);
    let third = &dataset.students["4000003"];
    assert_eq!(third.ine.as_deref(), Some("112233445CD"));
    assert_eq!(third.leaving_date, None, "31/12/9999 is no end");
    assert_eq!(third.grants, vec!["8".to_string()]);
    assert_eq!(dataset.memberships.len(), 1);
    assert_eq!(dataset.memberships[0].group, "3LATIN");
}

#[test]
fn the_built_in_reader_alone_loses_the_renamed_elements() {
    let read = read_fixture(&Registry::builtin().unwrap(), V4);
    assert!(
        read.diagnostics
            .iter()
            .any(|diagnostic| diagnostic.code == codes::VERSION_INCONNUE)
    );
    let student = &read.dataset.students["4000001"];
    assert_eq!(
        (student.family_name.as_deref(), student.ine.as_deref()),
        (None, None)
    );
}

#[test]
fn a_4_0_dataset_is_written_in_4_0_and_round_trips() {
    let read = read_fixture(&registry(), V4);
    let options = WriteOptions::default();
    let outputs = FORMAT.write(&read.dataset, &options).unwrap();
    assert_eq!(outputs.len(), 1);
    assert_eq!(outputs[0].name, "ExportXML_ElevesSansAdresses.zip");
    let (member, bytes) = xml_of(&outputs[0]);
    assert_eq!(
        member,
        "ExportXML_ElevesSansAdresses.zip!ElevesSansAdresses.xml"
    );
    let text = latin9(&bytes);
    assert!(text.contains("<BEE_ELEVES VERSION=\"4.0\">"), "{text}");
    assert!(text.contains("<INE>987654321AB</INE>"), "{text}");
    assert!(
        text.contains("<NOM_NAISSANCE>BŒUF-EXEMPLE</NOM_NAISSANCE>"),
        "{text}"
    );
    assert!(text.contains("<ID_ENT>ent.4101</ID_ENT>"), "{text}");
    assert!(!text.contains("NOM_DE_FAMILLE") && !text.contains("ID_NATIONAL"));
    // The built-in writer's zip, translated: same member, same time, same packaging.
    let builtin_outputs = builtin().write(&read.dataset, &options).unwrap();
    let (_, builtin_bytes) = xml_of(&builtin_outputs[0]);
    assert_eq!(
        latin9(&builtin_bytes)
            .replace("NOM_DE_FAMILLE>", "NOM_NAISSANCE>")
            .replace("ID_NATIONAL>", "INE>")
            .replace("VERSION=\"3.0\"", "VERSION=\"4.0\""),
        text
    );

    let again = read_bytes(&registry(), "ElevesSansAdresses.xml", bytes).unwrap();
    assert_eq!(again.dataset.files[0].version.as_deref(), Some(VERSION));
    assert_eq!(without_files(&again.dataset), without_files(&read.dataset));
    let rewritten = FORMAT.write(&again.dataset, &options).unwrap();
    assert_eq!(rewritten, outputs, "write → read → write is byte-identical");
}

#[test]
fn a_bare_xml_target_is_written_bare() {
    let read = read_fixture(&registry(), V4);
    let options = WriteOptions {
        target_name: Some("eleves-4.xml".to_string()),
        ..WriteOptions::default()
    };
    let outputs = FORMAT.write(&read.dataset, &options).unwrap();
    assert_eq!(outputs.len(), 1);
    assert_eq!(outputs[0].name, "eleves-4.xml");
    let text = latin9(&outputs[0].bytes);
    assert!(text.starts_with(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<BEE_ELEVES VERSION=\"4.0\">"
    ));
    assert!(
        text.contains("<NOM_NAISSANCE>D'EXEMPLE</NOM_NAISSANCE>"),
        "{text}"
    );
}

#[test]
fn older_versions_are_delegated_unchanged() {
    let through_plugin = read_fixture(&registry(), V3);
    let built_in = read_fixture(&Registry::builtin().unwrap(), V3);
    assert_eq!(through_plugin.dataset, built_in.dataset);
    assert_eq!(through_plugin.diagnostics, built_in.diagnostics);
    assert_eq!(
        through_plugin.dataset.files[0].version.as_deref(),
        Some("3.0")
    );
    let options = WriteOptions::default();
    assert_eq!(
        FORMAT.write(&built_in.dataset, &options).unwrap(),
        builtin().write(&built_in.dataset, &options).unwrap()
    );
    let older = read_fixture(&registry(), "siecle-eleves/2015-nom/ElevesSansAdresses.xml");
    let older_built_in = read_fixture(
        &Registry::builtin().unwrap(),
        "siecle-eleves/2015-nom/ElevesSansAdresses.xml",
    );
    assert_eq!(older.dataset, older_built_in.dataset);
}

#[test]
fn a_dataset_from_elsewhere_is_written_in_4_0() {
    let demo = generate(&DemoParams::default());
    let options = WriteOptions {
        timestamp: Some(demo_timestamp(&demo)),
        ..WriteOptions::default()
    };
    let outputs = FORMAT.write(&demo, &options).unwrap();
    let (_, bytes) = xml_of(&outputs[0]);
    assert!(latin9(&bytes).contains("<BEE_ELEVES VERSION=\"4.0\">"));
    let through_plugin = read_bytes(&registry(), "ElevesSansAdresses.xml", bytes).unwrap();
    let (_, builtin_bytes) = xml_of(&builtin().write(&demo, &options).unwrap()[0]);
    let built_in = read_bytes(
        &Registry::builtin().unwrap(),
        "ElevesSansAdresses.xml",
        builtin_bytes,
    )
    .unwrap();
    assert_eq!(through_plugin.dataset.students, built_in.dataset.students);
    assert_eq!(
        through_plugin.dataset.memberships,
        built_in.dataset.memberships
    );
}

/// The 4.0 fixture with one line replaced.
fn v4_with(line: &str, replacement: &str) -> Vec<u8> {
    let text = latin9(&std::fs::read(fixture(V4)).unwrap());
    assert!(text.contains(line), "{line}");
    text.replacen(line, replacement, 1).into_bytes()
}

fn read_v4_error(bytes: Vec<u8>) -> String {
    let input = InputFile {
        name: "ElevesSansAdresses.xml".to_string(),
        disk_path: PathBuf::from("ElevesSansAdresses.xml"),
        bytes,
    };
    match read_input(&registry(), &input, None, &ReadOptions::default()) {
        Ok(read) => panic!("lu sans erreur : {:?}", read.diagnostics),
        Err(error) => error.to_string(),
    }
}

#[test]
fn errors_point_to_the_4_0_file() {
    // An undefined entity in a renamed element: the column is the original line's.
    let line = "        <INE>112233445CD</INE>";
    let message = read_v4_error(v4_with(line, "        <INE>1122&x;33445CD</INE>"));
    let column = "        <INE>1122".chars().count() + 1;
    assert!(
        message.starts_with(&format!(
            "ElevesSansAdresses.xml, ligne 60, colonne {column}"
        )),
        "{message}"
    );
    assert!(
        message.contains("(dans /BEE_ELEVES/DONNEES/ELEVES/ELEVE/INE)")
            && !message.contains("ID_NATIONAL"),
        "{message}"
    );
    // Tags that do not nest are reported on the original text.
    let line = "        <NOM_NAISSANCE>EXEMPLE</NOM_NAISSANCE>";
    let message = read_v4_error(v4_with(
        line,
        "        <NOM_NAISSANCE>EXEMPLE</NOM_DE_FAMILLE>",
    ));
    assert!(message.contains("ligne 63"), "{message}");
    assert!(message.contains("NOM_NAISSANCE"), "{message}");
}

#[test]
fn writing_without_students_keeps_the_built_in_refusal() {
    let error = FORMAT
        .write(&Dataset::default(), &WriteOptions::default())
        .unwrap_err();
    assert!(matches!(error, FormatError::MissingData(_)), "{error}");
}
