//! `starttls-bench`: where starttls-cert stands, as tables.
//!
//! 1. One check end to end (process start to exit) against loopback
//!    servers, side by side with `openssl s_client -starttls … </dev/null`.
//! 2. Many checks through io-mio against the benchmark server in its own
//!    process: checks per second, client CPU per check, peak RSS per
//!    concurrent probe, at 1, 100, 1000 and 10000 probes in flight; with
//!    client and server free on every core and sharing one core; next to
//!    the wire floor, the same bytes over the same loopback without TLS.
//! 3. The floor: client CPU of a bare in-memory rustls handshake with the
//!    same certificate, and of the engine's probe in memory.
//! 4. `starttls-cert --targets` over a list of 10,000 loopback targets
//!    (1,000 with `--quick`): wall time and the process's CPU time.
//! 5. The exporters (`--parts 5`): `starttls-cert serve` against Debian's
//!    prometheus-blackbox-exporter, probing the benchmark server's SMTP
//!    STARTTLS over HTTP at 1, 100 and 1,000 probes in flight, spread over
//!    100 distinct loopback targets (10 with `--quick`): exporter CPU per
//!    probe, probes per second, peak RSS.
//!
//! Run it in release mode: `cargo run --release -p starttls-bench`
//! (`-- --quick` for a smoke run under a minute). Every figure is a median
//! over several runs; the machine is shared, so expect noise.

mod bare_tls;
mod client_loop;
mod dialogue;
mod exporters;
mod fleet;
mod floor;
mod machine;
mod many;
mod memory;
mod pki;
mod placement;
mod replay;
mod replay_client;
mod report;
mod rusage;
mod server;
mod server_process;
mod single;
mod stats;
mod table;
mod transcript;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use starttls_engine::Protocol;

/// Benchmarks starttls-cert and prints tables.
#[derive(Debug, Parser)]
#[command(name = "starttls-bench")]
struct Cli {
    #[command(subcommand)]
    command: Option<Internal>,

    /// Small counts for a smoke run (finishes in well under a minute)
    #[arg(long)]
    quick: bool,

    /// Which parts to run, e.g. 1,3 (5, the exporter race against blackbox_exporter, only when asked for)
    #[arg(long, value_delimiter = ',', default_value = "1,2,3,4")]
    parts: Vec<u8>,

    /// Probes in flight for part 2 [default: 1,100,1000,10000; quick: 1,100,1000]
    #[arg(long, value_delimiter = ',')]
    concurrency: Vec<usize>,

    /// Repetitions of each measurement (medians are reported) [default: 3 for part 2, 20 for part 1; quick: 1 and 5]
    #[arg(long)]
    runs: Option<usize>,

    /// Protocols for parts 1 and 2
    #[arg(long, value_delimiter = ',', default_value = "smtp,ldap")]
    protocols: Vec<String>,

    /// The starttls-cert binary for parts 1 and 4 [default: next to this one]
    #[arg(long, value_name = "PATH")]
    cli: Option<PathBuf>,

    /// Part 2 process placements: free (no pinning), one-core (client and server pinned to one CPU)
    #[arg(long, value_delimiter = ',', default_value = "free,one-core")]
    placements: Vec<String>,

    /// A running tests/interop instance (its directory, holding servers.env) whose real
    /// Postfix, Dovecot, slapd and 389-ds part 1 also checks [default: $INTEROP_DIR, else /tmp/starttls-interop]
    #[arg(long, value_name = "DIR")]
    interop: Option<PathBuf>,
}

