//! The IMAP conversation before TLS (RFC 9051 section 6.2.1, RFC 2595):
//! greeting, `CAPABILITY` when the greeting did not list them, `STARTTLS`.

use bytes::{BufMut, BytesMut};

use super::error::ImapError;
use super::response::{Response, Status, Tag};
use crate::config::{Config, Limits};
use crate::error::{Arrived, ProbeError};
use crate::lines::LineReader;
use crate::phase::Phase;
use crate::preamble::Step;
use crate::text::printable;

/// The tags of our commands: fixed, so transcripts are reproducible.
const CAPABILITY_TAG: &str = "a1";
const STARTTLS_TAG: &str = "a2";
const LOGOUT_TAG: &str = "a3";

/// The goodbye sent inside TLS; its tagged completion is the answer.
pub(crate) const LOGOUT: &[u8] = b"a3 LOGOUT\r\n";

/// Walks greeting → (CAPABILITY) → STARTTLS, reading each response whole
/// before sending the next command.
#[derive(Debug)]
pub(crate) struct ImapPreamble {
    limits: Limits,
    phase: Phase,
    reader: LineReader,
    /// Lines read in the current phase (bounded by `reply_lines`).
    lines: usize,
    greeting: Option<String>,
    capabilities: Vec<String>,
}

impl ImapPreamble {
    /// A preamble bounded by `config`'s limits; the client waits for the
    /// greeting.
    pub(crate) fn new(config: &Config) -> Self {
        ImapPreamble {
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
                ProbeError::Imap(ImapError::Line {
                    phase: self.phase,
                    error,
                })
            })?;
            let Some((line, used)) = fed else {
                return Ok(Step::NeedMore);
            };
            pos += used;
            if self.on_line(&line, out).map_err(ProbeError::Imap)? {
                return Ok(Step::StartTls {
                    leftover: data.len() - pos,
                });
            }
        }
        Ok(Step::NeedMore)
    }

    /// Acts on one line; true when the server agreed to STARTTLS.
    fn on_line(&mut self, line: &[u8], out: &mut BytesMut) -> Result<bool, ImapError> {
        let phase = self.phase;
        let response = Response::parse(line).map_err(|e| ImapError::NotImap {
            phase,
            excerpt: e.excerpt,
            looks_like: crate::guess::looks_like(line),
        })?;
        let text = || printable(response.human_text().as_bytes(), 200);
        self.lines += 1;
        if phase == Phase::Greeting {
            if response.tag != Tag::Untagged {
                return Err(not_a_greeting(line, &response));
            }
            return match response.status() {
                Some(Status::Ok) => {
                    self.greeting = Some(text());
                    match response.capabilities() {
                        Some(caps) => {
                            self.capabilities = caps;
                            self.send_starttls(out)?;
                        }
                        None => self.send(out, CAPABILITY_TAG, "CAPABILITY", Phase::Capabilities),
                    }
                    Ok(false)
                }
                Some(Status::Bye) => Err(ImapError::GreetingBye { text: text() }),
                Some(Status::Preauth) => Err(ImapError::Preauth { text: text() }),
                _ => Err(not_a_greeting(line, &response)),
            };
        }
        let awaited = if phase == Phase::Capabilities {
            CAPABILITY_TAG
        } else {
            STARTTLS_TAG
        };
        match &response.tag {
            Tag::Untagged if response.status() == Some(Status::Bye) => Err(ImapError::Bye {
                phase,
                text: text(),
            }),
            Tag::Untagged => {
                if let Some(caps) = response.capabilities() {
                    self.capabilities.extend(caps);
                }
                if self.lines > self.limits.reply_lines {
                    return Err(ImapError::TooManyLines {
                        phase,
                        limit: self.limits.reply_lines,
                    });
                }
                Ok(false)
            }
            Tag::Tagged(tag) if tag == awaited => match response.status() {
                Some(Status::Ok) if phase == Phase::Capabilities => {
                    self.send_starttls(out)?;
                    Ok(false)
                }
                Some(Status::Ok) => Ok(true),
                Some(Status::No | Status::Bad) => Err(ImapError::Refused {
                    phase,
                    response: response.to_string(),
                }),
                _ => Err(ImapError::Unexpected {
                    phase,
                    response: response.to_string(),
                }),
            },
            _ => Err(ImapError::Unexpected {
                phase,
                response: response.to_string(),
            }),
        }
    }

    fn send_starttls(&mut self, out: &mut BytesMut) -> Result<(), ImapError> {
        if !self.capabilities.iter().any(|c| c == "STARTTLS") {
            return Err(ImapError::StartTlsNotAdvertised {
                capabilities: std::mem::take(&mut self.capabilities),
            });
        }
        self.send(out, STARTTLS_TAG, "STARTTLS", Phase::StartTls);
        Ok(())
    }

    fn send(&mut self, out: &mut BytesMut, tag: &str, command: &str, next: Phase) {
        out.put_slice(tag.as_bytes());
        out.put_u8(b' ');
        out.put_slice(command.as_bytes());
        out.put_slice(b"\r\n");
        self.phase = next;
        self.lines = 0;
    }
}

