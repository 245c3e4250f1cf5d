#![no_main]
//! Fuzz target `siecle`: see the crate documentation.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    passerelle_fuzz::read_as(&["siecle-"], data);
});
