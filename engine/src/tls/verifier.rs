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
        result: Result<HandshakeSignatureValid, rustls::Error>,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let verdict = match result {
            Ok(_) => HandshakeSignature::Verified,
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
        self.record(verify_tls12_signature(message, cert, dss, &self.algorithms))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.record(verify_tls13_signature(message, cert, dss, &self.algorithms))
    }

    /// Everything our crypto verifies, plus P-521: a P-521 server would
    /// otherwise abort before sending its certificate. Its signature is then
    /// recorded as not verifiable instead.
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        let mut schemes = self.algorithms.supported_schemes();
        if !schemes.contains(&SignatureScheme::ECDSA_NISTP521_SHA512) {
            schemes.push(SignatureScheme::ECDSA_NISTP521_SHA512);
        }
        schemes
    }
}
