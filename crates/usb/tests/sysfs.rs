//! Reads fixture trees shaped like real Linux sysfs (symlinks into /sys/devices) and like the
//! simulator's fake tree (plain directories).

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use dongle_usb::{Direction, Sysfs, TransferKind, UsbError};

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, text).expect("write");
}

fn attrs(dir: &Path, pairs: &[(&str, &str)]) {
    fs::create_dir_all(dir).expect("mkdir");
    for (k, v) in pairs {
        write(&dir.join(k), &format!("{v}\n"));
    }
}

fn endpoint(iface: &Path, addr: &str, attr: &str, max: &str) {
    let dir = iface.join(format!("ep_{addr}"));
    let ty = match attr {
        "02" => "Bulk",
        "03" => "Interrupt",
        _ => "Control",
    };
    let direction = if u8::from_str_radix(addr, 16).unwrap_or(0) & 0x80 != 0 {
        "in"
    } else {
        "out"
    };
    attrs(
        &dir,
        &[
            ("bEndpointAddress", addr),
            ("bmAttributes", attr),
            ("direction", direction),
            ("type", ty),
            ("wMaxPacketSize", max),
            ("bLength", "07"),
        ],
    );
}

struct Real {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

/// Real-sysfs shape: device dirs under devices/pci.../usb1, symlinks in bus/usb/devices, driver
/// symlinks into bus/usb/drivers. Root hub usb1, an E3372 stick at 1-1 and a storage-mode
/// 12d1:1f01 at 1-2.
fn real_tree() -> Real {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    let hc = root.join("devices/pci0000:00/0000:00:14.0");
    let usb1 = hc.join("usb1");
    let devices = root.join("bus/usb/devices");
    fs::create_dir_all(&devices).expect("mkdir");
    for d in ["option", "usb-storage", "huawei_cdc_ncm", "hub"] {
        fs::create_dir_all(root.join("bus/usb/drivers").join(d)).expect("mkdir");
    }
    let link_driver = |iface: &Path, driver: &str| {
        // Relative like the kernel's: ../../../../../../bus/usb/drivers/option
        let target = root.join("bus/usb/drivers").join(driver);
        symlink(target, iface.join("driver")).expect("symlink");
    };
    let link = |dir: &Path, name: &str| {
        symlink(dir, devices.join(name)).expect("symlink");
    };

    // Root hub.
    attrs(
        &usb1,
        &[
            ("idVendor", "1d6b"),
            ("idProduct", "0002"),
            ("busnum", "1"),
            ("devnum", "1"),
        ],
    );
    link(&usb1, "usb1");
    let hub_if = usb1.join("1-0:1.0");
    attrs(
        &hub_if,
        &[
            ("bInterfaceNumber", "00"),
            ("bInterfaceClass", "09"),
            ("bInterfaceSubClass", "00"),
            ("bInterfaceProtocol", "00"),
            ("bAlternateSetting", " 0"),
        ],
    );
    link_driver(&hub_if, "hub");
    link(&hub_if, "1-0:1.0");

    // E3372 in stick mode, 12d1:1506.
    let e = usb1.join("1-1");
    attrs(
        &e,
        &[
            ("idVendor", "12d1"),
            ("idProduct", "1506"),
            ("manufacturer", "HUAWEI_MOBILE"),
            ("product", "HUAWEI_MOBILE"),
            ("bcdDevice", "0102"),
            ("bConfigurationValue", "1"),
            ("bNumConfigurations", "1"),
            ("busnum", "1"),
            ("devnum", "5"),
            ("speed", "480"),
            ("avoid_reset_quirk", "0"),
        ],
    );
    endpoint(&e, "00", "00", "0040"); // ep_00 of the device itself: not an interface endpoint
    link(&e, "1-1");
    let ifaces: [(&str, &str, &str, &str, Option<&str>); 4] = [
        ("00", "ff", "02", "12", Some("option")),
        ("01", "ff", "02", "01", Some("option")),
        ("02", "ff", "02", "16", Some("huawei_cdc_ncm")),
        ("03", "08", "06", "50", Some("usb-storage")),
    ];
    for (n, c, s, p, drv) in ifaces {
        let number = u8::from_str_radix(n, 16).expect("hex");
        let idir = e.join(format!("1-1:1.{number}"));
        attrs(
            &idir,
            &[
                ("bInterfaceNumber", n),
                ("bInterfaceClass", c),
                ("bInterfaceSubClass", s),
                ("bInterfaceProtocol", p),
                ("bAlternateSetting", " 0"),
                ("bNumEndpoints", "03"),
            ],
        );
        if let Some(d) = drv {
            link_driver(&idir, d);
        }
        link(
            &idir,
            idir.file_name().and_then(|f| f.to_str()).expect("name"),
        );
    }
    let if0 = e.join("1-1:1.0");
    endpoint(&if0, "81", "03", "0040");
    endpoint(&if0, "82", "02", "0200");
    endpoint(&if0, "01", "02", "0200");
    fs::create_dir_all(if0.join("ttyUSB0/tty/ttyUSB0")).expect("mkdir");
    let if1 = e.join("1-1:1.1");
    fs::create_dir_all(if1.join("ttyUSB1/tty/ttyUSB1")).expect("mkdir");
    let if2 = e.join("1-1:1.2");
    write(&if2.join("interface"), "CDC Network Control Model (NCM)\n");
    fs::create_dir_all(if2.join("net/wwan0")).expect("mkdir");
    fs::create_dir_all(if2.join("usbmisc/cdc-wdm0")).expect("mkdir");

    // Storage-mode 12d1:1f01 at 1-2: one 08/06/50 interface, usb-storage, ep 0x01 out, 0x81 in.
    let s = usb1.join("1-2");
    attrs(
        &s,
        &[
            ("idVendor", "12d1"),
            ("idProduct", "1f01"),
            ("manufacturer", "HUAWEI_MOBILE"),
            ("product", "HUAWEI_MOBILE"),
            ("serial", "0123456789ABCDEF"),
            ("bcdDevice", "0102"),
            ("bConfigurationValue", "1"),
            ("bNumConfigurations", "1"),
            ("busnum", "1"),
            ("devnum", "6"),
        ],
    );
    link(&s, "1-2");
    let sif = s.join("1-2:1.0");
    attrs(
        &sif,
        &[
            ("bInterfaceNumber", "00"),
            ("bInterfaceClass", "08"),
            ("bInterfaceSubClass", "06"),
            ("bInterfaceProtocol", "50"),
            ("bAlternateSetting", " 0"),
            ("bNumEndpoints", "02"),
        ],
    );
    link_driver(&sif, "usb-storage");
    endpoint(&sif, "01", "02", "0200");
    endpoint(&sif, "81", "02", "0200");
    fs::create_dir_all(sif.join("host0")).expect("mkdir");
    link(&sif, "1-2:1.0");
    Real { _tmp: tmp, root }
}

#[test]
fn reads_real_shaped_tree() {
    let t = real_tree();
    let sysfs = Sysfs::new(&t.root);
    let devs = sysfs.devices().expect("devices");
    let paths: Vec<&str> = devs.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, ["1-1", "1-2"]);

