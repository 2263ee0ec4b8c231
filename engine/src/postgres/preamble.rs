//! The PostgreSQL conversation before TLS: SSLRequest goes out at once,
//! then exactly one answer byte (or one ErrorResponse) is read.

use bytes::BytesMut;

use super::error::PostgresError;
use super::error_response::decode_error_response;
use super::ssl_request;
use crate::config::Config;
use crate::error::{Arrived, ProbeError};
use crate::guess::{excerpt, looks_like};
use crate::phase::Phase;
use crate::preamble::Step;

/// Waits for the answer to SSLRequest, holding at most one ErrorResponse
/// (`Limits::db_packet`) of unread bytes.
#[derive(Debug)]
pub(crate) struct PostgresPreamble {
    limit: usize,
    buf: BytesMut,
    accepted: bool,
}

impl PostgresPreamble {
    /// A preamble per `config`; SSLRequest goes into `out`.
    pub(crate) fn start(config: &Config, out: &mut BytesMut) -> Self {
        out.extend_from_slice(&ssl_request());
        PostgresPreamble {
            limit: config.limits().db_packet,
            buf: BytesMut::new(),
            accepted: false,
        }
    }

    /// The request is out from the start: the probe waits for its answer.
    pub(crate) fn phase(&self) -> Phase {
        Phase::StartTls
    }

    /// Bytes held waiting for a complete ErrorResponse.
    pub(crate) fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// What has arrived of the answer.
    pub(crate) fn arrived(&self) -> Arrived {
        match self.buf.len() {
            0 => Arrived::Nothing,
            n => Arrived::Bytes(n),
        }
    }

    /// Feeds bytes from the server. Nothing more is sent in plaintext.
    pub(crate) fn receive(&mut self, data: &[u8]) -> Result<Step, ProbeError> {
        if self.accepted {
            return Ok(Step::StartTls {
                leftover: data.len(),
            });
        }
        if self.buf.is_empty() {
            match data {
                [] => return Ok(Step::NeedMore),
                [b'S', rest @ ..] => {
                    // "SSH-2.0-..." starts with 'S' too.
                    if rest.starts_with(b"SH-") {
                        return Err(not_postgres(data));
                    }
                    self.accepted = true;
                    return Ok(Step::StartTls {
                        leftover: rest.len(),
                    });
                }
                [b'N'] => return Err(ProbeError::Postgres(PostgresError::SslOff)),
                [b'E', ..] => {}
                _ => return Err(not_postgres(data)),
            }
        }
        self.buf.extend_from_slice(data);
        match decode_error_response(&self.buf, self.limit) {
            Ok(None) => Ok(Step::NeedMore),
            Ok(Some((fields, _))) => {
                self.buf = BytesMut::new();
                Err(ProbeError::Postgres(PostgresError::Refused(fields)))
            }
            Err(e) => {
                self.buf = BytesMut::new();
                Err(ProbeError::Postgres(e))
            }
        }
    }
}

fn not_postgres(data: &[u8]) -> ProbeError {
    ProbeError::Postgres(PostgresError::NotPostgres {
        excerpt: excerpt(data),
        looks_like: looks_like(data),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Protocol;
    use crate::postgres::error_response::tests::v3;

    fn start() -> (PostgresPreamble, BytesMut) {
        let mut out = BytesMut::new();
        let p = PostgresPreamble::start(&Config::new(Protocol::Postgres), &mut out);
        (p, out)
    }

    fn feed_split(reply: &[u8], cut: usize) -> Result<Step, ProbeError> {
        let (mut p, _) = start();
        let first = p.receive(&reply[..cut])?;
        if first != Step::NeedMore {
            return Ok(first);
        }
        p.receive(&reply[cut..])
    }

    #[test]
    fn ssl_request_goes_out_at_once_and_s_starts_tls() {
        let (mut p, out) = start();
        assert_eq!(&out[..], &ssl_request());
        assert_eq!(p.phase(), Phase::StartTls);
        assert_eq!(p.receive(b"S"), Ok(Step::StartTls { leftover: 0 }));
    }

    #[test]
    fn bytes_after_s_are_leftover_even_in_a_later_call() {
        let (mut p, _) = start();
        assert_eq!(
            p.receive(b"SQ\0\0\0\x04"),
            Ok(Step::StartTls { leftover: 5 })
        );
        assert_eq!(p.receive(b"xy"), Ok(Step::StartTls { leftover: 2 }));
    }

    #[test]
    fn n_is_ssl_off_and_an_error_response_is_a_refusal_in_every_split() {
        assert_eq!(
            feed_split(b"N", 0),
            Err(ProbeError::Postgres(PostgresError::SslOff))
        );
        let msg = v3(&[(b'S', "FATAL"), (b'C', "53300"), (b'M', "too many")]);
        let whole = feed_split(&msg, msg.len());
        assert!(
            matches!(&whole, Err(ProbeError::Postgres(PostgresError::Refused(f))) if f.message == "too many"),
            "{whole:?}"
        );
        for cut in 0..msg.len() {
            assert_eq!(feed_split(&msg, cut), whole, "cut {cut}");
        }
    }

    #[test]
    fn other_protocols_get_a_hint() {
        for (bytes, proto) in [
            (&b"220 mx.example.com ESMTP Postfix\r\n"[..], Some("SMTP")),
            (b"SSH-2.0-OpenSSH_9.2\r\n", Some("SSH")),
            (
                b"\x5b\0\0\0\x0a10.11.6-MariaDB-0+deb12u1\0",
                Some("MySQL/MariaDB"),
            ),
            (b"\x16\x03\x03\x00\x10", Some("TLS")),
        ] {
            let (mut p, _) = start();
            match p.receive(bytes) {
                Err(ProbeError::Postgres(PostgresError::NotPostgres { looks_like, .. })) => {
                    assert_eq!(looks_like, proto)
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_huge_error_response_fails_without_buffering_it() {
        let (mut p, _) = start();
        let err = p.receive(&[b'E', 0, 0x7f, 0xff, 0xff]).unwrap_err();
        assert!(matches!(
            err,
            ProbeError::Postgres(PostgresError::MessageTooLarge { .. })
        ));
        assert_eq!(p.buffered(), 0);
    }
}
