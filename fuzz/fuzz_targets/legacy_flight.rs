//! The legacy capture's reader of a server's hello, whole and in pieces.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| starttls_fuzz_harness::legacy_flight(data));
