//! What a successful probe hands back: the captured chain and the facts of
//! the session. Certificate analysis is a separate pure step
//! ([`crate::analysis`]) on [`Report::chain`].

use std::time::Duration;

use rustls::{CipherSuite, ProtocolVersion};
use rustls_pki_types::CertificateDer;

use crate::config::Protocol;
use crate::error::ProbeError;
use crate::phase::Phase;

/// The result of a completed check.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The protocol spoken before TLS.
    pub protocol: Protocol,
    /// The certificates exactly as the server sent them, in order (DER).
    pub chain: Vec<CertificateDer<'static>>,
    /// The negotiated TLS version.
    pub tls_version: ProtocolVersion,
    /// The negotiated cipher suite.
    pub cipher_suite: CipherSuite,
    /// Whether the server proved possession of the leaf's private key.
    pub handshake_signature: HandshakeSignature,
    /// The host name sent as SNI in the ClientHello, exactly as sent;
    /// `None` when no SNI was sent (no name configured, or an IP address).
    pub sni: Option<String>,
    /// The first line of the SMTP/LMTP greeting (none for LDAP).
    pub greeting: Option<String>,
    /// The EHLO/LHLO capability keywords (empty for LDAP).
    pub capabilities: Vec<String>,
    /// How long each phase took, in the order they ran.
    pub timings: Vec<PhaseTiming>,
    /// From `Probe::new` to the end of the closing phase.
    pub total: Duration,
    /// How the session ended after the handshake.
    pub close: CloseOutcome,
    /// Whether the TLS handshake completed, or the certificate was read
    /// from the server's hello on a second connection.
    pub handshake: Handshake,
}

impl Report {
    /// The leaf certificate (the first one the server sent).
    pub fn leaf(&self) -> Option<&CertificateDer<'static>> {
        self.chain.first()
    }

    /// The negotiated TLS version as people write it (`TLS 1.3`).
    pub fn tls_version_name(&self) -> &'static str {
        match self.tls_version {
            ProtocolVersion::TLSv1_3 => "TLS 1.3",
            ProtocolVersion::TLSv1_2 => "TLS 1.2",
            ProtocolVersion::TLSv1_1 => "TLS 1.1",
            ProtocolVersion::TLSv1_0 => "TLS 1.0",
            ProtocolVersion::SSLv3 => "SSL 3.0",
            _ => "TLS (unknown version)",
        }
    }

    /// The negotiated cipher suite's IANA name, e.g. `TLS13_AES_256_GCM_SHA384`.
    pub fn cipher_suite_name(&self) -> String {
        match crate::legacy::suite_name(u16::from(self.cipher_suite)) {
            Some(name) => name.to_owned(),
            None => format!("{:?}", self.cipher_suite),
        }
    }

    /// `completed`, or `not completed: certificate read from the server's
    /// hello (TLS 1.0)` for a legacy capture.
    pub fn handshake_text(&self) -> String {
        match &self.handshake {
            Handshake::Completed => "completed".to_owned(),
            Handshake::NotCompleted(_) => format!(
                "not completed: certificate read from the server's hello ({})",
                self.tls_version_name()
            ),
        }
    }

    /// True when the negotiated version is older than TLS 1.2.
    pub fn is_pre_tls12(&self) -> bool {
        matches!(
            self.tls_version,
            ProtocolVersion::SSLv3 | ProtocolVersion::TLSv1_0 | ProtocolVersion::TLSv1_1
        )
    }

    /// How long `phase` took, if it ran.
    pub fn timing(&self, phase: Phase) -> Option<Duration> {
        self.timings
            .iter()
            .find(|t| t.phase == phase)
            .map(|t| t.elapsed)
    }
}

/// The duration of one phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhaseTiming {
    /// The phase.
    pub phase: Phase,
    /// How long it took, measured from the `now` values the driver passed.
    pub elapsed: Duration,
}

/// Whether the server's handshake signature (TLS 1.2 ServerKeyExchange or
/// TLS 1.3 CertificateVerify) verified with the leaf's public key.
///
/// The probe records this instead of failing, so servers with keys our
/// crypto cannot verify (RSA below 2048 bits, P-521) stay monitorable.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeSignature {
    /// Verified.
    Verified,
    /// Could not be verified; the text says why.
    NotVerifiable(String),
}

impl std::fmt::Display for HandshakeSignature {
    /// `verified`, or `not verifiable: ` and the reason (the JSON output's
    /// wording).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HandshakeSignature::Verified => f.write_str("verified"),
            HandshakeSignature::NotVerifiable(why) => write!(f, "not verifiable: {why}"),
        }
    }
}

/// How the session ended after the report was complete. None of these
/// fail a check; they say whether the server saw a clean goodbye. The
/// probe waits for the answer to its goodbye at most
/// [`Timeouts::closing`](crate::Timeouts::closing), and never for the
/// server's close once the answer is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseOutcome {
    /// The server acknowledged our goodbye: it answered `QUIT` (SMTP/LMTP
    /// `221`; whatever the transport does after that, a FIN or a reset, the
    /// server has ended the session cleanly from its side) or sent
    /// close_notify. For LDAP, whose unbind has no response (RFC 4511
    /// section 4.3), the end is clean once unbind and close_notify are sent.
    Clean,
    /// The server closed the TCP connection (FIN or reset) before it
    /// answered our goodbye.
    ServerClosed,
    /// The server did not answer within the closing time limit.
    TimedOut,
    /// The server sent something after our goodbye that TLS rejected, or a
    /// reply that is not one.
    Error,
    /// The server sent more than [`CLOSING_BYTE_BUDGET`] bytes after the
    /// handshake without answering; the probe stopped reading.
    ///
    /// [`CLOSING_BYTE_BUDGET`]: crate::CLOSING_BYTE_BUDGET
    BudgetExceeded,
    /// There was no TLS session to close: after reading the certificate
    /// from the server's hello (a legacy capture), the probe sent a
    /// `user_canceled` alert and ended the connection. The server logs an
    /// aborted handshake.
    Aborted,
}

/// How the certificate was obtained.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Handshake {
    /// The rustls handshake completed; the chain is the one it received.
    Completed,
    /// The rustls handshake failed; a second connection sent a hand-built
    /// TLS 1.0-1.2 ClientHello and read the certificate in the clear.
    NotCompleted(Box<LegacyRead>),
}

impl Handshake {
    /// The legacy capture's facts, when there was one.
    pub fn legacy(&self) -> Option<&LegacyRead> {
        match self {
            Handshake::Completed => None,
            Handshake::NotCompleted(read) => Some(read),
        }
    }
}

/// The first attempt of a legacy capture: why it failed and how long it took.
#[derive(Clone, Debug, PartialEq)]
pub struct LegacyRead {
    /// Why the first (rustls) handshake failed.
    pub first_failure: ProbeError,
    /// The first connection's phases; [`Report::timings`] holds the second's.
    pub first_timings: Vec<PhaseTiming>,
    /// The server sent its ServerHello and then aborted the handshake itself
    /// (an alert or a close): the handshake fails for every client.
    pub server_aborted: bool,
}
