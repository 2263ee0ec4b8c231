//! PRTG, Script v2 and Nagios alarm at the level the check decided, for the
//! chains that used to look green in PRTG (an intermediate about to expire,
//! an expired intermediate, a leaf not valid yet) and the one that must stay
//! green (an expired cross-signed root beside a valid path); and no
//! server-controlled text reaches any format raw.
//!
//! The binary runs against simulated servers on loopback with validity
//! judged at a pinned time (`--at`), so every value is exact.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};

use common::root_pem;
use serde_json::Value;
use starttls_sim::certs::{
    CertKind, KeyKind, EXPIRED_INTERMEDIATE_CN, EXPIRING_INTERMEDIATE_CN, FUTURE_INTERMEDIATE_CN,
};
use starttls_sim::loopback::LoopbackServer;
use starttls_sim::personality::Personality;

const AT: &str = "2030-01-01T00:00:00Z";
/// 2030-01-01 to the simulator's "good" notAfter, 2035-01-01.
const GOOD_DAYS: i64 = 1826;
/// The expiring intermediate's notAfter is 2030-01-10.
const INTERMEDIATE_DAYS: i64 = 9;
/// The expired intermediate's notAfter, 2024-06-01, was 2040 days before.
const EXPIRED_INTERMEDIATE_DAYS: i64 = -2040;
/// The not-yet-valid leaf is valid 2040-01-01 to 2041-01-01.
const NOT_YET_VALID_DAYS: i64 = 4018;

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

fn check_port(port: u16, extra: &[&str]) -> Run {
    check_proto(port, "smtp", extra)
}

fn check_proto(port: u16, protocol: &str, extra: &[&str]) -> Run {
    let port = port.to_string();
    let mut args = vec![
        "127.0.0.1",
        &port,
        protocol,
        "--sni-domain",
        "mail.sim.test",
        "--ca-trust",
        root_pem().to_str().unwrap(),
        "--no-system-ca-trust",
        "--at",
        AT,
        "--timeout",
        "10",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn check(server: &LoopbackServer, extra: &[&str]) -> Run {
    check_port(server.addr().port(), extra)
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout))
}

fn channel<'a>(prtg: &'a Value, name: &str) -> &'a Value {
    prtg["prtg"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == name)
        .unwrap_or_else(|| panic!("no channel {name}: {prtg}"))
}

fn v2_value(v: &Value, id: i64) -> i64 {
    v["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no channel {id}: {v}"))["value"]
        .as_i64()
        .unwrap()
}

/// What PRTG itself makes of an EXE/Script Advanced result: each channel's
/// state from its limits (LimitMode 1) and the lookups PRTG ships, the
/// sensor's state the worst of them.
fn prtg_state(v: &Value) -> &'static str {
    let mut worst = 0;
    for c in v["prtg"]["result"].as_array().unwrap() {
        let value = c["value"].as_i64().unwrap();
        let limit = |k: &str| c.get(k).and_then(Value::as_i64);
        let mut state = 0;
        if c["LimitMode"] == 1 {
            if limit("LimitMinWarning").is_some_and(|l| value < l)
                || limit("LimitMaxWarning").is_some_and(|l| value > l)
            {
                state = 1;
            }
            if limit("LimitMinError").is_some_and(|l| value < l)
                || limit("LimitMaxError").is_some_and(|l| value > l)
            {
                state = 2;
            }
        }
        match (c["ValueLookup"].as_str().unwrap_or(""), value) {
            (l, 1) if l.ends_with(".trustedroot") => state = state.max(1),
            (l, 1 | 6) if l.ends_with(".cncheck") => state = 2,
            _ => {}
        }
        worst = worst.max(state);
    }
    ["Up", "Warning", "Down"][worst]
}

/// One chain, checked in prtg, prtg-v2 and nagios.
struct Expect {
    cert: CertKind,
    days: i64,
    chain_days: i64,
    trusted: i64,
    critical: i64,
    warning: i64,
    /// What the messages lead with (after the state word).
    lead: String,
    prtg_state: &'static str,
    v2_status: &'static str,
    nagios_word: &'static str,
    nagios_code: i32,
}

