//! What several commands share: input limits, strict reading, printing, writing outputs.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{NaiveDate, NaiveDateTime};
use clap::Args;
use passerelle_core::detect::{ReadFile, read_input};
use passerelle_core::dynamic::{load_into, plugin_files};
use passerelle_core::format::{OutputFile, ReadOptions, Registry};
use passerelle_core::input::{Limits, load_paths};
use passerelle_core::output::{io_reason, write_atomic};
use passerelle_core::xml::DEFAULT_MAX_DEPTH;
use passerelle_core::{Diagnostic, dates};

/// Limits applied to every file read.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Limites de lecture")]
pub struct InputArgs {
    /// Taille maximale d'un fichier lu, en octets (défaut : 536870912, soit 512 Mio).
    #[arg(long = "max-taille-fichier", value_name = "OCTETS", hide_default_value = true, default_value_t = Limits::DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
    /// Taille maximale du contenu décompressé d'un zip, en octets (défaut : 536870912, soit 512 Mio).
    #[arg(long = "max-taille-zip", value_name = "OCTETS", hide_default_value = true, default_value_t = Limits::DEFAULT_MAX_ZIP_INFLATED)]
    pub max_zip_inflated: u64,
    /// Nombre maximal de fichiers dans un zip (défaut : 1000).
    #[arg(long = "max-entrees-zip", value_name = "N", hide_default_value = true, default_value_t = Limits::DEFAULT_MAX_ZIP_ENTRIES)]
    pub max_zip_entries: usize,
    /// Profondeur maximale des éléments XML imbriqués, de 1 à 1000 (défaut : 64 ; les
    /// exports en ont moins de 12).
    #[arg(long = "profondeur-max", value_name = "N", hide_default_value = true, default_value_t = DEFAULT_MAX_DEPTH, value_parser = parse_max_depth)]
    pub max_depth: usize,
}

/// Deepest `--profondeur-max` accepted: elements are read recursively, and a thread's stack
/// holds a thousand levels with room to spare.
const DEEPEST_ALLOWED: usize = 1_000;

/// Parses `--profondeur-max`: 1 to [`DEEPEST_ALLOWED`].
fn parse_max_depth(text: &str) -> Result<usize, String> {
    text.trim()
        .parse::<usize>()
        .ok()
        .filter(|depth| (1..=DEEPEST_ALLOWED).contains(depth))
        .ok_or_else(|| format!("« {text} » n'est pas une profondeur de 1 à {DEEPEST_ALLOWED}"))
}

impl InputArgs {
    /// The limits to apply.
    pub fn limits(&self) -> Limits {
        Limits {
            max_file_size: self.max_file_size,
            max_zip_inflated: self.max_zip_inflated,
            max_zip_entries: self.max_zip_entries,
        }
    }

    /// The options handed to readers (the depth limit).
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            max_depth: self.max_depth,
            ..ReadOptions::default()
        }
    }
}

/// Parses `JJ/MM/AAAA` for clap.
pub fn parse_french_date(text: &str) -> Result<NaiveDate, String> {
    dates::parse_french(text).ok_or_else(|| format!("« {text} » n'est pas une date JJ/MM/AAAA"))
}

/// Parses `AAAA-MM-JJThh:mm:ss` (or with a space) for clap.
pub fn parse_timestamp(text: &str) -> Result<NaiveDateTime, String> {
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%d/%m/%Y %H:%M:%S",
    ]
    .iter()
    .find_map(|pattern| NaiveDateTime::parse_from_str(text.trim(), pattern).ok())
    .ok_or_else(|| {
        format!("« {text} » n'est pas un horodatage AAAA-MM-JJThh:mm:ss (ex. 2025-10-14T10:15:30)")
    })
}

/// The built-in formats, plus the dynamic plugins named by `--plugin` and
/// `PASSERELLE_PLUGIN_PATH` (nothing is loaded from anywhere else).
pub fn registry(io: &Io<'_>) -> anyhow::Result<Registry> {
    let mut registry = passerelle_builtin::registry()?;
    let files = plugin_files(io.plugins, io.plugin_path.as_deref())?;
    load_into(&mut registry, &files)?;
    Ok(registry)
}

/// The error and its causes, as one French sentence.
pub fn french_chain(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(" : ");
            text.push_str(&cause);
        }
    }
    text
}

/// Reads every input strictly: a missing path, a refused zip, an unknown or unreadable file
/// is an error (exit 2).
pub fn read_strict(
    registry: &Registry,
    paths: &[PathBuf],
    forced: Option<&str>,
    limits: &Limits,
    options: &ReadOptions,
) -> anyhow::Result<Vec<ReadFile>> {
    let loaded = load_paths(paths, limits)?;
    if let Some(refused) = loaded.refused.first() {
        bail!("{refused} ; retéléchargez l'export");
    }
    if loaded.files.is_empty() {
        return Err(nothing_to_read(paths, &loaded.ignored));
    }
    loaded
        .files
        .iter()
        .map(|input| read_input(registry, input, forced, options).map_err(anyhow::Error::from))
        .collect()
}

