//! The bare rustls client: a check's conversation with nothing of ours in
//! it. Fixed plaintext commands (the engine's own bytes), each sent once the
//! server's reply has arrived in full (its size comes from the transcript),
//! then a rustls `ClientConnection` built from one shared configuration,
//! the goodbye (QUIT or unbind) written with the client's Finished, and the
//! end when the server's close_notify arrives. No reply parsing, no
//! engine, no report, no deadlines: the least a rustls client can do for
//! the same check.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use rustls::{ClientConfig, ClientConnection};
use rustls_pki_types::ServerName;
use starttls_engine::Protocol;

use crate::client_loop::Script;
use crate::transcript::Transcript;

/// What every bare connection of one protocol says, shared by all of them.
pub struct BarePlan {
    config: Arc<ClientConfig>,
    /// Server bytes before the first command.
    greeting: usize,
    /// Each plaintext command and the size of the reply to wait for.
    steps: Vec<(Vec<u8>, usize)>,
    /// Sent inside TLS right after the handshake.
    goodbye: Vec<u8>,
}

impl BarePlan {
    /// The plan for `protocol`, with reply sizes from `transcript` (whose
    /// plaintext flights must be the very commands this client sends).
    pub fn new(protocol: Protocol, transcript: &Transcript) -> Result<Self, String> {
        let (commands, goodbye): (Vec<Vec<u8>>, Vec<u8>) = match protocol {
            Protocol::Ldap => (
                vec![starttls_engine::ldap::start_tls_request().to_vec()],
                starttls_engine::ldap::unbind_request().to_vec(),
            ),
            Protocol::Smtp | Protocol::Lmtp => {
                let hello: &[u8] = if protocol == Protocol::Lmtp {
                    b"LHLO localhost\r\n"
                } else {
                    b"EHLO localhost\r\n"
                };
                (
                    vec![hello.to_vec(), b"STARTTLS\r\n".to_vec()],
                    b"QUIT\r\n".to_vec(),
                )
            }
            // No goodbye before authentication: close_notify alone. MySQL's
            // SSLRequest has no answer, so its transcript round is 0 bytes.
            Protocol::Postgres => (
                vec![starttls_engine::postgres::ssl_request().to_vec()],
                Vec::new(),
            ),
            Protocol::Mysql => (
                vec![starttls_engine::mysql::ssl_request().to_vec()],
                Vec::new(),
            ),
            Protocol::PostgresDirect => (Vec::new(), Vec::new()),
            Protocol::Ftp => (vec![b"AUTH TLS\r\n".to_vec()], b"QUIT\r\n".to_vec()),
            Protocol::Nntp => (
                vec![b"CAPABILITIES\r\n".to_vec(), b"STARTTLS\r\n".to_vec()],
                b"QUIT\r\n".to_vec(),
            ),
            Protocol::Xmpp | Protocol::XmppServer => {
                return Err(format!(
                    "the bare TLS client has no {protocol} plan (its stream header precedes the server's bytes)"
                ))
            }
            // As the probe does against a server whose greeting lists its
            // capabilities (Dovecot).
            Protocol::Imap => (vec![b"a2 STARTTLS\r\n".to_vec()], b"a3 LOGOUT\r\n".to_vec()),
            Protocol::Pop3 => (
                vec![b"CAPA\r\n".to_vec(), b"STLS\r\n".to_vec()],
                b"QUIT\r\n".to_vec(),
            ),
            Protocol::Sieve => (vec![b"STARTTLS\r\n".to_vec()], b"LOGOUT\r\n".to_vec()),
            // TLS at once: no plaintext commands, and the floor measures
            // the handshake only.
            Protocol::Smtps
            | Protocol::Imaps
            | Protocol::Pop3s
            | Protocol::Ldaps
            | Protocol::Ftps
            | Protocol::Tls => (Vec::new(), Vec::new()),
            Protocol::Xmpps => {
                return Err(format!(
                    "the bare TLS client has no {protocol} plan (its stream header goes first inside TLS)"
                ))
            }
            // Protocol is non_exhaustive: a protocol added to the engine
            // has no plan until one is written here.
            _ => return Err(format!("the bare TLS client has no {protocol} plan yet")),
        };
        if transcript.rounds.len() <= commands.len() {
            return Err(format!(
                "the transcript {transcript} has no TLS rounds after {} commands",
                commands.len()
            ));
        }
        let mut steps = Vec::new();
        for (command, &(sent, reply)) in commands.into_iter().zip(&transcript.rounds) {
            if command.len() != sent {
                return Err(format!(
                    "the transcript's plaintext flight is {sent} bytes, the bare client's {:?} is {}",
                    String::from_utf8_lossy(&command),
                    command.len()
                ));
            }
            steps.push((command, reply));
        }
        Ok(BarePlan {
            config: crate::floor::client_config()?,
            greeting: transcript.greeting,
            steps,
            goodbye,
        })
    }
}

