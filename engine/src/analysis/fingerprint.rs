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
/// and classic certificate sensors show.
pub(crate) fn sha1_fingerprint(der: &[u8]) -> String {
    hex_upper(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der).as_ref())
}

/// SHA-256 of the DER certificate in upper-case hex.
pub(crate) fn sha256_fingerprint(der: &[u8]) -> String {
    hex_upper(digest::digest(&digest::SHA256, der).as_ref())
}

/// The serial number as `openssl x509 -serial` shows it: upper-case hex
/// without the leading zero byte DER adds to keep a positive number
/// positive, and a negative serial (RFC 5280 forbids them, some CAs made
/// them) as `-` and the hex of its magnitude, e.g. `-FF` for -255.
pub(crate) fn serial_hex(raw_serial: &[u8]) -> String {
    match raw_serial {
        [first, ..] if *first >= 0x80 => format!("-{}", hex_upper(&negate(raw_serial))),
        [0, next, ..] if *next >= 0x80 => hex_upper(&raw_serial[1..]),
        _ => hex_upper(raw_serial),
    }
}

/// The magnitude of a negative two's-complement big-endian integer, without
/// leading zero bytes (at least one byte).
fn negate(twos_complement: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = twos_complement.iter().map(|b| !b).collect();
    for byte in out.iter_mut().rev() {
        let (sum, carry) = byte.overflowing_add(1);
        *byte = sum;
        if !carry {
            break;
        }
    }
    let first = out
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(out.len().saturating_sub(1));
    out.split_off(first)
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

    #[test]
    fn negative_serials_read_as_openssl_shows_them() {
        // openssl x509 -noout -serial of certificates made with
        // `openssl req -x509 -set_serial N` for each N.
        for (der, shown) in [
            (&[0xff][..], "-01"),
            (&[0x80], "-80"),
            (&[0xff, 0x7f], "-81"),
            (&[0xff, 0x01], "-FF"),
            (&[0x80, 0x00], "-8000"),
            (&[0xff, 0x00, 0x00], "-010000"),
        ] {
            assert_eq!(serial_hex(der), shown, "{der:02X?}");
        }
    }
}
