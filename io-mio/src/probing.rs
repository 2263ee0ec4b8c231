//! The connected half of a check: feed the probe what the socket reads, write
//! what the probe transmits (keeping what the socket does not take), and
//! turn its final output into the check's result.

use std::time::Instant;

use mio::{Interest, Token};
use starttls_engine::{Input, Output, Probe};

use crate::connect::{self, Progress};
use crate::driver::Driver;
use crate::error::CheckError;
use crate::slot::{Connecting, Meta, Next, Probing, Ready, Slot, State};
use crate::target::Checked;
use crate::transport::{read_once, write_some, ReadOutcome, Wrote};

/// Whether a read that leaves room in the buffer may end the reading for
/// this event. On Linux and the BSDs a short read from a stream socket
/// means its receive queue was empty, and bytes arriving later raise a new
/// edge, so the read that would only return `EAGAIN` is saved (tokio does
/// the same). mio on Windows raises the next event only after an
/// operation would have blocked, so there every event is read dry.
const SHORT_READ_ENDS_READING: bool = !cfg!(windows);

impl Driver {
    /// The connection is up: start the probe, and read if the event that
    /// said so also said bytes are there (a greeting that came with it).
    pub(crate) fn begin_probe(
        &mut self,
        meta: Meta,
        c: Connecting,
        ready: Ready,
        now: Instant,
    ) -> Next {
        let Connecting {
            stream,
            addr,
            since,
            dial,
            ..
        } = c;
        // Small writes (one command line) must leave at once; failure to set
        // the option only costs latency.
        let _ = stream.set_nodelay(true);
        // Our overall limit started before DNS and connect: hand the probe
        // its end as an absolute deadline, named by the limit it stands for.
        let config = (*dial.config).with_deadline(meta.overall_end, meta.limits.overall);
        let probing = Probing {
            stream,
            peer: addr,
            probe: Box::new(Probe::new(config, now)),
            unsent: Vec::new(),
            wait_until: now,
            connect_time: now.saturating_duration_since(since),
            reconnecting: false,
        };
        self.on_ready(
            Slot {
                meta,
                state: State::Probing(probing),
            },
            after_connect(ready),
            now,
        )
    }

    /// A connected socket is readable and/or writable.
    pub(crate) fn on_ready(&mut self, slot: Slot, ready: Ready, now: Instant) -> Next {
        let Slot { meta, state } = slot;
        let State::Probing(mut p) = state else {
            return Next::Keep(Slot { meta, state });
        };
        if p.reconnecting {
            return self.on_reconnect_progress(meta, p, ready, now);
        }
        if ready.writable && !p.unsent.is_empty() {
            match write_some(&mut p.stream, &p.unsent) {
                Wrote::Bytes(n) => {
                    p.unsent.drain(..n);
                    if p.unsent.is_empty() {
                        p.unsent = Vec::new();
                    }
                }
                Wrote::Closed => p.probe.handle_input(Input::Closed, now),
                Wrote::Failed(e) => return self.io_failure(meta, p, &e),
            }
        }
        let until_dry = ready.closing || !SHORT_READ_ENDS_READING;
        while ready.readable && !p.probe.is_done() && !p.probe.wants_reconnect() {
            match read_once(&mut p.stream, &mut self.scratch) {
                ReadOutcome::Data(n) => {
                    let data = self.scratch.get(..n).unwrap_or_default();
                    p.probe.handle_input(Input::Received(data), now);
                    if n < self.scratch.len() && !until_dry {
                        break;
                    }
                }
                ReadOutcome::Closed => {
                    p.probe.handle_input(Input::Closed, now);
                    break;
                }
                ReadOutcome::Empty => break,
                ReadOutcome::Failed(e) => return self.io_failure(meta, p, &e),
            }
        }
        self.drive(meta, p, now)
    }

