//! Certificate signatures: the algorithm's name, whether its hash is weak, and
//! checking "was this certificate signed by that key" with ring.
//!
//! x509-parser's own check rejects RSA-1024 and does not know P-521, so the
//! mapping is ours and uses ring's legacy algorithms where they exist
//! (RSA keys from 1024 bits, SHA-1). What ring cannot verify at all (MD5,
//! ECDSA with SHA-1 or SHA-512, P-521, Ed448, DSA) is reported as
//! [`SignatureCheck::Unsupported`], never as invalid.

use std::cell::Cell;
use std::fmt;

use ring::signature::{self, VerificationAlgorithm};
use x509_parser::certificate::X509Certificate;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::names;
use super::parsed::ParsedCert;
use super::self_signed::self_signed_given;
use super::trust_store::TrustStore;

/// Outcome of checking one certificate's signature against a public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SignatureCheck {
    /// The key made this signature.
    Valid,
    /// The signature does not verify with this key.
    Invalid,
    /// The algorithm or key type cannot be verified here.
    Unsupported,
}

/// A hash function too weak to sign certificates with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeakHash {
    /// MD2.
    Md2,
    /// MD5.
    Md5,
    /// SHA-1.
    Sha1,
}

impl fmt::Display for WeakHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WeakHash::Md2 => "MD2",
            WeakHash::Md5 => "MD5",
            WeakHash::Sha1 => "SHA-1",
        })
    }
}

/// The usual name of a signature algorithm OID (OpenSSL's spelling), or the
/// dotted OID itself.
pub(crate) fn algorithm_name(oid: &str) -> String {
    let name = match oid {
        "1.2.840.113549.1.1.2" => "md2WithRSAEncryption",
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.10040.4.3" => "dsa-with-SHA1",
        "2.16.840.1.101.3.4.3.2" => "dsa-with-SHA256",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        _ => return oid.to_owned(),
    };
    name.to_owned()
}

/// The weak hash a signature algorithm OID uses, if any.
pub(crate) fn weak_hash(oid: &str) -> Option<WeakHash> {
    match oid {
        "1.2.840.113549.1.1.2" => Some(WeakHash::Md2),
        "1.2.840.113549.1.1.4" => Some(WeakHash::Md5),
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" | "1.2.840.10045.4.1" | "1.2.840.10040.4.3" => {
            Some(WeakHash::Sha1)
        }
        _ => None,
    }
}

/// Whether `cert` carries a signature made by the key in `issuer_key`.
pub(crate) fn check_signed_by(
    cert: &X509Certificate<'_>,
    issuer_key: &SubjectPublicKeyInfo<'_>,
) -> SignatureCheck {
    let sig_oid = cert.signature_algorithm.algorithm.to_id_string();
    let candidates = verification_algorithms(&sig_oid, issuer_key);
    if candidates.is_empty() {
        return SignatureCheck::Unsupported;
    }
    let message = cert.tbs_certificate.as_ref();
    let signature = cert.signature_value.data.as_ref();
    let key = issuer_key.subject_public_key.data.as_ref();
    let valid = candidates.iter().any(|alg| {
        signature::UnparsedPublicKey::new(*alg, key)
            .verify(message, signature)
            .is_ok()
    });
    if valid {
        SignatureCheck::Valid
    } else {
        SignatureCheck::Invalid
    }
}

/// The signature checks of one analysis, each made at most once.
///
/// Several parts of an analysis ask the same questions ("is certificate
/// `i` self-signed", "did certificate `j`'s key sign certificate `i`"):
/// the Self-Signed channel, the trust verdict's wording, the chain
/// problems. A signature check (an ECDSA or RSA verification) costs about
/// as much as the rest of the analysis together, so the answers are kept
/// here for the one analysis. A certificate the trust store already found
/// self-signed when it was added (the same bytes) is not checked again.
pub(crate) struct Signatures<'p, 'a> {
    chain: &'p [ParsedCert<'a>],
    /// Whether each certificate of the chain is self-signed.
    self_signed: Vec<bool>,
    /// `checks[cert * chain.len() + issuer]`, once made.
    checks: Vec<Cell<Option<SignatureCheck>>>,
    /// Signature checks made so far (for tests).
    made: Cell<usize>,
}

