//! Prometheus exposition text for one check (`--format prometheus`, the
//! exporter's `/probe`) or many (node_exporter's textfile collector, with a
//! `target` label on every series).
//!
//! The series carry the names blackbox_exporter and ssl_exporter use, so
//! dashboards and alert rules written for them keep working, plus ours
//! under `starttls_cert_`. Unlike both, the expiry series are present when
//! the chain is not trusted: an expired or self-signed certificate is
//! exactly what should be seen. docs/metrics.md lists every series, where
//! each peer's definition was checked, and where ours differ.

pub mod cert_labels;
pub mod exposition;

use std::time::Duration;

use starttls_engine::analysis::{unix_seconds, TrustVerdict};
use starttls_engine::UnixTime;

pub use cert_labels::CertLabels;
pub use exposition::{escape_label_value, format_value, Exposition, FamilyDef, Kind, Labels};

use crate::assess::{assess_check, Status};
use crate::request::Request;
use crate::run::{Failure, Success};

/// One finished check, as the exporter and a list of targets give it.
#[derive(Clone, Copy, Debug)]
pub struct Probed<'a> {
    /// What was asked for.
    pub request: &'a Request,
    /// What came of it.
    pub result: &'a Result<Success, Failure>,
    /// How long the whole check took, DNS and trust store included.
    pub duration: Duration,
}

const fn gauge(name: &'static str, help: &'static str) -> FamilyDef {
    FamilyDef {
        name,
        help,
        kind: Kind::Gauge,
    }
}

/// Every family a check can produce, in the order written.
pub const FAMILIES: &[FamilyDef] = &[
    gauge("probe_success", "Whether the check read and analysed the certificate (1) or could not (0)."),
    gauge("probe_duration_seconds", "How long the check took, DNS and TLS included."),
    gauge("probe_ssl_earliest_cert_expiry", "The earliest notAfter of the certificates the server sent, Unix seconds."),
    gauge("probe_ssl_last_chain_expiry_timestamp_seconds", "The earliest notAfter on the validated path, or on the sent chain when it is not trusted, Unix seconds."),
    gauge("probe_tls_version_info", "The negotiated TLS version, as a label."),
    gauge("probe_ssl_last_chain_info", "The leaf certificate's identity, as labels."),
    gauge("ssl_probe_success", "Whether the check read and analysed the certificate (1) or could not (0)."),
    gauge("ssl_tls_version_info", "The negotiated TLS version, as a label."),
    gauge("ssl_cert_not_after", "notAfter of each certificate the server sent, Unix seconds."),
    gauge("ssl_cert_not_before", "notBefore of each certificate the server sent, Unix seconds."),
    gauge("ssl_verified_cert_not_after", "notAfter of each certificate on the validated path, Unix seconds."),
    gauge("ssl_verified_cert_not_before", "notBefore of each certificate on the validated path, Unix seconds."),
    gauge("starttls_cert_status", "The check's verdict: 0 OK, 1 warning, 2 critical, 3 the check could not be done."),
    gauge("starttls_cert_expires_in_seconds", "Seconds from the check until the leaf certificate's notAfter, negative once expired."),
    gauge("starttls_cert_chain_expires_in_seconds", "Seconds from the check until the first notAfter on the validated path (the sent chain when untrusted)."),
    gauge("starttls_cert_not_after_timestamp_seconds", "The leaf certificate's notAfter, Unix seconds."),
    gauge("starttls_cert_trusted", "Whether a path to a trusted root was found (1) or not (0)."),
    gauge("starttls_cert_name_match", "Whether the certificate matches the checked name (1) or not (0); 1 when no name check was asked for."),
    gauge("starttls_cert_self_signed", "Whether the leaf certificate is self-signed."),
    gauge("starttls_cert_key_length", "The leaf's public key size in bits (RSA modulus, EC curve)."),
    gauge("starttls_cert_findings", "Findings of the check by severity."),
    gauge("starttls_cert_phase_duration_seconds", "Time spent in each phase of the check."),
    gauge("starttls_cert_error_info", "Why the check could not be done: kind and phase as labels."),
];

/// The exposition for one check, without a target label: what `/probe`
/// returns and `--format prometheus` prints.
pub fn render_one(probed: &Probed<'_>) -> String {
    let mut e = Exposition::new(FAMILIES);
    add_target(&mut e, &[], probed);
    e.finish()
}

