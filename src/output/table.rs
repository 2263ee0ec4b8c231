//! The cells of one row of the results table that `demo` and `--targets
//! --format text` print: what a check found, one short value a column.

use super::sanitize::escape;
use crate::assess::assess_check;
use crate::request::Request;
use crate::run::{Failure, Success};

/// The columns after the one naming the server.
pub const COLUMNS: [&str; 11] = [
    "proto",
    "port",
    "status",
    "days",
    "chain",
    "name",
    "key",
    "trusted",
    "self-signed",
    "TLS",
    "ms",
];

/// The status cell of a check that could not be done.
pub const FAILED: &str = "ERROR";

/// The cells of `outcome` under [`COLUMNS`], and the note to print under
/// the table: the worst finding, or why the check failed (escaped).
pub fn cells(
    request: &Request,
    outcome: &Result<Success, Failure>,
) -> ([String; 11], Option<String>) {
    let proto = request.protocol.name().to_owned();
    let port = request.port.to_string();
    match outcome {
        Ok(s) => {
            let cert = &s.cert;
            let a = assess_check(s, request.thresholds);
            let note = a.findings.first().map(|(_, first)| escape(first));
            let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
            (
                [
                    proto,
                    port,
                    a.status.word().into(),
                    cert.days_to_expiration.to_string(),
                    cert.chain_expiry.days.to_string(),
                    if cert.name_check.is_match() {
                        "match"
                    } else {
                        "MISMATCH"
                    }
                    .into(),
                    cert.public_key.to_string(),
                    yes_no(cert.trust.is_trusted()),
                    yes_no(cert.self_signed),
                    s.checked.report.tls_version_name().into(),
                    format!("{:.1}", s.checked.total_time.as_secs_f64() * 1000.0),
                ],
                note,
            )
        }
        Err(f) => {
            let dash = || "-".to_owned();
            (
                [
                    proto,
                    port,
                    FAILED.into(),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                    dash(),
                ],
                Some(escape(&f.to_string())),
            )
        }
    }
}

/// `cells` padded to `widths` and joined by two spaces, trailing blanks cut.
pub fn line<S: AsRef<str>>(cells: &[S], widths: &[usize]) -> String {
    let mut l = String::new();
    for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            l.push_str("  ");
        }
        let cell = cell.as_ref();
        l.push_str(cell);
        let len = cell.chars().count();
        l.extend(std::iter::repeat(' ').take(w.saturating_sub(len)));
    }
    l.trim_end().to_owned()
}
