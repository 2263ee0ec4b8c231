//! The XMPP conversation before TLS. The client speaks first: its stream
//! header goes out at once; the server answers with its own header and its
//! features, and the client asks for STARTTLS only once the features ended.

use bytes::{BufMut, BytesMut};

use super::error::XmppError;
use super::scanner::{Item, Scanner, XmlError};
use super::TLS_NS;
use crate::config::{Config, Protocol};
use crate::error::{Arrived, ProbeError};
use crate::phase::Phase;
use crate::preamble::Step;

/// Most bytes handed to the scanner at once.
const PIECE: usize = 2048;

/// Most feature names kept for the report and for errors.
const MAX_FEATURES: usize = 32;

/// Header → features → `<starttls/>` → `<proceed/>`.
#[derive(Debug)]
pub(crate) struct XmppPreamble {
    phase: Phase,
    scanner: Scanner,
    domain: Option<String>,
    /// The server's stream header arrived; its `from`.
    header: Option<String>,
    in_features: bool,
    features: Vec<String>,
    offered: bool,
    in_error: bool,
    /// The server's first bytes, for a hint when they are not XMPP.
    first: Vec<u8>,
    /// The stream header sent, sent again inside TLS by the goodbye.
    header_sent: String,
}

impl XmppPreamble {
    /// Sends the stream header for `jabber:client` or `jabber:server`.
    pub(crate) fn start(config: &Config, out: &mut BytesMut) -> Self {
        let ns = if config.protocol() == Protocol::XmppServer {
            "jabber:server"
        } else {
            "jabber:client"
        };
        let domain = config.xmpp_domain();
        // The setter allows no quote, `<` or `&` in the domain.
        let to = domain
            .as_ref()
            .map(|d| format!(" to='{d}'"))
            .unwrap_or_default();
        let header = format!(
            "<?xml version='1.0'?><stream:stream{to} version='1.0' xmlns='{ns}' xmlns:stream='http://etherx.jabber.org/streams'>"
        );
        out.put_slice(header.as_bytes());
        XmppPreamble {
            header_sent: header,
            phase: Phase::Greeting,
            scanner: Scanner::new(config.limits().xml_bytes),
            domain,
            header: None,
            in_features: false,
            features: Vec::new(),
            offered: false,
            in_error: false,
            first: Vec::new(),
        }
    }

    pub(crate) fn phase(&self) -> Phase {
        self.phase
    }

    pub(crate) fn buffered(&self) -> usize {
        self.scanner.buffered() + self.first.capacity()
    }

    pub(crate) fn arrived(&self) -> Arrived {
        match self.scanner.unparsed() {
            0 if self.header.is_none() => Arrived::Nothing,
            0 => Arrived::Bytes(self.first.len()),
            n => Arrived::Bytes(n),
        }
    }

    /// The server's stream header `from`, and the features it offered.
    pub(crate) fn facts(&self) -> (Option<String>, Vec<String>) {
        (self.header.clone(), self.features.clone())
    }

    /// The end of a stream, the goodbye once a stream is open.
    pub(crate) const STREAM_END: &'static [u8] = b"</stream:stream>";

    /// The stream header this preamble sent (or, for direct TLS, sends
    /// inside TLS).
    pub(crate) fn header(&self) -> &str {
        &self.header_sent
    }

    /// The goodbye inside TLS: a new stream header (RFC 6120 section
    /// 5.4.3.3: after TLS both sides start a new stream) closed at once.
    /// `</stream:stream>` alone is not well-formed for a server that reset
    /// its parser at TLS: Prosody 0.12 answers it with a `not-well-formed`
    /// stream error; with the header first it logs `Received
    /// </stream:stream>` and closes the session.
    pub(crate) fn goodbye(&self) -> Vec<u8> {
        [self.header_sent.as_bytes(), Self::STREAM_END].concat()
    }

