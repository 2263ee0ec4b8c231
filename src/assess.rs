//! Turning a certificate report into a verdict: OK, warning or critical,
//! with the reasons, the same for every output format.

use starttls_engine::analysis::{CertificateReport, KeyLookup, NameCheck};
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

/// Judges a report: expiry against the thresholds, name, key size (as
/// PRTG's lookups grade it), trust, validity start, chain problems and weak
/// signatures. Self-signed alone never alarms (PRTG's lookup agrees).
pub fn assess(cert: &CertificateReport, thresholds: Thresholds) -> Assessment {
    let mut findings = Vec::new();
    let days = cert.days_to_expiration;
    if days < 0 {
        findings.push((
            Status::Critical,
            format!("certificate expired {} days ago", -days),
        ));
    } else if days < thresholds.error_days {
        findings.push((
            Status::Critical,
            format!("certificate expires in {days} days"),
        ));
    } else if days < thresholds.warning_days {
        findings.push((
            Status::Warning,
            format!("certificate expires in {days} days"),
        ));
    }
    if cert.leaf.not_yet_valid {
        findings.push((
            Status::Critical,
            format!(
                "certificate is not valid before {}",
                cert.leaf.not_before_rfc3339()
            ),
        ));
    }
    let ee = &cert.earliest_expiry;
    if ee.index != 0 && ee.days < thresholds.warning_days {
        let status = if ee.days < thresholds.error_days {
            Status::Critical
        } else {
            Status::Warning
        };
        findings.push((
            status,
            format!(
                "chain certificate {} ({}) expires in {} days",
                ee.index, ee.subject, ee.days
            ),
        ));
    }
    if cert.name_check.mode != NameCheck::None && !cert.name_check.is_match() {
        findings.push((Status::Critical, cert.name_check.to_string()));
    }
    if let Some(bits) = cert.public_key.bits {
        let (unsafe_below, weak_at_most) = match cert.public_key.lookup() {
            KeyLookup::Rsa => (1024, 1024),
            KeyLookup::Ecc => (128, 0),
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
        let text = if cert.self_signed && cert.chain.len() == 1 {
            "not trusted: the certificate is self-signed and not among the trusted CAs (add it with --ca-trust to trust it)".to_owned()
        } else {
            cert.trust.to_string()
        };
        findings.push((Status::Warning, text));
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
