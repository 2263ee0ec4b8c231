//! Fuzzing harnesses: one function per fuzz target in `fuzz/fuzz_targets/`.
//!
//! A crate of its own so the command's library (`starttls_cert`) ships no
//! fuzzing code; it depends on that library for the targets that fuzz the
//! command's parsers (`params`, `shell_words`).
//!
//! Each takes arbitrary bytes, calls the same public entry points the tests
//! and the command call, and panics only when a property is broken. The fuzz
//! targets are one line each, and `tests/fuzz_corpora.rs` replays every file
//! of `fuzz/corpus/<target>/` through the same function on stable Rust, so
//! `cargo test` exercises the seeds and every crash regression.
//!
//! Input layouts are documented per function; the first byte or two steer
//! the harness (split points, protocol, options) and the rest is the data,
//! so seed files stay readable.

use std::sync::Arc;
use std::time::{Duration, Instant};

use starttls_engine::analysis::{analyze, AnalysisOptions, NameCheck, TrustStore};
use starttls_engine::imap::Response as ImapResponse;
use starttls_engine::ldap::{decode_start_tls_response, LdapError};
use starttls_engine::legacy::{Flight, LegacyError, ServerFlight, MAX_HANDSHAKE_MESSAGE};
use starttls_engine::lines::{LineError, LineReader};
use starttls_engine::numeric::{NumericError, NumericReader, Style};
use starttls_engine::pop3::Pop3Reply;
use starttls_engine::smtp::{Reply, ReplyError, ReplyReader};
use starttls_engine::xmpp::{XmlError, XmppError};
use starttls_engine::Crypto;
use starttls_engine::{CertificateDer, Config, Input, Limits, Output, Probe, Protocol, UnixTime};
use starttls_engine::{Phase, ProbeError};
use starttls_sim::certs::SERVER_NAME;
use starttls_sim::deterministic::{self, SeededRandom, VirtualWallClock, CLIENT_STREAM};
use starttls_sim::rng::SimRng;

/// A probe must never hold more than this, whatever the server sends.
pub const MAX_PROBE_BUFFERED: usize = 64 * 1024;

/// Most parts a length-prefixed input is split into, and most certificates
/// the analysis targets pass on (past
/// [`starttls_engine::analysis::MAX_CHAIN_LEN`], to reach that check).
const MAX_PARTS: usize = 80;

/// The simulator's SplitMix64 generator, seeded from a steering byte so
/// the same input always takes the same splits and delays.
fn seeded(seed: u8) -> SimRng {
    SimRng::new(u64::from(seed).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5851_f42d_4c95_7f2d)
}

/// A number in `1..=max`.
fn size(rng: &mut SimRng, max: usize) -> usize {
    let max64 = u64::try_from(max).unwrap_or(u64::MAX);
    usize::try_from(rng.between(1, max64)).unwrap_or(max)
}

/// How a byte stream is cut into pieces, chosen by a steering byte.
fn piece_size(style: u8, rng: &mut SimRng, remaining: usize) -> usize {
    let size = match style % 4 {
        0 => remaining,
        1 => 1,
        2 => size(rng, 16),
        _ => size(rng, 1500),
    };
    size.min(remaining)
}

/// Feeds `data` to a reader's `feed` in pieces chosen by `style` and
/// `seed`, the way every reader of the engine takes bytes (`Ok(None)`: all
/// used, nothing complete; `Ok(Some((item, used)))`: one item ended after
/// `used` bytes). Returns the items, then the error that stopped it, if any.
fn feed_in_pieces<T, E>(
    data: &[u8],
    style: u8,
    seed: u8,
    mut feed: impl FnMut(&[u8]) -> Result<Option<(T, usize)>, E>,
) -> (Vec<T>, Option<E>) {
    let mut rng = seeded(seed);
    let mut items = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let mut piece = &rest[..piece_size(style, &mut rng, rest.len())];
        rest = &rest[piece.len()..];
        while !piece.is_empty() {
            match feed(piece) {
                Ok(Some((item, used))) => {
                    assert!(used > 0 && used <= piece.len(), "used {used} of {piece:?}");
                    piece = &piece[used..];
                    items.push(item);
                }
                Ok(None) => piece = &[],
                Err(e) => return (items, Some(e)),
            }
        }
    }
    (items, None)
}

/// Everything one reader makes of `data`: the replies, then the error that
/// stopped it, if any.
fn read_replies(data: &[u8], style: u8, seed: u8) -> (Vec<Reply>, Option<ReplyError>) {
    let mut reader = ReplyReader::new(Limits::default());
    feed_in_pieces(data, style, seed, |piece| reader.feed(piece))
}

