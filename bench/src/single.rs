//! Part 1: one check end to end as a user runs it — the `starttls-cert`
//! process from start to exit — next to `openssl s_client -starttls …
//! </dev/null` against the same server, alternating the two so both see
//! the same noise. Against the real servers of a running `tests/interop`
//! instance each server is measured with the OS store plus the interop root
//! and with the interop root only; every `starttls-cert` run's peak RSS is
//! measured too (under GNU time).

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use starttls_engine::Protocol;

use crate::stats::median_ms;

/// One run in this many (the first, then every `RSS_EVERY`-th) is repeated
/// under GNU time for its peak RSS.
const RSS_EVERY: usize = 5;

/// Which CAs the `starttls-cert` runs trust.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trust {
    /// The default: the operating system's store only.
    System,
    /// The operating system's store plus `--ca-trust FILE`.
    SystemAndFile(PathBuf),
    /// `--no-system-ca-trust --ca-trust FILE`.
    FileOnly(PathBuf),
}

impl Trust {
    /// How the table names it.
    pub fn label(&self) -> &'static str {
        match self {
            Trust::System => "OS store",
            Trust::SystemAndFile(_) => "OS store + --ca-trust",
            Trust::FileOnly(_) => "--ca-trust only",
        }
    }
}

/// A server to check once per run.
#[derive(Clone, Debug)]
pub struct Server {
    /// What it is, for the table.
    pub label: String,
    /// Its protocol.
    pub protocol: Protocol,
    /// Where it listens.
    pub addr: SocketAddr,
    /// What `starttls-cert` trusts.
    pub trust: Trust,
}

/// Timings for one server.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// The server.
    pub server: Server,
    /// `starttls-cert` runs, start to exit.
    pub ours: Vec<Duration>,
    /// Peak resident set size of `starttls-cert` runs, bytes (one run
    /// under GNU time per `RSS_EVERY` timed runs).
    pub ours_rss: Vec<u64>,
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

    /// The largest peak RSS over the runs, bytes.
    pub fn max_rss(&self) -> Option<u64> {
        self.ours_rss.iter().copied().max()
    }
}

/// The `starttls-cert` binary next to this one (same target directory).
pub fn default_cli() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let cli = exe.parent()?.join("starttls-cert");
    cli.exists().then_some(cli)
}

/// Where a running interop instance is: `--interop DIR`, else
/// `$INTEROP_DIR`, else the suite's default `/tmp/starttls-interop`.
pub fn interop_dir(given: Option<&Path>) -> PathBuf {
    given
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("INTEROP_DIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/tmp/starttls-interop"))
}

/// The real servers of a running `tests/interop` instance (Postfix, Dovecot
/// LMTP, slapd, 389-ds) that answer on this machine, read from
/// `DIR/servers.env`; each twice, with the OS store plus the interop root
/// and with the interop root only.
pub fn interop_servers(dir: &Path) -> Vec<Server> {
    let env = std::fs::read_to_string(dir.join("servers.env")).unwrap_or_default();
    let value = |key: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').to_owned())
    };
    let Some(root) = value("CA_ROOT").map(PathBuf::from) else {
        return Vec::new();
    };
    let wanted = [
        ("SMTP_GOOD_PORT", "Postfix", Protocol::Smtp),
        ("LMTP_GOOD_PORT", "Dovecot LMTP", Protocol::Lmtp),
        ("LDAP_GOOD_PORT", "OpenLDAP slapd", Protocol::Ldap),
        ("LDAP389_GOOD_PORT", "389-ds", Protocol::Ldap),
    ];
    let mut servers = Vec::new();
    for (key, label, protocol) in wanted {
        let Some(port) = value(key).and_then(|p| p.parse::<u16>().ok()) else {
            continue;
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            continue;
        }
        for trust in [
            Trust::SystemAndFile(root.clone()),
            Trust::FileOnly(root.clone()),
        ] {
            servers.push(Server {
                label: format!("{label} (interop)"),
                protocol,
                addr,
                trust,
            });
        }
    }
    servers
}

fn protocol_arg(protocol: Protocol) -> &'static str {
    protocol.keyword()
}

/// One finished child process.
struct Ran {
    wall: Duration,
    code: Option<i32>,
}

