//! Certificate fingerprints and serial numbers as upper-case hex.

use ring::digest;

/// Upper-case hex of `bytes` without separators, e.g. `0A1B`.
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// SHA-1 of the DER certificate in upper-case hex: the "thumbprint" Windows
/// and the old PRTG sensors show.
pub(crate) fn sha1_fingerprint(der: &[u8]) -> String {
    hex_upper(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der).as_ref())
}

/// SHA-256 of the DER certificate in upper-case hex.
pub(crate) fn sha256_fingerprint(der: &[u8]) -> String {
    hex_upper(digest::digest(&digest::SHA256, der).as_ref())
}

/// The serial number as upper-case hex, without the leading zero byte DER
/// adds to keep a positive number positive.
pub(crate) fn serial_hex(raw_serial: &[u8]) -> String {
    let trimmed = match raw_serial {
        [0, next, ..] if *next >= 0x80 => &raw_serial[1..],
        _ => raw_serial,
    };
    hex_upper(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_upper_case_hex_of_the_digest() {
        assert_eq!(
            sha1_fingerprint(b"abc"),
            "A9993E364706816ABA3E25717850C26C9CD0D89D"
        );
        assert_eq!(
            sha256_fingerprint(b"abc"),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        );
    }

    #[test]
    fn serial_drops_only_the_sign_padding_byte() {
        assert_eq!(serial_hex(&[0x00, 0x9f, 0x01]), "9F01");
        assert_eq!(serial_hex(&[0x00]), "00");
        assert_eq!(serial_hex(&[0x01, 0x00]), "0100");
        assert_eq!(serial_hex(&[]), "");
    }
}
