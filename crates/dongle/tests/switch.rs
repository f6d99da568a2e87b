//! `dongle switch` through the real binary: dry runs against the simulator's storage profiles
//! and fake sysfs trees, the already-switched case, and a clean failure without usbfs.

mod common;

use common::{dongle, sim_json, sim_run};
use serde_json::Value;
use std::fs;
use std::path::Path;

const HUAWEI_NEW: &str = "55534243123456780000000000000011062000000101000100000000000000";
const HUAWEI_HILINK: &str = "55534243123456780000000000000a11062000000000000100000000000000";
const HUAWEI_CLASSIC: &str = "55534243123456780000000000000011062000000100000000000000000000";

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn dry_run_prints_the_exact_transfers() {
    let o = sim_run("e3372-storage", None, &["switch", "--dry-run"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        out.contains("switch 1-1 (12d1:1f01) with HuaweiNewMode via /dev/bus/usb/001/002"),
        "{out}"
    );
    assert!(
        out.contains("1. detach kernel drivers from interface 0"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "3. bulk OUT 0x01, 31 bytes, 3000 ms: {HUAWEI_NEW}"
        )),
        "{out}"
    );
    assert!(
        out.contains("4. read the 13-byte CSW from bulk IN 0x81"),
        "{out}"
    );
    assert!(out.contains("7. release interface 0"), "{out}");
    assert!(out.contains("dry run: nothing was sent"), "{out}");
}

#[test]
fn dry_run_json_is_the_plan() {
    let v = sim_json("e3372-storage", None, &["switch", "--dry-run"]);
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["device"]["id"], "12d1:1f01");
    assert_eq!(v["device"]["mode"], "storage");
    assert_eq!(v["recipe"]["method"]["method"], "huawei_new");
    let steps = v["plan"]["steps"].as_array().expect("steps");
    let ops: Vec<&str> = steps
        .iter()
        .map(|s| s["op"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        ops,
        [
            "detach_kernel_drivers",
            "claim_interface",
            "bulk_out",
            "read_csw",
            "clear_halt",
            "clear_halt",
            "release"
        ]
    );
    assert_eq!(steps[2]["data"], HUAWEI_NEW);
    assert_eq!(steps[2]["endpoint"], 0x01);
    assert_eq!(steps[2]["timeout_ms"], 3000);
    assert_eq!(steps[3]["endpoint"], 0x81);
    assert_eq!(v["plan"]["usbfs"], "001/002");
}

#[test]
fn to_hilink_chooses_the_14dc_message() {
    let v = sim_json(
        "e3372-storage",
        None,
        &["switch", "--dry-run", "--to", "hilink"],
    );
    assert_eq!(v["plan"]["steps"][2]["data"], HUAWEI_HILINK);
    assert_eq!(v["recipe"]["target"], "hilink");
    let o = sim_run(
        "e3372-storage",
        None,
        &["switch", "--dry-run", "--to", "serial"],
    );
    assert!(stdout(&o).contains(HUAWEI_CLASSIC), "{}", stdout(&o));
}

