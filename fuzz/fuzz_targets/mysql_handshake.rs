//! The MySQL/MariaDB server's first packet: handshake or ERR.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| starttls_fuzz_harness::mysql_handshake(data));
