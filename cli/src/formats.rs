//! `passerelle formats`: the formats passerelle knows.

use clap::Args;
use serde::Serialize;

use crate::common::{Io, registry};

/// Options of `formats`.
#[derive(Debug, Args)]
pub struct FormatsArgs {
    /// Écrit la liste en JSON (pour les scripts).
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct FormatLine {
    id: String,
    version: String,
    description: String,
    lecture: bool,
    ecriture: bool,
    origine: String,
}

/// Lists the formats.
pub fn run(io: &mut Io<'_>, args: &FormatsArgs) -> anyhow::Result<u8> {
    let registry = registry(io)?;
    let lines: Vec<FormatLine> = registry
        .iter()
        .map(|format| FormatLine {
            id: format.id().to_string(),
            version: format.version().to_string(),
            description: format.description().to_string(),
            lecture: format.can_read(),
            ecriture: format.can_write(),
            origine: format.origin().to_string(),
        })
        .collect();
    if args.json {
        writeln!(io.out, "{}", serde_json::to_string_pretty(&lines)?)?;
        return Ok(0);
    }
    let width = lines.iter().map(|line| line.id.len()).max().unwrap_or(0);
    writeln!(
        io.out,
        "{:width$}  {:8}  {:8}  description",
        "format", "version", "lit/écrit"
    )?;
    for line in &lines {
        let abilities = match (line.lecture, line.ecriture) {
            (true, true) => "lit, écrit",
            (true, false) => "lit",
            (false, true) => "écrit",
            (false, false) => "-",
        };
        let origin = if line.origine == "builtin" {
            String::new()
        } else {
            format!(" [{}]", line.origine)
        };
        writeln!(
            io.out,
            "{:width$}  {:8}  {:10}  {}{}",
            line.id, line.version, abilities, line.description, origin
        )?;
    }
    Ok(0)
}
