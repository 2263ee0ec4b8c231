//! The probe: one check of one server, as a sans-IO state machine.

use std::time::{Duration, Instant};

use bytes::BytesMut;

use rustls_pki_types::ServerName;

use crate::closing::{Closing, Step as ClosingStep};
use crate::config::{Config, Deadline, Protocol, Timeouts};
use crate::error::{Arrived, ProbeError};
use crate::io::{Input, Output};
use crate::legacy::{server_aborted, worth_retrying, Flight, LegacyCapture, LegacyFailure};
use crate::phase::Phase;
use crate::preamble::{Preamble, Step};
use crate::report::{CloseOutcome, Handshake, HandshakeSignature, LegacyRead, PhaseTiming, Report};
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
    /// The first handshake failed; waiting for the driver's new connection.
    Reconnect,
    /// Second connection: reading the server's hello in the clear.
    Legacy(Box<LegacyCapture>),
    /// Implicit TLS answered with plaintext: reading up to the end of its
    /// first line (at most [`WRONG_PORT_EXCERPT`] bytes) so that the error
    /// names the same text however the bytes were split.
    WrongPort(Vec<u8>),
    /// Finished; the result is kept for every later poll.
    Done(Result<Box<Report>, ProbeError>),
}

/// Most plaintext bytes an implicit-TLS check reads before it reports that
/// the port spoke plaintext (the error shows this many at most).
const WRONG_PORT_EXCERPT: usize = 80;

/// One check of one server: feed it what the connection does with
/// [`Probe::handle_input`], do what [`Probe::poll_output`] says, until it
/// says [`Output::Done`]. It never touches a socket or a clock.
#[derive(Debug)]
pub struct Probe {
    config: Config,
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
    /// The first attempt, once a legacy capture started.
    first: Option<Box<LegacyRead>>,
}

impl Probe {
    /// A probe for a connection that was just established at `now`.
    pub fn new(config: Config, now: Instant) -> Self {
        let mut out = BytesMut::new();
        let preamble = Preamble::start(&config, &mut out);
        let mut probe = Probe {
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
            first: None,
            config,
        };
        if probe.protocol.implicit_tls() || probe.preamble.is_direct() {
            // TLS at once: the ClientHello is the first thing sent.
            probe.start_tls(now);
        }
        probe
    }

    /// TLS starts now: after the server agreed to STARTTLS, or at once for
    /// implicit TLS. In a legacy capture's second attempt, the hand-built
    /// hello goes out instead.
    fn start_tls(&mut self, now: Instant) {
        self.enter(Phase::TlsHandshake, now);
        if self.first.is_some() {
            let capture = LegacyCapture::start(
                self.server_name.as_ref(),
                self.config.crypto(),
                &mut self.out,
            );
            self.stage = Stage::Legacy(Box::new(capture));
            return;
        }
        match TlsSession::start(
            self.server_name.clone(),
            self.config.crypto(),
            self.config.alpn(),
        ) {
            Ok(mut tls) => {
                tls.write_to(&mut self.out);
                self.stage = Stage::Handshake(Box::new(tls));
            }
            Err(e) => self.fail(e),
        }
    }

