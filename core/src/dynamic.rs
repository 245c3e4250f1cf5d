//! Dynamic format plugins: next year's format as a shared library, without a new passerelle.
//!
//! Rust has no stable ABI, so nothing Rust-typed crosses the boundary. A plugin exports:
//! - two `u32` statics, [`ABI_SYMBOL`] and [`MODEL_SYMBOL`], read and checked by the host
//!   before it calls anything;
//! - one entry function, [`ENTRY_SYMBOL`], returning a `#[repr(C)]` [`RawPlugin`]: plugin name
//!   and version, its formats, and `extern "C"` function pointers for sniff, mismatch, read,
//!   write and free. A format's recognition rule is its own [`Format::sniff`], run inside the
//!   plugin on the same probe (file name, base name, decoded text) as a built-in format's.
//!
//! Data crosses as bytes: the decoded text in, the canonical JSON dataset and the diagnostics
//! out; the canonical JSON dataset in, the written files out. A buffer is freed by the side
//! that allocated it: the host copies what a plugin returns, then hands the buffer back to the
//! plugin's `free`. Every exported function catches panics: a panic is reported as an error
//! naming the plugin, never unwinds into the host (which would abort it). Libraries are never
//! unloaded, and each file is loaded once per process.
//!
//! A plugin author writes an ordinary [`Format`] and calls [`export_plugin!`](crate::export_plugin):
//! the same code serves a static and a dynamic plugin. `docs/plugins.md` is the maintainers'
//! guide. This module is the only place of passerelle with `unsafe` code.

#![allow(unsafe_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::format::{
    Format, FormatError, Origin, OutputFile, Probe, ReadInput, ReadOptions, ReadOutput, Registry,
    WriteOptions,
};
use crate::json_format::{from_json, to_json};
use crate::model::{Dataset, MODEL_VERSION};

/// Version of this binary interface. Bump it on any change to the `Raw*` types, to the
/// function signatures or to the meaning of a status or a buffer.
pub const ABI_VERSION: u32 = 1;
/// Name of the exported `u32` holding the plugin's ABI version.
pub const ABI_SYMBOL: &str = "PASSERELLE_ABI_VERSION";
/// Name of the exported `u32` holding the model version the plugin was built with.
pub const MODEL_SYMBOL: &str = "PASSERELLE_MODEL_VERSION";
/// Name of the exported entry function.
pub const ENTRY_SYMBOL: &str = "passerelle_plugin_v1";

/// What a plugin function returns, with the content of its output buffer.
pub mod status {
    /// Success: the buffer holds the result.
    pub const OK: i32 = 0;
    /// The format refused (a bad file, missing data): the buffer holds its French message.
    pub const ERROR: i32 = 1;
    /// The plugin panicked: the buffer holds the panic message and its location.
    pub const PANIC: i32 = 2;
}

/// A borrowed UTF-8 string: in a descriptor, owned by the plugin for the life of the
/// process; as an argument, owned by the caller for the duration of the call.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RawStr {
    /// First byte (anything, even dangling, when `len` is 0).
    pub ptr: *const u8,
    /// Length in bytes.
    pub len: usize,
}

impl RawStr {
    fn new(text: &str) -> Self {
        RawStr {
            ptr: text.as_ptr(),
            len: text.len(),
        }
    }
}

/// A buffer allocated by the plugin and freed by the plugin's `free`.
#[repr(C)]
#[derive(Debug)]
pub struct RawBuffer {
    /// First byte (null for a buffer never filled).
    pub ptr: *mut u8,
    /// Length in bytes.
    pub len: usize,
    /// Allocated capacity.
    pub capacity: usize,
}

impl RawBuffer {
    fn empty() -> Self {
        RawBuffer {
            ptr: std::ptr::null_mut(),
            len: 0,
            capacity: 0,
        }
    }

    fn from_vec(bytes: Vec<u8>) -> Self {
        let mut bytes = std::mem::ManuallyDrop::new(bytes);
        RawBuffer {
            ptr: bytes.as_mut_ptr(),
            len: bytes.len(),
            capacity: bytes.capacity(),
        }
    }
}

/// A file shown to a plugin: what [`Probe`] and [`ReadInput`] carry, as strings.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RawInput {
    /// Display name (`archive.zip!member.xml`).
    pub file_name: RawStr,
    /// Base name of the file or zip member.
    pub base_name: RawStr,
    /// The decoded text.
    pub text: RawStr,
}

/// A format provided by a plugin.
#[repr(C)]
#[derive(Debug)]
pub struct RawFormat {
    /// Format id (`siecle-eleves`).
    pub id: RawStr,
    /// Version written and newest read (`4.0`).
    pub version: RawStr,
    /// French description.
    pub description: RawStr,
    /// Whether it reads.
    pub can_read: bool,
    /// Whether it writes.
    pub can_write: bool,
}

