//! The one-line messages shared by the PRTG formats and the text summary.

use super::sanitize::escape;
use crate::assess::{assess_check, days_word, Status};
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

/// The success message. OK: the old sensor's fields first (so existing
/// PRTG filters keep working), then what we add. Otherwise the worst finding
/// leads in words ("Critical: intermediate 'R3' expires in 9 days"), then
/// the same fields, then the other findings. Server text is escaped.
pub fn summary_line(request: &Request, success: &Success) -> String {
    let cert = &success.cert;
    let report = &success.checked.report;
    let assessment = assess_check(success, request.thresholds);
    let head = match (assessment.status, assessment.worst()) {
        (Status::Ok, _) | (_, None) => "OK.".to_owned(),
        (Status::Warning, Some(worst)) => format!("Warning: {worst} -"),
        (Status::Critical, Some(worst)) => format!("Critical: {worst} -"),
    };
    let cn = cert.leaf.common_name().unwrap_or("(none)");
    let mut line = format!(
        "{head} Certificate Common Name: {cn} - Certificate Thumbprint: {} - STARTTLS Protocol: {}",
        cert.leaf.sha1_fingerprint, report.protocol
    );
    let days = cert.days_to_expiration;
    let left = if days < 0 {
        format!("expired {} ago", days_word(-days))
    } else {
        days_word(days)
    };
    line.push_str(&format!(
        " - Expires: {} ({left}) - Issuer: {} - {} {}",
        cert.leaf.not_after_rfc3339(),
        cert.leaf.issuer,
        report.tls_version_name(),
        report.cipher_suite_name()
    ));
    if report.handshake.legacy().is_some() {
        line.push_str(&format!(" - Handshake: {}", report.handshake_text()));
    }
    let others: Vec<&str> = assessment
        .findings
        .iter()
        .skip(1)
        .map(|(_, f)| f.as_str())
        .collect();
    if !others.is_empty() {
        line.push_str(" - Also: ");
        line.push_str(&others.join("; "));
    }
    truncate_chars(&escape(&line), PRTG_TEXT_LIMIT)
}

/// The failure message: which check, then what went wrong.
pub fn failure_line(request: &Request, failure: &Failure) -> String {
    let line = format!(
        "{} check of {} port {} failed: {failure}",
        request.protocol,
        request.host_shown(),
        request.port
    );
    truncate_chars(&escape(&line), PRTG_TEXT_LIMIT)
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
