//! The old sensor's parameter string parser.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| starttls_cert::fuzzing::params(data));
