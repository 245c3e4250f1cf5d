//! passerelle's integration tests (one binary, one module per area).

mod academie;
mod check;
mod cli;
mod dynamic;
mod edt;
mod foundation;
mod pronote_liens;
mod robustness;
mod siecle;
mod sts_emp;

pub use passerelle_tests::passerelle;
