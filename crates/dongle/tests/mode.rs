//! `dongle mode get|set`: the E3372 story's `AT^SETPORT="FF;10,12"` as one command.

mod common;
use common::*;
use serde_json::Value;

fn json(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn get_shows_the_layout_with_names() {
    let v = sim_json("e3372", None, &["mode", "get"]);
    assert_eq!(v["layout"], "A1,A2;12,1,16,A1,A2");
    assert_eq!(v["before"][0]["name"], "CDROM");
    assert_eq!(v["after"][0]["code"], "12");
    assert_eq!(v["after"][0]["name"], "4G PCUI");
}

#[test]
fn set_serial_stores_ff_10_12_and_it_reads_back() {
    let sim = BackgroundSim::start("e3372");
    let out = sim
        .dongle()
        .args(["--json", "mode", "set", "serial", "--no-reset"])
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(v["previous"], "A1,A2;12,1,16,A1,A2");
    assert_eq!(v["layout"], "FF;10,12");
    assert_eq!(v["changed"], true);
    assert_eq!(v["commands"][0], "AT^SETPORT=\"FF;10,12\"");
    let v = json(
        &sim.dongle()
            .args(["--json", "mode", "get"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["layout"], "FF;10,12");
    assert_eq!(v["preset"], "serial");
    // Asking again changes nothing.
    let v = json(
        &sim.dongle()
            .args(["--json", "mode", "set", "FF;10,12"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["changed"], false);
}

#[test]
fn a_layout_without_pcui_is_refused_and_nothing_changes() {
    let sim = BackgroundSim::start("e3372");
    let out = sim
        .dongle()
        .args(["mode", "set", "FF;10,16"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("PCUI"), "{err}");
    let v = json(
        &sim.dongle()
            .args(["--json", "mode", "get"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["layout"], "A1,A2;12,1,16,A1,A2");
}

#[test]
fn dry_run_lists_the_commands_and_changes_nothing() {
    let sim = BackgroundSim::start("e3372");
    let out = sim
        .dongle()
        .args(["mode", "set", "ncm", "--dry-run"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("AT^SETPORT=\"FF;10,12,16\"") && text.contains("AT^RESET"),
        "{text}"
    );
    let v = json(
        &sim.dongle()
            .args(["--json", "mode", "get"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["layout"], "A1,A2;12,1,16,A1,A2");
}

#[test]
fn set_with_reset_restarts_the_stick() {
    let v = sim_json("e3372", None, &["mode", "set", "serial"]);
    assert_eq!(v["changed"], true);
    assert_eq!(v["reset"], true);
}

#[test]
fn firmware_without_setport_says_so() {
    let out = sim_run("e620", None, &["mode", "get"]);
    assert_eq!(out.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&out.stderr).contains("AT^SETPORT"));
}

#[test]
fn unknown_mode_names_the_presets() {
    let out = sim_run("e3372", None, &["mode", "set", "turbo"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("serial") && err.contains("FF;10,12"), "{err}");
}
