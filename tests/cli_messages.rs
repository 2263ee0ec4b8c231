//! The messages of the `starttls-cert` binary that tell a user what went
//! wrong with the arguments or the server: clap's whole message, range
//! errors for negative numbers, arguments that are not UTF-8, Unicode names,
//! the stdin wait, and trust reasons that agree with the findings. Servers
//! are the simulator's, on loopback; validity is judged at a pinned time.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;
use starttls_sim::certs::{CertKind, KeyKind, TestPki};
use starttls_sim::loopback::LoopbackServer;
use starttls_sim::personality::Personality;

const AT: &str = "2030-01-01T00:00:00Z";

/// A directory of this test process's own.
fn scratch() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("starttls-cert-msg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

/// The simulator's root CA as a PEM file.
fn root_pem() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let path = scratch().join("sim-root.pem");
        std::fs::write(&path, TestPki::shared().root_pem()).unwrap();
        path
    })
}

/// A root that has nothing to do with the simulator's PKI.
fn unrelated_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("engine/src/analysis/testdata/sha1-root.pem")
}

struct Run {
    stdout: String,
    code: i32,
}

fn run<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let out = Command::new(env!("CARGO_BIN_EXE_starttls-cert"))
        .args(&args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout))
}

/// The PRTG error text of a run that must fail.
fn prtg_error(run: &Run) -> String {
    let v = json(run);
    assert_eq!(v["prtg"]["error"], 1, "{}", run.stdout);
    assert_eq!(run.code, 0, "PRTG output always exits 0");
    v["prtg"]["text"].as_str().unwrap().to_owned()
}

fn server(cert: CertKind) -> LoopbackServer {
    LoopbackServer::start(Personality::Postfix, cert, KeyKind::EcdsaP256).unwrap()
}

/// Arguments for a check of `server` judged at [`AT`], plus `extra`.
fn check_args(server: &LoopbackServer, extra: &[&str]) -> Vec<OsString> {
    let port = server.addr().port().to_string();
    let mut args: Vec<OsString> = ["127.0.0.1", &port, "smtp", "--at", AT, "--timeout", "10"]
        .iter()
        .map(OsString::from)
        .collect();
    args.extend(extra.iter().map(OsString::from));
    args
}

#[test]
fn a_missing_host_is_named_as_clap_names_it() {
    // With no argument at all stdin is read, so give one option.
    let text = prtg_error(&run(["--format", "prtg"]));
    assert_eq!(
        text,
        "bad parameters: the following required arguments were not provided: <HOST> \
         (see starttls-cert --help)"
    );
    let text = prtg_error(&run(["mx.example.com", "--no-system-ca-trust"]));
    assert!(
        text.contains("were not provided: --ca-trust <FILE>"),
        "{text}"
    );
    let r = run(["--format", "text"]);
    assert_eq!(r.code, 3);
    assert!(r.stdout.contains("<HOST>"), "{}", r.stdout);
}

#[test]
fn negative_days_timeouts_and_ports_get_a_range_error_in_both_forms() {
    for args in [
        &["mx", "--warning-days", "-5"][..],
        &["mx", "--warning-days=-5"],
        &["mx", "--error-days", "-5"],
        &["mx", "--error-days=-5"],
    ] {
        let text = prtg_error(&run(args));
        assert!(
            text.contains("\"-5\" is not a whole number of days from 0 to 3650"),
            "{args:?}: {text}"
        );
        assert!(!text.contains("unexpected argument"), "{text}");
    }
    for args in [&["mx", "--timeout", "-5"][..], &["mx", "--timeout=-5"]] {
        let text = prtg_error(&run(args));
        assert!(
            text.contains("\"-5\" is not a whole number of seconds from 1 to 900"),
            "{text}"
        );
    }
    let text = prtg_error(&run(["mx", "-5", "smtp"]));
    assert!(
        text.contains("\"-5\" is not a port number from 1 to 65535"),
        "{text}"
    );
    let text = prtg_error(&run(["mx", "--params", "port: -5"]));
    assert!(
        text.contains("parameter port has value \"-5\", expected a number from 1 to 65535"),
        "{text}"
    );
}

