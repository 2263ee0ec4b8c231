//! The old Python sensor's parameter string, accepted unchanged:
//! `port: 25, protocol: smtp, cert_domainname: mta.example.com, cert_domainname_validation: cn_san`.

use std::fmt;

use starttls_engine::analysis::NameCheck;
use starttls_engine::Protocol;

/// What a parameter string sets; unset keys keep the command's defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params {
    /// `port`.
    pub port: Option<u16>,
    /// `protocol`: one of `Protocol::ALL`'s keywords (or `submissions`).
    pub protocol: Option<Protocol>,
    /// `cert_domainname`: the name to check (and send as SNI).
    pub cert_domainname: Option<String>,
    /// `cert_domainname_validation`: None, cn or cn_san.
    pub validation: Option<NameCheck>,
    /// `xmpp_domain`: the domain in the XMPP stream header.
    pub xmpp_domain: Option<String>,
}

/// A parameter string that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamsError {
    /// A piece without `key: value`.
    NotKeyValue(String),
    /// A key the sensor never had.
    UnknownKey(String),
    /// A key given twice.
    DuplicateKey(String),
    /// A protocol keyword no check has.
    UnknownProtocol {
        /// The value as given.
        value: String,
        /// The known keyword it is closest to, if one is near.
        near: Option<&'static str>,
    },
    /// A value that does not fit its key.
    BadValue {
        /// The key.
        key: &'static str,
        /// The value as given.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
}

impl fmt::Display for ParamsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = "port, protocol, cert_domainname, cert_domainname_validation, xmpp_domain";
        match self {
            ParamsError::NotKeyValue(p) => {
                write!(f, "parameter \"{p}\" is not of the form key: value")
            }
            ParamsError::UnknownKey(k) => {
                write!(f, "unknown parameter \"{k}\" (known: {keys})")
            }
            ParamsError::DuplicateKey(k) => write!(f, "parameter \"{k}\" is given twice"),
            ParamsError::UnknownProtocol { value, near } => {
                write!(
                    f,
                    "parameter protocol has value \"{value}\", expected {}",
                    crate::args::protocol_list()
                )?;
                match near {
                    Some(keyword) => write!(f, " (did you mean {keyword}?)"),
                    None => Ok(()),
                }
            }
            ParamsError::BadValue {
                key,
                value,
                expected,
            } => {
                write!(
                    f,
                    "parameter {key} has value \"{value}\", expected {expected}"
                )
            }
        }
    }
}

impl std::error::Error for ParamsError {}

/// Removes the backslashes PRTG puts before quotes, brackets, `+` and other
/// characters it escapes in parameter strings.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The protocol keyword `value` is a typo of: the one at the smallest edit
/// distance (ignoring case), if that is at most 2 and less than the value's
/// length, so `imapx` finds `imap` and `xyz` finds nothing.
fn nearest_keyword(value: &str) -> Option<&'static str> {
    let value: String = value.to_ascii_lowercase().chars().take(64).collect();
    let len = value.chars().count();
    Protocol::ALL
        .iter()
        .map(|p| p.keyword())
        .map(|k| (strsim::levenshtein(&value, k), k))
        .filter(|&(d, _)| d <= 2 && d < len)
        .min_by_key(|&(d, _)| d)
        .map(|(_, k)| k)
}

/// Parses a parameter string. Keys are case-insensitive; pieces are
/// separated by commas; empty pieces (a trailing comma) are ignored.
pub fn parse(text: &str) -> Result<Params, ParamsError> {
    let text = unescape(text);
    let mut params = Params::default();
    for piece in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = piece.split_once(':') else {
            return Err(ParamsError::NotKeyValue(piece.to_owned()));
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        let bad = |key: &'static str, expected: &'static str| ParamsError::BadValue {
            key,
            value: value.to_owned(),
            expected,
        };
        let duplicate = match key.as_str() {
            "port" => {
                let port = value
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| bad("port", "a number from 1 to 65535"))?;
                params.port.replace(port).is_some()
            }
            "protocol" => {
                let protocol =
                    Protocol::from_keyword(value).ok_or_else(|| ParamsError::UnknownProtocol {
                        value: value.to_owned(),
                        near: nearest_keyword(value),
                    })?;
                params.protocol.replace(protocol).is_some()
            }
            "cert_domainname" => {
                if value.is_empty() || value.contains(char::is_whitespace) {
                    return Err(bad("cert_domainname", "a host name without spaces"));
                }
                params.cert_domainname.replace(value.to_owned()).is_some()
            }
            "cert_domainname_validation" => {
                let mode = parse_name_check(value)
                    .ok_or_else(|| bad("cert_domainname_validation", "None, cn or cn_san"))?;
                params.validation.replace(mode).is_some()
            }
            "xmpp_domain" => {
                if value.is_empty() || value.contains(char::is_whitespace) {
                    return Err(bad("xmpp_domain", "a domain without spaces"));
                }
                params.xmpp_domain.replace(value.to_owned()).is_some()
            }
            _ => return Err(ParamsError::UnknownKey(key)),
        };
        if duplicate {
            return Err(ParamsError::DuplicateKey(key));
        }
    }
    Ok(params)
}