/// Subcommands the benchmark runs itself as; not for people.
#[derive(Debug, Subcommand)]
enum Internal {
    /// Serve SMTP and LDAP on loopback (the part 2 server process; also
    /// handy on its own for profiling a client against it).
    #[command(hide = true)]
    Serve {
        /// Certificate, DER as hex [default: a fresh one]
        #[arg(long, requires = "key")]
        cert: Option<String>,
        /// PKCS#8 private key, DER as hex
        #[arg(long, requires = "cert")]
        key: Option<String>,
        /// Transcript the SMTP wire-floor listener replays [default: an SMTP check's]
        #[arg(long)]
        wire_smtp: Option<String>,
        /// Transcript the LDAP wire-floor listener replays [default: an LDAP check's]
        #[arg(long)]
        wire_ldap: Option<String>,
        /// Extra SMTP-STARTTLS listeners, each on its own loopback address
        /// and port (listed on a `TARGETS` line after `READY`)
        #[arg(long, default_value_t = 0)]
        smtp_targets: usize,
    },
    /// Run one batch of checks and print its figures (a part 2 client).
    #[command(hide = true)]
    ManyOnce {
        /// smtp or ldap.
        #[arg(long)]
        protocol: String,
        #[command(flatten)]
        batch: BatchArgs,
    },
    /// Run one batch of a floor client and print its figures: `wire`
    /// replays a check's byte counts without TLS, `bare` does the check's
    /// conversation with rustls alone.
    #[command(hide = true)]
    FloorOnce {
        /// wire or bare.
        #[arg(long)]
        kind: String,
        /// smtp or ldap (the bare client's commands).
        #[arg(long)]
        protocol: String,
        /// The check's transcript, GREETING/C:S,C:S,...
        #[arg(long)]
        transcript: String,
        #[command(flatten)]
        batch: BatchArgs,
    },
    /// Time bare in-memory handshakes and print the client's CPU per
    /// handshake (the part 2 denominator, taken beside each batch).
    #[command(hide = true)]
    HandshakeOnce {
        /// Handshakes to time.
        #[arg(long)]
        count: usize,
        /// Pin the process to this CPU.
        #[arg(long)]
        cpu: Option<usize>,
    },
}

/// Where and how much one part 2 client process runs.
#[derive(Debug, clap::Args)]
struct BatchArgs {
    /// The server (for `floor-once --kind wire`, its wire-floor listener).
    #[arg(long)]
    addr: SocketAddr,
    /// Connections in flight.
    #[arg(long)]
    concurrency: usize,
    /// Checks (connections) in the batch.
    #[arg(long)]
    checks: usize,
    /// Pin the process to this CPU.
    #[arg(long)]
    cpu: Option<usize>,
}

