//! Helpers for driving the real `dongle` binary against the virtual modem.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

/// `dongle` with a private lock directory, so parallel tests never meet in /var/lock.
pub fn dongle(lock_dir: &Path) -> Command {
    let mut c = Command::cargo_bin("dongle").expect("binary built");
    c.env("DONGLE_LOCK_DIR", lock_dir)
        .env_remove("DONGLE_LOG")
        .timeout(std::time::Duration::from_secs(30));
    c
}

/// Run with `--sim PROFILE [--scenario FILE] --json ARGS`, expect success, parse stdout.
pub fn sim_json(profile: &str, scenario: Option<&str>, args: &[&str]) -> Value {
    let out = sim_run(profile, scenario, &[&["--json"], args].concat());
    assert!(
        out.status.success(),
        "dongle {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// Run `dongle --sim PROFILE [--scenario FILE] ARGS` and return the output.
pub fn sim_run(profile: &str, scenario: Option<&str>, args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut c = dongle(dir.path());
    c.args(["--sim", profile]);
    if let Some(text) = scenario {
        let f = dir.path().join("scenario.toml");
        std::fs::write(&f, text).unwrap();
        c.arg("--scenario").arg(&f);
    }
    c.args(args).output().expect("dongle runs")
}

/// The probe entry for a tty name.
pub fn port<'a>(probe: &'a Value, tty: &str) -> &'a Value {
    probe
        .as_array()
        .expect("probe JSON is a list")
        .iter()
        .find(|p| p["tty"] == tty)
        .unwrap_or_else(|| panic!("no {tty} in {probe:#}"))
}
