//! PRTG EXE/Script Advanced JSON: `{"prtg":{"result":[...],"text":"..."}}`,
//! or `{"prtg":{"error":1,"text":"..."}}`. Always exit code 0, so PRTG shows
//! the text.

use serde_json::{json, Value};

use super::message::{failure_line, summary_line, truncate_chars, PRTG_TEXT_LIMIT};
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

/// The five channels in the order of PRTG's SSL Certificate sensor, Days to
/// Expiration first (primary) with its limits always sent, because PRTG
/// reads limit and lookup fields only when it creates a channel; then,
/// unless `--prtg-channels classic`, the three that carry the rest of the
/// verdict (see [`verdict_channels`]).
pub(super) fn channels(request: &Request, success: &Success) -> Value {
    let mut all = classic_channels(request, success);
    if request.prtg_channels == PrtgChannels::All {
        if let (Value::Array(list), Value::Array(more)) =
            (&mut all, verdict_channels(request, success))
        {
            list.extend(more);
        }
    }
    all
}

/// The channels that make PRTG alarm at the level the check decided, with
/// no lookup file to install: Chain Days to Expiration (same limits as Days
/// to Expiration), and the counts of critical and warning findings, whose
/// upper limit 0 puts the sensor Down / Warning at the first finding.
fn verdict_channels(request: &Request, success: &Success) -> Value {
    let t = request.thresholds;
    let assessment = assess_check(success, t);
    json!([
        {
            "channel": CHAIN_DAYS,
            "value": success.cert.chain_expiry.days,
            "unit": "Count",
            "LimitMode": 1,
            "LimitMinWarning": t.warning_days,
            "LimitMinError": t.error_days,
            "LimitWarningMsg": format!("A certificate of the chain expires in less than {} days", t.warning_days),
            "LimitErrorMsg": format!("A certificate of the chain expires in less than {} days", t.error_days),
        },
        {
            "channel": CRITICAL_FINDINGS,
            "value": assessment.count(Status::Critical),
            "unit": "Count",
            "LimitMode": 1,
            "LimitMaxError": 0,
            "LimitErrorMsg": "The check found a critical problem: read the sensor message",
        },
        {
            "channel": WARNING_FINDINGS,
            "value": assessment.count(Status::Warning),
            "unit": "Count",
            "LimitMode": 1,
            "LimitMaxWarning": 0,
            "LimitWarningMsg": "The check found a problem to look at: read the sensor message",
        },
    ])
}

/// Days until the first certificate on the validated path (else of all
/// sent) expires; Script v2 id 20.
pub const CHAIN_DAYS: &str = "Chain Days to Expiration";
/// How many critical findings the check made; Script v2 id 21.
pub const CRITICAL_FINDINGS: &str = "Critical Findings";
/// How many warnings the check made; Script v2 id 22.
pub const WARNING_FINDINGS: &str = "Warning Findings";

fn classic_channels(request: &Request, success: &Success) -> Value {
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
            "value": name_check_value(&cert.name_check),
            "ValueLookup": LOOKUP_CN_CHECK,
        },
        {
            "channel": "Public Key Length",
            "value": public_key_value(&cert.public_key),
            "ValueLookup": public_key_lookup(&cert.public_key),
        },
        {
            "channel": "Root Authority Trusted",
            "value": trust_value(&cert.trust),
            "ValueLookup": LOOKUP_TRUSTED_ROOT,
        },
        {
            "channel": "Self-Signed",
            "value": self_signed_value(cert),
            "ValueLookup": LOOKUP_SELF_SIGNED,
        },
    ])
}

pub(super) fn render(request: &Request, result: &Result<Success, Failure>) -> Rendered {
    match result {
        Ok(success) => {
            let mut body = json!({
                "prtg": {
                    "result": channels(request, success),
                    "text": summary_line(request, success),
                }
            });
            escape_json(&mut body, &[]);
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
        "prtg": { "error": 1, "text": truncate_chars(&escape(message), PRTG_TEXT_LIMIT) }
    });
    Rendered {
        stdout: format!("{body}\n"),
        exit_code: 0,
    }
}
