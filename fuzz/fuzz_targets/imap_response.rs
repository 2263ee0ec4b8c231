//! IMAP response framing (bounded literals) and line parsing.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| starttls_cert::fuzzing::imap_response(data));
