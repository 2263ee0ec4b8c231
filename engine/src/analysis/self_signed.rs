//! The Self-Signed channel: issuer equals subject *and* the certificate's own
//! key verifies its signature.
//!
//! Comparing names alone (what the old sensors did) calls a self-issued
//! certificate signed by another key (a CA key rollover, or a forged look-alike)
//! self-signed; checking the signature does not.
//!
//! When ring cannot verify the algorithm (MD5, P-521, Ed448, ECDSA with
//! SHA-512, DSA) the key identifiers decide instead: the certificate counts as
//! self-signed unless it carries both a subject and an authority key
//! identifier and they differ.

use super::parsed::ParsedCert;
use super::signature::{check_signed_by, SignatureCheck};

/// Whether `cert` is self-signed (see the module docs for the rule).
pub(crate) fn is_self_signed(cert: &ParsedCert<'_>) -> bool {
    self_signed_given(cert, || check_signed_by(&cert.x509, cert.x509.public_key()))
}

/// The same rule, with `own_signature` telling whether the certificate's
/// own key made its signature: called only for a self-issued certificate,
/// so that an analysis can hand in a check it already made
/// ([`Signatures`](super::signature::Signatures)).
pub(crate) fn self_signed_given(
    cert: &ParsedCert<'_>,
    own_signature: impl FnOnce() -> SignatureCheck,
) -> bool {
    if !cert.is_self_issued() {
        return false;
    }
    match own_signature() {
        SignatureCheck::Valid => true,
        SignatureCheck::Invalid => false,
        SignatureCheck::Unsupported => match (cert.subject_key_id, cert.authority_key_id) {
            (Some(ski), Some(aki)) => ski == aki,
            _ => true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::test_support::*;

    fn self_signed(der: &[u8]) -> bool {
        is_self_signed(&ParsedCert::parse(0, der).expect("parse"))
    }

    #[test]
    fn self_signed_roots_and_leaves_are_self_signed() {
        let pki = Pki::new();
        assert!(self_signed(pki.root.der()));
        let leaf = self_signed_leaf(KeyKind::P256, &["mail.example.com"]);
        assert!(self_signed(leaf.der()));
    }

    #[test]
    fn issued_certificates_are_not_self_signed() {
        let pki = Pki::new();
        assert!(!self_signed(pki.intermediate.der()));
        assert!(!self_signed(pki.leaf.der()));
    }

    #[test]
    fn self_issued_but_signed_by_another_key_is_not_self_signed() {
        let cert = self_issued_signed_by_other_key();
        let parsed = ParsedCert::parse(0, cert.der()).expect("parse");
        assert!(parsed.is_self_issued());
        assert!(!is_self_signed(&parsed));
    }

    #[test]
    fn legacy_algorithms_ring_can_verify_are_checked() {
        // RSA-1024 and SHA-1: x509-parser's own check fails on these.
        assert!(self_signed(&fixture_der("rsa1024-self.pem")));
        assert!(self_signed(&fixture_der("rsa2047-self.pem")));
        assert!(self_signed(&fixture_der("sha1-root.pem")));
    }

    #[test]
    fn algorithms_ring_cannot_verify_fall_back_to_names_and_key_ids() {
        assert!(self_signed(&fixture_der("p521-self.pem")));
        assert!(self_signed(&fixture_der("ed448-self.pem")));
    }
}
