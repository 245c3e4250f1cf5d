//! What every BEE export shares: recognition by root and `VERSION`, the `PARAMETRES`
//! envelope, the streaming walk over `DONNEES`, and writing, encoding and zipping a file.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use passerelle_core::dates::{format_french, parse_french};
use passerelle_core::diagnostics::{Diagnostic, Objet, Severity, codes};
use passerelle_core::format::{
    Format, FormatError, OutputFile, Probe, ReadInput, ReadOutput, WriteOptions, score,
};
use passerelle_core::model::{Dataset, Extra, ExtraNode, FileInfo, Source};
use passerelle_core::output::zip_single;
use passerelle_core::xml::{StartTag, XmlStream, XmlWriter};

use crate::layout::{Layout, Record, Unconverted, one, write_leaves};

/// What identifies one family of export.
#[derive(Debug)]
pub(crate) struct Spec {
    /// Format id.
    pub(crate) id: &'static str,
    /// Root element (empty when unconfirmed).
    pub(crate) root: &'static str,
    /// `VERSION` values known; the last one is written when the dataset carries none.
    pub(crate) versions: &'static [&'static str],
    /// One French line saying what the file is.
    pub(crate) description: &'static str,
}

impl Spec {
    /// The version written by default.
    pub(crate) fn default_version(&self) -> &'static str {
        self.versions.last().copied().unwrap_or("")
    }
}

/// Reads a file of a family.
pub(crate) type ReadFn = fn(&Spec, &ReadInput<'_>) -> Result<ReadOutput, FormatError>;

/// Writes a family's file from a dataset.
pub(crate) type WriteFn =
    fn(&Spec, &Dataset, &WriteOptions) -> Result<Vec<OutputFile>, FormatError>;

/// A SIECLE format: its spec and the functions that recognise, read and write it.
pub(crate) struct SiecleFormat {
    pub(crate) spec: Spec,
    pub(crate) sniff: fn(&Spec, &Probe<'_>) -> u8,
    pub(crate) read: ReadFn,
    pub(crate) write: Option<WriteFn>,
}

impl Format for SiecleFormat {
    fn id(&self) -> &str {
        self.spec.id
    }

    fn version(&self) -> &str {
        match self.spec.default_version() {
            "" => "-",
            version => version,
        }
    }

    fn description(&self) -> &str {
        self.spec.description
    }

    fn sniff(&self, probe: &Probe<'_>) -> u8 {
        (self.sniff)(&self.spec, probe)
    }

    fn can_read(&self) -> bool {
        true
    }

    fn can_write(&self) -> bool {
        self.write.is_some()
    }

    fn read(&self, input: &ReadInput<'_>) -> Result<ReadOutput, FormatError> {
        (self.read)(&self.spec, input)
    }

    fn write(
        &self,
        dataset: &Dataset,
        options: &WriteOptions,
    ) -> Result<Vec<OutputFile>, FormatError> {
        match self.write {
            Some(write) => write(&self.spec, dataset, options),
            None => Err(FormatError::CannotWrite(self.spec.id.to_string())),
        }
    }
}

/// Recognition by root element: a known `VERSION` is sure, another one still the format.
pub(crate) fn sniff_root(spec: &Spec, probe: &Probe<'_>) -> u8 {
    match probe.root {
        Some(root) if root.name == spec.root => {
            let known = root
                .attr("VERSION")
                .is_some_and(|version| spec.versions.contains(&version));
            if known { score::SURE } else { score::ROOT }
        }
        _ => score::NO,
    }
}

/// The state of a read: the dataset being filled, remarks, and the blocks kept verbatim.
pub(crate) struct Reading<'a> {
    /// File name (or `archive.zip!member.xml`).
    pub(crate) file: &'a str,
    /// The fragment being read.
    pub(crate) dataset: Dataset,
    /// Remarks.
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// `DONNEES` children the model does not hold, in document order.
    pub(crate) kept: Vec<ExtraNode>,
}

impl Reading<'_> {
    /// Provenance at a line of the file.
    pub(crate) fn source(&self, line: u32) -> Source {
        Source::new(self.file, Some(line))
    }

    /// A `VALEUR_INVALIDE` remark at a line.
    pub(crate) fn invalid(&mut self, severity: Severity, line: u32, message: String) {
        self.diagnostics.push(
            Diagnostic::new(codes::VALEUR_INVALIDE, severity, message)
                .with_fix(
                    "Vérifiez la fiche dans SIECLE puis refaites l'export ; ne modifiez pas le \
                     fichier à la main.",
                )
                .at(&self.source(line)),
        );
    }

    /// Adds a record keyed by its code to one of the dataset's maps. Of two records with the
    /// same code the first is kept, with a remark when they differ; `what` names it.
    pub(crate) fn insert_first<T: PartialEq>(
        &mut self,
        map: impl FnOnce(&mut Dataset) -> &mut BTreeMap<String, T>,
        code: String,
        value: T,
        line: u32,
        what: &str,
    ) {
        let map = map(&mut self.dataset);
        match map.get(&code) {
            None => {
                map.insert(code, value);
            }
            Some(first) if *first == value => {}
            Some(_) => self.invalid(
                Severity::Warning,
                line,
                format!(
                    "{what} « {code} » apparaît deux fois avec des contenus différents : la \
                     première occurrence est gardée"
                ),
            ),
        }
    }

    /// Reports a value kept as found because it could not be read.
    pub(crate) fn unconverted(&mut self, value: &Unconverted, expected: &str) {
        self.invalid(
            Severity::Warning,
            value.line,
            format!(
                "{} vaut « {} », qui n'est pas {expected} : la valeur est gardée telle quelle \
                 mais ignorée",
                value.name, value.text
            ),
        );
    }

    /// A date `DD/MM/YYYY`; a value that is not one is reported and kept in the extra.
    pub(crate) fn date(&mut self, record: &mut Record<'_>, name: &str) -> Option<NaiveDate> {
        let parsed = record.take_parsed(&[name], |text| parse_french(text).ok_or(()));
        self.date_result(parsed)
    }

    /// An end date `DD/MM/YYYY` where `31/12/9999` means "no end".
    pub(crate) fn end_date(&mut self, record: &mut Record<'_>, name: &str) -> Option<NaiveDate> {
        let parsed = record.take_parsed(&[name], passerelle_core::dates::parse_french_end);
        self.date_result(parsed.map(Option::flatten))
    }

    fn date_result(&mut self, parsed: Result<Option<NaiveDate>, Unconverted>) -> Option<NaiveDate> {
        match parsed {
            Ok(date) => date,
            Err(value) => {
                self.unconverted(&value, "une date JJ/MM/AAAA");
                None
            }
        }
    }
}

