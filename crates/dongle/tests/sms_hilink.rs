//! `dongle sms …` and `dongle ussd` on a HiLink stick, through the real binary: the stick is
//! dongle-sim's loopback HiLink API (in this process, so the test sees what it was told), given
//! as DEV (its URL), as `--sim e3372-hilink`, or found on a (fake) USB bus.

mod common;
use common::*;
use dongle_sim::hilink::{HilinkOptions, HilinkServer};
use dongle_sim::Scenario;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn stick(opts: HilinkOptions) -> HilinkServer {
    HilinkServer::start("127.0.0.1:0", opts).expect("the simulated stick starts")
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    dongle(dir)
        .env_remove("DONGLE_HILINK_PASSWORD")
        .env_remove("DONGLE_HILINK_URL")
        .env("DONGLE_SMS_DIR", dir.join("default-sms-dir"))
        .args(args)
        .output()
        .expect("dongle runs")
}

fn ok_json(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().expect("an object").keys().cloned().collect()
}

fn by_index(list: &Value, i: u64) -> &Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|m| m["indexes"][0] == i)
        .unwrap_or_else(|| panic!("no message {i} in {list:#}"))
}

#[test]
fn list_has_the_at_paths_shape() {
    let h = sim_json("e3372-hilink", None, &["sms", "list"]);
    let at = sim_json("e3372", None, &["sms", "list"]);
    let (h, at) = (h.as_array().unwrap(), at.as_array().unwrap());
    assert_eq!(keys(&h[0]), keys(&at[0]), "one format for scripts");
    // The same SIM messages as the AT simulator, the long one joined by the stick. (The XML
    // reader trims element text, so a trailing space of a message does not survive.)
    let texts = |l: &[Value]| -> BTreeSet<String> {
        l.iter()
            .filter(|m| m["type"] == "deliver")
            .map(|m| m["text"].as_str().unwrap().trim().to_string())
            .collect()
    };
    assert!(
        texts(at).is_subset(&texts(h)),
        "{:?} vs {:?}",
        texts(at),
        texts(h)
    );
    let long = h
        .iter()
        .find(|m| m["text"].as_str().unwrap().len() > 160)
        .unwrap();
    assert_eq!(long["pdus"], serde_json::json!([]), "no PDUs over HiLink");
    assert_eq!(long["encoding"], Value::Null);
    assert_eq!(long["total_parts"], 1);
    assert!(h
        .iter()
        .any(|m| m["type"] == "submit" && m["status"] == "sent"));
    assert!(h.iter().any(|m| m["type"] == "status_report"));
    // The stick's clock has no offset: local date and time only.
    assert_eq!(long["time"].as_str().unwrap().len(), 19);
}

#[test]
fn list_table_on_the_simulated_stick() {
    let out = sim_run("e3372-hilink", None, &["sms", "list"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("тест"), "{text}");
    // A vertical tab in a message is a space by the time it is shown.
    assert!(text.contains("Paket 3 von 4 wird"), "{text}");
    assert!(!text.contains('\u{b}'));
    assert!(text.contains("stick store: 7 of 500 used"), "{text}");
}

#[test]
fn read_shows_one_message_and_marks_it_read() {
    let s = stick(HilinkOptions::default());
    let d = tempfile::tempdir().unwrap();
    let url = s.url();
    let list = ok_json(&run(d.path(), &["--json", "sms", "list", &url]));
    let unread = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["status"] == "unread")
        .unwrap()["indexes"][0]
        .as_u64()
        .unwrap();
    let i = unread.to_string();
    let m = ok_json(&run(d.path(), &["--json", "sms", "read", &i, &url]));
    assert_eq!(m["status"], "unread", "as it was when read");
    let list = ok_json(&run(d.path(), &["--json", "sms", "list", &url]));
    assert_eq!(by_index(&list, unread)["status"], "read");
    // A human reading.
    let out = run(d.path(), &["sms", "read", &i, &url]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("index:   {i}")), "{text}");
    // An index that is not there.
    let out = run(d.path(), &["sms", "read", "12345", &url]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn send_goes_into_the_sent_box() {
    let s = stick(HilinkOptions::default());
    let d = tempfile::tempdir().unwrap();
    let url = s.url();
    let text = "Привет! ".repeat(12);
    let r = ok_json(&run(
        d.path(),
        &[
            "--json",
            "sms",
            "send",
            "+4915112345678",
            &text,
            "--device",
            &url,
        ],
    ));
    assert_eq!(r["to"], "+4915112345678");
    assert_eq!(r["encoding"], "ucs2");
    assert_eq!(
        r["parts"].as_array().unwrap().len(),
        2,
        "96 UCS-2 characters: two parts"
    );
    assert_eq!(r["parts"][0]["pdu"], Value::Null);
    assert_eq!(s.sms_counts().1, 2);
    let list = ok_json(&run(d.path(), &["--json", "sms", "list", &url]));
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["type"] == "submit" && m["text"] == text.trim_end()));
}