fn verify(e: &Expect) {
    let server = LoopbackServer::start(Personality::Postfix, e.cert, KeyKind::EcdsaP256).unwrap();
    let what = format!("{:?}", e.cert);

    let r = check(&server, &[]);
    assert_eq!(r.code, 0, "{what}");
    let v = json(&r);
    assert_eq!(channel(&v, "Days to Expiration")["value"], e.days, "{what}");
    let chain = channel(&v, "Chain Days to Expiration");
    assert_eq!(chain["value"], e.chain_days, "{what}");
    assert_eq!(chain["LimitMode"], 1);
    assert_eq!(chain["LimitMinWarning"], 35);
    assert_eq!(chain["LimitMinError"], 17);
    assert_eq!(
        channel(&v, "Root Authority Trusted")["value"],
        e.trusted,
        "{what}"
    );
    let critical = channel(&v, "Critical Findings");
    assert_eq!(critical["value"], e.critical, "{what}");
    assert_eq!(critical["LimitMode"], 1);
    assert_eq!(critical["LimitMaxError"], 0);
    assert!(critical["LimitErrorMsg"]
        .as_str()
        .unwrap()
        .contains("read the sensor message"));
    let warning = channel(&v, "Warning Findings");
    assert_eq!(warning["value"], e.warning, "{what}");
    assert_eq!(warning["LimitMode"], 1);
    assert_eq!(warning["LimitMaxWarning"], 0);
    assert!(warning["LimitWarningMsg"]
        .as_str()
        .unwrap()
        .contains("read the sensor message"));
    assert_eq!(prtg_state(&v), e.prtg_state, "{what}: {v}");
    let text = v["prtg"]["text"].as_str().unwrap();
    assert!(text.starts_with(&e.lead), "{what}: {text}");
    assert!(!text.contains("in -"), "{what}: {text}");

    let r = check(&server, &["--format", "prtg-v2"]);
    assert_eq!(r.code, 0, "{what}");
    let v = json(&r);
    assert_eq!(v["status"], e.v2_status, "{what}");
    assert_eq!(v2_value(&v, 12), e.days, "{what}");
    assert_eq!(v2_value(&v, 13), e.trusted, "{what}");
    assert_eq!(v2_value(&v, 20), e.chain_days, "{what}");
    assert_eq!(v2_value(&v, 21), e.critical, "{what}");
    assert_eq!(v2_value(&v, 22), e.warning, "{what}");
    assert!(
        v["message"].as_str().unwrap().starts_with(&e.lead),
        "{what}: {v}"
    );

    let r = check(&server, &["--format", "nagios"]);
    assert_eq!(r.code, e.nagios_code, "{what}: {}", r.stdout);
    let first = r.stdout.lines().next().unwrap();
    let head = format!("STARTTLS-CERT {} - ", e.nagios_word);
    assert!(first.starts_with(&head), "{what}: {first}");
    let perf = format!(
        "| days={};35;17 chain_days={};35;17 key_bits=256 trusted={} self_signed=0 critical_findings={};;0 warning_findings={};0; time=",
        e.days,
        e.chain_days,
        1 - e.trusted,
        e.critical,
        e.warning
    );
    assert!(first.contains(&perf), "{what}: {first}");
    assert_eq!(
        r.stdout.lines().count() as i64,
        (e.critical + e.warning).max(1),
        "{what}: one line per finding: {}",
        r.stdout
    );
}

#[test]
fn an_intermediate_expiring_before_error_days_puts_the_sensor_down() {
    let lead = format!(
        "Critical: intermediate '{EXPIRING_INTERMEDIATE_CN}' expires in {INTERMEDIATE_DAYS} days - "
    );
    verify(&Expect {
        cert: CertKind::IntermediateExpiring,
        days: GOOD_DAYS,
        chain_days: INTERMEDIATE_DAYS,
        trusted: 0,
        critical: 1,
        warning: 0,
        lead,
        prtg_state: "Down",
        v2_status: "error",
        nagios_word: "CRITICAL",
        nagios_code: 2,
    });
}

#[test]
fn an_expired_intermediate_puts_the_sensor_down() {
    let lead = format!(
        "Critical: intermediate '{EXPIRED_INTERMEDIATE_CN}' expired {} days ago - ",
        -EXPIRED_INTERMEDIATE_DAYS
    );
    verify(&Expect {
        cert: CertKind::ExpiredIntermediate,
        days: GOOD_DAYS,
        chain_days: EXPIRED_INTERMEDIATE_DAYS,
        trusted: 1,
        critical: 1,
        warning: 1,
        lead,
        prtg_state: "Down",
        v2_status: "error",
        nagios_word: "CRITICAL",
        nagios_code: 2,
    });
}

