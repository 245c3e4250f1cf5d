//! No data lost: for every format with a reader and a writer, a file holding elements the
//! model does not name — inside a record and as a block of their own — keeps them in `extra`,
//! and the writer of the same format writes them back, so that read → write → read is equal.
//!
//! The exception is the liens file, whose official schema SIECLE enforces at upload: an
//! unknown element there is a schema violation, reported (`LIENS_INVALIDE`, naming it) rather
//! than written back into a file SIECLE would refuse.

use passerelle_core::demo::{DemoParams, demo_timestamp, generate};
use passerelle_core::detect::{ReadFile, read_input};
use passerelle_core::format::{OutputFile, ReadOptions, Registry, WriteOptions};
use passerelle_core::input::{InputFile, Limits, read_zip};
use passerelle_core::json_format::to_json;

/// An unknown element inside a record.
const RECORD_EXTRA: &str = "<CHAMP_INCONNU NATURE=\"essai\">valeur inconnue</CHAMP_INCONNU>";
/// An unknown block: an element of the data section with children.
const BLOCK_EXTRA: &str = "<BLOC_INCONNU VERSION=\"2\"><ELEMENT CODE=\"A1\">premier</ELEMENT>\
                           <ELEMENT CODE=\"A2\"/></BLOC_INCONNU>";

/// Where to put them in a format's file: the first record element (its start tag's
/// beginning, looked for after the block anchor), and the element the block goes into.
struct Spot {
    format: &'static str,
    record: &'static str,
    block: Option<&'static str>,
}

/// The format whose unknown elements are reported instead of kept.
const SCHEMA_ENFORCED: &str = "pronote-liens";

const SPOTS: &[Spot] = &[
    Spot {
        format: "sts-emp",
        record: "<INDIVIDU ",
        block: Some("<DONNEES>"),
    },
    Spot {
        format: "edt-sts",
        record: "<INDIVIDU ",
        block: Some("<DONNEES>"),
    },
    Spot {
        format: "siecle-eleves",
        record: "<ELEVE ",
        block: Some("<DONNEES>"),
    },
    Spot {
        format: "siecle-responsables",
        record: "<PERSONNE ",
        block: Some("<DONNEES>"),
    },
    Spot {
        format: "siecle-nomenclatures",
        record: "<MEF ",
        block: Some("<DONNEES>"),
    },
    Spot {
        format: "siecle-structures",
        record: "<DIVISION ",
        block: Some("<DONNEES>"),
    },
    Spot {
        format: "siecle-communs",
        record: "<ANNEE_SCOLAIRE>",
        block: Some("<DONNEES>"),
    },
    Spot {
        format: "pronote-liens",
        record: "<GROUPE>",
        block: Some("<DONNEES>"),
    },
    // A list export is one table of rows: an unknown column is the only unknown it can hold.
    Spot {
        format: "edt-table",
        record: "<Eleves ",
        block: None,
    },
];

