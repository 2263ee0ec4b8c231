//! Handing results out in the order of the list or as they finish: a
//! result that finishes before an earlier target waits in a small buffer
//! that holds only such results.

use std::collections::BTreeMap;

use crate::args::Order;

/// Puts results in the order asked for and passes each on when its turn
/// comes.
#[derive(Debug)]
pub struct Sequencer<T> {
    order: Order,
    /// The index whose turn it is (input order).
    next: usize,
    /// Results that finished before their turn.
    held: BTreeMap<usize, T>,
}

impl<T> Sequencer<T> {
    /// A sequencer for `order`, starting at index 0.
    pub fn new(order: Order) -> Self {
        Sequencer {
            order,
            next: 0,
            held: BTreeMap::new(),
        }
    }

    /// Takes the result of target `index` and passes on every result whose
    /// turn has come.
    pub fn push(&mut self, index: usize, item: T, out: &mut dyn FnMut(usize, T)) {
        if self.order == Order::Completion {
            return out(index, item);
        }
        if index != self.next {
            self.held.insert(index, item);
            return;
        }
        out(index, item);
        self.next += 1;
        while let Some(item) = self.held.remove(&self.next) {
            out(self.next, item);
            self.next += 1;
        }
    }

    /// How many results wait for an earlier one.
    pub fn held(&self) -> usize {
        self.held.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_order_holds_only_what_finished_early() {
        let mut seq = Sequencer::new(Order::Input);
        let mut out = Vec::new();
        for i in [2, 0, 3, 1, 4] {
            seq.push(i, i * 10, &mut |i, v| out.push((i, v)));
            if i == 3 {
                assert_eq!(seq.held(), 2);
            }
        }
        assert_eq!(out, [(0, 0), (1, 10), (2, 20), (3, 30), (4, 40)]);
        assert_eq!(seq.held(), 0);
    }

    #[test]
    fn completion_order_passes_everything_at_once() {
        let mut seq = Sequencer::new(Order::Completion);
        let mut out = Vec::new();
        for i in [2, 0, 1] {
            seq.push(i, (), &mut |i, ()| out.push(i));
        }
        assert_eq!(out, [2, 0, 1]);
    }
}
