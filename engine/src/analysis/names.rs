//! Distinguished names as text: decoding every directory string type,
//! formatting a whole name, and comparing two names.
//!
//! x509-parser only hands out UTF-8-compatible string types as `&str`;
//! BMPString (UTF-16), UniversalString (UTF-32) and T61String are decoded here,
//! and anything undecodable becomes replacement characters or `#hex`, never a
//! panic.

use x509_parser::asn1_rs::{Any, Tag};
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Name;

/// Dotted OID of the subject common name attribute (`2.5.4.3`).
pub(crate) const OID_COMMON_NAME: &str = "2.5.4.3";

/// Short names of the usual attribute types, as in RFC 4514 and OpenSSL.
fn short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "STREET",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.5" => "serialNumber",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        "1.2.840.113549.1.9.1" => "emailAddress",
        _ => return None,
    })
}

/// Decodes an attribute value of any string type into text.
///
/// Invalid UTF-8/UTF-16/UTF-32 becomes U+FFFD; a non-string value is shown as
/// `#` followed by the hex of its content, like RFC 4514 does.
pub(crate) fn attribute_text(value: &Any<'_>) -> String {
    let data = value.data;
    match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString => String::from_utf8_lossy(data).into_owned(),
        Tag::BmpString => {
            let pairs = data.chunks_exact(2);
            let odd_tail = !pairs.remainder().is_empty();
            let units = pairs.map(|c| u16::from_be_bytes([c[0], c[1]]));
            let mut text: String = char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect();
            if odd_tail {
                text.push(char::REPLACEMENT_CHARACTER);
            }
            text
        }
        Tag::UniversalString => data
            .chunks(4)
            .map(|c| {
                <[u8; 4]>::try_from(c)
                    .ok()
                    .and_then(|word| char::from_u32(u32::from_be_bytes(word)))
                    .unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
        // T61 is in practice used for Latin-1 text.
        Tag::T61String => data.iter().map(|&b| char::from(b)).collect(),
        _ => format!("#{}", super::fingerprint::hex_upper(data)),
    }
}

/// All values of the common name attribute, in the order they appear.
pub(crate) fn common_names(name: &X509Name<'_>) -> Vec<String> {
    name.iter_attributes()
        .filter(|a| a.attr_type().to_id_string() == OID_COMMON_NAME)
        .map(|a| attribute_text(a.attr_value()))
        .collect()
}

/// Formats a name as `CN=mail.example.com, O=Example`, in certificate order.
///
/// An empty name prints as the empty string.
pub(crate) fn format_name(name: &X509Name<'_>) -> String {
    let mut parts = Vec::new();
    for rdn in name.iter_rdn() {
        let attrs: Vec<String> = rdn
            .iter()
            .map(|a| {
                let oid = a.attr_type().to_id_string();
                let key = short_name(&oid).map_or(oid.clone(), str::to_owned);
                format!("{key}={}", attribute_text(a.attr_value()))
            })
            .collect();
        parts.push(attrs.join(" + "));
    }
    parts.join(", ")
}

/// Formats a name given as the content octets of its SEQUENCE (how webpki
/// stores a trust anchor's subject); undecodable names print as `#hex`.
pub(crate) fn format_name_contents(contents: &[u8]) -> String {
    let mut der = vec![0x30];
    crate::ber_length::push_length(&mut der, contents.len());
    der.extend_from_slice(contents);
    match X509Name::from_der(&der) {
        Ok((rest, name)) if rest.is_empty() && (contents.is_empty() || name.iter().count() > 0) => {
            format_name(&name)
        }
        _ => format!("#{}", super::fingerprint::hex_upper(contents)),
    }
}

/// A name reduced for comparison: attribute types with case-folded,
/// whitespace-collapsed values, so PrintableString and UTF8String encodings of
/// the same name compare equal (RFC 5280 section 7.1, simplified).
fn canonical(name: &X509Name<'_>) -> Vec<Vec<(String, String)>> {
    name.iter_rdn()
        .map(|rdn| {
            let mut attrs: Vec<(String, String)> = rdn
                .iter()
                .map(|a| {
                    let text = attribute_text(a.attr_value()).to_lowercase();
                    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    (a.attr_type().to_id_string(), folded)
                })
                .collect();
            attrs.sort();
            attrs
        })
        .collect()
}

/// Whether two names denote the same entity: byte-identical, or equal after
/// case folding and whitespace collapsing.
pub(crate) fn names_match(a: &X509Name<'_>, b: &X509Name<'_>) -> bool {
    a.as_raw() == b.as_raw() || canonical(a) == canonical(b)
}

/// The content octets of a DER element (what webpki keeps as a trust anchor's
/// subject), or `None` if `der` is not one well-formed element.
pub(crate) fn der_contents(der: &[u8]) -> Option<&[u8]> {
    let (&first_len, rest) = der.get(1..)?.split_first()?;
    let (len, body) = if first_len < 0x80 {
        (usize::from(first_len), rest)
    } else {
        let count = usize::from(first_len & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[count..])
    };
    (body.len() == len).then_some(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any(tag: Tag, data: &[u8]) -> Any<'_> {
        Any::from_tag_and_data(tag, data)
    }

    #[test]
    fn decodes_every_directory_string_type() {
        assert_eq!(
            attribute_text(&any(Tag::Utf8String, "mäil".as_bytes())),
            "mäil"
        );
        assert_eq!(attribute_text(&any(Tag::PrintableString, b"mail")), "mail");
        assert_eq!(
            attribute_text(&any(Tag::BmpString, &[0, b'h', 0, 0xe4])),
            "hä"
        );
        assert_eq!(
            attribute_text(&any(
                Tag::UniversalString,
                &[0, 0, 0, b'x', 0, 1, 0xf6, 0x00]
            )),
            "x\u{1f600}"
        );
        assert_eq!(attribute_text(&any(Tag::T61String, &[b'a', 0xe9])), "aé");
        assert_eq!(
            attribute_text(&any(Tag::OctetString, &[0xab, 0x01])),
            "#AB01"
        );
    }

    #[test]
    fn broken_encodings_become_replacement_characters() {
        assert_eq!(
            attribute_text(&any(Tag::Utf8String, &[b'a', 0xff])),
            "a\u{fffd}"
        );
        // Odd length UTF-16 and a lone surrogate.
        assert!(attribute_text(&any(Tag::BmpString, &[0xd8, 0x00, 0x41])).contains('\u{fffd}'));
        assert_eq!(
            attribute_text(&any(Tag::UniversalString, &[0x7f, 0, 0, 0, 0])),
            "\u{fffd}\u{fffd}"
        );
    }

    #[test]
    fn der_contents_strips_short_and_long_headers() {
        assert_eq!(der_contents(&[0x30, 2, 1, 2]), Some(&[1u8, 2][..]));
        let mut long = vec![0x30, 0x81, 200];
        long.extend([7u8; 200]);
        assert_eq!(der_contents(&long).map(<[u8]>::len), Some(200));
        assert_eq!(der_contents(&[0x30, 3, 1]), None);
        assert_eq!(der_contents(&[0x30]), None);
        assert_eq!(der_contents(&[]), None);
        assert_eq!(der_contents(&[0x30, 0x80]), None);
    }

    /// DER of a name with one CN attribute of the given string tag.
    fn cn_name(tag: u8, text: &str) -> Vec<u8> {
        let mut attr = vec![0x06, 0x03, 0x55, 0x04, 0x03, tag, text.len() as u8];
        attr.extend_from_slice(text.as_bytes());
        let mut seq = vec![0x30, attr.len() as u8];
        seq.extend(attr);
        let mut set = vec![0x31, seq.len() as u8];
        set.extend(seq);
        let mut name = vec![0x30, set.len() as u8];
        name.extend(set);
        name
    }

    /// DER of a name with one long UTF8String CN (two-byte lengths).
    fn cn_name_long(text: &str) -> Vec<u8> {
        fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
            let mut out = vec![tag, 0x82];
            out.extend((body.len() as u16).to_be_bytes());
            out.extend_from_slice(body);
            out
        }
        let mut attr = vec![0x06, 0x03, 0x55, 0x04, 0x03];
        attr.extend(tlv(0x0c, text.as_bytes()));
        tlv(0x30, &tlv(0x31, &tlv(0x30, &attr)))
    }

    #[test]
    fn names_differing_only_in_case_and_spacing_match() {
        let a = cn_name(0x13, "Example  CA"); // PrintableString
        let b = cn_name(0x0c, "example ca"); // UTF8String
        let c = cn_name(0x0c, "other ca");
        let (_, na) = X509Name::from_der(&a).expect("name a");
        let (_, nb) = X509Name::from_der(&b).expect("name b");
        let (_, nc) = X509Name::from_der(&c).expect("name c");
        assert!(names_match(&na, &nb));
        assert!(!names_match(&na, &nc));
        assert_eq!(format_name(&na), "CN=Example  CA");
        assert_eq!(common_names(&nb), vec!["example ca".to_owned()]);
        assert_eq!(der_contents(&a), Some(&a[2..]));
        assert_eq!(format_name_contents(&a[2..]), "CN=Example  CA");
        assert_eq!(format_name_contents(&[0xff]), "#FF");
        let long = "x".repeat(300);
        let big = cn_name_long(&long);
        assert_eq!(
            format_name_contents(der_contents(&big).expect("contents")),
            format!("CN={long}")
        );
    }
}
