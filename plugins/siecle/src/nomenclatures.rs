//! `siecle-nomenclatures`: `BEE_NOMENCLATURES`, `Nomenclature.xml` (SIECLE.md §5.3).
//!
//! MEFs, subjects, subject programmes and compulsory options go to their model collections;
//! the simple code lists to [`Dataset::code_lists`] (the lists shared with STS under the
//! [`code_lists`] names, the others under their list element name); every other block is
//! kept verbatim and written back in its place. VERSION 2.0 (2017) and 3.1 (2018+).

use passerelle_core::diagnostics::Severity;
use passerelle_core::format::{FormatError, OutputFile, WriteOptions};
use passerelle_core::model::{
    CodeItem, CompulsoryOption, Dataset, Extra, ExtraNode, Mef, Programme, Subject, code_lists,
};
use passerelle_core::xml::{Node, StartTag, XmlStream, XmlWriter};

use crate::bee::{
    Blocks, Reading, SiecleFormat, Spec, begin, each_record, envelope, kept_blocks, list_block,
    package, read_family, sniff_root,
};
use crate::layout::{Layout, Record, one, opt, write_fields, write_leaves};

/// The format.
pub(crate) static FORMAT: SiecleFormat = SiecleFormat {
    spec: Spec {
        id: "siecle-nomenclatures",
        root: "BEE_NOMENCLATURES",
        versions: &["2.0", "3.1"],
        description: "Export SIECLE des nomenclatures (Nomenclature.xml : MEF, matières, \
                      programmes, listes de codes)",
    },
    sniff: sniff_root,
    read: read_family::<Reader>,
    write: Some(write),
};

/// `DONNEES` blocks in the 2017 order (SIECLE.md §5.3).
static DATA: Layout = Layout {
    fields: &[
        one("MEFS"),
        one("MATIERES"),
        one("PROGRAMMES"),
        opt("OPTIONS_OBLIGATOIRES"),
        opt("MODALITES_ELECTION"),
        opt("REGIMES"),
        opt("LIENS_PARENTE"),
        opt("BOURSES"),
        opt("PROFESSIONS"),
        opt("SITUATIONS_EMPLOI"),
        opt("PCS_SITUATIONS_EMPLOI"),
        opt("PROVENANCES"),
        opt("MOTIFS_SORTIE"),
        opt("STATUTS_ELEVE"),
        opt("CONTRATS"),
        opt("TYPES_ETABLISSEMENT"),
        opt("CIVILITES"),
        opt("MODALITES_COURS"),
    ],
    foreign: &[],
};

static MEF: Layout = Layout {
    fields: &[
        one("FORMATION"),
        opt("SPECIALITE"),
        one("LIBELLE_LONG"),
        opt("LIBELLE_EDITION"),
        opt("STATUT_MEF"),
        opt("MEF_RATTACHEMENT"),
        one("CODE_MEFSTAT"),
        opt("NB_OPT_OBLIG"),
        opt("NB_OPT_MINI"),
        opt("RENFORCEMENT_LANGUES"),
        one("INSCRIPTION_ETAB"),
        one("MEF_ORIGINE"),
        one("MEF_SELECTIONNE"),
        one("MEF_SELORIG"),
        one("DATE_OUVERTURE"),
        one("DATE_FERMETURE"),
    ],
    foreign: &["MEFSTAT11", "MEFSTAT4"],
};

static SUBJECT: Layout = Layout {
    fields: &[
        one("CODE_GESTION"),
        one("LIBELLE_COURT"),
        one("LIBELLE_LONG"),
        one("LIBELLE_EDITION"),
        one("MATIERE_ETP"),
        opt("CODE_MATIERE_NATIONALE"),
    ],
    foreign: &[],
};

static PROGRAMME: Layout = Layout {
    fields: &[
        one("CODE_MEF"),
        one("CODE_MATIERE"),
        one("CODE_MODALITE_ELECT"),
        one("HORAIRE"),
    ],
    foreign: &[],
};

static COMPULSORY_OPTION: Layout = Layout {
    fields: &[one("CODE_MEF"), one("CODE_MATIERE"), one("RANG_OPTION")],
    foreign: &[],
};

