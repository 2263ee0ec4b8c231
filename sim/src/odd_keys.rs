//! TLS 1.3 servers with keys ring cannot sign with through rustls' usual
//! path: the RSA-PSS and Ed448 personalities.
//!
//! The chains are OpenSSL-made (`testdata/legacy/make.sh`; rcgen cannot
//! make id-RSASSA-PSS or Ed448 keys). The RSA-PSS server signs its
//! CertificateVerify for real with ring (`rsa_pss_pss_sha256` over the same
//! RSA key); the Ed448 server sends a signature of the right length that
//! does not verify, which a client without Ed448 cannot tell apart from a
//! real one (it records the signature as not verifiable either way).

use std::fmt;
use std::sync::Arc;

use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PSS_SHA256};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::{CertifiedKey, Signer, SigningKey};
use rustls::{ServerConfig, SignatureAlgorithm, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

/// The two key types of the odd-key personalities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OddKey {
    /// id-RSASSA-PSS leaf under an id-RSASSA-PSS root (2048 bits).
    RsaPss,
    /// Ed448 leaf under an Ed448 root.
    Ed448,
}

const RSA_PSS_LEAF: &str = include_str!("../testdata/legacy/rsa-pss-leaf.pem");
const RSA_PSS_ROOT: &str = include_str!("../testdata/legacy/rsa-pss-root.pem");
const RSA_PSS_KEY: &[u8] = include_bytes!("../testdata/legacy/rsa-pss-leaf.pkcs1.der");
const ED448_LEAF: &str = include_str!("../testdata/legacy/ed448-leaf.pem");
const ED448_ROOT: &str = include_str!("../testdata/legacy/ed448-root.pem");

/// `rsa_pss_pss_sha256` (RFC 8446 4.2.3); rustls has no name for it.
pub const RSA_PSS_PSS_SHA256: u16 = 0x0809;

fn der(pem: &str) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(pem.as_bytes()).expect("checked-in certificate")
}

impl OddKey {
    /// The chain the server sends: the leaf only (the root is the anchor).
    pub fn chain(self) -> Vec<CertificateDer<'static>> {
        match self {
            OddKey::RsaPss => vec![der(RSA_PSS_LEAF)],
            OddKey::Ed448 => vec![der(ED448_LEAF)],
        }
    }

    /// The root that signed the leaf, for a trust store.
    pub fn root(self) -> CertificateDer<'static> {
        match self {
            OddKey::RsaPss => der(RSA_PSS_ROOT),
            OddKey::Ed448 => der(ED448_ROOT),
        }
    }

    /// A TLS 1.3-only rustls server configuration serving the chain.
    pub fn server_config(self) -> Arc<ServerConfig> {
        let key: Arc<dyn SigningKey> = match self {
            OddKey::RsaPss => Arc::new(PssKey(Arc::new(
                RsaKeyPair::from_der(RSA_PSS_KEY).expect("checked-in RSA key"),
            ))),
            OddKey::Ed448 => Arc::new(FakeEd448),
        };
        config(CertifiedKey::new(self.chain(), key))
    }
}

fn config(key: CertifiedKey) -> Arc<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .expect("ring supports TLS 1.2 and 1.3")
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(Always(Arc::new(key))));
    Arc::new(config)
}

#[derive(Debug)]
struct Always(Arc<CertifiedKey>);

impl ResolvesServerCert for Always {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// An id-RSASSA-PSS key: only the `rsa_pss_pss_*` schemes may use it.
struct PssKey(Arc<RsaKeyPair>);

impl fmt::Debug for PssKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PssKey")
    }
}

impl SigningKey for PssKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        let scheme = SignatureScheme::from(RSA_PSS_PSS_SHA256);
        offered
            .contains(&scheme)
            .then(|| Box::new(PssSigner(self.0.clone())) as Box<dyn Signer>)
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::RSA
    }
}

struct PssSigner(Arc<RsaKeyPair>);

impl fmt::Debug for PssSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PssSigner")
    }
}

impl Signer for PssSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        let mut signature = vec![0; self.0.public().modulus_len()];
        self.0
            .sign(
                &RSA_PSS_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| rustls::Error::General("RSA-PSS signing failed".into()))?;
        Ok(signature)
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::from(RSA_PSS_PSS_SHA256)
    }
}

/// An Ed448 key whose signatures are the right size but not real.
#[derive(Debug)]
struct FakeEd448;

impl SigningKey for FakeEd448 {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        offered
            .contains(&SignatureScheme::ED448)
            .then(|| Box::new(FakeEd448) as Box<dyn Signer>)
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::ED448
    }
}

impl Signer for FakeEd448 {
    fn sign(&self, _message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        Ok(vec![0x44; 114])
    }

    fn scheme(&self) -> SignatureScheme {
        SignatureScheme::ED448
    }
}
