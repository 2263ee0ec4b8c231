//! The probe: one check of one server, as a sans-IO state machine.

use std::time::{Duration, Instant};

use bytes::BytesMut;

use rustls_pki_types::ServerName;

use crate::closing::{Closing, Step as ClosingStep};
use crate::config::{Config, Deadline, Protocol, Timeouts};
use crate::error::{Arrived, ProbeError};
use crate::io::{Input, Output};
use crate::phase::Phase;
use crate::preamble::{Preamble, Step};
use crate::report::{CloseOutcome, PhaseTiming, Report};
use crate::text::printable;
use crate::tls::TlsSession;

/// Where the probe stands.
#[derive(Debug)]
enum Stage {
    /// Plaintext conversation; the preamble knows the exact phase.
    Preamble,
    /// TLS handshake running.
    Handshake(Box<TlsSession>),
    /// Handshake done, goodbye sent, waiting for the server's answer.
    Closing(Box<Closing>),
    /// Finished; the result is kept for every later poll.
    Done(Result<Box<Report>, ProbeError>),
}

/// One check of one server: feed it what the connection does with
/// [`Probe::handle_input`], do what [`Probe::poll_output`] says, until it
/// says [`Output::Done`]. It never touches a socket or a clock.
#[derive(Debug)]
pub struct Probe {
    protocol: Protocol,
    server_name: Option<ServerName<'static>>,
    timeouts: Timeouts,
    deadline: Option<Deadline>,
    preamble: Preamble,
    stage: Stage,
    out: BytesMut,
    started: Instant,
    phase: Phase,
    phase_started: Instant,
    timings: Vec<PhaseTiming>,
}

impl Probe {
    /// A probe for a connection that was just established at `now`.
    pub fn new(config: Config, now: Instant) -> Self {
        let mut out = BytesMut::new();
        let preamble = Preamble::start(&config, &mut out);
        Probe {
            protocol: config.protocol(),
            server_name: config.server_name().cloned(),
            timeouts: config.timeouts(),
            deadline: config.deadline(),
            phase: preamble.phase(),
            preamble,
            stage: Stage::Preamble,
            out,
            started: now,
            phase_started: now,
            timings: Vec::with_capacity(5),
        }
    }

    /// The phase the probe is in (the last one, once done).
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// True once [`Probe::poll_output`] answers [`Output::Done`].
    pub fn is_done(&self) -> bool {
        matches!(self.stage, Stage::Done(_))
    }

    /// What has arrived of the answer the probe is waiting for: lines of an
    /// incomplete SMTP reply, bytes of an LDAP message or of the TLS
    /// handshake. Timeouts carry it, so the error tells a silent server
    /// from one that stalled halfway.
    pub fn arrived(&self) -> Arrived {
        match &self.stage {
            Stage::Preamble => self.preamble.arrived(),
            Stage::Handshake(tls) => match tls.received() {
                0 => Arrived::Nothing,
                n => Arrived::Bytes(n),
            },
            Stage::Closing(..) | Stage::Done(_) => Arrived::Nothing,
        }
    }

    /// When the probe gives up on the current phase if nothing arrives.
    pub fn deadline(&self) -> Instant {
        self.deadline_and_cause().0
    }

    /// Bytes the probe holds for incomplete replies and unsent output, not
    /// counting rustls' own bounded buffers.
    pub fn buffered(&self) -> usize {
        let closing = match &self.stage {
            Stage::Closing(c) => c.buffered(),
            _ => 0,
        };
        self.preamble.buffered() + self.out.capacity() + closing
    }

    /// Takes in what happened on the connection at `now`.
    pub fn handle_input(&mut self, input: Input<'_>, now: Instant) {
        if self.is_done() {
            return;
        }
        match input {
            Input::Received(data) => self.on_received(data, now),
            Input::Closed => self.on_closed(now),
            Input::Timeout => {}
        }
        if !self.is_done() && now >= self.deadline() {
            self.on_deadline(now);
        }
    }

    /// What the driver should do next.
    pub fn poll_output(&mut self) -> Output {
        if !self.out.is_empty() {
            return Output::Transmit(self.out.split().freeze());
        }
        match &self.stage {
            Stage::Done(result) => Output::Done(result.clone().map(|r| *r)),
            _ => Output::Wait(self.deadline()),
        }
    }

    /// The instant the current wait ends, the limit it stands for, and
    /// whether it is the overall one. Every sum saturates, so no limit
    /// (`Duration::MAX` included) can overflow an `Instant`.
    fn deadline_and_cause(&self) -> (Instant, Duration, bool) {
        let phase_limit = if self.phase == Phase::Closing {
            self.timeouts.closing
        } else {
            self.timeouts.phase
        };
        let phase_end = later(self.phase_started, phase_limit);
        let mut overall = (
            later(self.started, self.timeouts.overall),
            self.timeouts.overall,
        );
        if let Some(d) = self.deadline {
            if d.at < overall.0 {
                overall = (d.at, d.limit);
            }
        }
        if overall.0 <= phase_end {
            (overall.0, overall.1, true)
        } else {
            (phase_end, phase_limit, false)
        }
    }

    fn enter(&mut self, phase: Phase, now: Instant) {
        if phase != self.phase {
            self.timings.push(PhaseTiming {
                phase: self.phase,
                elapsed: now.saturating_duration_since(self.phase_started),
            });
            self.phase = phase;
            self.phase_started = now;
        }
    }

