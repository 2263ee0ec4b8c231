//! Why the LDAP StartTLS exchange failed, with the server's own words.

use std::fmt;

/// The RFC 4511 name of an LDAP result code (appendix A.1), plus the codes
/// later RFCs registered (RFC 3909 cancel, RFC 4528 assertion, RFC 4370
/// proxy authorization, RFC 4533 sync). Codes nobody registered are
/// `"unknown"`; the number is always reported next to the name.
pub fn result_code_name(code: u32) -> &'static str {
    match code {
        0 => "success",
        1 => "operationsError",
        2 => "protocolError",
        3 => "timeLimitExceeded",
        4 => "sizeLimitExceeded",
        5 => "compareFalse",
        6 => "compareTrue",
        7 => "authMethodNotSupported",
        8 => "strongerAuthRequired",
        10 => "referral",
        11 => "adminLimitExceeded",
        12 => "unavailableCriticalExtension",
        13 => "confidentialityRequired",
        14 => "saslBindInProgress",
        16 => "noSuchAttribute",
        17 => "undefinedAttributeType",
        18 => "inappropriateMatching",
        19 => "constraintViolation",
        20 => "attributeOrValueExists",
        21 => "invalidAttributeSyntax",
        32 => "noSuchObject",
        33 => "aliasProblem",
        34 => "invalidDNSyntax",
        36 => "aliasDereferencingProblem",
        48 => "inappropriateAuthentication",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        54 => "loopDetect",
        64 => "namingViolation",
        65 => "objectClassViolation",
        66 => "notAllowedOnNonLeaf",
        67 => "notAllowedOnRDN",
        68 => "entryAlreadyExists",
        69 => "objectClassModsProhibited",
        71 => "affectsMultipleDSAs",
        80 => "other",
        118 => "canceled",
        119 => "noSuchOperation",
        120 => "tooLate",
        121 => "cannotCancel",
        122 => "assertionFailed",
        123 => "authorizationDenied",
        4096 => "e-syncRefreshRequired",
        _ => "unknown",
    }
}

/// What a result code most likely means for StartTLS, for the admin who
/// reads the message; `None` where the code speaks for itself.
fn hint(code: u32) -> Option<&'static str> {
    match code {
        // OpenLDAP's do_extended answers an unknown OID with protocolError
        // "unsupported extended operation" (servers/slapd/extended.c).
        2 => Some("StartTLS not supported"),
        // OpenLDAP's starttls_extop: unavailable "Could not initialize TLS"
        // when no certificate is configured, operationsError "TLS already
        // started" (servers/slapd/starttls.c); Active Directory answers
        // unavailable with an "Error initializing SSL/TLS" LdapErr text.
        1 | 52 => Some("no certificate configured, or TLS already active"),
        10 => Some("the server sends StartTLS clients elsewhere"),
        53 => Some("the server will not start TLS on this connection"),
        _ => None,
    }
}

/// A failed LDAP StartTLS exchange. `Display` gives one line naming what the
/// server said (result code name, number, diagnostic message) and, where it
/// helps, what that usually means.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LdapError {
    /// The server answered the StartTLS request with a result code other than
    /// success.
    Refused {
        /// The result code number.
        code: u32,
        /// Its RFC 4511 name (`"protocolError"`, `"unavailable"`, ...), or
        /// `"unknown"`.
        name: &'static str,
        /// The diagnosticMessage, trailing NULs removed (Active Directory
        /// sends one).
        diagnostic: String,
        /// The matchedDN (usually empty for extended operations).
        matched_dn: String,
        /// The referral URIs, for result code `referral` (10).
        referrals: Vec<String>,
    },
    /// The server sent a Notice of Disconnection (RFC 4511 section 4.4.1:
    /// message id 0, OID 1.3.6.1.4.1.1466.20036) and is closing.
    Disconnected {
        /// The result code number.
        code: u32,
        /// Its RFC 4511 name, or `"unknown"`.
        name: &'static str,
        /// The diagnosticMessage.
        diagnostic: String,
    },
    /// A well-formed LDAP message that does not answer our request: another
    /// message id or another operation.
    UnexpectedMessage {
        /// The message id the server used (we sent 1).
        message_id: i32,
        /// What it was, e.g. `"bindResponse"` or `"extendedResp named 1.2.3"`.
        operation: String,
    },
    /// The reply does not start like an LDAP message at all.
    NotLdap {
        /// The first bytes, made printable (up to the first line break).
        excerpt: String,
        /// The protocol the bytes look like, when we can tell (`"SMTP"`, `"TLS"`, ...).
        looks_like: Option<&'static str>,
    },
    /// The reply's length field claims more than we accept.
    MessageTooLarge {
        /// The whole message size the length field claims, header included.
        claimed: u64,
        /// Our bound (`Limits::ldap_message`).
        limit: usize,
    },
    /// Not valid BER/LDAP, or not an ExtendedResponse we can read.
    Malformed {
        /// What was wrong.
        detail: String,
    },
}

