//! `dongle info` end to end on the virtual modem, with faults.

mod common;
use common::*;
use serde_json::Value;

#[test]
fn e3372_full_report() {
    let i = sim_json("e3372", None, &["info"]);
    for key in [
        "manufacturer",
        "model",
        "firmware",
        "imei",
        "imsi",
        "iccid",
        "operator",
        "technology",
    ] {
        assert!(i[key].is_string(), "{key} missing in {i:#}");
    }
    assert_eq!(i["sim"], "ready");
    assert_eq!(i["registration"], "home");
    assert_eq!(i["imei"].as_str().unwrap().len(), 15);
    assert!(
        i["imsi"].as_str().unwrap().starts_with("27001"),
        "POST Luxembourg SIM: {i:#}"
    );
    assert_eq!(i["operator_code"], "27001");
    assert_eq!(i["technology"], "LTE");
    assert!(
        i["signal"]["rsrp_dbm"].is_number(),
        "^HCSQ gives LTE values: {i:#}"
    );
    assert!(i["signal"]["quality_percent"].is_number());
    assert!(i["pin_retries"]["pin"].is_number());
}

#[test]
fn pin_locked_sim() {
    let i = sim_json(
        "e3372",
        Some("[sim]\nstate = \"pin\"\npin_retries = 2\n"),
        &["info"],
    );
    assert_eq!(i["sim"], "pin");
    assert_eq!(i["imsi"], Value::Null);
    assert_eq!(i["pin_retries"]["pin"], 2);
}

#[test]
fn puk_locked_sim() {
    let i = sim_json("e3372", Some("[sim]\nstate = \"puk\"\n"), &["info"]);
    assert_eq!(i["sim"], "puk");
}

#[test]
fn absent_sim() {
    let i = sim_json("e3372", Some("[sim]\nstate = \"absent\"\n"), &["info"]);
    assert_eq!(i["sim"], "absent");
    assert_eq!(i["imsi"], Value::Null);
}

#[test]
fn not_registered_and_roaming() {
    let i = sim_json(
        "e3372",
        Some("[network]\nregistration = \"searching\"\n"),
        &["info"],
    );
    assert_eq!(i["registration"], "searching");
    assert_eq!(i["operator"], Value::Null);
    let i = sim_json(
        "e3372",
        Some("[network]\nregistration = \"roaming\"\n"),
        &["info"],
    );
    assert_eq!(i["registration"], "roaming");
}

#[test]
fn chosen_command_error_is_a_note_not_a_failure() {
    let i = sim_json(
        "e3372",
        Some("[errors]\n\"AT+CSQ\" = \"+CME ERROR: 100\"\n"),
        &["info"],
    );
    assert_eq!(i["signal"]["quality_percent"], Value::Null);
    let notes = i["notes"].to_string();
    assert!(notes.contains("AT+CSQ"), "{notes}");
    assert_eq!(i["sim"], "ready");
}

#[test]
fn echo_off_latency_urcs_and_stray_bytes_do_not_confuse_it() {
    let scenario = "latency_ms = 20\necho = false\n[urc]\nflood_ms = 5\nin_response = true\n[garbage]\nstray_nul = true\n";
    let i = sim_json("e3372", Some(scenario), &["info"]);
    assert_eq!(i["sim"], "ready");
    assert_eq!(i["registration"], "home");
    assert_eq!(i["imei"].as_str().unwrap().len(), 15);
    assert!(i["imsi"].as_str().unwrap().starts_with("27001"));
}

#[test]
fn old_e620_firmware_without_huawei_extensions() {
    let i = sim_json("e620", None, &["info"]);
    assert_eq!(i["sim"], "ready");
    assert!(i["signal"]["quality_percent"].is_number());
    assert!(i["technology"].is_string(), "{i:#}");
}

#[test]
fn zte_info() {
    let i = sim_json("zte-mf190", None, &["info"]);
    assert!(i["manufacturer"]
        .as_str()
        .unwrap()
        .to_ascii_uppercase()
        .contains("ZTE"));
    assert_eq!(i["sim"], "ready");
}

#[test]
fn port_vanishing_mid_command_is_a_clear_error_not_a_hang() {
    let t = std::time::Instant::now();
    let out = sim_run(
        "e3372",
        Some("[ports.ttyUSB1]\nvanish_on = \"AT+CSQ\"\n"),
        &["info"],
    );
    assert!(t.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(
        out.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("disappeared") && err.contains("AT+CSQ"),
        "{err}"
    );
}

#[test]
fn human_info_names_the_next_step() {
    let out = sim_run("e3372", Some("[sim]\nstate = \"pin\"\n"), &["info"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("SIM:") && text.contains("pin"), "{text}");
    assert!(text.contains("next: unlock"), "{text}");
}
