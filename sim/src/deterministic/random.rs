//! A `SecureRandom` that is not: SplitMix64 from a seed.

use std::fmt;
use std::sync::{Mutex, PoisonError};

use rustls::crypto::{GetRandomFailed, SecureRandom};

use crate::rng::SimRng;

/// rustls' source of random bytes, drawn from [`SimRng::fork`]`(seed,
/// stream)`: the same seed and stream give the same bytes in the same order.
/// Test-only: predictable by design.
pub struct SeededRandom {
    rng: Mutex<SimRng>,
}

impl SeededRandom {
    /// The bytes of `seed`'s stream number `stream`.
    pub fn new(seed: u64, stream: u64) -> Self {
        SeededRandom {
            rng: Mutex::new(SimRng::fork(seed, stream)),
        }
    }

    /// Starts `seed`'s stream number `stream` again, so a provider built
    /// once per process (a fuzz target's) can replay an input's bytes.
    pub fn reseed(&self, seed: u64, stream: u64) {
        *self.rng.lock().unwrap_or_else(PoisonError::into_inner) = SimRng::fork(seed, stream);
    }
}

impl SecureRandom for SeededRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        // A panic elsewhere cannot leave the state half-written.
        let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
        for chunk in buf.chunks_mut(8) {
            let bytes = rng.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

impl fmt::Debug for SeededRandom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SeededRandom")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_and_stream_give_the_same_bytes() {
        let draw = |seed, stream| {
            let mut buf = [0u8; 21];
            SeededRandom::new(seed, stream).fill(&mut buf).unwrap();
            buf
        };
        assert_eq!(draw(1, 1), draw(1, 1));
        assert_ne!(draw(1, 1), draw(1, 2));
        assert_ne!(draw(1, 1), draw(2, 1));
    }
}
