//! The server side of one benchmark connection, without I/O: the shortest
//! SMTP or LDAP script a check needs, then TLS with a rustls
//! `ServerConnection`, then a clean close.
//!
//! SMTP: `220` greeting; `EHLO`/`LHLO` → `250-…` `250 STARTTLS`;
//! `STARTTLS` → `220`; TLS; `QUIT` → `221` and close_notify.
//! LDAP: the StartTLS extended request → extendedResp `success` with empty
//! matchedDN and diagnostic (`30 0c 02 01 01 78 07 0a 01 00 04 00 04 00`
//! for message id 1); TLS; unbind → close_notify.

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::{ServerConfig, ServerConnection};
use starttls_sim::ber;

/// The protocol a listener speaks before TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// SMTP (and LMTP: `LHLO` is answered like `EHLO`).
    Smtp,
    /// LDAP with the StartTLS extended operation.
    Ldap,
}

/// Longest plaintext we buffer without a complete line or message.
const PLAIN_LIMIT: usize = 4096;

const GREETING: &[u8] = b"220 bench.starttls.test ESMTP\r\n";
const EHLO_REPLY: &[u8] = b"250-bench.starttls.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n";
const STARTTLS_REPLY: &[u8] = b"220 2.0.0 Ready to start TLS\r\n";
const QUIT_REPLY: &[u8] = b"221 2.0.0 Bye\r\n";
const UNKNOWN_REPLY: &[u8] = b"502 5.5.2 Error: command not recognized\r\n";

/// extendedResp after the message id: resultCode success, empty
/// matchedDN, empty diagnosticMessage.
const LDAP_SUCCESS_OP: [u8; 9] = [0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00];

/// One connection's script and TLS state.
pub struct Dialogue {
    kind: Kind,
    config: Arc<ServerConfig>,
    /// Plaintext received and not yet acted on (before TLS, then inside it).
    plain: Vec<u8>,
    tls: Option<ServerConnection>,
    /// Bytes for the socket.
    out: Vec<u8>,
    /// Set when the connection should close once `out` is written.
    finished: bool,
}

impl Dialogue {
    /// A new connection; an SMTP greeting is queued at once.
    pub fn new(kind: Kind, config: Arc<ServerConfig>) -> Self {
        let mut out = Vec::new();
        if kind == Kind::Smtp {
            out.extend_from_slice(GREETING);
        }
        Dialogue {
            kind,
            config,
            plain: Vec::new(),
            tls: None,
            out,
            finished: false,
        }
    }

    /// Bytes waiting for the socket; the caller drains what it wrote.
    pub fn outgoing(&mut self) -> &mut Vec<u8> {
        &mut self.out
    }

    /// Whether the connection should close once [`Dialogue::outgoing`] is empty.
    pub fn finished(&self) -> bool {
        self.finished
    }

    /// Acts on bytes from the client.
    pub fn receive(&mut self, data: &[u8]) {
        if self.finished {
            return;
        }
        if self.tls.is_some() {
            self.receive_tls(data);
        } else {
            self.plain.extend_from_slice(data);
            self.plaintext();
        }
    }

    /// Runs the plaintext script over what is buffered.
    fn plaintext(&mut self) {
        while !self.finished && self.tls.is_none() {
            let consumed = match self.kind {
                Kind::Smtp => self.smtp_line(),
                Kind::Ldap => self.ldap_message(),
            };
            let Some(consumed) = consumed else {
                if self.plain.len() > PLAIN_LIMIT {
                    self.finished = true;
                }
                return;
            };
            self.plain.drain(..consumed);
            if self.tls.is_some() {
                // Anything after the STARTTLS request is already TLS.
                let rest = std::mem::take(&mut self.plain);
                self.receive_tls(&rest);
            }
        }
    }

    /// Answers one complete SMTP line; returns its length.
    fn smtp_line(&mut self) -> Option<usize> {
        let end = self.plain.iter().position(|&b| b == b'\n')? + 1;
        let verb = self.plain[..end.min(8)].to_ascii_uppercase();
        if verb.starts_with(b"EHLO") || verb.starts_with(b"LHLO") || verb.starts_with(b"HELO") {
            self.out.extend_from_slice(EHLO_REPLY);
        } else if verb.starts_with(b"STARTTLS") {
            self.out.extend_from_slice(STARTTLS_REPLY);
            self.start_tls();
        } else if verb.starts_with(b"QUIT") {
            self.out.extend_from_slice(QUIT_REPLY);
            self.finished = true;
        } else {
            self.out.extend_from_slice(UNKNOWN_REPLY);
        }
        Some(end)
    }

