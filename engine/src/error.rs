//! Why a check failed: one enum, each variant with the phase and what the
//! server said, rendered as one line a monitoring admin understands.

use std::fmt;
use std::time::Duration;

use crate::ftp::FtpError;
use crate::imap::ImapError;
use crate::ldap::LdapError;
use crate::legacy::LegacyFailure;
use crate::mysql::MysqlError;
use crate::nntp::NntpError;
use crate::phase::Phase;
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
        /// Where it happened.
        phase: Phase,
    },
    /// A time limit ran out.
    Timeout {
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
            ProbeError::ConnectionClosed { phase } => {
                write!(f, "server closed the connection {phase}")
            }
            ProbeError::Timeout {
                phase,
                limit,
                overall,
                arrived,
            } => write_timeout(f, *phase, *limit, *overall, arrived),
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
                    Some(proto) => {
                        let starttls = match *proto {
                            "SMTP" => "smtp",
                            "IMAP" => "imap",
                            "POP3" => "pop3",
                            "ManageSieve" => "sieve",
                            "FTP" => "ftp",
                            "XMPP" => "xmpp",
                            _ => "",
                        };
                        if starttls.is_empty() {
                            write!(
                                f,
                                " (looks like {proto}: this port speaks before TLS; use the STARTTLS protocol, e.g. smtp, imap, pop3, ldap)"
                            )
                        } else {
                            write!(
                                f,
                                " (looks like {proto}: this port speaks before TLS; use the STARTTLS protocol {starttls})"
                            )
                        }
                    }
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
    phase: Phase,
    limit: Duration,
    overall: bool,
    arrived: &Arrived,
) -> fmt::Result {
    let secs = limit.as_secs_f64();
    let which = if overall { "overall" } else { "phase" };
    let awaited = match phase {
        Phase::Greeting => "greeting",
        Phase::Hello => "answer to EHLO/LHLO",
        Phase::Capabilities => "capability list",
        Phase::StartTls => "answer to the STARTTLS request",
        Phase::TlsHandshake => "TLS handshake",
        Phase::Closing => "answer to the goodbye",
        Phase::Reconnect => "second connection for a legacy TLS capture",
    };
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
            if phase == Phase::Greeting {
                // Nothing at all came: the usual cause is a port that
                // speaks TLS at once.
                f.write_str(
                    "; a server that expects TLS at once (SMTPS, port 465) never greets in plaintext",
                )?;
            }
            Ok(())
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
            ProbeError::ConnectionClosed { phase } | ProbeError::Timeout { phase, .. } => *phase,
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
}