#[test]
fn a_leaf_not_yet_valid_puts_the_sensor_down() {
    verify(&Expect {
        cert: CertKind::NotYetValid,
        days: NOT_YET_VALID_DAYS,
        chain_days: NOT_YET_VALID_DAYS,
        trusted: 1,
        critical: 1,
        warning: 1,
        lead: "Critical: certificate not valid until 2040-01-01 - ".into(),
        prtg_state: "Down",
        v2_status: "error",
        nagios_word: "CRITICAL",
        nagios_code: 2,
    });
}

#[test]
fn an_intermediate_not_yet_valid_puts_the_sensor_down() {
    verify(&Expect {
        cert: CertKind::IntermediateNotYetValid,
        days: GOOD_DAYS,
        chain_days: GOOD_DAYS,
        trusted: 1,
        critical: 1,
        warning: 1,
        lead: format!(
            "Critical: intermediate '{FUTURE_INTERMEDIATE_CN}' not valid until 2031-01-01 - "
        ),
        prtg_state: "Down",
        v2_status: "error",
        nagios_word: "CRITICAL",
        nagios_code: 2,
    });
}

#[test]
fn an_expired_cross_signed_root_beside_a_valid_path_stays_ok() {
    verify(&Expect {
        cert: CertKind::CrossSignedExpiredRoot,
        days: GOOD_DAYS,
        chain_days: GOOD_DAYS,
        trusted: 0,
        critical: 0,
        warning: 0,
        lead: "OK. Certificate Common Name: mail.sim.test - ".into(),
        prtg_state: "Up",
        v2_status: "ok",
        nagios_word: "OK",
        nagios_code: 0,
    });
}

#[test]
fn one_certificate_is_one_certificate() {
    let server = LoopbackServer::start(
        Personality::Postfix,
        CertKind::SelfSigned,
        KeyKind::EcdsaP256,
    )
    .unwrap();
    let r = check(&server, &["--format", "text"]);
    assert!(
        r.stdout.contains("  chain        1 certificate sent\n"),
        "{}",
        r.stdout
    );
    let server =
        LoopbackServer::start(Personality::Postfix, CertKind::Good, KeyKind::EcdsaP256).unwrap();
    let r = check(&server, &["--format", "text"]);
    assert!(
        r.stdout.contains("  chain        2 certificates sent\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn classic_channels_are_the_five_of_the_old_sensor() {
    let server = LoopbackServer::start(
        Personality::Postfix,
        CertKind::IntermediateExpiring,
        KeyKind::EcdsaP256,
    )
    .unwrap();
    let v = json(&check(&server, &["--prtg-channels", "classic"]));
    let names: Vec<&str> = v["prtg"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["channel"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Days to Expiration",
            "Common Name Check",
            "Public Key Length",
            "Root Authority Trusted",
            "Self-Signed"
        ]
    );
    let v = json(&check(
        &server,
        &["--format", "prtg-v2", "--prtg-channels", "CLASSIC"],
    ));
    let ids: Vec<i64> = v["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [12, 13, 15, 16, 17]);
    assert_eq!(v["status"], "error", "the status is still the verdict");
}

/// Characters no output may carry raw (line breaks aside, which the
/// formats themselves use between lines).
fn raw_unsafe(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
        })
        .collect()
}

#[test]
fn hostile_certificate_text_reaches_no_format_raw() {
    let server =
        LoopbackServer::start(Personality::Postfix, CertKind::Hostile, KeyKind::EcdsaP256).unwrap();
    for format in ["prtg", "prtg-v2", "json", "text", "nagios"] {
        let r = check(
            &server,
            &["--format", format, "--name-validation", "cn-san"],
        );
        assert!(raw_unsafe(&r.stdout).is_empty(), "{format}: {:?}", r.stdout);
        // JSON doubles the backslash of the visible escape.
        let shown = r.stdout.replace("\\\\", "\\");
        assert!(
            shown.contains("\\x1b[31m\\x07\\x00\\u{202e}gpj.exe"),
            "{format}: {}",
            r.stdout
        );
        if format.starts_with("prtg") || format == "json" {
            json(&r);
        }
    }
    // OK: the first line names the certificate's CN.
    let r = check(
        &server,
        &["--format", "nagios", "--name-validation", "cn-san"],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0].matches('|').count(), 1, "{}", lines[0]);
    assert!(lines[0].contains("gpj.exe¦bad=1"), "{}", lines[0]);
    assert!(
        lines.iter().skip(1).all(|l| !l.contains('|')),
        "{}",
        r.stdout
    );

    let r = check(
        &server,
        &["--format", "text", "--name-validation", "cn-san"],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("Evil\\x1b]0;pwned\\x07 Corp\\x0d\\x0aCRITICAL"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("x|y\\x1b[2J\\x07\\x00.sim.test"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.lines().any(|l| l.starts_with("CRITICAL")),
        "{}",
        r.stdout
    );

    let v = json(&check(&server, &["--format", "json"]));
    let pem = v["chain"][0]["pem"].as_str().unwrap();
    assert!(
        pem.starts_with("-----BEGIN CERTIFICATE-----\n"),
        "PEM keeps its lines"
    );
    assert_eq!(
        v["certificate"]["leaf"]["common_names"][0],
        "mail.sim.test\\x1b[31m\\x07\\x00\\u{202e}gpj.exe|bad=1"
    );
}

/// An SMTP server whose greeting and STARTTLS refusal carry escapes, BEL,
/// a bidi override, `|` and fake perfdata; it serves every connection.
fn hostile_reply_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Ok(read_half) = stream.try_clone() else {
                continue;
            };
            let mut reader = BufReader::new(read_half);
            let mut line = String::new();
            let mut say = |text: &str| stream.write_all(text.as_bytes()).is_ok();
            if !say("220 mail.sim.test ESMTP \u{1b}[2J\u{7}|days=999 \u{202e}\r\n") {
                continue;
            }
            if reader.read_line(&mut line).unwrap_or(0) == 0
                || !say("250-mail.sim.test\r\n250 STARTTLS\r\n")
            {
                continue;
            }
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0
                || !say("454 4.7.0 TLS \u{1b}]0;owned\u{7}not available | days=999;1;1 \u{202e}fdp.exe\r\n")
            {
                continue;
            }
            // Wait for QUIT or the close, then answer and close.
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) > 0 {
                let _ = say("221 2.0.0 Bye\r\n");
            }
        }
    });
    port
}

