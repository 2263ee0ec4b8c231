//! rustls' wall clock, driven by the simulator's virtual time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rustls::time_provider::TimeProvider;
use rustls_pki_types::UnixTime;

/// Where a [`VirtualWallClock`] starts: 2030-01-01T00:00:00Z (seconds since
/// the Unix epoch), inside the test PKI's `Good` validity.
pub const WALL_CLOCK_START: u64 = 1_893_456_000;

/// A [`TimeProvider`] reading [`WALL_CLOCK_START`] plus the virtual time the
/// simulator has set, never the system clock.
#[derive(Debug, Default)]
pub struct VirtualWallClock {
    elapsed_micros: AtomicU64,
}

impl VirtualWallClock {
    /// A clock at [`WALL_CLOCK_START`].
    pub fn new() -> Self {
        VirtualWallClock::default()
    }

    /// Sets the time to [`WALL_CLOCK_START`] plus `elapsed`.
    pub fn set_elapsed(&self, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.elapsed_micros.store(micros, Ordering::Relaxed);
    }
}

impl TimeProvider for VirtualWallClock {
    fn current_time(&self) -> Option<UnixTime> {
        let elapsed = Duration::from_micros(self.elapsed_micros.load(Ordering::Relaxed));
        let start = Duration::from_secs(WALL_CLOCK_START);
        Some(UnixTime::since_unix_epoch(start.saturating_add(elapsed)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_only_when_set() {
        let clock = VirtualWallClock::new();
        let at = |c: &VirtualWallClock| c.current_time().unwrap().as_secs();
        assert_eq!(at(&clock), WALL_CLOCK_START);
        clock.set_elapsed(Duration::from_secs(90));
        assert_eq!(at(&clock), WALL_CLOCK_START + 90);
    }
}
