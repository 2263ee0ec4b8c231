//! Weak cryptography in the chain: MD2/MD5/SHA-1 signatures on anything but
//! a self-signed root (a root's own signature is never checked by clients),
//! and RSA keys below 2048 bits anywhere, the root included.

use std::fmt;

use super::chain::position;
use super::parsed::ParsedCert;
use super::public_key::KeyAlgorithm;
use super::signature::{weak_hash, WeakHash};

/// Smallest RSA modulus not reported as weak.
pub const MIN_RSA_BITS: u32 = 2048;

/// One weakness of one certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Weakness {
    /// Signed with a broken hash.
    WeakSignature {
        /// Position in the chain as sent (0 = leaf).
        index: usize,
        /// The signature algorithm's name, e.g. `sha1WithRSAEncryption`.
        algorithm: String,
        /// The broken hash.
        hash: WeakHash,
    },
    /// An RSA key below [`MIN_RSA_BITS`].
    SmallRsaKey {
        /// Position in the chain as sent (0 = leaf).
        index: usize,
        /// Modulus size.
        bits: u32,
    },
}

impl fmt::Display for Weakness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Weakness::WeakSignature {
                index,
                algorithm,
                hash,
            } => write!(
                f,
                "{} is signed with {algorithm} ({hash} is broken)",
                position(*index)
            ),
            Weakness::SmallRsaKey { index, bits } => write!(
                f,
                "{} has a {bits}-bit RSA key (below {MIN_RSA_BITS})",
                position(*index)
            ),
        }
    }
}

/// Lists the weaknesses of `chain`; `self_signed[i]` says whether
/// certificate `i` is a self-signed root.
pub(crate) fn weaknesses(chain: &[ParsedCert<'_>], self_signed: &[bool]) -> Vec<Weakness> {
    let mut found = Vec::new();
    for (index, cert) in chain.iter().enumerate() {
        let is_root = self_signed.get(index).copied().unwrap_or(false);
        if let (false, Some(hash)) = (is_root, weak_hash(&cert.signature_oid)) {
            found.push(Weakness::WeakSignature {
                index,
                algorithm: cert.signature_algorithm(),
                hash,
            });
        }
        if let (KeyAlgorithm::Rsa, Some(bits)) = (&cert.public_key.algorithm, cert.public_key.bits)
        {
            if bits < MIN_RSA_BITS {
                found.push(Weakness::SmallRsaKey { index, bits });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::test_support::*;

    fn weaknesses_of(names: &[&str], self_signed: &[bool]) -> Vec<Weakness> {
        let ders: Vec<_> = names.iter().map(|n| fixture_der(n)).collect();
        let parsed: Vec<_> = ders
            .iter()
            .enumerate()
            .map(|(i, d)| ParsedCert::parse(i, d.as_ref()).expect("parse"))
            .collect();
        weaknesses(&parsed, self_signed)
    }

    #[test]
    fn sha1_and_md5_signatures_are_weak_except_on_the_root() {
        let found = weaknesses_of(&["sha1-leaf.pem", "sha1-root.pem"], &[false, true]);
        assert_eq!(
            found,
            vec![Weakness::WeakSignature {
                index: 0,
                algorithm: "sha1WithRSAEncryption".into(),
                hash: WeakHash::Sha1
            }]
        );
        assert_eq!(
            found[0].to_string(),
            "the server certificate is signed with sha1WithRSAEncryption (SHA-1 is broken)"
        );
        let found = weaknesses_of(&["md5-leaf.pem"], &[false]);
        assert!(matches!(
            found.as_slice(),
            [Weakness::WeakSignature {
                hash: WeakHash::Md5,
                ..
            }]
        ));
    }

    #[test]
    fn rsa_below_2048_bits_is_weak_even_on_a_root() {
        let found = weaknesses_of(&["rsa1024-self.pem", "rsa2047-self.pem"], &[true, true]);
        assert_eq!(
            found,
            vec![
                Weakness::SmallRsaKey {
                    index: 0,
                    bits: 1024
                },
                Weakness::SmallRsaKey {
                    index: 1,
                    bits: 2047
                },
            ]
        );
        assert_eq!(
            found[1].to_string(),
            "certificate #1 has a 2047-bit RSA key (below 2048)"
        );
    }
}
