//! Reading the server's answer to our StartTLS request.
//!
//! One message is framed by [`super::framing`], its messageID and
//! protocolOp tag are read with our own small BER reader, and an
//! extendedResp is then decoded by `ldap3_proto`'s `LdapCodec`. Where the
//! codec refuses a reply (an unregistered result code such as 9, a
//! diagnostic that is not UTF-8, a control it cannot parse) our reader
//! takes over, so the admin still sees the result code and the text.

use bytes::BytesMut;
use ldap3_proto::proto::{LdapExtendedResponse, LdapMsg, LdapOp};
use ldap3_proto::LdapCodec;
use tokio_util::codec::Decoder;

use super::ber::{integer, Reader};
use super::error::{result_code_name, LdapError};
use super::framing::frame;
use super::request::START_TLS_MESSAGE_ID;
use super::{NOTICE_OF_DISCONNECTION_OID, START_TLS_OID};
use crate::text::printable;

/// Identifier octet of `extendedResp`: [APPLICATION 24], constructed.
const EXTENDED_RESPONSE: u8 = 0x78;

/// Longest diagnostic or DN we keep, in characters.
const MAX_TEXT: usize = 240;

/// What a server said when it agreed to start TLS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartTlsAccepted {
    /// The responseName, when the server sent one. RFC 4511 makes it
    /// optional: Active Directory sends the StartTLS OID, OpenLDAP sends
    /// none (both seen in testssl.sh PR #2297's captures).
    pub response_name: Option<String>,
    /// The diagnosticMessage, usually empty on success.
    pub diagnostic: String,
}

/// Decodes the reply to our StartTLS request (message id 1) from the start
/// of `buf`, refusing messages larger than `limit` bytes.
///
/// `Ok(None)`: incomplete, feed more bytes. `Ok(Some((accepted, used)))`:
/// the server agreed, and the reply was the first `used` bytes; anything
/// after it is plaintext the server must not send before the TLS handshake.
/// `Err`: the server refused, disconnected, answered something else, or is
/// not speaking LDAP. No input makes this panic; it is the fuzzing entry
/// point for the LDAP preamble.
pub fn decode_start_tls_response(
    buf: &[u8],
    limit: usize,
) -> Result<Option<(StartTlsAccepted, usize)>, LdapError> {
    let Some(len) = frame(buf, limit)? else {
        return Ok(None);
    };
    let reply = read_reply(&buf[..len])?;
    classify(reply).map(|accepted| Some((accepted, len)))
}

/// The parts of an extendedResp that decide the outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ExtendedResult {
    code: u32,
    matched_dn: String,
    diagnostic: String,
    referrals: Vec<String>,
    response_name: Option<String>,
}

/// One framed message, read far enough to classify it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Reply {
    /// An extendedResp with its message id.
    Extended(i32, ExtendedResult),
    /// Any other operation, named.
    Other(i32, String),
}

/// Reads messageID and protocolOp ourselves; decodes an extendedResp with
/// `ldap3_proto`, falling back to our reader when it refuses.
fn read_reply(message: &[u8]) -> Result<Reply, LdapError> {
    let malformed = LdapError::malformed;
    let mut outer = Reader::new(message);
    let body = outer.expect(0x30, "LDAPMessage").map_err(malformed)?;
    let mut fields = Reader::new(body);
    let id_bytes = fields.expect(0x02, "messageID").map_err(malformed)?;
    let message_id = integer(id_bytes)
        .and_then(|id| i32::try_from(id).ok())
        .filter(|id| *id >= 0)
        .ok_or_else(|| LdapError::malformed("messageID is not an integer in 0..2^31-1"))?;
    let op = fields.next("protocolOp").map_err(malformed)?;
    if op.tag != EXTENDED_RESPONSE {
        // Only extendedResp goes to ldap3_proto: for operation tags it does
        // not know, 0.9 prints to stdout, which would corrupt a sensor's JSON.
        return Ok(Reply::Other(message_id, operation_name(op.tag)));
    }
    let referrals = read_referrals(op.content);
    let result = match decode_with_ldap3_proto(message) {
        Some(response) => from_ldap3_proto(response, referrals),
        None => read_extended_result(op.content).map_err(malformed)?,
    };
    Ok(Reply::Extended(message_id, result))
}

