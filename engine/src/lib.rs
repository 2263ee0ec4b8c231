//! # starttls-engine
//!
//! A sans-IO probe that checks the TLS certificate of servers spoken to in
//! plaintext before TLS starts: SMTP and LMTP `STARTTLS` and the LDAP StartTLS
//! extended operation. It walks the plaintext preamble, drives a rustls
//! handshake from memory, captures the certificate chain exactly as the
//! server sent it, and says goodbye politely.
//!
//! The engine does no I/O and reads no clock: bytes go in through
//! [`Probe::handle_input`], bytes and deadlines come out of
//! [`Probe::poll_output`], and the caller passes the current [`Instant`]
//! (real or simulated). The same probe therefore runs over a blocking socket,
//! an event loop with thousands of connections, or a deterministic simulator.
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
//!     let mut probe = Probe::new(config, Instant::now());
//!     let mut buf = [0u8; 4096];
//!     loop {
//!         match probe.poll_output() {
//!             Output::Transmit(bytes) => stream.write_all(&bytes)?,
//!             Output::Wait(deadline) => {
//!                 let now = Instant::now();
//!                 if deadline <= now {
//!                     probe.handle_input(Input::Timeout, now);
//!                     continue;
//!                 }
//!                 stream.set_read_timeout(Some(deadline - now))?;
//!                 match stream.read(&mut buf) {
//!                     Ok(0) => probe.handle_input(Input::Closed, Instant::now()),
//!                     Ok(n) => probe.handle_input(Input::Received(&buf[..n]), Instant::now()),
//!                     Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
//!                         probe.handle_input(Input::Timeout, Instant::now())
//!                     }
//!                     Err(_) => probe.handle_input(Input::Closed, Instant::now()),
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
//!         }
//!     }
//! }
//! # check("127.0.0.1:25", "mail.example.com").unwrap();
//! ```
//!
//! ## Modules
//! - [`Probe`], [`Input`], [`Output`]: the state machine and its contract.
//! - [`Config`]: protocol, names, [`Timeouts`] and [`Limits`].
//! - [`Report`] on success, [`ProbeError`] on failure; both name the [`Phase`].
//! - [`smtp`]: the incremental SMTP/LMTP reply parser.
//! - [`analysis`]: the certificate report (PRTG's SSL sensor channels and more)
//!   as a pure function of the chain, the options and the time.
//! - [`ldap`]: the LDAP StartTLS request, reply decoder and [`ldap::LdapError`].
//! - [`legacy`]: reading the certificate in the clear from servers rustls
//!   cannot finish a handshake with (TLS 1.0/1.1, obsolete suites, servers
//!   that abort after their certificate), on a second connection.
//!
//! [`Instant`]: std::time::Instant

pub mod analysis;
mod config;
mod error;
mod io;
pub mod ldap;
pub mod legacy;
mod phase;
mod preamble;
mod probe;
mod report;
pub mod smtp;
mod text;
mod tls;

pub use config::{Config, ConfigError, Limits, Protocol, Timeouts};
pub use error::ProbeError;
pub use io::{Input, Output};
pub use phase::Phase;
pub use probe::Probe;
pub use report::{CloseOutcome, Handshake, HandshakeSignature, LegacyRead, PhaseTiming, Report};
pub use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
