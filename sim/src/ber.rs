//! The few BER encoding rules the LDAP personalities need, with control over
//! the length form (Active Directory writes 4-byte long-form lengths where
//! others write the shortest form).

/// How a length is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthForm {
    /// The shortest definite form (X.690 DER style), as OpenLDAP and 389-ds write.
    Shortest,
    /// `0x84` followed by four length bytes, as Active Directory writes for
    /// constructed values.
    Long4,
}

/// Appends a length in `form`.
pub fn push_length(out: &mut Vec<u8>, len: usize, form: LengthForm) {
    match form {
        LengthForm::Long4 => {
            out.push(0x84);
            out.extend_from_slice(&(len as u32).to_be_bytes());
        }
        LengthForm::Shortest => starttls_engine::ber_length::push_length(out, len),
    }
}

/// A tag-length-value element.
pub fn tlv(tag: u8, content: &[u8], form: LengthForm) -> Vec<u8> {
    let mut out = vec![tag];
    push_length(&mut out, content.len(), form);
    out.extend_from_slice(content);
    out
}

/// The minimal two's-complement content bytes of an INTEGER.
pub fn integer_content(value: i64) -> Vec<u8> {
    let bytes = value.to_be_bytes();
    let mut start = 0;
    while start < 7 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        if (b == 0 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    bytes[start..].to_vec()
}

/// The header of the BER element at the start of `buf`: `Some(Ok((header,
/// content)))` with the header's length (tag and length octets) and the
/// content's, once the header is in; `None` while more bytes are needed;
/// `Some(Err(()))` for a length this framer does not accept (indefinite or
/// over 4 octets).
pub fn header(buf: &[u8]) -> Option<Result<(usize, usize), ()>> {
    match starttls_engine::ber_length::read_header(buf, 4) {
        Ok(None) => None,
        Ok(Some((header, len))) => Some(
            usize::try_from(len)
                .map(|len| (header, len))
                .map_err(|_| ()),
        ),
        Err(_) => Some(Err(())),
    }
}

/// The total size of the BER element at the start of `buf`: `Some(Ok(n))`
/// once it is complete, `None` while more bytes are needed, `Some(Err(()))`
/// for a length this framer does not accept (indefinite or over 4 bytes).
pub fn element_size(buf: &[u8]) -> Option<Result<usize, ()>> {
    let (header, len) = match header(buf)? {
        Ok(parts) => parts,
        Err(()) => return Some(Err(())),
    };
    let total = header + len;
    (buf.len() >= total).then_some(Ok(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_integers_encode_minimally_or_long4() {
        assert_eq!(tlv(0x04, b"", LengthForm::Shortest), [0x04, 0x00]);
        assert_eq!(
            tlv(0x30, &[0; 3], LengthForm::Long4)[..6],
            [0x30, 0x84, 0, 0, 0, 3]
        );
        let mut v = Vec::new();
        push_length(&mut v, 300, LengthForm::Shortest);
        assert_eq!(v, [0x82, 0x01, 0x2c]);
        assert_eq!(integer_content(0), [0]);
        assert_eq!(integer_content(1), [1]);
        assert_eq!(integer_content(128), [0, 128]);
        assert_eq!(integer_content(-1), [0xff]);
    }

    #[test]
    fn element_size_frames_short_and_long_forms() {
        assert_eq!(element_size(&[0x30]), None);
        assert_eq!(element_size(&[0x30, 0x02, 1]), None);
        assert_eq!(element_size(&[0x30, 0x02, 1, 2, 9]), Some(Ok(4)));
        assert_eq!(element_size(&[0x30, 0x84, 0, 0, 0, 1, 7]), Some(Ok(7)));
        assert_eq!(element_size(&[0x30, 0x80]), Some(Err(())));
        assert_eq!(header(&[0x30, 0x82, 0x01]), None);
        assert_eq!(header(&[0x30, 0x82, 0x01, 0x2c]), Some(Ok((4, 300))));
        assert_eq!(header(&[0x30, 0x85]), Some(Err(())));
    }
}
