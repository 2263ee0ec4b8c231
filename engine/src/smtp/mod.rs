//! SMTP and LMTP before TLS: the reply parser and the preamble machine.

mod preamble;
mod reply;

pub(crate) use preamble::SmtpPreamble;
pub use reply::{Reply, ReplyError, ReplyReader};