    /// Answers one complete LDAP message; returns its length.
    fn ldap_message(&mut self) -> Option<usize> {
        let total = match ber::header(&self.plain)? {
            Ok((header, len)) => header.saturating_add(len),
            Err(()) => usize::MAX,
        };
        if total > MAX_LDAP_MESSAGE {
            self.finished = true;
            return None;
        }
        let message = self.plain.get(..total)?;
        let Some((id, op)) = parse_ldap(message) else {
            self.finished = true;
            return None;
        };
        if op == 0x77 {
            let mut content = vec![0x02, id.len() as u8];
            content.extend_from_slice(&id);
            content.extend_from_slice(&LDAP_SUCCESS_OP);
            self.out.push(0x30);
            self.out.push(content.len() as u8);
            self.out.extend_from_slice(&content);
            self.start_tls();
        } else {
            self.finished = true;
        }
        Some(total)
    }

    fn start_tls(&mut self) {
        match ServerConnection::new(self.config.clone()) {
            Ok(conn) => self.tls = Some(conn),
            Err(_) => self.finished = true,
        }
    }

    /// Feeds TLS records, acts on the plaintext inside, queues records out.
    fn receive_tls(&mut self, mut data: &[u8]) {
        let Some(tls) = self.tls.as_mut() else {
            return;
        };
        let mut peer_closed = false;
        while !data.is_empty() && !self.finished {
            if tls.read_tls(&mut data).is_err() {
                self.finished = true;
                break;
            }
            match tls.process_new_packets() {
                Ok(state) => {
                    peer_closed |= state.peer_has_closed();
                    let want = state.plaintext_bytes_to_read();
                    if want > 0 {
                        let start = self.plain.len();
                        self.plain.resize(start + want, 0);
                        let got = tls.reader().read(&mut self.plain[start..]).unwrap_or(0);
                        self.plain.truncate(start + got);
                    }
                }
                // rustls queued an alert; send it and close.
                Err(_) => self.finished = true,
            }
        }
        let goodbye = match self.kind {
            Kind::Smtp => {
                let quit = self
                    .plain
                    .windows(4)
                    .any(|w| w.eq_ignore_ascii_case(b"QUIT"));
                if quit {
                    let _ = tls.writer().write_all(QUIT_REPLY);
                }
                quit
            }
            // The only thing a check sends inside TLS is its unbind.
            Kind::Ldap => !self.plain.is_empty(),
        };
        if self.plain.len() > PLAIN_LIMIT {
            self.finished = true;
        }
        if goodbye || peer_closed {
            tls.send_close_notify();
            self.finished = true;
        }
        while tls.wants_write() {
            match tls.write_tls(&mut self.out) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }
}

/// The largest LDAP message the bench server reads (its clients send
/// StartTLS and unbind requests of a few dozen bytes).
const MAX_LDAP_MESSAGE: usize = 4096;

/// The message id's content bytes and the operation's tag of the complete
/// LDAPMessage `message` (framed with the simulator's BER framer).
fn parse_ldap(message: &[u8]) -> Option<(Vec<u8>, u8)> {
    if *message.first()? != 0x30 {
        return None;
    }
    let (header, _) = ber::header(message)?.ok()?;
    let body = message.get(header..)?;
    if *body.first()? != 0x02 {
        return None;
    }
    let id_len = usize::from(*body.get(1)?);
    let id = body.get(2..2 + id_len)?.to_vec();
    let op = *body.get(2 + id_len)?;
    Some((id, op))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::BenchCert;

    fn dialogue(kind: Kind) -> Dialogue {
        let config = BenchCert::generate().unwrap().server_config().unwrap();
        Dialogue::new(kind, config)
    }

    #[test]
    fn smtp_script_answers_ehlo_and_starttls() {
        let mut d = dialogue(Kind::Smtp);
        assert_eq!(std::mem::take(d.outgoing()), GREETING);
        d.receive(b"EHLO probe\r\nSTART");
        assert_eq!(std::mem::take(d.outgoing()), EHLO_REPLY);
        d.receive(b"TLS\r\n");
        assert_eq!(std::mem::take(d.outgoing()), STARTTLS_REPLY);
        assert!(d.tls.is_some() && !d.finished());
    }

    #[test]
    fn ldap_starttls_gets_the_success_reply_with_its_message_id() {
        let mut d = dialogue(Kind::Ldap);
        let request = starttls_engine::ldap::start_tls_request();
        d.receive(&request[..10]);
        assert!(d.outgoing().is_empty());
        d.receive(&request[10..]);
        assert_eq!(
            std::mem::take(d.outgoing()),
            [0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00]
        );
        assert!(d.tls.is_some());
    }

    #[test]
    fn garbage_ends_the_connection() {
        let mut d = dialogue(Kind::Ldap);
        d.receive(b"\x30\x84garbage");
        assert!(d.finished());
    }
}
