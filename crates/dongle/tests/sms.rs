//! `dongle sms` and `dongle ussd` end to end on the virtual modem, whose SIM
//! holds real PDUs (ModemManager's vectors: Vodafone ES, Telit, a two-part
//! message, Beeline's UCS-2 "InternetSMS", a sent message and its status report).

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;

fn texts(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|m| m["text"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn indexes(list: &Value) -> Vec<Vec<u64>> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|m| {
            m["indexes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_u64().unwrap())
                .collect()
        })
        .collect()
}

fn saved_files(dir: &Path) -> Vec<Value> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .map(|f| serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap())
        .collect()
}

#[test]
fn list_decodes_the_real_pdus_and_joins_long_messages() {
    let list = sim_json("e3372", None, &["sms", "list"]);
    assert_eq!(
        indexes(&list),
        [vec![0], vec![1], vec![3, 2], vec![4], vec![5], vec![6]]
    );
    let m = &list[0];
    assert_eq!(m["number"], "22167");
    assert_eq!(m["time"], "2013-03-19T16:19:13+01:00");
    assert_eq!(m["status"], "read");
    assert!(m["text"]
        .as_str()
        .unwrap()
        .starts_with("Bienvenido a Vodafone."));
    assert_eq!(list[1]["status"], "unread");
    assert_eq!(list[1]["text"], "Darmok! Darmok and Jalad at Tanagra");
    // The two parts, stored second part first, read as one message in order.
    let long = &list[2];
    assert_eq!(long["total_parts"], 2);
    assert_eq!(long["missing_parts"], Value::Array(vec![]));
    assert_eq!(
        long["text"],
        "This is a very long test designed to exercise multi part capability. It should show \
         up as one message, not as two, as the underlying encoding represents that the parts \
         are related to one another. "
    );
    assert_eq!(long["pdus"].as_array().unwrap().len(), 2);
    assert_eq!(list[3]["number"], "InternetSMS");
    assert_eq!(list[3]["text"], "тест");
    assert_eq!(list[3]["encoding"], "ucs2");
    // What this SIM sent, and the network's status report on it.
    assert_eq!(list[4]["type"], "submit");
    assert_eq!(list[4]["status"], "sent");
    assert_eq!(list[4]["number"], "639337937");
    assert_eq!(list[4]["time"], Value::Null);
    assert_eq!(list[5]["type"], "status_report");
    assert_eq!(list[5]["time"], "2012-09-11T07:40:36+02:00");
    assert!(list[5]["text"]
        .as_str()
        .unwrap()
        .starts_with("status report for message 90: not yet delivered"));
}

#[test]
fn list_table_and_read() {
    let out = sim_run("e3372", None, &["sms", "list"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("3,2    unread  +16175046925"), "{text}");
    assert!(text.contains("InternetSMS"), "{text}");
    assert!(text.contains("SM store: 7 of 20 used"), "{text}");
    assert!(!text.contains("full"), "{text}");
    let out = sim_run("e3372", Some("[sms]\ncapacity = 5\n"), &["sms", "list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("The store is full") && text.contains("sms delete --all"),
        "{text}"
    );
    // Reading one part of a long message shows all of it.
    let m = sim_json("e3372", None, &["sms", "read", "2"]);
    assert_eq!(m["indexes"], serde_json::json!([3, 2]));
    assert!(m["text"]
        .as_str()
        .unwrap()
        .ends_with("related to one another. "));
    let out = sim_run("e3372", None, &["sms", "read", "9"]);
    assert_eq!(out.status.code(), Some(6));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("+CMS ERROR: 321") && err.contains("dongle sms list"),
        "{err}"
    );
}

#[test]
fn list_save_writes_one_file_per_message_once() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("inbox");
    let s = save.to_str().unwrap();
    let list = sim_json("e3372", None, &["sms", "list", "--save", s]);
    assert!(list[0]["saved"].is_string());
    let files = saved_files(&save);
    assert_eq!(files.len(), 6);
    for f in &files {
        assert_eq!(f["format"], "dongle-sms/1");
        assert!(!f["message"]["pdus"].as_array().unwrap().is_empty());
    }
    // Saving again finds the same files: no duplicates.
    sim_json("e3372", None, &["sms", "list", "--save", s]);
    assert_eq!(saved_files(&save).len(), 6);
}

