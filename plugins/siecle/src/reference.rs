//! `siecle-etablissements` and `siecle-geographique`: `Etablissements.xml` (and
//! `EtablissementsEleves.xml`) and `Geographique.xml` (SIECLE.md §5.6), reference data whose
//! roots and nesting are unconfirmed.
//!
//! They are recognised by file name, by a `BEE_*` root naming them, or by a `BEE_*` root with
//! `PARAMETRES` whose items are theirs. What is known is read: the envelope, and every list
//! whose items carry one `CODE…` attribute (`ETABLISSEMENT @CODE_RNE`, `PAYS_NATIONALITE
//! @CODE_PAYS`, `COMMUNE @CODE_COMMUNE_INSEE`…) as a code list keyed by the list's element
//! name, fields other than the labels in each item's extra. Everything else is kept verbatim.

use passerelle_core::format::{FormatError, Probe, ReadInput, ReadOutput, score};
use passerelle_core::model::{CodeItem, ExtraNode};
use passerelle_core::xml::{Node, StartTag, XmlStream};

use crate::bee::{Blocks, Reading, SiecleFormat, Spec, read_document};
use crate::layout::{Layout, Record, opt};

/// `Etablissements.xml`.
pub(crate) static ETABLISSEMENTS: SiecleFormat = SiecleFormat {
    spec: Spec {
        id: "siecle-etablissements",
        root: "",
        versions: &[],
        description: "Export SIECLE des établissements (Etablissements.xml, \
                      EtablissementsEleves.xml ; données de référence)",
    },
    sniff: sniff_etablissements,
    read,
    write: None,
};

/// `Geographique.xml`.
pub(crate) static GEOGRAPHIQUE: SiecleFormat = SiecleFormat {
    spec: Spec {
        id: "siecle-geographique",
        root: "",
        versions: &[],
        description: "Export SIECLE géographique (Geographique.xml : pays, départements, \
                      communes ; données de référence)",
    },
    sniff: sniff_geographique,
    read,
    write: None,
};

/// The roots of the five confirmed families, which are never reference files.
const FAMILY_ROOTS: [&str; 5] = [
    "BEE_ELEVES",
    "BEE_RESPONSABLES",
    "BEE_NOMENCLATURES",
    "BEE_STRUCTURES",
    "BEE_COMMUN",
];

/// What tells one reference file from the other.
struct Clues {
    /// Start of the file name (lower case).
    name: &'static str,
    /// Part of a `BEE_*` root naming the file.
    root: &'static str,
    /// Item elements only this file has.
    items: &'static [&'static str],
}

const ETABLISSEMENTS_CLUES: Clues = Clues {
    name: "etablissements",
    root: "ETABLISSEMENT",
    items: &["<ETABLISSEMENT "],
};

const GEOGRAPHIQUE_CLUES: Clues = Clues {
    name: "geographique",
    root: "GEOGRAPHI",
    items: &["<PAYS", "<COMMUNE ", "<DEPARTEMENT"],
};

fn sniff_etablissements(_spec: &Spec, probe: &Probe<'_>) -> u8 {
    sniff_reference(&ETABLISSEMENTS_CLUES, probe)
}

fn sniff_geographique(_spec: &Spec, probe: &Probe<'_>) -> u8 {
    sniff_reference(&GEOGRAPHIQUE_CLUES, probe)
}

/// The start of the text, where `PARAMETRES` and the first items are.
fn head(text: &str) -> &str {
    let mut end = text.len().min(64 * 1024);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn sniff_reference(clues: &Clues, probe: &Probe<'_>) -> u8 {
    let Some(root) = probe.root else {
        return score::NO;
    };
    if FAMILY_ROOTS.contains(&root.name.as_str()) {
        return score::NO;
    }
    let lower = probe.base_name.to_lowercase();
    let by_name = lower.starts_with(clues.name) && lower.ends_with(".xml");
    let bee = root.name.starts_with("BEE_");
    let by_root = bee && root.name.contains(clues.root);
    let with_parameters = bee && head(probe.text).contains("<PARAMETRES");
    let by_items = clues
        .items
        .iter()
        .any(|item| head(probe.text).contains(item));
    match (by_name, by_root || with_parameters) {
        (true, true) => score::SURE,
        (true, false) => score::ROOT,
        (false, _) if by_root => score::ROOT,
        (false, _) if with_parameters && by_items => score::WEAK,
        _ => score::NO,
    }
}

static ITEM: Layout = Layout {
    fields: &[opt("LIBELLE_COURT"), opt("LIBELLE_LONG")],
    foreign: &[],
};

struct Reader;

fn read(spec: &Spec, input: &ReadInput<'_>) -> Result<ReadOutput, FormatError> {
    read_document(spec, input, Reader, false)
}

/// The code of an item carrying exactly one `CODE…` attribute.
fn item_code(node: &Node) -> Option<&str> {
    match node.attributes.as_slice() {
        [(name, _)] if name.starts_with("CODE") => node.attr(name),
        _ => None,
    }
}

impl Blocks for Reader {
    fn block(
        &mut self,
        reading: &mut Reading<'_>,
        stream: &mut XmlStream<'_>,
        tag: StartTag,
    ) -> Result<Option<StartTag>, FormatError> {
        let list = tag.name.clone();
        let attributes = tag.attributes.clone();
        let mut others = Vec::new();
        let mut coded = 0usize;
        while let Some(child) = stream.next_child()? {
            let node = stream.read_node(child)?;
            let Some(code) = item_code(&node).map(str::to_string) else {
                others.push(node.to_extra());
                continue;
            };
            coded += 1;
            let mut record = Record::new(&node, &ITEM);
            let item = CodeItem {
                code: code.clone(),
                short_label: record.take(&["LIBELLE_COURT"]),
                long_label: record.take(&["LIBELLE_LONG"]),
                extra: record.rest(),
                source: reading.source(node.line),
            };
            reading
                .dataset
                .code_lists
                .entry(list.clone())
                .or_default()
                .entry(code)
                .or_insert(item);
        }
        if coded == 0 || !others.is_empty() {
            reading.kept.push(ExtraNode {
                name: list,
                attributes,
                children: others,
                ..ExtraNode::default()
            });
        }
        Ok(None)
    }
}
