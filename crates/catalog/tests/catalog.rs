//! Table lookups, descriptor rules and the combined port-role answer.

use std::collections::HashSet;

use dongle_catalog::{
    known_devices, lookup, personality, port_role, role_from_descriptor, role_from_name,
    Personality, PortRole, RoleSource,
};
use dongle_usb::{UsbDevice, UsbInterface};

fn iface(number: u8, class: u8, subclass: u8, protocol: u8) -> UsbInterface {
    UsbInterface {
        number,
        alt: 0,
        class,
        subclass,
        protocol,
        name: None,
        driver: None,
        endpoints: Vec::new(),
        ttys: Vec::new(),
        net: Vec::new(),
        cdc_wdm: Vec::new(),
    }
}

fn device(vid: u16, pid: u16, interfaces: Vec<UsbInterface>) -> UsbDevice {
    UsbDevice {
        path: "1-1".into(),
        vid,
        pid,
        manufacturer: None,
        product: None,
        serial: None,
        bcd_device: None,
        configuration: Some(1),
        num_configurations: Some(1),
        busnum: Some(1),
        devnum: Some(2),
        interfaces,
    }
}

#[test]
fn descriptor_rules() {
    let hw = 0x12d1;
    assert_eq!(
        role_from_descriptor(hw, 0x1506, &iface(0, 0xff, 0x02, 0x01)),
        Some(PortRole::Modem)
    );
    assert_eq!(
        role_from_descriptor(hw, 0x1506, &iface(0, 0xff, 0x03, 0x12)),
        Some(PortRole::Pcui)
    );
    assert_eq!(
        role_from_descriptor(hw, 0x1506, &iface(1, 0xff, 0x02, 0x03)),
        Some(PortRole::Diag)
    );
    assert_eq!(
        role_from_descriptor(hw, 0x1001, &iface(0, 0xff, 0xff, 0xff)),
        None
    );
    assert_eq!(
        role_from_descriptor(hw, 0x1573, &iface(3, 0xff, 0x01, 0x05)),
        Some(PortRole::Gps)
    );
    assert_eq!(
        role_from_descriptor(hw, 0x1506, &iface(0, 0xff, 0x02, 0x10)),
        Some(PortRole::Modem)
    );
    assert_eq!(
        role_from_descriptor(hw, 0x1506, &iface(0, 0xff, 0x01, 0x13)),
        Some(PortRole::Diag)
    );
    assert_eq!(
        role_from_descriptor(hw, 0x1506, &iface(0, 0xff, 0x02, 0x14)),
        Some(PortRole::Gps)
    );
    // NCM is a network function, not a tty.
    assert_eq!(
        role_from_descriptor(hw, 0x1506, &iface(2, 0xff, 0x03, 0x16)),
        None
    );
    // Subclass outside 01..=03 and other vendors: no hint.
    assert_eq!(
        role_from_descriptor(hw, 0x1506, &iface(0, 0xff, 0x04, 0x01)),
        None
    );
    assert_eq!(
        role_from_descriptor(0x19d2, 0x0117, &iface(0, 0xff, 0x02, 0x01)),
        None
    );
    // Storage.
    assert_eq!(
        role_from_descriptor(hw, 0x1f01, &iface(0, 0x08, 0x06, 0x50)),
        None
    );
}

#[test]
fn interface_names() {
    let mut i = iface(2, 0xff, 0xff, 0xff);
    i.name = Some("HUAWEI Mobile Connect - PC UI Interface".into());
    assert_eq!(
        role_from_descriptor(0x12d1, 0x1001, &i),
        Some(PortRole::Pcui)
    );
    assert_eq!(role_from_name("Huawei Modem"), Some(PortRole::Modem));
    assert_eq!(role_from_name("CDC Network Control Model (NCM)"), None);
}

#[test]
fn table_lookups() {
    let e620 = lookup(0x12d1, 0x1001).expect("1001");
    assert_eq!(e620.personality, Personality::Serial);
    assert_eq!(e620.port(0), Some(PortRole::Modem));
    assert_eq!(e620.port(2), Some(PortRole::Pcui));
    assert_eq!(e620.id(), "12d1:1001");
    let e220 = lookup(0x12d1, 0x1003).expect("1003");
    assert_eq!(e220.port(1), Some(PortRole::Pcui));
    assert_eq!(
        lookup(0x12d1, 0x14dc).expect("14dc").personality,
        Personality::Hilink
    );
    assert_eq!(
        lookup(0x12d1, 0x1506).expect("1506").personality,
        Personality::Ncm
    );
    assert_eq!(
        lookup(0x12d1, 0x1442).expect("1442").personality,
        Personality::Update
    );
    for pid in [0x1f01, 0x157d, 0x1446, 0x14fe, 0x1505, 0x1c0b, 0x1f1c] {
        assert_eq!(
            lookup(0x12d1, pid).expect("storage").personality,
            Personality::Storage,
            "{pid:04x}"
        );
    }
    for (vid, pid) in [
        (0x12d1, 0x1436),
        (0x12d1, 0x14db),
        (0x12d1, 0x155e),
        (0x12d1, 0x1568),
        (0x19d2, 0x0031),
        (0x19d2, 0x1405),
        (0x1bbb, 0x0017),
    ] {
        assert!(lookup(vid, pid).is_some(), "{vid:04x}:{pid:04x}");
    }
    assert_eq!(
        lookup(0x19d2, 0x2000).expect("2000").personality,
        Personality::Storage
    );
    assert_eq!(
        lookup(0x1199, 0x0fff).expect("0fff").personality,
        Personality::Storage
    );
    let mf190 = lookup(0x19d2, 0x0117).expect("0117");
    assert_eq!(
        (mf190.port(0), mf190.port(1), mf190.port(2), mf190.port(3)),
        (
            Some(PortRole::Diag),
            Some(PortRole::Pcui),
            Some(PortRole::Modem),
            None
        )
    );
    assert_eq!(
        lookup(0x1bbb, 0x0000).expect("0000").port(3),
        Some(PortRole::Modem)
    );
    assert!(lookup(0x1234, 0x5678).is_none());
}

