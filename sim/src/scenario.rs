//! One simulated check: a [`Probe`] and a [`SimServer`] joined by a faulty
//! [`Wire`] under a [`VirtualClock`], run until the probe is done.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::ServerConfig;
use starttls_engine::{Config, Input, Output, Probe, ProbeError, Report};

use crate::certs::{CertKind, KeyKind, ServerIdentity, TestPki, SERVER_NAME};
use crate::clock::VirtualClock;
#[cfg(feature = "deterministic")]
use crate::deterministic::{SeededCrypto, SeededPki};
use crate::faults::{Faults, Piece, Turns, Wire};
use crate::personality::Personality;
#[cfg(feature = "deterministic")]
use crate::personality::TlsStyle;
use crate::server::{ServerOutput, SimServer};

/// The EHLO/LHLO name scenarios send.
pub const HELLO_NAME: &str = "probe.sim.test";

/// Everything that defines a run; the same scenario gives the same run.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Who the server is.
    pub personality: Personality,
    /// The certificate it serves.
    pub cert: CertKind,
    /// The leaf key type.
    pub key: KeyKind,
    /// What goes wrong.
    pub faults: Faults,
    /// Seed of every random choice.
    pub seed: u64,
    /// The probe's configuration.
    pub config: Config,
    /// The cryptography both sides use.
    pub crypto: SimCrypto,
}

/// The cryptography of a simulated run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimCrypto {
    /// ring with the system's random numbers and clock, serving the
    /// scenario's `cert` and `key`: the TLS bytes differ from run to run.
    #[default]
    Ring,
    /// (Feature `deterministic`.) [`SeededCrypto`] from the scenario's seed on both sides (the probe's
    /// [`Config::with_crypto`] and the server) and the Ed25519
    /// [`SeededPki`] chain instead of the scenario's `cert` and `key`
    /// (odd-key personalities keep their own key and ring): the same
    /// scenario gives the same bytes, in any process.
    #[cfg(feature = "deterministic")]
    Seeded,
}

impl Scenario {
    /// A clean run against `personality`: good ECDSA P-256 chain, no
    /// faults, seed 0, default limits, SNI [`SERVER_NAME`], hello name
    /// [`HELLO_NAME`].
    pub fn new(personality: Personality) -> Self {
        let config = Config::new(personality.protocol())
            .with_hello_name(HELLO_NAME)
            .and_then(|c| c.with_server_name(SERVER_NAME))
            .expect("the simulator's constant names are valid");
        Scenario {
            personality,
            cert: CertKind::Good,
            key: KeyKind::EcdsaP256,
            faults: Faults::none(),
            seed: 0,
            config,
            crypto: SimCrypto::Ring,
        }
    }

    /// The same scenario with another certificate and key.
    pub fn with_cert(mut self, cert: CertKind, key: KeyKind) -> Self {
        self.cert = cert;
        self.key = key;
        self
    }

    /// The same scenario with `faults`.
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// The same scenario against a server that says only `turns`
    /// ([`Faults::turns`]); the personality names the protocol.
    pub fn with_turns(mut self, turns: Turns) -> Self {
        self.faults.turns = Some(turns);
        self
    }

    /// The same scenario with `seed`.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The same scenario on seeded, insecure crypto ([`SimCrypto::Seeded`]):
    /// every byte of the run follows from the seed. Insecure: feature
    /// `deterministic`, for tests and fuzzing only.
    #[cfg(feature = "deterministic")]
    pub fn with_seeded_crypto(mut self) -> Self {
        self.crypto = SimCrypto::Seeded;
        self
    }
}

/// Who did what, when, in a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Traffic {
    /// The probe sent bytes.
    ToServer(Vec<u8>),
    /// Bytes reached the probe.
    ToClient(Vec<u8>),
    /// The server's close reached the probe.
    ServerClosed,
    /// The probe's deadline passed.
    Deadline,
    /// The probe closed the connection and opened a new one (legacy capture).
    Reconnected,
}

/// One entry of a [`SimOutcome::server_log`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// Virtual time since the start.
    pub at: Duration,
    /// What happened.
    pub traffic: Traffic,
}

/// What a run produced.
#[derive(Clone, Debug)]
pub struct SimOutcome {
    /// The probe's result.
    pub result: Result<Report, ProbeError>,
    /// Virtual time from `Probe::new` to `Output::Done`.
    pub elapsed: Duration,
    /// The largest [`Probe::buffered`] seen after any input.
    pub max_buffered: usize,
    /// What the probe sent before TLS, as the server read it.
    pub client_sent: Vec<u8>,
    /// Whether the server got the probe's goodbye (`QUIT`/unbind) in TLS.
    pub server_saw_goodbye: bool,
    /// Whether the probe's close_notify reached the server in the same read
    /// as its goodbye, instead of after the goodbye's reply.
    pub close_notify_with_goodbye: bool,
    /// Every transmission, delivery, close and deadline, in order.
    pub server_log: Vec<LogEntry>,
    /// TCP connections the probe used: 2 after a legacy capture's reconnect.
    pub connections: usize,
}

