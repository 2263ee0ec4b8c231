//! The one certificate every benchmark server presents: a self-signed
//! ECDSA P-256 certificate made with rcgen, passed to the server process as
//! hex, and the rustls server configuration built from it.

use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The name in the certificate.
pub const NAME: &str = "bench.starttls.test";

/// A certificate and its private key (PKCS#8), both DER.
#[derive(Clone, Debug)]
pub struct BenchCert {
    /// The certificate.
    pub cert: Vec<u8>,
    /// The private key, PKCS#8.
    pub key: Vec<u8>,
}

impl BenchCert {
    /// Generates a fresh self-signed ECDSA P-256 certificate for [`NAME`].
    pub fn generate() -> Result<Self, String> {
        let made = rcgen::generate_simple_self_signed(vec![NAME.to_owned()])
            .map_err(|e| format!("cannot generate the certificate: {e}"))?;
        Ok(BenchCert {
            cert: made.cert.der().to_vec(),
            key: made.signing_key.serialize_der(),
        })
    }

    /// A rustls server configuration (ring, TLS 1.2 and 1.3 with rustls'
    /// defaults) presenting this certificate.
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(rustls::ALL_VERSIONS)
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(self.cert.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone())),
            )
            .map_err(|e| format!("the certificate does not load: {e}"))?;
        Ok(Arc::new(config))
    }
}

/// Lower-case hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes from hex, or `None` when `text` is not hex.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() & 1 == 1 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_the_certificate_loads() {
        assert_eq!(
            from_hex(&to_hex(&[0, 1, 0xab, 0xff])),
            Some(vec![0, 1, 0xab, 0xff])
        );
        assert_eq!(from_hex("abc"), None);
        assert_eq!(from_hex("zz"), None);
        let cert = BenchCert::generate().unwrap();
        assert!(cert.server_config().is_ok());
    }
}
