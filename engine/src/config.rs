//! What a probe is asked to do: protocol, names, time limits and buffer bounds.

use std::fmt;
use std::time::{Duration, Instant};

use rustls_pki_types::ServerName;

use crate::crypto::Crypto;

/// The plaintext protocol spoken before TLS starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// SMTP with `EHLO` and `STARTTLS` (RFC 5321, RFC 3207).
    Smtp,
    /// LMTP with `LHLO` and `STARTTLS` (RFC 2033).
    Lmtp,
    /// LDAP with the StartTLS extended operation (RFC 4511 section 4.14).
    Ldap,
    /// PostgreSQL with the SSLRequest message (PostgreSQL protocol 3,
    /// "SSL Session Encryption").
    Postgres,
    /// MySQL and MariaDB: the server's handshake packet, then the client's
    /// SSLRequest packet (MySQL client/server protocol, `CLIENT_SSL`).
    Mysql,
    /// PostgreSQL 17 direct TLS: no SSLRequest, the ClientHello goes out at
    /// once with ALPN `postgresql` (which PostgreSQL 17 requires on such
    /// connections). Same default port as [`Protocol::Postgres`].
    PostgresDirect,
    /// FTP with `AUTH TLS` (RFC 4217).
    Ftp,
    /// NNTP with `STARTTLS` (RFC 4642).
    Nntp,
    /// XMPP client-to-server stream with STARTTLS (RFC 6120, `jabber:client`).
    Xmpp,
    /// XMPP server-to-server stream with STARTTLS (RFC 6120, `jabber:server`).
    XmppServer,
    /// IMAP with `STARTTLS` (RFC 9051, RFC 2595).
    Imap,
    /// POP3 with `CAPA` and `STLS` (RFC 2449, RFC 2595).
    Pop3,
    /// ManageSieve with `STARTTLS` (RFC 5804).
    Sieve,
    /// SMTP submission over implicit TLS (RFC 8314, port 465): TLS at once,
    /// then the SMTP greeting and `QUIT` inside TLS.
    Smtps,
    /// IMAP over implicit TLS (RFC 8314, port 993).
    Imaps,
    /// POP3 over implicit TLS (RFC 8314, port 995).
    Pop3s,
    /// LDAP over implicit TLS (`ldaps://`, port 636).
    Ldaps,
    /// FTP over implicit TLS (RFC 4217 section 1 "historical" port 990):
    /// TLS at once, then the `220` greeting and `QUIT` inside TLS.
    Ftps,
    /// XMPP client-to-server over direct TLS (XEP-0368, port 5223): TLS at
    /// once, then the client's stream header, the server's features and
    /// `</stream:stream>` inside TLS.
    Xmpps,
    /// Any TLS service: TLS at once, no protocol inside, only close_notify.
    /// It has no default port.
    Tls,
}