/// Ignored files named in [`nothing_to_read`], at most.
const IGNORED_SHOWN: usize = 5;

/// The sentence for paths that hold no file to read, naming what was ignored; a zip inside a
/// zip is not read, and the sentence says what to do with it.
pub fn nothing_to_read(paths: &[PathBuf], ignored: &[String]) -> anyhow::Error {
    let named: Vec<String> = paths
        .iter()
        .map(|path| format!("« {} »", path.display()))
        .collect();
    let mut sentence = format!(
        "aucun fichier à lire dans {} : donnez des fichiers .xml, .zip ou .csv",
        named.join(", ")
    );
    if !ignored.is_empty() {
        let mut shown: Vec<&str> = ignored
            .iter()
            .take(IGNORED_SHOWN)
            .map(String::as_str)
            .collect();
        if ignored.len() > IGNORED_SHOWN {
            shown.push("…");
        }
        sentence.push_str(&format!(" (fichiers ignorés : {})", shown.join(", ")));
        let nested_zip = ignored
            .iter()
            .any(|name| name.contains('!') && name.to_ascii_lowercase().ends_with(".zip"));
        if nested_zip {
            sentence.push_str(
                " ; une archive rangée dans une autre n'est pas lue : décompressez d'abord \
                 l'archive qui la contient",
            );
        }
    }
    anyhow::anyhow!(sentence)
}

/// Where a command prints (standard output and standard error, or buffers in tests) and
/// which plugins it loads.
pub struct Io<'a> {
    /// `--plugin` paths.
    pub plugins: &'a [PathBuf],
    /// The value of `PASSERELLE_PLUGIN_PATH`.
    pub plugin_path: Option<std::ffi::OsString>,
    /// Results (reports, JSON, converted files with `-o -`).
    pub out: &'a mut dyn Write,
    /// Messages (diagnostics, errors, "Écrit : …").
    pub err: &'a mut dyn Write,
    /// Whether `out` may carry colours: decided by the caller (a terminal, `NO_COLOR`
    /// unset), never by the command, since tests write to buffers.
    pub color: bool,
    /// Whether a progress bar may be drawn on the process's standard error (a terminal):
    /// decided by the caller like `color`.
    pub progress: bool,
}

/// Prints diagnostics on the error stream, one line each.
pub fn print_diagnostics(io: &mut Io<'_>, diagnostics: &[Diagnostic]) -> std::io::Result<()> {
    for diagnostic in diagnostics {
        writeln!(io.err, "{diagnostic}")?;
    }
    Ok(())
}

/// Where outputs go: `-` (standard output), a folder, or a file.
pub fn write_outputs(
    io: &mut Io<'_>,
    outputs: &[OutputFile],
    target: &str,
    inputs: &[PathBuf],
) -> anyhow::Result<Vec<String>> {
    if target == "-" {
        if outputs.len() != 1 {
            bail!(
                "ce format produit {} fichiers : donnez un dossier avec -o plutôt que la sortie standard",
                outputs.len()
            );
        }
        for output in outputs {
            io.out
                .write_all(&output.bytes)
                .context("écriture sur la sortie standard impossible")?;
        }
        io.out
            .flush()
            .context("écriture sur la sortie standard impossible")?;
        return Ok(vec!["(sortie standard)".to_string()]);
    }
    let path = Path::new(target);
    let is_folder =
        path.is_dir() || target.ends_with('/') || target.ends_with(std::path::MAIN_SEPARATOR);
    let mut written = Vec::new();
    if is_folder {
        std::fs::create_dir_all(path).map_err(|error| {
            anyhow::anyhow!(
                "impossible de créer le dossier « {} » : {}",
                path.display(),
                io_reason(&error)
            )
        })?;
        for output in outputs {
            let file = path.join(&output.name);
            write_atomic(&file, &output.bytes, inputs)?;
            written.push(file.display().to_string());
        }
    } else {
        match outputs {
            [output] => {
                write_atomic(path, &output.bytes, inputs)?;
                written.push(path.display().to_string());
            }
            _ => bail!(
                "ce format produit {} fichiers : donnez un dossier avec -o (« {} » n'en est pas un)",
                outputs.len(),
                target
            ),
        }
    }
    Ok(written)
}

/// The target name when `-o` names a file (not `-`, not a folder).
pub fn target_file_name(target: &str) -> Option<String> {
    let path = Path::new(target);
    if target == "-" || path.is_dir() || target.ends_with('/') {
        return None;
    }
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
}
