//! The one wrong-protocol guesser: which protocol a server speaks, told
//! from its first bytes, and the one hint every check gives when it is not
//! the protocol the check speaks ("looks like IMAP: use imap").
//!
//! Every preamble (SMTP/LMTP, LDAP, the databases, FTP/NNTP, XMPP, IMAP,
//! POP3, ManageSieve) and the implicit-TLS start keep only the protocol's
//! name in their errors ([`looks_like`]) and render it with [`advice`].
//!
//! A guess is a hint, never a verdict: an SMTP, LMTP and FTP greeting are
//! all `220 text`, so only words in the text (`ESMTP`, `LMTP`, `FTP`) tell
//! them apart; a bare numbered reply is named as the ambiguous family and
//! gets no hint when the check speaks one of them.

use crate::config::Protocol;
use crate::text::printable;

/// How many leading bytes the guess looks at for telling words.
const WINDOW: usize = 200;

/// One row of the table: the protocol's name in a hint, the keyword the
/// hint tells the user to use (if one exists), the keywords of the checks
/// that give no hint for it (the protocol itself, or the whole family of
/// an ambiguous row), and the test on the first bytes.
struct Row {
    name: &'static str,
    suggest: Option<&'static str>,
    silent_for: &'static [&'static str],
    matches: fn(&Bytes<'_>) -> bool,
}

/// The first bytes, with the helpers the rows test them with.
struct Bytes<'a> {
    raw: &'a [u8],
    upper: Vec<u8>,
}

impl Bytes<'_> {
    fn starts(&self, prefix: &[u8]) -> bool {
        self.upper.starts_with(prefix)
    }

    fn has(&self, word: &[u8]) -> bool {
        self.upper.windows(word.len()).any(|w| w == word)
    }

    /// A numbered reply line: three digits and a space or dash
    /// (SMTP, LMTP, FTP, NNTP).
    fn numbered(&self) -> bool {
        matches!(self.raw, [a, b, c, b' ' | b'-', ..] if [a, b, c].iter().all(|d| d.is_ascii_digit()))
    }
}

/// The name a hint uses for bytes that start a TLS record.
const TLS: &str = "TLS";

/// What bytes look like which protocol, first match wins.
const TABLE: &[Row] = &[
    Row {
        name: TLS,
        suggest: None,
        silent_for: &[],
        matches: |b| matches!(b.raw, [0x14..=0x17, 0x03, ..]),
    },
    Row {
        name: "SSH",
        suggest: None,
        silent_for: &[],
        matches: |b| b.starts(b"SSH-"),
    },
    Row {
        name: "HTTP",
        suggest: None,
        silent_for: &[],
        matches: |b| b.starts(b"HTTP/"),
    },
    Row {
        name: "IMAP",
        suggest: Some("imap"),
        silent_for: &["imap"],
        matches: |b| b.starts(b"* OK") || b.starts(b"* PREAUTH") || b.starts(b"* BYE"),
    },
    Row {
        name: "POP3",
        suggest: Some("pop3"),
        silent_for: &["pop3"],
        matches: |b| b.starts(b"+OK") || b.starts(b"-ERR"),
    },
    Row {
        name: "ManageSieve",
        suggest: Some("sieve"),
        silent_for: &["sieve"],
        matches: |b| {
            b.starts(b"\"IMPLEMENTATION\"") || b.starts(b"\"SIEVE\"") || b.starts(b"\"SASL\"")
        },
    },
    Row {
        name: "XMPP",
        suggest: Some("xmpp"),
        silent_for: &["xmpp", "xmpp-server"],
        matches: |b| b.starts(b"<?XML") || b.starts(b"<STREAM:"),
    },
    Row {
        name: "MySQL/MariaDB",
        suggest: Some("mysql"),
        silent_for: &["mysql"],
        matches: |b| mysql_version(b.raw).is_some() || mysql_header_line(b.raw),
    },
    Row {
        name: "LMTP",
        suggest: Some("lmtp"),
        silent_for: &["lmtp"],
        matches: |b| b.numbered() && b.has(b"LMTP"),
    },
    Row {
        name: "SMTP",
        suggest: Some("smtp"),
        silent_for: &["smtp"],
        matches: |b| b.numbered() && (b.has(b"SMTP") || b.has(b"POSTFIX") || b.has(b"EXIM")),
    },
    Row {
        name: "FTP",
        suggest: Some("ftp"),
        silent_for: &["ftp"],
        matches: |b| b.numbered() && b.has(b"FTP"),
    },
    Row {
        name: "NNTP",
        suggest: Some("nntp"),
        silent_for: &["nntp"],
        matches: |b| b.starts(b"200 ") || b.starts(b"201 ") || (b.numbered() && b.has(b"NNTP")),
    },
    Row {
        name: "SMTP, LMTP or FTP",
        suggest: None,
        silent_for: &["smtp", "lmtp", "ftp", "nntp"],
        matches: |b| b.numbered(),
    },
];

