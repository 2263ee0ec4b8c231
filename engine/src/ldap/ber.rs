//! A minimal BER reader for the parts of an LDAP reply we need when
//! `ldap3_proto` will not decode it (unknown result codes, non-UTF-8 text,
//! odd controls) and for the referral URIs it drops. Single-byte tags and
//! definite lengths only; every read is checked against the bytes present,
//! so no input can make it panic or allocate.

use crate::ber_length::{read_length, LengthError};

/// One tag-length-value element, borrowing its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tlv<'a> {
    /// The identifier octet (class, constructed bit and tag number).
    pub(crate) tag: u8,
    /// The content octets.
    pub(crate) content: &'a [u8],
}

/// Reads consecutive elements from a byte slice.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `bytes`.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    /// True when every element has been read.
    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The identifier octet of the next element, without reading it.
    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Reads the next element; `what` names it in the error.
    pub(crate) fn next(&mut self, what: &str) -> Result<Tlv<'a>, String> {
        let Some((&tag, after_tag)) = self.rest.split_first() else {
            return Err(format!("{what} is missing"));
        };
        if tag & 0x1f == 0x1f {
            return Err(format!("{what} has a multi-byte tag"));
        }
        if after_tag.is_empty() {
            return Err(format!("{what} is cut short"));
        }
        let (len, body) = match read_length(after_tag, 8) {
            Ok(Some((used, len))) => (
                usize::try_from(len).unwrap_or(usize::MAX),
                &after_tag[used..],
            ),
            Err(LengthError::Indefinite) => return Err(format!("{what} has an indefinite length")),
            Ok(None) | Err(LengthError::TooManyOctets(_)) => {
                return Err(format!("{what} has a bad length field"))
            }
        };
        if body.len() < len {
            return Err(format!("{what} claims more bytes than the message holds"));
        }
        let (content, rest) = body.split_at(len);
        self.rest = rest;
        Ok(Tlv { tag, content })
    }

    /// Reads the next element and checks its identifier octet.
    pub(crate) fn expect(&mut self, tag: u8, what: &str) -> Result<&'a [u8], String> {
        let tlv = self.next(what)?;
        if tlv.tag != tag {
            return Err(format!(
                "{what} has tag 0x{:02x}, expected 0x{tag:02x}",
                tlv.tag
            ));
        }
        Ok(tlv.content)
    }
}

/// A two's-complement INTEGER or ENUMERATED of at most 8 content octets.
pub(crate) fn integer(content: &[u8]) -> Option<i64> {
    let (&first, _) = content.split_first()?;
    if content.len() > 8 {
        return None;
    }
    let seed: i64 = if first & 0x80 != 0 { -1 } else { 0 };
    Some(
        content
            .iter()
            .fold(seed, |acc, &b| (acc << 8) | i64::from(b)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_and_long_form_elements_in_sequence() {
        let bytes = [0x02, 0x01, 0x05, 0x04, 0x81, 0x02, b'h', b'i'];
        let mut r = Reader::new(&bytes);
        assert_eq!(r.peek_tag(), Some(0x02));
        assert_eq!(r.expect(0x02, "id"), Ok(&[5u8][..]));
        assert_eq!(r.expect(0x04, "text"), Ok(&b"hi"[..]));
        assert!(r.is_empty());
        assert!(r.next("more").is_err());
    }

    #[test]
    fn truncated_or_oversized_elements_are_errors_not_panics() {
        for bad in [
            &[0x04][..],
            &[0x04, 0x05, b'a'],
            &[0x04, 0x84, 0xff, 0xff],
            &[0x04, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x04, 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            &[0x04, 0x80, 0x00, 0x00],
            &[0x1f, 0x01, 0x00],
        ] {
            assert!(Reader::new(bad).next("x").is_err(), "{bad:02x?}");
        }
        assert!(Reader::new(&[0x04, 0x00])
            .expect(0x02, "x")
            .unwrap_err()
            .contains("0x04"));
    }

    #[test]
    fn integers_are_twos_complement() {
        assert_eq!(integer(&[0x00]), Some(0));
        assert_eq!(integer(&[0x34]), Some(52));
        assert_eq!(integer(&[0x00, 0x80]), Some(128));
        assert_eq!(integer(&[0xff]), Some(-1));
        assert_eq!(integer(&[]), None);
        assert_eq!(integer(&[1; 9]), None);
    }
}
