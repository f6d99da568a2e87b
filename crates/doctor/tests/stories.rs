//! The three DESIGN.md stories, diagnosed end to end from log text.

mod common;

use common::{diagnose, load};
use std::path::Path;

fn story(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/stories")
        .join(name);
    load(&p).log
}

#[test]
fn e3531_config2_segfault_mbim_then_dead_ports() {
    let r = diagnose(&story("e3531.txt"));
    let ids = r.problems();
    assert_eq!(r.devices.len(), 1, "{:?}", r.devices);
    let d = &r.devices[0];
    assert_eq!(d.id, "12d1:1568");
    assert_eq!(d.path.as_deref(), Some("1-1.5"));
    assert_eq!(d.mode, "serial");
    assert_eq!(d.seen_as, vec!["12d1:157d"]);
    assert_eq!(d.ports, vec!["ttyUSB0", "ttyUSB1"]);
    assert_eq!(
        ids.first().copied(),
        Some("storage_claims_interface"),
        "{ids:?}"
    );
    for want in ["modeswitch_segfault", "mbim_bind_failure", "wrong_mode"] {
        assert!(
            ids.iter().take(5).any(|i| *i == want),
            "{want} missing: {ids:?}"
        );
    }
    let first = &r.findings[0];
    assert!(first.fix.contains("dongle switch 1-1.5"), "{}", first.fix);
    assert!(first
        .evidence
        .iter()
        .any(|e| e.contains("claimed by usb-storage")));
    // The dead ports are explained by the composition, not by "port silent" alone.
    let wm = r
        .findings
        .iter()
        .find(|f| f.problem == "wrong_mode")
        .expect("wrong_mode");
    assert!(wm.fix.contains("dongle switch 12d1:157d"), "{}", wm.fix);
}

#[test]
fn e620_option_ports_attach_detach_loop() {
    let r = diagnose(&story("e620.txt"));
    let ids = r.problems();
    assert_eq!(ids.first().copied(), Some("reconnect_loop"), "{ids:?}");
    let f = &r.findings[0];
    assert!(f.fix.contains("rmmod usb-storage"), "{}", f.fix);
    assert!(f.fix.contains("newer kernel"), "{}", f.fix);
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("ttyUSB0 attached 4 times and detached 3 times within")),
        "{:?}",
        f.evidence
    );
    assert_eq!(r.devices[0].id, "12d1:1001");
    assert_eq!(r.devices[0].mode, "serial");
}

#[test]
fn e3372_hilink_needs_setport() {
    let r = diagnose(&story("e3372_hilink.txt"));
    let ids = r.problems();
    assert_eq!(ids.first().copied(), Some("needs_setport"), "{ids:?}");
    assert!(ids.contains(&"hilink_no_serial"), "{ids:?}");
    assert_eq!(r.devices[0].id, "12d1:14dc");
    assert_eq!(r.devices[0].mode, "hilink");
    assert!(r.findings[0].fix.contains("dongle mode set serial"));
    assert!(r.findings[0].fix.contains("--via hilink"));
}

#[test]
fn lsusb_alone_storage_mode() {
    let r = diagnose("Bus 001 Device 004: ID 12d1:1f01 Huawei Technologies Co., Ltd. E353/E3131 (Mass storage mode)\nBus 001 Device 001: ID 1d6b:0002 Linux Foundation 2.0 root hub\n");
    assert_eq!(r.devices.len(), 1);
    assert_eq!(r.devices[0].mode, "storage");
    assert_eq!(r.problems().first().copied(), Some("no_modeswitch"));
    assert!(
        r.findings[0].fix.contains("dongle switch 12d1:1f01"),
        "{}",
        r.findings[0].fix
    );
}

#[test]
fn json_shape() {
    let r = diagnose(&story("e3531.txt"));
    let v = serde_json::to_value(&r).expect("serialises");
    let d = &v["devices"][0];
    assert_eq!(d["id"], "12d1:1568");
    assert!(d["model"].is_string());
    assert_eq!(d["mode"], "serial");
    let f = &v["findings"][0];
    for k in ["problem", "summary", "fix"] {
        assert!(f[k].is_string(), "{k}");
    }
    assert!(f["confidence"].is_f64());
    assert!(f["evidence"].is_array());
}
