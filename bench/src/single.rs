//! Part 1: one check end to end as a user runs it — the `starttls-cert`
//! process from start to exit — next to `openssl s_client -starttls …
//! </dev/null` against the same server, alternating the two so both see
//! the same noise.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use starttls_engine::Protocol;

use crate::stats::median_ms;

/// A server to check once per run.
#[derive(Clone, Debug)]
pub struct Server {
    /// What it is, for the table.
    pub label: String,
    /// Its protocol.
    pub protocol: Protocol,
    /// Where it listens.
    pub addr: SocketAddr,
}

/// Timings for one server.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// The server.
    pub server: Server,
    /// `starttls-cert` runs, start to exit.
    pub ours: Vec<Duration>,
    /// `openssl s_client` runs, start to exit.
    pub openssl: Vec<Duration>,
    /// Problems seen (a failed check, openssl missing).
    pub problems: Vec<String>,
}

impl Comparison {
    /// Median of ours over median of openssl's.
    pub fn ratio(&self) -> Option<f64> {
        let theirs = median_ms(&self.openssl);
        (theirs > 0.0 && !self.ours.is_empty()).then(|| median_ms(&self.ours) / theirs)
    }
}

/// The `starttls-cert` binary next to this one (same target directory).
pub fn default_cli() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let cli = exe.parent()?.join("starttls-cert");
    cli.exists().then_some(cli)
}

/// The interop servers from `tests/interop` (Postfix, slapd) that answer
/// on this machine, read from `/tmp/starttls-interop/servers.env`.
pub fn interop_servers() -> Vec<Server> {
    let env = std::fs::read_to_string("/tmp/starttls-interop/servers.env").unwrap_or_default();
    let port = |key: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .and_then(|p| p.trim().parse::<u16>().ok())
    };
    let wanted = [
        (
            "SMTP_GOOD_PORT",
            "Postfix (interop, RSA 2048)",
            Protocol::Smtp,
        ),
        ("SMTP_EC_PORT", "Postfix (interop, P-256)", Protocol::Smtp),
        (
            "LDAP_GOOD_PORT",
            "OpenLDAP slapd (interop, RSA 2048)",
            Protocol::Ldap,
        ),
    ];
    wanted
        .iter()
        .filter_map(|(key, label, protocol)| {
            let addr = SocketAddr::from(([127, 0, 0, 1], port(key)?));
            TcpStream::connect_timeout(&addr, Duration::from_millis(200)).ok()?;
            Some(Server {
                label: (*label).to_owned(),
                protocol: *protocol,
                addr,
            })
        })
        .collect()
}

fn protocol_arg(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Smtp => "smtp",
        Protocol::Lmtp => "lmtp",
        Protocol::Ldap => "ldap",
    }
}

/// Runs `command` with stdin, stdout and stderr on /dev/null; returns the
/// wall time from spawn to exit and the exit code.
fn time_run(command: &mut Command) -> Result<(Duration, Option<i32>), String> {
    let start = Instant::now();
    let status = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    Ok((start.elapsed(), status.code()))
}

fn ours(cli: &Path, server: &Server) -> Command {
    let mut c = Command::new(cli);
    c.arg(server.addr.ip().to_string())
        .arg(server.addr.port().to_string())
        .arg(protocol_arg(server.protocol))
        // Nagios format: exit 3 means the check could not be done.
        .args(["--format", "nagios"]);
    c
}

fn openssl(server: &Server) -> Command {
    let mut c = Command::new("openssl");
    c.args([
        "s_client",
        "-starttls",
        protocol_arg(server.protocol),
        "-connect",
    ])
    .arg(server.addr.to_string());
    c
}

/// Times `runs` checks of `server` with `cli` and with openssl, alternating.
pub fn compare(cli: &Path, server: &Server, runs: usize) -> Comparison {
    let mut result = Comparison {
        server: server.clone(),
        ours: Vec::new(),
        openssl: Vec::new(),
        problems: Vec::new(),
    };
    // One untimed run each: page cache, and a check that both work.
    match time_run(&mut ours(cli, server)) {
        Ok((_, Some(0..=2))) => {}
        Ok((_, code)) => result
            .problems
            .push(format!("starttls-cert could not check it (exit {code:?})")),
        Err(e) => result.problems.push(format!("starttls-cert: {e}")),
    }
    let openssl_works = match time_run(&mut openssl(server)) {
        Ok((_, Some(0))) => true,
        Ok((_, code)) => {
            result
                .problems
                .push(format!("openssl s_client failed (exit {code:?})"));
            false
        }
        Err(e) => {
            result.problems.push(format!("openssl: {e}"));
            false
        }
    };
    for _ in 0..runs {
        if let Ok((d, _)) = time_run(&mut ours(cli, server)) {
            result.ours.push(d);
        }
        if openssl_works {
            if let Ok((d, _)) = time_run(&mut openssl(server)) {
                result.openssl.push(d);
            }
        }
        // Let TIME_WAIT and the servers' bookkeeping settle between pairs.
        std::thread::sleep(Duration::from_millis(5));
    }
    result
}
