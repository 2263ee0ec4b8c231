//! The labels ssl_exporter puts on its per-certificate series, read from
//! a certificate's DER: `serial_no` (decimal), `issuer_cn`, `cn`, and
//! `dnsnames`, `ips`, `emails`, `ou` as comma lists with a comma at each
//! end (`,a.example,b.example,`), empty when there are none.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::x509::X509Name;

/// One certificate's ssl_exporter labels and validity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertLabels {
    /// The serial number in decimal.
    pub serial_no: String,
    /// The issuer's first common name.
    pub issuer_cn: String,
    /// The subject's first common name.
    pub cn: String,
    /// DNS SANs as `,a,b,`.
    pub dnsnames: String,
    /// IP SANs as `,a,b,`.
    pub ips: String,
    /// Email SANs as `,a,b,`.
    pub emails: String,
    /// Subject organisational units as `,a,b,`.
    pub ou: String,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
}

impl CertLabels {
    /// The labels of the certificate in `der`; `None` when it does not
    /// parse (the analysis has already refused such a chain's leaf).
    pub fn from_der(der: &[u8]) -> Option<Self> {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        let (mut dns, mut ips, mut emails) = (Vec::new(), Vec::new(), Vec::new());
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for name in &san.value.general_names {
                match name {
                    GeneralName::DNSName(n) => dns.push((*n).to_owned()),
                    GeneralName::RFC822Name(n) => emails.push((*n).to_owned()),
                    GeneralName::IPAddress(raw) => {
                        if let Some(ip) = ip_from(raw) {
                            ips.push(ip.to_string());
                        }
                    }
                    _ => {}
                }
            }
        }
        let ou: Vec<String> = cert
            .subject()
            .iter_organizational_unit()
            .filter_map(|a| a.as_str().ok().map(str::to_owned))
            .collect();
        Some(CertLabels {
            serial_no: cert.serial.to_string(),
            issuer_cn: first_cn(cert.issuer()),
            cn: first_cn(cert.subject()),
            dnsnames: comma_list(&dns),
            ips: comma_list(&ips),
            emails: comma_list(&emails),
            ou: comma_list(&ou),
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
        })
    }

    /// The labels in ssl_exporter's order, after any given first.
    pub fn pairs(&self) -> [(&'static str, &str); 7] {
        [
            ("serial_no", &self.serial_no),
            ("issuer_cn", &self.issuer_cn),
            ("cn", &self.cn),
            ("dnsnames", &self.dnsnames),
            ("ips", &self.ips),
            ("emails", &self.emails),
            ("ou", &self.ou),
        ]
    }
}

fn first_cn(name: &X509Name<'_>) -> String {
    name.iter_common_name()
        .next()
        .and_then(|a| a.as_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn ip_from(raw: &[u8]) -> Option<IpAddr> {
    match raw.len() {
        4 => {
            let b: [u8; 4] = raw.try_into().ok()?;
            Some(IpAddr::V4(Ipv4Addr::from(b)))
        }
        16 => {
            let b: [u8; 16] = raw.try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(b)))
        }
        _ => None,
    }
}

/// `,a,b,` as ssl_exporter writes lists; empty for none.
fn comma_list(items: &[String]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!(",{},", items.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_wrapped_in_commas_as_ssl_exporter_writes_them() {
        assert_eq!(comma_list(&[]), "");
        assert_eq!(comma_list(&["a".into(), "b".into()]), ",a,b,");
    }

    #[test]
    fn a_simulated_leaf_gives_its_names_and_decimal_serial() {
        let pki = starttls_sim::certs::TestPki::shared();
        let chain = &pki
            .identity(
                starttls_sim::certs::CertKind::Good,
                starttls_sim::certs::KeyKind::EcdsaP256,
            )
            .chain;
        let labels = CertLabels::from_der(chain[0].as_ref()).expect("parses");
        assert!(labels.dnsnames.starts_with(','), "{labels:?}");
        assert!(labels.serial_no.chars().all(|c| c.is_ascii_digit()));
        assert!(labels.not_after > labels.not_before);
        assert!(CertLabels::from_der(b"not a certificate").is_none());
    }
}
