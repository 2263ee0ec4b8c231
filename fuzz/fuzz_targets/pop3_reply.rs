//! POP3 status-line framing and parsing.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| starttls_fuzz_harness::pop3_reply(data));