    /// Does what the probe asks until it waits or is done.
    pub(crate) fn drive(&mut self, meta: Meta, mut p: Probing, now: Instant) -> Next {
        loop {
            match p.probe.poll_output() {
                Output::Transmit(bytes) => {
                    if !p.unsent.is_empty() {
                        p.unsent.extend_from_slice(&bytes);
                        continue;
                    }
                    match write_some(&mut p.stream, &bytes) {
                        Wrote::Bytes(n) => p
                            .unsent
                            .extend_from_slice(bytes.get(n..).unwrap_or_default()),
                        Wrote::Closed => p.probe.handle_input(Input::Closed, now),
                        Wrote::Failed(e) => return self.io_failure(meta, p, &e),
                    }
                }
                Output::Done(result) => {
                    // A last try for bytes the socket did not take yet (the
                    // polite QUIT or unbind after the handshake): without
                    // blocking, and whatever it takes is enough.
                    if !p.unsent.is_empty() {
                        let _ = write_some(&mut p.stream, &p.unsent);
                    }
                    self.forget(&mut p.stream);
                    let result = match result {
                        Ok(report) => Ok(Checked {
                            report,
                            peer: p.peer,
                            connect_time: p.connect_time,
                            total_time: now.saturating_duration_since(meta.started),
                        }),
                        Err(error) => Err(CheckError::Probe {
                            peer: p.peer,
                            error,
                        }),
                    };
                    return Next::Done(meta.index, result, meta.started);
                }
                Output::Reconnect if p.reconnecting => {
                    // An early timeout while connecting again: keep waiting.
                    p.wait_until = p.probe.deadline();
                    return Next::Keep(Slot {
                        meta,
                        state: State::Probing(p),
                    });
                }
                Output::Reconnect => return self.reconnect(meta, p, now),
                wait => {
                    // `Output` may grow: anything new is waited out like `Wait`.
                    p.wait_until = match wait {
                        Output::Wait(until) => until,
                        _ => p.probe.deadline(),
                    };
                    return Next::Keep(Slot {
                        meta,
                        state: State::Probing(p),
                    });
                }
            }
        }
    }

    /// The probe asks for a second connection (a legacy capture): close
    /// this one and dial the same address again, within the probe's deadline.
    fn reconnect(&mut self, meta: Meta, mut p: Probing, now: Instant) -> Next {
        self.forget(&mut p.stream);
        p.unsent = Vec::new();
        let mut stream = match connect::start(p.peer) {
            Ok(stream) => stream,
            Err(_) => {
                p.probe.handle_input(Input::Closed, now);
                return self.drive(meta, p, now);
            }
        };
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(e) = self
            .poll
            .registry()
            .register(&mut stream, Token(meta.token), interest)
        {
            return self.io_failure(meta, p, &e);
        }
        // Dropping the old stream closes the first connection.
        p.stream = stream;
        p.reconnecting = true;
        p.wait_until = p.probe.deadline();
        Next::Keep(Slot {
            meta,
            state: State::Probing(p),
        })
    }

    /// The second connection reported an event: connected, failed, or not yet.
    fn on_reconnect_progress(
        &mut self,
        meta: Meta,
        mut p: Probing,
        ready: Ready,
        now: Instant,
    ) -> Next {
        match connect::progress(&p.stream) {
            Progress::Pending => Next::Keep(Slot {
                meta,
                state: State::Probing(p),
            }),
            Progress::Failed(_) => {
                p.reconnecting = false;
                p.probe.handle_input(Input::Closed, now);
                self.drive(meta, p, now)
            }
            Progress::Connected => {
                p.reconnecting = false;
                let _ = p.stream.set_nodelay(true);
                p.probe.handle_input(Input::Reconnected, now);
                // As after the first connect: a greeting may be there already.
                let slot = Slot {
                    meta,
                    state: State::Probing(p),
                };
                self.on_ready(slot, after_connect(ready), now)
            }
        }
    }

    /// Ends a probe on an operating-system error.
    pub(crate) fn io_failure(&mut self, meta: Meta, mut p: Probing, e: &std::io::Error) -> Next {
        self.forget(&mut p.stream);
        let error = CheckError::Io {
            peer: p.peer,
            detail: e.to_string(),
        };
        Next::Done(meta.index, Err(error), meta.started)
    }
}

/// What to do right after a connect completed with the event `ready`:
/// nothing to write yet, and read only if the event also said bytes are
/// there (ones arriving later raise their own event). Where every event
/// must be read dry (Windows), read anyway: the read that would block is
/// what arms the next readable event there.
fn after_connect(ready: Ready) -> Ready {
    Ready {
        readable: ready.readable || !SHORT_READ_ENDS_READING,
        writable: false,
        closing: ready.closing,
    }
}
