//! Writing a run's results as they come: JSON Lines, a table with the
//! findings under it, Nagios output with a summary line first, or
//! Prometheus exposition text for the textfile collector. Each
//! renderer gets every target's result once, then the [`Tally`].

mod jsonl;
mod nagios;
mod prometheus;
mod table;
mod tally;

use std::io::{self, Write};

pub use jsonl::JsonLines;
pub use nagios::Nagios;
pub use prometheus::Prometheus;
pub use table::Table;
pub use tally::{Tally, Verdict};

use super::TargetResult;
use crate::args::Format;
use crate::request::Request;

/// A format for a run over many targets.
pub trait FleetRenderer {
    /// Called once before the first result, with every target.
    fn start(&mut self, out: &mut dyn Write, requests: &[Request]) -> io::Result<()>;
    /// Called once per target, as its result is ready.
    fn result(&mut self, out: &mut dyn Write, done: &TargetResult<'_>) -> io::Result<()>;
    /// Called once after the last result, with the counts.
    fn finish(&mut self, out: &mut dyn Write, tally: &Tally) -> io::Result<()>;
}

/// The renderer for `format`; `None` for the PRTG formats (a PRTG sensor
/// checks one server).
pub fn renderer(format: Format) -> Option<Box<dyn FleetRenderer>> {
    match format {
        Format::Json => Some(Box::new(JsonLines)),
        Format::Text => Some(Box::new(Table::default())),
        Format::Nagios => Some(Box::new(Nagios::default())),
        Format::Prometheus => Some(Box::new(Prometheus::default())),
        Format::Prtg | Format::PrtgV2 => None,
    }
}
