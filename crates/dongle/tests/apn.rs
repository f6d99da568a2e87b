//! `dongle apn` end to end: typed networks and IMSIs, the SIM of the virtual E3372 (POST
//! Luxembourg, 270/01), the APN memory, and bad input. The database is the catalog's excerpt of
//! mobile-broadband-provider-info, so the answers do not depend on the installed package.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn excerpt() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../catalog/tests/data/apn/serviceproviders-excerpt.xml")
}

/// `dongle` with the excerpt as database and a private memory file and lock directory.
fn dongle(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("dongle").expect("binary built");
    c.env("DONGLE_LOCK_DIR", dir)
        .env("DONGLE_APN_DB", excerpt())
        .env("DONGLE_APN_MEMORY", dir.join("apn.toml"))
        .env_remove("DONGLE_LOG")
        .timeout(std::time::Duration::from_secs(30));
    c
}

fn json_ok(dir: &Path, args: &[&str]) -> Vec<Value> {
    let out = dongle(dir).args(args).arg("--json").output().unwrap();
    assert!(
        out.status.success(),
        "dongle {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    v.as_array().expect("a list").clone()
}

fn apns(list: &[Value]) -> Vec<&str> {
    list.iter().map(|c| c["apn"].as_str().unwrap()).collect()
}

#[test]
fn e3372_sim_resolves_to_web_pt_lu() {
    let dir = tempfile::tempdir().unwrap();
    let list = json_ok(dir.path(), &["--sim", "e3372", "apn"]);
    let first = &list[0];
    assert_eq!(first["apn"], "web.pt.lu", "{list:#?}");
    assert_eq!(first["mcc"], "270");
    assert_eq!(first["mnc"], "01");
    assert_eq!(first["provider"], "LUXGSM");
    assert_eq!(first["usage"], "internet");
    assert_eq!(first["source"], "database");
    assert_eq!(first["username"], Value::Null);
    assert_eq!(first["password"], Value::Null);
    assert_eq!(first["auth"], Value::Null);
    // The documented keys, no more and no fewer.
    let mut keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "apn", "auth", "country", "mcc", "mnc", "name", "password", "provider", "source",
            "usage", "username"
        ]
    );
    assert_eq!(list.len(), 1);
}

#[test]
fn e3372_human_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dongle(dir.path())
        .args(["--sim", "e3372", "apn"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Network 270/01 (LUXGSM) from the SIM (IMSI 270010123456789)"),
        "{text}"
    );
    assert!(text.contains("PROVIDER  APN"), "{text}");
    assert!(text.contains("LUXGSM    web.pt.lu"), "{text}");
    assert!(text.contains("next: "), "{text}");
}

#[test]
fn o2_germany_typed() {
    let dir = tempfile::tempdir().unwrap();
    let list = json_ok(dir.path(), &["apn", "26207"]);
    assert_eq!(
        apns(&list),
        [
            "pinternet.interkom.de",
            "internet",
            "surfo2",
            "webmobil1",
            "pinternet.interkom.de",
            "internet.partner1"
        ]
    );
    assert_eq!(list[4]["provider"], "FONIC");
    assert_eq!(list[4]["username"], "fonic");
    assert_eq!(list[4]["password"], "fonic");
    assert_eq!(list[1]["name"], "Pay-by-MB");
    // Other spellings of the same network.
    assert_eq!(json_ok(dir.path(), &["apn", "262/07"]), list);
}

#[test]
fn us_imsi_with_3_digit_mnc() {
    let dir = tempfile::tempdir().unwrap();
    let list = json_ok(dir.path(), &["apn", "--imsi", "310410123456789"]);
    assert_eq!(list[0]["mnc"], "410");
    assert_eq!(list[0]["provider"], "AT&T");
    assert_eq!(list[0]["apn"], "NXTGENPHONE");
}

#[test]
fn all_lists_mms_too() {
    let dir = tempfile::tempdir().unwrap();
    let list = json_ok(dir.path(), &["apn", "27001", "--all"]);
    assert_eq!(apns(&list), ["web.pt.lu", "mms.pt.lu"]);
    assert_eq!(list[1]["usage"], "mms");
}

#[test]
fn unknown_network_lists_the_guesses_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = dongle(dir.path())
        .args(["apn", "99999", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(apns(&list), ["internet", ""]);
    assert!(list.iter().all(|c| c["source"] == "fallback"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no APN known for 999/99"), "{err}");
    assert!(err.contains("dongle up --apn"), "{err}");

    // An IMSI: both splits are named.
    let out = dongle(dir.path())
        .args(["apn", "--imsi", "999990123456789"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("no APN known for 999/99 or 999/990"),
        "{text}"
    );
}

#[test]
fn remembered_apn_comes_first() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("apn.toml"),
        "[sims.\"imsi:270010123456789\"]\napn = \"web2.pt.lu\"\n",
    )
    .unwrap();
    let list = json_ok(dir.path(), &["--sim", "e3372", "apn"]);
    assert_eq!(apns(&list), ["web2.pt.lu", "web.pt.lu"]);
    assert_eq!(list[0]["source"], "remembered");
    assert_eq!(list[1]["source"], "database");

    // A broken memory file is a warning, not a failure.
    std::fs::write(dir.path().join("apn.toml"), "[sims\n").unwrap();
    let out = dongle(dir.path())
        .args(["--sim", "e3372", "apn", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning"));
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    for (args, named, expected) in [
        (&["apn", "27"][..], "\"27\"", "MCCMNC"),
        (&["apn", "abcdef"][..], "\"abcdef\"", "MCCMNC"),
        (&["apn", "2700a1"][..], "\"2700a1\"", "MCCMNC"),
        (&["apn", "262/7"][..], "\"262/7\"", "MCCMNC"),
        (
            &["apn", "--imsi", "27001012345678x"][..],
            "\"27001012345678x\"",
            "6 to 15 digits",
        ),
        (&["apn", "--imsi", "2700"][..], "\"2700\"", "6 to 15 digits"),
    ] {
        let out = dongle(dir.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.contains(named) && err.contains(expected),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn missing_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.xml");
    let out = dongle(dir.path())
        .args(["apn", "27001", "--file"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&*missing.to_string_lossy()), "{err}");
    assert!(err.contains("no such file"), "{err}");

    // Not XML.
    std::fs::write(&missing, "junk").unwrap();
    let out = dongle(dir.path())
        .args(["apn", "27001", "--file"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid XML"));

    // The system database missing: the fix is the package.
    let out = dongle(dir.path())
        .env("DONGLE_APN_DB", dir.path().join("serviceproviders.xml"))
        .args(["apn", "27001"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("apt-get install mobile-broadband-provider-info"),
        "{err}"
    );
}

#[test]
fn locked_sim_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("scenario.toml");
    std::fs::write(&scenario, "[sim]\nstate = \"pin\"\n").unwrap();
    let out = dongle(dir.path())
        .args(["--sim", "e3372", "--scenario"])
        .arg(&scenario)
        .arg("apn")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(6));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("AT+CIMI") && err.contains("dongle unlock"),
        "{err}"
    );
}

/// The installed database, when there is one.
#[test]
fn installed_database() {
    let system = Path::new("/usr/share/mobile-broadband-provider-info/serviceproviders.xml");
    if !system.exists() {
        eprintln!("skipped: mobile-broadband-provider-info is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dongle(dir.path())
        .env_remove("DONGLE_APN_DB")
        .args(["apn", "27001", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["apn"], "web.pt.lu");
}