    let e = &devs[0];
    assert_eq!(e.id(), "12d1:1506");
    assert_eq!(e.manufacturer.as_deref(), Some("HUAWEI_MOBILE"));
    assert_eq!(e.serial, None);
    assert_eq!(e.bcd_device, Some(0x0102));
    assert_eq!(e.configuration, Some(1));
    assert_eq!(e.num_configurations, Some(1));
    assert_eq!((e.busnum, e.devnum), (Some(1), Some(5)));
    assert_eq!(e.usbfs_node().as_deref(), Some("001/005"));
    assert_eq!(e.interfaces.len(), 4);
    let if0 = &e.interfaces[0];
    assert_eq!((if0.class, if0.subclass, if0.protocol), (0xff, 0x02, 0x12));
    assert_eq!(if0.class_triple(), "ff/02/12");
    assert_eq!(if0.driver.as_deref(), Some("option"));
    assert_eq!(if0.endpoints.len(), 3);
    assert_eq!(if0.endpoints[0].address, 0x01);
    assert_eq!(if0.endpoints[0].direction, Direction::Out);
    assert_eq!(if0.endpoints[1].kind, TransferKind::Interrupt);
    assert_eq!(if0.endpoints[2].max_packet, 0x200);
    assert_eq!(
        e.ttys(),
        vec![(0, "ttyUSB0".to_string()), (1, "ttyUSB1".to_string())]
    );
    let if2 = e.interface(2).expect("if2");
    assert_eq!(if2.name.as_deref(), Some("CDC Network Control Model (NCM)"));
    assert_eq!(if2.net, ["wwan0"]);
    assert_eq!(if2.cdc_wdm, ["cdc-wdm0"]);
    assert_eq!(if2.driver.as_deref(), Some("huawei_cdc_ncm"));
    assert!(e.has_driver("usb-storage"));

