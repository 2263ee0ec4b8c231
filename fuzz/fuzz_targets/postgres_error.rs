//! The PostgreSQL ErrorResponse reader (protocol 2 and 3 forms).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| starttls_fuzz_harness::postgres_error(data));
