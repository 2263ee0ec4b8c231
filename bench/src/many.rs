//! Part 2: many checks in one process through `starttls_io_mio::check_each`
//! against the benchmark server process: checks per second, client CPU per
//! check, peak RSS and its share per concurrent probe.
//!
//! Every measurement runs in a fresh client process (`starttls-bench
//! many-once …`), so `RUSAGE_SELF` and the RSS high-water mark see exactly
//! one batch of checks and nothing else: no server, no earlier batch whose
//! freed memory could be reused.

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use starttls_engine::{Config, Protocol, Timeouts};
use starttls_io_mio::{check_each, DriverOptions, Target};

use crate::memory::{peak_rss, reset_peak, rss, trim_heap};
use crate::placement::Placement;
use crate::rusage::{process_cpu, raise_open_files, CpuTime};
use crate::server_process::ServerProcess;

/// What one batch of checks measured, in the client process.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    /// Checks asked for.
    pub checks: u64,
    /// Checks that returned a report.
    pub ok: u64,
    /// The first failure, if any.
    pub first_error: Option<String>,
    /// Wall-clock time of the batch.
    pub wall: Duration,
    /// Client CPU time of the batch (user and system).
    pub cpu: CpuTime,
    /// RSS just before the batch, bytes.
    pub base_rss: u64,
    /// Highest RSS during the batch, bytes.
    pub peak_rss: u64,
    /// TLS version and suite of the first successful check.
    pub negotiated: String,
}

impl Batch {
    /// Client CPU per check (all checks, failed ones included).
    pub fn cpu_per_check(&self) -> Duration {
        self.cpu.total() / self.checks.max(1) as u32
    }

    /// Peak RSS above the baseline per concurrent probe, in bytes.
    pub fn bytes_per_probe(&self, concurrency: u64) -> f64 {
        let grown = self.peak_rss.saturating_sub(self.base_rss);
        grown as f64 / concurrency.max(1) as f64
    }

    /// The line a client process prints for its parent.
    pub fn to_line(&self) -> String {
        format!(
            "RESULT checks={} ok={} wall_us={} user_us={} sys_us={} base_rss={} peak_rss={} negotiated={} error={}",
            self.checks,
            self.ok,
            self.wall.as_micros(),
            self.cpu.user.as_micros(),
            self.cpu.system.as_micros(),
            self.base_rss,
            self.peak_rss,
            self.negotiated.replace(' ', "+"),
            self.first_error.as_deref().unwrap_or("-").replace(['\n', ' '], "+"),
        )
    }

    /// Parses [`Batch::to_line`].
    pub fn from_line(line: &str) -> Option<Batch> {
        let text = |k: &str| {
            line.split_whitespace()
                .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('='))
                .map(str::to_owned)
        };
        let num = |k: &str| text(k)?.parse::<u64>().ok();
        let error = text("error")?;
        Some(Batch {
            checks: num("checks")?,
            ok: num("ok")?,
            first_error: (error != "-").then(|| error.replace('+', " ")),
            wall: Duration::from_micros(num("wall_us")?),
            cpu: CpuTime {
                user: Duration::from_micros(num("user_us")?),
                system: Duration::from_micros(num("sys_us")?),
            },
            base_rss: num("base_rss")?,
            peak_rss: num("peak_rss")?,
            negotiated: text("negotiated")?.replace('+', " "),
        })
    }
}

