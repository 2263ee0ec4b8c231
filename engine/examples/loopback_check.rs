//! One check from start to finish: a blocking driver loop over a real TCP
//! connection, then the certificate analysis with the operating system's
//! roots.
//!
//! The server is the simulator's scripted Postfix on a free loopback port,
//! serving a chain from the simulator's test PKI. The operating system does
//! not trust that test root, so the analysis runs twice: with the OS roots
//! alone (not trusted, as any client would say) and with the test root
//! added the way a user's `--ca-trust` file adds it (trusted).
//!
//! ```text
//! cargo run -p starttls-engine --features native-roots --example loopback_check
//! ```

use std::error::Error;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use starttls_engine::analysis::{analyze, AnalysisOptions, NameCheck, TrustStore};
use starttls_engine::{Config, Input, Output, Probe, ProbeError, Protocol, Report, UnixTime};
use starttls_sim::certs::{CertKind, KeyKind, TestPki, SERVER_NAME};
use starttls_sim::loopback::LoopbackServer;
use starttls_sim::personality::Personality;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loopback_check: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let server = LoopbackServer::start(Personality::Postfix, CertKind::Good, KeyKind::EcdsaP256)?;
    println!("server: simulated Postfix on {}", server.addr());

    // DNS and connect are the driver's business; the probe starts after them.
    let stream = TcpStream::connect_timeout(&server.addr(), Duration::from_secs(5))?;
    let config = Config::new(Protocol::Smtp)
        .with_server_name(SERVER_NAME)?
        .with_hello_name("monitor.example.net")?;
    let report = drive(stream, config)?;
    println!(
        "probe: {} certificate(s), {}, {}, SNI {:?}, closed {:?}, {:?} in all",
        report.chain.len(),
        report.tls_version_name(),
        report.cipher_suite_name(),
        report.sni.as_deref().unwrap_or("(none)"),
        report.close,
        report.total,
    );

    // Load the OS roots once; a long-running embedder keeps the store.
    let native = match TrustStore::from_native_roots() {
        Ok(native) => {
            println!(
                "trust: {} roots from the operating system ({} skipped)",
                native.store.len(),
                native.skipped
            );
            native.store
        }
        Err(e) => {
            println!("trust: {e}; going on with an empty store");
            TrustStore::new()
        }
    };
    let options = |store: TrustStore| {
        AnalysisOptions::new(UnixTime::now(), store)
            .with_name(SERVER_NAME)
            .with_name_check(NameCheck::CnSan)
    };

    let os_only = analyze(&report.chain, &options(native.clone()))?;
    println!("analysis, OS roots only: {}", os_only.trust);
    if os_only.trust.is_trusted() {
        return Err("the simulator's test root must not be trusted by the OS".into());
    }

    let mut with_test_root = native;
    with_test_root.add_der(TestPki::shared().root_der())?;
    let cert = analyze(&report.chain, &options(with_test_root))?;
    println!("analysis, OS roots + the test root:");
    println!("  days to expiration  {}", cert.days_to_expiration);
    println!("  common name check   {}", cert.name_check);
    println!("  public key          {}", cert.public_key);
    println!("  root trusted        {}", cert.trust);
    println!("  self-signed         {}", cert.self_signed);
    if !cert.trust.is_trusted() || !cert.name_check.is_match() {
        return Err("the chain should be trusted and match its name".into());
    }
    Ok(())
}

/// The driver contract of the crate docs over a blocking socket: drain
/// `Transmit`, bound every read and write by the probe's deadline, turn EOF
/// and errors into `Closed`.
fn drive(mut stream: TcpStream, config: Config) -> Result<Report, ProbeError> {
    let mut probe = Probe::new(config, Instant::now());
    let mut buf = [0u8; 4096];
    loop {
        match probe.poll_output() {
            Output::Transmit(bytes) => {
                let left = probe.deadline().saturating_duration_since(Instant::now());
                if left.is_zero() {
                    probe.handle_input(Input::Timeout, Instant::now());
                    continue;
                }
                // A write that fails or times out ends the conversation.
                let sent = stream.set_write_timeout(Some(left)).is_ok()
                    && stream.write_all(&bytes).is_ok();
                if !sent {
                    probe.handle_input(Input::Closed, Instant::now());
                }
            }
            Output::Done(result) => return result,
            // `Wait`, and whatever a later version adds: read until the deadline.
            _ => {
                let now = Instant::now();
                let left = probe.deadline().saturating_duration_since(now);
                if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
                    probe.handle_input(Input::Timeout, now);
                    continue;
                }
                let input_at = Instant::now;
                match stream.read(&mut buf) {
                    Ok(0) => probe.handle_input(Input::Closed, input_at()),
                    Ok(n) => probe.handle_input(Input::Received(&buf[..n]), input_at()),
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                        probe.handle_input(Input::Timeout, input_at())
                    }
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => probe.handle_input(Input::Closed, input_at()),
                }
            }
        }
    }
}
