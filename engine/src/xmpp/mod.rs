//! XMPP before TLS (RFC 6120 section 5): the client's stream header, the
//! server's header and `<stream:features>`, `<starttls/>` answered with
//! `<proceed/>`; `</stream:stream>` inside TLS as the goodbye.

mod error;
mod preamble;
mod scanner;

pub use error::XmppError;
pub use scanner::XmlError;
#[doc(hidden)]
pub use scanner::MAX_DEPTH;

pub(crate) use preamble::XmppPreamble;
pub(crate) use scanner::{Item, Scanner};

/// The STARTTLS namespace (RFC 6120 section 5.4.2.1).
#[doc(hidden)]
pub const TLS_NS: &str = "urn:ietf:params:xml:ns:xmpp-tls";
