//! Helpers for passerelle's integration tests: running the CLI and locating fixtures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Raw standard output.
    pub stdout_bytes: Vec<u8>,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            stdout_bytes: output.stdout,
        }
    }
}

/// Runs `passerelle` with arguments, in `folder` when given.
pub fn passerelle_in(binary: &str, folder: Option<&Path>, args: &[&str]) -> Run {
    let mut command = Command::new(binary);
    command.args(args).env("NO_COLOR", "1");
    if let Some(folder) = folder {
        command.current_dir(folder);
    }
    match command.output() {
        Ok(output) => output.into(),
        Err(error) => Run {
            code: -1,
            stdout: String::new(),
            stderr: format!("impossible de lancer {binary}: {error}"),
            stdout_bytes: Vec::new(),
        },
    }
}
