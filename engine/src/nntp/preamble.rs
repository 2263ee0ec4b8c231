//! The NNTP conversation before TLS (RFC 3977, RFC 4642): greeting,
//! `CAPABILITIES`, `STARTTLS`.

use bytes::{BufMut, BytesMut};

use super::error::NntpError;
use crate::config::{Config, Limits};
use crate::error::{Arrived, ProbeError};
use crate::lines::LineReader;
use crate::numeric::{NumericReader, Style};
use crate::phase::Phase;
use crate::preamble::Step;
use crate::smtp::Reply;
use crate::text::printable;

/// Greeting codes that let the check go on: posting allowed or not.
const GREETING_OK: [u16; 2] = [200, 201];
/// "Capability list follows" (RFC 3977 section 5.2.2).
const CAPABILITY_LIST: u16 = 101;
/// "Continue with TLS negotiation" (RFC 4642 section 2.2.2).
const AGREE: u16 = 382;

/// Greeting → `CAPABILITIES` → `STARTTLS` → `382`. RFC 4642 section 2.1
/// has the client check the capability list for `STARTTLS` first; a server
/// that does not know `CAPABILITIES` (an RFC 977-era `500`/`501`, or any
/// other refusal) gets `STARTTLS` anyway, and its answer decides.
#[derive(Debug)]
pub(crate) struct NntpPreamble {
    limits: Limits,
    phase: Phase,
    reader: NumericReader,
    /// Inside the capability list (after its `101`): its line reader.
    list: Option<LineReader>,
    greeting: Option<Reply>,
    capabilities: Vec<String>,
}

impl NntpPreamble {
    /// Waits for the greeting.
    pub(crate) fn new(config: &Config) -> Self {
        NntpPreamble {
            limits: config.limits(),
            phase: Phase::Greeting,
            reader: NumericReader::new(Style::SingleLine, config.limits()),
            list: None,
            greeting: None,
            capabilities: Vec::new(),
        }
    }

    pub(crate) fn phase(&self) -> Phase {
        self.phase
    }

    pub(crate) fn buffered(&self) -> usize {
        self.reader.buffered() + self.list.as_ref().map_or(0, LineReader::buffered)
    }

    pub(crate) fn arrived(&self) -> Arrived {
        match &self.list {
            Some(list) => list.arrived(),
            None => self.reader.arrived(),
        }
    }

    /// The greeting's first line, once it arrived.
    pub(crate) fn greeting(&self) -> Option<&str> {
        self.greeting.as_ref().map(Reply::first_line)
    }

    /// The capability labels the server listed (empty when it has no
    /// `CAPABILITIES`).
    pub(crate) fn capabilities(&self) -> &[String] {
        &self.capabilities
    }

    /// A reader for the answer to `QUIT`, with the same limits.
    pub(crate) fn goodbye_reader(&self) -> NumericReader {
        NumericReader::new(Style::SingleLine, self.limits)
    }

    /// Feeds server bytes; commands go to `out`.
    pub(crate) fn receive(&mut self, data: &[u8], out: &mut BytesMut) -> Result<Step, ProbeError> {
        self.walk(data, out).map_err(ProbeError::Nntp)
    }

    fn walk(&mut self, data: &[u8], out: &mut BytesMut) -> Result<Step, NntpError> {
        let mut pos = 0;
        while pos < data.len() {
            if let Some(list) = self.list.as_mut() {
                let fed = list
                    .feed(&data[pos..])
                    .map_err(|error| NntpError::CapabilityLine { error })?;
                let Some((line, used)) = fed else {
                    return Ok(Step::NeedMore);
                };
                pos += used;
                self.on_capability(&line, out)?;
                continue;
            }
            let fed = self
                .reader
                .feed(&data[pos..])
                .map_err(|error| NntpError::BadReply {
                    phase: self.phase,
                    error,
                    hint: crate::guess::looks_like_after(self.greeting.as_ref(), &data[pos..]),
                })?;
            let Some((reply, used)) = fed else {
                return Ok(Step::NeedMore);
            };
            pos += used;
            match self.phase {
                Phase::Greeting => {
                    if !GREETING_OK.contains(&reply.code) {
                        let hint = crate::guess::looks_like(reply.to_string().as_bytes());
                        return Err(NntpError::GreetingRefused { reply, hint });
                    }
                    self.greeting = Some(reply);
                    self.send(out, b"CAPABILITIES\r\n", Phase::Capabilities);
                }
                Phase::Capabilities if reply.code == CAPABILITY_LIST => {
                    self.list = Some(LineReader::new(self.limits));
                }
                // No CAPABILITIES (500 unknown command, 501): STARTTLS
                // anyway, its answer decides.
                Phase::Capabilities => self.send(out, b"STARTTLS\r\n", Phase::StartTls),
                _ if reply.code == AGREE => {
                    return Ok(Step::StartTls {
                        leftover: data.len() - pos,
                    })
                }
                _ => {
                    let hint = self
                        .greeting
                        .as_ref()
                        .and_then(|g| crate::guess::looks_like(g.to_string().as_bytes()));
                    return Err(NntpError::StartTlsRefused { reply, hint });
                }
            }
        }
        Ok(Step::NeedMore)
    }

    /// One line of the capability list (RFC 3977 section 3.1.1: a
    /// multi-line data block ended by `.`, dot-stuffed): its label, the
    /// first word, upper-cased.
    fn on_capability(&mut self, line: &[u8], out: &mut BytesMut) -> Result<(), NntpError> {
        if line == b"." {
            self.list = None;
            if !self.capabilities.iter().any(|c| c == "STARTTLS") {
                return Err(NntpError::StartTlsNotAdvertised {
                    capabilities: std::mem::take(&mut self.capabilities),
                });
            }
            self.send(out, b"STARTTLS\r\n", Phase::StartTls);
            return Ok(());
        }
        if self.capabilities.len() >= self.limits.reply_lines {
            return Err(NntpError::TooManyCapabilities {
                limit: self.limits.reply_lines,
            });
        }
        let line = line.strip_prefix(b".").unwrap_or(line);
        let label = line
            .split(|&b| b == b' ' || b == b'\t')
            .next()
            .unwrap_or(line);
        self.capabilities
            .push(printable(label, 80).to_ascii_uppercase());
        Ok(())
    }

    fn send(&mut self, out: &mut BytesMut, command: &[u8], next: Phase) {
        out.put_slice(command);
        self.phase = next;
    }
}
