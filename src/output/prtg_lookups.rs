//! PRTG's SSL Certificate sensor lookups and the channel values the engine's
//! neutral analysis maps to, one per channel that shows a state instead of
//! a number.
//!
//! Channels created with these lookups show the same texts and states as
//! PRTG's built-in sensor. Note the ECC key lookup is `publickeyecc`: the
//! Script v2 sensor this tool replaces wrote `publickeycc`, which PRTG does not
//! ship.

use starttls_engine::analysis::{
    CertificateReport, KeyFamily, NameCheck, NameCheckResult, PublicKeyInfo, TrustVerdict,
};

/// Common Name Check: 0 match, 1 no match, 2 disabled, 5 CN/SAN match, 6 CN/SAN no match.
pub const LOOKUP_CN_CHECK: &str = "prtg.standardlookups.sslcertificatesensor.cncheck";
/// Public Key Length of RSA (and other non-elliptic) keys, in bits; -1 unknown.
pub const LOOKUP_PUBLIC_KEY_RSA: &str = "prtg.standardlookups.sslcertificatesensor.publickey";
/// Public Key Length of elliptic-curve and Edwards keys, in bits; -1 unknown.
pub const LOOKUP_PUBLIC_KEY_ECC: &str = "prtg.standardlookups.sslcertificatesensor.publickeyecc";
/// Root Authority Trusted: 0 trusted, 1 not trusted (a Warning in PRTG).
pub const LOOKUP_TRUSTED_ROOT: &str = "prtg.standardlookups.sslcertificatesensor.trustedroot";
/// Self-Signed: 0 no, 1 yes (both Ok in PRTG).
pub const LOOKUP_SELF_SIGNED: &str = "prtg.standardlookups.sslcertificatesensor.selfsigned";

/// Every lookup above, for checks that a channel uses a lookup PRTG ships.
#[cfg(test)]
pub const LOOKUP_NAMES: [&str; 5] = [
    LOOKUP_CN_CHECK,
    LOOKUP_PUBLIC_KEY_RSA,
    LOOKUP_PUBLIC_KEY_ECC,
    LOOKUP_TRUSTED_ROOT,
    LOOKUP_SELF_SIGNED,
];

/// The Common Name Check value in the `cncheck` lookup: 0 CN match, 1 CN
/// mismatch, 2 disabled, 5 CN/SAN match, 6 CN/SAN mismatch.
pub fn name_check_value(check: &NameCheckResult) -> i64 {
    match (check.mode, check.matched.is_some()) {
        (NameCheck::None, _) => 2,
        (NameCheck::Cn, true) => 0,
        (NameCheck::Cn, false) => 1,
        (NameCheck::CnSan, true) => 5,
        (NameCheck::CnSan, false) => 6,
    }
}

/// The Public Key Length value: the bits, or -1 ("unknown" in both
/// lookups) when the size is not known.
pub fn public_key_value(key: &PublicKeyInfo) -> i64 {
    key.bits.map_or(-1, i64::from)
}

/// The lookup of the Public Key Length channel: ECC for elliptic-curve and
/// Edwards keys, RSA for the rest.
pub fn public_key_lookup(key: &PublicKeyInfo) -> &'static str {
    match key.family() {
        KeyFamily::Rsa => LOOKUP_PUBLIC_KEY_RSA,
        KeyFamily::Ecc => LOOKUP_PUBLIC_KEY_ECC,
    }
}

/// The Root Authority Trusted value in the `trustedroot` lookup: 0
/// trusted, 1 not.
pub fn trust_value(trust: &TrustVerdict) -> i64 {
    i64::from(!trust.is_trusted())
}

/// The Self-Signed value in the `selfsigned` lookup: 1 yes, 0 no.
pub fn self_signed_value(cert: &CertificateReport) -> i64 {
    i64::from(cert.self_signed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use starttls_engine::analysis::KeyAlgorithm;

    fn check(mode: NameCheck, matched: bool) -> NameCheckResult {
        NameCheckResult {
            mode,
            name: Some("mx.example.com".into()),
            matched: matched.then(|| "mx.example.com".into()),
            only_in_ignored_cn: false,
        }
    }

    #[test]
    fn name_check_modes_give_values_2_0_1_5_6() {
        assert_eq!(name_check_value(&check(NameCheck::None, false)), 2);
        assert_eq!(name_check_value(&check(NameCheck::Cn, true)), 0);
        assert_eq!(name_check_value(&check(NameCheck::Cn, false)), 1);
        assert_eq!(name_check_value(&check(NameCheck::CnSan, true)), 5);
        assert_eq!(name_check_value(&check(NameCheck::CnSan, false)), 6);
    }

    #[test]
    fn key_lengths_go_on_the_lookup_of_their_family() {
        let key = |algorithm, bits| PublicKeyInfo { algorithm, bits };
        let rsa = key(KeyAlgorithm::Rsa, Some(2048));
        assert_eq!(public_key_lookup(&rsa), LOOKUP_PUBLIC_KEY_RSA);
        assert_eq!(public_key_value(&rsa), 2048);
        let ec = key(KeyAlgorithm::Ed25519, Some(256));
        assert_eq!(public_key_lookup(&ec), LOOKUP_PUBLIC_KEY_ECC);
        let dsa = key(KeyAlgorithm::Dsa, None);
        assert_eq!(public_key_value(&dsa), -1);
        assert_eq!(public_key_lookup(&dsa), LOOKUP_PUBLIC_KEY_RSA);
        assert!(LOOKUP_NAMES
            .iter()
            .all(|l| l.starts_with("prtg.standardlookups.sslcertificatesensor.")));
    }
}
