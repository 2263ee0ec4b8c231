//! Why a check failed: one enum, each variant with the phase and what the
//! server said, rendered as one line a monitoring admin understands.

use std::fmt;
use std::time::Duration;

use crate::config::Protocol;
use crate::ftp::FtpError;
use crate::imap::ImapError;
use crate::ldap::LdapError;
use crate::legacy::LegacyFailure;
use crate::mysql::MysqlError;
use crate::nntp::NntpError;
use crate::phase::Phase;
use crate::phase_words;
use crate::pop3::Pop3Error;
use crate::postgres::PostgresError;
use crate::sieve::SieveError;
use crate::smtp::SmtpError;
use crate::xmpp::XmppError;

/// What had arrived of the answer a probe was waiting for when a time limit
/// ran out: it tells a silent server from one that stalled halfway.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Arrived {
    /// Nothing at all in the phase that timed out.
    #[default]
    Nothing,
    /// Part of an SMTP/LMTP reply.
    Lines {
        /// Lines received whole (all of them continuation lines).
        complete: usize,
        /// The last line received, complete or not, code included, made
        /// printable and cut to 80 characters.
        last: String,
        /// `last` is still waiting for its line end.
        unfinished: bool,
    },
    /// Bytes of a binary answer: an incomplete LDAP message, or TLS records
    /// that did not complete the handshake.
    Bytes(usize),
}

/// A failed check. `Display` gives one line naming the phase, what the server
/// said and what was expected.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ProbeError {
    /// The SMTP or LMTP exchange before TLS failed: a rejection, no
    /// STARTTLS offered, or a malformed reply.
    Smtp(SmtpError),
    /// The server closed the connection before the check was complete.
    ConnectionClosed {
        /// The protocol spoken, so the message names the right thing.
        protocol: Protocol,
        /// Where it happened.
        phase: Phase,
    },
    /// A time limit ran out.
    Timeout {
        /// The protocol spoken, so the message names what it waited for.
        protocol: Protocol,
        /// The phase that was running.
        phase: Phase,
        /// The limit that ran out.
        limit: Duration,
        /// True when the overall limit ran out, false for the phase limit.
        overall: bool,
        /// What had arrived of the answer the probe was waiting for.
        arrived: Arrived,
    },
    /// Plaintext arrived after the server agreed to start TLS and before the
    /// TLS handshake: a broken server or a command-injection attack
    /// (CVE-2011-0411 style). The bytes are never handed to TLS.
    PlaintextAfterStartTls {
        /// The first bytes, made printable.
        excerpt: String,
    },
    /// Implicit TLS: the server answered the ClientHello with plaintext,
    /// as a STARTTLS port (or another service) does.
    PlaintextInsteadOfTls {
        /// The first line, made printable.
        excerpt: String,
        /// The protocol it looks like, if any.
        looks_like: Option<&'static str>,
    },
    /// The server sent a TLS alert instead of completing the handshake.
    TlsAlert {
        /// The alert.
        alert: rustls::AlertDescription,
    },
    /// A TLS handshake message from the server (in practice its
    /// certificate chain) is larger than the most the TLS client accepts.
    HandshakeMessageTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The TLS handshake failed for another reason.
    Tls {
        /// What rustls reported.
        error: rustls::Error,
    },
    /// The LDAP StartTLS exchange failed: refused with a result code, a
    /// notice of disconnection, an unexpected or malformed reply, or a
    /// server that does not speak LDAP.
    Ldap(LdapError),
    /// The PostgreSQL SSLRequest was refused (`N`, an ErrorResponse) or
    /// answered with something that is not PostgreSQL.
    Postgres(PostgresError),
    /// The MySQL/MariaDB server refused (ERR packet), offers no TLS, or
    /// sent something that is not a MySQL handshake.
    Mysql(MysqlError),
    /// The FTP conversation failed before `AUTH TLS` was agreed.
    Ftp(FtpError),
    /// The NNTP conversation failed before `STARTTLS` was agreed.
    Nntp(NntpError),
    /// The XMPP stream failed before `<proceed/>`.
    Xmpp(XmppError),
    /// The IMAP exchange before TLS failed.
    Imap(ImapError),
    /// The POP3 exchange before TLS failed.
    Pop3(Pop3Error),
    /// The ManageSieve exchange before TLS failed.
    Sieve(SieveError),
    /// The TLS handshake failed, and so did the second attempt that reads
    /// the certificate in the clear with a TLS 1.0-1.2 ClientHello.
    Legacy {
        /// Why the first handshake failed.
        first: Box<ProbeError>,
        /// Why the second attempt failed.
        second: LegacyFailure,
    },
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::Smtp(error) => error.fmt(f),
            ProbeError::ConnectionClosed { protocol, phase } => write!(
                f,
                "server closed the connection {}",
                phase_words::during(*protocol, *phase)
            ),
            ProbeError::Timeout {
                protocol,
                phase,
                limit,
                overall,
                arrived,
            } => write_timeout(f, *protocol, *phase, *limit, *overall, arrived),
            ProbeError::PlaintextAfterStartTls { excerpt } => write!(
                f,
                "server sent plaintext after agreeing to start TLS (broken server or injection attack): \"{excerpt}\""
            ),
            ProbeError::PlaintextInsteadOfTls {
                excerpt,
                looks_like,
            } => {
                write!(f, "server sent plaintext instead of starting TLS: \"{excerpt}\"")?;
                match looks_like {
                    // A check that starts TLS at once: the guess names the
                    // plaintext protocol to use instead.
                    Some(_) => f.write_str(&crate::guess::advice(
                        *looks_like,
                        crate::config::Protocol::Tls,
                    )),
                    None => write!(f, " (not a TLS port?)"),
                }
            }
            ProbeError::TlsAlert { alert } => {
                write!(f, "server aborted the TLS handshake with alert {alert:?}")
            }
            ProbeError::HandshakeMessageTooLarge { limit } => write!(
                f,
                "the server's certificate chain is larger than {} KiB, the largest TLS handshake message this check accepts",
                limit.div_ceil(1024)
            ),
            ProbeError::Tls { error } => write!(f, "TLS handshake failed: {error}"),
            ProbeError::Ldap(error) => error.fmt(f),
            ProbeError::Postgres(error) => error.fmt(f),
            ProbeError::Mysql(error) => error.fmt(f),
            ProbeError::Ftp(error) => error.fmt(f),
            ProbeError::Nntp(error) => error.fmt(f),
            ProbeError::Xmpp(error) => error.fmt(f),
            ProbeError::Imap(error) => error.fmt(f),
            ProbeError::Pop3(error) => error.fmt(f),
            ProbeError::Sieve(error) => error.fmt(f),
            ProbeError::Legacy { first, second } => write!(
                f,
                "{first}; reading the certificate with a TLS 1.0-1.2 ClientHello on a second connection failed too: {second}"
            ),
        }
    }
}