/// Reads a name-check mode as any of the sensors wrote it: `none`, `cn`,
/// `cn_san`, `cn-san`, `CN/SAN` (case-insensitive).
pub fn parse_name_check(value: &str) -> Option<NameCheck> {
    match value.to_ascii_lowercase().as_str() {
        "none" | "off" | "disabled" => Some(NameCheck::None),
        "cn" => Some(NameCheck::Cn),
        "cn_san" | "cn-san" | "cn/san" | "cnsan" => Some(NameCheck::CnSan),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_readme_examples() {
        assert_eq!(
            parse("port: 7025, protocol: lmtp, cert_domainname_validation: cn_san").unwrap(),
            Params {
                port: Some(7025),
                protocol: Some(Protocol::Lmtp),
                cert_domainname: None,
                validation: Some(NameCheck::CnSan),
                xmpp_domain: None,
            }
        );
        assert_eq!(
            parse("port: 25, protocol: smtp, cert_domainname: mta.example.com, cert_domainname_validation: cn").unwrap(),
            Params {
                port: Some(25),
                protocol: Some(Protocol::Smtp),
                cert_domainname: Some("mta.example.com".into()),
                validation: Some(NameCheck::Cn),
                xmpp_domain: None,
            }
        );
    }

    #[test]
    fn keys_and_values_are_case_insensitive_and_empty_is_fine() {
        let p = parse("PORT:389,Protocol: LDAP, cert_domainname_validation: None,").unwrap();
        assert_eq!(p.port, Some(389));
        assert_eq!(p.protocol, Some(Protocol::Ldap));
        assert_eq!(p.validation, Some(NameCheck::None));
        assert_eq!(parse("").unwrap(), Params::default());
    }

    #[test]
    fn prtg_backslash_escapes_are_removed() {
        let p = parse(r"cert_domainname: mail\-1.example.com").unwrap();
        assert_eq!(p.cert_domainname.as_deref(), Some("mail-1.example.com"));
    }

    #[test]
    fn bad_input_names_what_was_wrong() {
        let msg = |s: &str| parse(s).unwrap_err().to_string();
        assert_eq!(
            msg("port 25"),
            "parameter \"port 25\" is not of the form key: value"
        );
        assert!(msg("prot: smtp").starts_with("unknown parameter \"prot\""));
        assert_eq!(
            msg("port: 0"),
            "parameter port has value \"0\", expected a number from 1 to 65535"
        );
        assert_eq!(
            msg("port: 70000"),
            "parameter port has value \"70000\", expected a number from 1 to 65535"
        );
        assert_eq!(
            msg("protocol: gopher"),
            format!(
                "parameter protocol has value \"gopher\", expected {}",
                crate::args::protocol_list()
            )
        );
        assert_eq!(
            msg("protocol: imapx"),
            format!(
                "parameter protocol has value \"imapx\", expected {} (did you mean imap?)",
                crate::args::protocol_list()
            )
        );
        assert!(msg("protocol: LDAPSS").ends_with("(did you mean ldaps?)"));
        assert!(msg("protocol: postgress").ends_with("(did you mean postgres?)"));
        assert!(msg("protocol: xy").ends_with("or tls"), "nothing near");
        let p = parse("protocol: xmpp, xmpp_domain: example.com").unwrap();
        assert_eq!(p.xmpp_domain.as_deref(), Some("example.com"));
        assert!(msg("xmpp_domain: a b").contains("a domain without spaces"));
        assert_eq!(
            msg("port: 25, port: 26"),
            "parameter \"port\" is given twice"
        );
        assert!(msg("cert_domainname_validation: san").contains("None, cn or cn_san"));
    }
}
