//! # starttls-engine
//!
//! A sans-IO probe that checks the TLS certificate of servers spoken to in
//! plaintext before TLS starts: SMTP and LMTP `STARTTLS`, the LDAP StartTLS
//! extended operation, FTP `AUTH TLS`, NNTP `STARTTLS`, XMPP STARTTLS,
//! PostgreSQL's SSLRequest and MySQL/MariaDB's SSLRequest packet.
//! It walks the plaintext preamble, drives a rustls handshake from memory,
//! captures the certificate chain exactly as the server sent it, and says
//! goodbye politely.
//!
//! The engine does no I/O and reads no clock: bytes go in through
//! [`Probe::handle_input`], bytes and deadlines come out of
//! [`Probe::poll_output`], and the caller passes the current [`Instant`]
//! (real or simulated). The same probe therefore runs over a blocking socket,
//! an event loop with thousands of connections, or a deterministic simulator.
//!
//! Randomness and wall-clock time come from the caller too: rustls draws
//! both from the [`Crypto`] in the [`Config`] (a rustls `CryptoProvider`
//! and `TimeProvider`). [`Config::new`] uses [`Crypto::ring`] (ring and the
//! system clock); a driver checking many servers builds one [`Crypto`] and
//! passes it to every config with [`Config::with_crypto`], and a simulator
//! or fuzzer passes a seeded provider and its virtual clock. The rustls
//! client configuration itself is built per probe, because its verifier
//! records that connection's handshake signature verdict. Note that ring's
//! own key exchange groups draw their ephemeral keys from the system, not
//! from the provider's `secure_random`: byte-identical handshakes need a
//! provider whose groups are deterministic too.
//!
//! ## A complete driver over a blocking `TcpStream`
//!
//! ```no_run
//! use std::io::{ErrorKind, Read, Write};
//! use std::net::TcpStream;
//! use std::time::Instant;
//!
//! use starttls_engine::{Config, Input, Output, Probe, Protocol};
//!
//! fn check(addr: &str, name: &str) -> Result<(), Box<dyn std::error::Error>> {
//!     let mut stream = TcpStream::connect(addr)?;
//!     let config = Config::new(Protocol::Smtp).with_server_name(name)?;
//!     // The probe starts once the connection is up.
//!     let mut probe = Probe::new(config, Instant::now());
//!     let mut buf = [0u8; 4096];
//!     loop {
//!         match probe.poll_output() {
//!             Output::Transmit(bytes) => {
//!                 // A server that does not read must not block us past the
//!                 // probe's deadline: bound the write too.
//!                 let left = probe.deadline().saturating_duration_since(Instant::now());
//!                 if left.is_zero() {
//!                     probe.handle_input(Input::Timeout, Instant::now());
//!                     continue;
//!                 }
//!                 stream.set_write_timeout(Some(left))?;
//!                 if stream.write_all(&bytes).is_err() {
//!                     // A write that fails or times out ends the
//!                     // conversation like a reset; the probe names the phase.
//!                     probe.handle_input(Input::Closed, Instant::now());
//!                 }
//!             }
//!             Output::Reconnect => {
//!                 // A legacy capture: the same server on a new connection.
//!                 match TcpStream::connect(addr) {
//!                     Ok(s) => {
//!                         stream = s;
//!                         probe.handle_input(Input::Reconnected, Instant::now());
//!                     }
//!                     Err(_) => probe.handle_input(Input::Closed, Instant::now()),
//!                 }
//!             }
//!             Output::Done(Ok(report)) => {
//!                 println!(
//!                     "{} certificates, {}, handshake {}",
//!                     report.chain.len(),
//!                     report.tls_version_name(),
//!                     report.handshake_text()
//!                 );
//!                 return Ok(());
//!             }
//!             Output::Done(Err(error)) => return Err(error.into()),
//!             // `Wait`, and any output a later version adds: read until the
//!             // probe's deadline.
//!             _ => {
//!                 let now = Instant::now();
//!                 let left = probe.deadline().saturating_duration_since(now);
//!                 if left.is_zero() {
//!                     probe.handle_input(Input::Timeout, now);
//!                     continue;
//!                 }
//!                 stream.set_read_timeout(Some(left))?;
//!                 match stream.read(&mut buf) {
//!                     Ok(0) => probe.handle_input(Input::Closed, Instant::now()),
//!                     Ok(n) => probe.handle_input(Input::Received(&buf[..n]), Instant::now()),
//!                     Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
//!                         probe.handle_input(Input::Timeout, Instant::now())
//!                     }
//!                     Err(e) if e.kind() == ErrorKind::Interrupted => {}
//!                     Err(_) => probe.handle_input(Input::Closed, Instant::now()),
//!                 }
//!             }
//!         }
//!     }
//! }
//! # check("127.0.0.1:25", "mail.example.com").unwrap();
//! ```
//!
//! Two runnable examples go further: `cargo run -p starttls-engine --example
//! loopback_check` runs this loop against the simulator's loopback server and
//! then analyses the chain with the operating system's roots
//! (`analysis::TrustStore::from_native_roots`, feature `native-roots`);
//! `cargo run -p starttls-engine --example tokio_task` embeds the probe in a
//! tokio task instead.
//!
//! ## The driver contract
//!
//! A driver is correct when it keeps these rules; the probe keeps the rest.
//!
//! - **Drain `Transmit` until `Wait` or `Done`.** After [`Probe::new`] and
//!   after every [`Probe::handle_input`], call [`Probe::poll_output`] again
//!   and again, writing each [`Output::Transmit`] in order, until it answers
//!   [`Output::Wait`] or [`Output::Done`]. Only then read. A driver whose
//!   socket takes part of the bytes keeps the rest and writes them before
//!   anything newer (the probe never asks for them again).
//! - **`now` is monotonic.** Pass an [`Instant`] (or a virtual clock's) to
//!   every call, never going backwards. Wall-clock time, which judges
//!   certificate validity, enters the analysis separately as a value.
//! - **An early `Timeout` is harmless.** [`Input::Timeout`] before the
//!   deadline is ignored: the probe compares `now` with its own deadline on
//!   every input. A driver may therefore wake up spuriously, or share one
//!   timer among many probes. [`Probe::deadline`] always says when the next
//!   timeout is due, and no time limit can overflow (`Duration::MAX` is a
//!   valid limit; deadlines saturate).
//! - **`Closed` covers resets.** Feed [`Input::Closed`] for end of file
//!   (read returned 0) and for any read error that ends the connection
//!   (connection reset, broken pipe): the probe names the phase in its error.
//! - **The probe starts after connect.** [`Probe::new`] is called when the
//!   TCP connection is established; its time limits cover neither DNS nor
//!   connect. A driver with an overall limit that started earlier passes its
//!   end with [`Config::with_deadline`] instead of shortening the timeouts.
//! - **When a write fails**, feed [`Input::Closed`] (the check fails with the
//!   phase named), or drop the probe and report the operating system's
//!   error: both are correct. Never retry the bytes on a new connection.
//! - **Set write timeouts.** A server that stops reading fills the socket
//!   buffer: a blocking `write` must be bounded by the time left until
//!   [`Probe::deadline`]; an event loop keeps unsent bytes and waits for
//!   writability no longer than that deadline.
//! - **`Done` can be polled again.** Once [`Output::Done`] appears, later
//!   polls return the same result and later inputs are ignored; close the
//!   connection then (the probe has already said goodbye inside TLS).
//! - **Match with a wildcard.** [`Output`], [`Protocol`], [`Phase`] and the
//!   error enums are `#[non_exhaustive]`. Treat an output your driver does not
//!   know like [`Output::Wait`] until [`Probe::deadline`]: the deadline always
//!   ends the check.
//!
//! The probe does no DNS, connect, socket close, logging or clock reading;
//! it never panics on server input and bounds every buffer ([`Limits`]).
//!
//! ## Modules
//! - [`Probe`], [`Input`], [`Output`]: the state machine and its contract.
//! - [`Config`]: protocol, names, [`Timeouts`], [`Limits`] and an optional
//!   absolute [`Deadline`], behind validating setters.
//! - [`Report`] on success, [`ProbeError`] on failure; both name the [`Phase`].
//! - [`smtp`]: the incremental SMTP/LMTP reply parser.
//! - [`analysis`]: the certificate report (expiry, name check, key, trust, chain problems and more)
//!   as a pure function of the chain, the options and the time.
//! - [`ldap`]: the LDAP StartTLS request, reply decoder and [`ldap::LdapError`].
//! - [`postgres`]: the PostgreSQL SSLRequest, its ErrorResponse reader and
//!   [`postgres::PostgresError`].
//! - [`mysql`]: the MySQL/MariaDB handshake packet reader, the SSLRequest
//!   packet and [`mysql::MysqlError`].
//! - [`ftp`], [`nntp`], [`xmpp`]: their errors; [`numeric`]: the FTP/NNTP
//!   reply reader; [`xmpp::XmlError`]: the bounded XML stream's errors.
//! - [`legacy`]: reading the certificate in the clear from servers rustls
//!   cannot finish a handshake with (TLS 1.0/1.1, obsolete suites, servers
//!   that abort after their certificate), on a second connection.
//!
//! ## Adding a protocol
//!
//! [`Protocol::ALL`] lists every protocol; the command's names, the
//! simulator's personalities, the fuzz harness and its seed corpus are
//! driven by it, and the test `tests/protocol_coverage.rs` of the command
//! fails when one of them misses a protocol. The step-by-step checklist is
//! in the docs of the (private) `preamble` module, `src/preamble.rs`.
//!
//! [`Instant`]: std::time::Instant

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod analysis;
#[doc(hidden)]
pub mod ber_length;
mod closing;
mod config;
mod crypto;
mod error;
pub mod ftp;
mod guess;
pub mod imap;
#[doc(hidden)]
pub mod internals;
mod io;
pub mod ldap;
pub mod legacy;
mod line_preamble;
pub mod lines;
pub mod mysql;
pub mod nntp;
pub mod numeric;
mod phase;
mod phase_words;
pub mod pop3;
pub mod postgres;
mod preamble;
mod probe;
mod report;
pub mod sieve;
pub mod smtp;
mod text;
mod tls;
pub mod xmpp;

pub use closing::CLOSING_BYTE_BUDGET;
pub use config::{Config, ConfigError, Deadline, Limits, Protocol, Timeouts};
pub use crypto::Crypto;
pub use error::{Arrived, ProbeError};
pub use io::{Input, Output};
pub use phase::Phase;
pub use probe::Probe;
pub use report::{CloseOutcome, Handshake, HandshakeSignature, LegacyRead, PhaseTiming, Report};
pub use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

/// The rustls this engine is built with, so embedders match on
/// [`Report::tls_version`], [`Report::cipher_suite`] and the TLS errors
/// inside [`ProbeError`] (alerts included) without a version mismatch.
pub use rustls;
/// The alert a server sent instead of completing the handshake
/// ([`ProbeError::TlsAlert`]).
pub use rustls::AlertDescription;
/// The negotiated version and suite types of [`Report`].
pub use rustls::{CipherSuite, ProtocolVersion};