#[test]
fn e3531_gets_the_huawei_message_not_a_configuration() {
    let o = sim_run("e3531-storage", None, &["switch", "--dry-run"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.contains("(12d1:157d) with HuaweiNewMode"), "{out}");
    assert!(out.contains(HUAWEI_NEW), "{out}");
    assert!(!out.contains("set configuration"), "{out}");
}

#[test]
fn already_switched_stick_says_so_and_changes_nothing() {
    let o = sim_run("e3372", None, &["switch"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("1-1 (12d1:1506 HUAWEI_MOBILE) is already switched (mode ncm); nothing to do"),
        "{out}"
    );
    assert!(out.contains("next: dongle probe 1-1"), "{out}");
    let v = sim_json("e3372", None, &["switch", "--to", "stick"]);
    assert_eq!(v["already"], true);
    assert_eq!(v["device"]["mode"], "ncm");
    // Asking for another mode cannot work from here: say why and what to use.
    let o = sim_run("e3372", None, &["switch", "--to", "hilink"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("already switched (mode ncm)"), "{err}");
    assert!(err.contains("dongle mode set 1-1 hilink"), "{err}");
}

#[test]
fn without_usbfs_it_fails_cleanly_naming_the_node() {
    let o = sim_run("e3372-storage", None, &["switch"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("dev/bus/usb/001/002 does not exist"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

// ---- fake sysfs trees ----

fn write(p: &Path, v: &str) {
    fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    fs::write(p, format!("{v}\n")).expect("write");
}

/// A storage-mode Huawei at `path` with bulk endpoints `eps` (address, attributes).
fn storage_device(root: &Path, path: &str, pid: &str, devnum: u8, eps: &[(u8, u8)]) {
    let d = root.join("bus/usb/devices");
    let dev = d.join(path);
    for (k, v) in [
        ("idVendor", "12d1"),
        ("idProduct", pid),
        ("manufacturer", "HUAWEI_MOBILE"),
        ("product", "HUAWEI_MOBILE"),
        ("bConfigurationValue", "1"),
        ("bNumConfigurations", "1"),
        ("bDeviceClass", "00"),
        ("busnum", "1"),
    ] {
        write(&dev.join(k), v);
    }
    write(&dev.join("devnum"), &devnum.to_string());
    let i = d.join(format!("{path}:1.0"));
    for (k, v) in [
        ("bInterfaceNumber", "00"),
        ("bInterfaceClass", "08"),
        ("bInterfaceSubClass", "06"),
        ("bInterfaceProtocol", "50"),
    ] {
        write(&i.join(k), v);
    }
    for &(a, attr) in eps {
        let e = i.join(format!("ep_{a:02x}"));
        write(&e.join("bEndpointAddress"), &format!("{a:02x}"));
        write(&e.join("bmAttributes"), &format!("{attr:02x}"));
    }
    fs::create_dir_all(root.join("bus/usb/drivers/usb-storage")).expect("driver dir");
    std::os::unix::fs::symlink("../../drivers/usb-storage", i.join("driver")).expect("link");
}

fn run_tree(root: &Path, args: &[&str]) -> std::process::Output {
    let lock = tempfile::tempdir().expect("lock dir");
    let mut c = dongle(lock.path());
    c.arg("--sysfs")
        .arg(root)
        .arg("--dev")
        .arg(root.join("dev"));
    c.args(args).output().expect("runs")
}

#[test]
fn dummy_hcd_layout_uses_bulk_out_0x02_from_the_descriptors() {
    let t = tempfile::tempdir().expect("tempdir");
    // dummy_udc hands out ep1in-bulk and ep2out-bulk.
    storage_device(t.path(), "1-1", "1f01", 5, &[(0x81, 2), (0x02, 2)]);
    let o = run_tree(t.path(), &["--json", "switch", "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["plan"]["message_endpoint"], 0x02);
    assert_eq!(v["plan"]["steps"][2]["endpoint"], 0x02);
    assert_eq!(v["plan"]["steps"][3]["endpoint"], 0x81);
    assert_eq!(v["plan"]["usbfs"], "001/005");
}

#[test]
fn several_storage_devices_need_a_name() {
    let t = tempfile::tempdir().expect("tempdir");
    storage_device(t.path(), "1-1", "1f01", 2, &[(0x01, 2), (0x81, 2)]);
    storage_device(t.path(), "1-2", "157d", 3, &[(0x01, 2), (0x81, 2)]);
    let o = run_tree(t.path(), &["switch", "--dry-run"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("2 devices are in storage mode"), "{err}");
    assert!(err.contains("1-2 (12d1:157d HUAWEI_MOBILE)"), "{err}");
    // Named, it works.
    let o = run_tree(t.path(), &["switch", "1-2", "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("switch 1-2 (12d1:157d)"));
}

#[test]
fn permission_denied_on_the_node_is_exit_5() {
    if rustix::process::geteuid().is_root() {
        // root opens anything; nothing to test here.
        return;
    }
    let t = tempfile::tempdir().expect("tempdir");
    storage_device(t.path(), "1-1", "1f01", 2, &[(0x01, 2), (0x81, 2)]);
    let node = t.path().join("dev/bus/usb/001/002");
    write(&node, "");
    fs::set_permissions(&node, std::os::unix::fs::PermissionsExt::from_mode(0o444)).expect("chmod");
    let o = run_tree(t.path(), &["switch"]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(stderr(&o).contains("permission denied"), "{}", stderr(&o));
}
