//! A fleet watches its ports' opens and closes with one inotify instance (the default limit
//! is 128 per user, fewer than 32 three-port sticks need one each), and every event still
//! reaches the right port. Alone in its binary: it counts this process's inotify instances.
mod common;

use std::time::Duration;

use common::{open, scenario, ReadEnd};
use dongle_sim::Fleet;

fn inotify_instances() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .flatten()
        .filter(|e| {
            std::fs::read_link(e.path())
                .map(|l| l.to_string_lossy().contains("inotify"))
                .unwrap_or(false)
        })
        .count()
}

#[test]
fn one_watcher_for_the_fleet_and_events_reach_the_right_port() {
    let t = tempfile::tempdir().expect("tempdir");
    let before = inotify_instances();
    let fleet = Fleet::start(
        "e3372",
        8,
        t.path(),
        scenario("echo = false\n[urc]\nboot = true\n"),
    )
    .expect("start");
    assert_eq!(inotify_instances() - before, 1, "16 ports, one instance");

    // First open of stick 6's PCUI port: its own boot message (^SYSSTART on this firmware).
    let pcui = |i: usize| fleet.modem(i).expect("modem").ports[1].path.clone();
    let modem_port = |i: usize| fleet.modem(i).expect("modem").ports[0].path.clone();
    let c = open(&pcui(5));
    let (got, end) = c.read_until("^SYSSTART", Duration::from_secs(2));
    assert!(matches!(end, ReadEnd::Found), "{got:?}");

    // Two calls; closing stick 5's modem port ends its call (DTR drop on close), stick 4's
    // stays up while its port is open.
    let keep = open(&modem_port(3));
    assert!(keep.at("ATD*99#").contains("CONNECT"));
    {
        let drop_me = open(&modem_port(4));
        assert!(drop_me.at("ATD*99#").contains("CONNECT"));
    }
    std::thread::sleep(Duration::from_millis(200));
    let in_call = |i: usize| {
        fleet
            .with_modem(i, |m| m.in_data_mode(0))
            .expect("index")
            .expect("plugged")
    };
    assert!(!in_call(4), "stick 5's close was not seen");
    assert!(in_call(3), "stick 4's call ended although its port is open");

    // Replugged: watched again by the same instance, and booting again on first open.
    drop(c);
    fleet.unplug(5).expect("unplug");
    fleet.replug(5).expect("replug");
    assert_eq!(inotify_instances() - before, 1);
    let c = open(&pcui(5));
    let (got, end) = c.read_until("^SYSSTART", Duration::from_secs(2));
    assert!(matches!(end, ReadEnd::Found), "{got:?}");

    drop(fleet);
    assert_eq!(
        inotify_instances(),
        before,
        "the watcher is closed with the fleet"
    );
}
