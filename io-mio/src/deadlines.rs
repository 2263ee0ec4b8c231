//! When each connection next needs attention: a min-heap of deadlines with
//! lazy cancellation, so re-arming and expiring cost O(log n) no matter how
//! many connections are open.
//!
//! Every arming gets a fresh sequence number that the connection slot keeps.
//! Re-arming a slot just pushes a new entry; the old one stays in the heap
//! but no longer matches the slot's number and is skipped when it surfaces.
//! The heap is rebuilt from live entries when stale ones pile up.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Instant;

/// A deadline armed for a slot: `at` is when, `seq` identifies the arming.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Armed {
    pub(crate) at: Instant,
    pub(crate) seq: u64,
}

/// Deadlines of all slots, earliest first.
#[derive(Debug, Default)]
pub(crate) struct Deadlines {
    heap: BinaryHeap<Reverse<(Instant, u64, usize)>>,
    next_seq: u64,
}

impl Deadlines {
    /// Arms a deadline at `at` for `slot`; the slot keeps the returned value
    /// and passes it back through `is_current` to say the entry is live.
    pub(crate) fn arm(&mut self, slot: usize, at: Instant) -> Armed {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Reverse((at, seq, slot)));
        Armed { at, seq }
    }

    /// The earliest live deadline, dropping stale entries on the way.
    pub(crate) fn next(&mut self, is_current: impl Fn(usize, u64) -> bool) -> Option<Instant> {
        while let Some(Reverse((at, seq, slot))) = self.heap.peek().copied() {
            if is_current(slot, seq) {
                return Some(at);
            }
            self.heap.pop();
        }
        None
    }

    /// Removes and returns a slot whose live deadline is at or before `now`.
    pub(crate) fn pop_expired(
        &mut self,
        now: Instant,
        is_current: impl Fn(usize, u64) -> bool,
    ) -> Option<usize> {
        let at = self.next(&is_current)?;
        if at > now {
            return None;
        }
        self.heap.pop().map(|Reverse((_, _, slot))| slot)
    }

    /// Drops stale entries when they outnumber `live` by far, so a
    /// long-running batch keeps the heap proportional to open connections.
    pub(crate) fn compact(&mut self, live: usize, is_current: impl Fn(usize, u64) -> bool) {
        if self.heap.len() > 2 * live + 64 {
            self.heap
                .retain(|Reverse((_, seq, slot))| is_current(*slot, *seq));
        }
    }

    /// Entries in the heap, live and stale.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rearming_hides_the_old_deadline() {
        let t0 = Instant::now();
        let mut d = Deadlines::default();
        let mut current = [None::<Armed>; 2];
        current[0] = Some(d.arm(0, t0 + Duration::from_secs(1)));
        current[1] = Some(d.arm(1, t0 + Duration::from_secs(2)));
        current[0] = Some(d.arm(0, t0 + Duration::from_secs(3)));
        let live = |c: &[Option<Armed>; 2]| {
            let c = *c;
            move |slot: usize, seq: u64| c[slot].is_some_and(|a| a.seq == seq)
        };
        assert_eq!(d.next(live(&current)), Some(t0 + Duration::from_secs(2)));
        assert_eq!(
            d.pop_expired(t0 + Duration::from_secs(1), live(&current)),
            None
        );
        assert_eq!(
            d.pop_expired(t0 + Duration::from_secs(5), live(&current)),
            Some(1)
        );
        current[1] = None;
        assert_eq!(
            d.pop_expired(t0 + Duration::from_secs(5), live(&current)),
            Some(0)
        );
        current[0] = None;
        assert_eq!(d.next(live(&current)), None);
    }

    #[test]
    fn compaction_keeps_only_live_entries() {
        let t0 = Instant::now();
        let mut d = Deadlines::default();
        let mut last = None;
        for i in 0..1000u64 {
            last = Some(d.arm(7, t0 + Duration::from_millis(i)));
        }
        let seq = last.map(|a| a.seq);
        d.compact(1, |_, s| Some(s) == seq);
        assert_eq!(d.len(), 1);
        assert_eq!(
            d.next(|_, s| Some(s) == seq),
            Some(t0 + Duration::from_millis(999))
        );
    }
}