/// The extendedResp as `ldap3_proto` decodes it, or `None` when it refuses.
fn decode_with_ldap3_proto(message: &[u8]) -> Option<LdapExtendedResponse> {
    let mut codec = LdapCodec::new(Some(message.len()), None);
    let mut buf = BytesMut::from(message);
    match codec.decode(&mut buf) {
        Ok(Some(LdapMsg {
            op: LdapOp::ExtendedResponse(response),
            ..
        })) => Some(response),
        _ => None,
    }
}

/// Our view of `ldap3_proto`'s decoding. It drops referral URIs (0.9
/// always returns an empty list), so they come from our own reader.
fn from_ldap3_proto(response: LdapExtendedResponse, referrals: Vec<String>) -> ExtendedResult {
    let LdapExtendedResponse { res, name, .. } = response;
    ExtendedResult {
        // LdapResultCode is `repr(i64)` with the RFC numbers as discriminants.
        code: u32::try_from(res.code as i64).unwrap_or(u32::MAX),
        matched_dn: text(res.matcheddn.as_bytes()),
        diagnostic: text(res.message.as_bytes()),
        referrals,
        response_name: name,
    }
}

/// Our own reading of an ExtendedResponse body:
/// `resultCode ENUMERATED, matchedDN, diagnosticMessage, [3] referral
/// OPTIONAL, [10] responseName OPTIONAL, [11] responseValue OPTIONAL`.
/// Lenient where harmless: missing matchedDN/diagnosticMessage read as empty,
/// unknown trailing elements are skipped, text need not be UTF-8.
fn read_extended_result(content: &[u8]) -> Result<ExtendedResult, String> {
    let mut r = Reader::new(content);
    let code_bytes = r.expect(0x0a, "resultCode")?;
    let code = integer(code_bytes)
        .and_then(|c| u32::try_from(c).ok())
        .ok_or("resultCode is not a non-negative number")?;
    let mut optional_text = |what| -> Result<String, String> {
        if r.peek_tag() == Some(0x04) {
            Ok(text(r.expect(0x04, what)?))
        } else {
            Ok(String::new())
        }
    };
    let matched_dn = optional_text("matchedDN")?;
    let diagnostic = optional_text("diagnosticMessage")?;
    let mut response_name = None;
    while !r.is_empty() {
        let tlv = r.next("an optional ExtendedResponse field")?;
        if tlv.tag == 0x8a {
            response_name = Some(printable(tlv.content, MAX_TEXT));
        }
    }
    Ok(ExtendedResult {
        code,
        matched_dn,
        diagnostic,
        referrals: read_referrals(content),
        response_name,
    })
}

/// The URIs of a `[3] Referral` element in an ExtendedResponse body, if any.
/// Best effort: whatever cannot be read is left out.
fn read_referrals(content: &[u8]) -> Vec<String> {
    let mut r = Reader::new(content);
    let mut uris = Vec::new();
    while let Ok(tlv) = r.next("element") {
        if tlv.tag != 0xa3 {
            continue;
        }
        let mut inner = Reader::new(tlv.content);
        while let Ok(uri) = inner.expect(0x04, "URI") {
            uris.push(text(uri));
        }
    }
    uris
}

/// Server text made safe for a one-line message: trailing NULs dropped
/// (Active Directory terminates its diagnostics with one), control
/// characters and invalid UTF-8 shown as `?`, cut at [`MAX_TEXT`].
fn text(bytes: &[u8]) -> String {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    printable(&bytes[..end], MAX_TEXT)
}

