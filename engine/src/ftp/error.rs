//! Why an FTP check failed before TLS.

use std::fmt;

use crate::line_preamble::Failure;
use crate::numeric::NumericError;
use crate::phase::Phase;
use crate::smtp::Reply;

/// An FTP server that did not agree to `AUTH TLS`, or did not speak FTP.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FtpError {
    /// The greeting's code is not 220 (`421` too many users, `530` not
    /// allowed).
    GreetingRefused {
        /// The server's whole reply.
        reply: Reply,
        /// The protocol the greeting looks like (`SMTP`, `TLS`), if any.
        hint: Option<&'static str>,
    },
    /// `AUTH TLS` answered with a code other than 234.
    AuthTlsRefused {
        /// The server's whole reply.
        reply: Reply,
        /// The protocol the greeting looked like, if any.
        hint: Option<&'static str>,
    },
    /// Bytes that are not an FTP reply, or a reply past the limits.
    BadReply {
        /// Where it happened.
        phase: Phase,
        /// What was wrong.
        error: NumericError,
        /// The protocol the bytes look like, if any.
        hint: Option<&'static str>,
    },
}

impl FtpError {
    /// The phase the conversation was in.
    pub fn phase(&self) -> Phase {
        match self {
            FtpError::GreetingRefused { .. } => Phase::Greeting,
            FtpError::AuthTlsRefused { .. } => Phase::StartTls,
            FtpError::BadReply { phase, .. } => *phase,
        }
    }
}

impl From<Failure> for FtpError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Refused {
                phase: Phase::Greeting,
                reply,
                hint,
            } => FtpError::GreetingRefused { reply, hint },
            Failure::Refused { reply, hint, .. } => FtpError::AuthTlsRefused { reply, hint },
            Failure::Bad { phase, error, hint } => FtpError::BadReply { phase, error, hint },
        }
    }
}

impl fmt::Display for FtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hint = match self {
            FtpError::GreetingRefused { reply, hint } => {
                write!(
                    f,
                    "FTP server greeted with an error instead of 220: {reply}"
                )?;
                hint
            }
            FtpError::AuthTlsRefused { reply, hint } => {
                write!(f, "FTP server refused AUTH TLS: {reply}")?;
                hint
            }
            FtpError::BadReply { phase, error, hint } => {
                write!(f, "FTP server sent a malformed reply {phase}: {error}")?;
                hint
            }
        };
        f.write_str(&crate::guess::advice(*hint, crate::config::Protocol::Ftp))
    }
}

impl std::error::Error for FtpError {}
