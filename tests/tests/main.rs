//! passerelle's integration tests (one binary, one module per area).

mod cli;
mod foundation;
mod siecle;

/// Runs the CLI under test.
pub fn passerelle(args: &[&str]) -> passerelle_tests::Run {
    passerelle_tests::passerelle_in(env!("CARGO_BIN_EXE_passerelle-sous-test"), None, args)
}