/// SMTP/LMTP replies. Layout: `[split byte] [server bytes...]`.
///
/// The bytes are read once whole and once cut into pieces the split byte
/// chooses; both readings must give the same replies and the same error
/// (fragmentation does not change what the parser sees). Every reply has a
/// valid code and respects the limits, and displays without panicking.
pub fn smtp_reply(data: &[u8]) {
    let Some((&split, stream)) = data.split_first() else {
        return;
    };
    let whole = read_replies(stream, 0, 0);
    let pieces = read_replies(stream, split, split >> 2);
    assert_eq!(whole, pieces, "fragmentation changed the replies");
    let limits = Limits::default();
    for reply in &whole.0 {
        assert!((200..600).contains(&reply.code), "code {}", reply.code);
        assert!(!reply.lines.is_empty() && reply.lines.len() <= limits.reply_lines);
        let _ = reply.to_string();
        let _ = reply.first_line();
    }
    if let Some(e) = &whole.1 {
        let _ = e.to_string();
    }
}

/// Everything a numbered-reply reader makes of `data`.
fn read_numbered(
    data: &[u8],
    style: Style,
    split: u8,
    seed: u8,
) -> (Vec<Reply>, Option<NumericError>) {
    let mut reader = NumericReader::new(style, Limits::default());
    feed_in_pieces(data, split, seed, |piece| reader.feed(piece))
}

/// FTP and NNTP replies. Layout: `[steer byte] [server bytes...]`; the
/// steer byte's low bit picks FTP's multi-line or NNTP's one-line style,
/// the rest how the bytes are cut.
///
/// Whole and in pieces, the reader must give the same replies and error;
/// codes are 100-599, an NNTP reply has one line, and every reply stays
/// within the limits.
pub fn numbered_reply(data: &[u8]) {
    let Some((&steer, stream)) = data.split_first() else {
        return;
    };
    let style = if steer & 1 == 0 {
        Style::MultiLine
    } else {
        Style::SingleLine
    };
    let whole = read_numbered(stream, style, 0, 0);
    let pieces = read_numbered(stream, style, steer >> 1, steer >> 3);
    assert_eq!(whole, pieces, "fragmentation changed the replies");
    let limits = Limits::default();
    for reply in &whole.0 {
        assert!((100..600).contains(&reply.code), "code {}", reply.code);
        assert!(!reply.lines.is_empty() && reply.lines.len() <= limits.reply_lines);
        if style == Style::SingleLine {
            assert_eq!(reply.lines.len(), 1);
        }
        let _ = reply.to_string();
    }
    if let Some(e) = &whole.1 {
        let _ = e.to_string();
    }
}

/// How an XMPP probe fed `stream` in pieces cut by `split` ended its
/// plaintext phase: `Ok` once it reached the TLS handshake, else the error
/// reduced to what cannot depend on the pieces (an XML error's excerpt
/// shows only the bytes held when it was found).
fn xmpp_plaintext(stream: &[u8], protocol: Protocol, split: u8, seed: u8) -> Result<Phase, String> {
    let config = Config::new(protocol)
        .with_server_name("chat.sim.test")
        .expect("a valid name")
        .with_crypto(probe_crypto());
    let mut now = Instant::now();
    let mut probe = Probe::new(config, now);
    let mut rng = seeded(seed);
    let mut rest = stream;
    loop {
        loop {
            match probe.poll_output() {
                Output::Transmit(bytes) => assert!(!bytes.is_empty(), "empty transmit"),
                Output::Done(Err(e)) => return Err(xmpp_error_kind(&e)),
                Output::Done(Ok(_)) => return Ok(Phase::Closing),
                _ => break,
            }
        }
        assert!(
            probe.buffered() < MAX_PROBE_BUFFERED,
            "probe buffers {}",
            probe.buffered()
        );
        if probe.phase() >= Phase::TlsHandshake {
            return Ok(probe.phase());
        }
        if rest.is_empty() {
            // The server says no more: the probe must end at its deadline.
            now = probe.deadline();
            probe.handle_input(Input::Timeout, now);
            match probe.poll_output() {
                Output::Done(Err(e)) => return Err(xmpp_error_kind(&e)),
                other => panic!("no end at the deadline: {other:?}"),
            }
        }
        let piece = &rest[..piece_size(split, &mut rng, rest.len())];
        rest = &rest[piece.len()..];
        now += Duration::from_millis(1);
        probe.handle_input(Input::Received(piece), now);
    }
}

