//! The one-line messages shared by the PRTG formats and the text summary.

use crate::assess::{assess_check, Status};
use crate::request::Request;
use crate::run::{Failure, Success};

/// PRTG shows at most 2000 characters of a message.
pub const PRTG_TEXT_LIMIT: usize = 2000;

/// Cuts `text` to `max` characters, marking the cut with an ellipsis.
pub fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(3)).collect();
    out.push_str("...");
    out
}

/// The success message: the old sensor's fields first (so existing PRTG
/// filters keep working), then what we add, then the findings.
pub fn summary_line(request: &Request, success: &Success) -> String {
    let cert = &success.cert;
    let report = &success.checked.report;
    let assessment = assess_check(success, request.thresholds);
    let head = match assessment.status {
        Status::Ok => "OK.",
        Status::Warning => "Warning.",
        Status::Critical => "Critical.",
    };
    let cn = cert.leaf.common_name().unwrap_or("(none)");
    let mut line = format!(
        "{head} Certificate Common Name: {cn} - Certificate Thumbprint: {} - STARTTLS Protocol: {}",
        cert.leaf.sha1_fingerprint, report.protocol
    );
    line.push_str(&format!(
        " - Expires: {} ({} days) - Issuer: {} - {} {}",
        cert.leaf.not_after_rfc3339(),
        cert.days_to_expiration,
        cert.leaf.issuer,
        report.tls_version_name(),
        report.cipher_suite_name()
    ));
    if report.handshake.legacy().is_some() {
        line.push_str(&format!(" - Handshake: {}", report.handshake_text()));
    }
    if !assessment.findings.is_empty() {
        let findings: Vec<&str> = assessment
            .findings
            .iter()
            .map(|(_, f)| f.as_str())
            .collect();
        line.push_str(" - Findings: ");
        line.push_str(&findings.join("; "));
    }
    truncate_chars(&line, PRTG_TEXT_LIMIT)
}

/// The failure message: which check, then what went wrong.
pub fn failure_line(request: &Request, failure: &Failure) -> String {
    let line = format!(
        "{} check of {} port {} failed: {failure}",
        request.protocol, request.host, request.port
    );
    truncate_chars(&line, PRTG_TEXT_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_counts_characters_not_bytes() {
        assert_eq!(truncate_chars("äöü", 3), "äöü");
        assert_eq!(truncate_chars("äöüäöü", 5), "äö...");
    }
}
