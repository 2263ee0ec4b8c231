//! Certificate analysis and trust store loading from arbitrary DER and PEM.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| starttls_fuzz_harness::analysis_der(data));
