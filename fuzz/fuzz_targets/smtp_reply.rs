//! SMTP/LMTP reply parser, whole and in pieces.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| starttls_fuzz_harness::smtp_reply(data));