static ITEM: Layout = Layout {
    fields: &[
        one("LIBELLE_COURT"),
        one("LIBELLE_LONG"),
        opt("BOURSE_NATIONALE"),
        opt("TRANS_SITUATION"),
        opt("CO_ENSEIGNEMENT"),
    ],
    foreign: &["CPGE_BTS"],
};

/// A simple code list: list and item elements, code attribute, key in the model.
struct SimpleList {
    list: &'static str,
    item: &'static str,
    attribute: &'static str,
    key: &'static str,
}

const fn simple(
    list: &'static str,
    item: &'static str,
    attribute: &'static str,
    key: &'static str,
) -> SimpleList {
    SimpleList {
        list,
        item,
        attribute,
        key,
    }
}

static SIMPLE_LISTS: &[SimpleList] = &[
    simple(
        "MODALITES_ELECTION",
        "MODALITE_ELECTION",
        "CODE_MODALITE_ELECT",
        code_lists::ELECTION_MODALITIES,
    ),
    simple("REGIMES", "REGIME", "CODE_REGIME", "REGIMES"),
    simple(
        "LIENS_PARENTE",
        "LIEN_PARENTE",
        "CODE_PARENTE",
        "LIENS_PARENTE",
    ),
    simple("BOURSES", "BOURSE", "CODE_BOURSE", "BOURSES"),
    simple(
        "PROFESSIONS",
        "PROFESSION",
        "CODE_PROFESSION",
        "PROFESSIONS",
    ),
    simple(
        "SITUATIONS_EMPLOI",
        "SITUATION_EMPLOI",
        "CODE_SITUATION",
        "SITUATIONS_EMPLOI",
    ),
    simple(
        "PROVENANCES",
        "PROVENANCE",
        "CODE_PROVENANCE",
        "PROVENANCES",
    ),
    simple(
        "MOTIFS_SORTIE",
        "MOTIF_SORTIE",
        "CODE_MOTIF_SORTIE",
        "MOTIFS_SORTIE",
    ),
    simple(
        "STATUTS_ELEVE",
        "STATUT_ELEVE",
        "CODE_STATUT",
        "STATUTS_ELEVE",
    ),
    simple("CONTRATS", "CONTRAT", "CODE_CONTRAT", code_lists::CONTRACTS),
    simple(
        "TYPES_ETABLISSEMENT",
        "TYPE_ETABLISSEMENT",
        "CODE_TYPE_ETAB",
        "TYPES_ETABLISSEMENT",
    ),
    simple(
        "CIVILITES",
        "CIVILITE",
        "CODE_CIVILITE",
        code_lists::CIVILITIES,
    ),
    simple(
        "MODALITES_COURS",
        "MODALITE_COURS",
        "CODE_MODALITE_COURS",
        code_lists::COURSE_MODES,
    ),
];

/// The course modes list is shared with STS, whose co-teaching flag is `CO_ENS`: the model
/// holds STS's name, SIECLE's file `CO_ENSEIGNEMENT`.
const CO_TEACHING: (&str, &str) = ("CO_ENS", "CO_ENSEIGNEMENT");

fn renamed(extra: Extra, from: &str, to: &str) -> Extra {
    Extra(
        extra
            .0
            .into_iter()
            .map(|node| {
                if node.name == from {
                    ExtraNode {
                        name: to.to_string(),
                        ..node
                    }
                } else {
                    node
                }
            })
            .collect(),
    )
}

#[derive(Default)]
struct Reader;

/// The code attribute of a record, or a remark and `None`.
fn code_of(reading: &mut Reading<'_>, node: &Node, attribute: &str) -> Option<String> {
    let code = node.attr(attribute).map(str::to_string);
    if code.is_none() {
        reading.invalid(
            Severity::Warning,
            node.line,
            format!(
                "<{}> sans attribut {attribute} : l'élément est ignoré",
                node.name
            ),
        );
    }
    code
}

