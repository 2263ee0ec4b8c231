//! Legacy capture: reading the certificate from servers rustls cannot finish
//! a handshake with.
//!
//! rustls speaks only TLS 1.2 and 1.3 with modern suites. A server that
//! speaks only TLS 1.0/1.1, offers only plain-RSA key exchange or CBC
//! suites, or aborts its own handshake after sending its certificate still
//! *sends* a certificate: TLS up to 1.2 carries the `Certificate` message in
//! the clear. When the first handshake fails in a way such a server causes
//! ([`worth_retrying`]), the probe asks its driver for a second connection
//! ([`Output::Reconnect`](crate::Output::Reconnect)), runs the same preamble
//! again and sends a hand-built ClientHello ([`client_hello`]): a TLS 1.0
//! record, maximum version TLS 1.2, a wide list of suites, every signature
//! scheme and group, and SNI. [`ServerFlight`] reads the answer, a bounded
//! incremental parser of records and handshake messages, up to the
//! `Certificate` message; then the probe sends a `user_canceled` alert and
//! the connection ends. The server logs an aborted handshake.
//!
//! Nothing here encrypts, decrypts or verifies: the result is the chain as
//! the server sent it, the version and suite it chose, analysed afterwards
//! like any other chain.

mod capture;
mod error;
mod flight;
mod hello;
mod retry;

pub(crate) use capture::LegacyCapture;
pub use error::{LegacyError, LegacyFailure};
#[doc(hidden)]
pub use flight::{Flight, ServerFlight, MAX_HANDSHAKE_MESSAGE};
#[doc(hidden)]
pub use hello::{abort_alert, client_hello, suite_name, OFFERED_SUITES};
pub(crate) use retry::server_aborted;
#[doc(hidden)]
pub use retry::worth_retrying;
