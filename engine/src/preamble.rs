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
//! 6. **Implicit-TLS twin** (e.g. `ftps`, `xmpps`): one variant, its table
//!    lines (`name` such as "FTPS (implicit TLS)", `keyword`, `summary`,
//!    `default_port`), `true` in `Protocol::implicit_tls` and the STARTTLS
//!    protocol in `Protocol::plaintext_twin`. Nothing else in the engine:
//!    [`Preamble::Implicit`] starts TLS at once and reuses the twin's
//!    goodbye; if the twin's server speaks first, add its arm to
//!    `Preamble::greeting_reader` so the goodbye waits for the greeting
//!    inside TLS (Postfix logs "improper command pipelining" otherwise).
//!    In the simulator, a personality whose `plaintext()` is the twin's
//!    and whose `protocol()` is the new variant: the server then greets
//!    inside TLS and hangs up on a client that talks first. `tls` (no
//!    twin) says nothing after the handshake: close_notify is its goodbye
//!    (`GoodbyeAnswer::CloseNotify`), and it has no default port.
//! 7. **Check**: `cargo test --test protocol_coverage` fails while the new
//!    protocol lacks a command-line name, a working personality, a fuzz
//!    harness value or a corpus seed that reaches the handshake. Then the
//!    interop suite: a real server on loopback (`tests/interop/`).

use bytes::BytesMut;

use crate::closing::{GoodbyeAnswer, LineAnswer};
use crate::config::{Config, Protocol};
use crate::error::{Arrived, ProbeError};
use crate::ftp::FtpPreamble;
use crate::imap::{self, ImapPreamble};
use crate::ldap::LdapPreamble;
use crate::mysql::MysqlPreamble;
use crate::nntp::NntpPreamble;
use crate::phase::Phase;
use crate::pop3::{self, Pop3Preamble};
use crate::postgres::PostgresPreamble;
use crate::sieve::{self, SievePreamble};
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
    /// IMAP `STARTTLS`.
    Imap(ImapPreamble),
    /// POP3 `STLS`.
    Pop3(Pop3Preamble),
    /// ManageSieve `STARTTLS`.
    Sieve(SievePreamble),
    /// Implicit TLS: no plaintext at all. The twin's greeting and goodbye
    /// are spoken inside TLS (`None` for bare TLS).
    Implicit(Option<Box<Preamble>>),
}

