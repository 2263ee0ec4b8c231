//! SMTP and LMTP before TLS: the reply parser and the preamble machine.

mod error;
mod preamble;
mod reply;

pub use error::SmtpError;
pub(crate) use preamble::SmtpPreamble;
#[doc(hidden)]
pub use reply::ReplyReader;
pub use reply::{Reply, ReplyError};
