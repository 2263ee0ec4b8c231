//! The plaintext part of a check, one small machine per protocol family.

use bytes::BytesMut;

use crate::config::Config;
use crate::error::ProbeError;
use crate::phase::Phase;
use crate::smtp::SmtpPreamble;

/// What a preamble wants after taking in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Keep reading.
    NeedMore,
    /// The server agreed to start TLS. `leftover` bytes of the last input
    /// followed the agreement and must not reach TLS.
    StartTls {
        /// Bytes received after the agreement.
        leftover: usize,
    },
}

/// The protocol-specific plaintext conversation.
#[derive(Debug)]
pub(crate) enum Preamble {
    /// SMTP or LMTP.
    Smtp(SmtpPreamble),
}

impl Preamble {
    /// The preamble for `config.protocol`; `out` receives what must be sent
    /// at once (nothing for SMTP, which waits for the greeting).
    pub(crate) fn start(config: &Config, _out: &mut BytesMut) -> Self {
        Preamble::Smtp(SmtpPreamble::new(config))
    }

    /// The phase the conversation is in.
    pub(crate) fn phase(&self) -> Phase {
        match self {
            Preamble::Smtp(p) => p.phase(),
        }
    }

    /// Feeds server bytes; replies to send go to `out`.
    pub(crate) fn receive(&mut self, data: &[u8], out: &mut BytesMut) -> Result<Step, ProbeError> {
        match self {
            Preamble::Smtp(p) => p.receive(data, out),
        }
    }

    /// Application data sent inside TLS before close_notify.
    pub(crate) fn goodbye(&self) -> Vec<u8> {
        match self {
            Preamble::Smtp(p) => p.goodbye().to_vec(),
        }
    }

    /// Bytes held waiting for a complete reply.
    pub(crate) fn buffered(&self) -> usize {
        match self {
            Preamble::Smtp(p) => p.buffered(),
        }
    }

    /// The greeting's first line and the advertised capabilities.
    pub(crate) fn facts(&self) -> (Option<String>, Vec<String>) {
        match self {
            Preamble::Smtp(p) => (p.greeting().map(str::to_owned), p.capabilities().to_vec()),
        }
    }
}
