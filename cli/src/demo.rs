//! `passerelle demo`: a synthetic establishment written in every format.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use passerelle_core::demo::{Calendar, DemoParams, demo_timestamp, demo_uaj, generate};
use passerelle_core::demo_anomalies::write_demo_anomalies;
use passerelle_core::format::{OutputFile, Registry, WriteOptions};
use passerelle_core::output::write_atomic;
use rayon::prelude::*;

use crate::common::{Io, registry, write_outputs};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CalendarChoice {
    /// Septembre à juillet.
    Metropole,
    /// Nouvelle-Calédonie : février à décembre.
    Nc,
}

/// Options of `demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Dossier où écrire les fichiers (créé au besoin).
    #[arg(value_name = "DOSSIER")]
    folder: PathBuf,
    /// Nombre d'élèves, sortis compris (défaut : 450, un collège de 16 divisions).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 450,
        hide_default_value = true
    )]
    eleves: usize,
    /// Graine : la même graine donne le même établissement (défaut : 1).
    #[arg(long, value_name = "N", default_value_t = 1, hide_default_value = true)]
    graine: u64,
    /// Calendrier scolaire (défaut : metropole).
    #[arg(long, value_enum, default_value_t = CalendarChoice::Metropole, hide_default_value = true)]
    calendrier: CalendarChoice,
    /// Millésime, l'année de la rentrée des élèves (défaut : 2026).
    #[arg(
        long,
        value_name = "AAAA",
        default_value_t = 2026,
        hide_default_value = true
    )]
    annee: i32,
    /// Écrit N établissements distincts (UAJ 0999999Z, 0999998Z…), un sous-dossier par UAJ :
    /// un lot à vérifier d'un coup (`passerelle check DOSSIER`).
    #[arg(long, value_name = "N", conflicts_with = "anomalies", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    etablissements: Option<u32>,
    /// Écrit plutôt la démo des anomalies : deux établissements (college/ et annexe/) où
    /// chaque code de `passerelle check` est planté une fois (les autres options sont alors
    /// ignorées).
    #[arg(long)]
    anomalies: bool,
}

/// Generates the demo establishment and writes it with every writer.
pub fn run(io: &mut Io<'_>, args: &DemoArgs) -> anyhow::Result<u8> {
    let registry = registry(io)?;
    if args.anomalies {
        let plants = write_demo_anomalies(&registry, &args.folder)?;
        for plant in &plants {
            writeln!(
                io.err,
                "Anomalie plantée dans {}/{} : {} {}",
                args.folder.display(),
                plant.dossier,
                plant.code,
                serde_json::to_string(&plant.objet)?
            )?;
        }
        return Ok(0);
    }
    let params = DemoParams {
        students: args.eleves,
        seed: args.graine,
        calendar: match args.calendrier {
            CalendarChoice::Metropole => Calendar::Metropole,
            CalendarChoice::Nc => Calendar::NouvelleCaledonie,
        },
        millesime: args.annee,
        ..DemoParams::default()
    };
    if let Some(count) = args.etablissements {
        return write_batch(io, &registry, &params, count, &args.folder);
    }
    let outputs = demo_outputs(&registry, &params)?;
    let folder = format!("{}/", args.folder.display());
    for path in write_outputs(io, &outputs, &folder, &[])? {
        writeln!(io.err, "Écrit : {path}")?;
    }
    Ok(0)
}

/// The demo establishment of these parameters, written with every writer.
fn demo_outputs(registry: &Registry, params: &DemoParams) -> anyhow::Result<Vec<OutputFile>> {
    let dataset = generate(params);
    let options = WriteOptions {
        timestamp: Some(demo_timestamp(&dataset)),
        ..WriteOptions::default()
    };
    let mut outputs = Vec::new();
    for format in registry.iter().filter(|format| format.can_write()) {
        outputs.extend(
            format
                .write(&dataset, &options)
                .with_context(|| format!("le format {} n'a pas pu écrire la démo", format.id()))?,
        );
    }
    Ok(outputs)
}

/// `--etablissements N`: N establishments (distinct UAJ and seeds), one sub-folder each,
/// made on every core.
fn write_batch(
    io: &mut Io<'_>,
    registry: &Registry,
    params: &DemoParams,
    count: u32,
    folder: &Path,
) -> anyhow::Result<u8> {
    let written: Vec<anyhow::Result<(PathBuf, usize)>> = (0..count)
        .into_par_iter()
        .map(|index| {
            let params = DemoParams {
                seed: params.seed.wrapping_add(u64::from(index)),
                uaj: demo_uaj(index as usize),
                ..params.clone()
            };
            let target = folder.join(&params.uaj);
            std::fs::create_dir_all(&target).with_context(|| {
                format!("impossible de créer le dossier « {} »", target.display())
            })?;
            let outputs = demo_outputs(registry, &params)?;
            for output in &outputs {
                write_atomic(&target.join(&output.name), &output.bytes, &[])?;
            }
            Ok((target, outputs.len()))
        })
        .collect();
    for outcome in written {
        let (target, files) = outcome?;
        writeln!(io.err, "Écrit : {}/ ({files} fichiers)", target.display())?;
    }
    Ok(0)
}
