//! `starttls-cert --targets`: one run over a list of simulated servers on
//! loopback, in each fleet format (golden output, with ports and timings
//! replaced by placeholders), a refused list, and a thousand targets with
//! mixed outcomes where every target gets exactly one result.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{refusing_port, root_pem, run_with_stdin, server, silent_server, AT, SIM_NAME};
use starttls_cert::args::Order;
use starttls_cert::fleet::{self, Fleet, FleetOptions};
use starttls_cert::run::Failure;
use starttls_io_mio::CheckError;
use starttls_sim::certs::CertKind;
use starttls_sim::loopback::LoopbackServer;
use starttls_sim::personality::Personality;

/// The options every line of these lists shares, as command-line defaults.
fn defaults() -> Vec<String> {
    vec![
        "--ca-trust".into(),
        root_pem().display().to_string(),
        "--no-system-ca-trust".into(),
        "--sni-domain".into(),
        SIM_NAME.into(),
        "--name-validation".into(),
        "cn-san".into(),
        "--at".into(),
        AT.into(),
        "--hello-name".into(),
        "probe.test".into(),
        "--timeout".into(),
        "5".into(),
    ]
}

/// A list, the placeholders for its ports, and the servers to keep alive.
type Lineup = (String, Vec<(u16, &'static str)>, Vec<LoopbackServer>);

/// Four servers: good, expired, STARTTLS refused, nothing listening; the
/// list and the placeholders for their ports.
fn lineup() -> Lineup {
    let good = server(Personality::Postfix, CertKind::Good);
    let expired = server(Personality::Exim, CertKind::Expired);
    let no_tls = server(Personality::TlsNotAvailable, CertKind::Good);
    let dead = refusing_port();
    let ports = vec![
        (good.addr().port(), "PORT1"),
        (expired.addr().port(), "PORT2"),
        (no_tls.addr().port(), "PORT3"),
        (dead.port(), "PORT4"),
    ];
    let list = format!(
        "# four servers\n127.0.0.1 {} smtp\n\n127.0.0.1 {} smtp --warning-days 40\n127.0.0.1 {}\n127.0.0.1 {} lmtp\n",
        ports[0].0, ports[1].0, ports[2].0, ports[3].0
    );
    (list, ports, vec![good, expired, no_tls])
}

/// Runs the lineup's list in `format`, with ports and milliseconds replaced.
fn golden_run(format: &str) -> (String, i32) {
    let (list, ports, _servers) = lineup();
    let mut args = vec!["--targets", "-", "--format", format];
    let defaults = defaults();
    args.extend(defaults.iter().map(String::as_str));
    let run = run_with_stdin(&args, &list);
    let mut text = run.stdout;
    for (port, name) in &ports {
        text = text.replace(&port.to_string(), name);
    }
    (normalise_timings(&text), run.code)
}

/// Every `12.3` milliseconds figure at a line's end (the table's ms column)
/// and every `"total":12.345`-style JSON timing becomes `MS`.
fn normalise_timings(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut line = line.to_owned();
        if let Some(cut) = line.rfind("  ") {
            let tail = line[cut..].trim();
            if tail.contains('.') && tail.parse::<f64>().is_ok() {
                line = format!("{}  MS", &line[..cut]);
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn text_format_is_the_table_with_findings_and_counts() {
    let (text, code) = golden_run("text");
    let expected = "\
host       proto                  port   status    days   chain  name      key                trusted  self-signed  TLS      ms
127.0.0.1  SMTP                   PORT1  OK        1826   1826   match     EC P-256 256 bits  yes      no           TLS 1.3  MS
127.0.0.1  SMTP                   PORT2  CRITICAL  -3287  -3287  match     EC P-256 256 bits  no       no           TLS 1.3  MS
127.0.0.1  SMTP                   PORT3  ERROR     -      -      -         -                  -        -            -        -
127.0.0.1  LMTP                   PORT4  ERROR     -      -      -         -                  -        -            -        -

What the checks found:
  127.0.0.1 port PORT2: certificate expired 3287 days ago
  127.0.0.1 port PORT3: SMTP server refused STARTTLS: 454 4.7.0 TLS not available due to local problem
  127.0.0.1 port PORT4: could not connect to 127.0.0.1 port PORT4: 127.0.0.1 refused the connection

4 servers checked: 1 CRITICAL, 2 UNKNOWN, 1 OK
";
    assert_eq!(text, expected, "\n{text}");
    assert_eq!(code, 2, "critical is the worst");
}

#[test]
fn nagios_format_leads_with_the_counts_then_one_line_a_target() {
    let (text, code) = golden_run("nagios");
    let expected = "\
STARTTLS-CERT CRITICAL - 1 CRITICAL, 2 UNKNOWN, 1 OK | targets=4 ok=1 warning=0 critical=1 unknown=2 min_days=-3287
OK 127.0.0.1 port PORT1 (SMTP): certificate valid until 2035-01-01T00:00:00Z (1826 days)
CRITICAL 127.0.0.1 port PORT2 (SMTP): certificate expired 3287 days ago
UNKNOWN 127.0.0.1 port PORT3 (SMTP): could not be checked: SMTP server refused STARTTLS: 454 4.7.0 TLS not available due to local problem
UNKNOWN 127.0.0.1 port PORT4 (LMTP): could not be checked: could not connect to 127.0.0.1 port PORT4: 127.0.0.1 refused the connection
";
    assert_eq!(text, expected, "\n{text}");
    assert_eq!(code, 2);
}

#[test]
fn json_format_is_one_single_check_document_a_line() {
    let (list, ports, _servers) = lineup();
    let mut args = vec![
        "--targets",
        "-",
        "--format",
        "json",
        "--order",
        "completion",
    ];
    let defaults = defaults();
    args.extend(defaults.iter().map(String::as_str));
    let run = run_with_stdin(&args, &list);
    assert_eq!(run.code, 2);
    let docs: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 4, "{}", run.stdout);
    let by_port: HashMap<u64, &serde_json::Value> = docs
        .iter()
        .map(|d| (d["target"]["port"].as_u64().unwrap(), d))
        .collect();
    let doc = |i: usize| by_port[&u64::from(ports[i].0)];
    assert_eq!(doc(0)["status"], "ok");
    assert_eq!(doc(0)["certificate"]["days_to_expiration"], 1826);
    assert!(doc(0)["chain"][0]["pem"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(doc(1)["status"], "critical");
    assert_eq!(
        doc(1)["findings"][0]["text"],
        "certificate expired 3287 days ago"
    );
    assert_eq!(doc(2)["error"]["kind"], "protocol");
    assert_eq!(doc(3)["error"]["kind"], "connect");
    assert_eq!(doc(3)["target"]["protocol"], "LMTP");
    // The same schema as a single check's --format json.
    let single = common::bin()
        .args(["127.0.0.1", &ports[0].0.to_string(), "--format", "json"])
        .args(defaults.iter())
        .output()
        .unwrap();
    let single: serde_json::Value = serde_json::from_slice(&single.stdout).unwrap();
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(doc(0)), keys(&single));
}

#[test]
fn a_list_with_bad_lines_is_refused_whole_naming_each() {
    let list = "127.0.0.1 25 gopher\n# fine\n127.0.0.1 --warning-days 10 --error-days 20\n127.0.0.1 --order input\n";
    let run = run_with_stdin(&["--targets", "-"], list);
    assert_eq!(run.code, 3);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "error: 3 bad lines in the target list, nothing was checked:"
    );
    assert!(
        lines[1].starts_with("  line 1: bad parameters: invalid value 'gopher'"),
        "{}",
        run.stdout
    );
    assert!(
        lines[2].starts_with(
            "  line 3: bad parameters: --error-days (20) must not be more than --warning-days (10)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        lines[3].starts_with("  line 4: --order applies to the whole run"),
        "{}",
        run.stdout
    );
    let run = run_with_stdin(&["--targets", "-", "--format", "prtg-v2"], "127.0.0.1\n");
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["status"], "error");
    assert!(v["message"]
        .as_str()
        .unwrap()
        .contains("PRTG sensors check one"));
    let run = run_with_stdin(&["--targets", "-", "127.0.0.1"], "");
    assert_eq!(run.code, 3, "HOST and --targets do not mix: {}", run.stdout);
}

/// What kind of server each target of the big list points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Good,
    Expired,
    Refused,
    Silent,
}

#[test]
fn a_thousand_mixed_targets_each_get_exactly_one_result() {
    let good = server(Personality::Postfix, CertKind::Good);
    let expired = server(Personality::Exim, CertKind::Expired);
    let refused = refusing_port();
    let silent = silent_server();
    let kinds = [Kind::Good, Kind::Expired, Kind::Refused, Kind::Silent];
    let mut list = String::from("# a thousand targets\n");
    let mut expected = Vec::new();
    for n in 0..1000 {
        let kind = kinds[n % 4];
        let port = match kind {
            Kind::Good => good.addr().port(),
            Kind::Expired => expired.addr().port(),
            Kind::Refused => refused.port(),
            Kind::Silent => silent.addr.port(),
        };
        // Silent servers are given up on after a second; the others have
        // all the time a loaded machine may need.
        let timeout = if kind == Kind::Silent { 1 } else { 60 };
        list.push_str(&format!("127.0.0.1 {port} smtp --timeout {timeout}\n"));
        expected.push(kind);
    }
    let defaults: Vec<std::ffi::OsString> = defaults().into_iter().map(Into::into).collect();
    let requests = fleet::targets::parse(&list, &defaults, "probe.test").unwrap();
    assert_eq!(requests.len(), 1000);
    let fleet = Fleet::new(requests, &[]).unwrap();
    let options = FleetOptions {
        concurrency: 256,
        order: Order::Completion,
        ..FleetOptions::default()
    };
    let mut seen = vec![0u32; 1000];
    fleet::run(&fleet, &options, |done| {
        seen[done.index] += 1;
        let kind = expected[done.index];
        // Within the target's own deadline (its --timeout), with a little
        // room for the loop to notice: a speed figure belongs in the
        // benchmark, and a loaded machine stretches the good checks.
        let deadline = done.request.timeout + Duration::from_secs(2);
        assert!(
            done.duration <= deadline,
            "{kind:?} within its deadline {deadline:?}: {:?}",
            done.duration
        );
        match (&done.result, kind) {
            (Ok(s), Kind::Good) => assert_eq!(s.cert.days_to_expiration, 1826),
            (Ok(s), Kind::Expired) => assert!(s.cert.days_to_expiration < 0),
            (Err(Failure::Check(e)), Kind::Refused) => {
                assert!(matches!(**e, CheckError::Connect { .. }), "{e}")
            }
            (Err(Failure::Check(e)), Kind::Silent) => {
                // Normally the greeting times out; on a machine so busy the
                // accept thread lags, the connect itself may run out first.
                assert!(
                    matches!(
                        **e,
                        CheckError::Probe { .. }
                            | CheckError::Timeout { .. }
                            | CheckError::Connect { .. }
                    ),
                    "{e}"
                )
            }
            (other, kind) => panic!("{kind:?}: {other:?}"),
        }
    });
    assert!(seen.iter().all(|&n| n == 1), "one result each");
}

/// `--format prometheus --output FILE`: the textfile collector's file,
/// written whole (nothing on stdout), every series labelled with its target
/// and protocol, one `probe_success` per target, and the exit code the
/// worst status as for every fleet format.
#[test]
fn prometheus_format_writes_the_textfile_with_a_target_label_on_every_series() {
    let (list, ports, _servers) = lineup();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("starttls-fleet-prom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("starttls.prom");
    let file_arg = file.display().to_string();
    let mut args = vec![
        "--targets",
        "-",
        "--format",
        "prometheus",
        "--output",
        &file_arg,
    ];
    let defaults = defaults();
    args.extend(defaults.iter().map(String::as_str));
    let run = run_with_stdin(&args, &list);
    assert_eq!(run.stdout, "", "results go to the file");
    assert_eq!(run.code, 2, "an expired certificate is critical");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let success: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("probe_success{"))
        .collect();
    assert_eq!(success.len(), 4, "{text}");
    for (port, _) in &ports {
        let target = format!("target=\"127.0.0.1:{port}\"");
        assert!(
            success.iter().any(|l| l.contains(&target)),
            "{target} in {text}"
        );
    }
    let good = format!("target=\"127.0.0.1:{}\"", ports[0].0);
    assert!(
        text.lines().any(|l| l.starts_with("starttls_cert_trusted{")
            && l.contains(&good)
            && l.ends_with(" 1")),
        "{text}"
    );
    assert!(text.lines().any(|l| l.starts_with("starttls_cert_status{")
        && l.contains("protocol=\"lmtp\"")
        && l.ends_with(" 3")));
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        assert!(
            line.contains("target=\""),
            "every series has a target: {line}"
        );
    }
}
