//! MySQL packet framing: a 3-byte little-endian payload length and a
//! sequence id, bounded by `Limits::db_packet`.

use super::error::MysqlError;
use crate::guess::{excerpt, looks_like};

/// The payload of the first complete packet at the start of `buf` and the
/// bytes the packet took, or `None` while incomplete. Fails on a packet
/// longer than `limit` (header included) or on bytes that cannot start a
/// server's first packet (sequence id 0, then protocol version 10, an
/// ERR packet's 0xff or the obsolete protocol 9).
pub(crate) fn first_packet(buf: &[u8], limit: usize) -> Result<Option<(&[u8], usize)>, MysqlError> {
    if let Some(proto) = looks_like(buf) {
        if proto != "MySQL/MariaDB" {
            return Err(not_mysql(buf, Some(proto)));
        }
    }
    let [l0, l1, l2, seq, rest @ ..] = buf else {
        return Ok(None);
    };
    if *seq != 0 {
        return Err(not_mysql(buf, None));
    }
    // The length before the first payload byte, so a verdict given on the
    // header alone never changes when more bytes arrive.
    let len = usize::from(*l0) | (usize::from(*l1) << 8) | (usize::from(*l2) << 16);
    let total = len + 4;
    if total > limit {
        return Err(MysqlError::PacketTooLarge {
            claimed: total as u64,
            limit,
        });
    }
    if len == 0 {
        return Err(MysqlError::Malformed {
            detail: "the server's first packet is empty".into(),
        });
    }
    if let [first, ..] = rest {
        if !matches!(first, 0x0a | 0xff | 0x09) {
            return Err(not_mysql(buf, None));
        }
    }
    Ok(rest.get(..len).map(|payload| (payload, total)))
}

fn not_mysql(buf: &[u8], looks_like: Option<&'static str>) -> MysqlError {
    MysqlError::NotMysql {
        excerpt: excerpt(buf),
        looks_like,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_wait_for_the_whole_payload() {
        let packet = [3, 0, 0, 0, 0x0a, b'5', 0, 9];
        for cut in 0..7 {
            assert_eq!(first_packet(&packet[..cut], 1024), Ok(None), "{cut}");
        }
        assert_eq!(first_packet(&packet, 1024), Ok(Some((&packet[4..7], 7))));
    }

    #[test]
    fn oversized_or_foreign_bytes_fail_at_once() {
        assert!(matches!(
            first_packet(&[0xff, 0xff, 0xff, 0, 0x0a], 1024),
            Err(MysqlError::PacketTooLarge { .. })
        ));
        assert!(matches!(
            first_packet(b"220 mx ESMTP", 1024),
            Err(MysqlError::NotMysql {
                looks_like: Some("SMTP"),
                ..
            })
        ));
        assert!(matches!(first_packet(b"S", 1024), Ok(None)));
        assert!(matches!(
            first_packet(&[5, 0, 0, 1, 0x0a], 1024),
            Err(MysqlError::NotMysql { .. })
        ));
        assert!(matches!(
            first_packet(&[5, 0, 0, 0, 0x41], 1024),
            Err(MysqlError::NotMysql { .. })
        ));
        // Found by the mysql_handshake fuzz target: the header's verdict
        // (too large) must not turn into another once the payload starts.
        let header_first = [0x06, 0xf6, 0xff, 0x00, b'2', b'0', 0];
        assert_eq!(
            first_packet(&header_first[..4], 16384),
            first_packet(&header_first, 16384)
        );
        // Also found by it: an empty packet is judged on its header, not
        // on the byte after it.
        let empty = [0u8; 8];
        assert!(matches!(
            first_packet(&empty[..4], 16384),
            Err(MysqlError::Malformed { .. })
        ));
        assert_eq!(
            first_packet(&empty[..4], 16384),
            first_packet(&empty, 16384)
        );
    }
}
