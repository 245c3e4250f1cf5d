//! Tests over the golden fixtures (`fixtures/siecle-*/`), round trips, the demo and the
//! independent sample establishment.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use passerelle_core::detect::{ReadFile, read_input};
use passerelle_core::format::{OutputFile, ReadOptions, Registry, WriteOptions};
use passerelle_core::input::{InputFile, Limits, read_zip};
use passerelle_core::model::{Dataset, Extra, ExtraNode, FileInfo};

mod communs;
mod eleves;
mod nomenclatures;
mod reference;
mod responsables;
mod round_trips;
mod structures;

pub(super) fn registry() -> Registry {
    Registry::builtin().unwrap()
}

pub(super) fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(relative)
}

pub(super) fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

/// Detects and reads bytes named `name`, as the CLI does.
pub(super) fn read_bytes(name: &str, bytes: Vec<u8>) -> ReadFile {
    let input = InputFile {
        name: name.to_string(),
        disk_path: PathBuf::from(name),
        bytes,
    };
    read_input(&registry(), &input, None, &ReadOptions::default())
        .unwrap_or_else(|error| panic!("{name}: {error}"))
}

/// Reads a fixture; it is named by its base name, as when given on the command line.
pub(super) fn read_fixture(relative: &str) -> ReadFile {
    let path = fixture(relative);
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    read_bytes(&name, std::fs::read(&path).unwrap())
}

/// Reads what a writer produced (a zip's single member, or the bare XML).
pub(super) fn read_output(output: &OutputFile) -> ReadFile {
    if output.name.ends_with(".zip") {
        let (members, others) = read_zip(
            &output.name,
            Path::new(&output.name),
            &output.bytes,
            &Limits::default(),
        )
        .unwrap();
        assert!(others.is_empty());
        assert_eq!(members.len(), 1, "one XML per SIECLE zip");
        read_bytes(&members[0].name, members[0].bytes.clone())
    } else {
        read_bytes(&output.name, output.bytes.clone())
    }
}

pub(super) fn write(format: &str, dataset: &Dataset, options: &WriteOptions) -> Vec<OutputFile> {
    registry()
        .get(format)
        .unwrap()
        .write(dataset, options)
        .unwrap_or_else(|error| panic!("{format}: {error}"))
}

/// The XML text of a written file (ISO-8859-15 decoded).
pub(super) fn xml_text(output: &OutputFile) -> String {
    let bytes = if output.name.ends_with(".zip") {
        let (members, _) = read_zip(
            &output.name,
            Path::new(&output.name),
            &output.bytes,
            &Limits::default(),
        )
        .unwrap();
        members[0].bytes.clone()
    } else {
        output.bytes.clone()
    };
    passerelle_core::encoding::decode(
        &bytes,
        &output.name,
        passerelle_core::encoding::TextKind::Xml,
    )
    .text
}

/// The dataset without its file envelopes (names and versions change on a round trip).
pub(super) fn without_files(dataset: &Dataset) -> Dataset {
    Dataset {
        files: Vec::new(),
        ..dataset.clone()
    }
}

/// read → write → read gives the same model, and writing it again gives the same bytes.
pub(super) fn assert_round_trip(format: &str, dataset: &Dataset) {
    let options = WriteOptions::default();
    let first = write(format, dataset, &options);
    assert_eq!(first.len(), 1);
    let reread = read_output(&first[0]);
    assert_eq!(reread.format, format);
    let diagnostics: Vec<_> = reread
        .diagnostics
        .iter()
        .filter(|d| d.code != "VALEUR_INVALIDE")
        .collect();
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(without_files(&reread.dataset), without_files(dataset));
    let second = write(format, &reread.dataset, &options);
    assert_eq!(second, first, "{format}: writing again changes the bytes");
}

/// The envelope of a golden fixture of UAJ 0999999Z: file, format, version, and the
/// `HORODATAGE` (`DD/MM/YYYY HH:MM:SS`) whose date is the export date.
pub(super) fn envelope(fichier: &str, format: &str, version: &str, horodatage: &str) -> FileInfo {
    let date_export = NaiveDate::parse_from_str(&horodatage[..10], "%d/%m/%Y").unwrap();
    FileInfo {
        fichier: fichier.into(),
        format: format.into(),
        version: some(version),
        uaj: some("0999999Z"),
        annee: Some(if date_export.month() >= 8 {
            date_export.year()
        } else {
            date_export.year() - 1
        }),
        date_export: Some(date_export),
        horodatage: some(horodatage),
        ..FileInfo::default()
    }
}

pub(super) fn text(name: &str, value: &str) -> ExtraNode {
    ExtraNode::text(name, value)
}

pub(super) fn empty(name: &str) -> ExtraNode {
    ExtraNode {
        name: name.to_string(),
        ..ExtraNode::default()
    }
}

pub(super) fn parent(name: &str, children: Vec<ExtraNode>) -> ExtraNode {
    ExtraNode {
        name: name.to_string(),
        children,
        ..ExtraNode::default()
    }
}

pub(super) fn extra(nodes: Vec<ExtraNode>) -> Extra {
    Extra(nodes)
}

pub(super) fn some(value: &str) -> Option<String> {
    Some(value.to_string())
}

#[test]
fn every_format_id_is_reachable_by_format() {
    for id in crate::FORMAT_IDS {
        assert_eq!(crate::format(id).map(|format| format.id()), Some(id));
    }
    assert!(crate::format("siecle-inconnu").is_none());
}