impl LdapError {
    /// A [`LdapError::Refused`] for `code`, with its name looked up.
    pub(crate) fn refused(
        code: u32,
        diagnostic: String,
        matched_dn: String,
        referrals: Vec<String>,
    ) -> Self {
        LdapError::Refused {
            code,
            name: result_code_name(code),
            diagnostic,
            matched_dn,
            referrals,
        }
    }

    /// A [`LdapError::Malformed`] with `detail`.
    pub(crate) fn malformed(detail: impl Into<String>) -> Self {
        LdapError::Malformed {
            detail: detail.into(),
        }
    }
}

impl fmt::Display for LdapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LdapError::Refused {
                code,
                name,
                diagnostic,
                matched_dn,
                referrals,
            } => {
                write!(f, "LDAP server refused StartTLS: {name} ({code})")?;
                if !diagnostic.is_empty() {
                    write!(f, ": {diagnostic}")?;
                }
                if !matched_dn.is_empty() {
                    write!(f, " [matched DN {matched_dn}]")?;
                }
                if let Some(hint) = hint(*code) {
                    write!(f, " ({hint})")?;
                }
                if !referrals.is_empty() {
                    write!(f, "; referred to {}", referrals.join(", "))?;
                }
                Ok(())
            }
            LdapError::Disconnected {
                code,
                name,
                diagnostic,
            } => {
                write!(
                    f,
                    "LDAP server sent a notice of disconnection instead of starting TLS: {name} ({code})"
                )?;
                if !diagnostic.is_empty() {
                    write!(f, ": {diagnostic}")?;
                }
                Ok(())
            }
            LdapError::UnexpectedMessage {
                message_id,
                operation,
            } => write!(
                f,
                "LDAP server answered StartTLS with {operation} (message id {message_id}) instead of an extendedResp with message id 1"
            ),
            LdapError::NotLdap {
                excerpt,
                looks_like,
            } => {
                write!(f, "server does not speak LDAP: it sent \"{excerpt}\"")?;
                f.write_str(&crate::guess::advice(
                    *looks_like,
                    crate::config::Protocol::Ldap,
                ))
            }
            LdapError::MessageTooLarge { claimed, limit } => write!(
                f,
                "LDAP server's reply claims {claimed} bytes, more than the {limit}-byte limit"
            ),
            LdapError::Malformed { detail } => {
                write!(f, "LDAP server sent a malformed StartTLS reply: {detail}")
            }
        }
    }
}

impl std::error::Error for LdapError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_rfc_4511_and_unknown_codes_say_unknown() {
        assert_eq!(result_code_name(0), "success");
        assert_eq!(result_code_name(2), "protocolError");
        assert_eq!(result_code_name(52), "unavailable");
        assert_eq!(result_code_name(9), "unknown");
        assert_eq!(result_code_name(u32::MAX), "unknown");
    }

    #[test]
    fn refusals_read_as_one_line_with_code_name_number_text_and_hint() {
        let e = LdapError::refused(
            2,
            "unsupported extended operation".into(),
            String::new(),
            vec![],
        );
        assert_eq!(
            e.to_string(),
            "LDAP server refused StartTLS: protocolError (2): unsupported extended operation (StartTLS not supported)"
        );
        let e = LdapError::refused(52, "Could not initialize TLS".into(), String::new(), vec![]);
        assert_eq!(
            e.to_string(),
            "LDAP server refused StartTLS: unavailable (52): Could not initialize TLS (no certificate configured, or TLS already active)"
        );
        let e = LdapError::refused(9, String::new(), String::new(), vec![]);
        assert_eq!(e.to_string(), "LDAP server refused StartTLS: unknown (9)");
        let e = LdapError::refused(
            10,
            String::new(),
            String::new(),
            vec!["ldap://a.example".into(), "ldap://b.example".into()],
        );
        assert!(e
            .to_string()
            .ends_with("; referred to ldap://a.example, ldap://b.example"));
    }

    #[test]
    fn not_ldap_names_the_protocol_it_saw() {
        let e = LdapError::NotLdap {
            excerpt: "220 mail.example.com ESMTP".into(),
            looks_like: Some("SMTP"),
        };
        assert_eq!(
            e.to_string(),
            "server does not speak LDAP: it sent \"220 mail.example.com ESMTP\" (looks like SMTP: use smtp)"
        );
    }
}
