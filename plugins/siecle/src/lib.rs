//! # passerelle-siecle
//!
//! Reads and writes SIECLE's generic XML exports ("Exportations › En XML", the `BEE_*`
//! family, SIECLE.md), the inputs of synchronisation 2 (SIECLE → PRONOTE) and the files in
//! which synchronisation 4 (STS-Web → SIECLE) can be observed.
//!
//! One format id per family, one module per family: [`FORMAT_IDS`] lists them. Each reader
//! streams its file one record at a time, keeps every element the model does not name (in
//! document order, written back in SIECLE's order), and accepts the renamed elements of past
//! versions. Each writer produces ISO-8859-15 in SIECLE's element order, zipped as
//! `ExportXML_<Nom>.zip` holding `<Nom>.xml` (or the bare XML when the output name asked for
//! ends with `.xml`); writing is deterministic.

mod address;
mod bee;
mod communs;
mod eleves;
mod layout;
mod nomenclatures;
mod reference;
mod responsables;
mod structures;

/// The ids of the formats this crate registers, sorted.
pub const FORMAT_IDS: [&str; 7] = [
    "siecle-communs",
    "siecle-eleves",
    "siecle-etablissements",
    "siecle-geographique",
    "siecle-nomenclatures",
    "siecle-responsables",
    "siecle-structures",
];

passerelle_core::register_format!(communs::FORMAT);
passerelle_core::register_format!(eleves::FORMAT);
passerelle_core::register_format!(reference::ETABLISSEMENTS);
passerelle_core::register_format!(reference::GEOGRAPHIQUE);
passerelle_core::register_format!(nomenclatures::FORMAT);
passerelle_core::register_format!(responsables::FORMAT);
passerelle_core::register_format!(structures::FORMAT);

/// The format of one of [`FORMAT_IDS`], for crates that build on this one: a plugin that
/// adds a newer `VERSION` of a SIECLE export delegates the older ones to it (the example
/// plugin `passerelle-exemple-dynamique` does so for `siecle-eleves`).
pub fn format(id: &str) -> Option<&'static dyn passerelle_core::Format> {
    let formats: [&'static dyn passerelle_core::Format; 7] = [
        &communs::FORMAT,
        &eleves::FORMAT,
        &reference::ETABLISSEMENTS,
        &reference::GEOGRAPHIQUE,
        &nomenclatures::FORMAT,
        &responsables::FORMAT,
        &structures::FORMAT,
    ];
    formats.into_iter().find(|format| format.id() == id)
}

#[cfg(test)]
mod tests;
