//! Telling which protocol a server speaks from its first bytes, for a hint
//! when a check speaks the wrong one ("this looks like an FTP greeting: use
//! ftp").
//!
//! A guess is a hint, never a verdict: an FTP and an SMTP greeting are both
//! `220 text`, so only words in the text (`ESMTP`, `FTP`) tell them apart,
//! and a banner without them gets no hint.

/// A hint naming what `first` (the server's first bytes or first line)
/// looks like, unless it looks like `speaking` (the protocol the check
/// speaks, as its keyword).
pub(crate) fn hint(first: &[u8], speaking: &str) -> Option<&'static str> {
    let (keyword, text) = guess(first)?;
    (keyword != speaking).then_some(text)
}

/// `(keyword, hint)` for the protocol `first` looks like.
fn guess(first: &[u8]) -> Option<(&'static str, &'static str)> {
    let upper: Vec<u8> = first.iter().take(200).map(u8::to_ascii_uppercase).collect();
    let has = |word: &[u8]| upper.windows(word.len()).any(|w| w == word);
    let starts = |prefix: &[u8]| upper.starts_with(prefix);
    if matches!(first, [0x16, 0x03, ..] | [0x15, 0x03, ..]) {
        return Some((
            "tls",
            "this looks like TLS: the port may expect TLS at once",
        ));
    }
    if starts(b"SSH-") {
        return Some(("ssh", "this looks like an SSH banner: wrong port?"));
    }
    if starts(b"* OK") || starts(b"* PREAUTH") {
        return Some(("imap", "this looks like an IMAP greeting: wrong port?"));
    }
    if starts(b"+OK") {
        return Some(("pop3", "this looks like a POP3 greeting: wrong port?"));
    }
    if starts(b"HTTP/") {
        return Some(("http", "this looks like an HTTP server: wrong port?"));
    }
    if starts(b"<?XML") || starts(b"<STREAM:") {
        return Some(("xmpp", "this looks like an XMPP stream: use xmpp"));
    }
    if starts(b"220") && has(b"LMTP") {
        return Some(("lmtp", "this looks like an LMTP greeting: use lmtp"));
    }
    if starts(b"220") && (has(b"SMTP") || has(b"POSTFIX") || has(b"EXIM")) {
        return Some(("smtp", "this looks like an SMTP greeting: use smtp"));
    }
    if starts(b"220") && (has(b"FTP") || has(b"PROFTPD")) {
        return Some(("ftp", "this looks like an FTP greeting: use ftp"));
    }
    if starts(b"200 ") || starts(b"201 ") || (has(b"NNTP") && !starts(b"220")) {
        return Some(("nntp", "this looks like an NNTP greeting: use nntp"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greetings_are_told_apart_by_their_words() {
        let cases: [(&[u8], &str, Option<&str>); 9] = [
            (b"220 mx ESMTP Postfix", "ftp", Some("use smtp")),
            (b"220 (vsFTPd 3.0.3)", "smtp", Some("use ftp")),
            (b"220 ProFTPD Server ready.", "nntp", Some("use ftp")),
            (
                b"200 news.example InterNetNews NNRP server INN 2.7.1 ready (posting ok)",
                "ftp",
                Some("use nntp"),
            ),
            (
                b"<?xml version='1.0'?><stream:stream",
                "nntp",
                Some("use xmpp"),
            ),
            (b"\x16\x03\x03\x00\x31", "ftp", Some("TLS at once")),
            (b"SSH-2.0-OpenSSH_9.2", "xmpp", Some("SSH")),
            (b"220 mail.example.com ready", "ftp", None),
            (b"220 (vsFTPd 3.0.3)", "ftp", None),
        ];
        for (first, speaking, want) in cases {
            let got = hint(first, speaking);
            match want {
                Some(w) => assert!(got.is_some_and(|g| g.contains(w)), "{first:?}: {got:?}"),
                None => assert_eq!(got, None, "{first:?}"),
            }
        }
    }
}
