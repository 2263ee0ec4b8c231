//! LDAP before TLS: the StartTLS extended operation (RFC 4511 section 4.14).
//!
//! The request and the goodbye are encoded with `ldap3_proto`. The reply is
//! framed here (a wrong first byte or an oversized length fails at once),
//! decoded with `ldap3_proto`'s codec, and read by our own small BER reader
//! where the codec refuses a reply real servers may send. Every refusal
//! keeps the server's result code name, number and diagnostic message.

mod ber;
mod error;
mod framing;
mod preamble;
mod request;
mod response;

pub use error::{result_code_name, LdapError};
pub(crate) use preamble::LdapPreamble;
#[doc(hidden)]
pub use request::{start_tls_request, unbind_request, START_TLS_MESSAGE_ID, UNBIND_MESSAGE_ID};
#[doc(hidden)]
pub use response::{decode_start_tls_response, StartTlsAccepted};

#[doc(hidden)]
/// The StartTLS extended operation's OID (RFC 4511 section 4.14.1).
pub const START_TLS_OID: &str = "1.3.6.1.4.1.1466.20037";

#[doc(hidden)]
/// The Notice of Disconnection's OID (RFC 4511 section 4.4.1).
pub const NOTICE_OF_DISCONNECTION_OID: &str = "1.3.6.1.4.1.1466.20036";
