//! Part 4: `starttls-cert --targets` over a list of N loopback SMTP
//! targets (the benchmark server, one line per target), as a user runs it:
//! one process, wall time and the CPU time (user + system) it used,
//! from `getrusage(RUSAGE_CHILDREN)` around waiting for it.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::pki::{BenchCert, NAME};
use crate::rusage::CpuTime;

/// What one `--targets` run measured.
#[derive(Clone, Debug)]
pub struct FleetRun {
    /// Targets the summary line counts as OK.
    pub ok: usize,
    /// The summary line (Nagios format).
    pub summary: String,
    /// Start to exit.
    pub wall: Duration,
    /// The process's CPU time.
    pub cpu: CpuTime,
}

/// CPU time of every waited-for child so far (`RUSAGE_CHILDREN`).
fn children_cpu() -> CpuTime {
    // SAFETY: getrusage writes a plain C struct we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    if rc != 0 {
        return CpuTime::default();
    }
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    CpuTime {
        user: tv(usage.ru_utime),
        system: tv(usage.ru_stime),
    }
}

/// Standard base64 of `bytes`, for the PEM file.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The certificate as a PEM file the list's checks trust.
fn write_pem(cert: &BenchCert, dir: &Path) -> Result<PathBuf, String> {
    let body = base64(&cert.cert);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    let path = dir.join("bench-cert.pem");
    std::fs::write(&path, pem).map_err(|e| e.to_string())?;
    Ok(path)
}

/// Runs `cli --targets` over `targets` lines naming `addr` (SMTP), at most
/// `concurrency` at once.
pub fn measure(
    cli: &Path,
    cert: &BenchCert,
    addr: SocketAddr,
    targets: usize,
    concurrency: usize,
) -> Result<FleetRun, String> {
    let dir = std::env::temp_dir().join(format!("starttls-bench-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let pem = write_pem(cert, &dir)?;
    let list = dir.join("targets.txt");
    let line = format!("{} {} smtp\n", addr.ip(), addr.port());
    std::fs::write(&list, line.repeat(targets)).map_err(|e| e.to_string())?;
    let before = children_cpu();
    let start = Instant::now();
    let mut child = Command::new(cli)
        .arg("--targets")
        .arg(&list)
        .args([
            "--format",
            "nagios",
            "--concurrency",
            &concurrency.to_string(),
        ])
        .args(["--no-system-ca-trust", "--ca-trust"])
        .arg(&pem)
        .args(["--sni-domain", NAME, "--name-validation", "cn-san"])
        .args(["--timeout", "60", "--hello-name", "bench.test"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", cli.display()))?;
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        stdout.read_to_string(&mut out).map_err(|e| e.to_string())?;
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    let wall = start.elapsed();
    let cpu = children_cpu().since(before);
    let _ = std::fs::remove_dir_all(&dir);
    let summary = out.lines().next().unwrap_or_default().to_owned();
    if !matches!(status.code(), Some(0..=3)) {
        return Err(format!(
            "starttls-cert --targets failed ({status}): {summary}"
        ));
    }
    // The performance data counts them: `... | targets=N ok=N warning=...`.
    let ok = summary
        .split_whitespace()
        .find_map(|w| w.strip_prefix("ok=")?.parse().ok())
        .unwrap_or(0);
    Ok(FleetRun {
        ok,
        summary,
        wall,
        cpu,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads_like_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
