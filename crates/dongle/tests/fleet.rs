//! `dongle sim PROFILE --count N`: several sticks in one tree, driven from stdin the way a
//! benchmark script drives it, and the ordinary commands working on each stick by USB path.

mod common;
use common::*;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

struct BackgroundFleet {
    // Declared first: dropped (killed) before the directory it runs in.
    sim: SimFleet,
    dir: tempfile::TempDir,
    started: Value,
}

impl BackgroundFleet {
    fn start(profile: &str, count: usize) -> BackgroundFleet {
        let dir = tempfile::tempdir().unwrap();
        let sim = SimFleet::start(&dir.path().join("sim"), profile, count, None);
        let started = sim.started.clone();
        BackgroundFleet { sim, dir, started }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("sim")
    }

    fn dongle(&self) -> assert_cmd::Command {
        let mut c = dongle(self.dir.path());
        c.arg("--sysfs")
            .arg(self.root().join("sys"))
            .arg("--dev")
            .arg(self.root().join("dev"));
        c
    }

    /// The same as `dongle`, as a plain process to run several at once.
    fn spawn(&self, args: &[&str]) -> Child {
        Command::new(assert_cmd::cargo::cargo_bin("dongle"))
            .env("DONGLE_LOCK_DIR", self.dir.path())
            .env_remove("DONGLE_LOG")
            .arg("--sysfs")
            .arg(self.root().join("sys"))
            .arg("--dev")
            .arg(self.root().join("dev"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Sends one control line and returns the JSON line acknowledging it.
    fn control(&mut self, line: &str) -> Value {
        let ack = self.sim.ack(line);
        serde_json::from_str(&ack).unwrap_or_else(|e| panic!("{ack:?}: {e}"))
    }

    fn modem(&self, number: usize) -> &Value {
        &self.started["modems"][number - 1]
    }
}

fn json_of(out: std::process::Output, what: &str) -> Value {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{what}: {e}"))
}

fn listed_paths(fleet: &BackgroundFleet) -> Vec<String> {
    let list = json_of(
        fleet.dongle().args(["--json", "list"]).output().unwrap(),
        "list",
    );
    list.as_array()
        .expect("list is an array")
        .iter()
        .map(|d| d["path"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn four_sticks_listed_queried_at_once_unplugged_and_replugged() {
    let mut fleet = BackgroundFleet::start("e3372", 4);
    assert_eq!(fleet.started["modems"].as_array().map(Vec::len), Some(4));
    assert_eq!(listed_paths(&fleet), ["1-1.1", "1-1.2", "1-1.3", "1-1.4"]);

    // Two sticks at once, each found by its USB path, each answering with its own identity.
    let a = fleet.spawn(&["--json", "info", "1-1.2"]);
    let b = fleet.spawn(&["--json", "info", "1-1.4"]);
    let p = fleet.spawn(&["--json", "probe", "1-1.3"]);
    let info2 = json_of(a.wait_with_output().unwrap(), "info 1-1.2");
    let info4 = json_of(b.wait_with_output().unwrap(), "info 1-1.4");
    let probe3 = json_of(p.wait_with_output().unwrap(), "probe 1-1.3");
    assert_eq!(info2["imei"], fleet.modem(2)["imei"]);
    assert_eq!(info4["imei"], fleet.modem(4)["imei"]);
    assert_ne!(info2["imei"], info4["imei"]);
    assert_eq!(info2["iccid"], fleet.modem(2)["iccid"]);
    assert_eq!(info4["sim"], "ready");
    let probed: Vec<&str> = probe3
        .as_array()
        .expect("probe list")
        .iter()
        .map(|p| p["tty"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(probed, ["ttyUSB4", "ttyUSB5"], "{probe3:#}");
    assert!(probe3
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["device"] == "1-1.3" && p["at"] == true));

    // Unplug stick 2: gone from the list, its ports gone, the others unaffected.
    let ack = fleet.control("unplug 2");
    assert_eq!(ack["event"], "unplugged");
    assert_eq!(ack["usb_path"], "1-1.2");
    assert_eq!(ack["plugged"], false);
    assert_eq!(listed_paths(&fleet), ["1-1.1", "1-1.3", "1-1.4"]);
    let gone = fleet.dongle().args(["info", "1-1.2"]).output().unwrap();
    assert_eq!(gone.status.code(), Some(3), "not found");
    let port = fleet.modem(2)["ports"][1]["tty"]
        .as_str()
        .unwrap()
        .to_string();
    let at = fleet
        .dongle()
        .args(["at", "--port", &port, "AT"])
        .output()
        .unwrap();
    assert!(
        !at.status.success(),
        "the port of an unplugged stick opened"
    );
    let err = String::from_utf8_lossy(&at.stderr);
    assert!(err.contains(&port), "{err}");
    let still = json_of(
        fleet
            .dongle()
            .args(["--json", "info", "1-1.3"])
            .output()
            .unwrap(),
        "info 1-1.3",
    );
    assert_eq!(still["imei"], fleet.modem(3)["imei"]);

    // A bad line is refused on stderr and does not end the fleet.
    fleet.sim.send("unplug 9");

    // Replug: listed again, same names and identity, answering on new PTYs (the kernel may
    // hand out the same /dev/pts number again, as it does ttyUSB numbers).
    let ack = fleet.control("replug 2");
    assert_eq!(ack["event"], "replugged");
    assert_eq!(ack["plugged"], true);
    assert_eq!(ack["ports"][1]["tty"], port.as_str());
    assert_eq!(listed_paths(&fleet), ["1-1.1", "1-1.2", "1-1.3", "1-1.4"]);
    let back = json_of(
        fleet
            .dongle()
            .args(["--json", "info", "1-1.2"])
            .output()
            .unwrap(),
        "info 1-1.2 after replug",
    );
    assert_eq!(back["imei"], fleet.modem(2)["imei"]);
    assert_eq!(back["sim"], "ready");
}

#[test]
fn count_out_of_range_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dongle(dir.path())
        .args(["sim", "e3372", "--count", "101", "--dir"])
        .arg(dir.path().join("sim"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("1..=100"), "{err}");
}
