//! The real `passerelle` binary, for what needs a process of its own: a signal, a memory
//! limit.
//!
//! The CLI runs in-process everywhere else; the binary is built once per test run by a
//! nested `cargo build -p passerelle-cli` into `target/robustness-tests` (a target folder of
//! its own: the outer `cargo test` holds the lock of `target/`), without optimisation or
//! debug information, which the tests do not need. From cold that build adds about a minute
//! on two cores (it compiles the CLI's dependencies once more); afterwards it takes a second.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use passerelle_tests::workspace;

static BINARY: OnceLock<PathBuf> = OnceLock::new();

/// The path of the `passerelle` binary, built on first use.
pub fn passerelle_binary() -> &'static Path {
    BINARY.get_or_init(|| {
        let target = workspace().join("target").join("robustness-tests");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let start = Instant::now();
        let status = Command::new(cargo)
            .args(["build", "--offline", "--quiet", "-p", "passerelle-cli"])
            .args(["--config", "profile.dev.package.\"*\".opt-level=0"])
            .args(["--config", "profile.dev.debug=false"])
            .arg("--target-dir")
            .arg(&target)
            .current_dir(workspace())
            // The outer cargo's settings for its own build are not the nested build's.
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_BUILD_TARGET_DIR")
            .status()
            .expect("cargo runs");
        assert!(status.success(), "the nested build of passerelle failed");
        eprintln!(
            "passerelle built for the robustness tests in {:.1} s",
            start.elapsed().as_secs_f64()
        );
        target
            .join("debug")
            .join(format!("passerelle{}", std::env::consts::EXE_SUFFIX))
    })
}
