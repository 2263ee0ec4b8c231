//! The scripted server: a sans-IO state machine that takes the client's
//! bytes and produces timed output, speaking a personality's plaintext
//! phase byte for byte and then TLS through an in-memory rustls
//! `ServerConnection`.
//!
//! Timing contract: each [`ServerOutput`]'s delay counts from the later of
//! (a) the client input that caused it and (b) the previous output. A
//! driver drains [`SimServer::poll_output`] after every
//! [`SimServer::receive`]; an endless reply keeps producing output, so a
//! driver pulls it only when it needs more (see [`SimServer::has_pending`]).

use std::collections::VecDeque;
use std::io::Read;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use rustls::{ServerConfig, ServerConnection};

use crate::ber::element_size;
use crate::certs::ServerIdentity;
use crate::db_dialogue::{
    is_mysql_ssl_request, mysql_greeting, postgres_answer, PostgresAfter, MYSQL_SSL_REQUEST_LEN,
    POSTGRES_SSL_REQUEST,
};
use crate::faults::{Endless, Faults, GoodbyeAnswer, Turns};
use crate::ldap_dialogue::{parse_request, starttls_answer, After, Request};
use crate::legacy_tls::{Answer, LegacyTls};
use crate::personality::{Personality, TlsStyle};
use crate::smtp_dialogue::{answer, greeting, quit_reply, Reaction};
use crate::xmpp_dialogue::{answer as xmpp_answer, take_request, Request as XmppRequest};
use starttls_engine::Protocol;

/// A fatal handshake_failure alert in a TLS 1.2 record.
pub const HANDSHAKE_FAILURE_ALERT: &[u8] = &[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28];

/// Most bytes the server buffers for one command or LDAP message before it
/// hangs up.
pub const MAX_COMMAND: usize = 64 * 1024;

const ENDLESS_PACE: Duration = Duration::from_millis(10);

/// Something the server does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerOutput {
    /// Send `bytes` after `delay`.
    Send {
        /// Delay before sending.
        delay: Duration,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// Close the connection after `delay`.
    Close {
        /// Delay before closing.
        delay: Duration,
    },
}

enum Stage {
    Smtp,
    Ldap,
    /// Waiting for PostgreSQL's SSLRequest.
    Postgres,
    /// Handshake packet sent, waiting for MySQL's SSLRequest.
    Mysql,
    /// Answered without TLS; reads and ignores everything.
    Plaintext,
    /// The XMPP plaintext stream; the client speaks first.
    Xmpp,
    /// Agreed to TLS but will answer the ClientHello with an alert.
    AlertPending,
    /// A plaintext server that answers the client's first bytes (a
    /// ClientHello) with these bytes, then closes.
    RejectPending(Vec<u8>),
    Tls(Box<ServerConnection>),
    /// A hand-built pre-TLS-1.3 server: the ClientHello so far, and whether
    /// the flight went out.
    Legacy(LegacyTls, Vec<u8>, bool),
    /// Sending an endless reply; input is ignored.
    Endless,
    /// Answering each client write with the next of [`Turns`].
    Turns,
    Closed,
}

/// The ALPN name a direct-TLS personality requires (PostgreSQL 17:
/// `postgresql`, `src/backend/libpq/be-secure-openssl.c`).
fn direct_tls_alpn(personality: Personality) -> Option<&'static [u8]> {
    (personality.protocol() == Protocol::PostgresDirect).then_some(b"postgresql")
}

/// The bytes of an endless reply.
struct EndlessStream {
    first: Vec<u8>,
    repeat: Vec<u8>,
    one_byte_per_second: bool,
    pos: usize,
}

impl EndlessStream {
    fn new(kind: Endless, protocol: Protocol, message_id: u8) -> Self {
        if let Some(stream) = Self::database(kind, protocol) {
            return stream;
        }
        let ldap = is_ldap(protocol);
        if matches!(protocol, Protocol::Xmpp | Protocol::XmppServer) {
            return Self::xmpp(kind);
        }
        let (first, repeat) = match (kind, ldap) {
            (Endless::MultilineNeverEnds, false) => (
                b"220-mail.sim.test ESMTP\r\n".to_vec(),
                b"220-still greeting, please wait\r\n".to_vec(),
            ),
            (Endless::MultilineNeverEnds, true) => {
                // intermediateResponse ([APPLICATION 25]) for the request.
                let m = vec![0x30, 0x05, 0x02, 0x01, message_id, 0x79, 0x00];
                (m.clone(), m)
            }
            (_, false) => (b"220 ".to_vec(), vec![b'x'; 512]),
            (_, true) => (
                vec![
                    0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x02, 0x01, message_id, 0x78, 0x84, 0x7f,
                    0xff, 0xff, 0xf0,
                ],
                vec![0; 512],
            ),
        };
        let (first, repeat) = if kind == Endless::OneBytePerSecond && !ldap {
            (b"220-".to_vec(), b"slow greeting line\r\n220-".to_vec())
        } else {
            (first, repeat)
        };
        EndlessStream {
            first,
            repeat,
            one_byte_per_second: kind == Endless::OneBytePerSecond,
            pos: 0,
        }
    }

