//! Reading a server's first flight in the clear: records, then handshake
//! messages, up to the `Certificate` message. Incremental and bounded: bytes
//! may arrive in any pieces, and nothing grows past one record plus one
//! handshake message.

use rustls::AlertDescription;

use super::error::LegacyError;
use crate::text::printable;

/// The largest handshake message accepted (a `Certificate` message with a
/// long chain fits easily; rustls' own limit is the same).
pub const MAX_HANDSHAKE_MESSAGE: usize = 64 * 1024;

/// The largest record TLS allows: 2^14 bytes plus 2048 of expansion.
const MAX_RECORD: usize = 16384 + 2048;

const RECORD_HEADER: usize = 5;
const MESSAGE_HEADER: usize = 4;

/// What a legacy capture learned from the server's first flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flight {
    /// The version the ServerHello chose (`0x0301` for TLS 1.0).
    pub version: u16,
    /// The cipher suite the ServerHello chose.
    pub suite: u16,
    /// The certificates exactly as sent, leaf first (DER).
    pub chain: Vec<Vec<u8>>,
}

/// The incremental parser of a server's answer to a TLS 1.0-1.2 ClientHello.
#[derive(Debug, Default)]
pub struct ServerFlight {
    records: Vec<u8>,
    handshake: Vec<u8>,
    hello: Option<(u16, u16)>,
    /// The first two bytes were seen and look like a TLS record.
    confirmed: bool,
}

impl ServerFlight {
    /// A parser that has seen nothing yet.
    pub fn new() -> Self {
        ServerFlight::default()
    }

    /// Bytes held for an incomplete record or handshake message.
    pub fn buffered(&self) -> usize {
        self.records.capacity() + self.handshake.capacity()
    }

    /// Takes in server bytes: `Ok(Some)` once the `Certificate` message is
    /// complete, `Ok(None)` while more is needed, `Err` when the answer is
    /// not a certificate. After either end, further input is not expected.
    pub fn receive(&mut self, data: &[u8]) -> Result<Option<Flight>, LegacyError> {
        self.records.extend_from_slice(data);
        if !self.confirmed && !self.records.is_empty() {
            // A record starts with alert (21) or handshake (22), major
            // version 3. Judged on the bytes so far, however they were cut:
            // the first byte alone can already tell plaintext apart.
            let head = &self.records[..self.records.len().min(2)];
            let tls = matches!(head[0], 21 | 22) && head.get(1).is_none_or(|&v| v == 3);
            if !tls {
                let excerpt = printable(&self.records[..self.records.len().min(80)], 80);
                self.records = Vec::new();
                return Err(LegacyError::NotTls { excerpt });
            }
            self.confirmed = head.len() == 2;
        }
        let mut start = 0;
        let result = loop {
            let rest = &self.records[start..];
            let Some(header) = rest.get(..RECORD_HEADER) else {
                break Ok(None);
            };
            if header[1] != 3 {
                break Err(LegacyError::Malformed {
                    what: "record header",
                });
            }
            let length = usize::from(u16::from_be_bytes([header[3], header[4]]));
            if length > MAX_RECORD {
                break Err(LegacyError::RecordTooLarge { length });
            }
            let Some(payload) = rest.get(RECORD_HEADER..RECORD_HEADER + length) else {
                break Ok(None);
            };
            let kind = header[0];
            start += RECORD_HEADER + length;
            match kind {
                21 => {
                    break Err(match payload.get(1) {
                        Some(&code) => LegacyError::Alert {
                            alert: AlertDescription::from(code),
                        },
                        None => LegacyError::Malformed { what: "alert" },
                    })
                }
                22 => {
                    self.handshake.extend_from_slice(payload);
                    match self.messages() {
                        Ok(None) => {}
                        other => break other,
                    }
                }
                20 => {
                    break Err(LegacyError::Unexpected {
                        what: "ChangeCipherSpec (a resumed or encrypted session)".into(),
                    })
                }
                other => {
                    break Err(LegacyError::Unexpected {
                        what: format!("a record of content type {other}"),
                    })
                }
            }
        };
        self.records.drain(..start.min(self.records.len()));
        if result.is_err() || matches!(result, Ok(Some(_))) {
            self.records = Vec::new();
            self.handshake = Vec::new();
        }
        result
    }

    /// Takes every complete handshake message out of the buffer.
    fn messages(&mut self) -> Result<Option<Flight>, LegacyError> {
        let mut start = 0;
        let result = loop {
            let rest = &self.handshake[start..];
            let Some(header) = rest.get(..MESSAGE_HEADER) else {
                break Ok(None);
            };
            let length =
                usize::from(header[1]) << 16 | usize::from(header[2]) << 8 | usize::from(header[3]);
            if length > MAX_HANDSHAKE_MESSAGE {
                break Err(LegacyError::MessageTooLarge {
                    length,
                    limit: MAX_HANDSHAKE_MESSAGE,
                });
            }
            let Some(body) = rest.get(MESSAGE_HEADER..MESSAGE_HEADER + length) else {
                break Ok(None);
            };
            let kind = header[0];
            start += MESSAGE_HEADER + length;
            match message(&mut self.hello, kind, body) {
                Ok(None) => {}
                other => break other,
            }
        };
        self.handshake.drain(..start.min(self.handshake.len()));
        result
    }
}

