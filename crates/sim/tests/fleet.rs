//! A fleet: many sticks in one tree, each with its own ports and identity, unplugged and
//! replugged one at a time while the others keep answering.
mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::{open, ReadEnd};
use dongle_sim::{luhn_valid, Fleet, PortFunction, Scenario, SimError};

fn read(p: PathBuf) -> String {
    std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .trim_end()
        .to_string()
}

fn pcui(fleet: &Fleet, i: usize) -> PathBuf {
    let m = fleet.modem(i).expect("modem");
    m.ports
        .iter()
        .find(|p| p.function == PortFunction::Pcui)
        .expect("a PCUI port")
        .path
        .clone()
}

#[test]
fn twelve_sticks_have_their_own_paths_ports_and_identities() {
    let t = tempfile::tempdir().expect("tempdir");
    let fleet = Fleet::start("e3372", 12, t.path(), Scenario::default()).expect("start");
    assert_eq!(fleet.len(), 12);
    let devices = fleet.sysfs_root().join("bus/usb/devices");
    let modems = fleet.modems();
    let mut devnums = Vec::new();
    for (i, m) in modems.iter().enumerate() {
        // Two-digit port numbers (1-1.10…) as well as one-digit ones.
        assert_eq!(m.usb_path, format!("1-1.{}", i + 1));
        let d = devices.join(&m.usb_path);
        assert_eq!(read(d.join("idProduct")), "1506");
        assert_eq!(read(d.join("devpath")), format!("1.{}", i + 1));
        devnums.push(read(d.join("devnum")));
        // The kernel numbers ttys and net interfaces host-wide: stick i has ttyUSB2i, 2i+1.
        let ttys: Vec<_> = m.ports.iter().map(|p| p.tty.clone()).collect();
        assert_eq!(
            ttys,
            [format!("ttyUSB{}", 2 * i), format!("ttyUSB{}", 2 * i + 1)]
        );
        let iface = devices.join(format!("{}:1.1", m.usb_path));
        assert!(iface.join(&ttys[1]).join("tty").join(&ttys[1]).is_dir());
        let net = m.net.clone().expect("e3372 has NCM");
        assert_eq!(net, format!("wwan{i}"));
        assert!(devices
            .join(format!("{}:1.2/net/{net}", m.usb_path))
            .is_dir());
        assert!(devices
            .join(format!("{}:1.2/usbmisc/cdc-wdm{i}", m.usb_path))
            .is_dir());
        for p in &m.ports {
            assert_eq!(p.path, fleet.dev_root().join(&p.tty));
            assert_eq!(std::fs::read_link(&p.path).expect("dev link"), p.pts);
        }
        assert!(luhn_valid(&m.imei) && luhn_valid(&m.iccid), "{m:?}");
    }
    let distinct = |f: fn(&dongle_sim::FleetModem) -> String| {
        let mut v: Vec<String> = modems.iter().map(f).collect();
        v.sort();
        v.dedup();
        v.len()
    };
    assert_eq!(distinct(|m| m.imei.clone()), 12);
    assert_eq!(distinct(|m| m.iccid.clone()), 12);
    assert_eq!(distinct(|m| m.serial.clone().unwrap_or_default()), 12);
    assert_eq!(distinct(|m| m.ports[0].pts.display().to_string()), 12);
    devnums.sort();
    devnums.dedup();
    assert_eq!(devnums.len(), 12, "devnum is unique on a bus");
    let macs: std::collections::BTreeSet<_> = modems
        .iter()
        .map(|m| {
            read(devices.join(format!(
                "{}:1.2/net/{}/address",
                m.usb_path,
                m.net.as_deref().unwrap_or_default()
            )))
        })
        .collect();
    assert_eq!(macs.len(), 12);

    // Each stick's firmware answers with its own IMEI, on its own port.
    for i in [0, 9, 11] {
        let c = open(&pcui(&fleet, i));
        let reply = c.at("AT+CGSN");
        assert!(reply.contains(&modems[i].imei), "modem {i}: {reply:?}");
        assert!(reply.contains("OK"), "{reply:?}");
    }
    assert!(fleet.transcript(9).expect("transcript")[0].starts_with("ttyUSB19: "));
}