/// Runs one batch in this process and prints its [`Batch`] line
/// (`starttls-bench many-once`).
pub fn run_once(protocol: Protocol, addr: SocketAddr, concurrency: usize, checks: usize) {
    raise_open_files(concurrency as u64 * 2 + 1024);
    // Generous limits: on two shared cores ten thousand handshakes queue up.
    let config = Config::new(protocol)
        .with_timeouts(Timeouts {
            phase: Duration::from_secs(60),
            overall: Duration::from_secs(120),
            closing: Duration::from_secs(10),
        })
        .expect("positive time limits");
    let targets: Vec<Target> = (0..checks)
        .map(|_| Target::new(addr.ip().to_string(), addr.port(), config.clone()))
        .collect();
    let options = DriverOptions {
        connect_timeout: Duration::from_secs(60),
        overall_timeout: Duration::from_secs(120),
        max_in_flight: concurrency,
    };
    trim_heap();
    reset_peak();
    let base_rss = rss();
    let cpu0 = process_cpu();
    let t0 = Instant::now();
    // Results are counted and dropped as they come, as a monitoring program
    // would hand them on: nothing but the probes in flight is kept.
    let mut ok = 0;
    let mut first_error = None;
    let mut negotiated = String::new();
    check_each(targets, &options, |_, result| match result {
        Ok(checked) => {
            ok += 1;
            if negotiated.is_empty() {
                negotiated = format!(
                    "{} {}",
                    checked.report.tls_version_name(),
                    checked.report.cipher_suite_name()
                );
            }
        }
        Err(e) => {
            first_error.get_or_insert_with(|| e.to_string());
        }
    });
    let wall = t0.elapsed();
    let cpu = process_cpu().since(cpu0);
    let batch = Batch {
        checks: checks as u64,
        ok,
        first_error,
        wall,
        cpu,
        base_rss,
        peak_rss: peak_rss(),
        negotiated,
    };
    println!("{}", batch.to_line());
}

/// Runs this executable with `args` (on CPU `cpu` when given) and returns
/// the rest of the first line of its output that starts with `prefix`.
fn child_line(args: &[String], cpu: Option<usize>, prefix: &str) -> Result<String, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut command = Command::new(exe);
    command.args(args);
    if let Some(cpu) = cpu {
        command.args(["--cpu", &cpu.to_string()]);
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot start the child process: {e}"))?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix(prefix).map(str::to_owned))
        .ok_or_else(|| {
            format!(
                "the child process `{}` failed ({}): {}",
                args.first().map_or("", String::as_str),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )
        })
}

/// Runs one batch in a fresh client process: this executable with `args`
/// (`many-once …` or `floor-once …`), on CPU `cpu` when given.
pub fn run_in_child(args: &[String], cpu: Option<usize>) -> Result<Batch, String> {
    let line = child_line(args, cpu, "RESULT ")?;
    Batch::from_line(&line).ok_or_else(|| format!("unreadable batch figures: {line}"))
}

/// The line `handshake-once` prints: the client's CPU per bare handshake.
pub fn handshake_line(per_handshake: Duration) -> String {
    format!("HANDSHAKE ns={}", per_handshake.as_nanos())
}

/// Bare in-memory handshakes timed in a fresh process (on CPU `cpu` when
/// given); the client's CPU per handshake.
pub fn handshakes_in_child(count: usize, cpu: Option<usize>) -> Result<Duration, String> {
    let args = ["handshake-once", "--count", &count.to_string()].map(str::to_owned);
    let line = child_line(&args, cpu, "HANDSHAKE ns=")?;
    line.trim()
        .parse::<u64>()
        .map(Duration::from_nanos)
        .map_err(|_| format!("unreadable handshake figure: {line}"))
}

/// Bare handshakes timed beside each batch (about 0.1 s of CPU).
pub const HANDSHAKES: usize = 500;

/// One measurement point: every repetition of checks and of the wire floor.
#[derive(Clone, Debug)]
pub struct Point {
    /// SMTP or LDAP.
    pub protocol: Protocol,
    /// Most probes in flight.
    pub concurrency: usize,
    /// Where the client and the server ran.
    pub placement: Placement,
    /// The repetitions of real checks.
    pub batches: Vec<Batch>,
    /// The repetitions of the bare rustls client (the same conversation
    /// with nothing of ours), interleaved with the checks so that all see
    /// the same machine.
    pub bare: Vec<Batch>,
    /// The repetitions of the wire floor (same bytes, no TLS), interleaved
    /// likewise.
    pub wire: Vec<Batch>,
    /// The client's CPU per bare in-memory handshake, timed in a fresh
    /// process after each repetition, on the same CPUs.
    pub handshake: Vec<Duration>,
    /// Server CPU per check, per repetition.
    pub server_cpu_per_check: Vec<Duration>,
    /// Most connections the server saw open at once, per repetition.
    pub server_peak: Vec<u64>,
    /// Failed `accept` calls in the server over all repetitions.
    pub accept_errors: u64,
}

