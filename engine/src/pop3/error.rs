//! Why the POP3 STLS exchange failed, with the server's own words.

use std::fmt;

use crate::config::Protocol;
use crate::guess::advice;
use crate::lines::LineError;
use crate::phase::Phase;

/// A failed POP3 preamble. Server text is kept printable and cut.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pop3Error {
    /// The greeting or the answer to `STLS` was `-ERR`.
    Refused {
        /// Where it happened: greeting or STARTTLS.
        phase: Phase,
        /// The status line, printable.
        reply: String,
    },
    /// The `CAPA` list lacks `STLS`.
    StartTlsNotAdvertised {
        /// The capabilities the server did list.
        capabilities: Vec<String>,
    },
    /// A line that is not POP3 where a status line was due.
    NotPop3 {
        /// Where it happened.
        phase: Phase,
        /// The line, printable and cut.
        excerpt: String,
        /// The protocol it looks like, if any.
        looks_like: Option<&'static str>,
    },
    /// The `CAPA` list went on for more lines than allowed.
    TooManyLines {
        /// The limit in lines.
        limit: usize,
    },
    /// A line beyond the bounds.
    Line {
        /// Where it happened.
        phase: Phase,
        /// What was wrong.
        error: LineError,
    },
}

impl fmt::Display for Pop3Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pop3Error::Refused { phase, reply } => match phase {
                Phase::Greeting => write!(f, "POP3 server greeted with an error: {reply}"),
                _ => write!(f, "POP3 server refused STLS: {reply}"),
            },
            Pop3Error::StartTlsNotAdvertised { capabilities } => {
                write!(f, "POP3 server does not offer STLS")?;
                if capabilities.is_empty() {
                    write!(f, " (it listed no capabilities)")
                } else {
                    write!(f, " (it offers: {})", capabilities.join(", "))
                }
            }
            Pop3Error::NotPop3 {
                phase,
                excerpt,
                looks_like,
            } => write!(
                f,
                "server does not speak POP3 {phase}: it sent \"{excerpt}\"{}",
                advice(*looks_like, Protocol::Pop3)
            ),
            Pop3Error::TooManyLines { limit } => {
                write!(f, "POP3 server's CAPA list is longer than {limit} lines")
            }
            Pop3Error::Line { phase, error } => {
                write!(f, "POP3 server sent a malformed line {phase}: {error}")
            }
        }
    }
}

impl std::error::Error for Pop3Error {}

impl Pop3Error {
    /// The phase the preamble was in.
    pub fn phase(&self) -> Phase {
        match self {
            Pop3Error::StartTlsNotAdvertised { .. } | Pop3Error::TooManyLines { .. } => {
                Phase::Capabilities
            }
            Pop3Error::Refused { phase, .. }
            | Pop3Error::NotPop3 { phase, .. }
            | Pop3Error::Line { phase, .. } => *phase,
        }
    }
}
