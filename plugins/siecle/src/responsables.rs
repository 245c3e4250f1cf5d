//! `siecle-responsables`: `BEE_RESPONSABLES`, the guardians files
//! `ResponsablesAvecAdresses.xml` and `ResponsablesSansAdresses.xml` (SIECLE.md §5.2).
//!
//! Persons, their links to students and, in the "avec adresses" file, the postal addresses.
//! Links come in two forms, both read by element name: until 2018 `RESP_LEGAL` and a
//! one-digit `CODE_PARENTE`; since 2018 `NIVEAU_RESPONSABILITE`, `PAIE_FRAIS_SCOLAIRES` and a
//! two-digit `CODE_PARENTE`. Files from before the summer of 2016 name the family name `NOM`.

use std::collections::BTreeSet;

use passerelle_core::diagnostics::Severity;
use passerelle_core::format::{FormatError, OutputFile, WriteOptions};
use passerelle_core::model::{Dataset, Guardian, GuardianLink};
use passerelle_core::xml::{Node, StartTag, XmlStream, XmlWriter};

use crate::address;
use crate::bee::{
    Blocks, Reading, SiecleFormat, Spec, begin, each_record, envelope, kept_blocks, list_block,
    names, package, read_family, sniff_root,
};
use crate::layout::{Layout, Record, one, opt, write_fields, write_leaves};

/// The format. VERSION 1.9 is the 2017 layout; 2.0 is the 2018+ layout of the independent
/// sample establishment.
pub(crate) static FORMAT: SiecleFormat = SiecleFormat {
    spec: Spec {
        id: "siecle-responsables",
        root: "BEE_RESPONSABLES",
        versions: &["1.9", "2.0"],
        description: "Export SIECLE des responsables (ResponsablesAvecAdresses.xml, \
                      ResponsablesSansAdresses.xml)",
    },
    sniff: sniff_root,
    read: read_family::<Reader>,
    write: Some(write),
};

static DATA: Layout = Layout {
    fields: &[one("PERSONNES"), one("RESPONSABLES"), opt("ADRESSES")],
    foreign: &[],
};

static PERSON: Layout = Layout {
    fields: &[
        opt("ID_PRV_PER"),
        opt("LC_CIVILITE"),
        opt("LL_CIVILITE"),
        one("NOM_DE_FAMILLE"),
        opt("NOM"),
        opt("NOM_USAGE"),
        one("PRENOM"),
        opt("TEL_PERSONNEL"),
        opt("TEL_PORTABLE"),
        opt("ACCEPTE_SMS"),
        opt("TEL_PROFESSIONNEL"),
        opt("MEL"),
        opt("COMMUNICATION_ADRESSE"),
        one("ADRESSE_ID"),
        opt("CODE_PROFESSION"),
    ],
    foreign: &[],
};

/// `RESPONSABLE_ELEVE` children: the pre-2018 `RESP_LEGAL` and the 2018+
/// `NIVEAU_RESPONSABILITE`/`PAIE_FRAIS_SCOLAIRES`, in SIECLE.md's order.
static LINK: Layout = Layout {
    fields: &[
        one("ELEVE_ID"),
        one("PERSONNE_ID"),
        opt("RESP_LEGAL"),
        opt("NIVEAU_RESPONSABILITE"),
        opt("PAIE_FRAIS_SCOLAIRES"),
        one("CODE_PARENTE"),
        one("RESP_FINANCIER"),
        one("PERS_PAIEMENT"),
        one("PERS_CONTACT"),
    ],
    foreign: &[],
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
            "PERSONNES" => each_record(reading, stream, "PERSONNES", "PERSONNE", read_person)?,
            "RESPONSABLES" => each_record(
                reading,
                stream,
                "RESPONSABLES",
                "RESPONSABLE_ELEVE",
                read_link,
            )?,
            "ADRESSES" => each_record(reading, stream, "ADRESSES", "ADRESSE", |reading, node| {
                address::read(reading, &node);
            })?,
            _ => return Ok(Some(tag)),
        }
        Ok(None)
    }
}

