//! Format plugins: the [`Format`] trait, static registration and the [`Registry`].
//!
//! A format plugin knows its own format and the core model, nothing else. Static plugins
//! register with [`register_format!`]; the registry collects them, rejects duplicate ids and
//! lists formats sorted by id.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use chrono::NaiveDateTime;

use crate::diagnostics::Diagnostic;
use crate::encoding::TextKind;
use crate::model::Dataset;
use crate::xml::{DEFAULT_MAX_DEPTH, StartTag, XmlError, XmlStream};

/// Where a format comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Compiled into passerelle.
    Builtin,
    /// A dynamic plugin loaded from this file.
    Dynamic(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Builtin => f.write_str("builtin"),
            Origin::Dynamic(path) => write!(f, "{}", path.display()),
        }
    }
}

/// What detection shows a format about a file.
#[derive(Clone, Copy, Debug)]
pub struct Probe<'a> {
    /// Display name (`ElevesSansAdresses.xml`, `archive.zip!member.xml`).
    pub file_name: &'a str,
    /// Base name of the file or zip member, without folders or archive.
    pub base_name: &'a str,
    /// The decoded text.
    pub text: &'a str,
    /// The root element, for XML.
    pub root: Option<&'a StartTag>,
}

/// Detection scores: how sure a format is that a file is its own.
pub mod score {
    /// Not this format.
    pub const NO: u8 = 0;
    /// Only a weak clue (a file name, a generic root).
    pub const WEAK: u8 = 10;
    /// The root element matches.
    pub const ROOT: u8 = 50;
    /// Root and version (or distinctive content) match.
    pub const SURE: u8 = 90;
}

/// Options for readers that need more than the text.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ReadOptions {
    /// Named parameters (`correspondances` = path of a correspondence file…).
    pub params: BTreeMap<String, String>,
    /// Deepest element nesting an XML reader accepts (`--profondeur-max`); readers get it
    /// through [`ReadInput::xml_stream`].
    #[serde(default = "default_max_depth")]
    pub max_depth: usize,
}

fn default_max_depth() -> usize {
    DEFAULT_MAX_DEPTH
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            params: BTreeMap::new(),
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

/// What a reader is given.
#[derive(Clone, Copy, Debug)]
pub struct ReadInput<'a> {
    /// Display name, used as provenance.
    pub file_name: &'a str,
    /// Base name of the file or zip member.
    pub base_name: &'a str,
    /// The decoded text.
    pub text: &'a str,
    /// Options.
    pub options: &'a ReadOptions,
}

impl<'a> ReadInput<'a> {
    /// A streaming parser over the text, naming the file in errors and bounded by the
    /// options' depth limit: every XML reader starts here.
    pub fn xml_stream(&self) -> XmlStream<'a> {
        XmlStream::new(self.text, self.file_name).with_max_depth(self.options.max_depth)
    }
}

/// What a reader returns: a dataset fragment and its remarks.
#[derive(Clone, Debug, Default)]
pub struct ReadOutput {
    /// The fragment: one establishment and year as declared by the file.
    pub dataset: Dataset,
    /// Remarks (unknown version, invalid values kept…).
    pub diagnostics: Vec<Diagnostic>,
}

/// Options for writers.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct WriteOptions {
    /// Generation time written in the file or its name (`--horodatage`), for reproducible
    /// output; the writer uses data from the dataset when it is absent.
    pub timestamp: Option<NaiveDateTime>,
    /// The name the user asked for (`-o fichier.zip`), when it is a file.
    pub target_name: Option<String>,
    /// Named parameters (`logiciel`, `num-envoi`…).
    pub params: BTreeMap<String, String>,
}

/// A file produced by a writer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    /// File name, following the format's convention.
    pub name: String,
    /// Content, already encoded (and zipped when the format says so).
    pub bytes: Vec<u8>,
}

/// Why a format could not read or write.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// Not well-formed, or refused by the XML layer.
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// Well-formed, but not what the format requires.
    #[error("{}", located(.file, *.line, .message))]
    Invalid {
        /// File.
        file: String,
        /// Line, when known.
        line: Option<u32>,
        /// What is wrong and what to do, in French.
        message: String,
    },
    /// The dataset lacks what the writer needs.
    #[error("{0}")]
    MissingData(String),
    /// The format has no reader.
    #[error("le format « {0} » ne sait pas lire de fichier : choisissez-en un autre avec --from")]
    CannotRead(String),
    /// The format has no writer.
    #[error(
        "le format « {0} » ne sait pas écrire de fichier : `passerelle formats` liste ceux qui le savent"
    )]
    CannotWrite(String),
    /// An error reported by a dynamic plugin.
    #[error("{0}")]
    Plugin(String),
}

