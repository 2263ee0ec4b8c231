//! Incremental SMTP/LMTP reply parser (RFC 5321 section 4.2).
//!
//! Parsing is a function of the bytes received so far, in the style of h11:
//! [`ReplyReader::feed`] answers "need more" (`Ok(None)`) until a whole reply,
//! possibly multi-line, has arrived, then returns it with the number of bytes
//! it used. Every line and every reply is bounded.

use std::fmt;

use crate::config::Limits;
use crate::error::Arrived;
use crate::text::printable;

/// One complete server reply: a three-digit code and one or more text lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The reply code, e.g. 220, 250, 454.
    pub code: u16,
    /// The text of each line after the code and separator, CRLF removed.
    pub lines: Vec<String>,
}

impl Reply {
    /// The first line's text (for a greeting, the server's banner).
    pub fn first_line(&self) -> &str {
        self.lines.first().map(String::as_str).unwrap_or("")
    }

    /// True for 2xx codes.
    pub fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }
}

impl fmt::Display for Reply {
    /// The reply on one line: `454 4.7.0 TLS not available`, multi-line
    /// replies joined with ` / `, control characters replaced.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        for (i, line) in self.lines.iter().enumerate() {
            let sep = if i == 0 { " " } else { " / " };
            if !(i == 0 && line.is_empty()) {
                write!(f, "{sep}{}", printable(line.as_bytes(), 200))?;
            }
        }
        Ok(())
    }
}

/// Why bytes from the server are not an acceptable reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyError {
    /// A line does not start with three digits followed by space, `-` or the end.
    BadLine {
        /// The offending line, made printable and shortened.
        excerpt: String,
    },
    /// A multi-line reply changed its code midway (`250-...` then `220 ...`).
    MixedCodes {
        /// The code of the first line.
        first: u16,
        /// The different code that followed.
        then: u16,
    },
    /// A line grew past the line limit without a line end.
    LineTooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// A multi-line reply went on for more lines than allowed.
    TooManyLines {
        /// The limit in lines.
        limit: usize,
    },
    /// A multi-line reply went on for more bytes than allowed.
    TooManyBytes {
        /// The limit in bytes.
        limit: usize,
    },
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplyError::BadLine { excerpt } => {
                write!(f, "not an SMTP reply line: \"{excerpt}\"")
            }
            ReplyError::MixedCodes { first, then } => {
                write!(
                    f,
                    "multi-line reply changed its code from {first} to {then}"
                )
            }
            ReplyError::LineTooLong { limit } => {
                write!(f, "reply line longer than {limit} bytes without a line end")
            }
            ReplyError::TooManyLines { limit } => {
                write!(f, "multi-line reply longer than {limit} lines")
            }
            ReplyError::TooManyBytes { limit } => {
                write!(f, "multi-line reply longer than {limit} bytes")
            }
        }
    }
}

impl std::error::Error for ReplyError {}

/// Accumulates bytes into replies, one at a time.
#[derive(Clone, Debug)]
pub struct ReplyReader {
    limits: Limits,
    /// The current, not yet terminated line.
    partial: Vec<u8>,
    code: Option<u16>,
    lines: Vec<String>,
    bytes: usize,
}

impl ReplyReader {
    /// A reader enforcing `limits`.
    pub fn new(limits: Limits) -> Self {
        ReplyReader {
            limits,
            partial: Vec::new(),
            code: None,
            lines: Vec::new(),
            bytes: 0,
        }
    }

    /// Bytes held for a reply still incomplete (for memory accounting).
    pub fn buffered(&self) -> usize {
        self.partial.capacity() + self.bytes
    }

    /// What has arrived of the reply still incomplete: its whole lines and
    /// the last line, complete or not, made printable.
    pub fn arrived(&self) -> Arrived {
        if !self.partial.is_empty() {
            let line = self.partial.strip_suffix(b"\r").unwrap_or(&self.partial);
            return Arrived::Lines {
                complete: self.lines.len(),
                last: printable(line, 80),
                unfinished: true,
            };
        }
        match (self.code, self.lines.last()) {
            (Some(code), Some(text)) => Arrived::Lines {
                complete: self.lines.len(),
                last: printable(format!("{code}-{text}").as_bytes(), 80),
                unfinished: false,
            },
            _ => Arrived::Nothing,
        }
    }