/// `sniff(format index, input) -> score` ([`crate::format::score`]; a panic counts as `NO`).
pub type SniffFn = extern "C" fn(usize, RawInput) -> u8;
/// `mismatch(format index, input, out) -> status`: on [`status::OK`], `out` holds the
/// sentence of [`Format::mismatch`], empty for none.
pub type MismatchFn = extern "C" fn(usize, RawInput, *mut RawBuffer) -> i32;
/// `read(format index, input, options JSON, out) -> status`: on [`status::OK`], `out` holds
/// the framed parts [`DATASET_PART`] (canonical JSON) and [`DIAGNOSTICS_PART`] (JSON list).
pub type ReadFn = extern "C" fn(usize, RawInput, RawStr, *mut RawBuffer) -> i32;
/// `write(format index, canonical JSON dataset, options JSON, out) -> status`: on
/// [`status::OK`], `out` holds the framed files written.
pub type WriteFn = extern "C" fn(usize, RawStr, RawStr, *mut RawBuffer) -> i32;
/// `free(buffer)`: gives a buffer back to the plugin that allocated it.
pub type FreeFn = extern "C" fn(RawBuffer);

/// Name of the framed part holding the dataset a read returns.
pub const DATASET_PART: &str = "dataset.json";
/// Name of the framed part holding the diagnostics a read returns.
pub const DIAGNOSTICS_PART: &str = "diagnostics.json";

/// What a plugin's entry function returns (null if the plugin failed to describe itself).
#[repr(C)]
#[derive(Debug)]
pub struct RawPlugin {
    /// ABI version (must equal [`ABI_VERSION`] and the exported [`ABI_SYMBOL`]).
    pub abi_version: u32,
    /// Model version (must equal [`MODEL_VERSION`] and the exported [`MODEL_SYMBOL`]).
    pub model_version: u32,
    /// Plugin name.
    pub name: RawStr,
    /// Plugin version.
    pub version: RawStr,
    /// The formats.
    pub formats: *const RawFormat,
    /// How many formats.
    pub format_count: usize,
    /// Recognition.
    pub sniff: SniffFn,
    /// What a forced file is instead.
    pub mismatch: MismatchFn,
    /// Reading.
    pub read: ReadFn,
    /// Writing.
    pub write: WriteFn,
    /// Freeing buffers.
    pub free: FreeFn,
}