#[cfg(unix)]
#[test]
fn a_ca_trust_path_that_is_not_utf8_is_read() {
    use std::os::unix::ffi::OsStringExt;
    let mut name = b"root-".to_vec();
    name.extend_from_slice(&[0xff, 0xfe]);
    name.extend_from_slice(b".pem");
    let path = scratch().join(OsString::from_vec(name));
    std::fs::write(&path, TestPki::shared().root_pem()).unwrap();
    let good = server(CertKind::Good);
    let mut args = check_args(&good, &["--no-system-ca-trust", "--format", "json"]);
    args.push("--ca-trust".into());
    args.push(path.into_os_string());
    let r = run(args);
    let v = json(&r);
    assert_eq!(v["status"], "ok", "{}", r.stdout);
    assert_eq!(v["certificate"]["trust"]["trusted"], true);
}

#[cfg(unix)]
#[test]
fn other_arguments_that_are_not_utf8_are_refused_by_name() {
    use std::os::unix::ffi::OsStringExt;
    let r = run(vec![
        OsString::from("mx.example.com"),
        OsString::from("--sni-domain"),
        OsString::from_vec(vec![b'm', 0xff, b'x']),
    ]);
    let text = prtg_error(&r);
    assert!(
        text.starts_with("bad parameters: the value of --sni-domain is not valid UTF-8"),
        "{text}"
    );
}

#[test]
fn a_unicode_sni_domain_is_sent_as_a_labels_and_shown_in_both_forms() {
    let good = server(CertKind::Good);
    let r = run(check_args(
        &good,
        &[
            "--sni-domain",
            "Bücher.sim.test",
            "--name-validation",
            "cn-san",
            "--ca-trust",
            root_pem().to_str().unwrap(),
            "--no-system-ca-trust",
            "--format",
            "json",
        ],
    ));
    let v = json(&r);
    assert_eq!(
        v["target"]["name"], "xn--bcher-kva.sim.test",
        "{}",
        r.stdout
    );
    assert_eq!(v["target"]["name_unicode"], "bücher.sim.test");
    assert_eq!(
        v["certificate"]["name_check"]["name"],
        "xn--bcher-kva.sim.test"
    );
    assert_eq!(v["certificate"]["name_check"]["prtg_value"], 6);
    let text = prtg_error(&run(["mx", "--sni-domain", "a\u{202e}b.example"]));
    assert!(
        text.contains("--sni-domain: ")
            && text.contains("not a valid internationalised domain name"),
        "{text}"
    );
}

#[test]
fn stdin_that_ends_without_a_line_says_so() {
    let out = Command::new(env!("CARGO_BIN_EXE_starttls-cert"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["status"], "error");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .starts_with("no parameters: stdin ended without a parameter line"),
        "{v}"
    );
}

#[test]
fn a_self_signed_leaf_has_one_reason_for_being_untrusted() {
    let self_signed = server(CertKind::SelfSigned);
    let r = run(check_args(
        &self_signed,
        &[
            "--ca-trust",
            root_pem().to_str().unwrap(),
            "--no-system-ca-trust",
            "--format",
            "json",
        ],
    ));
    let v = json(&r);
    let reason = "the certificate is self-signed and not among the trusted CAs \
                  (add it with --ca-trust to trust it)";
    assert_eq!(v["certificate"]["trust"]["reason"], reason, "{}", r.stdout);
    let findings = v["findings"].to_string();
    assert!(findings.contains(reason), "{findings}");
}

#[test]
fn a_complete_chain_under_an_untrusted_root_names_the_root() {
    let good = server(CertKind::Good);
    let r = run(check_args(
        &good,
        &[
            "--ca-trust",
            unrelated_root().to_str().unwrap(),
            "--no-system-ca-trust",
            "--format",
            "json",
        ],
    ));
    let v = json(&r);
    let reason = v["certificate"]["trust"]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("the chain ends at '")
            && reason.ends_with("', which is not a trusted root"),
        "{reason}"
    );
    let findings = v["findings"].to_string();
    assert!(!findings.contains("does not send"), "{findings}");
}