    let s = &devs[1];
    assert_eq!(s.id(), "12d1:1f01");
    assert_eq!(s.serial.as_deref(), Some("0123456789ABCDEF"));
    assert_eq!(s.interfaces.len(), 1);
    let i = &s.interfaces[0];
    assert_eq!(i.class_triple(), "08/06/50");
    assert_eq!(i.driver.as_deref(), Some("usb-storage"));
    assert_eq!(i.endpoints.len(), 2);
    assert_eq!(
        (
            i.endpoints[0].address,
            i.endpoints[0].direction,
            i.endpoints[0].kind
        ),
        (0x01, Direction::Out, TransferKind::Bulk)
    );
    assert_eq!(
        (i.endpoints[1].address, i.endpoints[1].direction),
        (0x81, Direction::In)
    );
    assert!(i.ttys.is_empty() && i.net.is_empty() && i.cdc_wdm.is_empty());
}

#[test]
fn find_by_path_id_and_index() {
    let t = real_tree();
    let sysfs = Sysfs::new(&t.root);
    assert_eq!(sysfs.find("1-2").expect("path").id(), "12d1:1f01");
    assert_eq!(sysfs.find("12d1:1506").expect("id").path, "1-1");
    assert_eq!(sysfs.find("12D1:1F01").expect("id").path, "1-2");
    assert_eq!(sysfs.find("1").expect("index").path, "1-1");
    assert_eq!(sysfs.find("2").expect("index").path, "1-2");
    assert_eq!(
        sysfs
            .find("/sys/bus/usb/devices/1-1")
            .expect("sys path")
            .path,
        "1-1"
    );
    assert_eq!(sysfs.device("1-1").expect("device").pid, 0x1506);

    for bad in ["1-9", "3", "0", "19d2:0117", "usb1", "1-1:1.0", "modem"] {
        let err = sysfs.find(bad).expect_err(bad);
        let msg = err.to_string();
        assert!(matches!(err, UsbError::NotFound { .. }), "{bad}: {msg}");
        assert!(msg.contains(&format!("'{bad}'")), "{msg}");
        assert!(
            msg.contains("found: 1-1 (12d1:1506 HUAWEI_MOBILE), 1-2 (12d1:1f01 HUAWEI_MOBILE)"),
            "{msg}"
        );
        assert!(msg.contains("dongle list"), "{msg}");
    }
}