/// Handles one handshake message; `hello` is the (version, suite) once the
/// ServerHello was read.
fn message(
    hello: &mut Option<(u16, u16)>,
    kind: u8,
    body: &[u8],
) -> Result<Option<Flight>, LegacyError> {
    match (kind, *hello) {
        (0, _) => Ok(None), // HelloRequest: ignored, as RFC 5246 7.4.1.1 allows
        (2, None) => {
            *hello = Some(server_hello(body)?);
            Ok(None)
        }
        (11, Some((version, suite))) => Ok(Some(Flight {
            version,
            suite,
            chain: certificates(body)?,
        })),
        (kind, hello) => Err(LegacyError::Unexpected {
            what: match (kind, hello) {
                (2, Some(_)) => "a second ServerHello".into(),
                (11, None) => "a Certificate before the ServerHello".into(),
                (12, _) => "ServerKeyExchange without a Certificate (an anonymous suite)".into(),
                (14, _) => {
                    "ServerHelloDone without a Certificate (an anonymous or PSK suite)".into()
                }
                (13, _) => "CertificateRequest".into(),
                (kind, _) => format!("handshake message type {kind}"),
            },
        }),
    }
}

/// Reads `n` bytes from the front of `data`.
fn take<'a>(data: &mut &'a [u8], n: usize, what: &'static str) -> Result<&'a [u8], LegacyError> {
    if data.len() < n {
        return Err(LegacyError::Malformed { what });
    }
    let (head, tail) = data.split_at(n);
    *data = tail;
    Ok(head)
}

fn be(bytes: &[u8]) -> usize {
    bytes.iter().fold(0, |acc, &b| acc << 8 | usize::from(b))
}

/// The HelloRetryRequest "random" (RFC 8446 4.1.3): a TLS 1.3 answer.
const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// The version and suite of a ServerHello (RFC 5246 7.4.1.3).
fn server_hello(mut body: &[u8]) -> Result<(u16, u16), LegacyError> {
    const WHAT: &str = "ServerHello";
    let version = be(take(&mut body, 2, WHAT)?) as u16;
    let random = take(&mut body, 32, WHAT)?;
    let session_id = be(take(&mut body, 1, WHAT)?);
    if session_id > 32 {
        return Err(LegacyError::Malformed { what: WHAT });
    }
    take(&mut body, session_id, WHAT)?;
    let suite = be(take(&mut body, 2, WHAT)?) as u16;
    take(&mut body, 1, WHAT)?; // compression method
    if !body.is_empty() {
        let length = be(take(&mut body, 2, WHAT)?);
        let mut extensions = take(&mut body, length, WHAT)?;
        while !extensions.is_empty() {
            let kind = be(take(&mut extensions, 2, WHAT)?);
            let length = be(take(&mut extensions, 2, WHAT)?);
            let data = take(&mut extensions, length, WHAT)?;
            // supported_versions: only a TLS 1.3 server sends it.
            if kind == 43 && data.len() == 2 && be(data) >= 0x0304 {
                return Err(LegacyError::ChoseTls13);
            }
        }
    }
    if random == HELLO_RETRY_RANDOM || version > 0x0303 {
        return Err(LegacyError::ChoseTls13);
    }
    if version < 0x0300 {
        return Err(LegacyError::Malformed {
            what: "ServerHello version",
        });
    }
    Ok((version, suite))
}

