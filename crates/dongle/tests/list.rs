//! `dongle list` and `dongle show` on simulated devices in every personality we simulate.

mod common;
use common::*;

#[test]
fn list_json_has_the_documented_fields() {
    let v = sim_json("e3372", None, &["list"]);
    let d = &v[0];
    assert_eq!(d["path"], "1-1");
    assert_eq!(d["id"], "12d1:1506");
    assert_eq!(d["mode"], "ncm");
    assert_eq!(d["ports"], serde_json::json!(["ttyUSB0", "ttyUSB1"]));
    assert_eq!(d["netifs"], serde_json::json!(["wwan0"]));
    assert_eq!(d["interfaces"][0]["class"], "ff/02/01");
    assert_eq!(d["interfaces"][0]["driver"], "option");
    assert_eq!(d["interfaces"][0]["role"], "modem");
    assert_eq!(d["interfaces"][1]["role"], "pcui");
}

#[test]
fn the_e3531_story_stick_in_storage_mode() {
    let v = sim_json("e3531-storage", None, &["list"]);
    assert_eq!(v[0]["id"], "12d1:157d");
    assert_eq!(v[0]["mode"], "storage");
    assert_eq!(v[0]["interfaces"][0]["class"], "08/06/50");
    assert_eq!(v[0]["interfaces"][0]["driver"], "usb-storage");
    let out = sim_run("e3531-storage", None, &["list"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("next: dongle switch 1-1"));
}

#[test]
fn legacy_three_port_stick() {
    let v = sim_json("e3531-serial", None, &["show", "12d1:1001"]);
    assert_eq!(v["mode"], "serial");
    assert_eq!(v["ports"].as_array().unwrap().len(), 3);
}

#[test]
fn show_names_a_missing_device() {
    let out = sim_run("e3372", None, &["show", "1-9"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1-9"));
}
