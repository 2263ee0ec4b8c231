//! Why an NNTP check failed before TLS.

use std::fmt;

use crate::lines::LineError;
use crate::numeric::NumericError;
use crate::phase::Phase;
use crate::smtp::Reply;

/// An NNTP server that did not agree to `STARTTLS`, or did not speak NNTP.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NntpError {
    /// The greeting is neither 200 nor 201 (`400` service unavailable,
    /// `502` service permanently unavailable).
    GreetingRefused {
        /// The server's reply.
        reply: Reply,
        /// The protocol the greeting looks like (`SMTP`, `TLS`), if any.
        hint: Option<&'static str>,
    },
    /// `STARTTLS` answered with a code other than 382 (`502`, `580`,
    /// `483`).
    StartTlsRefused {
        /// The server's reply.
        reply: Reply,
        /// The protocol the greeting looked like, if any.
        hint: Option<&'static str>,
    },
    /// The `CAPABILITIES` list (RFC 3977 section 5.2) lacks `STARTTLS`
    /// (RFC 4642 section 2.1: the client checks it before asking).
    StartTlsNotAdvertised {
        /// The capability labels the server did list.
        capabilities: Vec<String>,
    },
    /// The capability list went on for more lines than allowed.
    TooManyCapabilities {
        /// The limit in lines.
        limit: usize,
    },
    /// A line of the capability list past the limits.
    CapabilityLine {
        /// What was wrong.
        error: LineError,
    },
    /// Bytes that are not an NNTP reply, or a reply past the limits.
    BadReply {
        /// Where it happened.
        phase: Phase,
        /// What was wrong.
        error: NumericError,
        /// The protocol the bytes look like, if any.
        hint: Option<&'static str>,
    },
}

impl NntpError {
    /// The phase the conversation was in.
    pub fn phase(&self) -> Phase {
        match self {
            NntpError::GreetingRefused { .. } => Phase::Greeting,
            NntpError::StartTlsRefused { .. } => Phase::StartTls,
            NntpError::StartTlsNotAdvertised { .. }
            | NntpError::TooManyCapabilities { .. }
            | NntpError::CapabilityLine { .. } => Phase::Capabilities,
            NntpError::BadReply { phase, .. } => *phase,
        }
    }
}

impl fmt::Display for NntpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hint = match self {
            NntpError::GreetingRefused { reply, hint } => {
                write!(
                    f,
                    "NNTP server greeted with an error instead of 200/201: {reply}"
                )?;
                hint
            }
            NntpError::StartTlsRefused { reply, hint } => {
                write!(f, "NNTP server refused STARTTLS: {reply}")?;
                hint
            }
            NntpError::StartTlsNotAdvertised { capabilities } => {
                write!(f, "NNTP server does not offer STARTTLS")?;
                return if capabilities.is_empty() {
                    write!(f, " (its CAPABILITIES list is empty)")
                } else {
                    write!(f, " (its CAPABILITIES: {})", capabilities.join(", "))
                };
            }
            NntpError::TooManyCapabilities { limit } => {
                return write!(
                    f,
                    "NNTP server's CAPABILITIES list is longer than {limit} lines"
                );
            }
            NntpError::CapabilityLine { error } => {
                return write!(f, "NNTP server sent a malformed CAPABILITIES line: {error}");
            }
            NntpError::BadReply { phase, error, hint } => {
                write!(f, "NNTP server sent a malformed reply {phase}: {error}")?;
                hint
            }
        };
        f.write_str(&crate::guess::advice(*hint, crate::config::Protocol::Nntp))
    }
}

impl std::error::Error for NntpError {}
