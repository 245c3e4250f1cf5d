//! `passerelle demo`: a synthetic establishment written in every format.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use passerelle_core::demo::{Calendar, DemoParams, demo_timestamp, generate};
use passerelle_core::demo_anomalies::write_demo_anomalies;
use passerelle_core::format::WriteOptions;

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
    let dataset = generate(&params);
    let options = WriteOptions {
        timestamp: Some(demo_timestamp(&dataset)),
        ..WriteOptions::default()
    };
    let folder = format!("{}/", args.folder.display());
    for format in registry.iter().filter(|format| format.can_write()) {
        let outputs = format
            .write(&dataset, &options)
            .with_context(|| format!("le format {} n'a pas pu écrire la démo", format.id()))?;
        for path in write_outputs(io, &outputs, &folder, &[])? {
            writeln!(io.err, "Écrit : {path}")?;
        }
    }
    Ok(0)
}
