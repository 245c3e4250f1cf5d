//! `passerelle convert`: read, merge, write another format.

use std::path::PathBuf;

use anyhow::{Context, anyhow};
use chrono::{NaiveDate, NaiveDateTime};
use clap::Args;
use passerelle_core::correspondences;
use passerelle_core::format::{ReadOptions, WriteOptions};
use passerelle_core::merge::merge_all;
use passerelle_core::students::link_memberships;

use crate::common::{
    InputArgs, Io, parse_french_date, parse_timestamp, print_diagnostics, read_strict, registry,
    target_file_name, write_outputs,
};

/// Options of `convert`.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Fichiers, dossiers ou zips à lire ; ils sont fusionnés en un seul établissement.
    #[arg(value_name = "ENTREE", required = true)]
    inputs: Vec<PathBuf>,
    /// Format à écrire (voir `passerelle formats`).
    #[arg(long, value_name = "FORMAT")]
    to: String,
    /// Force le format des entrées au lieu de le reconnaître.
    #[arg(long, value_name = "FORMAT")]
    from: Option<String>,
    /// Où écrire : un dossier (noms du format), un fichier, ou « - » pour la sortie standard
    /// (défaut : le dossier courant).
    #[arg(
        short = 'o',
        long = "sortie",
        value_name = "CHEMIN",
        default_value = ".",
        hide_default_value = true
    )]
    output: String,
    /// Date de référence des élèves présents (JJ/MM/AAAA) ; défaut : date d'export SIECLE.
    #[arg(long, value_name = "JJ/MM/AAAA", value_parser = parse_french_date)]
    date: Option<NaiveDate>,
    /// Horodatage écrit dans le fichier produit (AAAA-MM-JJThh:mm:ss), pour une sortie reproductible.
    #[arg(long, value_name = "HORODATAGE", value_parser = parse_timestamp)]
    horodatage: Option<NaiveDateTime>,
    /// Fichier CSV des correspondances entre noms EDT et codes STS (type;nom_edt;code_sts),
    /// appliqué après la fusion ; sans lui, les noms EDT sont cherchés parmi les codes puis
    /// les libellés STS.
    #[arg(long = "correspondances", value_name = "FICHIER")]
    correspondences: Option<PathBuf>,
    #[command(flatten)]
    input: InputArgs,
}

/// Converts the inputs.
pub fn run(io: &mut Io<'_>, args: &ConvertArgs) -> anyhow::Result<u8> {
    let registry = registry(io)?;
    let target = registry.get(&args.to).ok_or_else(|| {
        anyhow!(
            "le format « {} » n'existe pas : `passerelle formats` liste les formats connus",
            args.to
        )
    })?;
    if !target.can_write() {
        return Err(anyhow!(
            "le format « {} » ne sait pas écrire de fichier : `passerelle formats` liste ceux qui le savent",
            args.to
        ));
    }
    let table = args
        .correspondences
        .as_deref()
        .map(correspondences::load)
        .transpose()?;
    let files = read_strict(
        &registry,
        &args.inputs,
        args.from.as_deref(),
        &args.input.limits(),
        &ReadOptions::default(),
    )?;
    for file in &files {
        print_diagnostics(io, &file.diagnostics)?;
    }
    let (mut dataset, conflicts) = merge_all(files.into_iter().map(|file| file.dataset))?;
    print_diagnostics(io, &conflicts)?;
    print_diagnostics(io, &correspondences::apply(&mut dataset, table.as_ref()))?;
    print_diagnostics(io, &link_memberships(&mut dataset))?;
    if let Some(date) = args.date {
        dataset.reference_date = Some(date);
    }
    let options = WriteOptions {
        timestamp: args.horodatage,
        target_name: target_file_name(&args.output),
        ..WriteOptions::default()
    };
    let outputs = match target.write(&dataset, &options) {
        Ok(outputs) => outputs,
        Err(error) => {
            writeln!(io.err, "passerelle : conversion refusée : {error}")?;
            return Ok(1);
        }
    };
    let written =
        write_outputs(io, &outputs, &args.output, &args.inputs).context("rien n'a été écrit")?;
    if args.output != "-" {
        for path in written {
            writeln!(io.err, "Écrit : {path}")?;
        }
    }
    Ok(0)
}
