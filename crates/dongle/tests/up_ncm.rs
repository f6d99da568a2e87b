//! `dongle up --via ncm` on the virtual E3372: the NDIS session is made on
//! the simulated firmware (`^NDISDUP`, `^NDISSTATQRY?`, `^DHCP?`); the host
//! side goes to stand-ins for iproute2's `ip` and a DHCP client (written by
//! the tests, `$DONGLE_IP` / `$DONGLE_DHCP`), which record their arguments:
//! this machine has no wwan0. The real `ip` runs in the USB test bed
//! (vusb_ncm.rs).

mod common;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// iproute2 stand-in: logs every call, keeps the address in a file.
const FAKE_IP: &str = r#"#!/bin/sh
d=${FAKE_IP_DIR:?}
echo "$*" >> "$d/ip.log"
case "$*" in
  "-4 -o addr show dev "*) [ -f "$d/addr" ] && echo "4: $5    inet $(cat "$d/addr") scope global $5" ;;
  "-4 route show default") cat "$d/default" 2>/dev/null ;;
  "-4 route show default dev "*) cat "$d/route" 2>/dev/null ;;
  "addr add "*) echo "$3" > "$d/addr" ;;
  "-4 addr flush dev "*) rm -f "$d/addr" ;;
esac
exit 0
"#;

