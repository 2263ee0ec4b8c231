//! ManageSieve before TLS (RFC 5804).

mod error;
mod preamble;

pub use error::SieveError;
pub(crate) use preamble::{is_final, SievePreamble, LOGOUT};