/// The protocol `first` (the first bytes or first line a server sent)
/// looks like, by its name in hints (`IMAP`, `TLS`, `SMTP, LMTP or FTP`).
pub(crate) fn looks_like(first: &[u8]) -> Option<&'static str> {
    row_for(first).map(|row| row.name)
}

/// What a numbered-reply server that sent something unreadable looks like:
/// judged by its greeting's first line when one was read, else by the
/// unreadable bytes themselves.
pub(crate) fn looks_like_after(
    greeting: Option<&crate::smtp::Reply>,
    data: &[u8],
) -> Option<&'static str> {
    looks_like(greeting.map_or(data, |g| g.first_line().as_bytes()))
}

fn row_for(first: &[u8]) -> Option<&'static Row> {
    let bytes = Bytes {
        raw: first,
        upper: first
            .iter()
            .take(WINDOW)
            .map(u8::to_ascii_uppercase)
            .collect(),
    };
    TABLE.iter().find(|row| (row.matches)(&bytes))
}

/// The hint a check speaking `speaking` appends to its error when the
/// server's bytes looked like `looks_like` (from [`looks_like`]): ` (looks
/// like IMAP: use imap)`, ` (looks like TLS: the port expects TLS at once;
/// use imaps)`, ` (looks like SSH: wrong port or protocol?)`, or nothing
/// when there is no guess or it is the protocol the check speaks.
pub(crate) fn advice(looks_like: Option<&str>, speaking: Protocol) -> String {
    let Some(name) = looks_like else {
        return String::new();
    };
    let keyword = speaking.keyword();
    let row = TABLE.iter().find(|row| row.name == name);
    if row.is_some_and(|row| row.silent_for.contains(&keyword)) {
        return String::new();
    }
    if name == TLS {
        let twin = implicit_twin(speaking);
        return match twin.default_port() {
            Some(port) if twin != Protocol::PostgresDirect => format!(
                " (looks like TLS: the port expects TLS at once; use {}, as on port {port})",
                twin.keyword()
            ),
            _ => format!(
                " (looks like TLS: the port expects TLS at once; use {})",
                twin.keyword()
            ),
        };
    }
    match row.and_then(|row| row.suggest) {
        Some(suggest) => format!(" (looks like {name}: use {suggest})"),
        None => format!(" (looks like {name}: wrong port or protocol?)"),
    }
}

/// The protocol to use instead of `speaking` on a port that expects TLS
/// at once.
fn implicit_twin(speaking: Protocol) -> Protocol {
    let twin = Protocol::ALL
        .iter()
        .copied()
        .find(|p| p.implicit_tls() && p.plaintext_twin() == Some(speaking));
    match (twin, speaking) {
        (Some(twin), _) => twin,
        (None, Protocol::Postgres) => Protocol::PostgresDirect,
        (None, _) => Protocol::Tls,
    }
}

/// The hint for `first` in a check speaking `speaking`, at once (see
/// [`advice`]).
#[cfg(test)]
pub(crate) fn hint(first: &[u8], speaking: Protocol) -> String {
    advice(looks_like(first), speaking)
}

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