/// A plugin's descriptor, shared by its formats (and, plugin side, kept once built).
#[derive(Clone, Copy, Debug)]
struct PluginHandle(&'static RawPlugin);

// SAFETY: the descriptor is never written after `guest::describe` builds it, its strings and
// format table are immutable leaked data, and the plugin functions only read the plugin's
// immutable format table (`Format: Send + Sync`).
unsafe impl Send for PluginHandle {}
// SAFETY: as above: shared references to immutable data and thread-safe functions.
unsafe impl Sync for PluginHandle {}

/// Frames named byte blobs: for each, the name length (u32 LE), the name, the content length
/// (u64 LE), the content.
fn frame(parts: &[OutputFile]) -> Vec<u8> {
    let size = parts
        .iter()
        .map(|part| 12 + part.name.len() + part.bytes.len())
        .sum();
    let mut bytes = Vec::with_capacity(size);
    for part in parts {
        let name = part.name.as_bytes();
        bytes.extend_from_slice(&u32::try_from(name.len()).unwrap_or(u32::MAX).to_le_bytes());
        bytes.extend_from_slice(name);
        bytes.extend_from_slice(&(part.bytes.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&part.bytes);
    }
    bytes
}

/// The parts of a framed buffer, borrowed.
fn unframe(mut bytes: &[u8]) -> Option<Vec<(&str, &[u8])>> {
    let mut parts = Vec::new();
    while !bytes.is_empty() {
        let (length, rest) = bytes.split_first_chunk::<4>()?;
        let length = usize::try_from(u32::from_le_bytes(*length)).ok()?;
        let name = std::str::from_utf8(rest.get(..length)?).ok()?;
        let rest = rest.get(length..)?;
        let (size, rest) = rest.split_first_chunk::<8>()?;
        let size = usize::try_from(u64::from_le_bytes(*size)).ok()?;
        parts.push((name, rest.get(..size)?));
        bytes = rest.get(size..)?;
    }
    Some(parts)
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panique sans message".to_string())
}

/// The plugin side: what [`export_plugin!`](crate::export_plugin) generates calls into.
#[doc(hidden)]
pub mod guest {
    use std::cell::{Cell, RefCell};
    use std::sync::Once;

    use super::*;
    use crate::format::score;
    use crate::xml::probe_root;

    static FORMATS: OnceLock<&'static [&'static dyn Format]> = OnceLock::new();
    static DESCRIPTOR: OnceLock<PluginHandle> = OnceLock::new();

    thread_local! {
        /// Whether this thread is inside a guarded plugin call.
        static GUARDED: Cell<bool> = const { Cell::new(false) };
        /// The last panic of a guarded call, with its location.
        static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    }

    /// The version a plugin declares: its own override (passerelle's tests only), else the
    /// one it is built with.
    pub const fn declared(overrides: &[u32], built: u32) -> u32 {
        match overrides {
            [version, ..] => *version,
            [] => built,
        }
    }

    /// Makes the panics of guarded calls silent (they become errors carrying their message
    /// and location); other panics still reach the previous hook. A cdylib has its own copy
    /// of the standard library, so in a plugin this hook only sees the plugin's panics.
    fn install_panic_hook() {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if GUARDED.get() {
                    let message = info
                        .payload_as_str()
                        .unwrap_or("panique sans message")
                        .to_string();
                    let message = match info.location() {
                        Some(location) => {
                            format!("{message} ({}:{})", location.file(), location.line())
                        }
                        None => message,
                    };
                    LAST_PANIC.set(Some(message));
                } else {
                    previous(info);
                }
            }));
        });
    }

    /// Runs plugin code, catching its panic as its message.
    fn guarded<T>(work: impl FnOnce() -> T) -> Result<T, String> {
        install_panic_hook();
        let outer = GUARDED.replace(true);
        LAST_PANIC.set(None);
        let result = catch_unwind(AssertUnwindSafe(work));
        GUARDED.set(outer);
        result.map_err(|payload| {
            LAST_PANIC
                .take()
                .unwrap_or_else(|| panic_message(payload.as_ref()))
        })
    }

    /// Builds (once) the descriptor of a plugin whose formats are `formats`; null if a
    /// format panics while describing itself.
    pub fn describe(
        name: &'static str,
        version: &'static str,
        formats: &'static [&'static dyn Format],
        abi_version: u32,
        model_version: u32,
    ) -> *const RawPlugin {
        let built = guarded(|| {
            *DESCRIPTOR.get_or_init(|| {
                let formats = *FORMATS.get_or_init(|| formats);
                let raw_formats: Vec<RawFormat> = formats
                    .iter()
                    .map(|format| RawFormat {
                        id: RawStr::new(format.id()),
                        version: RawStr::new(format.version()),
                        description: RawStr::new(format.description()),
                        can_read: format.can_read(),
                        can_write: format.can_write(),
                    })
                    .collect();
                // Leaked on purpose: the host keeps the library, and so the descriptor, forever.
                let raw_formats: &'static [RawFormat] = Vec::leak(raw_formats);
                PluginHandle(Box::leak(Box::new(RawPlugin {
                    abi_version,
                    model_version,
                    name: RawStr::new(name),
                    version: RawStr::new(version),
                    formats: raw_formats.as_ptr(),
                    format_count: raw_formats.len(),
                    sniff,
                    mismatch,
                    read,
                    write,
                    free,
                })))
            })
        });
        match built {
            Ok(handle) => handle.0,
            Err(_) => std::ptr::null(),
        }
    }

    fn format(index: usize) -> Result<&'static dyn Format, String> {
        FORMATS
            .get()
            .and_then(|formats| formats.get(index))
            .copied()
            .ok_or_else(|| format!("le plugin n'a pas de format n°{index}"))
    }

    /// Reads a host string.
    ///
    /// # Safety
    /// Unless `raw.len` is 0, `raw.ptr` must point to `raw.len` readable bytes that stay valid
    /// and unchanged during the call.
    unsafe fn text<'a>(raw: RawStr) -> Result<&'a str, String> {
        if raw.len == 0 {
            return Ok("");
        }
        // SAFETY: the caller guarantees `len` readable bytes at `ptr`; the host passes
        // pointers to strings it owns for the duration of the call (see `DynamicFormat`).
        let bytes = unsafe { std::slice::from_raw_parts(raw.ptr, raw.len) };
        std::str::from_utf8(bytes)
            .map_err(|error| format!("texte non UTF-8 reçu de passerelle : {error}"))
    }

    /// The three strings of a host input.
    ///
    /// # Safety
    /// As [`text`], for each of them.
    unsafe fn input_texts<'a>(input: RawInput) -> Result<(&'a str, &'a str, &'a str), String> {
        // SAFETY: forwarded from the caller.
        unsafe {
            Ok((
                text(input.file_name)?,
                text(input.base_name)?,
                text(input.text)?,
            ))
        }
    }

    /// Calls `work` with the format and the probe of a host input.
    fn with_probe<T>(
        index: usize,
        input: RawInput,
        work: impl FnOnce(&dyn Format, &Probe<'_>) -> T,
    ) -> Result<T, String> {
        // SAFETY: the host's input strings are valid during this call (`DynamicFormat`).
        let (file_name, base_name, text) = unsafe { input_texts(input) }?;
        let root = probe_root(text);
        let probe = Probe {
            file_name,
            base_name,
            text,
            root: root.as_ref(),
        };
        Ok(work(format(index)?, &probe))
    }

    /// Runs `work`, catching panics, and stores its bytes or its message in `out`.
    fn respond(out: *mut RawBuffer, work: impl FnOnce() -> Result<Vec<u8>, String>) -> i32 {
        let (code, bytes) = match guarded(work) {
            Ok(Ok(bytes)) => (status::OK, bytes),
            Ok(Err(message)) => (status::ERROR, message.into_bytes()),
            Err(message) => (status::PANIC, message.into_bytes()),
        };
        if out.is_null() {
            return status::ERROR;
        }
        // SAFETY: `out` is non-null and points to a `RawBuffer` the host reserved for this
        // call; writing a whole value does not read (or drop) the previous one.
        unsafe { out.write(RawBuffer::from_vec(bytes)) };
        code
    }

    extern "C" fn sniff(index: usize, input: RawInput) -> u8 {
        match guarded(|| with_probe(index, input, |format, probe| format.sniff(probe))) {
            Ok(Ok(score)) => score,
            _ => score::NO,
        }
    }

    extern "C" fn mismatch(index: usize, input: RawInput, out: *mut RawBuffer) -> i32 {
        respond(out, || {
            with_probe(index, input, |format, probe| {
                format.mismatch(probe).unwrap_or_default().into_bytes()
            })
        })
    }

    extern "C" fn read(index: usize, input: RawInput, options: RawStr, out: *mut RawBuffer) -> i32 {
        respond(out, || {
            // SAFETY: the host's input and options strings are valid during this call.
            let ((file_name, base_name, text), options) =
                unsafe { (input_texts(input)?, text(options)?) };
            let options: ReadOptions =
                serde_json::from_str(options).map_err(|error| error.to_string())?;
            let output = format(index)?
                .read(&ReadInput {
                    file_name,
                    base_name,
                    text,
                    options: &options,
                })
                .map_err(|error| error.to_string())?;
            let diagnostics =
                serde_json::to_vec(&output.diagnostics).map_err(|error| error.to_string())?;
            Ok(frame(&[
                OutputFile {
                    name: DATASET_PART.to_string(),
                    bytes: to_json(&output.dataset).into_bytes(),
                },
                OutputFile {
                    name: DIAGNOSTICS_PART.to_string(),
                    bytes: diagnostics,
                },
            ]))
        })
    }

    extern "C" fn write(
        index: usize,
        dataset: RawStr,
        options: RawStr,
        out: *mut RawBuffer,
    ) -> i32 {
        respond(out, || {
            // SAFETY: the host's dataset and options strings are valid during this call.
            let (dataset, options) = unsafe { (text(dataset)?, text(options)?) };
            let dataset = from_json(dataset, "(jeu de données reçu de passerelle)")
                .map_err(|error| error.to_string())?;
            let options: WriteOptions =
                serde_json::from_str(options).map_err(|error| error.to_string())?;
            let outputs = format(index)?
                .write(&dataset, &options)
                .map_err(|error| error.to_string())?;
            Ok(frame(&outputs))
        })
    }

    extern "C" fn free(buffer: RawBuffer) {
        if buffer.ptr.is_null() {
            return;
        }
        // SAFETY: a non-null buffer was made by `RawBuffer::from_vec` in this library, from a
        // Vec whose pointer, length and capacity it holds unchanged (the host only reads it),
        // and the host hands each buffer back exactly once.
        drop(unsafe { Vec::from_raw_parts(buffer.ptr, buffer.len, buffer.capacity) });
    }
}