/// The exposition for many checks, each series with `target="host:port"`
/// and `protocol`: what the textfile collector reads.
pub fn render_many(probes: &[Probed<'_>]) -> String {
    let mut many = Many::new();
    for probed in probes {
        many.add(probed);
    }
    many.finish()
}

/// [`render_many`] one check at a time, for a run that hands over each
/// result as it is ready: only the exposition text is kept, never the
/// reports.
#[derive(Debug)]
pub struct Many {
    exposition: Exposition,
}

impl Many {
    /// An exposition with no target yet.
    pub fn new() -> Self {
        Many {
            exposition: Exposition::new(FAMILIES),
        }
    }

    /// Adds one check's series, labelled with its target and protocol.
    pub fn add(&mut self, probed: &Probed<'_>) {
        let target = target_label(probed.request);
        let common = [
            ("target", target.as_str()),
            ("protocol", probed.request.protocol.keyword()),
        ];
        add_target(&mut self.exposition, &common, probed);
    }

    /// The exposition text of every target added.
    pub fn finish(self) -> String {
        self.exposition.finish()
    }
}

impl Default for Many {
    fn default() -> Self {
        Many::new()
    }
}

/// The exposition for a check that could not start (bad arguments):
/// `probe_success 0`, the error kind `usage`, and the message as a comment
/// line (escaped, so it stays one line).
pub fn early_error(message: &str) -> String {
    let mut e = Exposition::new(FAMILIES);
    e.sample("probe_success", &[], &[], 0.0);
    e.sample("ssl_probe_success", &[], &[], 0.0);
    e.sample("starttls_cert_status", &[], &[], 3.0);
    e.sample(
        "starttls_cert_error_info",
        &[],
        &[("kind", "usage"), ("phase", "")],
        1.0,
    );
    let mut comment = String::new();
    escape_label_value(message, &mut comment);
    format!("# starttls-cert: {comment}\n{}", e.finish())
}

/// `host:port`, IPv6 addresses in brackets.
pub fn target_label(request: &Request) -> String {
    let host = &request.host;
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{}", request.port)
    } else {
        format!("{host}:{}", request.port)
    }
}

fn flag(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}

/// Adds every series of one check with the `common` labels.
pub fn add_target(e: &mut Exposition, common: &Labels<'_>, probed: &Probed<'_>) {
    let ok = probed.result.is_ok();
    e.sample("probe_success", common, &[], flag(ok));
    e.sample("ssl_probe_success", common, &[], flag(ok));
    e.sample(
        "probe_duration_seconds",
        common,
        &[],
        round_micros(probed.duration),
    );
    match probed.result {
        Ok(success) => add_success(e, common, probed.request, success),
        Err(failure) => {
            e.sample("starttls_cert_status", common, &[], 3.0);
            let kind = failure.kind();
            let phase = failure.phase().unwrap_or("");
            e.sample(
                "starttls_cert_error_info",
                common,
                &[("kind", kind), ("phase", phase)],
                1.0,
            );
        }
    }
}

fn round_micros(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1_000_000.0
}

