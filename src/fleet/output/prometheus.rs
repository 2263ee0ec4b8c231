//! Prometheus exposition text for a run over many targets, for
//! node_exporter's textfile collector: every series carries `target` and
//! `protocol` labels, and the whole text is written once the last target is
//! done (a family's samples must be together; write it to the collector's
//! directory with `--output FILE`, which renames it into place atomically).

use std::io::{self, Write};

use super::{FleetRenderer, Tally};
use crate::fleet::TargetResult;
use crate::output::prometheus::{Many, Probed};
use crate::request::Request;

/// The Prometheus renderer: keeps the exposition text, not the reports.
#[derive(Debug, Default)]
pub struct Prometheus {
    many: Option<Many>,
}

impl FleetRenderer for Prometheus {
    fn start(&mut self, _out: &mut dyn Write, _requests: &[Request]) -> io::Result<()> {
        self.many = Some(Many::new());
        Ok(())
    }

    fn result(&mut self, _out: &mut dyn Write, done: &TargetResult<'_>) -> io::Result<()> {
        self.many.get_or_insert_with(Many::new).add(&Probed {
            request: done.request,
            result: &done.result,
            duration: done.duration,
        });
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write, _tally: &Tally) -> io::Result<()> {
        let many = self.many.take().unwrap_or_default();
        out.write_all(many.finish().as_bytes())
    }
}
