//! Set-up shared by the end-to-end tests: the binary, a scratch directory
//! of this test process, the simulator's root CA as a PEM file, simulated
//! servers and loopback ports that refuse or never speak.

#![allow(dead_code)] // each test file uses its own part

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};

use starttls_sim::certs::{CertKind, KeyKind, TestPki};
use starttls_sim::loopback::LoopbackServer;
use starttls_sim::personality::Personality;

/// The time validity is judged at (`--at`), so days are exact.
pub const AT: &str = "2030-01-01T00:00:00Z";

/// The name the simulator's certificates are issued for.
pub const SIM_NAME: &str = "mail.sim.test";

/// The `starttls-cert` binary.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_starttls-cert"))
}

/// A directory of this test process's own, named for `what`, under Cargo's
/// `CARGO_TARGET_TMPDIR` (inside the build's target directory, not the
/// machine's shared `/tmp`, where every run used to leave one behind).
pub fn scratch(what: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("starttls-cert-{what}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The simulator's root CA as a PEM file, written once per test process.
pub fn root_pem() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let path = scratch("sim-root").join("sim-root.pem");
        std::fs::write(&path, TestPki::shared().root_pem()).unwrap();
        path
    })
}

/// What a run of the binary printed and how it exited.
pub struct Run {
    /// Standard output.
    pub stdout: String,
    /// The exit code.
    pub code: i32,
}

/// Runs the binary with `args` and `stdin` as its standard input.
pub fn run_with_stdin(args: &[&str], stdin: &str) -> Run {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // A command that refuses its arguments exits without reading stdin:
    // the write may then fail with a broken pipe, which changes nothing.
    let written = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    let out = child.wait_with_output().unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        code: out.status.code().unwrap_or(-1),
    }
}

/// A simulated server with a certificate of `cert` kind.
pub fn server(personality: Personality, cert: CertKind) -> LoopbackServer {
    LoopbackServer::start(personality, cert, KeyKind::EcdsaP256).unwrap()
}

/// A loopback port nothing listens on (bound, then released).
pub fn refusing_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// A loopback server that accepts connections and never sends a byte; it
/// keeps them open until dropped.
pub struct Silent {
    /// Where it listens.
    pub addr: SocketAddr,
    _held: Arc<Mutex<Vec<TcpStream>>>,
}

/// Starts a [`Silent`] server.
pub fn silent_server() -> Silent {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = held.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            if let Ok(mut held) = keep.lock() {
                held.push(conn);
            }
        }
    });
    Silent { addr, _held: held }
}
