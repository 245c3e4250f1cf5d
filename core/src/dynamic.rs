//! Dynamic format plugins: next year's format as a shared library, without a new passerelle.
//!
//! Rust has no stable ABI, so nothing Rust-typed crosses the boundary. A plugin exports:
//! - two `u32` statics, [`ABI_SYMBOL`] and [`MODEL_SYMBOL`], read and checked by the host
//!   before it calls anything;
//! - one entry function, [`ENTRY_SYMBOL`], returning a `#[repr(C)]` [`RawPlugin`]: plugin name
//!   and version, its formats with their recognition rules, and `extern "C"` function pointers
//!   for sniff, read, write and free.
//!
//! Data crosses as bytes: file text in, the canonical JSON dataset (with diagnostics) out;
//! the dataset JSON in, the written files out. A buffer is freed by the side that allocated
//! it: the host copies what a plugin returns, then hands the buffer back to the plugin's
//! `free`. Every plugin function catches panics and turns them into errors. Libraries are
//! never unloaded.
//!
//! A plugin author writes an ordinary [`Format`] and calls [`export_plugin!`](crate::export_plugin):
//! the same code serves a static and a dynamic plugin. This module is the only place of
//! passerelle with `unsafe` code.

#![allow(unsafe_code)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::diagnostics::Diagnostic;
use crate::format::{
    Format, FormatError, Origin, OutputFile, Probe, ReadInput, ReadOptions, ReadOutput, Registry,
    WriteOptions,
};
use crate::json_format::{from_json, to_json};
use crate::model::{Dataset, MODEL_VERSION};
use crate::xml::probe_root;

/// Version of this binary interface. Bump it on any change to the `Raw*` types or to the
/// meaning of a function.
pub const ABI_VERSION: u32 = 1;
/// Name of the exported `u32` holding the plugin's ABI version.
pub const ABI_SYMBOL: &str = "PASSERELLE_ABI_VERSION";
/// Name of the exported `u32` holding the model version the plugin was built with.
pub const MODEL_SYMBOL: &str = "PASSERELLE_MODEL_VERSION";
/// Name of the exported entry function.
pub const ENTRY_SYMBOL: &str = "passerelle_plugin_v1";

/// A borrowed UTF-8 string owned by the plugin for the life of the process.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct RawStr {
    /// First byte.
    pub ptr: *const u8,
    /// Length in bytes.
    pub len: usize,
}

