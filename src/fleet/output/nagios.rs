//! Nagios/Icinga output for a run: one summary line ("3 CRITICAL, 1
//! WARNING, 96 OK") with bounded performance data (counts and the fewest
//! days left), then one long-output line a target. The summary must come
//! first, so the target lines wait until the run ends.

use std::io::{self, Write};

use super::{FleetRenderer, Tally, Verdict};
use crate::assess::assess_check;
use crate::fleet::TargetResult;
use crate::output::sanitize;
use crate::output::truncate_chars;
use crate::request::Request;

/// Longest long-output line for one target, in characters.
pub const MAX_LINE_CHARS: usize = 500;

/// The Nagios renderer.
#[derive(Debug, Default)]
pub struct Nagios {
    lines: Vec<String>,
}

/// One target's long-output line.
fn target_line(done: &TargetResult<'_>) -> String {
    let request = done.request;
    let verdict = Verdict::of(request, &done.result);
    let what = match &done.result {
        Err(failure) => format!("could not be checked: {failure}"),
        Ok(success) => {
            let assessment = assess_check(success, request.thresholds);
            match assessment.worst() {
                Some(worst) => worst.to_owned(),
                None => format!(
                    "certificate valid until {} ({} days)",
                    success.cert.leaf.not_after_rfc3339(),
                    success.cert.days_to_expiration
                ),
            }
        }
    };
    let line = format!(
        "{} {} port {} ({}): {what}",
        verdict.word(),
        request.host_shown(),
        request.port,
        request.protocol
    );
    truncate_chars(&sanitize::nagios(&line), MAX_LINE_CHARS)
}

impl FleetRenderer for Nagios {
    fn start(&mut self, _out: &mut dyn Write, requests: &[Request]) -> io::Result<()> {
        self.lines.reserve(requests.len());
        Ok(())
    }

    fn result(&mut self, _out: &mut dyn Write, done: &TargetResult<'_>) -> io::Result<()> {
        self.lines.push(target_line(done));
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write, tally: &Tally) -> io::Result<()> {
        let mut perf = format!(
            "targets={} ok={} warning={} critical={} unknown={}",
            tally.total(),
            tally.ok,
            tally.warning,
            tally.critical,
            tally.unknown
        );
        if let Some(days) = tally.min_days {
            perf.push_str(&format!(" min_days={days}"));
        }
        // One write for the whole output: a line-buffered stdout would
        // make a system call of every target's line.
        let mut text = format!(
            "STARTTLS-CERT {} - {} | {perf}\n",
            tally.worst().word(),
            tally.summary()
        );
        for line in &self.lines {
            text.push_str(line);
            text.push('\n');
        }
        out.write_all(text.as_bytes())
    }
}
