//! PRTG Script v2 JSON: `{"version":2,"status":...,"message":...,"channels":[...]}`
//! with the channel ids the Script v2 sensor used (the built-in SSL sensor's
//! plus 10). Always exit code 0: PRTG discards the output of a failing script.

use serde_json::{json, Value};
use starttls_engine::analysis::prtg::{LOOKUP_CN_CHECK, LOOKUP_SELF_SIGNED, LOOKUP_TRUSTED_ROOT};

use super::message::{failure_line, summary_line, truncate_chars, PRTG_TEXT_LIMIT};
use super::Rendered;
use crate::assess::{assess_check, Status};
use crate::request::Request;
use crate::run::{Failure, Success};

fn lookup(id: u32, name: &str, lookup: &str, value: i64) -> Value {
    json!({ "id": id, "name": name, "type": "lookup", "lookup_name": lookup, "value": value })
}

pub(super) fn render(request: &Request, result: &Result<Success, Failure>) -> Rendered {
    let Ok(success) = result else {
        let Err(failure) = result else { unreachable!() };
        return error(&failure_line(request, failure));
    };
    let cert = &success.cert;
    // Script v2 has no channel limits in its output, so expiry thresholds
    // become the sensor status.
    let status = match assess_check(success, request.thresholds).status {
        Status::Ok => "ok",
        Status::Warning => "warning",
        Status::Critical if cert.days_to_expiration < request.thresholds.error_days => "error",
        // A handshake that fails for every client is down, whatever the dates.
        Status::Critical if aborts_every_handshake(success) => "error",
        Status::Critical => "warning",
    };
    let body = json!({
        "version": 2,
        "status": status,
        "message": summary_line(request, success),
        "channels": [
            { "id": 12, "name": "Days to Expiration", "type": "integer", "kind": "count", "value": cert.days_to_expiration },
            lookup(13, "Root Authority Trusted", LOOKUP_TRUSTED_ROOT, cert.trust.prtg_value()),
            lookup(15, "Public Key Length", cert.public_key.prtg_lookup(), cert.public_key.prtg_value()),
            lookup(16, "Self-Signed", LOOKUP_SELF_SIGNED, cert.self_signed_prtg_value()),
            lookup(17, "Common Name Check", LOOKUP_CN_CHECK, cert.name_check.prtg_value()),
        ],
    });
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
        "message": truncate_chars(message, PRTG_TEXT_LIMIT),
    });
    Rendered {
        stdout: format!("{body}\n"),
        exit_code: 0,
    }
}

/// The server sent its certificate and then aborted the handshake itself.
fn aborts_every_handshake(success: &Success) -> bool {
    success
        .checked
        .report
        .handshake
        .legacy()
        .is_some_and(|first| first.server_aborted)
}