/// The certificate_list of a Certificate message (RFC 5246 7.4.2).
fn certificates(mut body: &[u8]) -> Result<Vec<Vec<u8>>, LegacyError> {
    const WHAT: &str = "Certificate message";
    let total = be(take(&mut body, 3, WHAT)?);
    if total != body.len() {
        return Err(LegacyError::Malformed { what: WHAT });
    }
    let mut chain = Vec::new();
    while !body.is_empty() {
        let length = be(take(&mut body, 3, WHAT)?);
        if length == 0 {
            return Err(LegacyError::Malformed { what: WHAT });
        }
        chain.push(take(&mut body, length, WHAT)?.to_vec());
    }
    if chain.is_empty() {
        return Err(LegacyError::NoCertificate);
    }
    Ok(chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: u8, payload: &[u8]) -> Vec<u8> {
        let mut r = vec![kind, 3, 1];
        r.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        r.extend_from_slice(payload);
        r
    }

    fn message(kind: u8, body: &[u8]) -> Vec<u8> {
        let len = body.len().to_be_bytes();
        let mut m = vec![kind];
        m.extend_from_slice(&len[len.len() - 3..]);
        m.extend_from_slice(body);
        m
    }

    fn hello(version: u16, suite: u16) -> Vec<u8> {
        let mut b = version.to_be_bytes().to_vec();
        b.extend_from_slice(&[9; 32]);
        b.push(0);
        b.extend_from_slice(&suite.to_be_bytes());
        b.push(0);
        message(2, &b)
    }

    fn certificate(certs: &[&[u8]]) -> Vec<u8> {
        let mut list = Vec::new();
        for c in certs {
            list.extend_from_slice(&(c.len() as u32).to_be_bytes()[1..]);
            list.extend_from_slice(c);
        }
        let mut b = (list.len() as u32).to_be_bytes()[1..].to_vec();
        b.extend_from_slice(&list);
        message(11, &b)
    }

    fn tls10_flight() -> Vec<u8> {
        let mut hs = hello(0x0301, 0x002f);
        hs.extend(certificate(&[b"leaf-der", b"ca-der"]));
        hs.extend(message(14, &[]));
        record(22, &hs)
    }

    #[test]
    fn reads_version_suite_and_chain_from_one_record() {
        let flight = ServerFlight::new()
            .receive(&tls10_flight())
            .unwrap()
            .unwrap();
        assert_eq!(flight.version, 0x0301);
        assert_eq!(flight.suite, 0x002f);
        assert_eq!(flight.chain, vec![b"leaf-der".to_vec(), b"ca-der".to_vec()]);
    }

    #[test]
    fn byte_by_byte_gives_the_same_flight() {
        let bytes = tls10_flight();
        let mut parser = ServerFlight::new();
        let mut found = None;
        for b in &bytes {
            if let Some(f) = parser.receive(std::slice::from_ref(b)).unwrap() {
                found = Some(f);
                break;
            }
        }
        assert_eq!(found.unwrap().chain.len(), 2);
    }

    #[test]
    fn a_message_split_over_records_is_reassembled() {
        let mut hs = hello(0x0302, 0x000a);
        hs.extend(certificate(&[&[0x30; 3000]]));
        let (a, b) = hs.split_at(100);
        let mut bytes = record(22, a);
        bytes.extend(record(22, b));
        let flight = ServerFlight::new().receive(&bytes).unwrap().unwrap();
        assert_eq!(flight.version, 0x0302);
        assert_eq!(flight.chain[0].len(), 3000);
    }

    #[test]
    fn alerts_and_non_tls_answers_are_named() {
        let alert = ServerFlight::new()
            .receive(&record(21, &[2, 70]))
            .unwrap_err();
        assert_eq!(
            alert,
            LegacyError::Alert {
                alert: AlertDescription::ProtocolVersion
            }
        );
        let plain = ServerFlight::new()
            .receive(b"454 TLS not available\r\n")
            .unwrap_err();
        assert!(matches!(plain, LegacyError::NotTls { .. }), "{plain}");
    }

    #[test]
    fn a_bad_second_byte_is_not_tls_however_the_bytes_are_cut() {
        let whole = ServerFlight::new()
            .receive(&[22, 0x24, 1, 0, 5])
            .unwrap_err();
        let mut parser = ServerFlight::new();
        assert_eq!(parser.receive(&[22]), Ok(None));
        let pieces = parser.receive(&[0x24, 1, 0, 5]).unwrap_err();
        assert!(matches!(whole, LegacyError::NotTls { .. }), "{whole}");
        assert!(matches!(pieces, LegacyError::NotTls { .. }), "{pieces}");
    }

    #[test]
    fn oversized_records_and_messages_fail_before_they_are_buffered() {
        let err = ServerFlight::new()
            .receive(&[22, 3, 1, 0xff, 0xff])
            .unwrap_err();
        assert_eq!(err, LegacyError::RecordTooLarge { length: 0xffff });
        let mut hs = hello(0x0301, 0x002f);
        hs.extend_from_slice(&[11, 0x01, 0x00, 0x01]);
        let err = ServerFlight::new().receive(&record(22, &hs)).unwrap_err();
        assert!(matches!(err, LegacyError::MessageTooLarge { .. }));
    }

    #[test]
    fn tls13_anonymous_and_empty_answers_are_refused() {
        let mut b = 0x0303u16.to_be_bytes().to_vec();
        b.extend_from_slice(&[1; 32]);
        b.extend_from_slice(&[0, 0x13, 0x01, 0, 0, 6, 0, 43, 0, 2, 3, 4]);
        let err = ServerFlight::new()
            .receive(&record(22, &message(2, &b)))
            .unwrap_err();
        assert_eq!(err, LegacyError::ChoseTls13);
        let mut hs = hello(0x0303, 0xc018);
        hs.extend(message(14, &[]));
        let err = ServerFlight::new().receive(&record(22, &hs)).unwrap_err();
        assert!(matches!(err, LegacyError::Unexpected { .. }), "{err}");
        let mut hs = hello(0x0303, 0x002f);
        hs.extend(certificate(&[]));
        let err = ServerFlight::new().receive(&record(22, &hs)).unwrap_err();
        assert_eq!(err, LegacyError::NoCertificate);
    }
}
