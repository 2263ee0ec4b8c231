//! IMAP before TLS (RFC 9051, RFC 3501, RFC 2595 `STARTTLS`).

mod response;

pub use response::{NotImapResponse, Response, Status, Tag};
