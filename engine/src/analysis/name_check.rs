//! The Common Name Check channel: does the certificate name the server we
//! asked for?
//!
//! Matching follows RFC 6125 (section 6.4):
//! - DNS names compare ASCII case-insensitively, a trailing dot ignored;
//! - a wildcard is only the whole left-most label (`*.example.com`), matches
//!   exactly one label (never across dots, never the bare `example.com`), and
//!   needs at least two labels after it, so `*.com` matches nothing. Without
//!   the full Public Suffix List, registry suffixes of two labels such as
//!   `*.co.uk` are not recognised;
//! - partial wildcards (`mail*.example.com`) match nothing;
//! - a name that is an IP address matches an IP SAN with the same address
//!   (and, because mode `cn` has nothing else to look at, a CN holding that
//!   address as text); it never matches a DNS name or wildcard;
//! - in mode `cn-san`, as clients do it (RFC 6125 section 6.4.4, OpenSSL's
//!   `X509_check_host`, webpki, browsers): a certificate with any DNS SAN is
//!   matched against its SANs only, and the subject CN is consulted only
//!   when there is no DNS SAN (for an IP address, no DNS or IP SAN). A name
//!   found only in the CN of a certificate with DNS SANs does not match,
//!   and the result says why. Mode `cn` stays CN-only, as the classic monitoring check defines it.
//!
//! webpki never looks at the CN, so this is our own code.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// Which names of the certificate the Common Name Check compares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NameCheck {
    /// No check; the channel shows 2 ("disabled").
    #[default]
    None,
    /// The subject CN only; the channel shows 0 (match) or 1 (no match).
    Cn,
    /// The subject CN and the SAN DNS names (and IP SANs); the channel shows 5
    /// (match) or 6 (no match).
    CnSan,
}

/// Text given for a [`NameCheck`] that is not one of the known modes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownNameCheck(pub String);

impl fmt::Display for UnknownNameCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown name validation '{}' (expected none, cn or cn_san)",
            self.0
        )
    }
}

impl std::error::Error for UnknownNameCheck {}

impl FromStr for NameCheck {
    type Err = UnknownNameCheck;

    /// Accepts the spellings both old sensors used, case-insensitively:
    /// `none`, `cn`, `cn_san`, `cn/san` (empty means none).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "none" => Ok(NameCheck::None),
            "cn" => Ok(NameCheck::Cn),
            "cn_san" | "cn/san" | "cnsan" | "cn-san" => Ok(NameCheck::CnSan),
            _ => Err(UnknownNameCheck(s.to_owned())),
        }
    }
}

/// Outcome of the Common Name Check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameCheckResult {
    /// The mode that was applied.
    pub mode: NameCheck,
    /// The name that was looked for (`None` when the check is disabled or no
    /// name was given; the latter never matches).
    pub name: Option<String>,
    /// The certificate identifier that matched, as written in the
    /// certificate (e.g. `*.example.com`), or `None` for no match.
    pub matched: Option<String>,
    /// In mode `cn-san`, the name did not match because it is only in the
    /// subject CN, which clients ignore when the certificate has DNS SANs.
    pub only_in_ignored_cn: bool,
}

impl NameCheckResult {
    /// Whether the check passed (always true when disabled).
    pub fn is_match(&self) -> bool {
        self.mode == NameCheck::None || self.matched.is_some()
    }
}

impl fmt::Display for NameCheckResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scope = match self.mode {
            NameCheck::None => return f.write_str("name check disabled"),
            NameCheck::Cn => "the common name",
            NameCheck::CnSan => "the common name or subject alternative names",
        };
        match (&self.name, &self.matched) {
            (None, _) => write!(f, "no name given to compare with {scope}"),
            (Some(name), Some(matched)) => write!(f, "'{name}' matches '{matched}'"),
            (Some(name), None) if self.only_in_ignored_cn && parse_ip(name).is_some() => write!(
                f,
                "'{name}' does not match the subject alternative names: the address is only in \
                 the subject CN, which clients ignore when the certificate has subject \
                 alternative names"
            ),
            (Some(name), None) if self.only_in_ignored_cn => write!(
                f,
                "'{name}' does not match the subject alternative names: the name is only in \
                 the subject CN, which clients ignore when the certificate has DNS names"
            ),
            (Some(name), None) => write!(f, "'{name}' does not match {scope}"),
        }
    }
}