#[test]
fn hostile_server_replies_reach_no_format_raw() {
    let port = hostile_reply_server();
    for format in ["prtg", "prtg-v2", "json", "text", "nagios"] {
        let r = check_port(port, &["--format", format]);
        assert!(raw_unsafe(&r.stdout).is_empty(), "{format}: {:?}", r.stdout);
        let shown = r.stdout.replace("\\\\", "\\");
        assert!(shown.contains("454 4.7.0"), "{format}: {}", r.stdout);
        // The engine quotes protocol text with `?` for control and bidi
        // characters; the formats add nothing raw on top.
        assert!(shown.contains("?fdp.exe"), "{format}: {}", r.stdout);
    }
    let r = check_port(port, &["--format", "nagios"]);
    assert_eq!(r.code, 3);
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(
        !r.stdout.contains('|'),
        "no perfdata from the server: {}",
        r.stdout
    );
}

/// An LDAP server refusing StartTLS (unavailable, 52) with a diagnostic
/// message that carries escapes, BEL, NUL, a bidi override and `|`.
fn hostile_ldap_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let answer = starttls_sim::ldap_dialogue::ExtendedResponse {
        message_id: 1,
        result_code: 52,
        diagnostic: "no TLS \u{1b}[2J\u{7}\u{0}|days=999 \u{202e}fdp.exe\r\nCRITICAL",
        name: None,
        form: starttls_sim::ber::LengthForm::Shortest,
    }
    .encode();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            // The StartTLS request is 31 bytes.
            let mut request = [0u8; 31];
            if stream.read_exact(&mut request).is_err() || stream.write_all(&answer).is_err() {
                continue;
            }
            // Read the unbind (or the close), then close.
            let mut rest = [0u8; 64];
            let _ = stream.read(&mut rest);
        }
    });
    port
}

#[test]
fn hostile_ldap_diagnostics_reach_no_format_raw() {
    let port = hostile_ldap_server();
    for format in ["prtg", "prtg-v2", "json", "text", "nagios"] {
        let r = check_proto(port, "ldap", &["--format", format]);
        assert!(raw_unsafe(&r.stdout).is_empty(), "{format}: {:?}", r.stdout);
        let shown = r.stdout.replace("\\\\", "\\");
        assert!(shown.contains("unavailable (52)"), "{format}: {}", r.stdout);
        // The engine quotes protocol text with `?` for control and bidi
        // characters; the formats add nothing raw on top.
        assert!(shown.contains("?fdp.exe"), "{format}: {}", r.stdout);
        assert!(
            !r.stdout.lines().any(|l| l.starts_with("CRITICAL")),
            "{format}: {}",
            r.stdout
        );
    }
    let r = check_proto(port, "ldap", &["--format", "nagios"]);
    assert_eq!(r.code, 3);
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(
        !r.stdout.contains('|'),
        "no perfdata from the server: {}",
        r.stdout
    );
}
