//! `dongle config check` through the real binary: ok, errors with file:line:column and key,
//! exit codes, `--json`, `$DONGLE_CONFIG`.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn dongle() -> Command {
    let mut c = Command::cargo_bin("dongle").expect("binary built");
    c.env_remove("DONGLE_CONFIG");
    c
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write config");
    p.display().to_string()
}

const GOOD: &str = r#"
[defaults]
via = "ncm"
apn = "internet"
route_metric = 100

[[modem]]
name = "uplink1"
match = { imei = "866123456789015" }

[[modem]]
match = { usb_path = "1-1.4", id = "12d1:1506" }
manage = false

[metrics]
listen = "127.0.0.1:9433"
"#;

#[test]
fn good_file_is_ok_with_section_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "config.toml", GOOD);
    dongle()
        .args(["config", "check", "--config", &f])
        .assert()
        .success()
        .stdout(format!("{f}: ok (2 modem sections)\n"));
}

#[test]
fn env_variable_names_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "c.toml", "[defaults]\nvia = \"modem\"\n");
    dongle()
        .env("DONGLE_CONFIG", &f)
        .args(["config", "check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("{f}:2:7: defaults.via:")));
}

#[test]
fn missing_file_is_ok_all_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = dir.path().join("none.toml").display().to_string();
    dongle()
        .args(["config", "check", "--config", &f])
        .assert()
        .success()
        .stdout(predicate::str::contains("ok (0 modem sections"))
        .stdout(predicate::str::contains("does not exist"));
}

#[test]
fn bad_file_exits_2_naming_line_key_and_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(
        dir.path(),
        "config.toml",
        "[defaults]\napn = \"internet\"\n\n[[modem]]\nname = \"a\"\nmatch = { imei = \"866123456789015\" }\napm = \"x\"\n",
    );
    dongle()
        .args(["config", "check", "--config", &f])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "{f}:7:1: modem[1].apm: unknown field `apm`"
        )))
        .stderr(predicate::str::contains("README"));
}

#[test]
fn json_ok_and_error_objects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let f = write(dir.path(), "good.toml", GOOD);
    let out = dongle()
        .args(["--json", "config", "check", "--config", &f])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(v["ok"], true);
    assert_eq!(v["exists"], true);
    assert_eq!(v["modem_sections"], 2);
    assert_eq!(v["names"], serde_json::json!(["uplink1", null]));
    assert_eq!(v["metrics"]["listen"], "127.0.0.1:9433");
    assert_eq!(v["metrics"]["interval_s"], 15);
    assert!(v["error"].is_null());

    let f = write(
        dir.path(),
        "bad.toml",
        "[metrics]\nlisten = \"0.0.0.0:9433\"\n",
    );
    let out = dongle()
        .args(["--json", "config", "check", "--config", &f])
        .assert()
        .code(2)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["line"], 2);
    assert_eq!(v["error"]["column"], 10);
    assert_eq!(v["error"]["key"], "metrics.listen");
    assert!(v["error"]["fix"]
        .as_str()
        .is_some_and(|s| s.contains("allow_remote")));
}

#[test]
fn unreadable_path_is_not_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A directory: the read fails, and that is not "your file is wrong" (exit 2).
    dongle()
        .args(["config", "check", "--config"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot read"));
}

#[test]
fn secret_files_missing_or_readable_by_others_are_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let pin = dir.path().join("pin");
    std::fs::write(&pin, "1234\n").expect("pin");
    std::fs::set_permissions(&pin, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let missing = dir.path().join("secret");
    let f = write(
        dir.path(),
        "config.toml",
        &format!(
            "[defaults]\npin_file = \"{}\"\n\n[[modem]]\nmatch = {{ id = \"12d1:1506\" }}\npassword_file = \"{}\"\n",
            pin.display(),
            missing.display()
        ),
    );
    dongle()
        .args(["config", "check", "--config", &f])
        .assert()
        .success()
        .stdout(predicate::str::contains("ok (1 modem sections)"))
        .stderr(predicate::str::contains(format!(
            "defaults.pin_file: {} can be read by other users (mode 644); chmod 600",
            pin.display()
        )))
        .stderr(predicate::str::contains(format!(
            "modem[1].password_file: {} does not exist",
            missing.display()
        )))
        // Never the secret itself.
        .stderr(predicate::str::contains("1234").not());

    std::fs::set_permissions(&pin, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    std::fs::write(&missing, "pw\n").expect("secret");
    std::fs::set_permissions(&missing, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    dongle()
        .args(["config", "check", "--config", &f])
        .assert()
        .success()
        .stderr("");
    let out = dongle()
        .args(["--json", "config", "check", "--config", &f])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(v["warnings"], serde_json::json!([]));
}
