//! Reading the server's first packet: the initial handshake (protocol
//! version 10) or an ERR packet.
//!
//! Layout (MySQL client/server protocol, "Protocol::HandshakeV10"; MariaDB
//! documents the same bytes as "Initial Handshake Packet"): protocol
//! version 0x0a, server version (NUL-terminated), connection id (4 bytes),
//! auth-plugin-data part 1 (8), filler (1), capability flags lower 2 bytes,
//! then optionally character set (1), status flags (2), capability flags
//! upper 2 bytes, auth-plugin-data length (1), 10 reserved bytes (MariaDB
//! keeps its extended capabilities in the last 4), auth-plugin-data part 2
//! and the auth plugin name. An ERR packet is 0xff, the error code (2
//! bytes), an optional `#` and 5-character SQLSTATE, and the message.

use super::error::MysqlError;
use super::packet::first_packet;
use super::{CLIENT_PLUGIN_AUTH, CLIENT_SECURE_CONNECTION};
use crate::text::printable;

/// Longest server text kept, in characters.
const TEXT_CHARS: usize = 200;

/// What the server's initial handshake packet says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerHandshake {
    /// The server version string, made printable (`10.11.6-MariaDB-0+deb12u1`,
    /// `8.0.40`).
    pub server_version: String,
    /// The connection (thread) id.
    pub connection_id: u32,
    /// The capability flags, lower and upper halves joined.
    pub capabilities: u32,
    /// The server's default character set number, when sent.
    pub charset: Option<u8>,
    /// The authentication plugin named (`mysql_native_password`,
    /// `caching_sha2_password`), made printable, when sent.
    pub auth_plugin: Option<String>,
}

/// Decodes the server's first packet at the start of `buf`. `Ok(None)`:
/// more bytes needed. `Ok(Some((handshake, used)))`: the packet took
/// `used` bytes. An ERR packet is [`MysqlError::Refused`]; bytes that are
/// not a MySQL packet, a packet larger than `limit` or a truncated
/// handshake fail with their own [`MysqlError`].
pub fn decode_server_packet(
    buf: &[u8],
    limit: usize,
) -> Result<Option<(ServerHandshake, usize)>, MysqlError> {
    let Some((payload, used)) = first_packet(buf, limit)? else {
        return Ok(None);
    };
    match payload {
        [0x0a, body @ ..] => decode_v10(body).map(|h| Some((h, used))),
        [0xff, body @ ..] => Err(decode_err(body)),
        [0x09, ..] => Err(MysqlError::OldProtocol),
        _ => Err(MysqlError::Malformed {
            detail: "the first packet is neither a handshake nor an ERR packet".into(),
        }),
    }
}

/// A cursor over a payload that fails, never panics, on truncation.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], MysqlError> {
        if self.rest.len() < n {
            return Err(MysqlError::Malformed {
                detail: format!("the handshake packet ends inside the {what}"),
            });
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn nul_string(&mut self, what: &str) -> Result<&'a [u8], MysqlError> {
        let Some(end) = self.rest.iter().position(|&b| b == 0) else {
            return Err(MysqlError::Malformed {
                detail: format!("the {what} is not NUL-terminated"),
            });
        };
        let text = &self.rest[..end];
        self.rest = &self.rest[end + 1..];
        Ok(text)
    }
}

fn decode_v10(body: &[u8]) -> Result<ServerHandshake, MysqlError> {
    let mut r = Reader { rest: body };
    let server_version = printable(r.nul_string("server version")?, TEXT_CHARS);
    let id = r.take(4, "connection id")?;
    let connection_id = u32::from_le_bytes([id[0], id[1], id[2], id[3]]);
    r.take(8, "auth-plugin-data")?;
    r.take(1, "filler")?;
    let low = r.take(2, "capability flags")?;
    let mut capabilities = u32::from(u16::from_le_bytes([low[0], low[1]]));
    let mut handshake = ServerHandshake {
        server_version,
        connection_id,
        capabilities,
        charset: None,
        auth_plugin: None,
    };
    if r.rest.is_empty() {
        return Ok(handshake);
    }
    let charset = r.take(1, "character set")?[0];
    r.take(2, "status flags")?;
    let high = r.take(2, "upper capability flags")?;
    capabilities |= u32::from(u16::from_le_bytes([high[0], high[1]])) << 16;
    let auth_len = r.take(1, "auth-plugin-data length")?[0];
    r.take(10, "reserved bytes")?;
    handshake.charset = Some(charset);
    handshake.capabilities = capabilities;
    if capabilities & CLIENT_SECURE_CONNECTION != 0 {
        let part2 = usize::from(auth_len).saturating_sub(8).max(13);
        r.take(part2.min(r.rest.len()), "auth-plugin-data part 2")?;
    }
    if capabilities & CLIENT_PLUGIN_AUTH != 0 && !r.rest.is_empty() {
        // MySQL 5.5.7-5.5.9 sent the name without its NUL: take the rest.
        let name = match r.rest.iter().position(|&b| b == 0) {
            Some(end) => &r.rest[..end],
            None => r.rest,
        };
        handshake.auth_plugin = Some(printable(name, TEXT_CHARS));
    }
    Ok(handshake)
}

