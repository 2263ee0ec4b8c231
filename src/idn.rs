//! Internationalised host names: a Unicode host or `--sni-domain` becomes
//! its A-label form (UTS 46 processing with the URL standard's forbidden
//! characters, as browsers do) for DNS, SNI and the name check, and both
//! forms are shown to people.

use std::fmt;

/// A host name in the ASCII form used on the wire, with the Unicode form
/// when the name is internationalised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdnName {
    /// The name for DNS, SNI and matching: ASCII, `xn--` labels for
    /// internationalised ones.
    pub ascii: String,
    /// The same name in Unicode, when it differs from `ascii`.
    pub unicode: Option<String>,
}

impl IdnName {
    /// Converts `name`. Plain ASCII names stay exactly as given (case
    /// included); names with non-ASCII characters are mapped and encoded,
    /// and names already holding `xn--` labels get their Unicode form.
    pub fn parse(name: &str) -> Result<IdnName, String> {
        let ascii = if name.is_ascii() {
            name.to_owned()
        } else {
            idna::domain_to_ascii_cow(name.as_bytes(), idna::AsciiDenyList::URL)
                .map_err(|_| {
                    format!("\"{name}\" is not a valid internationalised domain name (UTS 46)")
                })?
                .into_owned()
        };
        let unicode = if ascii.to_ascii_lowercase().contains("xn--") {
            match idna::domain_to_unicode(&ascii) {
                (text, Ok(())) if text != ascii => Some(text),
                _ => None,
            }
        } else {
            None
        };
        Ok(IdnName { ascii, unicode })
    }
}

/// The Unicode form of an internationalised name (`None` for other names).
pub fn unicode_form(name: &str) -> Option<String> {
    IdnName::parse(name).ok().and_then(|n| n.unicode)
}

impl fmt::Display for IdnName {
    /// `xn--mnchen-3ya.example (münchen.example)`, or the name alone.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.unicode {
            Some(unicode) => write!(f, "{} ({unicode})", self.ascii),
            None => f.write_str(&self.ascii),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unicode_names_become_a_labels_and_keep_their_unicode_form() {
        let n = IdnName::parse("Bücher.Example").unwrap();
        assert_eq!(n.ascii, "xn--bcher-kva.example");
        assert_eq!(n.unicode.as_deref(), Some("bücher.example"));
        assert_eq!(n.to_string(), "xn--bcher-kva.example (bücher.example)");
        let n = IdnName::parse("mail.münchen.de").unwrap();
        assert_eq!(n.ascii, "mail.xn--mnchen-3ya.de");
    }

    #[test]
    fn a_labels_given_directly_get_their_unicode_form() {
        let n = IdnName::parse("xn--bcher-kva.example").unwrap();
        assert_eq!(n.ascii, "xn--bcher-kva.example");
        assert_eq!(n.unicode.as_deref(), Some("bücher.example"));
    }

    #[test]
    fn ascii_names_and_addresses_stay_as_given() {
        for name in [
            "Mail.Example.COM",
            "192.0.2.1",
            "[2001:db8::1]",
            "localhost",
        ] {
            let n = IdnName::parse(name).unwrap();
            assert_eq!(n.ascii, name);
            assert_eq!(n.unicode, None);
            assert_eq!(n.to_string(), name);
        }
    }

    #[test]
    fn names_uts_46_refuses_are_clear_errors() {
        for bad in ["a\u{202e}b.example", "bü cher.example", "ü/x.example"] {
            let e = IdnName::parse(bad).unwrap_err();
            assert!(
                e.contains("not a valid internationalised domain name"),
                "{e}"
            );
        }
    }
}
