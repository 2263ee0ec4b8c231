//! `serve --targets FILE --interval DUR`: for people without a scrape
//! config per target. The list (the `--targets` syntax) is checked through
//! [`crate::fleet::run`] every interval, and `/metrics` serves the series of
//! the last complete run, each labelled with `target` and `protocol`, with
//! the time that run finished and how long it took: one scrape job, as for
//! node_exporter's textfile collector.

use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::fleet::{self, Fleet, FleetOptions, DEFAULT_CONCURRENCY};
use crate::output::prometheus::{Exposition, FamilyDef, Kind, Many, Probed};

/// The shortest `--interval`.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// The longest `--interval`: a week.
pub const MAX_INTERVAL: Duration = Duration::from_secs(7 * 24 * 3600);

const FAMILIES: &[FamilyDef] = &[
    FamilyDef {
        name: "starttls_cert_last_run_timestamp_seconds",
        help: "When the last complete run over the target list finished, Unix seconds.",
        kind: Kind::Gauge,
    },
    FamilyDef {
        name: "starttls_cert_last_run_duration_seconds",
        help: "How long the last complete run over the target list took.",
        kind: Kind::Gauge,
    },
    FamilyDef {
        name: "starttls_cert_last_run_targets",
        help: "Targets checked in the last complete run, by whether the check could be done.",
        kind: Kind::Gauge,
    },
];

/// Parses `--interval`: seconds, or a number with `s`, `m`, `h` or `d`
/// (`90`, `30s`, `5m`, `1h`), from 1 s to 7 days.
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    let bad = || format!("\"{text}\" is not an interval like 30s, 5m or 1h (from 1s to 7d)");
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let n: u64 = number.parse().map_err(|_| bad())?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    let interval = Duration::from_secs(n.checked_mul(scale).ok_or_else(bad)?);
    if !(MIN_INTERVAL..=MAX_INTERVAL).contains(&interval) {
        return Err(bad());
    }
    Ok(interval)
}

/// The list, loaded once at start, and the last complete run's text.
#[derive(Debug)]
pub struct ListRuns {
    fleet: Fleet,
    interval: Duration,
    /// The exposition of the last complete run; `None` until the first ends.
    last: RwLock<Option<Arc<str>>>,
}

impl ListRuns {
    /// Reads and checks the list at `path` (every line must be good, as
    /// for `--targets`; their trust stores load once, here).
    pub fn load(path: &Path, interval: Duration) -> Result<ListRuns, String> {
        let bytes = crate::trust::read_regular_file(path, fleet::targets::MAX_LIST_BYTES)
            .map_err(|e| format!("cannot read the target list {}: {e}", path.display()))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("the target list {} is not UTF-8 text", path.display()))?;
        let hello = crate::hostname::local();
        let fleet = fleet::targets::parse_numbered(&text, &[], &hello)
            .and_then(|(requests, lines)| Fleet::new(requests, &lines))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(ListRuns {
            fleet,
            interval,
            last: RwLock::new(None),
        })
    }

    /// How many targets the list has.
    pub fn len(&self) -> usize {
        self.fleet.requests().len()
    }

    /// Whether the list has no target.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The last complete run's exposition, if a run has finished.
    pub fn last(&self) -> Option<Arc<str>> {
        self.last.read().ok().and_then(|last| last.clone())
    }

    /// Checks every target once and keeps the run's exposition as the
    /// latest.
    pub fn run_once(&self) {
        let started = Instant::now();
        let wanted = DEFAULT_CONCURRENCY.min(self.len().max(1));
        let options = FleetOptions {
            concurrency: fleet::open_files::probe_budget(wanted).max(1),
            ..FleetOptions::default()
        };
        let mut many = Many::new();
        let (mut ok, mut failed) = (0u64, 0u64);
        fleet::run(&self.fleet, &options, |done| {
            if done.result.is_ok() {
                ok += 1;
            } else {
                failed += 1;
            }
            many.add(&Probed {
                request: done.request,
                result: &done.result,
                duration: done.duration,
            });
        });
        let took = started.elapsed();
        let finished = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let mut run = Exposition::new(FAMILIES);
        run.sample(
            "starttls_cert_last_run_timestamp_seconds",
            &[],
            &[],
            finished.as_secs_f64().round(),
        );
        run.sample(
            "starttls_cert_last_run_duration_seconds",
            &[],
            &[],
            (took.as_secs_f64() * 1000.0).round() / 1000.0,
        );
        let targets = "starttls_cert_last_run_targets";
        run.sample(targets, &[], &[("result", "success")], ok as f64);
        run.sample(targets, &[], &[("result", "failure")], failed as f64);
        let text: Arc<str> = format!("{}{}", run.finish(), many.finish()).into();
        if let Ok(mut last) = self.last.write() {
            *last = Some(text);
        }
    }

    /// Runs the list now and then every interval (measured from one run's
    /// start to the next; a run longer than the interval is followed by
    /// the next at once), for ever.
    pub fn keep_running(&self) -> ! {
        loop {
            let started = Instant::now();
            self.run_once();
            std::thread::sleep(self.interval.saturating_sub(started.elapsed()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_take_a_unit_and_stay_in_range() {
        assert_eq!(parse_interval("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_interval("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_interval("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_interval("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_interval("7d"), Ok(MAX_INTERVAL));
        for bad in [
            "",
            "0",
            "0s",
            "8d",
            "5x",
            "m",
            "-5m",
            "1.5m",
            "99999999999999999999d",
        ] {
            assert!(parse_interval(bad).is_err(), "{bad}");
        }
    }
}
