//! Why an XMPP check failed before TLS.

use std::fmt;

use super::scanner::XmlError;
use crate::phase::Phase;

/// An XMPP server that did not agree to STARTTLS, or did not speak XMPP.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum XmppError {
    /// Bytes that are not acceptable XML: malformed, too many, too deep,
    /// or a DOCTYPE.
    Xml {
        /// Where it happened.
        phase: Phase,
        /// What was wrong.
        error: XmlError,
        /// The protocol the first bytes look like, if any.
        hint: Option<&'static str>,
    },
    /// An element the conversation does not allow at this point (the
    /// first element not a stream header, or an answer to STARTTLS other
    /// than `<proceed/>` or `<failure/>`).
    Unexpected {
        /// Where it happened.
        phase: Phase,
        /// The element's name, made printable.
        element: String,
    },
    /// The server sent a stream error (RFC 6120 section 4.9), such as
    /// `host-unknown` for a domain it does not serve.
    StreamError {
        /// Where it happened.
        phase: Phase,
        /// The defined condition's element name.
        condition: String,
        /// The domain the check named in its stream header.
        domain: Option<String>,
    },
    /// The server closed its stream (`</stream:stream>`) before TLS.
    StreamClosed {
        /// Where it happened.
        phase: Phase,
    },
    /// The features do not offer
    /// `<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`.
    StartTlsNotOffered {
        /// The features the server did offer.
        features: Vec<String>,
    },
    /// The server answered STARTTLS with `<failure/>`
    /// (RFC 6120 section 5.4.2.2).
    Refused,
}

impl XmppError {
    /// The phase the conversation was in.
    pub fn phase(&self) -> Phase {
        match self {
            XmppError::Xml { phase, .. }
            | XmppError::Unexpected { phase, .. }
            | XmppError::StreamError { phase, .. }
            | XmppError::StreamClosed { phase } => *phase,
            XmppError::StartTlsNotOffered { .. } => Phase::Greeting,
            XmppError::Refused => Phase::StartTls,
        }
    }
}

/// What the conversation waited for in `phase`.
fn awaited(phase: Phase) -> &'static str {
    match phase {
        Phase::StartTls => "the answer to STARTTLS",
        _ => "the stream header and features",
    }
}

impl fmt::Display for XmppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XmppError::Xml { phase, error, hint } => {
                write!(
                    f,
                    "XMPP server sent bad XML waiting for {}: {error}",
                    awaited(*phase)
                )?;
                // Silent for both XMPP checks (c2s and s2s) alike.
                f.write_str(&crate::guess::advice(*hint, crate::config::Protocol::Xmpp))
            }
            XmppError::Unexpected { phase, element } => write!(
                f,
                "XMPP server sent <{element}> instead of {}",
                awaited(*phase)
            ),
            XmppError::StreamError {
                phase,
                condition,
                domain,
            } => {
                write!(
                    f,
                    "XMPP server ended the stream with error {condition} waiting for {}",
                    awaited(*phase)
                )?;
                match (condition.as_str(), domain) {
                    ("host-unknown", Some(d)) => {
                        write!(f, " (it does not serve the domain '{d}')")
                    }
                    ("host-unknown" | "improper-addressing", None) => {
                        write!(f, " (no domain was given for the stream header)")
                    }
                    _ => Ok(()),
                }
            }
            XmppError::StreamClosed { phase } => write!(
                f,
                "XMPP server closed its stream waiting for {}",
                awaited(*phase)
            ),
            XmppError::StartTlsNotOffered { features } if features.is_empty() => {
                write!(
                    f,
                    "XMPP server does not offer STARTTLS (it listed no features)"
                )
            }
            XmppError::StartTlsNotOffered { features } => write!(
                f,
                "XMPP server does not offer STARTTLS (its features: {})",
                features.join(", ")
            ),
            XmppError::Refused => f.write_str("XMPP server refused STARTTLS with <failure/>"),
        }
    }
}

impl std::error::Error for XmppError {}