fn located(file: &str, line: Option<u32>, message: &str) -> String {
    match line {
        Some(line) => format!("{file}, ligne {line} : {message}"),
        None => format!("{file} : {message}"),
    }
}

/// A format: an id, a version, recognition, and a reader and/or a writer.
pub trait Format: Send + Sync {
    /// Stable id (`sts-emp`, `siecle-eleves`…).
    fn id(&self) -> &str;
    /// Version of the format written (and the newest read).
    fn version(&self) -> &str;
    /// One line in French saying what the file is.
    fn description(&self) -> &str;
    /// Where the format comes from.
    fn origin(&self) -> Origin {
        Origin::Builtin
    }
    /// How the text of this format is encoded by default.
    fn text_kind(&self) -> TextKind {
        TextKind::Xml
    }
    /// How sure the format is that the probed file is its own (see [`score`]).
    fn sniff(&self, probe: &Probe<'_>) -> u8;
    /// When the file is forced into this format (`--from`) but [`sniff`](Self::sniff) refuses
    /// it: one French sentence saying what the file is instead, for a file that looks like this
    /// format but is another (the *dossiers* `IMPORT_ELEVES` given as the liens file…).
    fn mismatch(&self, probe: &Probe<'_>) -> Option<String> {
        let _ = probe;
        None
    }
    /// Whether [`read`](Self::read) is implemented.
    fn can_read(&self) -> bool;
    /// Whether [`write`](Self::write) is implemented.
    fn can_write(&self) -> bool;
    /// Reads a file into a dataset fragment.
    fn read(&self, input: &ReadInput<'_>) -> Result<ReadOutput, FormatError> {
        let _ = input;
        Err(FormatError::CannotRead(self.id().to_string()))
    }
    /// Writes a dataset.
    fn write(
        &self,
        dataset: &Dataset,
        options: &WriteOptions,
    ) -> Result<Vec<OutputFile>, FormatError> {
        let _ = (dataset, options);
        Err(FormatError::CannotWrite(self.id().to_string()))
    }
}

/// A statically linked format, as registered by [`register_format!`].
pub struct StaticFormat(pub &'static dyn Format);

inventory::collect!(StaticFormat);

/// Registers a format value (a `static` implementing [`Format`]) with the built-in registry.
#[macro_export]
macro_rules! register_format {
    ($format:expr) => {
        $crate::inventory::submit! {
            $crate::format::StaticFormat(&$format)
        }
    };
}

/// Why a format cannot join the registry.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Two formats share an id.
    #[error(
        "deux formats portent l'identifiant « {id} » ({first} et {second}) : retirez l'un des deux"
    )]
    DuplicateId {
        /// The id.
        id: String,
        /// Origin of the format already registered.
        first: String,
        /// Origin of the newcomer.
        second: String,
    },
}

/// The formats passerelle knows, sorted by id.
#[derive(Clone, Default)]
pub struct Registry {
    formats: Vec<&'static dyn Format>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.ids()).finish()
    }
}

impl Registry {
    /// The statically linked formats (every `register_format!` of the linked crates).
    pub fn builtin() -> Result<Self, RegistryError> {
        let mut registry = Registry::default();
        for registered in inventory::iter::<StaticFormat> {
            registry.add(registered.0)?;
        }
        Ok(registry)
    }

    /// Adds a format; an id already present is refused.
    pub fn add(&mut self, format: &'static dyn Format) -> Result<(), RegistryError> {
        if let Some(existing) = self.get(format.id()) {
            return Err(RegistryError::DuplicateId {
                id: format.id().to_string(),
                first: existing.origin().to_string(),
                second: format.origin().to_string(),
            });
        }
        let position = self
            .formats
            .partition_point(|known| known.id() < format.id());
        self.formats.insert(position, format);
        Ok(())
    }

    /// Replaces the format with the same id (for a dynamic plugin carrying a newer version).
    pub fn replace(&mut self, format: &'static dyn Format) {
        match self
            .formats
            .iter()
            .position(|known| known.id() == format.id())
        {
            Some(index) => self.formats[index] = format,
            None => {
                let position = self
                    .formats
                    .partition_point(|known| known.id() < format.id());
                self.formats.insert(position, format);
            }
        }
    }

    /// The format with this id.
    pub fn get(&self, id: &str) -> Option<&'static dyn Format> {
        self.formats
            .iter()
            .copied()
            .find(|format| format.id() == id)
    }

    /// Every format, sorted by id.
    pub fn iter(&self) -> impl Iterator<Item = &'static dyn Format> + '_ {
        self.formats.iter().copied()
    }

    /// Every id, sorted.
    pub fn ids(&self) -> Vec<&'static str> {
        self.formats.iter().map(|format| format.id()).collect()
    }
}
