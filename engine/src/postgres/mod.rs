//! PostgreSQL before TLS: the SSLRequest message and its one-byte answer
//! (PostgreSQL documentation, "Frontend/Backend Protocol", section
//! "SSL Session Encryption").
//!
//! The client sends SSLRequest (length 8, code 80877103); the server answers
//! `S` (start TLS now), `N` (SSL is off) or, from servers that fail before
//! reading it (fork failure, very old versions), an ErrorResponse. Every
//! refusal is typed, with the server's SQLSTATE and message when it sent
//! them.

mod error;
mod error_response;
mod preamble;

pub use error::PostgresError;
#[doc(hidden)]
pub use error_response::decode_error_response;
pub use error_response::ErrorFields;
pub(crate) use preamble::PostgresPreamble;

/// The SSLRequest code: 1234 in the high 16 bits, 5679 in the low.
#[doc(hidden)]
pub const SSL_REQUEST_CODE: u32 = 80_877_103;

/// The SSLRequest message: Int32 length 8, Int32 code 80877103.
#[doc(hidden)]
pub fn ssl_request() -> [u8; 8] {
    let mut msg = [0u8; 8];
    msg[..4].copy_from_slice(&8u32.to_be_bytes());
    msg[4..].copy_from_slice(&SSL_REQUEST_CODE.to_be_bytes());
    msg
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_ssl_request_is_the_documented_eight_bytes() {
        // `openssl s_client -starttls postgres` sends the same bytes
        // (apps/s_client.c: 0x00 0x00 0x00 0x08 0x04 0xD2 0x16 0x2F).
        assert_eq!(
            super::ssl_request(),
            [0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f]
        );
    }
}