/// A first line that is IMAP-shaped but not a greeting: an SMTP `220` line
/// parses as a tag, so the guess still names the protocol.
fn not_a_greeting(line: &[u8], response: &Response) -> ImapError {
    match crate::guess::looks_like(line) {
        Some(proto) if proto != "IMAP" => ImapError::NotImap {
            phase: Phase::Greeting,
            excerpt: printable(line, 80),
            looks_like: Some(proto),
        },
        _ => ImapError::Unexpected {
            phase: Phase::Greeting,
            response: response.to_string(),
        },
    }
}

/// True for the line that completes the goodbye: our `LOGOUT`'s tagged
/// status (the `* BYE` before it is not enough, RFC 9051 section 6.1.3).
pub(crate) fn logout_done(line: &[u8]) -> bool {
    line.strip_prefix(LOGOUT_TAG.as_bytes())
        .is_some_and(|rest| rest.first() == Some(&b' '))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Protocol;

    /// Dovecot 2.3 (Debian 12) as `openssl s_client -starttls imap` shows it.
    const DOVECOT: &[u8] = b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED] Dovecot (Debian) ready.\r\n";

    fn run(server: &[&[u8]], piece: usize) -> (Result<Step, ProbeError>, Vec<u8>, ImapPreamble) {
        let mut p = ImapPreamble::new(&Config::new(Protocol::Imap));
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
    fn a_greeting_with_capabilities_goes_straight_to_starttls() {
        for piece in [1, 7, 1000] {
            let (step, sent, p) = run(&[DOVECOT, b"a2 OK Begin TLS negotiation now.\r\n"], piece);
            assert_eq!(step, Ok(Step::StartTls { leftover: 0 }));
            assert_eq!(sent, b"a2 STARTTLS\r\n");
            assert_eq!(p.greeting(), Some("Dovecot (Debian) ready."));
            assert!(p.capabilities().contains(&"LOGINDISABLED".to_owned()));
        }
    }

    #[test]
    fn a_bare_greeting_asks_for_capabilities_first() {
        let (step, sent, _) = run(
            &[
                b"* OK Courier-IMAP ready.\r\n",
                b"* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK done\r\n",
                b"* OK noise\r\na2 OK Begin SSL/TLS negotiation now.\r\n",
            ],
            1000,
        );
        assert_eq!(step, Ok(Step::StartTls { leftover: 0 }));
        assert_eq!(sent, b"a1 CAPABILITY\r\na2 STARTTLS\r\n");
    }

    #[test]
    fn refusals_are_typed_and_say_what_the_server_said() {
        let cases: [(&[&[u8]], &str); 6] = [
            (
                &[b"* BYE Too many connections\r\n"],
                "refused the connection in its greeting: * BYE Too many connections",
            ),
            (&[b"* PREAUTH welcome\r\n"], "greeted with PREAUTH"),
            (
                &[b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n"],
                "does not offer STARTTLS (it offers: IMAP4REV1, AUTH=PLAIN)",
            ),
            (
                &[DOVECOT, b"a2 NO [UNAVAILABLE] TLS down\r\n"],
                "refused STARTTLS: a2 NO [UNAVAILABLE] TLS down",
            ),
            (
                &[DOVECOT, b"a2 BAD Unknown command\r\n"],
                "refused STARTTLS: a2 BAD Unknown command",
            ),
            (
                &[b"* OK hi\r\n", b"a1 BAD no\r\n"],
                "refused the CAPABILITY command",
            ),
        ];
        for (server, expected) in cases {
            let (step, _, _) = run(server, 1000);
            let err = step.unwrap_err().to_string();
            assert!(err.contains(expected), "{err:?} lacks {expected:?}");
        }
    }

    #[test]
    fn other_protocols_get_a_hint() {
        for (greeting, proto) in [
            (&b"220 mail.example.com ESMTP Postfix\r\n"[..], "SMTP"),
            (b"+OK Dovecot ready.\r\n", "POP3"),
            (
                b"\"IMPLEMENTATION\" \"Dovecot Pigeonhole\"\r\n",
                "ManageSieve",
            ),
        ] {
            let (step, sent, _) = run(&[greeting], 1000);
            let err = step.unwrap_err().to_string();
            assert!(err.contains(&format!("looks like {proto}")), "{err}");
            assert!(sent.is_empty());
        }
    }

    #[test]
    fn bytes_after_the_agreement_are_leftover() {
        let (step, _, _) = run(&[DOVECOT, b"a2 OK go\r\n* OK injected\r\n"], 1000);
        assert_eq!(step, Ok(Step::StartTls { leftover: 15 }));
    }

    #[test]
    fn endless_untagged_lines_are_bounded() {
        let mut p = ImapPreamble::new(&Config::new(Protocol::Imap));
        let mut out = BytesMut::new();
        p.receive(DOVECOT, &mut out).unwrap();
        let mut result = Ok(Step::NeedMore);
        for _ in 0..=Limits::default().reply_lines {
            result = p.receive(b"* OK still here\r\n", &mut out);
            if result.is_err() {
                break;
            }
        }
        assert!(matches!(
            result,
            Err(ProbeError::Imap(ImapError::TooManyLines { .. }))
        ));
    }

    #[test]
    fn only_our_tagged_logout_ends_the_goodbye() {
        assert!(logout_done(b"a3 OK Logout completed."));
        assert!(!logout_done(b"* BYE Logging out"));
        assert!(!logout_done(b"a30 OK"));
    }
}
