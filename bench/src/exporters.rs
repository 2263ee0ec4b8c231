//! Part 5: the exporter race. The same loopback SMTP-STARTTLS targets (the
//! benchmark server listening on [`TARGETS`] distinct loopback addresses
//! and ports) probed over HTTP by (a) `starttls-cert serve` and (b)
//! Debian's prometheus-blackbox-exporter with a `tcp` module that speaks
//! SMTP and STARTTLS, under the same load: 1, 100 and 1,000 probes in
//! flight, probe `i` going to target `i mod N` for both. Per exporter process: CPU per probe (the
//! process's CPU-time clock, nanoseconds, every thread), probes per second, peak RSS (VmHWM from
//! /proc/PID/status). Each exporter starts afresh for each level, so the
//! peak RSS is that level's. Both trust the bench certificate and verify it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::pki::{BenchCert, NAME};
use crate::rusage::process_cpu_of;
use crate::table::Table;

/// Where Debian installs blackbox_exporter.
pub const BLACKBOX: &str = "/usr/bin/prometheus-blackbox-exporter";

/// Distinct targets the load spreads over (a full run; `--quick` uses 10).
pub const TARGETS: usize = 100;

/// Target: our CPU per probe over blackbox's.
pub const CPU_RATIO_TARGET: f64 = 0.2;

/// One exporter under load at one level.
#[derive(Clone, Copy, Debug)]
pub struct Figures {
    /// Probes answered with `probe_success 1`.
    pub ok: usize,
    /// Probes sent.
    pub sent: usize,
    /// Exporter CPU per probe.
    pub cpu_per_probe: Duration,
    /// Probes per second (wall).
    pub per_second: f64,
    /// Peak RSS of the exporter process, bytes.
    pub peak_rss: u64,
}

/// The exporters compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// `starttls-cert serve`.
    Ours,
    /// prometheus-blackbox-exporter.
    Blackbox,
}

struct Running {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

fn pem(der: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::new();
    for chunk in der.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                b64.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                b64.push('=');
            }
        }
    }
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

fn start(which: Which, dir: &Path, cli: &Path, ca: &Path) -> Result<Running, String> {
    let port = free_port()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let child = match which {
        Which::Ours => {
            let modules = dir.join("modules.conf");
            std::fs::write(
                &modules,
                format!(
                    "smtp: smtp --sni-domain {NAME} --ca-trust {} --no-system-ca-trust --timeout 30\n",
                    ca.display()
                ),
            )
            .map_err(|e| e.to_string())?;
            Command::new(cli)
                .args(["serve", "--max-concurrent", "10000", "--listen"])
                .arg(addr.to_string())
                .arg("--config")
                .arg(&modules)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
        }
        Which::Blackbox => {
            let config = dir.join("blackbox.yml");
            std::fs::write(
                &config,
                format!(
                    "modules:\n  smtp:\n    prober: tcp\n    timeout: 30s\n    tcp:\n      \
                     query_response:\n        - expect: \"^220 \"\n        - send: \"EHLO bench.test\\r\"\n        \
                     - expect: \"^250 \"\n        - send: \"STARTTLS\\r\"\n        - expect: \"^220 \"\n        \
                     - starttls: true\n        - send: \"QUIT\\r\"\n      tls_config:\n        \
                     ca_file: {}\n        server_name: {NAME}\n",
                    ca.display()
                ),
            )
            .map_err(|e| e.to_string())?;
            Command::new(BLACKBOX)
                .arg(format!("--config.file={}", config.display()))
                .arg(format!("--web.listen-address={addr}"))
                .arg("--log.level=error")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
        }
    }
    .map_err(|e| format!("cannot start the {which:?} exporter: {e}"))?;
    let running = Running { child, addr };
    for _ in 0..200 {
        if TcpStream::connect(addr).is_ok() {
            return Ok(running);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!("the {which:?} exporter did not listen on {addr}"))
}

/// One GET; whether the answer says `probe_success 1`.
fn probe(exporter: SocketAddr, target: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect(exporter) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(60)));
    let req = format!(
        "GET /probe?target={target}&module=smtp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    );
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut body = String::new();
    let _ = s.read_to_string(&mut body);
    body.contains("\nprobe_success 1\n")
}

