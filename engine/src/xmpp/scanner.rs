//! A bounded pull of XML items from a stream that arrives in pieces, over
//! quick-xml.
//!
//! quick-xml parses a borrowed slice; the scanner keeps the bytes not yet
//! parsed and starts a fresh reader on them for every item, so each byte is
//! parsed once. An input that ends inside a tag, comment, CDATA or
//! declaration is "need more"; quick-xml reports those as `Unclosed*`
//! syntax errors. The scanner keeps its own stack of open elements (the
//! reader sees fragments), bounds their depth and the bytes of the whole
//! conversation, and refuses DOCTYPE, which is the only way to define
//! entities. Attribute values are unescaped with the five predefined
//! entities only; text is never interpreted.

use std::fmt;

use quick_xml::errors::{Error as QxError, SyntaxError};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::text::printable;

/// Deepest nesting accepted (a stream header, features, a feature and its
/// children need four).
pub const MAX_DEPTH: usize = 16;

/// Longest element name or attribute value kept (longer ones are cut).
const MAX_VALUE: usize = 256;

/// An element boundary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Item {
    /// A start tag, or an empty element (`empty`).
    Open {
        /// Qualified name as written (`stream:features`).
        name: String,
        /// Attributes as written (`xmlns`, `to`), values unescaped.
        attrs: Vec<(String, String)>,
        /// How many elements enclose it.
        depth: usize,
        /// `<name/>`: no end tag follows.
        empty: bool,
    },
    /// An end tag.
    Close {
        /// Qualified name as written.
        name: String,
        /// How many elements enclose it; `None` when it closes an element
        /// that opened before the scanner started (`</stream:stream>` after
        /// TLS).
        depth: Option<usize>,
    },
}

impl Item {
    /// The attribute `key`'s value.
    pub(crate) fn attr(&self, key: &str) -> Option<&str> {
        match self {
            Item::Open { attrs, .. } => attrs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str()),
            Item::Close { .. } => None,
        }
    }
}

/// Why the bytes are not acceptable XML.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum XmlError {
    /// Not well-formed XML.
    Malformed {
        /// quick-xml's reason, or a mismatched end tag.
        detail: String,
        /// The bytes where it went wrong, made printable.
        excerpt: String,
    },
    /// More bytes before TLS than the limit allows.
    TooLarge {
        /// The limit in bytes ([`Limits::xml_bytes`](crate::Limits::xml_bytes)).
        limit: usize,
    },
    /// Elements nested deeper than [`MAX_DEPTH`].
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// A DOCTYPE declaration, which XMPP forbids (RFC 6120 section 11.1)
    /// and which is how entities would be defined.
    Doctype,
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XmlError::Malformed { detail, excerpt } => write!(f, "{detail} at \"{excerpt}\""),
            XmlError::TooLarge { limit } => write!(f, "more than {limit} bytes before TLS"),
            XmlError::TooDeep { limit } => write!(f, "elements nested deeper than {limit}"),
            XmlError::Doctype => f.write_str(
                "a DOCTYPE declaration, which XMPP forbids (refused: it can define entities)",
            ),
        }
    }
}

impl std::error::Error for XmlError {}

/// Items out of bytes that arrive in pieces.
#[derive(Clone, Debug)]
pub(crate) struct Scanner {
    buf: Vec<u8>,
    pos: usize,
    stack: Vec<String>,
    total: usize,
    limit: usize,
}

impl Scanner {
    /// A scanner that takes at most `limit` bytes in all.
    pub(crate) fn new(limit: usize) -> Self {
        Scanner {
            buf: Vec::new(),
            pos: 0,
            stack: Vec::new(),
            total: 0,
            limit,
        }
    }

    /// Takes more bytes.
    pub(crate) fn push(&mut self, data: &[u8]) -> Result<(), XmlError> {
        self.total = self.total.saturating_add(data.len());
        if self.total > self.limit {
            return Err(XmlError::TooLarge { limit: self.limit });
        }
        self.buf.drain(..self.pos);
        self.pos = 0;
        self.buf.reserve_exact(data.len());
        self.buf.extend_from_slice(data);
        Ok(())
    }