impl RawStr {
    fn from_static(text: &'static str) -> Self {
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
    /// First byte.
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

/// A format provided by a plugin, with its recognition rule.
#[repr(C)]
#[derive(Debug)]
pub struct RawFormat {
    /// Format id (`siecle-eleves`).
    pub id: RawStr,
    /// Version written and newest read (`4.0`).
    pub version: RawStr,
    /// French description.
    pub description: RawStr,
    /// Root element it recognises (informative; the plugin's sniff decides).
    pub root_element: RawStr,
    /// Whether it reads.
    pub can_read: bool,
    /// Whether it writes.
    pub can_write: bool,
}

/// `sniff(format index, file name, text) -> score`.
pub type SniffFn = extern "C" fn(usize, RawStr, RawStr) -> u8;
/// `read(format index, file name, text, options JSON, out) -> status` (0 = `out` holds the
/// result JSON, otherwise `out` holds a French error message).
pub type ReadFn = extern "C" fn(usize, RawStr, RawStr, RawStr, *mut RawBuffer) -> i32;
/// `write(format index, dataset JSON, options JSON, out) -> status` (0 = `out` holds the
/// framed files, otherwise a French error message).
pub type WriteFn = extern "C" fn(usize, RawStr, RawStr, *mut RawBuffer) -> i32;
/// `free(buffer)`: gives a buffer back to the plugin that allocated it.
pub type FreeFn = extern "C" fn(RawBuffer);

/// What a plugin's entry function returns.
#[repr(C)]
#[derive(Debug)]
pub struct RawPlugin {
    /// ABI version (must equal [`ABI_VERSION`]).
    pub abi_version: u32,
    /// Model version (must equal [`MODEL_VERSION`]).
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
    /// Reading.
    pub read: ReadFn,
    /// Writing.
    pub write: WriteFn,
    /// Freeing buffers.
    pub free: FreeFn,
}

/// What a read returns across the boundary.
#[derive(Serialize, Deserialize)]
struct ReadResult {
    dataset: serde_json::Value,
    diagnostics: Vec<Diagnostic>,
}

/// Frames written files: for each, the name length (u32 LE), the name, the content length
/// (u64 LE), the content.
fn frame_outputs(outputs: &[OutputFile]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for output in outputs {
        let name = output.name.as_bytes();
        bytes.extend_from_slice(&u32::try_from(name.len()).unwrap_or(u32::MAX).to_le_bytes());
        bytes.extend_from_slice(name);
        bytes.extend_from_slice(&(output.bytes.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&output.bytes);
    }
    bytes
}

fn unframe_outputs(mut bytes: &[u8]) -> Option<Vec<OutputFile>> {
    let mut outputs = Vec::new();
    while !bytes.is_empty() {
        let (length, rest) = bytes.split_first_chunk::<4>()?;
        let length = usize::try_from(u32::from_le_bytes(*length)).ok()?;
        let name = String::from_utf8(rest.get(..length)?.to_vec()).ok()?;
        let rest = rest.get(length..)?;
        let (size, rest) = rest.split_first_chunk::<8>()?;
        let size = usize::try_from(u64::from_le_bytes(*size)).ok()?;
        outputs.push(OutputFile {
            name,
            bytes: rest.get(..size)?.to_vec(),
        });
        bytes = rest.get(size..)?;
    }
    Some(outputs)
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
    use super::*;

    static FORMATS: OnceLock<&'static [&'static dyn Format]> = OnceLock::new();

    /// Builds the descriptor of a plugin whose formats are `formats`.
    pub fn describe(
        name: &'static str,
        version: &'static str,
        formats: &'static [&'static dyn Format],
    ) -> *const RawPlugin {
        let formats = *FORMATS.get_or_init(|| formats);
        let raw_formats: Vec<RawFormat> = formats
            .iter()
            .map(|format| RawFormat {
                id: RawStr::from_static(format.id()),
                version: RawStr::from_static(format.version()),
                description: RawStr::from_static(format.description()),
                root_element: RawStr::from_static(""),
                can_read: format.can_read(),
                can_write: format.can_write(),
            })
            .collect();
        let raw_formats: &'static [RawFormat] = Vec::leak(raw_formats);
        // Leaked on purpose: the host keeps the library, and so the descriptor, forever.
        Box::leak(Box::new(RawPlugin {
            abi_version: ABI_VERSION,
            model_version: MODEL_VERSION,
            name: RawStr::from_static(name),
            version: RawStr::from_static(version),
            formats: raw_formats.as_ptr(),
            format_count: raw_formats.len(),
            sniff,
            read,
            write,
            free,
        }))
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
    /// `raw` must point to `len` readable bytes that stay valid during the call.
    unsafe fn text<'a>(raw: RawStr) -> Result<&'a str, String> {
        if raw.len == 0 {
            return Ok("");
        }
        // SAFETY: the host passes pointers to buffers it owns for the duration of the call,
        // with their exact length (see `Host::call_*`).
        let bytes = unsafe { std::slice::from_raw_parts(raw.ptr, raw.len) };
        std::str::from_utf8(bytes)
            .map_err(|error| format!("texte non UTF-8 reçu de l'hôte : {error}"))
    }

    /// Runs `work`, catching panics, and stores its bytes or its error message in `out`.
    fn respond(out: *mut RawBuffer, work: impl FnOnce() -> Result<Vec<u8>, String>) -> i32 {
        let (status, bytes) = match catch_unwind(AssertUnwindSafe(work)) {
            Ok(Ok(bytes)) => (0, bytes),
            Ok(Err(message)) => (1, message.into_bytes()),
            Err(payload) => (
                2,
                format!("le plugin a paniqué : {}", panic_message(payload.as_ref())).into_bytes(),
            ),
        };
        if out.is_null() {
            return 3;
        }
        // SAFETY: `out` is non-null and points to a `RawBuffer` the host reserved for this
        // call; writing a whole value does not read the previous one.
        unsafe { out.write(RawBuffer::from_vec(bytes)) };
        status
    }

    extern "C" fn sniff(index: usize, name: RawStr, text_raw: RawStr) -> u8 {
        catch_unwind(|| {
            // SAFETY: see `text`: both strings are host buffers valid during this call.
            let (name, text) = match unsafe { (text(name), text(text_raw)) } {
                (Ok(name), Ok(text)) => (name, text),
                _ => return 0,
            };
            let Ok(format) = format(index) else { return 0 };
            let root = probe_root(text);
            let base_name = name.rsplit(['!', '/', '\\']).next().unwrap_or(name);
            format.sniff(&Probe {
                file_name: name,
                base_name,
                text,
                root: root.as_ref(),
            })
        })
        .unwrap_or(0)
    }

    extern "C" fn read(
        index: usize,
        name: RawStr,
        text_raw: RawStr,
        options: RawStr,
        out: *mut RawBuffer,
    ) -> i32 {
        respond(out, || {
            // SAFETY: see `text`: the three strings are host buffers valid during this call.
            let (name, text, options) = unsafe { (text(name)?, text(text_raw)?, text(options)?) };
            let options: ReadOptions =
                serde_json::from_str(options).map_err(|error| error.to_string())?;
            let base_name = name.rsplit(['!', '/', '\\']).next().unwrap_or(name);
            let output = format(index)?
                .read(&ReadInput {
                    file_name: name,
                    base_name,
                    text,
                    options: &options,
                })
                .map_err(|error| error.to_string())?;
            let dataset = serde_json::from_str(&to_json(&output.dataset))
                .map_err(|error| error.to_string())?;
            serde_json::to_vec(&ReadResult {
                dataset,
                diagnostics: output.diagnostics,
            })
            .map_err(|error| error.to_string())
        })
    }

    extern "C" fn write(
        index: usize,
        dataset: RawStr,
        options: RawStr,
        out: *mut RawBuffer,
    ) -> i32 {
        respond(out, || {
            // SAFETY: see `text`: both strings are host buffers valid during this call.
            let (dataset, options) = unsafe { (text(dataset)?, text(options)?) };
            let dataset = from_json(dataset, "(hôte)").map_err(|error| error.to_string())?;
            let options: WriteOptions =
                serde_json::from_str(options).map_err(|error| error.to_string())?;
            let outputs = format(index)?
                .write(&dataset, &options)
                .map_err(|error| error.to_string())?;
            Ok(frame_outputs(&outputs))
        })
    }

    extern "C" fn free(buffer: RawBuffer) {
        if buffer.ptr.is_null() {
            return;
        }
        // SAFETY: the buffer was made by `RawBuffer::from_vec` in this library, from a Vec
        // whose pointer, length and capacity it holds unchanged; it is freed exactly once.
        drop(unsafe { Vec::from_raw_parts(buffer.ptr, buffer.len, buffer.capacity) });
    }
}

/// Turns ordinary [`Format`] values into an exported dynamic plugin (in a `cdylib` crate).
///
/// ```ignore
/// passerelle_core::export_plugin! {
///     name: "passerelle-exemple-dynamique",
///     version: "1.0.0",
///     formats: [ELEVES_V4],
/// }
/// ```
#[macro_export]
macro_rules! export_plugin {
    (name: $name:expr, version: $version:expr, formats: [$($format:expr),+ $(,)?] $(,)?) => {
        static PASSERELLE_EXPORTED_FORMATS: &[&'static dyn $crate::format::Format] = &[$(&$format),+];

        /// ABI version of this plugin, read by passerelle before anything else.
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub static PASSERELLE_ABI_VERSION: u32 = $crate::dynamic::ABI_VERSION;

        /// Model version this plugin was built with.
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub static PASSERELLE_MODEL_VERSION: u32 = $crate::model::MODEL_VERSION;

        /// Entry point: the plugin's descriptor.
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub extern "C" fn passerelle_plugin_v1() -> *const $crate::dynamic::RawPlugin {
            $crate::dynamic::guest::describe($name, $version, PASSERELLE_EXPORTED_FORMATS)
        }
    };
}

/// Why a plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The path does not exist.
    #[error("le plugin « {0} » n'existe pas : vérifiez --plugin ou PASSERELLE_PLUGIN_PATH")]
    NotFound(String),
    /// Not a loadable library.
    #[error(
        "« {path} » n'est pas une bibliothèque chargeable ({message}) : un plugin passerelle est un fichier .so (Linux), .dylib (macOS) ou .dll (Windows)"
    )]
    NotALibrary {
        /// The file.
        path: String,
        /// The loader's message.
        message: String,
    },
    /// A symbol is missing.
    #[error(
        "« {path} » n'est pas un plugin passerelle : le symbole {symbol} est absent (un plugin s'écrit avec la macro passerelle_core::export_plugin!)"
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
    #[error("« {path} » a renvoyé une description invalide : {message}")]
    BadDescriptor {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A format id already taken by an equal or newer version.
    #[error(
        "le plugin « {path} » fournit le format « {id} » en version {version}, mais passerelle le connaît déjà en version {existing} : un plugin ne peut remplacer qu'une version plus ancienne"
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
    },
}

