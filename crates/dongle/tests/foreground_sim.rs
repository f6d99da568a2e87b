//! `dongle sim` as its own process, with other programs using its ports:
//! the way a user tries dongle next to minicom or ModemManager.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command};
use std::time::Duration;

fn holder_of(path: &Path) -> Child {
    Command::new("sleep")
        .arg("30")
        .stdin(std::fs::File::open(path).unwrap())
        .spawn()
        .unwrap()
}

#[test]
fn busy_port_is_reported_with_the_holders_name_and_pid() {
    let sim = BackgroundSim::start("e3372");
    let mut holder = holder_of(&sim.root().join("dev/ttyUSB1"));
    std::thread::sleep(Duration::from_millis(100));
    let out = sim.dongle().args(["--json", "probe"]).output().unwrap();
    let probe: Value = serde_json::from_slice(&out.stdout).unwrap();
    let busy = port(&probe, "ttyUSB1");
    assert_eq!(busy["answer"], "busy", "{probe:#}");
    assert_eq!(busy["holder"]["program"], "sleep");
    assert_eq!(busy["holder"]["pid"], holder.id());
    // The other port is free and still works; the simulator itself is not a "holder".
    assert_eq!(port(&probe, "ttyUSB0")["at"], true);

    let out = sim
        .dongle()
        .args(["at", "--port", "ttyUSB1", "AT"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("busy") && err.contains(&format!("sleep (pid {})", holder.id())),
        "{err}"
    );
    let _ = holder.kill();
    let _ = holder.wait();
}

#[test]
fn foreground_sim_serves_other_processes() {
    let sim = BackgroundSim::start("e3531-serial");
    let out = sim.dongle().args(["--json", "info"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["sim"], "ready");
    let list = sim.dongle().args(["--json", "list"]).output().unwrap();
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(list[0]["id"], "12d1:1001");
    assert_eq!(list[0]["mode"], "serial");
}

#[test]
fn no_permission_is_its_own_error() {
    if Command::new("setpriv").arg("--version").output().is_err() {
        eprintln!("skipped: setpriv (util-linux) not available");
        return;
    }
    let sim = BackgroundSim::start("e3372");
    let bin = assert_cmd::cargo::cargo_bin("dongle");
    let port = sim.root().join("dev/ttyUSB1");
    // PTY slaves are root's with mode 0620: an unprivileged user may not open them.
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&bin)
        .args(["at", "--port"])
        .arg(&port)
        .arg("AT")
        .output()
        .unwrap();
    if String::from_utf8_lossy(&out.stderr).contains("setpriv:") {
        eprintln!("skipped: cannot drop privileges here");
        return;
    }
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("permission denied") && err.contains("dialout"),
        "{err}"
    );
}