    /// True when no part of a reply is waiting for more bytes.
    pub fn is_idle(&self) -> bool {
        self.partial.is_empty() && self.code.is_none()
    }

    /// Consumes bytes from `data` until one reply is complete.
    ///
    /// Returns `Ok(None)` when all of `data` was used and the reply is still
    /// incomplete, or `Ok(Some((reply, used)))` when a reply ended after
    /// `used` bytes of `data`; the rest of `data` is the caller's.
    /// Lines may end in CRLF or a bare LF (some servers send those).
    pub fn feed(&mut self, data: &[u8]) -> Result<Option<(Reply, usize)>, ReplyError> {
        let mut pos = 0;
        while pos < data.len() {
            let rest = &data[pos..];
            let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
                self.take_partial(rest)?;
                return Ok(None);
            };
            self.take_partial(&rest[..=nl])?;
            pos += nl + 1;
            let line = std::mem::take(&mut self.partial);
            if let Some(reply) = self.take_line(&line)? {
                return Ok(Some((reply, pos)));
            }
            self.partial = line;
            self.partial.clear();
        }
        Ok(None)
    }

    fn take_partial(&mut self, bytes: &[u8]) -> Result<(), ReplyError> {
        if self.partial.len() + bytes.len() > self.limits.reply_line {
            return Err(ReplyError::LineTooLong {
                limit: self.limits.reply_line,
            });
        }
        self.partial.extend_from_slice(bytes);
        Ok(())
    }

    /// Handles one whole line (with its line end); returns the reply if it
    /// was the last line.
    fn take_line(&mut self, raw: &[u8]) -> Result<Option<Reply>, ReplyError> {
        let line = raw.strip_suffix(b"\n").unwrap_or(raw);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let bad = || ReplyError::BadLine {
            excerpt: printable(line, 80),
        };
        let (digits, tail) = line.split_at_checked(3).ok_or_else(bad)?;
        if !digits.iter().all(u8::is_ascii_digit) || !(b'2'..=b'5').contains(&digits[0]) {
            return Err(bad());
        }
        let code = digits
            .iter()
            .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
        let (last, text) = match tail.split_first() {
            None => (true, &[][..]),
            Some((b' ', text)) => (true, text),
            Some((b'-', text)) => (false, text),
            Some(_) => return Err(bad()),
        };
        match self.code {
            Some(first) if first != code => {
                return Err(ReplyError::MixedCodes { first, then: code })
            }
            _ => self.code = Some(code),
        }
        self.bytes += raw.len();
        if self.bytes > self.limits.reply_bytes {
            return Err(ReplyError::TooManyBytes {
                limit: self.limits.reply_bytes,
            });
        }
        if self.lines.len() >= self.limits.reply_lines {
            return Err(ReplyError::TooManyLines {
                limit: self.limits.reply_lines,
            });
        }
        self.lines.push(String::from_utf8_lossy(text).into_owned());
        if !last {
            return Ok(None);
        }
        self.code = None;
        self.bytes = 0;
        Ok(Some(Reply {
            code,
            lines: std::mem::take(&mut self.lines),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader() -> ReplyReader {
        ReplyReader::new(Limits::default())
    }

    fn parse_all(bytes: &[u8]) -> Result<Option<(Reply, usize)>, ReplyError> {
        reader().feed(bytes)
    }

    #[test]
    fn single_line_reply() {
        let (r, used) = parse_all(b"220 mx.example.com ESMTP Postfix\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(r.code, 220);
        assert_eq!(r.lines, vec!["mx.example.com ESMTP Postfix"]);
        assert_eq!(used, 34);
    }

    #[test]
    fn multi_line_reply_and_leftover() {
        let data = b"250-mx.example.com\r\n250-PIPELINING\r\n250 STARTTLS\r\nEXTRA";
        let (r, used) = parse_all(data).unwrap().unwrap();
        assert_eq!(r.code, 250);
        assert_eq!(r.lines, vec!["mx.example.com", "PIPELINING", "STARTTLS"]);
        assert_eq!(&data[used..], b"EXTRA");
    }

    #[test]
    fn bare_code_and_bare_lf_are_accepted() {
        let (r, _) = parse_all(b"250\n").unwrap().unwrap();
        assert_eq!(r.code, 250);
        assert_eq!(r.lines, vec![""]);
        assert_eq!(r.to_string(), "250");
    }

    #[test]
    fn reply_split_at_every_byte_boundary_is_the_same() {
        let data = b"220-first line\r\n220-second\r\n220 last\r\n";
        let whole = parse_all(data).unwrap().unwrap().0;
        for cut in 0..=data.len() {
            let mut rd = reader();
            let first = rd.feed(&data[..cut]).unwrap();
            let got = match first {
                Some((r, used)) => {
                    assert_eq!(used, data.len());
                    r
                }
                None => rd.feed(&data[cut..]).unwrap().unwrap().0,
            };
            assert_eq!(got, whole, "cut at {cut}");
        }
    }

    #[test]
    fn byte_by_byte_feeding_yields_the_reply_on_the_last_byte() {
        let data = b"250-a\r\n250 b\r\n";
        let mut rd = reader();
        for (i, b) in data.iter().enumerate() {
            let out = rd.feed(std::slice::from_ref(b)).unwrap();
            assert_eq!(out.is_some(), i == data.len() - 1);
        }
        assert!(rd.is_idle());
    }

    #[test]
    fn malformed_lines_are_rejected() {
        for bad in [
            &b"hello\r\n"[..],
            b"22\r\n",
            b"2x0 ok\r\n",
            b"220x\r\n",
            b"620 x\r\n",
            b"\r\n",
        ] {
            assert!(
                matches!(parse_all(bad), Err(ReplyError::BadLine { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn mixed_codes_are_rejected() {
        assert_eq!(
            parse_all(b"250-a\r\n220 b\r\n"),
            Err(ReplyError::MixedCodes {
                first: 250,
                then: 220
            })
        );
    }

    #[test]
    fn limits_are_enforced() {
        let limits = Limits {
            reply_line: 20,
            reply_lines: 3,
            reply_bytes: 40,
            ..Limits::default()
        };
        let mut rd = ReplyReader::new(limits);
        assert_eq!(
            rd.feed(&[b'2'; 21]),
            Err(ReplyError::LineTooLong { limit: 20 })
        );
        let mut rd = ReplyReader::new(limits);
        assert_eq!(
            rd.feed(b"250-a\r\n250-b\r\n250-c\r\n250-d\r\n"),
            Err(ReplyError::TooManyLines { limit: 3 })
        );
        let mut rd = ReplyReader::new(limits);
        assert_eq!(
            rd.feed(b"250-aaaaaaaaaaa\r\n250-bbbbbbbbbbb\r\n250-ccccccccccc\r\n"),
            Err(ReplyError::TooManyBytes { limit: 40 })
        );
    }

    #[test]
    fn display_is_one_printable_line() {
        let r = Reply {
            code: 421,
            lines: vec!["4.3.2 shutting\tdown".into(), "bye\u{7}".into()],
        };
        assert_eq!(r.to_string(), "421 4.3.2 shutting?down / bye?");
    }

    #[test]
    fn arrived_names_whole_lines_and_the_unfinished_one() {
        let mut r = reader();
        assert_eq!(r.arrived(), Arrived::Nothing);
        assert_eq!(r.feed(b"220-mx.example.com\r\n220-second\r\n"), Ok(None));
        assert_eq!(
            r.arrived(),
            Arrived::Lines {
                complete: 2,
                last: "220-second".into(),
                unfinished: false
            }
        );
        assert_eq!(r.feed(b"220 the \x1b[31mend"), Ok(None));
        assert_eq!(
            r.arrived(),
            Arrived::Lines {
                complete: 2,
                last: "220 the ?[31mend".into(),
                unfinished: true
            },
            "server text is made printable"
        );
        let long = [b'x'; 500];
        let mut r = reader();
        assert_eq!(r.feed(&long), Ok(None));
        let Arrived::Lines { last, .. } = r.arrived() else {
            panic!("no lines")
        };
        assert_eq!(last.chars().count(), 83, "80 characters and an ellipsis");
        assert!(r.feed(b"\r\n").is_err());
        let mut r = reader();
        assert!(r.feed(b"220 done\r\n").unwrap().is_some());
        assert_eq!(
            r.arrived(),
            Arrived::Nothing,
            "nothing pending after a whole reply"
        );
    }
}
