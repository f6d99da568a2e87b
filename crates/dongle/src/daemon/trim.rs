//! Give memory the daemon freed back to the kernel.
//!
//! glibc's allocator keeps one arena per thread and rarely returns what is
//! freed in them. The daemon runs a thread per modem; when 32 of them start
//! together the provider database is parsed (a few MB of XML tree, freed a
//! moment later) and those pages would stay resident for the daemon's whole
//! life. `malloc_trim(0)` walks every arena and releases free pages. musl
//! (the static router build) has no such arenas: nothing to do there.
//!
//! The daemon also keeps the number of arenas small ([`few_arenas`]): memory
//! left in many arenas' partly used pages cannot be trimmed at all.
//!
//! With `sigpipe.rs`, one of the binary's two small `unsafe` modules.

use std::time::{Duration, Instant};

/// How long the fleet must be still before freed memory is given back: a
/// replug is a burst (a worker stops, the slot goes, a new one starts and
/// connects); trimming in its middle would only be undone.
const QUIET: Duration = Duration::from_secs(1);

/// Gives memory back once after each burst of slots and workers coming and
/// going, [`QUIET`] after it ends.
#[derive(Debug)]
pub struct AfterChurn {
    seen: u64,
    changed: Instant,
    trimmed: u64,
}

impl Default for AfterChurn {
    fn default() -> AfterChurn {
        AfterChurn {
            seen: 0,
            changed: Instant::now(),
            trimmed: 0,
        }
    }
}

impl AfterChurn {
    /// Called on every pass of the daemon's loop with the fleet's churn count.
    /// `true` when it trimmed.
    pub fn after(&mut self, churn: u64) -> bool {
        let due = self.due(churn, Instant::now());
        if due {
            release_free_memory();
        }
        due
    }

    fn due(&mut self, churn: u64, now: Instant) -> bool {
        if churn != self.seen {
            self.seen = churn;
            self.changed = now;
        }
        if self.seen == self.trimmed || now.duration_since(self.changed) < QUIET {
            return false;
        }
        self.trimmed = self.seen;
        true
    }
}

/// Arenas the allocator may use. glibc's default (8 per core) gives each of
/// the daemon's many mostly idle threads its own arena, and a replug leaves
/// every arena a connecting worker touched with partly used pages that no
/// trim can release: 32 sticks grew from 12 to 18 MB over 15 replugs (33 MB
/// between a replug and the trim), and stayed at 10 MB with two arenas. The
/// threads wait on ports and sockets; they hardly contend for the allocator.
const ARENAS: i32 = 2;

/// Limit the allocator's arenas to [`ARENAS`]; call before the threads start.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn few_arenas() {
    // SAFETY: mallopt only sets a tunable of the allocator under its own
    // lock; no pointers cross. An unknown parameter is refused (returns 0).
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn few_arenas() {
    let _ = ARENAS;
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_free_memory() {
    // SAFETY: malloc_trim only inspects and shrinks the allocator's own free
    // lists under its internal locks; it takes no pointers from us.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_memory() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_per_burst_when_it_has_ended() {
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let mut t = AfterChurn {
            seen: 0,
            changed: t0,
            trimmed: 0,
        };
        assert!(!t.due(0, at(5000)), "nothing came or went");
        // A replug: slot gone, new slot, 300 ms apart.
        assert!(!t.due(1, at(6000)));
        assert!(!t.due(2, at(6300)));
        assert!(
            !t.due(2, at(7200)),
            "still within a second of the last change"
        );
        assert!(t.due(2, at(7300)));
        assert!(!t.due(2, at(9000)), "once per burst");
        assert!(!t.due(3, at(9500)));
        assert!(t.due(3, at(10500)), "the next burst");
    }
}
