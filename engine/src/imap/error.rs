//! Why the IMAP STARTTLS exchange failed, with the server's own words.

use std::fmt;

use crate::config::Protocol;
use crate::guess::advice;
use crate::lines::LineError;
use crate::phase::Phase;

/// A failed IMAP preamble. Server text is kept printable and cut.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImapError {
    /// The greeting is `* BYE`: the server refuses the connection.
    GreetingBye {
        /// The server's text.
        text: String,
    },
    /// The greeting is `* PREAUTH`: the session is authenticated already,
    /// and RFC 9051 section 6.2.1 allows STARTTLS only before that.
    Preauth {
        /// The server's text.
        text: String,
    },
    /// The server announced it is closing (`* BYE`) after the greeting.
    Bye {
        /// Where it happened.
        phase: Phase,
        /// The server's text.
        text: String,
    },
    /// The capability list lacks `STARTTLS`.
    StartTlsNotAdvertised {
        /// The capabilities the server did list.
        capabilities: Vec<String>,
    },
    /// A command was answered with tagged `NO` or `BAD`.
    Refused {
        /// Where it happened: capability request or STARTTLS.
        phase: Phase,
        /// The response line, printable.
        response: String,
    },
    /// A response that makes no sense where it came (another tag, a
    /// greeting that is not a status response).
    Unexpected {
        /// Where it happened.
        phase: Phase,
        /// The response line, printable.
        response: String,
    },
    /// A line that is not IMAP at all.
    NotImap {
        /// Where it happened.
        phase: Phase,
        /// The line, printable and cut.
        excerpt: String,
        /// The protocol it looks like, if any.
        looks_like: Option<&'static str>,
    },
    /// Too many response lines before the awaited one.
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

impl fmt::Display for ImapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImapError::GreetingBye { text } => {
                write!(f, "IMAP server refused the connection in its greeting: * BYE {text}")
            }
            ImapError::Preauth { text } => write!(
                f,
                "IMAP server greeted with PREAUTH (already authenticated, STARTTLS not possible): * PREAUTH {text}"
            ),
            ImapError::Bye { phase, text } => {
                write!(f, "IMAP server closed the session {phase}: * BYE {text}")
            }
            ImapError::StartTlsNotAdvertised { capabilities } => {
                write!(f, "IMAP server does not offer STARTTLS")?;
                if capabilities.is_empty() {
                    write!(f, " (it listed no capabilities)")
                } else {
                    write!(f, " (it offers: {})", capabilities.join(", "))
                }
            }
            ImapError::Refused { phase, response } => match phase {
                Phase::StartTls => write!(f, "IMAP server refused STARTTLS: {response}"),
                _ => write!(f, "IMAP server refused the CAPABILITY command: {response}"),
            },
            ImapError::Unexpected { phase, response } => {
                write!(f, "IMAP server sent an unexpected response {phase}: {response}")
            }
            ImapError::NotImap {
                phase,
                excerpt,
                looks_like,
            } => write!(
                f,
                "server does not speak IMAP {phase}: it sent \"{excerpt}\"{}",
                advice(*looks_like, Protocol::Imap)
            ),
            ImapError::TooManyLines { phase, limit } => write!(
                f,
                "IMAP server sent more than {limit} lines {phase} without completing the command"
            ),
            ImapError::Line { phase, error } => {
                write!(f, "IMAP server sent a malformed response {phase}: {error}")
            }
        }
    }
}

impl std::error::Error for ImapError {}

impl ImapError {
    /// The phase the preamble was in.
    pub fn phase(&self) -> Phase {
        match self {
            ImapError::GreetingBye { .. } | ImapError::Preauth { .. } => Phase::Greeting,
            ImapError::StartTlsNotAdvertised { .. } => Phase::Capabilities,
            ImapError::Bye { phase, .. }
            | ImapError::Refused { phase, .. }
            | ImapError::Unexpected { phase, .. }
            | ImapError::NotImap { phase, .. }
            | ImapError::TooManyLines { phase, .. }
            | ImapError::Line { phase, .. } => *phase,
        }
    }
}
