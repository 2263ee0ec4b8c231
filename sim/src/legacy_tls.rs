//! Hand-built TLS flights of servers rustls cannot serve: TLS 1.0-only
//! Windows (SChannel) servers and TLS 1.2 servers with only plain-RSA
//! key exchange and CBC suites.
//!
//! The behaviour follows how those stacks answer a ClientHello (RFC 5246
//! 7.4.1.2 and E.1, and SChannel's documented version negotiation on
//! Windows Server 2008 R2 with TLS 1.1/1.2 disabled, the default there):
//! the server ignores the TLS 1.3 `supported_versions` extension, answers
//! with the lower of the client's `client_version` and its own maximum, and
//! picks the first of its own suites the client offers; with no common
//! suite it sends a fatal `handshake_failure` alert. Its flight is
//! ServerHello, Certificate and ServerHelloDone (plain-RSA key exchange has
//! no ServerKeyExchange), in records of the negotiated version. Whatever
//! the client sends next ends the connection: the server has no keys to go
//! on with, which is fine for a check that stops at the certificate.

/// A scripted pre-TLS-1.3 server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LegacyTls {
    /// The highest version it speaks (`0x0301` TLS 1.0, `0x0303` TLS 1.2).
    pub max_version: u16,
    /// Its suites, most preferred first.
    pub suites: &'static [u16],
    /// Sends ServerHello and Certificate, then a fatal `internal_error`
    /// alert and closes, as OpenSMTPD 6.8 with OpenSSL 3 does when its
    /// privsep signing fails.
    pub abort_after_certificate: bool,
}

/// SChannel's plain-RSA suites on Windows Server 2008 R2, in its order:
/// AES-128-CBC-SHA, AES-256-CBC-SHA, RC4-128-SHA, 3DES-EDE-CBC-SHA, RC4-128-MD5.
pub const SCHANNEL_2008R2_RSA: &[u16] = &[0x002f, 0x0035, 0x0005, 0x000a, 0x0004];

/// A TLS 1.2 server restricted to plain-RSA key exchange with CBC suites.
pub const RSA_CBC_ONLY: &[u16] = &[0x0035, 0x002f, 0x003d, 0x003c, 0x000a];

/// OpenSMTPD's TLS 1.2 choice for an RSA key: ECDHE-RSA with AES-GCM.
pub const ECDHE_RSA_GCM: &[u16] = &[0xc030, 0xc02f];

/// What the server does with the client's first TLS bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Not a complete ClientHello yet.
    NeedMore,
    /// Send these bytes, then wait for the client (and close on its next bytes).
    Flight(Vec<u8>),
    /// Send these bytes (an alert) and close.
    Refuse(Vec<u8>),
}

/// A fatal alert in a record of `version`.
pub fn alert(version: u16, description: u8) -> Vec<u8> {
    let v = version.to_be_bytes();
    vec![21, v[0], v[1], 0, 2, 2, description]
}

/// The offered versions and suites of a ClientHello record.
struct Hello {
    client_version: u16,
    suites: Vec<u16>,
}

/// Reads the first handshake record; `None` when incomplete, `Err` when it
/// is not a ClientHello.
fn parse_hello(bytes: &[u8]) -> Option<Result<Hello, ()>> {
    let header = bytes.get(..5)?;
    if header[0] != 22 || header[1] != 3 {
        return Some(Err(()));
    }
    let length = usize::from(u16::from_be_bytes([header[3], header[4]]));
    let record = bytes.get(5..5 + length)?;
    let parse = || -> Option<Hello> {
        if *record.first()? != 1 {
            return None;
        }
        let body = record.get(4..)?;
        let client_version = u16::from_be_bytes([*body.first()?, *body.get(1)?]);
        let sid = usize::from(*body.get(34)?);
        let at = 35 + sid;
        let n = usize::from(u16::from_be_bytes([*body.get(at)?, *body.get(at + 1)?]));
        let list = body.get(at + 2..at + 2 + n)?;
        let suites = list
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        Some(Hello {
            client_version,
            suites,
        })
    };
    Some(parse().ok_or(()))
}

fn u24(n: usize) -> [u8; 3] {
    let b = n.to_be_bytes();
    [b[b.len() - 3], b[b.len() - 2], b[b.len() - 1]]
}

fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![kind];
    m.extend_from_slice(&u24(body.len()));
    m.extend_from_slice(body);
    m
}

/// Handshake bytes cut into records of at most 2^14 bytes.
fn records(version: u16, handshake: &[u8]) -> Vec<u8> {
    let v = version.to_be_bytes();
    let mut out = Vec::with_capacity(handshake.len() + 16);
    for chunk in handshake.chunks(16384) {
        out.extend_from_slice(&[22, v[0], v[1]]);
        out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

impl LegacyTls {
    /// The answer to what the client sent so far.
    pub fn answer(&self, received: &[u8], chain: &[Vec<u8>]) -> Answer {
        let hello = match parse_hello(received) {
            None => return Answer::NeedMore,
            Some(Err(())) => return Answer::Refuse(alert(0x0301, 10)), // unexpected_message
            Some(Ok(hello)) => hello,
        };
        if hello.client_version < 0x0301 {
            return Answer::Refuse(alert(0x0301, 70)); // protocol_version
        }
        let version = hello.client_version.min(self.max_version);
        let Some(&suite) = self.suites.iter().find(|s| hello.suites.contains(s)) else {
            return Answer::Refuse(alert(version, 40)); // handshake_failure
        };
        let mut server_hello = version.to_be_bytes().to_vec();
        // A fixed random keeps runs identical; the last 8 bytes are not the
        // TLS 1.3 downgrade sentinel.
        server_hello.extend((0u8..32).map(|i| i.wrapping_mul(29).wrapping_add(7)));
        server_hello.push(32);
        server_hello.extend_from_slice(&[0x5a; 32]); // session ID
        server_hello.extend_from_slice(&suite.to_be_bytes());
        server_hello.push(0);
        server_hello.extend_from_slice(&[0, 5, 0xff, 0x01, 0, 1, 0]); // renegotiation_info
        let mut list = Vec::new();
        for cert in chain {
            list.extend_from_slice(&u24(cert.len()));
            list.extend_from_slice(cert);
        }
        let mut certificate = u24(list.len()).to_vec();
        certificate.extend_from_slice(&list);
        let mut handshake = message(2, &server_hello);
        handshake.extend(message(11, &certificate));
        if self.abort_after_certificate {
            let mut bytes = records(version, &handshake);
            bytes.extend(alert(version, 80)); // internal_error
            return Answer::Refuse(bytes);
        }
        handshake.extend(message(14, &[]));
        Answer::Flight(records(version, &handshake))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use starttls_engine::legacy::{client_hello, ServerFlight};

    const TLS10: LegacyTls = LegacyTls {
        max_version: 0x0301,
        suites: SCHANNEL_2008R2_RSA,
        abort_after_certificate: false,
    };

    #[test]
    fn the_engines_legacy_hello_gets_a_tls10_flight_it_can_read() {
        let hello = client_hello(Some("mail.sim.test"), [1; 32]);
        let Answer::Flight(bytes) = TLS10.answer(&hello, &[b"leaf".to_vec()]) else {
            panic!("no flight");
        };
        let flight = ServerFlight::new().receive(&bytes).unwrap().unwrap();
        assert_eq!((flight.version, flight.suite), (0x0301, 0x002f));
        assert_eq!(flight.chain, vec![b"leaf".to_vec()]);
    }

    #[test]
    fn no_common_suite_is_a_handshake_failure_and_half_a_hello_waits() {
        let hello = client_hello(None, [1; 32]);
        assert_eq!(TLS10.answer(&hello[..20], &[]), Answer::NeedMore);
        let picky = LegacyTls {
            max_version: 0x0303,
            suites: &[0x0004],
            abort_after_certificate: false,
        };
        let mut only_ecdhe = hello.clone();
        // Overwrite the first suite list entry area: a hello without RC4-MD5.
        let at = 5 + 4 + 35;
        let n = usize::from(u16::from_be_bytes([only_ecdhe[at], only_ecdhe[at + 1]]));
        for b in &mut only_ecdhe[at + 2..at + 2 + n] {
            if *b == 0x04 {
                *b = 0x2b;
            }
        }
        assert_eq!(
            picky.answer(&only_ecdhe, &[]),
            Answer::Refuse(alert(0x0303, 40))
        );
    }
}