/// Turns ordinary [`Format`] values into an exported dynamic plugin (in a `cdylib` crate).
///
/// ```ignore
/// passerelle_core::export_plugin! {
///     name: "passerelle-exemple-dynamique",
///     version: env!("CARGO_PKG_VERSION"),
///     formats: [eleves_v4::FORMAT],
/// }
/// ```
///
/// It exports [`ABI_SYMBOL`] and [`MODEL_SYMBOL`] (the versions this crate was built with)
/// and the entry function [`ENTRY_SYMBOL`]; every function it exports catches the formats'
/// panics. Use it once per library. The plugin must be built with `panic = "unwind"` (the
/// default): with `panic = "abort"` a panic ends the whole passerelle process.
///
/// Two more arguments, `abi_version: N` and `model_version: N` (in this order, each
/// optional), declare other versions than the ones the plugin is built with: they exist
/// only for passerelle's own tests of the refusal of such plugins.
#[macro_export]
macro_rules! export_plugin {
    (
        name: $name:expr,
        version: $version:expr,
        formats: [$($format:expr),+ $(,)?]
        $(, abi_version: $abi:expr)?
        $(, model_version: $model:expr)?
        $(,)?
    ) => {
        static PASSERELLE_EXPORTED_FORMATS: &[&'static dyn $crate::format::Format] =
            &[$(&$format),+];

        /// ABI version of this plugin, read by passerelle before anything else.
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub static PASSERELLE_ABI_VERSION: u32 =
            $crate::dynamic::guest::declared(&[$($abi)?], $crate::dynamic::ABI_VERSION);

        /// Model version this plugin was built with, read by passerelle before any call.
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub static PASSERELLE_MODEL_VERSION: u32 =
            $crate::dynamic::guest::declared(&[$($model)?], $crate::model::MODEL_VERSION);

        /// Entry point: the plugin's descriptor.
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub extern "C" fn passerelle_plugin_v1() -> *const $crate::dynamic::RawPlugin {
            $crate::dynamic::guest::describe(
                $name,
                $version,
                PASSERELLE_EXPORTED_FORMATS,
                PASSERELLE_ABI_VERSION,
                PASSERELLE_MODEL_VERSION,
            )
        }
    };
}

/// Why a plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The path does not exist.
    #[error("le plugin « {0} » n'existe pas : vérifiez --plugin ou PASSERELLE_PLUGIN_PATH")]
    NotFound(String),
    /// The path is a folder given where a file is expected.
    #[error(
        "« {0} » est un dossier : --plugin attend un fichier de plugin (PASSERELLE_PLUGIN_PATH accepte aussi des dossiers)"
    )]
    Folder(String),
    /// A folder of `PASSERELLE_PLUGIN_PATH` cannot be listed.
    #[error("le dossier de plugins « {path} » ne peut pas être lu ({message})")]
    UnreadableFolder {
        /// The folder.
        path: String,
        /// The system's message.
        message: String,
    },
    /// Not a loadable library.
    #[error(
        "« {path} » ne peut pas être chargé comme bibliothèque ({message}) : un plugin passerelle est une bibliothèque .so (Linux), .dylib (macOS) ou .dll (Windows) compilée pour cette machine"
    )]
    NotALibrary {
        /// The file.
        path: String,
        /// The loader's message.
        message: String,
    },
    /// A symbol is missing.
    #[error(
        "« {path} » n'est pas un plugin passerelle : il n'exporte pas le symbole {symbol} (un plugin s'écrit avec la macro passerelle_core::export_plugin!)"
    )]
    MissingSymbol {
        /// The file.
        path: String,
        /// The symbol.
        symbol: &'static str,
    },
    /// Built for another ABI.
    #[error(
        "« {path} » est un plugin pour l'interface n°{found}, or cette version de passerelle attend l'interface n°{expected} : recompilez le plugin avec cette version de passerelle"
    )]
    AbiMismatch {
        /// The file.
        path: String,
        /// Its ABI version.
        found: u32,
        /// Ours.
        expected: u32,
    },
    /// Built for another model.
    #[error(
        "« {path} » a été compilé pour le modèle de données n°{found}, or cette version de passerelle utilise le modèle n°{expected} : recompilez le plugin avec cette version de passerelle"
    )]
    ModelMismatch {
        /// The file.
        path: String,
        /// Its model version.
        found: u32,
        /// Ours.
        expected: u32,
    },
    /// The descriptor is unusable.
    #[error(
        "« {path} » a renvoyé une description invalide ({message}) : recompilez le plugin avec cette version de passerelle ou signalez-le à son auteur"
    )]
    BadDescriptor {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A format id already taken by an equal or newer version.
    #[error(
        "le plugin « {path} » fournit le format « {id} » en version {version}, mais passerelle le connaît déjà en version {existing} ({origin}) : un plugin ne peut remplacer qu'une version plus ancienne"
    )]
    NotNewer {
        /// The file.
        path: String,
        /// Format id.
        id: String,
        /// Plugin's version.
        version: String,
        /// Registered version.
        existing: String,
        /// Where the registered version comes from, in French.
        origin: String,
    },
}