    /// Feeds server bytes; `<starttls/>` goes to `out` after the features.
    pub(crate) fn receive(&mut self, data: &[u8], out: &mut BytesMut) -> Result<Step, ProbeError> {
        if self.first.len() < 64 {
            let take = (64 - self.first.len()).min(data.len());
            self.first.extend_from_slice(&data[..take]);
        }
        // Pieces of a few KiB, so the scanner holds at most one piece
        // beyond an unfinished item, whatever one read delivered.
        let mut rest = data;
        while !rest.is_empty() {
            let (piece, after) = rest.split_at(rest.len().min(PIECE));
            rest = after;
            self.scanner.push(piece).map_err(|e| self.xml(e))?;
            loop {
                let item = match self.scanner.next() {
                    Ok(Some(item)) => item,
                    Ok(None) => break,
                    Err(e) => return Err(self.xml(e)),
                };
                if self.on_item(item, out).map_err(ProbeError::Xmpp)? {
                    return Ok(Step::StartTls {
                        leftover: self.scanner.unparsed() + rest.len(),
                    });
                }
            }
        }
        Ok(Step::NeedMore)
    }

    fn xml(&self, error: XmlError) -> ProbeError {
        let hint = if self.header.is_none() {
            crate::guess::looks_like(&self.first)
        } else {
            None
        };
        ProbeError::Xmpp(XmppError::Xml {
            phase: self.phase,
            error,
            hint,
        })
    }

    /// Acts on one element boundary; true when the server agreed.
    fn on_item(&mut self, item: Item, out: &mut BytesMut) -> Result<bool, XmppError> {
        let phase = self.phase;
        let unexpected = |element: &str| XmppError::Unexpected {
            phase,
            element: element.to_owned(),
        };
        match &item {
            Item::Close { name, depth } => {
                if matches!(depth, Some(0) | None) {
                    return Err(XmppError::StreamClosed { phase });
                }
                if *depth == Some(1) && name == "stream:features" && self.in_features {
                    return self.features_end(out).map(|()| false);
                }
                if *depth == Some(1) && phase == Phase::StartTls && name == "proceed" {
                    return Ok(true);
                }
                Ok(false)
            }
            Item::Open {
                name, depth, empty, ..
            } => match depth {
                0 if self.header.is_none() && name == "stream:stream" && !empty => {
                    self.header = Some(item.attr("from").unwrap_or_default().to_owned());
                    Ok(false)
                }
                0 if name == "stream:stream" => Err(XmppError::StreamClosed { phase }),
                0 => Err(unexpected(name)),
                1 if name == "stream:error" => {
                    self.in_error = true;
                    if *empty {
                        return Err(self.stream_error("undefined-condition"));
                    }
                    Ok(false)
                }
                2 if self.in_error && name != "text" => Err(self.stream_error(name)),
                1 if phase == Phase::Greeting && name == "stream:features" => {
                    self.in_features = true;
                    if *empty {
                        return self.features_end(out).map(|()| false);
                    }
                    Ok(false)
                }
                2 if self.in_features => {
                    let local = name.rsplit(':').next().unwrap_or(name);
                    if local == "starttls" && item.attr("xmlns") == Some(TLS_NS) {
                        self.offered = true;
                    }
                    if self.features.len() < MAX_FEATURES {
                        self.features.push(local.to_owned());
                    }
                    Ok(false)
                }
                1 if phase == Phase::StartTls && item.attr("xmlns") == Some(TLS_NS) => {
                    match name.as_str() {
                        "proceed" => Ok(*empty),
                        "failure" => Err(XmppError::Refused),
                        _ => Err(unexpected(name)),
                    }
                }
                1 => Err(unexpected(name)),
                _ => Ok(false),
            },
        }
    }

    fn stream_error(&self, condition: &str) -> XmppError {
        XmppError::StreamError {
            phase: self.phase,
            condition: condition.to_owned(),
            domain: self.domain.clone(),
        }
    }

