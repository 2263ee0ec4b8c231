//! What each LDAP personality answers to the StartTLS extended request.
//!
//! Sources:
//! - RFC 4511 section 4.12 (ExtendedResponse: `[APPLICATION 24]`,
//!   responseName `[10]` optional) and 4.14.2 (StartTLS response; result
//!   codes protocolError, unavailable), section 4.4.1 (Notice of
//!   Disconnection: message ID 0, responseName 1.3.6.1.4.1.1466.20036).
//!   RFC 2830 (obsoleted) still required responseName on success.
//! - OpenLDAP slapd `servers/slapd/starttls.c`: success without a response
//!   OID (the 14 bytes `30 0c 02 01 01 78 07 0a 01 00 04 00 04 00` that
//!   naive checkers grep for), `unavailable` with "Could not initialize
//!   TLS" when no TLS context exists; `extended.c` answers an extended
//!   operation it does not know (slapd built without TLS) with
//!   `protocolError` "unsupported extended operation".
//! - Active Directory: encodes every constructed element with 4-byte
//!   long-form lengths (`30 84 00 00 00 ..`), visible in any packet trace of
//!   an AD LDAP response, and includes responseName.
//! - 389 Directory Server `ldap/servers/slapd/start_tls_extop.c`: sets the
//!   response OID to the StartTLS OID; shortest-form lengths.
//! - The Notice of Disconnection diagnostic text is illustrative.

use ldap3_proto::proto::{LdapMsg, LdapOp};

use crate::ber::{integer_content, tlv, LengthForm};
use crate::personality::Personality;

/// The StartTLS extended operation OID.
pub const START_TLS_OID: &str = "1.3.6.1.4.1.1466.20037";
/// The Notice of Disconnection OID (RFC 4511 section 4.4.1).
pub const NOTICE_OF_DISCONNECTION_OID: &str = "1.3.6.1.4.1.1466.20036";
/// Diagnostic of [`Personality::LdapProtocolError`].
pub const PROTOCOL_ERROR_DIAGNOSTIC: &str = "unsupported extended operation";
/// Diagnostic of [`Personality::LdapUnavailable`].
pub const UNAVAILABLE_DIAGNOSTIC: &str = "Could not initialize TLS";
/// Diagnostic of [`Personality::LdapNoticeOfDisconnection`].
pub const NOTICE_DIAGNOSTIC: &str = "The server is shutting down";

/// An LDAP extendedResponse to encode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtendedResponse<'a> {
    /// The message ID (the request's, or 0 for an unsolicited notice).
    pub message_id: i64,
    /// The LDAP resultCode.
    pub result_code: u8,
    /// diagnosticMessage.
    pub diagnostic: &'a str,
    /// responseName, if sent.
    pub name: Option<&'a str>,
    /// Length form of constructed elements.
    pub form: LengthForm,
}

impl ExtendedResponse<'_> {
    /// The complete LDAPMessage bytes.
    pub fn encode(&self) -> Vec<u8> {
        let short = LengthForm::Shortest;
        let mut op = Vec::new();
        op.extend(tlv(0x0a, &[self.result_code], short));
        op.extend(tlv(0x04, b"", short));
        op.extend(tlv(0x04, self.diagnostic.as_bytes(), short));
        if let Some(name) = self.name {
            op.extend(tlv(0x8a, name.as_bytes(), short));
        }
        let mut msg = tlv(0x02, &integer_content(self.message_id), short);
        msg.extend(tlv(0x78, &op, self.form));
        tlv(0x30, &msg, self.form)
    }
}

/// What the server does after its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum After {
    /// Start TLS.
    Tls,
    /// Keep the connection open in plaintext.
    Stay,
    /// Close the connection.
    Close,
}

/// How `personality` answers a StartTLS request with `message_id`.
pub fn starttls_answer(personality: Personality, message_id: i64) -> (Vec<u8>, After) {
    let ok = |name, form| ExtendedResponse {
        message_id,
        result_code: 0,
        diagnostic: "",
        name,
        form,
    };
    let (response, after) = match personality {
        Personality::ActiveDirectory => (ok(Some(START_TLS_OID), LengthForm::Long4), After::Tls),
        Personality::Ds389 => (ok(Some(START_TLS_OID), LengthForm::Shortest), After::Tls),
        Personality::LdapProtocolError => (
            ExtendedResponse {
                result_code: 2,
                diagnostic: PROTOCOL_ERROR_DIAGNOSTIC,
                ..ok(None, LengthForm::Shortest)
            },
            After::Stay,
        ),
        Personality::LdapUnavailable => (
            ExtendedResponse {
                result_code: 52,
                diagnostic: UNAVAILABLE_DIAGNOSTIC,
                ..ok(None, LengthForm::Shortest)
            },
            After::Stay,
        ),
        Personality::LdapNoticeOfDisconnection => (
            ExtendedResponse {
                message_id: 0,
                result_code: 52,
                diagnostic: NOTICE_DIAGNOSTIC,
                name: Some(NOTICE_OF_DISCONNECTION_OID),
                form: LengthForm::Shortest,
            },
            After::Close,
        ),
        _ => (ok(None, LengthForm::Shortest), After::Tls),
    };
    (response.encode(), after)
}