impl Protocol {
    /// Every protocol the engine speaks, in the order the command lists
    /// them. The CLI's protocol names, the simulator's personalities, the
    /// fuzz harness and its seed corpora are all driven by this list, and a
    /// test fails when one of them misses a protocol.
    pub const ALL: &'static [Protocol] = &[
        Protocol::Smtp,
        Protocol::Lmtp,
        Protocol::Ldap,
        Protocol::Postgres,
        Protocol::Mysql,
        Protocol::PostgresDirect,
        Protocol::Ftp,
        Protocol::Nntp,
        Protocol::Xmpp,
        Protocol::XmppServer,
        Protocol::Imap,
        Protocol::Pop3,
        Protocol::Sieve,
        Protocol::Smtps,
        Protocol::Imaps,
        Protocol::Pop3s,
        Protocol::Ldaps,
        Protocol::Ftps,
        Protocol::Xmpps,
        Protocol::Tls,
    ];

    /// The protocol's name as users write it (`SMTP`, `LMTP`, `LDAP`).
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Smtp => "SMTP",
            Protocol::Lmtp => "LMTP",
            Protocol::Ldap => "LDAP",
            Protocol::Postgres => "PostgreSQL",
            Protocol::Mysql => "MySQL",
            Protocol::PostgresDirect => "PostgreSQL direct TLS",
            Protocol::Ftp => "FTP",
            Protocol::Nntp => "NNTP",
            Protocol::Xmpp => "XMPP",
            Protocol::XmppServer => "XMPP s2s",
            Protocol::Imap => "IMAP",
            Protocol::Pop3 => "POP3",
            Protocol::Sieve => "ManageSieve",
            Protocol::Smtps => "SMTPS (implicit TLS)",
            Protocol::Imaps => "IMAPS (implicit TLS)",
            Protocol::Pop3s => "POP3S (implicit TLS)",
            Protocol::Ldaps => "LDAPS (implicit TLS)",
            Protocol::Ftps => "FTPS (implicit TLS)",
            Protocol::Xmpps => "XMPPS (direct TLS)",
            Protocol::Tls => "TLS (implicit)",
        }
    }

    /// The protocol's name on the command line and in parameter strings
    /// (`smtp`, `lmtp`, `ldap`).
    pub fn keyword(self) -> &'static str {
        match self {
            Protocol::Smtp => "smtp",
            Protocol::Lmtp => "lmtp",
            Protocol::Ldap => "ldap",
            Protocol::Postgres => "postgres",
            Protocol::Mysql => "mysql",
            Protocol::PostgresDirect => "postgres-direct",
            Protocol::Ftp => "ftp",
            Protocol::Nntp => "nntp",
            Protocol::Xmpp => "xmpp",
            Protocol::XmppServer => "xmpp-server",
            Protocol::Imap => "imap",
            Protocol::Pop3 => "pop3",
            Protocol::Sieve => "sieve",
            Protocol::Smtps => "smtps",
            Protocol::Imaps => "imaps",
            Protocol::Pop3s => "pop3s",
            Protocol::Ldaps => "ldaps",
            Protocol::Ftps => "ftps",
            Protocol::Xmpps => "xmpps",
            Protocol::Tls => "tls",
        }
    }

    /// One line saying what the probe speaks, for `--help` and listings.
    pub fn summary(self) -> &'static str {
        match self {
            Protocol::Smtp => "SMTP STARTTLS (EHLO)",
            Protocol::Lmtp => "LMTP STARTTLS (LHLO)",
            Protocol::Ldap => "LDAP StartTLS extended operation",
            Protocol::Postgres => "PostgreSQL SSLRequest",
            Protocol::Mysql => "MySQL/MariaDB SSLRequest after the server handshake",
            Protocol::PostgresDirect => "PostgreSQL 17 direct TLS (ALPN postgresql, no SSLRequest)",
            Protocol::Ftp => "FTP AUTH TLS",
            Protocol::Nntp => "NNTP STARTTLS (after CAPABILITIES)",
            Protocol::Xmpp => "XMPP client STARTTLS (jabber:client)",
            Protocol::XmppServer => "XMPP server-to-server STARTTLS (jabber:server)",
            Protocol::Imap => "IMAP STARTTLS",
            Protocol::Pop3 => "POP3 STLS (after CAPA)",
            Protocol::Sieve => "ManageSieve STARTTLS",
            Protocol::Smtps => "SMTP submission over implicit TLS (alias submissions)",
            Protocol::Imaps => "IMAP over implicit TLS",
            Protocol::Pop3s => "POP3 over implicit TLS",
            Protocol::Ldaps => "LDAP over implicit TLS (ldaps://)",
            Protocol::Ftps => "FTP over implicit TLS",
            Protocol::Xmpps => "XMPP client over direct TLS (XEP-0368)",
            Protocol::Tls => "TLS at once on any port, nothing said after it (port required)",
        }
    }

    /// True when TLS starts at once after connecting, with no plaintext
    /// conversation before it.
    pub fn implicit_tls(self) -> bool {
        matches!(
            self,
            Protocol::Smtps
                | Protocol::Imaps
                | Protocol::Pop3s
                | Protocol::Ldaps
                | Protocol::Ftps
                | Protocol::Xmpps
                | Protocol::Tls
        )
    }

    /// The STARTTLS protocol an implicit-TLS protocol speaks inside TLS
    /// (its greeting and goodbye), `None` for [`Protocol::Tls`] and for
    /// the STARTTLS protocols themselves.
    pub fn plaintext_twin(self) -> Option<Protocol> {
        match self {
            Protocol::Smtps => Some(Protocol::Smtp),
            Protocol::Imaps => Some(Protocol::Imap),
            Protocol::Pop3s => Some(Protocol::Pop3),
            Protocol::Ldaps => Some(Protocol::Ldap),
            Protocol::Ftps => Some(Protocol::Ftp),
            Protocol::Xmpps => Some(Protocol::Xmpp),
            _ => None,
        }
    }

    /// The protocol whose [`keyword`](Protocol::keyword) is `text`, in any
    /// letter case.
    pub fn from_keyword(text: &str) -> Option<Protocol> {
        if text.eq_ignore_ascii_case("submissions") {
            return Some(Protocol::Smtps);
        }
        Protocol::ALL
            .iter()
            .copied()
            .find(|p| p.keyword().eq_ignore_ascii_case(text))
    }

    /// The ALPN protocol names a check offers by default: `postgresql` for
    /// [`Protocol::PostgresDirect`], none for the rest.
    pub fn default_alpn(self) -> &'static [&'static [u8]] {
        match self {
            Protocol::PostgresDirect => &[b"postgresql"],
            _ => &[],
        }
    }

    /// The well-known port a server of this protocol listens on; `None`
    /// for [`Protocol::Tls`], which names no service.
    pub fn default_port(self) -> Option<u16> {
        Some(match self {
            Protocol::Smtp => 25,
            Protocol::Lmtp => 24,
            Protocol::Ldap => 389,
            Protocol::Imap => 143,
            Protocol::Pop3 => 110,
            Protocol::Sieve => 4190,
            Protocol::Smtps => 465,
            Protocol::Imaps => 993,
            Protocol::Pop3s => 995,
            Protocol::Ldaps => 636,
            Protocol::Ftps => 990,
            Protocol::Xmpps => 5223,
            Protocol::Tls => return None,
            Protocol::Postgres => 5432,
            Protocol::Mysql => 3306,
            Protocol::PostgresDirect => 5432,
            Protocol::Ftp => 21,
            Protocol::Nntp => 119,
            Protocol::Xmpp => 5222,
            Protocol::XmppServer => 5269,
        })
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
    /// Largest database packet accepted in the plaintext phase: a
    /// PostgreSQL ErrorResponse or a MySQL handshake or ERR packet.
    pub db_packet: usize,
    /// Most bytes of XML an XMPP server may send before TLS (its stream
    /// header, features and the answer to STARTTLS together).
    pub xml_bytes: usize,
}

