//! Why the PostgreSQL SSLRequest exchange failed.

use std::fmt;

use super::error_response::ErrorFields;

/// A failed PostgreSQL SSLRequest exchange. `Display` gives one line with
/// what the server said and what it usually means.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PostgresError {
    /// The server answered `N`: it runs with `ssl = off` (or was built
    /// without SSL support).
    SslOff,
    /// The server sent an ErrorResponse instead of an answer.
    Refused(ErrorFields),
    /// The answer is not `S`, `N` or `E`: another protocol on this port.
    NotPostgres {
        /// The first bytes, made printable (up to the first line break).
        excerpt: String,
        /// The protocol the bytes look like, when we can tell.
        looks_like: Option<&'static str>,
    },
    /// An ErrorResponse longer than our bound.
    MessageTooLarge {
        /// The size the message claims (or has reached), in bytes.
        claimed: u64,
        /// Our bound (`Limits::db_packet`).
        limit: usize,
    },
    /// An ErrorResponse we cannot read.
    Malformed {
        /// What was wrong.
        detail: String,
    },
}

impl fmt::Display for PostgresError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PostgresError::SslOff => f.write_str(
                "PostgreSQL server refused SSL (answered 'N' to SSLRequest: ssl = off or no certificate configured)",
            ),
            PostgresError::Refused(fields) => {
                f.write_str("PostgreSQL server answered SSLRequest with an error")?;
                match (&fields.severity, &fields.sqlstate) {
                    (Some(sev), Some(state)) => write!(f, ": {sev} {state}")?,
                    (Some(sev), None) => write!(f, ": {sev}")?,
                    (None, Some(state)) => write!(f, ": SQLSTATE {state}")?,
                    (None, None) => {}
                }
                if !fields.message.is_empty() {
                    write!(f, " \"{}\"", fields.message)?;
                }
                Ok(())
            }
            PostgresError::NotPostgres {
                excerpt,
                looks_like,
            } => {
                write!(
                    f,
                    "server does not speak PostgreSQL: it answered SSLRequest with \"{excerpt}\""
                )?;
                f.write_str(&crate::guess::advice(
                    *looks_like,
                    crate::config::Protocol::Postgres,
                ))
            }
            PostgresError::MessageTooLarge { claimed, limit } => write!(
                f,
                "PostgreSQL server's error message claims {claimed} bytes, more than the {limit}-byte limit"
            ),
            PostgresError::Malformed { detail } => write!(
                f,
                "PostgreSQL server sent a malformed answer to SSLRequest: {detail}"
            ),
        }
    }
}

impl std::error::Error for PostgresError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_refusal_reads_as_one_line() {
        assert!(PostgresError::SslOff.to_string().contains("ssl = off"));
        let e = PostgresError::Refused(ErrorFields {
            severity: Some("FATAL".into()),
            sqlstate: Some("53300".into()),
            message: "sorry, too many clients already".into(),
        });
        assert_eq!(
            e.to_string(),
            "PostgreSQL server answered SSLRequest with an error: FATAL 53300 \"sorry, too many clients already\""
        );
        let e = PostgresError::NotPostgres {
            excerpt: "220 mx ESMTP".into(),
            looks_like: Some("SMTP"),
        };
        assert_eq!(
            e.to_string(),
            "server does not speak PostgreSQL: it answered SSLRequest with \"220 mx ESMTP\" (looks like SMTP: use smtp)"
        );
    }
}
