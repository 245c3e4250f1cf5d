//! `passerelle check`: the cross-synchronisation pre-flight report.

use std::path::PathBuf;

use anyhow::bail;
use chrono::NaiveDate;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use passerelle_core::checks::ReferenceOptions;
use passerelle_core::checks::report::{RenderOptions, render_human};
use passerelle_core::checks::run::{CheckOptions, check_plan, plan};
use passerelle_core::input::InputError;

use crate::common::{InputArgs, Io, parse_french_date, registry};

/// Options of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Fichiers, dossiers ou zips d'un établissement ; un dossier qui ne contient que des
    /// sous-dossiers est un lot : un établissement par sous-dossier.
    #[arg(value_name = "ENTREE", required = true)]
    inputs: Vec<PathBuf>,
    /// Écrit le rapport en JSON (pour les scripts).
    #[arg(long)]
    json: bool,
    /// Affiche toutes les anomalies (sinon 10 exemples par code).
    #[arg(long)]
    tout: bool,
    /// UAJ de référence (défaut : celle du fichier élèves SIECLE, sinon celle de la majorité des
    /// fichiers).
    #[arg(long, value_name = "UAJ", value_parser = parse_uaj)]
    uaj: Option<String>,
    /// Année scolaire de référence, l'année de la rentrée (défaut : celle du fichier élèves
    /// SIECLE, sinon celle de la majorité des fichiers).
    #[arg(long, value_name = "AAAA", value_parser = parse_year)]
    annee: Option<i32>,
    /// Date de référence des élèves présents (défaut : date d'export du fichier élèves).
    #[arg(long, value_name = "JJ/MM/AAAA", value_parser = parse_french_date)]
    date: Option<NaiveDate>,
    /// Début de la période scolaire (défaut : Communs.xml, sinon sts_emp).
    #[arg(long, value_name = "JJ/MM/AAAA", value_parser = parse_french_date)]
    debut: Option<NaiveDate>,
    /// Fin de la période scolaire (défaut : Communs.xml, sinon sts_emp).
    #[arg(long, value_name = "JJ/MM/AAAA", value_parser = parse_french_date)]
    fin: Option<NaiveDate>,
    /// Table des correspondances entre noms EDT et codes STS (CSV type;nom_edt;code_sts).
    #[arg(long, value_name = "FICHIER")]
    correspondances: Option<PathBuf>,
    #[command(flatten)]
    input: InputArgs,
}

/// Parses `--uaj`: 7 digits and a letter.
fn parse_uaj(text: &str) -> Result<String, String> {
    let uaj = text.trim().to_ascii_uppercase();
    let well_formed = uaj.len() == 8
        && uaj[..7].bytes().all(|byte| byte.is_ascii_digit())
        && uaj[7..].bytes().all(|byte| byte.is_ascii_uppercase());
    if well_formed {
        Ok(uaj)
    } else {
        Err(format!(
            "« {text} » n'est pas une UAJ : 7 chiffres et une lettre (ex. 0999999Z)"
        ))
    }
}

/// Parses `--annee`: the year of the school start, four digits.
fn parse_year(text: &str) -> Result<i32, String> {
    text.trim()
        .parse::<i32>()
        .ok()
        .filter(|year| (1980..=2100).contains(year))
        .ok_or_else(|| {
            format!(
                "« {text} » n'est pas une année : l'année de la rentrée, ex. 2025 pour 2025-2026"
            )
        })
}

/// The progress bar of a batch, on standard error.
fn progress_bar(establishments: usize) -> ProgressBar {
    let bar = ProgressBar::new(u64::try_from(establishments).unwrap_or(u64::MAX));
    if let Ok(style) = ProgressStyle::with_template(
        "Vérification {bar:30} {pos}/{len} établissements ({elapsed}, reste ~{eta}) {wide_msg}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Runs the checks and prints the report.
pub fn run(io: &mut Io<'_>, args: &CheckArgs) -> anyhow::Result<u8> {
    if let (Some(start), Some(end)) = (args.debut, args.fin)
        && start > end
    {
        bail!(
            "la période scolaire commence après sa fin (--debut {} --fin {}) : vérifiez les dates",
            passerelle_core::dates::format_french(start),
            passerelle_core::dates::format_french(end)
        );
    }
    if let Some(path) = &args.correspondances
        && !path.is_file()
    {
        return Err(InputError::NotFound {
            path: path.display().to_string(),
        }
        .into());
    }
    let correspondences = args
        .correspondances
        .as_deref()
        .map(passerelle_core::correspondences::load)
        .transpose()?;
    let options = CheckOptions {
        reference: ReferenceOptions {
            uaj: args.uaj.clone(),
            annee: args.annee,
            date: args.date,
            start: args.debut,
            end: args.fin,
        },
        limits: args.input.limits(),
        read: args.input.read_options(),
        correspondences,
        ..CheckOptions::default()
    };
    let registry = registry(io)?;
    let plan = plan(&args.inputs)?;
    let bar = (io.progress && !args.json && plan.establishments.len() > 1)
        .then(|| progress_bar(plan.establishments.len()));
    let report = check_plan(&registry, plan, &options, &|done| {
        if let Some(bar) = &bar {
            bar.set_message(done.dossier.clone());
            bar.inc(1);
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = report?;
    for establishment in &report.etablissements {
        for diagnostic in &establishment.other {
            writeln!(io.err, "{diagnostic}")?;
        }
    }
    if args.json {
        io.out.write_all(report.to_json().as_bytes())?;
    } else {
        let text = render_human(
            &report,
            &RenderOptions {
                color: io.color,
                all: args.tout,
            },
        );
        io.out.write_all(text.as_bytes())?;
    }
    Ok(if report.has_errors() { 1 } else { 0 })
}
