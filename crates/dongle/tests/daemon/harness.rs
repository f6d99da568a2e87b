//! The test bed for `dongle daemon`: a fleet of virtual sticks (`dongle sim PROFILE --count N`,
//! driven through its stdin: `unplug K`, `replug K`, `drop K`, `heal K`), an `ip` stand-in, a
//! private run directory, lock directory, APN memory and config file, and the daemon's log.
//! Included by the daemon test files with `#[path = "daemon/harness.rs"] mod harness;` (beside
//! `mod common;`, whose SimFleet runs the sticks).
#![allow(dead_code)]

use crate::common::SimFleet;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// iproute2 stand-in: logs every call; one address file per interface.
pub const FAKE_IP: &str = r#"#!/bin/sh
d=${FAKE_IP_DIR:?}
echo "$*" >> "$d/ip.log"
case "$*" in
  "-4 -o addr show dev "*) [ -f "$d/addr-$5" ] && echo "4: $5    inet $(cat "$d/addr-$5") scope global $5" ;;
  "addr add "*) echo "$3" > "$d/addr-$5" ;;
  "-4 addr flush dev "*) rm -f "$d/addr-$5" ;;
esac
exit 0
"#;

pub struct Bed {
    // Declared first: dropped (killed) before the directory it runs in.
    sim: SimFleet,
    pub dir: tempfile::TempDir,
    pub daemon: Option<Child>,
    /// The fleet's start document (each stick's IMEI, ICCID, ports).
    pub fleet: Value,
    /// Extra environment for every `dongle` started (the daemon included).
    env: Vec<(String, String)>,
}

