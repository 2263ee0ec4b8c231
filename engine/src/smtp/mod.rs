//! SMTP and LMTP before TLS: the reply parser and the preamble machine.

mod error;
mod preamble;
mod reply;

pub use error::SmtpError;
pub(crate) use preamble::SmtpPreamble;
pub use reply::{Reply, ReplyError, ReplyReader};
