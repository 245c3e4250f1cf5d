//! Helpers for passerelle's integration tests: running the CLI and locating fixtures.

pub mod corpus;

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A path under `fixtures/`.
pub fn fixture(relative: &str) -> PathBuf {
    workspace().join("fixtures").join(relative)
}

/// The independent sample establishment of `../shared/samples/`, when present.
pub fn shared_sample() -> Option<PathBuf> {
    let path = workspace().join("../shared/samples/college-exemple");
    path.is_dir().then_some(path)
}

/// Result of a CLI run.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: u8,
    /// Standard output, as text.
    pub stdout: String,
    /// Standard error, as text.
    pub stderr: String,
    /// Raw standard output (for binary outputs written with `-o -`).
    pub stdout_bytes: Vec<u8>,
}

/// Runs the `passerelle` command line in-process with these arguments.
pub fn passerelle(args: &[&str]) -> Run {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let arguments = std::iter::once("passerelle").chain(args.iter().copied());
    let code = passerelle_cli::run_with_args(arguments, &mut out, &mut err);
    Run {
        code,
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr: String::from_utf8_lossy(&err).into_owned(),
        stdout_bytes: out,
    }
}
