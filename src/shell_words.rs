//! Splitting an argument line the way a POSIX shell would, for PRTG's
//! Script v2 hand-over (the whole parameter line arrives on stdin).

use std::fmt;

/// Why a line could not be split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SplitError {
    /// A quote was opened and never closed.
    UnclosedQuote(char),
    /// The line ends in a lone backslash.
    TrailingBackslash,
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitError::UnclosedQuote(q) => {
                write!(f, "the parameter line has an unclosed {q} quote")
            }
            SplitError::TrailingBackslash => {
                write!(f, "the parameter line ends in a lone backslash")
            }
        }
    }
}

impl std::error::Error for SplitError {}

/// Splits `line` into words: whitespace separates words; single quotes keep
/// everything literally; double quotes keep everything but `\"`, `\\`, `\$`
/// and `` \` `` escapes; a backslash outside quotes escapes the next
/// character. No variables, globs or substitutions are expanded.
pub fn split(line: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(SplitError::UnclosedQuote('\'')),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(SplitError::UnclosedQuote('"')),
                        },
                        Some(c) => word.push(c),
                        None => return Err(SplitError::UnclosedQuote('"')),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') => {}
                    Some(c) => word.push(c),
                    None => return Err(SplitError::TrailingBackslash),
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(split("  a  b\tc\n").unwrap(), ["a", "b", "c"]);
        assert_eq!(
            split(r#"host 25 smtp --sni-domain "mail example""#).unwrap(),
            ["host", "25", "smtp", "--sni-domain", "mail example"]
        );
        assert_eq!(split(r"'a b'c d\ e").unwrap(), ["a bc", "d e"]);
        assert_eq!(split(r#""a \"q\" \n""#).unwrap(), [r#"a "q" \n"#]);
        assert_eq!(split("''").unwrap(), [""]);
        assert_eq!(
            split("--name-validation CN/SAN").unwrap(),
            ["--name-validation", "CN/SAN"]
        );
        assert!(split("").unwrap().is_empty());
    }

    #[test]
    fn broken_lines_are_errors() {
        assert_eq!(split("'abc"), Err(SplitError::UnclosedQuote('\'')));
        assert_eq!(split("\"abc"), Err(SplitError::UnclosedQuote('"')));
        assert_eq!(split("abc\\"), Err(SplitError::TrailingBackslash));
    }
}
