//! The shape of one check on the wire: how many bytes each side sends in
//! each round trip. Recorded from the engine's probe talking to the
//! benchmark script in memory, it lets the wire floor (`wire.rs`,
//! `replay.rs`) move exactly the same bytes over loopback TCP with none of
//! the TLS work.

use std::fmt;

/// Bytes per direction and round trip of one check.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    /// Bytes the server sends before the client says anything (the SMTP
    /// greeting; 0 for LDAP, where the client speaks first).
    pub greeting: usize,
    /// The round trips that follow, in order: the client sends `.0` bytes
    /// and the server answers with `.1` bytes once it has them all. The
    /// server closes the connection after the last answer.
    pub rounds: Vec<(usize, usize)>,
}

/// The most bytes one flight may have: a check never sends more than a few
/// kilobytes at a time, so anything larger is a typo.
const MAX_FLIGHT: usize = 1 << 20;

impl Transcript {
    /// Bytes the client sends and bytes the server sends, in all.
    pub fn totals(&self) -> (usize, usize) {
        let client = self.rounds.iter().map(|r| r.0).sum();
        let server = self.greeting + self.rounds.iter().map(|r| r.1).sum::<usize>();
        (client, server)
    }

    /// The command-line form, `GREETING/C:S,C:S,…` (e.g. `31/16:55,10:30`).
    pub fn to_arg(&self) -> String {
        let rounds: Vec<String> = self
            .rounds
            .iter()
            .map(|(c, s)| format!("{c}:{s}"))
            .collect();
        format!("{}/{}", self.greeting, rounds.join(","))
    }

    /// Parses [`Transcript::to_arg`]'s form. Every flight of a round must
    /// carry at least one byte, and there must be at least one round.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad =
            |why: &str| format!("bad transcript {text:?}: {why} (expected GREETING/C:S,C:S,...)");
        let (greeting, rounds) = text.split_once('/').ok_or_else(|| bad("no '/'"))?;
        let size = |n: &str| -> Result<usize, String> {
            let n: usize = n
                .trim()
                .parse()
                .map_err(|_| bad(&format!("{n:?} is not a byte count")))?;
            if n > MAX_FLIGHT {
                return Err(bad(&format!("{n} bytes is more than one check sends")));
            }
            Ok(n)
        };
        let greeting = size(greeting)?;
        let rounds = rounds
            .split(',')
            .map(|round| {
                let (c, s) = round
                    .split_once(':')
                    .ok_or_else(|| bad(&format!("round {round:?} has no ':'")))?;
                let (c, s) = (size(c)?, size(s)?);
                if c == 0 || s == 0 {
                    return Err(bad(&format!("round {round:?} has an empty flight")));
                }
                Ok((c, s))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Transcript { greeting, rounds })
    }
}

impl fmt::Display for Transcript {
    /// `greeting 31 B, then 16→55, 10→30 B (26 B from the client, 116 B from
    /// the server)`: client→server bytes per round trip, then the totals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.greeting > 0 {
            write!(f, "greeting {} B, then ", self.greeting)?;
        }
        let rounds: Vec<String> = self
            .rounds
            .iter()
            .map(|(c, s)| format!("{c}\u{2192}{s}"))
            .collect();
        let (client, server) = self.totals();
        write!(
            f,
            "{} B ({client} B from the client, {server} B from the server)",
            rounds.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_argument_form() {
        let t = Transcript {
            greeting: 31,
            rounds: vec![(16, 55), (10, 30), (216, 668)],
        };
        assert_eq!(t.to_arg(), "31/16:55,10:30,216:668");
        assert_eq!(Transcript::parse(&t.to_arg()), Ok(t.clone()));
        assert_eq!(t.totals(), (242, 784));
        assert_eq!(
            t.to_string(),
            "greeting 31 B, then 16→55, 10→30, 216→668 B (242 B from the client, 784 B from the server)"
        );
    }

    #[test]
    fn malformed_transcripts_are_refused_with_the_reason() {
        for (text, why) in [
            ("31", "no '/'"),
            ("31/16", "has no ':'"),
            ("x/16:5", "is not a byte count"),
            ("0/16:0", "empty flight"),
            ("0/", "has no ':'"),
            ("0/99999999:1", "more than one check sends"),
        ] {
            let e = Transcript::parse(text).unwrap_err();
            assert!(e.contains(why), "{text}: {e}");
        }
    }
}
