//! Virtual USB test bed scenarios: a Debian kernel in QEMU (TCG) with dummy_hcd and configfs
//! gadgets playing the stick, so the real usb-storage, option and cdc_ncm drivers bind, and the
//! `dongle` binary built by cargo runs inside the guest (host `/` over virtio-9p + chroot).
//!
//! Set up once with `bash testbed/setup.sh`; without it these tests print why and pass, unless
//! `VUSB_REQUIRED=1` (as in `.ci/run`). Guest scripts: `testbed/scenarios/*.sh`; the runner
//! (`testbed/run.sh`) keeps at most two VMs running at a time. See `testbed/README.md`.

#[path = "vusb/harness.rs"]
mod harness;

use harness::{available, run_gadget_scenario, run_scenario, Run};
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

/// The ports of a `dongle --json probe`, by tty name.
fn probed_port<'a>(run: &Run, probe: &'a Value, tty: &str) -> &'a Value {
    probe
        .as_array()
        .unwrap_or_else(|| run.fail(&format!("probe JSON is not an array: {probe}")))
        .iter()
        .find(|p| p["tty"] == tty)
        .unwrap_or_else(|| run.fail(&format!("no {tty} in {probe:#}")))
}

/// The Huawei "new mode" CBW (usb_modeswitch's HuaweiNewMode message) as the gadget logs it.
const HUAWEI_NEW_MODE: &str = "55534243123456780000000000000011062000000101000100000000000000";

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

