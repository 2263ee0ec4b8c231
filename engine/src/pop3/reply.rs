//! One POP3 status line (RFC 1939 section 3): `+OK text` or `-ERR text`,
//! as framed by [`LineReader::new`](crate::lines::LineReader::new).

use std::fmt;

use crate::text::printable;

/// A POP3 status indicator and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pop3Reply {
    /// True for `+OK`, false for `-ERR`.
    pub ok: bool,
    /// The text after the indicator (may be empty).
    pub text: String,
}

/// A line that is not a POP3 status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotPop3Reply {
    /// The line, made printable and shortened.
    pub excerpt: String,
}

impl fmt::Display for NotPop3Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a POP3 status line: \"{}\"", self.excerpt)
    }
}

impl std::error::Error for NotPop3Reply {}

impl Pop3Reply {
    /// Parses a status line without its line end. The indicator is
    /// case-insensitive (RFC 1939 section 3) and ends the line or is
    /// followed by a space.
    pub fn parse(line: &[u8]) -> Result<Pop3Reply, NotPop3Reply> {
        let (ok, rest) = if let Some(rest) = strip_prefix_ci(line, b"+OK") {
            (true, rest)
        } else if let Some(rest) = strip_prefix_ci(line, b"-ERR") {
            (false, rest)
        } else {
            return Err(NotPop3Reply {
                excerpt: printable(line, 80),
            });
        };
        let text = match rest.split_first() {
            None => &[][..],
            Some((b' ', text)) => text,
            Some(_) => {
                return Err(NotPop3Reply {
                    excerpt: printable(line, 80),
                })
            }
        };
        Ok(Pop3Reply {
            ok,
            text: String::from_utf8_lossy(text).into_owned(),
        })
    }
}

fn strip_prefix_ci<'a>(line: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let (head, rest) = line.split_at_checked(prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then_some(rest)
}

impl fmt::Display for Pop3Reply {
    /// `+OK text` / `-ERR text`, made printable and cut to 200 characters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let indicator = if self.ok { "+OK" } else { "-ERR" };
        if self.text.is_empty() {
            return f.write_str(indicator);
        }
        write!(f, "{indicator} {}", printable(self.text.as_bytes(), 200))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_and_err_lines_parse_in_any_case() {
        let r = Pop3Reply::parse(b"+OK Dovecot (Debian) ready.").unwrap();
        assert!(r.ok);
        assert_eq!(r.text, "Dovecot (Debian) ready.");
        let r = Pop3Reply::parse(b"-err unknown command").unwrap();
        assert!(!r.ok);
        assert_eq!(r.to_string(), "-ERR unknown command");
        assert_eq!(Pop3Reply::parse(b"+OK").unwrap().to_string(), "+OK");
    }

    #[test]
    fn other_lines_are_refused() {
        for line in [&b"* OK IMAP ready"[..], b"220 mx", b"+OKAY", b"", b"+"] {
            assert!(Pop3Reply::parse(line).is_err(), "{line:?}");
        }
    }
}
