//! The demo's table, one row a target written as its result comes (the
//! widths are fixed from the list before the first row), then what the
//! checks found and the counts.

use std::io::{self, Write};

use starttls_engine::Protocol;

use super::{FleetRenderer, Tally};
use crate::fleet::TargetResult;
use crate::output::sanitize::escape;
use crate::output::table::{cells, line, COLUMNS};
use crate::output::truncate_chars;
use crate::request::Request;

/// Widest host column; longer names are cut with an ellipsis.
pub const MAX_HOST_WIDTH: usize = 48;

/// The table renderer.
#[derive(Debug, Default)]
pub struct Table {
    widths: Vec<usize>,
    notes: Vec<String>,
}

impl FleetRenderer for Table {
    fn start(&mut self, out: &mut dyn Write, requests: &[Request]) -> io::Result<()> {
        let host = requests
            .iter()
            .map(|r| escape(&r.host_shown()).chars().count())
            .max()
            .unwrap_or(0)
            .clamp(4, MAX_HOST_WIDTH);
        let proto = Protocol::ALL
            .iter()
            .map(|p| p.name().chars().count())
            .max()
            .unwrap_or(0);
        // The widest value each column usually holds: a row with a wider
        // one just shifts, it is never cut.
        let fixed = [proto, 5, 8, 5, 5, 8, 17, 7, 11, 7, 8];
        self.widths = std::iter::once(host)
            .chain(COLUMNS.iter().zip(fixed).map(|(h, w)| h.len().max(w)))
            .collect();
        let mut header = vec!["host"];
        header.extend(COLUMNS);
        writeln!(out, "{}", line(&header, &self.widths))
    }

    fn result(&mut self, out: &mut dyn Write, done: &TargetResult<'_>) -> io::Result<()> {
        let (cells, note) = cells(done.request, &done.result);
        let host = truncate_chars(&escape(&done.request.host_shown()), MAX_HOST_WIDTH);
        if let Some(note) = note {
            self.notes
                .push(format!("{host} port {}: {note}", done.request.port));
        }
        let mut row = vec![host];
        row.extend(cells);
        writeln!(out, "{}", line(&row, &self.widths))
    }

    fn finish(&mut self, out: &mut dyn Write, tally: &Tally) -> io::Result<()> {
        if !self.notes.is_empty() {
            writeln!(out, "\nWhat the checks found:")?;
            for note in &self.notes {
                writeln!(out, "  {note}")?;
            }
        }
        writeln!(
            out,
            "\n{} servers checked: {}",
            tally.total(),
            tally.summary()
        )
    }
}