/// The text of a written file: the member of a zip, or the file itself.
fn member(output: &OutputFile) -> InputFile {
    if output.bytes.starts_with(b"PK") {
        let (mut members, _) = read_zip(
            &output.name,
            output.name.as_ref(),
            &output.bytes,
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(members.len(), 1, "{}", output.name);
        let mut only = members.remove(0);
        // Named as a file of its own, as after unzipping.
        only.name = only.name.rsplit('!').next().unwrap().to_string();
        only
    } else {
        InputFile {
            name: output.name.clone(),
            disk_path: output.name.clone().into(),
            bytes: output.bytes.clone(),
        }
    }
}

/// Inserts `what` just after the first start tag beginning with `tag` that is not an empty
/// element, searched from `from`.
fn insert_after_tag(text: &str, mut from: usize, tag: &str, what: &str) -> String {
    loop {
        let start = from
            + text[from..]
                .find(tag)
                .unwrap_or_else(|| panic!("{tag} in the file"));
        let end = start + text[start..].find('>').unwrap() + 1;
        if !text[..end].ends_with("/>") {
            return format!("{}{what}{}", &text[..end], &text[end..]);
        }
        from = end;
    }
}

fn read(registry: &Registry, input: &InputFile) -> ReadFile {
    read_input(registry, input, None, &ReadOptions::default())
        .unwrap_or_else(|error| panic!("{}: {error}", input.name))
}

fn write(registry: &Registry, format: &str, dataset: &passerelle_core::Dataset) -> OutputFile {
    let options = WriteOptions {
        timestamp: Some(demo_timestamp(dataset)),
        ..WriteOptions::default()
    };
    let mut outputs = registry
        .get(format)
        .unwrap()
        .write(dataset, &options)
        .unwrap_or_else(|error| panic!("{format}: {error}"));
    assert_eq!(outputs.len(), 1, "{format}");
    outputs.remove(0)
}

/// Decoded text of a file (ISO-8859-15 or UTF-8 with a mark).
fn text_of(input: &InputFile) -> String {
    passerelle_core::encoding::decode(
        &input.bytes,
        &input.name,
        passerelle_core::encoding::TextKind::Xml,
    )
    .text
}

/// Every format of one plugin crate (its ids start with `prefix`).
fn check_plugin(prefix: &str) {
    let registry = passerelle_builtin::registry().unwrap();
    let demo = generate(&DemoParams {
        students: 40,
        ..DemoParams::default()
    });
    let spots: Vec<&Spot> = SPOTS
        .iter()
        .filter(|spot| spot.format.starts_with(prefix))
        .collect();
    assert!(!spots.is_empty(), "{prefix}");
    for spot in spots {
        let written = member(&write(&registry, spot.format, &demo));
        let text = text_of(&written);
        let (text, from) = match spot.block {
            Some(block) => {
                let at = text.find(block).unwrap() + block.len();
                (
                    format!("{}{BLOCK_EXTRA}{}", &text[..at], &text[at..]),
                    at + BLOCK_EXTRA.len(),
                )
            }
            None => (text, 0),
        };
        let text = insert_after_tag(&text, from, spot.record, RECORD_EXTRA);
        let declared = text.starts_with("<?xml") && text[..60].contains("ISO-8859-15");
        let bytes = if declared {
            passerelle_core::encoding::encode_latin9(&text)
        } else {
            text.into_bytes()
        };
        let input = InputFile {
            bytes,
            ..written.clone()
        };
        let first = read(&registry, &input);
        assert_eq!(first.format, spot.format);
        if spot.format == SCHEMA_ENFORCED {
            reported_not_written(&registry, &first);
            continue;
        }
        let json = to_json(&first.dataset);
        for name in ["CHAMP_INCONNU", "BLOC_INCONNU"]
            .into_iter()
            .take(if spot.block.is_some() { 2 } else { 1 })
        {
            assert!(json.contains(name), "{}: {name} kept in extra", spot.format);
        }
        let again = member(&write(&registry, spot.format, &first.dataset));
        let again_text = text_of(&again);
        let compact: String = again_text
            .lines()
            .map(str::trim)
            .collect::<Vec<_>>()
            .join("");
        assert!(
            compact.contains(RECORD_EXTRA),
            "{}: the record's unknown element written back",
            spot.format
        );
        if spot.block.is_some() {
            assert!(
                compact.contains(BLOCK_EXTRA),
                "{}: the unknown block written back",
                spot.format
            );
        }
        let second = read(&registry, &again);
        let mut expected = first.dataset.clone();
        let mut found = second.dataset.clone();
        // Only the file names may differ (the writer names its file).
        for dataset in [&mut expected, &mut found] {
            dataset
                .files
                .iter_mut()
                .for_each(|file| file.fichier.clear());
        }
        assert!(
            expected == found,
            "{}: read → write → read equal",
            spot.format
        );
    }
}

#[test]
fn sts_emp_keeps_unknown_elements() {
    check_plugin("sts-emp");
}

#[test]
fn edt_keeps_unknown_elements() {
    check_plugin("edt-");
}

#[test]
fn siecle_keeps_unknown_elements() {
    check_plugin("siecle-");
}

#[test]
fn pronote_liens_reports_unknown_elements() {
    check_plugin("pronote-liens");
}

/// Every format that both reads and writes XML has its spot above.
#[test]
fn every_xml_reader_writer_is_covered() {
    let registry = passerelle_builtin::registry().unwrap();
    let mut covered: Vec<&str> = SPOTS.iter().map(|spot| spot.format).collect();
    covered.sort_unstable();
    let both: Vec<&str> = registry
        .iter()
        .filter(|format| format.can_read() && format.can_write() && format.id() != "json")
        .map(|format| format.id())
        .collect();
    assert_eq!(covered, both);
}

/// The liens file: each unknown element is a `LIENS_INVALIDE` naming it, and the file written
/// from what was read is one SIECLE accepts, without them.
fn reported_not_written(registry: &Registry, read: &ReadFile) {
    for (element, parent) in [("CHAMP_INCONNU", "GROUPE"), ("BLOC_INCONNU", "DONNEES")] {
        let expected = format!("élément <{element}> inattendu dans <{parent}>");
        assert!(
            read.diagnostics
                .iter()
                .any(|found| found.code == "LIENS_INVALIDE" && found.message.contains(&expected)),
            "{expected}: {:#?}",
            read.diagnostics
        );
    }
    let again = text_of(&member(&write(registry, SCHEMA_ENFORCED, &read.dataset)));
    assert!(!again.contains("INCONNU"), "{again}");
    let reread = read_input(
        registry,
        &member(&write(registry, SCHEMA_ENFORCED, &read.dataset)),
        None,
        &ReadOptions::default(),
    )
    .unwrap();
    assert!(
        reread
            .diagnostics
            .iter()
            .all(|found| found.code != "LIENS_INVALIDE"),
        "{:#?}",
        reread.diagnostics
    );
}