/// A format served by a loaded plugin.
#[derive(Debug)]
struct DynamicFormat {
    plugin: PluginHandle,
    index: usize,
    id: String,
    version: String,
    description: String,
    can_read: bool,
    can_write: bool,
    path: PathBuf,
}

fn raw_input(file_name: &str, base_name: &str, text: &str) -> RawInput {
    RawInput {
        file_name: RawStr::new(file_name),
        base_name: RawStr::new(base_name),
        text: RawStr::new(text),
    }
}

/// What a failed plugin call was doing, for its message.
enum Doing<'a> {
    Reading(&'a str),
    Writing,
    Examining(&'a str),
}

impl DynamicFormat {
    /// Calls a plugin function that fills a buffer, hands the bytes to `then` and frees the
    /// buffer. A refusal keeps the format's own message; a panic names the plugin.
    fn call<T>(
        &self,
        doing: Doing<'_>,
        call: impl FnOnce(*mut RawBuffer) -> i32,
        then: impl FnOnce(&[u8]) -> Result<T, FormatError>,
    ) -> Result<T, FormatError> {
        let mut buffer = RawBuffer::empty();
        let code = call(&mut buffer);
        let bytes: &[u8] = if buffer.ptr.is_null() {
            &[]
        } else {
            // SAFETY: a non-null buffer was filled by the plugin's `respond` with the pointer
            // and length of a live allocation it owns until we hand it back to `free`, below,
            // after the last use of `bytes`.
            unsafe { std::slice::from_raw_parts(buffer.ptr, buffer.len) }
        };
        let result = match code {
            status::OK => then(bytes),
            status::ERROR => Err(FormatError::Plugin(
                String::from_utf8_lossy(bytes).into_owned(),
            )),
            code => Err(self.failure(code, &doing, &String::from_utf8_lossy(bytes))),
        };
        (self.plugin.0.free)(buffer);
        result
    }

    /// The sentence of a plugin that panicked (or answered nonsense) while `doing`.
    fn failure(&self, code: i32, doing: &Doing<'_>, message: &str) -> FormatError {
        let (doing, undone) = match doing {
            Doing::Reading(file) => (format!("en lisant « {file} »"), "le fichier n'a pas été lu"),
            Doing::Writing => ("en écrivant".to_string(), "rien n'a été écrit"),
            Doing::Examining(file) => (
                format!("en examinant « {file} »"),
                "le fichier n'a pas été lu",
            ),
        };
        let what = if code == status::PANIC {
            format!("a planté {doing} (format {}) : {message}", self.id)
        } else {
            format!(
                "a répondu un statut inconnu ({code}) {doing} (format {})",
                self.id
            )
        };
        FormatError::Plugin(format!(
            "le plugin « {} » {what} ; {undone}, signalez ce défaut à l'auteur du plugin",
            self.path.display(),
        ))
    }

    fn unreadable(&self, what: &str) -> FormatError {
        FormatError::Plugin(format!(
            "le plugin « {} » (format {}) a renvoyé {what} : signalez ce défaut à l'auteur du plugin",
            self.path.display(),
            self.id
        ))
    }
}

impl Format for DynamicFormat {
    fn id(&self) -> &str {
        &self.id
    }

    fn version(&self) -> &str {
        &self.version
    }

    fn description(&self) -> &str {
        &self.description
    }

    fn origin(&self) -> Origin {
        Origin::Dynamic(self.path.clone())
    }

    fn sniff(&self, probe: &Probe<'_>) -> u8 {
        let input = raw_input(probe.file_name, probe.base_name, probe.text);
        (self.plugin.0.sniff)(self.index, input)
    }

    fn mismatch(&self, probe: &Probe<'_>) -> Option<String> {
        let input = raw_input(probe.file_name, probe.base_name, probe.text);
        let sentence = self
            .call(
                Doing::Examining(probe.file_name),
                |out| (self.plugin.0.mismatch)(self.index, input, out),
                |bytes| Ok(String::from_utf8_lossy(bytes).into_owned()),
            )
            .ok()?;
        (!sentence.is_empty()).then_some(sentence)
    }

    fn can_read(&self) -> bool {
        self.can_read
    }

    fn can_write(&self) -> bool {
        self.can_write
    }

    fn read(&self, input: &ReadInput<'_>) -> Result<ReadOutput, FormatError> {
        let options = serde_json::to_string(input.options).unwrap_or_else(|_| "{}".to_string());
        let raw = raw_input(input.file_name, input.base_name, input.text);
        self.call(
            Doing::Reading(input.file_name),
            |out| (self.plugin.0.read)(self.index, raw, RawStr::new(&options), out),
            |bytes| {
                let parts =
                    unframe(bytes).ok_or_else(|| self.unreadable("un résultat illisible"))?;
                let part = |name: &str| {
                    parts
                        .iter()
                        .find(|(part, _)| *part == name)
                        .map(|(_, bytes)| *bytes)
                        .ok_or_else(|| self.unreadable(&format!("un résultat sans {name}")))
                };
                let dataset = std::str::from_utf8(part(DATASET_PART)?)
                    .map_err(|_| self.unreadable("un jeu de données non UTF-8"))?;
                let diagnostics = serde_json::from_slice(part(DIAGNOSTICS_PART)?)
                    .map_err(|_| self.unreadable("des remarques illisibles"))?;
                Ok(ReadOutput {
                    dataset: from_json(dataset, input.file_name)?,
                    diagnostics,
                })
            },
        )
    }

    fn write(
        &self,
        dataset: &Dataset,
        options: &WriteOptions,
    ) -> Result<Vec<OutputFile>, FormatError> {
        let dataset = to_json(dataset);
        let options = serde_json::to_string(options).unwrap_or_else(|_| "{}".to_string());
        self.call(
            Doing::Writing,
            |out| {
                (self.plugin.0.write)(
                    self.index,
                    RawStr::new(&dataset),
                    RawStr::new(&options),
                    out,
                )
            },
            |bytes| {
                let files =
                    unframe(bytes).ok_or_else(|| self.unreadable("des fichiers illisibles"))?;
                Ok(files
                    .into_iter()
                    .map(|(name, bytes)| OutputFile {
                        name: name.to_string(),
                        bytes: bytes.to_vec(),
                    })
                    .collect())
            },
        )
    }
}

/// Compares dotted versions numerically (`3.10` > `3.9`, `3.0` = `3`); parts that are not
/// numbers compare as text after the numbers.
pub fn newer_version(candidate: &str, existing: &str) -> bool {
    let parts = |version: &str| -> Vec<(u64, String)> {
        let mut parts: Vec<(u64, String)> = version
            .split('.')
            .map(|part| {
                let part = part.trim();
                (part.parse().unwrap_or(0), part.to_string())
            })
            .collect();
        while parts
            .last()
            .is_some_and(|(number, text)| *number == 0 && text.chars().all(|c| c == '0'))
        {
            parts.pop();
        }
        parts
    };
    parts(candidate) > parts(existing)
}

/// Reads a plugin's exported `u32`.
///
/// # Safety
/// The library must export `symbol` as a `u32` static if it exports it at all.
unsafe fn read_u32(
    library: &'static libloading::Library,
    shown: &str,
    symbol: &'static str,
) -> Result<u32, PluginError> {
    // SAFETY: the caller guarantees the symbol's type; we only read it as that `u32`.
    let value =
        unsafe { library.get::<*const u32>(symbol) }.map_err(|_| PluginError::MissingSymbol {
            path: shown.to_string(),
            symbol,
        })?;
    if value.is_null() {
        return Err(PluginError::MissingSymbol {
            path: shown.to_string(),
            symbol,
        });
    }
    // SAFETY: the symbol resolves to the address of the static, non-null and valid as long
    // as the library stays loaded, which is forever.
    Ok(unsafe { **value })
}

/// Reads a plugin string.
///
/// # Safety
/// Unless `raw.len` is 0 or `raw.ptr` is null, `raw.ptr` must point to `raw.len` bytes
/// living as long as the library.
unsafe fn plugin_text(raw: RawStr, shown: &str) -> Result<String, PluginError> {
    if raw.len == 0 {
        return Ok(String::new());
    }
    if raw.ptr.is_null() {
        return Err(PluginError::BadDescriptor {
            path: shown.to_string(),
            message: "pointeur nul".to_string(),
        });
    }
    // SAFETY: the caller guarantees `len` bytes at `ptr`; a descriptor's strings are
    // `'static` strs of the library (see `guest::describe`).
    let bytes = unsafe { std::slice::from_raw_parts(raw.ptr, raw.len) };
    String::from_utf8(bytes.to_vec()).map_err(|error| PluginError::BadDescriptor {
        path: shown.to_string(),
        message: format!("texte non UTF-8 ({error})"),
    })
}

/// The formats of a plugin descriptor; `origin` is the library's absolute path, `shown` the
/// path as the admin gave it.
fn formats_of(
    plugin: &'static RawPlugin,
    origin: &Path,
    shown: &str,
) -> Result<Vec<&'static dyn Format>, PluginError> {
    let bad = |message: String| PluginError::BadDescriptor {
        path: shown.to_string(),
        message,
    };
    if plugin.abi_version != ABI_VERSION || plugin.model_version != MODEL_VERSION {
        return Err(bad(format!(
            "interface n°{} et modèle n°{} dans la description, alors que passerelle attend \
             l'interface n°{ABI_VERSION} et le modèle n°{MODEL_VERSION}",
            plugin.abi_version, plugin.model_version
        )));
    }
    if plugin.format_count == 0 || plugin.formats.is_null() {
        return Err(bad("aucun format fourni".to_string()));
    }
    // SAFETY: non-null, `formats` points to `format_count` descriptors leaked by the plugin
    // (`guest::describe`) for the life of the library, which is never unloaded.
    let raw_formats = unsafe { std::slice::from_raw_parts(plugin.formats, plugin.format_count) };
    let mut formats: Vec<&'static dyn Format> = Vec::new();
    for (index, raw_format) in raw_formats.iter().enumerate() {
        // SAFETY: the strings of a descriptor are `'static` strs of the library.
        let (id, version, description) = unsafe {
            (
                plugin_text(raw_format.id, shown)?,
                plugin_text(raw_format.version, shown)?,
                plugin_text(raw_format.description, shown)?,
            )
        };
        if id.trim().is_empty() || version.trim().is_empty() {
            return Err(bad(format!(
                "le format n°{} n'a pas d'identifiant ou de version",
                index + 1
            )));
        }
        formats.push(Box::leak(Box::new(DynamicFormat {
            plugin: PluginHandle(plugin),
            index,
            id,
            version,
            description,
            can_read: raw_format.can_read,
            can_write: raw_format.can_write,
            path: origin.to_path_buf(),
        })));
    }
    Ok(formats)
}