#[test]
fn delete_saves_first_and_deletes_only_what_was_asked() {
    let sim = BackgroundSim::start("e3372");
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("saved");
    let out = sim
        .dongle()
        .args(["--json", "sms", "delete", "1", "3", "--save"])
        .arg(&save)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["deleted"], serde_json::json!([1, 3]));
    // Index 3 is part 1 of a long message: the whole message is saved.
    let files = saved_files(&save);
    assert_eq!(files.len(), 2);
    assert!(files
        .iter()
        .any(|f| f["message"]["indexes"] == serde_json::json!([3, 2])));
    // On the modem: 0, the orphaned part 2 (index 2), 4, 5 and 6 are left.
    let out = sim
        .dongle()
        .args(["--json", "sms", "list"])
        .output()
        .unwrap();
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        indexes(&list),
        [vec![0], vec![2], vec![4], vec![5], vec![6]]
    );
    assert_eq!(list[1]["missing_parts"], serde_json::json!([1]));
    // --all: every message saved, then the SIM is empty.
    let out = sim
        .dongle()
        .args(["sms", "delete", "--all", "--save"])
        .arg(&save)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(saved_files(&save).len(), 7);
    let out = sim
        .dongle()
        .args(["--json", "sms", "list"])
        .output()
        .unwrap();
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(texts(&list), Vec::<String>::new());
}