/// A loaded plugin's descriptor, shared by its formats.
#[derive(Clone, Copy, Debug)]
struct PluginHandle(&'static RawPlugin);

// SAFETY: the descriptor is never written after `guest::describe` returns, its strings and
// format table are immutable leaked data, and the plugin functions only read the plugin's
// immutable format table (`export_plugin!` formats are `Format: Send + Sync`).
unsafe impl Send for PluginHandle {}
// SAFETY: as above: shared references to immutable data and thread-safe functions.
unsafe impl Sync for PluginHandle {}

impl std::ops::Deref for PluginHandle {
    type Target = RawPlugin;

    fn deref(&self) -> &RawPlugin {
        self.0
    }
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

fn raw(text: &str) -> RawStr {
    RawStr {
        ptr: text.as_ptr(),
        len: text.len(),
    }
}

impl DynamicFormat {
    /// Calls a plugin function that fills a buffer, copies the bytes and frees the buffer.
    fn call(&self, call: impl FnOnce(*mut RawBuffer) -> i32) -> Result<Vec<u8>, FormatError> {
        let mut buffer = RawBuffer::empty();
        let status = call(&mut buffer);
        let bytes = if buffer.ptr.is_null() {
            Vec::new()
        } else {
            // SAFETY: a non-null buffer was filled by the plugin's `respond` with a pointer
            // and length of a live allocation it owns until we hand it back to `free`.
            unsafe { std::slice::from_raw_parts(buffer.ptr, buffer.len) }.to_vec()
        };
        (self.plugin.free)(buffer);
        if status == 0 {
            Ok(bytes)
        } else {
            Err(FormatError::Plugin(format!(
                "le plugin « {} » (format {}) a échoué : {}",
                self.path.display(),
                self.id,
                String::from_utf8_lossy(&bytes)
            )))
        }
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
        (self.plugin.sniff)(self.index, raw(probe.file_name), raw(probe.text))
    }

    fn can_read(&self) -> bool {
        self.can_read
    }

    fn can_write(&self) -> bool {
        self.can_write
    }

    fn read(&self, input: &ReadInput<'_>) -> Result<ReadOutput, FormatError> {
        let options = serde_json::to_string(input.options).unwrap_or_else(|_| "{}".to_string());
        let bytes = self.call(|out| {
            (self.plugin.read)(
                self.index,
                raw(input.file_name),
                raw(input.text),
                raw(&options),
                out,
            )
        })?;
        let result: ReadResult = serde_json::from_slice(&bytes).map_err(|error| {
            FormatError::Plugin(format!(
                "le plugin « {} » a renvoyé un résultat illisible : {error}",
                self.path.display()
            ))
        })?;
        let mut document = result.dataset;
        if let Some(object) = document.as_object_mut() {
            object
                .entry("model_version")
                .or_insert(MODEL_VERSION.into());
        }
        let dataset: Dataset = from_json(&document.to_string(), input.file_name)?;
        Ok(ReadOutput {
            dataset,
            diagnostics: result.diagnostics,
        })
    }

    fn write(
        &self,
        dataset: &Dataset,
        options: &WriteOptions,
    ) -> Result<Vec<OutputFile>, FormatError> {
        let dataset = to_json(dataset);
        let options = serde_json::to_string(options).unwrap_or_else(|_| "{}".to_string());
        let bytes =
            self.call(|out| (self.plugin.write)(self.index, raw(&dataset), raw(&options), out))?;
        unframe_outputs(&bytes).ok_or_else(|| {
            FormatError::Plugin(format!(
                "le plugin « {} » a renvoyé des fichiers illisibles",
                self.path.display()
            ))
        })
    }
}

/// Compares dotted versions numerically (`3.10` > `3.9`); non-numeric parts compare as text.
pub fn newer_version(candidate: &str, existing: &str) -> bool {
    let parts = |version: &str| -> Vec<(u64, String)> {
        version
            .split('.')
            .map(|part| (part.trim().parse().unwrap_or(0), part.trim().to_string()))
            .collect()
    };
    parts(candidate) > parts(existing)
}

/// Reads a plugin's exported `u32`.
///
/// # Safety
/// The library must export `symbol` as a `u32` static if it exports it at all.
unsafe fn read_u32(
    library: &'static libloading::Library,
    path: &Path,
    symbol: &'static str,
) -> Result<u32, PluginError> {
    // SAFETY: we only read the symbol as a `u32`, the type `export_plugin!` gives it; a
    // library exporting another type under our reserved name is outside the contract.
    let value = unsafe { library.get::<*const u32>(symbol.as_bytes()) }.map_err(|_| {
        PluginError::MissingSymbol {
            path: path.display().to_string(),
            symbol,
        }
    })?;
    // SAFETY: the symbol resolves to the address of the static, valid as long as the
    // library stays loaded, which is forever.
    Ok(unsafe { **value })
}

/// Reads a plugin string.
///
/// # Safety
/// `raw` must point to `len` bytes living as long as the library.
unsafe fn plugin_text(raw: RawStr, path: &Path) -> Result<String, PluginError> {
    if raw.len == 0 {
        return Ok(String::new());
    }
    if raw.ptr.is_null() {
        return Err(PluginError::BadDescriptor {
            path: path.display().to_string(),
            message: "pointeur nul".to_string(),
        });
    }
    // SAFETY: the plugin's strings are `'static` strs of the library (see `guest::describe`).
    let bytes = unsafe { std::slice::from_raw_parts(raw.ptr, raw.len) };
    String::from_utf8(bytes.to_vec()).map_err(|error| PluginError::BadDescriptor {
        path: path.display().to_string(),
        message: format!("texte non UTF-8 ({error})"),
    })
}

/// Loads one plugin library and returns its formats (the library is never unloaded).
pub fn load_library(path: &Path) -> Result<Vec<&'static dyn Format>, PluginError> {
    if !path.exists() {
        return Err(PluginError::NotFound(path.display().to_string()));
    }
    // SAFETY: loading runs the library's initialisers. The admin named this file explicitly
    // (--plugin or PASSERELLE_PLUGIN_PATH): loading it is the documented trust decision.
    let library =
        unsafe { libloading::Library::new(path) }.map_err(|error| PluginError::NotALibrary {
            path: path.display().to_string(),
            message: error.to_string(),
        })?;
    let library: &'static libloading::Library = Box::leak(Box::new(library));
    let shown = path.display().to_string();
    // SAFETY: `export_plugin!` exports both versions as `u32` statics.
    let abi = unsafe { read_u32(library, path, ABI_SYMBOL) }?;
    if abi != ABI_VERSION {
        return Err(PluginError::AbiMismatch {
            path: shown,
            found: abi,
            expected: ABI_VERSION,
        });
    }
    // SAFETY: as above.
    let model = unsafe { read_u32(library, path, MODEL_SYMBOL) }?;
    if model != MODEL_VERSION {
        return Err(PluginError::ModelMismatch {
            path: shown,
            found: model,
            expected: MODEL_VERSION,
        });
    }
    // SAFETY: with the ABI version checked, the entry symbol has the type `export_plugin!`
    // gives it: `extern "C" fn() -> *const RawPlugin`.
    let entry =
        unsafe { library.get::<extern "C" fn() -> *const RawPlugin>(ENTRY_SYMBOL.as_bytes()) }
            .map_err(|_| PluginError::MissingSymbol {
                path: shown.clone(),
                symbol: ENTRY_SYMBOL,
            })?;
    let descriptor = entry();
    if descriptor.is_null() {
        return Err(PluginError::BadDescriptor {
            path: shown,
            message: "descripteur nul".to_string(),
        });
    }
    // SAFETY: non-null, produced by `guest::describe`, leaked by the plugin for ever.
    let plugin: &'static RawPlugin = unsafe { &*descriptor };
    if plugin.abi_version != ABI_VERSION || plugin.model_version != MODEL_VERSION {
        return Err(PluginError::BadDescriptor {
            path: shown,
            message: "les versions du descripteur contredisent celles exportées".to_string(),
        });
    }
    let raw_formats: &'static [RawFormat] = if plugin.format_count == 0 || plugin.formats.is_null()
    {
        &[]
    } else {
        // SAFETY: `formats` points to `format_count` descriptors leaked by the plugin.
        unsafe { std::slice::from_raw_parts(plugin.formats, plugin.format_count) }
    };
    let mut formats: Vec<&'static dyn Format> = Vec::new();
    for (index, raw_format) in raw_formats.iter().enumerate() {
        // SAFETY: the strings of a descriptor are `'static` strs of the library.
        let (id, version, description) = unsafe {
            (
                plugin_text(raw_format.id, path)?,
                plugin_text(raw_format.version, path)?,
                plugin_text(raw_format.description, path)?,
            )
        };
        if id.is_empty() {
            return Err(PluginError::BadDescriptor {
                path: shown,
                message: format!("le format n°{index} n'a pas d'identifiant"),
            });
        }
        formats.push(Box::leak(Box::new(DynamicFormat {
            plugin: PluginHandle(plugin),
            index,
            id,
            version,
            description,
            can_read: raw_format.can_read,
            can_write: raw_format.can_write,
            path: path.to_path_buf(),
        })));
    }
    Ok(formats)
}

/// True for a file name with the platform's shared-library extension.
fn is_shared_library(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension == std::env::consts::DLL_EXTENSION)
}

