//! Nagios/Icinga plugin output: one status line with performance data, exit
//! code 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.

use super::{sanitize, Rendered, EXIT_UNKNOWN};
use crate::assess::{assess_check, Status};
use crate::request::Request;
use crate::run::{Failure, Success};

pub(super) fn render(request: &Request, result: &Result<Success, Failure>) -> Rendered {
    match result {
        Err(failure) => Rendered {
            stdout: format!(
                "STARTTLS-CERT UNKNOWN - {}\n",
                sanitize::nagios(&failure.to_string())
            ),
            exit_code: EXIT_UNKNOWN,
        },
        Ok(success) => {
            let cert = &success.cert;
            let t = request.thresholds;
            let assessment = assess_check(success, t);
            let summary = match assessment.worst() {
                Some(finding) => finding.to_owned(),
                None => format!(
                    "{} certificate for {} valid until {} ({} days)",
                    request.protocol,
                    cert.leaf.common_name().unwrap_or(&request.host),
                    cert.leaf.not_after_rfc3339(),
                    cert.days_to_expiration
                ),
            };
            let total_ms = success.checked.total_time.as_secs_f64() * 1000.0;
            let perf = format!(
                "days={};{};{} chain_days={};{};{} key_bits={} trusted={} self_signed={} \
                 critical_findings={};;0 warning_findings={};0; time={:.1}ms",
                cert.days_to_expiration,
                t.warning_days,
                t.error_days,
                cert.chain_expiry.days,
                t.warning_days,
                t.error_days,
                super::prtg_lookups::public_key_value(&cert.public_key),
                u8::from(cert.trust.is_trusted()),
                u8::from(cert.self_signed),
                assessment.count(Status::Critical),
                assessment.count(Status::Warning),
                total_ms
            );
            let mut stdout = format!(
                "STARTTLS-CERT {} - {} | {perf}\n",
                assessment.status.word(),
                sanitize::nagios(&summary)
            );
            for (_, finding) in assessment.findings.iter().skip(1) {
                stdout.push_str(&sanitize::nagios(finding));
                stdout.push('\n');
            }
            Rendered {
                stdout,
                exit_code: assessment.status.exit_code(),
            }
        }
    }
}