/// Measures `protocol` at `concurrency` with `checks` checks (and as many
/// wire-floor replays), `runs` times, with the processes placed as asked.
pub fn measure(
    server: &mut ServerProcess,
    protocol: Protocol,
    placement: Placement,
    concurrency: usize,
    checks: usize,
    runs: usize,
) -> Result<Point, String> {
    let endpoint = server.endpoint(protocol).clone();
    let cpu = server.place(placement)?;
    let name = protocol.name().to_ascii_lowercase();
    let check_args = [
        "many-once",
        "--protocol",
        &name,
        "--addr",
        &endpoint.checks.to_string(),
        "--concurrency",
        &concurrency.to_string(),
        "--checks",
        &checks.to_string(),
    ]
    .map(str::to_owned);
    let floor_args = |kind: &str, addr: SocketAddr| {
        [
            "floor-once",
            "--kind",
            kind,
            "--protocol",
            &name,
            "--transcript",
            &endpoint.transcript.to_arg(),
            "--addr",
            &addr.to_string(),
            "--concurrency",
            &concurrency.to_string(),
            "--checks",
            &checks.to_string(),
        ]
        .map(str::to_owned)
    };
    let bare_args = floor_args("bare", endpoint.checks);
    let wire_args = floor_args("wire", endpoint.wire);
    let mut point = Point {
        protocol,
        concurrency,
        placement,
        batches: Vec::new(),
        bare: Vec::new(),
        wire: Vec::new(),
        handshake: Vec::new(),
        server_cpu_per_check: Vec::new(),
        server_peak: Vec::new(),
        accept_errors: 0,
    };
    for _ in 0..runs {
        server.reset_peak()?;
        let before = server.stats()?;
        let batch = run_in_child(&check_args, cpu)?;
        let after = server.stats()?;
        let server_cpu = after.cpu.since(before.cpu).total();
        point
            .server_cpu_per_check
            .push(server_cpu / checks.max(1) as u32);
        point.server_peak.push(after.peak);
        point.accept_errors += after.accept_errors - before.accept_errors;
        if after.accepted - before.accepted != checks as u64 {
            eprintln!(
                "  the server accepted {} connections for {checks} checks",
                after.accepted - before.accepted
            );
        }
        let bare = run_in_child(&bare_args, cpu)?;
        let wire = run_in_child(&wire_args, cpu)?;
        let handshake = handshakes_in_child(HANDSHAKES, cpu)?;
        let us = |b: &Batch| b.cpu_per_check().as_secs_f64() * 1e6;
        eprintln!(
            "  {protocol} x{concurrency} {placement}: {}/{} ok in {:.2} s, client {:.0} us/check; bare rustls {:.0}; wire floor {:.0}; handshake {:.0}{}",
            batch.ok,
            batch.checks,
            batch.wall.as_secs_f64(),
            us(&batch),
            us(&bare),
            us(&wire),
            handshake.as_secs_f64() * 1e6,
            batch
                .first_error
                .iter()
                .chain(&bare.first_error)
                .chain(&wire.first_error)
                .map(|e| format!(", first error: {e}"))
                .next()
                .unwrap_or_default()
        );
        point.batches.push(batch);
        point.bare.push(bare);
        point.wire.push(wire);
        point.handshake.push(handshake);
    }
    Ok(point)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_lines_round_trip() {
        let batch = Batch {
            checks: 10,
            ok: 9,
            first_error: Some("connection refused by peer".into()),
            wall: Duration::from_micros(1234),
            cpu: CpuTime {
                user: Duration::from_micros(50),
                system: Duration::from_micros(7),
            },
            base_rss: 1,
            peak_rss: 2,
            negotiated: "TLS 1.3 TLS13_AES_256_GCM_SHA384".into(),
        };
        let back = Batch::from_line(&batch.to_line()).unwrap();
        assert_eq!(back.ok, 9);
        assert_eq!(back.cpu, batch.cpu);
        assert_eq!(back.negotiated, batch.negotiated);
        assert_eq!(back.first_error, batch.first_error);
    }
}
