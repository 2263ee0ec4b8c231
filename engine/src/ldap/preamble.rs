//! The LDAP conversation before TLS: send the StartTLS extended request at
//! once (the client speaks first), then read exactly one reply.

use bytes::BytesMut;

use super::request::{start_tls_request, unbind_request};
use super::response::{decode_start_tls_response, StartTlsAccepted};
use crate::config::Config;
use crate::error::{Arrived, ProbeError};
use crate::phase::Phase;
use crate::preamble::Step;

/// Waits for the StartTLS reply, holding at most one message
/// (`Limits::ldap_message`) of unread bytes.
#[derive(Debug)]
pub(crate) struct LdapPreamble {
    limit: usize,
    buf: BytesMut,
    accepted: Option<StartTlsAccepted>,
}

impl LdapPreamble {
    /// A preamble per `config`; the StartTLS request goes into `out`.
    pub(crate) fn start(config: &Config, out: &mut BytesMut) -> Self {
        out.extend_from_slice(&start_tls_request());
        LdapPreamble {
            limit: config.limits.ldap_message,
            buf: BytesMut::new(),
            accepted: None,
        }
    }

    /// LDAP has no greeting or hello: the request is out from the start.
    pub(crate) fn phase(&self) -> Phase {
        Phase::StartTls
    }

    /// Bytes held waiting for a complete reply.
    pub(crate) fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// What has arrived of the StartTLS response.
    pub(crate) fn arrived(&self) -> Arrived {
        match self.buf.len() {
            0 => Arrived::Nothing,
            n => Arrived::Bytes(n),
        }
    }

    /// The goodbye sent inside TLS: an unbind request.
    pub(crate) fn goodbye(&self) -> Vec<u8> {
        unbind_request().to_vec()
    }

    /// What the server said when it agreed, once it has.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn accepted(&self) -> Option<&StartTlsAccepted> {
        self.accepted.as_ref()
    }

    /// Feeds bytes from the server. Nothing more is ever sent in plaintext.
    pub(crate) fn receive(&mut self, data: &[u8]) -> Result<Step, ProbeError> {
        if self.accepted.is_some() {
            // Everything after the agreement is plaintext injection.
            return Ok(Step::StartTls {
                leftover: data.len(),
            });
        }
        self.buf.extend_from_slice(data);
        match decode_start_tls_response(&self.buf, self.limit) {
            Ok(None) => Ok(Step::NeedMore),
            Ok(Some((accepted, used))) => {
                // Earlier calls held less than one message, so everything
                // past it arrived in this call.
                let leftover = self.buf.len() - used;
                self.accepted = Some(accepted);
                self.buf = BytesMut::new();
                Ok(Step::StartTls { leftover })
            }
            Err(e) => {
                self.buf = BytesMut::new();
                Err(ProbeError::Ldap(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Protocol;
    use crate::ldap::response::tests::{ext_resp, tlv};
    use crate::ldap::{LdapError, START_TLS_OID};

    fn start() -> (LdapPreamble, BytesMut) {
        let mut out = BytesMut::new();
        let p = LdapPreamble::start(&Config::new(Protocol::Ldap), &mut out);
        (p, out)
    }

    /// Feeds `reply` in two pieces cut at `cut`; the last step.
    fn feed_split(reply: &[u8], cut: usize) -> Result<Step, ProbeError> {
        let (mut p, _) = start();
        let first = p.receive(&reply[..cut])?;
        if first != Step::NeedMore {
            return Ok(first);
        }
        p.receive(&reply[cut..])
    }

    #[test]
    fn the_request_goes_out_at_once_and_the_phase_is_starttls() {
        let (p, out) = start();
        assert_eq!(out.len(), 31);
        assert_eq!(&out[9..], START_TLS_OID.as_bytes());
        assert_eq!(p.phase(), Phase::StartTls);
        assert_eq!(p.goodbye(), [0x30, 0x05, 0x02, 0x01, 0x02, 0x42, 0x00]);
    }

    #[test]
    fn success_with_and_without_response_name_in_every_split() {
        for name in [None, Some(START_TLS_OID)] {
            let reply = ext_resp(1, &[0], b"", name);
            for cut in 0..=reply.len() {
                assert_eq!(
                    feed_split(&reply, cut),
                    Ok(Step::StartTls { leftover: 0 }),
                    "{name:?} cut {cut}"
                );
            }
            let (mut p, _) = start();
            p.receive(&reply).unwrap();
            assert_eq!(p.accepted().unwrap().response_name.as_deref(), name);
        }
    }

    #[test]
    fn every_failure_is_the_same_in_every_split() {
        let mut referral = tlv(0x0a, &[10]);
        referral.extend(tlv(0x04, b""));
        referral.extend(tlv(0x04, b""));
        referral.extend(tlv(0xa3, &tlv(0x04, b"ldap://dc2.example.com/")));
        let mut referral_msg = tlv(0x02, &[1]);
        referral_msg.extend(tlv(0x78, &referral));
        let replies: Vec<Vec<u8>> = vec![
            ext_resp(1, &[2], b"unsupported extended operation", None),
            ext_resp(1, &[52], b"Could not initialize TLS", None),
            ext_resp(1, &[1], b"TLS already started", None),
            tlv(0x30, &referral_msg),
            ext_resp(1, &[9], b"unassigned code", None),
            ext_resp(
                0,
                &[52],
                b"bye",
                Some(crate::ldap::NOTICE_OF_DISCONNECTION_OID),
            ),
            ext_resp(3, &[0], b"", None),
        ];
        for reply in replies {
            let whole = feed_split(&reply, reply.len());
            assert!(matches!(whole, Err(ProbeError::Ldap(_))), "{whole:?}");
            for cut in 0..reply.len() {
                assert_eq!(feed_split(&reply, cut), whole, "cut {cut}");
            }
        }
    }

    #[test]
    fn a_gigabyte_length_fails_after_six_bytes_without_buffering_it() {
        let (mut p, _) = start();
        let claim = [0x30, 0x84, 0x7f, 0xff, 0xff, 0xff];
        for &b in &claim[..5] {
            assert_eq!(p.receive(&[b]), Ok(Step::NeedMore));
        }
        let err = p.receive(&claim[5..]).unwrap_err();
        assert!(matches!(
            err,
            ProbeError::Ldap(LdapError::MessageTooLarge { .. })
        ));
        assert_eq!(p.buffered(), 0);
    }

    #[test]
    fn an_smtp_banner_fails_on_the_first_bytes() {
        let (mut p, _) = start();
        let err = p
            .receive(b"220 mail.example.com ESMTP Postfix\r\n")
            .unwrap_err();
        assert_eq!(err.phase(), Phase::StartTls);
        assert!(
            err.to_string()
                .contains("\"220 mail.example.com ESMTP Postfix\" (looks like SMTP"),
            "{err}"
        );
    }

    #[test]
    fn bytes_after_the_reply_are_leftover_even_across_calls() {
        let reply = ext_resp(1, &[0], b"", None);
        let (mut p, _) = start();
        assert_eq!(p.receive(&reply[..5]), Ok(Step::NeedMore));
        let mut rest = reply[5..].to_vec();
        rest.extend_from_slice(b"ABC");
        assert_eq!(p.receive(&rest), Ok(Step::StartTls { leftover: 3 }));
    }
}
