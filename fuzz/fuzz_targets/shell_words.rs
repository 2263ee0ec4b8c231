//! The stdin argument splitter, with a quoting round trip.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| starttls_fuzz_harness::shell_words(data));
