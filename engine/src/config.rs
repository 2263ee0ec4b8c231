//! What a probe is asked to do: protocol, names, time limits and buffer bounds.

use std::fmt;
use std::time::Duration;

use rustls_pki_types::ServerName;

/// The plaintext protocol spoken before TLS starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// SMTP with `EHLO` and `STARTTLS` (RFC 5321, RFC 3207).
    Smtp,
    /// LMTP with `LHLO` and `STARTTLS` (RFC 2033).
    Lmtp,
    /// LDAP with the StartTLS extended operation (RFC 4511 section 4.14).
    Ldap,
}

impl Protocol {
    /// The protocol's name as users write it (`SMTP`, `LMTP`, `LDAP`).
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Smtp => "SMTP",
            Protocol::Lmtp => "LMTP",
            Protocol::Ldap => "LDAP",
        }
    }

    /// The well-known port a server of this protocol listens on for STARTTLS.
    pub fn default_port(self) -> u16 {
        match self {
            Protocol::Smtp => 25,
            Protocol::Lmtp => 24,
            Protocol::Ldap => 389,
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Time limits. A phase fails when it lasts longer than `phase`; the whole
/// check fails when it lasts longer than `overall`, whichever comes first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Longest time one phase (greeting, hello, STARTTLS, handshake) may take.
    pub phase: Duration,
    /// Longest time the whole check may take, from `Probe::new` to the report.
    pub overall: Duration,
    /// How long to wait for the server to close after our goodbye; running
    /// out here does not fail the check (the report is already complete).
    pub closing: Duration,
}

impl Default for Timeouts {
    /// 10 s a phase, 30 s overall, 2 s for the goodbye.
    fn default() -> Self {
        Timeouts {
            phase: Duration::from_secs(10),
            overall: Duration::from_secs(30),
            closing: Duration::from_secs(2),
        }
    }
}

/// Bounds on what a probe buffers from the server. Exceeding one is a typed
/// error, so a hostile or broken server cannot make a probe grow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest SMTP/LMTP reply line, CRLF included.
    pub reply_line: usize,
    /// Most lines in one SMTP/LMTP multi-line reply.
    pub reply_lines: usize,
    /// Most bytes in one SMTP/LMTP reply, all lines together.
    pub reply_bytes: usize,
    /// Largest LDAP message accepted in the plaintext phase.
    pub ldap_message: usize,
}

impl Default for Limits {
    /// 1 KiB lines (RFC 5321 allows 512), 128 lines and 16 KiB a reply,
    /// 16 KiB for an LDAP extended response.
    fn default() -> Self {
        Limits {
            reply_line: 1024,
            reply_lines: 128,
            reply_bytes: 16 * 1024,
            ldap_message: 16 * 1024,
        }
    }
}

/// Everything a [`Probe`](crate::Probe) needs to know before it starts.
#[derive(Clone, Debug)]
pub struct Config {
    /// The plaintext protocol before TLS.
    pub protocol: Protocol,
    /// The name sent in `EHLO` / `LHLO`. The engine cannot look up the local
    /// host name (it does no I/O); drivers should set the machine's name.
    pub hello_name: String,
    /// The name sent as SNI in the ClientHello. `None`, or an IP address,
    /// sends no SNI (RFC 6066 forbids IP addresses there).
    pub server_name: Option<ServerName<'static>>,
    /// Phase and overall time limits.
    pub timeouts: Timeouts,
    /// Buffer bounds.
    pub limits: Limits,
}

impl Config {
    /// A configuration for `protocol` with default limits, `localhost` as
    /// the hello name and no SNI.
    pub fn new(protocol: Protocol) -> Self {
        Config {
            protocol,
            hello_name: "localhost".to_owned(),
            server_name: None,
            timeouts: Timeouts::default(),
            limits: Limits::default(),
        }
    }

    /// Sets the SNI name from text: a DNS name or an IP address (which sends
    /// no SNI). A trailing dot is dropped.
    pub fn with_server_name(mut self, name: &str) -> Result<Self, ConfigError> {
        let trimmed = name.strip_suffix('.').unwrap_or(name);
        let parsed = ServerName::try_from(trimmed.to_owned())
            .map_err(|_| ConfigError::InvalidServerName(name.to_owned()))?;
        self.server_name = Some(parsed);
        Ok(self)
    }

    /// Sets the name sent in `EHLO` / `LHLO`. It must be a non-empty run of
    /// printable ASCII without spaces, or an address literal like `[192.0.2.1]`.
    pub fn with_hello_name(mut self, name: &str) -> Result<Self, ConfigError> {
        let ok =
            !name.is_empty() && name.len() <= 255 && name.bytes().all(|b| b.is_ascii_graphic());
        if !ok {
            return Err(ConfigError::InvalidHelloName(name.to_owned()));
        }
        self.hello_name = name.to_owned();
        Ok(self)
    }
}

/// A configuration value that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// The SNI name is neither a DNS name nor an IP address.
    InvalidServerName(String),
    /// The EHLO/LHLO name is empty, too long or has spaces or control characters.
    InvalidHelloName(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::InvalidServerName(n) => {
                write!(
                    f,
                    "server name {n:?} is neither a DNS name nor an IP address"
                )
            }
            ConfigError::InvalidHelloName(n) => write!(
                f,
                "hello name {n:?} must be printable ASCII without spaces, at most 255 characters"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_name_accepts_dns_and_ip_and_drops_trailing_dot() {
        let c = Config::new(Protocol::Smtp)
            .with_server_name("mx.example.com.")
            .unwrap();
        assert_eq!(
            c.server_name.unwrap().to_str(),
            "mx.example.com",
            "trailing dot dropped"
        );
        let c = Config::new(Protocol::Smtp)
            .with_server_name("192.0.2.7")
            .unwrap();
        assert!(matches!(c.server_name, Some(ServerName::IpAddress(_))));
    }

    #[test]
    fn bad_names_are_rejected_with_the_name_in_the_message() {
        let e = Config::new(Protocol::Smtp)
            .with_server_name("bad name")
            .unwrap_err();
        assert!(e.to_string().contains("bad name"));
        let e = Config::new(Protocol::Smtp)
            .with_hello_name("a b")
            .unwrap_err();
        assert!(e.to_string().contains("a b"));
        assert!(Config::new(Protocol::Smtp).with_hello_name("").is_err());
        assert!(Config::new(Protocol::Smtp)
            .with_hello_name("[192.0.2.1]")
            .is_ok());
    }
}