/// One bare connection.
pub struct BareTls<'a> {
    plan: &'a BarePlan,
    /// The next plaintext step.
    next: usize,
    /// Reply bytes still expected before it.
    expect: usize,
    tls: Option<ClientConnection>,
    said_goodbye: bool,
    out: Vec<u8>,
    outcome: Option<Result<(), String>>,
}

impl<'a> BareTls<'a> {
    /// A connection that will follow `plan`.
    pub fn new(plan: &'a BarePlan) -> Self {
        BareTls {
            plan,
            next: 0,
            expect: plan.greeting,
            tls: None,
            said_goodbye: false,
            out: Vec::new(),
            outcome: None,
        }
    }

    /// Sends the next command, or starts TLS after the last one.
    fn advance(&mut self) {
        if let Some((command, reply)) = self.plan.steps.get(self.next) {
            self.next += 1;
            self.out.extend_from_slice(command);
            self.expect = *reply;
            return;
        }
        // Like the engine given an IP literal: no SNI.
        let name = ServerName::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST).into());
        match ClientConnection::new(self.plan.config.clone(), name) {
            Ok(tls) => {
                self.tls = Some(tls);
                self.write_tls();
            }
            Err(e) => self.outcome = Some(Err(format!("TLS: {e}"))),
        }
    }

    /// Moves pending records into the outgoing bytes.
    fn write_tls(&mut self) {
        let Some(tls) = self.tls.as_mut() else {
            return;
        };
        while tls.wants_write() {
            match tls.write_tls(&mut self.out) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }

    /// Feeds TLS records; says goodbye once the handshake is done; ends at
    /// the server's close_notify.
    fn receive_tls(&mut self, mut data: &[u8]) {
        let Some(tls) = self.tls.as_mut() else {
            return;
        };
        while !data.is_empty() {
            if let Err(e) = tls.read_tls(&mut data) {
                self.outcome = Some(Err(format!("TLS read: {e}")));
                return;
            }
            match tls.process_new_packets() {
                Ok(state) if state.peer_has_closed() => self.outcome = Some(Ok(())),
                Ok(_) => {}
                Err(e) => {
                    self.outcome = Some(Err(format!("TLS: {e}")));
                    return;
                }
            }
        }
        if !tls.is_handshaking() && !self.said_goodbye {
            self.said_goodbye = true;
            if let Err(e) = tls.writer().write_all(&self.plan.goodbye) {
                self.outcome = Some(Err(format!("TLS write: {e}")));
            }
        }
        self.write_tls();
    }
}

impl Script for BareTls<'_> {
    fn connected(&mut self) {
        if self.expect == 0 {
            self.advance();
        }
    }

    fn receive(&mut self, data: &[u8]) {
        if self.tls.is_some() {
            return self.receive_tls(data);
        }
        self.expect = self.expect.saturating_sub(data.len());
        if self.expect == 0 {
            self.advance();
        }
    }

    fn outgoing(&mut self) -> &mut Vec<u8> {
        &mut self.out
    }

    fn outcome(&self) -> Option<Result<(), String>> {
        self.outcome.clone()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::net::SocketAddr;

    use super::*;
    use crate::client_loop::run_all;
    use crate::dialogue::{Dialogue, Kind};
    use crate::pki::BenchCert;

    /// A thread serving the real benchmark script to `connections` clients.
    fn script_server(kind: Kind, connections: usize) -> (SocketAddr, Transcript) {
        let config = BenchCert::generate().unwrap().server_config().unwrap();
        let transcript = crate::floor::transcript(kind, &config).unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(connections) {
                let mut stream = stream.unwrap();
                let mut dialogue = Dialogue::new(kind, config.clone());
                let mut buf = [0; 4096];
                loop {
                    let out = std::mem::take(dialogue.outgoing());
                    if stream.write_all(&out).is_err() || dialogue.finished() {
                        break;
                    }
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => dialogue.receive(&buf[..n]),
                    }
                }
            }
        });
        (addr, transcript)
    }

    #[test]
    fn completes_real_smtp_and_ldap_checks() {
        for (kind, protocol) in [(Kind::Smtp, Protocol::Smtp), (Kind::Ldap, Protocol::Ldap)] {
            let (addr, transcript) = script_server(kind, 4);
            let plan = BarePlan::new(protocol, &transcript).unwrap();
            let result = run_all(|| BareTls::new(&plan), addr, 2, 4);
            assert_eq!(result, (4, None), "{protocol}");
        }
    }

    #[test]
    fn a_transcript_that_does_not_match_the_commands_is_refused() {
        let wrong = Transcript {
            greeting: 31,
            rounds: vec![(17, 55), (10, 30), (216, 668)],
        };
        let e = BarePlan::new(Protocol::Smtp, &wrong).err().unwrap();
        assert!(e.contains("plaintext flight is 17 bytes"), "{e}");
        let short = Transcript {
            greeting: 0,
            rounds: vec![(31, 14)],
        };
        let e = BarePlan::new(Protocol::Ldap, &short).err().unwrap();
        assert!(e.contains("no TLS rounds"), "{e}");
    }
}
