//! A bounded reader for the ErrorResponse a PostgreSQL server may send
//! instead of answering SSLRequest.
//!
//! Two formats exist. Protocol 3 (PostgreSQL 7.4 and later): `E`, Int32
//! length (itself included), then fields of one type byte and a
//! NUL-terminated string, ended by a zero byte. Protocol 2 (what a server
//! that has not read a startup packet yet may still use, and what libpq's
//! `PQconnectPoll` accepts after SSLRequest): `E` and one NUL-terminated
//! message. A protocol 3 length starts with a zero byte for any message
//! below 16 MiB, a protocol 2 message with text, so the byte after `E`
//! tells them apart.

use super::error::PostgresError;
use crate::text::printable;

/// Longest text kept from one field, in characters.
const FIELD_CHARS: usize = 200;

/// What an ErrorResponse said, made printable.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorFields {
    /// Severity (`S`, or the non-localised `V`): `FATAL`, `ERROR`, ...
    pub severity: Option<String>,
    /// SQLSTATE (`C`), e.g. `53300` for too many connections.
    pub sqlstate: Option<String>,
    /// The primary message (`M`), or a protocol 2 message's whole text.
    pub message: String,
}

/// Decodes an ErrorResponse at the start of `buf` (which begins with `E`).
/// `Ok(None)`: more bytes needed. `Ok(Some((fields, used)))`: the message
/// took `used` bytes. Fails when the message would exceed `limit` bytes or
/// is malformed; never reads past `limit` bytes of `buf`.
pub fn decode_error_response(
    buf: &[u8],
    limit: usize,
) -> Result<Option<(ErrorFields, usize)>, PostgresError> {
    match buf {
        [] | [b'E'] => Ok(None),
        [b'E', 0, ..] => decode_v3(buf, limit),
        [b'E', ..] => decode_v2(buf, limit),
        _ => Err(PostgresError::Malformed {
            detail: "an ErrorResponse must start with 'E'".into(),
        }),
    }
}

fn decode_v3(buf: &[u8], limit: usize) -> Result<Option<(ErrorFields, usize)>, PostgresError> {
    let Some(len) = buf.get(1..5) else {
        return Ok(None);
    };
    let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
    let total = len.saturating_add(1);
    if total > limit {
        return Err(PostgresError::MessageTooLarge {
            claimed: total as u64,
            limit,
        });
    }
    if len < 5 {
        return Err(PostgresError::Malformed {
            detail: format!("ErrorResponse length {len} is shorter than its header"),
        });
    }
    let Some(body) = buf.get(5..total) else {
        return Ok(None);
    };
    let mut fields = ErrorFields::default();
    let mut rest = body;
    loop {
        match rest {
            [0] => break,
            [] | [0, ..] => {
                return Err(PostgresError::Malformed {
                    detail: "ErrorResponse fields do not end with a single zero byte".into(),
                })
            }
            [kind, tail @ ..] => {
                let Some(end) = tail.iter().position(|&b| b == 0) else {
                    return Err(PostgresError::Malformed {
                        detail: "an ErrorResponse field is not NUL-terminated".into(),
                    });
                };
                let value = printable(&tail[..end], FIELD_CHARS);
                match kind {
                    b'V' => fields.severity = Some(value),
                    b'S' if fields.severity.is_none() => fields.severity = Some(value),
                    b'C' => fields.sqlstate = Some(value),
                    b'M' => fields.message = value,
                    _ => {}
                }
                rest = &tail[end + 1..];
            }
        }
    }
    Ok(Some((fields, total)))
}

