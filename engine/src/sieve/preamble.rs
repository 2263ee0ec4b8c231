//! The ManageSieve conversation before TLS (RFC 5804 sections 1.7, 2.2):
//! the capability greeting, then `STARTTLS`.

use bytes::{BufMut, BytesMut};

use super::error::SieveError;
use crate::config::{Config, Limits};
use crate::error::{Arrived, ProbeError};
use crate::lines::LineReader;
use crate::phase::Phase;
use crate::preamble::Step;
use crate::text::printable;

/// The goodbye sent inside TLS. The server first re-sends its
/// capabilities (RFC 5804 section 2.2), so the goodbye is answered by the
/// second final response.
pub(crate) const LOGOUT: &[u8] = b"LOGOUT\r\n";

/// How a ManageSieve line reads.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    /// A final response: `OK`, `NO` or `BYE` (case-insensitive), then text.
    Final {
        /// True for `OK`.
        ok: bool,
    },
    /// A capability line; its name, upper-cased, when it is a quoted string.
    Capability(Option<String>),
}

fn classify(line: &[u8]) -> Option<Line> {
    let word = line.split(|&b| b == b' ').next().unwrap_or(line);
    if word.eq_ignore_ascii_case(b"OK") {
        return Some(Line::Final { ok: true });
    }
    if word.eq_ignore_ascii_case(b"NO") || word.eq_ignore_ascii_case(b"BYE") {
        return Some(Line::Final { ok: false });
    }
    if let Some(rest) = line.strip_prefix(b"\"") {
        let end = rest.iter().position(|&b| b == b'"')?;
        return Some(Line::Capability(Some(
            printable(&rest[..end], 80).to_ascii_uppercase(),
        )));
    }
    // A literal capability name (`{n}` marker left by the framer).
    line.starts_with(b"{").then_some(Line::Capability(None))
}

/// True for a line that ends a ManageSieve response.
pub(crate) fn is_final(line: &[u8]) -> bool {
    matches!(classify(line), Some(Line::Final { .. }))
}

/// Walks the capability greeting → `STARTTLS`.
#[derive(Debug)]
pub(crate) struct SievePreamble {
    limits: Limits,
    phase: Phase,
    reader: LineReader,
    lines: usize,
    greeting: Option<String>,
    capabilities: Vec<String>,
}

impl SievePreamble {
    /// A preamble bounded by `config`'s limits; the server speaks first.
    pub(crate) fn new(config: &Config) -> Self {
        SievePreamble {
            limits: config.limits(),
            phase: Phase::Greeting,
            reader: LineReader::with_literals(config.limits()),
            lines: 0,
            greeting: None,
            capabilities: Vec::new(),
        }
    }

    pub(crate) fn phase(&self) -> Phase {
        self.phase
    }

    pub(crate) fn buffered(&self) -> usize {
        self.reader.buffered()
    }

    pub(crate) fn arrived(&self) -> Arrived {
        self.reader.arrived()
    }

    pub(crate) fn greeting(&self) -> Option<&str> {
        self.greeting.as_deref()
    }

    pub(crate) fn capabilities(&self) -> &[String] {
        &self.capabilities
    }

    /// Feeds bytes from the server; commands to send go to `out`.
    pub(crate) fn receive(&mut self, data: &[u8], out: &mut BytesMut) -> Result<Step, ProbeError> {
        let mut pos = 0;
        while pos < data.len() {
            let fed = self.reader.feed(&data[pos..]).map_err(|error| {
                ProbeError::Sieve(SieveError::Line {
                    phase: self.phase,
                    error,
                })
            })?;
            let Some((line, used)) = fed else {
                return Ok(Step::NeedMore);
            };
            pos += used;
            if self.on_line(&line, out).map_err(ProbeError::Sieve)? {
                return Ok(Step::StartTls {
                    leftover: data.len() - pos,
                });
            }
        }
        Ok(Step::NeedMore)
    }