/// The loader's message (libloading puts the system's in the error's source), without the
/// path it starts with: the sentence already names the file.
fn loader_message(error: &libloading::Error, path: &Path) -> String {
    let message =
        std::error::Error::source(error).map_or_else(|| error.to_string(), ToString::to_string);
    let prefix = format!("{}: ", path.display());
    match message.find(&prefix) {
        Some(start) => message[start + prefix.len()..].to_string(),
        None => message,
    }
}

/// Opens a library by its absolute path and checks it before any call.
fn open(absolute: &Path, shown: &str) -> Result<Vec<&'static dyn Format>, PluginError> {
    // SAFETY: loading runs the library's initialisers. The admin named this file explicitly
    // (--plugin or PASSERELLE_PLUGIN_PATH) and the path is absolute, so the loader searches
    // nowhere else: loading it is the documented trust decision.
    let library = unsafe { libloading::Library::new(absolute) }.map_err(|error| {
        PluginError::NotALibrary {
            path: shown.to_string(),
            message: loader_message(&error, absolute),
        }
    })?;
    // Never unloaded: formats, descriptors and the plugin's statics live as long as passerelle.
    let library: &'static libloading::Library = Box::leak(Box::new(library));
    // SAFETY: `export_plugin!` exports both versions as `u32` statics; a library exporting
    // another type under these reserved names is outside the contract.
    let abi = unsafe { read_u32(library, shown, ABI_SYMBOL) }?;
    if abi != ABI_VERSION {
        return Err(PluginError::AbiMismatch {
            path: shown.to_string(),
            found: abi,
            expected: ABI_VERSION,
        });
    }
    // SAFETY: as above.
    let model = unsafe { read_u32(library, shown, MODEL_SYMBOL) }?;
    if model != MODEL_VERSION {
        return Err(PluginError::ModelMismatch {
            path: shown.to_string(),
            found: model,
            expected: MODEL_VERSION,
        });
    }
    // SAFETY: with the ABI version checked, the entry symbol has the type `export_plugin!`
    // gives it: `extern "C" fn() -> *const RawPlugin`.
    let entry = unsafe { library.get::<extern "C" fn() -> *const RawPlugin>(ENTRY_SYMBOL) }
        .map_err(|_| PluginError::MissingSymbol {
            path: shown.to_string(),
            symbol: ENTRY_SYMBOL,
        })?;
    let descriptor = entry();
    if descriptor.is_null() {
        return Err(PluginError::BadDescriptor {
            path: shown.to_string(),
            message: "le plugin a planté en décrivant ses formats".to_string(),
        });
    }
    // SAFETY: non-null, built by `guest::describe` and leaked by the plugin for ever.
    let plugin: &'static RawPlugin = unsafe { &*descriptor };
    formats_of(plugin, absolute, shown)
}

