//! `dongle up --via hilink` with the host side: DHCP on the stick's interface
//! and the automatic subnet move when several HiLink sticks collide. The
//! sticks are two simulated HiLink APIs on loopback (in this process, so the
//! test sees what they were told); the interface, iproute2 and the DHCP
//! client are stand-ins (`$DONGLE_HILINK_IFACE`, `$DONGLE_IP`, `$DONGLE_DHCP`)
//! because this machine has no USB: the real ones run in the test bed
//! (vusb_hilink.rs). The DHCP stand-in leases from whatever LAN the stick
//! under test is configured for, as a real stick's DHCP server does.

use dongle_sim::hilink::{HilinkOptions, HilinkServer};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// iproute2 stand-in: logs every call; `eth1` (the first stick, already up)
/// has 192.168.8.100/24 unless `$d/no-other` exists; ours has `$d/addr`.
const FAKE_IP: &str = r#"#!/bin/sh
d=${FAKE_IP_DIR:?}
echo "$*" >> "$d/ip.log"
case "$*" in
  "-4 -o addr show dev "*) [ -f "$d/addr" ] && echo "4: $5    inet $(cat "$d/addr") scope global $5" ;;
  "-4 -o addr show")
    echo "1: lo    inet 127.0.0.1/8 scope host lo"
    [ -f "$d/no-other" ] || echo "3: eth1    inet 192.168.8.100/24 brd 192.168.8.255 scope global eth1"
    [ -f "$d/addr" ] && echo "4: eth2    inet $(cat "$d/addr") scope global eth2" ;;
  "-4 route show default") cat "$d/default" 2>/dev/null ;;
  "-4 route show default dev "*) cat "$d/route" 2>/dev/null ;;
  "-4 addr flush dev "*) rm -f "$d/addr" "$d/route" ;;
esac
exit 0
"#;