    /// PostgreSQL: an ErrorResponse (protocol 2 form) whose text never
    /// ends. MySQL: a handshake packet announcing 16,000 bytes, delivered
    /// in pieces and never NUL-terminating its version.
    fn database(kind: Endless, protocol: Protocol) -> Option<Self> {
        let first = match protocol {
            Protocol::Postgres | Protocol::PostgresDirect => b"EFATAL:  ".to_vec(),
            Protocol::Mysql => vec![0x80, 0x3e, 0x00, 0x00, 0x0a, b'1', b'0'],
            _ => return None,
        };
        Some(EndlessStream {
            first,
            repeat: vec![b'x'; 512],
            one_byte_per_second: kind == Endless::OneBytePerSecond,
            pos: 0,
        })
    }

    /// XMPP: a stream header, then an attribute that never ends, features
    /// that never end, or the features one byte a second.
    fn xmpp(kind: Endless) -> Self {
        let header = b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='mail.sim.test' version='1.0'>".to_vec();
        let (first, repeat) = match kind {
            Endless::LineNeverEnds => (
                [&header[..], b"<stream:features a='"].concat(),
                vec![b'x'; 512],
            ),
            _ => (
                [&header[..], b"<stream:features>"].concat(),
                b"<feature xmlns='urn:sim:still-more'/>".to_vec(),
            ),
        };
        EndlessStream {
            first,
            repeat,
            one_byte_per_second: kind == Endless::OneBytePerSecond,
            pos: 0,
        }
    }

    fn next(&mut self) -> ServerOutput {
        let stream_byte = |pos: usize, first: &[u8], repeat: &[u8]| {
            if pos < first.len() {
                first[pos]
            } else {
                repeat[(pos - first.len()) % repeat.len().max(1)]
            }
        };
        if self.one_byte_per_second {
            let b = stream_byte(self.pos, &self.first, &self.repeat);
            self.pos += 1;
            return ServerOutput::Send {
                delay: Duration::from_secs(1),
                bytes: vec![b],
            };
        }
        let (delay, bytes) = if self.pos == 0 {
            (Duration::ZERO, self.first.clone())
        } else {
            (ENDLESS_PACE, self.repeat.clone())
        };
        self.pos += 1;
        ServerOutput::Send { delay, bytes }
    }
}

/// True for protocols whose client speaks first (no greeting).
fn client_speaks_first(protocol: Protocol) -> bool {
    matches!(
        protocol,
        Protocol::Xmpp | Protocol::XmppServer | Protocol::Postgres
    ) || is_ldap(protocol)
}

/// A scripted server for one connection.
pub struct SimServer {
    personality: Personality,
    config: Arc<ServerConfig>,
    chain: Vec<Vec<u8>>,
    stage: Stage,
    pending: VecDeque<ServerOutput>,
    input: Vec<u8>,
    app_input: Vec<u8>,
    client_plaintext: Vec<u8>,
    inject: Option<Vec<u8>>,
    alert: bool,
    endless_kind: Option<Endless>,
    endless: Option<EndlessStream>,
    goodbye_seen: bool,
    /// How the goodbye is answered.
    goodbye_answer: GoodbyeAnswer,
    /// With [`Stage::Turns`]: the turns left and what follows them.
    turns: Turns,
    /// The client's close_notify came in the same read as its goodbye.
    close_notify_with_goodbye: bool,
    /// Stream application data once the handshake is done.
    stream_after_handshake: bool,
    /// The handshake is done and the stream runs.
    streaming: bool,
    /// Implicit TLS: the greeting to send once the handshake is done.
    greet_in_tls: Option<Vec<u8>>,
    /// XMPP: the client's stream header arrived inside TLS and the
    /// server's header and features (if it sends them there) are due.
    xmpp_greeting_in_tls: bool,
}