fn add_success(e: &mut Exposition, common: &Labels<'_>, request: &Request, success: &Success) {
    let cert = &success.cert;
    let report = &success.checked.report;
    let assessment = assess_check(success, request.thresholds);

    e.sample(
        "probe_ssl_earliest_cert_expiry",
        common,
        &[],
        cert.earliest_expiry.not_after as f64,
    );
    e.sample(
        "probe_ssl_last_chain_expiry_timestamp_seconds",
        common,
        &[],
        cert.chain_expiry.not_after as f64,
    );
    let version = [("version", report.tls_version_name())];
    e.sample("probe_tls_version_info", common, &version, 1.0);
    e.sample("ssl_tls_version_info", common, &version, 1.0);

    let leaf = &cert.leaf;
    let fingerprint = leaf.sha256_fingerprint.to_ascii_lowercase();
    let sans = leaf.dns_names.join(",");
    let serial = leaf.serial.to_ascii_lowercase();
    e.sample(
        "probe_ssl_last_chain_info",
        common,
        &[
            ("fingerprint_sha256", &fingerprint),
            ("subject", &leaf.subject),
            ("issuer", &leaf.issuer),
            ("subjectalternative", &sans),
            ("serialnumber", &serial),
        ],
        1.0,
    );

    let sent: Vec<Option<CertLabels>> = report
        .chain
        .iter()
        .map(|der| CertLabels::from_der(der.as_ref()))
        .collect();
    for labels in sent.iter().flatten() {
        let pairs = labels.pairs();
        e.sample(
            "ssl_cert_not_after",
            common,
            &pairs,
            labels.not_after as f64,
        );
        e.sample(
            "ssl_cert_not_before",
            common,
            &pairs,
            labels.not_before as f64,
        );
    }
    if matches!(cert.trust, TrustVerdict::Trusted { .. }) {
        for path_cert in &cert.validated_path {
            // A certificate from the sent chain has all its labels; one
            // from the --ca-trust file is known by its CN only.
            let known = path_cert
                .index
                .and_then(|i| sent.get(i))
                .and_then(Option::as_ref);
            let cn = path_cert.common_name.clone().unwrap_or_default();
            let empty = [
                ("serial_no", ""),
                ("issuer_cn", ""),
                ("cn", cn.as_str()),
                ("dnsnames", ""),
                ("ips", ""),
                ("emails", ""),
                ("ou", ""),
            ];
            let pairs = known.map(CertLabels::pairs).unwrap_or(empty);
            let mut labels = vec![("chain_no", "0")];
            labels.extend_from_slice(&pairs);
            e.sample(
                "ssl_verified_cert_not_after",
                common,
                &labels,
                path_cert.not_after as f64,
            );
            e.sample(
                "ssl_verified_cert_not_before",
                common,
                &labels,
                path_cert.not_before as f64,
            );
        }
    }

    let status = match assessment.status {
        Status::Ok => 0.0,
        Status::Warning => 1.0,
        Status::Critical => 2.0,
    };
    e.sample("starttls_cert_status", common, &[], status);
    // The time the validity was judged at: --at, or now.
    let now = unix_seconds(request.at.unwrap_or_else(UnixTime::now));
    e.sample(
        "starttls_cert_expires_in_seconds",
        common,
        &[],
        leaf.not_after.saturating_sub(now) as f64,
    );
    e.sample(
        "starttls_cert_chain_expires_in_seconds",
        common,
        &[],
        cert.chain_expiry.not_after.saturating_sub(now) as f64,
    );
    e.sample(
        "starttls_cert_not_after_timestamp_seconds",
        common,
        &[],
        leaf.not_after as f64,
    );
    e.sample(
        "starttls_cert_trusted",
        common,
        &[],
        flag(matches!(cert.trust, TrustVerdict::Trusted { .. })),
    );
    e.sample(
        "starttls_cert_name_match",
        common,
        &[],
        flag(cert.name_check.is_match()),
    );
    e.sample(
        "starttls_cert_self_signed",
        common,
        &[],
        flag(cert.self_signed),
    );
    if let Some(bits) = cert.public_key.bits {
        let algorithm = cert.public_key.algorithm.to_string();
        e.sample(
            "starttls_cert_key_length",
            common,
            &[("algorithm", &algorithm)],
            f64::from(bits),
        );
    }
    for (status, severity) in [(Status::Critical, "critical"), (Status::Warning, "warning")] {
        e.sample(
            "starttls_cert_findings",
            common,
            &[("severity", severity)],
            assessment.count(status) as f64,
        );
    }
    e.sample(
        "starttls_cert_phase_duration_seconds",
        common,
        &[("phase", "connect")],
        round_micros(success.checked.connect_time),
    );
    // A legacy capture goes through some phases twice: one series each.
    let mut phases: Vec<(&str, Duration)> = Vec::new();
    for t in &report.timings {
        match phases.iter_mut().find(|(name, _)| *name == t.phase.name()) {
            Some((_, total)) => *total += t.elapsed,
            None => phases.push((t.phase.name(), t.elapsed)),
        }
    }
    for (phase, elapsed) in phases {
        e.sample(
            "starttls_cert_phase_duration_seconds",
            common,
            &[("phase", phase)],
            round_micros(elapsed),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::UsageError;
    use clap::Parser;

    fn request(args: &[&str]) -> Request {
        let mut argv = vec!["starttls-cert"];
        argv.extend_from_slice(args);
        Request::from_cli(crate::args::Cli::parse_from(argv), || "probe.test".into()).unwrap()
    }

    #[test]
    fn many_targets_share_one_family_header_and_carry_a_target_label() {
        let a = request(&["mx.example.com", "25", "smtp"]);
        let b = request(&["2001:db8::1", "389", "ldap"]);
        let failed: Result<Success, Failure> = Err(Failure::Usage(UsageError("x".into())));
        let text = render_many(&[
            Probed {
                request: &a,
                result: &failed,
                duration: Duration::from_millis(1500),
            },
            Probed {
                request: &b,
                result: &failed,
                duration: Duration::from_micros(2),
            },
        ]);
        assert_eq!(
            text.matches("# TYPE probe_success gauge").count(),
            1,
            "{text}"
        );
        assert!(
            text.contains(
                "probe_success{target=\"mx.example.com:25\",protocol=\"smtp\"} 0\n\
             probe_success{target=\"[2001:db8::1]:389\",protocol=\"ldap\"} 0\n"
            ),
            "{text}"
        );
        assert!(text.contains(
            "probe_duration_seconds{target=\"mx.example.com:25\",protocol=\"smtp\"} 1.5\n"
        ));
        assert!(text.contains(
            "starttls_cert_error_info{target=\"[2001:db8::1]:389\",protocol=\"ldap\",kind=\"usage\",phase=\"\"} 1\n"
        ));
    }

    #[test]
    fn an_early_error_keeps_its_message_on_one_comment_line() {
        let text = early_error("bad \"x\"\nnext");
        let first = text.lines().next().unwrap_or_default();
        assert!(first.starts_with("# starttls-cert: bad"), "{text}");
        assert!(text.contains("\nprobe_success 0\n"));
    }

    #[test]
    fn family_names_are_unique_and_valid() {
        for (i, f) in FAMILIES.iter().enumerate() {
            assert!(
                f.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}",
                f.name
            );
            assert!(FAMILIES[..i].iter().all(|g| g.name != f.name), "{}", f.name);
        }
    }
}