impl Preamble {
    /// The preamble for `config.protocol`; `out` receives what must be sent
    /// at once (nothing for SMTP, which waits for the greeting; the StartTLS
    /// request for LDAP, where the client speaks first).
    pub(crate) fn start(config: &Config, out: &mut BytesMut) -> Self {
        if config.protocol().implicit_tls() {
            // The twin's machine is only asked for its goodbye, so its
            // opening bytes (the LDAP request) are dropped.
            let twin = config.protocol().plaintext_twin().map(|twin| {
                let mut unused = BytesMut::new();
                Box::new(Preamble::start(&config.for_protocol(twin), &mut unused))
            });
            return Preamble::Implicit(twin);
        }
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
            Protocol::Imap => Preamble::Imap(ImapPreamble::new(config)),
            Protocol::Pop3 => Preamble::Pop3(Pop3Preamble::new(config)),
            Protocol::Sieve => Preamble::Sieve(SievePreamble::new(config)),
            Protocol::Smtps
            | Protocol::Imaps
            | Protocol::Pop3s
            | Protocol::Ldaps
            | Protocol::Ftps
            | Protocol::Xmpps
            | Protocol::Tls => Preamble::Implicit(None),
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
            Preamble::Imap(p) => p.phase(),
            Preamble::Pop3(p) => p.phase(),
            Preamble::Sieve(p) => p.phase(),
            Preamble::Implicit(_) => Phase::TlsHandshake,
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
            Preamble::Imap(p) => p.receive(data, out),
            Preamble::Pop3(p) => p.receive(data, out),
            Preamble::Sieve(p) => p.receive(data, out),
            // Not reached: an implicit-TLS probe starts in the handshake.
            Preamble::Implicit(_) => Ok(Step::StartTls { leftover: 0 }),
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
            Preamble::Nntp(_) => crate::nntp::QUIT.to_vec(),
            Preamble::Xmpp(p) => p.goodbye(),
            Preamble::Imap(_) => imap::LOGOUT.to_vec(),
            Preamble::Pop3(_) => pop3::QUIT.to_vec(),
            Preamble::Sieve(_) => sieve::LOGOUT.to_vec(),
            // Direct-TLS XMPP opens its stream inside TLS first (see
            // `opening`), so only the close remains.
            Preamble::Implicit(twin) => match twin.as_deref() {
                Some(Preamble::Xmpp(_)) => XmppPreamble::STREAM_END.to_vec(),
                Some(twin) => twin.goodbye(),
                None => Vec::new(),
            },
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
            Preamble::Imap(p) => p.arrived(),
            Preamble::Pop3(p) => p.arrived(),
            Preamble::Sieve(p) => p.arrived(),
            Preamble::Implicit(_) => Arrived::Nothing,
        }
    }

    /// How the server acknowledges the goodbye: SMTP/LMTP, FTP and NNTP
    /// reply to `QUIT`; an XMPP server closes its stream in turn; an LDAP
    /// unbind has no response (RFC 4511 section 4.3); PostgreSQL and MySQL
    /// send close_notify alone; `tls` sends close_notify and waits for the
    /// server's (or its close); IMAP's tagged `LOGOUT` completion; any POP3
    /// status line; ManageSieve's second final response (the first ends the
    /// capabilities it re-sends after TLS).
    pub(crate) fn goodbye_answer(&self, config: &Config) -> GoodbyeAnswer {
        let limits = config.limits();
        match self {
            Preamble::Smtp(p) => GoodbyeAnswer::Reply(p.goodbye_reader()),
            Preamble::Ftp(p) => GoodbyeAnswer::Numbered(p.goodbye_reader()),
            Preamble::Nntp(p) => GoodbyeAnswer::Numbered(p.goodbye_reader()),
            Preamble::Xmpp(_) => GoodbyeAnswer::StreamEnd(Scanner::new(limits.xml_bytes)),
            Preamble::Ldap(_) | Preamble::Postgres(_) | Preamble::Mysql(_) | Preamble::Direct => {
                GoodbyeAnswer::None
            }
            Preamble::Imap(_) => {
                GoodbyeAnswer::Lines(LineAnswer::new(limits, true, imap::logout_done, 1))
            }
            Preamble::Pop3(_) => GoodbyeAnswer::Lines(LineAnswer::new(limits, false, |_| true, 1)),
            Preamble::Sieve(_) => {
                GoodbyeAnswer::Lines(LineAnswer::new(limits, true, sieve::is_final, 2))
            }
            Preamble::Implicit(None) => GoodbyeAnswer::CloseNotify,
            Preamble::Implicit(Some(twin)) => match twin.greeting_reader(config) {
                Some(greeting) => GoodbyeAnswer::AfterGreeting {
                    opening: twin.opening(),
                    greeting: Box::new(greeting),
                    then: Box::new(twin.goodbye_answer(config)),
                },
                None => twin.goodbye_answer(config),
            },
        }
    }

    /// For implicit TLS: what the client sends at once inside TLS so that
    /// the server greets (XMPP's stream header, XEP-0368: the stream starts
    /// as on a STARTTLS port, only inside TLS); empty for the rest.
    fn opening(&self) -> Vec<u8> {
        match self {
            Preamble::Xmpp(p) => p.header().as_bytes().to_vec(),
            _ => Vec::new(),
        }
    }

    /// For implicit TLS: how to read the greeting the server sends inside
    /// TLS before the goodbye may go (for XMPP the answer to the
    /// [`opening`](Self::opening) header: its header and features); `None`
    /// when nothing precedes the goodbye (LDAP).
    fn greeting_reader(&self, config: &Config) -> Option<GoodbyeAnswer> {
        let limits = config.limits();
        match self {
            Preamble::Xmpp(_) => Some(GoodbyeAnswer::Features(Scanner::new(limits.xml_bytes))),
            Preamble::Smtp(p) => Some(GoodbyeAnswer::Reply(p.goodbye_reader())),
            Preamble::Ftp(p) => Some(GoodbyeAnswer::Numbered(p.goodbye_reader())),
            Preamble::Nntp(p) => Some(GoodbyeAnswer::Numbered(p.goodbye_reader())),
            Preamble::Imap(_) => Some(GoodbyeAnswer::Lines(LineAnswer::new(
                limits,
                true,
                |_| true,
                1,
            ))),
            Preamble::Pop3(_) => Some(GoodbyeAnswer::Lines(LineAnswer::new(
                limits,
                false,
                |_| true,
                1,
            ))),
            Preamble::Sieve(_) => Some(GoodbyeAnswer::Lines(LineAnswer::new(
                limits,
                true,
                sieve::is_final,
                1,
            ))),
            Preamble::Ldap(_)
            | Preamble::Postgres(_)
            | Preamble::Mysql(_)
            | Preamble::Direct
            | Preamble::Implicit(_) => None,
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
            Preamble::Imap(p) => p.buffered(),
            Preamble::Pop3(p) => p.buffered(),
            Preamble::Sieve(p) => p.buffered(),
            Preamble::Implicit(_) => 0,
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
            Preamble::Nntp(p) => (p.greeting().map(str::to_owned), p.capabilities().to_vec()),
            Preamble::Xmpp(p) => p.facts(),
            Preamble::Imap(p) => (p.greeting().map(str::to_owned), p.capabilities().to_vec()),
            Preamble::Pop3(p) => (p.greeting().map(str::to_owned), p.capabilities().to_vec()),
            Preamble::Sieve(p) => (p.greeting().map(str::to_owned), p.capabilities().to_vec()),
            Preamble::Implicit(_) => (None, Vec::new()),
        }
    }
}
