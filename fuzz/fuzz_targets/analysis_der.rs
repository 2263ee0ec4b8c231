//! Certificate analysis and trust store loading from arbitrary DER and PEM.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| starttls_cert::fuzzing::analysis_der(data));
