//! `dongle probe` end to end on the virtual modem.

mod common;
use common::*;

#[test]
fn e3372_roles_come_from_descriptors() {
    let p = sim_json("e3372", None, &["probe"]);
    assert_eq!(p.as_array().unwrap().len(), 2, "{p:#}");
    let modem = port(&p, "ttyUSB0");
    assert_eq!(modem["role"], "modem");
    assert_eq!(modem["role_source"], "descriptor");
    assert_eq!(modem["at"], true);
    assert_eq!(modem["holder"], serde_json::Value::Null);
    assert_eq!(modem["id"], "12d1:1506");
    assert_eq!(modem["interface"], 0);
    assert!(modem["port"].as_str().unwrap().ends_with("/ttyUSB0"));
    let pcui = port(&p, "ttyUSB1");
    assert_eq!(pcui["role"], "pcui");
    assert_eq!(pcui["at"], true);
}

#[test]
fn silent_diag_port_is_found_and_does_not_stall_the_probe() {
    let t = std::time::Instant::now();
    let p = sim_json("e3531-serial", None, &["probe"]);
    assert!(t.elapsed() < std::time::Duration::from_secs(5));
    let diag = port(&p, "ttyUSB1");
    assert_eq!(diag["at"], false);
    assert_eq!(diag["answer"], "silent");
    assert_eq!(diag["role"], "diag");
    assert_eq!(port(&p, "ttyUSB0")["role"], "modem");
    assert_eq!(port(&p, "ttyUSB2")["role"], "pcui");
    assert_eq!(port(&p, "ttyUSB2")["at"], true);
}

#[test]
fn diag_port_answering_junk_is_binary() {
    let p = sim_json(
        "e3531-serial",
        Some("[ports.ttyUSB1]\ngarbage = true\n"),
        &["probe"],
    );
    let diag = port(&p, "ttyUSB1");
    assert_eq!(diag["at"], false);
    assert_eq!(diag["answer"], "binary");
    assert_eq!(diag["role"], "diag");
}

#[test]
fn e620_without_hints_gets_roles() {
    let p = sim_json("e620", None, &["probe"]);
    assert_eq!(p.as_array().unwrap().len(), 3);
    assert_eq!(port(&p, "ttyUSB0")["role"], "modem");
    // The generic 12d1:1001 table row says interface 1 is diag, but this
    // stick answers AT there: the answer wins.
    assert_eq!(port(&p, "ttyUSB1")["role"], "pcui", "{p:#}");
    assert_eq!(port(&p, "ttyUSB1")["role_source"], "probe");
    assert_eq!(port(&p, "ttyUSB2")["role"], "pcui");
}

#[test]
fn zte_mf190_layout() {
    let p = sim_json("zte-mf190", None, &["probe"]);
    assert_eq!(port(&p, "ttyUSB0")["at"], false);
    assert_eq!(port(&p, "ttyUSB1")["role"], "pcui");
    assert_eq!(port(&p, "ttyUSB2")["role"], "modem");
}

#[test]
fn explicit_port_that_is_not_a_tty_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dongle(dir.path())
        .args(["probe", "--port", "/etc/hostname"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/etc/hostname") && err.contains("not a serial port"),
        "{err}"
    );
}

#[test]
fn missing_port_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let out = dongle(dir.path())
        .args(["probe", "--port", "/dev/ttyUSB-missing"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ttyUSB-missing") && err.contains("no such port"),
        "{err}"
    );
}

#[test]
fn no_modem_at_all_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("sys/bus/usb/devices")).unwrap();
    let out = dongle(dir.path())
        .arg("--sysfs")
        .arg(dir.path().join("sys"))
        .arg("probe")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("dongle list"));
}

#[test]
fn unknown_sim_profile_lists_the_choices() {
    let out = sim_run("e9999", None, &["probe"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("e3372"));
}

#[test]
fn human_output_ends_with_next_step() {
    let out = sim_run("e3372", None, &["probe"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("pcui") && text.contains("next: dongle info"),
        "{text}"
    );
}
