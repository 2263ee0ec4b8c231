//! A tiny seeded PRNG (SplitMix64): every random choice of the simulator
//! comes from here, so the same seed gives the same run.

use std::time::Duration;

/// SplitMix64 (Steele, Lea, Flood 2014; the seeding generator of
/// xoshiro). Not cryptographic; fast, tiny and good enough for choosing
/// split points and delays.
#[derive(Clone, Debug)]
pub struct SimRng {
    state: u64,
}

impl SimRng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        SimRng { state: seed }
    }

    /// An independent generator derived from this seed and a stream number,
    /// so one part of a run (say, the pieces of the 5th server segment)
    /// draws the same numbers whatever the other parts drew.
    pub fn fork(seed: u64, stream: u64) -> Self {
        let mut mixer = SimRng::new(seed ^ stream.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        SimRng::new(mixer.next_u64())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi` (`lo` when `hi < lo`).
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        let span = hi - lo;
        if span == u64::MAX {
            return self.next_u64();
        }
        lo + self.next_u64() % (span + 1)
    }

    /// A duration in `lo..=hi`, to the microsecond.
    pub fn duration_between(&mut self, lo: Duration, hi: Duration) -> Duration {
        let lo_us = u64::try_from(lo.as_micros()).unwrap_or(u64::MAX);
        let hi_us = u64::try_from(hi.as_micros()).unwrap_or(u64::MAX);
        Duration::from_micros(self.between(lo_us, hi_us))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers_and_forks_are_independent() {
        let a: Vec<u64> = (0..5)
            .map({
                let mut r = SimRng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..5)
            .map({
                let mut r = SimRng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(SimRng::fork(7, 1).next_u64(), SimRng::fork(7, 2).next_u64());
        let mut r = SimRng::new(1);
        for _ in 0..1000 {
            let n = r.between(3, 9);
            assert!((3..=9).contains(&n));
        }
        assert_eq!(r.between(5, 5), 5);
        assert_eq!(r.between(5, 1), 5);
    }
}
