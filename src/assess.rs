//! Turning a certificate report into a verdict: OK, warning or critical,
//! with the reasons, the same for every output format.

use starttls_engine::analysis::{
    format_rfc3339_utc, CertificateReport, ChainExpiry, KeyFamily, NameCheck,
};
use starttls_engine::Report;

use crate::request::Thresholds;
use crate::run::Success;

/// The overall state, ordered from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Nothing to act on.
    Ok,
    /// Something to act on soon.
    Warning,
    /// Broken now or very soon.
    Critical,
}

impl Status {
    /// `OK`, `WARNING`, `CRITICAL` (Nagios words).
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Critical => "CRITICAL",
        }
    }

    /// The Nagios plugin exit code.
    pub fn exit_code(self) -> i32 {
        match self {
            Status::Ok => 0,
            Status::Warning => 1,
            Status::Critical => 2,
        }
    }
}

/// The verdict and the findings behind it, worst first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    /// The worst status among the findings.
    pub status: Status,
    /// One line per finding.
    pub findings: Vec<(Status, String)>,
}

/// Judges a whole check: the certificate ([`assess`]) and how it was read
/// ([`session_findings`]).
pub fn assess_check(success: &Success, thresholds: Thresholds) -> Assessment {
    let mut assessment = assess(&success.cert, thresholds);
    assessment
        .findings
        .extend(session_findings(&success.checked.report));
    assessment.findings.sort_by_key(|f| std::cmp::Reverse(f.0));
    assessment.status = assessment
        .findings
        .first()
        .map(|f| f.0)
        .unwrap_or(Status::Ok);
    assessment
}

/// What the session says beyond the certificate, for a legacy capture: a
/// server that aborts its own handshake fails every client (critical); one
/// that speaks only TLS 1.0/1.1, or only suites modern clients refuse,
/// locks those clients out (warning).
pub fn session_findings(report: &Report) -> Vec<(Status, String)> {
    let Some(first) = report.handshake.legacy() else {
        return Vec::new();
    };
    let finding = if first.server_aborted {
        (
            Status::Critical,
            format!(
                "the TLS handshake fails for every client: the server aborted it after sending its certificate ({})",
                first.first_failure
            ),
        )
    } else if report.is_pre_tls12() {
        (
            Status::Warning,
            format!(
                "the server speaks only {}: clients that require TLS 1.2 cannot connect",
                report.tls_version_name()
            ),
        )
    } else {
        (
            Status::Warning,
            format!(
                "modern TLS clients cannot connect: the server chose {} {} ({})",
                report.tls_version_name(),
                report.cipher_suite_name(),
                first.first_failure
            ),
        )
    };
    vec![finding]
}

impl Assessment {
    /// How many findings have exactly `status` (the Critical Findings and
    /// Warning Findings channels).
    pub fn count(&self, status: Status) -> usize {
        self.findings.iter().filter(|(s, _)| *s == status).count()
    }

    /// The worst finding, if any: what a message leads with.
    pub fn worst(&self) -> Option<&str> {
        self.findings.first().map(|(_, f)| f.as_str())
    }
}

/// "1 day" / "N days".
pub fn days_word(n: i64) -> String {
    if n.abs() == 1 {
        format!("{n} day")
    } else {
        format!("{n} days")
    }
}

/// Days left in words: "expires in 9 days", "expired 2158 days ago" (never
/// a negative number of days).
pub fn expiry_words(days: i64) -> String {
    if days < 0 {
        format!("expired {} ago", days_word(-days))
    } else {
        format!("expires in {}", days_word(days))
    }
}

/// A date as `2030-01-01`, with the time only when it is not midnight UTC.
pub fn date_words(unix: i64) -> String {
    let full = format_rfc3339_utc(unix);
    match full.strip_suffix("T00:00:00Z") {
        Some(date) => date.to_owned(),
        None => full.replacen('T', " ", 1).replace('Z', " UTC"),
    }
}

/// How the certificate that expires first in the chain is named: its role
/// and CN, e.g. `intermediate 'R3'`.
pub fn chain_cert_words(e: &ChainExpiry) -> String {
    let role = if e.index == Some(0) {
        "certificate"
    } else if e.self_signed {
        "root"
    } else {
        "intermediate"
    };
    let from_file = if e.index.is_none() {
        " (from the CA file)"
    } else {
        ""
    };
    format!("{role} '{}'{from_file}", e.display_name())
}