fn decode_v2(buf: &[u8], limit: usize) -> Result<Option<(ErrorFields, usize)>, PostgresError> {
    let window = &buf[1..buf.len().min(limit)];
    match window.iter().position(|&b| b == 0) {
        Some(end) => {
            let text = printable(trim_line_end(&window[..end]), FIELD_CHARS);
            // Protocol 2 messages read "FATAL:  text".
            let (severity, message) = match text.split_once(':') {
                Some((sev, msg))
                    if !sev.is_empty() && sev.bytes().all(|b| b.is_ascii_uppercase()) =>
                {
                    (Some(sev.to_owned()), msg.trim_start().to_owned())
                }
                _ => (None, text),
            };
            Ok(Some((
                ErrorFields {
                    severity,
                    sqlstate: None,
                    message,
                },
                end + 2,
            )))
        }
        None if buf.len() >= limit => Err(PostgresError::MessageTooLarge {
            claimed: buf.len() as u64,
            limit,
        }),
        None => Ok(None),
    }
}

fn trim_line_end(mut text: &[u8]) -> &[u8] {
    while let [head @ .., b'\n' | b'\r'] = text {
        text = head;
    }
    text
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A protocol 3 ErrorResponse with `fields` (type, value).
    pub(crate) fn v3(fields: &[(u8, &str)]) -> Vec<u8> {
        let mut body = Vec::new();
        for (kind, value) in fields {
            body.push(*kind);
            body.extend_from_slice(value.as_bytes());
            body.push(0);
        }
        body.push(0);
        let mut msg = vec![b'E'];
        msg.extend_from_slice(&(u32::try_from(body.len()).unwrap() + 4).to_be_bytes());
        msg.extend(body);
        msg
    }

    #[test]
    fn a_v3_error_gives_severity_sqlstate_and_message_in_every_split() {
        let msg = v3(&[
            (b'S', "FATAL"),
            (b'V', "FATAL"),
            (b'C', "53300"),
            (b'M', "sorry, too many clients already"),
            (b'F', "proc.c"),
        ]);
        for cut in 0..msg.len() {
            assert_eq!(decode_error_response(&msg[..cut], 1024), Ok(None), "{cut}");
        }
        let (fields, used) = decode_error_response(&msg, 1024).unwrap().unwrap();
        assert_eq!(used, msg.len());
        assert_eq!(fields.severity.as_deref(), Some("FATAL"));
        assert_eq!(fields.sqlstate.as_deref(), Some("53300"));
        assert_eq!(fields.message, "sorry, too many clients already");
    }

    #[test]
    fn a_v2_error_is_one_string() {
        let msg = b"EFATAL:  sorry, too many clients already\n\0";
        for cut in 0..msg.len() {
            assert_eq!(decode_error_response(&msg[..cut], 1024), Ok(None), "{cut}");
        }
        let (fields, used) = decode_error_response(msg, 1024).unwrap().unwrap();
        assert_eq!(used, msg.len());
        assert_eq!(fields.severity.as_deref(), Some("FATAL"));
        assert_eq!(fields.message, "sorry, too many clients already");
    }

    #[test]
    fn oversized_and_broken_messages_fail_without_buffering_them() {
        let huge = [b'E', 0, 0x7f, 0xff, 0xff];
        assert!(matches!(
            decode_error_response(&huge, 1024),
            Err(PostgresError::MessageTooLarge { .. })
        ));
        let endless = vec![b'x'; 2000];
        let mut v2 = vec![b'E'];
        v2.extend(endless);
        assert!(matches!(
            decode_error_response(&v2, 1024),
            Err(PostgresError::MessageTooLarge { .. })
        ));
        let short = [b'E', 0, 0, 0, 2];
        assert!(matches!(
            decode_error_response(&short, 1024),
            Err(PostgresError::Malformed { .. })
        ));
        let unterminated = [b'E', 0, 0, 0, 7, b'M', b'a', b'b'];
        assert!(matches!(
            decode_error_response(&unterminated, 1024),
            Err(PostgresError::Malformed { .. })
        ));
        let control = v3(&[(b'M', "a\x1b[2Jb")]);
        let (fields, _) = decode_error_response(&control, 1024).unwrap().unwrap();
        assert_eq!(fields.message, "a?[2Jb");
    }
}
