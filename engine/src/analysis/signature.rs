//! Certificate signatures: the algorithm's name, whether its hash is weak, and
//! checking "was this certificate signed by that key" with ring.
//!
//! x509-parser's own check rejects RSA-1024 and does not know P-521, so the
//! mapping is ours and uses ring's legacy algorithms where they exist
//! (RSA keys from 1024 bits, SHA-1). What ring cannot verify at all (MD5,
//! ECDSA with SHA-1 or SHA-512, P-521, Ed448, DSA) is reported as
//! [`SignatureCheck::Unsupported`], never as invalid.

use std::fmt;

use ring::signature::{self, VerificationAlgorithm};
use x509_parser::certificate::X509Certificate;
use x509_parser::x509::SubjectPublicKeyInfo;

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
