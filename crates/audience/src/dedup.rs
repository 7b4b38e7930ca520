//! Dropping events seen before, in bounded memory.
//!
//! Platforms replay (Twitch EventSub delivers twice, a reconnect re-reads a YouTube page, a
//! bridge sender retries a POST). The last `capacity` ids are remembered in a ring plus a set,
//! so memory stays flat however long the show runs.

use std::collections::{HashSet, VecDeque};

/// The ids of recent events.
#[derive(Debug)]
pub struct RecentIds {
    capacity: usize,
    order: VecDeque<String>,
    seen: HashSet<String>,
}

impl RecentIds {
    /// Remembers up to `capacity` ids (at least one).
    pub fn new(capacity: usize) -> RecentIds {
        let capacity = capacity.max(1);
        RecentIds { capacity, order: VecDeque::with_capacity(capacity), seen: HashSet::with_capacity(capacity) }
    }

    /// True the first time `id` is offered (and remembers it); false for a repeat.
    pub fn first_time(&mut self, id: &str) -> bool {
        if self.seen.contains(id) {
            return false;
        }
        if self.order.len() == self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.seen.remove(&oldest);
            }
        }
        self.order.push_back(id.to_owned());
        self.seen.insert(id.to_owned());
        true
    }

    /// How many ids are remembered now.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_repeats_and_forgets_the_oldest() {
        let mut ids = RecentIds::new(3);
        assert!(ids.first_time("a"));
        assert!(!ids.first_time("a"));
        assert!(ids.first_time("b"));
        assert!(ids.first_time("c"));
        assert!(ids.first_time("d"));
        assert_eq!(ids.len(), 3);
        assert!(ids.first_time("a"), "a was forgotten after 3 newer ids");
        assert!(!ids.first_time("d"));
    }
}
