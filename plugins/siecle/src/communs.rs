//! `siecle-communs`: `BEE_COMMUN`, `Communs.xml` (SIECLE.md §5.5), the establishment and the
//! school calendar.
//!
//! The year's real bounds exist only here: `ANNEE_SCOLAIRE` gives the students' and staff's
//! first and last days (`31/12/9999` = no end), `ANNEE_SCOLAIRE_AD` the previous year's.
//! Pedagogical periods and closures are kept verbatim in the school year's extra. CRLF line
//! endings were seen in this file and are read like LF.

use passerelle_core::dates::format_french;
use passerelle_core::format::{FormatError, OutputFile, WriteOptions};
use passerelle_core::model::{Dataset, Extra, ExtraNode, YearBounds};
use passerelle_core::xml::{StartTag, XmlStream, XmlWriter};

use crate::bee::{
    Blocks, Reading, SiecleFormat, Spec, begin, envelope, kept_blocks, package, read_family,
    sniff_root,
};
use crate::layout::{Layout, Record, one, opt, write_fields, write_leaves, write_node};

/// The format.
pub(crate) static FORMAT: SiecleFormat = SiecleFormat {
    spec: Spec {
        id: "siecle-communs",
        root: "BEE_COMMUN",
        versions: &["1.7"],
        description: "Export SIECLE commun (Communs.xml : établissement, dates de l'année \
                      scolaire)",
    },
    sniff: sniff_root,
    read: read_family::<Reader>,
    write: Some(write),
};

static DATA: Layout = Layout {
    fields: &[
        one("UAJ"),
        one("ANNEE_SCOLAIRE"),
        one("ANNEE_SCOLAIRE_AD"),
        one("PERIODES_PEDAGOGIQUES"),
        one("CALENDRIERS_FERMETURES"),
    ],
    foreign: &[],
};

/// Blocks of `DONNEES` kept in the school year's extra.
const CALENDAR_BLOCKS: [&str; 2] = ["PERIODES_PEDAGOGIQUES", "CALENDRIERS_FERMETURES"];

/// `UAJ` children. The names STS gives its establishment fields (`sts_emp` `PARAMETRES/UAJ`)
/// are foreign here.
static ESTABLISHMENT: Layout = Layout {
    fields: &[
        one("ETAB_UAJ_ID"),
        opt("NUM_SIREN"),
        one("DENOM_PRINC"),
        opt("DENOM_COMPL"),
        opt("NOM_RESP"),
        opt("QUAL_RESP"),
        opt("LIGNE1_ADRESSE"),
        opt("LIGNE2_ADRESSE"),
        opt("LIGNE3_ADRESSE"),
        opt("LIGNE4_ADRESSE"),
        opt("BOITE_POST"),
        opt("COMMUNE_ETRANGERE"),
        opt("TELEPHONE"),
        opt("TELECOPIE"),
        opt("MEL_1"),
        opt("MEL_2"),
        opt("CODE_TYPE_ETAB"),
        opt("SECTEUR_CODE"),
        opt("CODE_POSTAL"),
        opt("CODE_COMMUNE_INSEE"),
        opt("CODE_PAYS"),
        opt("LIBELLE_POSTAL"),
    ],
    foreign: &[
        "ACADEMIE",
        "SIGLE",
        "CODE_NATURE",
        "CODE_CATEGORIE",
        "MENTION_DISTRIBUTION",
        "ADRESSE",
        "COMMUNE",
        "BOITE_POSTALE",
        "CEDEX",
        "STATUT",
        "ETABLISSEMENT_SENSIBLE",
    ],
};