/// Decides what a reply means for StartTLS.
fn classify(reply: Reply) -> Result<StartTlsAccepted, LdapError> {
    let (message_id, result) = match reply {
        Reply::Other(message_id, operation) => {
            return Err(LdapError::UnexpectedMessage {
                message_id,
                operation,
            })
        }
        Reply::Extended(message_id, result) => (message_id, result),
    };
    let ExtendedResult {
        code,
        matched_dn,
        diagnostic,
        referrals,
        response_name,
    } = result;
    if message_id == 0 {
        // RFC 4511 section 4.4: unsolicited notifications use message id 0;
        // the Notice of Disconnection is the only one defined. One without a
        // responseName is taken as that notice too (it cannot answer us).
        return match response_name.as_deref() {
            None | Some(NOTICE_OF_DISCONNECTION_OID) => Err(LdapError::Disconnected {
                code,
                name: result_code_name(code),
                diagnostic,
            }),
            Some(other) => Err(LdapError::UnexpectedMessage {
                message_id,
                operation: format!("an unsolicited notification {other}"),
            }),
        };
    }
    if message_id != START_TLS_MESSAGE_ID {
        return Err(LdapError::UnexpectedMessage {
            message_id,
            operation: "an extendedResp".to_owned(),
        });
    }
    if let Some(name) = response_name.as_deref() {
        if name != START_TLS_OID {
            return Err(LdapError::UnexpectedMessage {
                message_id,
                operation: format!("an extendedResp named {name}"),
            });
        }
    }
    if code != 0 {
        return Err(LdapError::refused(code, diagnostic, matched_dn, referrals));
    }
    Ok(StartTlsAccepted {
        response_name,
        diagnostic,
    })
}