fn protocol(name: &str) -> Result<Protocol, String> {
    match name.to_ascii_lowercase().as_str() {
        "smtp" => Ok(Protocol::Smtp),
        "lmtp" => Ok(Protocol::Lmtp),
        "ldap" => Ok(Protocol::Ldap),
        _ => Err(format!("unknown protocol {name:?} (smtp, ldap)")),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Internal::Serve {
            cert,
            key,
            wire_smtp,
            wire_ldap,
            smtp_targets,
        }) => serve(
            cert.as_deref(),
            key.as_deref(),
            wire_smtp.as_deref(),
            wire_ldap.as_deref(),
            *smtp_targets,
        ),
        Some(Internal::ManyOnce { protocol: p, batch }) => pin_self(batch.cpu)
            .and_then(|()| protocol(p))
            .map(|p| many::run_once(p, batch.addr, batch.concurrency, batch.checks)),
        Some(Internal::FloorOnce {
            kind,
            protocol: p,
            transcript,
            batch,
        }) => pin_self(batch.cpu).and_then(|()| floor_once(kind, protocol(p)?, transcript, batch)),
        Some(Internal::HandshakeOnce { count, cpu }) => pin_self(*cpu)
            .and_then(|()| floor::handshakes(*count))
            .map(|d| println!("{}", many::handshake_line(d))),
        None => plan(&cli)
            .and_then(|plan| report::run(&plan))
            .and_then(|()| match cli.parts.contains(&5) {
                true => part5(&cli),
                false => Ok(()),
            }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("starttls-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The plan for the command line's flags.
fn plan(cli: &Cli) -> Result<report::Plan, String> {
    let protocols = cli
        .protocols
        .iter()
        .map(|p| protocol(p))
        .collect::<Result<Vec<_>, _>>()?;
    let placements = cli
        .placements
        .iter()
        .map(|p| placement::Placement::parse(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut plan = report::Plan::new(
        cli.quick,
        &cli.parts,
        &cli.concurrency,
        cli.runs,
        protocols,
        placements,
        cli.cli.clone(),
    );
    plan.interop = single::interop_dir(cli.interop.as_deref());
    Ok(plan)
}

/// Part 5: the exporter race, against a fresh benchmark server.
fn part5(cli: &Cli) -> Result<(), String> {
    let exe = cli
        .cli
        .clone()
        .or_else(single::default_cli)
        .ok_or("part 5 needs the starttls-cert binary: build it or give --cli")?;
    let cert = pki::BenchCert::generate()?;
    let config = cert.server_config()?;
    let smtp = floor::transcript(dialogue::Kind::Smtp, &config)?;
    let ldap = floor::transcript(dialogue::Kind::Ldap, &config)?;
    // Distinct targets (each its own loopback address and port), the
    // load spread over them alike for both exporters: no cache keyed by
    // the target can favour either side.
    let targets = if cli.quick { 10 } else { exporters::TARGETS };
    let server = server_process::ServerProcess::start_with_targets(&cert, smtp, ldap, targets)?;
    let levels: Vec<usize> = if cli.concurrency.is_empty() {
        vec![1, 100, 1000]
    } else {
        cli.concurrency.clone()
    };
    let per_level = |c: usize| match (cli.quick, c) {
        (true, 1) => 20,
        (true, c) => c.max(100),
        (false, 1) => 200,
        (false, c) => (c * 5).max(2000),
    };
    let levels: Vec<(usize, usize)> = levels.iter().map(|&c| (c, per_level(c))).collect();
    let table = exporters::run(&exe, &cert, &server.smtp_targets, &levels)?;
    println!("{table}");
    Ok(())
}

/// Runs one batch of the `kind` floor client (`floor-once`).
fn floor_once(
    kind: &str,
    protocol: Protocol,
    transcript: &str,
    batch: &BatchArgs,
) -> Result<(), String> {
    let transcript = transcript::Transcript::parse(transcript)?;
    let (addr, concurrency, checks) = (batch.addr, batch.concurrency, batch.checks);
    match kind {
        "wire" => {
            let make = || replay_client::ReplayClient::new(&transcript);
            client_loop::run_batch("no TLS", make, addr, concurrency, checks);
        }
        "bare" => {
            let plan = bare_tls::BarePlan::new(protocol, &transcript)?;
            let make = || bare_tls::BareTls::new(&plan);
            client_loop::run_batch("bare rustls", make, addr, concurrency, checks);
        }
        _ => return Err(format!("unknown floor client {kind:?} (wire, bare)")),
    }
    Ok(())
}

/// Pins this process (it has one thread yet) to `cpu`, when given.
fn pin_self(cpu: Option<usize>) -> Result<(), String> {
    cpu.map_or(Ok(()), |cpu| placement::pin(0, cpu))
}

fn serve(
    cert: Option<&str>,
    key: Option<&str>,
    wire_smtp: Option<&str>,
    wire_ldap: Option<&str>,
    smtp_targets: usize,
) -> Result<(), String> {
    let cert = match (cert, key) {
        (Some(cert), Some(key)) => pki::BenchCert {
            cert: pki::from_hex(cert).ok_or("--cert is not hex")?,
            key: pki::from_hex(key).ok_or("--key is not hex")?,
        },
        _ => pki::BenchCert::generate()?,
    };
    let config = cert.server_config()?;
    let transcript = |given: Option<&str>, kind| match given {
        Some(text) => transcript::Transcript::parse(text),
        None => floor::transcript(kind, &config),
    };
    server::serve(
        &cert,
        transcript(wire_smtp, dialogue::Kind::Smtp)?,
        transcript(wire_ldap, dialogue::Kind::Ldap)?,
        smtp_targets,
    )
}