/// Runs the check in `mode` for `name` against a certificate's names.
pub(crate) fn check_name(
    mode: NameCheck,
    name: Option<&str>,
    common_names: &[String],
    dns_names: &[String],
    ip_addresses: &[IpAddr],
) -> NameCheckResult {
    let name = match (mode, name) {
        (NameCheck::None, _) | (_, None) => {
            return NameCheckResult {
                mode,
                name: None,
                matched: None,
                only_in_ignored_cn: false,
            }
        }
        (_, Some(name)) => name,
    };
    let ip = parse_ip(name);
    let in_cn = || match ip {
        Some(ip) => common_names
            .iter()
            .find(|cn| parse_ip(cn) == Some(ip))
            .cloned(),
        None => common_names
            .iter()
            .find(|cn| dns_name_matches(name, cn))
            .cloned(),
    };
    let (matched, only_in_ignored_cn) = match mode {
        NameCheck::Cn => (in_cn(), false),
        _ => {
            let in_sans = match ip {
                Some(ip) => ip_addresses
                    .iter()
                    .find(|&&san| san == ip)
                    .map(IpAddr::to_string),
                None => dns_names
                    .iter()
                    .find(|p| dns_name_matches(name, p))
                    .cloned(),
            };
            // RFC 6125 section 6.4.4: the CN only when no SAN names a host
            // of this kind.
            let cn_ignored = !dns_names.is_empty() || (ip.is_some() && !ip_addresses.is_empty());
            match in_sans {
                Some(san) => (Some(san), false),
                None if cn_ignored => (None, in_cn().is_some()),
                None => (in_cn(), false),
            }
        }
    };
    NameCheckResult {
        mode,
        name: Some(name.to_owned()),
        matched,
        only_in_ignored_cn,
    }
}

/// An IP address, also in URI-style brackets (`[2001:db8::1]`).
fn parse_ip(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    inner.parse().ok()
}

/// Whether the reference DNS name `reference` (what we looked up) matches the
/// identifier `presented` in the certificate, per RFC 6125.
pub fn dns_name_matches(reference: &str, presented: &str) -> bool {
    let reference = normalize(reference);
    let presented = normalize(presented);
    if reference.is_empty() || presented.is_empty() || reference.contains('*') {
        return false;
    }
    if !presented.contains('*') {
        return reference == presented;
    }
    let Some(suffix) = presented.strip_prefix("*.") else {
        return false; // wildcard not the whole left-most label
    };
    let suffix_labels: Vec<&str> = suffix.split('.').collect();
    if suffix.contains('*') || suffix_labels.len() < 2 || suffix_labels.iter().any(|l| l.is_empty())
    {
        return false;
    }
    match reference.split_once('.') {
        Some((first, rest)) => !first.is_empty() && rest == suffix,
        None => false,
    }
}

