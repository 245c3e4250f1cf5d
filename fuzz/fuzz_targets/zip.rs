#![no_main]
//! Fuzz target `zip`: see the crate documentation.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    passerelle_fuzz::open_zip(data);
});
