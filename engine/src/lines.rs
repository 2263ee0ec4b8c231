//! Bounded framing of text-line protocols (IMAP, POP3, ManageSieve).
//!
//! Parsing is a function of the bytes received so far, as for SMTP replies:
//! [`LineReader::feed`] answers "need more" (`Ok(None)`) until a whole line
//! has arrived, then returns it with the number of bytes it used.
//!
//! IMAP (RFC 9051 section 4.3) and ManageSieve (RFC 5804 section 4) let a
//! line carry *literals*: a line ending in `{n}` (or `{n+}`) is followed by
//! exactly `n` octets and then the rest of the same line. With
//! [`LineReader::with_literals`] the reader follows them: a literal's
//! octets are counted against [`Limits::reply_bytes`] and skipped, never
//! stored, and the returned line holds the `{n}` marker in their place. A
//! hostile server therefore cannot make the probe hold more than one
//! line's bytes ([`Limits::reply_line`]), nor keep it reading one line
//! past [`Limits::reply_bytes`].

use std::fmt;

use crate::config::Limits;
use crate::error::Arrived;
use crate::text::printable;

/// Why bytes from the server cannot be a line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LineError {
    /// A line grew past the line limit without a line end.
    LineTooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// One response (a line with its literals) went on for more bytes than
    /// allowed, or announced a literal that would.
    TooManyBytes {
        /// The limit in bytes.
        limit: usize,
    },
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::LineTooLong { limit } => {
                write!(f, "line longer than {limit} bytes without a line end")
            }
            LineError::TooManyBytes { limit } => {
                write!(f, "response (literals included) longer than {limit} bytes")
            }
        }
    }
}

impl std::error::Error for LineError {}

/// Accumulates bytes into lines, one at a time.
#[derive(Clone, Debug)]
#[doc(hidden)]
pub struct LineReader {
    limits: Limits,
    literals: bool,
    /// The line so far (literal octets left out), without its line end.
    line: Vec<u8>,
    /// Octets of a literal still to skip.
    skipping: usize,
    /// Bytes of the current response taken so far, literals included.
    bytes: usize,
    /// Where the text after the last literal starts in `line`: only that
    /// text can announce the next literal.
    segment: usize,
}

impl LineReader {
    /// A reader of plain lines (POP3): `{n}` means nothing special.
    pub fn new(limits: Limits) -> Self {
        LineReader {
            limits,
            literals: false,
            line: Vec::new(),
            skipping: 0,
            bytes: 0,
            segment: 0,
        }
    }

    /// A reader that follows IMAP/ManageSieve literals.
    pub fn with_literals(limits: Limits) -> Self {
        LineReader {
            literals: true,
            ..LineReader::new(limits)
        }
    }

    /// Bytes held for a line still incomplete (for memory accounting).
    pub fn buffered(&self) -> usize {
        self.line.capacity()
    }

    /// True when no part of a line is waiting for more bytes.
    pub fn is_idle(&self) -> bool {
        self.bytes == 0
    }

    /// What has arrived of the line still incomplete, made printable.
    pub fn arrived(&self) -> Arrived {
        if self.bytes == 0 {
            return Arrived::Nothing;
        }
        let line = self.line.strip_suffix(b"\r").unwrap_or(&self.line);
        Arrived::Lines {
            complete: 0,
            last: printable(line, 80),
            unfinished: true,
        }
    }

