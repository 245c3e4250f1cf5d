//! `siecle-structures`: `BEE_STRUCTURES`, `Structures.xml` (SIECLE.md §5.4), SIECLE's view of
//! the divisions and groups.
//!
//! SIECLE's dialect keys structures by `@CODE_STRUCTURE` and names attachments by child
//! elements (`MEF_APPARTENANCE/CODE_MEF`, `DIVISION_APPARTENANCE/CODE_STRUCTURE`), where STS
//! uses `@CODE` attributes (§10). The writer works from any dataset, including one read from
//! `sts_emp`: this is passerelle's model of synchronisation 4a (STS-Web → SIECLE). Each
//! structure's `CODE_RNE` (and `CODE_CONTRAT`) is kept in its extra; a structure that has
//! none (read from STS) is written with the establishment's UAJ.

use passerelle_core::diagnostics::Severity;
use passerelle_core::format::{FormatError, OutputFile, WriteOptions};
use passerelle_core::model::{Dataset, Division, DivisionAttachment, Extra, Group, MefAttachment};
use passerelle_core::xml::{Node, StartTag, XmlStream, XmlWriter};

use crate::bee::{
    Blocks, Reading, SiecleFormat, Spec, begin, each_record, envelope, kept_blocks, list_block,
    package, read_family, sniff_root,
};
use crate::layout::{Layout, Record, leaf, one, opt, write_fields, write_record};

/// The format.
pub(crate) static FORMAT: SiecleFormat = SiecleFormat {
    spec: Spec {
        id: "siecle-structures",
        root: "BEE_STRUCTURES",
        versions: &["2.0"],
        description: "Export SIECLE des structures (Structures.xml : divisions et groupes)",
    },
    sniff: sniff_root,
    read: read_family::<Reader>,
    write: Some(write),
};

static DATA: Layout = Layout {
    fields: &[one("DIVISIONS"), one("GROUPES")],
    foreign: &[],
};

/// Children of STS's structures that SIECLE's dialect does not have.
const STS_ONLY: &[&str] = &[
    "EFFECTIF_PREVU",
    "EFFECTIF_CALCULE",
    "EFFECTIF_MAX_EDT",
    "SERVICES",
];

static DIVISION: Layout = Layout {
    fields: &[
        one("LIBELLE_LONG"),
        one("CODE_RNE"),
        opt("CODE_CONTRAT"),
        one("MEFS_APPARTENANCE"),
    ],
    foreign: STS_ONLY,
};

static GROUP: Layout = Layout {
    fields: &[
        one("LIBELLE_LONG"),
        one("CODE_RNE"),
        opt("CODE_CONTRAT"),
        one("MEFS_APPARTENANCE"),
        one("DIVISIONS_APPARTENANCE"),
    ],
    foreign: STS_ONLY,
};

static MEF_ATTACHMENT: Layout = Layout {
    fields: &[one("CODE_MEF")],
    foreign: STS_ONLY,
};

static DIVISION_ATTACHMENT: Layout = Layout {
    fields: &[one("CODE_STRUCTURE")],
    foreign: STS_ONLY,
};

#[derive(Default)]
struct Reader;

impl Blocks for Reader {
    fn block(
        &mut self,
        reading: &mut Reading<'_>,
        stream: &mut XmlStream<'_>,
        tag: StartTag,
    ) -> Result<Option<StartTag>, FormatError> {
        match tag.name.as_str() {
            "DIVISIONS" => each_record(reading, stream, "DIVISIONS", "DIVISION", read_division)?,
            "GROUPES" => each_record(reading, stream, "GROUPES", "GROUPE", read_group)?,
            _ => return Ok(Some(tag)),
        }
        Ok(None)
    }
}

/// The structure code: SIECLE's `@CODE_STRUCTURE` (STS's `@CODE` is accepted too).
fn structure_code(reading: &mut Reading<'_>, node: &Node) -> Option<String> {
    let code = node
        .attr("CODE_STRUCTURE")
        .or_else(|| node.attr("CODE"))
        .map(str::to_string);
    if code.is_none() {
        reading.invalid(
            Severity::Warning,
            node.line,
            format!(
                "<{}> sans attribut CODE_STRUCTURE : il est ignoré",
                node.name
            ),
        );
    }
    code
}

/// The attachments of a `MEFS_APPARTENANCE` or `DIVISIONS_APPARTENANCE` container: the code
/// from the child element (or STS's `@CODE`), the other children kept.
fn attachments<T>(
    reading: &mut Reading<'_>,
    container: Option<&Node>,
    item: &str,
    code_element: &str,
    layout: &'static Layout,
    make: impl Fn(String, Extra) -> T,
) -> Vec<T> {
    let mut found = Vec::new();
    let Some(container) = container else {
        return found;
    };
    for child in &container.children {
        if child.name != item {
            reading.invalid(
                Severity::Warning,
                child.line,
                format!(
                    "élément <{}> inattendu dans <{}> : il est ignoré",
                    child.name, container.name
                ),
            );
            continue;
        }
        let mut record = Record::new(child, layout);
        match record
            .take(&[code_element])
            .or_else(|| child.attr("CODE").map(str::to_string))
        {
            Some(code) => found.push(make(code, record.rest())),
            None => reading.invalid(
                Severity::Warning,
                child.line,
                format!("<{item}> sans {code_element} : il est ignoré"),
            ),
        }
    }
    found
}

