//! # passerelle-core
//!
//! The heart of passerelle, the toolkit that moves school data between STS-Web, SIECLE,
//! EDT and PRONOTE: the data model every format reads into and writes from ([`model`]), the
//! format plugin trait and registry ([`format`]), detection ([`detect`]), input containers
//! and limits ([`input`]), encodings ([`encoding`]), streaming XML ([`xml`]), diagnostics
//! ([`diagnostics`]), the anomaly catalogue of `check` ([`checks`]), merging ([`merge`]),
//! student resolution ([`students`]), atomic outputs ([`output`]), the canonical JSON
//! format ([`json_format`]), the demo establishment generator ([`demo`]) and its variant
//! with one planted instance of each anomaly code ([`demo_anomalies`]), and dynamic format
//! plugins ([`dynamic`], the only module with `unsafe` code).
//!
//! The flow is: file(s) → container (zip?) → encoding → detection → reader → [`Dataset`]
//! → merge → checks or writer. A plugin only knows its own format and this crate.

pub mod checks;
pub mod correspondences;
pub mod csv;
pub mod dates;
pub mod demo;
pub mod demo_anomalies;
pub mod detect;
pub mod diagnostics;
pub mod dynamic;
pub mod encoding;
pub mod format;
pub mod input;
pub mod json_format;
pub mod merge;
pub mod model;
pub mod names;
pub mod output;
pub mod students;
pub mod time;
pub mod xml;

pub use diagnostics::{Diagnostic, Objet, Severity};
pub use format::{Format, FormatError, Registry};
pub use model::Dataset;

#[doc(hidden)]
pub use inventory;
