//! POP3 before TLS (RFC 1939, RFC 2449 `CAPA`, RFC 2595 `STLS`).

mod reply;

pub use reply::{NotPop3Reply, Pop3Reply};