    fn fail(&mut self, error: ProbeError) {
        self.out.clear();
        self.stage = Stage::Done(Err(error));
    }

    fn on_received(&mut self, data: &[u8], now: Instant) {
        match std::mem::replace(&mut self.stage, Stage::Preamble) {
            Stage::Preamble => self.on_plaintext(data, now),
            Stage::Handshake(mut tls) => {
                if let Err(e) = tls.receive_handshake(data) {
                    return self.fail(e);
                }
                tls.write_to(&mut self.out);
                if tls.is_handshaking() {
                    self.stage = Stage::Handshake(tls);
                } else {
                    self.handshake_done(tls, now);
                }
            }
            Stage::Closing(closing) => {
                let step = closing.receive(data, &mut self.out);
                self.closing_step(step, now);
            }
            done @ Stage::Done(_) => self.stage = done,
        }
    }

    fn on_plaintext(&mut self, data: &[u8], now: Instant) {
        let step = self.preamble.receive(data, &mut self.out);
        match step {
            Err(e) => self.fail(e),
            Ok(Step::NeedMore) => {
                let phase = self.preamble.phase();
                self.enter(phase, now);
            }
            Ok(Step::StartTls { leftover }) if leftover > 0 => {
                let extra = &data[data.len() - leftover..];
                self.fail(ProbeError::PlaintextAfterStartTls {
                    excerpt: printable(&extra[..extra.len().min(80)], 80),
                });
            }
            Ok(Step::StartTls { .. }) => {
                self.enter(Phase::TlsHandshake, now);
                match TlsSession::start(self.server_name.clone()) {
                    Ok(mut tls) => {
                        tls.write_to(&mut self.out);
                        self.stage = Stage::Handshake(Box::new(tls));
                    }
                    Err(e) => self.fail(e),
                }
            }
        }
    }

    fn handshake_done(&mut self, mut tls: Box<TlsSession>, now: Instant) {
        let negotiated = match tls.negotiated() {
            Ok(n) => n,
            Err(e) => return self.fail(e),
        };
        self.enter(Phase::Closing, now);
        let (greeting, capabilities) = self.preamble.facts();
        let report = Report {
            protocol: self.protocol,
            chain: negotiated.chain,
            tls_version: negotiated.version,
            cipher_suite: negotiated.suite,
            handshake_signature: negotiated.signature,
            sni: sni_sent(self.server_name.as_ref()),
            greeting,
            capabilities,
            timings: Vec::new(),
            total: Duration::ZERO,
            close: CloseOutcome::TimedOut,
        };
        tls.say_goodbye(&self.preamble.goodbye());
        let answer = self.preamble.goodbye_answer();
        let step = Closing::start(tls, Box::new(report), answer, &mut self.out);
        self.closing_step(step, now);
    }

    fn closing_step(&mut self, step: ClosingStep, now: Instant) {
        match step {
            ClosingStep::Open(closing) => self.stage = Stage::Closing(closing),
            ClosingStep::Ended(report, outcome) => self.finish(report, outcome, now),
        }
    }

    fn finish(&mut self, mut report: Box<Report>, outcome: CloseOutcome, now: Instant) {
        self.timings.push(PhaseTiming {
            phase: self.phase,
            elapsed: now.saturating_duration_since(self.phase_started),
        });
        report.timings = std::mem::take(&mut self.timings);
        report.total = now.saturating_duration_since(self.started);
        report.close = outcome;
        self.stage = Stage::Done(Ok(report));
    }

    fn on_closed(&mut self, now: Instant) {
        match std::mem::replace(&mut self.stage, Stage::Preamble) {
            Stage::Closing(closing) => {
                let (report, outcome) = (*closing).end(CloseOutcome::ServerClosed, &mut self.out);
                self.finish(report, outcome, now);
            }
            Stage::Done(r) => self.stage = Stage::Done(r),
            _ => self.fail(ProbeError::ConnectionClosed { phase: self.phase }),
        }
    }

    fn on_deadline(&mut self, now: Instant) {
        let (_, limit, overall) = self.deadline_and_cause();
        let arrived = self.arrived();
        match std::mem::replace(&mut self.stage, Stage::Preamble) {
            Stage::Closing(closing) => {
                let (report, outcome) = (*closing).end(CloseOutcome::TimedOut, &mut self.out);
                self.finish(report, outcome, now);
            }
            Stage::Done(r) => self.stage = Stage::Done(r),
            _ => self.fail(ProbeError::Timeout {
                phase: self.phase,
                limit,
                overall,
                arrived,
            }),
        }
    }
}

/// `t + d`, or when that overflows a far instant past `t` that this
/// platform can represent (found by halving `d`, at most about 100 steps).
fn later(t: Instant, d: Duration) -> Instant {
    let mut step = d;
    loop {
        if let Some(end) = t.checked_add(step) {
            return end;
        }
        step /= 2;
        if step.is_zero() {
            return t;
        }
    }
}

/// The host name the ClientHello carried: rustls sends SNI for a DNS name
/// and never for an IP address (RFC 6066 section 3).
fn sni_sent(name: Option<&ServerName<'static>>) -> Option<String> {
    match name {
        Some(ServerName::DnsName(dns)) => Some(dns.as_ref().to_owned()),
        _ => None,
    }
}