/// True when the stage is TLS with the handshake done.
fn conn_done(stage: &Stage) -> bool {
    matches!(stage, Stage::Tls(conn) if !conn.is_handshaking())
}

/// An XMPP stream (STARTTLS or direct TLS): the client speaks first.
fn is_xmpp(protocol: Protocol) -> bool {
    matches!(
        protocol,
        Protocol::Xmpp | Protocol::XmppServer | Protocol::Xmpps
    )
}

/// LDAP, or LDAP over implicit TLS: BER messages instead of lines.
fn is_ldap(protocol: Protocol) -> bool {
    protocol == Protocol::Ldap || protocol.plaintext_twin() == Some(Protocol::Ldap)
}

/// One write of the stream after the handshake: 16 lines of 1,000 bytes,
/// each a continuation line of a reply that never ends.
fn stream_write() -> Vec<u8> {
    let mut line = b"250-".to_vec();
    line.resize(998, b'x');
    line.extend_from_slice(b"\r\n");
    line.repeat(16)
}

impl SimServer {
    /// A server that just accepted a connection: the greeting (if the
    /// protocol has one) is ready in [`SimServer::poll_output`].
    pub fn new(personality: Personality, identity: &ServerIdentity, faults: &Faults) -> Self {
        let config = match (personality.tls(), faults.chain_padded_to) {
            (TlsStyle::Rustls, Some(bytes)) => identity
                .padded_to(bytes)
                .expect("a longer chain of the test PKI's own certificates")
                .server_config(),
            (TlsStyle::Rustls | TlsStyle::Legacy(_), _) => identity.server_config(),
            (TlsStyle::OddKey(key), _) => key.server_config(),
        };
        SimServer::with_tls_config(personality, identity, faults, config)
    }

    /// Like [`SimServer::new`], but TLS is served by `config` (say, one
    /// built by `deterministic::SeededCrypto::server_config`)
    /// instead of the identity's or the odd key's; a legacy personality
    /// still sends `identity`'s chain in its hand-built flight.
    pub fn with_tls_config(
        personality: Personality,
        identity: &ServerIdentity,
        faults: &Faults,
        mut config: Arc<ServerConfig>,
    ) -> Self {
        let protocol = personality.protocol();
        if let Some(alpn) = direct_tls_alpn(personality) {
            let mut with_alpn = (*config).clone();
            with_alpn.alpn_protocols = vec![alpn.to_vec()];
            config = Arc::new(with_alpn);
        }
        let mut server = SimServer {
            personality,
            config,
            chain: identity.chain.iter().map(|c| c.to_vec()).collect(),
            stage: match protocol {
                p if is_ldap(p) => Stage::Ldap,
                Protocol::PostgresDirect => Stage::Plaintext,
                Protocol::Postgres => Stage::Postgres,
                Protocol::Mysql => Stage::Mysql,
                Protocol::Xmpp | Protocol::XmppServer => Stage::Xmpp,
                _ => Stage::Smtp,
            },
            pending: VecDeque::new(),
            input: Vec::new(),
            app_input: Vec::new(),
            client_plaintext: Vec::new(),
            // Implicit TLS has no STARTTLS agreement to inject after.
            inject: faults
                .inject_after_starttls
                .clone()
                .filter(|_| !protocol.implicit_tls()),
            alert: faults.alert_instead_of_handshake,
            endless_kind: faults.endless,
            endless: None,
            goodbye_seen: false,
            goodbye_answer: faults.goodbye,
            turns: Turns::default(),
            close_notify_with_goodbye: false,
            stream_after_handshake: faults.stream_after_handshake,
            streaming: false,
            greet_in_tls: None,
            xmpp_greeting_in_tls: false,
        };
        if let Some(turns) = &faults.turns {
            server.stage = Stage::Turns;
            server.turns = turns.clone();
            server.turns.turns.reverse(); // popped from the back
            if !client_speaks_first(protocol) {
                server.next_turn();
            }
        } else if personality.plaintext_on_implicit_port() && faults.endless.is_none() {
            if protocol == Protocol::Xmpps {
                server.stage = Stage::RejectPending(crate::xmpp_dialogue::not_well_formed());
            } else {
                // A plaintext FTP server greets at once (and answers the
                // ClientHello's "lines" with 530s the check never reads).
                server.stage = Stage::Plaintext;
                let g = greeting(personality.plaintext());
                for (delay, bytes) in g.segments {
                    server
                        .pending
                        .push_back(ServerOutput::Send { delay, bytes });
                }
            }
        } else if protocol.implicit_tls() && faults.endless.is_none() {
            // TLS at once; a server that speaks first greets inside TLS.
            if protocol
                .plaintext_twin()
                .is_some_and(|twin| !is_ldap(twin) && !is_xmpp(twin))
            {
                let g = greeting(personality.plaintext());
                server.greet_in_tls = Some(g.segments.into_iter().flat_map(|(_, b)| b).collect());
            }
            server.agree_to_tls(Vec::new());
        } else if protocol == Protocol::PostgresDirect {
            if let Some(kind) = faults.endless {
                server.start_endless(kind, 1);
            } else {
                // Nothing precedes TLS; injected plaintext comes first.
                server.send_agreement(Vec::new());
                server.enter_tls();
            }
        } else if protocol == Protocol::Mysql {
            if let Some(kind) = faults.endless {
                server.start_endless(kind, 1);
            } else {
                let (packet, offers_tls) = mysql_greeting(personality);
                if offers_tls {
                    server.send_agreement(packet);
                } else {
                    // An ERR packet ends the connection; a handshake
                    // without TLS waits for a login in plaintext.
                    let refused = packet.get(4) == Some(&0xff);
                    server.send(packet);
                    if refused {
                        server.close();
                    } else {
                        server.stage = Stage::Plaintext;
                    }
                }
            }
        } else if !client_speaks_first(protocol) {
            if let Some(kind) = faults.endless {
                server.start_endless(kind, 1);
            } else {
                let g = greeting(personality.plaintext());
                for (delay, bytes) in g.segments {
                    server
                        .pending
                        .push_back(ServerOutput::Send { delay, bytes });
                }
                if g.then_close {
                    server.close();
                }
            }
        }
        server
    }

