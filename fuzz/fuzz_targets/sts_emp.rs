#![no_main]
//! Fuzz target `sts_emp`: see the crate documentation.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    passerelle_fuzz::read_as(&["sts-emp"], data);
});
