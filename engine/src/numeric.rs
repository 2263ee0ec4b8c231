//! Incremental reader of numbered reply lines for FTP (RFC 959 section 4.2)
//! and NNTP (RFC 3977 section 3.2).
//!
//! SMTP's reader does not fit either: an FTP multi-line reply may carry
//! lines without a code between its `220-` first line and its `220 ` last
//! line, and both protocols use `1xx` codes. NNTP replies are always one
//! line. Like [`crate::smtp::ReplyReader`], [`NumericReader::feed`] answers
//! "need more" until a whole reply has arrived and bounds every line and
//! every reply with [`Limits`].

use std::fmt;

use crate::config::Limits;
use crate::error::Arrived;
use crate::smtp::Reply;
use crate::text::printable;

/// Whether a reply may span several lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[doc(hidden)]
pub enum Style {
    /// FTP: `ddd-` opens a reply that ends at a line starting `ddd ` with
    /// the same code; lines between may be any text.
    MultiLine,
    /// NNTP: every reply is one line `ddd text`.
    SingleLine,
}

/// Why bytes from the server are not an acceptable numbered reply.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NumericError {
    /// A reply does not start with three digits (1-5 first) followed by a
    /// space, `-` (FTP only) or the line end.
    BadLine {
        /// The offending line, made printable and shortened.
        excerpt: String,
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

impl fmt::Display for NumericError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumericError::BadLine { excerpt } => {
                write!(f, "not a numbered reply line: \"{excerpt}\"")
            }
            NumericError::LineTooLong { limit } => {
                write!(f, "reply line longer than {limit} bytes without a line end")
            }
            NumericError::TooManyLines { limit } => {
                write!(f, "multi-line reply longer than {limit} lines")
            }
            NumericError::TooManyBytes { limit } => {
                write!(f, "multi-line reply longer than {limit} bytes")
            }
        }
    }
}

impl std::error::Error for NumericError {}

/// Accumulates bytes into replies, one at a time.
#[derive(Clone, Debug)]
#[doc(hidden)]
pub struct NumericReader {
    style: Style,
    limits: Limits,
    partial: Vec<u8>,
    /// The code of a multi-line reply in progress.
    code: Option<u16>,
    lines: Vec<String>,
    bytes: usize,
}

impl NumericReader {
    /// A reader of `style` replies enforcing `limits` (`reply_line`,
    /// `reply_lines`, `reply_bytes`).
    pub fn new(style: Style, limits: Limits) -> Self {
        NumericReader {
            style,
            limits,
            partial: Vec::new(),
            code: None,
            lines: Vec::new(),
            bytes: 0,
        }
    }

    /// Bytes held for a reply still incomplete.
    pub fn buffered(&self) -> usize {
        self.partial.capacity() + self.bytes
    }

    /// What has arrived of the reply still incomplete, made printable.
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
            (Some(code), Some(text)) => {
                let shown = if self.lines.len() == 1 {
                    format!("{code}-{text}")
                } else {
                    text.clone()
                };
                Arrived::Lines {
                    complete: self.lines.len(),
                    last: printable(shown.as_bytes(), 80),
                    unfinished: false,
                }
            }
            _ => Arrived::Nothing,
        }
    }

    /// Consumes bytes from `data` until one reply is complete: `Ok(None)`
    /// when all of `data` was used and the reply is still incomplete, or
    /// `Ok(Some((reply, used)))` when it ended after `used` bytes. Lines may
    /// end in CRLF or a bare LF.
    pub fn feed(&mut self, data: &[u8]) -> Result<Option<(Reply, usize)>, NumericError> {
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

    fn take_partial(&mut self, bytes: &[u8]) -> Result<(), NumericError> {
        if self.partial.len() + bytes.len() > self.limits.reply_line {
            return Err(NumericError::LineTooLong {
                limit: self.limits.reply_line,
            });
        }
        self.partial.extend_from_slice(bytes);
        Ok(())
    }

    fn take_line(&mut self, raw: &[u8]) -> Result<Option<Reply>, NumericError> {
        let line = raw.strip_suffix(b"\n").unwrap_or(raw);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let parsed = split_code(line);
        let Some(first) = self.code else {
            // The first line of a reply must be numbered.
            let (code, sep, text) = parsed.ok_or_else(|| NumericError::BadLine {
                excerpt: printable(line, 80),
            })?;
            let more = match (sep, self.style) {
                (Some(b'-'), Style::MultiLine) => true,
                (None | Some(b' '), _) => false,
                _ => {
                    return Err(NumericError::BadLine {
                        excerpt: printable(line, 80),
                    })
                }
            };
            self.push(raw.len(), text)?;
            if more {
                self.code = Some(code);
                return Ok(None);
            }
            return Ok(Some(self.finish(code)));
        };
        // Inside a multi-line reply: `ddd ` with the same code ends it,
        // anything else is one more line of text.
        match parsed {
            Some((code, None | Some(b' '), text)) if code == first => {
                self.push(raw.len(), text)?;
                Ok(Some(self.finish(code)))
            }
            Some((code, Some(b'-'), text)) if code == first => {
                self.push(raw.len(), text)?;
                Ok(None)
            }
            _ => {
                self.push(raw.len(), line)?;
                Ok(None)
            }
        }
    }

    fn push(&mut self, raw_len: usize, text: &[u8]) -> Result<(), NumericError> {
        self.bytes += raw_len;
        if self.bytes > self.limits.reply_bytes {
            return Err(NumericError::TooManyBytes {
                limit: self.limits.reply_bytes,
            });
        }
        if self.lines.len() >= self.limits.reply_lines {
            return Err(NumericError::TooManyLines {
                limit: self.limits.reply_lines,
            });
        }
        self.lines.push(String::from_utf8_lossy(text).into_owned());
        Ok(())
    }

    fn finish(&mut self, code: u16) -> Reply {
        self.code = None;
        self.bytes = 0;
        Reply {
            code,
            lines: std::mem::take(&mut self.lines),
        }
    }
}

