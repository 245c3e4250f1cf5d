//! # passerelle-builtin
//!
//! Links every statically compiled format plugin into the binary, so that their
//! `register_format!` entries reach the [`passerelle_core::Registry`]. Depend on this crate
//! (and call [`registry`]) rather than on the plugins one by one.

use passerelle_edt as _;
use passerelle_pronote_liens as _;
use passerelle_siecle as _;
use passerelle_sts_emp as _;

use passerelle_core::format::{Registry, RegistryError};

/// The registry of every built-in format.
pub fn registry() -> Result<Registry, RegistryError> {
    Registry::builtin()
}
