//! Waiting for a switched stick to come back, on a fake sysfs tree that changes underneath
//! (the polling path; the netlink path reads the same tree after each event).

use std::fs;
use std::path::Path;
use std::time::Duration;

use dongle_usb::uevent::{Reenumeration, Watcher};
use dongle_usb::Sysfs;

fn write(p: &Path, v: &str) {
    fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    fs::write(p, format!("{v}\n")).expect("write");
}

fn device(root: &Path, pid: &str, devnum: u8, ifaces: &[(u8, &str, Option<&str>)]) {
    let d = root.join("bus/usb/devices");
    write(&d.join("1-1/idVendor"), "12d1");
    write(&d.join("1-1/idProduct"), pid);
    write(&d.join("1-1/busnum"), "1");
    write(&d.join("1-1/devnum"), &devnum.to_string());
    for &(n, class, driver) in ifaces {
        let i = d.join(format!("1-1:1.{n}"));
        write(&i.join("bInterfaceNumber"), &format!("{n:02x}"));
        write(&i.join("bInterfaceClass"), class);
        write(&i.join("bInterfaceSubClass"), "02");
        write(&i.join("bInterfaceProtocol"), "01");
        if let Some(drv) = driver {
            bind(root, n, drv);
        }
    }
}

fn bind(root: &Path, n: u8, drv: &str) {
    fs::create_dir_all(root.join("bus/usb/drivers").join(drv)).expect("driver");
    let link = root.join(format!("bus/usb/devices/1-1:1.{n}/driver"));
    let _ = std::os::unix::fs::symlink(format!("../../drivers/{drv}"), link);
}

fn unplug(root: &Path) {
    let d = root.join("bus/usb/devices");
    for e in fs::read_dir(&d).expect("dir").flatten() {
        if e.file_name().to_string_lossy().starts_with("1-1") {
            fs::remove_dir_all(e.path()).expect("rm");
        }
    }
}

fn want() -> Reenumeration {
    Reenumeration {
        port: "1-1".into(),
        old_id: (0x12d1, 0x1f01),
        old_devnum: Some(2),
        targets: vec![(0x12d1, 0x1506)],
    }
}

#[test]
fn waits_for_remove_add_and_bind() {
    let t = tempfile::tempdir().expect("tempdir");
    let root = t.path().to_path_buf();
    device(&root, "1f01", 2, &[(0, "08", Some("usb-storage"))]);
    let r2 = root.clone();
    let h = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        unplug(&r2);
        std::thread::sleep(Duration::from_millis(100));
        device(&r2, "1506", 3, &[(0, "ff", None), (1, "ff", None)]);
        std::thread::sleep(Duration::from_millis(100));
        bind(&r2, 0, "option");
        bind(&r2, 1, "option");
    });
    let sysfs = Sysfs::new(&root);
    let a = Watcher::polling()
        .wait_for_reenumeration(
            &sysfs,
            &want(),
            Duration::from_secs(5),
            Duration::from_secs(3),
        )
        .expect("comes back");
    h.join().expect("thread");
    assert_eq!(a.device.pid, 0x1506);
    assert!(a.saw_remove);
    assert_eq!(a.via, "sysfs-poll");
    assert!(a
        .device
        .interfaces
        .iter()
        .all(|i| i.driver.as_deref() == Some("option")));
    assert!(a.elapsed_ms < 3000, "{}", a.elapsed_ms);
}

#[test]
fn unknown_id_settles_with_unbound_interfaces() {
    let t = tempfile::tempdir().expect("tempdir");
    let root = t.path().to_path_buf();
    device(&root, "1f01", 2, &[(0, "08", Some("usb-storage"))]);
    unplug(&root);
    device(&root, "1568", 4, &[(0, "ff", None), (1, "ff", None)]);
    let sysfs = Sysfs::new(&root);
    let a = Watcher::polling()
        .wait_for_reenumeration(
            &sysfs,
            &want(),
            Duration::from_secs(5),
            Duration::from_millis(200),
        )
        .expect("settles");
    assert_eq!(a.device.pid, 0x1568);
    assert_eq!(
        dongle_usb::bind::unbound_serial_interfaces(&a.device),
        vec![0, 1]
    );
}

#[test]
fn nothing_comes_back_is_a_clear_timeout() {
    let t = tempfile::tempdir().expect("tempdir");
    device(t.path(), "1f01", 2, &[(0, "08", Some("usb-storage"))]);
    let sysfs = Sysfs::new(t.path());
    let e = Watcher::polling()
        .wait_for_reenumeration(
            &sysfs,
            &want(),
            Duration::from_millis(300),
            Duration::from_secs(1),
        )
        .expect_err("timeout");
    let msg = e.to_string();
    assert!(
        msg.contains("no new USB device appeared at port 1-1"),
        "{msg}"
    );
    assert!(msg.contains("old device is still there"), "{msg}");
}
