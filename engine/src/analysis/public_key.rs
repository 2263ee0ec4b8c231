//! The certificate's public key: which algorithm, how many bits, and which
//! family (RSA-like or elliptic) its length is judged in.
//!
//! Bits are computed here rather than with x509-parser's `key_size()`, which
//! reads an odd RSA modulus (2047 bits) as 2040 and P-521 as 528: RSA bits come
//! from the modulus' highest set bit, EC bits from the curve OID.

use std::fmt;

use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

/// The public key algorithm of a certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// RSA (rsaEncryption or RSASSA-PSS keys).
    Rsa,
    /// ECDSA/ECDH key on a named curve.
    Ec(EcCurve),
    /// Ed25519 (RFC 8410).
    Ed25519,
    /// Ed448 (RFC 8410).
    Ed448,
    /// DSA; its size is not computed.
    Dsa,
    /// Anything else, by dotted OID.
    Other(String),
}

/// A named elliptic curve.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EcCurve {
    /// NIST P-256 (secp256r1, prime256v1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
    /// secp256k1.
    Secp256k1,
    /// Another or a missing curve, by dotted OID (empty if the parameters
    /// are not a named curve).
    Other(String),
}

/// The two families key lengths are judged in: RSA-like bits (RSA, DSA,
/// unknown algorithms) and elliptic bits (EC curves, Edwards keys), whose
/// safe sizes differ (2048 against 256).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyFamily {
    /// RSA and other non-elliptic keys.
    Rsa,
    /// Elliptic-curve and Edwards keys.
    Ecc,
}

/// A certificate's public key: algorithm and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKeyInfo {
    /// The algorithm (and curve).
    pub algorithm: KeyAlgorithm,
    /// Key size in bits: RSA modulus bits; the curve's field size for EC
    /// (256, 384, 521); 256 for Ed25519 and 448 for Ed448. `None` if unknown.
    pub bits: Option<u32>,
}

impl PublicKeyInfo {
    /// The family the key's length is judged in: elliptic for EC and
    /// Edwards keys, RSA-like otherwise.
    pub fn family(&self) -> KeyFamily {
        match self.algorithm {
            KeyAlgorithm::Ec(_) | KeyAlgorithm::Ed25519 | KeyAlgorithm::Ed448 => KeyFamily::Ecc,
            KeyAlgorithm::Rsa | KeyAlgorithm::Dsa | KeyAlgorithm::Other(_) => KeyFamily::Rsa,
        }
    }

    /// Reads algorithm and size from a SubjectPublicKeyInfo.
    pub(crate) fn from_spki(spki: &SubjectPublicKeyInfo<'_>) -> Self {
        let oid = spki.algorithm.algorithm.to_id_string();
        match oid.as_str() {
            "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
                let bits = match spki.parsed() {
                    Ok(PublicKey::RSA(rsa)) => Some(rsa_modulus_bits(rsa.modulus)),
                    // x509-parser reads only rsaEncryption keys; an
                    // id-RSASSA-PSS key holds the same RSAPublicKey.
                    _ => rsa_modulus(&spki.subject_public_key.data).map(rsa_modulus_bits),
                };
                PublicKeyInfo {
                    algorithm: KeyAlgorithm::Rsa,
                    bits,
                }
            }
            "1.2.840.10045.2.1" => {
                let curve_oid = curve_oid(spki);
                let (curve, bits) = match curve_oid.as_str() {
                    "1.2.840.10045.3.1.7" => (EcCurve::P256, Some(256)),
                    "1.3.132.0.34" => (EcCurve::P384, Some(384)),
                    "1.3.132.0.35" => (EcCurve::P521, Some(521)),
                    "1.3.132.0.10" => (EcCurve::Secp256k1, Some(256)),
                    _ => (
                        EcCurve::Other(curve_oid),
                        ec_bits_from_point(&spki.subject_public_key.data),
                    ),
                };
                PublicKeyInfo {
                    algorithm: KeyAlgorithm::Ec(curve),
                    bits,
                }
            }
            "1.3.101.112" => PublicKeyInfo {
                algorithm: KeyAlgorithm::Ed25519,
                bits: Some(256),
            },
            "1.3.101.113" => PublicKeyInfo {
                algorithm: KeyAlgorithm::Ed448,
                bits: Some(448),
            },
            "1.2.840.10040.4.1" => PublicKeyInfo {
                algorithm: KeyAlgorithm::Dsa,
                bits: None,
            },
            _ => PublicKeyInfo {
                algorithm: KeyAlgorithm::Other(oid),
                bits: None,
            },
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyAlgorithm::Rsa => f.write_str("RSA"),
            KeyAlgorithm::Ec(curve) => write!(f, "EC {curve}"),
            KeyAlgorithm::Ed25519 => f.write_str("Ed25519"),
            KeyAlgorithm::Ed448 => f.write_str("Ed448"),
            KeyAlgorithm::Dsa => f.write_str("DSA"),
            KeyAlgorithm::Other(oid) => write!(f, "key algorithm {oid}"),
        }
    }
}