/// Libraries already loaded by this process, by absolute path, with their formats.
static LOADED: Mutex<BTreeMap<PathBuf, Vec<&'static dyn Format>>> = Mutex::new(BTreeMap::new());

/// Loads one plugin library and returns its formats. A file is loaded once per process
/// (later calls return the same formats) and never unloaded.
pub fn load_library(path: &Path) -> Result<Vec<&'static dyn Format>, PluginError> {
    let shown = path.display().to_string();
    let absolute = std::fs::canonicalize(path).map_err(|_| PluginError::NotFound(shown.clone()))?;
    if absolute.is_dir() {
        return Err(PluginError::Folder(shown));
    }
    // Held while loading: two threads never initialise the same library twice.
    let mut loaded = LOADED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(formats) = loaded.get(&absolute) {
        return Ok(formats.clone());
    }
    let formats = open(&absolute, &shown)?;
    loaded.insert(absolute, formats.clone());
    Ok(formats)
}

/// True for a file name with the platform's shared-library extension.
fn is_shared_library(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension == std::env::consts::DLL_EXTENSION)
}

/// The plugin files named by `--plugin` paths and by `PASSERELLE_PLUGIN_PATH` (a list
/// separated as in PATH, of files or of folders whose every shared library is a plugin,
/// taken in name order). Nothing else is ever looked at.
pub fn plugin_files(
    explicit: &[PathBuf],
    env_value: Option<&std::ffi::OsStr>,
) -> Result<Vec<PathBuf>, PluginError> {
    let mut files: Vec<PathBuf> = explicit.to_vec();
    for entry in env_value.map(std::env::split_paths).into_iter().flatten() {
        if entry.as_os_str().is_empty() {
            continue;
        }
        if !entry.is_dir() {
            files.push(entry);
            continue;
        }
        let unreadable = |error: std::io::Error| PluginError::UnreadableFolder {
            path: entry.display().to_string(),
            message: error.to_string(),
        };
        let mut found = Vec::new();
        for item in std::fs::read_dir(&entry).map_err(unreadable)? {
            let item = item.map_err(unreadable)?.path();
            if is_shared_library(&item) && !item.is_dir() {
                found.push(item);
            }
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// Loads plugins into a registry, in order. A format id already registered (built in, or by
/// an earlier plugin) is replaced only by a newer version. A file named twice is loaded once.
pub fn load_into(registry: &mut Registry, files: &[PathBuf]) -> Result<(), PluginError> {
    let mut seen = BTreeSet::new();
    for file in files {
        if seen.insert(std::fs::canonicalize(file).unwrap_or_else(|_| file.clone())) {
            add_formats(registry, load_library(file)?, file)?;
        }
    }
    Ok(())
}

/// Adds the formats of the plugin `file` to a registry, each replacing an older version.
fn add_formats(
    registry: &mut Registry,
    formats: Vec<&'static dyn Format>,
    file: &Path,
) -> Result<(), PluginError> {
    for format in formats {
        if let Some(existing) = registry.get(format.id())
            && !newer_version(format.version(), existing.version())
        {
            return Err(PluginError::NotNewer {
                path: file.display().to_string(),
                id: format.id().to_string(),
                version: format.version().to_string(),
                existing: existing.version().to_string(),
                origin: match existing.origin() {
                    Origin::Builtin => "format intégré".to_string(),
                    Origin::Dynamic(path) => format!("plugin « {} »", path.display()),
                },
            });
        }
        registry.replace(format);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
