//! When an isolated input (a camera, a file, a feed, a sound source) is built again after it
//! failed or ended: after 1 s, then a wait that doubles up to 8 s, back to 1 s once it
//! delivers again.

use std::time::{Duration, Instant};

const FIRST_RETRY: Duration = Duration::from_secs(1);
const MAX_RETRY: Duration = Duration::from_secs(8);

pub(crate) struct Backoff {
    /// When the next build is due, if one is.
    at: Option<Instant>,
    delay: Duration,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff { at: None, delay: FIRST_RETRY }
    }
}

impl Backoff {
    /// A build after the current wait, and a longer wait for the one after.
    pub(crate) fn schedule(&mut self, now: Instant) {
        self.at = Some(now + self.delay);
        self.delay = (self.delay * 2).min(MAX_RETRY);
    }

    /// A build at once (a loop, another device), the wait left as it is.
    pub(crate) fn at_once(&mut self, now: Instant) {
        self.at = Some(now);
    }

    pub(crate) fn is_scheduled(&self) -> bool {
        self.at.is_some()
    }

    /// Whether a build is due at `now`; if so, it is taken.
    pub(crate) fn take_due(&mut self, now: Instant) -> bool {
        let due = self.at.is_some_and(|at| now >= at);
        if due {
            self.at = None;
        }
        due
    }

    /// The input delivers again: nothing is due, and the next failure waits the first wait.
    pub(crate) fn reset(&mut self) {
        *self = Backoff::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_eight_seconds_and_starts_again_at_one() {
        let start = Instant::now();
        let mut retry = Backoff::default();
        let mut waits = Vec::new();
        for _ in 0..5 {
            retry.schedule(start);
            assert!(!retry.take_due(start + Duration::from_millis(999)), "not due before its wait");
            let at = retry.at.expect("a build is due");
            waits.push((at - start).as_secs());
        }
        assert_eq!(waits, [1, 2, 4, 8, 8]);
        assert!(retry.take_due(start + Duration::from_secs(8)) && !retry.is_scheduled(), "taken once");
        retry.reset();
        retry.schedule(start);
        assert!(!retry.take_due(start) && retry.take_due(start + Duration::from_secs(1)));
    }
}