/// The plugin files named by `--plugin` paths and by `PASSERELLE_PLUGIN_PATH` (a list
/// separated as in PATH, of files or of folders whose every shared library is a plugin).
pub fn plugin_files(explicit: &[PathBuf], env_value: Option<&std::ffi::OsStr>) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = explicit.to_vec();
    if let Some(value) = env_value {
        for entry in std::env::split_paths(value) {
            if entry.as_os_str().is_empty() {
                continue;
            }
            if entry.is_dir() {
                let mut found: Vec<PathBuf> = std::fs::read_dir(&entry)
                    .map(|entries| {
                        entries
                            .filter_map(Result::ok)
                            .map(|item| item.path())
                            .filter(|item| is_shared_library(item))
                            .collect()
                    })
                    .unwrap_or_default();
                found.sort();
                files.extend(found);
            } else {
                files.push(entry);
            }
        }
    }
    files
}

/// Loads plugins into a registry. A format id already registered is replaced only by a
/// newer version.
pub fn load_into(registry: &mut Registry, files: &[PathBuf]) -> Result<(), PluginError> {
    for file in files {
        for format in load_library(file)? {
            match registry.get(format.id()) {
                Some(existing) if !newer_version(format.version(), existing.version()) => {
                    return Err(PluginError::NotNewer {
                        path: file.display().to_string(),
                        id: format.id().to_string(),
                        version: format.version().to_string(),
                        existing: existing.version().to_string(),
                    });
                }
                _ => registry.replace(format),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_survive_framing() {
        let outputs = vec![
            OutputFile {
                name: "a.xml".into(),
                bytes: b"<A/>".to_vec(),
            },
            OutputFile {
                name: "vide.zip".into(),
                bytes: Vec::new(),
            },
        ];
        assert_eq!(unframe_outputs(&frame_outputs(&outputs)), Some(outputs));
        assert_eq!(unframe_outputs(&[1, 0, 0]), None);
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(newer_version("4.0", "3.0"));
        assert!(newer_version("3.10", "3.9"));
        assert!(!newer_version("3.0", "3.0"));
        assert!(!newer_version("2.1", "3.0"));
    }

    #[test]
    fn a_file_that_is_not_a_library_is_refused_in_one_sentence() {
        let folder = std::env::temp_dir().join(format!("passerelle-dyn-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let fake = folder.join("libfaux.so");
        std::fs::write(&fake, b"pas une bibliotheque").unwrap();
        let error = load_library(&fake).err().unwrap();
        assert!(matches!(error, PluginError::NotALibrary { .. }), "{error}");
        assert!(error.to_string().contains("libfaux.so"));
        let missing = load_library(&folder.join("absent.so")).err().unwrap();
        assert!(matches!(missing, PluginError::NotFound(_)));
        std::fs::remove_dir_all(&folder).unwrap();
    }

    #[test]
    fn plugin_path_lists_files_and_folders() {
        let folder =
            std::env::temp_dir().join(format!("passerelle-dyn-path-{}", std::process::id()));
        std::fs::create_dir_all(&folder).unwrap();
        let library = folder.join(format!("libun.{}", std::env::consts::DLL_EXTENSION));
        std::fs::write(&library, b"").unwrap();
        std::fs::write(folder.join("LISEZMOI.txt"), b"").unwrap();
        let value = std::env::join_paths([folder.clone(), PathBuf::from("/x/autre.so")]).unwrap();
        let files = plugin_files(&[PathBuf::from("explicite.so")], Some(&value));
        assert_eq!(
            files,
            vec![
                PathBuf::from("explicite.so"),
                library,
                PathBuf::from("/x/autre.so")
            ]
        );
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
