//! `passerelle detect`: what each file is.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;
use passerelle_core::detect::{ReadFile, read_input};
use passerelle_core::input::load_paths;
use serde::Serialize;

use crate::common::{InputArgs, Io, nothing_to_read, print_diagnostics, registry};

/// Options of `detect`.
#[derive(Debug, Args)]
pub struct DetectArgs {
    /// Fichiers, dossiers ou zips à reconnaître (chaque XML d'un zip est un fichier).
    #[arg(value_name = "FICHIER", required = true)]
    files: Vec<PathBuf>,
    /// Écrit le résultat en JSON (pour les scripts).
    #[arg(long)]
    json: bool,
    /// Force le format au lieu de le reconnaître (voir `passerelle formats`).
    #[arg(long, value_name = "FORMAT")]
    from: Option<String>,
    #[command(flatten)]
    input: InputArgs,
}

#[derive(Serialize)]
/// One line of `detect --json`: every key is always present (`null` when unknown), plus
/// `erreur` for a file that could not be read.
struct Detection {
    fichier: String,
    format: Option<String>,
    version: Option<String>,
    uaj: Option<String>,
    annee: Option<i32>,
    date_export: Option<String>,
    effectifs: BTreeMap<&'static str, usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    erreur: Option<String>,
}

fn describe(file: &ReadFile) -> Detection {
    let dataset = &file.dataset;
    let envelope = dataset.files.iter().find(|info| info.fichier == file.name);
    let uaj = envelope
        .and_then(|info| info.uaj.clone())
        .or_else(|| Some(dataset.establishment.uaj.clone()).filter(|uaj| !uaj.is_empty()));
    Detection {
        fichier: file.name.clone(),
        format: Some(file.format.clone()),
        version: envelope.and_then(|info| info.version.clone()),
        uaj,
        annee: envelope
            .and_then(|info| info.annee)
            .or(dataset.school_year.millesime),
        date_export: envelope
            .and_then(|info| info.date_export)
            .map(passerelle_core::dates::format_french),
        effectifs: dataset.counts(),
        erreur: None,
    }
}

fn failure(file: &str, message: String) -> Detection {
    Detection {
        fichier: file.to_string(),
        format: None,
        version: None,
        uaj: None,
        annee: None,
        date_export: None,
        effectifs: BTreeMap::new(),
        erreur: Some(message),
    }
}

/// Detects and summarises each file.
pub fn run(io: &mut Io<'_>, args: &DetectArgs) -> anyhow::Result<u8> {
    let registry = registry(io)?;
    let loaded = load_paths(&args.files, &args.input.limits())?;
    if loaded.files.is_empty() && loaded.refused.is_empty() {
        return Err(nothing_to_read(&args.files, &loaded.ignored));
    }
    let options = args.input.read_options();
    let mut detections = Vec::new();
    for refused in &loaded.refused {
        detections.push(failure(
            &refused.archive,
            format!("{refused} ; retéléchargez l'export"),
        ));
    }
    for input in &loaded.files {
        match read_input(&registry, input, args.from.as_deref(), &options) {
            Ok(file) => {
                print_diagnostics(io, &file.diagnostics)?;
                detections.push(describe(&file));
            }
            Err(error) => detections.push(failure(&input.name, error.to_string())),
        }
    }
    let failed = detections
        .iter()
        .any(|detection| detection.erreur.is_some());
    if args.json {
        writeln!(io.out, "{}", serde_json::to_string_pretty(&detections)?)?;
    } else {
        for detection in &detections {
            print_human(io, detection)?;
        }
    }
    Ok(if failed { 2 } else { 0 })
}

fn print_human(io: &mut Io<'_>, detection: &Detection) -> std::io::Result<()> {
    if let Some(error) = &detection.erreur {
        return writeln!(io.err, "passerelle : {error}");
    }
    let mut line = format!(
        "{} : {}",
        detection.fichier,
        detection.format.as_deref().unwrap_or("?")
    );
    if let Some(version) = &detection.version {
        line.push_str(&format!(" {version}"));
    }
    if let Some(uaj) = &detection.uaj {
        line.push_str(&format!(", établissement {uaj}"));
    }
    if let Some(year) = detection.annee {
        line.push_str(&format!(", année {year}-{}", year + 1));
    }
    if let Some(date) = &detection.date_export {
        line.push_str(&format!(", exporté le {date}"));
    }
    writeln!(io.out, "{line}")?;
    if !detection.effectifs.is_empty() {
        let counts: Vec<String> = detection
            .effectifs
            .iter()
            .map(|(name, count)| format!("{name} {count}"))
            .collect();
        writeln!(io.out, "    {}", counts.join(", "))?;
    }
    Ok(())
}
