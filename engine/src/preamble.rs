//! The plaintext part of a check, one small machine per protocol family.
//!
//! # Adding a protocol
//!
//! A new protocol is a local change: one preamble machine and one line in
//! each table below. The compiler finds the engine's tables (every `match`
//! on [`Protocol`] in this crate is exhaustive); tests find the rest.
//!
//! 1. **Engine, config**: a [`Protocol`] variant, and its arm in
//!    `Protocol::name`, `keyword`, `summary` and `default_port`; add it to
//!    `Protocol::ALL` (the test `all_lists_every_protocol_once_in_order`
//!    fails until you do).
//! 2. **Engine, preamble**: a module next to `smtp/` and `ldap/` with a
//!    machine that takes server bytes and answers [`Step::NeedMore`] or
//!    [`Step::StartTls`] (counting leftover bytes, which are injection),
//!    writes its commands into `out`, bounds every buffer with a
//!    [`Limits`](crate::Limits) field and fails with a typed error naming
//!    the [`Phase`]; plus its `goodbye` (sent inside TLS) and `facts`. Wire it
//!    into [`Preamble`] below. If it needs a phase the existing ones do not
//!    describe, add a [`Phase`] variant (it is `#[non_exhaustive]`).
//! 3. **Simulator** (`sim/`): a personality speaking a real server's
//!    dialogue byte for byte (cite the transcript), in `Personality::all`,
//!    with `protocol()` returning the new variant, and its failure
//!    personalities.
//! 4. **Fuzzing**: nothing to change in the probe harness (its protocol
//!    byte indexes `Protocol::ALL`); regenerate the seeds with
//!    `cargo test --test fuzz_corpora -- --ignored` so a seed reaches the
//!    handshake; add a fuzz target for any new parser.
//! 5. **Command**: nothing for the names (`--help`, positional, `--params`
//!    and messages are built from `Protocol::ALL`); outputs show
//!    `Protocol::name`.
//! 6. **Check**: `cargo test --test protocol_coverage` fails while the new
//!    protocol lacks a command-line name, a working personality, a fuzz
//!    harness value or a corpus seed that reaches the handshake. Then the
//!    interop suite: a real server on loopback (`tests/interop/`).

use bytes::BytesMut;

use crate::closing::GoodbyeAnswer;
use crate::config::{Config, Protocol};
use crate::error::{Arrived, ProbeError};
use crate::ftp::FtpPreamble;
use crate::ldap::LdapPreamble;
use crate::mysql::MysqlPreamble;
use crate::nntp::NntpPreamble;
use crate::phase::Phase;
use crate::postgres::PostgresPreamble;
use crate::smtp::SmtpPreamble;
use crate::xmpp::{Scanner, XmppPreamble};

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
    /// PostgreSQL SSLRequest.
    Postgres(PostgresPreamble),
    /// MySQL/MariaDB handshake packet and SSLRequest.
    Mysql(MysqlPreamble),
    /// No plaintext at all (PostgreSQL 17 direct TLS): the probe starts TLS
    /// as soon as it exists, and any byte received here is fed to TLS.
    Direct,
    /// FTP `AUTH TLS`.
    Ftp(FtpPreamble),
    /// NNTP `STARTTLS`.
    Nntp(NntpPreamble),
    /// XMPP client or server stream (boxed: it is the largest by far).
    Xmpp(Box<XmppPreamble>),
}

impl Preamble {
    /// The preamble for `config.protocol`; `out` receives what must be sent
    /// at once (nothing for SMTP, which waits for the greeting; the StartTLS
    /// request for LDAP, where the client speaks first).
    pub(crate) fn start(config: &Config, out: &mut BytesMut) -> Self {
        match config.protocol() {
            Protocol::Smtp | Protocol::Lmtp => Preamble::Smtp(SmtpPreamble::new(config)),
            Protocol::Ldap => Preamble::Ldap(LdapPreamble::start(config, out)),
            Protocol::Postgres => Preamble::Postgres(PostgresPreamble::start(config, out)),
            Protocol::Mysql => Preamble::Mysql(MysqlPreamble::new(config)),
            Protocol::PostgresDirect => Preamble::Direct,
            Protocol::Ftp => Preamble::Ftp(FtpPreamble::new(config)),
            Protocol::Nntp => Preamble::Nntp(NntpPreamble::new(config)),
            Protocol::Xmpp | Protocol::XmppServer => {
                Preamble::Xmpp(Box::new(XmppPreamble::start(config, out)))
            }
        }
    }

    /// True when TLS starts at once, with no plaintext exchange.
    pub(crate) fn is_direct(&self) -> bool {
        matches!(self, Preamble::Direct)
    }