fn xmpp_error_kind(e: &ProbeError) -> String {
    let _ = e.to_string();
    match e {
        ProbeError::Xmpp(XmppError::Xml { phase, error, .. }) => {
            let kind = match error {
                XmlError::Malformed { .. } => "malformed",
                XmlError::TooLarge { .. } => "too large",
                XmlError::TooDeep { .. } => "too deep",
                XmlError::Doctype => "doctype",
                _ => "other",
            };
            format!("xml {kind} {phase:?}")
        }
        ProbeError::Timeout { phase, .. } => format!("timeout {phase:?}"),
        // The excerpt shows the injected bytes of the read that held the
        // agreement, which the cuts decide.
        ProbeError::PlaintextAfterStartTls { .. } => "PlaintextAfterStartTls".to_owned(),
        other => format!("{other:?}"),
    }
}

/// The XMPP stream before TLS, through a probe. Layout: `[steer byte]
/// [server bytes...]`; the steer byte's low bit picks c2s or s2s, the rest
/// how the bytes are cut.
///
/// Whole and in pieces, the probe must reach the handshake or fail the same
/// way; it never holds more than [`MAX_PROBE_BUFFERED`] and always ends.
pub fn xmpp_stream(data: &[u8]) {
    let _ = xmpp_stream_outcome(data);
}

/// What [`xmpp_stream`] saw: `None` for an empty input, else the phase the
/// probe reached (the TLS handshake when the server agreed) or its error
/// reduced to its kind.
pub fn xmpp_stream_outcome(data: &[u8]) -> Option<Result<Phase, String>> {
    let (&steer, stream) = data.split_first()?;
    let protocol = if steer & 1 == 0 {
        Protocol::Xmpp
    } else {
        Protocol::XmppServer
    };
    let whole = xmpp_plaintext(stream, protocol, 0, 0);
    let pieces = xmpp_plaintext(stream, protocol, steer >> 1, steer >> 3);
    // Bytes after `<proceed/>` in the same read are injected plaintext;
    // when a cut falls right after `<proceed/>`, the probe is already in
    // the handshake and the rest is TLS's to judge (no client can tell the
    // two apart on the wire), so that one difference is allowed.
    let cut_at_agreement = matches!(&whole, Err(e) if e.starts_with("PlaintextAfterStartTls"))
        && pieces == Ok(Phase::TlsHandshake);
    assert!(
        whole == pieces || cut_at_agreement,
        "fragmentation changed the XMPP outcome: whole {whole:?}, in pieces {pieces:?}"
    );
    Some(whole)
}

/// Every line one [`LineReader`] makes of `data` cut into pieces chosen
/// by `style` and `seed`, then the error that stopped it, if any. Returns
/// also the most bytes the reader held at any point.
fn read_lines(
    data: &[u8],
    literals: bool,
    style: u8,
    seed: u8,
) -> (Vec<Vec<u8>>, Option<LineError>, usize) {
    let limits = Limits::default();
    let mut reader = if literals {
        LineReader::with_literals(limits)
    } else {
        LineReader::new(limits)
    };
    let mut held = 0;
    let (lines, error) = feed_in_pieces(data, style, seed, |piece| {
        let fed = reader.feed(piece);
        if fed.is_ok() {
            held = held.max(reader.buffered());
        }
        fed
    });
    (lines, error, held)
}

/// The lines of `[split byte] [server bytes...]` (IMAP literals followed
/// when `literals`), checked the same for every line protocol: read whole
/// and in pieces they are the same lines and error, and the reader never
/// held more than about two lines. `None` for empty input.
fn framed_lines(data: &[u8], literals: bool) -> Option<Vec<Vec<u8>>> {
    let (&split, stream) = data.split_first()?;
    let whole = read_lines(stream, literals, 0, 0);
    let pieces = read_lines(stream, literals, split, split >> 2);
    assert_eq!(
        (&whole.0, &whole.1),
        (&pieces.0, &pieces.1),
        "fragmentation changed the lines"
    );
    let limits = Limits::default();
    assert!(
        whole.2.max(pieces.2) <= 2 * limits.reply_line + 64,
        "held {}",
        pieces.2
    );
    Some(whole.0)
}

