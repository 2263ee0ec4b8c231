//! An Ed25519 test PKI: the same certificate bytes in every process.

use std::sync::OnceLock;

use rcgen::{BasicConstraints, IsCa, Issuer, KeyPair};
use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};

use crate::certs::{ca_params, leaf_params, CertKind, KeyKind, PkiError, ServerIdentity};

/// PKCS#8 v1 (RFC 8410) of an Ed25519 key: this prefix, then the 32-byte seed.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// A root and intermediate CA and a [`CertKind::Good`] leaf for
/// [`SERVER_NAME`](crate::certs::SERVER_NAME), all Ed25519 with fixed keys
/// (seeds are SHA-256 of a label): Ed25519 signatures are deterministic, so
/// unlike [`TestPki`](crate::certs::TestPki)'s ECDSA certificates these
/// bytes, and the server's handshake signature, never change. Names, dates
/// and serials are those of the ECDSA PKI.
#[derive(Debug)]
pub struct SeededPki {
    root_der: CertificateDer<'static>,
    identity: ServerIdentity,
}

impl SeededPki {
    /// The per-process PKI, generated on first use.
    ///
    /// # Panics
    /// If rcgen or rustls refuse an Ed25519 key, which a unit test rules out.
    pub fn shared() -> &'static SeededPki {
        static PKI: OnceLock<SeededPki> = OnceLock::new();
        PKI.get_or_init(|| SeededPki::generate().expect("fixed Ed25519 keys are valid"))
    }

    /// Generates the PKI (the same bytes every time).
    pub fn generate() -> Result<SeededPki, PkiError> {
        let mut root = ca_params("starttls-sim Test Root CA", 1);
        root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let root_key = ed25519("root")?;
        let root_cert = root.self_signed(&root_key)?;
        let root_issuer = Issuer::new(root, root_key);

        let mut inter = ca_params("starttls-sim Test Intermediate CA", 2);
        inter.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        let inter_key = ed25519("intermediate")?;
        let inter_cert = inter.signed_by(&inter_key, &root_issuer)?;
        let inter_issuer = Issuer::new(inter, inter_key);

        // The leaf's key usages are those of any non-RSA key.
        let leaf = leaf_params(CertKind::Good, KeyKind::EcdsaP256, 0x100)?;
        let leaf_key = ed25519("leaf")?;
        let leaf_cert = leaf.signed_by(&leaf_key, &inter_issuer)?;
        let chain = vec![leaf_cert.der().clone(), inter_cert.der().clone()];
        let identity = ServerIdentity::new(chain, pkcs8("leaf"))?;
        Ok(SeededPki {
            root_der: root_cert.der().clone(),
            identity,
        })
    }

    /// The `Good` leaf and the intermediate, with the leaf's key.
    pub fn identity(&self) -> &ServerIdentity {
        &self.identity
    }

    /// The root CA certificate (DER), to trust in tests.
    pub fn root_der(&self) -> &CertificateDer<'static> {
        &self.root_der
    }
}

fn pkcs8(label: &str) -> PrivatePkcs8KeyDer<'static> {
    let seed = ring::digest::digest(&ring::digest::SHA256, label.as_bytes());
    PrivatePkcs8KeyDer::from([&ED25519_PKCS8_PREFIX[..], seed.as_ref()].concat())
}

fn ed25519(label: &str) -> Result<KeyPair, rcgen::Error> {
    KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8(label), &rcgen::PKCS_ED25519)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generating_twice_gives_the_same_certificates() {
        let a = SeededPki::generate().unwrap();
        let b = SeededPki::generate().unwrap();
        assert_eq!(a.identity().chain, b.identity().chain);
        assert_eq!(a.root_der(), b.root_der());
        assert_eq!(a.identity().chain.len(), 2);
    }
}
