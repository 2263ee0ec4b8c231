//! Why a check failed before, while or instead of probing: one enum, each
//! variant rendered as one line a monitoring admin understands.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use starttls_engine::ProbeError;

/// A failed check of one [`Target`](crate::Target).
#[derive(Clone, Debug, PartialEq)]
pub enum CheckError {
    /// The DNS lookup failed (unknown name, no DNS server, bad name).
    Resolve {
        /// The name looked up.
        host: String,
        /// What the resolver said.
        detail: String,
    },
    /// The DNS lookup succeeded but returned no addresses.
    NoAddresses {
        /// The name looked up.
        host: String,
    },
    /// Every address of the host was tried and none accepted a connection.
    Connect {
        /// The host as given in the target.
        host: String,
        /// Each address tried, in order, with why it failed.
        attempts: Vec<(SocketAddr, ConnectFailure)>,
    },
    /// The target's overall time limit ran out before a connection was made.
    Timeout {
        /// What was running: `"resolve"` or `"connect"`.
        phase: &'static str,
        /// How long the target had been running.
        after: Duration,
    },
    /// Connected, but the probe failed: the server's answer, a TLS failure,
    /// or a probe time limit (including the overall limit).
    Probe {
        /// The address the probe talked to.
        peer: SocketAddr,
        /// What the probe reported.
        error: ProbeError,
    },
    /// The operating system failed us on an established connection, or the
    /// event loop itself failed.
    Io {
        /// The address involved (unspecified when the event loop failed).
        peer: SocketAddr,
        /// What the operating system said.
        detail: String,
    },
}

/// Why one connection attempt to one address failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectFailure {
    /// Nothing listens on the port (TCP reset, `ECONNREFUSED`).
    Refused,
    /// No route to the host or its network.
    Unreachable,
    /// No answer within the connect time limit (or the system's own).
    TimedOut,
    /// Anything else, as the operating system described it.
    Other(String),
}

impl ConnectFailure {
    /// Classifies the error of a failed connection attempt.
    pub(crate) fn from_io(error: &io::Error) -> Self {
        match error.kind() {
            io::ErrorKind::ConnectionRefused => ConnectFailure::Refused,
            io::ErrorKind::TimedOut => ConnectFailure::TimedOut,
            _ if error.raw_os_error().is_some_and(is_unreachable_code) => {
                ConnectFailure::Unreachable
            }
            _ => ConnectFailure::Other(error.to_string()),
        }
    }
}

/// `ENETUNREACH` and `EHOSTUNREACH` (or Winsock's), matched by number so the
/// crate builds on Rust versions before `ErrorKind::HostUnreachable`.
fn is_unreachable_code(code: i32) -> bool {
    if cfg!(windows) {
        matches!(code, 10051 | 10065)
    } else if cfg!(any(target_os = "linux", target_os = "android")) {
        matches!(code, 101 | 113)
    } else if cfg!(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd",
        target_os = "dragonfly"
    )) {
        matches!(code, 51 | 65)
    } else {
        false
    }
}

impl fmt::Display for ConnectFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectFailure::Refused => f.write_str("refused the connection"),
            ConnectFailure::Unreachable => f.write_str("is unreachable"),
            ConnectFailure::TimedOut => f.write_str("did not answer in time"),
            ConnectFailure::Other(detail) => write!(f, "failed: {detail}"),
        }
    }
}

impl std::error::Error for ConnectFailure {}

/// Seconds with at most one decimal, as people read them: `5 s`, `0.3 s`.
fn seconds(d: Duration) -> String {
    let tenths = (d.as_millis() + 50) / 100;
    let (whole, tenth) = (tenths / 10, tenths % 10);
    if tenth == 0 {
        format!("{whole} s")
    } else {
        format!("{whole}.{tenth} s")
    }
}

impl fmt::Display for CheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::Resolve { host, detail } => {
                write!(f, "DNS lookup of {host} failed: {detail}")
            }
            CheckError::NoAddresses { host } => {
                write!(f, "DNS lookup of {host} returned no addresses")
            }
            CheckError::Connect { host, attempts } => {
                write!(f, "could not connect to {host}")?;
                if let Some((first, _)) = attempts.first() {
                    write!(f, " port {}", first.port())?;
                }
                let mut sep = ": ";
                for (addr, failure) in attempts {
                    write!(f, "{sep}{} {failure}", addr.ip())?;
                    sep = ", ";
                }
                Ok(())
            }
            CheckError::Timeout { phase, after } => match *phase {
                "resolve" => write!(
                    f,
                    "DNS lookup took {}, longer than the time limit",
                    seconds(*after)
                ),
                "connect" => write!(
                    f,
                    "no connection within the overall time limit ({})",
                    seconds(*after)
                ),
                other => write!(f, "timed out during {other} after {}", seconds(*after)),
            },
            CheckError::Probe { error, .. } => fmt::Display::fmt(error, f),
            CheckError::Io { peer, detail } => {
                write!(f, "network error talking to {peer}: {detail}")
            }
        }
    }
}

impl std::error::Error for CheckError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CheckError::Probe { error, .. } => Some(error),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_error_lists_every_address_on_one_line() {
        let e = CheckError::Connect {
            host: "mail.example.com".into(),
            attempts: vec![
                ("192.0.2.1:25".parse().unwrap(), ConnectFailure::Refused),
                (
                    "[2001:db8::1]:25".parse().unwrap(),
                    ConnectFailure::Unreachable,
                ),
                ("192.0.2.2:25".parse().unwrap(), ConnectFailure::TimedOut),
            ],
        };
        assert_eq!(
            e.to_string(),
            "could not connect to mail.example.com port 25: 192.0.2.1 refused the connection, \
             2001:db8::1 is unreachable, 192.0.2.2 did not answer in time"
        );
    }

    #[test]
    fn dns_and_timeout_messages_name_the_host_and_the_time() {
        let e = CheckError::Resolve {
            host: "mx.example.com".into(),
            detail: "no such host".into(),
        };
        assert_eq!(
            e.to_string(),
            "DNS lookup of mx.example.com failed: no such host"
        );
        let e = CheckError::Timeout {
            phase: "connect",
            after: Duration::from_millis(5_020),
        };
        assert_eq!(
            e.to_string(),
            "no connection within the overall time limit (5 s)"
        );
        assert_eq!(seconds(Duration::from_millis(340)), "0.3 s");
    }

    #[test]
    fn io_errors_are_classified() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(ConnectFailure::from_io(&refused), ConnectFailure::Refused);
        let timed_out = io::Error::from(io::ErrorKind::TimedOut);
        assert_eq!(
            ConnectFailure::from_io(&timed_out),
            ConnectFailure::TimedOut
        );
        #[cfg(target_os = "linux")]
        assert_eq!(
            ConnectFailure::from_io(&io::Error::from_raw_os_error(113)),
            ConnectFailure::Unreachable
        );
        let other = io::Error::other("out of sockets");
        assert_eq!(
            ConnectFailure::from_io(&other),
            ConnectFailure::Other("out of sockets".into())
        );
    }
}