#[test]
fn send_failures_say_what_happened() {
    // The network refuses: send-sms says OK, send-status lists the number as failed.
    let mut scenario = Scenario::default();
    scenario.sms.send_error = Some(500);
    let s = stick(HilinkOptions {
        scenario,
        ..HilinkOptions::default()
    });
    let d = tempfile::tempdir().unwrap();
    let out = run(
        d.path(),
        &["sms", "send", "+4915112345678", "hi", "--device", &s.url()],
    );
    assert_eq!(out.status.code(), Some(6));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("failed") && err.contains("no credit"), "{err}");
    // The stick refuses at once: its code, name and fix.
    let s = stick(HilinkOptions {
        sms_send_error: Some(113053),
        ..HilinkOptions::default()
    });
    let out = run(
        d.path(),
        &["sms", "send", "+4915112345678", "hi", "--device", &s.url()],
    );
    assert_eq!(out.status.code(), Some(6));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("113053") && err.contains("dongle sms delete"),
        "{err}"
    );
    // --smsc cannot be passed through the web API.
    let out = run(
        d.path(),
        &[
            "sms",
            "send",
            "+49151",
            "hi",
            "--smsc",
            "+491",
            "--device",
            &s.url(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn delete_saves_first_then_deletes_only_what_was_asked() {
    let s = stick(HilinkOptions::default());
    let d = tempfile::tempdir().unwrap();
    let url = s.url();
    let save = d.path().join("saved");
    let save_s = save.to_str().unwrap();
    let r = ok_json(&run(
        d.path(),
        &[
            "--json", "sms", "delete", "40000", "40003", "--save", save_s, "--device", &url,
        ],
    ));
    assert_eq!(r["deleted"], serde_json::json!([40000, 40003]));
    assert_eq!(r["changed"], serde_json::json!([]));
    let files: Vec<Value> = std::fs::read_dir(&save)
        .unwrap()
        .map(|e| {
            serde_json::from_str(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap()
        })
        .collect();
    assert_eq!(files.len(), 2);
    assert!(files
        .iter()
        .all(|f| f["format"] == "dongle-sms/1" && f["port"] == url.as_str()));
    assert!(files.iter().any(|f| f["message"]["text"] == "тест"));
    assert_eq!(s.sms_counts(), (4, 1));
    // Saving twice names the same file (named after the content, not a PDU).
    let list = ok_json(&run(
        d.path(),
        &["--json", "sms", "list", "--save", save_s, &url],
    ));
    assert_eq!(list.as_array().unwrap().len(), 5);
    assert_eq!(std::fs::read_dir(&save).unwrap().count(), 7);
}

#[test]
fn nothing_is_deleted_when_saving_fails_or_an_index_is_wrong() {
    let s = stick(HilinkOptions::default());
    let d = tempfile::tempdir().unwrap();
    let url = s.url();
    let not_a_dir = d.path().join("file");
    std::fs::write(&not_a_dir, "").unwrap();
    let out = run(
        d.path(),
        &[
            "sms",
            "delete",
            "--all",
            "--save",
            not_a_dir.to_str().unwrap(),
            "--device",
            &url,
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was deleted"));
    let out = run(
        d.path(),
        &["sms", "delete", "40000", "49999", "--device", &url],
    );
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(s.sms_counts(), (6, 1));
    assert!(!s.requests().iter().any(|r| r.path == "/api/sms/delete-sms"));
    // --all with the default directory ($DONGLE_SMS_DIR here) empties both boxes.
    ok_json(&run(
        d.path(),
        &["--json", "sms", "delete", "--all", "--device", &url],
    ));
    assert_eq!(s.sms_counts(), (0, 0));
    assert_eq!(
        std::fs::read_dir(d.path().join("default-sms-dir"))
            .unwrap()
            .count(),
        7
    );
}

#[test]
fn ussd_over_the_web_api() {
    let r = sim_json("e3372-hilink", None, &["ussd", "*100#"]);
    let at = sim_json("e3372", None, &["ussd", "*100#"]);
    assert_eq!(keys(&r), keys(&at), "one format for scripts");
    assert_eq!(r["text"], at["text"]);
    assert_eq!(r["status"], Value::Null, "the web API does not say");
    let out = sim_run(
        "e3372-hilink",
        Some("[sms]\nussd_reply = \"Ваш баланс: 100 руб.\"\n"),
        &["ussd", "*102#"],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "Ваш баланс: 100 руб."
    );
}

#[test]
fn ussd_without_a_network_times_out_with_the_fix() {
    let out = sim_run(
        "e3372-hilink",
        Some("[network]\nregistration = \"searching\"\n"),
        &["ussd", "*100#", "--timeout", "1"],
    );
    assert_eq!(out.status.code(), Some(6));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("111019") && err.contains("--timeout"), "{err}");
}

/// A fake sysfs with one HiLink stick (12d1:14dc, CDC-Ethernet interface with eth2) and no
/// serial modem.
fn hilink_on_the_bus(root: &Path) {
    let dev = root.join("bus/usb/devices/1-1");
    std::fs::create_dir_all(&dev).unwrap();
    std::fs::write(dev.join("idVendor"), "12d1\n").unwrap();
    std::fs::write(dev.join("idProduct"), "14dc\n").unwrap();
    let i = root.join("bus/usb/devices/1-1:1.0");
    std::fs::create_dir_all(i.join("net/eth2")).unwrap();
    for (f, v) in [
        ("bInterfaceNumber", "00"),
        ("bInterfaceClass", "02"),
        ("bInterfaceSubClass", "06"),
        ("bInterfaceProtocol", "00"),
        ("driver", "cdc_ether"),
    ] {
        std::fs::write(i.join(f), format!("{v}\n")).unwrap();
    }
}

#[test]
fn a_hilink_stick_on_the_usb_bus_is_found() {
    let s = stick(HilinkOptions::default());
    let d = tempfile::tempdir().unwrap();
    let sys = d.path().join("sys");
    hilink_on_the_bus(&sys);
    // The stick's address comes from DONGLE_HILINK_URL here (loopback has a port); without
    // it, from the interface's subnet (unit test in cmd/sms_hilink.rs).
    for dev in [None, Some("12d1:14dc"), Some("1-1")] {
        let mut c = dongle(d.path());
        c.env("DONGLE_HILINK_URL", s.url())
            .env_remove("DONGLE_HILINK_PASSWORD")
            .args(["--sysfs", sys.to_str().unwrap(), "--json", "ussd", "*100#"]);
        if let Some(dev) = dev {
            c.arg(dev);
        }
        let out = c.output().unwrap();
        let r = ok_json(&out);
        assert!(
            r["text"].as_str().unwrap().starts_with("Balance"),
            "{dev:?}: {r}"
        );
    }
    let mut c = dongle(d.path());
    let out = c
        .env("DONGLE_HILINK_URL", s.url())
        .args(["--sysfs", sys.to_str().unwrap(), "--json", "sms", "list"])
        .output()
        .unwrap();
    assert_eq!(ok_json(&out).as_array().unwrap().len(), 7);
}
