//! `dongle up/down/status/unlock` on the virtual modem. The data phase goes
//! to a stand-in pppd (tests/data/fake-pppd): this machine has no /dev/ppp;
//! the real pppd runs in the USB test bed.

mod common;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("pppd")).unwrap();
        Env { dir }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    fn cmd(&self, scenario: Option<&str>, args: &[&str]) -> Command {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("dongle"));
        c.env("DONGLE_LOCK_DIR", self.dir.path())
            .env("DONGLE_RUN_DIR", self.path("run"))
            .env(
                "DONGLE_PPPD",
                Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fake-pppd"),
            )
            .env("FAKE_PPPD_DIR", self.path("pppd"))
            .env("DONGLE_APN_MEMORY", self.path("apn-memory.toml"))
            .env_remove("DONGLE_LOG");
        if let Some(text) = scenario {
            std::fs::write(self.path("scenario.toml"), text).unwrap();
            c.arg("--scenario").arg(self.path("scenario.toml"));
        }
        c.args(args);
        c
    }

    /// `dongle --sim e3372 [--scenario] up --once ARGS`, to completion.
    fn up_once(&self, scenario: Option<&str>, args: &[&str]) -> Output {
        let mut a = vec!["--sim", "e3372", "up", "--via", "ppp", "--once"];
        a.extend_from_slice(args);
        self.cmd(scenario, &a).output().unwrap()
    }

    fn pppd_file(&self, name: &str) -> String {
        std::fs::read_to_string(self.path("pppd").join(name)).unwrap_or_default()
    }

    fn status(&self) -> Value {
        let out = self.cmd(None, &["--json", "status"]).output().unwrap();
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
}

