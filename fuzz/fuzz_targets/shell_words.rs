//! The stdin argument splitter, with a quoting round trip.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| starttls_cert::fuzzing::shell_words(data));