impl SimOutcome {
    /// The probe's error; when a legacy capture's second connection failed
    /// too, the first (rustls) attempt's error, which names what the server
    /// did wrong. `None` when the check passed.
    pub fn first_attempt_error(&self) -> Option<&ProbeError> {
        match &self.result {
            Ok(_) => None,
            Err(ProbeError::Legacy { first, .. }) => Some(first),
            Err(error) => Some(error),
        }
    }
}

/// The probe did not finish: an engine bug (a hang).
#[derive(Clone, Debug)]
pub struct Hang {
    /// Virtual time when the simulation gave up.
    pub elapsed: Duration,
    /// The last log entries.
    pub tail: Vec<LogEntry>,
}

impl fmt::Display for Hang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "probe still running after {:?} of virtual time; last events: {:?}",
            self.elapsed, self.tail
        )
    }
}

impl std::error::Error for Hang {}

/// Steps after which a run counts as hung whatever the clock says.
const MAX_STEPS: usize = 1_000_000;

/// Runs `scenario` to the end.
///
/// # Panics
/// If the probe does not finish ([`Hang`]): use [`try_run`] to get that as
/// a value.
pub fn run(scenario: &Scenario) -> SimOutcome {
    match try_run(scenario) {
        Ok(outcome) => outcome,
        Err(hang) => panic!("{hang}"),
    }
}

/// Runs `scenario`, giving up when the probe is still busy well past its
/// overall deadline (virtual time) or after a million steps.
pub fn try_run(scenario: &Scenario) -> Result<SimOutcome, Hang> {
    let servers = Servers::new(scenario);
    let epoch = Instant::now(); // the one real clock reading of a run
    let mut sim = Sim {
        clock: VirtualClock::starting_at(epoch),
        server: servers.accept(),
        wire: Wire::new(&scenario.faults, scenario.seed),
        queue: VecDeque::new(),
        last_piece_at: epoch,
        log: Vec::new(),
        #[cfg(feature = "deterministic")]
        seeded: servers.seeded.clone(),
    };
    let timeouts = scenario.config.timeouts();
    // Saturating: `Duration::MAX` is a valid time limit.
    let give_up = timeouts
        .overall
        .max(timeouts.phase)
        .saturating_mul(2)
        .saturating_add(timeouts.closing)
        .saturating_add(Duration::from_secs(1));
    let config = servers.client_config();
    let mut probe = Probe::new(config, sim.clock.now());
    let mut max_buffered = probe.buffered();
    let mut connections = 1;
    sim.schedule_pending();
    for _ in 0..MAX_STEPS {
        match probe.poll_output() {
            Output::Reconnect => {
                // A new connection: a fresh server of the same personality;
                // whatever the old one still had in flight is gone. The
                // n-th connection's wire draws from seed + n, as on loopback.
                connections += 1;
                sim.server = servers.accept();
                sim.wire = Wire::new(
                    &scenario.faults,
                    scenario.seed.wrapping_add(connections as u64 - 1),
                );
                sim.queue.clear();
                sim.last_piece_at = sim.clock.now();
                sim.log(Traffic::Reconnected);
                probe.handle_input(Input::Reconnected, sim.clock.now());
                sim.schedule_pending();
            }
            Output::Transmit(bytes) => {
                sim.log(Traffic::ToServer(bytes.to_vec()));
                sim.server.receive(&bytes);
                sim.schedule_pending();
            }
            Output::Done(result) => {
                return Ok(SimOutcome {
                    result,
                    elapsed: sim.clock.elapsed(),
                    max_buffered,
                    client_sent: sim.server.client_plaintext().to_vec(),
                    server_saw_goodbye: sim.server.saw_goodbye(),
                    close_notify_with_goodbye: sim.server.close_notify_with_goodbye(),
                    server_log: sim.log,
                    connections,
                });
            }
            wait => {
                // `Output` may grow: anything new is waited out like `Wait`.
                let deadline = match wait {
                    Output::Wait(deadline) => deadline,
                    _ => probe.deadline(),
                };
                if sim.queue.is_empty() && !sim.wire.is_closed() {
                    // Only an endless reply can be left: pull one piece.
                    if let Some(out) = sim.server.poll_output() {
                        sim.schedule(out);
                    }
                }
                let due = sim.queue.front().is_some_and(|(at, _)| *at <= deadline);
                match sim.queue.pop_front() {
                    Some((at, piece)) if due => {
                        sim.advance_to(at);
                        match piece {
                            Delivery::Data(bytes) => {
                                sim.log(Traffic::ToClient(bytes.clone()));
                                probe.handle_input(Input::Received(&bytes), sim.clock.now());
                            }
                            Delivery::Closed => {
                                sim.log(Traffic::ServerClosed);
                                probe.handle_input(Input::Closed, sim.clock.now());
                            }
                        }
                    }
                    not_due => {
                        if let Some(entry) = not_due {
                            sim.queue.push_front(entry);
                        }
                        sim.advance_to(deadline);
                        sim.log(Traffic::Deadline);
                        probe.handle_input(Input::Timeout, sim.clock.now());
                    }
                }
                max_buffered = max_buffered.max(probe.buffered());
                if sim.clock.elapsed() > give_up {
                    break;
                }
            }
        }
    }
    let tail = sim.log[sim.log.len().saturating_sub(8)..].to_vec();
    Err(Hang {
        elapsed: sim.clock.elapsed(),
        tail,
    })
}