    /// The personality served.
    pub fn personality(&self) -> Personality {
        self.personality
    }

    /// Plaintext the client sent before TLS (the commands the server read).
    pub fn client_plaintext(&self) -> &[u8] {
        &self.client_plaintext
    }

    /// True once the client's goodbye (`QUIT` or unbind; close_notify for
    /// PostgreSQL and MySQL, which have no goodbye before authentication)
    /// arrived inside TLS.
    pub fn saw_goodbye(&self) -> bool {
        self.goodbye_seen
    }

    /// True when the client's close_notify arrived in the same read as its
    /// goodbye: it did not wait for the goodbye's reply.
    pub fn close_notify_with_goodbye(&self) -> bool {
        self.close_notify_with_goodbye
    }

    /// True once the server decided to close.
    pub fn is_closed(&self) -> bool {
        matches!(self.stage, Stage::Closed)
    }

    /// True when output caused by past input is waiting; an endless reply
    /// alone does not count.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The next output, if any: first everything caused by past input, then
    /// (forever) the next piece of an endless reply.
    pub fn poll_output(&mut self) -> Option<ServerOutput> {
        if let Some(out) = self.pending.pop_front() {
            return Some(out);
        }
        if self.streaming {
            return self.next_stream_write();
        }
        self.endless.as_mut().map(EndlessStream::next)
    }

    /// Takes in bytes from the client.
    pub fn receive(&mut self, data: &[u8]) {
        match &self.stage {
            Stage::Smtp => {
                self.input.extend_from_slice(data);
                self.smtp_commands();
            }
            Stage::Ldap => {
                self.input.extend_from_slice(data);
                self.ldap_requests();
            }
            Stage::Postgres => {
                self.input.extend_from_slice(data);
                self.postgres_request();
            }
            Stage::Mysql => {
                self.input.extend_from_slice(data);
                self.mysql_request();
            }
            Stage::Plaintext => {}
            Stage::Xmpp => {
                self.input.extend_from_slice(data);
                self.xmpp_requests();
            }
            Stage::AlertPending => {
                if !data.is_empty() {
                    self.send(HANDSHAKE_FAILURE_ALERT.to_vec());
                    self.close();
                }
            }
            Stage::RejectPending(answer) => {
                if !data.is_empty() {
                    let answer = answer.clone();
                    self.send(answer);
                    self.close();
                }
            }
            Stage::Tls(_) => self.tls_receive(data),
            Stage::Legacy(..) => self.legacy_receive(data),
            Stage::Turns => {
                if !data.is_empty() {
                    self.client_plaintext.extend_from_slice(data);
                    self.next_turn();
                }
            }
            Stage::Endless | Stage::Closed => {}
        }
    }

