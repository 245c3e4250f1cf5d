//! passerelle's integration tests (one binary, one module per area).

mod cli;
mod foundation;

pub use passerelle_tests::passerelle;