static YEAR: Layout = Layout {
    fields: &[
        opt("DATE_DEBUT_ELEVE"),
        opt("DATE_FIN_ELEVE"),
        opt("DATE_DEBUT_PROF"),
        opt("DATE_FIN_PROF"),
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
        let name = tag.name.clone();
        match name.as_str() {
            "UAJ" => {
                let node = stream.read_node(tag)?;
                let mut record = Record::new(&node, &ESTABLISHMENT);
                let establishment = &mut reading.dataset.establishment;
                establishment.name = record.take(&["DENOM_PRINC"]);
                establishment.name_complement = record.take(&["DENOM_COMPL"]);
                establishment.extra = record.rest();
            }
            "ANNEE_SCOLAIRE" | "ANNEE_SCOLAIRE_AD" => {
                let node = stream.read_node(tag)?;
                let mut record = Record::new(&node, &YEAR);
                let bounds = YearBounds {
                    start: reading.date(&mut record, "DATE_DEBUT_ELEVE"),
                    end: reading.end_date(&mut record, "DATE_FIN_ELEVE"),
                    staff_start: reading.date(&mut record, "DATE_DEBUT_PROF"),
                    staff_end: reading.end_date(&mut record, "DATE_FIN_PROF"),
                };
                let rest = record.rest();
                let year = &mut reading.dataset.school_year;
                if name == "ANNEE_SCOLAIRE" {
                    year.bounds = bounds;
                } else if bounds != YearBounds::default() {
                    year.previous = Some(bounds);
                }
                // Unknown children (or dates that could not be read) stay with their year.
                if !rest.is_empty() {
                    year.extra.push(ExtraNode {
                        name,
                        children: rest.0,
                        ..ExtraNode::default()
                    });
                }
            }
            block if CALENDAR_BLOCKS.contains(&block) => {
                let node = stream.read_node(tag)?.to_extra();
                // A blank block is written anyway: keeping it would not survive a round trip.
                let blank =
                    node.attributes.is_empty() && node.text.is_none() && node.children.is_empty();
                if !blank {
                    reading.dataset.school_year.extra.push(node);
                }
            }
            _ => return Ok(Some(tag)),
        }
        Ok(None)
    }
}

fn write_year(writer: &mut XmlWriter, name: &str, bounds: Option<&YearBounds>, extra: &Extra) {
    let kept = extra
        .iter()
        .find(|node| node.name == name)
        .map(|node| Extra(node.children.clone()))
        .unwrap_or_default();
    let Some(bounds) =
        bounds.filter(|bounds| **bounds != YearBounds::default() || !kept.is_empty())
    else {
        writer.empty(name, &[]);
        return;
    };
    let dates = [
        bounds.start,
        bounds.end,
        bounds.staff_start,
        bounds.staff_end,
    ]
    .map(|date| date.map(format_french));
    let values: Vec<(&str, Option<&str>)> = YEAR
        .fields
        .iter()
        .zip(&dates)
        .map(|(field, date)| (field.name, date.as_deref()))
        .collect();
    write_leaves(writer, name, &[], &YEAR, &kept, &values);
}

fn write(
    spec: &Spec,
    dataset: &Dataset,
    options: &WriteOptions,
) -> Result<Vec<OutputFile>, FormatError> {
    let envelope = envelope(spec, dataset, options)?;
    let establishment = &dataset.establishment;
    let year = &dataset.school_year;
    let mut writer = begin(spec, &envelope);
    let kept = kept_blocks(spec, dataset);
    write_fields(&mut writer, &DATA, &kept, |writer, name| match name {
        "UAJ" => {
            // The establishment's own id is the UAJ unless the file said otherwise.
            let id = Some(envelope.uaj.as_str())
                .filter(|_| establishment.extra.get("ETAB_UAJ_ID").is_none());
            write_leaves(
                writer,
                name,
                &[],
                &ESTABLISHMENT,
                &establishment.extra,
                &[
                    ("ETAB_UAJ_ID", id),
                    ("DENOM_PRINC", establishment.name.as_deref()),
                    ("DENOM_COMPL", establishment.name_complement.as_deref()),
                ],
            );
            true
        }
        "ANNEE_SCOLAIRE" => {
            write_year(writer, name, Some(&year.bounds), &year.extra);
            true
        }
        "ANNEE_SCOLAIRE_AD" => {
            write_year(writer, name, year.previous.as_ref(), &year.extra);
            true
        }
        block => match year.extra.iter().find(|node| node.name == block) {
            Some(node) => {
                write_node(writer, node);
                true
            }
            None => false,
        },
    });
    package(&envelope, "Communs", writer, options)
}
