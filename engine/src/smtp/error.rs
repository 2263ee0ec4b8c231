//! Why the SMTP or LMTP preamble failed.

use std::fmt;

use super::reply::{Reply, ReplyError};
use crate::config::Protocol;
use crate::phase::Phase;

/// The SMTP/LMTP plaintext exchange failed before TLS could start. Carried
/// as [`crate::ProbeError::Smtp`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SmtpError {
    /// The server answered with a code other than the one the protocol
    /// requires: greeting not 220, EHLO/LHLO not 250, STARTTLS not 220.
    Rejected {
        /// SMTP or LMTP.
        protocol: Protocol,
        /// Where it happened.
        phase: Phase,
        /// The server's full reply.
        reply: Reply,
        /// The protocol the greeting looks like (the reply itself when the
        /// greeting was refused), if any.
        looks_like: Option<&'static str>,
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
        /// The protocol the server's first bytes look like, if any (only
        /// while waiting for the greeting).
        looks_like: Option<&'static str>,
    },
}

impl SmtpError {
    /// The phase the exchange was in.
    pub fn phase(&self) -> Phase {
        match self {
            SmtpError::Rejected { phase, .. } | SmtpError::BadReply { phase, .. } => *phase,
            SmtpError::StartTlsNotAdvertised { .. } => Phase::Hello,
        }
    }
}

impl fmt::Display for SmtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmtpError::Rejected {
                protocol,
                phase,
                reply,
                looks_like,
            } => {
                let what = match phase {
                    Phase::Greeting => "greeted with an error instead of 220",
                    Phase::Hello if *protocol == Protocol::Lmtp => "rejected LHLO",
                    Phase::Hello => "rejected EHLO",
                    Phase::StartTls => "refused STARTTLS",
                    _ => "answered with an unexpected reply",
                };
                write!(f, "{protocol} server {what}: {reply}")?;
                f.write_str(&crate::guess::advice(*looks_like, *protocol))
            }
            SmtpError::StartTlsNotAdvertised {
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
            SmtpError::BadReply {
                protocol,
                phase,
                error,
                looks_like,
            } => {
                write!(
                    f,
                    "{protocol} server sent a malformed reply {phase}: {error}"
                )?;
                f.write_str(&crate::guess::advice(*looks_like, *protocol))
            }
        }
    }
}

impl std::error::Error for SmtpError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_names_the_protocol_the_phase_and_the_reply() {
        let reply = Reply {
            code: 554,
            lines: vec!["no service".into()],
        };
        let rejected = |protocol, phase| SmtpError::Rejected {
            protocol,
            phase,
            reply: reply.clone(),
            looks_like: None,
        };
        let cases = [
            (
                rejected(Protocol::Smtp, Phase::Greeting),
                Phase::Greeting,
                "SMTP server greeted with an error instead of 220: ",
            ),
            (
                rejected(Protocol::Lmtp, Phase::Hello),
                Phase::Hello,
                "LMTP server rejected LHLO: ",
            ),
            (
                rejected(Protocol::Smtp, Phase::Hello),
                Phase::Hello,
                "SMTP server rejected EHLO: ",
            ),
            (
                rejected(Protocol::Smtp, Phase::StartTls),
                Phase::StartTls,
                "SMTP server refused STARTTLS: ",
            ),
            (
                SmtpError::StartTlsNotAdvertised {
                    protocol: Protocol::Smtp,
                    capabilities: vec![],
                },
                Phase::Hello,
                "SMTP server does not offer STARTTLS (it listed no extensions)",
            ),
            (
                SmtpError::StartTlsNotAdvertised {
                    protocol: Protocol::Lmtp,
                    capabilities: vec!["PIPELINING".into(), "8BITMIME".into()],
                },
                Phase::Hello,
                "LMTP server does not offer STARTTLS (it offers: PIPELINING, 8BITMIME)",
            ),
            (
                SmtpError::BadReply {
                    protocol: Protocol::Smtp,
                    phase: Phase::Hello,
                    error: ReplyError::MixedCodes {
                        first: 250,
                        then: 220,
                    },
                    looks_like: None,
                },
                Phase::Hello,
                "SMTP server sent a malformed reply after EHLO/LHLO: ",
            ),
        ];
        for (error, phase, start) in cases {
            assert_eq!(error.phase(), phase, "{error}");
            let text = error.to_string();
            assert!(text.starts_with(start), "{text}");
            let probe = crate::ProbeError::Smtp(error);
            assert_eq!(probe.to_string(), text, "ProbeError shows the SMTP error");
            assert_eq!(probe.phase(), phase);
        }
    }
}