impl<'p, 'a> Signatures<'p, 'a> {
    /// Answers about `chain` (at most [`MAX_CHAIN_LEN`](super::MAX_CHAIN_LEN)
    /// certificates), with what `store` already knows.
    pub(crate) fn new(chain: &'p [ParsedCert<'a>], store: &TrustStore) -> Self {
        let mut signatures = Signatures {
            chain,
            self_signed: Vec::with_capacity(chain.len()),
            checks: vec![Cell::new(None); chain.len() * chain.len()],
            made: Cell::new(0),
        };
        let self_signed = (0..chain.len())
            .map(|i| {
                store.is_known_self_signed(chain[i].der)
                    || self_signed_given(&chain[i], || signatures.check(i, i))
            })
            .collect();
        signatures.self_signed = self_signed;
        signatures
    }

    /// Whether each certificate is self-signed, in chain order.
    pub(crate) fn self_signed(&self) -> &[bool] {
        &self.self_signed
    }

    /// Whether certificate `index` is self-signed (`false` when out of range).
    pub(crate) fn is_self_signed(&self, index: usize) -> bool {
        self.self_signed.get(index).copied().unwrap_or(false)
    }

    /// Whether `issuer`'s subject names certificate `cert`'s issuer and its
    /// key made `cert`'s signature (or the signature cannot be checked here).
    pub(crate) fn may_be_issued_by(&self, cert: usize, issuer: usize) -> bool {
        let (Some(c), Some(i)) = (self.chain.get(cert), self.chain.get(issuer)) else {
            return false;
        };
        names::names_match(c.x509.issuer(), i.x509.subject())
            && self.check(cert, issuer) != SignatureCheck::Invalid
    }

    /// Whether `issuer`'s key made `cert`'s signature, checked the first
    /// time it is asked.
    fn check(&self, cert: usize, issuer: usize) -> SignatureCheck {
        let n = self.chain.len();
        let (Some(c), Some(i)) = (self.chain.get(cert), self.chain.get(issuer)) else {
            return SignatureCheck::Unsupported;
        };
        let Some(slot) = self.checks.get(cert * n + issuer) else {
            return SignatureCheck::Unsupported;
        };
        if let Some(known) = slot.get() {
            return known;
        }
        let result = check_signed_by(&c.x509, i.x509.public_key());
        self.made.set(self.made.get() + 1);
        slot.set(Some(result));
        result
    }

    /// Signature checks made so far.
    #[cfg(test)]
    pub(crate) fn checks_made(&self) -> usize {
        self.made.get()
    }
}