impl std::error::Error for ProbeError {}

/// One line for a timeout: what was awaited, what had arrived and which
/// limit ran out.
fn write_timeout(
    f: &mut fmt::Formatter<'_>,
    protocol: Protocol,
    phase: Phase,
    limit: Duration,
    overall: bool,
    arrived: &Arrived,
) -> fmt::Result {
    let secs = limit.as_secs_f64();
    let which = if overall { "overall" } else { "phase" };
    let awaited = phase_words::awaited(protocol, phase);
    match (phase, arrived) {
        (Phase::TlsHandshake, Arrived::Nothing) => write!(
            f,
            "TLS handshake stalled: the server sent nothing after the ClientHello within the {secs} s {which} limit"
        ),
        (Phase::TlsHandshake, Arrived::Bytes(n)) => write!(
            f,
            "TLS handshake stalled after {} from the server (nothing more within the {secs} s {which} limit)",
            count(*n, "byte")
        ),
        (_, Arrived::Nothing) => {
            write!(f, "no {awaited} within the {secs} s {which} limit")?;
            // Nothing at all came: the usual cause is a port that speaks
            // another protocol or TLS at once.
            match phase_words::silence_hint(protocol, phase) {
                Some(hint) => write!(f, "; {hint}"),
                None => Ok(()),
            }
        }
        (_, arrived) => {
            write!(f, "{awaited} incomplete after {secs} s ({which} limit): ")?;
            match arrived {
                Arrived::Lines {
                    complete: 0,
                    last,
                    ..
                } => write!(f, "part of a line received: '{last}'"),
                Arrived::Lines {
                    complete,
                    last,
                    unfinished: false,
                } => write!(
                    f,
                    "{} received, the last '{last}'",
                    count(*complete, "line")
                ),
                Arrived::Lines { complete, last, .. } => write!(
                    f,
                    "{} and part of another received, the unfinished one '{last}'",
                    count(*complete, "line")
                ),
                Arrived::Bytes(n) => write!(f, "{} received", count(*n, "byte")),
                Arrived::Nothing => Ok(()),
            }
        }
    }
}

