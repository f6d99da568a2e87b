//! Virtual USB test bed scenarios: a Debian kernel in QEMU (TCG) with dummy_hcd and configfs
//! gadgets playing the stick, so the real usb-storage, option and cdc_ncm drivers bind, and the
//! `dongle` binary built by cargo runs inside the guest (host `/` over virtio-9p + chroot).
//!
//! Set up once with `bash testbed/setup.sh`; without it these tests print why and pass, unless
//! `VUSB_REQUIRED=1` (as in `.ci/run`). Guest scripts: `testbed/scenarios/*.sh`; the runner
//! (`testbed/run.sh`) keeps at most two VMs running at a time. See `testbed/README.md`.

#[path = "vusb/harness.rs"]
mod harness;

use harness::{available, run_scenario, Run};
use serde_json::Value;

/// The one device of a `dongle --json list` (the gadget is always USB device 1-1).
fn only_device<'a>(run: &Run, list: &'a Value) -> &'a Value {
    let devices = list
        .as_array()
        .unwrap_or_else(|| run.fail(&format!("list JSON is not an array: {list}")));
    run.ensure(
        devices.len() == 1,
        &format!("expected exactly the gadget in `dongle list`, got {list:#}"),
    );
    let dev = &devices[0];
    run.ensure(
        dev["device"] == "1-1",
        &format!("device is not 1-1: {dev:#}"),
    );
    dev
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// 12d1:1f01 as the kernel's mass_storage CD-ROM: usb-storage and sr bind, and `dongle list`
/// reports the storage personality with usb-storage as the driver.
#[test]
fn storage_mode_stick_is_listed_with_usb_storage() {
    if !available("storage_mode_stick_is_listed_with_usb_storage") {
        return;
    }
    let run = run_scenario("storage");
    run.assert_passed();
    run.assert_check("usb-storage bound to 1-1:1.0");
    run.assert_check("/dev/sr0 present (sr_mod attached the CD-ROM)");

    let list = run.json("list-json");
    let dev = only_device(&run, &list);
    run.ensure(dev["id"] == "12d1:1f01", &format!("id: {dev:#}"));
    run.ensure(dev["mode"] == "storage", &format!("mode: {dev:#}"));
    run.ensure(
        strings(&dev["drivers"]).contains(&"usb-storage"),
        &format!("usb-storage not among the drivers: {dev:#}"),
    );
    run.ensure(
        strings(&dev["ttys"]).is_empty() && strings(&dev["net"]).is_empty(),
        &format!("a storage-mode stick has no ports: {dev:#}"),
    );

    let (human, rc) = run.captured("list");
    run.ensure(rc == 0, "dongle list failed");
    let row = human
        .lines()
        .find(|l| l.contains("12d1:1f01"))
        .unwrap_or_else(|| run.fail(&format!("no 12d1:1f01 row in:\n{human}")));
    run.ensure(
        row.contains("storage") && row.contains("usb-storage"),
        &format!("row: {row}"),
    );
}

/// A stick with an ID no driver knows (12d1:1c1e, one ff/00/00 interface): listed, nothing bound.
#[test]
fn unknown_id_stick_is_listed_without_a_driver() {
    if !available("unknown_id_stick_is_listed_without_a_driver") {
        return;
    }
    let run = run_scenario("unknown_id");
    run.assert_passed();
    run.assert_check("no driver bound to 1-1:1.0");

    let list = run.json("list-json");
    let dev = only_device(&run, &list);
    run.ensure(dev["id"] == "12d1:1c1e", &format!("id: {dev:#}"));
    run.ensure(
        strings(&dev["drivers"]).is_empty(),
        &format!("no driver may be bound before new_id: {dev:#}"),
    );
    run.ensure(
        strings(&dev["ttys"]).is_empty(),
        &format!("no tty without a driver: {dev:#}"),
    );
}

/// gser + the kernel NCM function in one configuration as 12d1:1506: cdc_ncm creates the
/// network interface and `dongle list` shows it.
#[test]
fn ncm_stick_shows_its_network_interface() {
    if !available("ncm_stick_shows_its_network_interface") {
        return;
    }
    let run = run_scenario("ncm_gser");
    run.assert_passed();
    run.assert_check("cdc_ncm bound to the NCM control interface 1-1:1.1");

    let list = run.json("list-json");
    let dev = only_device(&run, &list);
    run.ensure(dev["id"] == "12d1:1506", &format!("id: {dev:#}"));
    let net = strings(&dev["net"]);
    run.ensure(
        net.len() == 1 && (net[0].starts_with("wwan") || net[0].starts_with("usb")),
        &format!("expected one wwan*/usb* interface: {dev:#}"),
    );
    run.ensure(
        strings(&dev["drivers"]).contains(&"cdc_ncm"),
        &format!("cdc_ncm not among the drivers: {dev:#}"),
    );

    let (human, rc) = run.captured("list");
    run.ensure(rc == 0, "dongle list failed");
    run.ensure(
        human
            .lines()
            .any(|l| l.contains("12d1:1506") && l.contains(net[0])),
        &format!("{} not in the human list:\n{human}", net[0]),
    );
}

/// option bound through new_id to a gser gadget; a shell responder on /dev/ttyGS0 answers OK:
/// `dongle probe --port /dev/ttyUSB0` finds an AT port over the real option driver.
#[test]
fn probe_finds_at_port_through_option_driver() {
    if !available("probe_finds_at_port_through_option_driver") {
        return;
    }
    let run = run_scenario("probe_option");
    run.assert_passed();
    run.assert_check("option bound to 1-1:1.0 after new_id");
    run.assert_check("/dev/ttyUSB0 present");
    run.assert_check("the gadget received an AT command");

    let probe = run.json("probe-json");
    let ports = probe
        .as_array()
        .unwrap_or_else(|| run.fail(&format!("probe JSON is not an array: {probe}")));
    let port = ports
        .iter()
        .find(|p| p["tty"] == "ttyUSB0")
        .unwrap_or_else(|| run.fail(&format!("no ttyUSB0 in {probe:#}")));
    run.ensure(port["at"] == true, &format!("ttyUSB0 not AT: {port:#}"));
    run.ensure(port["driver"] == "option", &format!("driver: {port:#}"));
    run.ensure(port["id"] == "12d1:1c1e", &format!("id: {port:#}"));
    run.ensure(port["error"].is_null(), &format!("error: {port:#}"));
}