/// Lower-case ASCII without one trailing dot and surrounding spaces.
fn normalize(name: &str) -> String {
    let name = name.trim();
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn exact_names_match_case_insensitively_ignoring_a_trailing_dot() {
        assert!(dns_name_matches("Mail.Example.COM", "mail.example.com"));
        assert!(dns_name_matches("mail.example.com.", "mail.example.com"));
        assert!(dns_name_matches("mail.example.com", "MAIL.example.com."));
        assert!(!dns_name_matches("mail.example.com", "mail.example.org"));
        assert!(!dns_name_matches("", ""));
    }

    #[test]
    fn wildcard_matches_exactly_one_left_most_label() {
        assert!(dns_name_matches("mta.example.com", "*.example.com"));
        assert!(dns_name_matches("MTA.example.com.", "*.EXAMPLE.com"));
        assert!(!dns_name_matches("example.com", "*.example.com"));
        assert!(!dns_name_matches("a.b.example.com", "*.example.com"));
        assert!(!dns_name_matches(".example.com", "*.example.com"));
    }

    #[test]
    fn wildcard_never_covers_a_public_suffix_or_part_of_a_label() {
        assert!(!dns_name_matches("example.com", "*.com"));
        assert!(!dns_name_matches("anything", "*"));
        assert!(!dns_name_matches("mail1.example.com", "mail*.example.com"));
        assert!(!dns_name_matches("mail.example.com", "*.*.com"));
        assert!(!dns_name_matches("mail.example.com", "m*l.example.com"));
        assert!(!dns_name_matches("a.example.com", "*.example..com"));
        assert!(!dns_name_matches("*.example.com", "*.example.com"));
    }

    #[test]
    fn each_mode_looks_where_it_should_and_none_always_passes() {
        let cns = s(&["mail.example.com"]);
        let sans = s(&["smtp.example.com"]);
        let run = |mode, name| {
            let r = check_name(mode, Some(name), &cns, &sans, &[]);
            assert_eq!(r.mode, mode);
            r.is_match()
        };
        assert!(run(NameCheck::None, "whatever"));
        assert!(run(NameCheck::Cn, "mail.example.com"));
        assert!(!run(NameCheck::Cn, "smtp.example.com"), "cn ignores SANs");
        assert!(run(NameCheck::CnSan, "smtp.example.com"));
        assert!(!run(NameCheck::CnSan, "other.example.com"));
        let no_sans = |mode, name| check_name(mode, Some(name), &cns, &[], &[]).is_match();
        assert!(no_sans(NameCheck::CnSan, "mail.example.com"));
    }

    #[test]
    fn cn_san_ignores_the_cn_when_the_certificate_has_dns_names() {
        let cns = s(&["mail.example.com"]);
        let sans = s(&["smtp.example.com"]);
        let r = check_name(NameCheck::CnSan, Some("mail.example.com"), &cns, &sans, &[]);
        assert!(!r.is_match(), "as openssl x509 -checkhost and every client");
        assert!(r.only_in_ignored_cn);
        assert_eq!(
            r.to_string(),
            "'mail.example.com' does not match the subject alternative names: the name is only \
             in the subject CN, which clients ignore when the certificate has DNS names"
        );
        // Neither in the CN nor in a SAN: the plain mismatch.
        let r = check_name(NameCheck::CnSan, Some("x.example.com"), &cns, &sans, &[]);
        assert!(!r.only_in_ignored_cn);
        assert_eq!(
            r.to_string(),
            "'x.example.com' does not match the common name or subject alternative names"
        );
        // An IP SAN alone does not hide the CN from a DNS name.
        let ip: IpAddr = "192.0.2.25".parse().unwrap();
        let r = check_name(NameCheck::CnSan, Some("mail.example.com"), &cns, &[], &[ip]);
        assert!(r.is_match());
        // mode cn is CN-only whatever the SANs say.
        let r = check_name(NameCheck::Cn, Some("mail.example.com"), &cns, &sans, &[]);
        assert!(r.is_match());
    }

    #[test]
    fn an_ip_in_the_cn_counts_in_cn_san_only_without_sans() {
        let ip: IpAddr = "192.0.2.25".parse().unwrap();
        let other: IpAddr = "192.0.2.99".parse().unwrap();
        let cns = s(&["192.0.2.25"]);
        let run = |dns: &[String], ips: &[IpAddr]| {
            check_name(NameCheck::CnSan, Some("192.0.2.25"), &cns, dns, ips)
        };
        assert!(run(&[], &[]).is_match());
        assert_eq!(run(&[], &[ip]).matched.as_deref(), Some("192.0.2.25"));
        let r = run(&s(&["mail.example.com"]), &[]);
        assert!(!r.is_match());
        assert!(r.only_in_ignored_cn);
        assert!(r
            .to_string()
            .contains("the address is only in the subject CN"));
        assert!(!run(&[], &[other]).is_match());
    }

    #[test]
    fn missing_name_never_matches() {
        let r = check_name(NameCheck::CnSan, None, &s(&["a.example"]), &[], &[]);
        assert!(!r.is_match());
        assert!(!r.is_match());
        assert_eq!(
            r.to_string(),
            "no name given to compare with the common name or subject alternative names"
        );
    }

    #[test]
    fn ip_names_match_ip_sans_not_dns_names() {
        let ip: IpAddr = "192.0.2.25".parse().unwrap();
        let r = check_name(
            NameCheck::CnSan,
            Some("192.0.2.25"),
            &[],
            &s(&["*.0.2.25"]),
            &[ip],
        );
        assert_eq!(r.matched.as_deref(), Some("192.0.2.25"));
        let r = check_name(
            NameCheck::CnSan,
            Some("192.0.2.26"),
            &[],
            &s(&["192.0.2.26"]),
            &[ip],
        );
        assert!(!r.is_match());
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        let r = check_name(NameCheck::CnSan, Some("[2001:DB8::1]"), &[], &[], &[v6]);
        assert!(r.is_match());
        // cn mode looks at the CN text only.
        let r = check_name(
            NameCheck::Cn,
            Some("192.0.2.25"),
            &s(&["192.0.2.25"]),
            &[],
            &[],
        );
        assert!(r.is_match());
        let r = check_name(NameCheck::Cn, Some("192.0.2.25"), &[], &[], &[ip]);
        assert!(!r.is_match());
    }

    #[test]
    fn several_common_names_match_if_any_does() {
        let cns = s(&["first.example", "second.example"]);
        let r = check_name(NameCheck::Cn, Some("second.example"), &cns, &[], &[]);
        assert_eq!(r.matched.as_deref(), Some("second.example"));
        assert_eq!(r.to_string(), "'second.example' matches 'second.example'");
    }

    #[test]
    fn parses_both_sensors_spellings() {
        assert_eq!("None".parse(), Ok(NameCheck::None));
        assert_eq!("CN".parse(), Ok(NameCheck::Cn));
        assert_eq!("cn_san".parse(), Ok(NameCheck::CnSan));
        assert_eq!("CN/SAN".parse(), Ok(NameCheck::CnSan));
        assert!("san".parse::<NameCheck>().is_err());
    }

    proptest! {
        #[test]
        fn a_wildcard_never_matches_across_dots(
            labels in proptest::collection::vec("[a-z0-9]{1,8}", 1..4),
            domain in "[a-z]{1,8}\\.[a-z]{2,4}",
        ) {
            let reference = format!("{}.{domain}", labels.join("."));
            let presented = format!("*.{domain}");
            prop_assert_eq!(dns_name_matches(&reference, &presented), labels.len() == 1);
        }

        #[test]
        fn matching_never_panics(reference in "\\PC{0,30}", presented in "\\PC{0,30}") {
            let _ = dns_name_matches(&reference, &presented);
        }
    }
}