#[test]
fn nothing_is_deleted_when_saving_fails_or_the_index_is_wrong() {
    let sim = BackgroundSim::start("e3372");
    let dir = tempfile::tempdir().unwrap();
    let not_a_dir = dir.path().join("file");
    std::fs::write(&not_a_dir, "").unwrap();
    let out = sim
        .dongle()
        .args(["sms", "delete", "--all", "--save"])
        .arg(&not_a_dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nothing was deleted"), "{err}");
    let out = sim
        .dongle()
        .args(["sms", "delete", "0", "9", "--save"])
        .arg(dir.path().join("ok"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        !dir.path().join("ok").exists(),
        "nothing saved for a bad request"
    );
    let out = sim
        .dongle()
        .args(["--json", "sms", "list"])
        .output()
        .unwrap();
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 6, "all still on the SIM");
}

#[test]
fn send_splits_long_text_and_reports_references() {
    let text = "x".repeat(200);
    let r = sim_json("e3372", None, &["sms", "send", "+4915112345678", &text]);
    assert_eq!(r["to"], "+4915112345678");
    assert_eq!(r["encoding"], "gsm7");
    let parts = r["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0]["reference"], 1);
    assert_eq!(parts[1]["reference"], 2);
    // UCS-2 from a file on stdin.
    let dir = tempfile::tempdir().unwrap();
    let out = dongle(dir.path())
        .args([
            "--sim",
            "e3372",
            "sms",
            "send",
            "+4915112345678",
            "--file",
            "-",
        ])
        .write_stdin("Привет 😀\n")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("in 1 part(s), UCS-2: message reference(s) 1"),
        "{text}"
    );
}

#[test]
fn bad_input_never_reaches_the_modem() {
    let dir = tempfile::tempdir().unwrap();
    // No --sim: a usage error comes before any port is looked for.
    for args in [
        vec!["sms", "send", "+49151\r\nAT+CFUN=0", "hi"],
        vec!["sms", "send", "+49 151", "hi"],
        vec!["sms", "send", "+4915112345678", "--smsc", "\"+1", "hi"],
        vec!["sms", "send", "+4915112345678", ""],
        vec!["ussd", "*100#\"\r\nAT+CFUN=0"],
        vec!["ussd", ""],
    ] {
        let out = dongle(dir.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn send_errors_name_the_fix() {
    let out = sim_run(
        "e3372",
        Some("[sms]\nsmsc = \"\"\n"),
        &["sms", "send", "+491511", "hi"],
    );
    assert_eq!(out.status.code(), Some(6));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("330") && err.contains("--smsc"), "{err}");
    // With the SMSC given, the same SIM sends.
    let out = sim_run(
        "e3372",
        Some("[sms]\nsmsc = \"\"\n"),
        &["sms", "send", "+491511", "hi", "--smsc", "+491770610000"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = sim_run(
        "e3372",
        Some("[sms]\nsend_error = 500\n"),
        &["sms", "send", "+491511", "hi"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("500") && err.contains("credit"), "{err}");
    let out = sim_run("e3372", Some("[sim]\nstate = \"pin\"\n"), &["sms", "list"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("311") && err.contains("dongle unlock"),
        "{err}"
    );
}

#[test]
fn ussd_on_huawei_and_zte() {
    // Huawei: the code goes out packed (AA180C3602), the answer comes back packed with dcs 15.
    let r = sim_json("e3372", None, &["ussd", "*100#"]);
    assert_eq!(r["text"], "Balance: 12.34 EUR. Valid until 31-12-2026");
    assert_eq!(r["dcs"], 15);
    assert_eq!(r["status"], 0);
    assert!(r["raw"]
        .as_str()
        .unwrap()
        .bytes()
        .all(|b| b.is_ascii_hexdigit()));
    let r = sim_json(
        "zte-mf190",
        Some("[sms]\nussd_reply = \"Saldo: 5,00 EUR\"\n"),
        &["ussd", "*100#"],
    );
    assert_eq!(r["text"], "Saldo: 5,00 EUR");
    let out = sim_run(
        "e3372",
        Some("[network]\nregistration = \"searching\"\n"),
        &["ussd", "*100#"],
    );
    assert_eq!(out.status.code(), Some(6));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not support"), "{err}");
}

#[test]
fn no_at_port_says_why() {
    // A stick still in storage mode (or a HiLink stick) has no AT port.
    let out = sim_run("e3372-storage", None, &["sms", "list"]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("PCUI") && err.contains("web API") && err.contains("http://192.168.8.1"),
        "{err}"
    );
    let out = sim_run("e3372-storage", None, &["ussd", "*100#"]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn send_and_list_survive_echo_off_and_replies_in_pieces() {
    let scenario = "echo = false\n[ports.ttyUSB0]\nfragment = true\n[ports.ttyUSB1]\nfragment = true\n[urc]\nflood_ms = 20\n";
    let r = sim_json(
        "e3372",
        Some(scenario),
        &["sms", "send", "+4915112345678", &"é".repeat(100)],
    );
    assert_eq!(r["encoding"], "gsm7", "é is in the GSM default alphabet");
    assert_eq!(r["parts"].as_array().unwrap().len(), 1);
    assert_eq!(r["parts"][0]["reference"], 1);
    let list = sim_json("e3372", Some(scenario), &["sms", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 6);
    let r = sim_json("e3372", Some(scenario), &["ussd", "*100#"]);
    assert_eq!(r["status"], 0);
}

#[test]
fn text_that_looks_like_at_commands_is_sent_as_text() {
    let sim = BackgroundSim::start("e3372");
    let text = "hi\"\r\nAT+CFUN=0\u{1a}\u{1b}";
    let out = sim
        .dongle()
        .args(["--json", "sms", "send", "+4915112345678", text])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Ctrl-Z and ESC are not GSM-7 characters: UCS-2, inside the hex PDU.
    assert_eq!(r["encoding"], "ucs2");
    let hex = r["parts"][0]["pdu"].as_str().unwrap();
    assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
    match dongle_at::pdu::decode_hex(hex).unwrap() {
        dongle_at::pdu::Tpdu::Submit(s) => assert_eq!(s.body.text(), text),
        other => panic!("{other:?}"),
    }
    // The same modem is still on the network: no AT+CFUN=0 got through.
    let out = sim.dongle().args(["--json", "info"]).output().unwrap();
    let i: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(i["registration"], "home");
}
