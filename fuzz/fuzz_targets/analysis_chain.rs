//! Certificate analysis of mutated real chains.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| starttls_fuzz_harness::analysis_chain(data));
