//! The `starttls-cert` binary against simulated servers on loopback: every
//! protocol, every output format, every argument style, the error paths.
//! Validity is judged at a pinned time (`--at`), so values are exact.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::root_pem;
use serde_json::Value;
use starttls_sim::certs::{CertKind, KeyKind, TestPki};
use starttls_sim::loopback::LoopbackServer;
use starttls_sim::personality::Personality;

const AT: &str = "2030-01-01T00:00:00Z";
/// 2030-01-01 to 2035-01-01 (the simulator's "good" notAfter), 2032 a leap year.
const GOOD_DAYS: i64 = 1826;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_starttls-cert"))
}

fn sha1_upper_hex(der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, der);
    digest.as_ref().iter().map(|b| format!("{b:02X}")).collect()
}

struct Run {
    stdout: String,
    code: i32,
}

fn run(args: &[&str]) -> Run {
    let out = bin().args(args).stdin(Stdio::null()).output().unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn run_stdin(line: &str) -> Run {
    let mut child = bin()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(line.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout))
}

/// Checks `server` with the usual options plus `extra`.
fn check(server: &LoopbackServer, protocol: &str, extra: &[&str]) -> Run {
    let port = server.addr().port().to_string();
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

fn channel<'a>(prtg: &'a Value, name: &str) -> &'a Value {
    prtg["prtg"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == name)
        .unwrap_or_else(|| panic!("no channel {name}"))
}

#[test]
fn prtg_output_for_each_protocol_has_the_five_channels_in_order() {
    let pki = TestPki::shared();
    for (personality, protocol, key, bits, lookup) in [
        (
            Personality::Postfix,
            "smtp",
            KeyKind::EcdsaP256,
            256,
            "publickeyecc",
        ),
        (
            Personality::DovecotLmtp,
            "lmtp",
            KeyKind::Rsa2048,
            2048,
            "publickey",
        ),
        (
            Personality::OpenLdap,
            "ldap",
            KeyKind::EcdsaP384,
            384,
            "publickeyecc",
        ),
        (
            Personality::ActiveDirectory,
            "LDAP",
            KeyKind::Rsa2048,
            2048,
            "publickey",
        ),
    ] {
        let server = LoopbackServer::start(personality, CertKind::Good, key).unwrap();
        let r = check(&server, protocol, &["--name-validation", "cn-san"]);
        assert_eq!(r.code, 0);
        let v = json(&r);
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
                "Self-Signed",
                "Chain Days to Expiration",
                "Critical Findings",
                "Warning Findings",
            ]
        );
        assert_eq!(channel(&v, "Chain Days to Expiration")["value"], GOOD_DAYS);
        assert_eq!(channel(&v, "Critical Findings")["value"], 0);
        assert_eq!(channel(&v, "Warning Findings")["value"], 0);
        let days = channel(&v, "Days to Expiration");
        assert_eq!(days["value"], GOOD_DAYS);
        assert_eq!(days["LimitMode"], 1);
        assert_eq!(days["LimitMinWarning"], 35);
        assert_eq!(days["LimitMinError"], 17);
        assert_eq!(channel(&v, "Common Name Check")["value"], 5);
        let key_channel = channel(&v, "Public Key Length");
        assert_eq!(key_channel["value"], bits);
        assert_eq!(
            key_channel["ValueLookup"],
            format!("prtg.standardlookups.sslcertificatesensor.{lookup}")
        );
        assert_eq!(channel(&v, "Root Authority Trusted")["value"], 0);
        assert_eq!(channel(&v, "Self-Signed")["value"], 0);
        let leaf = &pki.identity(CertKind::Good, key).chain[0];
        let text = v["prtg"]["text"].as_str().unwrap();
        let expected = format!(
            "OK. Certificate Common Name: mail.sim.test - Certificate Thumbprint: {} - STARTTLS Protocol: {}",
            sha1_upper_hex(leaf.as_ref()),
            protocol.to_uppercase()
        );
        assert!(text.starts_with(&expected), "{text}");
    }
}

