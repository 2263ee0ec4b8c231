//! Pieces of the probe that the benchmark and the simulator reuse so they
//! cannot drift from what a probe does. Not a stable API: hidden from the
//! docs and free to change with any release.

use std::sync::Arc;

use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::WebPkiSupportedAlgorithms;

/// The certificate verifier every probe installs: it accepts any chain
/// (the analysis judges it later), verifies the handshake signature with
/// `algorithms` and advertises the schemes a probe advertises. A benchmark's
/// bare-rustls control uses it to do exactly the probe's cryptographic work.
pub fn probe_verifier(algorithms: WebPkiSupportedAlgorithms) -> Arc<dyn ServerCertVerifier> {
    crate::tls::RecordingVerifier::new(algorithms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::SignatureScheme;

    #[test]
    fn the_shared_verifier_advertises_what_a_probe_advertises() {
        let provider = rustls::crypto::ring::default_provider();
        let schemes =
            probe_verifier(provider.signature_verification_algorithms).supported_verify_schemes();
        assert!(schemes.contains(&SignatureScheme::ECDSA_NISTP256_SHA256));
        assert!(schemes.contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
    }
}
