//! Part 1: one check end to end as a user runs it — the `starttls-cert`
//! process from start to exit — next to `openssl s_client -starttls …
//! </dev/null` against the same server, alternating the two so both see
//! the same noise. Against the real servers of a running `tests/interop`
//! instance each server is measured with the OS store plus the interop root
//! and with the interop root only; every `starttls-cert` run's peak RSS is
//! recorded too.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use starttls_engine::Protocol;

use crate::stats::median_ms;

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
    /// Peak resident set size of each `starttls-cert` run, bytes.
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
    match protocol {
        Protocol::Smtp => "smtp",
        Protocol::Lmtp => "lmtp",
        Protocol::Ldap => "ldap",
    }
}

/// One finished child process.
struct Ran {
    wall: Duration,
    code: Option<i32>,
    /// Peak resident set size, bytes (`ru_maxrss` of the child).
    max_rss: u64,
}

/// Runs `command` with stdin, stdout and stderr on /dev/null and waits for
/// it with `wait4`, which also gives its peak RSS.
fn time_run(command: &mut Command) -> Result<Ran, String> {
    let start = Instant::now();
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let pid = libc::pid_t::try_from(child.id()).map_err(|e| e.to_string())?;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data that wait4 fills in; the child is ours
    // and not waited for elsewhere (`Child` does not reap on drop).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    if rc != pid {
        return Err(std::io::Error::last_os_error().to_string());
    }
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let max_rss = u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024;
    Ok(Ran {
        wall,
        code,
        max_rss,
    })
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
            result.ours_rss.push(ran.max_rss);
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
            s.ours_rss = s.ours_rss.max(ran.max_rss);
        }
        if let Ok(ran) = time_run(&mut Command::new("/bin/true")) {
            s.exec_only.push(ran.wall);
        }
        if let Ok(ran) = time_run(Command::new("openssl").arg("version")) {
            s.openssl.push(ran.wall);
        }
    }
    s
}