#[test]
fn prtg_channels_report_self_signed_expired_and_wrong_name() {
    let selfsigned = LoopbackServer::start(
        Personality::Postfix,
        CertKind::SelfSigned,
        KeyKind::EcdsaP256,
    )
    .unwrap();
    let v = json(&check(&selfsigned, "smtp", &["--name-validation", "cn"]));
    assert_eq!(channel(&v, "Self-Signed")["value"], 1);
    assert_eq!(channel(&v, "Root Authority Trusted")["value"], 1);
    assert_eq!(channel(&v, "Common Name Check")["value"], 0);

    let expired =
        LoopbackServer::start(Personality::Exim, CertKind::Expired, KeyKind::EcdsaP256).unwrap();
    let v = json(&check(&expired, "smtp", &[]));
    // notAfter 2021-01-01, judged at 2030-01-01: 3287 days ago.
    assert_eq!(channel(&v, "Days to Expiration")["value"], -3287);
    assert_eq!(
        channel(&v, "Common Name Check")["value"],
        2,
        "name check off by default"
    );
    let text = v["prtg"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("Critical: certificate expired 3287 days ago - "),
        "{text}"
    );
    assert!(text.contains("(expired 3287 days ago)"), "{text}");
    assert!(!text.contains("-3287"), "{text}");

    let wrong = LoopbackServer::start(
        Personality::Postfix,
        CertKind::WrongName,
        KeyKind::EcdsaP256,
    )
    .unwrap();
    let v = json(&check(&wrong, "smtp", &["--name-validation", "CN/SAN"]));
    assert_eq!(channel(&v, "Common Name Check")["value"], 6);
}

#[test]
fn thresholds_are_options() {
    let server =
        LoopbackServer::start(Personality::Postfix, CertKind::Good, KeyKind::EcdsaP256).unwrap();
    let v = json(&check(
        &server,
        "smtp",
        &["--warning-days", "2000", "--error-days", "100"],
    ));
    let days = channel(&v, "Days to Expiration");
    assert_eq!(days["LimitMinWarning"], 2000);
    assert_eq!(days["LimitMinError"], 100);
    let text = v["prtg"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("Warning: certificate expires in 1826 days - "),
        "{text}"
    );
    let chain_days = channel(&v, "Chain Days to Expiration");
    assert_eq!(chain_days["LimitMinWarning"], 2000);
    assert_eq!(chain_days["LimitMinError"], 100);
    assert_eq!(channel(&v, "Warning Findings")["value"], 1);
}