/// `1 line`, `3 lines`, `1,234 bytes`.
fn count(n: usize, unit: &str) -> String {
    let plural = if n == 1 { "" } else { "s" };
    format!("{} {unit}{plural}", thousands(n))
}

/// A number with commas between groups of three digits: `1,234`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

impl ProbeError {
    /// The phase the check was in when it failed.
    pub fn phase(&self) -> Phase {
        match self {
            ProbeError::ConnectionClosed { phase, .. } | ProbeError::Timeout { phase, .. } => {
                *phase
            }
            ProbeError::Smtp(error) => error.phase(),
            ProbeError::Ldap(_) | ProbeError::Postgres(_) => Phase::StartTls,
            ProbeError::Mysql(_) => Phase::Greeting,
            ProbeError::Ftp(e) => e.phase(),
            ProbeError::Nntp(e) => e.phase(),
            ProbeError::Xmpp(e) => e.phase(),
            ProbeError::Imap(e) => e.phase(),
            ProbeError::Pop3(e) => e.phase(),
            ProbeError::Sieve(e) => e.phase(),
            ProbeError::Legacy { first, .. } => first.phase(),
            ProbeError::PlaintextAfterStartTls { .. }
            | ProbeError::PlaintextInsteadOfTls { .. }
            | ProbeError::TlsAlert { .. }
            | ProbeError::HandshakeMessageTooLarge { .. }
            | ProbeError::Tls { .. } => Phase::TlsHandshake,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timeout(phase: Phase, overall: bool, arrived: Arrived) -> String {
        ProbeError::Timeout {
            protocol: Protocol::Smtp,
            phase,
            limit: Duration::from_secs(5),
            overall,
            arrived,
        }
        .to_string()
    }

    fn lines(complete: usize, last: &str, unfinished: bool) -> Arrived {
        Arrived::Lines {
            complete,
            last: last.into(),
            unfinished,
        }
    }

    #[test]
    fn a_silent_greeting_gets_the_smtps_hint() {
        assert_eq!(
            timeout(Phase::Greeting, false, Arrived::Nothing),
            "no greeting within the 5 s phase limit; a server that expects TLS at once \
             (SMTPS, port 465) never greets in plaintext"
        );
    }

    #[test]
    fn a_partial_greeting_names_its_lines_and_gets_no_hint() {
        assert_eq!(
            timeout(Phase::Greeting, false, lines(3, "220-mx ESMTP", false)),
            "greeting incomplete after 5 s (phase limit): 3 lines received, the last '220-mx ESMTP'"
        );
        assert_eq!(
            timeout(Phase::Greeting, true, lines(0, "220 mx.exa", true)),
            "greeting incomplete after 5 s (overall limit): part of a line received: '220 mx.exa'"
        );
        assert_eq!(
            timeout(Phase::Hello, false, lines(1, "250 SIZE", true)),
            "answer to EHLO/LHLO incomplete after 5 s (phase limit): 1 line and part of another \
             received, the unfinished one '250 SIZE'"
        );
        assert!(!timeout(Phase::Greeting, false, lines(1, "220-x", false)).contains("465"));
    }

    #[test]
    fn a_stalled_handshake_counts_the_bytes_with_separators() {
        assert_eq!(
            timeout(Phase::TlsHandshake, false, Arrived::Bytes(1234)),
            "TLS handshake stalled after 1,234 bytes from the server (nothing more within the \
             5 s phase limit)"
        );
        assert_eq!(
            timeout(Phase::TlsHandshake, true, Arrived::Nothing),
            "TLS handshake stalled: the server sent nothing after the ClientHello within the \
             5 s overall limit"
        );
    }

    #[test]
    fn other_phases_say_what_was_awaited() {
        assert_eq!(
            timeout(Phase::StartTls, false, Arrived::Nothing),
            "no answer to the STARTTLS request within the 5 s phase limit"
        );
        assert_eq!(
            timeout(Phase::StartTls, false, Arrived::Bytes(1)),
            "answer to the STARTTLS request incomplete after 5 s (phase limit): 1 byte received"
        );
        assert_eq!(
            timeout(Phase::Hello, false, Arrived::Nothing),
            "no answer to EHLO/LHLO within the 5 s phase limit"
        );
    }

    #[test]
    fn numbers_get_thousands_separators() {
        for (n, text) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (65_535, "65,535"),
            (1_234_567, "1,234,567"),
        ] {
            assert_eq!(thousands(n), text);
        }
    }

    #[test]
    fn an_oversized_chain_is_said_in_words() {
        let text = ProbeError::HandshakeMessageTooLarge { limit: 0xffff }.to_string();
        assert_eq!(
            text,
            "the server's certificate chain is larger than 64 KiB, the largest TLS handshake \
             message this check accepts"
        );
        assert!(!text.contains("HandshakePayloadTooLarge"));
    }

    /// Every phase a probe can be in.
    const PHASES: [Phase; 7] = [
        Phase::Greeting,
        Phase::Hello,
        Phase::Capabilities,
        Phase::StartTls,
        Phase::TlsHandshake,
        Phase::Closing,
        Phase::Reconnect,
    ];

    /// Each protocol's hint for a server that sent nothing at all, the
    /// phase it belongs to, and the words its STARTTLS phase is told in.
    fn expected(p: Protocol) -> (Option<(Phase, &'static str)>, &'static str) {
        use Protocol as P;
        let starttls = match p {
            P::Ftp => "AUTH TLS",
            P::Pop3 => "STLS",
            P::Postgres | P::Mysql => "SSLRequest",
            P::Xmpp | P::XmppServer => "<starttls/>",
            _ => "STARTTLS",
        };
        let hint = match p {
            P::Smtp => Some((Phase::Greeting, "(SMTPS, port 465) never greets")),
            P::Imap => Some((Phase::Greeting, "(IMAPS, port 993) never greets")),
            P::Pop3 => Some((Phase::Greeting, "(POP3S, port 995) never greets")),
            P::Lmtp => Some((Phase::Greeting, "is this an LMTP port, and not one")),
            P::Ftp => Some((Phase::Greeting, "is this an FTP control port")),
            P::Nntp => Some((Phase::Greeting, "is this an NNTP port")),
            P::Sieve => Some((Phase::Greeting, "is this a ManageSieve port, and not one")),
            P::Mysql => Some((
                Phase::Greeting,
                "no handshake packet: is this a MySQL port, and not one",
            )),
            P::Xmpp => Some((Phase::Greeting, "XMPP client port (usually 5222)")),
            P::XmppServer => Some((Phase::Greeting, "XMPP server-to-server port (usually 5269)")),
            P::Postgres => Some((Phase::StartTls, "is this a PostgreSQL port?")),
            // LDAP's silence is told by the StartTLS answer; implicit TLS
            // has no greeting before the handshake.
            P::Ldap
            | P::PostgresDirect
            | P::Smtps
            | P::Imaps
            | P::Pop3s
            | P::Ldaps
            | P::Ftps
            | P::Xmpps
            | P::Tls => None,
        };
        (hint, starttls)
    }

    /// Protocols whose names and ports `p`'s messages may mention: itself,
    /// its implicit-TLS twin and its siblings (XMPP c2s/s2s, PostgreSQL).
    fn related(p: Protocol, q: Protocol) -> bool {
        let family = |x: Protocol| match x {
            Protocol::XmppServer => Protocol::Xmpp,
            Protocol::PostgresDirect => Protocol::Postgres,
            other => other.plaintext_twin().unwrap_or(other),
        };
        family(p) == family(q)
    }

    fn words(text: &str) -> Vec<&str> {
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect()
    }

    #[test]
    fn every_protocol_is_told_in_its_own_words_in_every_phase() {
        for &p in Protocol::ALL {
            let (hint, starttls) = expected(p);
            for phase in PHASES {
                let silent = ProbeError::Timeout {
                    protocol: p,
                    phase,
                    limit: Duration::from_secs(5),
                    overall: false,
                    arrived: Arrived::Nothing,
                }
                .to_string();
                let partial = ProbeError::Timeout {
                    protocol: p,
                    phase,
                    limit: Duration::from_secs(5),
                    overall: true,
                    arrived: Arrived::Bytes(3),
                }
                .to_string();
                let closed = ProbeError::ConnectionClosed { protocol: p, phase }.to_string();
                for text in [&silent, &partial, &closed] {
                    let said = words(text);
                    for &q in Protocol::ALL {
                        if related(p, q) || q == Protocol::Tls {
                            continue;
                        }
                        let name = words(q.name())[0];
                        assert!(!said.contains(&name), "{p} {phase:?} names {q}: {text}");
                        if let Some(port) = q.default_port() {
                            let port = port.to_string();
                            let own = p.default_port().map(|o| o.to_string());
                            if own.as_deref() != Some(port.as_str()) {
                                assert!(
                                    !said.contains(&port.as_str()),
                                    "{p} {phase:?} names {q}'s port: {text}"
                                );
                            }
                        }
                    }
                    if phase == Phase::StartTls && !p.implicit_tls() {
                        assert!(text.contains(starttls), "{p}: {text}");
                    }
                }
                match hint {
                    Some((at, words)) if at == phase => {
                        assert!(silent.contains(words), "{p} {phase:?}: {silent}");
                        assert!(!partial.contains(words), "{p} {phase:?}: {partial}");
                        // Its own name, or its implicit-TLS twin's.
                        let said = self::words(&silent);
                        assert!(
                            Protocol::ALL
                                .iter()
                                .any(|&q| related(p, q) && said.contains(&self::words(q.name())[0])),
                            "{p}: {silent}"
                        );
                    }
                    _ => assert!(
                        !silent.contains(" port"),
                        "{p} {phase:?} gets a hint it should not: {silent}"
                    ),
                }
                assert!(!partial.contains(" port"), "{p} {phase:?}: {partial}");
                assert!(!closed.contains(" port"), "{p} {phase:?}: {closed}");
            }
        }
    }

    #[test]
    fn each_protocol_names_what_it_waited_for() {
        let closed = |protocol, phase| ProbeError::ConnectionClosed { protocol, phase }.to_string();
        let silent = |protocol, phase| {
            ProbeError::Timeout {
                protocol,
                phase,
                limit: Duration::from_secs(5),
                overall: false,
                arrived: Arrived::Nothing,
            }
            .to_string()
        };
        assert_eq!(
            closed(Protocol::Smtp, Phase::Greeting),
            "server closed the connection waiting for the greeting"
        );
        assert_eq!(
            closed(Protocol::Ldap, Phase::StartTls),
            "server closed the connection after the STARTTLS request"
        );
        assert_eq!(
            closed(Protocol::Mysql, Phase::Greeting),
            "server closed the connection waiting for the handshake packet"
        );
        assert_eq!(
            closed(Protocol::Ftp, Phase::StartTls),
            "server closed the connection after AUTH TLS"
        );
        assert_eq!(
            silent(Protocol::Mysql, Phase::Greeting),
            "no handshake packet within the 5 s phase limit; the server sent no handshake \
             packet: is this a MySQL port, and not one that expects TLS at once?"
        );
        assert_eq!(
            silent(Protocol::Smtps, Phase::TlsHandshake),
            "TLS handshake stalled: the server sent nothing after the ClientHello within the \
             5 s phase limit"
        );
        assert_eq!(
            silent(Protocol::Ldap, Phase::StartTls),
            "no answer to the STARTTLS request within the 5 s phase limit"
        );
        assert_eq!(
            silent(Protocol::Xmpp, Phase::StartTls),
            "no answer to <starttls/> within the 5 s phase limit"
        );
    }
}