/// VmHWM of `pid`, bytes.
fn peak_rss_of(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Sends `probes` probes through `exporter` with `concurrency` in flight,
/// probe `i` to `targets[i % targets.len()]`.
fn load(
    exporter: &Running,
    targets: &Arc<Vec<SocketAddr>>,
    concurrency: usize,
    probes: usize,
) -> Result<Figures, String> {
    let pid = exporter.child.id();
    let Some(&first) = targets.first() else {
        return Err("no targets to probe".into());
    };
    // Warm up: trust store loaded, code paged in.
    probe(exporter.addr, first);
    let cpu0 = process_cpu_of(pid)?;
    let next = Arc::new(AtomicUsize::new(0));
    let ok = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..concurrency.min(probes))
        .map(|_| {
            let (next, ok, addr) = (Arc::clone(&next), Arc::clone(&ok), exporter.addr);
            let targets = Arc::clone(targets);
            std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= probes {
                        break;
                    }
                    if probe(addr, targets[i % targets.len()]) {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                })
        })
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot start a load thread: {e}"))?;
    for t in threads {
        let _ = t.join();
    }
    let wall = started.elapsed();
    let cpu = process_cpu_of(pid)?.saturating_sub(cpu0);
    Ok(Figures {
        ok: ok.load(Ordering::Relaxed),
        sent: probes,
        cpu_per_probe: cpu / probes.max(1) as u32,
        per_second: probes as f64 / wall.as_secs_f64().max(1e-9),
        peak_rss: peak_rss_of(pid),
    })
}

/// Runs part 5 against the SMTP servers at `targets` and returns its table.
pub fn run(
    cli: &Path,
    cert: &BenchCert,
    targets: &[SocketAddr],
    levels: &[(usize, usize)],
) -> Result<Table, String> {
    let targets = Arc::new(targets.to_vec());
    if !Path::new(BLACKBOX).exists() {
        return Err(format!(
            "part 5 needs {BLACKBOX} (apt-get install prometheus-blackbox-exporter; tests/interop/install.sh installs it)"
        ));
    }
    let dir: PathBuf =
        std::env::temp_dir().join(format!("starttls-bench-exporters-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let ca = dir.join("bench-cert.pem");
    std::fs::write(&ca, pem(&cert.cert)).map_err(|e| e.to_string())?;
    let mut table = Table::new(
        "part 5: exporters, SMTP STARTTLS probes over HTTP (exporter process only)",
        &[
            "in flight",
            "probes",
            "exporter",
            "ok",
            "CPU/probe",
            "probes/s",
            "peak RSS",
            "CPU ratio",
            "RSS ratio",
        ],
    );
    for &(concurrency, probes) in levels {
        eprintln!(
            "part 5: {concurrency} in flight, {probes} probes over {} targets ...",
            targets.len()
        );
        let mut figures = Vec::new();
        for which in [Which::Blackbox, Which::Ours] {
            let running = start(which, &dir, cli, &ca)?;
            figures.push((which, load(&running, &targets, concurrency, probes)?));
        }
        let blackbox = figures[0].1;
        for (which, f) in &figures {
            let cpu_ratio =
                f.cpu_per_probe.as_secs_f64() / blackbox.cpu_per_probe.as_secs_f64().max(1e-12);
            let rss_ratio = f.peak_rss as f64 / blackbox.peak_rss.max(1) as f64;
            table.row(vec![
                concurrency.to_string(),
                probes.to_string(),
                match which {
                    Which::Ours => "starttls-cert serve".into(),
                    Which::Blackbox => "blackbox_exporter".into(),
                },
                format!("{}/{}", f.ok, f.sent),
                format!("{} µs", f.cpu_per_probe.as_micros()),
                format!("{:.0}", f.per_second),
                format!("{:.1} MiB", f.peak_rss as f64 / 1048576.0),
                format!("{cpu_ratio:.2}x"),
                format!("{rss_ratio:.2}x"),
            ]);
        }
    }
    table.note(format!(
        "target: our CPU per probe at most {CPU_RATIO_TARGET}x blackbox's; probe i goes to target i mod {} (the bench server's SMTP-STARTTLS listeners, each on its own loopback address and port), the same for both; both verify the bench certificate", targets.len()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(table)
}
