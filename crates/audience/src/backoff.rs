//! Waiting between reconnects: first retry after about a second, then 1.5x longer each time
//! with jitter, capped, so a platform outage is not hammered by every studio at once.

use std::time::Duration;

/// Reconnect timing.
#[derive(Clone, Debug)]
pub struct BackoffPolicy {
    /// The first wait.
    pub initial: Duration,
    /// The longest wait.
    pub max: Duration,
    /// Growth per failed attempt.
    pub factor: f64,
    /// Random spread, as a fraction of the wait (0.2 = ±20%).
    pub jitter: f64,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        BackoffPolicy { initial: Duration::from_millis(1500), max: Duration::from_secs(60), factor: 1.5, jitter: 0.2 }
    }
}

impl BackoffPolicy {
    /// Fast retries for tests on loopback.
    pub fn fast() -> BackoffPolicy {
        BackoffPolicy { initial: Duration::from_millis(50), max: Duration::from_millis(400), factor: 1.5, jitter: 0.1 }
    }
}

/// The running state of one connector's retries.
#[derive(Debug)]
pub struct Backoff {
    policy: BackoffPolicy,
    next: Duration,
    rng: u64,
}

impl Backoff {
    /// Starts at the policy's first wait.
    pub fn new(policy: BackoffPolicy) -> Backoff {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9);
        Backoff { next: policy.initial, policy, rng: seed | 1 }
    }

    /// The wait before the next attempt; each call lengthens the following one.
    pub fn next_delay(&mut self) -> Duration {
        let base = self.next;
        self.next = base.mul_f64(self.policy.factor).min(self.policy.max);
        // xorshift: jitter needs spread, not quality.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let unit = (self.rng >> 11) as f64 / (1u64 << 53) as f64; // 0..1
        let spread = 1.0 + self.policy.jitter * (unit * 2.0 - 1.0);
        base.mul_f64(spread.max(0.0)).min(self.policy.max)
    }

    /// Back to the first wait, after a connection that worked.
    pub fn reset(&mut self) {
        self.next = self.policy.initial;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_by_half_and_caps() {
        let policy =
            BackoffPolicy { initial: Duration::from_secs(1), max: Duration::from_secs(3), factor: 1.5, jitter: 0.0 };
        let mut backoff = Backoff::new(policy);
        let waits: Vec<_> = (0..5).map(|_| backoff.next_delay().as_millis()).collect();
        assert_eq!(waits, vec![1000, 1500, 2250, 3000, 3000]);
        backoff.reset();
        assert_eq!(backoff.next_delay().as_millis(), 1000);
    }

    #[test]
    fn jitter_stays_within_its_spread() {
        let mut backoff = Backoff::new(BackoffPolicy::default());
        for _ in 0..100 {
            backoff.reset();
            let wait = backoff.next_delay().as_millis();
            assert!((1200..=1800).contains(&wait), "{wait}");
        }
    }
}