#[test]
fn unplug_and_replug_one_while_the_others_answer() {
    let t = tempfile::tempdir().expect("tempdir");
    let fleet = Fleet::start("e3372", 3, t.path(), Scenario::default()).expect("start");
    let devices = fleet.sysfs_root().join("bus/usb/devices");
    let before = fleet.modem(1).expect("modem 1");
    let devnum_before = read(devices.join("1-1.2/devnum"));

    let held = open(&pcui(&fleet, 1));
    assert!(held.at("AT").contains("OK"));
    let neighbour = open(&pcui(&fleet, 2));

    fleet.unplug(1).expect("unplug");
    assert!(!fleet.plugged(1).expect("index"));
    // The open port reads EOF/EIO, as a vanished ttyUSB does.
    let (_, end) = held.read_until("never", Duration::from_secs(2));
    assert!(matches!(end, ReadEnd::Gone), "{end:?}");
    assert!(!devices.join("1-1.2").exists());
    assert!(!devices.join("1-1.2:1.1").exists());
    for p in &before.ports {
        assert!(std::fs::symlink_metadata(&p.path).is_err(), "{p:?} left");
    }
    // The neighbours are untouched.
    assert!(devices.join("1-1.1").is_dir() && devices.join("1-1.3").is_dir());
    assert!(neighbour.at("AT").contains("OK"));
    // Twice is harmless.
    fleet.unplug(1).expect("second unplug");

    fleet.replug(1).expect("replug");
    let after = fleet.modem(1).expect("modem 1");
    assert!(after.plugged);
    assert_eq!(after.usb_path, before.usb_path);
    assert_eq!(after.imei, before.imei);
    let names =
        |m: &dongle_sim::FleetModem| m.ports.iter().map(|p| p.tty.clone()).collect::<Vec<_>>();
    assert_eq!(names(&after), names(&before));
    assert_ne!(
        read(devices.join("1-1.2/devnum")),
        devnum_before,
        "a re-enumerated device gets a new address"
    );
    let c = open(&pcui(&fleet, 1));
    let reply = c.at("AT+CGSN");
    assert!(reply.contains(&before.imei), "{reply:?}");
    assert!(neighbour.at("AT").contains("OK"));

    assert!(matches!(
        fleet.unplug(3),
        Err(SimError::NoSuchModem { index: 3, count: 3 })
    ));
    let root = fleet.sysfs_root();
    let dev = fleet.dev_root();
    drop(fleet);
    let left: Vec<_> = std::fs::read_dir(root.join("bus/usb/devices"))
        .expect("devices dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(std::fs::read_dir(dev).expect("dev dir").count(), 0);
}

#[test]
fn fleet_size_is_checked() {
    let t = tempfile::tempdir().expect("tempdir");
    let zero = Fleet::start("e3372", 0, t.path(), Scenario::default()).unwrap_err();
    assert!(zero.to_string().contains("at least one"), "{zero}");
    let many = Fleet::start("e3372", 1000, t.path(), Scenario::default()).unwrap_err();
    assert!(many.to_string().contains("fix: use 1 to 100"), "{many}");
    let unknown = Fleet::start("e9999", 2, t.path(), Scenario::default()).unwrap_err();
    assert!(matches!(unknown, SimError::UnknownProfile { .. }));
}

/// A daemon rescans sysfs while sticks come and go: whatever it can read must be whole. A
/// device directory never shows an attribute file that is still empty, and a listed device
/// has its interfaces already there (the kernel adds a device with its attributes in place).
#[test]
fn a_reader_never_sees_a_half_built_or_half_removed_stick() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let t = tempfile::tempdir().expect("tempdir");
    let fleet = Fleet::start("e3372", 4, t.path(), Scenario::default()).expect("start");
    let devices = fleet.sysfs_root().join("bus/usb/devices");
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let stop = Arc::clone(&stop);
        let devices = devices.clone();
        std::thread::spawn(move || {
            let mut bad = Vec::new();
            let mut reads = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let Ok(rd) = std::fs::read_dir(&devices) else {
                    continue;
                };
                for e in rd.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let files: &[&str] = if name.contains(':') {
                        &["bInterfaceClass", "bInterfaceNumber", "bNumEndpoints"]
                    } else {
                        &["idVendor", "idProduct", "devnum", "busnum"]
                    };
                    for f in files {
                        // Gone (unplugged meanwhile) is fine; present but empty is not.
                        if let Ok(v) = std::fs::read_to_string(e.path().join(f)) {
                            reads += 1;
                            if v.trim().is_empty() {
                                bad.push(format!("{name}/{f} empty"));
                            }
                        }
                    }
                    if !name.contains(':') && e.path().is_dir() {
                        // A device that is there has its interfaces there.
                        let iface = devices.join(format!("{name}:1.1"));
                        if std::fs::read_to_string(iface.join("bInterfaceClass")).is_err()
                            && e.path().join("idVendor").exists()
                        {
                            bad.push(format!("{name} without its interface 1"));
                        }
                    }
                }
            }
            (bad, reads)
        })
    };
    for _ in 0..10 {
        for i in [1, 3] {
            fleet.unplug(i).expect("unplug");
        }
        for i in [1, 3] {
            fleet.replug(i).expect("replug");
        }
    }
    stop.store(true, Ordering::Relaxed);
    let (bad, reads) = reader.join().expect("reader");
    assert!(reads > 100, "the reader hardly ran ({reads} reads)");
    assert!(
        bad.is_empty(),
        "{} bad reads, e.g. {:?}",
        bad.len(),
        &bad[..bad.len().min(5)]
    );
    let left: Vec<_> = std::fs::read_dir(fleet.sysfs_root().join("bus/usb"))
        .expect("bus/usb")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        left.is_empty(),
        "staging or removed directories left: {left:?}"
    );
}

