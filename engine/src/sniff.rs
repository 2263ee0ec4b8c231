//! Guessing which protocol a server speaks from its first bytes, so a
//! check pointed at the wrong port says what it found there.

use crate::text::printable;

/// The first line of `buf` (up to 160 bytes), made printable and cut to 80
/// characters; for a MySQL/MariaDB greeting, its version string.
pub(crate) fn excerpt(buf: &[u8]) -> String {
    if let Some(version) = mysql_version(buf) {
        return printable(version, 80);
    }
    let line_end = buf
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(buf.len());
    printable(&buf[..line_end.min(160)], 80)
}

/// A guess at the protocol behind bytes a check did not expect.
pub(crate) fn looks_like(buf: &[u8]) -> Option<&'static str> {
    let starts = |p: &[u8]| buf.len() >= p.len() && buf[..p.len()].eq_ignore_ascii_case(p);
    if matches!(buf, [0x14..=0x17, 0x03, ..]) {
        return Some("TLS");
    }
    if starts(b"SSH-") {
        return Some("SSH");
    }
    if starts(b"HTTP/") {
        return Some("HTTP");
    }
    if starts(b"* OK") || starts(b"* PREAUTH") || starts(b"* BYE") {
        return Some("IMAP");
    }
    if starts(b"+OK") || starts(b"-ERR") {
        return Some("POP3");
    }
    if let [a, b, c, sep, ..] = buf {
        if [a, b, c].iter().all(|d| d.is_ascii_digit()) && (*sep == b' ' || *sep == b'-') {
            let mentions_smtp = buf.windows(4).any(|w| w.eq_ignore_ascii_case(b"SMTP"));
            return Some(if mentions_smtp { "SMTP" } else { "SMTP or FTP" });
        }
    }
    if mysql_version(buf).is_some() {
        return Some("MySQL/MariaDB");
    }
    None
}

/// The version string of a MySQL/MariaDB greeting: a packet of sequence 0
/// (length under 64 KiB) holding protocol version 10 and a version that
/// starts with a digit, up to its NUL (or the first 80 bytes).
fn mysql_version(buf: &[u8]) -> Option<&[u8]> {
    let [_, _, 0, 0, 0x0a, rest @ ..] = buf else {
        return None;
    };
    if !rest.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let end = rest
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(rest.len())
        .min(80);
    Some(&rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_protocols_are_named() {
        assert_eq!(looks_like(b"\x16\x03\x01\x02\x00"), Some("TLS"));
        assert_eq!(looks_like(b"220 mx ESMTP Postfix"), Some("SMTP"));
        assert_eq!(looks_like(b"220 (vsFTPd 3.0.3)"), Some("SMTP or FTP"));
        assert_eq!(looks_like(b"* OK [CAPABILITY IMAP4rev1]"), Some("IMAP"));
        assert_eq!(looks_like(b"+OK Dovecot ready."), Some("POP3"));
        assert_eq!(
            looks_like(b"\x4a\0\0\x00\x0a8.0.40\0"),
            Some("MySQL/MariaDB")
        );
        assert_eq!(looks_like(b"\x30\x0c\x02\x01"), None);
        assert_eq!(excerpt(b"220 mx\r\nmore"), "220 mx");
        assert_eq!(
            excerpt(b"\x64\0\0\0\x0a5.5.5-10.11.14-MariaDB\0\x03\0"),
            "5.5.5-10.11.14-MariaDB"
        );
    }
}