/// Write an executable script.
pub fn script(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

impl Bed {
    /// `count` healthy E3372 sticks.
    pub fn start(count: usize) -> Bed {
        Bed::start_with("e3372", count, None)
    }

    /// `count` sticks of `profile`, every one with the fault scenario `scenario` (TOML).
    pub fn start_with(profile: &str, count: usize, scenario: Option<&str>) -> Bed {
        let dir = tempfile::tempdir().unwrap();
        script(&dir.path().join("fake-ip"), FAKE_IP);
        let sim = SimFleet::start(&dir.path().join("sim"), profile, count, scenario);
        let fleet = sim.started.clone();
        Bed {
            dir,
            sim,
            daemon: None,
            fleet,
            env: Vec::new(),
        }
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    /// Set `key=value` for every `dongle` started from now on.
    pub fn env(&mut self, key: &str, value: &str) {
        self.env.push((key.to_string(), value.to_string()));
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("dongle"));
        c.env("DONGLE_LOCK_DIR", self.dir.path())
            .env("DONGLE_RUN_DIR", self.path("run"))
            .env("DONGLE_IP", self.path("fake-ip"))
            .env("DONGLE_DHCP", "none")
            .env("FAKE_IP_DIR", self.dir.path())
            .env("DONGLE_APN_MEMORY", self.path("apn-memory.toml"))
            .env("DONGLE_CONFIG", self.path("config.toml"))
            .env_remove("NOTIFY_SOCKET")
            .env_remove("DONGLE_LOG")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .arg("--sysfs")
            .arg(self.path("sim/sys"))
            .arg("--dev")
            .arg(self.path("sim/dev"))
            .args(args);
        c
    }

    pub fn start_daemon(&mut self, notify: Option<&Path>) {
        let mut c = self.cmd(&["daemon"]);
        if let Some(n) = notify {
            c.env("NOTIFY_SOCKET", n);
        }
        let log = std::fs::File::create(self.path("daemon.log")).unwrap();
        let child = c
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap();
        self.daemon = Some(child);
        // Ready once the control socket accepts connections (the file appears at bind(),
        // a moment before listen()), or the daemon gave up.
        let t = Instant::now();
        while UnixStream::connect(self.path("run/dongle.sock")).is_err() && self.daemon_alive() {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "no control socket accepting after 20 s\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("daemon.log")).unwrap_or_default()
    }

    /// The daemon's log from byte `from` on (a mark taken with `log().len()`).
    pub fn log_since(&self, from: usize) -> String {
        self.log().get(from..).unwrap_or_default().to_string()
    }

    /// `dongle --json status` through the CLI.
    pub fn status(&self) -> Vec<Value> {
        let out = self.cmd(&["--json", "status"]).output().unwrap();
        serde_json::from_slice::<Value>(&out.stdout)
            .ok()
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
    }

    pub fn phases(&self) -> Vec<(String, String)> {
        self.status()
            .iter()
            .map(|m| {
                (
                    m["device"].as_str().unwrap_or("").to_string(),
                    m["phase"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    /// Wait until the daemon reports exactly these phases.
    pub fn wait_for(&self, want: &[(&str, &str)], secs: u64) {
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(d, p)| (d.to_string(), p.to_string()))
            .collect();
        let t = Instant::now();
        loop {
            let now = self.phases();
            if now == want {
                return;
            }
            assert!(
                t.elapsed() < Duration::from_secs(secs),
                "wanted {want:?}, have {now:?}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// One `{"cmd":"status"}` on the control socket, as `dongle status` sends it: the reply
    /// and how long it took, or why there was none within `limit`.
    pub fn ask_status(&self, limit: Duration) -> Result<(Value, Duration), String> {
        let t = Instant::now();
        let s = UnixStream::connect(self.path("run/dongle.sock"))
            .map_err(|e| format!("cannot connect to the control socket: {e}"))?;
        s.set_read_timeout(Some(limit)).unwrap();
        s.set_write_timeout(Some(limit)).unwrap();
        (&s).write_all(b"{\"cmd\":\"status\"}\n")
            .map_err(|e| format!("cannot send: {e}"))?;
        let mut line = String::new();
        BufReader::new((&s).take(1 << 22))
            .read_line(&mut line)
            .map_err(|e| format!("no reply within {limit:?}: {e}"))?;
        let took = t.elapsed();
        let v: Value =
            serde_json::from_str(&line).map_err(|e| format!("bad reply {line:?}: {e}"))?;
        if took > limit {
            return Err(format!("the reply took {took:?}"));
        }
        Ok((v, took))
    }

    /// The phase of `device` as the control socket reports it now ("" when not listed).
    pub fn phase(&self, device: &str) -> String {
        self.ask_status(Duration::from_secs(5))
            .ok()
            .and_then(|(v, _)| {
                v["modems"].as_array().and_then(|ms| {
                    ms.iter()
                        .find(|m| m["device"] == device)
                        .and_then(|m| m["phase"].as_str().map(String::from))
                })
            })
            .unwrap_or_default()
    }

    /// Wait (checking the daemon stays responsive) until the daemon lists exactly these
    /// devices.
    pub fn wait_devices(&mut self, want: &[&str], secs: u64) {
        let t = Instant::now();
        loop {
            let v = self.assert_responsive(&format!("while waiting for the modems {want:?}"));
            let now: Vec<String> = v["modems"]
                .as_array()
                .map(|ms| {
                    ms.iter()
                        .filter_map(|m| m["device"].as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            if now == want {
                return;
            }
            assert!(
                t.elapsed() < Duration::from_secs(secs),
                "wanted the modems {want:?}, the daemon has {v}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The daemon process has not exited.
    pub fn daemon_alive(&mut self) -> bool {
        self.daemon
            .as_mut()
            .is_some_and(|d| d.try_wait().ok().flatten().is_none())
    }

    /// The daemon is alive and its control socket answers within 2 s: the check made
    /// throughout a fault. Returns the status reply.
    pub fn assert_responsive(&mut self, during: &str) -> Value {
        assert!(
            self.daemon_alive(),
            "the daemon exited {during}: {:?}\n{}",
            self.daemon
                .as_mut()
                .and_then(|d| d.try_wait().ok().flatten()),
            self.log()
        );
        match self.ask_status(Duration::from_secs(2)) {
            Ok((v, _)) => v,
            Err(e) => panic!("the control socket hung {during}: {e}\n{}", self.log()),
        }
    }

    /// Keep checking [`Bed::assert_responsive`] for `d`.
    pub fn responsive_for(&mut self, d: Duration, during: &str) {
        let t = Instant::now();
        while t.elapsed() < d {
            self.assert_responsive(during);
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Wait (checking the daemon stays responsive) until `device` is in `phase`; returns
    /// how long it took.
    pub fn wait_phase(&mut self, device: &str, phase: &str, secs: u64) -> Duration {
        let t = Instant::now();
        loop {
            let v = self.assert_responsive(&format!("while waiting for {device} {phase}"));
            let now = v["modems"]
                .as_array()
                .and_then(|ms| ms.iter().find(|m| m["device"] == device).cloned());
            if now.as_ref().and_then(|m| m["phase"].as_str()) == Some(phase) {
                return t.elapsed();
            }
            assert!(
                t.elapsed() < Duration::from_secs(secs),
                "{device} not {phase} within {secs} s: {now:?}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Wait (checking the daemon stays responsive) until `device` is up on a link announced
    /// after log mark `mark` (a `DEVICE: Online:` line): a fresh link, not a stale state.
    pub fn wait_online(&mut self, device: &str, mark: usize, secs: u64) -> Duration {
        let t = Instant::now();
        let announced = format!("{device}: Online:");
        loop {
            self.wait_phase(device, "up", secs);
            if self.log_since(mark).contains(&announced) {
                return t.elapsed();
            }
            assert!(
                t.elapsed() < Duration::from_secs(secs),
                "{device} not online again within {secs} s\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Wait (checking the daemon stays responsive) until the log after `mark` has a line
    /// with every one of `words`.
    pub fn wait_log(&mut self, mark: usize, words: &[&str], secs: u64) {
        let t = Instant::now();
        while lines_with(&self.log_since(mark), words).is_empty() {
            self.assert_responsive(&format!("while waiting for {words:?} in the log"));
            assert!(
                t.elapsed() < Duration::from_secs(secs),
                "no line with {words:?} within {secs} s\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Send a command to the fleet (`unplug 1`, `drop 2`, …) and wait for its acknowledgement.
    pub fn sim_control(&mut self, line: &str) {
        self.sim.ack(line);
    }

    /// Send a fleet command and return its acknowledgement line.
    pub fn sim_ack(&mut self, line: &str) -> String {
        self.sim.ack(line)
    }

    pub fn stop_daemon(&mut self) -> std::process::ExitStatus {
        let mut d = self.daemon.take().expect("daemon runs");
        let pid = rustix::process::Pid::from_raw(d.id() as i32).unwrap();
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
        let t = Instant::now();
        loop {
            if let Some(s) = d.try_wait().unwrap() {
                return s;
            }
            assert!(t.elapsed() < Duration::from_secs(25), "daemon did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Bed {
    fn drop(&mut self) {
        if let Some(d) = &mut self.daemon {
            let _ = d.kill();
            let _ = d.wait();
        }
    }
}

pub fn up(devs: &[&'static str]) -> Vec<(&'static str, &'static str)> {
    devs.iter().map(|d| (*d, "up")).collect()
}

/// The lines of `log` that contain every one of `words`.
pub fn lines_with<'a>(log: &'a str, words: &[&str]) -> Vec<&'a str> {
    log.lines()
        .filter(|l| words.iter().all(|w| l.contains(w)))
        .collect()
}
