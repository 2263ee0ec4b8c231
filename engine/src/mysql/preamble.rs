//! The MySQL/MariaDB conversation before TLS: wait for the server's
//! handshake packet, then send SSLRequest and start TLS with no answer in
//! between.

use bytes::BytesMut;

use super::error::MysqlError;
use super::handshake::{decode_server_packet, ServerHandshake};
use super::{ssl_request, CLIENT_SSL};
use crate::config::Config;
use crate::error::{Arrived, ProbeError};
use crate::phase::Phase;
use crate::preamble::Step;

/// Waits for the server's first packet, holding at most one packet
/// (`Limits::db_packet`).
#[derive(Debug)]
pub(crate) struct MysqlPreamble {
    limit: usize,
    buf: BytesMut,
    handshake: Option<ServerHandshake>,
}

impl MysqlPreamble {
    /// A preamble per `config`; the server speaks first.
    pub(crate) fn new(config: &Config) -> Self {
        MysqlPreamble {
            limit: config.limits().db_packet,
            buf: BytesMut::new(),
            handshake: None,
        }
    }

    /// Waiting for the server's handshake packet is the greeting.
    pub(crate) fn phase(&self) -> Phase {
        Phase::Greeting
    }

    /// Bytes held waiting for a complete packet.
    pub(crate) fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// What has arrived of the handshake packet.
    pub(crate) fn arrived(&self) -> Arrived {
        match self.buf.len() {
            0 => Arrived::Nothing,
            n => Arrived::Bytes(n),
        }
    }

    /// The server's handshake, once read.
    pub(crate) fn handshake(&self) -> Option<&ServerHandshake> {
        self.handshake.as_ref()
    }

    /// Feeds bytes from the server; SSLRequest goes to `out` once the
    /// handshake offers TLS.
    pub(crate) fn receive(&mut self, data: &[u8], out: &mut BytesMut) -> Result<Step, ProbeError> {
        if self.handshake.is_some() {
            return Ok(Step::StartTls {
                leftover: data.len(),
            });
        }
        self.buf.extend_from_slice(data);
        let decoded = decode_server_packet(&self.buf, self.limit);
        let buffered = self.buf.len();
        match decoded {
            Ok(None) => Ok(Step::NeedMore),
            Ok(Some((handshake, used))) => {
                self.buf = BytesMut::new();
                if handshake.capabilities & CLIENT_SSL == 0 {
                    return Err(ProbeError::Mysql(MysqlError::NoSsl {
                        server_version: handshake.server_version,
                    }));
                }
                self.handshake = Some(handshake);
                out.extend_from_slice(&ssl_request());
                // The server waits for our answer: anything after its
                // handshake packet is not part of the protocol.
                Ok(Step::StartTls {
                    leftover: buffered - used,
                })
            }
            Err(e) => {
                self.buf = BytesMut::new();
                Err(ProbeError::Mysql(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Protocol;
    use crate::mysql::handshake::tests::{packet, v10};

    fn feed_split(reply: &[u8], cut: usize) -> (Result<Step, ProbeError>, BytesMut) {
        let mut p = MysqlPreamble::new(&Config::new(Protocol::Mysql));
        let mut out = BytesMut::new();
        match p.receive(&reply[..cut], &mut out) {
            Ok(Step::NeedMore) => {}
            other => return (other, out),
        }
        let r = p.receive(&reply[cut..], &mut out);
        (r, out)
    }

    #[test]
    fn a_handshake_with_ssl_sends_ssl_request_in_every_split() {
        let hs = packet(&v10(
            "10.11.6-MariaDB-0+deb12u1",
            0xf7fe | CLIENT_SSL,
            "mysql_native_password",
        ));
        for cut in 0..=hs.len() {
            let (r, out) = feed_split(&hs, cut);
            assert_eq!(r, Ok(Step::StartTls { leftover: 0 }), "{cut}");
            assert_eq!(&out[..], &ssl_request());
        }
    }

    #[test]
    fn no_ssl_and_err_packets_are_typed_and_send_nothing() {
        let hs = packet(&v10(
            "8.0.40",
            0xf7fe & !CLIENT_SSL,
            "caching_sha2_password",
        ));
        let (r, out) = feed_split(&hs, 10);
        assert!(
            matches!(r, Err(ProbeError::Mysql(MysqlError::NoSsl { .. }))),
            "{r:?}"
        );
        assert!(out.is_empty());
        let mut err = vec![0xff, 0x6a, 0x04];
        err.extend_from_slice(b"Host 'x' is not allowed to connect to this MySQL server");
        let (r, _) = feed_split(&packet(&err), 3);
        assert!(matches!(
            r,
            Err(ProbeError::Mysql(MysqlError::Refused { code: 1130, .. }))
        ));
    }

    #[test]
    fn bytes_after_the_handshake_are_leftover() {
        let mut hs = packet(&v10("8.0.40", 0xffff_ffff, "caching_sha2_password"));
        hs.extend_from_slice(b"XYZ");
        let (r, _) = feed_split(&hs, hs.len());
        assert_eq!(r, Ok(Step::StartTls { leftover: 3 }));
    }
}