fn mef_attachments(reading: &mut Reading<'_>, container: Option<&Node>) -> Vec<MefAttachment> {
    attachments(
        reading,
        container,
        "MEF_APPARTENANCE",
        "CODE_MEF",
        &MEF_ATTACHMENT,
        |code, extra| MefAttachment {
            code,
            extra,
            ..MefAttachment::default()
        },
    )
}

fn read_division(reading: &mut Reading<'_>, node: Node) {
    let Some(code) = structure_code(reading, &node) else {
        return;
    };
    let mut record = Record::new(&node, &DIVISION);
    let label = record.take(&["LIBELLE_LONG"]);
    let mefs = mef_attachments(reading, record.take_node("MEFS_APPARTENANCE"));
    let division = Division {
        code: code.clone(),
        label,
        mefs,
        extra: record.rest(),
        source: reading.source(node.line),
        ..Division::default()
    };
    reading.insert_first(
        |dataset| &mut dataset.divisions,
        code,
        division,
        node.line,
        "la division",
    );
}

fn read_group(reading: &mut Reading<'_>, node: Node) {
    let Some(code) = structure_code(reading, &node) else {
        return;
    };
    let mut record = Record::new(&node, &GROUP);
    let label = record.take(&["LIBELLE_LONG"]);
    let mefs = mef_attachments(reading, record.take_node("MEFS_APPARTENANCE"));
    let divisions = attachments(
        reading,
        record.take_node("DIVISIONS_APPARTENANCE"),
        "DIVISION_APPARTENANCE",
        "CODE_STRUCTURE",
        &DIVISION_ATTACHMENT,
        |code, extra| DivisionAttachment {
            code,
            extra,
            ..DivisionAttachment::default()
        },
    );
    let group = Group {
        code: code.clone(),
        label,
        mefs,
        divisions,
        extra: record.rest(),
        source: reading.source(node.line),
        ..Group::default()
    };
    reading.insert_first(
        |dataset| &mut dataset.groups,
        code,
        group,
        node.line,
        "le groupe",
    );
}

/// Writes an attachment container (`<X/>` when there is none).
fn write_attachments<'a>(
    writer: &mut XmlWriter,
    container: &str,
    item: &str,
    code_element: &'static str,
    layout: &Layout,
    attachments: impl IntoIterator<Item = (&'a str, &'a Extra)>,
) -> bool {
    list_block(writer, container, attachments, |writer, (code, extra)| {
        write_record(writer, item, &[], layout, extra, |writer, name| {
            name == code_element && leaf(writer, name, Some(code))
        });
    })
}

fn write_mefs(writer: &mut XmlWriter, mefs: &[MefAttachment]) -> bool {
    write_attachments(
        writer,
        "MEFS_APPARTENANCE",
        "MEF_APPARTENANCE",
        "CODE_MEF",
        &MEF_ATTACHMENT,
        mefs.iter().map(|mef| (mef.code.as_str(), &mef.extra)),
    )
}

/// The fields shared by divisions and groups; `CODE_RNE` is the UAJ unless the structure
/// carries its own.
fn common_field(
    writer: &mut XmlWriter,
    name: &str,
    label: Option<&str>,
    extra: &Extra,
    uaj: &str,
) -> bool {
    match name {
        "LIBELLE_LONG" => leaf(writer, name, label),
        "CODE_RNE" => extra.get(name).is_none() && leaf(writer, name, Some(uaj)),
        _ => false,
    }
}

fn write(
    spec: &Spec,
    dataset: &Dataset,
    options: &WriteOptions,
) -> Result<Vec<OutputFile>, FormatError> {
    if dataset.divisions.is_empty() {
        return Err(FormatError::MissingData(
            "impossible d'écrire Structures.xml : le jeu de données ne contient aucune division \
             (SIECLE refuse lui aussi cet export ; lisez sts_emp ou un export SIECLE des \
             structures)"
                .to_string(),
        ));
    }
    let envelope = envelope(spec, dataset, options)?;
    let uaj = envelope.uaj.as_str();
    let mut writer = begin(spec, &envelope);
    let kept = kept_blocks(spec, dataset);
    write_fields(&mut writer, &DATA, &kept, |writer, name| match name {
        "DIVISIONS" => list_block(
            writer,
            name,
            dataset.divisions.values(),
            |writer, division| {
                let code = [("CODE_STRUCTURE", division.code.as_str())];
                write_record(
                    writer,
                    "DIVISION",
                    &code,
                    &DIVISION,
                    &division.extra,
                    |writer, name| match name {
                        "MEFS_APPARTENANCE" => write_mefs(writer, &division.mefs),
                        _ => common_field(
                            writer,
                            name,
                            division.label.as_deref(),
                            &division.extra,
                            uaj,
                        ),
                    },
                );
            },
        ),
        "GROUPES" => list_block(writer, name, dataset.groups.values(), |writer, group| {
            let code = [("CODE_STRUCTURE", group.code.as_str())];
            write_record(
                writer,
                "GROUPE",
                &code,
                &GROUP,
                &group.extra,
                |writer, name| match name {
                    "MEFS_APPARTENANCE" => write_mefs(writer, &group.mefs),
                    "DIVISIONS_APPARTENANCE" => write_attachments(
                        writer,
                        name,
                        "DIVISION_APPARTENANCE",
                        "CODE_STRUCTURE",
                        &DIVISION_ATTACHMENT,
                        group
                            .divisions
                            .iter()
                            .map(|division| (division.code.as_str(), &division.extra)),
                    ),
                    _ => common_field(writer, name, group.label.as_deref(), &group.extra, uaj),
                },
            );
        }),
        _ => false,
    });
    package(&envelope, "Structures", writer, options)
}
