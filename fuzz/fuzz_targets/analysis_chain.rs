//! Certificate analysis of mutated real chains.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| starttls_cert::fuzzing::analysis_chain(data));