    /// Consumes bytes from `data` until one line is complete.
    ///
    /// Returns `Ok(None)` when all of `data` was used and the line is still
    /// incomplete, or `Ok(Some((line, used)))` when a line ended after
    /// `used` bytes of `data` (the rest is the caller's). The line has no
    /// line end; lines may end in CRLF or a bare LF.
    pub fn feed(&mut self, data: &[u8]) -> Result<Option<(Vec<u8>, usize)>, LineError> {
        let mut pos = 0;
        while pos < data.len() {
            let rest = &data[pos..];
            if self.skipping > 0 {
                let n = self.skipping.min(rest.len());
                self.skipping -= n;
                self.count(n)?;
                pos += n;
                continue;
            }
            let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
                self.take(rest)?;
                return Ok(None);
            };
            self.take(&rest[..nl])?;
            self.count(1)?;
            pos += nl + 1;
            if self.line.last() == Some(&b'\r') {
                self.line.pop();
            }
            if let Some(size) = self.literal_size() {
                let room = self.limits.reply_bytes.saturating_sub(self.bytes);
                if size > room {
                    return Err(LineError::TooManyBytes {
                        limit: self.limits.reply_bytes,
                    });
                }
                // The marker stays; the octets are skipped.
                self.skipping = size;
                self.segment = self.line.len();
                continue;
            }
            self.bytes = 0;
            self.segment = 0;
            return Ok(Some((std::mem::take(&mut self.line), pos)));
        }
        Ok(None)
    }

    fn take(&mut self, bytes: &[u8]) -> Result<(), LineError> {
        if self.line.len() + bytes.len() > self.limits.reply_line {
            return Err(LineError::LineTooLong {
                limit: self.limits.reply_line,
            });
        }
        self.line.extend_from_slice(bytes);
        self.count(bytes.len())
    }

    fn count(&mut self, n: usize) -> Result<(), LineError> {
        self.bytes = self.bytes.saturating_add(n);
        if self.bytes > self.limits.reply_bytes {
            return Err(LineError::TooManyBytes {
                limit: self.limits.reply_bytes,
            });
        }
        Ok(())
    }

    /// The size of the literal the line so far announces, if it ends in
    /// `{n}` or `{n+}` and literals are followed. A size too large for a
    /// `usize` counts as `usize::MAX` (and so exceeds every bound).
    fn literal_size(&self) -> Option<usize> {
        if !self.literals {
            return None;
        }
        let inner = self.line.get(self.segment..)?.strip_suffix(b"}")?;
        let open = inner.iter().rposition(|&b| b == b'{')?;
        let digits = &inner[open + 1..];
        let digits = digits.strip_suffix(b"+").unwrap_or(digits);
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(digits.iter().fold(0usize, |acc, d| {
            acc.saturating_mul(10).saturating_add(usize::from(d - b'0'))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(reader: &mut LineReader, data: &[u8]) -> Result<Vec<Vec<u8>>, LineError> {
        let mut out = Vec::new();
        let mut rest = data;
        while let Some((line, used)) = reader.feed(rest)? {
            out.push(line);
            rest = &rest[used..];
        }
        Ok(out)
    }

    #[test]
    fn lines_end_in_crlf_or_lf_and_partial_lines_wait() {
        let mut r = LineReader::new(Limits::default());
        assert_eq!(
            lines(&mut r, b"+OK ready\r\n-ERR x\nparti").unwrap(),
            [b"+OK ready".to_vec(), b"-ERR x".to_vec()]
        );
        assert!(!r.is_idle());
        assert_eq!(lines(&mut r, b"al\r\n").unwrap(), [b"partial".to_vec()]);
        assert!(r.is_idle());
    }

    #[test]
    fn literals_are_skipped_and_counted_only_when_asked_for() {
        let data = b"* 1 FETCH (BODY {5}\r\na\r\nbc)\r\n* OK\r\n";
        let mut r = LineReader::with_literals(Limits::default());
        assert_eq!(
            lines(&mut r, data).unwrap(),
            [b"* 1 FETCH (BODY {5})".to_vec(), b"* OK".to_vec()]
        );
        let mut r = LineReader::new(Limits::default());
        assert_eq!(lines(&mut r, data).unwrap().len(), 4);
        // A marker already followed does not announce a second literal.
        let mut r = LineReader::with_literals(Limits::default());
        assert_eq!(
            lines(&mut r, b"A {3}\r\nabc\r\nB\r\n").unwrap(),
            [b"A {3}".to_vec(), b"B".to_vec()]
        );
    }

    /// Every line in `chunks`, fed one chunk after another.
    fn lines_of(reader: &mut LineReader, chunks: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for chunk in chunks {
            out.extend(lines(reader, chunk).unwrap());
        }
        out
    }

    #[test]
    fn splitting_at_every_byte_gives_the_same_lines() {
        let data = b"\"SIEVE\" {3+}\r\nx\ny\r\nOK done\r\n";
        let whole = lines_of(&mut LineReader::with_literals(Limits::default()), &[data]);
        assert_eq!(whole, [b"\"SIEVE\" {3+}".to_vec(), b"OK done".to_vec()]);
        for cut in 0..data.len() {
            let mut r = LineReader::with_literals(Limits::default());
            let got = lines_of(&mut r, &[&data[..cut], &data[cut..]]);
            assert_eq!(got, whole, "cut {cut}");
        }
    }

    #[test]
    fn huge_literals_and_long_lines_are_refused() {
        let limits = Limits::default();
        let mut r = LineReader::with_literals(limits);
        assert_eq!(
            r.feed(b"* OK {99999999999999999999999}\r\n"),
            Err(LineError::TooManyBytes {
                limit: limits.reply_bytes
            })
        );
        let mut r = LineReader::new(limits);
        let long = vec![b'a'; limits.reply_line + 1];
        assert_eq!(
            r.feed(&long),
            Err(LineError::LineTooLong {
                limit: limits.reply_line
            })
        );
        // Many literals in one response add up to the response bound.
        let mut r = LineReader::with_literals(limits);
        let chunk = format!("{{{}}}\r\n", limits.reply_bytes / 4);
        let mut result = Ok(None);
        for _ in 0..8 {
            result = r.feed(chunk.as_bytes());
            if result.is_err() {
                break;
            }
            let filler = vec![b'x'; limits.reply_bytes / 4];
            result = r.feed(&filler);
            if result.is_err() {
                break;
            }
        }
        assert!(matches!(result, Err(LineError::TooManyBytes { .. })));
    }
}
