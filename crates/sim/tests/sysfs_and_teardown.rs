mod common;

use std::time::Duration;

use common::open;
use dongle_sim::{Scenario, Sim};

fn read(p: std::path::PathBuf) -> String {
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn sysfs_matches_contract() {
    let t = tempfile::tempdir().expect("tempdir");
    let sim = Sim::start("e3372", t.path(), Scenario::default()).expect("start");
    assert_eq!(sim.sysfs_root(), t.path().join("sys"));
    assert_eq!(sim.dev_root(), t.path().join("dev"));
    let d = sim.sysfs_root().join("bus/usb/devices");
    for (f, v) in [
        ("idVendor", "12d1"),
        ("idProduct", "1506"),
        ("manufacturer", "HUAWEI_MOBILE"),
        ("product", "HUAWEI_MOBILE"),
        ("bcdDevice", "0102"),
        ("bConfigurationValue", "1"),
        ("bNumConfigurations", "1"),
        ("bNumInterfaces", " 4"),
        ("busnum", "1"),
        ("devnum", "2"),
        ("speed", "480"),
    ] {
        assert_eq!(read(d.join("1-1").join(f)), format!("{v}\n"), "{f}");
    }
    for (n, class, driver) in [
        (0, ("ff", "02", "01"), Some("option")),
        (1, ("ff", "02", "02"), Some("option")),
        (2, ("02", "0d", "00"), Some("huawei_cdc_ncm")),
        (3, ("0a", "00", "01"), Some("huawei_cdc_ncm")),
    ] {
        let i = d.join(format!("1-1:1.{n}"));
        assert_eq!(read(i.join("bInterfaceNumber")), format!("{n:02x}\n"));
        assert_eq!(read(i.join("bInterfaceClass")), format!("{}\n", class.0));
        assert_eq!(read(i.join("bInterfaceSubClass")), format!("{}\n", class.1));
        assert_eq!(read(i.join("bInterfaceProtocol")), format!("{}\n", class.2));
        assert_eq!(read(i.join("bAlternateSetting")), "0\n");
        let link = std::fs::read_link(i.join("driver")).ok();
        assert_eq!(
            link.as_ref()
                .and_then(|l| l.file_name())
                .and_then(|n| n.to_str()),
            driver
        );
    }
    assert!(d.join("1-1:1.0/ttyUSB0").is_dir());
    assert!(d.join("1-1:1.1/ttyUSB1").is_dir());
    assert!(d.join("1-1:1.2/net/wwan0").is_dir());
    assert!(d.join("1-1:1.2/usbmisc/cdc-wdm0").is_dir());
    let ep = d.join("1-1:1.1/ep_83");
    assert_eq!(read(ep.join("bEndpointAddress")), "83\n");
    assert_eq!(read(ep.join("direction")), "in\n");
    assert_eq!(read(ep.join("wMaxPacketSize")), "0200\n");
    for p in sim.ports() {
        let target = std::fs::read_link(&p.path).expect("dev link");
        assert_eq!(target, p.pts);
        assert!(p.pts.starts_with("/dev/pts"));
    }
}

fn count(dir: &str) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

/// Many sims at once, started and stopped from many threads, leave no threads or fds behind.
#[test]
fn parallel_sims_tear_down_cleanly() {
    // Warm up lazily-created process resources before counting.
    {
        let t = tempfile::tempdir().expect("tempdir");
        let s = Sim::start("e620", t.path(), Scenario::default()).expect("start");
        let c = open(&s.ports()[0].path);
        assert!(c.at("AT").ends_with("OK\r\n"));
    }
    std::thread::sleep(Duration::from_millis(50));
    let fds0 = count("/proc/self/fd");
    let threads0 = count("/proc/self/task");
    let workers: Vec<_> = (0..8)
        .map(|w| {
            std::thread::spawn(move || {
                for i in 0..6 {
                    let t = tempfile::tempdir().expect("tempdir");
                    let name = dongle_sim::profiles()[(w + i) % 4];
                    let s = Sim::start(name, t.path(), Scenario::default()).expect("start");
                    let port = s
                        .ports()
                        .into_iter()
                        .find(|p| p.function == dongle_sim::PortFunction::Pcui)
                        .expect("pcui");
                    let c = open(&port.path);
                    assert!(c.at("AT+CGMM").contains("OK"), "{name}");
                    if i % 2 == 0 {
                        s.vanish();
                    }
                    drop(c);
                    s.stop();
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker");
    }
    std::thread::sleep(Duration::from_millis(50));
    // Other tests of this binary may run at the same time; allow their share.
    let fds1 = count("/proc/self/fd");
    let threads1 = count("/proc/self/task");
    assert!(fds1 <= fds0 + 16, "fds {fds0} -> {fds1}");
    assert!(threads1 <= threads0 + 8, "threads {threads0} -> {threads1}");
}