/// ring algorithms that could have produced a signature of this OID with
/// this key; empty when ring has none.
fn verification_algorithms(
    sig_oid: &str,
    key: &SubjectPublicKeyInfo<'_>,
) -> Vec<&'static dyn VerificationAlgorithm> {
    let key_oid = key.algorithm.algorithm.to_id_string();
    let is_rsa = key_oid == "1.2.840.113549.1.1.1" || key_oid == "1.2.840.113549.1.1.10";
    let curve = super::public_key::curve_oid(key);
    let p256 = key_oid == "1.2.840.10045.2.1" && curve == "1.2.840.10045.3.1.7";
    let p384 = key_oid == "1.2.840.10045.2.1" && curve == "1.3.132.0.34";
    match sig_oid {
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" if is_rsa => {
            vec![&signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY]
        }
        "1.2.840.113549.1.1.11" if is_rsa => {
            vec![&signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY]
        }
        "1.2.840.113549.1.1.12" if is_rsa => vec![&signature::RSA_PKCS1_2048_8192_SHA384],
        "1.2.840.113549.1.1.13" if is_rsa => {
            vec![&signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY]
        }
        // The PSS hash sits in the parameters; trying the three ring knows is
        // enough to tell "this key signed it".
        "1.2.840.113549.1.1.10" if is_rsa => vec![
            &signature::RSA_PSS_2048_8192_SHA256,
            &signature::RSA_PSS_2048_8192_SHA384,
            &signature::RSA_PSS_2048_8192_SHA512,
        ],
        "1.2.840.10045.4.3.2" if p256 => vec![&signature::ECDSA_P256_SHA256_ASN1],
        "1.2.840.10045.4.3.2" if p384 => vec![&signature::ECDSA_P384_SHA256_ASN1],
        "1.2.840.10045.4.3.3" if p256 => vec![&signature::ECDSA_P256_SHA384_ASN1],
        "1.2.840.10045.4.3.3" if p384 => vec![&signature::ECDSA_P384_SHA384_ASN1],
        "1.3.101.112" if key_oid == "1.3.101.112" => vec![&signature::ED25519],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::test_support::*;
    use rustls_pki_types::CertificateDer;

    fn parse<'a>(chain: &'a [CertificateDer<'_>]) -> Vec<ParsedCert<'a>> {
        chain
            .iter()
            .enumerate()
            .map(|(i, c)| ParsedCert::parse(i, c.as_ref()).expect("parse"))
            .collect()
    }

    #[test]
    fn each_signature_is_checked_at_most_once() {
        let pki = Pki::new();
        let chain = [
            pki.leaf.der().clone(),
            pki.intermediate.der().clone(),
            pki.root.der().clone(),
        ];
        let parsed = parse(&chain);
        let signatures = Signatures::new(&parsed, &TrustStore::new());
        assert_eq!(signatures.self_signed(), [false, false, true]);
        assert_eq!(signatures.checks_made(), 1, "only the self-issued root");
        for _ in 0..3 {
            assert!(signatures.may_be_issued_by(0, 1));
            assert!(signatures.may_be_issued_by(1, 2));
            assert!(!signatures.may_be_issued_by(0, 2), "names differ: no check");
            assert!(signatures.is_self_signed(2));
        }
        assert_eq!(signatures.checks_made(), 3);
        assert!(!signatures.is_self_signed(7) && !signatures.may_be_issued_by(0, 7));
    }

    #[test]
    fn a_certificate_the_store_found_self_signed_is_not_checked_again() {
        let leaf = self_signed_leaf(KeyKind::P256, &["mail.example.com"]);
        let chain = [leaf.der().clone()];
        let parsed = parse(&chain);
        let fresh = Signatures::new(&parsed, &TrustStore::new());
        assert_eq!((fresh.self_signed(), fresh.checks_made()), (&[true][..], 1));
        let store = TrustStore::from_pem(leaf.pem().as_bytes()).expect("store");
        let known = Signatures::new(&parsed, &store);
        assert_eq!((known.self_signed(), known.checks_made()), (&[true][..], 0));

        // Other bytes with the same names are checked, and found wanting.
        let other = self_issued_signed_by_other_key();
        let chain = [other.der().clone()];
        let parsed = parse(&chain);
        let mut store = TrustStore::from_pem(leaf.pem().as_bytes()).expect("store");
        store.extend(TrustStore::from_pem(other.pem().as_bytes()).expect("intermediate"));
        let checked = Signatures::new(&parsed, &store);
        assert_eq!(checked.self_signed(), [false]);
        assert_eq!(checked.checks_made(), 1);
    }

    #[test]
    fn names_and_weak_hashes_of_common_algorithms() {
        assert_eq!(
            algorithm_name("1.2.840.113549.1.1.11"),
            "sha256WithRSAEncryption"
        );
        assert_eq!(algorithm_name("1.2.3.4"), "1.2.3.4");
        assert_eq!(weak_hash("1.2.840.113549.1.1.4"), Some(WeakHash::Md5));
        assert_eq!(weak_hash("1.2.840.113549.1.1.5"), Some(WeakHash::Sha1));
        assert_eq!(weak_hash("1.2.840.10045.4.1"), Some(WeakHash::Sha1));
        assert_eq!(weak_hash("1.2.840.10045.4.3.2"), None);
        assert_eq!(WeakHash::Sha1.to_string(), "SHA-1");
    }
}
