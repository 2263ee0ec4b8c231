//! MySQL and MariaDB before TLS: read the server's initial handshake packet
//! (protocol version 10), check that it offers `CLIENT_SSL`, send the
//! SSLRequest packet and start TLS at once: the server does not answer it
//! (MySQL client/server protocol, "Connection Phase", "SSL Handshake").

mod error;
mod handshake;
mod packet;
mod preamble;

pub use error::MysqlError;
#[doc(hidden)]
pub use handshake::{decode_server_packet, ServerHandshake};
pub(crate) use preamble::MysqlPreamble;

/// `CLIENT_LONG_PASSWORD`: new password hashing.
#[doc(hidden)]
pub const CLIENT_LONG_PASSWORD: u32 = 0x0000_0001;
/// `CLIENT_LONG_FLAG`: longer column flags.
#[doc(hidden)]
pub const CLIENT_LONG_FLAG: u32 = 0x0000_0004;
/// `CLIENT_PROTOCOL_41`: the 4.1 protocol (the SSLRequest's 32-byte form).
#[doc(hidden)]
pub const CLIENT_PROTOCOL_41: u32 = 0x0000_0200;
/// `CLIENT_SSL`: switch to TLS after the SSLRequest packet.
#[doc(hidden)]
pub const CLIENT_SSL: u32 = 0x0000_0800;
/// `CLIENT_TRANSACTIONS`: status flags in EOF/OK packets.
#[doc(hidden)]
pub const CLIENT_TRANSACTIONS: u32 = 0x0000_2000;
/// `CLIENT_SECURE_CONNECTION`: 4.1 authentication.
#[doc(hidden)]
pub const CLIENT_SECURE_CONNECTION: u32 = 0x0000_8000;
/// `CLIENT_PLUGIN_AUTH`: authentication plugins.
#[doc(hidden)]
pub const CLIENT_PLUGIN_AUTH: u32 = 0x0008_0000;

/// The capabilities our SSLRequest announces: what a 4.1+ client with TLS
/// says before authenticating (the check never authenticates).
#[doc(hidden)]
pub const SSL_REQUEST_CAPABILITIES: u32 = CLIENT_LONG_PASSWORD
    | CLIENT_LONG_FLAG
    | CLIENT_PROTOCOL_41
    | CLIENT_SSL
    | CLIENT_TRANSACTIONS
    | CLIENT_SECURE_CONNECTION
    | CLIENT_PLUGIN_AUTH;

/// The SSLRequest packet: header (payload length 32, sequence id 1), then
/// capability flags, max packet size (16 MiB), character set 33
/// (utf8_general_ci) and 23 zero bytes.
#[doc(hidden)]
pub fn ssl_request() -> [u8; 36] {
    let mut p = [0u8; 36];
    p[0] = 32;
    p[3] = 1;
    p[4..8].copy_from_slice(&SSL_REQUEST_CAPABILITIES.to_le_bytes());
    p[8..12].copy_from_slice(&(16u32 << 20).to_le_bytes());
    p[12] = 33;
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ssl_request_is_a_32_byte_payload_with_sequence_one() {
        let p = ssl_request();
        assert_eq!(&p[..4], &[32, 0, 0, 1]);
        let caps = u32::from_le_bytes([p[4], p[5], p[6], p[7]]);
        assert_ne!(caps & CLIENT_SSL, 0);
        assert_ne!(caps & CLIENT_PROTOCOL_41, 0);
        assert_eq!(&p[8..12], &[0, 0, 0, 1]);
        assert_eq!(p[12], 33);
        assert!(p[13..].iter().all(|&b| b == 0));
    }
}
