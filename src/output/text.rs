//! A short summary for people at a terminal.

use std::fmt::Write;

use starttls_engine::analysis::{format_rfc3339_utc, ExpiryScope, NameCheck};

use super::sanitize::escape;
use super::{Rendered, EXIT_UNKNOWN};
use crate::assess::{assess_check, chain_cert_words, days_word};
use crate::request::Request;
use crate::run::{Failure, Success};

pub(super) fn render(request: &Request, result: &Result<Success, Failure>) -> Rendered {
    let mut out = String::new();
    let target = format!(
        "{} port {} ({})",
        request.host_shown(),
        request.port,
        request.protocol
    );
    let exit_code = match result {
        Err(failure) => {
            let _ = writeln!(
                out,
                "{}: check failed\n  {}",
                escape(&target),
                escape(&failure.to_string())
            );
            EXIT_UNKNOWN
        }
        Ok(success) => {
            let cert = &success.cert;
            let leaf = &cert.leaf;
            let report = &success.checked.report;
            let assessment = assess_check(success, request.thresholds);
            let row = |out: &mut String, k: &str, v: &str| {
                let _ = writeln!(out, "  {k:<12} {}", escape(v));
            };
            let _ = writeln!(out, "{}: {}", escape(&target), assessment.status.word());
            row(&mut out, "subject", &leaf.subject);
            if !leaf.dns_names.is_empty() || !leaf.ip_addresses.is_empty() {
                let mut names = leaf.dns_names.clone();
                names.extend(leaf.ip_addresses.iter().map(|ip| ip.to_string()));
                row(&mut out, "names", &names.join(", "));
            }
            row(&mut out, "issuer", &leaf.issuer);
            row(
                &mut out,
                "valid",
                &format!(
                    "{} to {} ({} days left)",
                    leaf.not_before_rfc3339(),
                    leaf.not_after_rfc3339(),
                    cert.days_to_expiration
                ),
            );
            row(&mut out, "key", &cert.public_key.to_string());
            row(&mut out, "trusted", &cert.trust.to_string());
            row(
                &mut out,
                "self-signed",
                if cert.self_signed { "yes" } else { "no" },
            );
            if cert.name_check.mode != NameCheck::None {
                row(&mut out, "name check", &cert.name_check.to_string());
            }
            row(
                &mut out,
                "chain",
                &match report.chain.len() {
                    1 => "1 certificate sent".to_owned(),
                    n => format!("{n} certificates sent"),
                },
            );
            let ce = &cert.chain_expiry;
            let scope = match ce.scope {
                ExpiryScope::ValidatedPath => "first to expire on the validated path",
                ExpiryScope::SentChain => "first to expire of the certificates sent",
            };
            row(
                &mut out,
                "chain valid",
                &format!(
                    "to {} ({}): {}, {scope}",
                    format_rfc3339_utc(ce.not_after),
                    if ce.days < 0 {
                        format!("expired {} ago", days_word(-ce.days))
                    } else {
                        format!("{} left", days_word(ce.days))
                    },
                    chain_cert_words(ce)
                ),
            );
            row(
                &mut out,
                "TLS",
                &format!(
                    "{} {}",
                    report.tls_version_name(),
                    report.cipher_suite_name()
                ),
            );
            row(&mut out, "handshake", &report.handshake_text());
            if let Some(first) = report.handshake.legacy() {
                row(&mut out, "1st attempt", &first.first_failure.to_string());
            }
            row(&mut out, "SHA-1", &leaf.sha1_fingerprint);
            row(&mut out, "SHA-256", &leaf.sha256_fingerprint);
            let mut timing = format!(
                "connect {:.1} ms",
                success.checked.connect_time.as_secs_f64() * 1000.0
            );
            for t in &report.timings {
                let _ = write!(
                    timing,
                    ", {} {:.1} ms",
                    t.phase.name(),
                    t.elapsed.as_secs_f64() * 1000.0
                );
            }
            row(&mut out, "timings", &timing);
            for (status, finding) in &assessment.findings {
                row(&mut out, &status.word().to_lowercase(), finding);
            }
            assessment.status.exit_code()
        }
    };
    Rendered {
        stdout: out,
        exit_code,
    }
}