/// The simulator's fake tree: plain directories, no /sys/devices, a driver symlink.
#[test]
fn reads_fake_tree_and_sorts_naturally() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let devices = tmp.path().join("bus/usb/devices");
    for (path, pid) in [("1-1.10", "1001"), ("1-1.9", "1003"), ("2-1", "0117")] {
        attrs(
            &devices.join(path),
            &[
                ("idVendor", if pid == "0117" { "19d2" } else { "12d1" }),
                ("idProduct", pid),
                ("bConfigurationValue", ""),
            ],
        );
    }
    let acm = devices.join("2-1:1.0");
    attrs(
        &acm,
        &[
            ("bInterfaceNumber", "00"),
            ("bInterfaceClass", "02"),
            ("bInterfaceSubClass", "02"),
            ("bInterfaceProtocol", "01"),
        ],
    );
    fs::create_dir_all(acm.join("tty/ttyACM0")).expect("mkdir");
    symlink("../../../bus/usb/drivers/cdc_acm", acm.join("driver")).expect("symlink");
    for n in [10, 2] {
        let i = devices.join(format!("1-1.10:1.{n}"));
        attrs(
            &i,
            &[
                ("bInterfaceNumber", &format!("{n:02x}")),
                ("bInterfaceClass", "ff"),
                ("bInterfaceSubClass", "ff"),
                ("bInterfaceProtocol", "ff"),
            ],
        );
        fs::create_dir_all(i.join(format!("ttyUSB{n}"))).expect("mkdir");
    }
    let sysfs = Sysfs::new(tmp.path());
    let devs = sysfs.devices().expect("devices");
    let paths: Vec<&str> = devs.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(paths, ["1-1.9", "1-1.10", "2-1"]);
    assert_eq!(devs[0].configuration, None);
    assert_eq!(devs[0].manufacturer, None);
    assert!(devs[0].interfaces.is_empty());
    assert_eq!(
        devs[1].ttys(),
        vec![(2, "ttyUSB2".to_string()), (10, "ttyUSB10".to_string())]
    );
    assert_eq!(devs[2].ttys(), vec![(0, "ttyACM0".to_string())]);
    assert_eq!(devs[2].interfaces[0].driver.as_deref(), Some("cdc_acm"));
    assert_eq!(devs[2].interfaces[0].alt, 0);
    assert_eq!(devs[2].label(), "2-1 (19d2:0117)");
}

#[test]
fn malformed_required_file_names_the_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dev = tmp.path().join("bus/usb/devices/1-1");
    attrs(&dev, &[("idVendor", "zz12"), ("idProduct", "1506")]);
    let err = Sysfs::new(tmp.path()).devices().expect_err("malformed");
    let msg = err.to_string();
    assert!(matches!(err, UsbError::Malformed { .. }), "{msg}");
    assert!(
        msg.contains("1-1/idVendor") && msg.contains("zz12"),
        "{msg}"
    );

    fs::remove_file(dev.join("idVendor")).expect("rm");
    let msg = Sysfs::new(tmp.path())
        .devices()
        .expect_err("missing")
        .to_string();
    assert!(
        msg.contains("1-1/idVendor") && msg.contains("missing"),
        "{msg}"
    );
}

#[test]
fn missing_sysfs_and_empty_bus() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let err = Sysfs::new(tmp.path().join("nope"))
        .devices()
        .expect_err("no sysfs");
    assert!(err.to_string().contains("--sysfs"), "{err}");

    fs::create_dir_all(tmp.path().join("bus/usb/devices")).expect("mkdir");
    let sysfs = Sysfs::new(tmp.path());
    assert!(sysfs.devices().expect("empty").is_empty());
    let msg = sysfs.find("1-1").expect_err("none").to_string();
    assert!(msg.contains("no USB devices found"), "{msg}");
}

#[test]
fn serializes_lowercase_enums() {
    let t = real_tree();
    let dev = Sysfs::new(&t.root).device("1-2").expect("device");
    assert_eq!(dev.label(), "1-2 (12d1:1f01 HUAWEI_MOBILE)");
    let json = serde_json::to_value(&dev).expect("json");
    assert_eq!(json["vid"], 0x12d1);
    assert_eq!(json["interfaces"][0]["driver"], "usb-storage");
    assert_eq!(json["interfaces"][0]["endpoints"][1]["direction"], "in");
    assert_eq!(json["interfaces"][0]["endpoints"][1]["kind"], "bulk");
}