    fn on_line(&mut self, line: &[u8], out: &mut BytesMut) -> Result<bool, SieveError> {
        let phase = self.phase;
        let Some(kind) = classify(line) else {
            return Err(SieveError::NotSieve {
                phase,
                excerpt: printable(line, 80),
                looks_like: crate::guess::looks_like(line),
            });
        };
        self.lines += 1;
        if self.lines > self.limits.reply_lines {
            return Err(SieveError::TooManyLines {
                phase,
                limit: self.limits.reply_lines,
            });
        }
        match (phase, kind) {
            (Phase::Greeting, Line::Capability(name)) => {
                self.capabilities.extend(name);
                Ok(false)
            }
            (_, Line::Final { ok: false }) => Err(SieveError::Refused {
                phase,
                response: printable(line, 200),
            }),
            (Phase::Greeting, Line::Final { ok: true }) => {
                self.greeting = Some(printable(line.get(3..).unwrap_or_default(), 200));
                if !self.capabilities.iter().any(|c| c == "STARTTLS") {
                    return Err(SieveError::StartTlsNotAdvertised {
                        capabilities: std::mem::take(&mut self.capabilities),
                    });
                }
                out.put_slice(b"STARTTLS\r\n");
                self.phase = Phase::StartTls;
                self.lines = 0;
                Ok(false)
            }
            (_, Line::Final { ok: true }) => Ok(true),
            // Lines before the final response to STARTTLS: not expected,
            // bounded, ignored.
            (_, Line::Capability(_)) => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Protocol;

    /// Dovecot Pigeonhole 0.5 (Debian 12) as `openssl s_client -starttls
    /// sieve` shows it.
    pub(crate) const DOVECOT: &[u8] = b"\"IMPLEMENTATION\" \"Dovecot Pigeonhole\"\r\n\"SIEVE\" \"fileinto reject envelope encoded-character vacation subaddress comparator-i;ascii-numeric relational regex imap4flags copy include variables body enotify environment mailbox date index ihave duplicate mime foreverypart extracttext\"\r\n\"NOTIFY\" \"mailto\"\r\n\"SASL\" \"\"\r\n\"STARTTLS\"\r\n\"VERSION\" \"1.0\"\r\nOK \"Dovecot (Debian) ready.\"\r\n";

    fn run(server: &[&[u8]], piece: usize) -> (Result<Step, ProbeError>, Vec<u8>, SievePreamble) {
        let mut p = SievePreamble::new(&Config::new(Protocol::Sieve));
        let mut out = BytesMut::new();
        let mut last = Ok(Step::NeedMore);
        for part in server {
            for chunk in part.chunks(piece.max(1)) {
                last = p.receive(chunk, &mut out);
                if !matches!(last, Ok(Step::NeedMore)) {
                    return (last, out.to_vec(), p);
                }
            }
        }
        (last, out.to_vec(), p)
    }

    #[test]
    fn capability_greeting_then_starttls_in_any_pieces() {
        for piece in [1, 9, 4096] {
            let (step, sent, p) = run(&[DOVECOT, b"OK \"Begin TLS negotiation now.\"\r\n"], piece);
            assert_eq!(step, Ok(Step::StartTls { leftover: 0 }));
            assert_eq!(sent, b"STARTTLS\r\n");
            assert_eq!(p.greeting(), Some("\"Dovecot (Debian) ready.\""));
            assert_eq!(
                p.capabilities(),
                [
                    "IMPLEMENTATION",
                    "SIEVE",
                    "NOTIFY",
                    "SASL",
                    "STARTTLS",
                    "VERSION"
                ]
            );
        }
    }

    #[test]
    fn refusals_missing_starttls_and_other_protocols_are_reported() {
        let cases: [(&[&[u8]], &str); 4] = [
            (
                &[b"\"SIEVE\" \"fileinto\"\r\nOK ready\r\n"],
                "does not offer STARTTLS (it offers: SIEVE)",
            ),
            (
                &[DOVECOT, b"NO \"TLS not configured\"\r\n"],
                "refused STARTTLS: NO \"TLS not configured\"",
            ),
            (
                &[b"BYE \"Too many connections\"\r\n"],
                "refused the connection: BYE",
            ),
            (&[b"* OK [CAPABILITY IMAP4rev1] hi\r\n"], "looks like IMAP"),
        ];
        for (server, expected) in cases {
            let err = run(server, 1000).0.unwrap_err().to_string();
            assert!(err.contains(expected), "{err:?} lacks {expected:?}");
        }
    }

    #[test]
    fn bytes_after_the_agreement_are_leftover_and_final_lines_are_told() {
        let (step, _, _) = run(&[DOVECOT, b"OK go\r\nOK x\r\n"], 1000);
        assert_eq!(step, Ok(Step::StartTls { leftover: 6 }));
        assert!(is_final(b"OK \"Logout completed.\""));
        assert!(is_final(b"bye"));
        assert!(!is_final(b"\"STARTTLS\""));
    }
}