/// udhcpc stand-in: leases .100/24 of the LAN in `$d/lan` (the stick's
/// address, kept current by the test), router = the stick; stays in the
/// foreground until SIGTERM (release, as udhcpc -R does).
const FAKE_UDHCPC: &str = r#"#!/bin/sh
d=${FAKE_IP_DIR:?}
echo "$*" >> "$d/dhcp.log"
trap 'echo released >> "$d/dhcp.log"; rm -f "$d/addr"; exit 0' TERM
sleep 0.2
lan=$(cat "$d/lan")
echo "lease ${lan%.*}.100" >> "$d/dhcp.log"
echo "default via $lan dev eth2" > "$d/route"
echo "${lan%.*}.100/24" > "$d/addr"
while :; do sleep 0.1; done
"#;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in [("fake-ip", FAKE_IP), ("fake-udhcpc", FAKE_UDHCPC)] {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::write(dir.path().join("lan"), "192.168.8.1").unwrap();
        Env { dir }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("dongle"));
        c.env("DONGLE_LOCK_DIR", self.dir.path())
            .env("DONGLE_RUN_DIR", self.path("run"))
            .env("DONGLE_IP", self.path("fake-ip"))
            .env("DONGLE_DHCP", self.path("fake-udhcpc"))
            .env("DONGLE_HILINK_IFACE", "eth2")
            .env("FAKE_IP_DIR", self.dir.path())
            .env_remove("DONGLE_HILINK_PASSWORD")
            .env_remove("DONGLE_HILINK_URL")
            .env_remove("DONGLE_LOG")
            .args(args);
        c
    }

    fn status(&self) -> Value {
        let out = self.cmd(&["--json", "status"]).output().unwrap();
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }

    fn wait_up(&self, child: &mut Child) -> Value {
        let t = Instant::now();
        loop {
            let s = self.status();
            if s[0]["state"] == "up" {
                return s;
            }
            if let Ok(Some(_)) = child.try_wait() {
                let out = finish(child);
                panic!("dongle up ended: {}", String::from_utf8_lossy(&out.stderr));
            }
            assert!(t.elapsed() < Duration::from_secs(30), "never up: {s:#}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn finish(child: &mut Child) -> Output {
    let t = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "dongle up did not end"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut out = Output {
        status: child.wait().unwrap(),
        stdout: Vec::new(),
        stderr: Vec::new(),
    };
    use std::io::Read;
    if let Some(mut s) = child.stdout.take() {
        s.read_to_end(&mut out.stdout).unwrap();
    }
    if let Some(mut s) = child.stderr.take() {
        s.read_to_end(&mut out.stderr).unwrap();
    }
    out
}

fn stick() -> HilinkServer {
    HilinkServer::start(
        "127.0.0.1:0",
        HilinkOptions {
            connect_ms: 100,
            ..HilinkOptions::default()
        },
    )
    .unwrap()
}

/// Keeps `$d/lan` at the stick's LAN address, as its DHCP server would follow it.
fn follow_lan(
    env: &Env,
    stick: Arc<HilinkServer>,
) -> (Arc<AtomicBool>, std::thread::JoinHandle<()>) {
    let stop = Arc::new(AtomicBool::new(false));
    let s = Arc::clone(&stop);
    let lan = env.path("lan");
    let h = std::thread::spawn(move || {
        while !s.load(Ordering::SeqCst) {
            let _ = std::fs::write(&lan, stick.snapshot().lan_ip);
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    (stop, h)
}

fn posts(stick: &HilinkServer, path: &str) -> usize {
    stick
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == path)
        .count()
}

#[test]
fn a_second_stick_on_the_same_subnet_is_moved_to_the_next_free_one() {
    let env = Env::new();
    // The first stick keeps 192.168.8.0/24 (eth1 in the ip stand-in); the
    // second one (ours, eth2) comes with the same default.
    let first = stick();
    let second = Arc::new(stick());
    let (stop, follower) = follow_lan(&env, Arc::clone(&second));
    let mut child = env
        .cmd(&["up", &second.url(), "--via", "hilink"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let s = env.wait_up(&mut child);
    assert_eq!(s[0]["via"], "hilink");
    assert_eq!(s[0]["interface"], "eth2");
    assert_eq!(s[0]["local"], "192.168.9.100", "{s:#}");
    assert_eq!(s[0]["remote"], "192.168.9.1");
    assert_eq!(
        second.snapshot().lan_ip,
        "192.168.9.1",
        "the stick was moved"
    );
    assert_eq!(second.snapshot().connection_status, 901);
    assert_eq!(
        posts(&first, "/api/dhcp/settings"),
        0,
        "the first stick is left alone"
    );
    assert_eq!(first.snapshot().lan_ip, "192.168.8.1");
    // The request to move went through a host route via our interface only.
    let ip = env.file("ip.log");
    let add = ip.find("route replace 192.168.8.1/32 dev eth2").expect(&ip);
    let del = ip.find("route del 192.168.8.1/32 dev eth2").expect(&ip);
    assert!(add < del, "{ip}");
    // DHCP twice: the old lease released, the new one from 192.168.9.0/24.
    let dhcp = env.file("dhcp.log");
    let leases: Vec<&str> = dhcp.lines().filter(|l| l.starts_with("lease")).collect();
    assert_eq!(
        leases,
        ["lease 192.168.8.100", "lease 192.168.9.100"],
        "{dhcp}"
    );
    assert!(dhcp.contains("released"), "{dhcp}");

    assert!(env.cmd(&["down"]).output().unwrap().status.success());
    let out = finish(&mut child);
    stop.store(true, Ordering::SeqCst);
    follower.join().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "eth2's subnet 192.168.8.0/24 is also eth1's: moving the stick to 192.168.9.0/24"
        ),
        "{stderr}"
    );
    assert!(
        stdout.contains("on eth2 192.168.9.100/24 (DHCP (udhcpc)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("The stick now uses 192.168.9.0/24"),
        "{stdout}"
    );
    // down: data off, lease released, address gone.
    assert!(!second.snapshot().data_switch);
    assert!(!env.path("addr").exists(), "address left on eth2");
}

#[test]
fn a_stick_alone_on_its_subnet_keeps_it() {
    let env = Env::new();
    std::fs::write(env.path("no-other"), "").unwrap();
    let only = stick();
    let mut child = env
        .cmd(&["up", &only.url(), "--via", "hilink"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let s = env.wait_up(&mut child);
    assert_eq!(s[0]["local"], "192.168.8.100");
    assert_eq!(s[0]["remote"], "192.168.8.1");
    assert_eq!(posts(&only, "/api/dhcp/settings"), 0);
    assert_eq!(posts(&only, "/api/dialup/mobile-dataswitch"), 1);
    assert!(env.cmd(&["down"]).output().unwrap().status.success());
    let out = finish(&mut child);
    assert!(out.status.success());
    assert!(!env.file("ip.log").contains("/32"));
}

#[test]
fn without_a_dhcp_client_the_finding_says_what_to_install() {
    let env = Env::new();
    let only = stick();
    let out = env
        .cmd(&["up", &only.url(), "--via", "hilink", "--once"])
        .env("DONGLE_DHCP", "none")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("[dhcp_client]") && err.contains("no DHCP client for eth2"),
        "{err}"
    );
    assert!(err.contains("udhcpc"), "names the fix: {err}");
    assert_eq!(
        posts(&only, "/api/dialup/mobile-dataswitch"),
        0,
        "no data without an address"
    );
}
