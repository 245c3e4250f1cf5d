//! # passerelle-cli
//!
//! The `passerelle` command line: wiring only. It parses arguments (clap, French help),
//! calls the core and the plugins, prints in French, and maps outcomes to exit codes:
//! 0 success, 1 refused or error anomalies, 2 usage or input error.

mod check;
mod common;
mod convert;
mod demo;
mod detect;
mod formats;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use crate::common::Io;

use clap::{ArgAction, Parser, Subcommand};

const HELP_TEMPLATE: &str = "\
{before-help}{name} {version} — {about-with-newline}
Utilisation : {usage}

{all-args}{after-help}";

const SUBCOMMAND_TEMPLATE: &str = "\
{before-help}{about-with-newline}
Utilisation : {usage}

{all-args}{after-help}";

/// passerelle : vérifier et convertir les fichiers des synchronisations STS-Web, SIECLE,
/// EDT et PRONOTE.
#[derive(Debug, Parser)]
#[command(
    name = "passerelle",
    version,
    help_template = HELP_TEMPLATE,
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    subcommand_help_heading = "Commandes",
    next_help_heading = "Options",
    after_help = "Exemples :\n  \
        passerelle check fixtures/demo\n  \
        passerelle check --json ExportXML_ElevesSansAdresses.zip sts_emp_0999999Z_2025.xml\n  \
        passerelle detect fixtures/demo/*\n  \
        passerelle convert ExportXML_ElevesSansAdresses.zip Structures.xml --to json -o -\n  \
        passerelle demo /tmp/college --eleves 450\n\n\
        Codes de sortie : 0 succès, 1 conversion refusée ou anomalie bloquante (erreur), \
        2 erreur d'utilisation ou fichier illisible."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,

    /// Affiche l'aide.
    #[arg(short = 'h', long = "help", action = ArgAction::Help, global = true)]
    help: Option<bool>,

    /// Affiche la version.
    #[arg(short = 'V', long = "version", action = ArgAction::Version)]
    version: Option<bool>,

    /// Charge un plugin de format (bibliothèque .so/.dylib/.dll) ; répétable. La variable
    /// PASSERELLE_PLUGIN_PATH peut aussi lister des plugins ou des dossiers de plugins,
    /// séparés comme dans PATH. Aucun plugin n'est chargé d'ailleurs.
    #[arg(long = "plugin", value_name = "CHEMIN", global = true)]
    plugins: Vec<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Vérifie les fichiers des synchronisations avant de les déposer : ce qui sera refusé ou
    /// corrigé en silence, et que faire.
    #[command(help_template = SUBCOMMAND_TEMPLATE)]
    Check(check::CheckArgs),
    /// Liste les formats connus (lecture, écriture, origine).
    #[command(help_template = SUBCOMMAND_TEMPLATE)]
    Formats(formats::FormatsArgs),
    /// Reconnaît des fichiers : format, version, établissement, année, effectifs.
    #[command(help_template = SUBCOMMAND_TEMPLATE)]
    Detect(detect::DetectArgs),
    /// Lit et fusionne des fichiers (dossiers, zips), puis les écrit dans un autre format.
    #[command(help_template = SUBCOMMAND_TEMPLATE)]
    Convert(convert::ConvertArgs),
    /// Fabrique un établissement fictif cohérent, écrit dans tous les formats.
    #[command(help_template = SUBCOMMAND_TEMPLATE)]
    Demo(demo::DemoArgs),
}

/// Runs the command line with the process arguments, environment and streams, and returns
/// the exit code.
pub fn main() -> ExitCode {
    // An interrupted write leaves no temporary file; without a handler the run still stops.
    let _ = ctrlc::set_handler(|| {
        passerelle_core::output::remove_pending_temporaries();
        std::process::exit(130);
    });
    let stdout = std::io::stdout();
    // Colours only on a terminal, and never when NO_COLOR is set (no-color.org).
    let color =
        stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    // A progress bar only where someone watches it.
    let progress = std::io::stderr().is_terminal();
    let mut out = stdout.lock();
    // Not locked for the whole run: the progress bar writes to standard error from the
    // threads that check establishments.
    let mut err = std::io::stderr();
    let plugin_path = std::env::var_os("PASSERELLE_PLUGIN_PATH");
    ExitCode::from(run_in(
        std::env::args_os(),
        plugin_path,
        &mut out,
        &mut err,
        Terminal { color, progress },
    ))
}

/// What the caller knows of the terminal: colours on `out`, a progress bar on the process's
/// standard error. Tests write to buffers: neither.
#[derive(Clone, Copy, Debug, Default)]
struct Terminal {
    color: bool,
    progress: bool,
}

/// Runs the command line with these arguments (the first is the program name) and no
/// `PASSERELLE_PLUGIN_PATH`, printing results on `out` and messages on `err`; returns the
/// exit code (0, 1 or 2).
pub fn run_with_args<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    run(args, None, out, err, false)
}

/// Like [`run_with_args`], saying whether `out` may carry colours (only the caller knows
/// whether it is a terminal).
pub fn run_with_styled_args<I, T>(
    args: I,
    out: &mut dyn Write,
    err: &mut dyn Write,
    color: bool,
) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    run(args, None, out, err, color)
}

/// Runs the command line with these arguments, this value of `PASSERELLE_PLUGIN_PATH`, and
/// colours allowed or not on `out`.
pub fn run<I, T>(
    args: I,
    plugin_path: Option<std::ffi::OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
    color: bool,
) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let terminal = Terminal {
        color,
        progress: false,
    };
    run_in(args, plugin_path, out, err, terminal)
}

fn run_in<I, T>(
    args: I,
    plugin_path: Option<std::ffi::OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
    terminal: Terminal,
) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            // Help or a usage error: nothing more can be done if the terminal is gone.
            if error.use_stderr() {
                let _ = write!(err, "{}", error.render());
                return 2;
            }
            let _ = write!(out, "{}", error.render());
            return 0;
        }
    };
    let mut io = Io {
        plugins: &cli.plugins,
        plugin_path,
        out,
        err,
        color: terminal.color,
        progress: terminal.progress,
    };
    let outcome = match cli.command {
        Command::Check(args) => check::run(&mut io, &args),
        Command::Formats(args) => formats::run(&mut io, &args),
        Command::Detect(args) => detect::run(&mut io, &args),
        Command::Convert(args) => convert::run(&mut io, &args),
        Command::Demo(args) => demo::run(&mut io, &args),
    };
    let code = match outcome {
        Ok(code) => code,
        Err(error) => {
            let _ = writeln!(io.err, "passerelle : {}", common::french_chain(&error));
            2
        }
    };
    let _ = io.out.flush();
    code
}