fn read_person(reading: &mut Reading<'_>, node: Node) {
    let Some(id) = node.attr("PERSONNE_ID") else {
        reading.invalid(
            Severity::Warning,
            node.line,
            "PERSONNE sans attribut PERSONNE_ID : elle est ignorée".to_string(),
        );
        return;
    };
    let mut record = Record::new(&node, &PERSON);
    let guardian = Guardian {
        id: id.to_string(),
        civility: record.take(&["LC_CIVILITE"]),
        family_name: record.take(&["NOM_DE_FAMILLE", "NOM"]),
        usage_name: record.take(&["NOM_USAGE"]),
        first_name: record.take(&["PRENOM"]),
        address_id: record.take(&["ADRESSE_ID"]),
        extra: record.rest(),
        source: reading.source(node.line),
    };
    reading.insert_first(
        |dataset| &mut dataset.guardians,
        id.to_string(),
        guardian,
        node.line,
        "le PERSONNE_ID",
    );
}

fn read_link(reading: &mut Reading<'_>, node: Node) {
    let mut record = Record::new(&node, &LINK);
    let (Some(eleve_id), Some(guardian_id)) =
        (record.take(&["ELEVE_ID"]), record.take(&["PERSONNE_ID"]))
    else {
        reading.invalid(
            Severity::Warning,
            node.line,
            "RESPONSABLE_ELEVE sans ELEVE_ID ou sans PERSONNE_ID : le lien est ignoré".to_string(),
        );
        return;
    };
    let link = GuardianLink {
        eleve_id,
        guardian_id,
        legal_guardian: record.take(&["RESP_LEGAL"]),
        responsibility_level: record.take(&["NIVEAU_RESPONSABILITE"]),
        relationship: record.take(&["CODE_PARENTE"]),
        extra: record.rest(),
        source: reading.source(node.line),
    };
    reading.dataset.guardian_links.push(link);
}

fn write_person(writer: &mut XmlWriter, guardian: &Guardian) {
    write_leaves(
        writer,
        "PERSONNE",
        &[("PERSONNE_ID", guardian.id.as_str())],
        &PERSON,
        &guardian.extra,
        &[
            ("LC_CIVILITE", guardian.civility.as_deref()),
            ("NOM_DE_FAMILLE", guardian.family_name.as_deref()),
            ("NOM_USAGE", guardian.usage_name.as_deref()),
            ("PRENOM", guardian.first_name.as_deref()),
            ("ADRESSE_ID", guardian.address_id.as_deref()),
        ],
    );
}

fn write_link(writer: &mut XmlWriter, link: &GuardianLink) {
    write_leaves(
        writer,
        "RESPONSABLE_ELEVE",
        &[],
        &LINK,
        &link.extra,
        &[
            ("ELEVE_ID", Some(&link.eleve_id)),
            ("PERSONNE_ID", Some(&link.guardian_id)),
            ("RESP_LEGAL", link.legal_guardian.as_deref()),
            (
                "NIVEAU_RESPONSABILITE",
                link.responsibility_level.as_deref(),
            ),
            ("CODE_PARENTE", link.relationship.as_deref()),
        ],
    );
}

fn write(
    spec: &Spec,
    dataset: &Dataset,
    options: &WriteOptions,
) -> Result<Vec<OutputFile>, FormatError> {
    if dataset.guardians.is_empty() && dataset.guardian_links.is_empty() {
        return Err(FormatError::MissingData(
            "impossible d'écrire l'export des responsables : le jeu de données ne contient \
             aucun responsable (lisez un export SIECLE des responsables)"
                .to_string(),
        ));
    }
    let envelope = envelope(spec, dataset, options)?;
    let referenced: BTreeSet<&str> = dataset
        .guardians
        .values()
        .filter_map(|guardian| guardian.address_id.as_deref())
        .collect();
    let with_addresses = names(spec, dataset, options)
        .find_map(address::variant_of_name)
        .unwrap_or_else(|| {
            referenced
                .iter()
                .any(|id| dataset.addresses.contains_key(*id))
        });
    let base = if with_addresses {
        "ResponsablesAvecAdresses"
    } else {
        "ResponsablesSansAdresses"
    };
    let mut writer = begin(spec, &envelope);
    let kept = kept_blocks(spec, dataset);
    write_fields(&mut writer, &DATA, &kept, |writer, name| match name {
        "PERSONNES" => list_block(writer, name, dataset.guardians.values(), write_person),
        "RESPONSABLES" => list_block(writer, name, &dataset.guardian_links, write_link),
        "ADRESSES" if with_addresses => list_block(
            writer,
            name,
            address::to_write(dataset, &referenced),
            address::write,
        ),
        _ => false,
    });
    package(&envelope, base, writer, options)
}
