//! The SMTP/LMTP conversation before TLS: greeting, EHLO/LHLO, STARTTLS.

use bytes::{BufMut, BytesMut};

use super::error::SmtpError;
use super::reply::{Reply, ReplyReader};
use crate::config::{Config, Protocol};
use crate::error::{Arrived, ProbeError};
use crate::phase::Phase;
use crate::preamble::Step;

/// Walks greeting → EHLO/LHLO → STARTTLS, reading each reply whole before
/// sending the next command (no pipelining: postscreen drops clients that
/// speak early).
#[derive(Debug)]
pub(crate) struct SmtpPreamble {
    protocol: Protocol,
    hello_name: String,
    phase: Phase,
    reader: ReplyReader,
    greeting: Option<String>,
    /// The protocol the whole greeting looks like, for a hint when a later
    /// reply is refused (an FTP server answering EHLO).
    greeting_looks_like: Option<&'static str>,
    capabilities: Vec<String>,
}

impl SmtpPreamble {
    /// A preamble for SMTP or LMTP per `config`.
    pub(crate) fn new(config: &Config) -> Self {
        SmtpPreamble {
            protocol: config.protocol(),
            hello_name: config.hello_name().to_owned(),
            phase: Phase::Greeting,
            reader: ReplyReader::new(config.limits()),
            greeting: None,
            greeting_looks_like: None,
            capabilities: Vec::new(),
        }
    }

    pub(crate) fn phase(&self) -> Phase {
        self.phase
    }

    pub(crate) fn buffered(&self) -> usize {
        self.reader.buffered()
    }

    /// What has arrived of the reply the preamble waits for.
    pub(crate) fn arrived(&self) -> Arrived {
        self.reader.arrived()
    }

    pub(crate) fn greeting(&self) -> Option<&str> {
        self.greeting.as_deref()
    }

    pub(crate) fn capabilities(&self) -> &[String] {
        &self.capabilities
    }

    /// A reader for the server's reply to the goodbye, with the same limits
    /// as every other reply (the preamble's reader is idle once STARTTLS was
    /// answered).
    pub(crate) fn goodbye_reader(&self) -> ReplyReader {
        self.reader.clone()
    }

