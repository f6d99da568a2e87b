//! `dongle doctor` through the real binary: files, stdin, JSON shape, errors.

mod common;

use assert_cmd::Command;
use serde_json::Value;
use std::path::PathBuf;

fn story(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../doctor/tests/stories")
        .join(name)
}

fn dongle() -> Command {
    let mut c = Command::cargo_bin("dongle").expect("binary built");
    c.env_remove("DONGLE_LOG")
        .timeout(std::time::Duration::from_secs(30));
    c
}

#[test]
fn human_report_for_the_e3531_story() {
    let out = dongle()
        .arg("doctor")
        .arg("--file")
        .arg(story("e3531.txt"))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let first_line = text.lines().next().unwrap_or("");
    assert!(
        first_line.starts_with("device 12d1:1568 at 1-1.5"),
        "{text}"
    );
    assert!(first_line.contains("mode serial"), "{text}");
    assert!(
        text.contains("1. usb_modeswitch switched the stick"),
        "{text}"
    );
    assert!(text.contains("[storage_claims_interface]"), "{text}");
    let last = text.lines().rev().find(|l| !l.is_empty()).unwrap_or("");
    assert!(
        last.starts_with("next: ") && last.contains("dongle switch 1-1.5"),
        "{last}"
    );
}

#[test]
fn json_has_the_documented_shape() {
    let out = dongle()
        .args(["doctor", "--json", "--file"])
        .arg(story("e620.txt"))
        .output()
        .expect("runs");
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["devices"][0]["id"], "12d1:1001");
    assert_eq!(v["devices"][0]["mode"], "serial");
    assert!(v["devices"][0]["model"].is_string());
    let f = &v["findings"][0];
    assert_eq!(f["problem"], "reconnect_loop");
    assert!(f["confidence"]
        .as_f64()
        .is_some_and(|c| c > 0.5 && c <= 1.0));
    assert!(f["evidence"].as_array().is_some_and(|e| !e.is_empty()));
    assert!(f["summary"].is_string() && f["fix"].is_string());
    assert!(v["notes"].is_array());
}

#[test]
fn reads_stdin_and_several_files() {
    let log = std::fs::read_to_string(story("e3372_hilink.txt")).expect("story");
    let out = dongle()
        .args(["doctor", "--json"])
        .write_stdin(log)
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["findings"][0]["problem"], "needs_setport");

    let out = dongle()
        .args(["doctor", "--json", "--file"])
        .arg(story("e620.txt"))
        .arg("--file")
        .arg("/nonexistent/log.txt")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let notes = v["notes"].as_array().cloned().unwrap_or_default();
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().is_some_and(|s| s.contains("could not be read"))),
        "{notes:?}"
    );
}

#[test]
fn unreadable_only_file_is_a_usage_error() {
    let out = dongle()
        .args(["doctor", "--file", "/nonexistent/log.txt"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--file"));
}

fn live_json(mut c: assert_cmd::Command) -> Value {
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

fn problems(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["problem"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn live_storage_mode_from_the_simulated_sysfs() {
    let mut c = dongle();
    c.args(["--sim", "e3372-storage"]);
    let v = live_json(c);
    assert_eq!(v["devices"][0]["id"], "12d1:1f01");
    assert_eq!(v["devices"][0]["mode"], "storage");
    assert_eq!(v["findings"][0]["problem"], "no_modeswitch");
    assert!(v["findings"][0]["fix"]
        .as_str()
        .is_some_and(|f| f.contains("dongle switch 1-1")));
}

#[test]
fn live_healthy_stick_has_no_finding() {
    let mut c = dongle();
    c.args(["--sim", "e3372"]);
    let v = live_json(c);
    assert_eq!(v["devices"][0]["mode"], "ncm");
    assert!(problems(&v).is_empty(), "{v:#}");
}

#[test]
fn live_busy_port_names_the_holder() {
    let sim = common::BackgroundSim::start("e3372");
    // This test process keeps the modem's port open, as ModemManager or minicom would.
    let _held = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(sim.root().join("dev/ttyUSB0"))
        .expect("open the simulated port");
    let v = live_json(sim.dongle());
    let ids = problems(&v);
    assert!(ids.contains(&"port_busy".to_string()), "{v:#}");
    let f = v["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["problem"] == "port_busy"))
        .cloned()
        .unwrap_or_default();
    let ev = f["evidence"].to_string();
    assert!(ev.contains("ttyUSB0") && ev.contains("pid"), "{ev}");
}

#[test]
fn live_missing_driver() {
    let sim = common::BackgroundSim::start("e3372");
    // The kernel has no driver for the stick's interfaces: no driver links, no ttys.
    let devices = sim.root().join("sys/bus/usb/devices");
    for e in std::fs::read_dir(&devices).expect("sysfs").flatten() {
        if !e.file_name().to_string_lossy().contains(':') {
            continue;
        }
        for sub in std::fs::read_dir(e.path()).expect("interface").flatten() {
            let name = sub.file_name().to_string_lossy().into_owned();
            if name == "driver" || name.starts_with("tty") || name == "net" {
                let p = sub.path();
                let _ = std::fs::remove_file(&p).or_else(|_| std::fs::remove_dir_all(&p));
            }
        }
    }
    let v = live_json(sim.dongle());
    assert_eq!(v["findings"][0]["problem"], "driver_not_bound", "{v:#}");
}

#[test]
fn nothing_recognised_still_ends_with_a_next_step() {
    let out = dongle()
        .arg("doctor")
        .write_stdin("hello\nworld\n")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("no modem seen"), "{text}");
    assert!(text.contains("next: "), "{text}");
}
