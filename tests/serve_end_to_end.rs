//! `starttls-cert serve` as Prometheus uses it: the binary on a loopback
//! port, probes of simulated servers over HTTP, the allow list, the cap on
//! concurrent probes and `/metrics`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use starttls_sim::certs::{CertKind, KeyKind, TestPki};
use starttls_sim::loopback::LoopbackServer;
use starttls_sim::personality::Personality;

struct Exporter {
    child: Child,
    addr: String,
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dir(name: &str) -> PathBuf {
    let d = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("starttls-serve-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Starts the exporter on a free loopback port with `modules` and `extra`
/// options; waits for its "listening" line.
fn start(name: &str, modules: &str, extra: &[&str]) -> Exporter {
    let d = dir(name);
    std::fs::write(d.join("sim-root.pem"), TestPki::shared().root_pem()).unwrap();
    let modules = modules.replace("ROOT", d.join("sim-root.pem").to_str().unwrap());
    std::fs::write(d.join("modules.conf"), modules).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_starttls-cert"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(d.join("modules.conf"))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Only the first line is read and the pipe is then closed on purpose:
    // an exporter whose stderr went away must keep serving (a later
    // `eprintln!` to the closed pipe used to panic and answer 500).
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    Exporter { child, addr }
}

/// GETs `path` with `headers`; the status code and body.
fn get(exporter: &Exporter, path: &str, headers: &[&str]) -> (u16, String) {
    let mut s = TcpStream::connect(&exporter.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, body.to_owned())
}

fn value(body: &str, series: &str) -> Option<String> {
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ').map(str::to_owned))
}

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
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool refused:\n{}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

const MODULES: &str = "# test modules\n\
sim: smtp --sni-domain mail.sim.test --name-validation cn-san --ca-trust ROOT --no-system-ca-trust --timeout 10\n\
sim_ldap: ldap --sni-domain mail.sim.test --ca-trust ROOT --no-system-ca-trust\n";

#[test]
fn a_probe_gives_the_servers_series_and_metrics_counts_it() {
    let smtp =
        LoopbackServer::start(Personality::Postfix, CertKind::Good, KeyKind::EcdsaP256).unwrap();
    let ldap =
        LoopbackServer::start(Personality::OpenLdap, CertKind::Expired, KeyKind::Rsa2048).unwrap();
    let e = start("probe", MODULES, &[]);

    let (status, body) = get(
        &e,
        &format!("/probe?target=127.0.0.1:{}&module=sim", smtp.addr().port()),
        &[],
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        value(&body, "probe_success").as_deref(),
        Some("1"),
        "{body}"
    );
    assert_eq!(
        value(&body, "starttls_cert_trusted").as_deref(),
        Some("1"),
        "{body}"
    );
    assert_eq!(
        value(&body, "starttls_cert_name_match").as_deref(),
        Some("1"),
        "{body}"
    );
    assert_eq!(
        value(&body, "probe_ssl_last_chain_expiry_timestamp_seconds").as_deref(),
        Some("2051222400"),
        "{body}"
    );
    promtool_accepts(&body);

    // Expired and so untrusted: the expiry series are still there.
    let (status, body) = get(
        &e,
        &format!(
            "/probe?module=sim_ldap&target=127.0.0.1%3A{}",
            ldap.addr().port()
        ),
        &[],
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        value(&body, "probe_success").as_deref(),
        Some("1"),
        "{body}"
    );
    assert_eq!(
        value(&body, "starttls_cert_trusted").as_deref(),
        Some("0"),
        "{body}"
    );
    assert_eq!(
        value(&body, "probe_ssl_earliest_cert_expiry").as_deref(),
        Some("1609459200"),
        "{body}"
    );
    assert_eq!(
        value(&body, "starttls_cert_status").as_deref(),
        Some("2"),
        "{body}"
    );

    // Nothing listens on a port just freed: probe_success 0, still 200.
    let free = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (status, body) = get(
        &e,
        &format!("/probe?target=127.0.0.1:{free}&module=sim"),
        &[],
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        value(&body, "probe_success").as_deref(),
        Some("0"),
        "{body}"
    );
    assert!(
        body.contains("starttls_cert_error_info{kind=\"connect\""),
        "{body}"
    );

    let (status, _) = get(&e, "/probe?target=127.0.0.1:25&module=nope", &[]);
    assert_eq!(status, 400);
    let (status, _) = get(&e, "/probe?module=sim", &[]);
    assert_eq!(status, 400);
    let (status, _) = get(&e, "/probe?target=--ca-trust=/etc/shadow&module=sim", &[]);
    assert_eq!(status, 400);
    let (status, _) = get(&e, &format!("/probe?target={}", "a".repeat(5000)), &[]);
    assert_eq!(status, 414);
    let (status, _) = get(&e, "/nothing", &[]);
    assert_eq!(status, 404);

    let (status, metrics) = get(&e, "/metrics", &[]);
    assert_eq!(status, 200);
    assert!(
        metrics.contains("starttls_cert_exporter_probes_total{result=\"success\"} 2\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("starttls_cert_exporter_probes_total{result=\"failure\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("starttls_cert_exporter_refused_total{reason=\"bad_request\"} 5\n"),
        "{metrics}"
    );
    promtool_accepts(&metrics);
}

#[test]
fn targets_off_the_allow_list_are_refused() {
    let smtp =
        LoopbackServer::start(Personality::Postfix, CertKind::Good, KeyKind::EcdsaP256).unwrap();
    let d = dir("allow");
    let allow = d.join("allow.txt");
    std::fs::write(&allow, format!("127.0.0.1:{}\n", smtp.addr().port())).unwrap();
    let e = start(
        "allow",
        MODULES,
        &["--allow-targets", allow.to_str().unwrap()],
    );
    let (status, _) = get(
        &e,
        &format!("/probe?target=127.0.0.1:{}&module=sim", smtp.addr().port()),
        &[],
    );
    assert_eq!(status, 200);
    let (status, body) = get(&e, "/probe?target=127.0.0.1:22&module=sim", &[]);
    assert_eq!(status, 403, "{body}");
    let (_, metrics) = get(&e, "/metrics", &[]);
    assert!(
        metrics.contains("starttls_cert_exporter_refused_total{reason=\"target_not_allowed\"} 1\n"),
        "{metrics}"
    );
}

#[test]
fn probes_over_the_cap_get_503_and_the_scrape_timeout_bounds_a_probe() {
    // Accepts and never speaks: a probe waits for its time limit.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let e = start("cap", MODULES, &["--max-concurrent", "1"]);
    let addr = e.addr.clone();
    let slow = std::thread::spawn(move || {
        let e = Exporter {
            child: Command::new("true").spawn().unwrap(),
            addr,
        };
        get(
            &e,
            &format!("/probe?target=127.0.0.1:{port}&module=sim"),
            &["X-Prometheus-Scrape-Timeout-Seconds: 2"],
        )
    });
    // Wait until the slow probe holds the only slot.
    let mut held = false;
    for _ in 0..200 {
        let (_, m) = get(&e, "/metrics", &[]);
        if m.contains("starttls_cert_exporter_probes_in_flight 1\n") {
            held = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(held, "the slow probe never started");
    let (status, _) = get(
        &e,
        &format!("/probe?target=127.0.0.1:{port}&module=sim"),
        &[],
    );
    assert_eq!(status, 503);
    let (status, body) = slow.join().unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        value(&body, "probe_success").as_deref(),
        Some("0"),
        "{body}"
    );
    assert!(body.contains("kind=\"timeout\""), "{body}");
    // 2 s less the half-second offset.
    let took: f64 = value(&body, "probe_duration_seconds")
        .unwrap()
        .parse()
        .unwrap();
    assert!((1.4..1.9).contains(&took), "{took}");
    drop(silent);
}

/// `text` with what changes from run to run replaced: each chain's
/// fingerprints and random serials (`{G0}`..., one letter per chain),
/// ports (`{SMTP}`, ...), and durations and timestamps (`{T}`).
fn normalise(text: &str, chains: &[(&str, Vec<&[u8]>)], ports: &[(&str, u16)]) -> String {
    let hex = |bytes: &[u8]| -> String { bytes.iter().map(|b| format!("{b:02x}")).collect() };
    let mut text = text.to_owned();
    for (tag, chain) in chains {
        for (i, der) in chain.iter().enumerate() {
            let (_, cert) = x509_parser::parse_x509_certificate(der).unwrap();
            let fp = ring::digest::digest(&ring::digest::SHA256, der);
            text = text.replace(&hex(fp.as_ref()), &format!("{{{tag}{i}}}"));
            let serial = cert.serial.to_string();
            if serial.len() >= 8 {
                text = text.replace(&serial, &format!("{{{tag}{i}_SERIAL_DEC}}"));
                text = text.replace(
                    &hex(&cert.serial.to_bytes_be()),
                    &format!("{{{tag}{i}_SERIAL}}"),
                );
            }
        }
    }
    for (name, port) in ports {
        text = text.replace(
            &format!("127.0.0.1:{port}\""),
            &format!("127.0.0.1:{{{name}}}\""),
        );
    }
    let timed = [
        "probe_duration_seconds",
        "starttls_cert_phase_duration_seconds",
        "starttls_cert_last_run_timestamp_seconds",
        "starttls_cert_last_run_duration_seconds",
    ];
    text.lines()
        .map(|line| match line.rsplit_once(' ') {
            Some((series, _)) if timed.iter().any(|t| line.starts_with(t)) => {
                format!("{series} {{T}}\n")
            }
            _ => format!("{line}\n"),
        })
        .collect()
}

#[test]
fn a_target_list_is_checked_on_its_own_and_served_on_metrics() {
    let pki = TestPki::shared();
    let smtp =
        LoopbackServer::start(Personality::Postfix, CertKind::Good, KeyKind::EcdsaP256).unwrap();
    let ldap =
        LoopbackServer::start(Personality::OpenLdap, CertKind::Expired, KeyKind::Rsa2048).unwrap();
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let d = dir("list");
    let root = d.join("sim-root.pem");
    std::fs::write(&root, pki.root_pem()).unwrap();
    let common = format!(
        "--sni-domain mail.sim.test --ca-trust {} --no-system-ca-trust --at 2030-01-01T00:00:00Z --timeout 10",
        root.display()
    );
    let list = format!(
        "# the list, in the --targets syntax\n\
         127.0.0.1 {} smtp --name-validation cn-san {common}\n\
         127.0.0.1 {} ldap {common}\n\
         127.0.0.1 {closed} smtp {common}\n",
        smtp.addr().port(),
        ldap.addr().port(),
    );
    std::fs::write(d.join("targets.txt"), list).unwrap();
    let targets = d.join("targets.txt");
    let e = start(
        "list",
        MODULES,
        &["--targets", targets.to_str().unwrap(), "--interval", "1h"],
    );
    // The first run starts at once; /metrics has its series once it ends.
    let mut body = String::new();
    for _ in 0..300 {
        let (status, b) = get(&e, "/metrics", &[]);
        assert_eq!(status, 200, "{b}");
        body = b;
        if body.contains("starttls_cert_last_run_timestamp_seconds ") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    promtool_accepts(&body);
    let chain = |cert, key| -> Vec<&[u8]> {
        pki.identity(cert, key)
            .chain
            .iter()
            .map(|c| c.as_ref())
            .collect()
    };
    let normalised = normalise(
        &body,
        &[
            ("G", chain(CertKind::Good, KeyKind::EcdsaP256)),
            ("E", chain(CertKind::Expired, KeyKind::Rsa2048)),
        ],
        &[
            ("SMTP", smtp.addr().port()),
            ("LDAP", ldap.addr().port()),
            ("CLOSED", closed),
        ],
    );
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/serve_targets.prom");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &normalised).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    assert_eq!(normalised, expected, "differs from {}", path.display());
}

#[test]
fn a_bad_target_list_stops_the_exporter_at_start() {
    let d = dir("badlist");
    std::fs::write(
        d.join("targets.txt"),
        "mx1.example.com 25 smtp --nonsense\n",
    )
    .unwrap();
    std::fs::write(d.join("modules.conf"), "smtp: smtp\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_starttls-cert"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(d.join("modules.conf"))
        .arg("--targets")
        .arg(d.join("targets.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("targets.txt: bad target list") && err.contains("line 1"),
        "{err}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_starttls-cert"))
        .args(["serve", "--interval", "5m"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "--interval needs --targets");
}

#[test]
fn probes_pipelined_on_one_connection_are_all_answered_in_order() {
    // A pool worker must never wait for an answer queued behind it: a
    // client pipelines a slow probe, more quick probes than there are
    // workers, and /metrics; every answer comes back, in order, and other
    // clients are served meanwhile.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let slow_port = silent.local_addr().unwrap().port();
    let smtp =
        LoopbackServer::start(Personality::Postfix, CertKind::Good, KeyKind::EcdsaP256).unwrap();
    let e = start("pipelined", MODULES, &[]);
    let mut s = TcpStream::connect(&e.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut paths = vec![format!("/probe?target=127.0.0.1:{slow_port}&module=sim")];
    for _ in 0..20 {
        paths.push(format!(
            "/probe?target=127.0.0.1:{}&module=sim",
            smtp.addr().port()
        ));
    }
    paths.push("/metrics".into());
    let mut requests = String::new();
    for (i, path) in paths.iter().enumerate() {
        let connection = if i + 1 == paths.len() {
            "close"
        } else {
            "keep-alive"
        };
        requests.push_str(&format!(
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: {connection}\r\n\
             X-Prometheus-Scrape-Timeout-Seconds: 1.5\r\n\r\n"
        ));
    }
    s.write_all(requests.as_bytes()).unwrap();
    // Another client is answered while the slow probe holds the first
    // answer of the pipelined connection back.
    let (status, _) = get(&e, "/metrics", &[]);
    assert_eq!(status, 200);
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let answers: Vec<&str> = out.split("HTTP/1.1 ").skip(1).collect();
    assert_eq!(answers.len(), paths.len(), "{out}");
    assert!(answers.iter().all(|a| a.starts_with("200 ")), "{out}");
    assert!(answers[0].contains("\nprobe_success 0"), "{}", answers[0]);
    for answer in &answers[1..paths.len() - 1] {
        assert!(answer.contains("\nprobe_success 1"), "{answer}");
    }
    assert!(
        answers[paths.len() - 1].contains("starttls_cert_exporter_probes_total"),
        "{}",
        answers[paths.len() - 1]
    );
    drop(silent);
}
