//! The phases a probe walks through, used in timings and errors.

use std::fmt;

/// One step of a check, in the order a probe walks through them.
///
/// SMTP and LMTP use every phase; LDAP has no greeting and no hello, its
/// StartTLS extended operation is the [`Phase::StartTls`] phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Phase {
    /// Waiting for the server's `220` greeting (SMTP, LMTP).
    Greeting,
    /// `EHLO` / `LHLO` sent, waiting for the capability list (SMTP, LMTP).
    Hello,
    /// The capability request sent, waiting for the list (IMAP `CAPABILITY`
    /// when the greeting did not carry it, POP3 `CAPA`).
    Capabilities,
    /// `STARTTLS` or the LDAP StartTLS extended request sent, waiting for the answer.
    StartTls,
    /// The TLS handshake, up to the server's certificate chain and Finished.
    TlsHandshake,
    /// Polite goodbye inside TLS (`QUIT` or LDAP unbind, then close_notify).
    Closing,
    /// Between a failed first handshake and the second connection of a
    /// legacy capture: the driver is connecting again.
    Reconnect,
}

impl Phase {
    /// A short lower-case name for messages and machine-readable output.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Greeting => "greeting",
            Phase::Hello => "hello",
            Phase::Capabilities => "capabilities",
            Phase::StartTls => "starttls",
            Phase::TlsHandshake => "tls-handshake",
            Phase::Closing => "closing",
            Phase::Reconnect => "reconnect",
        }
    }
}

impl Phase {
    /// Where a conversation stood in this phase, in words that fit SMTP;
    /// [`crate::phase_words::during`] says it for each protocol.
    pub(crate) fn during(self) -> &'static str {
        match self {
            Phase::Greeting => "waiting for the greeting",
            Phase::Hello => "after EHLO/LHLO",
            Phase::Capabilities => "after the capability request",
            Phase::StartTls => "after the STARTTLS request",
            Phase::TlsHandshake => "during the TLS handshake",
            Phase::Closing => "while closing",
            Phase::Reconnect => "while connecting again for a legacy TLS capture",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.during())
    }
}
