//! Days to Expiration and the certificate of the chain that expires first.
//!
//! Days are whole days rounded down, see [`days_until`]: 0 means less than
//! 24 hours left, -1 expired within the last 24 hours. An intermediate that
//! expires before the leaf breaks the server just the same, so the earliest
//! expiry of everything the server sent is reported beside the leaf's.

use super::parsed::ParsedCert;
use super::time::days_until;

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
}
