//! The POP3 conversation before TLS: greeting, `CAPA` (RFC 2449), `STLS`
//! (RFC 2595 section 4).

use bytes::{BufMut, BytesMut};

use super::error::Pop3Error;
use super::reply::Pop3Reply;
use crate::config::{Config, Limits};
use crate::error::{Arrived, ProbeError};
use crate::lines::LineReader;
use crate::phase::Phase;
use crate::preamble::Step;
use crate::text::printable;

/// The goodbye sent inside TLS; any status line answers it.
pub(crate) const QUIT: &[u8] = b"QUIT\r\n";

/// Walks greeting → `CAPA` → `STLS`. A server without `CAPA` (`-ERR`) gets
/// `STLS` anyway: RFC 2595 predates RFC 2449, and its answer decides.
#[derive(Debug)]
pub(crate) struct Pop3Preamble {
    limits: Limits,
    phase: Phase,
    reader: LineReader,
    /// True inside the multi-line `CAPA` list (after its `+OK`).
    in_list: bool,
    greeting: Option<String>,
    capabilities: Vec<String>,
}

impl Pop3Preamble {
    /// A preamble bounded by `config`'s limits; the client waits for the
    /// greeting.
    pub(crate) fn new(config: &Config) -> Self {
        Pop3Preamble {
            limits: config.limits(),
            phase: Phase::Greeting,
            reader: LineReader::new(config.limits()),
            in_list: false,
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
                ProbeError::Pop3(Pop3Error::Line {
                    phase: self.phase,
                    error,
                })
            })?;
            let Some((line, used)) = fed else {
                return Ok(Step::NeedMore);
            };
            pos += used;
            if self.on_line(&line, out).map_err(ProbeError::Pop3)? {
                return Ok(Step::StartTls {
                    leftover: data.len() - pos,
                });
            }
        }
        Ok(Step::NeedMore)
    }

    /// Acts on one line; true when the server agreed to STLS.
    fn on_line(&mut self, line: &[u8], out: &mut BytesMut) -> Result<bool, Pop3Error> {
        if self.in_list {
            return self.on_capability(line, out);
        }
        let phase = self.phase;
        let reply = Pop3Reply::parse(line).map_err(|e| Pop3Error::NotPop3 {
            phase,
            excerpt: e.excerpt,
            looks_like: crate::guess::looks_like(line),
        })?;
        match (phase, reply.ok) {
            (Phase::Greeting, true) => {
                self.greeting = Some(printable(reply.text.as_bytes(), 200));
                self.send(out, b"CAPA\r\n", Phase::Capabilities);
                Ok(false)
            }
            (Phase::Capabilities, true) => {
                self.in_list = true;
                Ok(false)
            }
            // No CAPA (RFC 1939-only server): try STLS, its answer decides.
            (Phase::Capabilities, false) => {
                self.send(out, b"STLS\r\n", Phase::StartTls);
                Ok(false)
            }
            (_, true) => Ok(true),
            (_, false) => Err(Pop3Error::Refused {
                phase,
                reply: reply.to_string(),
            }),
        }
    }

    /// One line of the `CAPA` list (RFC 2449 section 5): a keyword and
    /// arguments, ended by a line holding only `.`.
    fn on_capability(&mut self, line: &[u8], out: &mut BytesMut) -> Result<bool, Pop3Error> {
        if line == b"." {
            self.in_list = false;
            if !self.capabilities.iter().any(|c| c == "STLS") {
                return Err(Pop3Error::StartTlsNotAdvertised {
                    capabilities: std::mem::take(&mut self.capabilities),
                });
            }
            self.send(out, b"STLS\r\n", Phase::StartTls);
            return Ok(false);
        }
        if self.capabilities.len() >= self.limits.reply_lines {
            return Err(Pop3Error::TooManyLines {
                limit: self.limits.reply_lines,
            });
        }
        let keyword = line.split(|&b| b == b' ').next().unwrap_or(line);
        self.capabilities
            .push(printable(keyword, 80).to_ascii_uppercase());
        Ok(false)
    }

    fn send(&mut self, out: &mut BytesMut, command: &[u8], next: Phase) {
        out.put_slice(command);
        self.phase = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Protocol;
    use crate::pop3::Pop3Error;

    /// Dovecot 2.3 (Debian 12) as `openssl s_client -starttls pop3` and a
    /// `CAPA` by hand show it.
    const GREETING: &[u8] = b"+OK Dovecot (Debian) ready.\r\n";
    const CAPA: &[u8] = b"+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\nUSER\r\nSASL PLAIN\r\n.\r\n";
    const STLS_OK: &[u8] = b"+OK Begin TLS negotiation now.\r\n";

    fn run(server: &[&[u8]], piece: usize) -> (Result<Step, ProbeError>, Vec<u8>, Pop3Preamble) {
        let mut p = Pop3Preamble::new(&Config::new(Protocol::Pop3));
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
    fn greeting_capa_stls_in_any_pieces() {
        for piece in [1, 5, 1000] {
            let (step, sent, p) = run(&[GREETING, CAPA, STLS_OK], piece);
            assert_eq!(step, Ok(Step::StartTls { leftover: 0 }));
            assert_eq!(sent, b"CAPA\r\nSTLS\r\n");
            assert_eq!(p.greeting(), Some("Dovecot (Debian) ready."));
            assert!(p.capabilities().contains(&"SASL".to_owned()));
        }
    }

    #[test]
    fn a_server_without_capa_gets_stls_anyway() {
        let (step, sent, _) = run(&[GREETING, b"-ERR Unknown command.\r\n", STLS_OK], 1000);
        assert_eq!(step, Ok(Step::StartTls { leftover: 0 }));
        assert_eq!(sent, b"CAPA\r\nSTLS\r\n");
    }

    #[test]
    fn refusals_and_missing_stls_are_reported() {
        let cases: [(&[&[u8]], &str); 3] = [
            (
                &[b"-ERR [SYS/TEMP] busy\r\n"],
                "POP3 server greeted with an error: -ERR [SYS/TEMP] busy",
            ),
            (
                &[GREETING, b"+OK\r\nUSER\r\nTOP\r\n.\r\n"],
                "does not offer STLS (it offers: USER, TOP)",
            ),
            (
                &[GREETING, CAPA, b"-ERR TLS unavailable\r\n"],
                "refused STLS: -ERR TLS unavailable",
            ),
        ];
        for (server, expected) in cases {
            let err = run(server, 1000).0.unwrap_err().to_string();
            assert!(err.contains(expected), "{err:?} lacks {expected:?}");
        }
    }

    #[test]
    fn other_protocols_get_a_hint() {
        let err = run(&[b"* OK [CAPABILITY IMAP4rev1] ready\r\n"], 1000)
            .0
            .unwrap_err();
        assert!(matches!(err, ProbeError::Pop3(Pop3Error::NotPop3 { .. })));
        assert!(err.to_string().contains("looks like IMAP"), "{err}");
    }

    #[test]
    fn bytes_after_the_agreement_are_leftover_and_lists_are_bounded() {
        let (step, _, _) = run(&[GREETING, CAPA, b"+OK go\r\n+OK injected\r\n"], 1000);
        assert_eq!(step, Ok(Step::StartTls { leftover: 14 }));
        let long: Vec<u8> = [
            &b"+OK\r\n"[..],
            &b"X\r\n".repeat(Limits::default().reply_lines + 1),
        ]
        .concat();
        let err = run(&[GREETING, &long], 1000).0.unwrap_err();
        assert!(matches!(
            err,
            ProbeError::Pop3(Pop3Error::TooManyLines { .. })
        ));
    }
}