impl Blocks for Reader {
    fn block(
        &mut self,
        reading: &mut Reading<'_>,
        stream: &mut XmlStream<'_>,
        tag: StartTag,
    ) -> Result<Option<StartTag>, FormatError> {
        match tag.name.as_str() {
            "MEFS" => each_record(reading, stream, "MEFS", "MEF", |reading, node| {
                let Some(code) = code_of(reading, &node, "CODE_MEF") else {
                    return;
                };
                let mut record = Record::new(&node, &MEF);
                let mef = Mef {
                    code: code.clone(),
                    formation: record.take(&["FORMATION"]),
                    speciality: record.take(&["SPECIALITE"]),
                    long_label: record.take(&["LIBELLE_LONG"]),
                    edition_label: record.take(&["LIBELLE_EDITION"]),
                    mefstat11: record.take(&["CODE_MEFSTAT"]),
                    mefstat4: None,
                    extra: record.rest(),
                    source: reading.source(node.line),
                };
                reading.insert_first(|d| &mut d.mefs, code, mef, node.line, "le MEF");
            })?,
            "MATIERES" => each_record(reading, stream, "MATIERES", "MATIERE", |reading, node| {
                let Some(code) = code_of(reading, &node, "CODE_MATIERE") else {
                    return;
                };
                let mut record = Record::new(&node, &SUBJECT);
                let subject = Subject {
                    code: code.clone(),
                    management_code: record.take(&["CODE_GESTION"]),
                    short_label: record.take(&["LIBELLE_COURT"]),
                    long_label: record.take(&["LIBELLE_LONG"]),
                    edition_label: record.take(&["LIBELLE_EDITION"]),
                    extra: record.rest(),
                    source: reading.source(node.line),
                };
                reading.insert_first(|d| &mut d.subjects, code, subject, node.line, "la matière");
            })?,
            "PROGRAMMES" => each_record(
                reading,
                stream,
                "PROGRAMMES",
                "PROGRAMME",
                |reading, node| {
                    let mut record = Record::new(&node, &PROGRAMME);
                    let programme = Programme {
                        mef: record.take(&["CODE_MEF"]),
                        subject: record.take(&["CODE_MATIERE"]),
                        modality: record.take(&["CODE_MODALITE_ELECT"]),
                        hours: record.take(&["HORAIRE"]),
                        extra: record.rest(),
                        source: reading.source(node.line),
                    };
                    reading.dataset.programmes.push(programme);
                },
            )?,
            "OPTIONS_OBLIGATOIRES" => each_record(
                reading,
                stream,
                "OPTIONS_OBLIGATOIRES",
                "OPTION_OBLIGATOIRE",
                |reading, node| {
                    let mut record = Record::new(&node, &COMPULSORY_OPTION);
                    let option = CompulsoryOption {
                        mef: record.take(&["CODE_MEF"]).unwrap_or_default(),
                        subject: record.take(&["CODE_MATIERE"]).unwrap_or_default(),
                        rank: record.take(&["RANG_OPTION"]),
                        extra: record.rest(),
                        source: reading.source(node.line),
                    };
                    reading.dataset.compulsory_options.push(option);
                },
            )?,
            name => {
                let Some(list) = SIMPLE_LISTS.iter().find(|list| list.list == name) else {
                    return Ok(Some(tag));
                };
                reading
                    .dataset
                    .code_lists
                    .entry(list.key.to_string())
                    .or_default();
                each_record(reading, stream, list.list, list.item, |reading, node| {
                    read_item(reading, list, &node);
                })?;
            }
        }
        Ok(None)
    }
}

fn read_item(reading: &mut Reading<'_>, list: &SimpleList, node: &Node) {
    let Some(code) = code_of(reading, node, list.attribute) else {
        return;
    };
    let mut record = Record::new(node, &ITEM);
    let short_label = record.take(&["LIBELLE_COURT"]);
    let long_label = record.take(&["LIBELLE_LONG"]);
    let mut extra = record.rest();
    if list.key == code_lists::COURSE_MODES {
        extra = renamed(extra, CO_TEACHING.1, CO_TEACHING.0);
    }
    let item = CodeItem {
        code: code.clone(),
        short_label,
        long_label,
        extra,
        source: reading.source(node.line),
    };
    let key = list.key;
    reading.insert_first(
        |d| d.code_lists.entry(key.to_string()).or_default(),
        code,
        item,
        node.line,
        &format!("le code de {}", list.list),
    );
}