    /// The phase the probe is in (the last one, once done).
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The protocol the probe speaks.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The error for a connection the server closed in the current phase.
    fn closed(&self) -> ProbeError {
        ProbeError::ConnectionClosed {
            protocol: self.protocol,
            phase: self.phase,
        }
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
            Stage::Legacy(capture) => match capture.buffered() {
                0 => Arrived::Nothing,
                n => Arrived::Bytes(n),
            },
            Stage::WrongPort(text) => Arrived::Bytes(text.len()),
            Stage::Closing(..) | Stage::Reconnect | Stage::Done(_) => Arrived::Nothing,
        }
    }

    /// True while the probe waits for the driver's second connection
    /// ([`Output::Reconnect`]): stop reading the old one, whose close
    /// would otherwise count as the new connection failing.
    pub fn wants_reconnect(&self) -> bool {
        matches!(self.stage, Stage::Reconnect)
    }

    /// When the probe gives up on the current phase if nothing arrives.
    pub fn deadline(&self) -> Instant {
        self.deadline_and_cause().0
    }

    /// Bytes the probe holds for incomplete replies and unsent output, not
    /// counting rustls' own bounded buffers.
    pub fn buffered(&self) -> usize {
        let stage = match &self.stage {
            Stage::Closing(c) => c.buffered(),
            Stage::Legacy(capture) => capture.buffered(),
            Stage::WrongPort(text) => text.capacity(),
            _ => 0,
        };
        self.preamble.buffered() + self.out.capacity() + stage
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
            Input::Reconnected => self.on_reconnected(now),
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
            Stage::Reconnect => Output::Reconnect,
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

    /// Ends the check with `error`; in a legacy capture's second attempt,
    /// together with the first attempt's failure.
    fn fail(&mut self, error: ProbeError) {
        if self.first.is_some() {
            return self.fail_second(LegacyFailure::Check(Box::new(error)));
        }
        self.out.clear();
        self.stage = Stage::Done(Err(error));
    }

    /// Ends a legacy capture's second attempt: both failures are reported.
    fn fail_second(&mut self, second: LegacyFailure) {
        self.out.clear();
        let error = match self.first.take() {
            Some(first) => ProbeError::Legacy {
                first: Box::new(first.first_failure),
                second,
            },
            // Not reached: a second attempt always has a first.
            None => self.closed(),
        };
        self.stage = Stage::Done(Err(error));
    }

    /// The first handshake failed: ask for a second connection when a
    /// legacy capture may get past `error`, otherwise fail.
    fn fail_handshake(&mut self, error: ProbeError, saw_server_hello: bool, now: Instant) {
        if self.first.is_some() || !worth_retrying(&error, saw_server_hello) {
            return self.fail(error);
        }
        self.timings.push(PhaseTiming {
            phase: self.phase,
            elapsed: now.saturating_duration_since(self.phase_started),
        });
        self.first = Some(Box::new(LegacyRead {
            server_aborted: server_aborted(&error, saw_server_hello),
            first_failure: error,
            first_timings: std::mem::take(&mut self.timings),
        }));
        self.out.clear();
        self.phase = Phase::Reconnect;
        self.phase_started = now;
        self.stage = Stage::Reconnect;
    }

    /// The driver's second connection is up: the same preamble again.
    fn on_reconnected(&mut self, now: Instant) {
        if !matches!(self.stage, Stage::Reconnect) {
            return;
        }
        self.preamble = Preamble::start(&self.config, &mut self.out);
        self.stage = Stage::Preamble;
        if self.protocol.implicit_tls() || self.preamble.is_direct() {
            return self.start_tls(now);
        }
        let phase = self.preamble.phase();
        self.enter(phase, now);
    }

    fn on_received(&mut self, data: &[u8], now: Instant) {
        match std::mem::replace(&mut self.stage, Stage::Preamble) {
            Stage::Preamble => self.on_plaintext(data, now),
            Stage::Handshake(mut tls) => {
                let first = tls.received() == 0;
                if let Err(e) = tls.receive_handshake(data) {
                    // TLS at once (implicit TLS, PostgreSQL direct TLS):
                    // plaintext first is another protocol, not an injection.
                    if first
                        && (self.protocol.implicit_tls() || self.preamble.is_direct())
                        && matches!(e, ProbeError::PlaintextAfterStartTls { .. })
                    {
                        return self.on_wrong_port(Vec::with_capacity(WRONG_PORT_EXCERPT), data);
                    }
                    return self.fail_handshake(e, tls.saw_server_hello(), now);
                }
                tls.write_to(&mut self.out);
                if tls.is_handshaking() {
                    self.stage = Stage::Handshake(tls);
                } else {
                    self.handshake_done(tls, now);
                }
            }
            Stage::WrongPort(text) => self.on_wrong_port(text, data),
            Stage::Closing(closing) => {
                let step = closing.receive(data, &mut self.out);
                self.closing_step(step, now);
            }
            Stage::Legacy(mut capture) => match capture.receive(data, &mut self.out) {
                Ok(None) => self.stage = Stage::Legacy(capture),
                Ok(Some(flight)) => self.captured(flight, now),
                Err(e) => self.fail_second(LegacyFailure::Hello(e)),
            },
            // Bytes from the old connection: ignored.
            Stage::Reconnect => self.stage = Stage::Reconnect,
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
            Ok(Step::StartTls { .. }) => self.start_tls(now),
        }
    }

    fn handshake_done(&mut self, tls: Box<TlsSession>, now: Instant) {
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
            handshake: Handshake::Completed,
        };
        let goodbye = self.preamble.goodbye();
        let answer = self.preamble.goodbye_answer(&self.config);
        let step = Closing::start(tls, Box::new(report), goodbye, answer, &mut self.out);
        self.closing_step(step, now);
    }

    fn closing_step(&mut self, step: ClosingStep, now: Instant) {
        match step {
            ClosingStep::Open(closing) => self.stage = Stage::Closing(closing),
            ClosingStep::Ended(report, outcome) => self.finish(report, outcome, now),
        }
    }

    /// The legacy capture read the certificate: the report is complete, the
    /// closing alert is queued, and the connection ends.
    fn captured(&mut self, flight: Flight, now: Instant) {
        let Some(first) = self.first.take() else {
            return self.fail(self.closed());
        };
        let (greeting, capabilities) = self.preamble.facts();
        let report = Report {
            protocol: self.protocol,
            chain: flight
                .chain
                .into_iter()
                .map(rustls_pki_types::CertificateDer::from)
                .collect(),
            tls_version: rustls::ProtocolVersion::from(flight.version),
            cipher_suite: rustls::CipherSuite::from(flight.suite),
            handshake_signature: HandshakeSignature::NotVerifiable(
                "the handshake was not completed; the certificate was read from the server's hello"
                    .into(),
            ),
            greeting,
            capabilities,
            timings: Vec::new(),
            total: Duration::ZERO,
            close: CloseOutcome::Aborted,
            handshake: Handshake::NotCompleted(first),
            sni: sni_sent(self.server_name.as_ref()),
        };
        self.finish(Box::new(report), CloseOutcome::Aborted, now);
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

    /// Implicit TLS got plaintext: collects `data` into `text` until the
    /// first line is complete (a byte that is not printable text) or the
    /// excerpt is full, then fails naming what it looks like.
    fn on_wrong_port(&mut self, mut text: Vec<u8>, data: &[u8]) {
        let room = WRONG_PORT_EXCERPT.saturating_sub(text.len());
        text.extend_from_slice(&data[..data.len().min(room)]);
        let line_ends = text.iter().any(|&b| !(b.is_ascii_graphic() || b == b' '));
        if line_ends || text.len() >= WRONG_PORT_EXCERPT {
            self.wrong_port(&text);
        } else {
            self.stage = Stage::WrongPort(text);
        }
    }

    /// Fails with the plaintext an implicit-TLS port sent: its leading text
    /// only (binary bytes, a corrupted record, are not worth showing).
    fn wrong_port(&mut self, text: &[u8]) {
        let end = text
            .iter()
            .position(|&b| !(b.is_ascii_graphic() || b == b' '))
            .unwrap_or(text.len());
        let line = &text[..end];
        self.fail(ProbeError::PlaintextInsteadOfTls {
            excerpt: printable(line, WRONG_PORT_EXCERPT),
            looks_like: crate::guess::looks_like(text),
        });
    }

    fn on_closed(&mut self, now: Instant) {
        match std::mem::replace(&mut self.stage, Stage::Preamble) {
            Stage::WrongPort(text) => self.wrong_port(&text),
            Stage::Closing(closing) => {
                let (report, outcome) = (*closing).end(CloseOutcome::ServerClosed, &mut self.out);
                self.finish(report, outcome, now);
            }
            Stage::Done(r) => self.stage = Stage::Done(r),
            Stage::Handshake(tls) => {
                self.fail_handshake(self.closed(), tls.saw_server_hello(), now)
            }
            _ => self.fail(self.closed()),
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
            // What arrived says more than the timeout.
            Stage::WrongPort(text) => self.wrong_port(&text),
            _ => self.fail(ProbeError::Timeout {
                protocol: self.protocol,
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
