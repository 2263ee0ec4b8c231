//! What each protocol calls the answer a phase waits for, so a timeout or a
//! closed connection is told in that protocol's own words: MySQL waits for a
//! handshake packet, XMPP for a stream header, FTP for the answer to
//! `AUTH TLS`, and only SMTP is told about SMTPS on port 465.

use crate::config::Protocol;
use crate::phase::Phase;

/// What the probe was waiting for in `phase`: `greeting`, `answer to AUTH
/// TLS`, `handshake packet`.
pub(crate) fn awaited(protocol: Protocol, phase: Phase) -> &'static str {
    match (phase, protocol) {
        (Phase::Greeting, Protocol::Mysql) => "handshake packet",
        (Phase::Greeting, Protocol::Xmpp | Protocol::XmppServer) => "stream header and features",
        (Phase::Greeting, _) => "greeting",
        (Phase::Hello, Protocol::Lmtp) => "answer to LHLO",
        (Phase::Hello, _) => "answer to EHLO/LHLO",
        (Phase::Capabilities, Protocol::Imap) => "answer to CAPABILITY",
        (Phase::Capabilities, Protocol::Pop3) => "answer to CAPA",
        (Phase::Capabilities, _) => "capability list",
        (Phase::StartTls, Protocol::Ftp) => "answer to AUTH TLS",
        (Phase::StartTls, Protocol::Pop3) => "answer to STLS",
        (Phase::StartTls, Protocol::Postgres | Protocol::Mysql) => "answer to the SSLRequest",
        (Phase::StartTls, Protocol::Xmpp | Protocol::XmppServer) => "answer to <starttls/>",
        (Phase::StartTls, _) => "answer to the STARTTLS request",
        (Phase::TlsHandshake, _) => "TLS handshake",
        (Phase::Closing, _) => "answer to the goodbye",
        (Phase::Reconnect, _) => "second connection for a legacy TLS capture",
    }
}

/// Where the conversation stood, for "server closed the connection ...":
/// `waiting for the greeting`, `after AUTH TLS`.
pub(crate) fn during(protocol: Protocol, phase: Phase) -> &'static str {
    match (phase, protocol) {
        (Phase::Greeting, Protocol::Mysql) => "waiting for the handshake packet",
        (Phase::Greeting, Protocol::Xmpp | Protocol::XmppServer) => {
            "waiting for the stream header and features"
        }
        (Phase::Hello, Protocol::Lmtp) => "after LHLO",
        (Phase::Capabilities, Protocol::Imap) => "after CAPABILITY",
        (Phase::Capabilities, Protocol::Pop3) => "after CAPA",
        (Phase::StartTls, Protocol::Ftp) => "after AUTH TLS",
        (Phase::StartTls, Protocol::Pop3) => "after STLS",
        (Phase::StartTls, Protocol::Postgres | Protocol::Mysql) => "after the SSLRequest",
        (Phase::StartTls, Protocol::Xmpp | Protocol::XmppServer) => "after <starttls/>",
        _ => phase.during(),
    }
}

/// A hint for a server that sent nothing at all in `phase`, when that is
/// the phase of the protocol's first answer: the usual cause is a port
/// that speaks another protocol or expects TLS at once. Implicit-TLS
/// protocols and LDAP get none (their silence is told by the TLS handshake
/// or the StartTLS answer itself).
pub(crate) fn silence_hint(protocol: Protocol, phase: Phase) -> Option<&'static str> {
    Some(match (phase, protocol) {
        (Phase::Greeting, Protocol::Smtp) => {
            "a server that expects TLS at once (SMTPS, port 465) never greets in plaintext"
        }
        (Phase::Greeting, Protocol::Imap) => {
            "a server that expects TLS at once (IMAPS, port 993) never greets in plaintext"
        }
        (Phase::Greeting, Protocol::Pop3) => {
            "a server that expects TLS at once (POP3S, port 995) never greets in plaintext"
        }
        (Phase::Greeting, Protocol::Lmtp) => {
            "an LMTP server greets at once: is this an LMTP port, and not one that expects TLS at once?"
        }
        (Phase::Greeting, Protocol::Ftp) => {
            "an FTP server greets at once: is this an FTP control port, and not one that expects TLS at once?"
        }
        (Phase::Greeting, Protocol::Nntp) => {
            "an NNTP server greets at once: is this an NNTP port, and not one that expects TLS at once?"
        }
        (Phase::Greeting, Protocol::Sieve) => {
            "a ManageSieve server sends its capabilities at once: is this a ManageSieve port, and not one that expects TLS at once?"
        }
        (Phase::Greeting, Protocol::Mysql) => {
            "the server sent no handshake packet: is this a MySQL port, and not one that expects TLS at once?"
        }
        (Phase::Greeting, Protocol::Xmpp) => {
            "no XMPP stream header came back: is this an XMPP client port (usually 5222)?"
        }
        (Phase::Greeting, Protocol::XmppServer) => {
            "no XMPP stream header came back: is this an XMPP server-to-server port (usually 5269)?"
        }
        (Phase::StartTls, Protocol::Postgres) => {
            "a PostgreSQL server answers the SSLRequest with one byte: is this a PostgreSQL port?"
        }
        _ => return None,
    })
}