#[test]
fn table_is_well_formed() {
    let mut seen = HashSet::new();
    for d in known_devices() {
        assert!(seen.insert((d.vid, d.pid)), "duplicate {}", d.id());
        assert!(!d.model.is_empty() && !d.vendor.is_empty(), "{}", d.id());
        let mut ifs = HashSet::new();
        for (n, role) in d.ports {
            assert!(ifs.insert(*n), "{} lists interface {n} twice", d.id());
            assert_ne!(*role, PortRole::Unknown, "{}: say nothing instead", d.id());
        }
        if d.personality == Personality::Storage {
            assert!(d.ports.is_empty(), "{}: storage has no ports", d.id());
        }
    }
}

#[test]
fn port_role_prefers_descriptor_then_table() {
    // E620: all ff/ff/ff, so the table answers.
    let e620 = device(
        0x12d1,
        0x1001,
        vec![
            iface(0, 0xff, 0xff, 0xff),
            iface(1, 0xff, 0xff, 0xff),
            iface(2, 0xff, 0xff, 0xff),
        ],
    );
    assert_eq!(
        port_role(&e620, &e620.interfaces[0]),
        Some((PortRole::Modem, RoleSource::DeviceTable))
    );
    assert_eq!(
        port_role(&e620, &e620.interfaces[2]),
        Some((PortRole::Pcui, RoleSource::DeviceTable))
    );
    // E3372 stick: descriptors answer, the table has no ports.
    let e3372 = device(
        0x12d1,
        0x1506,
        vec![
            iface(0, 0xff, 0x02, 0x12),
            iface(1, 0xff, 0x02, 0x01),
            iface(2, 0xff, 0x02, 0x16),
        ],
    );
    assert_eq!(
        port_role(&e3372, &e3372.interfaces[0]),
        Some((PortRole::Pcui, RoleSource::Descriptor))
    );
    assert_eq!(
        port_role(&e3372, &e3372.interfaces[1]),
        Some((PortRole::Modem, RoleSource::Descriptor))
    );
    assert_eq!(port_role(&e3372, &e3372.interfaces[2]), None);
    // Unknown device: probing decides.
    let other = device(0x1234, 0x5678, vec![iface(0, 0xff, 0xff, 0xff)]);
    assert_eq!(port_role(&other, &other.interfaces[0]), None);
}

#[test]
fn personality_guesses() {
    let mut storage = device(0x12d1, 0x1f01, vec![iface(0, 0x08, 0x06, 0x50)]);
    assert_eq!(personality(&storage), Personality::Storage);
    storage.pid = 0x9999;
    assert_eq!(personality(&storage), Personality::Storage);
    let mut ncm = iface(2, 0xff, 0x02, 0x16);
    ncm.driver = Some("huawei_cdc_ncm".into());
    let stick = device(0x12d1, 0x9998, vec![iface(0, 0xff, 0x02, 0x12), ncm]);
    assert_eq!(personality(&stick), Personality::Ncm);
    let hilink = device(
        0x12d1,
        0x9997,
        vec![iface(0, 0x02, 0x06, 0x00), iface(1, 0x0a, 0x00, 0x00)],
    );
    assert_eq!(personality(&hilink), Personality::Hilink);
    let serial = device(0x19d2, 0x9996, vec![iface(0, 0xff, 0xff, 0xff)]);
    assert_eq!(personality(&serial), Personality::Serial);
    assert_eq!(personality(&device(1, 2, vec![])), Personality::Unknown);
}

#[test]
fn serde_and_display_are_lowercase() {
    assert_eq!(PortRole::Pcui.to_string(), "pcui");
    assert_eq!(Personality::Hilink.to_string(), "hilink");
    assert_eq!(
        serde_json::to_string(&PortRole::Gps).expect("json"),
        "\"gps\""
    );
    assert_eq!(
        serde_json::to_string(&Personality::Update).expect("json"),
        "\"update\""
    );
    assert_eq!(
        serde_json::to_string(&RoleSource::DeviceTable).expect("json"),
        "\"device_table\""
    );
    let json = serde_json::to_value(lookup(0x12d1, 0x1003).expect("1003")).expect("json");
    assert_eq!(json["personality"], "serial");
    assert_eq!(json["ports"][1][1], "pcui");
}
