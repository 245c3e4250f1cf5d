//! # passerelle-plugin-defectueux
//!
//! Faulty dynamic plugins for passerelle's integration tests (`tests/tests/dynamic.rs`), all
//! from this code and no `unsafe` of their own: built without features, a well-formed plugin
//! whose format `essai-panique` recognises `<ESSAI_PANIQUE>` files and panics when it reads or
//! writes one; with `abi-future` or `modele-futur`, a plugin declaring versions this
//! passerelle does not have (through the hidden arguments of
//! [`passerelle_core::export_plugin!`]); with `sans-symboles`, a shared library that exports
//! nothing of passerelle's.

use passerelle_core::Dataset;
use passerelle_core::format::{
    Format, FormatError, OutputFile, Probe, ReadInput, ReadOutput, WriteOptions, score,
};

/// A format that panics at work.
pub struct Panique;

/// The format value.
pub static PANIQUE: Panique = Panique;

impl Format for Panique {
    fn id(&self) -> &str {
        "essai-panique"
    }

    fn version(&self) -> &str {
        "1.0"
    }

    fn description(&self) -> &str {
        "Format d'essai dont la lecture et l'écriture paniquent"
    }

    fn sniff(&self, probe: &Probe<'_>) -> u8 {
        match probe.root {
            Some(root) if root.name == "ESSAI_PANIQUE" => score::SURE,
            _ => score::NO,
        }
    }

    fn can_read(&self) -> bool {
        true
    }

    fn can_write(&self) -> bool {
        true
    }

    fn read(&self, input: &ReadInput<'_>) -> Result<ReadOutput, FormatError> {
        panic!("lecture impossible de {}", input.base_name)
    }

    fn write(
        &self,
        _dataset: &Dataset,
        _options: &WriteOptions,
    ) -> Result<Vec<OutputFile>, FormatError> {
        panic!("écriture impossible")
    }
}

/// What the library exports, unless it is built as a library that is not a plugin.
#[cfg(not(feature = "sans-symboles"))]
mod exported {
    use passerelle_core::dynamic::ABI_VERSION;
    use passerelle_core::model::MODEL_VERSION;

    use super::PANIQUE;

    /// The ABI version this library declares.
    const ABI: u32 = if cfg!(feature = "abi-future") {
        ABI_VERSION + 1
    } else {
        ABI_VERSION
    };

    /// The model version this library declares.
    const MODEL: u32 = if cfg!(feature = "modele-futur") {
        MODEL_VERSION + 1
    } else {
        MODEL_VERSION
    };

    passerelle_core::export_plugin! {
        name: env!("CARGO_PKG_NAME"),
        version: env!("CARGO_PKG_VERSION"),
        formats: [PANIQUE],
        abi_version: ABI,
        model_version: MODEL,
    }
}