    /// Sends the next of the scripted [`Turns`]; after the last one, closes
    /// or stays silent as the script says.
    fn next_turn(&mut self) {
        if let Some(bytes) = self.turns.turns.pop() {
            self.send(bytes);
        }
        if self.turns.turns.is_empty() && self.turns.then_close {
            self.close();
        }
    }

    fn send(&mut self, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.pending.push_back(ServerOutput::Send {
                delay: Duration::ZERO,
                bytes,
            });
        }
    }

    fn close(&mut self) {
        self.stage = Stage::Closed;
        self.pending.push_back(ServerOutput::Close {
            delay: Duration::ZERO,
        });
    }

    fn start_endless(&mut self, kind: Endless, message_id: u8) {
        self.stage = Stage::Endless;
        self.endless = Some(EndlessStream::new(
            kind,
            self.personality.protocol(),
            message_id,
        ));
    }

    fn smtp_commands(&mut self) {
        while let Some(nl) = self.input.iter().position(|&b| b == b'\n') {
            let raw: Vec<u8> = self.input.drain(..=nl).collect();
            self.client_plaintext.extend_from_slice(&raw);
            let line = raw.strip_suffix(b"\n").unwrap_or(&raw);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            match answer(self.personality.plaintext(), line) {
                Reaction::Reply(bytes) => self.send(bytes),
                Reaction::ReplyThenClose(bytes) => {
                    self.send(bytes);
                    self.close();
                    return;
                }
                Reaction::ReplyThenTls(bytes) => {
                    self.agree_to_tls(bytes);
                    let rest = std::mem::take(&mut self.input);
                    self.receive(&rest);
                    return;
                }
            }
        }
        if self.input.len() > MAX_COMMAND {
            self.close();
        }
    }

    fn ldap_requests(&mut self) {
        loop {
            let size = match element_size(&self.input) {
                None if self.input.len() > MAX_COMMAND => return self.close(),
                None => return,
                Some(Err(())) => return self.close(),
                Some(Ok(n)) if n > MAX_COMMAND => return self.close(),
                Some(Ok(n)) => n,
            };
            let message: Vec<u8> = self.input.drain(..size).collect();
            self.client_plaintext.extend_from_slice(&message);
            match parse_request(&message) {
                Request::StartTls { message_id } => {
                    if let Some(kind) = self.endless_kind {
                        let id = u8::try_from(message_id).unwrap_or(1);
                        return self.start_endless(kind, id);
                    }
                    let (bytes, after) = starttls_answer(self.personality.plaintext(), message_id);
                    match after {
                        After::Tls => {
                            self.agree_to_tls(bytes);
                            let rest = std::mem::take(&mut self.input);
                            return self.receive(&rest);
                        }
                        After::Stay => self.send(bytes),
                        After::Close => {
                            self.send(bytes);
                            return self.close();
                        }
                    }
                }
                Request::Unbind | Request::Other => return self.close(),
            }
        }
    }

    /// PostgreSQL: the 8-byte SSLRequest, answered `S` (TLS follows) or `N`.
    fn postgres_request(&mut self) {
        if self.input.len() < POSTGRES_SSL_REQUEST.len() {
            return;
        }
        let request: Vec<u8> = self.input.drain(..POSTGRES_SSL_REQUEST.len()).collect();
        self.client_plaintext.extend_from_slice(&request);
        if request != POSTGRES_SSL_REQUEST {
            return self.close();
        }
        if let Some(kind) = self.endless_kind {
            return self.start_endless(kind, 1);
        }
        let (answer, after) = postgres_answer(self.personality);
        match after {
            PostgresAfter::Tls => {
                self.agree_to_tls(answer);
                let rest = std::mem::take(&mut self.input);
                self.receive(&rest);
            }
            PostgresAfter::Stay => {
                // PostgreSQL now waits for a startup packet in plaintext.
                self.send(answer);
                self.stage = Stage::Plaintext;
            }
            PostgresAfter::Close => {
                self.send(answer);
                self.close();
            }
        }
    }

    /// MySQL: the 36-byte SSLRequest packet; TLS follows with no answer.
    fn mysql_request(&mut self) {
        if self.input.len() < MYSQL_SSL_REQUEST_LEN {
            return;
        }
        let request: Vec<u8> = self.input.drain(..MYSQL_SSL_REQUEST_LEN).collect();
        self.client_plaintext.extend_from_slice(&request);
        if !is_mysql_ssl_request(&request) {
            return self.close();
        }
        self.enter_tls();
        let rest = std::mem::take(&mut self.input);
        self.receive(&rest);
    }

    fn xmpp_requests(&mut self) {
        loop {
            let held = self.input.clone();
            let Some(request) = take_request(&mut self.input) else {
                break;
            };
            let used = held.len() - self.input.len();
            self.client_plaintext.extend_from_slice(&held[..used]);
            if let (Some(kind), XmppRequest::Header(_)) = (self.endless_kind, &request) {
                return self.start_endless(kind, 1);
            }
            match xmpp_answer(self.personality, &request) {
                Reaction::Reply(bytes) => self.send(bytes),
                Reaction::ReplyThenClose(bytes) => {
                    self.send(bytes);
                    return self.close();
                }
                Reaction::ReplyThenTls(bytes) => {
                    self.agree_to_tls(bytes);
                    let rest = std::mem::take(&mut self.input);
                    return self.receive(&rest);
                }
            }
        }
        if self.input.len() > MAX_COMMAND {
            self.close();
        }
    }

    /// Sends the bytes after which TLS is agreed, with any injected
    /// plaintext in the same write.
    fn send_agreement(&mut self, mut reply: Vec<u8>) {
        if let Some(extra) = self.inject.take() {
            reply.extend_from_slice(&extra);
        }
        self.send(reply);
    }

    fn agree_to_tls(&mut self, reply: Vec<u8>) {
        self.send_agreement(reply);
        self.enter_tls();
    }

    /// The next client bytes are a ClientHello.
    fn enter_tls(&mut self) {
        if self.alert {
            self.stage = Stage::AlertPending;
            return;
        }
        if let TlsStyle::Legacy(legacy) = self.personality.tls() {
            self.stage = Stage::Legacy(legacy, Vec::new(), false);
            return;
        }
        match ServerConnection::new(self.config.clone()) {
            Ok(conn) => self.stage = Stage::Tls(Box::new(conn)),
            Err(_) => self.close(),
        }
    }

    fn legacy_receive(&mut self, data: &[u8]) {
        let Stage::Legacy(legacy, input, answered) = &mut self.stage else {
            return;
        };
        if *answered || data.is_empty() {
            // Anything after the flight (the client's alert) ends it.
            if !data.is_empty() {
                self.close();
            }
            return;
        }
        input.extend_from_slice(data);
        let legacy = *legacy;
        match legacy.answer(input, &self.chain) {
            Answer::NeedMore if input.len() > MAX_COMMAND => self.close(),
            Answer::NeedMore => {}
            Answer::Flight(bytes) => {
                *answered = true;
                self.send(bytes);
            }
            Answer::Refuse(bytes) => {
                self.send(bytes);
                self.close();
            }
        }
    }

    fn tls_receive(&mut self, mut data: &[u8]) {
        let Stage::Tls(conn) = &mut self.stage else {
            return;
        };
        let mut failed = false;
        let mut peer_closed = false;
        while !data.is_empty() && !failed {
            if conn.read_tls(&mut data).is_err() || conn.process_new_packets().is_err() {
                failed = true;
            }
            let mut buf = [0u8; 1024];
            loop {
                match conn.reader().read(&mut buf) {
                    Ok(0) => {
                        peer_closed = true;
                        break;
                    }
                    Ok(n) => self.app_input.extend_from_slice(&buf[..n]),
                    Err(_) => break,
                }
            }
        }
        if let Some(alpn) = direct_tls_alpn(self.personality) {
            if !failed && !conn.is_handshaking() && conn.alpn_protocol() != Some(alpn) {
                // PostgreSQL 17: "received direct SSL connection request
                // without ALPN protocol negotiation extension".
                failed = true;
            }
        }
        if self.stream_after_handshake && !failed && !conn.is_handshaking() {
            // Flush the handshake's last flight; the stream is pulled by
            // the driver like an endless reply. The goodbye is ignored.
            self.streaming = true;
            let mut out = Vec::new();
            while conn.wants_write() {
                if conn.write_tls(&mut out).is_err() {
                    break;
                }
            }
            self.app_input.clear();
            return self.send(out);
        }
        // A client that talks inside TLS before the greeting is pipelining
        // improperly (Postfix drops it): hang up without an answer.
        if self.greet_in_tls.is_some() && !self.app_input.is_empty() {
            self.app_input.clear();
            failed = true;
        }
        let goodbye = self.goodbye_in_app_data();
        let stream_greeting = std::mem::take(&mut self.xmpp_greeting_in_tls)
            .then(|| crate::xmpp_dialogue::greeting_in_tls(self.personality))
            .flatten();
        let greet = if conn_done(&self.stage) && !failed {
            self.greet_in_tls.take()
        } else {
            None
        };
        let Stage::Tls(conn) = &mut self.stage else {
            return;
        };
        if let Some(greeting) = greet {
            let _ = conn.writer().write_all(&greeting);
        }
        if let Some(greeting) = stream_greeting.as_ref().filter(|_| !failed) {
            let _ = conn.writer().write_all(greeting);
        }
        let answer = self.goodbye_answer;
        if let Some(reply) = goodbye.as_ref().filter(|_| !failed) {
            if answer != GoodbyeAnswer::Close {
                let _ = conn.writer().write_all(reply);
            }
        }
        if goodbye.is_some() && peer_closed {
            self.close_notify_with_goodbye = true;
        }
        let ldap = is_ldap(self.personality.protocol());
        // LDAP servers drop the connection after an unbind without a TLS
        // goodbye; SMTP servers answer QUIT, then send close_notify.
        let hang_up = failed || goodbye.is_some() || peer_closed;
        if peer_closed
            && !failed
            && matches!(
                self.personality.protocol(),
                Protocol::Postgres | Protocol::Mysql | Protocol::PostgresDirect | Protocol::Tls
            )
        {
            // No goodbye message: close_notify is the goodbye.
            self.goodbye_seen = true;
        }
        let polite = goodbye.is_none() || answer == GoodbyeAnswer::AsScripted;
        if hang_up && !failed && !(ldap && goodbye.is_some()) && polite {
            conn.send_close_notify();
        }
        let mut out = Vec::new();
        while conn.wants_write() {
            if conn.write_tls(&mut out).is_err() {
                break;
            }
        }
        self.send(out);
        if hang_up {
            self.close();
        }
    }

    /// The next write of the stream after the handshake, encrypted.
    fn next_stream_write(&mut self) -> Option<ServerOutput> {
        let Stage::Tls(conn) = &mut self.stage else {
            return None;
        };
        conn.writer().write_all(&stream_write()).ok()?;
        let mut bytes = Vec::new();
        while conn.wants_write() {
            if conn.write_tls(&mut bytes).is_err() {
                break;
            }
        }
        Some(ServerOutput::Send {
            delay: ENDLESS_PACE,
            bytes,
        })
    }

    /// The reply to a goodbye found in the decrypted client data: `Some`
    /// (possibly empty, for LDAP unbind) when the client said goodbye.
    fn goodbye_in_app_data(&mut self) -> Option<Vec<u8>> {
        if matches!(
            self.personality.protocol(),
            Protocol::Postgres | Protocol::Mysql | Protocol::PostgresDirect
        ) {
            // No goodbye message before authentication: close_notify is
            // the goodbye (seen in `tls_receive`).
            return None;
        }
        if is_ldap(self.personality.protocol()) {
            while let Some(Ok(n)) = element_size(&self.app_input) {
                let message: Vec<u8> = self.app_input.drain(..n).collect();
                if parse_request(&message) == Request::Unbind {
                    self.goodbye_seen = true;
                    return Some(Vec::new());
                }
            }
            return None;
        }
        if is_xmpp(self.personality.protocol()) {
            while let Some(request) = take_request(&mut self.app_input) {
                match request {
                    XmppRequest::Close => {
                        self.goodbye_seen = true;
                        return Some(b"</stream:stream>".to_vec());
                    }
                    // A new stream inside TLS (direct TLS, or after
                    // STARTTLS): the header gets the server's header and
                    // features where the personality sends them.
                    XmppRequest::Header(_) => {
                        self.xmpp_greeting_in_tls = true;
                    }
                    _ => {}
                }
            }
            return None;
        }
        while let Some(nl) = self.app_input.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.app_input.drain(..=nl).collect();
            let personality = self.personality.plaintext();
            if crate::mailbox_dialogue::speaks(personality) {
                if let Some(reply) = crate::mailbox_dialogue::goodbye_reply(personality, &line) {
                    self.goodbye_seen = true;
                    return Some(reply);
                }
                continue;
            }
            if line.eq_ignore_ascii_case(b"QUIT\r\n") || line.eq_ignore_ascii_case(b"QUIT\n") {
                self.goodbye_seen = true;
                return Some(quit_reply(self.personality.plaintext()).to_vec());
            }
        }
        None
    }
}