/// How one family reads the children of `DONNEES`.
pub(crate) trait Blocks {
    /// Reads one child of `DONNEES`; gives the tag back when the block is not modelled, and
    /// it is then kept verbatim.
    fn block(
        &mut self,
        reading: &mut Reading<'_>,
        stream: &mut XmlStream<'_>,
        tag: StartTag,
    ) -> Result<Option<StartTag>, FormatError>;

    /// Called once the document has been read.
    fn finish(self, reading: &mut Reading<'_>)
    where
        Self: Sized,
    {
        let _ = reading;
    }
}

/// Children of `PARAMETRES`, in order.
static PARAMETERS: Layout = Layout {
    fields: &[
        one("UAJ"),
        one("ANNEE_SCOLAIRE"),
        one("DATE_EXPORT"),
        one("HORODATAGE"),
    ],
    foreign: &[],
};

/// Iterates over the records of a list block (`ELEVES/ELEVE*`…), one materialised at a time.
/// Children of another name are reported and skipped.
pub(crate) fn each_record(
    reading: &mut Reading<'_>,
    stream: &mut XmlStream<'_>,
    list: &str,
    item: &str,
    mut record: impl FnMut(&mut Reading<'_>, passerelle_core::xml::Node),
) -> Result<(), FormatError> {
    while let Some(tag) = stream.next_child()? {
        if tag.name == item {
            let node = stream.read_node(tag)?;
            record(reading, node);
        } else {
            let line = tag.line;
            let name = tag.name.clone();
            stream.skip(tag)?;
            reading.invalid(
                Severity::Warning,
                line,
                format!(
                    "élément <{name}> inattendu dans <{list}> (seuls des <{item}> y sont \
                     attendus) : il est ignoré"
                ),
            );
        }
    }
    Ok(())
}

fn invalid(file: &str, line: u32, message: String) -> FormatError {
    FormatError::Invalid {
        file: file.to_string(),
        line: Some(line),
        message,
    }
}

/// Reads `PARAMETRES` into the file's envelope.
fn read_parameters(
    reading: &mut Reading<'_>,
    node: &passerelle_core::xml::Node,
    info: &mut FileInfo,
    strict: bool,
) -> Result<(), FormatError> {
    let mut record = Record::new(node, &PARAMETERS);
    info.uaj = record.take(&["UAJ"]);
    match record.take_parsed(&["ANNEE_SCOLAIRE"], parse_year) {
        Ok(year) => info.annee = year,
        Err(value) if strict => {
            return Err(invalid(
                reading.file,
                value.line,
                format!(
                    "ANNEE_SCOLAIRE vaut « {} » au lieu d'une année sur quatre chiffres (2025 \
                     pour 2025-2026) : refaites l'export depuis SIECLE",
                    value.text
                ),
            ));
        }
        Err(value) => reading.unconverted(&value, "une année sur quatre chiffres"),
    }
    info.date_export = reading.date(&mut record, "DATE_EXPORT");
    info.horodatage = record.take(&["HORODATAGE"]);
    info.extra = record.rest();
    Ok(())
}

fn parse_year(text: &str) -> Result<i32, ()> {
    if text.len() == 4 && text.bytes().all(|byte| byte.is_ascii_digit()) {
        text.parse().map_err(|_| ())
    } else {
        Err(())
    }
}

/// Reads a file of one of the five confirmed families.
pub(crate) fn read_family<B: Blocks + Default>(
    spec: &Spec,
    input: &ReadInput<'_>,
) -> Result<ReadOutput, FormatError> {
    read_document(spec, input, B::default(), true)
}

/// Reads a BEE document: root and `VERSION`, `PARAMETRES`, then each block of `DONNEES`
/// through `blocks`. `strict` families require their root, `PARAMETRES` (with UAJ and year)
/// and `DONNEES`; the reference files, whose layout is unconfirmed, do not, and read every
/// child of the root other than `PARAMETRES` as a block.
pub(crate) fn read_document<B: Blocks>(
    spec: &Spec,
    input: &ReadInput<'_>,
    mut blocks: B,
    strict: bool,
) -> Result<ReadOutput, FormatError> {
    let mut stream = input.xml_stream();
    let root = stream.root()?;
    if strict && root.name != spec.root {
        return Err(invalid(
            input.file_name,
            root.line,
            format!(
                "l'élément racine est <{}> alors que ce format ({}) attend <{}> : ce n'est pas \
                 le bon fichier",
                root.name, spec.description, spec.root
            ),
        ));
    }
    let mut reading = Reading {
        file: input.file_name,
        dataset: Dataset::default(),
        diagnostics: Vec::new(),
        kept: Vec::new(),
    };
    let version = root.attr("VERSION").map(str::to_string);
    if strict
        && !version
            .as_deref()
            .is_some_and(|v| spec.versions.contains(&v))
    {
        let said = match &version {
            Some(version) => format!(
                "porte la VERSION « {version} », que passerelle ne connaît pas (connues : {})",
                spec.versions.join(", ")
            ),
            None => "n'a pas d'attribut VERSION".to_string(),
        };
        reading.diagnostics.push(
            Diagnostic::new(
                codes::VERSION_INCONNUE,
                Severity::Warning,
                format!(
                    "<{}> {said} : le fichier est lu d'après le nom des éléments",
                    spec.root
                ),
            )
            .with_fix(
                "Vérifiez le résultat ; signalez cette version aux développeurs de passerelle.",
            )
            .at(&reading.source(root.line))
            .with_objet(Objet {
                fichier: Some(input.file_name.to_string()),
                ..Objet::default()
            }),
        );
    }
    let mut info = FileInfo {
        fichier: input.file_name.to_string(),
        format: spec.id.to_string(),
        version,
        ..FileInfo::default()
    };
    let mut parameters_seen = false;
    let mut data_seen = false;
    while let Some(tag) = stream.next_child()? {
        match tag.name.as_str() {
            "PARAMETRES" if !parameters_seen => {
                parameters_seen = true;
                let node = stream.read_node(tag)?;
                read_parameters(&mut reading, &node, &mut info, strict)?;
            }
            "DONNEES" if !data_seen => {
                data_seen = true;
                while let Some(child) = stream.next_child()? {
                    if let Some(tag) = blocks.block(&mut reading, &mut stream, child)? {
                        let node = stream.read_node(tag)?;
                        reading.kept.push(node.to_extra());
                    }
                }
            }
            _ if !strict => {
                if let Some(tag) = blocks.block(&mut reading, &mut stream, tag)? {
                    let node = stream.read_node(tag)?;
                    reading.kept.push(node.to_extra());
                }
            }
            _ => {
                let (line, name) = (tag.line, tag.name.clone());
                stream.skip(tag)?;
                reading.invalid(
                    Severity::Warning,
                    line,
                    format!(
                        "élément <{name}> inattendu sous <{}> (seuls PARAMETRES et DONNEES y \
                         sont attendus) : il est ignoré",
                        spec.root
                    ),
                );
            }
        }
    }
    stream.finish()?;
    if strict {
        let missing = if !parameters_seen {
            Some("l'élément PARAMETRES")
        } else if info.uaj.is_none() {
            Some("l'UAJ de PARAMETRES")
        } else if info.annee.is_none() {
            Some("l'année (ANNEE_SCOLAIRE) de PARAMETRES")
        } else if !data_seen {
            Some("l'élément DONNEES")
        } else {
            None
        };
        if let Some(missing) = missing {
            return Err(invalid(
                input.file_name,
                root.line,
                format!(
                    "{missing} manque : le fichier est incomplet ou a été modifié ; refaites \
                     l'export depuis SIECLE"
                ),
            ));
        }
    }
    blocks.finish(&mut reading);
    let mut dataset = std::mem::take(&mut reading.dataset);
    dataset.establishment.uaj = info.uaj.clone().unwrap_or_default();
    dataset.school_year.millesime = info.annee;
    dataset.files = vec![info];
    if !reading.kept.is_empty() {
        dataset.extra.push(ExtraNode {
            name: data_container(spec, &root.name),
            children: std::mem::take(&mut reading.kept),
            ..ExtraNode::default()
        });
    }
    Ok(ReadOutput {
        dataset,
        diagnostics: reading.diagnostics,
    })
}

/// The name under which a file's unmodelled `DONNEES` blocks are kept in the dataset's
/// extra: its root element, so that each family finds its own.
fn data_container(spec: &Spec, root: &str) -> String {
    if spec.root.is_empty() {
        root.to_string()
    } else {
        spec.root.to_string()
    }
}

/// The `DONNEES` blocks of this family kept from a file read earlier.
pub(crate) fn kept_blocks(spec: &Spec, dataset: &Dataset) -> Extra {
    dataset
        .extra
        .get(spec.root)
        .map(|node| Extra(node.children.clone()))
        .unwrap_or_default()
}

/// The envelope of a file to write.
#[derive(Debug)]
pub(crate) struct Envelope {
    /// `UAJ`.
    pub(crate) uaj: String,
    /// `ANNEE_SCOLAIRE`.
    pub(crate) annee: i32,
    /// Root `VERSION`.
    pub(crate) version: String,
    /// `DATE_EXPORT`.
    pub(crate) date_export: Option<NaiveDate>,
    /// `HORODATAGE`.
    pub(crate) horodatage: Option<String>,
    /// Other `PARAMETRES` children kept from the file read.
    pub(crate) extra: Extra,
    /// Modification time of the zip member (reproducible).
    pub(crate) zip_time: NaiveDateTime,
}

const HORODATAGE_FORMAT: &str = "%d/%m/%Y %H:%M:%S";

/// The envelope: from the file of the same format the dataset was read from when there is
/// one, else from the write options' timestamp, else from the dataset's reference date.
pub(crate) fn envelope(
    spec: &Spec,
    dataset: &Dataset,
    options: &WriteOptions,
) -> Result<Envelope, FormatError> {
    let info = dataset.files.iter().find(|file| file.format == spec.id);
    let uaj = Some(dataset.establishment.uaj.trim())
        .filter(|uaj| !uaj.is_empty())
        .map(str::to_string)
        .or_else(|| info.and_then(|info| info.uaj.clone()))
        .ok_or_else(|| {
            FormatError::MissingData(format!(
                "impossible d'écrire {} : l'UAJ de l'établissement est inconnu (lisez aussi un \
                 fichier qui le donne, par exemple sts_emp ou un export SIECLE)",
                spec.description
            ))
        })?;
    let annee = dataset
        .school_year
        .millesime
        .or_else(|| info.and_then(|info| info.annee))
        .ok_or_else(|| {
            FormatError::MissingData(format!(
                "impossible d'écrire {} : l'année scolaire est inconnue (lisez aussi un fichier \
                 qui la donne, par exemple sts_emp ou un export SIECLE)",
                spec.description
            ))
        })?;
    let version = info
        .and_then(|info| info.version.as_deref())
        .filter(|version| spec.versions.contains(version))
        .unwrap_or(spec.default_version())
        .to_string();
    let date_export = info
        .and_then(|info| info.date_export)
        .or_else(|| options.timestamp.map(|timestamp| timestamp.date()))
        .or(dataset.reference_date);
    let horodatage = info
        .and_then(|info| info.horodatage.clone())
        .or_else(|| {
            options
                .timestamp
                .map(|timestamp| timestamp.format(HORODATAGE_FORMAT).to_string())
        })
        .or_else(|| {
            dataset
                .reference_date
                .map(|date| format!("{} 00:00:00", format_french(date)))
        });
    let zip_time = horodatage
        .as_deref()
        .and_then(|text| NaiveDateTime::parse_from_str(text.trim(), HORODATAGE_FORMAT).ok())
        .or_else(|| date_export.and_then(|date| date.and_hms_opt(0, 0, 0)))
        .unwrap_or_default();
    Ok(Envelope {
        uaj,
        annee,
        version,
        date_export,
        horodatage,
        extra: info.map(|info| info.extra.clone()).unwrap_or_default(),
        zip_time,
    })
}

/// Starts a document: declaration, root with `VERSION`, `PARAMETRES`, and `DONNEES` opened.
pub(crate) fn begin(spec: &Spec, envelope: &Envelope) -> XmlWriter {
    let mut writer = XmlWriter::with_declaration("ISO-8859-15");
    writer.open(spec.root, &[("VERSION", envelope.version.as_str())]);
    let annee = envelope.annee.to_string();
    let date_export = envelope.date_export.map(format_french);
    write_leaves(
        &mut writer,
        "PARAMETRES",
        &[],
        &PARAMETERS,
        &envelope.extra,
        &[
            ("UAJ", Some(&envelope.uaj)),
            ("ANNEE_SCOLAIRE", Some(&annee)),
            ("DATE_EXPORT", date_export.as_deref()),
            ("HORODATAGE", envelope.horodatage.as_deref()),
        ],
    );
    writer.open("DONNEES", &[]);
    writer
}

/// Writes a list block: `<LIST>` with its items, or `<LIST/>` when there is none.
pub(crate) fn list_block<T>(
    writer: &mut XmlWriter,
    name: &str,
    items: impl IntoIterator<Item = T>,
    mut item: impl FnMut(&mut XmlWriter, T),
) -> bool {
    let mut items = items.into_iter().peekable();
    if items.peek().is_none() {
        writer.empty(name, &[]);
        return true;
    }
    writer.open(name, &[]);
    for value in items {
        item(writer, value);
    }
    writer.close();
    true
}

/// Encodes the document in ISO-8859-15 and packages it as SIECLE does:
/// `ExportXML_<base>.zip` holding `<base>.xml`, or the bare XML when the name asked for
/// ends with `.xml`.
pub(crate) fn package(
    envelope: &Envelope,
    base: &str,
    writer: XmlWriter,
    options: &WriteOptions,
) -> Result<Vec<OutputFile>, FormatError> {
    let bytes = writer.finish_latin9();
    if let Some(name) = options
        .target_name
        .as_deref()
        .filter(|name| name.to_ascii_lowercase().ends_with(".xml"))
    {
        return Ok(vec![OutputFile {
            name: name.to_string(),
            bytes,
        }]);
    }
    let zipped = zip_single(&format!("{base}.xml"), &bytes, envelope.zip_time)
        .map_err(|error| FormatError::Plugin(error.to_string()))?;
    Ok(vec![OutputFile {
        name: format!("ExportXML_{base}.zip"),
        bytes: zipped,
    }])
}

/// The names that may tell which variant of a family to write: the name asked for, then
/// the names of the files of this format the dataset was read from.
pub(crate) fn names<'d>(
    spec: &Spec,
    dataset: &'d Dataset,
    options: &'d WriteOptions,
) -> impl Iterator<Item = &'d str> {
    let id = spec.id;
    options.target_name.as_deref().into_iter().chain(
        dataset
            .files
            .iter()
            .filter(move |file| file.format == id)
            .map(|file| file.fichier.as_str()),
    )
}