impl Limits {
    /// The smallest value [`Config::with_limits`] accepts for each field:
    /// a 512-byte line (RFC 5321 section 4.5.3.1.5), one line, one line's
    /// bytes, a 64-byte LDAP message and a 128-byte database packet (a MySQL
    /// handshake packet is about 80 to 120 bytes).
    pub const MIN: Limits = Limits {
        reply_line: 512,
        reply_lines: 1,
        reply_bytes: 512,
        ldap_message: 64,
        db_packet: 128,
        xml_bytes: 512,
    };

    /// The largest value [`Config::with_limits`] accepts for each field, so
    /// a probe never holds more than about 1 MiB for the server.
    pub const MAX: Limits = Limits {
        reply_line: 64 * 1024,
        reply_lines: 10_000,
        reply_bytes: 1024 * 1024,
        ldap_message: 1024 * 1024,
        db_packet: 1024 * 1024,
        xml_bytes: 1024 * 1024,
    };

    fn validate(&self) -> Result<(), ConfigError> {
        let fields = [
            (
                "reply_line",
                self.reply_line,
                Self::MIN.reply_line,
                Self::MAX.reply_line,
            ),
            (
                "reply_lines",
                self.reply_lines,
                Self::MIN.reply_lines,
                Self::MAX.reply_lines,
            ),
            (
                "reply_bytes",
                self.reply_bytes,
                self.reply_line.max(Self::MIN.reply_bytes),
                Self::MAX.reply_bytes,
            ),
            (
                "ldap_message",
                self.ldap_message,
                Self::MIN.ldap_message,
                Self::MAX.ldap_message,
            ),
            (
                "db_packet",
                self.db_packet,
                Self::MIN.db_packet,
                Self::MAX.db_packet,
            ),
            (
                "xml_bytes",
                self.xml_bytes,
                Self::MIN.xml_bytes,
                Self::MAX.xml_bytes,
            ),
        ];
        for (name, value, min, max) in fields {
            if !(min..=max).contains(&value) {
                return Err(ConfigError::LimitOutOfRange {
                    name,
                    value,
                    min,
                    max,
                });
            }
        }
        Ok(())
    }
}