/// IMAP response framing (literals followed, bounded) and line parsing.
/// Layout: `[split byte] [server bytes...]`.
///
/// The bytes are read once whole and once in pieces; both readings must
/// give the same lines and error. No line is longer than the line limit,
/// the reader never holds more than about one line, and every line either
/// parses or is refused with a printable excerpt.
pub fn imap_response(data: &[u8]) {
    let Some(lines) = framed_lines(data, true) else {
        return;
    };
    let limits = Limits::default();
    for line in &lines {
        assert!(line.len() <= limits.reply_line);
        match ImapResponse::parse(line) {
            Ok(r) => {
                let _ = (r.status(), r.capabilities(), r.human_text(), r.to_string());
            }
            Err(e) => assert!(!e.to_string().chars().any(char::is_control)),
        }
    }
}

/// POP3 status lines: framing without literals, then `+OK`/`-ERR` parsing.
/// Layout: `[split byte] [server bytes...]`; the same properties as
/// [`imap_response`].
pub fn pop3_reply(data: &[u8]) {
    let Some(lines) = framed_lines(data, false) else {
        return;
    };
    for line in &lines {
        match Pop3Reply::parse(line) {
            Ok(r) => assert!(!r.to_string().chars().any(char::is_control)),
            Err(e) => assert!(!e.to_string().chars().any(char::is_control)),
        }
    }
}

/// The legacy capture's reader of a server's first flight in the clear.
/// Layout: `[split byte] [server bytes...]`.
///
/// The bytes are read once whole and once cut into pieces the split byte
/// chooses; both readings must end the same way (fragmentation does not
/// change the certificate or the error). The parser never holds more than
/// one record plus one handshake message; a flight it accepts has a
/// certificate and a version from SSL 3.0 to TLS 1.2.
pub fn legacy_flight(data: &[u8]) {
    let Some((&split, stream)) = data.split_first() else {
        return;
    };
    let whole = read_flight(stream, 0, 0);
    let pieces = read_flight(stream, split, split >> 2);
    // A non-TLS answer is refused at its first piece, so the excerpt it
    // quotes is that piece: only the kind of error must agree there.
    let same = match (&whole, &pieces) {
        (Some(Err(LegacyError::NotTls { .. })), Some(Err(LegacyError::NotTls { .. }))) => true,
        (a, b) => a == b,
    };
    assert!(
        same,
        "fragmentation changed the flight: {whole:?} / {pieces:?}"
    );
    match &whole {
        Some(Ok(flight)) => {
            assert!(!flight.chain.is_empty() && flight.chain.iter().all(|c| !c.is_empty()));
            assert!(
                (0x0300..=0x0303).contains(&flight.version),
                "{:#06x}",
                flight.version
            );
        }
        Some(Err(e)) => {
            let _ = e.to_string();
        }
        None => {}
    }
}

/// Feeds `stream` to a [`ServerFlight`] in pieces cut by `style`; the
/// parser's end, or `None` when it still needs more.
fn read_flight(stream: &[u8], style: u8, seed: u8) -> Option<Result<Flight, LegacyError>> {
    /// One record (2^14 + 2048 + header) and one handshake message, with
    /// room for a reading buffer's growth.
    const BOUND: usize = 2 * (18_437 + 4 + MAX_HANDSHAKE_MESSAGE);
    let mut parser = ServerFlight::new();
    let mut rng = seeded(seed);
    let mut rest = stream;
    while !rest.is_empty() {
        let n = piece_size(style, &mut rng, rest.len());
        let (piece, tail) = rest.split_at(n);
        rest = tail;
        match parser.receive(piece) {
            Ok(None) => assert!(
                parser.buffered() <= BOUND.max(2 * piece.len()),
                "parser holds {} bytes",
                parser.buffered()
            ),
            end => return Some(end.map(|f| f.expect("Some"))),
        }
    }
    None
}

/// The LDAP StartTLS reply decoder. Layout: all bytes are the server's.
///
/// Besides not panicking: a reply is complete exactly when its last byte
/// arrives, and what a prefix answers is either "need more" or the answer
/// for the whole (an answer, once given, never changes).
pub fn ldap_response(data: &[u8]) {
    let limit = Limits::default().ldap_message;
    let whole = decode_start_tls_response(data, limit);
    match &whole {
        Ok(Some((accepted, used))) => {
            assert!(*used > 0 && *used <= data.len());
            let again = decode_start_tls_response(&data[..*used], limit);
            assert_eq!(again, whole, "the reply alone decodes differently");
            let short = decode_start_tls_response(&data[..used - 1], limit);
            assert_eq!(short, Ok(None), "accepted before the last byte");
            let _ = format!("{accepted:?}");
        }
        Ok(None) => {}
        Err(e) => {
            let _ = e.to_string();
        }
    }
    // The excerpt shows what had arrived; the verdict is the same.
    prefixes_agree(
        data,
        &[1, 2, data.len() / 2, data.len().saturating_sub(1)],
        &whole,
        |prefix| decode_start_tls_response(prefix, limit),
        |a, b| {
            matches!(
                (a, b),
                (LdapError::NotLdap { .. }, LdapError::NotLdap { .. })
            )
        },
    );
}

