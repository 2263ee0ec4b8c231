//! JSON Lines: one document a target, the same schema as a single check's
//! `--format json`, each written as soon as it is ready.

use std::io::{self, Write};

use super::{FleetRenderer, Tally};
use crate::fleet::TargetResult;
use crate::request::Request;

/// The JSON Lines renderer.
#[derive(Debug, Default)]
pub struct JsonLines;

impl FleetRenderer for JsonLines {
    fn start(&mut self, _out: &mut dyn Write, _requests: &[Request]) -> io::Result<()> {
        Ok(())
    }

    fn result(&mut self, out: &mut dyn Write, done: &TargetResult<'_>) -> io::Result<()> {
        let (document, _) = crate::output::json::document(done.request, &done.result);
        serde_json::to_writer(&mut *out, &document).map_err(io::Error::other)?;
        out.write_all(b"\n")
    }

    fn finish(&mut self, _out: &mut dyn Write, _tally: &Tally) -> io::Result<()> {
        Ok(())
    }
}
