//! # passerelle-sts-emp
//!
//! Reads and writes STS-Web's `sts_emp_<UAJ>_<ANNEE>.xml` (root `STS_EDT`), the input of
//! synchronisation 1 (STS-Web → EDT) and the STS side of every cross-check.