/// Each prefix of `data` cut at `cuts` (those shorter than `data`) must
/// answer "need more" or what the whole answered; `same_verdict` accepts
/// two errors that differ only in what they quote of the bytes.
fn prefixes_agree<T: PartialEq + std::fmt::Debug, E: PartialEq + std::fmt::Debug>(
    data: &[u8],
    cuts: &[usize],
    whole: &Result<Option<T>, E>,
    decode: impl Fn(&[u8]) -> Result<Option<T>, E>,
    same_verdict: impl Fn(&E, &E) -> bool,
) {
    for &cut in cuts.iter().filter(|&&cut| cut < data.len()) {
        let prefix = decode(&data[..cut]);
        let agrees = match (&prefix, whole) {
            (Ok(None), _) => true,
            (Err(a), Err(b)) if same_verdict(a, b) => true,
            (prefix, whole) => prefix == whole,
        };
        assert!(
            agrees,
            "prefix of {cut} bytes answered {prefix:?}, the whole {whole:?}"
        );
    }
}

/// The MySQL/MariaDB server's first packet (handshake or ERR). Layout: all
/// bytes are the server's.
///
/// Besides not panicking: a packet is decoded exactly when its last byte
/// arrives, and a prefix answers "need more" or the same verdict as the
/// whole (the excerpt of a foreign protocol may show fewer bytes).
pub fn mysql_handshake(data: &[u8]) {
    use starttls_engine::mysql::{decode_server_packet, MysqlError};
    let limit = Limits::default().db_packet;
    let whole = decode_server_packet(data, limit);
    match &whole {
        Ok(Some((handshake, used))) => {
            assert!(*used >= 4 && *used <= data.len());
            assert_eq!(decode_server_packet(&data[..*used], limit), whole);
            assert_eq!(decode_server_packet(&data[..used - 1], limit), Ok(None));
            assert!(!handshake.server_version.chars().any(char::is_control));
        }
        Ok(None) => {}
        Err(e) => {
            let text = e.to_string();
            assert!(!text.chars().any(char::is_control), "{text:?}");
        }
    }
    prefixes_agree(
        data,
        &[1, 4, data.len() / 2, data.len().saturating_sub(1)],
        &whole,
        |prefix| decode_server_packet(prefix, limit),
        |a, b| {
            matches!(
                (a, b),
                (MysqlError::NotMysql { .. }, MysqlError::NotMysql { .. })
            )
        },
    );
}

/// The PostgreSQL ErrorResponse reader (protocol 2 and 3 forms). Layout:
/// `E` is prepended, the rest are the server's bytes after it.
///
/// Besides not panicking: a message is decoded exactly when its last byte
/// arrives, never past the bound, and prefixes agree with the whole.
pub fn postgres_error(data: &[u8]) {
    use starttls_engine::postgres::decode_error_response;
    let limit = Limits::default().db_packet;
    let mut msg = Vec::with_capacity(data.len() + 1);
    msg.push(b'E');
    msg.extend_from_slice(data);
    let whole = decode_error_response(&msg, limit);
    match &whole {
        Ok(Some((fields, used))) => {
            assert!(*used >= 2 && *used <= msg.len() && *used <= limit);
            assert_eq!(decode_error_response(&msg[..*used], limit), whole);
            assert_eq!(decode_error_response(&msg[..used - 1], limit), Ok(None));
            assert!(!fields.message.chars().any(char::is_control));
        }
        Ok(None) => assert!(msg.len() < limit),
        Err(e) => {
            let _ = e.to_string();
        }
    }
    prefixes_agree(
        &msg,
        &[1, 2, 5, msg.len() / 2, msg.len().saturating_sub(1)],
        &whole,
        |prefix| decode_error_response(prefix, limit),
        |_, _| false,
    );
}

