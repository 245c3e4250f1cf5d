//! Postal addresses (`ADRESSES/ADRESSE @ADRESSE_ID`), in the "avec adresses" students and
//! guardians files.

use std::collections::BTreeSet;

use passerelle_core::diagnostics::Severity;
use passerelle_core::model::{Address, Dataset};
use passerelle_core::xml::{Node, XmlWriter};

use crate::bee::Reading;
use crate::layout::{Layout, Record, one, opt, write_leaves};

const LINES: [&str; 4] = [
    "LIGNE1_ADRESSE",
    "LIGNE2_ADRESSE",
    "LIGNE3_ADRESSE",
    "LIGNE4_ADRESSE",
];

/// `ADRESSE` children. The four lines, the postal code and the city are always written,
/// empty when blank, as in real files; `COMMUNE_ETRANGERE` (foreign addresses) was seen in
/// the independent sample.
static ADDRESS: Layout = Layout {
    fields: &[
        one("LIGNE1_ADRESSE"),
        one("LIGNE2_ADRESSE"),
        one("LIGNE3_ADRESSE"),
        one("LIGNE4_ADRESSE"),
        opt("COMMUNE_ETRANGERE"),
        one("CODE_POSTAL"),
        one("CODE_PAYS"),
        opt("CODE_COMMUNE_INSEE"),
        one("LL_PAYS"),
        opt("CODE_DEPARTEMENT"),
        one("LIBELLE_POSTAL"),
    ],
    foreign: &[],
};

/// Reads one `ADRESSE` into the dataset (the first of two with the same id is kept).
pub(crate) fn read(reading: &mut Reading<'_>, node: &Node) {
    let Some(id) = node.attr("ADRESSE_ID") else {
        reading.invalid(
            Severity::Warning,
            node.line,
            "ADRESSE sans attribut ADRESSE_ID : l'adresse est ignorée".to_string(),
        );
        return;
    };
    let mut record = Record::new(node, &ADDRESS);
    let mut lines: Vec<String> = LINES
        .iter()
        .map(|name| record.take(&[name]).unwrap_or_default())
        .collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    let address = Address {
        id: id.to_string(),
        lines,
        postal_code: record.take(&["CODE_POSTAL"]),
        country_code: record.take(&["CODE_PAYS"]),
        city: record.take(&["LIBELLE_POSTAL"]),
        extra: record.rest(),
        source: reading.source(node.line),
    };
    reading.insert_first(
        |dataset| &mut dataset.addresses,
        id.to_string(),
        address,
        node.line,
        "l'ADRESSE_ID",
    );
}

/// Writes one `ADRESSE`.
pub(crate) fn write(writer: &mut XmlWriter, address: &Address) {
    let line = |index: usize| address.lines.get(index).map(String::as_str);
    write_leaves(
        writer,
        "ADRESSE",
        &[("ADRESSE_ID", address.id.as_str())],
        &ADDRESS,
        &address.extra,
        &[
            (LINES[0], line(0)),
            (LINES[1], line(1)),
            (LINES[2], line(2)),
            (LINES[3], line(3)),
            ("CODE_POSTAL", address.postal_code.as_deref()),
            ("CODE_PAYS", address.country_code.as_deref()),
            ("LIBELLE_POSTAL", address.city.as_deref()),
        ],
    );
}

/// The addresses a file writes: those its people refer to, and those nobody refers to (an
/// address read from a file without its holder is not lost on the way back).
pub(crate) fn to_write<'d>(dataset: &'d Dataset, referenced: &BTreeSet<&str>) -> Vec<&'d Address> {
    let used: BTreeSet<&str> = dataset
        .students
        .values()
        .filter_map(|student| student.address_id.as_deref())
        .chain(
            dataset
                .guardians
                .values()
                .filter_map(|guardian| guardian.address_id.as_deref()),
        )
        .collect();
    dataset
        .addresses
        .values()
        .filter(|address| {
            referenced.contains(address.id.as_str()) || !used.contains(address.id.as_str())
        })
        .collect()
}

/// `Some(true)` for a name of an "avec adresses" file, `Some(false)` for "sans adresses".
pub(crate) fn variant_of_name(name: &str) -> Option<bool> {
    let lower = name.to_lowercase();
    if lower.contains("avecadresses") {
        Some(true)
    } else if lower.contains("sansadresses") {
        Some(false)
    } else {
        None
    }
}
