//! PRTG EXE/Script Advanced JSON: `{"prtg":{"result":[...],"text":"..."}}`,
//! or `{"prtg":{"error":1,"text":"..."}}`. Always exit code 0, so PRTG shows
//! the text.

use serde_json::{json, Value};
use starttls_engine::analysis::prtg::{LOOKUP_CN_CHECK, LOOKUP_SELF_SIGNED, LOOKUP_TRUSTED_ROOT};

use super::message::{failure_line, summary_line, truncate_chars, PRTG_TEXT_LIMIT};
use super::Rendered;
use crate::request::Request;
use crate::run::{Failure, Success};

/// The five channels in the order of PRTG's SSL Certificate sensor, Days to
/// Expiration first (primary) with its limits always sent, because PRTG
/// reads limit and lookup fields only when it creates a channel.
pub(super) fn channels(request: &Request, success: &Success) -> Value {
    let cert = &success.cert;
    let t = request.thresholds;
    json!([
        {
            "channel": "Days to Expiration",
            "value": cert.days_to_expiration,
            "unit": "Count",
            "LimitMode": 1,
            "LimitMinWarning": t.warning_days,
            "LimitMinError": t.error_days,
            "LimitWarningMsg": format!("The certificate expires in less than {} days", t.warning_days),
            "LimitErrorMsg": format!("The certificate expires in less than {} days", t.error_days),
        },
        {
            "channel": "Common Name Check",
            "value": cert.name_check.prtg_value(),
            "ValueLookup": LOOKUP_CN_CHECK,
        },
        {
            "channel": "Public Key Length",
            "value": cert.public_key.prtg_value(),
            "ValueLookup": cert.public_key.prtg_lookup(),
        },
        {
            "channel": "Root Authority Trusted",
            "value": cert.trust.prtg_value(),
            "ValueLookup": LOOKUP_TRUSTED_ROOT,
        },
        {
            "channel": "Self-Signed",
            "value": cert.self_signed_prtg_value(),
            "ValueLookup": LOOKUP_SELF_SIGNED,
        },
    ])
}

pub(super) fn render(request: &Request, result: &Result<Success, Failure>) -> Rendered {
    match result {
        Ok(success) => {
            let body = json!({
                "prtg": {
                    "result": channels(request, success),
                    "text": summary_line(request, success),
                }
            });
            Rendered {
                stdout: format!("{body}\n"),
                exit_code: 0,
            }
        }
        Err(failure) => error(&failure_line(request, failure)),
    }
}

/// The PRTG error document for `message`.
pub(super) fn error(message: &str) -> Rendered {
    let body = json!({
        "prtg": { "error": 1, "text": truncate_chars(message, PRTG_TEXT_LIMIT) }
    });
    Rendered {
        stdout: format!("{body}\n"),
        exit_code: 0,
    }
}