/// The whole probe against a server that sends arbitrary bytes.
/// Layout: `[protocol byte] [driver byte] ([len u16 BE] [turn])...`.
///
/// The protocol byte picks a protocol of [`Protocol::ALL`] (modulo its length). The server's bytes
/// come in turns, as a server answers one request at a time; a piece never
/// spans two turns, so a turn ending with `220 Ready to start TLS` lets the
/// TLS bytes of the next turn reach the handshake. A last turn shorter than
/// its length takes what is left. The driver byte picks how each turn is cut
/// (bits 0-1: whole, single bytes, up to 16, up to 1500 bytes), how much
/// virtual time passes before each piece (bits 2-3: none, milliseconds, up
/// to 4 s, up to 12 s, past a phase deadline) and seeds the choices (bits
/// 4-7). What the probe transmits is dropped; deadlines are honoured with
/// [`Input::Timeout`]; the server closes after the last turn. When the probe
/// asks for a second connection (a legacy capture) it gets one at once, and
/// the remaining turns are that connection's. The probe must finish, within
/// one step per byte, ask to reconnect at most once, and never buffer more
/// than [`MAX_PROBE_BUFFERED`]. The probe runs on [`probe_config`]'s seeded
/// crypto, so the same input runs the same way.
pub fn probe_stream(data: &[u8]) {
    let _ = probe_stream_outcome(data);
}

/// What [`probe_stream`] saw the probe end with: `None` for inputs too short
/// to drive a probe, else the probe's result (the error as its message).
pub fn probe_stream_outcome(data: &[u8]) -> Option<Result<(), String>> {
    let [protocol, driver, stream @ ..] = data else {
        return None;
    };
    Some(drive(
        probe_config(protocol_for(*protocol)),
        &length_prefixed(stream),
        *driver,
    ))
}

/// The seed of the probe's crypto in [`probe_stream`]: a seed file recorded
/// from a server on `starttls_sim::deterministic` with this seed (the
/// simulator's `Scenario::with_seed(PROBE_SEED).with_seeded_crypto()`)
/// replays a whole TLS handshake, because the probe sends the very
/// ClientHello the recording server answered.
pub const PROBE_SEED: u64 = 0;

/// The configuration [`probe_stream`] probes `protocol` with: SNI
/// `mail.sim.test` and [`probe_crypto`], so no real cryptography runs, no
/// OS randomness is read, and the same input runs the same way.
pub fn probe_config(protocol: Protocol) -> Config {
    Config::new(protocol)
        .with_server_name(SERVER_NAME)
        .expect("a valid name")
        .with_crypto(probe_crypto())
}

/// The seeded, insecure provider ([`starttls_sim::deterministic`]) of
/// [`probe_config`], restarted at [`PROBE_SEED`]'s client stream: built
/// once per thread (rustls wants `'static` parts, so one per input would
/// leak), so parallel tests do not share its random stream.
pub fn probe_crypto() -> Crypto {
    thread_local! {
        static CRYPTO: (Crypto, &'static SeededRandom) = {
            let random: &'static SeededRandom =
                Box::leak(Box::new(SeededRandom::new(PROBE_SEED, CLIENT_STREAM)));
            let provider = Arc::new(deterministic::provider_with(random));
            (Crypto::new(provider, Arc::new(VirtualWallClock::new())), random)
        };
    }
    CRYPTO.with(|(crypto, random)| {
        random.reseed(PROBE_SEED, CLIENT_STREAM);
        crypto.clone()
    })
}

/// The protocol a [`probe_stream`] input's first byte selects: the byte
/// modulo the number of protocols indexes [`Protocol::ALL`], so a new
/// protocol is fuzzed as soon as it is listed there.
pub fn protocol_for(steer: u8) -> Protocol {
    Protocol::ALL[usize::from(steer) % Protocol::ALL.len()]
}

/// Splits `[len u16 BE] [bytes]...` into its parts; the last part may be
/// shorter than its length; empty parts are dropped.
fn length_prefixed(mut rest: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    while rest.len() >= 2 && parts.len() < MAX_PARTS {
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        let end = (2 + len).min(rest.len());
        if end > 2 {
            parts.push(&rest[2..end]);
        }
        rest = &rest[end..];
    }
    parts
}

