//! Names of the lookups PRTG's SSL Certificate sensor ships, one per channel
//! that shows a state instead of a number.
//!
//! Channels created with these lookups show the same texts and states as
//! PRTG's built-in sensor. Note the ECC key lookup is `publickeyecc`: the
//! Script v2 sensor this tool replaces wrote `publickeycc`, which PRTG does not
//! ship.

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
pub const LOOKUP_NAMES: [&str; 5] = [
    LOOKUP_CN_CHECK,
    LOOKUP_PUBLIC_KEY_RSA,
    LOOKUP_PUBLIC_KEY_ECC,
    LOOKUP_TRUSTED_ROOT,
    LOOKUP_SELF_SIGNED,
];
