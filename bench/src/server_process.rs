//! The benchmark server as a child process: start it, learn its ports, ask
//! for its counters and CPU time, and stop it.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use starttls_engine::Protocol;

use crate::pki::{to_hex, BenchCert};
use crate::placement::{affinity, first_cpu, set_affinity, Placement};
use crate::rusage::CpuTime;
use crate::transcript::Transcript;

/// What the server counted so far.
#[derive(Clone, Copy, Debug, Default)]
pub struct ServerStats {
    /// Connections accepted.
    pub accepted: u64,
    /// Most connections open at once since the last reset.
    pub peak: u64,
    /// Failed `accept` calls (e.g. out of file descriptors).
    pub accept_errors: u64,
    /// The server process's CPU time.
    pub cpu: CpuTime,
}

/// Where one protocol is served, for real and as the wire floor.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// The real script with TLS.
    pub checks: SocketAddr,
    /// The replay of `transcript` (same bytes, no TLS).
    pub wire: SocketAddr,
    /// The shape of one check of this protocol.
    pub transcript: Transcript,
}

/// A running `starttls-bench serve` child.
pub struct ServerProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// SMTP (and LMTP).
    pub smtp: Endpoint,
    /// LDAP.
    pub ldap: Endpoint,
    /// The listen backlog the server asked for.
    pub backlog: u32,
    /// The CPUs the server may use when it runs free.
    free_cpus: libc::cpu_set_t,
    /// The extra SMTP targets, each on its own loopback address and port.
    pub smtp_targets: Vec<SocketAddr>,
}

fn field(line: &str, key: &str) -> Option<u64> {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
}

impl ServerProcess {
    /// Starts this executable as `serve` with `cert`, replaying the two
    /// transcripts on its wire-floor listeners, and waits until it listens.
    pub fn start(cert: &BenchCert, smtp: Transcript, ldap: Transcript) -> Result<Self, String> {
        Self::start_with_targets(cert, smtp, ldap, 0)
    }

    /// [`ServerProcess::start`] with `targets` extra SMTP listeners, each
    /// on its own loopback address ([`ServerProcess::smtp_targets`]).
    pub fn start_with_targets(
        cert: &BenchCert,
        smtp: Transcript,
        ldap: Transcript,
        targets: usize,
    ) -> Result<Self, String> {
        let free_cpus = affinity(0)?;
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .args([
                "serve",
                "--cert",
                &to_hex(&cert.cert),
                "--key",
                &to_hex(&cert.key),
                "--wire-smtp",
                &smtp.to_arg(),
                "--wire-ldap",
                &ldap.to_arg(),
                "--smtp-targets",
                &targets.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the server process: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or("no server stdout")?;
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .map_err(|e| format!("server did not start: {e}"))?;
        let ready = line.clone();
        let ports = ["smtp", "ldap", "wire_smtp", "wire_ldap"].map(|k| field(&line, k));
        let [Some(smtp_port), Some(ldap_port), Some(wire_smtp), Some(wire_ldap)] = ports else {
            let _ = child.kill();
            return Err(format!("server did not start: {line:?}"));
        };
        let mut smtp_targets = Vec::with_capacity(targets);
        if targets > 0 {
            line.clear();
            stdout
                .read_line(&mut line)
                .map_err(|e| format!("server did not start: {e}"))?;
            let list = line.trim().strip_prefix("TARGETS ").unwrap_or_default();
            for addr in list.split(',') {
                smtp_targets.push(
                    addr.parse()
                        .map_err(|_| format!("server sent a bad target list: {line:?}"))?,
                );
            }
            if smtp_targets.len() != targets {
                let _ = child.kill();
                return Err(format!("server did not start its targets: {line:?}"));
            }
        }
        let at = |port: u64| SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port as u16);
        Ok(ServerProcess {
            child,
            stdin,
            stdout,
            smtp: Endpoint {
                checks: at(smtp_port),
                wire: at(wire_smtp),
                transcript: smtp,
            },
            ldap: Endpoint {
                checks: at(ldap_port),
                wire: at(wire_ldap),
                transcript: ldap,
            },
            backlog: field(&ready, "backlog").unwrap_or(0) as u32,
            free_cpus,
            smtp_targets,
        })
    }

    /// Where `protocol` is served.
    pub fn endpoint(&self, protocol: Protocol) -> &Endpoint {
        match protocol {
            Protocol::Ldap => &self.ldap,
            _ => &self.smtp,
        }
    }

    /// Places the server's serving thread as `placement` asks and returns
    /// the CPU its clients must be pinned to (`None`: run free).
    pub fn place(&mut self, placement: Placement) -> Result<Option<usize>, String> {
        // The serving thread is the main thread, whose id is the pid.
        let pid = self.child.id() as i32;
        match placement {
            Placement::Free => set_affinity(pid, &self.free_cpus).map(|()| None),
            Placement::OneCore => {
                let cpu = first_cpu(&self.free_cpus).ok_or("no CPU to pin to")?;
                crate::placement::pin(pid, cpu)?;
                Ok(Some(cpu))
            }
        }
    }

    fn command(&mut self, command: &str) -> Result<String, String> {
        let stdin = self.stdin.as_mut().ok_or("server stopped")?;
        writeln!(stdin, "{command}").map_err(|e| e.to_string())?;
        stdin.flush().map_err(|e| e.to_string())?;
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        Ok(line)
    }

    /// The server's counters and CPU time now.
    pub fn stats(&mut self) -> Result<ServerStats, String> {
        let line = self.command("stats")?;
        let get = |k| field(&line, k).unwrap_or(0);
        Ok(ServerStats {
            accepted: get("accepted"),
            peak: get("peak"),
            accept_errors: get("accept_errors"),
            cpu: CpuTime {
                user: Duration::from_micros(get("user_us")),
                system: Duration::from_micros(get("sys_us")),
            },
        })
    }

    /// Resets the peak-connections counter.
    pub fn reset_peak(&mut self) -> Result<(), String> {
        self.command("reset").map(|_| ())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // Closing stdin ends the server; kill it should it not notice.
        self.stdin = None;
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
