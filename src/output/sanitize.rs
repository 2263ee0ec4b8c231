//! Making server-controlled text safe for every output format.
//!
//! A server chooses its greeting, replies and LDAP diagnostics, and every
//! field of its certificate (CN, subject, issuer, SANs). Any of them can
//! carry terminal escapes (ESC), BEL, NUL, line breaks, bidi overrides
//! (U+202E, which makes `exe.txt` read as `txt.exe`) and `|`, which starts
//! Nagios performance data. The rules, the same for every field:
//!
//! - every control character (C0, DEL, C1) and every bidi or line-layout
//!   character (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069,
//!   U+2028, U+2029) is written as a visible escape: `\x1b` for code points
//!   below U+0100, `\u{202e}` above; other text, non-ASCII letters included,
//!   is kept;
//! - `text`, `json`, `prtg` and `prtg-v2` apply [`escape`] to every string
//!   (json: every string value except the chain's PEM, whose line breaks
//!   are ours), so no raw control or bidi character reaches a terminal, a
//!   log or PRTG's message, and the JSON stays valid;
//! - `nagios` applies [`nagios`]: [`escape`] plus `|` replaced by `¦`, so
//!   server text can neither add performance data nor split lines.
//!
//! Our own text never contains these characters, so escaping whole lines
//! changes only what a server sent.

use serde_json::Value;

/// Whether `c` must not reach output raw: a control character, or a
/// character that reorders or breaks lines.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// `text` with every unsafe character written as a visible escape.
pub fn escape(text: &str) -> String {
    if !text.chars().any(is_unsafe) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write;
    if !is_unsafe(c) {
        out.push(c);
    } else if u32::from(c) < 0x100 {
        let _ = write!(out, "\\x{:02x}", u32::from(c));
    } else {
        let _ = write!(out, "\\u{{{:04x}}}", u32::from(c));
    }
}

/// [`escape`] for Nagios plugin output: also replaces `|`, which would
/// start performance data, with `¦`.
pub fn nagios(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '|' {
            out.push('¦');
        } else {
            push_escaped(&mut out, c);
        }
    }
    out
}

/// Escapes every string in `value` (keys too), except the values of keys
/// named in `keep` (our own multi-line text, such as PEM).
pub fn escape_json(value: &mut Value, keep: &[&str]) {
    match value {
        Value::String(s) => {
            if s.chars().any(is_unsafe) {
                *s = escape(s);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| escape_json(v, keep)),
        Value::Object(map) => {
            let unsafe_keys: Vec<String> = map
                .keys()
                .filter(|k| k.chars().any(is_unsafe))
                .cloned()
                .collect();
            for key in unsafe_keys {
                if let Some(v) = map.remove(&key) {
                    map.insert(escape(&key), v);
                }
            }
            for (key, v) in map.iter_mut() {
                if !keep.contains(&key.as_str()) {
                    escape_json(v, keep);
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HOSTILE: &str = "a\u{1b}[31mb\u{7}c\u{0}d\u{202e}e|f\r\ng\u{9b}h";

    #[test]
    fn controls_and_bidi_become_visible_escapes() {
        assert_eq!(
            escape(HOSTILE),
            "a\\x1b[31mb\\x07c\\x00d\\u{202e}e|f\\x0d\\x0ag\\x9bh"
        );
        assert_eq!(escape("mail.example.com äöü"), "mail.example.com äöü");
        assert_eq!(
            escape("\u{2066}\u{2069}\u{2028}"),
            "\\u{2066}\\u{2069}\\u{2028}"
        );
    }

    #[test]
    fn nagios_text_has_no_pipe_and_no_line_break() {
        let out = nagios(HOSTILE);
        assert!(!out.contains('|') && !out.contains('\n') && !out.contains('\r'));
        assert!(!out.chars().any(is_unsafe));
        assert!(out.contains("e¦f"));
    }

    #[test]
    fn every_json_string_is_escaped_except_kept_keys() {
        let mut v = json!({
            "subject": "CN=\u{1b}]0;x\u{7}",
            "list": ["\u{202e}"],
            "nested": { "k\u{0}": "v" },
            "pem": "line\nline\n",
            "n": 3
        });
        escape_json(&mut v, &["pem"]);
        assert_eq!(v["subject"], "CN=\\x1b]0;x\\x07");
        assert_eq!(v["list"][0], "\\u{202e}");
        assert_eq!(v["nested"]["k\\x00"], "v");
        assert_eq!(v["pem"], "line\nline\n");
        assert_eq!(v["n"], 3);
    }

    #[test]
    fn escaping_never_leaves_an_unsafe_character() {
        for c in (0u32..0x3000).filter_map(char::from_u32) {
            let s = format!("x{c}y");
            assert!(!escape(&s).chars().any(is_unsafe), "U+{:04X}", u32::from(c));
            assert!(!nagios(&s).contains('|'));
        }
    }
}