/// A client request the LDAP server understood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// The StartTLS extended request.
    StartTls {
        /// Its message ID.
        message_id: i64,
    },
    /// An unbind request.
    Unbind,
    /// Anything else (the simulated server hangs up).
    Other,
}

/// Decodes one complete LDAPMessage (outer SEQUENCE included).
pub fn parse_request(message: &[u8]) -> Request {
    let Some(Ok(_)) = crate::ber::element_size(message) else {
        return Request::Other;
    };
    let header = if message.get(1).is_some_and(|&b| b >= 0x80) {
        2 + usize::from(message[1] & 0x7f)
    } else {
        2
    };
    let Some(content) = message.get(header..) else {
        return Request::Other;
    };
    match LdapMsg::try_from_openldap_mem_dump(content) {
        Ok(LdapMsg {
            msgid,
            op: LdapOp::ExtendedRequest(req),
            ..
        }) if req.name == START_TLS_OID => Request::StartTls {
            message_id: i64::from(msgid),
        },
        Ok(LdapMsg {
            op: LdapOp::UnbindRequest,
            ..
        }) => Request::Unbind,
        _ => Request::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ldap3_proto::proto::LdapResultCode;

    /// The engine's request: message ID 1, StartTLS OID, no value.
    const REQUEST: &[u8] = b"\x30\x1d\x02\x01\x01\x77\x18\x80\x161.3.6.1.4.1.1466.20037";

    fn decode(bytes: &[u8]) -> LdapMsg {
        let header = if bytes[1] == 0x84 { 6 } else { 2 };
        LdapMsg::try_from_openldap_mem_dump(&bytes[header..]).unwrap()
    }

    #[test]
    fn the_engine_request_is_understood() {
        assert_eq!(parse_request(REQUEST), Request::StartTls { message_id: 1 });
        assert_eq!(
            parse_request(b"\x30\x05\x02\x01\x02\x42\x00"),
            Request::Unbind
        );
        assert_eq!(parse_request(b"220 smtp\r\n"), Request::Other);
    }

    #[test]
    fn openldap_sends_the_well_known_fourteen_bytes() {
        let (bytes, after) = starttls_answer(Personality::OpenLdap, 1);
        assert_eq!(
            bytes,
            b"\x30\x0c\x02\x01\x01\x78\x07\x0a\x01\x00\x04\x00\x04\x00"
        );
        assert_eq!(after, After::Tls);
    }

    #[test]
    fn active_directory_uses_long_form_lengths_and_decodes_like_389ds() {
        let (ad, _) = starttls_answer(Personality::ActiveDirectory, 1);
        assert_eq!(&ad[..6], b"\x30\x84\x00\x00\x00\x28");
        assert_eq!(&ad[9..15], b"\x78\x84\x00\x00\x00\x1f");
        let (ds, _) = starttls_answer(Personality::Ds389, 1);
        assert_eq!(&ds[..2], b"\x30\x24");
        assert_eq!(decode(&ad), decode(&ds));
        let LdapOp::ExtendedResponse(r) = decode(&ad).op else {
            panic!()
        };
        assert_eq!(r.res.code, LdapResultCode::Success);
        assert_eq!(r.name.as_deref(), Some(START_TLS_OID));
    }

    #[test]
    fn failures_carry_their_result_code_and_diagnostic() {
        for (p, code, diag) in [
            (
                Personality::LdapProtocolError,
                LdapResultCode::ProtocolError,
                PROTOCOL_ERROR_DIAGNOSTIC,
            ),
            (
                Personality::LdapUnavailable,
                LdapResultCode::Unavailable,
                UNAVAILABLE_DIAGNOSTIC,
            ),
            (
                Personality::LdapNoticeOfDisconnection,
                LdapResultCode::Unavailable,
                NOTICE_DIAGNOSTIC,
            ),
        ] {
            let (bytes, _) = starttls_answer(p, 1);
            let msg = decode(&bytes);
            let LdapOp::ExtendedResponse(r) = msg.op else {
                panic!()
            };
            assert_eq!(r.res.code, code);
            assert_eq!(r.res.message, diag);
            if p == Personality::LdapNoticeOfDisconnection {
                assert_eq!(msg.msgid, 0);
                assert_eq!(r.name.as_deref(), Some(NOTICE_OF_DISCONNECTION_OID));
            }
        }
    }
}