/// Drives a probe through a server's turns (see [`probe_stream`]) and
/// returns its result as text.
pub fn drive(config: Config, turns: &[&[u8]], driver: u8) -> Result<(), String> {
    let t0 = Instant::now();
    let mut now = t0;
    let mut rng = seeded(driver >> 4);
    let mut probe = Probe::new(config, now);
    let total: usize = turns.iter().map(|t| t.len()).sum();
    let mut turns = turns.iter().copied();
    let mut rest: &[u8] = &[];
    let mut steps = 0usize;
    let mut reconnects = 0usize;
    loop {
        let deadline = loop {
            match probe.poll_output() {
                Output::Transmit(bytes) => assert!(!bytes.is_empty(), "empty transmit"),
                Output::Wait(deadline) => break deadline,
                Output::Reconnect => {
                    reconnects += 1;
                    assert!(reconnects <= 1, "the probe asked to reconnect twice");
                    probe.handle_input(Input::Reconnected, now);
                }
                Output::Done(result) => {
                    assert!(probe.is_done());
                    return result
                        .map(|report| {
                            let _ = report.tls_version_name();
                            let _ = report.cipher_suite_name();
                        })
                        .map_err(|e| e.to_string());
                }
                // `Output` may grow: anything new is waited out like `Wait`.
                _ => break probe.deadline(),
            }
        };
        assert!(
            probe.buffered() < MAX_PROBE_BUFFERED,
            "probe buffers {} bytes",
            probe.buffered()
        );
        steps += 1;
        assert!(steps <= total + 3, "probe not done after {steps} steps");
        if rest.is_empty() {
            match turns.next() {
                Some(turn) => rest = turn,
                None => {
                    probe.handle_input(Input::Closed, now);
                    let retry = reconnects == 0 && probe.poll_output() == Output::Reconnect;
                    assert!(
                        probe.is_done() || retry,
                        "probe neither done nor reconnecting after the server closed"
                    );
                    continue;
                }
            }
        }
        let delay = match (driver >> 2) % 4 {
            0 => Duration::ZERO,
            1 => Duration::from_millis(rng.next_u64() % 50),
            2 => Duration::from_millis(rng.next_u64() % 4000),
            _ => Duration::from_millis(rng.next_u64() % 12_000),
        };
        let arrival = now + delay;
        if arrival >= deadline {
            now = deadline;
            probe.handle_input(Input::Timeout, now);
            assert!(probe.is_done(), "probe not done at its deadline");
            continue;
        }
        now = arrival;
        let piece = &rest[..piece_size(driver, &mut rng, rest.len())];
        rest = &rest[piece.len()..];
        probe.handle_input(Input::Received(piece), now);
    }
}

/// 2026-01-01T00:00:00Z, the time the analysis targets judge validity at
/// unless the flags pick another.
const NOW: u64 = 1_767_225_600;

/// Analysis options from a flags byte: bits 0-1 the name check, bits 2-3 the
/// name, bits 4-5 the time.
fn options_from(flags: u8, trust: TrustStore) -> AnalysisOptions {
    let check = match flags % 4 {
        0 => NameCheck::None,
        1 => NameCheck::Cn,
        _ => NameCheck::CnSan,
    };
    let name = match (flags >> 2) % 4 {
        0 => "mail.sim.test",
        1 => "MAIL.Sim.TEST.",
        2 => "192.0.2.1",
        _ => "other.example.org",
    };
    let seconds = match (flags >> 4) % 4 {
        0 => NOW,
        1 => 0,
        2 => 4_102_444_800,   // 2100-01-01
        _ => 253_402_300_799, // 9999-12-31T23:59:59Z
    };
    AnalysisOptions::new(
        UnixTime::since_unix_epoch(Duration::from_secs(seconds)),
        trust,
    )
    .with_name(name)
    .with_name_check(check)
}

