//! What the PostgreSQL and MySQL/MariaDB personalities send before TLS.
//!
//! Sources:
//! - PostgreSQL: the answer to SSLRequest is the single byte `S` (start
//!   TLS) or `N` (`ssl = off`), `postmaster.c` `ProcessStartupPacket`
//!   ("SSL Session Encryption" in the protocol documentation); PostgreSQL
//!   15.18 on Debian 12 answered `S` and `N` exactly so on loopback
//!   (tests/interop). After `N` it waits for a startup packet in plaintext.
//!   A postmaster that cannot fork answers with a protocol 2 error
//!   (`report_fork_failure_to_client` in `postmaster.c`), which libpq
//!   accepts after SSLRequest (`fe-connect.c`, the `SSLok == 'E'` case).
//! - PostgreSQL 17 direct TLS (`sslnegotiation=direct`): no SSLRequest;
//!   the server expects a ClientHello at once and refuses one without ALPN
//!   `postgresql` (PostgreSQL 17 release notes; `be-secure-openssl.c`).
//!   The simulator's personality does exactly that (see `server.rs`).
//! - MariaDB 10.11: the handshake packet below was captured byte for byte
//!   from Debian 12's `mariadbd` 10.11.14 on loopback (with and without
//!   `ssl_cert`: capability flags 0xfffe / 0xf7fe, upper 0x81ff, character
//!   set 8, 21 bytes of auth-plugin data), only the connection id and the
//!   20-byte scramble replaced. MariaDB sends its version behind a `5.5.5-` prefix (kept
//!   for old replication clients) and its extended capabilities in the
//!   last 4 reserved bytes.
//! - MySQL 8: the layout of `send_server_handshake_packet` in MySQL 8.0's
//!   `sql/auth/sql_authentication.cc`: version `8.0.40`, capability flags
//!   0xffff / 0xdfff (`CLIENT_SSL` set when TLS is configured, as it is by
//!   default since 8.0), character set 255 (`utf8mb4_0900_ai_ci`), 21
//!   bytes of auth-plugin data, plugin `caching_sha2_password`.
//! - Error 1130: `ER_HOST_NOT_PRIVILEGED` ("Host '%s' is not allowed to
//!   connect to this MariaDB server"), sent as an ERR packet with no
//!   SQLSTATE marker before the handshake (MariaDB `sql/sql_connect.cc`;
//!   the same text appears on Debian 12 without an account for 127.0.0.1,
//!   see docs real-servers.md).

use crate::personality::Personality;

/// What the postmaster sends when it cannot fork a backend:
/// `report_fork_failure_to_client` in `postmaster.c` writes `E`, the text
/// and a NUL in the protocol 2 form (no length), then closes.
pub const FORK_FAILURE: &[u8] =
    b"Ecould not fork new process for connection: Resource temporarily unavailable\n\0";

/// The message of [`FORK_FAILURE`] as the check reports it.
pub const FORK_FAILURE_MESSAGE: &str =
    "could not fork new process for connection: Resource temporarily unavailable";

/// What the PostgreSQL personality does after SSLRequest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostgresAfter {
    /// TLS follows.
    Tls,
    /// Waits for a startup packet in plaintext.
    Stay,
    /// Closes the connection.
    Close,
}

/// What the PostgreSQL personality answers to SSLRequest, and what follows.
pub fn postgres_answer(personality: Personality) -> (Vec<u8>, PostgresAfter) {
    match personality {
        Personality::PostgresSslOff => (b"N".to_vec(), PostgresAfter::Stay),
        Personality::PostgresForkFailure => (FORK_FAILURE.to_vec(), PostgresAfter::Close),
        _ => (b"S".to_vec(), PostgresAfter::Tls),
    }
}

/// The 8 bytes of PostgreSQL's SSLRequest.
pub const POSTGRES_SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// The MariaDB version string (with its `5.5.5-` prefix).
pub const MARIADB_VERSION: &str = "5.5.5-10.11.14-MariaDB-0+deb12u2";
/// The MySQL 8 version string.
pub const MYSQL8_VERSION: &str = "8.0.40";
/// The message of the 1130 personality.
pub const HOST_NOT_ALLOWED: &str =
    "Host '192.0.2.1' is not allowed to connect to this MariaDB server";

/// `CLIENT_SSL`.
const CLIENT_SSL: u16 = 0x0800;

/// A packet with sequence id 0 around `payload`.
fn packet(payload: &[u8]) -> Vec<u8> {
    let len = (payload.len() as u32).to_le_bytes();
    let mut p = vec![len[0], len[1], len[2], 0];
    p.extend_from_slice(payload);
    p
}

/// A protocol 10 handshake packet.
fn handshake(
    version: &str,
    caps_low: u16,
    charset: u8,
    caps_high: u16,
    reserved: [u8; 10],
    plugin: &str,
) -> Vec<u8> {
    let mut p = vec![0x0a];
    p.extend_from_slice(version.as_bytes());
    p.push(0);
    p.extend_from_slice(&9u32.to_le_bytes());
    p.extend_from_slice(b"M?p+Z&u}");
    p.push(0);
    p.extend_from_slice(&caps_low.to_le_bytes());
    p.push(charset);
    p.extend_from_slice(&2u16.to_le_bytes());
    p.extend_from_slice(&caps_high.to_le_bytes());
    p.push(21);
    p.extend_from_slice(&reserved);
    p.extend_from_slice(b"4T}b/nS?,8x]\0");
    p.extend_from_slice(plugin.as_bytes());
    p.push(0);
    packet(&p)
}

/// The MySQL/MariaDB personality's first packet, and whether it offers TLS
/// (it then expects SSLRequest).
pub fn mysql_greeting(personality: Personality) -> (Vec<u8>, bool) {
    // MariaDB 10.11's extended capabilities in the last 4 reserved bytes.
    let mariadb_ext = [0, 0, 0, 0, 0, 0, 0x1d, 0, 0, 0];
    match personality {
        Personality::Mysql8 => (
            handshake(
                MYSQL8_VERSION,
                0xffff,
                0xff,
                0xdfff,
                [0; 10],
                "caching_sha2_password",
            ),
            true,
        ),
        Personality::MariaDbNoSsl => (
            handshake(
                MARIADB_VERSION,
                0xfffe & !CLIENT_SSL,
                8,
                0x81ff,
                mariadb_ext,
                "mysql_native_password",
            ),
            false,
        ),
        Personality::MariaDbHostNotAllowed => {
            let mut err = vec![0xff];
            err.extend_from_slice(&1130u16.to_le_bytes());
            err.extend_from_slice(HOST_NOT_ALLOWED.as_bytes());
            (packet(&err), false)
        }
        _ => (
            handshake(
                MARIADB_VERSION,
                0xfffe,
                8,
                0x81ff,
                mariadb_ext,
                "mysql_native_password",
            ),
            true,
        ),
    }
}

/// The length of MySQL's SSLRequest packet (header and 32-byte payload).
pub const MYSQL_SSL_REQUEST_LEN: usize = 36;

/// Whether `packet` is an SSLRequest: payload length 32, sequence id 1 and
/// `CLIENT_SSL` in the capability flags.
pub fn is_mysql_ssl_request(packet: &[u8]) -> bool {
    matches!(packet, [32, 0, 0, 1, caps_low, caps_high, ..]
        if u16::from_le_bytes([*caps_low, *caps_high]) & CLIENT_SSL != 0)
        && packet.len() == MYSQL_SSL_REQUEST_LEN
}
