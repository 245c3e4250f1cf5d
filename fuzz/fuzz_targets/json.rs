#![no_main]
//! Fuzz target `json`: see the crate documentation.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    passerelle_fuzz::read_as(&["json"], data);
});
