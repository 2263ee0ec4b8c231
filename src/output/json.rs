//! The complete machine-readable report: every analysis field, the session
//! facts, timings and the chain as PEM. Exit codes as for Nagios.

use serde_json::{json, Value};
use starttls_engine::analysis::{format_rfc3339_utc, CertificateReport, ExpiryScope, TrustVerdict};

use super::prtg_lookups;
use super::sanitize::escape_json;
use super::{to_pem, Rendered, EXIT_UNKNOWN};
use crate::assess::assess_check;
use crate::request::Request;
use crate::run::{Failure, Success};

fn millis(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

fn certificate(cert: &CertificateReport) -> Value {
    let leaf = &cert.leaf;
    let (trusted, anchor, reason) = match &cert.trust {
        TrustVerdict::Trusted { anchor } => (true, Some(anchor.to_string()), None),
        TrustVerdict::NotTrusted(reason) => (false, None, Some(reason.to_string())),
    };
    json!({
        "days_to_expiration": cert.days_to_expiration,
        "name_check": {
            "mode": format!("{:?}", cert.name_check.mode).to_lowercase(),
            "name": cert.name_check.name,
            "matched": cert.name_check.matched,
            "result": cert.name_check.to_string(),
            "prtg_value": prtg_lookups::name_check_value(&cert.name_check),
        },
        "public_key": {
            "algorithm": cert.public_key.algorithm.to_string(),
            "bits": cert.public_key.bits,
            "prtg_lookup": prtg_lookups::public_key_lookup(&cert.public_key),
        },
        "trust": { "trusted": trusted, "anchor": anchor, "reason": reason, "prtg_value": prtg_lookups::trust_value(&cert.trust) },
        "self_signed": cert.self_signed,
        "chain_expiry": {
            "scope": match cert.chain_expiry.scope {
                ExpiryScope::ValidatedPath => "validated-path",
                ExpiryScope::SentChain => "sent-chain",
            },
            "index": cert.chain_expiry.index,
            "subject": cert.chain_expiry.subject,
            "not_after": format_rfc3339_utc(cert.chain_expiry.not_after),
            "days": cert.chain_expiry.days,
        },
        "validated_path": cert.validated_path.iter().map(|c| json!({
            "index": c.index,
            "subject": c.subject,
            "not_after": format_rfc3339_utc(c.not_after),
        })).collect::<Vec<_>>(),
        "earliest_expiry": {
            "index": cert.earliest_expiry.index,
            "subject": cert.earliest_expiry.subject,
            "not_after": format_rfc3339_utc(cert.earliest_expiry.not_after),
            "days": cert.earliest_expiry.days,
        },
        "chain_problems": cert.chain_problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        "weaknesses": cert.weaknesses.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        "leaf": {
            "subject": leaf.subject,
            "common_names": leaf.common_names,
            "dns_names": leaf.dns_names,
            "ip_addresses": leaf.ip_addresses.iter().map(|ip| ip.to_string()).collect::<Vec<_>>(),
            "issuer": leaf.issuer,
            "serial": leaf.serial,
            "sha1_fingerprint": leaf.sha1_fingerprint,
            "sha256_fingerprint": leaf.sha256_fingerprint,
            "not_before": leaf.not_before_rfc3339(),
            "not_after": leaf.not_after_rfc3339(),
            "not_yet_valid": leaf.not_yet_valid,
            "signature_algorithm": leaf.signature_algorithm,
        },
    })
}

/// The failed first attempt of a legacy capture: its error and timings
/// (`null` when the handshake completed at once).
fn first_attempt(report: &starttls_engine::Report) -> Value {
    let Some(first) = report.handshake.legacy() else {
        return Value::Null;
    };
    let mut timings = serde_json::Map::new();
    for t in &first.first_timings {
        timings.insert(t.phase.name().into(), json!(millis(t.elapsed)));
    }
    json!({
        "error": first.first_failure.to_string(),
        "server_aborted": first.server_aborted,
        "timings_ms": timings,
    })
}

pub(super) fn render(request: &Request, result: &Result<Success, Failure>) -> Rendered {
    let (body, exit_code) = document(request, result);
    Rendered {
        stdout: format!(
            "{}\n",
            serde_json::to_string_pretty(&body).unwrap_or_default()
        ),
        exit_code,
    }
}

/// A check's JSON document, already escaped, and its exit code.
pub(crate) fn document(request: &Request, result: &Result<Success, Failure>) -> (Value, i32) {
    let target = json!({
        "host": request.host,
        "port": request.port,
        "protocol": request.protocol.name(),
        "name": request.name,
        "host_unicode": crate::idn::unicode_form(&request.host),
        "name_unicode": request.name.as_deref().and_then(crate::idn::unicode_form),
    });
    let (mut body, exit_code) = match result {
        Ok(success) => {
            let report = &success.checked.report;
            let assessment = assess_check(success, request.thresholds);
            let mut timings = serde_json::Map::new();
            timings.insert(
                "connect".into(),
                json!(millis(success.checked.connect_time)),
            );
            for t in &report.timings {
                timings.insert(t.phase.name().into(), json!(millis(t.elapsed)));
            }
            timings.insert("total".into(), json!(millis(success.checked.total_time)));
            let chain: Vec<Value> = success
                .cert
                .chain
                .iter()
                .zip(&report.chain)
                .map(|(summary, der)| {
                    json!({
                        "index": summary.index,
                        "subject": summary.subject,
                        "issuer": summary.issuer,
                        "not_before": format_rfc3339_utc(summary.not_before),
                        "not_after": format_rfc3339_utc(summary.not_after),
                        "signature_algorithm": summary.signature_algorithm,
                        "public_key": summary.public_key.to_string(),
                        "is_ca": summary.is_ca,
                        "self_signed": summary.self_signed,
                        "not_yet_valid": summary.not_yet_valid,
                        "sha256_fingerprint": summary.sha256_fingerprint,
                        "pem": to_pem(der.as_ref()),
                    })
                })
                .collect();
            let body = json!({
                "target": target,
                "status": assessment.status.word().to_lowercase(),
                "findings": assessment.findings.iter().map(|(s, f)| json!({"status": s.word().to_lowercase(), "text": f})).collect::<Vec<_>>(),
                "peer": success.checked.peer.to_string(),
                "tls": {
                    "version": report.tls_version_name(),
                    "cipher_suite": report.cipher_suite_name(),
                    "handshake_signature": report.handshake_signature.to_string(),
                    "handshake": report.handshake_text(),
                    "first_attempt": first_attempt(report),
                },
                "greeting": report.greeting,
                "capabilities": report.capabilities,
                "close": format!("{:?}", report.close).to_lowercase(),
                "timings_ms": timings,
                "certificate": certificate(&success.cert),
                "chain": chain,
            });
            (body, assessment.status.exit_code())
        }
        Err(failure) => {
            let body = json!({
                "target": target,
                "status": "unknown",
                "error": { "kind": failure.kind(), "phase": failure.phase(), "message": failure.to_string() },
            });
            (body, EXIT_UNKNOWN)
        }
    };
    escape_json(&mut body, &["pem"]);
    (body, exit_code)
}

/// A JSON error document for an error before the check started.
pub(super) fn early_error(message: &str) -> Rendered {
    let mut body = json!({ "status": "unknown", "error": { "kind": "usage", "phase": null, "message": message } });
    escape_json(&mut body, &[]);
    Rendered {
        stdout: format!(
            "{}\n",
            serde_json::to_string_pretty(&body).unwrap_or_default()
        ),
        exit_code: EXIT_UNKNOWN,
    }
}