/// Makes the run's servers: one per connection, all alike.
struct Servers<'a> {
    scenario: &'a Scenario,
    identity: &'static ServerIdentity,
    /// With `SimCrypto::Seeded`: the providers.
    #[cfg(feature = "deterministic")]
    seeded: Option<SeededCrypto>,
    /// A TLS configuration other than the identity's (the seeded one;
    /// odd-key personalities keep theirs).
    tls_config: Option<Arc<ServerConfig>>,
}

impl<'a> Servers<'a> {
    fn new(scenario: &'a Scenario) -> Self {
        match scenario.crypto {
            SimCrypto::Ring => Servers {
                scenario,
                identity: TestPki::shared().identity(scenario.cert, scenario.key),
                #[cfg(feature = "deterministic")]
                seeded: None,
                tls_config: None,
            },
            #[cfg(feature = "deterministic")]
            SimCrypto::Seeded => {
                let seeded = SeededCrypto::new(scenario.seed);
                let identity = SeededPki::shared().identity();
                let config = match scenario.personality.tls() {
                    TlsStyle::OddKey(_) => None,
                    _ => Some(
                        seeded
                            .server_config(identity)
                            .expect("the seeded PKI's key suits the seeded provider"),
                    ),
                };
                Servers {
                    scenario,
                    identity,
                    seeded: Some(seeded),
                    tls_config: config,
                }
            }
        }
    }

    /// The probe's configuration: the scenario's, on the seeded client
    /// crypto when the run is seeded.
    fn client_config(&self) -> Config {
        #[cfg(feature = "deterministic")]
        if let Some(seeded) = &self.seeded {
            return self.scenario.config.clone().with_crypto(seeded.client());
        }
        self.scenario.config.clone()
    }

    fn accept(&self) -> SimServer {
        let (personality, faults) = (self.scenario.personality, &self.scenario.faults);
        match &self.tls_config {
            Some(config) => {
                SimServer::with_tls_config(personality, self.identity, faults, config.clone())
            }
            None => SimServer::new(personality, self.identity, faults),
        }
    }
}

enum Delivery {
    Data(Vec<u8>),
    Closed,
}

struct Sim {
    clock: VirtualClock,
    server: SimServer,
    wire: Wire,
    queue: VecDeque<(Instant, Delivery)>,
    last_piece_at: Instant,
    log: Vec<LogEntry>,
    /// The seeded providers, whose wall clock follows `clock`.
    #[cfg(feature = "deterministic")]
    seeded: Option<SeededCrypto>,
}

impl Sim {
    fn advance_to(&mut self, at: Instant) {
        self.clock.advance_to(at);
        #[cfg(feature = "deterministic")]
        if let Some(seeded) = &self.seeded {
            seeded.set_elapsed(self.clock.elapsed());
        }
    }

    fn log(&mut self, traffic: Traffic) {
        self.log.push(LogEntry {
            at: self.clock.elapsed(),
            traffic,
        });
    }

    /// Schedules everything the server has to say now (not endless output).
    fn schedule_pending(&mut self) {
        while self.server.has_pending() {
            match self.server.poll_output() {
                Some(out) => self.schedule(out),
                None => break,
            }
        }
    }

    fn schedule(&mut self, out: ServerOutput) {
        // Delays count from the later of now and the previous piece.
        let mut base = self.clock.now().max(self.last_piece_at);
        for piece in self.wire.pieces(out) {
            let (delay, delivery) = match piece {
                Piece::Data { delay, bytes } => (delay, Delivery::Data(bytes)),
                Piece::Close { delay } => (delay, Delivery::Closed),
            };
            base += delay;
            self.queue.push_back((base, delivery));
        }
        self.last_piece_at = base;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postfix_run_captures_the_good_chain_and_says_goodbye() {
        let outcome = run(&Scenario::new(Personality::Postfix));
        let report = outcome.result.expect("check succeeds");
        let pki = TestPki::shared();
        assert_eq!(
            report.chain,
            pki.identity(CertKind::Good, KeyKind::EcdsaP256).chain
        );
        assert_eq!(outcome.client_sent, b"EHLO probe.sim.test\r\nSTARTTLS\r\n");
        assert!(outcome.server_saw_goodbye);
        assert_eq!(
            outcome.elapsed,
            Duration::ZERO,
            "no delays in a clean Postfix run"
        );
    }

    #[test]
    fn postscreen_takes_exactly_its_greet_wait() {
        let outcome = run(&Scenario::new(Personality::Postscreen));
        let report = outcome.result.expect("check succeeds");
        assert_eq!(
            report.greeting.as_deref(),
            Some("mail.sim.test ESMTP Postfix")
        );
        assert_eq!(outcome.elapsed, Duration::from_secs(6));
    }
}
