//! `dongle doctor --live` against the simulator's fake sysfs and PTY ports, through the real
//! binary: every verdict here comes from evidence the live mode gathers itself (the sysfs
//! model, the programs holding the ports, the AT probe and the SIM/registration queries), so
//! each test fails if that evidence were not gathered.

mod common;

use serde_json::Value;

fn live(mut c: assert_cmd::Command) -> Value {
    let out = c
        .args(["doctor", "--live", "--json"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn sim_live(profile: &str, scenario: Option<&str>) -> Value {
    common::sim_json(profile, scenario, &["doctor", "--live"])
}

fn first(v: &Value) -> &Value {
    &v["findings"][0]
}

fn source<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["sources"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["source"] == name))
        .unwrap_or_else(|| panic!("no source {name} in {v:#}"))
}

#[test]
fn busy_port_is_the_first_finding_and_names_the_holder() {
    let sim = common::BackgroundSim::start("e3372");
    // This test process keeps the modem port open, as ModemManager or pppd would.
    let _held = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(sim.root().join("dev/ttyUSB0"))
        .expect("open the simulated port");
    let v = live(sim.dongle());
    let f = first(&v);
    assert_eq!(f["problem"], "port_busy", "{v:#}");
    let ev = f["evidence"].to_string();
    let me = format!("pid {}", std::process::id());
    assert!(ev.contains("ttyUSB0") && ev.contains(&me), "{ev}");
    assert!(
        f["fix"].as_str().is_some_and(|s| s.contains("fuser")),
        "{f:#}"
    );
    let holders = source(&v, "port holders");
    assert_eq!(holders["read"], true);
    assert!(
        holders["detail"]
            .as_str()
            .is_some_and(|d| d.contains("ttyUSB0") && d.contains(&me)),
        "{holders:#}"
    );
    // The held port is left alone; the other one is probed and answers.
    let probe = source(&v, "at probe")["detail"].to_string();
    assert!(
        probe.contains("ttyUSB1 answers AT") && !probe.contains("ttyUSB0 answers"),
        "{probe}"
    );
}

#[test]
fn a_silent_port_beside_a_held_one_is_not_called_silent() {
    // The held port may be the one that would answer: only port_busy is known.
    let sim = common::BackgroundSim::start_with("e3372", "[ports.ttyUSB1]\nsilent = true\n");
    let _held = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(sim.root().join("dev/ttyUSB0"))
        .expect("open the simulated port");
    let v = live(sim.dongle());
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["problem"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, ["port_busy"], "{v:#}");
    assert!(
        source(&v, "at probe")["detail"]
            .to_string()
            .contains("ttyUSB1 silent"),
        "{v:#}"
    );
}

#[test]
fn storage_mode_says_switch() {
    for (profile, id) in [
        ("e3372-storage", "12d1:1f01"),
        ("e3531-storage", "12d1:157d"),
    ] {
        let v = sim_live(profile, None);
        assert_eq!(v["devices"][0]["id"], id, "{v:#}");
        assert_eq!(v["devices"][0]["mode"], "storage", "{v:#}");
        let f = first(&v);
        assert_eq!(f["problem"], "no_modeswitch", "{v:#}");
        assert!(
            f["fix"]
                .as_str()
                .is_some_and(|s| s.contains("dongle switch 1-1")),
            "{f:#}"
        );
        let ev = f["evidence"].to_string();
        assert!(ev.contains(id) && ev.contains("storage"), "{ev}");
        // Nothing to probe on a storage device: no ttys.
        assert_eq!(source(&v, "at probe")["read"], false, "{v:#}");
    }
}

#[test]
fn serial_stick_without_a_driver() {
    // The kernel bound nothing: no driver links, no ttyUSB (scenario knob `[usb] unbound`).
    let v = sim_live("e3531-serial", Some("[usb]\nunbound = true\n"));
    assert_eq!(v["devices"][0]["id"], "12d1:1001", "{v:#}");
    assert_eq!(v["devices"][0]["mode"], "serial", "{v:#}");
    assert!(v["devices"][0].get("drivers").is_none(), "{v:#}");
    let f = first(&v);
    assert_eq!(f["problem"], "driver_not_bound", "{v:#}");
    let fix = f["fix"].as_str().unwrap_or("");
    assert!(
        fix.contains("modprobe option") && fix.contains("12d1:1001") && fix.contains("new_id"),
        "{fix}"
    );
    assert!(
        f["evidence"].to_string().contains("1-1:1.0 class ff"),
        "{f:#}"
    );
    let usb = source(&v, "usb devices")["detail"].to_string();
    assert!(usb.contains("3 of 3 interfaces without a driver"), "{usb}");
}

#[test]
fn the_same_stick_with_its_driver_is_healthy() {
    // Control for the test above: bound, answering, registered — no finding at all.
    let v = sim_live("e3531-serial", None);
    assert_eq!(v["findings"], serde_json::json!([]), "{v:#}");
    let probe = source(&v, "at probe")["detail"].to_string();
    assert!(
        probe.contains("+CPIN: READY") && probe.contains("+CREG: 0,1"),
        "{probe}"
    );
}

#[test]
fn ports_that_never_answer_are_port_silent() {
    let v = sim_live(
        "e3372",
        Some("[ports.ttyUSB0]\nsilent = true\n[ports.ttyUSB1]\nsilent = true\n"),
    );
    let f = first(&v);
    assert_eq!(f["problem"], "port_silent", "{v:#}");
    let ev = f["evidence"].to_string();
    assert!(ev.contains("no response to AT"), "{ev}");
    assert!(
        f["fix"]
            .as_str()
            .is_some_and(|s| s.contains("dongle probe 1-1")),
        "{f:#}"
    );
}

#[test]
fn one_silent_port_beside_an_answering_one_is_normal() {
    // A diagnostics or GPS port is silent on every real stick: not a problem by itself.
    let v = sim_live("e3372", Some("[ports.ttyUSB1]\nsilent = true\n"));
    assert_eq!(v["findings"], serde_json::json!([]), "{v:#}");
    let probe = source(&v, "at probe")["detail"].to_string();
    assert!(
        probe.contains("ttyUSB1 silent") && probe.contains("ttyUSB0 answers AT"),
        "{probe}"
    );
}

#[test]
fn sim_and_registration_state_come_from_the_probe() {
    let cases = [
        ("[sim]\nstate = \"pin\"\n", "sim_pin_required"),
        ("[sim]\nstate = \"absent\"\n", "no_sim"),
        (
            "[network]\nregistration = \"searching\"\n",
            "not_registered",
        ),
        ("[network]\nregistration = \"denied\"\n", "not_registered"),
    ];
    for (scenario, want) in cases {
        let v = sim_live("e3372", Some(scenario));
        assert_eq!(first(&v)["problem"], want, "{scenario}: {v:#}");
        let ev = first(&v)["evidence"].to_string();
        assert!(
            ev.contains("live: ") && ev.contains("AT+C"),
            "{scenario}: {ev}"
        );
    }
}

#[test]
fn the_report_says_what_was_read_and_what_was_not() {
    let v = sim_live("e3372", None);
    for name in [
        "kernel log",
        "usb devices",
        "modules",
        "processes",
        "tools",
        "pppd log",
        "port holders",
        "at probe",
    ] {
        let s = source(&v, name);
        assert!(s["read"].is_boolean() && s["detail"].is_string(), "{s:#}");
    }
    // Against a simulator the host's own state is not evidence about the device.
    assert_eq!(source(&v, "kernel log")["read"], false);
    assert_eq!(source(&v, "modules")["read"], false);
    assert_eq!(source(&v, "usb devices")["read"], true);
    assert_eq!(source(&v, "at probe")["read"], true);
    // The documented shape is still all there.
    assert!(v["devices"].is_array() && v["findings"].is_array() && v["notes"].is_array());

    // Human output: the same list, before the closing next step.
    let out = common::sim_run("e3372", None, &["doctor", "--live"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let ev = text.find("\nevidence:\n").expect("evidence block");
    let next = text.rfind("\nnext: ").expect("next step");
    assert!(ev < next, "{text}");
    assert!(
        text.contains("  read      at probe: ttyUSB0 answers AT"),
        "{text}"
    );
    assert!(text.contains("  not read  kernel log: "), "{text}");
}

#[test]
fn offline_json_has_no_sources_field() {
    // `sources` belongs to --live; the documented offline shape is unchanged.
    let dir = tempfile::tempdir().expect("tempdir");
    let out = common::dongle(dir.path())
        .args(["doctor", "--json"])
        .write_stdin("usb 1-1: New USB device found, idVendor=12d1, idProduct=1f01\n")
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(v.get("sources").is_none(), "{v:#}");
}
