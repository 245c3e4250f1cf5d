//! # passerelle-exemple-dynamique
//!
//! The example dynamic plugin of passerelle, and the walkthrough of `docs/plugins.md`: support
//! for a new version of a national file shipped as a shared library that admins load with
//! `passerelle --plugin libpasserelle_exemple_dynamique.so` (or `PASSERELLE_PLUGIN_PATH`),
//! without a new release of passerelle.
//!
//! It provides `siecle-eleves` VERSION 4.0, a hypothetical next SIECLE students export in
//! which `NOM_DE_FAMILLE` became `NOM_NAISSANCE` and `ID_NATIONAL` became `INE` (see
//! [`eleves_v4`]). Being newer than the built-in `siecle-eleves` (3.0), it replaces it when
//! loaded, and delegates the older versions to it.
//!
//! The format is an ordinary [`passerelle_core::Format`]; [`passerelle_core::export_plugin!`]
//! turns it into the plugin's C interface.

pub mod eleves_v4;
mod translate;

passerelle_core::export_plugin! {
    name: env!("CARGO_PKG_NAME"),
    version: env!("CARGO_PKG_VERSION"),
    formats: [eleves_v4::FORMAT],
}

#[cfg(test)]
mod tests;