/// The RFC 4511 name of a protocolOp identifier octet.
fn operation_name(tag: u8) -> String {
    let name = match (tag >> 6, tag & 0x1f) {
        (1, 0) => "bindRequest",
        (1, 1) => "bindResponse",
        (1, 2) => "unbindRequest",
        (1, 3) => "searchRequest",
        (1, 4) => "searchResEntry",
        (1, 5) => "searchResDone",
        (1, 6) => "modifyRequest",
        (1, 7) => "modifyResponse",
        (1, 8) => "addRequest",
        (1, 9) => "addResponse",
        (1, 10) => "delRequest",
        (1, 11) => "delResponse",
        (1, 12) => "modDNRequest",
        (1, 13) => "modDNResponse",
        (1, 14) => "compareRequest",
        (1, 15) => "compareResponse",
        (1, 16) => "abandonRequest",
        (1, 19) => "searchResRef",
        (1, 23) => "extendedReq",
        (1, 24) => "a primitive extendedResp",
        (1, 25) => "intermediateResponse",
        (1, n) => return format!("an unknown operation [APPLICATION {n}]"),
        _ => return format!("a non-operation element (tag 0x{tag:02x})"),
    };
    if name.starts_with("a ") {
        return name.to_owned();
    }
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const LIMIT: usize = 16 * 1024;

    /// BER element with a short- or long-form length as needed.
    pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else if len < 0x100 {
            out.extend([0x81, len as u8]);
        } else {
            out.extend([0x82, (len >> 8) as u8, len as u8]);
        }
        out.extend_from_slice(content);
        out
    }

    /// Same, but with Active Directory's habit of four length octets.
    fn tlv4(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag, 0x84];
        out.extend((content.len() as u32).to_be_bytes());
        out.extend_from_slice(content);
        out
    }

    /// An LDAPMessage holding an extendedResp.
    pub(crate) fn ext_resp(
        message_id: u8,
        code: &[u8],
        diagnostic: &[u8],
        name: Option<&str>,
    ) -> Vec<u8> {
        let mut body = tlv(0x0a, code);
        body.extend(tlv(0x04, b""));
        body.extend(tlv(0x04, diagnostic));
        if let Some(name) = name {
            body.extend(tlv(0x8a, name.as_bytes()));
        }
        let mut msg = tlv(0x02, &[message_id]);
        msg.extend(tlv(EXTENDED_RESPONSE, &body));
        tlv(0x30, &msg)
    }

    fn decode(bytes: &[u8]) -> Result<Option<(StartTlsAccepted, usize)>, LdapError> {
        decode_start_tls_response(bytes, LIMIT)
    }

    #[test]
    fn openldap_success_without_response_name() {
        // testssl.sh PR #2297: "30 0C 02 01 01 78 07 0A 01 00 04 00 04 00".
        let reply = [
            0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
        ];
        assert_eq!(reply.to_vec(), ext_resp(1, &[0], b"", None));
        let accepted = StartTlsAccepted {
            response_name: None,
            diagnostic: String::new(),
        };
        assert_eq!(decode(&reply), Ok(Some((accepted, 14))));
    }

    #[test]
    fn active_directory_success_with_response_name_and_long_lengths() {
        // testssl.sh PR #2297: "30 84 00 00 00 28 02 01 01 78 84 00 00 00 1F
        // 0A 01 00 04 00 04 00 8A 16 <OID>".
        let mut body = vec![0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00];
        body.extend(tlv(0x8a, START_TLS_OID.as_bytes()));
        let mut msg = vec![0x02, 0x01, 0x01];
        msg.extend(tlv4(EXTENDED_RESPONSE, &body));
        let reply = tlv4(0x30, &msg);
        assert_eq!(&reply[..6], &[0x30, 0x84, 0, 0, 0, 0x28]);
        let (accepted, used) = decode(&reply).unwrap().unwrap();
        assert_eq!(accepted.response_name.as_deref(), Some(START_TLS_OID));
        assert_eq!(used, reply.len());
    }

    #[test]
    fn refusals_carry_code_name_and_diagnostic() {
        let cases: [(&[u8], &[u8], u32, &str); 5] = [
            // OpenLDAP servers/slapd/extended.c for an unknown OID.
            (&[2], b"unsupported extended operation", 2, "protocolError"),
            // OpenLDAP servers/slapd/starttls.c without a TLS context.
            (&[52], b"Could not initialize TLS", 52, "unavailable"),
            // OpenLDAP starttls.c on a connection already in TLS.
            (&[1], b"TLS already started", 1, "operationsError"),
            (&[53], b"", 53, "unwillingToPerform"),
            (&[13], b"", 13, "confidentialityRequired"),
        ];
        for (code, diag, number, name) in cases {
            let err = decode(&ext_resp(1, code, diag, None)).unwrap_err();
            assert_eq!(
                err,
                LdapError::Refused {
                    code: number,
                    name,
                    diagnostic: String::from_utf8(diag.to_vec()).unwrap(),
                    matched_dn: String::new(),
                    referrals: vec![],
                }
            );
        }
    }

    #[test]
    fn active_directory_refusal_with_nul_terminated_text_and_oid() {
        // AD answers unavailable (0x34) with an LdapErr text and the OID
        // (testssl.sh PR #2297); its diagnostics end in a NUL.
        let diag = b"00000000: LdapErr: DSID-0C091202, comment: Error initializing SSL/TLS, data 0, v4563\0";
        let err = decode(&ext_resp(1, &[0x34], diag, Some(START_TLS_OID))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "LDAP server refused StartTLS: unavailable (52): 00000000: LdapErr: DSID-0C091202, comment: Error initializing SSL/TLS, data 0, v4563 (no certificate configured, or TLS already active)"
        );
    }

    #[test]
    fn unknown_result_codes_are_reported_with_their_number() {
        // ldap3_proto refuses code 9 (unassigned); the fallback reads it.
        let err = decode(&ext_resp(1, &[9], b"odd", None)).unwrap_err();
        assert!(matches!(
            err,
            LdapError::Refused { code: 9, name: "unknown", ref diagnostic, .. } if diagnostic == "odd"
        ));
        let err = decode(&ext_resp(1, &[0x00, 0xc8], b"", None)).unwrap_err();
        assert!(matches!(err, LdapError::Refused { code: 200, .. }));
        let err = decode(&ext_resp(1, &[0xff], b"", None)).unwrap_err();
        assert!(matches!(err, LdapError::Malformed { .. }), "{err}");
    }

    #[test]
    fn non_utf8_diagnostics_still_report_the_code() {
        let err = decode(&ext_resp(1, &[52], b"Fehler: \xfcberlastet", None)).unwrap_err();
        assert!(matches!(
            err,
            LdapError::Refused { code: 52, ref diagnostic, .. } if diagnostic == "Fehler: ?berlastet"
        ));
    }

    #[test]
    fn referrals_keep_their_uris() {
        let mut body = tlv(0x0a, &[10]);
        body.extend(tlv(0x04, b""));
        body.extend(tlv(0x04, b"go elsewhere"));
        let mut uris = tlv(0x04, b"ldap://dc1.example.com/");
        uris.extend(tlv(0x04, b"ldap://dc2.example.com/"));
        body.extend(tlv(0xa3, &uris));
        let mut msg = tlv(0x02, &[1]);
        msg.extend(tlv(EXTENDED_RESPONSE, &body));
        let err = decode(&tlv(0x30, &msg)).unwrap_err();
        assert_eq!(
            err,
            LdapError::Refused {
                code: 10,
                name: "referral",
                diagnostic: "go elsewhere".into(),
                matched_dn: String::new(),
                referrals: vec![
                    "ldap://dc1.example.com/".into(),
                    "ldap://dc2.example.com/".into()
                ],
            }
        );
    }

    #[test]
    fn notice_of_disconnection_is_its_own_error() {
        let reply = ext_resp(
            0,
            &[52],
            b"server shutting down",
            Some(NOTICE_OF_DISCONNECTION_OID),
        );
        assert_eq!(
            decode(&reply),
            Err(LdapError::Disconnected {
                code: 52,
                name: "unavailable",
                diagnostic: "server shutting down".into()
            })
        );
        let reply = ext_resp(0, &[2], b"", None);
        assert!(matches!(
            decode(&reply),
            Err(LdapError::Disconnected { code: 2, .. })
        ));
        let reply = ext_resp(0, &[0], b"", Some("1.2.3.4"));
        assert!(matches!(
            decode(&reply),
            Err(LdapError::UnexpectedMessage { message_id: 0, .. })
        ));
    }

    #[test]
    fn other_message_ids_and_operations_are_unexpected() {
        let err = decode(&ext_resp(7, &[0], b"", None)).unwrap_err();
        assert_eq!(
            err,
            LdapError::UnexpectedMessage {
                message_id: 7,
                operation: "an extendedResp".into()
            }
        );
        // A bindResponse (APPLICATION 1) with message id 1.
        let mut body = tlv(0x0a, &[2]);
        body.extend(tlv(0x04, b""));
        body.extend(tlv(0x04, b""));
        let mut msg = tlv(0x02, &[1]);
        msg.extend(tlv(0x61, &body));
        let err = decode(&tlv(0x30, &msg)).unwrap_err();
        assert_eq!(
            err,
            LdapError::UnexpectedMessage {
                message_id: 1,
                operation: "a bindResponse".into()
            }
        );
        // An operation ldap3_proto does not know is not handed to it.
        let mut msg = tlv(0x02, &[1]);
        msg.extend(tlv(0x7e, b""));
        let err = decode(&tlv(0x30, &msg)).unwrap_err();
        assert!(err.to_string().contains("[APPLICATION 30]"), "{err}");
        // Success, but for another extended operation.
        let err = decode(&ext_resp(1, &[0], b"", Some("1.3.6.1.4.1.4203.1.11.3"))).unwrap_err();
        assert!(err.to_string().contains("named 1.3.6.1.4.1.4203.1.11.3"));
    }

    #[test]
    fn every_split_waits_then_gives_the_same_answer() {
        for reply in [
            ext_resp(1, &[0], b"", Some(START_TLS_OID)),
            ext_resp(1, &[2], b"unsupported extended operation", None),
        ] {
            let whole = decode(&reply);
            for cut in 0..reply.len() {
                assert_eq!(decode(&reply[..cut]), Ok(None), "cut {cut}");
            }
            assert_ne!(whole, Ok(None));
        }
    }

    #[test]
    fn bytes_after_the_reply_are_not_consumed() {
        let mut bytes = ext_resp(1, &[0], b"", None);
        let len = bytes.len();
        bytes.extend_from_slice(b"\x16\x03\x01injected");
        assert_eq!(decode(&bytes).unwrap().unwrap().1, len);
    }

    #[test]
    fn broken_bodies_are_malformed_not_panics() {
        for body in [
            &[][..],
            &[0x02],
            &[0x02, 0x01],
            &[0x02, 0x05, 0x01],
            &[0x02, 0x01, 0x01],
            &[0x02, 0x01, 0x01, 0x78, 0x00],
            &[0x02, 0x01, 0x01, 0x78, 0x02, 0x0a, 0x00],
            &[0x02, 0x01, 0x80, 0x78, 0x03, 0x0a, 0x01, 0x00],
            &[0x04, 0x01, 0x01, 0x78, 0x03, 0x0a, 0x01, 0x00],
        ] {
            let err = decode(&tlv(0x30, body)).unwrap_err();
            assert!(
                matches!(err, LdapError::Malformed { .. }),
                "{body:02x?}: {err:?}"
            );
        }
        // Just a result code, nothing else: lenient, it still answers.
        let ok = decode(&tlv(
            0x30,
            &[0x02, 0x01, 0x01, 0x78, 0x03, 0x0a, 0x01, 0x00],
        ));
        assert!(matches!(ok, Ok(Some(_))), "{ok:?}");
    }

    #[test]
    fn ldap3_proto_decodes_the_common_replies_and_refuses_the_odd_ones() {
        for reply in [
            ext_resp(1, &[0], b"", None),
            ext_resp(1, &[0], b"", Some(START_TLS_OID)),
            ext_resp(1, &[52], b"Could not initialize TLS", None),
        ] {
            assert!(decode_with_ldap3_proto(&reply).is_some(), "{reply:02x?}");
        }
        // These need the fallback reader.
        for reply in [
            ext_resp(1, &[9], b"", None),
            ext_resp(1, &[52], b"\xfc", None),
        ] {
            assert!(decode_with_ldap3_proto(&reply).is_none(), "{reply:02x?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn mutated_replies_never_panic_and_prefixes_never_disagree(
            edits in proptest::collection::vec((0usize..64, proptest::num::u8::ANY), 0..6),
            tail in proptest::collection::vec(proptest::num::u8::ANY, 0..8),
            cut in 0usize..80,
        ) {
            let mut bytes = ext_resp(1, &[52], b"Could not initialize TLS", Some(START_TLS_OID));
            for (at, value) in edits {
                let at = at % bytes.len();
                bytes[at] = value;
            }
            bytes.extend(tail);
            let whole = decode(&bytes);
            let cut = cut.min(bytes.len());
            match (decode(&bytes[..cut]), whole) {
                (Ok(None), _) => {}
                // The excerpt shows what had arrived; the verdict is the same.
                (Err(LdapError::NotLdap { .. }), Err(LdapError::NotLdap { .. })) => {}
                (prefix, whole) => proptest::prop_assert_eq!(prefix, whole),
            }
        }
    }

    #[test]
    fn operation_names_read_naturally() {
        assert_eq!(operation_name(0x61), "a bindResponse");
        assert_eq!(operation_name(0x79), "an intermediateResponse");
        assert_eq!(operation_name(0x04), "a non-operation element (tag 0x04)");
    }
}
