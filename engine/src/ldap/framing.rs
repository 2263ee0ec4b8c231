//! Finding where one LDAP message ends, before anything decodes it.
//!
//! `ldap3_proto`'s codec answers "need more" for every incomplete buffer,
//! including a length field claiming gigabytes (until 64 KiB arrived) and
//! bytes that are not BER at all (an SMTP banner). Reading the outer
//! `LDAPMessage ::= SEQUENCE` header here fails those at once: a wrong first
//! byte immediately, an oversized length as soon as the length bytes are in.

use super::error::LdapError;
use crate::ber_length::{read_header, LengthError};
use crate::guess::{excerpt, looks_like};

/// BER tag of a constructed universal SEQUENCE, which every LDAPMessage is.
const SEQUENCE: u8 = 0x30;

/// Most length octets we read. RFC 4511 section 5.1 asks for definite
/// lengths; BER allows leading zero octets, so a few more than the 4 any
/// sane message needs are read before giving up.
const MAX_LENGTH_OCTETS: usize = 8;

/// Where the first message in `buf` ends.
///
/// `Ok(None)`: not enough bytes yet to know, or the message is not complete.
/// `Ok(Some(n))`: the first `n` bytes are exactly one message.
/// `Err`: not LDAP, a length we refuse, or a length form LDAP forbids. The
/// answer for a prefix never contradicts the answer for the whole: an error
/// is final, and `Some(n)` stays `Some(n)` when more bytes follow.
pub(crate) fn frame(buf: &[u8], limit: usize) -> Result<Option<usize>, LdapError> {
    let Some(total) = message_size(buf, limit)? else {
        return Ok(None);
    };
    Ok((buf.len() >= total).then_some(total))
}

/// The whole size (header and content) the outer header announces, once the
/// header is complete; refused when over `limit`.
fn message_size(buf: &[u8], limit: usize) -> Result<Option<usize>, LdapError> {
    let Some(&tag) = buf.first() else {
        return Ok(None);
    };
    if tag != SEQUENCE {
        return Err(not_ldap(buf));
    }
    let (header, content) = match read_header(buf, MAX_LENGTH_OCTETS) {
        Ok(Some(parts)) => parts,
        Ok(None) => return Ok(None),
        Err(LengthError::Indefinite) => {
            return Err(LdapError::malformed(
                "indefinite length, which LDAP forbids (RFC 4511 section 5.1)",
            ))
        }
        Err(LengthError::TooManyOctets(octets)) => {
            return Err(LdapError::malformed(format!(
                "a length field of {octets} octets"
            )))
        }
    };
    let claimed = content.saturating_add(header as u64);
    match usize::try_from(claimed) {
        Ok(total) if total <= limit => Ok(Some(total)),
        _ => Err(LdapError::MessageTooLarge { claimed, limit }),
    }
}

/// The error for a reply whose first byte is not a SEQUENCE tag: shows the
/// first line and names the protocol it resembles.
fn not_ldap(buf: &[u8]) -> LdapError {
    LdapError::NotLdap {
        excerpt: excerpt(buf),
        looks_like: looks_like(buf),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: usize = 16 * 1024;

    #[test]
    fn short_and_long_form_lengths_frame_the_same_message() {
        // OpenLDAP style: short form.
        let short = [0x30, 0x03, 0x02, 0x01, 0x01, 0xff];
        assert_eq!(frame(&short, LIMIT), Ok(Some(5)));
        // Active Directory style: four length octets even for tiny messages
        // (testssl.sh PR #2297 shows `30 84 00 00 00 28 ...`).
        let long = [0x30, 0x84, 0, 0, 0, 0x03, 0x02, 0x01, 0x01];
        assert_eq!(frame(&long, LIMIT), Ok(Some(9)));
    }

    #[test]
    fn every_prefix_waits_and_the_whole_completes() {
        let msg = [0x30, 0x82, 0x00, 0x03, 0x02, 0x01, 0x01];
        for cut in 0..msg.len() {
            assert_eq!(frame(&msg[..cut], LIMIT), Ok(None), "cut {cut}");
        }
        assert_eq!(frame(&msg, LIMIT), Ok(Some(7)));
    }

    #[test]
    fn a_gigabyte_claim_is_refused_after_six_bytes() {
        let claim = [0x30, 0x84, 0x40, 0x00, 0x00, 0x00];
        assert_eq!(frame(&claim[..5], LIMIT), Ok(None));
        assert_eq!(
            frame(&claim, LIMIT),
            Err(LdapError::MessageTooLarge {
                claimed: 0x4000_0006,
                limit: LIMIT
            })
        );
        let max = [0x30, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert!(matches!(
            frame(&max, LIMIT),
            Err(LdapError::MessageTooLarge {
                claimed: u64::MAX,
                ..
            })
        ));
    }

    #[test]
    fn the_limit_counts_the_header_too() {
        let mut msg = vec![0x30, 0x82, 0x00, 0x0c];
        msg.resize(16, 0);
        assert_eq!(frame(&msg, 16), Ok(Some(16)));
        assert!(matches!(
            frame(&msg, 15),
            Err(LdapError::MessageTooLarge { claimed: 16, .. })
        ));
    }

    #[test]
    fn indefinite_and_absurd_length_forms_are_malformed() {
        assert!(matches!(
            frame(&[0x30, 0x80], LIMIT),
            Err(LdapError::Malformed { .. })
        ));
        assert!(matches!(
            frame(&[0x30, 0x89], LIMIT),
            Err(LdapError::Malformed { .. })
        ));
    }

    #[test]
    fn other_protocols_fail_on_the_first_byte_and_are_named() {
        let cases: [(&[u8], &str, Option<&str>); 6] = [
            (
                b"220 mail.example.com ESMTP Postfix\r\n",
                "220 mail.example.com ESMTP Postfix",
                Some("SMTP"),
            ),
            (b"220 ProFTPD Server\r\n", "220 ProFTPD Server", Some("FTP")),
            (
                b"SSH-2.0-OpenSSH_9.6\r\n",
                "SSH-2.0-OpenSSH_9.6",
                Some("SSH"),
            ),
            (
                b"* OK IMAP4rev1 ready\r\n",
                "* OK IMAP4rev1 ready",
                Some("IMAP"),
            ),
            (
                &[0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46],
                "??????F",
                Some("TLS"),
            ),
            (b"hello", "hello", None),
        ];
        for (bytes, excerpt, looks) in cases {
            assert_eq!(
                frame(bytes, LIMIT),
                Err(LdapError::NotLdap {
                    excerpt: excerpt.to_string(),
                    looks_like: looks
                }),
                "{excerpt}"
            );
        }
        // One byte is enough to know.
        assert!(matches!(frame(b"2", LIMIT), Err(LdapError::NotLdap { .. })));
    }
}