fn write_item(writer: &mut XmlWriter, list: &SimpleList, item: &CodeItem) {
    let extra = if list.key == code_lists::COURSE_MODES {
        renamed(item.extra.clone(), CO_TEACHING.0, CO_TEACHING.1)
    } else {
        item.extra.clone()
    };
    write_leaves(
        writer,
        list.item,
        &[(list.attribute, item.code.as_str())],
        &ITEM,
        &extra,
        &[
            ("LIBELLE_COURT", item.short_label.as_deref()),
            ("LIBELLE_LONG", item.long_label.as_deref()),
        ],
    );
}

fn write_mef(writer: &mut XmlWriter, mef: &Mef) {
    write_leaves(
        writer,
        "MEF",
        &[("CODE_MEF", mef.code.as_str())],
        &MEF,
        &mef.extra,
        &[
            ("FORMATION", mef.formation.as_deref()),
            ("SPECIALITE", mef.speciality.as_deref()),
            ("LIBELLE_LONG", mef.long_label.as_deref()),
            ("LIBELLE_EDITION", mef.edition_label.as_deref()),
            ("CODE_MEFSTAT", mef.mefstat11.as_deref()),
        ],
    );
}

fn write_subject(writer: &mut XmlWriter, subject: &Subject) {
    write_leaves(
        writer,
        "MATIERE",
        &[("CODE_MATIERE", subject.code.as_str())],
        &SUBJECT,
        &subject.extra,
        &[
            ("CODE_GESTION", subject.management_code.as_deref()),
            ("LIBELLE_COURT", subject.short_label.as_deref()),
            ("LIBELLE_LONG", subject.long_label.as_deref()),
            ("LIBELLE_EDITION", subject.edition_label.as_deref()),
        ],
    );
}

fn write_programme(writer: &mut XmlWriter, programme: &Programme) {
    write_leaves(
        writer,
        "PROGRAMME",
        &[],
        &PROGRAMME,
        &programme.extra,
        &[
            ("CODE_MEF", programme.mef.as_deref()),
            ("CODE_MATIERE", programme.subject.as_deref()),
            ("CODE_MODALITE_ELECT", programme.modality.as_deref()),
            ("HORAIRE", programme.hours.as_deref()),
        ],
    );
}

fn write_compulsory_option(writer: &mut XmlWriter, option: &CompulsoryOption) {
    write_leaves(
        writer,
        "OPTION_OBLIGATOIRE",
        &[],
        &COMPULSORY_OPTION,
        &option.extra,
        &[
            ("CODE_MEF", Some(&option.mef)),
            ("CODE_MATIERE", Some(&option.subject)),
            ("RANG_OPTION", option.rank.as_deref()),
        ],
    );
}

fn write(
    spec: &Spec,
    dataset: &Dataset,
    options: &WriteOptions,
) -> Result<Vec<OutputFile>, FormatError> {
    if dataset.mefs.is_empty() || dataset.subjects.is_empty() {
        return Err(FormatError::MissingData(
            "impossible d'écrire Nomenclature.xml : le jeu de données n'a pas de MEF ou pas de \
             matière (SIECLE refuse lui aussi cet export ; lisez sts_emp ou un export SIECLE \
             des nomenclatures)"
                .to_string(),
        ));
    }
    let envelope = envelope(spec, dataset, options)?;
    let mut writer = begin(spec, &envelope);
    let kept = kept_blocks(spec, dataset);
    write_fields(&mut writer, &DATA, &kept, |writer, name| match name {
        "MEFS" => list_block(writer, name, dataset.mefs.values(), write_mef),
        "MATIERES" => list_block(writer, name, dataset.subjects.values(), write_subject),
        "PROGRAMMES" => list_block(writer, name, &dataset.programmes, write_programme),
        "OPTIONS_OBLIGATOIRES" if !dataset.compulsory_options.is_empty() => list_block(
            writer,
            name,
            &dataset.compulsory_options,
            write_compulsory_option,
        ),
        _ => {
            let Some(list) = SIMPLE_LISTS.iter().find(|list| list.list == name) else {
                return false;
            };
            let Some(items) = dataset.code_lists.get(list.key) else {
                return false;
            };
            list_block(writer, name, items.values(), |writer, item| {
                write_item(writer, list, item);
            })
        }
    });
    package(&envelope, "Nomenclature", writer, options)
}
