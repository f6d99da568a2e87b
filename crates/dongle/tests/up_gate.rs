//! pppd held at the gate (cmd/up/gate.rs): started before dialling with a `connect` script
//! that lets PPP start only after CONNECT. With the pppd stand-in (tests/data/fake-pppd, which
//! runs the script as pppd does): a dial that fails leaves no PPP session and no pppd behind;
//! one that works starts PPP in the pppd that was waiting, not in a second one.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
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

    fn up_once(&self, scenario: &str, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
        std::fs::write(self.path("scenario.toml"), scenario).unwrap();
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("dongle"));
        c.env("DONGLE_LOCK_DIR", self.dir.path())
            .env("DONGLE_RUN_DIR", self.path("run"))
            .env(
                "DONGLE_PPPD",
                Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fake-pppd"),
            )
            .env("FAKE_PPPD_DIR", self.path("pppd"))
            .env("DONGLE_APN_MEMORY", self.path("apn-memory.toml"))
            .env_remove("DONGLE_LOG")
            .arg("--scenario")
            .arg(self.path("scenario.toml"))
            .args(["--sim", "e3372", "up", "--via", "ppp", "--once"])
            .args(args);
        for (k, v) in extra_env {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    fn pppd_file(&self, name: &str) -> String {
        std::fs::read_to_string(self.path("pppd").join(name)).unwrap_or_default()
    }

    /// Processes still running with this test's stand-in directory in their environment.
    fn stand_ins_left(&self) -> Vec<u32> {
        let needle = format!("FAKE_PPPD_DIR={}", self.path("pppd").display());
        let mut left = Vec::new();
        for p in std::fs::read_dir("/proc").unwrap().flatten() {
            let Some(pid) = p.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            let env = std::fs::read(p.path().join("environ")).unwrap_or_default();
            if env.split(|&b| b == 0).any(|v| v == needle.as_bytes()) {
                left.push(pid);
            }
        }
        left
    }

    /// Stand-ins gone within `secs` (the dongle process has exited already).
    fn no_stand_ins_within(&self, secs: u64) -> Vec<u32> {
        let t = Instant::now();
        loop {
            let left = self.stand_ins_left();
            if left.is_empty() || t.elapsed() > Duration::from_secs(secs) {
                return left;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn a_failed_dial_leaves_no_ppp_session_and_no_pppd() {
    let env = Env::new();
    let out = env.up_once(
        "[network]\napns = [\"web.pt.lu\"]\n",
        &["--apn", "internet.wrong"],
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(8), "{err}");
    assert!(err.contains("[wrong_apn]"), "{err}");
    // pppd was started before dialling, on the modem line, with the gate script…
    let args = env.pppd_file("args");
    assert!(args.contains(" connect "), "{args}");
    assert_eq!(env.pppd_file("stdin").trim(), "tty");
    // …and never got past it.
    assert_eq!(env.pppd_file("runs"), "", "no PPP session");
    assert_eq!(
        env.no_stand_ins_within(10),
        Vec::<u32>::new(),
        "pppd left behind"
    );
}

#[test]
fn connect_starts_ppp_in_the_pppd_that_waited() {
    let env = Env::new();
    // Comes up, then the (fake) modem hangs up: one pppd, one PPP session.
    let out = env.up_once(
        "",
        &["--apn", "web.pt.lu"],
        &[("FAKE_PPPD_DROP_FIRST", "1")],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(8), "{err}");
    assert!(err.contains("[modem_hangup]"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("Online"));
    assert_eq!(env.pppd_file("runs").trim(), "1");
    assert_eq!(
        env.no_stand_ins_within(10),
        Vec::<u32>::new(),
        "pppd left behind"
    );
}

#[test]
fn a_locked_sim_stops_the_waiting_pppd() {
    let env = Env::new();
    let out = env.up_once("[sim]\nstate = \"pin\"\n", &["--apn", "web.pt.lu"], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(8), "{err}");
    assert!(err.contains("[sim_pin_required]"), "{err}");
    assert_eq!(env.pppd_file("runs"), "", "no PPP session");
    assert_eq!(
        env.no_stand_ins_within(10),
        Vec::<u32>::new(),
        "pppd left behind"
    );
}