#[test]
fn script_v2_output_uses_the_sensor_ids() {
    let server =
        LoopbackServer::start(Personality::OpenLdap, CertKind::Good, KeyKind::Rsa2048).unwrap();
    let r = check(
        &server,
        "ldap",
        &["--format", "prtg-v2", "--name-validation", "cn-san"],
    );
    assert_eq!(r.code, 0);
    let v = json(&r);
    assert_eq!(v["version"], 2);
    assert_eq!(v["status"], "ok");
    let channels: Vec<(i64, &str, i64)> = v["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_i64().unwrap(),
                c["name"].as_str().unwrap(),
                c["value"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        channels,
        [
            (12, "Days to Expiration", GOOD_DAYS),
            (13, "Root Authority Trusted", 0),
            (15, "Public Key Length", 2048),
            (16, "Self-Signed", 0),
            (17, "Common Name Check", 5),
            (20, "Chain Days to Expiration", GOOD_DAYS),
            (21, "Critical Findings", 0),
            (22, "Warning Findings", 0),
        ]
    );
    assert_eq!(v["channels"][0]["kind"], "count");
    assert_eq!(
        v["channels"][2]["lookup_name"],
        "prtg.standardlookups.sslcertificatesensor.publickey"
    );
}

#[test]
fn json_output_has_the_whole_report_and_the_chain_as_pem() {
    let pki = TestPki::shared();
    let server =
        LoopbackServer::start(Personality::DovecotLmtp, CertKind::Good, KeyKind::EcdsaP256)
            .unwrap();
    let r = check(
        &server,
        "lmtp",
        &["--format", "json", "--name-validation", "cn-san"],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    let v = json(&r);
    assert_eq!(v["status"], "ok");
    assert_eq!(v["target"]["protocol"], "LMTP");
    assert_eq!(v["certificate"]["days_to_expiration"], GOOD_DAYS);
    assert_eq!(v["certificate"]["trust"]["trusted"], true);
    assert_eq!(
        v["certificate"]["leaf"]["not_after"],
        "2035-01-01T00:00:00Z"
    );
    assert_eq!(v["certificate"]["leaf"]["dns_names"][0], "mail.sim.test");
    assert_eq!(v["tls"]["version"], "TLS 1.3");
    assert_eq!(v["tls"]["handshake_signature"], "verified");
    assert!(v["greeting"].as_str().unwrap().contains("Dovecot"));
    assert!(v["timings_ms"]["tls-handshake"].as_f64().unwrap() >= 0.0);
    let chain = v["chain"].as_array().unwrap();
    let expected = &pki.identity(CertKind::Good, KeyKind::EcdsaP256).chain;
    assert_eq!(chain.len(), expected.len());
    for (entry, der) in chain.iter().zip(expected) {
        use rustls_pki_types::pem::PemObject;
        let pem = entry["pem"].as_str().unwrap();
        let back = rustls_pki_types::CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
        assert_eq!(back.as_ref(), der.as_ref());
    }
}

#[test]
fn text_and_nagios_formats_use_exit_codes() {
    let good =
        LoopbackServer::start(Personality::Exim, CertKind::Good, KeyKind::EcdsaP256).unwrap();
    let r = check(&good, "smtp", &["--format", "text"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("SMTP): OK"), "{}", r.stdout);
    let r = check(&good, "smtp", &["--format", "nagios"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("STARTTLS-CERT OK - "), "{}", r.stdout);
    assert!(
        r.stdout.contains(&format!("| days={GOOD_DAYS};35;17 ")),
        "{}",
        r.stdout
    );

    let selfsigned = LoopbackServer::start(
        Personality::Postfix,
        CertKind::SelfSigned,
        KeyKind::EcdsaP256,
    )
    .unwrap();
    let r = check(&selfsigned, "smtp", &["--format", "nagios"]);
    assert_eq!(r.code, 1, "untrusted is a warning: {}", r.stdout);
    let expired =
        LoopbackServer::start(Personality::Postfix, CertKind::Expired, KeyKind::EcdsaP256).unwrap();
    let r = check(&expired, "smtp", &["--format", "text"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
}

#[test]
fn failures_are_prtg_errors_naming_phase_and_server_reply() {
    for (personality, protocol, expected) in [
        (
            Personality::TlsNotAvailable,
            "smtp",
            "refused STARTTLS: 454 4.7.0 TLS not available",
        ),
        (Personality::NoStartTls, "smtp", "does not offer STARTTLS"),
        (Personality::GreetingRefused, "smtp", "421"),
        (Personality::LdapProtocolError, "ldap", "protocolError (2)"),
        (Personality::LdapUnavailable, "ldap", "unavailable (52)"),
    ] {
        let server =
            LoopbackServer::start(personality, CertKind::Good, KeyKind::EcdsaP256).unwrap();
        let r = check(&server, protocol, &[]);
        assert_eq!(r.code, 0, "PRTG errors exit 0");
        let v = json(&r);
        assert_eq!(v["prtg"]["error"], 1);
        assert!(
            v["prtg"].get("result").is_none(),
            "channels or error, never both"
        );
        let text = v["prtg"]["text"].as_str().unwrap();
        assert!(text.contains(expected), "{personality:?}: {text}");
        let r = check(&server, protocol, &["--format", "json"]);
        assert_eq!(r.code, 3);
        assert_eq!(json(&r)["error"]["kind"], "protocol");
    }
}

#[test]
fn connection_refused_is_a_clear_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let r = run(&["127.0.0.1", &port.to_string(), "smtp"]);
    let v = json(&r);
    let text = v["prtg"]["text"].as_str().unwrap();
    assert!(text.contains("refused the connection"), "{text}");
}

#[test]
fn old_parameter_string_style_works() {
    let server =
        LoopbackServer::start(Personality::Postfix, CertKind::Good, KeyKind::EcdsaP256).unwrap();
    let params = format!(
        "port: {}, protocol: smtp, cert_domainname: mail.sim.test, cert_domainname_validation: cn_san",
        server.addr().port()
    );
    let r = run(&[
        "127.0.0.1",
        "--params",
        &params,
        "--ca-trust",
        root_pem().to_str().unwrap(),
        "--at",
        AT,
    ]);
    let v = json(&r);
    assert_eq!(channel(&v, "Common Name Check")["value"], 5);
    assert_eq!(channel(&v, "Days to Expiration")["value"], GOOD_DAYS);
}

#[test]
fn stdin_line_style_works_and_defaults_to_script_v2() {
    let server = LoopbackServer::start(
        Personality::ActiveDirectory,
        CertKind::Good,
        KeyKind::EcdsaP256,
    )
    .unwrap();
    let line = format!(
        "127.0.0.1 {} ldap --sni-domain 'mail.sim.test' --name-validation CN/SAN --ca-trust \"{}\" --at {AT}",
        server.addr().port(),
        root_pem().display()
    );
    let r = run_stdin(&format!("{line}\n"));
    assert_eq!(r.code, 0);
    let v = json(&r);
    assert_eq!(v["version"], 2);
    assert_eq!(v["channels"][4]["value"], 5);
    let r = run_stdin(&format!("{line} --format prtg\n--format json\n"));
    assert!(
        json(&r)["prtg"]["result"].is_array(),
        "only the first line counts"
    );
}

#[test]
fn empty_stdin_is_a_clear_script_v2_error() {
    let r = run_stdin("");
    assert_eq!(r.code, 0);
    let v = json(&r);
    assert_eq!(v["status"], "error");
    assert!(
        v["message"].as_str().unwrap().starts_with("no parameters"),
        "{v}"
    );
}

#[test]
fn bad_arguments_get_clear_errors() {
    for (args, expected) in [
        (
            vec!["192.0.2.1", "25", "smtp", "--name-validation", "cn"],
            "--sni-domain",
        ),
        (vec!["mx.example.com", "25", "gopher"], "gopher"),
        (
            vec!["mx.example.com", "--params", "port: 25, colour: blue"],
            "unknown parameter \"colour\"",
        ),
        (
            vec!["mx.example.com", "--params", "protocol: gopher"],
            "expected smtp, lmtp, ldap, ",
        ),
        (vec!["mx.example.com", "--timeout", "0"], "1 to 900"),
        (
            vec!["mx.example.com", "--ca-trust", "/nonexistent/ca.pem"],
            "cannot read CA file /nonexistent/ca.pem",
        ),
    ] {
        let r = run(&args);
        assert_eq!(r.code, 0, "{args:?}");
        let v = json(&r);
        assert_eq!(v["prtg"]["error"], 1, "{args:?}");
        let text = v["prtg"]["text"].as_str().unwrap();
        assert!(text.contains(expected), "{args:?}: {text}");
    }
}

#[test]
fn help_and_version_work() {
    let r = run(&["--help"]);
    assert_eq!(r.code, 0);
    for option in [
        "--sni-domain",
        "--name-validation",
        "--ca-trust",
        "--params",
        "--format",
        "Examples:",
    ] {
        assert!(r.stdout.contains(option), "help lacks {option}");
    }
    let r = run(&["--version"]);
    assert_eq!(
        r.stdout.trim(),
        format!("starttls-cert {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn demo_checks_every_simulated_server() {
    let r = run(&["demo"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    for expected in [
        "postfix",
        "exim",
        "exchange",
        "dovecot-lmtp",
        "openldap",
        "active-directory",
        "389-ds",
        "vsftpd",
        "inn",
        "prosody",
        "ejabberd-s2s",
        "FTP",
        "NNTP",
        "XMPP s2s",
        "dovecot-imap",
        "cyrus-imap",
        "dovecot-pop3",
        "courier-pop3",
        "dovecot-sieve",
        "postfix-smtps",
        "SMTPS (implicit TLS)",
        "dovecot-imaps",
        "openldap-ldaps",
        "vsftpd-ftps",
        "FTPS (implicit TLS)",
        "prosody-xmpps",
        "XMPPS (direct TLS)",
        "IMAP server refused STARTTLS: a2 NO",
        "certificate expired",
        "not trusted",
        "does not match",
        "454 4.7.0",
        "protocolError (2)",
        "intermediate 'starttls-sim Expired Intermediate CA' expired",
        "postgres15",
        "mariadb",
        "mysql8",
        "postgres17-direct",
        "does not offer TLS (no CLIENT_SSL capability",
    ] {
        assert!(
            r.stdout.contains(expected),
            "demo output lacks {expected}:\n{}",
            r.stdout
        );
    }
    assert_eq!(r.stdout.matches(" OK ").count(), 27, "{}", r.stdout);
    // One server of each kind: every protocol has a row.
    for protocol in starttls_engine::Protocol::ALL {
        let shown = format!(" {:<22} ", protocol.name());
        assert!(
            r.stdout.contains(&shown),
            "demo has no {} server:\n{}",
            protocol.name(),
            r.stdout
        );
    }
}

/// Servers only a legacy capture reads: every format reports the
/// certificate with the channels filled, says how it was read, and adds the
/// session's finding (TLS 1.0 only: warning; aborts its own handshake:
/// critical).
#[test]
fn legacy_servers_report_their_certificate_in_every_format() {
    let pki = TestPki::shared();
    let expected_sha1 = sha1_upper_hex(&pki.identity(CertKind::Good, KeyKind::Rsa2048).chain[0]);
    for (personality, protocol, version, exit, finding) in [
        (
            Personality::Exchange2010,
            "smtp",
            "TLS 1.0",
            1,
            "the server speaks only TLS 1.0: clients that require TLS 1.2 cannot connect",
        ),
        (
            Personality::DomainController2008R2,
            "ldap",
            "TLS 1.0",
            1,
            "the server speaks only TLS 1.0",
        ),
        (
            Personality::RsaCbcOnly,
            "smtp",
            "TLS 1.2",
            1,
            "modern TLS clients cannot connect: the server chose TLS 1.2 TLS_RSA_WITH_AES_256_CBC_SHA",
        ),
        (
            Personality::OpenSmtpdAbort,
            "smtp",
            "TLS 1.2",
            2,
            "the TLS handshake fails for every client: the server aborted it after sending its certificate",
        ),
    ] {
        let server = LoopbackServer::start(personality, CertKind::Good, KeyKind::Rsa2048).unwrap();
        let r = check(&server, protocol, &["--format", "json"]);
        assert_eq!(r.code, exit, "{personality}: {}", r.stdout);
        let v = json(&r);
        assert_eq!(v["tls"]["version"], version, "{personality}");
        assert_eq!(
            v["tls"]["handshake"],
            format!("not completed: certificate read from the server's hello ({version})")
        );
        assert!(v["tls"]["first_attempt"]["error"].is_string());
        assert!(v["tls"]["first_attempt"]["timings_ms"]["tls-handshake"].is_number());
        assert!(v["timings_ms"]["reconnect"].is_number());
        assert_eq!(v["close"], "aborted");
        assert_eq!(v["certificate"]["trust"]["trusted"], true, "{personality}");
        assert_eq!(v["certificate"]["days_to_expiration"], GOOD_DAYS);
        let texts: Vec<&str> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["text"].as_str().unwrap())
            .collect();
        assert!(
            texts.iter().any(|t| t.starts_with(finding)),
            "{personality}: {texts:?}"
        );
        // PRTG: the five channels come from the certificate as usual.
        let p = json(&check(&server, protocol, &[]));
        assert_eq!(channel(&p, "Days to Expiration")["value"], GOOD_DAYS);
        assert_eq!(channel(&p, "Public Key Length")["value"], 2048);
        let text = p["prtg"]["text"].as_str().unwrap();
        assert!(text.contains(&expected_sha1), "{text}");
        assert!(text.contains("Handshake: not completed"), "{text}");
        let n = check(&server, protocol, &["--format", "nagios"]);
        assert_eq!(n.code, exit, "{}", n.stdout);
        let v2 = json(&check(&server, protocol, &["--format", "prtg-v2"]));
        let state = if exit == 2 { "error" } else { "warning" };
        assert_eq!(v2["status"], state, "{personality}: {v2}");
        let t = check(&server, protocol, &["--format", "text"]);
        assert!(t.stdout.contains("handshake    not completed"), "{}", t.stdout);
        // Two connections per check: the refused handshake and the capture.
        assert_eq!(server.connections(), 10, "{personality}");
    }
}

/// RSA-PSS and Ed448 servers complete TLS 1.3; their chains, signed with
/// algorithms webpki lacks, are "not trusted" with the reason in words.
#[test]
fn rsa_pss_and_ed448_servers_are_checked_over_tls13() {
    use starttls_sim::odd_keys::OddKey;
    for (personality, key) in [
        (Personality::RsaPssTls13, OddKey::RsaPss),
        (Personality::Ed448Tls13, OddKey::Ed448),
    ] {
        let server = LoopbackServer::start(personality, CertKind::Good, KeyKind::Rsa2048).unwrap();
        let r = check(&server, "smtp", &["--format", "json"]);
        let v = json(&r);
        assert_eq!(
            v["tls"]["version"], "TLS 1.3",
            "{personality}: {}",
            r.stdout
        );
        assert_eq!(v["tls"]["handshake"], "completed");
        assert_eq!(
            v["certificate"]["leaf"]["sha1_fingerprint"],
            sha1_upper_hex(&key.chain()[0])
        );
        assert!(v["tls"]["handshake_signature"]
            .as_str()
            .unwrap()
            .starts_with("not verifiable"));
        assert_eq!(v["certificate"]["trust"]["trusted"], false);
        assert_eq!(server.connections(), 1);
    }
}