    /// The phase the conversation is in.
    pub(crate) fn phase(&self) -> Phase {
        match self {
            Preamble::Smtp(p) => p.phase(),
            Preamble::Ldap(p) => p.phase(),
            Preamble::Postgres(p) => p.phase(),
            Preamble::Mysql(p) => p.phase(),
            Preamble::Direct => Phase::TlsHandshake,
            Preamble::Ftp(p) => p.phase(),
            Preamble::Nntp(p) => p.phase(),
            Preamble::Xmpp(p) => p.phase(),
        }
    }

    /// Feeds server bytes; replies to send go to `out`.
    pub(crate) fn receive(&mut self, data: &[u8], out: &mut BytesMut) -> Result<Step, ProbeError> {
        match self {
            Preamble::Smtp(p) => p.receive(data, out),
            Preamble::Ldap(p) => p.receive(data),
            Preamble::Postgres(p) => p.receive(data),
            Preamble::Mysql(p) => p.receive(data, out),
            // Called once, with no data, right after `start`.
            Preamble::Direct => Ok(Step::StartTls {
                leftover: data.len(),
            }),
            Preamble::Ftp(p) => p.receive(data, out),
            Preamble::Nntp(p) => p.receive(data, out),
            Preamble::Xmpp(p) => p.receive(data, out),
        }
    }

    /// Application data sent inside TLS before close_notify.
    pub(crate) fn goodbye(&self) -> Vec<u8> {
        match self {
            Preamble::Smtp(p) => p.goodbye().to_vec(),
            Preamble::Ldap(p) => p.goodbye(),
            // PostgreSQL before a startup packet and MySQL before the
            // handshake response have no goodbye message: close_notify and
            // close (a Terminate here is logged by PostgreSQL as "invalid
            // length of startup packet").
            Preamble::Postgres(_) | Preamble::Mysql(_) | Preamble::Direct => Vec::new(),
            Preamble::Ftp(p) => p.goodbye().to_vec(),
            Preamble::Nntp(p) => p.goodbye().to_vec(),
            Preamble::Xmpp(p) => p.goodbye(),
        }
    }

    /// What has arrived of the reply the conversation waits for.
    pub(crate) fn arrived(&self) -> Arrived {
        match self {
            Preamble::Smtp(p) => p.arrived(),
            Preamble::Ldap(p) => p.arrived(),
            Preamble::Postgres(p) => p.arrived(),
            Preamble::Mysql(p) => p.arrived(),
            Preamble::Direct => Arrived::Nothing,
            Preamble::Ftp(p) => p.arrived(),
            Preamble::Nntp(p) => p.arrived(),
            Preamble::Xmpp(p) => p.arrived(),
        }
    }

    /// How the server acknowledges the goodbye: SMTP/LMTP, FTP and NNTP
    /// reply to `QUIT`; an XMPP server closes its stream in turn; an LDAP
    /// unbind has no response (RFC 4511 section 4.3); PostgreSQL and MySQL
    /// send close_notify alone.
    pub(crate) fn goodbye_answer(&self, limits: crate::Limits) -> GoodbyeAnswer {
        match self {
            Preamble::Smtp(p) => GoodbyeAnswer::Reply(p.goodbye_reader()),
            Preamble::Ftp(p) => GoodbyeAnswer::Numbered(p.goodbye_reader()),
            Preamble::Nntp(p) => GoodbyeAnswer::Numbered(p.goodbye_reader()),
            Preamble::Xmpp(_) => GoodbyeAnswer::StreamEnd(Scanner::new(limits.xml_bytes)),
            Preamble::Ldap(_) | Preamble::Postgres(_) | Preamble::Mysql(_) | Preamble::Direct => {
                GoodbyeAnswer::None
            }
        }
    }

    /// Bytes held waiting for a complete reply.
    pub(crate) fn buffered(&self) -> usize {
        match self {
            Preamble::Smtp(p) => p.buffered(),
            Preamble::Ldap(p) => p.buffered(),
            Preamble::Postgres(p) => p.buffered(),
            Preamble::Mysql(p) => p.buffered(),
            Preamble::Direct => 0,
            Preamble::Ftp(p) => p.buffered(),
            Preamble::Nntp(p) => p.buffered(),
            Preamble::Xmpp(p) => p.buffered(),
        }
    }

    /// The greeting's first line (for MySQL the server version) and the
    /// advertised capabilities.
    pub(crate) fn facts(&self) -> (Option<String>, Vec<String>) {
        match self {
            Preamble::Smtp(p) => (p.greeting().map(str::to_owned), p.capabilities().to_vec()),
            Preamble::Ldap(_) | Preamble::Postgres(_) | Preamble::Direct => (None, Vec::new()),
            Preamble::Mysql(p) => (p.handshake().map(|h| h.server_version.clone()), Vec::new()),
            Preamble::Ftp(p) => (p.greeting().map(str::to_owned), Vec::new()),
            Preamble::Nntp(p) => (p.greeting().map(str::to_owned), Vec::new()),
            Preamble::Xmpp(p) => p.facts(),
        }
    }
}
