//! BER/DER definite lengths (X.690 section 8.1.3): the one reader the LDAP
//! framer, the LDAP reply reader, the key analysis and the simulator use,
//! and the shortest-form writer. Not a stable API: hidden from the docs.

/// Why a length field is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LengthError {
    /// `0x80`: the indefinite form, which LDAP and DER forbid.
    Indefinite,
    /// A long form with more length octets than the caller accepts.
    TooManyOctets(usize),
}

/// Reads the length field at the start of `buf` (the bytes right after a
/// one-byte tag), accepting at most `max_octets` length octets after the
/// first. `Ok(None)` while the field is incomplete; `Ok(Some((used,
/// length)))` with the octets the field took and the content length it
/// announces. Leading zero octets are accepted, as BER allows.
pub fn read_length(buf: &[u8], max_octets: usize) -> Result<Option<(usize, u64)>, LengthError> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    match first {
        0..=0x7f => Ok(Some((1, u64::from(first)))),
        0x80 => Err(LengthError::Indefinite),
        _ => {
            let octets = usize::from(first & 0x7f);
            if octets > max_octets || octets > 8 {
                return Err(LengthError::TooManyOctets(octets));
            }
            let Some(bytes) = buf.get(1..1 + octets) else {
                return Ok(None);
            };
            let length = bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            Ok(Some((1 + octets, length)))
        }
    }
}

/// The header of the element at the start of `buf`, one-byte tag
/// included: `Ok(Some((header, content)))` with the header's size and the
/// content length, `Ok(None)` while the header is incomplete.
pub fn read_header(buf: &[u8], max_octets: usize) -> Result<Option<(usize, u64)>, LengthError> {
    if buf.is_empty() {
        return Ok(None);
    }
    Ok(read_length(&buf[1..], max_octets)?.map(|(used, length)| (1 + used, length)))
}

/// Appends `len` in the shortest definite form (DER).
pub fn push_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        // Fits the short form: below 0x80.
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    // At most size_of::<usize>() octets, far below 0x7f.
    out.push(0x80 | (bytes.len() - skip) as u8);
    out.extend_from_slice(&bytes[skip..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_long_indefinite_and_cut_lengths() {
        assert_eq!(read_length(&[0x05], 4), Ok(Some((1, 5))));
        assert_eq!(read_length(&[0x82, 0x01, 0x00], 4), Ok(Some((3, 256))));
        assert_eq!(read_length(&[0x82, 0x01], 4), Ok(None));
        assert_eq!(read_length(&[], 4), Ok(None));
        assert_eq!(read_length(&[0x80], 4), Err(LengthError::Indefinite));
        assert_eq!(
            read_length(&[0x85, 0, 0, 0, 0, 1], 4),
            Err(LengthError::TooManyOctets(5))
        );
        assert_eq!(read_header(&[0x30, 0x84, 0, 0, 0, 9], 4), Ok(Some((6, 9))));
        assert_eq!(read_header(&[0x30], 4), Ok(None));
    }

    #[test]
    fn what_is_written_reads_back_in_the_fewest_octets() {
        for len in [
            0usize,
            1,
            0x7f,
            0x80,
            0xff,
            0x100,
            0xffff,
            0x1_0000,
            1 << 24,
        ] {
            let mut out = vec![0x04];
            push_length(&mut out, len);
            let expected = match len {
                0..=0x7f => 2,
                0x80..=0xff => 3,
                0x100..=0xffff => 4,
                0x1_0000..=0xff_ffff => 5,
                _ => 6,
            };
            assert_eq!(out.len(), expected, "{len}");
            assert_eq!(read_header(&out, 8), Ok(Some((expected, len as u64))));
        }
    }
}
