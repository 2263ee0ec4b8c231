//! The benchmark server as a child process: start it, learn its ports, ask
//! for its counters and CPU time, and stop it.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use crate::pki::{to_hex, BenchCert};
use crate::rusage::CpuTime;

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

/// A running `starttls-bench serve` child.
pub struct ServerProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// Where SMTP is served.
    pub smtp: SocketAddr,
    /// Where LDAP is served.
    pub ldap: SocketAddr,
    /// The listen backlog the server asked for.
    pub backlog: u32,
}

fn field(line: &str, key: &str) -> Option<u64> {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
}

impl ServerProcess {
    /// Starts this executable as `serve` with `cert` and waits until it listens.
    pub fn start(cert: &BenchCert) -> Result<Self, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .args([
                "serve",
                "--cert",
                &to_hex(&cert.cert),
                "--key",
                &to_hex(&cert.key),
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
        let (Some(smtp), Some(ldap)) = (field(&line, "smtp"), field(&line, "ldap")) else {
            let _ = child.kill();
            return Err(format!("server did not start: {line:?}"));
        };
        let at = |port: u64| SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port as u16);
        Ok(ServerProcess {
            child,
            stdin,
            stdout,
            smtp: at(smtp),
            ldap: at(ldap),
            backlog: field(&line, "backlog").unwrap_or(0) as u32,
        })
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
