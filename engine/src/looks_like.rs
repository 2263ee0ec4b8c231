//! A guess at the protocol behind bytes that are not what the check
//! expected, so an error can say "this port speaks IMAP" instead of only
//! "malformed reply".

/// The protocol `buf` (the first bytes a server sent) looks like: `TLS`,
/// `SSH`, `HTTP`, `IMAP`, `POP3`, `ManageSieve`, `SMTP` or `SMTP or FTP`.
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
    if starts(b"\"IMPLEMENTATION\"") || starts(b"\"SIEVE\"") || starts(b"\"SASL\"") {
        return Some("ManageSieve");
    }
    if starts(b"<?xml") || starts(b"<stream:") {
        return Some("XMPP");
    }
    if let [a, b, c, sep, ..] = buf {
        if [a, b, c].iter().all(|d| d.is_ascii_digit()) && (*sep == b' ' || *sep == b'-') {
            let mentions = |word: &[u8]| {
                buf.windows(word.len())
                    .any(|w| w.eq_ignore_ascii_case(word))
            };
            return Some(if mentions(b"SMTP") {
                "SMTP"
            } else if mentions(b"FTP") {
                "FTP"
            } else {
                "SMTP or FTP"
            });
        }
    }
    None
}

/// The advice an error gives after naming what the server sent.
pub(crate) fn advice(looks_like: Option<&str>) -> String {
    match looks_like {
        Some("TLS") => {
            " (looks like TLS: the port may expect TLS from the start, e.g. IMAPS on 993, POP3S on 995, SMTPS on 465)".into()
        }
        Some(proto) => format!(" (looks like {proto}: wrong port or protocol?)"),
        None => " (another protocol on this port?)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mailbox_greeting_names_its_protocol() {
        assert_eq!(
            looks_like(b"* OK [CAPABILITY IMAP4rev1] ready"),
            Some("IMAP")
        );
        assert_eq!(looks_like(b"+OK Dovecot ready."), Some("POP3"));
        assert_eq!(
            looks_like(b"\"IMPLEMENTATION\" \"Dovecot Pigeonhole\""),
            Some("ManageSieve")
        );
        assert_eq!(looks_like(b"220 mx ESMTP Postfix"), Some("SMTP"));
        assert_eq!(looks_like(b"\x16\x03\x01\x00"), Some("TLS"));
        assert_eq!(looks_like(b"220 (vsFTPd 3.0.3)\r\n"), Some("FTP"));
        assert_eq!(looks_like(b"220 ready\r\n"), Some("SMTP or FTP"));
        assert_eq!(
            looks_like(b"<?xml version='1.0'?><stream:stream xmlns='jabber:client'"),
            Some("XMPP")
        );
        assert_eq!(looks_like(b"hello"), None);
        assert!(advice(Some("IMAP")).contains("looks like IMAP"));
    }
}
