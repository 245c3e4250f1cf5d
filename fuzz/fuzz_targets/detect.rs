#![no_main]
//! Fuzz target `detect`: see the crate documentation.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    passerelle_fuzz::detect_and_read(data);
});
