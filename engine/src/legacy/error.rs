//! What can go wrong while reading a server's hello in the clear.

use std::fmt;

use rustls::AlertDescription;

use crate::error::ProbeError;

/// Why the server's answer to the legacy ClientHello gave no certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LegacyError {
    /// The server answered with a TLS alert before its certificate.
    Alert {
        /// The alert the server sent.
        alert: AlertDescription,
    },
    /// The bytes are not TLS records (an SSLv2-only server, or plaintext).
    NotTls {
        /// The first bytes, made printable.
        excerpt: String,
    },
    /// A record longer than TLS allows (2^14 bytes plus 2048 of expansion).
    RecordTooLarge {
        /// The length the record header announced.
        length: usize,
    },
    /// A handshake message longer than we accept.
    MessageTooLarge {
        /// The length the message header announced.
        length: usize,
        /// Our limit.
        limit: usize,
    },
    /// A message that does not belong at this point of the handshake, e.g.
    /// `ServerHelloDone` without a `Certificate` (an anonymous suite).
    Unexpected {
        /// What arrived, in words.
        what: String,
    },
    /// A message whose fields do not add up.
    Malformed {
        /// Which part is broken.
        what: &'static str,
    },
    /// The server chose TLS 1.3, which this ClientHello does not offer:
    /// its certificate is encrypted and cannot be read this way.
    ChoseTls13,
    /// The `Certificate` message lists no certificate.
    NoCertificate,
}

impl fmt::Display for LegacyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LegacyError::Alert { alert } => write!(
                f,
                "the server answered a TLS 1.0-1.2 ClientHello with alert {alert:?}"
            ),
            LegacyError::NotTls { excerpt } => {
                write!(f, "the server's answer is not TLS: \"{excerpt}\"")
            }
            LegacyError::RecordTooLarge { length } => write!(
                f,
                "the server sent a TLS record of {length} bytes, more than TLS allows"
            ),
            LegacyError::MessageTooLarge { length, limit } => write!(
                f,
                "the server's handshake message of {length} bytes is larger than the {} KiB limit",
                limit / 1024
            ),
            LegacyError::Unexpected { what } => {
                write!(f, "the server sent {what} where its certificate belongs")
            }
            LegacyError::Malformed { what } => {
                write!(f, "the server's {what} is malformed")
            }
            LegacyError::ChoseTls13 => write!(
                f,
                "the server chose TLS 1.3 although only TLS 1.0-1.2 was offered"
            ),
            LegacyError::NoCertificate => {
                write!(f, "the server's Certificate message holds no certificate")
            }
        }
    }
}

impl std::error::Error for LegacyError {}

/// Why the second, legacy attempt failed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum LegacyFailure {
    /// The server's hello could not be read.
    Hello(LegacyError),
    /// The connection, the preamble or a time limit failed, as in any check.
    Check(Box<ProbeError>),
}

impl fmt::Display for LegacyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LegacyFailure::Hello(e) => e.fmt(f),
            LegacyFailure::Check(e) => e.fmt(f),
        }
    }
}
