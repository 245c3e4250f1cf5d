//! # passerelle-pronote-liens
//!
//! Reads, builds and writes the liens élèves-groupes file (`IMPORT_ELEVES`, zipped) that
//! PRONOTE or EDT sends to SIECLE: synchronisation 5.