/// Judges a report: expiry of the leaf and of the chain against the
/// thresholds, validity start, name, key size (as PRTG's lookups grade it),
/// trust, chain problems and weak signatures. Self-signed alone never
/// alarms (PRTG's lookup agrees).
pub fn assess(cert: &CertificateReport, thresholds: Thresholds) -> Assessment {
    let mut findings = Vec::new();
    let by_days = |days: i64| {
        if days < thresholds.error_days {
            Some(Status::Critical)
        } else if days < thresholds.warning_days {
            Some(Status::Warning)
        } else {
            None
        }
    };
    let days = cert.days_to_expiration;
    if let Some(status) = by_days(days) {
        findings.push((status, format!("certificate {}", expiry_words(days))));
    }
    if cert.leaf.not_yet_valid {
        findings.push((
            Status::Critical,
            format!(
                "certificate not valid until {}",
                date_words(cert.leaf.not_before)
            ),
        ));
    }
    if !cert.trust.is_trusted() {
        for c in cert.chain.iter().skip(1).filter(|c| c.not_yet_valid) {
            let role = if c.self_signed {
                "root"
            } else {
                "intermediate"
            };
            findings.push((
                Status::Critical,
                format!(
                    "{role} '{}' not valid until {}",
                    c.common_name.as_deref().unwrap_or(&c.subject),
                    date_words(c.not_before)
                ),
            ));
        }
    }
    let ce = &cert.chain_expiry;
    if ce.index != Some(0) {
        if let Some(status) = by_days(ce.days) {
            findings.push((
                status,
                format!("{} {}", chain_cert_words(ce), expiry_words(ce.days)),
            ));
        }
    }
    if cert.name_check.mode != NameCheck::None && !cert.name_check.is_match() {
        findings.push((Status::Critical, cert.name_check.to_string()));
    }
    if let Some(bits) = cert.public_key.bits {
        let (unsafe_below, weak_at_most) = match cert.public_key.family() {
            KeyFamily::Rsa => (1024, 1024),
            KeyFamily::Ecc => (128, 0),
        };
        if bits < unsafe_below {
            findings.push((
                Status::Critical,
                format!("public key is unsafe: {}", cert.public_key),
            ));
        } else if bits <= weak_at_most {
            findings.push((
                Status::Warning,
                format!("public key is weak: {}", cert.public_key),
            ));
        }
    }
    if !cert.trust.is_trusted() {
        findings.push((Status::Warning, cert.trust.to_string()));
    }
    for problem in &cert.chain_problems {
        findings.push((Status::Warning, problem.to_string()));
    }
    for weakness in &cert.weaknesses {
        findings.push((Status::Warning, weakness.to_string()));
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.0));
    let status = findings.first().map(|f| f.0).unwrap_or(Status::Ok);
    Assessment { status, findings }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_said_in_words_never_as_negative_numbers() {
        assert_eq!(expiry_words(9), "expires in 9 days");
        assert_eq!(expiry_words(1), "expires in 1 day");
        assert_eq!(expiry_words(0), "expires in 0 days");
        assert_eq!(expiry_words(-1), "expired 1 day ago");
        assert_eq!(expiry_words(-2158), "expired 2158 days ago");
        assert!(!expiry_words(i64::MIN + 1).contains('-'));
    }

    #[test]
    fn dates_drop_a_midnight_time() {
        assert_eq!(date_words(1_893_456_000), "2030-01-01");
        assert_eq!(date_words(1_893_456_000 + 3661), "2030-01-01 01:01:01 UTC");
    }

    fn expiry(index: Option<usize>, self_signed: bool) -> ChainExpiry {
        ChainExpiry {
            scope: starttls_engine::analysis::ExpiryScope::SentChain,
            index,
            subject: "CN=R3, O=Let's Encrypt".into(),
            common_name: Some("R3".into()),
            is_ca: true,
            self_signed,
            not_after: 0,
            days: 9,
        }
    }

    #[test]
    fn chain_certificates_are_named_by_role_and_cn() {
        assert_eq!(
            chain_cert_words(&expiry(Some(1), false)),
            "intermediate 'R3'"
        );
        assert_eq!(chain_cert_words(&expiry(Some(2), true)), "root 'R3'");
        assert_eq!(
            chain_cert_words(&expiry(Some(0), false)),
            "certificate 'R3'"
        );
        assert_eq!(
            chain_cert_words(&expiry(None, false)),
            "intermediate 'R3' (from the CA file)"
        );
        let mut no_cn = expiry(Some(1), false);
        no_cn.common_name = None;
        assert_eq!(
            chain_cert_words(&no_cn),
            "intermediate 'CN=R3, O=Let's Encrypt'"
        );
    }
}
