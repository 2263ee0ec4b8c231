//! One certificate of the chain, parsed once into the facts every check uses.

use std::net::IpAddr;

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

use super::error::AnalysisError;
use super::fingerprint;
use super::names;
use super::public_key::PublicKeyInfo;
use super::signature;

/// A parsed certificate plus the derived values the report needs.
pub(crate) struct ParsedCert<'a> {
    /// The x509-parser view (borrows the DER).
    pub x509: X509Certificate<'a>,
    /// The certificate's DER.
    pub der: &'a [u8],
    /// Subject as `CN=..., O=...`.
    pub subject: String,
    /// Issuer as `CN=..., O=...`.
    pub issuer: String,
    /// Every subject CN value, decoded whatever its string type.
    pub common_names: Vec<String>,
    /// SAN DNS names as written in the certificate.
    pub dns_names: Vec<String>,
    /// SAN IP addresses.
    pub ip_addresses: Vec<IpAddr>,
    /// notBefore in Unix seconds.
    pub not_before: i64,
    /// notAfter in Unix seconds.
    pub not_after: i64,
    /// basicConstraints says CA.
    pub is_ca: bool,
    /// Signature algorithm OID, dotted.
    pub signature_oid: String,
    /// The public key.
    pub public_key: PublicKeyInfo,
    /// subjectKeyIdentifier, if present.
    pub subject_key_id: Option<&'a [u8]>,
    /// authorityKeyIdentifier's keyIdentifier, if present.
    pub authority_key_id: Option<&'a [u8]>,
}

impl<'a> ParsedCert<'a> {
    /// Parses the certificate at `index` of the chain.
    pub(crate) fn parse(index: usize, der: &'a [u8]) -> Result<Self, AnalysisError> {
        let malformed = |detail: String| AnalysisError::MalformedCertificate { index, detail };
        let (rest, x509) = X509Certificate::from_der(der).map_err(|e| malformed(e.to_string()))?;
        if !rest.is_empty() {
            return Err(malformed(format!(
                "{} trailing bytes after the certificate",
                rest.len()
            )));
        }
        let mut dns_names = Vec::new();
        let mut ip_addresses = Vec::new();
        let mut subject_key_id = None;
        let mut authority_key_id = None;
        let mut is_ca = false;
        for ext in x509.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::SubjectAlternativeName(san) => {
                    for name in &san.general_names {
                        match name {
                            GeneralName::DNSName(dns) => dns_names.push((*dns).to_owned()),
                            GeneralName::IPAddress(bytes) => {
                                if let Some(ip) = ip_from_bytes(bytes) {
                                    ip_addresses.push(ip);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                ParsedExtension::SubjectKeyIdentifier(id) => subject_key_id = Some(id.0),
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    authority_key_id = aki.key_identifier.as_ref().map(|id| id.0);
                }
                ParsedExtension::BasicConstraints(bc) => is_ca = bc.ca,
                _ => {}
            }
        }
        Ok(ParsedCert {
            subject: names::format_name(x509.subject()),
            issuer: names::format_name(x509.issuer()),
            common_names: names::common_names(x509.subject()),
            dns_names,
            ip_addresses,
            not_before: x509.validity().not_before.timestamp(),
            not_after: x509.validity().not_after.timestamp(),
            is_ca,
            signature_oid: x509.signature_algorithm.algorithm.to_id_string(),
            public_key: PublicKeyInfo::from_spki(x509.public_key()),
            subject_key_id,
            authority_key_id,
            der,
            x509,
        })
    }

    /// Issuer and subject denote the same name.
    pub(crate) fn is_self_issued(&self) -> bool {
        names::names_match(self.x509.subject(), self.x509.issuer())
    }

    /// The signature algorithm's usual name.
    pub(crate) fn signature_algorithm(&self) -> String {
        signature::algorithm_name(&self.signature_oid)
    }

    /// SHA-1 fingerprint, upper-case hex.
    pub(crate) fn sha1_fingerprint(&self) -> String {
        fingerprint::sha1_fingerprint(self.der)
    }

    /// SHA-256 fingerprint, upper-case hex.
    pub(crate) fn sha256_fingerprint(&self) -> String {
        fingerprint::sha256_fingerprint(self.der)
    }

    /// Serial number, upper-case hex.
    pub(crate) fn serial(&self) -> String {
        fingerprint::serial_hex(self.x509.raw_serial())
    }
}

/// An IP SAN is 4 (IPv4) or 16 (IPv6) bytes; anything else (a name
/// constraint's address/mask) is not an address.
fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        Some(IpAddr::from(v4))
    } else if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
        Some(IpAddr::from(v6))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_a_malformed_certificate_error() {
        for der in [&b""[..], b"\x30", b"\x30\x03\x02\x01\x00", b"hello world"] {
            match ParsedCert::parse(3, der) {
                Err(AnalysisError::MalformedCertificate { index: 3, .. }) => {}
                Err(other) => panic!("unexpected error {other:?}"),
                Ok(_) => panic!("garbage parsed"),
            }
        }
    }

    #[test]
    fn ip_sans_must_be_four_or_sixteen_bytes() {
        assert_eq!(
            ip_from_bytes(&[192, 0, 2, 1]),
            Some("192.0.2.1".parse().unwrap())
        );
        assert_eq!(ip_from_bytes(&[0; 16]), Some("::".parse().unwrap()));
        assert_eq!(ip_from_bytes(&[0; 8]), None);
    }
}