/// A line a line reader cut from a MySQL/MariaDB greeting: the packet
/// header (length under 64 KiB, sequence 0) up to the protocol version 10,
/// which is a line feed. Text lines hold no NUL bytes.
fn mysql_header_line(line: &[u8]) -> bool {
    matches!(
        line,
        [_, _, 0, 0] | [_, _, 0, 0, b'\n'] | [_, _, 0, 0, b'\r', b'\n']
    )
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
    fn greetings_are_told_apart_by_their_words() {
        let cases: [(&[u8], Protocol, &str); 21] = [
            (
                b"220 mx ESMTP Postfix",
                Protocol::Ftp,
                " (looks like SMTP: use smtp)",
            ),
            (
                b"220 mx LMTP Dovecot ready",
                Protocol::Smtp,
                " (looks like LMTP: use lmtp)",
            ),
            (
                b"220 (vsFTPd 3.0.3)",
                Protocol::Smtp,
                " (looks like FTP: use ftp)",
            ),
            (
                b"220 ProFTPD Server ready.",
                Protocol::Nntp,
                " (looks like FTP: use ftp)",
            ),
            (
                b"200 news.example InterNetNews NNRP server INN 2.7.1 ready (posting ok)",
                Protocol::Ftp,
                " (looks like NNTP: use nntp)",
            ),
            (
                b"<?xml version='1.0'?><stream:stream",
                Protocol::Nntp,
                " (looks like XMPP: use xmpp)",
            ),
            (
                b"* OK [CAPABILITY IMAP4rev1] ready",
                Protocol::Pop3,
                " (looks like IMAP: use imap)",
            ),
            (
                b"* OK [CAPABILITY IMAP4rev1] ready",
                Protocol::Imaps,
                " (looks like IMAP: use imap)",
            ),
            (
                b"+OK Dovecot ready.",
                Protocol::Imap,
                " (looks like POP3: use pop3)",
            ),
            (
                b"\"IMPLEMENTATION\" \"Dovecot Pigeonhole\"",
                Protocol::Imap,
                " (looks like ManageSieve: use sieve)",
            ),
            (
                b"\x4a\0\0\x00\x0a8.0.40\0",
                Protocol::Postgres,
                " (looks like MySQL/MariaDB: use mysql)",
            ),
            (
                b"\x16\x03\x03\x00\x31",
                Protocol::Imap,
                " (looks like TLS: the port expects TLS at once; use imaps, as on port 993)",
            ),
            (
                b"\x16\x03\x03\x00\x31",
                Protocol::Ldap,
                " (looks like TLS: the port expects TLS at once; use ldaps, as on port 636)",
            ),
            (
                b"\x16\x03\x03\x00\x31",
                Protocol::Postgres,
                " (looks like TLS: the port expects TLS at once; use postgres-direct)",
            ),
            (
                b"\x16\x03\x03\x00\x31",
                Protocol::Ftp,
                " (looks like TLS: the port expects TLS at once; use ftps, as on port 990)",
            ),
            (
                b"\x16\x03\x03\x00\x31",
                Protocol::Mysql,
                " (looks like TLS: the port expects TLS at once; use tls)",
            ),
            (
                b"SSH-2.0-OpenSSH_9.2",
                Protocol::Xmpp,
                " (looks like SSH: wrong port or protocol?)",
            ),
            (
                b"220 mail.example.com ready",
                Protocol::Imap,
                " (looks like SMTP, LMTP or FTP: wrong port or protocol?)",
            ),
            // The protocol spoken, or its ambiguous family, gets no hint.
            (b"220 mail.example.com ready", Protocol::Ftp, ""),
            (b"220 (vsFTPd 3.0.3)", Protocol::Ftp, ""),
            (b"\x30\x0c\x02\x01", Protocol::Smtp, ""),
        ];
        for (first, speaking, want) in cases {
            assert_eq!(hint(first, speaking), want, "{first:?} to {speaking:?}");
        }
    }

    #[test]
    fn every_name_in_the_table_is_rendered_from_the_table() {
        for row in TABLE {
            let text = advice(Some(row.name), Protocol::Tls);
            assert!(text.contains(&format!("looks like {}", row.name)), "{text}");
        }
    }

    #[test]
    fn excerpts_are_one_printable_line_or_the_mysql_version() {
        assert_eq!(excerpt(b"220 mx\r\nmore"), "220 mx");
        assert_eq!(
            excerpt(b"\x64\0\0\0\x0a5.5.5-10.11.14-MariaDB\0\x03\0"),
            "5.5.5-10.11.14-MariaDB"
        );
    }
}