/// Runs the analysis and looks at every part of the report a sensor prints.
fn analyze_and_print(chain: &[CertificateDer<'_>], options: &AnalysisOptions) {
    match analyze(chain, options) {
        Ok(report) => {
            let _ = format!("{report:?}");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// Certificate analysis of arbitrary DER. Layout: `[flags] ([len u16 BE]
/// [blob])...`; a last blob shorter than its length takes what is left,
/// empty blobs are dropped.
///
/// Without bit 7 of flags every blob is a certificate of the chain, and
/// blob `i` (for `i` < 7) is also offered to a [`TrustStore`] with
/// [`TrustStore::add_der`] when bit `i` is set. With bit 7 the first blob is
/// PEM text for [`TrustStore::from_pem`] and the other blobs are the chain.
/// The options are fixed: name `mail.sim.test`, CN/SAN check, 2026-01-01.
pub fn analysis_der(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let blobs = length_prefixed(rest);
    let mut trust = TrustStore::new();
    let chain: Vec<CertificateDer<'_>> = if flags & 0x80 != 0 {
        if let Some(pem) = blobs.first() {
            match TrustStore::from_pem(pem) {
                Ok(store) => trust = store,
                Err(e) => {
                    let _ = e.to_string();
                }
            }
        }
        blobs
            .iter()
            .skip(1)
            .map(|b| CertificateDer::from(*b))
            .collect()
    } else {
        for (i, blob) in blobs.iter().enumerate().take(7) {
            if flags & (1 << i) != 0 {
                if let Err(e) = trust.add_der(&CertificateDer::from(*blob)) {
                    let _ = e.to_string();
                }
            }
        }
        blobs.iter().map(|b| CertificateDer::from(*b)).collect()
    };
    let options = options_from(0b10, trust);
    analyze_and_print(&chain, &options);
}

/// Length of the DER element starting `buf` (header and content), if its
/// header is readable and it fits.
fn der_element_len(buf: &[u8]) -> Option<usize> {
    let (header, len) = starttls_engine::ber_length::read_header(buf, 4).ok()??;
    let total = header.checked_add(usize::try_from(len).ok()?)?;
    (total <= buf.len()).then_some(total)
}

/// Certificate analysis of mutated real chains. Layout: `[flags]
/// [certificate DER]...`, the certificates back to back as a server sends
/// them; each ends where its outer length says, and bytes that do not frame
/// form one last certificate.
///
/// Flags bits 0-5 pick the options (name check, name, time, see
/// `options_from`); bit 6 makes the last certificate a trust anchor
/// ([`TrustStore::add_anchor_der`]); bit 7 offers every certificate after
/// the first to [`TrustStore::add_der`].
pub fn analysis_chain(data: &[u8]) {
    let Some((&flags, mut rest)) = data.split_first() else {
        return;
    };
    let mut chain = Vec::new();
    while !rest.is_empty() && chain.len() < MAX_PARTS {
        let len = der_element_len(rest).unwrap_or(rest.len());
        chain.push(CertificateDer::from(&rest[..len]));
        rest = &rest[len..];
    }
    let mut trust = TrustStore::new();
    if flags & 0x40 != 0 {
        if let Some(last) = chain.last() {
            if let Err(e) = trust.add_anchor_der(last) {
                let _ = e.to_string();
            }
        }
    }
    if flags & 0x80 != 0 {
        for cert in chain.iter().skip(1) {
            let _ = trust.add_der(cert);
        }
    }
    let options = options_from(flags, trust);
    analyze_and_print(&chain, &options);
}

/// The old sensor's parameter string, [`starttls_cert::params::parse`]. Layout: the
/// string (inputs that are not UTF-8 are skipped).
///
/// A name it accepts is never empty and has no whitespace.
pub fn params(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match starttls_cert::params::parse(text) {
        Ok(params) => {
            if let Some(name) = &params.cert_domainname {
                assert!(!name.is_empty() && !name.contains(char::is_whitespace));
            }
            assert_ne!(params.port, Some(0));
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// Quotes `word` for a POSIX shell: single quotes, with `'` as `'\''`.
pub fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// The stdin argument splitter, [`starttls_cert::shell_words::split`]. Layout: the
/// line (inputs that are not UTF-8 are skipped).
///
/// Round trip: the words it returns, each quoted with [`shell_quote`] and
/// joined with spaces, split back into the same words.
pub fn shell_words(data: &[u8]) {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    match starttls_cert::shell_words::split(line) {
        Ok(words) => {
            let joined: Vec<String> = words.iter().map(|w| shell_quote(w)).collect();
            let again = starttls_cert::shell_words::split(&joined.join(" "));
            assert_eq!(again.as_ref(), Ok(&words), "round trip of {line:?}");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_element_len_reads_short_and_long_forms() {
        assert_eq!(der_element_len(&[0x30, 0x01, 0xff, 0xee]), Some(3));
        assert_eq!(der_element_len(&[0x30, 0x82, 0x00, 0x01, 0xff]), Some(5));
        assert_eq!(der_element_len(&[0x30, 0x82, 0x00, 0x02, 0xff]), None);
        assert_eq!(der_element_len(&[0x30, 0x80]), None);
        assert_eq!(der_element_len(&[0x30]), None);
    }

    #[test]
    fn shell_quote_round_trips_awkward_words() {
        shell_words(b"'' \"a b\" c\\'d \"it's\" 'x'\\''y' \t");
    }

    #[test]
    fn probe_stream_ends_on_an_empty_or_silent_server() {
        for protocol in 0..3 {
            probe_stream(&[protocol, 0]);
            probe_stream(&[protocol, 0b1111]);
        }
    }
}
