//! Why the MySQL/MariaDB exchange before TLS failed.

use std::fmt;

/// A failed MySQL/MariaDB exchange before TLS. `Display` gives one line
/// with the server's own words and what they usually mean.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MysqlError {
    /// The handshake packet does not offer `CLIENT_SSL`: the server has no
    /// TLS configured (MariaDB without `ssl_cert`, MySQL with
    /// `tls_version` empty or `--skip-ssl`).
    NoSsl {
        /// The server version string, made printable.
        server_version: String,
    },
    /// The server sent an ERR packet instead of its handshake.
    Refused {
        /// The MySQL error number, e.g. 1130 (`ER_HOST_NOT_PRIVILEGED`).
        code: u16,
        /// The SQLSTATE, when the packet carried one.
        sqlstate: Option<String>,
        /// The message, made printable.
        message: String,
    },
    /// The server speaks protocol version 9 (MySQL before 3.21), which has
    /// no TLS.
    OldProtocol,
    /// The first bytes are not a MySQL packet: another protocol on this port.
    NotMysql {
        /// The first bytes, made printable (up to the first line break).
        excerpt: String,
        /// The protocol the bytes look like, when we can tell.
        looks_like: Option<&'static str>,
    },
    /// The packet's length is larger than our bound.
    PacketTooLarge {
        /// The whole packet size claimed, header included.
        claimed: u64,
        /// Our bound (`Limits::db_packet`).
        limit: usize,
    },
    /// A packet we cannot read.
    Malformed {
        /// What was wrong.
        detail: String,
    },
}

/// What an error number usually means for this check.
fn hint(code: u16) -> Option<&'static str> {
    match code {
        1129 => Some("host blocked after too many connection errors: FLUSH HOSTS on the server"),
        1130 => Some("no account for the checking host: the server refuses before TLS"),
        1040 => Some("too many connections"),
        _ => None,
    }
}

impl fmt::Display for MysqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MysqlError::NoSsl { server_version } => write!(
                f,
                "MySQL server {server_version} does not offer TLS (no CLIENT_SSL capability: no certificate configured?)"
            ),
            MysqlError::Refused {
                code,
                sqlstate,
                message,
            } => {
                write!(f, "MySQL server refused the connection: error {code}")?;
                if let Some(state) = sqlstate {
                    write!(f, " ({state})")?;
                }
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                if let Some(hint) = hint(*code) {
                    write!(f, " ({hint})")?;
                }
                Ok(())
            }
            MysqlError::OldProtocol => f.write_str(
                "MySQL server speaks protocol version 9 (before MySQL 3.21), which has no TLS",
            ),
            MysqlError::NotMysql {
                excerpt,
                looks_like,
            } => {
                write!(f, "server does not speak MySQL: it sent \"{excerpt}\"")?;
                f.write_str(&crate::guess::advice(
                    *looks_like,
                    crate::config::Protocol::Mysql,
                ))
            }
            MysqlError::PacketTooLarge { claimed, limit } => write!(
                f,
                "MySQL server's packet claims {claimed} bytes, more than the {limit}-byte limit"
            ),
            MysqlError::Malformed { detail } => {
                write!(f, "MySQL server sent a malformed handshake: {detail}")
            }
        }
    }
}

impl std::error::Error for MysqlError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_as_one_line_with_code_and_hint() {
        let e = MysqlError::Refused {
            code: 1130,
            sqlstate: None,
            message: "Host '10.0.0.5' is not allowed to connect to this MariaDB server".into(),
        };
        assert_eq!(
            e.to_string(),
            "MySQL server refused the connection: error 1130: Host '10.0.0.5' is not allowed to \
             connect to this MariaDB server (no account for the checking host: the server refuses before TLS)"
        );
        let e = MysqlError::NoSsl {
            server_version: "8.0.40".into(),
        };
        assert!(e
            .to_string()
            .starts_with("MySQL server 8.0.40 does not offer TLS"));
    }
}
