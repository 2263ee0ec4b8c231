//! XMPP stream before TLS through a probe, whole and in pieces.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| starttls_fuzz_harness::xmpp_stream(data));
