//! The TLS phase: rustls driven from memory, with a verifier that records
//! instead of rejecting.

mod session;
mod verifier;

pub(crate) use session::{Closing, TlsSession};
pub(crate) use verifier::RecordingVerifier;
