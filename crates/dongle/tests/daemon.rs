//! `dongle daemon` against a fleet of virtual sticks (`dongle sim e3372 --count N`): every stick
//! comes online with no command typed, `dongle status|down|up` go through the daemon's control
//! socket, a stick that is unplugged and replugged comes back online by itself, and SIGTERM takes
//! every link down (NDIS session ended, address flushed) before the daemon exits.
//!
//! The host side of NCM goes to an `ip` stand-in (this machine has no wwan0); the real `ip` runs
//! in the USB test bed.

mod common;
// The test bed (fleet, `ip` stand-in, run directory, log) is shared with daemon_faults.rs.
#[path = "daemon/harness.rs"]
mod harness;
use harness::*;
use std::io::Write;
use std::time::{Duration, Instant};

#[test]
fn every_stick_comes_online_and_the_cli_talks_to_the_daemon() {
    let mut bed = Bed::start(3);
    bed.start_daemon(None);
    let all = ["1-1.1", "1-1.2", "1-1.3"];
    bed.wait_for(&up(&all), 30);
    let status = bed.status();
    for m in &status {
        assert_eq!(m["link"]["via"], "ncm", "{m}");
        assert_eq!(m["link"]["apn"], "web.pt.lu", "APN from the SIM: {m}");
        assert!(m["link"]["local"].as_str().is_some(), "{m}");
    }
    // Each stick has its own interface.
    let mut ifaces: Vec<&str> = status
        .iter()
        .filter_map(|m| m["link"]["interface"].as_str())
        .collect();
    ifaces.sort();
    ifaces.dedup();
    assert_eq!(ifaces.len(), 3, "{status:?}");

    // `dongle down` goes through the daemon (it must not kill it) and holds the modem down.
    let out = bed.cmd(&["down", "1-1.2"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("held by the daemon"));
    bed.wait_for(&[("1-1.1", "up"), ("1-1.2", "held"), ("1-1.3", "up")], 5);
    // One line per event, naming the modem it is about.
    let log = bed.log();
    assert!(
        log.contains("dongle daemon: 1-1.2: link down (stopped)"),
        "{log}"
    );
    for d in all {
        assert_eq!(
            log.matches(&format!("{d}: Online: wwan")).count(),
            1,
            "{log}"
        );
    }
    // Held means held: it stays down across scans.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(bed.phases()[1].1, "held");
    assert!(
        std::fs::read_to_string(bed.path("run/daemon-held.json"))
            .unwrap()
            .contains("1-1.2"),
        "the hold survives a restart"
    );

    // `dongle up` asks the daemon and waits for the link.
    let out = bed.cmd(&["up", "1-1.2"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Online: 1-1.2"));
    bed.wait_for(&up(&all), 5);

    // An unknown modem is a clear error naming what the daemon has.
    let out = bed.cmd(&["up", "9-9"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no modem \"9-9\"") && err.contains("1-1.1"),
        "{err}"
    );

    // A second daemon refuses to start.
    let out = bed.cmd(&["daemon"]).output().unwrap();
    assert_eq!(out.status.code(), Some(4), "busy");
    assert!(String::from_utf8_lossy(&out.stderr).contains("already runs"));

    // Each event is one clean line that names the modem once: path, ID, product.
    let log = bed.log();
    for d in all {
        assert_eq!(
            lines_with(
                &log,
                &[&format!(
                    "dongle daemon: {d}: 12d1:1506 HUAWEI_MOBILE, ncm mode"
                )]
            )
            .len(),
            1,
            "its arrival: {log}"
        );
        for l in lines_with(&log, &[d]) {
            assert_eq!(l.matches(d).count(), 1, "{d} named twice: {l}");
            assert!(l.matches("12d1:1506").count() <= 1, "ID twice: {l}");
        }
    }
}

#[test]
fn a_replugged_stick_is_back_online_and_sigterm_takes_every_link_down() {
    let mut bed = Bed::start(2);
    let notify_path = bed.path("notify");
    let notify = std::os::unix::net::UnixDatagram::bind(&notify_path).unwrap();
    notify
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    bed.start_daemon(Some(&notify_path));
    let mut buf = [0u8; 256];
    let n = notify.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"READY=1", "sd_notify readiness");
    bed.wait_for(&up(&["1-1.1", "1-1.2"]), 30);

    bed.sim_control("unplug 2");
    bed.wait_for(&[("1-1.1", "up")], 10);
    assert!(bed.log().contains("is gone"), "{}", bed.log());
    bed.sim_control("replug 2");
    let t = Instant::now();
    bed.wait_for(&up(&["1-1.1", "1-1.2"]), 15);
    eprintln!("replugged stick back online in {:?}", t.elapsed());
    // systemd's STATUS line follows within a couple of seconds.
    let mut seen = Vec::new();
    while let Ok(n) = notify.recv(&mut buf) {
        seen.push(String::from_utf8_lossy(&buf[..n]).to_string());
        if seen
            .last()
            .is_some_and(|s| s == "STATUS=2 modems, 2 online")
        {
            break;
        }
    }
    assert_eq!(
        seen.last().map(String::as_str),
        Some("STATUS=2 modems, 2 online"),
        "{seen:?}"
    );

    let before = bed.log().len();
    let status = bed.stop_daemon();
    assert!(status.success(), "{status:?}\n{}", bed.log());
    let log = bed.log();
    assert_eq!(
        log[before..].matches("link down (stopped)").count(),
        2,
        "{log}"
    );
    // Every interface was flushed on the way down, and no state is left behind.
    let ip = std::fs::read_to_string(bed.path("ip.log")).unwrap();
    assert!(ip.contains("-4 addr flush dev wwan0"), "{ip}");
    assert!(ip.contains("-4 addr flush dev wwan1"), "{ip}");
    let left: Vec<_> = std::fs::read_dir(bed.path("run"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n != "daemon-held.json")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    // systemd heard it stop.
    seen.clear();
    while let Ok(n) = notify.recv(&mut buf) {
        seen.push(String::from_utf8_lossy(&buf[..n]).to_string());
        if seen.last().is_some_and(|s| s == "STOPPING=1") {
            break;
        }
    }
    assert!(seen.iter().any(|s| s == "STOPPING=1"), "{seen:?}");
}

#[test]
fn the_config_file_names_modems_sets_their_apn_and_leaves_some_alone() {
    let mut bed = Bed::start(3);
    let imei3 = bed.fleet["modems"][2]["imei"].as_str().unwrap().to_string();
    std::fs::write(
        bed.path("config.toml"),
        format!(
            r#"
[defaults]
apn = "internet.default"

[[modem]]
name = "uplink1"
match = {{ usb_path = "1-1.1" }}
apn = "internet.uplink1"

[[modem]]
name = "spare"
match = {{ imei = "{imei3}" }}
manage = false
"#
        ),
    )
    .unwrap();
    bed.start_daemon(None);
    bed.wait_for(
        &[("1-1.1", "up"), ("1-1.2", "up"), ("1-1.3", "ignored")],
        30,
    );
    let status = bed.status();
    assert_eq!(status[0]["name"], "uplink1");
    assert_eq!(
        status[0]["link"]["apn"], "internet.uplink1",
        "section over defaults"
    );
    assert_eq!(
        status[1]["name"], "1-1.2",
        "no section: named by its USB path"
    );
    assert_eq!(status[1]["link"]["apn"], "internet.default", "[defaults]");
    assert_eq!(
        status[2]["name"], "spare",
        "matched by the IMEI read over AT"
    );
    // Left alone means no link attempt: nothing dialled on it, ever.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(bed.phases()[2].1, "ignored");
    assert!(!bed.log().contains("1-1.3: starting"), "{}", bed.log());
}

#[test]
fn a_bad_config_file_stops_the_daemon_with_file_line_and_key() {
    let bed = Bed::start(1);
    std::fs::write(
        bed.path("config.toml"),
        "[defaults]\nvia = \"carrier-pigeon\"\n",
    )
    .unwrap();
    let out = bed.cmd(&["daemon"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "usage error");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("config.toml:2") && err.contains("via"),
        "{err}"
    );
    assert!(!bed.path("run/dongle.sock").exists(), "nothing started");
}

#[test]
fn metrics_endpoint_and_textfile_describe_every_modem() {
    let mut bed = Bed::start(2);
    let textfile = bed.path("dongle.prom");
    std::fs::write(
        bed.path("config.toml"),
        format!(
            "[metrics]\nlisten = \"127.0.0.1:0\"\ntextfile = \"{}\"\ninterval = 1\n",
            textfile.display()
        ),
    )
    .unwrap();
    bed.start_daemon(None);
    bed.wait_for(&up(&["1-1.1", "1-1.2"]), 30);
    let log = bed.log();
    let addr = log
        .split("metrics on http://")
        .nth(1)
        .and_then(|r| r.split("/metrics").next())
        .unwrap_or_else(|| panic!("no metrics address in the log:\n{log}"))
        .to_string();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut body = String::new();
    std::io::Read::read_to_string(&mut s, &mut body).unwrap();
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    for want in [
        "dongle_modems 2",
        r#"dongle_link_up{modem="1-1.1",via="ncm",interface="wwan0"} 1"#,
        r#"dongle_link_up{modem="1-1.2",via="ncm",interface="wwan1"} 1"#,
        r#"dongle_registered{modem="1-1.1",state="home"} 1"#,
        r#"dongle_signal_rsrp_dbm{modem="1-1.2"} -95"#,
        r#"operator="POST""#,
    ] {
        assert!(body.contains(want), "missing {want}:\n{body}");
    }
    // The textfile collector's copy appears (atomically) within the interval.
    let t = Instant::now();
    loop {
        let text = std::fs::read_to_string(&textfile).unwrap_or_default();
        if text.contains("dongle_modems 2") && text.contains(r#"dongle_link_up{modem="1-1.2""#) {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(5), "textfile: {text}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Gone with the daemon: node_exporter must not serve a link "up" for ever.
    assert!(bed.stop_daemon().success());
    assert!(!textfile.exists());
}

/// A HiLink stick (12d1:14dc) as the kernel shows it: one CDC-Ethernet interface bound to
/// cdc_ether with its network device, added to the fleet's sysfs tree at `path`.
fn hilink_stick(bed: &Bed, path: &str, iface: &str) {
    let sys = bed.path("sim/sys/bus/usb");
    let write = |p: std::path::PathBuf, v: &str| {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, format!("{v}\n")).unwrap();
    };
    let i = sys.join("devices").join(format!("{path}:1.0"));
    for (k, v) in [
        ("bInterfaceNumber", "00"),
        ("bInterfaceClass", "02"),
        ("bInterfaceSubClass", "06"),
        ("bInterfaceProtocol", "00"),
    ] {
        write(i.join(k), v);
    }
    write(i.join("net").join(iface).join("operstate"), "up");
    std::fs::create_dir_all(sys.join("drivers/cdc_ether")).unwrap();
    std::os::unix::fs::symlink("../../drivers/cdc_ether", i.join("driver")).unwrap();
    // The device last: a scan never sees it without its interface.
    let staging = sys.join(format!(".{path}"));
    for (k, v) in [
        ("idVendor", "12d1"),
        ("idProduct", "14dc"),
        ("manufacturer", "HUAWEI_MOBILE"),
        ("product", "HUAWEI_MOBILE"),
        ("bConfigurationValue", "1"),
        ("bNumConfigurations", "1"),
        ("bDeviceClass", "00"),
        ("busnum", "1"),
        ("devnum", "40"),
    ] {
        write(staging.join(k), v);
    }
    std::fs::rename(staging, sys.join("devices").join(path)).unwrap();
}

/// The daemon lists a HiLink stick with its link: `dongle up --via hilink` names the link by
/// the stick's USB path (it was the interface name, so the daemon never matched the link to
/// its modem and showed `connecting` with no problem for ever). With no DHCP client here the
/// link waits, and the status says why.
#[test]
fn a_hilink_sticks_link_is_listed_with_its_modem() {
    let mut bed = Bed::start(1);
    hilink_stick(&bed, "1-2", "eth7");
    bed.start_daemon(None);
    bed.wait_online("1-1.1", 0, 30);
    let t = Instant::now();
    let m = loop {
        let v = bed.assert_responsive("while the HiLink stick connects");
        let m = v["modems"]
            .as_array()
            .and_then(|ms| ms.iter().find(|m| m["device"] == "1-2").cloned())
            .unwrap_or_default();
        if m["phase"] == "waiting" {
            break m;
        }
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "the HiLink stick's link never showed: {v}\n{}",
            bed.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(m["mode"], "hilink", "{m}");
    assert_eq!(m["problem"], "dhcp_client", "{m}");
    assert_eq!(m["link"]["via"], "hilink", "{m}");
    assert_eq!(m["link"]["device"], "1-2", "{m}");
    assert_eq!(m["link"]["interface"], "eth7", "{m}");
    let log = bed.log();
    assert_eq!(
        lines_with(
            &log,
            &["dongle daemon: 1-2: 12d1:14dc HUAWEI_MOBILE, hilink mode"]
        )
        .len(),
        1,
        "{log}"
    );
}

/// A storage-mode stick the daemon cannot switch (the simulator has no usbfs node to send
/// the message through): one line that names the modem once and says why, nothing of
/// `dongle switch`'s table or hints, and `failed` in the status until a replug or `dongle up`.
#[test]
fn a_switch_that_fails_is_one_line_naming_the_modem_once() {
    let mut bed = Bed::start_with("e3372-storage", 1, None);
    bed.start_daemon(None);
    bed.wait_phase("1-1.1", "failed", 20);
    let log = bed.log();
    let about: Vec<&str> = lines_with(&log, &["1-1.1"]);
    assert_eq!(about.len(), 2, "arrival and the failure: {log}");
    assert_eq!(
        about[0],
        "dongle daemon: 1-1.1: 12d1:1f01 HUAWEI_MOBILE, storage mode"
    );
    assert!(
        about[1].starts_with("dongle daemon: 1-1.1: the switch failed: ")
            && about[1].contains("no usbfs device node for the stick"),
        "{log}"
    );
    assert_eq!(about[1].matches("1-1.1").count(), 1, "{log}");
    assert!(!about[1].contains("12d1:1f01"), "{log}");
    assert!(
        !log.lines()
            .any(|l| l.starts_with("next:") || l.starts_with("DEVICE ")),
        "{log}"
    );
    // `dongle status`: the doctor's problem id, one line of what happened, and the fix — not
    // the whole message in the STATE column.
    let status = bed.status();
    let m = &status[0];
    assert_eq!(m["phase"], "failed", "{m:#}");
    assert_eq!(m["problem"], "modeswitch_failed", "{m:#}");
    let summary = m["summary"].as_str().expect("summary");
    assert!(
        summary.contains("no usbfs device node") && !summary.contains('\n'),
        "{m:#}"
    );
    assert!(
        m["fix"]
            .as_str()
            .is_some_and(|f| f.contains("dongle -v switch 1-1.1")),
        "{m:#}"
    );
    let out = bed.cmd(&["status"]).output().expect("dongle status");
    let text = String::from_utf8_lossy(&out.stdout);
    let row = text
        .lines()
        .find(|l| l.contains("1-1.1") && l.contains("storage"))
        .expect("the stick's row");
    assert!(row.contains("failed (modeswitch_failed)"), "{text}");
    assert!(
        text.lines().any(|l| l.contains("no usbfs device node")
            && l.ends_with("[modeswitch_failed] — fix: `dongle -v switch 1-1.1` shows each transfer; `dongle doctor --live` checks the kernel's side")),
        "{text}"
    );
}
