//! One IMAP server response line (RFC 9051 section 7), as framed by
//! [`LineReader::with_literals`](crate::lines::LineReader::with_literals).

use std::fmt;

use crate::text::printable;

/// Who a response line is addressed to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tag {
    /// `*`: untagged data or status (greeting, `CAPABILITY`, `BYE`).
    Untagged,
    /// `+`: a command continuation request.
    Continuation,
    /// The tag of the command this line completes.
    Tagged(String),
}

/// The status word of a status response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// `OK`: success, or an informational greeting.
    Ok,
    /// `NO`: the command failed.
    No,
    /// `BAD`: the command was not understood.
    Bad,
    /// `PREAUTH`: a greeting saying the session is already authenticated.
    Preauth,
    /// `BYE`: the server is closing the connection.
    Bye,
}

impl Status {
    /// The status as the server writes it.
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::No => "NO",
            Status::Bad => "BAD",
            Status::Preauth => "PREAUTH",
            Status::Bye => "BYE",
        }
    }

    fn from_word(word: &str) -> Option<Status> {
        Some(match word.to_ascii_uppercase().as_str() {
            "OK" => Status::Ok,
            "NO" => Status::No,
            "BAD" => Status::Bad,
            "PREAUTH" => Status::Preauth,
            "BYE" => Status::Bye,
            _ => return None,
        })
    }
}

/// A line that is not an IMAP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotImapResponse {
    /// The line, made printable and shortened.
    pub excerpt: String,
}

impl fmt::Display for NotImapResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not an IMAP response line: \"{}\"", self.excerpt)
    }
}

impl std::error::Error for NotImapResponse {}

/// One response line: its tag and the text after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Untagged, continuation or tagged.
    pub tag: Tag,
    /// Everything after the tag and its space (literal octets left out).
    pub text: String,
}

impl Response {
    /// Parses a line without its line end. A tag is one or more ASCII
    /// graphic characters other than `{`, `(`, `)`, `%`, `*`, `"`, `\`
    /// (RFC 9051 `tag`); `*` and `+` are the untagged and continuation
    /// markers.
    pub fn parse(line: &[u8]) -> Result<Response, NotImapResponse> {
        let bad = || NotImapResponse {
            excerpt: printable(line, 80),
        };
        let (tag, text) = match line.iter().position(|&b| b == b' ') {
            Some(sp) => (&line[..sp], &line[sp + 1..]),
            None => (line, &[][..]),
        };
        let tag = match tag {
            b"*" => Tag::Untagged,
            b"+" => Tag::Continuation,
            t if !t.is_empty()
                && t.iter()
                    .all(|&b| b.is_ascii_graphic() && !b"{()%*\"\\+".contains(&b)) =>
            {
                Tag::Tagged(String::from_utf8_lossy(t).into_owned())
            }
            _ => return Err(bad()),
        };
        if tag != Tag::Continuation && text.is_empty() {
            return Err(bad());
        }
        Ok(Response {
            tag,
            text: String::from_utf8_lossy(text).into_owned(),
        })
    }

    /// The status word, when the line is a status response.
    pub fn status(&self) -> Option<Status> {
        if self.tag == Tag::Continuation {
            return None;
        }
        Status::from_word(self.text.split(' ').next().unwrap_or(""))
    }

    /// The text after the status word and its response code, if any.
    pub fn human_text(&self) -> &str {
        let rest = match self.status() {
            Some(_) => self.text.split_once(' ').map_or("", |(_, r)| r),
            None => self.text.as_str(),
        };
        match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
            Some((_, after)) => after.trim_start(),
            None => rest,
        }
    }

    /// The capabilities this line lists: an untagged `CAPABILITY` response,
    /// or a status response with a `[CAPABILITY ...]` code (the greeting of
    /// Dovecot and Cyrus). Upper-cased, without the `CAPABILITY` word.
    pub fn capabilities(&self) -> Option<Vec<String>> {
        let list = if self.status().is_some() {
            let rest = self.text.split_once(' ').map_or("", |(_, r)| r);
            let code = rest.strip_prefix('[')?.split_once(']')?.0;
            code.strip_prefix("CAPABILITY ")
                .or_else(|| code.strip_prefix("capability "))?
        } else if self.tag == Tag::Untagged {
            let (word, rest) = self.text.split_once(' ').unwrap_or((&self.text, ""));
            if !word.eq_ignore_ascii_case("CAPABILITY") {
                return None;
            }
            rest
        } else {
            return None;
        };
        Some(
            list.split_ascii_whitespace()
                .map(str::to_ascii_uppercase)
                .collect(),
        )
    }
}

impl fmt::Display for Response {
    /// The line as the server sent it, made printable and cut to 200
    /// characters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = match &self.tag {
            Tag::Untagged => "*",
            Tag::Continuation => "+",
            Tag::Tagged(t) => t,
        };
        let line = format!("{tag} {}", self.text);
        f.write_str(&printable(line.as_bytes(), 200))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Response {
        Response::parse(line.as_bytes()).unwrap()
    }

    #[test]
    fn dovecot_greeting_carries_its_capabilities() {
        let r = parse("* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS LOGINDISABLED] Dovecot (Debian) ready.");
        assert_eq!(r.tag, Tag::Untagged);
        assert_eq!(r.status(), Some(Status::Ok));
        let caps = r.capabilities().unwrap();
        assert!(caps.contains(&"STARTTLS".to_owned()));
        assert_eq!(caps[0], "IMAP4REV1");
        assert_eq!(r.human_text(), "Dovecot (Debian) ready.");
    }

    #[test]
    fn tagged_and_untagged_lines_are_told_apart() {
        let r = parse("a1 OK Begin TLS negotiation now.");
        assert_eq!(r.tag, Tag::Tagged("a1".into()));
        assert_eq!(r.status(), Some(Status::Ok));
        assert_eq!(r.human_text(), "Begin TLS negotiation now.");
        let r = parse("* CAPABILITY IMAP4rev1 STARTTLS");
        assert_eq!(r.status(), None);
        assert_eq!(r.capabilities().unwrap(), ["IMAP4REV1", "STARTTLS"]);
        assert_eq!(parse("* BYE bye").status(), Some(Status::Bye));
        assert_eq!(parse("* preauth hi").status(), Some(Status::Preauth));
        assert_eq!(parse("+ go on").tag, Tag::Continuation);
        assert_eq!(parse("a2 OK done").capabilities(), None);
    }

    #[test]
    fn other_protocols_are_not_imap() {
        for line in ["", "*", "220 mx ESMTP", "{3} x", "+OK Dovecot ready."] {
            let parsed = Response::parse(line.as_bytes());
            if line == "220 mx ESMTP" {
                // A syntactically valid tag: callers judge the tag itself.
                assert_eq!(parsed.unwrap().tag, Tag::Tagged("220".into()));
            } else {
                assert!(parsed.is_err(), "{line:?}");
            }
        }
        assert_eq!(
            Response::parse(b"\x1b[2J\r").unwrap_err().to_string(),
            "not an IMAP response line: \"?[2J?\""
        );
    }
}
