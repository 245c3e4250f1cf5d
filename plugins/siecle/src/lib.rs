//! # passerelle-siecle
//!
//! Reads and writes SIECLE's generic XML exports (`BEE_ELEVES`, `BEE_RESPONSABLES`,
//! `BEE_NOMENCLATURES`, `BEE_STRUCTURES`, `BEE_COMMUN`…), the inputs of synchronisation 2.
