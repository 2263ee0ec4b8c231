//! `--format prometheus` and `--output FILE` against simulated servers on
//! loopback, compared with golden files. Validity is judged at a pinned
//! time (`--at`); what changes from run to run (the test PKI's serials and
//! fingerprints, timings, ports) is replaced by placeholders first.
//!
//! `promtool check metrics` runs on the output when promtool is installed
//! (tests/prometheus/check.sh runs it unconditionally in CI).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use starttls_sim::certs::{CertKind, KeyKind, TestPki};
use starttls_sim::loopback::LoopbackServer;
use starttls_sim::personality::Personality;

const AT: &str = "2030-01-01T00:00:00Z";

fn work_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("starttls-cert-prom-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("sim-root.pem"), TestPki::shared().root_pem()).unwrap();
        dir
    })
}

struct Run {
    stdout: String,
    code: i32,
}

fn run(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_starttls-cert"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn check(port: u16, protocol: &str, extra: &[&str]) -> Run {
    let port = port.to_string();
    let root = work_dir().join("sim-root.pem");
    let mut args = vec![
        "127.0.0.1",
        &port,
        protocol,
        "--sni-domain",
        "mail.sim.test",
        "--ca-trust",
        root.to_str().unwrap(),
        "--no-system-ca-trust",
        "--at",
        AT,
        "--timeout",
        "10",
        "--format",
        "prometheus",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The output with run-dependent values replaced: the chain's fingerprints
/// and serials by `{LEAF_FP}`, `{LEAF_SERIAL}`, `{LEAF_SERIAL_DEC}`, ...;
/// durations by `{T}`.
fn normalise(text: &str, chain: &[&[u8]]) -> String {
    let mut text = text.to_owned();
    for (i, der) in chain.iter().enumerate() {
        let (_, cert) = x509_parser::parse_x509_certificate(der).unwrap();
        let fp = ring::digest::digest(&ring::digest::SHA256, der);
        text = text.replace(
            &upper_hex(fp.as_ref()).to_lowercase(),
            &format!("{{FP{i}}}"),
        );
        // Random serials only: a small fixed one would also match digits
        // of other values, and stays as it is.
        let serial = cert.serial.to_string();
        if serial.len() >= 8 {
            text = text.replace(&serial, &format!("{{SERIAL_DEC{i}}}"));
            text = text.replace(
                &upper_hex(&cert.serial.to_bytes_be()).to_lowercase(),
                &format!("{{SERIAL{i}}}"),
            );
        }
    }
    text.lines()
        .map(|line| {
            if line.starts_with("probe_duration_seconds")
                || line.starts_with("starttls_cert_phase_duration_seconds")
            {
                match line.rsplit_once(' ') {
                    Some((series, _)) => format!("{series} {{T}}\n"),
                    None => format!("{line}\n"),
                }
            } else {
                format!("{line}\n")
            }
        })
        .collect()
}

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    assert_eq!(actual, expected, "differs from {}", path.display());
}

/// `promtool check metrics` on `text`, when promtool is installed.
fn promtool_accepts(text: &str) {
    let Ok(mut child) = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        eprintln!("SKIPPED promtool check metrics: promtool is not installed (CI runs it in tests/prometheus/check.sh)");
        return;
    };
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics refused:\n{}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_good_smtp_server_gives_the_golden_series() {
    let pki = TestPki::shared();
    let server =
        LoopbackServer::start(Personality::Postfix, CertKind::Good, KeyKind::EcdsaP256).unwrap();
    let r = check(
        server.addr().port(),
        "smtp",
        &["--name-validation", "cn-san"],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    promtool_accepts(&r.stdout);
    let chain: Vec<&[u8]> = pki
        .identity(CertKind::Good, KeyKind::EcdsaP256)
        .chain
        .iter()
        .map(|c| c.as_ref())
        .collect();
    golden("prometheus_good.prom", &normalise(&r.stdout, &chain));
}

#[test]
fn an_expired_untrusted_certificate_still_has_its_expiry_series() {
    let pki = TestPki::shared();
    let server =
        LoopbackServer::start(Personality::Postfix, CertKind::Expired, KeyKind::Rsa2048).unwrap();
    let r = check(server.addr().port(), "smtp", &[]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    promtool_accepts(&r.stdout);
    let chain: Vec<&[u8]> = pki
        .identity(CertKind::Expired, KeyKind::Rsa2048)
        .chain
        .iter()
        .map(|c| c.as_ref())
        .collect();
    golden("prometheus_expired.prom", &normalise(&r.stdout, &chain));
}

#[test]
fn a_refused_connection_is_probe_success_0_with_the_error_kind() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = check(port, "smtp", &[]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    promtool_accepts(&r.stdout);
    golden("prometheus_refused.prom", &normalise(&r.stdout, &[]));
}

#[test]
fn output_file_is_written_and_stdout_stays_empty() {
    let server =
        LoopbackServer::start(Personality::OpenLdap, CertKind::Good, KeyKind::EcdsaP384).unwrap();
    let path = work_dir().join("ldap.prom");
    let r = check(
        server.addr().port(),
        "ldap",
        &["--output", path.to_str().unwrap()],
    );
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, "");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\nprobe_success 1\n"), "{text}");
    assert!(
        text.contains("starttls_cert_key_length{algorithm="),
        "{text}"
    );
    promtool_accepts(&text);
    let leftovers: Vec<_> = std::fs::read_dir(work_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn an_unwritable_output_file_is_reported_as_unknown() {
    let path = work_dir().join("no/such/dir/out.prom");
    let r = check(1, "smtp", &["--output", path.to_str().unwrap()]);
    assert_eq!(r.code, 3);
    assert!(r.stdout.contains("could not write"), "{}", r.stdout);
    assert!(r.stdout.contains("\nprobe_success 0\n"), "{}", r.stdout);
}

#[test]
fn the_textfile_output_for_many_targets_passes_promtool() {
    use clap::Parser;
    use starttls_cert::output::prometheus::{render_many, Probed};
    let good =
        LoopbackServer::start(Personality::Postfix, CertKind::Good, KeyKind::EcdsaP256).unwrap();
    let expired =
        LoopbackServer::start(Personality::OpenLdap, CertKind::Expired, KeyKind::Rsa2048).unwrap();
    let root = work_dir().join("sim-root.pem");
    let request = |port: u16, protocol: &str| {
        let port = port.to_string();
        let cli = starttls_cert::args::Cli::parse_from([
            "starttls-cert",
            "127.0.0.1",
            &port,
            protocol,
            "--sni-domain",
            "mail.sim.test",
            "--ca-trust",
            root.to_str().unwrap(),
            "--no-system-ca-trust",
            "--at",
            AT,
        ]);
        starttls_cert::request::Request::from_cli(cli, || "test".into()).unwrap()
    };
    let requests = [
        request(good.addr().port(), "smtp"),
        request(expired.addr().port(), "ldap"),
        request(1, "smtp"),
    ];
    let results: Vec<_> = requests.iter().map(starttls_cert::run::run).collect();
    let probes: Vec<Probed<'_>> = requests
        .iter()
        .zip(&results)
        .map(|(request, result)| Probed {
            request,
            result,
            duration: std::time::Duration::from_millis(5),
        })
        .collect();
    let text = render_many(&probes);
    promtool_accepts(&text);
    let target = |r: &starttls_cert::request::Request| format!("127.0.0.1:{}", r.port);
    for (r, success) in requests.iter().zip(["1", "1", "0"]) {
        let series = format!(
            "probe_success{{target=\"{}\",protocol=\"{}\"}} {success}\n",
            target(r),
            r.protocol.keyword()
        );
        assert!(text.contains(&series), "{series} in\n{text}");
    }
    assert_eq!(text.matches("# TYPE probe_success ").count(), 1);
}
