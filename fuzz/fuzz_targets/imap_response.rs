//! IMAP response framing (bounded literals) and line parsing.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| starttls_fuzz_harness::imap_response(data));
