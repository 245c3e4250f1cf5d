//! `passerelle convert`: read, merge, write another format.

use std::path::PathBuf;

use anyhow::{Context, anyhow};
use chrono::{NaiveDate, NaiveDateTime};
use clap::Args;
use passerelle_core::checks::liens::{self, preflight};
use passerelle_core::checks::{FileRef, ReferenceOptions};
use passerelle_core::correspondences;
use passerelle_core::format::{Format, OutputFile, WriteOptions};
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
    /// Logiciel écrit dans le fichier des liens élèves-groupes (1 à 10 caractères ; défaut :
    /// celui du fichier des liens lu, sinon « passerelle »).
    #[arg(long, value_name = "NOM")]
    logiciel: Option<String>,
    /// Numéro d'envoi écrit dans le fichier des liens élèves-groupes (0 à 99999 ; défaut :
    /// celui du fichier des liens lu, sinon 0).
    #[arg(long = "num-envoi", value_name = "N")]
    num_envoi: Option<String>,
    /// Écrit le fichier des liens élèves-groupes même si la vérification préalable trouve des
    /// anomalies bloquantes.
    #[arg(long)]
    force: bool,
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
        &args.input.read_options(),
    )?;
    for file in &files {
        print_diagnostics(io, &file.diagnostics)?;
    }
    // The fragments are kept: the pre-flight of the liens file checks against each file.
    let (mut dataset, conflicts) = merge_all(files.iter().map(|file| file.dataset.clone()))?;
    print_diagnostics(io, &conflicts)?;
    print_diagnostics(io, &correspondences::apply(&mut dataset, table.as_ref()))?;
    print_diagnostics(io, &link_memberships(&mut dataset))?;
    if let Some(date) = args.date {
        dataset.reference_date = Some(date);
    }
    let mut options = WriteOptions {
        timestamp: args.horodatage,
        target_name: target_file_name(&args.output),
        ..WriteOptions::default()
    };
    for (key, value) in [("logiciel", &args.logiciel), ("num-envoi", &args.num_envoi)] {
        if let Some(value) = value {
            options.params.insert(key.to_string(), value.clone());
        }
    }
    let written = if target.id() == liens::ORIGIN {
        let fragments: Vec<FileRef<'_>> = files
            .iter()
            .map(|file| FileRef {
                name: &file.name,
                format: &file.format,
                dataset: &file.dataset,
            })
            .collect();
        let reference = ReferenceOptions {
            date: args.date,
            ..ReferenceOptions::default()
        };
        liens_preflight(
            io, target, &dataset, &options, &fragments, &reference, args.force,
        )?
    } else {
        target.write(&dataset, &options).map_err(Some)
    };
    let outputs = match written {
        Ok(outputs) => outputs,
        Err(Some(error)) => {
            writeln!(io.err, "passerelle : conversion refusée : {error}")?;
            return Ok(1);
        }
        Err(None) => return Ok(1),
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

/// `convert --to pronote-liens`: says where the memberships come from, runs every synchro-5
/// check on the file about to be written, prints the anomalies, and gives the outputs only
/// when no anomaly is an error (or with `--force`). `Err(None)`: refused, already said.
fn liens_preflight(
    io: &mut Io<'_>,
    format: &dyn Format,
    dataset: &passerelle_core::Dataset,
    options: &WriteOptions,
    files: &[FileRef<'_>],
    reference: &ReferenceOptions,
    force: bool,
) -> anyhow::Result<Result<Vec<OutputFile>, Option<passerelle_core::FormatError>>> {
    if let Some(origin) = liens::choose_memberships(dataset).map(|choice| choice.describe()) {
        writeln!(io.err, "Liens élèves-groupes pris dans {origin}.")?;
    }
    let checked = match preflight(format, dataset, options, files, reference) {
        Ok(checked) => checked,
        Err(error) => return Ok(Err(Some(error))),
    };
    print_diagnostics(io, &checked.remarks)?;
    print_diagnostics(io, &checked.anomalies)?;
    if checked.blocks() {
        let errors = checked
            .anomalies
            .iter()
            .filter(|anomaly| anomaly.severity == passerelle_core::Severity::Error)
            .count();
        if !force {
            writeln!(
                io.err,
                "passerelle : conversion refusée : SIECLE rejetterait le fichier des liens ou une partie de ses liens ({errors} anomalie(s) bloquante(s) ci-dessus) ; rien n'a été écrit. Corrigez-les, ou écrivez-le quand même avec --force."
            )?;
            return Ok(Err(None));
        }
        writeln!(
            io.err,
            "Attention : fichier des liens écrit malgré {errors} anomalie(s) bloquante(s) (--force)."
        )?;
    }
    Ok(Ok(checked.outputs))
}
