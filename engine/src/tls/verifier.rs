//! A certificate verifier that accepts every chain and records whether the
//! handshake signature verified.
//!
//! A monitoring check must *report* an expired, self-signed or untrusted
//! certificate, not fail on it, so chain validation happens afterwards in
//! [`crate::analysis`] against the user's trust store. The handshake
//! signature is still checked, and the verdict kept, so the report says
//! whether the server proved it holds the leaf's key.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::report::HandshakeSignature;

/// Accepts any certificate; checks and records the handshake signature.
#[derive(Debug)]
pub(crate) struct RecordingVerifier {
    algorithms: WebPkiSupportedAlgorithms,
    verdict: Mutex<Option<HandshakeSignature>>,
}

impl RecordingVerifier {
    pub(crate) fn new(algorithms: WebPkiSupportedAlgorithms) -> Arc<Self> {
        Arc::new(RecordingVerifier {
            algorithms,
            verdict: Mutex::new(None),
        })
    }

    /// The verdict on the handshake signature, once one was checked.
    pub(crate) fn verdict(&self) -> HandshakeSignature {
        let recorded = self.verdict.lock().map(|v| v.clone()).unwrap_or(None);
        recorded
            .unwrap_or_else(|| HandshakeSignature::NotVerifiable("no signature was checked".into()))
    }

    fn record(
        &self,
        scheme: SignatureScheme,
        result: Result<HandshakeSignatureValid, rustls::Error>,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let verdict = match result {
            Ok(_) => HandshakeSignature::Verified,
            Err(_) if !self.algorithms.supported_schemes().contains(&scheme) => {
                HandshakeSignature::NotVerifiable(format!(
                    "the server signed with {}, which this build's crypto (ring) cannot verify",
                    scheme_name(scheme)
                ))
            }
            Err(e) => HandshakeSignature::NotVerifiable(e.to_string()),
        };
        if let Ok(mut slot) = self.verdict.lock() {
            *slot = Some(verdict);
        }
        Ok(HandshakeSignatureValid::assertion())
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.record(
            dss.scheme,
            verify_tls12_signature(message, cert, dss, &self.algorithms),
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.record(
            dss.scheme,
            verify_tls13_signature(message, cert, dss, &self.algorithms),
        )
    }

    /// Everything our crypto verifies, then every other scheme a server may
    /// need for its key ([`EXTRA_SCHEMES`]): a server whose key has no
    /// offered scheme aborts before sending its certificate. Signatures in
    /// the extra schemes are recorded as not verifiable instead.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        let mut schemes = self.algorithms.supported_schemes();
        for &extra in EXTRA_SCHEMES {
            let scheme = SignatureScheme::from(extra);
            if !schemes.contains(&scheme) {
                schemes.push(scheme);
            }
        }
        schemes
    }
}

/// Schemes offered beyond what ring verifies: ECDSA P-521, RSA-PSS with
/// id-RSASSA-PSS keys (`rsa_pss_pss_*`), Ed448, the brainpool curves of
/// TLS 1.3 (RFC 8734) and the SHA-1 schemes of TLS 1.2.
const EXTRA_SCHEMES: &[u16] = &[
    0x0603, // ecdsa_secp521r1_sha512
    0x0809, 0x080a, 0x080b, // rsa_pss_pss_sha256/384/512
    0x0808, // ed448
    0x081a, 0x081b, 0x081c, // ecdsa_brainpoolP256r1/384r1/512r1 tls13
    0x0201, 0x0203, // rsa_pkcs1_sha1, ecdsa_sha1
];

/// The IANA name of a signature scheme, also for those rustls has no name for.
fn scheme_name(scheme: SignatureScheme) -> String {
    match u16::from(scheme) {
        0x0809 => "rsa_pss_pss_sha256".into(),
        0x080a => "rsa_pss_pss_sha384".into(),
        0x080b => "rsa_pss_pss_sha512".into(),
        0x081a => "ecdsa_brainpoolP256r1tls13_sha256".into(),
        0x081b => "ecdsa_brainpoolP384r1tls13_sha384".into(),
        0x081c => "ecdsa_brainpoolP512r1tls13_sha512".into(),
        _ => format!("{scheme:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scheme_a_server_key_may_need_is_offered() {
        let provider = rustls::crypto::ring::default_provider();
        let verifier = RecordingVerifier::new(provider.signature_verification_algorithms);
        let offered = verifier.supported_verify_schemes();
        for code in [
            0x0809u16, 0x080a, 0x080b, 0x0808, 0x081a, 0x081b, 0x081c, 0x0201, 0x0203, 0x0603,
            0x0804, 0x0807,
        ] {
            assert!(
                offered.contains(&SignatureScheme::from(code)),
                "{code:#06x}"
            );
        }
        let unique: std::collections::HashSet<_> = offered.iter().map(|s| u16::from(*s)).collect();
        assert_eq!(unique.len(), offered.len(), "no scheme twice");
    }

    #[test]
    fn schemes_without_a_rustls_name_are_named() {
        assert_eq!(
            scheme_name(SignatureScheme::from(0x0809)),
            "rsa_pss_pss_sha256"
        );
        assert_eq!(scheme_name(SignatureScheme::ED448), "ED448");
    }
}
