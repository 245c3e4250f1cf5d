//! passerelle's integration tests (one binary, one module per area).

mod check;
mod cli;
mod foundation;

pub use passerelle_tests::passerelle;
