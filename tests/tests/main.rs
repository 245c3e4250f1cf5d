//! passerelle's integration tests (one binary, one module per area).

mod cli;
mod foundation;
mod pronote_liens;

pub use passerelle_tests::passerelle;