    fn features_end(&mut self, out: &mut BytesMut) -> Result<(), XmppError> {
        self.in_features = false;
        if !self.offered {
            return Err(XmppError::StartTlsNotOffered {
                features: std::mem::take(&mut self.features),
            });
        }
        out.put_slice(format!("<starttls xmlns='{TLS_NS}'/>").as_bytes());
        self.phase = Phase::StartTls;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Prosody 0.12's c2s answer to a stream header (debug transcript).
    const PROSODY: &[u8] = b"<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' xml:lang='en' id='6b0c4d2e' version='1.0' from='sim.test' xmlns='jabber:client'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>";
    const PROCEED: &[u8] = b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";

    fn run(protocol: Protocol, server: &[u8], piece: usize) -> (Result<Step, ProbeError>, Vec<u8>) {
        let config = Config::new(protocol).with_xmpp_domain("sim.test").unwrap();
        let mut out = BytesMut::new();
        let mut p = XmppPreamble::start(&config, &mut out);
        let mut last = Ok(Step::NeedMore);
        for chunk in server.chunks(piece.max(1)) {
            last = p.receive(chunk, &mut out);
            if !matches!(last, Ok(Step::NeedMore)) {
                break;
            }
        }
        (last, out.to_vec())
    }

    #[test]
    fn header_features_starttls_proceed_at_every_split() {
        let whole = [PROSODY, PROCEED].concat();
        for piece in 1..=whole.len() {
            let (step, sent) = run(Protocol::Xmpp, &whole, piece);
            assert_eq!(step, Ok(Step::StartTls { leftover: 0 }), "piece {piece}");
            assert_eq!(
                String::from_utf8(sent).unwrap(),
                "<?xml version='1.0'?><stream:stream to='sim.test' version='1.0' xmlns='jabber:client' \
                 xmlns:stream='http://etherx.jabber.org/streams'><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
            );
        }
        let (step, sent) = run(Protocol::XmppServer, &whole, 50);
        assert_eq!(step, Ok(Step::StartTls { leftover: 0 }));
        assert!(String::from_utf8(sent)
            .unwrap()
            .contains("xmlns='jabber:server'"));
    }

    #[test]
    fn bytes_after_proceed_are_leftover() {
        let (step, _) = run(
            Protocol::Xmpp,
            &[PROSODY, PROCEED, b"<x/>"].concat(),
            10_000,
        );
        assert_eq!(step, Ok(Step::StartTls { leftover: 4 }));
    }

    #[test]
    fn refusals_are_typed() {
        let failure = b"<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>";
        let (step, _) = run(Protocol::Xmpp, &[PROSODY, failure].concat(), 100);
        assert_eq!(step, Err(ProbeError::Xmpp(XmppError::Refused)));

        let no_tls = b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='sim.test'><stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>";
        let (step, sent) = run(Protocol::Xmpp, no_tls, 7);
        let err = step.unwrap_err();
        assert_eq!(
            err.to_string(),
            "XMPP server does not offer STARTTLS (its features: mechanisms)"
        );
        assert!(!String::from_utf8(sent).unwrap().contains("starttls"));

        let unknown = b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='x' version='1.0'><stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>This server does not serve sim.test</text></stream:error></stream:stream>";
        let (step, _) = run(Protocol::Xmpp, unknown, 13);
        assert_eq!(
            step.unwrap_err().to_string(),
            "XMPP server ended the stream with error host-unknown waiting for the stream header and features (it does not serve the domain 'sim.test')"
        );
    }

    #[test]
    fn a_line_protocol_gets_a_hint() {
        let (step, _) = run(Protocol::Xmpp, b"220 (vsFTPd 3.0.3)\r\n", 100);
        let text = step.unwrap_err().to_string();
        assert!(text.starts_with("XMPP server "), "{text}");
        assert!(text.ends_with("(looks like FTP: use ftp)"), "{text}");
    }

    #[test]
    fn closing_the_stream_early_is_named() {
        let (step, _) = run(
            Protocol::Xmpp,
            b"<stream:stream xmlns:stream='http://etherx.jabber.org/streams'></stream:stream>",
            5,
        );
        assert_eq!(
            step,
            Err(ProbeError::Xmpp(XmppError::StreamClosed {
                phase: Phase::Greeting
            }))
        );
    }
}
