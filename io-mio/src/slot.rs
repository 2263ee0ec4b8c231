//! A running check in its slot: which job it is, and whether it is still
//! dialling addresses or already probing.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use starttls_engine::{Config, Probe};

use crate::deadlines::Armed;
use crate::error::{CheckError, ConnectFailure};
use crate::target::Checked;

/// What a running job is, apart from its connection state.
#[derive(Debug)]
pub(crate) struct Meta {
    /// Position of the job in the input, and of its result in the output.
    pub(crate) index: usize,
    /// The slot's mio token.
    pub(crate) token: usize,
    /// The host as the target named it, for error messages.
    pub(crate) host: String,
    /// When the job started (before DNS).
    pub(crate) started: Instant,
    /// `started` plus the overall time limit.
    pub(crate) overall_end: Instant,
    /// This job's connect and overall time limits.
    pub(crate) limits: Limits,
    /// The deadline currently armed in the heap for this slot.
    pub(crate) armed: Option<Armed>,
}

/// One job's time limits (its target's own, or the driver's).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Each connection attempt.
    pub(crate) connect: Duration,
    /// From the start of the job to its result.
    pub(crate) overall: Duration,
}

/// A name being looked up on a resolver worker.
#[derive(Debug)]
pub(crate) struct Resolving {
    /// The port to connect to once the addresses are known.
    pub(crate) port: u16,
    pub(crate) config: Config,
}

/// Addresses still to try, the failures so far and the probe's config.
#[derive(Debug)]
pub(crate) struct Dialing {
    pub(crate) rest: std::vec::IntoIter<SocketAddr>,
    pub(crate) attempts: Vec<(SocketAddr, ConnectFailure)>,
    /// Boxed: it is the largest part of a connecting slot.
    pub(crate) config: Box<Config>,
}

/// A TCP connection attempt in progress.
#[derive(Debug)]
pub(crate) struct Connecting {
    pub(crate) stream: TcpStream,
    /// The address being tried.
    pub(crate) addr: SocketAddr,
    /// When this attempt started.
    pub(crate) since: Instant,
    /// The attempt's connect limit or the overall limit, whichever is first.
    pub(crate) give_up: Instant,
    pub(crate) dial: Dialing,
}

/// A connected probe.
#[derive(Debug)]
pub(crate) struct Probing {
    pub(crate) stream: TcpStream,
    pub(crate) peer: SocketAddr,
    pub(crate) probe: Box<Probe>,
    /// Bytes the probe asked to send that the socket did not take yet.
    /// (The socket stays registered for both readiness kinds from connect
    /// to close: with edge-triggered events a writable edge comes only
    /// after a write would have blocked, so this costs no wake-ups and
    /// saves an `epoll_ctl` per change.)
    pub(crate) unsent: Vec<u8>,
    /// The deadline from the probe's last `Output::Wait`.
    pub(crate) wait_until: Instant,
    /// How long the successful connection attempt took.
    pub(crate) connect_time: Duration,
    /// True while a second connection for a legacy capture is being made
    /// (`stream` is that connection, not yet established).
    pub(crate) reconnecting: bool,
}

/// The two halves of a check's life on the wire.
/// (`Connecting` is boxed: it holds the whole engine `Config`.)
#[derive(Debug)]
pub(crate) enum State {
    /// Waiting for a resolver worker's answer (no socket yet).
    Resolving(Resolving),
    /// Trying addresses until one accepts.
    Connecting(Box<Connecting>),
    /// Connected; the engine's probe runs.
    Probing(Probing),
}

/// One running job in its slot.
#[derive(Debug)]
pub(crate) struct Slot {
    pub(crate) meta: Meta,
    pub(crate) state: State,
}

impl Slot {
    /// When this slot needs attention if no event arrives.
    pub(crate) fn deadline(&self) -> Instant {
        match &self.state {
            State::Resolving(_) => self.meta.overall_end,
            State::Connecting(c) => c.give_up,
            State::Probing(p) => p.wait_until.min(self.meta.overall_end),
        }
    }
}

/// What one readiness event said about a socket.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ready {
    /// Bytes (or the peer's close) may be waiting.
    pub(crate) readable: bool,
    /// The socket may take more bytes.
    pub(crate) writable: bool,
    /// The peer closed its side or the socket has an error: read until
    /// the socket says so, even after a read that did not fill the buffer.
    pub(crate) closing: bool,
}

impl Ready {
    /// The readiness `event` reports (trouble counts as both kinds, so the
    /// read or write that follows finds out what happened).
    pub(crate) fn of(event: &mio::event::Event) -> Ready {
        let closing = event.is_error() || event.is_read_closed() || event.is_write_closed();
        Ready {
            readable: event.is_readable() || closing,
            writable: event.is_writable() || closing,
            closing,
        }
    }
}

/// What handling an event or deadline did to a slot.
pub(crate) enum Next {
    /// Still running: put it back (its deadline is re-armed if it changed).
    Keep(Slot),
    /// Finished: the job's index, result and when it started; its socket
    /// is already deregistered.
    Done(usize, Result<Checked, CheckError>, Instant),
}

/// Whether `seq` is the deadline currently armed for slot `token`.
pub(crate) fn is_armed(slots: &[Option<Slot>], token: usize, seq: u64) -> bool {
    slots
        .get(token)
        .and_then(Option::as_ref)
        .and_then(|s| s.meta.armed)
        .is_some_and(|a| a.seq == seq)
}