/// `ddd`, the separator byte after it (if any) and the text after that; the
/// first digit 1-5 as both RFCs define.
fn split_code(line: &[u8]) -> Option<(u16, Option<u8>, &[u8])> {
    let (digits, tail) = line.split_at_checked(3)?;
    if !digits.iter().all(u8::is_ascii_digit) || !(b'1'..=b'5').contains(&digits[0]) {
        return None;
    }
    let code = digits
        .iter()
        .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    match tail.split_first() {
        None => Some((code, None, &[])),
        Some((&sep, text)) if sep == b' ' || sep == b'-' => Some((code, Some(sep), text)),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftp() -> NumericReader {
        NumericReader::new(Style::MultiLine, Limits::default())
    }

    fn nntp() -> NumericReader {
        NumericReader::new(Style::SingleLine, Limits::default())
    }

    #[test]
    fn ftp_multi_line_reply_may_carry_unnumbered_lines() {
        let data =
            b"220-Welcome\r\n  to the archive\r\n220-more\r\n221 not the end\r\n220 ready\r\nX";
        let (r, used) = ftp().feed(data).unwrap().unwrap();
        assert_eq!(r.code, 220);
        assert_eq!(
            r.lines,
            [
                "Welcome",
                "  to the archive",
                "more",
                "221 not the end",
                "ready"
            ]
        );
        assert_eq!(&data[used..], b"X");
    }

    #[test]
    fn split_at_every_byte_gives_the_same_reply() {
        let data = b"220-ProFTPD\r\nfree text\r\n220 ready\r\n";
        let whole = ftp().feed(data).unwrap().unwrap().0;
        for cut in 0..=data.len() {
            let mut rd = ftp();
            let got = match rd.feed(&data[..cut]).unwrap() {
                Some((r, _)) => r,
                None => rd.feed(&data[cut..]).unwrap().unwrap().0,
            };
            assert_eq!(got, whole, "cut {cut}");
        }
    }

    #[test]
    fn nntp_is_one_line_and_refuses_a_dash() {
        let (r, _) = nntp().feed(b"200 news.example ready\r\n").unwrap().unwrap();
        assert_eq!((r.code, r.first_line()), (200, "news.example ready"));
        assert!(matches!(
            nntp().feed(b"200-a\r\n"),
            Err(NumericError::BadLine { .. })
        ));
    }

    #[test]
    fn first_lines_must_be_numbered() {
        for bad in [
            &b"* OK IMAP ready\r\n"[..],
            b"<?xml version='1.0'?>\n",
            b"620 x\r\n",
            b"22\r\n",
            b"220x\r\n",
        ] {
            assert!(
                matches!(ftp().feed(bad), Err(NumericError::BadLine { .. })),
                "{bad:?}"
            );
        }
        let (r, _) = ftp().feed(b"150\n").unwrap().unwrap();
        assert_eq!(r.code, 150);
    }

    #[test]
    fn limits_hold() {
        let limits = Limits {
            reply_line: 20,
            reply_lines: 3,
            reply_bytes: 40,
            ..Limits::default()
        };
        let mut rd = NumericReader::new(Style::MultiLine, limits);
        assert_eq!(
            rd.feed(&[b'2'; 21]),
            Err(NumericError::LineTooLong { limit: 20 })
        );
        let mut rd = NumericReader::new(Style::MultiLine, limits);
        assert_eq!(
            rd.feed(b"220-a\r\nb\r\nc\r\nd\r\n"),
            Err(NumericError::TooManyLines { limit: 3 })
        );
        let mut rd = NumericReader::new(Style::MultiLine, limits);
        assert_eq!(
            rd.feed(b"220-aaaaaaaaaaaa\r\nbbbbbbbbbbbbbbbb\r\nccccc\r\n"),
            Err(NumericError::TooManyBytes { limit: 40 })
        );
    }

    #[test]
    fn arrived_shows_the_unfinished_reply() {
        let mut rd = ftp();
        assert_eq!(rd.arrived(), Arrived::Nothing);
        rd.feed(b"220-vsftpd\r\n").unwrap();
        assert_eq!(
            rd.arrived(),
            Arrived::Lines {
                complete: 1,
                last: "220-vsftpd".into(),
                unfinished: false
            }
        );
        rd.feed(b"still \x1b[1m").unwrap();
        assert!(
            matches!(rd.arrived(), Arrived::Lines { last, unfinished: true, .. } if last == "still ?[1m")
        );
    }
}
