//! Days to Expiration and the certificate of the chain that expires first.
//!
//! Days are whole days rounded down, see [`days_until`]: 0 means less than
//! 24 hours left, -1 expired within the last 24 hours. An intermediate that
//! expires before the leaf breaks the server just the same, so the earliest
//! expiry of everything the server sent is reported beside the leaf's, and
//! [`ChainExpiry`] gives the earliest expiry on the path that matters: the
//! validated path when the chain is trusted (an expired cross-signed root
//! the server still sends is off that path and does not count), otherwise
//! every certificate sent.

use super::parsed::ParsedCert;
use super::time::days_until;
use super::trust::PathCert;

/// Which certificates [`ChainExpiry`] looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpiryScope {
    /// The path webpki validated to a trust anchor: the leaf and the
    /// intermediates it used (sent or from the CA file), not the anchor.
    ValidatedPath,
    /// Every certificate the server sent (the chain is not trusted).
    SentChain,
}

/// The certificate that expires first on the path that matters: the Chain
/// Days to Expiration channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainExpiry {
    /// Where it was looked for.
    pub scope: ExpiryScope,
    /// Position in the chain as sent (0 = leaf), `None` for an intermediate
    /// from the extra CA file; the first one on a tie.
    pub index: Option<usize>,
    /// Its subject.
    pub subject: String,
    /// Its first subject CN, if any.
    pub common_name: Option<String>,
    /// Whether it is the issuer of another certificate: basicConstraints CA.
    pub is_ca: bool,
    /// Whether it is self-signed (a root).
    pub self_signed: bool,
    /// Its notAfter, Unix seconds.
    pub not_after: i64,
    /// Whole days from now until then (rounded down, negative once expired).
    pub days: i64,
}

impl ChainExpiry {
    /// The name to show: the CN, else the whole subject.
    pub fn display_name(&self) -> &str {
        self.common_name.as_deref().unwrap_or(&self.subject)
    }
}

/// The earliest notAfter of `path` when it is not empty (trusted), else of
/// every certificate in `chain`; `None` only when both are empty.
pub(crate) fn chain_expiry(
    path: &[PathCert],
    chain: &[ParsedCert<'_>],
    self_signed: &[bool],
    now: i64,
) -> Option<ChainExpiry> {
    if !path.is_empty() {
        let cert = path
            .iter()
            .enumerate()
            .min_by_key(|(order, c)| (c.not_after, *order))
            .map(|(_, c)| c)?;
        let sent = cert.index.and_then(|i| chain.get(i).map(|c| (i, c)));
        return Some(ChainExpiry {
            scope: ExpiryScope::ValidatedPath,
            index: cert.index,
            subject: cert.subject.clone(),
            common_name: cert.common_name.clone(),
            is_ca: sent.is_none_or(|(_, c)| c.is_ca),
            self_signed: sent.is_some_and(|(i, _)| self_signed.get(i).copied().unwrap_or(false)),
            not_after: cert.not_after,
            days: days_until(now, cert.not_after),
        });
    }
    let (index, cert) = chain
        .iter()
        .enumerate()
        .min_by_key(|(index, cert)| (cert.not_after, *index))?;
    Some(ChainExpiry {
        scope: ExpiryScope::SentChain,
        index: Some(index),
        subject: cert.subject.clone(),
        common_name: cert.common_names.first().cloned(),
        is_ca: cert.is_ca,
        self_signed: self_signed.get(index).copied().unwrap_or(false),
        not_after: cert.not_after,
        days: days_until(now, cert.not_after),
    })
}

/// The certificate of the chain (as sent) whose notAfter comes first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EarliestExpiry {
    /// Position in the chain as sent (0 = leaf); the first one on a tie.
    pub index: usize,
    /// Its subject.
    pub subject: String,
    /// Its notAfter, Unix seconds.
    pub not_after: i64,
    /// Whole days from now until then (rounded down, negative once expired).
    pub days: i64,
}

/// Finds the earliest notAfter of `chain`; `None` only for an empty chain.
pub(crate) fn earliest_expiry(chain: &[ParsedCert<'_>], now: i64) -> Option<EarliestExpiry> {
    let (index, cert) = chain
        .iter()
        .enumerate()
        .min_by_key(|(index, cert)| (cert.not_after, *index))?;
    Some(EarliestExpiry {
        index,
        subject: cert.subject.clone(),
        not_after: cert.not_after,
        days: days_until(now, cert.not_after),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::test_support::*;

    #[test]
    fn an_intermediate_expiring_before_the_leaf_is_found() {
        let pki = Pki::new();
        let chain = pki.chain();
        let parsed: Vec<ParsedCert<'_>> = chain
            .iter()
            .enumerate()
            .map(|(i, c)| ParsedCert::parse(i, c.as_ref()).expect("parse"))
            .collect();
        let earliest = earliest_expiry(&parsed, NOW).expect("non-empty");
        assert_eq!(earliest.index, 1);
        assert_eq!(earliest.not_after, INTERMEDIATE_NOT_AFTER);
        assert_eq!(earliest.days, 730);
        assert_eq!(
            earliest.subject,
            "CN=Example Intermediate CA, O=Example Test PKI"
        );
        assert_eq!(earliest_expiry(&[], NOW), None);
    }

    fn path_cert(index: Option<usize>, cn: &str, not_after: i64) -> PathCert {
        PathCert {
            index,
            subject: format!("CN={cn}"),
            common_name: Some(cn.to_owned()),
            not_before: 0,
            not_after,
        }
    }

    #[test]
    fn the_validated_path_decides_and_extra_certificates_sent_do_not_count() {
        let pki = Pki::new();
        let chain = pki.chain();
        let parsed: Vec<ParsedCert<'_>> = chain
            .iter()
            .enumerate()
            .map(|(i, c)| ParsedCert::parse(i, c.as_ref()).expect("parse"))
            .collect();
        // A path made only of the leaf (say the intermediate came from
        // elsewhere): the sent intermediate's earlier expiry is ignored.
        let path = [path_cert(Some(0), "leaf", LEAF_NOT_AFTER)];
        let e = chain_expiry(&path, &parsed, &[false, false], NOW).expect("some");
        assert_eq!(e.scope, ExpiryScope::ValidatedPath);
        assert_eq!((e.index, e.days), (Some(0), 1461));
        // A CA-file intermediate on the path that expires first.
        let path = [
            path_cert(Some(0), "leaf", LEAF_NOT_AFTER),
            path_cert(None, "R3", NOW + 9 * 86_400 + 5),
        ];
        let e = chain_expiry(&path, &parsed, &[false, false], NOW).expect("some");
        assert_eq!((e.index, e.days, e.display_name()), (None, 9, "R3"));
        // Not trusted: everything sent counts.
        let e = chain_expiry(&[], &parsed, &[false, false], NOW).expect("some");
        assert_eq!(e.scope, ExpiryScope::SentChain);
        assert_eq!((e.index, e.days), (Some(1), 730));
        assert_eq!(e.display_name(), "Example Intermediate CA");
        assert!(e.is_ca && !e.self_signed);
        assert_eq!(chain_expiry(&[], &[], &[], NOW), None);
    }
}