/// udhcpc stand-in: logs its arguments, "gets" 10.11.12.13/24 through the
/// ip stand-in, stays in the foreground until SIGTERM (which releases, as
/// udhcpc -R does). FAKE_DHCP_FAIL=1: no lease, exit 1.
const FAKE_UDHCPC: &str = r#"#!/bin/sh
d=${FAKE_IP_DIR:?}
echo "$*" >> "$d/dhcp.log"
[ -n "${FAKE_DHCP_FAIL:-}" ] && { echo "no lease" >> "$d/dhcp.log"; exit 1; }
trap 'echo released >> "$d/dhcp.log"; rm -f "$d/addr"; exit 0' TERM
sleep 0.3
echo "default via 10.11.12.1 dev wwan0" > "$d/route"
echo 10.11.12.13/24 > "$d/addr"
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
        Env { dir }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }

    /// `dongle` with the stand-ins; no DHCP client unless `dhcp`.
    fn cmd(&self, scenario: Option<&str>, dhcp: bool, args: &[&str]) -> Command {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("dongle"));
        c.env("DONGLE_LOCK_DIR", self.dir.path())
            .env("DONGLE_RUN_DIR", self.path("run"))
            .env("DONGLE_IP", self.path("fake-ip"))
            .env("FAKE_IP_DIR", self.dir.path())
            .env("DONGLE_APN_MEMORY", self.path("apn-memory.toml"))
            .env_remove("DONGLE_NDIS_AUTH")
            .env_remove("DONGLE_LOG");
        if dhcp {
            c.env("DONGLE_DHCP", self.path("fake-udhcpc"));
        } else {
            c.env("DONGLE_DHCP", "none");
        }
        if let Some(text) = scenario {
            std::fs::write(self.path("scenario.toml"), text).unwrap();
            c.arg("--scenario").arg(self.path("scenario.toml"));
        }
        c.args(args);
        c
    }

    fn up_once(&self, scenario: Option<&str>, args: &[&str]) -> Output {
        let mut a = vec!["--sim", "e3372", "up", "--via", "ncm", "--once"];
        a.extend_from_slice(args);
        self.cmd(scenario, false, &a).output().unwrap()
    }

    fn spawn(&self, mut c: Command) -> Child {
        c.stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    fn status(&self) -> Value {
        let out = self
            .cmd(None, false, &["--json", "status"])
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn wait_state(&self, want: &str, secs: u64) -> Value {
        let t = Instant::now();
        loop {
            let s = self.status();
            if s[0]["state"] == want {
                return s;
            }
            assert!(
                t.elapsed() < Duration::from_secs(secs),
                "never {want}: {s:#}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn down(&self) {
        let out = self.cmd(None, false, &["down"]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn finish(mut child: Child, secs: u64) -> Output {
    let t = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if t.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            panic!("dongle up did not exit");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

fn problem(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(8), "{}", text(&out.stderr));
    text(&out.stderr)
}

/// `dongle` against a simulator running in its own process (state survives
/// between dongle runs, as on a real stick).
fn on_sim(env: &Env, sim: &common::BackgroundSim, args: &[&str]) -> Command {
    let mut c = env.cmd(None, false, &[]);
    c.arg("--sysfs")
        .arg(sim.root().join("sys"))
        .arg("--dev")
        .arg(sim.root().join("dev"))
        .args(args);
    c
}

fn ndis_state(env: &Env, sim: &common::BackgroundSim, port: &str) -> String {
    let out = on_sim(env, sim, &["at", "--port", port, "AT^NDISSTATQRY?"])
        .output()
        .unwrap();
    text(&out.stdout)
}

#[test]
fn static_address_from_dhcp_query_then_down() {
    let env = Env::new();
    let child = env.spawn(env.cmd(
        None,
        false,
        &["--sim", "e3372", "up", "--via", "ncm", "--apn", "web.pt.lu"],
    ));
    let s = env.wait_state("up", 20);
    assert_eq!(s[0]["via"], "ncm");
    assert_eq!(s[0]["interface"], "wwan0");
    // ^DHCP: a3ec5c64,f8ffffff,a1ec5c64,… (little-endian hex) = 100.92.236.163/29 gw .161
    assert_eq!(s[0]["local"], "100.92.236.163");
    assert_eq!(s[0]["remote"], "100.92.236.161");
    assert_eq!(
        s[0]["dns"],
        serde_json::json!(["10.177.0.34", "10.168.187.116"])
    );
    assert_eq!(s[0]["apn"], "web.pt.lu");
    assert!(
        s[0]["port"].as_str().unwrap().ends_with("ttyUSB1"),
        "NDISDUP goes to the PCUI port: {s:#}"
    );
    let ip = env.file("ip.log");
    assert!(ip.contains("link set dev wwan0 up"), "{ip}");
    assert!(ip.contains("addr add 100.92.236.163/29 dev wwan0"), "{ip}");
    assert!(
        ip.contains("route add default via 100.92.236.161 dev wwan0"),
        "no default route existed: {ip}"
    );
    env.down();
    let out = finish(child, 15);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("Online: wwan0 100.92.236.163/29 via NCM (static from ^DHCP"),
        "{stdout}"
    );
    assert!(
        stdout.contains("not written to /etc/resolv.conf"),
        "{stdout}"
    );
    let ip = env.file("ip.log");
    let after = &ip[ip.find("route add default").unwrap()..];
    assert!(
        after.contains("route del default via 100.92.236.161 dev wwan0")
            && after.contains("-4 addr flush dev wwan0")
            && after.contains("link set dev wwan0 down"),
        "torn down: {ip}"
    );
    assert_eq!(env.status(), serde_json::json!([]));
}

#[test]
fn an_existing_default_route_is_kept_and_named() {
    let env = Env::new();
    std::fs::write(
        env.path("default"),
        "default via 192.168.1.1 dev eth0 proto dhcp metric 100\n",
    )
    .unwrap();
    let child = env.spawn(env.cmd(
        None,
        false,
        &["--sim", "e3372", "up", "--via", "ncm", "--apn", "web.pt.lu"],
    ));
    env.wait_state("up", 20);
    env.down();
    let out = finish(child, 15);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("a default route exists (default via 192.168.1.1 dev eth0")
            && stdout.contains("not replaced"),
        "{stdout}"
    );
    assert!(!env.file("ip.log").contains("route add"), "never replaced");
}

#[test]
fn no_default_route_when_asked() {
    let env = Env::new();
    let child = env.spawn(env.cmd(
        None,
        false,
        &[
            "--sim",
            "e3372",
            "up",
            "--via",
            "ncm",
            "--apn",
            "web.pt.lu",
            "--no-default-route",
        ],
    ));
    env.wait_state("up", 20);
    env.down();
    let out = finish(child, 15);
    assert!(text(&out.stdout).contains("no default route added (--no-default-route)"));
    let ip = env.file("ip.log");
    assert!(
        ip.contains("addr add 100.92.236.163/29") && !ip.contains("route add"),
        "{ip}"
    );
}

#[test]
fn the_systems_dhcp_client_is_preferred_and_released() {
    let env = Env::new();
    let child = env.spawn(env.cmd(
        None,
        true,
        &["--sim", "e3372", "up", "--via", "ncm", "--apn", "web.pt.lu"],
    ));
    let s = env.wait_state("up", 20);
    assert_eq!(s[0]["local"], "10.11.12.13", "the lease, not ^DHCP");
    assert_eq!(s[0]["remote"], "10.11.12.1", "the lease's router");
    assert_eq!(s[0]["dns"], serde_json::json!([]), "DNS is the client's");
    let dhcp = env.file("dhcp.log");
    assert!(dhcp.contains("-i wwan0") && dhcp.contains("-f"), "{dhcp}");
    assert!(
        !env.file("ip.log").contains("addr add"),
        "the client configures"
    );
    env.down();
    let out = finish(child, 15);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("10.11.12.13/24 via NCM (DHCP (udhcpc)"),
        "{}",
        text(&out.stdout)
    );
    assert!(env.file("dhcp.log").contains("released"));
    assert!(env.file("ip.log").contains("-4 addr flush dev wwan0"));
}

#[test]
fn no_lease_falls_back_to_the_modems_address() {
    let env = Env::new();
    let mut c = env.cmd(
        None,
        true,
        &["--sim", "e3372", "up", "--via", "ncm", "--apn", "web.pt.lu"],
    );
    c.env("FAKE_DHCP_FAIL", "1");
    let child = env.spawn(c);
    let s = env.wait_state("up", 20);
    assert_eq!(s[0]["local"], "100.92.236.163");
    env.down();
    let out = finish(child, 15);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("udhcpc got no lease") && stdout.contains("configured from ^DHCP"),
        "{stdout}"
    );
}

#[test]
fn a_stale_session_is_cleared_first_and_down_ends_the_session() {
    let env = Env::new();
    let sim = common::BackgroundSim::start("e3372");
    // A session left behind (a killed program): ^NDISDUP=1,1 would fail now.
    let out = on_sim(
        &env,
        &sim,
        &["at", "--port", "ttyUSB1", "AT^NDISDUP=1,1,\"web.pt.lu\""],
    )
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(ndis_state(&env, &sim, "ttyUSB1").contains("^NDISSTATQRY: 1"));
    let child = env.spawn(on_sim(
        &env,
        &sim,
        &["up", "--via", "ncm", "--once", "--apn", "web.pt.lu"],
    ));
    let s = env.wait_state("up", 20);
    assert_eq!(s[0]["local"], "100.92.236.163");
    env.down();
    let out = finish(child, 15);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("earlier NDIS session was still up"),
        "{}",
        text(&out.stderr)
    );
    // `dongle down` ended the session on the modem (^NDISDUP=1,0).
    let st = ndis_state(&env, &sim, "ttyUSB1");
    assert!(st.contains("^NDISSTATQRY: 0"), "{st}");
}

#[test]
fn a_dropped_session_is_reconnected() {
    let env = Env::new();
    let sim = common::BackgroundSim::start("e3372");
    let child = env.spawn(on_sim(
        &env,
        &sim,
        &["up", "--via", "ncm", "--apn", "web.pt.lu"],
    ));
    env.wait_state("up", 20);
    // The network ends the session: ^NDISSTAT: 0 arrives on the PCUI port.
    // (Sent on the free modem port; the firmware puts the URC on PCUI.)
    let out = on_sim(&env, &sim, &["at", "--port", "ttyUSB0", "AT^NDISDUP=1,0"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let t = Instant::now();
    loop {
        let s = env.status();
        if s[0]["state"] == "up" && s[0]["reconnects"] == 1 {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(30), "no reconnect: {s:#}");
        std::thread::sleep(Duration::from_millis(100));
    }
    env.down();
    let out = finish(child, 15);
    let err = text(&out.stderr);
    assert!(
        err.contains("[link_dropped]") && err.contains("retrying in 5 s"),
        "{err}"
    );
    assert_eq!(text(&out.stdout).matches("Online: wwan0").count(), 2);
}

#[test]
fn wrong_apn_is_named() {
    let env = Env::new();
    let err = problem(&env.up_once(
        Some("[network]\napns = [\"web.pt.lu\"]\n"),
        &["--apn", "internet.wrong"],
    ));
    assert!(
        err.contains("[wrong_apn]") && err.contains("internet.wrong") && err.contains("dongle apn"),
        "{err}"
    );
    assert!(!env.file("ip.log").contains("addr add"), "no address set");
}

#[test]
fn pin_locked_sim_explains_then_unlocks() {
    let env = Env::new();
    let scenario = "[sim]\nstate = \"pin\"\n";
    let err = problem(&env.up_once(Some(scenario), &["--apn", "web.pt.lu"]));
    assert!(
        err.contains("[sim_pin_required]") && err.contains("--pin-file"),
        "{err}"
    );
    std::fs::write(env.path("pin"), "1234\n").unwrap();
    let mut c = env.cmd(
        Some(scenario),
        false,
        &[
            "--sim",
            "e3372",
            "up",
            "--via",
            "ncm",
            "--apn",
            "web.pt.lu",
            "--pin-file",
        ],
    );
    c.arg(env.path("pin"));
    let child = env.spawn(c);
    let s = env.wait_state("up", 20);
    assert_eq!(s[0]["local"], "100.92.236.163");
    env.down();
    let out = finish(child, 15);
    assert!(!text(&out.stderr).contains("1234"));
}

#[test]
fn not_registered() {
    let err = problem(&Env::new().up_once(
        Some("[network]\nregistration = \"searching\"\n"),
        &["--apn", "x", "--register-timeout", "1"],
    ));
    assert!(err.contains("[not_registered]"), "{err}");
}

#[test]
fn bad_input_changes_nothing() {
    let env = Env::new();
    for apn in ["x\";AT+CFUN=0;\"", "a..b"] {
        let out = env.up_once(None, &["--apn", apn]);
        assert_eq!(out.status.code(), Some(2), "{apn}");
        assert!(text(&out.stderr).contains("APN"));
    }
    let out = env.up_once(None, &["--apn", "web.pt.lu", "--user", "a\"b"]);
    assert_eq!(out.status.code(), Some(2));
    let mut c = env.cmd(
        None,
        false,
        &[
            "--sim", "e3372", "up", "--via", "ncm", "--once", "--apn", "x",
        ],
    );
    c.env("DONGLE_NDIS_AUTH", "kerberos");
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("DONGLE_NDIS_AUTH"));
    assert_eq!(env.file("ip.log"), "", "the host side was never touched");
}

#[test]
fn unknown_via_is_a_usage_error() {
    let out = Env::new()
        .cmd(None, false, &["--sim", "e3372", "up", "--via", "qmi"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--via ncm"));
}

#[test]
fn ncm_is_the_default_when_the_stick_offers_it() {
    let env = Env::new();
    let child = env.spawn(env.cmd(None, false, &["--sim", "e3372", "up", "--apn", "web.pt.lu"]));
    let s = env.wait_state("up", 20);
    assert_eq!(s[0]["via"], "ncm", "{s:#}");
    env.down();
    finish(child, 15);
    // A stick without an NCM interface (E620: serial only) still goes PPP.
    let mut c = env.cmd(
        None,
        false,
        &["--sim", "e620", "up", "--once", "--apn", "web.pt.lu"],
    );
    c.env("DONGLE_PPPD", env.path("no-such-pppd"));
    let err = problem(&c.output().unwrap());
    assert!(err.contains("no-such-pppd"), "the PPP path ran: {err}");
}

#[test]
fn a_route_metric_adds_a_default_route_beside_the_existing_one() {
    let env = Env::new();
    std::fs::write(
        env.path("default"),
        "default via 192.168.1.1 dev eth0 proto dhcp metric 100\n",
    )
    .unwrap();
    let child = env.spawn(env.cmd(
        None,
        false,
        &[
            "--sim",
            "e3372",
            "up",
            "--via",
            "ncm",
            "--apn",
            "web.pt.lu",
            "--route-metric",
            "200",
        ],
    ));
    env.wait_state("up", 20);
    env.down();
    let out = finish(child, 15);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ip = env.file("ip.log");
    assert!(
        ip.contains("route add default via 100.92.236.161 dev wwan0 metric 200"),
        "{ip}"
    );
    assert!(
        ip.contains("route del default via 100.92.236.161 dev wwan0"),
        "removed on the way down: {ip}"
    );
    assert!(!text(&out.stdout).contains("a default route exists"));
}
