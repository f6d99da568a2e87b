//! The udev rules `dongle install --udev` writes, run by the real systemd-udevd in the virtual
//! USB test bed: an e3372 stick (dongle-gadget over FunctionFS + the kernel's ncm) gets
//! /dev/dongle/1-1/modem -> ttyUSB0 and /dev/dongle/1-1/at -> ttyUSB1 through
//! `dongle udev-name`, and its ports and network interface carry ID_MM_DEVICE_IGNORE=1.
//! The parser test in tests/install.rs checks the syntax everywhere; this checks that udev
//! reads the rules the way they are meant. See testbed/scenarios/udev_names.sh.

#[path = "vusb/harness.rs"]
#[allow(dead_code)]
mod harness;

use harness::{available, run_gadget_scenario};

#[test]
fn udevd_makes_stable_links_and_keeps_modemmanager_off() {
    if !available("udevd_makes_stable_links_and_keeps_modemmanager_off") {
        return;
    }
    let run = run_gadget_scenario("udev_names");
    if run.console.contains("no systemd-udevd on the host") {
        // The host side of the test bed has no udev package: nothing to run the rules with.
        eprintln!("skipped: no systemd-udevd on the host (apt-get install udev)");
        return;
    }
    let (out, rc) = run.captured("install");
    run.ensure(rc == 0, &format!("dongle install --udev failed: {out}"));
    run.assert_passed();
    for check in [
        "/dev/dongle/1-1/modem present",
        "/dev/dongle/1-1/at present",
        "modem link -> ttyUSB0 (ff/02/01)",
        "at link -> ttyUSB1 (ff/02/02)",
        "ttyUSB0: DONGLE_NAME=1-1",
        "ttyUSB0: DONGLE_ROLE=modem",
        "ttyUSB0: ID_MM_DEVICE_IGNORE=1",
        "a network interface on 1-1:1.2",
    ] {
        run.assert_check(check);
    }
    let (props, _) = run.captured("propsnet");
    run.ensure(
        props.lines().any(|l| l == "ID_MM_DEVICE_IGNORE=1"),
        &format!("the network interface is not kept from ModemManager: {props}"),
    );
}
