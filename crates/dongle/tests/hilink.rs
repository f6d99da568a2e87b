//! HiLink end to end through the real binary: `--sim e3372-hilink`, `dongle info URL`,
//! `dongle hilink …`, and the errors of bad or dead URLs.

mod common;
use common::*;
use dongle_sim::hilink::{HilinkOptions, HilinkServer};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().expect("an object").keys().cloned().collect()
}

fn run(args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut c = dongle(dir.path());
    c.env_remove("DONGLE_HILINK_PASSWORD")
        .env_remove("DONGLE_HILINK_URL");
    for (k, v) in envs {
        c.env(k, v);
    }
    c.args(args).output().expect("dongle runs")
}

fn json(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

#[test]
fn sim_info_has_the_at_paths_shape() {
    let h = sim_json("e3372-hilink", None, &["info"]);
    let at = sim_json("e3372", None, &["info"]);
    assert_eq!(keys(&h), keys(&at), "one format for scripts");
    assert_eq!(keys(&h["signal"]), keys(&at["signal"]));
    assert!(h["port"].as_str().unwrap().starts_with("http://127.0.0.1:"));
    assert_eq!(h["manufacturer"], "Huawei");
    assert_eq!(h["model"], "E3372");
    assert_eq!(h["sim"], "ready");
    assert_eq!(h["registration"], "home");
    assert_eq!(h["technology"], "LTE");
    assert_eq!(h["operator"], "POST");
    assert_eq!(h["operator_code"], "27001");
    // The same simulated stick seen two ways.
    for k in ["imei", "imsi", "iccid"] {
        assert_eq!(h[k], at[k], "{k}");
    }
    assert_eq!(h["signal"]["rsrp_dbm"], -105.0);
    assert_eq!(h["signal"]["rsrq_db"], -14.0);
    assert_eq!(h["signal"]["sinr_db"], -7.0);
    assert!(h["signal"]["quality_percent"].is_number());
    assert_eq!(h["notes"], serde_json::json!([]));
}

#[test]
fn sim_info_with_a_locked_sim() {
    let h = sim_json(
        "e3372-hilink",
        Some("[sim]\nstate = \"pin\"\npin_retries = 2\n"),
        &["info"],
    );
    assert_eq!(h["sim"], "pin");
    assert_eq!(h["imsi"], Value::Null);
    assert_eq!(h["registration"], "not_registered");
    assert!(
        h["notes"][0].as_str().unwrap().contains("PIN tries left 2"),
        "{h:#}"
    );
    // Connecting explains the SIM instead of timing out: exit 8 (offline).
    let out = sim_run(
        "e3372-hilink",
        Some("[sim]\nstate = \"pin\"\n"),
        &["hilink", "connect"],
    );
    assert_eq!(out.status.code(), Some(8));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs its PIN"));
}

#[test]
fn sim_hilink_connect_and_status() {
    let l = sim_json(
        "e3372-hilink",
        None,
        &["hilink", "connect", "--timeout", "10"],
    );
    assert_eq!(l["link"], "connected");
    assert_eq!(l["status_code"], 901);
    assert_eq!(l["wan_ip"], "10.64.42.17");
    assert_eq!(l["data_switch"], true);
    let s = sim_json("e3372-hilink", None, &["hilink", "status"]);
    assert_eq!(s["link"], "disconnected", "a fresh simulated stick");
    assert_eq!(s["status_code"], 902);
    assert_eq!(s["data_switch"], false);
    let out = sim_run("e3372-hilink", None, &["hilink", "status"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("disconnected (902)"), "{text}");
    assert!(text.contains("next: dongle hilink connect"), "{text}");
}

#[test]
fn info_and_hilink_against_a_url() {
    let s = HilinkServer::start("127.0.0.1:0", HilinkOptions::default()).unwrap();
    let url = s.url();
    let i = json(&run(&["--json", "info", &url], &[]));
    assert_eq!(i["port"], url.as_str());
    assert_eq!(i["model"], "E3372");
    let up = json(&run(&["--json", "hilink", "connect", &url], &[]));
    assert_eq!(up["status_code"], 901);
    assert!(s.snapshot().data_switch);
    let st = json(&run(&["--json", "hilink", "status", &url], &[]));
    assert_eq!(st["link"], "connected");
    let down = json(&run(&["--json", "hilink", "disconnect", &url], &[]));
    assert_eq!(down["status_code"], 902);
    let sub = json(&run(&["--json", "hilink", "subnet", "9", &url], &[]));
    assert_eq!(sub["new_url"], "http://192.168.9.1");
    assert_eq!(sub["confirmed"], true);
    assert_eq!(s.snapshot().lan_ip, "192.168.9.1");
    let out = run(&["hilink", "reboot", &url], &[]);
    assert!(out.status.success());
    assert_eq!(s.snapshot().reboots, 1);
}

#[test]
fn password_from_the_environment_or_a_file() {
    let s = HilinkServer::start(
        "127.0.0.1:0",
        HilinkOptions {
            password: Some("pa55".into()),
            ..HilinkOptions::default()
        },
    )
    .unwrap();
    let url = s.url();
    let out = run(&["hilink", "connect", &url], &[]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "a login is a permission problem"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("needs a login") && err.contains(&url), "{err}");
    let out = run(
        &["hilink", "connect", &url],
        &[("DONGLE_HILINK_PASSWORD", "wrong")],
    );
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("108006"));
    let l = json(&run(
        &["--json", "hilink", "connect", &url],
        &[("DONGLE_HILINK_PASSWORD", "pa55")],
    ));
    assert_eq!(l["status_code"], 901);
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("pw");
    std::fs::write(&f, "pa55\n").unwrap();
    let out = run(
        &[
            "hilink",
            "disconnect",
            &url,
            "--password-file",
            f.to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bad_urls_give_clear_errors() {
    // Nothing listens there: not found (3), naming the URL.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let out = run(&["info", &url], &[]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&url) && err.contains("fix:"), "{err}");
    // Not a HiLink URL at all: usage (2).
    for bad in ["https://192.168.8.1", "http://", "http://host:99999"] {
        let out = run(&["hilink", "status", bad], &[]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("not a HiLink address"));
    }
    // A subnet that does not exist.
    let out = sim_run("e3372-hilink", None, &["hilink", "subnet", "255"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_hung_stick_times_out() {
    let s = HilinkServer::start("127.0.0.1:0", HilinkOptions::default()).unwrap();
    s.set_unresponsive(true);
    let t = Instant::now();
    let out = run(&["hilink", "status", &s.url()], &[]);
    assert!(t.elapsed() < Duration::from_secs(15), "{:?}", t.elapsed());
    assert_eq!(out.status.code(), Some(6), "the modem did not answer");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("did not answer within 5s") && err.contains(&s.url()),
        "{err}"
    );
}
