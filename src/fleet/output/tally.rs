//! Counting a run's verdicts: how many OK, warning, critical, and how many
//! could not be checked; the exit code is the worst.

use crate::assess::{assess_check, Status};
use crate::output::EXIT_UNKNOWN;
use crate::request::Request;
use crate::run::{Failure, Success};

/// One target's verdict, ordered from best to worst: a check that could
/// not be done is worse than a warning, a certificate known to be broken
/// is worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Nothing to act on.
    Ok,
    /// Something to act on soon.
    Warning,
    /// The check could not be done.
    Unknown,
    /// Broken now or very soon.
    Critical,
}

impl Verdict {
    /// The verdict of one result.
    pub fn of(request: &Request, result: &Result<Success, Failure>) -> Verdict {
        match result {
            Err(_) => Verdict::Unknown,
            Ok(s) => match assess_check(s, request.thresholds).status {
                Status::Ok => Verdict::Ok,
                Status::Warning => Verdict::Warning,
                Status::Critical => Verdict::Critical,
            },
        }
    }

    /// `OK`, `WARNING`, `UNKNOWN`, `CRITICAL` (Nagios words).
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Ok => "OK",
            Verdict::Warning => "WARNING",
            Verdict::Unknown => "UNKNOWN",
            Verdict::Critical => "CRITICAL",
        }
    }

    /// The Nagios plugin exit code.
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Ok => 0,
            Verdict::Warning => 1,
            Verdict::Critical => 2,
            Verdict::Unknown => EXIT_UNKNOWN,
        }
    }
}

/// The counts of a run so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Targets with nothing to act on.
    pub ok: usize,
    /// Targets with a warning.
    pub warning: usize,
    /// Targets with a critical finding.
    pub critical: usize,
    /// Targets that could not be checked.
    pub unknown: usize,
    /// The fewest days to expiry of any leaf checked.
    pub min_days: Option<i64>,
}

impl Tally {
    /// Counts one result.
    pub fn add(&mut self, request: &Request, result: &Result<Success, Failure>) -> Verdict {
        let verdict = Verdict::of(request, result);
        match verdict {
            Verdict::Ok => self.ok += 1,
            Verdict::Warning => self.warning += 1,
            Verdict::Unknown => self.unknown += 1,
            Verdict::Critical => self.critical += 1,
        }
        if let Ok(s) = result {
            let days = s.cert.days_to_expiration;
            self.min_days = Some(self.min_days.map_or(days, |d| d.min(days)));
        }
        verdict
    }

    /// Every target counted.
    pub fn total(&self) -> usize {
        self.ok + self.warning + self.critical + self.unknown
    }

    /// Targets that were not OK.
    pub fn failed(&self) -> usize {
        self.total() - self.ok
    }

    /// The worst verdict counted (OK for none).
    pub fn worst(&self) -> Verdict {
        if self.critical > 0 {
            Verdict::Critical
        } else if self.unknown > 0 {
            Verdict::Unknown
        } else if self.warning > 0 {
            Verdict::Warning
        } else {
            Verdict::Ok
        }
    }

    /// "3 CRITICAL, 1 WARNING, 2 UNKNOWN, 94 OK": the counts that are not
    /// zero, worst first (OK always).
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        for (n, word) in [
            (self.critical, "CRITICAL"),
            (self.warning, "WARNING"),
            (self.unknown, "UNKNOWN"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {word}"));
            }
        }
        parts.push(format!("{} OK", self.ok));
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_verdict_decides_and_the_summary_leads_with_it() {
        let mut t = Tally::default();
        assert_eq!((t.worst(), t.summary()), (Verdict::Ok, "0 OK".to_owned()));
        t.ok = 96;
        t.warning = 1;
        assert_eq!(t.worst().exit_code(), 1);
        t.unknown = 2;
        assert_eq!(t.worst(), Verdict::Unknown);
        t.critical = 3;
        assert_eq!(t.worst().exit_code(), 2);
        assert_eq!(t.summary(), "3 CRITICAL, 1 WARNING, 2 UNKNOWN, 96 OK");
        assert_eq!((t.total(), t.failed()), (102, 6));
    }
}