/// A stick that unplugs itself (`vanish_on`) reads as unplugged, `replug` brings it back, and
/// `set_scenario` decides how it comes back (here: healed, the fault gone). `end_data_calls`
/// is the network ending the data session: `^NDISSTAT: 0` on the URC port.
#[test]
fn a_stick_that_vanished_by_itself_is_replugged_healed_and_its_session_dropped() {
    let t = tempfile::tempdir().expect("tempdir");
    let faulty = common::scenario("[ports.ttyUSB1]\nvanish_on = \"AT+CGMM\"\n");
    let fleet = Fleet::start("e3372", 2, t.path(), faulty).expect("start");
    let c = open(&pcui(&fleet, 1));
    let _ = c.at("AT+CGMM");
    let (_, end) = c.read_until("never", Duration::from_secs(2));
    assert!(matches!(end, ReadEnd::Gone), "{end:?}");
    assert!(!fleet.plugged(1).expect("index"), "vanished = unplugged");
    // Back with the fleet's scenario: the fault is still there.
    fleet.replug(1).expect("replug");
    assert!(fleet.plugged(1).expect("index"));
    let c = open(&pcui(&fleet, 1));
    let _ = c.at("AT+CGMM");
    assert!(!fleet.plugged(1).expect("index"), "vanished again");
    // Healed: its next plug-in answers.
    fleet.set_scenario(1, Scenario::default()).expect("index");
    fleet.replug(1).expect("replug");
    let c = open(&pcui(&fleet, 1));
    assert!(c.at("AT+CGMM").contains("E3372"));
    // The neighbour kept the fleet's scenario.
    assert!(fleet.set_scenario(2, Scenario::default()).is_err());

    // A session the network ends.
    assert!(c.at("AT^NDISDUP=1,1,\"web.pt.lu\"").contains("OK"));
    let t = std::time::Instant::now();
    while !c.at("AT^NDISSTATQRY?").contains("^NDISSTATQRY: 1") {
        assert!(t.elapsed() < Duration::from_secs(5), "never connected");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        fleet.with_modem(1, |m| m.end_data_calls()).expect("index"),
        Some(true)
    );
    let (got, end) = c.read_until("^NDISSTAT: 0", Duration::from_secs(2));
    assert!(
        matches!(end, ReadEnd::Found),
        "{end:?} {:?}",
        String::from_utf8_lossy(&got)
    );
    assert!(c.at("AT^NDISSTATQRY?").contains("^NDISSTATQRY: 0"));
    assert_eq!(
        fleet.with_modem(1, |m| m.end_data_calls()).expect("index"),
        Some(false),
        "nothing left to end"
    );
}

/// A scenario names ports per stick (`ttyUSB1` is every stick's second port), whatever
/// host-wide name the port has.
#[test]
fn scenario_ports_are_named_per_stick() {
    let t = tempfile::tempdir().expect("tempdir");
    let s = common::scenario("[ports.ttyUSB1]\nsilent = true\n");
    let fleet = Fleet::start("e3372", 3, t.path(), s).expect("start");
    let m = fleet.modem(2).expect("stick 3");
    assert_eq!(m.ports[1].tty, "ttyUSB5");
    let silent = open(&m.ports[1].path);
    silent.send("AT\r");
    let (got, end) = silent.read_until("OK", Duration::from_millis(300));
    assert!(matches!(end, ReadEnd::Timeout), "{got:?}");
    assert!(open(&m.ports[0].path).at("AT").contains("OK"));
}
