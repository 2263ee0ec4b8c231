//! PRTG Script v2 JSON: `{"version":2,"status":...,"message":...,"channels":[...]}`
//! with the channel ids the Script v2 sensor used (the built-in SSL sensor's
//! plus 10), then Chain Days to Expiration (20), Critical Findings (21) and
//! Warning Findings (22) unless `--prtg-channels classic`. The status is the
//! check's verdict. Always exit code 0: PRTG discards the output of a failing
//! script.

use serde_json::{json, Value};

use super::message::{failure_line, summary_line, truncate_chars, PRTG_TEXT_LIMIT};
use super::prtg::{CHAIN_DAYS, CRITICAL_FINDINGS, WARNING_FINDINGS};
use super::prtg_lookups::{
    name_check_value, public_key_lookup, public_key_value, self_signed_value, trust_value,
    LOOKUP_CN_CHECK, LOOKUP_SELF_SIGNED, LOOKUP_TRUSTED_ROOT,
};
use super::sanitize::{escape, escape_json};
use super::Rendered;
use crate::args::PrtgChannels;
use crate::assess::{assess_check, Status};
use crate::request::Request;
use crate::run::{Failure, Success};

fn count(id: u32, name: &str, value: i64) -> Value {
    json!({ "id": id, "name": name, "type": "integer", "kind": "count", "value": value })
}

fn count_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn lookup(id: u32, name: &str, lookup: &str, value: i64) -> Value {
    json!({ "id": id, "name": name, "type": "lookup", "lookup_name": lookup, "value": value })
}

pub(super) fn render(request: &Request, result: &Result<Success, Failure>) -> Rendered {
    let success = match result {
        Ok(success) => success,
        Err(failure) => return error(&failure_line(request, failure)),
    };
    let cert = &success.cert;
    // Script v2 output carries no channel limits: the status is the check's
    // own verdict.
    let assessment = assess_check(success, request.thresholds);
    let status = match assessment.status {
        Status::Ok => "ok",
        Status::Warning => "warning",
        Status::Critical => "error",
    };
    let mut channels = vec![
        count(12, "Days to Expiration", cert.days_to_expiration),
        lookup(
            13,
            "Root Authority Trusted",
            LOOKUP_TRUSTED_ROOT,
            trust_value(&cert.trust),
        ),
        lookup(
            15,
            "Public Key Length",
            public_key_lookup(&cert.public_key),
            public_key_value(&cert.public_key),
        ),
        lookup(
            16,
            "Self-Signed",
            LOOKUP_SELF_SIGNED,
            self_signed_value(cert),
        ),
        lookup(
            17,
            "Common Name Check",
            LOOKUP_CN_CHECK,
            name_check_value(&cert.name_check),
        ),
    ];
    if request.prtg_channels == PrtgChannels::All {
        channels.extend([
            count(20, CHAIN_DAYS, cert.chain_expiry.days),
            count(
                21,
                CRITICAL_FINDINGS,
                count_i64(assessment.count(Status::Critical)),
            ),
            count(
                22,
                WARNING_FINDINGS,
                count_i64(assessment.count(Status::Warning)),
            ),
        ]);
    }
    let mut body = json!({
        "version": 2,
        "status": status,
        "message": summary_line(request, success),
        "channels": channels,
    });
    escape_json(&mut body, &[]);
    Rendered {
        stdout: format!("{body}\n"),
        exit_code: 0,
    }
}

/// The Script v2 error document for `message`.
pub(super) fn error(message: &str) -> Rendered {
    let body = json!({
        "version": 2,
        "status": "error",
        "message": truncate_chars(&escape(message), PRTG_TEXT_LIMIT),
    });
    Rendered {
        stdout: format!("{body}\n"),
        exit_code: 0,
    }
}
