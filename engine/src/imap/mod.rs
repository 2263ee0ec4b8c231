//! IMAP before TLS (RFC 9051, RFC 3501, RFC 2595 `STARTTLS`).

mod error;
mod preamble;
mod response;

pub use error::ImapError;
pub(crate) use preamble::{logout_done, ImapPreamble, LOGOUT};
#[doc(hidden)]
pub use response::{NotImapResponse, Response, Status, Tag};