fn spawn_up(env: &Env, scenario: Option<&str>, args: &[&str]) -> Child {
    let mut a = vec!["--sim", "e3372", "up", "--via", "ppp"];
    a.extend_from_slice(args);
    env.cmd(scenario, &a)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
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

fn problem(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(8),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// An APN memory that cannot be written costs only the next connect's order of tries: the
/// link comes up, and one note (not a raw log record) says why it is not remembered.
#[test]
fn an_unwritable_apn_memory_is_a_note_and_the_link_comes_up() {
    let env = Env::new();
    let mut cmd = env.cmd(None, &["--sim", "e3372", "up", "--via", "ppp", "--once"]);
    cmd.env(
        "DONGLE_APN_MEMORY",
        "/proc/dongle-no-such-dir/apn-memory.toml",
    )
    .env("FAKE_PPPD_DROP_FIRST", "1");
    let out = cmd.output().unwrap();
    let err = problem(&out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Online"),
        "{err}"
    );
    let notes: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("not remembered"))
        .collect();
    assert_eq!(notes.len(), 1, "{err}");
    assert!(
        notes[0].starts_with("dongle: note: the working APN is not remembered for next time: ")
            && notes[0].contains("/proc/dongle-no-such-dir/apn-memory.toml"),
        "{err}"
    );
    assert!(!err.contains("WARN"), "{err}");
}

#[test]
fn up_status_down() {
    let env = Env::new();
    let child = spawn_up(&env, None, &["--apn", "web.pt.lu"]);
    let s = env.wait_state("up", 20);
    assert_eq!(s[0]["via"], "ppp");
    assert_eq!(s[0]["interface"], "ppp0");
    assert_eq!(s[0]["local"], "10.64.12.34");
    assert_eq!(s[0]["apn"], "web.pt.lu");
    assert_eq!(s[0]["dns"][1], "194.154.192.101");
    assert!(
        s[0]["port"].as_str().unwrap().ends_with("ttyUSB0"),
        "the modem port, not PCUI"
    );
    // pppd got the CONNECTed line itself as stdin, and no `persist`: reconnecting is ours.
    assert_eq!(env.pppd_file("stdin").trim(), "tty");
    let args = env.pppd_file("args");
    assert!(
        args.contains("nodetach") && !args.contains("persist"),
        "{args}"
    );
    let out = env.cmd(None, &["down"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = finish(child, 10);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        env.pppd_file("signal").trim(),
        "terminated",
        "pppd asked to end the link"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Online: ppp0 10.64.12.34"));
    assert_eq!(env.status(), serde_json::json!([]));
}

#[test]
fn dropped_link_reconnects() {
    let env = Env::new();
    let mut cmd = env.cmd(
        None,
        &["--sim", "e3372", "up", "--via", "ppp", "--apn", "web.pt.lu"],
    );
    cmd.env("FAKE_PPPD_DROP_FIRST", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().unwrap();
    let t = Instant::now();
    while env.pppd_file("runs").trim() != "2" {
        assert!(t.elapsed() < Duration::from_secs(30), "no reconnect");
        std::thread::sleep(Duration::from_millis(100));
    }
    let s = env.wait_state("up", 20);
    assert_eq!(s[0]["reconnects"], 1);
    assert!(env.cmd(None, &["down"]).output().unwrap().status.success());
    let out = finish(child, 10);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("modem_hangup") && err.contains("retrying in 5 s"),
        "{err}"
    );
}

#[test]
fn no_sim() {
    let err = problem(&Env::new().up_once(Some("[sim]\nstate = \"absent\"\n"), &["--apn", "x"]));
    assert!(
        err.contains("[no_sim]") && err.contains("insert the SIM"),
        "{err}"
    );
}

#[test]
fn pin_needed_then_given() {
    let env = Env::new();
    let err = problem(&env.up_once(Some("[sim]\nstate = \"pin\"\n"), &["--apn", "web.pt.lu"]));
    assert!(
        err.contains("[sim_pin_required]") && err.contains("--pin-file"),
        "{err}"
    );
    std::fs::write(env.path("pin"), "1234\n").unwrap();
    let pin = env.path("pin");
    let mut cmd = env.cmd(
        Some("[sim]\nstate = \"pin\"\n"),
        &[
            "--sim",
            "e3372",
            "up",
            "--via",
            "ppp",
            "--once",
            "--apn",
            "web.pt.lu",
            "--pin-file",
        ],
    );
    cmd.arg(&pin).env("FAKE_PPPD_DROP_FIRST", "1");
    let out = cmd.output().unwrap();
    // Unlocked, dialled, came up, then the (fake) modem hung up.
    let err = problem(&out);
    assert!(err.contains("[modem_hangup]"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Online"));
    assert!(!err.contains("1234"));
}

#[test]
fn puk_needed() {
    let err = problem(&Env::new().up_once(Some("[sim]\nstate = \"puk\"\n"), &["--apn", "x"]));
    assert!(err.contains("[sim_puk_required]"), "{err}");
}

#[test]
fn not_registered() {
    let err = problem(&Env::new().up_once(
        Some("[network]\nregistration = \"searching\"\n"),
        &["--apn", "x", "--register-timeout", "1"],
    ));
    assert!(
        err.contains("[not_registered]") && err.contains("searching"),
        "{err}"
    );
}

#[test]
fn roaming_refused_when_asked() {
    let err = problem(&Env::new().up_once(
        Some("[network]\nregistration = \"roaming\"\n"),
        &["--apn", "x", "--no-roaming"],
    ));
    assert!(err.contains("[roaming_not_allowed]"), "{err}");
}

#[test]
fn wrong_apn_is_named() {
    let err = problem(&Env::new().up_once(
        Some("[network]\napns = [\"web.pt.lu\"]\n"),
        &["--apn", "internet.wrong"],
    ));
    assert!(
        err.contains("[wrong_apn]") && err.contains("internet.wrong") && err.contains("dongle apn"),
        "{err}"
    );
}

#[test]
fn pppd_failures_explain_themselves() {
    let env = Env::new();
    let mut c = env.cmd(
        None,
        &[
            "--sim",
            "e3372",
            "up",
            "--via",
            "ppp",
            "--once",
            "--apn",
            "web.pt.lu",
        ],
    );
    c.env("FAKE_PPPD_EXIT", "19")
        .env("FAKE_PPPD_LOG", "Connect:_ppp0 PAP_authentication_failed");
    let err = problem(&c.output().unwrap());
    assert!(err.contains("[ppp_auth_failed]"), "{err}");
    let mut c = env.cmd(
        None,
        &[
            "--sim",
            "e3372",
            "up",
            "--via",
            "ppp",
            "--once",
            "--apn",
            "web.pt.lu",
        ],
    );
    c.env("FAKE_PPPD_EXIT", "10").env(
        "FAKE_PPPD_LOG",
        "Connect:_ppp0_<-->_/dev/ttyUSB0 IPCP:_timeout_sending_Config-Requests",
    );
    let err = problem(&c.output().unwrap());
    assert!(
        err.contains("[ppp_ipcp_rejected]") && err.contains("APN"),
        "{err}"
    );
}

#[test]
fn password_never_reaches_the_command_line() {
    let env = Env::new();
    let mut c = env.cmd(
        None,
        &[
            "--sim",
            "e3372",
            "up",
            "--via",
            "ppp",
            "--once",
            "--apn",
            "web.pt.lu",
            "--user",
            "guest",
            "--password-env",
            "PPP_PW",
        ],
    );
    c.env("PPP_PW", "s3cr3t-pw").env("FAKE_PPPD_EXIT", "19");
    let out = c.output().unwrap();
    let args = env.pppd_file("args");
    assert!(
        args.contains("user guest") && args.contains(" file "),
        "{args}"
    );
    assert!(!args.contains("s3cr3t-pw"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("s3cr3t-pw"));
}

#[test]
fn bad_input_changes_nothing() {
    let env = Env::new();
    for apn in ["x\";AT+CFUN=0;\"", "a..b"] {
        let out = env.up_once(None, &["--apn", apn]);
        assert_eq!(out.status.code(), Some(2), "{apn}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("APN"));
    }
    assert_eq!(env.pppd_file("runs"), "", "pppd never started");
}

#[test]
fn unlock_reads_the_pin_from_a_file() {
    let env = Env::new();
    std::fs::write(env.path("pin"), "1234\n").unwrap();
    let sim =
        common::BackgroundSim::start_with("e3372", "[sim]\nstate = \"pin\"\npin_retries = 3\n");
    let out = sim.dongle().args(["--json", "unlock"]).output().unwrap();
    let st: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(st["state"], "pin");
    assert_eq!(st["retries"]["pin"], 3);
    let out = sim
        .dongle()
        .args(["unlock", "--pin-file"])
        .arg(env.path("pin"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = sim.dongle().args(["--json", "info"]).output().unwrap();
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["sim"], "ready");
}

#[test]
fn unlock_refuses_the_last_try_without_force() {
    let env = Env::new();
    std::fs::write(env.path("pin"), "0000\n").unwrap();
    let sim =
        common::BackgroundSim::start_with("e3372", "[sim]\nstate = \"pin\"\npin_retries = 1\n");
    let out = sim
        .dongle()
        .args(["unlock", "--pin-file"])
        .arg(env.path("pin"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    // Nothing was sent: the try is still there.
    let out = sim.dongle().args(["--json", "unlock"]).output().unwrap();
    let st: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(st["retries"]["pin"], 1);
}

#[test]
fn apn_comes_from_the_sim_and_the_one_that_worked_is_remembered() {
    if !Path::new("/usr/share/mobile-broadband-provider-info/serviceproviders.xml").exists() {
        eprintln!("skipped: mobile-broadband-provider-info is not installed");
        return;
    }
    let env = Env::new();
    // The POST Luxembourg SIM (IMSI 27001…) of the E3372 story: web.pt.lu first.
    let child = spawn_up(&env, None, &[]);
    let s = env.wait_state("up", 20);
    assert_eq!(s[0]["apn"], "web.pt.lu");
    assert!(env.cmd(None, &["down"]).output().unwrap().status.success());
    finish(child, 10);
    let memory = || std::fs::read_to_string(env.path("apn-memory.toml")).unwrap_or_default();
    assert!(memory().contains("web.pt.lu"), "{}", memory());
    // An APN given by hand that works is remembered for this SIM…
    let child = spawn_up(
        &env,
        Some("[network]\napns = [\"internet\"]\n"),
        &["--apn", "internet"],
    );
    env.wait_state("up", 20);
    assert!(env.cmd(None, &["down"]).output().unwrap().status.success());
    finish(child, 10);
    assert!(memory().contains("\"internet\""), "{}", memory());
    // …and tried first next time; when the network refuses it (NO CARRIER),
    // the database's candidate follows, and becomes the remembered one.
    let child = spawn_up(&env, Some("[network]\napns = [\"web.pt.lu\"]\n"), &[]);
    let s = env.wait_state("up", 20);
    assert_eq!(s[0]["apn"], "web.pt.lu");
    assert!(env.cmd(None, &["down"]).output().unwrap().status.success());
    finish(child, 10);
    assert!(
        memory().contains("web.pt.lu") && !memory().contains("\"internet\""),
        "{}",
        memory()
    );
}

#[test]
fn hilink_stick_up_status_down() {
    let env = Env::new();
    let child = env
        .cmd(None, &["--sim", "e3372-hilink", "up"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let s = env.wait_state("up", 20);
    assert_eq!(s[0]["via"], "hilink");
    assert!(s[0]["device"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
    assert!(s[0]["local"].is_string(), "the stick's WAN address: {s:#}");
    assert!(env.cmd(None, &["down"]).output().unwrap().status.success());
    let out = finish(child, 30);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Online: HiLink"));
}

#[test]
fn hilink_with_locked_sim_explains() {
    let out = Env::new()
        .cmd(
            Some("[sim]\nstate = \"pin\"\n"),
            &["--sim", "e3372-hilink", "up", "--once"],
        )
        .output()
        .unwrap();
    let err = problem(&out);
    assert!(
        err.contains("[hilink_no_connection]") && err.to_lowercase().contains("pin"),
        "{err}"
    );
}
