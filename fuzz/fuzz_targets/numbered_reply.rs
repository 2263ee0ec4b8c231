//! FTP/NNTP numbered-reply reader, whole and in pieces.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| starttls_fuzz_harness::numbered_reply(data));
