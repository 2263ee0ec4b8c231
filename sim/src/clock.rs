//! Virtual time: one real [`Instant`] taken once as the epoch, then only
//! exact [`Duration`]s added to it. Nothing here reads the clock again, so a
//! simulated run never sleeps and always sees the same times.

use std::time::{Duration, Instant};

/// A clock that moves only when told to.
#[derive(Clone, Copy, Debug)]
pub struct VirtualClock {
    epoch: Instant,
    elapsed: Duration,
}

impl VirtualClock {
    /// A clock starting at `epoch` (read the real clock once, pass it here).
    pub fn starting_at(epoch: Instant) -> Self {
        VirtualClock {
            epoch,
            elapsed: Duration::ZERO,
        }
    }

    /// The current virtual instant.
    pub fn now(&self) -> Instant {
        self.epoch + self.elapsed
    }

    /// The instant the clock started at.
    pub fn epoch(&self) -> Instant {
        self.epoch
    }

    /// Virtual time passed since the epoch.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&mut self, by: Duration) {
        self.elapsed += by;
    }

    /// Moves the clock to `at`; instants in the past leave it where it is
    /// (time never runs backwards).
    pub fn advance_to(&mut self, at: Instant) {
        let target = at.saturating_duration_since(self.epoch);
        if target > self.elapsed {
            self.elapsed = target;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_moves_only_forward_and_exactly() {
        let epoch = Instant::now();
        let mut clock = VirtualClock::starting_at(epoch);
        clock.advance(Duration::from_millis(1500));
        assert_eq!(clock.now(), epoch + Duration::from_millis(1500));
        clock.advance_to(epoch + Duration::from_secs(1));
        assert_eq!(
            clock.elapsed(),
            Duration::from_millis(1500),
            "no going back"
        );
        clock.advance_to(epoch + Duration::from_secs(7));
        assert_eq!(clock.elapsed(), Duration::from_secs(7));
    }
}
