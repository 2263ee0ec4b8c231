//! The plaintext part of a check, one small machine per protocol family.

use bytes::BytesMut;

use crate::closing::GoodbyeAnswer;
use crate::config::{Config, Protocol};
use crate::error::ProbeError;
use crate::ldap::LdapPreamble;
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
    /// LDAP StartTLS extended operation.
    Ldap(LdapPreamble),
}

impl Preamble {
    /// The preamble for `config.protocol`; `out` receives what must be sent
    /// at once (nothing for SMTP, which waits for the greeting; the StartTLS
    /// request for LDAP, where the client speaks first).
    pub(crate) fn start(config: &Config, out: &mut BytesMut) -> Self {
        match config.protocol {
            Protocol::Smtp | Protocol::Lmtp => Preamble::Smtp(SmtpPreamble::new(config)),
            Protocol::Ldap => Preamble::Ldap(LdapPreamble::start(config, out)),
        }
    }

    /// The phase the conversation is in.
    pub(crate) fn phase(&self) -> Phase {
        match self {
            Preamble::Smtp(p) => p.phase(),
            Preamble::Ldap(p) => p.phase(),
        }
    }

    /// Feeds server bytes; replies to send go to `out`.
    pub(crate) fn receive(&mut self, data: &[u8], out: &mut BytesMut) -> Result<Step, ProbeError> {
        match self {
            Preamble::Smtp(p) => p.receive(data, out),
            Preamble::Ldap(p) => p.receive(data),
        }
    }

    /// Application data sent inside TLS before close_notify.
    pub(crate) fn goodbye(&self) -> Vec<u8> {
        match self {
            Preamble::Smtp(p) => p.goodbye().to_vec(),
            Preamble::Ldap(p) => p.goodbye(),
        }
    }

    /// How the server acknowledges the goodbye: SMTP/LMTP reply to `QUIT`;
    /// an LDAP unbind has no response (RFC 4511 section 4.3).
    pub(crate) fn goodbye_answer(&self) -> GoodbyeAnswer {
        match self {
            Preamble::Smtp(p) => GoodbyeAnswer::Reply(p.goodbye_reader()),
            Preamble::Ldap(_) => GoodbyeAnswer::None,
        }
    }

    /// Bytes held waiting for a complete reply.
    pub(crate) fn buffered(&self) -> usize {
        match self {
            Preamble::Smtp(p) => p.buffered(),
            Preamble::Ldap(p) => p.buffered(),
        }
    }

    /// The greeting's first line and the advertised capabilities.
    pub(crate) fn facts(&self) -> (Option<String>, Vec<String>) {
        match self {
            Preamble::Smtp(p) => (p.greeting().map(str::to_owned), p.capabilities().to_vec()),
            Preamble::Ldap(_) => (None, Vec::new()),
        }
    }
}