impl fmt::Display for EcCurve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EcCurve::P256 => f.write_str("P-256"),
            EcCurve::P384 => f.write_str("P-384"),
            EcCurve::P521 => f.write_str("P-521"),
            EcCurve::Secp256k1 => f.write_str("secp256k1"),
            EcCurve::Other(oid) if oid.is_empty() => f.write_str("(unnamed curve)"),
            EcCurve::Other(oid) => write!(f, "curve {oid}"),
        }
    }
}

impl fmt::Display for PublicKeyInfo {
    /// `RSA 2048 bits`, `EC P-256 256 bits`, `DSA (size unknown)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.bits {
            Some(bits) => write!(f, "{} {bits} bits", self.algorithm),
            None => write!(f, "{} (size unknown)", self.algorithm),
        }
    }
}

/// Bits of a big-endian unsigned modulus: position of its highest set bit.
/// The modulus of a DER `RSAPublicKey ::= SEQUENCE { modulus INTEGER,
/// publicExponent INTEGER }` (RFC 8017 A.1.1).
fn rsa_modulus(der: &[u8]) -> Option<&[u8]> {
    /// A tag-length header: the content's start and length.
    fn header(der: &[u8], tag: u8) -> Option<(usize, usize)> {
        if *der.first()? != tag {
            return None;
        }
        let (at, len) = crate::ber_length::read_header(der, 4).ok()??;
        Some((at, usize::try_from(len).ok()?))
    }
    let (start, _) = header(der, 0x30)?;
    let inner = der.get(start..)?;
    let (at, len) = header(inner, 0x02)?;
    inner.get(at..at.checked_add(len)?)
}

fn rsa_modulus_bits(modulus: &[u8]) -> u32 {
    let significant = match modulus.iter().position(|&b| b != 0) {
        Some(first) => &modulus[first..],
        None => return 0,
    };
    let whole_bytes = u32::try_from(significant.len() - 1).unwrap_or(u32::MAX / 8);
    whole_bytes
        .saturating_mul(8)
        .saturating_add(8 - significant[0].leading_zeros())
}

/// Field size of an unknown curve estimated from an uncompressed point
/// (`04 || X || Y`); `None` for other encodings.
fn ec_bits_from_point(point: &[u8]) -> Option<u32> {
    match point {
        [0x04, coords @ ..] if !coords.is_empty() && coords.len() % 2 == 0 => {
            u32::try_from(coords.len() / 2 * 8).ok()
        }
        _ => None,
    }
}

/// The named-curve OID in a key's algorithm parameters (dotted), or an
/// empty string when there is none (non-EC keys, explicit curves).
pub(crate) fn curve_oid(spki: &SubjectPublicKeyInfo<'_>) -> String {
    spki.algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_bits_come_from_the_highest_set_bit() {
        assert_eq!(rsa_modulus_bits(&[0x00, 0x80, 0, 0]), 24);
        assert_eq!(rsa_modulus_bits(&[0x7f, 0xff]), 15);
        assert_eq!(rsa_modulus_bits(&[0x01]), 1);
        assert_eq!(rsa_modulus_bits(&[0, 0]), 0);
        assert_eq!(rsa_modulus_bits(&[]), 0);
        let mut m2047 = vec![0x7f];
        m2047.extend([0xff; 255]);
        assert_eq!(rsa_modulus_bits(&m2047), 2047);
    }

    #[test]
    fn an_rsa_public_key_is_read_without_x509_parser() {
        let mut der = vec![0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00, 0xc5];
        der.extend([0x11; 255]);
        der.extend([0x02, 0x03, 0x01, 0x00, 0x01]);
        let modulus = rsa_modulus(&der).expect("modulus");
        assert_eq!(rsa_modulus_bits(modulus), 2048);
        assert_eq!(rsa_modulus(&[0x30, 0x03, 0x04, 0x01, 0x00]), None);
        assert_eq!(
            rsa_modulus(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02]),
            None
        );
    }

    #[test]
    fn unknown_curves_are_sized_from_an_uncompressed_point() {
        assert_eq!(ec_bits_from_point(&[4; 65]), Some(256));
        assert_eq!(ec_bits_from_point(&[2; 33]), None);
        assert_eq!(ec_bits_from_point(&[4]), None);
        assert_eq!(ec_bits_from_point(&[]), None);
    }

    #[test]
    fn lookup_follows_the_algorithm_family() {
        let key = |algorithm, bits| PublicKeyInfo { algorithm, bits };
        assert_eq!(key(KeyAlgorithm::Rsa, Some(2048)).family(), KeyFamily::Rsa);
        assert_eq!(
            key(KeyAlgorithm::Ec(EcCurve::P384), Some(384)).family(),
            KeyFamily::Ecc
        );
        assert_eq!(
            key(KeyAlgorithm::Ed25519, Some(256)).family(),
            KeyFamily::Ecc
        );
        assert_eq!(key(KeyAlgorithm::Ed448, Some(448)).family(), KeyFamily::Ecc);
        assert_eq!(key(KeyAlgorithm::Dsa, None).family(), KeyFamily::Rsa);
        assert_eq!(
            key(KeyAlgorithm::Ec(EcCurve::P256), Some(256)).to_string(),
            "EC P-256 256 bits"
        );
    }
}
