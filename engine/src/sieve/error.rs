//! Why the ManageSieve STARTTLS exchange failed, with the server's words.

use std::fmt;

use crate::config::Protocol;
use crate::guess::advice;
use crate::lines::LineError;
use crate::phase::Phase;

/// A failed ManageSieve preamble. Server text is kept printable and cut.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SieveError {
    /// The greeting or the answer to `STARTTLS` ended in `NO` or `BYE`.
    Refused {
        /// Where it happened: greeting or STARTTLS.
        phase: Phase,
        /// The final response line, printable.
        response: String,
    },
    /// The capability greeting lacks `"STARTTLS"`.
    StartTlsNotAdvertised {
        /// The capabilities the server did list.
        capabilities: Vec<String>,
    },
    /// A line that is neither a capability nor a response.
    NotSieve {
        /// Where it happened.
        phase: Phase,
        /// The line, printable and cut.
        excerpt: String,
        /// The protocol it looks like, if any.
        looks_like: Option<&'static str>,
    },
    /// The greeting went on for more lines than allowed.
    TooManyLines {
        /// Where it happened.
        phase: Phase,
        /// The limit in lines.
        limit: usize,
    },
    /// A line or literal beyond the bounds.
    Line {
        /// Where it happened.
        phase: Phase,
        /// What was wrong.
        error: LineError,
    },
}

impl fmt::Display for SieveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SieveError::Refused { phase, response } => match phase {
                Phase::Greeting => {
                    write!(f, "ManageSieve server refused the connection: {response}")
                }
                _ => write!(f, "ManageSieve server refused STARTTLS: {response}"),
            },
            SieveError::StartTlsNotAdvertised { capabilities } => {
                write!(f, "ManageSieve server does not offer STARTTLS")?;
                if capabilities.is_empty() {
                    write!(f, " (it listed no capabilities)")
                } else {
                    write!(f, " (it offers: {})", capabilities.join(", "))
                }
            }
            SieveError::NotSieve {
                phase,
                excerpt,
                looks_like,
            } => write!(
                f,
                "server does not speak ManageSieve {phase}: it sent \"{excerpt}\"{}",
                advice(*looks_like, Protocol::Sieve)
            ),
            SieveError::TooManyLines { phase, limit } => write!(
                f,
                "ManageSieve server sent more than {limit} lines {phase} without a final response"
            ),
            SieveError::Line { phase, error } => {
                write!(
                    f,
                    "ManageSieve server sent a malformed line {phase}: {error}"
                )
            }
        }
    }
}

impl std::error::Error for SieveError {}

impl SieveError {
    /// The phase the preamble was in.
    pub fn phase(&self) -> Phase {
        match self {
            SieveError::StartTlsNotAdvertised { .. } => Phase::Greeting,
            SieveError::Refused { phase, .. }
            | SieveError::NotSieve { phase, .. }
            | SieveError::TooManyLines { phase, .. }
            | SieveError::Line { phase, .. } => *phase,
        }
    }
}
