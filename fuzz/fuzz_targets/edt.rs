#![no_main]
//! Fuzz target `edt`: see the crate documentation.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    passerelle_fuzz::read_as(&["edt-"], data);
});
