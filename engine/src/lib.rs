//! starttls-engine: the sans-IO core of starttls-cert.
//!
//! It walks SMTP/LMTP/LDAP STARTTLS and the TLS handshake as state machines
//! fed with bytes and times by a driver, and analyses the server's
//! certificate chain. Nothing in this crate opens a socket, reads a clock or
//! a file, or starts a thread.
//!
//! - [`analysis`]: the certificate report (PRTG's SSL sensor channels and more)
//!   as a pure function of the chain, the options and the time.

pub mod analysis;
