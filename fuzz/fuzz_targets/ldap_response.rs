//! LDAP StartTLS reply framing and decoding.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| starttls_fuzz_harness::ldap_response(data));