/// A stick with an ID no driver knows (12d1:1c1e, one ff/00/00 interface): listed, nothing bound;
/// then `dongle switch 1-1` on it (already out of storage mode) binds option through new_id.
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

    run.assert_check("option bound to 1-1:1.0 by dongle switch");
    run.assert_check("/dev/ttyUSB0 present after the bind");
    let bind = run.json("bind");
    run.ensure(
        bind["already"] == true && bind["new_id"] == "added",
        &format!("bind: {bind:#}"),
    );
    run.ensure(
        bind["message"]
            .as_str()
            .is_some_and(|m| m.contains("bound option to 12d1:1c1e")),
        &format!("bind: {bind:#}"),
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

/// The e3372 over FunctionFS (dongle-gadget serves ff/02/01 + ff/02/02 with the dongle-sim
/// firmware model, the kernel ncm function next to it): option binds both serial interfaces by
/// class; `dongle probe` finds the modem and PCUI ports and `dongle info` reads the identity,
/// SIM and registration over the real option driver.
#[test]
fn modem_over_functionfs_probe_and_info() {
    if !available("modem_over_functionfs_probe_and_info") {
        return;
    }
    let run = run_gadget_scenario("modem_ffs");
    run.assert_passed();
    run.assert_check("option bound to ff/02/01 (1-1:1.0)");
    run.assert_check("option bound to ff/02/02 (1-1:1.1)");
    run.assert_check("the daemon saw DTR from option (SET_CONTROL_LINE_STATE)");

    let probe = run.json("probe-json");
    for (tty, role) in [("ttyUSB0", "modem"), ("ttyUSB1", "pcui")] {
        let port = probed_port(&run, &probe, tty);
        run.ensure(port["at"] == true, &format!("{tty} not AT: {port:#}"));
        run.ensure(port["role"] == role, &format!("{tty} role: {port:#}"));
        run.ensure(
            port["driver"] == "option",
            &format!("{tty} driver: {port:#}"),
        );
        run.ensure(port["id"] == "12d1:1506", &format!("{tty} id: {port:#}"));
        run.ensure(port["error"].is_null(), &format!("{tty} error: {port:#}"));
    }

    let info = run.json("info-json");
    run.ensure(
        info["manufacturer"] == "huawei",
        &format!("manufacturer: {info:#}"),
    );
    let imei = info["imei"].as_str().unwrap_or_default();
    run.ensure(
        imei.len() == 15 && imei.bytes().all(|b| b.is_ascii_digit()),
        &format!("IMEI is not 15 digits: {info:#}"),
    );
    run.ensure(info["sim"] == "ready", &format!("sim: {info:#}"));
    run.ensure(
        info["registration"] == "home",
        &format!("registration: {info:#}"),
    );
    // What dongle sent really went through option and FunctionFS to the firmware model.
    let log = run.shown_log("/tmp/gadget-modem.log");
    let port = info["port"].as_str().unwrap_or_default();
    let tty = port.rsplit('/').next().unwrap_or_default();
    run.ensure(
        log.iter().any(|l| {
            l.contains(&format!("RX {tty}: AT+CSQ")) || l.contains(&format!("RX {tty}: AT^HCSQ?"))
        }),
        &format!("the gadget never received a signal query on {tty} ({port})"),
    );
    let (_, _, probe_ms) = run.captured_timed("probe-json");
    let (_, _, info_ms) = run.captured_timed("info-json");
    eprintln!("vusb: modem_ffs: probe {probe_ms} ms, info {info_ms} ms (guest, TCG)");
}

/// 12d1:1001 with three ports, the DIAG one silent: probe marks it not-AT and silent, finds
/// the other two, and does not take long for it.
#[test]
fn silent_diag_port_is_reported_and_probe_stays_fast() {
    if !available("silent_diag_port_is_reported_and_probe_stays_fast") {
        return;
    }
    let run = run_gadget_scenario("e3531_diag");
    run.assert_passed();
    for i in 0..3 {
        run.assert_check(&format!("option bound to 1-1:1.{i}"));
    }
    run.assert_check("the silent DIAG port (ttyUSB1) got AT but sent nothing back");

    let probe = run.json("probe-json");
    let diag = probed_port(&run, &probe, "ttyUSB1");
    run.ensure(
        diag["at"] == false,
        &format!("DIAG port answered AT: {diag:#}"),
    );
    run.ensure(
        diag["answer"] == "silent",
        &format!("DIAG port not reported silent: {diag:#}"),
    );
    run.ensure(diag["error"].is_null(), &format!("diag error: {diag:#}"));
    for tty in ["ttyUSB0", "ttyUSB2"] {
        let port = probed_port(&run, &probe, tty);
        run.ensure(port["at"] == true, &format!("{tty} not AT: {port:#}"));
        run.ensure(port["id"] == "12d1:1001", &format!("{tty} id: {port:#}"));
    }
    let (_, _, ms) = run.captured_timed("probe-json");
    eprintln!("vusb: e3531_diag: dongle probe of 3 ports (one silent) took {ms} ms in the guest");
    // Default per-port limit 300 ms, ports probed together: 0.9-1.3 s measured in the guest
    // (the e3372's two answering ports: 0.7-0.8 s). 5 s leaves room for a loaded CI machine
    // and still catches a probe that waits on the silent port in earnest.
    run.ensure(
        ms < 5000,
        &format!("probe took {ms} ms: the silent port must not make it slow"),
    );
}

/// The checks shared by both switch scenarios: the plan detached usb-storage first and sent
/// the Huawei message to the bulk OUT endpoint dummy_hcd assigned (0x02); the report says the
/// device completed or vanished; it came back through a uevent; the gadget got the exact bytes.
fn assert_switched(run: &Run, done: &Value) {
    let plan = &done["plan"];
    let steps = plan["steps"]
        .as_array()
        .unwrap_or_else(|| run.fail(&format!("no plan steps: {done:#}")));
    run.ensure(
        steps.first().map(|s| &s["op"]) == Some(&Value::from("detach_kernel_drivers")),
        &format!("first step is not detaching the kernel drivers: {plan:#}"),
    );
    run.ensure(
        plan["drivers"]["0"] == "usb-storage",
        &format!("usb-storage was not bound to interface 0 before: {plan:#}"),
    );
    let bulk = steps
        .iter()
        .find(|s| s["op"] == "bulk_out")
        .unwrap_or_else(|| run.fail(&format!("no bulk_out step: {plan:#}")));
    run.ensure(
        bulk["endpoint"] == 2,
        &format!("bulk OUT endpoint is not 0x02 (dummy_hcd's): {bulk:#}"),
    );
    run.ensure(
        bulk["data"] == HUAWEI_NEW_MODE,
        &format!("not the Huawei message: {bulk:#}"),
    );
    let kind = done["report"]["outcome"]["kind"]
        .as_str()
        .unwrap_or_default();
    run.ensure(
        kind == "vanished" || kind == "completed",
        &format!("outcome: {:#}", done["report"]),
    );
    run.ensure(done["via"] == "uevent", &format!("via: {}", done["via"]));
    run.ensure(
        done["before"]["id"] == "12d1:1f01",
        &format!("before: {:#}", done["before"]),
    );
    // "  4.124 SWITCH <hex> (Huawei)": the exact 31 bytes, and nothing sent after them.
    let log = run.shown_log("/tmp/gadget-storage.log");
    let want = ["SWITCH", HUAWEI_NEW_MODE];
    let at = log
        .iter()
        .position(|l| l.split_whitespace().skip(1).take(2).eq(want))
        .unwrap_or_else(|| {
            run.fail(&format!(
                "the gadget did not log `SWITCH {HUAWEI_NEW_MODE}`"
            ))
        });
    run.ensure(
        !log[at + 1..].iter().any(|l| l.contains(" CBW ")),
        "a CBW reached the storage personality after the switch message",
    );
}

/// `dongle switch` on the real USB stack: storage personality (FunctionFS BOT CD-ROM, usb-storage
/// and sr bound) → Huawei message over usbfs → the stick comes back as 12d1:1506 → option binds.
#[test]
fn switch_storage_to_modem_over_usbfs() {
    if !available("switch_storage_to_modem_over_usbfs") {
        return;
    }
    let run = run_gadget_scenario("switch_modem");
    run.assert_passed();
    run.assert_check("usb-storage bound to 1-1:1.0");
    run.assert_check("storage daemon exited 42 on the bulk switch message");
    run.assert_check("switch CBW logged");
    run.assert_check("option bound to ff/02/02 (1-1:1.1)");
    run.assert_check("avoid_reset_quirk set");

    let dry = run.json("switch-dry");
    run.ensure(dry["dry_run"] == true, &format!("dry run: {dry:#}"));
    run.ensure(
        dry["plan"]["message_endpoint"] == 2,
        &format!("dry-run plan endpoint: {:#}", dry["plan"]),
    );

    let done = run.json("switch");
    assert_switched(&run, &done);
    let after = &done["after"];
    run.ensure(after["id"] == "12d1:1506", &format!("after: {after:#}"));
    run.ensure(
        strings(&after["drivers"]).contains(&"option"),
        &format!("option not bound after the switch: {after:#}"),
    );
    let ports = strings(&after["ports"]);
    run.ensure(
        ports.contains(&"ttyUSB0") && ports.contains(&"ttyUSB1"),
        &format!("ports after the switch: {after:#}"),
    );
    run.ensure(done["new_id"].is_null(), &format!("new_id: {done:#}"));
    let (_, _, ms) = run.captured_timed("switch");
    eprintln!(
        "vusb: switch_modem: dongle switch elapsed_ms={} (command {ms} ms in the guest)",
        done["elapsed_ms"]
    );
}

/// The switched ID is unknown to every driver (12d1:1c1e, ff/00/00): dongle writes option's
/// new_id itself, option binds, /dev/ttyUSB0 appears.
#[test]
fn switch_to_unknown_id_binds_option_through_new_id() {
    if !available("switch_to_unknown_id_binds_option_through_new_id") {
        return;
    }
    let run = run_gadget_scenario("switch_new_id");
    run.assert_passed();
    run.assert_check("storage daemon exited 42 on the bulk switch message");
    run.assert_check("option bound to 1-1:1.0 through new_id");
    run.assert_check("option's dynamic ID table has 12d1 1c1e");

    let done = run.json("switch");
    assert_switched(&run, &done);
    let after = &done["after"];
    run.ensure(after["id"] == "12d1:1c1e", &format!("after: {after:#}"));
    run.ensure(done["new_id"] == "added", &format!("new_id: {done:#}"));
    run.ensure(
        strings(&after["drivers"]) == ["option"],
        &format!("drivers after new_id: {after:#}"),
    );
    run.ensure(
        strings(&after["ports"]) == ["ttyUSB0"],
        &format!("ports after new_id: {after:#}"),
    );
    run.ensure(
        done["warnings"].as_array().is_some_and(Vec::is_empty),
        &format!("warnings: {:#}", done["warnings"]),
    );
    eprintln!(
        "vusb: switch_new_id: dongle switch elapsed_ms={}",
        done["elapsed_ms"]
    );
}

/// The stick drops off the bus while `dongle info` waits for the answer to AT+CSQ: exit 7
/// (gone), a message naming the port, within seconds.
#[test]
fn stick_vanishing_mid_command_gives_a_clear_error() {
    if !available("stick_vanishing_mid_command_gives_a_clear_error") {
        return;
    }
    let run = run_gadget_scenario("vanish");
    run.assert_passed();
    run.assert_check("daemon exited 44 (vanished)");
    run.assert_check("the device left the bus");

    let (out, rc, ms) = run.captured_timed("info");
    run.ensure(
        rc == 7,
        &format!("dongle info exited {rc}, not 7 (gone):\n{out}"),
    );
    run.ensure(
        out.contains("ttyUSB1") && out.contains("disappeared"),
        &format!("the message does not name the port and say it disappeared:\n{out}"),
    );
    eprintln!("vusb: vanish: dongle info gave up after {ms} ms in the guest");
    run.ensure(
        ms < 10_000,
        &format!("dongle info took {ms} ms after the unplug"),
    );
    let log = run.shown_log("/tmp/gadget-modem.log");
    run.ensure(
        log.iter().any(|l| l.contains("RX ttyUSB1: AT+CSQ")),
        "the gadget did not receive AT+CSQ on ttyUSB1",
    );
    run.ensure(
        log.iter().any(|l| l.contains("VANISH")),
        "the gadget did not log VANISH",
    );
}

/// PPP at link level: the host's pppd + chat dial ATD*99# on ttyUSB0 (option), the gadget
/// raises DCD on CONNECT and bridges the data phase to a network-side pppd: ppp0 gets
/// 192.0.2.2; hanging up drops DTR, DCD falls, the network side stops.
#[test]
fn ppp_link_through_option_gets_an_address() {
    if !available("ppp_link_through_option_gets_an_address") {
        return;
    }
    let run = run_gadget_scenario("ppp");
    run.assert_passed();
    run.assert_check("ppp0 got 192.0.2.2 from the network side");
    run.assert_check("ppp0 peer is 192.0.2.1");
    run.assert_check("DCD raised on CONNECT (SERIAL_STATE 03)");
    run.assert_check("DCD dropped on hang-up");
    run.assert_check("peer pppd stopped");
    if let Some(l) = run
        .console
        .lines()
        .find(|l| l.starts_with("VUSB: time dial"))
    {
        eprintln!("vusb: ppp: {l}");
    }
}
