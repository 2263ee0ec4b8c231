//! The two messages we send: the StartTLS extended request before TLS and
//! the unbind request inside TLS, both encoded by `ldap3_proto`.

use bytes::BytesMut;
use ldap3_proto::proto::{LdapExtendedRequest, LdapMsg, LdapOp};
use ldap3_proto::LdapCodec;
use tokio_util::codec::Encoder;

use super::START_TLS_OID;

/// The message id of our StartTLS request; the reply must carry it.
pub const START_TLS_MESSAGE_ID: i32 = 1;

/// The message id of the unbind request sent inside TLS.
pub const UNBIND_MESSAGE_ID: i32 = 2;

/// The StartTLS request with message id 1 as every LDAP client sends it
/// (RFC 4511 section 4.14.1): 31 bytes.
const WELL_KNOWN_START_TLS: [u8; 31] = [
    0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16, b'1', b'.', b'3', b'.', b'6', b'.', b'1',
    b'.', b'4', b'.', b'1', b'.', b'1', b'4', b'6', b'6', b'.', b'2', b'0', b'0', b'3', b'7',
];

/// The unbind request with message id 2: `30 05 02 01 02 42 00`.
const WELL_KNOWN_UNBIND: [u8; 7] = [0x30, 0x05, 0x02, 0x01, 0x02, 0x42, 0x00];

/// Encodes `msg` with `ldap3_proto`, or returns `fallback` should the encoder
/// ever fail (it writes into memory, so it does not; the tests check both
/// give the same bytes).
fn encode(msg: LdapMsg, fallback: &[u8]) -> BytesMut {
    let mut out = BytesMut::new();
    match LdapCodec::default().encode(msg, &mut out) {
        Ok(()) => out,
        Err(_) => BytesMut::from(fallback),
    }
}

/// The StartTLS extended request (OID 1.3.6.1.4.1.1466.20037, no value).
pub fn start_tls_request() -> BytesMut {
    let msg = LdapMsg::new(
        START_TLS_MESSAGE_ID,
        LdapOp::ExtendedRequest(LdapExtendedRequest {
            name: START_TLS_OID.to_owned(),
            value: None,
        }),
    );
    encode(msg, &WELL_KNOWN_START_TLS)
}

/// The unbind request (RFC 4511 section 4.3) that ends the session politely.
pub fn unbind_request() -> BytesMut {
    encode(
        LdapMsg::new(UNBIND_MESSAGE_ID, LdapOp::UnbindRequest),
        &WELL_KNOWN_UNBIND,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_tls_request_is_the_well_known_31_bytes() {
        assert_eq!(&start_tls_request()[..], &WELL_KNOWN_START_TLS[..]);
    }

    #[test]
    fn unbind_request_is_seven_bytes_with_message_id_2() {
        assert_eq!(&unbind_request()[..], &WELL_KNOWN_UNBIND[..]);
    }
}
