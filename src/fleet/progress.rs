//! Progress on a terminal: "checked 37/100, 2 not OK" on stderr, redrawn
//! in place at most ten times a second, cleared before results are written
//! to a terminal stdout and at the end. Off when stderr is not a terminal.

use std::io::Write;
use std::time::{Duration, Instant};

/// Shortest time between two redraws.
const EVERY: Duration = Duration::from_millis(100);

/// The progress line's state.
pub struct Progress<'a> {
    err: Option<&'a mut dyn Write>,
    total: usize,
    shown: bool,
    last: Option<Instant>,
}

impl<'a> Progress<'a> {
    /// Progress for `total` targets written to `err`, or none at all.
    pub fn new(err: Option<&'a mut dyn Write>, total: usize) -> Self {
        Progress {
            err,
            total,
            shown: false,
            last: None,
        }
    }

    /// Shows `checked` and `failed` so far (skipped if drawn very recently,
    /// unless this is the last target).
    pub fn update(&mut self, checked: usize, failed: usize) {
        let Some(err) = self.err.as_mut() else { return };
        let now = Instant::now();
        if checked < self.total && self.last.is_some_and(|t| now.duration_since(t) < EVERY) {
            return;
        }
        self.last = Some(now);
        let _ = write!(
            err,
            "\r\x1b[Kchecked {checked}/{}, {failed} not OK",
            self.total
        );
        let _ = err.flush();
        self.shown = true;
    }

    /// Removes the line (before stdout writes to the same terminal, and at
    /// the end).
    pub fn clear(&mut self) {
        if !self.shown {
            return;
        }
        if let Some(err) = self.err.as_mut() {
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
        }
        self.shown = false;
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_is_drawn_in_place_and_cleared() {
        let mut buf = Vec::new();
        {
            let mut p = Progress::new(Some(&mut buf), 2);
            p.update(1, 0);
            p.update(2, 1);
            p.clear();
        }
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(
            text,
            "\r\x1b[Kchecked 1/2, 0 not OK\r\x1b[Kchecked 2/2, 1 not OK\r\x1b[K"
        );
        let mut off = Progress::new(None, 2);
        off.update(1, 1);
        off.clear();
    }
}