    /// Bytes received and not yet made into items.
    pub(crate) fn unparsed(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Bytes held.
    pub(crate) fn buffered(&self) -> usize {
        self.buf.capacity()
    }

    /// The next element boundary, or `None` until more bytes arrive.
    pub(crate) fn next(&mut self) -> Result<Option<Item>, XmlError> {
        loop {
            let rest = &self.buf[self.pos..];
            if rest.is_empty() {
                return Ok(None);
            }
            let mut reader = Reader::from_reader(rest);
            let config = reader.config_mut();
            config.check_end_names = false;
            config.allow_unmatched_ends = true;
            config.expand_empty_elements = false;
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(QxError::Syntax(e)) if incomplete(&e, rest.len()) => return Ok(None),
                Err(e) => {
                    return Err(XmlError::Malformed {
                        detail: e.to_string(),
                        excerpt: printable(rest, 60),
                    })
                }
            };
            let used = usize::try_from(reader.buffer_position()).unwrap_or(rest.len());
            let item = match event {
                Event::Eof => return Ok(None),
                Event::DocType(_) => return Err(XmlError::Doctype),
                Event::Start(e) => Some(open(&mut self.stack, &e, false, rest)?),
                Event::Empty(e) => Some(open(&mut self.stack, &e, true, rest)?),
                Event::End(e) => {
                    let name = bounded(e.name().as_ref());
                    match self.stack.pop() {
                        Some(open) if open == name => Some(Item::Close {
                            name,
                            depth: Some(self.stack.len()),
                        }),
                        Some(open) => {
                            return Err(XmlError::Malformed {
                                detail: format!("end tag </{name}> closes <{open}>"),
                                excerpt: printable(rest, 60),
                            })
                        }
                        None => Some(Item::Close { name, depth: None }),
                    }
                }
                Event::Text(t)
                    if self.stack.is_empty() && !t.iter().all(u8::is_ascii_whitespace) =>
                {
                    return Err(XmlError::Malformed {
                        detail: "text outside any element".into(),
                        excerpt: printable(rest, 60),
                    })
                }
                // Text, comments, CDATA, declarations and processing
                // instructions carry nothing the check needs.
                _ => None,
            };
            self.pos += used.clamp(1, rest.len());
            if item.is_some() {
                return Ok(item);
            }
        }
    }
}

/// The item for a start tag or empty element, pushed on `stack` when it
/// stays open.
fn open(
    stack: &mut Vec<String>,
    e: &BytesStart<'_>,
    empty: bool,
    rest: &[u8],
) -> Result<Item, XmlError> {
    {
        let depth = stack.len();
        if depth + usize::from(!empty) > MAX_DEPTH {
            return Err(XmlError::TooDeep { limit: MAX_DEPTH });
        }
        let name = bounded(e.name().as_ref());
        let mut attrs = Vec::new();
        for attr in e.attributes() {
            let attr = attr.map_err(|err| XmlError::Malformed {
                detail: err.to_string(),
                excerpt: printable(rest, 60),
            })?;
            let value = attr.unescape_value().map_err(|err| XmlError::Malformed {
                detail: err.to_string(),
                excerpt: printable(rest, 60),
            })?;
            attrs.push((bounded(attr.key.as_ref()), bounded(value.as_bytes())));
        }
        if !empty {
            stack.push(name.clone());
        }
        Ok(Item::Open {
            name,
            attrs,
            depth,
            empty,
        })
    }
}

/// True when the error only says the input ended inside a construct.
fn incomplete(e: &SyntaxError, rest: usize) -> bool {
    match e {
        SyntaxError::UnclosedPIOrXmlDecl
        | SyntaxError::UnclosedComment
        | SyntaxError::UnclosedDoctype
        | SyntaxError::UnclosedCData
        | SyntaxError::UnclosedTag => true,
        // `<!` before enough bytes to tell a comment, CDATA or DOCTYPE.
        SyntaxError::InvalidBangMarkup => rest < "<![CDATA[".len(),
    }
}

/// A name or value as printable text, cut to [`MAX_VALUE`] characters.
fn bounded(bytes: &[u8]) -> String {
    printable(bytes, MAX_VALUE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(data: &[u8], piece: usize) -> Result<Vec<Item>, XmlError> {
        let mut s = Scanner::new(4096);
        let mut out = Vec::new();
        for chunk in data.chunks(piece.max(1)) {
            s.push(chunk)?;
            while let Some(item) = s.next()? {
                out.push(item);
            }
        }
        Ok(out)
    }

    const STREAM: &[u8] = b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' from='a&amp;b' id='1'><!-- hi --><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>text</stream:features>";

    #[test]
    fn every_split_gives_the_same_items() {
        let whole = items(STREAM, STREAM.len()).unwrap();
        assert_eq!(whole.len(), 6);
        assert_eq!(whole[0].attr("from"), Some("a&b"));
        assert!(
            matches!(&whole[3], Item::Open { name, depth: 3, empty: true, .. } if name == "required")
        );
        assert!(
            matches!(&whole[5], Item::Close { name, depth: Some(1) } if name == "stream:features")
        );
        for piece in 1..STREAM.len() {
            assert_eq!(items(STREAM, piece).unwrap(), whole, "piece {piece}");
        }
    }

    #[test]
    fn an_end_tag_of_an_earlier_element_is_unmatched() {
        assert_eq!(
            items(b"</stream:stream>", 3).unwrap(),
            [Item::Close {
                name: "stream:stream".into(),
                depth: None
            }]
        );
    }

    #[test]
    fn doctype_entities_depth_and_size_are_refused() {
        assert_eq!(
            items(b"<!DOCTYPE x [<!ENTITY a 'b'>]><x/>", 5),
            Err(XmlError::Doctype)
        );
        assert!(matches!(
            items(b"<x a='&custom;'/>", 100),
            Err(XmlError::Malformed { .. })
        ));
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert_eq!(
            items(deep.as_bytes(), 7),
            Err(XmlError::TooDeep { limit: MAX_DEPTH })
        );
        let mut s = Scanner::new(10);
        assert!(s.push(b"<a>").is_ok());
        assert_eq!(s.push(b"<b></b>!"), Err(XmlError::TooLarge { limit: 10 }));
        assert!(matches!(
            items(b"<a></b>", 100),
            Err(XmlError::Malformed { .. })
        ));
    }
}