impl Default for Limits {
    /// 1 KiB lines (RFC 5321 allows 512), 128 lines and 16 KiB a reply,
    /// 16 KiB for an LDAP extended response, 16 KiB for a database packet.
    /// 16 KiB for an LDAP extended response, 16 KiB of XMPP before TLS.
    fn default() -> Self {
        Limits {
            reply_line: 1024,
            reply_lines: 128,
            reply_bytes: 16 * 1024,
            ldap_message: 16 * 1024,
            db_packet: 16 * 1024,
            xml_bytes: 16 * 1024,
        }
    }
}

/// Everything a [`Probe`](crate::Probe) needs to know before it starts.
///
/// The fields are private and every setter checks its value, so a `Config`
/// that exists is one a probe can use: the hello name cannot smuggle a
/// second command into `EHLO`, the SNI name is a valid DNS name, time limits
/// are not zero and buffer bounds stay within [`Limits::MAX`].
///
/// ```
/// use std::time::{Duration, Instant};
/// use starttls_engine::{Config, Protocol, Timeouts};
///
/// let config = Config::new(Protocol::Smtp)
///     .with_server_name("mail.example.com")?
///     .with_hello_name("monitor.example.net")?
///     .with_timeouts(Timeouts { overall: Duration::from_secs(15), ..Timeouts::default() })?;
/// assert_eq!(config.hello_name(), "monitor.example.net");
/// assert!(Config::new(Protocol::Smtp).with_hello_name("x\r\nMAIL FROM:<a@b>").is_err());
/// # Ok::<(), starttls_engine::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    protocol: Protocol,
    hello_name: String,
    server_name: Option<ServerName<'static>>,
    timeouts: Timeouts,
    limits: Limits,
    deadline: Option<Deadline>,
    crypto: Crypto,
    alpn: Vec<Vec<u8>>,
    xmpp_domain: Option<String>,
}

/// An absolute end for the whole check, set by a driver whose own limit
/// started before the probe did (for example before DNS and connect).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    /// The instant the check must be over.
    pub at: Instant,
    /// The limit this instant stands for, named in the timeout error
    /// ("timed out after 30 s overall").
    pub limit: Duration,
}

impl Config {
    /// A configuration for `protocol` with default [`Timeouts`] and
    /// [`Limits`], `localhost` as the hello name, no SNI, no absolute
    /// deadline and [`Crypto::ring`] (a driver checking many servers builds
    /// one [`Crypto`] and passes it with [`Config::with_crypto`]).
    pub fn new(protocol: Protocol) -> Self {
        Config {
            protocol,
            hello_name: "localhost".to_owned(),
            server_name: None,
            timeouts: Timeouts::default(),
            limits: Limits::default(),
            deadline: None,
            crypto: Crypto::ring(),
            alpn: protocol.default_alpn().iter().map(|p| p.to_vec()).collect(),
            xmpp_domain: None,
        }
    }

    /// Sets the ALPN protocol names offered in the ClientHello, in order of
    /// preference (RFC 7301); an empty list sends no ALPN extension. Each
    /// name must be 1 to 255 bytes, and at most 16 names are accepted. The
    /// default is [`Protocol::default_alpn`]. The legacy capture's own
    /// TLS 1.0-1.2 ClientHello sends no ALPN.
    pub fn with_alpn(mut self, protocols: &[&[u8]]) -> Result<Self, ConfigError> {
        if protocols.len() > 16 {
            return Err(ConfigError::InvalidAlpn(format!(
                "{} names (at most 16)",
                protocols.len()
            )));
        }
        if let Some(bad) = protocols.iter().find(|p| p.is_empty() || p.len() > 255) {
            return Err(ConfigError::InvalidAlpn(format!(
                "a name of {} bytes (1 to 255)",
                bad.len()
            )));
        }
        self.alpn = protocols.iter().map(|p| p.to_vec()).collect();
        Ok(self)
    }

