//! Making server-sent bytes safe to show on one line.

/// Renders bytes as printable text of at most `max` characters: invalid
/// UTF-8, control characters and bidirectional controls (which could
/// reorder the rest of a line, U+202E) become `?`, and an ellipsis marks a
/// cut.
pub(crate) fn printable(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len().min(max + 3));
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push_str("...");
            break;
        }
        out.push(if c.is_control() || c == '\u{fffd}' || is_bidi_control(c) {
            '?'
        } else {
            c
        });
    }
    out
}

/// Unicode's explicit bidirectional formatting characters (UAX #9).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn controls_and_invalid_utf8_become_question_marks_and_long_text_is_cut() {
        assert_eq!(printable(b"a\r\nb\xff", 10), "a??b?");
        assert_eq!(printable(b"abcdef", 3), "abc...");
        assert_eq!(
            printable("220 \u{202e}gnp.exe".as_bytes(), 20),
            "220 ?gnp.exe"
        );
    }
}
