//! Why a check failed: one enum, each variant with the phase and what the
//! server said, rendered as one line a monitoring admin understands.

use std::fmt;
use std::time::Duration;

use crate::config::Protocol;
use crate::ldap::LdapError;
use crate::legacy::LegacyFailure;
use crate::phase::Phase;
use crate::smtp::{Reply, ReplyError};

/// A failed check. `Display` gives one line naming the phase, what the server
/// said and what was expected.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ProbeError {
    /// The server answered with a code other than the one the protocol
    /// requires: greeting not 220, EHLO/LHLO not 250, STARTTLS not 220.
    Rejected {
        /// SMTP or LMTP.
        protocol: Protocol,
        /// Where it happened.
        phase: Phase,
        /// The server's full reply.
        reply: Reply,
    },
    /// The EHLO/LHLO reply does not list STARTTLS.
    StartTlsNotAdvertised {
        /// SMTP or LMTP.
        protocol: Protocol,
        /// The capability keywords the server did list.
        capabilities: Vec<String>,
    },
    /// Bytes that are not a valid reply, or a reply beyond our bounds.
    BadReply {
        /// SMTP or LMTP.
        protocol: Protocol,
        /// Where it happened.
        phase: Phase,
        /// What was wrong.
        error: ReplyError,
    },
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
    },
    /// Plaintext arrived after the server agreed to start TLS and before the
    /// TLS handshake: a broken server or a command-injection attack
    /// (CVE-2011-0411 style). The bytes are never handed to TLS.
    PlaintextAfterStartTls {
        /// The first bytes, made printable.
        excerpt: String,
    },
    /// The server sent a TLS alert instead of completing the handshake.
    TlsAlert {
        /// The alert.
        alert: rustls::AlertDescription,
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
            ProbeError::Rejected {
                protocol,
                phase,
                reply,
            } => {
                let what = match phase {
                    Phase::Greeting => "greeted with an error instead of 220",
                    Phase::Hello if *protocol == Protocol::Lmtp => "rejected LHLO",
                    Phase::Hello => "rejected EHLO",
                    Phase::StartTls => "refused STARTTLS",
                    _ => "answered with an unexpected reply",
                };
                write!(f, "{protocol} server {what}: {reply}")
            }
            ProbeError::StartTlsNotAdvertised {
                protocol,
                capabilities,
            } => {
                write!(f, "{protocol} server does not offer STARTTLS")?;
                if capabilities.is_empty() {
                    write!(f, " (it listed no extensions)")
                } else {
                    write!(f, " (it offers: {})", capabilities.join(", "))
                }
            }
            ProbeError::BadReply {
                protocol,
                phase,
                error,
            } => write!(f, "{protocol} server sent a malformed reply {phase}: {error}"),
            ProbeError::ConnectionClosed { phase } => {
                write!(f, "server closed the connection {phase}")
            }
            ProbeError::Timeout {
                phase,
                limit,
                overall,
            } => {
                let which = if *overall { "overall" } else { "phase" };
                write!(
                    f,
                    "timed out {phase} (no answer within the {} s {which} limit)",
                    limit.as_secs_f64()
                )?;
                if *phase == Phase::Greeting {
                    // The usual cause: a port that speaks TLS at once.
                    write!(
                        f,
                        "; a server that expects TLS at once (SMTPS, port 465) never greets in plaintext"
                    )?;
                }
                Ok(())
            }
            ProbeError::PlaintextAfterStartTls { excerpt } => write!(
                f,
                "server sent plaintext after agreeing to start TLS (broken server or injection attack): \"{excerpt}\""
            ),
            ProbeError::TlsAlert { alert } => {
                write!(f, "server aborted the TLS handshake with alert {alert:?}")
            }
            ProbeError::Tls { error } => write!(f, "TLS handshake failed: {error}"),
            ProbeError::Ldap(error) => error.fmt(f),
            ProbeError::Legacy { first, second } => write!(
                f,
                "{first}; reading the certificate with a TLS 1.0-1.2 ClientHello on a second connection failed too: {second}"
            ),
        }
    }
}

impl std::error::Error for ProbeError {}

impl ProbeError {
    /// The phase the check was in when it failed.
    pub fn phase(&self) -> Phase {
        match self {
            ProbeError::Rejected { phase, .. }
            | ProbeError::BadReply { phase, .. }
            | ProbeError::ConnectionClosed { phase }
            | ProbeError::Timeout { phase, .. } => *phase,
            ProbeError::StartTlsNotAdvertised { .. } => Phase::Hello,
            ProbeError::Ldap(_) => Phase::StartTls,
            ProbeError::Legacy { first, .. } => first.phase(),
            ProbeError::PlaintextAfterStartTls { .. }
            | ProbeError::TlsAlert { .. }
            | ProbeError::Tls { .. } => Phase::TlsHandshake,
        }
    }
}
