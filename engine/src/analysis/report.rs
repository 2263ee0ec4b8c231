//! Everything the analysis found, ready for channels and the message text.

use std::net::IpAddr;

use super::chain::ChainProblem;
use super::expiry::{ChainExpiry, EarliestExpiry};
use super::name_check::NameCheckResult;
use super::parsed::ParsedCert;
use super::public_key::PublicKeyInfo;
use super::time::format_rfc3339_utc;
use super::trust::{PathCert, TrustVerdict};
use super::weakness::Weakness;

/// The result of [`analyze`](super::analyze): what a certificate monitor shows plus
/// what the old sensors never looked at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateReport {
    /// Days to Expiration channel: whole days from now until the leaf's
    /// notAfter, rounded down (0 = less than a day left, negative = expired).
    pub days_to_expiration: i64,
    /// Common Name Check channel.
    pub name_check: NameCheckResult,
    /// Public Key Length channel (with the lookup to use).
    pub public_key: PublicKeyInfo,
    /// Root Authority Trusted channel.
    pub trust: TrustVerdict,
    /// Self-Signed channel: issuer equals subject and the leaf's own key
    /// verifies its signature.
    pub self_signed: bool,
    /// The certificate of the chain as sent that expires first.
    pub earliest_expiry: EarliestExpiry,
    /// Chain Days to Expiration: the certificate that expires first on the
    /// validated path when trusted, else among every certificate sent.
    pub chain_expiry: ChainExpiry,
    /// The validated path (leaf first, anchor excluded); empty when the
    /// chain is not trusted.
    pub validated_path: Vec<PathCert>,
    /// Problems of the chain as sent.
    pub chain_problems: Vec<ChainProblem>,
    /// Weak signature algorithms and small RSA keys.
    pub weaknesses: Vec<Weakness>,
    /// The leaf's details for the message text.
    pub leaf: LeafDetails,
    /// One line per certificate of the chain as sent.
    pub chain: Vec<CertificateSummary>,
}

/// Facts about the server's certificate (the first one sent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafDetails {
    /// Full subject, `CN=mail.example.com, O=Example`.
    pub subject: String,
    /// Every subject CN value (none, one, or several), decoded from any
    /// string type; undecodable bytes become U+FFFD.
    pub common_names: Vec<String>,
    /// SAN DNS names.
    pub dns_names: Vec<String>,
    /// SAN IP addresses.
    pub ip_addresses: Vec<IpAddr>,
    /// Full issuer name.
    pub issuer: String,
    /// Serial number, upper-case hex.
    pub serial: String,
    /// SHA-1 fingerprint ("thumbprint"), upper-case hex without separators.
    pub sha1_fingerprint: String,
    /// SHA-256 fingerprint, upper-case hex without separators.
    pub sha256_fingerprint: String,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// notBefore is after now.
    pub not_yet_valid: bool,
    /// The signature algorithm's name.
    pub signature_algorithm: String,
}

impl LeafDetails {
    /// The first CN, if any.
    pub fn common_name(&self) -> Option<&str> {
        self.common_names.first().map(String::as_str)
    }

    /// notBefore as `2025-01-01T00:00:00Z`.
    pub fn not_before_rfc3339(&self) -> String {
        format_rfc3339_utc(self.not_before)
    }

    /// notAfter as `2030-01-01T00:00:00Z`.
    pub fn not_after_rfc3339(&self) -> String {
        format_rfc3339_utc(self.not_after)
    }

    pub(crate) fn from_parsed(cert: &ParsedCert<'_>, now: i64) -> Self {
        LeafDetails {
            subject: cert.subject.clone(),
            common_names: cert.common_names.clone(),
            dns_names: cert.dns_names.clone(),
            ip_addresses: cert.ip_addresses.clone(),
            issuer: cert.issuer.clone(),
            serial: cert.serial(),
            sha1_fingerprint: cert.sha1_fingerprint(),
            sha256_fingerprint: cert.sha256_fingerprint(),
            not_before: cert.not_before,
            not_after: cert.not_after,
            not_yet_valid: cert.not_before > now,
            signature_algorithm: cert.signature_algorithm(),
        }
    }
}

/// A short description of one certificate of the chain as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateSummary {
    /// Position as sent (0 = leaf).
    pub index: usize,
    /// Subject name.
    pub subject: String,
    /// Its first subject CN, if any.
    pub common_name: Option<String>,
    /// Issuer name.
    pub issuer: String,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// Signature algorithm name, e.g. `ecdsa-with-SHA256`.
    pub signature_algorithm: String,
    /// SHA-256 fingerprint, upper-case hex.
    pub sha256_fingerprint: String,
    /// The public key.
    pub public_key: PublicKeyInfo,
    /// basicConstraints says CA.
    pub is_ca: bool,
    /// Self-signed (issuer = subject, own key verifies).
    pub self_signed: bool,
    /// notBefore is after now.
    pub not_yet_valid: bool,
}

impl CertificateSummary {
    pub(crate) fn from_parsed(
        index: usize,
        cert: &ParsedCert<'_>,
        self_signed: bool,
        now: i64,
    ) -> Self {
        CertificateSummary {
            index,
            subject: cert.subject.clone(),
            common_name: cert.common_names.first().cloned(),
            issuer: cert.issuer.clone(),
            not_before: cert.not_before,
            not_after: cert.not_after,
            signature_algorithm: cert.signature_algorithm(),
            sha256_fingerprint: cert.sha256_fingerprint(),
            public_key: cert.public_key.clone(),
            is_ca: cert.is_ca,
            self_signed,
            not_yet_valid: cert.not_before > now,
        }
    }
}
