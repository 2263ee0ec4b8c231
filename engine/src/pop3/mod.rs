//! POP3 before TLS (RFC 1939, RFC 2449 `CAPA`, RFC 2595 `STLS`).

mod error;
mod preamble;
mod reply;

pub use error::Pop3Error;
pub(crate) use preamble::{Pop3Preamble, QUIT};
#[doc(hidden)]
pub use reply::{NotPop3Reply, Pop3Reply};
