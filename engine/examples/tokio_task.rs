//! The probe inside tokio tasks instead of mio: the same driver contract,
//! written with `async` reads and writes bounded by the probe's deadline.
//!
//! Three simulated servers (Postfix, Dovecot LMTP and OpenLDAP) run on
//! loopback ports; one task checks each, concurrently, on a single-threaded
//! runtime.
//!
//! ```text
//! cargo run -p starttls-engine --example tokio_task
//! ```

use std::error::Error;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use starttls_engine::{Config, Input, Output, Probe, ProbeError, Report};
use starttls_sim::certs::{CertKind, KeyKind, SERVER_NAME};
use starttls_sim::loopback::LoopbackServer;
use starttls_sim::personality::Personality;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout, timeout_at, Instant};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tokio_task: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let personalities = [
        Personality::Postfix,
        Personality::DovecotLmtp,
        Personality::OpenLdap,
    ];
    let servers = personalities
        .iter()
        .map(|&p| LoopbackServer::start(p, CertKind::Good, KeyKind::EcdsaP256))
        .collect::<Result<Vec<_>, _>>()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let tasks: Vec<_> = servers
            .iter()
            .map(|server| {
                let personality = server.personality();
                let config = Config::new(personality.protocol()).with_server_name(SERVER_NAME);
                let addr = server.addr();
                tokio::spawn(async move {
                    let result = match config {
                        Ok(config) => check(addr, config).await,
                        Err(e) => Err(e.into()),
                    };
                    (personality, result)
                })
            })
            .collect();
        let mut failed = 0;
        for task in tasks {
            let (personality, result) = task.await?;
            match result {
                Ok(report) => println!(
                    "{:<13} {} {}: {} certificate(s), {}, {:?}",
                    personality.name(),
                    report.protocol,
                    report.tls_version_name(),
                    report.chain.len(),
                    report.cipher_suite_name(),
                    report.total,
                ),
                Err(e) => {
                    failed += 1;
                    println!("{:<13} failed: {e}", personality.name());
                }
            }
        }
        if failed > 0 {
            return Err(format!("{failed} check(s) failed").into());
        }
        Ok::<(), Box<dyn Error>>(())
    })
}

/// Connects (bounded on its own: the probe's limits start after connect),
/// then runs the probe.
async fn check(addr: SocketAddr, config: Config) -> Result<Report, Box<dyn Error + Send + Sync>> {
    let stream = timeout(Duration::from_secs(5), TcpStream::connect(addr)).await??;
    Ok(drive(stream, config).await?)
}

/// The driver loop: drain `Transmit`, then read until the probe's deadline;
/// every write is bounded by the same deadline.
async fn drive(mut stream: TcpStream, config: Config) -> Result<Report, ProbeError> {
    let mut probe = Probe::new(config, Instant::now().into_std());
    let mut buf = vec![0u8; 4096];
    loop {
        match probe.poll_output() {
            Output::Transmit(bytes) => {
                let deadline = Instant::from_std(probe.deadline());
                match timeout_at(deadline, stream.write_all(&bytes)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => probe.handle_input(Input::Closed, now()),
                    Err(_) => probe.handle_input(Input::Timeout, now()),
                }
            }
            Output::Done(result) => return result,
            // `Wait`, and whatever a later version adds: read until the deadline.
            _ => {
                let deadline = Instant::from_std(probe.deadline());
                match timeout_at(deadline, stream.read(&mut buf)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => probe.handle_input(Input::Closed, now()),
                    Ok(Ok(n)) => probe.handle_input(Input::Received(&buf[..n]), now()),
                    Err(_) => probe.handle_input(Input::Timeout, now()),
                }
            }
        }
    }
}

/// The monotonic time the probe is fed, from tokio's clock (which tests can
/// pause and advance).
fn now() -> std::time::Instant {
    Instant::now().into_std()
}