    /// The goodbye sent inside TLS once the handshake is done.
    pub(crate) fn goodbye(&self) -> &'static [u8] {
        b"QUIT\r\n"
    }

    /// Feeds bytes from the server; commands to send go to `out`.
    pub(crate) fn receive(&mut self, data: &[u8], out: &mut BytesMut) -> Result<Step, ProbeError> {
        let mut pos = 0;
        while pos < data.len() {
            let fed = self.reader.feed(&data[pos..]).map_err(|error| {
                // Bytes that are no reply at all: another protocol's
                // greeting, guessed from the raw bytes.
                let looks_like = match self.phase {
                    Phase::Greeting => crate::guess::looks_like(&data[pos..]),
                    _ => None,
                };
                ProbeError::Smtp(SmtpError::BadReply {
                    protocol: self.protocol,
                    phase: self.phase,
                    error,
                    looks_like,
                })
            })?;
            let Some((reply, used)) = fed else {
                return Ok(Step::NeedMore);
            };
            pos += used;
            if self.on_reply(reply, out)? {
                return Ok(Step::StartTls {
                    leftover: data.len() - pos,
                });
            }
        }
        Ok(Step::NeedMore)
    }

    /// Acts on one complete reply; true when the server agreed to STARTTLS.
    fn on_reply(&mut self, reply: Reply, out: &mut BytesMut) -> Result<bool, ProbeError> {
        let expected = match self.phase {
            Phase::Greeting | Phase::StartTls => 220,
            _ => 250,
        };
        if reply.code != expected {
            // Another protocol's server: its greeting tells which, or the
            // refused greeting itself.
            let looks_like = match self.phase {
                Phase::Greeting => crate::guess::looks_like(reply.to_string().as_bytes()),
                _ => self.greeting_looks_like,
            };
            return Err(ProbeError::Smtp(SmtpError::Rejected {
                protocol: self.protocol,
                phase: self.phase,
                reply,
                looks_like,
            }));
        }
        match self.phase {
            Phase::Greeting => {
                self.greeting = Some(reply.first_line().to_owned());
                self.greeting_looks_like = crate::guess::looks_like(reply.to_string().as_bytes());
                let verb: &[u8] = if self.protocol == Protocol::Lmtp {
                    b"LHLO "
                } else {
                    b"EHLO "
                };
                out.put_slice(verb);
                out.put_slice(self.hello_name.as_bytes());
                out.put_slice(b"\r\n");
                self.phase = Phase::Hello;
                Ok(false)
            }
            Phase::Hello => {
                // The first line is the server's name; extensions follow.
                self.capabilities = reply
                    .lines
                    .iter()
                    .skip(1)
                    .filter_map(|l| l.split_whitespace().next())
                    .map(str::to_ascii_uppercase)
                    .collect();
                if !self.capabilities.iter().any(|c| c == "STARTTLS") {
                    return Err(ProbeError::Smtp(SmtpError::StartTlsNotAdvertised {
                        protocol: self.protocol,
                        capabilities: std::mem::take(&mut self.capabilities),
                    }));
                }
                out.put_slice(b"STARTTLS\r\n");
                self.phase = Phase::StartTls;
                Ok(false)
            }
            _ => Ok(true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::ReplyError;

    const GREETING: &[u8] = b"220 mx.example.com ESMTP Postfix\r\n";
    const EHLO_OK: &[u8] = b"250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250 8BITMIME\r\n";
    const STARTTLS_OK: &[u8] = b"220 2.0.0 Ready to start TLS\r\n";

    fn preamble(protocol: Protocol) -> SmtpPreamble {
        let config = Config::new(protocol)
            .with_hello_name("probe.example.net")
            .unwrap();
        SmtpPreamble::new(&config)
    }

    /// Runs a whole server transcript through, in pieces of `piece` bytes,
    /// collecting what the client sent.
    fn run(
        p: &mut SmtpPreamble,
        server: &[&[u8]],
        piece: usize,
    ) -> (Result<Step, ProbeError>, Vec<u8>) {
        let mut out = BytesMut::new();
        let mut last = Ok(Step::NeedMore);
        for reply in server {
            for chunk in reply.chunks(piece.max(1)) {
                last = p.receive(chunk, &mut out);
                if !matches!(last, Ok(Step::NeedMore)) {
                    return (last, out.to_vec());
                }
            }
        }
        (last, out.to_vec())
    }

    #[test]
    fn smtp_happy_path_sends_ehlo_then_starttls() {
        let mut p = preamble(Protocol::Smtp);
        let (step, sent) = run(&mut p, &[GREETING, EHLO_OK, STARTTLS_OK], 1000);
        assert_eq!(step, Ok(Step::StartTls { leftover: 0 }));
        assert_eq!(sent, b"EHLO probe.example.net\r\nSTARTTLS\r\n");
        assert_eq!(p.greeting(), Some("mx.example.com ESMTP Postfix"));
        assert_eq!(
            p.capabilities(),
            ["PIPELINING", "SIZE", "STARTTLS", "8BITMIME"]
        );
    }

    #[test]
    fn lmtp_says_lhlo() {
        let mut p = preamble(Protocol::Lmtp);
        let (step, sent) = run(
            &mut p,
            &[
                b"220 lmtp.example.com Dovecot ready.\r\n",
                EHLO_OK,
                STARTTLS_OK,
            ],
            7,
        );
        assert_eq!(step, Ok(Step::StartTls { leftover: 0 }));
        assert_eq!(sent, b"LHLO probe.example.net\r\nSTARTTLS\r\n");
    }

    #[test]
    fn split_at_every_byte_boundary_gives_the_same_outcome() {
        let whole: Vec<u8> = [GREETING, EHLO_OK, STARTTLS_OK].concat();
        for cut in 0..whole.len() {
            let mut p = preamble(Protocol::Smtp);
            let (step, sent) = run(&mut p, &[&whole[..cut], &whole[cut..]], usize::MAX);
            assert_eq!(step, Ok(Step::StartTls { leftover: 0 }), "cut {cut}");
            assert_eq!(sent, b"EHLO probe.example.net\r\nSTARTTLS\r\n", "cut {cut}");
        }
    }

    #[test]
    fn nothing_is_sent_before_a_multi_line_greeting_ends() {
        let mut p = preamble(Protocol::Smtp);
        let mut out = BytesMut::new();
        assert_eq!(
            p.receive(b"220-mx.example.com ESMTP postscreen\r\n", &mut out),
            Ok(Step::NeedMore)
        );
        assert!(out.is_empty(), "spoke before the greeting ended");
        assert_eq!(
            p.receive(b"220-still greeting\r\n220 mx", &mut out),
            Ok(Step::NeedMore)
        );
        assert!(out.is_empty());
        assert_eq!(
            p.receive(b".example.com ESMTP\r\n", &mut out),
            Ok(Step::NeedMore)
        );
        assert_eq!(&out[..], b"EHLO probe.example.net\r\n");
        assert_eq!(p.phase(), Phase::Hello);
    }

    #[test]
    fn greeting_other_than_220_is_rejected_with_code_and_text() {
        for (bytes, code) in [
            (&b"421 4.3.2 Service shutting down\r\n"[..], 421),
            (b"554 5.7.1 You are not welcome\r\n", 554),
        ] {
            let mut p = preamble(Protocol::Smtp);
            let (step, sent) = run(&mut p, &[bytes], 1000);
            let err = step.unwrap_err();
            assert!(
                matches!(&err, ProbeError::Smtp(SmtpError::Rejected { phase: Phase::Greeting, reply, .. }) if reply.code == code)
            );
            assert!(err.to_string().contains(&code.to_string()));
            assert!(sent.is_empty());
        }
    }

    #[test]
    fn ehlo_rejection_is_reported() {
        let mut p = preamble(Protocol::Smtp);
        let (step, _) = run(&mut p, &[GREETING, b"550 5.7.1 Go away\r\n"], 1000);
        let err = step.unwrap_err();
        assert_eq!(
            err.to_string(),
            "SMTP server rejected EHLO: 550 5.7.1 Go away"
        );
    }

    #[test]
    fn missing_starttls_lists_what_the_server_offers() {
        let mut p = preamble(Protocol::Smtp);
        let (step, sent) = run(
            &mut p,
            &[GREETING, b"250-mx\r\n250-PIPELINING\r\n250 SIZE 100\r\n"],
            1000,
        );
        let err = step.unwrap_err();
        assert_eq!(
            err.to_string(),
            "SMTP server does not offer STARTTLS (it offers: PIPELINING, SIZE)"
        );
        assert_eq!(sent, b"EHLO probe.example.net\r\n", "no STARTTLS sent");
        let mut p = preamble(Protocol::Smtp);
        let (step, _) = run(&mut p, &[GREETING, b"250 mx.example.com\r\n"], 1000);
        assert!(step
            .unwrap_err()
            .to_string()
            .contains("listed no extensions"));
    }

    #[test]
    fn starttls_refusals_are_reported_with_the_code() {
        for refusal in [
            &b"454 4.7.0 TLS not available due to local problem\r\n"[..],
            b"502 5.5.1 Command not implemented\r\n",
            b"554 5.7.0 No TLS for you\r\n",
        ] {
            let mut p = preamble(Protocol::Smtp);
            let (step, _) = run(&mut p, &[GREETING, EHLO_OK, refusal], 1000);
            let err = step.unwrap_err();
            assert!(matches!(
                err,
                ProbeError::Smtp(SmtpError::Rejected {
                    phase: Phase::StartTls,
                    ..
                })
            ));
            assert!(err
                .to_string()
                .starts_with("SMTP server refused STARTTLS: "));
        }
    }

    #[test]
    fn bytes_after_the_starttls_reply_are_counted_as_leftover() {
        let mut p = preamble(Protocol::Smtp);
        let mut out = BytesMut::new();
        p.receive(GREETING, &mut out).unwrap();
        p.receive(EHLO_OK, &mut out).unwrap();
        let step = p
            .receive(b"220 go ahead\r\n250 injected\r\n", &mut out)
            .unwrap();
        assert_eq!(step, Step::StartTls { leftover: 14 });
    }

    #[test]
    fn malformed_replies_name_the_phase() {
        let mut p = preamble(Protocol::Smtp);
        let (step, _) = run(&mut p, &[GREETING, b"250-a\r\n220 b\r\n"], 1000);
        let err = step.unwrap_err();
        assert_eq!(
            err,
            ProbeError::Smtp(SmtpError::BadReply {
                protocol: Protocol::Smtp,
                phase: Phase::Hello,
                error: ReplyError::MixedCodes {
                    first: 250,
                    then: 220
                },
                looks_like: None,
            })
        );
        let mut p = preamble(Protocol::Smtp);
        let (step, _) = run(&mut p, &[b"SSH-2.0-OpenSSH_9.2\r\n"], 1000);
        assert!(step
            .unwrap_err()
            .to_string()
            .contains("not an SMTP reply line: \"SSH-2.0-OpenSSH_9.2\""));
    }
}
