//! When to try again: 5 s, doubling, capped at 10 minutes (what wvdial and
//! UMTSkeeper users converged on; connect_and_hilink.md §4.2).

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(Duration::from_secs(5), Duration::from_secs(600))
    }
}

impl Backoff {
    pub fn new(first: Duration, max: Duration) -> Backoff {
        Backoff {
            first,
            max,
            next: first,
        }
    }

    /// The wait before the next attempt; doubles each call.
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.max);
        d
    }

    /// A link that stayed up resets the schedule.
    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_to_the_cap_and_resets() {
        let mut b = Backoff::default();
        let s: Vec<u64> = (0..10).map(|_| b.next_delay().as_secs()).collect();
        assert_eq!(s, [5, 10, 20, 40, 80, 160, 320, 600, 600, 600]);
        b.reset();
        assert_eq!(b.next_delay().as_secs(), 5);
    }
}
