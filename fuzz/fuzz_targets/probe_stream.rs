//! The whole probe (SMTP, LMTP, LDAP) against an arbitrary server byte stream.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| starttls_fuzz_harness::probe_stream(data));
