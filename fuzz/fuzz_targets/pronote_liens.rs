#![no_main]
//! Fuzz target `pronote_liens`: see the crate documentation.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    passerelle_fuzz::read_as(&["pronote-liens"], data);
});
