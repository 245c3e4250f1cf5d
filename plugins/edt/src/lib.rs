//! # passerelle-edt
//!
//! Reads and writes EDT's services upload `emp_sts_<UAJ>_<ANNEE>.xml` (root `EDT_STS`,
//! synchronisation 3), and reads EDT/PRONOTE list exports (`EXP_*.xml`, `EXP_*.csv`).

mod common;
pub mod emp_sts;