/// Runs `command` with stdin, stdout and stderr on /dev/null; returns the
/// wall time from spawn to exit and the exit code.
fn time_run(command: &mut Command) -> Result<Ran, String> {
    let start = Instant::now();
    let status = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    Ok(Ran {
        wall: start.elapsed(),
        code: status.code(),
    })
}

/// The peak RSS of one run of `command`, in bytes, measured by GNU time
/// (`/usr/bin/time -f %M`, Debian package `time`) in a run of its own.
///
/// Not `wait4` on our own child: Linux counts the memory of the process
/// that execs into a child's `ru_maxrss`, and Rust spawns with `vfork`, so
/// that would be the benchmark's own RSS. GNU time is small and forks.
fn peak_rss(command: &Command) -> Option<u64> {
    let out = std::env::temp_dir().join(format!("starttls-bench-rss-{}", std::process::id()));
    let status = Command::new("/usr/bin/time")
        .args(["-f", "%M", "-o"])
        .arg(&out)
        .arg(command.get_program())
        .args(command.get_args())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .ok()?;
    let text = std::fs::read_to_string(&out).ok();
    let _ = std::fs::remove_file(&out);
    if !status.success() && status.code() != Some(1) && status.code() != Some(2) {
        return None;
    }
    let kib: u64 = text?.lines().last()?.trim().parse().ok()?;
    Some(kib * 1024)
}

fn ours(cli: &Path, server: &Server) -> Command {
    let mut c = Command::new(cli);
    c.arg(server.addr.ip().to_string())
        .arg(server.addr.port().to_string())
        .arg(protocol_arg(server.protocol))
        // Nagios format: exit 3 means the check could not be done.
        .args(["--format", "nagios"]);
    match &server.trust {
        Trust::System => {}
        Trust::SystemAndFile(root) => {
            c.arg("--ca-trust").arg(root);
        }
        Trust::FileOnly(root) => {
            c.args(["--no-system-ca-trust", "--ca-trust"]).arg(root);
        }
    }
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
        ours_rss: Vec::new(),
        openssl: Vec::new(),
        problems: Vec::new(),
    };
    // One untimed run each: page cache, and a check that both work.
    match time_run(&mut ours(cli, server)) {
        Ok(Ran {
            code: Some(0..=2), ..
        }) => {}
        Ok(Ran { code, .. }) => result
            .problems
            .push(format!("starttls-cert could not check it (exit {code:?})")),
        Err(e) => result.problems.push(format!("starttls-cert: {e}")),
    }
    let openssl_works = match time_run(&mut openssl(server)) {
        Ok(Ran { code: Some(0), .. }) => true,
        Ok(Ran { code, .. }) => {
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
        if let Ok(ran) = time_run(&mut ours(cli, server)) {
            result.ours.push(ran.wall);
        }
        if result.ours.len() % RSS_EVERY == 1 {
            result.ours_rss.extend(peak_rss(&ours(cli, server)));
        }
        if openssl_works {
            if let Ok(ran) = time_run(&mut openssl(server)) {
                result.openssl.push(ran.wall);
            }
        }
        // Let TIME_WAIT and the servers' bookkeeping settle between pairs.
        std::thread::sleep(Duration::from_millis(5));
    }
    result
}

/// Process start-up with nothing to do: `starttls-cert --version` next to
/// `/bin/true` (exec and exit alone) and `openssl version`.
#[derive(Clone, Debug, Default)]
pub struct Startup {
    /// `starttls-cert --version` wall times.
    pub ours: Vec<Duration>,
    /// Its peak RSS, bytes.
    pub ours_rss: u64,
    /// `/bin/true` wall times.
    pub exec_only: Vec<Duration>,
    /// `openssl version` wall times.
    pub openssl: Vec<Duration>,
}

/// Times `runs` start-ups of each, alternating.
pub fn startup(cli: &Path, runs: usize) -> Startup {
    let mut s = Startup::default();
    for _ in 0..runs {
        if let Ok(ran) = time_run(Command::new(cli).arg("--version")) {
            s.ours.push(ran.wall);
        }
        if let Ok(ran) = time_run(&mut Command::new("/bin/true")) {
            s.exec_only.push(ran.wall);
        }
        if let Ok(ran) = time_run(Command::new("openssl").arg("version")) {
            s.openssl.push(ran.wall);
        }
    }
    let mut version = Command::new(cli);
    version.arg("--version");
    s.ours_rss = peak_rss(&version).unwrap_or(0);
    s
}