impl std::fmt::Debug for SimServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimServer")
            .field("personality", &self.personality)
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certs::{CertKind, KeyKind, TestPki};

    fn server(p: Personality, faults: &Faults) -> SimServer {
        SimServer::new(
            p,
            TestPki::shared().identity(CertKind::Good, KeyKind::EcdsaP256),
            faults,
        )
    }

    fn drain(s: &mut SimServer) -> Vec<u8> {
        let mut out = Vec::new();
        while s.has_pending() {
            if let Some(ServerOutput::Send { bytes, .. }) = s.poll_output() {
                out.extend(bytes);
            }
        }
        out
    }

    #[test]
    fn turns_replace_the_dialogue_then_close_or_fall_silent() {
        let turns = [&b"220 a\r\n"[..], b"250 b\r\n"];
        let faults = Faults {
            turns: Some(Turns::then_close(&turns)),
            ..Faults::none()
        };
        let mut s = server(Personality::Postfix, &faults);
        assert_eq!(drain(&mut s), b"220 a\r\n", "SMTP: the server speaks first");
        assert!(!s.is_closed());
        s.receive(b"EHLO x\r\n");
        assert_eq!(drain(&mut s), b"250 b\r\n");
        assert!(s.is_closed(), "the close follows the last turn");
        let faults = Faults {
            turns: Some(Turns::then_silence(&turns)),
            ..Faults::none()
        };
        let mut s = server(Personality::OpenLdap, &faults);
        assert!(drain(&mut s).is_empty(), "LDAP: the client speaks first");
        s.receive(b"request");
        assert_eq!(drain(&mut s), b"220 a\r\n");
        s.receive(b"more");
        s.receive(b"and more");
        assert_eq!(drain(&mut s), b"250 b\r\n");
        assert!(!s.is_closed(), "silent, not closed");
    }

    #[test]
    fn postfix_walks_greeting_ehlo_starttls_then_expects_tls() {
        let mut s = server(Personality::Postfix, &Faults::none());
        assert_eq!(drain(&mut s), b"220 mail.sim.test ESMTP Postfix\r\n");
        s.receive(b"EHLO probe\r\nSTART");
        assert!(drain(&mut s).ends_with(b"250 CHUNKING\r\n"));
        s.receive(b"TLS\r\n");
        assert_eq!(drain(&mut s), b"220 2.0.0 Ready to start TLS\r\n");
        assert_eq!(s.client_plaintext(), b"EHLO probe\r\nSTARTTLS\r\n");
        assert!(matches!(s.stage, Stage::Tls(_)));
    }

    #[test]
    fn alert_fault_answers_the_client_hello_with_an_alert_and_closes() {
        let faults = Faults {
            alert_instead_of_handshake: true,
            inject_after_starttls: Some(b"oops".to_vec()),
            ..Faults::none()
        };
        let mut s = server(Personality::Exim, &faults);
        drain(&mut s);
        s.receive(b"EHLO x\r\n");
        drain(&mut s);
        s.receive(b"STARTTLS\r\n");
        assert_eq!(drain(&mut s), b"220 TLS go ahead\r\noops");
        s.receive(&[0x16, 0x03, 0x01]);
        assert_eq!(
            s.poll_output(),
            Some(ServerOutput::Send {
                delay: Duration::ZERO,
                bytes: HANDSHAKE_FAILURE_ALERT.to_vec()
            })
        );
        assert_eq!(
            s.poll_output(),
            Some(ServerOutput::Close {
                delay: Duration::ZERO
            })
        );
        assert!(s.is_closed());
    }

    #[test]
    fn endless_replies_never_run_dry() {
        for kind in [
            Endless::LineNeverEnds,
            Endless::MultilineNeverEnds,
            Endless::OneBytePerSecond,
        ] {
            for p in [Personality::Postfix, Personality::OpenLdap] {
                let faults = Faults {
                    endless: Some(kind),
                    ..Faults::none()
                };
                let mut s = server(p, &faults);
                s.receive(b"\x30\x1d\x02\x01\x01\x77\x18\x80\x161.3.6.1.4.1.1466.20037");
                for _ in 0..100 {
                    assert!(matches!(s.poll_output(), Some(ServerOutput::Send { .. })));
                }
            }
        }
    }
}
