//! The conversation shared by FTP and NNTP before TLS: a numbered greeting,
//! one command asking for TLS, one numbered agreement. Each protocol module
//! wraps it with its own commands, codes and error type.

use bytes::{BufMut, BytesMut};

use crate::config::Limits;
use crate::error::Arrived;
use crate::numeric::{NumericError, NumericReader, Style};
use crate::phase::Phase;
use crate::preamble::Step;
use crate::smtp::Reply;

/// What a protocol says and expects.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Spec {
    /// FTP replies span lines, NNTP replies do not.
    pub(crate) style: Style,
    /// Greeting codes that let the check go on.
    pub(crate) greeting_ok: &'static [u16],
    /// The command asking for TLS, with its line end.
    pub(crate) command: &'static [u8],
    /// The code agreeing to start TLS.
    pub(crate) agree: u16,
}

/// Why the conversation stopped, before the protocol names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// A whole reply with a code the conversation cannot go on with.
    Refused {
        /// Greeting or StartTls.
        phase: Phase,
        /// The reply.
        reply: Reply,
        /// The protocol the greeting looks like (`SMTP`, `TLS`), if any.
        hint: Option<&'static str>,
    },
    /// Bytes that are not a reply, or a reply past the limits.
    Bad {
        /// Greeting or StartTls.
        phase: Phase,
        /// What was wrong.
        error: NumericError,
        /// The protocol the bytes look like, if any.
        hint: Option<&'static str>,
    },
}

/// Greeting → command → agreement.
#[derive(Debug)]
pub(crate) struct LinePreamble {
    spec: Spec,
    phase: Phase,
    reader: NumericReader,
    greeting: Option<Reply>,
}

impl LinePreamble {
    /// Waits for the greeting; nothing is sent before it.
    pub(crate) fn new(spec: Spec, limits: Limits) -> Self {
        LinePreamble {
            spec,
            phase: Phase::Greeting,
            reader: NumericReader::new(spec.style, limits),
            greeting: None,
        }
    }

    pub(crate) fn phase(&self) -> Phase {
        self.phase
    }

    pub(crate) fn buffered(&self) -> usize {
        self.reader.buffered()
    }

    pub(crate) fn arrived(&self) -> Arrived {
        self.reader.arrived()
    }

    /// The greeting's first line, once it arrived.
    pub(crate) fn greeting(&self) -> Option<&str> {
        self.greeting.as_ref().map(Reply::first_line)
    }

    /// A reader for the answer to `QUIT`, with the same limits.
    pub(crate) fn goodbye_reader(&self) -> NumericReader {
        self.reader.clone()
    }

    /// Feeds server bytes; the command goes to `out` after the greeting.
    pub(crate) fn receive(&mut self, data: &[u8], out: &mut BytesMut) -> Result<Step, Failure> {
        let mut pos = 0;
        while pos < data.len() {
            let fed = self
                .reader
                .feed(&data[pos..])
                .map_err(|error| Failure::Bad {
                    phase: self.phase,
                    error,
                    hint: crate::guess::looks_like_after(self.greeting.as_ref(), &data[pos..]),
                })?;
            let Some((reply, used)) = fed else {
                return Ok(Step::NeedMore);
            };
            pos += used;
            if self.phase == Phase::Greeting {
                if !self.spec.greeting_ok.contains(&reply.code) {
                    let hint = crate::guess::looks_like(reply.to_string().as_bytes());
                    return Err(Failure::Refused {
                        phase: Phase::Greeting,
                        reply,
                        hint,
                    });
                }
                self.greeting = Some(reply);
                out.put_slice(self.spec.command);
                self.phase = Phase::StartTls;
            } else if reply.code == self.spec.agree {
                return Ok(Step::StartTls {
                    leftover: data.len() - pos,
                });
            } else {
                let hint = self
                    .greeting
                    .as_ref()
                    .and_then(|g| crate::guess::looks_like(g.to_string().as_bytes()));
                return Err(Failure::Refused {
                    phase: Phase::StartTls,
                    reply,
                    hint,
                });
            }
        }
        Ok(Step::NeedMore)
    }
}