    /// The ALPN protocol names offered, in order.
    pub fn alpn(&self) -> &[Vec<u8>] {
        &self.alpn
    }

    /// The same configuration for another protocol (an implicit-TLS
    /// protocol's plaintext twin).
    pub(crate) fn for_protocol(&self, protocol: Protocol) -> Config {
        Config {
            protocol,
            ..self.clone()
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
    /// printable ASCII without spaces (so no CR, LF or second command), at
    /// most 255 characters, such as `mx.example.net` or an address literal
    /// like `[192.0.2.1]`.
    pub fn with_hello_name(mut self, name: &str) -> Result<Self, ConfigError> {
        let ok =
            !name.is_empty() && name.len() <= 255 && name.bytes().all(|b| b.is_ascii_graphic());
        if !ok {
            return Err(ConfigError::InvalidHelloName(name.to_owned()));
        }
        self.hello_name = name.to_owned();
        Ok(self)
    }

    /// Sets the time limits. `phase` and `overall` must not be zero (a
    /// probe with no time cannot read a greeting); `closing` may be zero,
    /// which ends the check as soon as the goodbye is sent. Any length is
    /// accepted, `Duration::MAX` included: deadlines saturate.
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Result<Self, ConfigError> {
        if timeouts.phase.is_zero() {
            return Err(ConfigError::ZeroTimeout("phase"));
        }
        if timeouts.overall.is_zero() {
            return Err(ConfigError::ZeroTimeout("overall"));
        }
        self.timeouts = timeouts;
        Ok(self)
    }

    /// Sets the buffer bounds; each must lie in its range
    /// ([`Limits::MIN`]..=[`Limits::MAX`]) and a reply's byte bound must hold
    /// at least one line.
    pub fn with_limits(mut self, limits: Limits) -> Result<Self, ConfigError> {
        limits.validate()?;
        self.limits = limits;
        Ok(self)
    }

    /// Sets an absolute end for the whole check, on top of
    /// [`Timeouts::overall`] (whichever comes first wins). A driver whose
    /// own overall limit started before the connection was up passes it
    /// here instead of shortening the timeouts.
    pub fn with_deadline(mut self, at: Instant, limit: Duration) -> Self {
        self.deadline = Some(Deadline { at, limit });
        self
    }

    /// Sets the rustls cryptography provider and time source the probe's
    /// TLS client uses (see [`Crypto`]).
    pub fn with_crypto(mut self, crypto: Crypto) -> Self {
        self.crypto = crypto;
        self
    }

    /// Sets the domain named in the XMPP stream header's `to` (RFC 6120
    /// section 4.7.2), when it differs from the SNI name. It must be a DNS
    /// name or address literal in ASCII (letters, digits, `-`, `.`, `_`,
    /// `:`, `[`, `]`), at most 255 characters, so it cannot break out of
    /// the attribute.
    pub fn with_xmpp_domain(mut self, domain: &str) -> Result<Self, ConfigError> {
        let trimmed = domain.strip_suffix('.').unwrap_or(domain);
        let ok = !trimmed.is_empty()
            && trimmed.len() <= 255
            && trimmed
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._:[]".contains(&b));
        if !ok {
            return Err(ConfigError::InvalidXmppDomain(domain.to_owned()));
        }
        self.xmpp_domain = Some(trimmed.to_ascii_lowercase());
        Ok(self)
    }

    /// The domain for the XMPP stream header: the one set with
    /// [`Config::with_xmpp_domain`], else the SNI name (a DNS name or an
    /// address), else none (the header then has no `to`).
    pub fn xmpp_domain(&self) -> Option<String> {
        if let Some(d) = &self.xmpp_domain {
            return Some(d.clone());
        }
        match self.server_name.as_ref()? {
            ServerName::DnsName(d) => Some(d.as_ref().to_owned()),
            ServerName::IpAddress(ip) => Some(std::net::IpAddr::from(*ip).to_string()),
            _ => None,
        }
    }

    /// The plaintext protocol before TLS.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The name sent in `EHLO` / `LHLO`. The engine cannot look up the
    /// local host name (it does no I/O); drivers should set the machine's
    /// name.
    pub fn hello_name(&self) -> &str {
        &self.hello_name
    }

    /// The name for the ClientHello. `None`, or an IP address, sends no SNI
    /// (RFC 6066 forbids IP addresses there).
    pub fn server_name(&self) -> Option<&ServerName<'static>> {
        self.server_name.as_ref()
    }

    /// The phase, overall and closing time limits.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// The buffer bounds.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The absolute end set with [`Config::with_deadline`], if any.
    pub fn deadline(&self) -> Option<Deadline> {
        self.deadline
    }

    /// The rustls provider and time source.
    pub fn crypto(&self) -> &Crypto {
        &self.crypto
    }
}

/// A configuration value that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The SNI name is neither a DNS name nor an IP address.
    InvalidServerName(String),
    /// The EHLO/LHLO name is empty, too long or has spaces or control characters.
    InvalidHelloName(String),
    /// A time limit that must be positive is zero; the text names it.
    ZeroTimeout(&'static str),
    /// The XMPP domain is empty, too long or has characters a domain has not.
    InvalidXmppDomain(String),
    /// A buffer bound is outside its range.
    LimitOutOfRange {
        /// The [`Limits`] field.
        name: &'static str,
        /// The value given.
        value: usize,
        /// The smallest value accepted.
        min: usize,
        /// The largest value accepted.
        max: usize,
    },
    /// The ALPN list has too many names or a name of a wrong length.
    InvalidAlpn(String),
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
            ConfigError::InvalidXmppDomain(d) => write!(
                f,
                "XMPP domain {d:?} must be a DNS name or address in ASCII, at most 255 characters"
            ),
            ConfigError::ZeroTimeout(which) => {
                write!(f, "the {which} time limit must be more than zero")
            }
            ConfigError::LimitOutOfRange {
                name,
                value,
                min,
                max,
            } => write!(f, "limit {name} = {value} must be between {min} and {max}"),
            ConfigError::InvalidAlpn(what) => write!(f, "ALPN list refused: {what}"),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exhaustive match makes a new variant a compile error here, and
    /// the test then makes sure it was added to [`Protocol::ALL`].
    fn position(p: Protocol) -> usize {
        match p {
            Protocol::Smtp => 0,
            Protocol::Lmtp => 1,
            Protocol::Ldap => 2,
            Protocol::Postgres => 3,
            Protocol::Mysql => 4,
            Protocol::PostgresDirect => 5,
            Protocol::Ftp => 6,
            Protocol::Nntp => 7,
            Protocol::Xmpp => 8,
            Protocol::XmppServer => 9,
            Protocol::Imap => 10,
            Protocol::Pop3 => 11,
            Protocol::Sieve => 12,
            Protocol::Smtps => 13,
            Protocol::Imaps => 14,
            Protocol::Pop3s => 15,
            Protocol::Ldaps => 16,
            Protocol::Ftps => 17,
            Protocol::Xmpps => 18,
            Protocol::Tls => 19,
        }
    }

    #[test]
    fn all_lists_every_protocol_once_in_order() {
        for (i, p) in Protocol::ALL.iter().enumerate() {
            assert_eq!(position(*p), i, "{p} out of place in Protocol::ALL");
        }
    }

    #[test]
    fn alpn_defaults_per_protocol_and_is_validated() {
        assert_eq!(
            Config::new(Protocol::PostgresDirect).alpn(),
            [b"postgresql".to_vec()]
        );
        assert!(Config::new(Protocol::Postgres).alpn().is_empty());
        let c = Config::new(Protocol::Smtp)
            .with_alpn(&[b"smtp", b"x"])
            .unwrap();
        assert_eq!(c.alpn(), [b"smtp".to_vec(), b"x".to_vec()]);
        assert!(Config::new(Protocol::Smtp).with_alpn(&[b""]).is_err());
        assert!(Config::new(Protocol::Smtp)
            .with_alpn(&[&[b'a'; 256][..]])
            .is_err());
        assert!(Config::new(Protocol::Smtp)
            .with_alpn(&[&b"a"[..]; 17])
            .is_err());
        assert!(Config::new(Protocol::PostgresDirect)
            .with_alpn(&[])
            .unwrap()
            .alpn()
            .is_empty());
        assert_eq!(Protocol::ALL.len(), 20);
    }

    #[test]
    fn keywords_round_trip_in_any_case() {
        for &p in Protocol::ALL {
            assert_eq!(Protocol::from_keyword(p.keyword()), Some(p));
            assert_eq!(Protocol::from_keyword(&p.keyword().to_uppercase()), Some(p));
            assert!(!p.summary().is_empty());
        }
        assert_eq!(Protocol::from_keyword("imap"), Some(Protocol::Imap));
        assert_eq!(Protocol::from_keyword("imap4"), None);
        assert_eq!(Protocol::from_keyword("Submissions"), Some(Protocol::Smtps));
        for &p in Protocol::ALL {
            assert_eq!(
                p.implicit_tls(),
                p.plaintext_twin().is_some() || p == Protocol::Tls
            );
            if let Some(twin) = p.plaintext_twin() {
                assert!(!twin.implicit_tls(), "{p}'s twin speaks STARTTLS");
            }
        }
        assert_eq!(Protocol::Tls.default_port(), None);
    }

    #[test]
    fn hello_name_cannot_inject_a_command() {
        for bad in [
            "x\r\nMAIL FROM:<a@b>",
            "x\nRCPT TO:<a@b>",
            "x\rQUIT",
            "x y",
            "x\0",
            "\u{202e}x",
        ] {
            let e = Config::new(Protocol::Smtp)
                .with_hello_name(bad)
                .unwrap_err();
            assert_eq!(e, ConfigError::InvalidHelloName(bad.to_owned()));
        }
        let c = Config::new(Protocol::Smtp);
        assert_eq!(
            c.hello_name(),
            "localhost",
            "a refused name changes nothing"
        );
    }

    #[test]
    fn zero_time_limits_and_out_of_range_bounds_are_refused() {
        let zero = Timeouts {
            phase: Duration::ZERO,
            ..Timeouts::default()
        };
        assert_eq!(
            Config::new(Protocol::Smtp).with_timeouts(zero).unwrap_err(),
            ConfigError::ZeroTimeout("phase")
        );
        let zero = Timeouts {
            overall: Duration::ZERO,
            ..Timeouts::default()
        };
        assert!(Config::new(Protocol::Smtp).with_timeouts(zero).is_err());
        let huge = Timeouts {
            phase: Duration::MAX,
            overall: Duration::MAX,
            closing: Duration::MAX,
        };
        assert_eq!(
            Config::new(Protocol::Smtp)
                .with_timeouts(huge)
                .unwrap()
                .timeouts(),
            huge
        );
        let no_closing = Timeouts {
            closing: Duration::ZERO,
            ..Timeouts::default()
        };
        assert!(Config::new(Protocol::Smtp)
            .with_timeouts(no_closing)
            .is_ok());

        for limits in [
            Limits {
                reply_line: 0,
                ..Limits::default()
            },
            Limits {
                reply_lines: 0,
                ..Limits::default()
            },
            Limits {
                reply_bytes: 100,
                ..Limits::default()
            },
            Limits {
                ldap_message: usize::MAX,
                ..Limits::default()
            },
            Limits {
                reply_line: 4096,
                reply_bytes: 2048,
                ..Limits::default()
            },
        ] {
            let e = Config::new(Protocol::Smtp).with_limits(limits).unwrap_err();
            assert!(e.to_string().starts_with("limit "), "{e}");
        }
        assert!(Config::new(Protocol::Smtp).with_limits(Limits::MIN).is_ok());
        assert!(Config::new(Protocol::Smtp).with_limits(Limits::MAX).is_ok());
        assert!(Config::new(Protocol::Smtp)
            .with_limits(Limits::default())
            .is_ok());
    }

    #[test]
    fn server_name_accepts_dns_and_ip_and_drops_trailing_dot() {
        let c = Config::new(Protocol::Smtp)
            .with_server_name("mx.example.com.")
            .unwrap();
        assert_eq!(
            c.server_name().unwrap().to_str(),
            "mx.example.com",
            "trailing dot dropped"
        );
        let c = Config::new(Protocol::Smtp)
            .with_server_name("192.0.2.7")
            .unwrap();
        assert!(matches!(c.server_name(), Some(ServerName::IpAddress(_))));
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