fn decode_err(body: &[u8]) -> MysqlError {
    let (code, rest) = match body {
        [lo, hi, rest @ ..] => (u16::from_le_bytes([*lo, *hi]), rest),
        _ => {
            return MysqlError::Malformed {
                detail: "the ERR packet ends inside its error code".into(),
            }
        }
    };
    let (sqlstate, message) = match rest {
        [b'#', state @ ..] if state.len() >= 5 => (Some(printable(&state[..5], 5)), &state[5..]),
        _ => (None, rest),
    };
    MysqlError::Refused {
        code,
        sqlstate,
        message: printable(message, TEXT_CHARS),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::mysql::CLIENT_SSL;

    /// A packet with sequence id 0 around `payload`.
    pub(crate) fn packet(payload: &[u8]) -> Vec<u8> {
        let len = u32::try_from(payload.len()).unwrap().to_le_bytes();
        let mut p = vec![len[0], len[1], len[2], 0];
        p.extend_from_slice(payload);
        p
    }

    /// A protocol 10 handshake payload as MariaDB and MySQL build it.
    pub(crate) fn v10(version: &str, capabilities: u32, plugin: &str) -> Vec<u8> {
        let mut p = vec![0x0a];
        p.extend_from_slice(version.as_bytes());
        p.push(0);
        p.extend_from_slice(&7u32.to_le_bytes());
        p.extend_from_slice(b"abcdefgh");
        p.push(0);
        p.extend_from_slice(&(capabilities as u16).to_le_bytes());
        p.push(45);
        p.extend_from_slice(&[2, 0]);
        p.extend_from_slice(&((capabilities >> 16) as u16).to_le_bytes());
        p.push(21);
        p.extend_from_slice(&[0; 10]);
        p.extend_from_slice(b"ijklmnopqrst\0");
        p.extend_from_slice(plugin.as_bytes());
        p.push(0);
        p
    }

    #[test]
    fn a_handshake_gives_version_id_capabilities_and_plugin() {
        let caps = 0xdfff_f7ff | CLIENT_SSL;
        let p = packet(&v10("8.0.40", caps, "caching_sha2_password"));
        for cut in 0..p.len() {
            assert_eq!(decode_server_packet(&p[..cut], 1024), Ok(None), "{cut}");
        }
        let (h, used) = decode_server_packet(&p, 1024).unwrap().unwrap();
        assert_eq!(used, p.len());
        assert_eq!(h.server_version, "8.0.40");
        assert_eq!(h.connection_id, 7);
        assert_eq!(h.capabilities, caps);
        assert_eq!(h.charset, Some(45));
        assert_eq!(h.auth_plugin.as_deref(), Some("caching_sha2_password"));
    }

    #[test]
    fn a_short_pre_41_handshake_is_read_too() {
        let mut payload = vec![0x0a];
        payload.extend_from_slice(b"3.23.58\0");
        payload.extend_from_slice(&[1, 0, 0, 0]);
        payload.extend_from_slice(b"12345678\0");
        payload.extend_from_slice(&[0x2c, 0x02]);
        let (h, _) = decode_server_packet(&packet(&payload), 1024)
            .unwrap()
            .unwrap();
        assert_eq!(h.capabilities, 0x022c);
        assert_eq!(h.auth_plugin, None);
    }

    #[test]
    fn err_packets_keep_code_sqlstate_and_message() {
        let mut err = vec![0xff, 0x6a, 0x04];
        err.extend_from_slice(b"Host '10.0.0.5' is not allowed to connect to this MariaDB server");
        assert_eq!(
            decode_server_packet(&packet(&err), 1024),
            Err(MysqlError::Refused {
                code: 1130,
                sqlstate: None,
                message: "Host '10.0.0.5' is not allowed to connect to this MariaDB server".into()
            })
        );
        let mut err = vec![0xff, 0x10, 0x04, b'#'];
        err.extend_from_slice(b"08004Too many connections");
        assert_eq!(
            decode_server_packet(&packet(&err), 1024),
            Err(MysqlError::Refused {
                code: 1040,
                sqlstate: Some("08004".into()),
                message: "Too many connections".into()
            })
        );
    }

    #[test]
    fn truncated_and_unknown_packets_are_malformed() {
        let full = v10("10.11.6-MariaDB", 0xffff_ffff, "mysql_native_password");
        for end in 1..20 {
            let r = decode_server_packet(&packet(&full[..end]), 1024);
            assert!(
                matches!(r, Err(MysqlError::Malformed { .. })),
                "{end}: {r:?}"
            );
        }
        assert_eq!(
            decode_server_packet(&packet(&[0x09, b'3', 0]), 1024),
            Err(MysqlError::OldProtocol)
        );
        assert!(matches!(
            decode_server_packet(&packet(&[0xff, 1]), 1024),
            Err(MysqlError::Malformed { .. })
        ));
    }
}
