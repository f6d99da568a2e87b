//! Helpers for driving the real `dongle` binary against the virtual modem.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

/// `dongle` with a private lock directory, so parallel tests never meet in /var/lock.
pub fn dongle(lock_dir: &Path) -> Command {
    let mut c = Command::cargo_bin("dongle").expect("binary built");
    c.env("DONGLE_LOCK_DIR", lock_dir)
        .env_remove("DONGLE_LOG")
        .timeout(std::time::Duration::from_secs(30));
    c
}

/// Run with `--sim PROFILE [--scenario FILE] --json ARGS`, expect success, parse stdout.
pub fn sim_json(profile: &str, scenario: Option<&str>, args: &[&str]) -> Value {
    let out = sim_run(profile, scenario, &[&["--json"], args].concat());
    assert!(
        out.status.success(),
        "dongle {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// Run `dongle --sim PROFILE [--scenario FILE] ARGS` and return the output.
pub fn sim_run(profile: &str, scenario: Option<&str>, args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut c = dongle(dir.path());
    c.args(["--sim", profile]);
    if let Some(text) = scenario {
        let f = dir.path().join("scenario.toml");
        std::fs::write(&f, text).unwrap();
        c.arg("--scenario").arg(&f);
    }
    c.args(args).output().expect("dongle runs")
}

/// The probe entry for a tty name.
pub fn port<'a>(probe: &'a Value, tty: &str) -> &'a Value {
    probe
        .as_array()
        .expect("probe JSON is a list")
        .iter()
        .find(|p| p["tty"] == tty)
        .unwrap_or_else(|| panic!("no {tty} in {probe:#}"))
}

/// `dongle sim PROFILE --dir D` in its own process, as a user runs it.
pub struct BackgroundSim {
    child: Child,
    dir: tempfile::TempDir,
    // Kept open: the simulator's stdout (closing it would end it with SIGPIPE).
    _out: std::io::BufReader<std::process::ChildStdout>,
}

impl BackgroundSim {
    pub fn start(profile: &str) -> BackgroundSim {
        Self::start_with(profile, "")
    }

    /// With a scenario (TOML text).
    pub fn start_with(profile: &str, scenario: &str) -> BackgroundSim {
        let dir = tempfile::tempdir().unwrap();
        let scenario_file = dir.path().join("scenario.toml").into_os_string();
        std::fs::write(&scenario_file, scenario).unwrap();
        let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("dongle"))
            .args(if scenario.is_empty() {
                vec![]
            } else {
                vec!["--scenario".into(), scenario_file.clone()]
            })
            .args(["sim", profile, "--dir"])
            .arg(dir.path().join("sim"))
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // `dongle sim` prints its port list once every port and the sysfs
        // tree exist, ending with the Ctrl-C hint: that is "ready".
        let mut out = std::io::BufReader::new(child.stdout.take().expect("piped stdout"));
        let t = Instant::now();
        loop {
            let mut line = String::new();
            let n = std::io::BufRead::read_line(&mut out, &mut line).unwrap();
            assert!(n > 0, "simulator exited before it was ready");
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "simulator did not start"
            );
            if line.contains("Ctrl-C") {
                break;
            }
        }
        BackgroundSim {
            child,
            dir,
            _out: out,
        }
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("sim")
    }

    pub fn dongle(&self) -> assert_cmd::Command {
        let mut c = dongle(self.dir.path());
        c.arg("--sysfs")
            .arg(self.root().join("sys"))
            .arg("--dev")
            .arg(self.root().join("dev"));
        c
    }
}

impl Drop for BackgroundSim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `dongle --json sim PROFILE --count N --dir DIR` in its own process, driven through its stdin
/// (`unplug K`, `replug K`, `drop K`, `sms K TEXT`…) as a benchmark script drives it.
pub struct SimFleet {
    child: Child,
    stdin: std::process::ChildStdin,
    out: std::io::BufReader<std::process::ChildStdout>,
    /// The start document: every stick's USB path, IMEI, ICCID and ports.
    pub started: Value,
}

impl SimFleet {
    /// `count` sticks of `profile` under `dir`, each with the fault scenario `scenario` (TOML);
    /// returns once every stick's ports and sysfs entries exist.
    pub fn start(dir: &Path, profile: &str, count: usize, scenario: Option<&str>) -> SimFleet {
        let mut c = StdCommand::new(assert_cmd::cargo::cargo_bin("dongle"));
        c.env_remove("DONGLE_LOG");
        if let Some(text) = scenario {
            // Beside the fleet's directory, which `dongle sim` creates.
            let f = dir.with_extension("scenario.toml");
            std::fs::write(&f, text).unwrap();
            c.arg("--scenario").arg(f);
        }
        let mut child = c
            .args([
                "--json",
                "sim",
                profile,
                "--count",
                &count.to_string(),
                "--dir",
            ])
            .arg(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().expect("piped stdin");
        let mut out = std::io::BufReader::new(child.stdout.take().expect("piped stdout"));
        // With --json the start is one pretty-printed document, ending with a lone `}` line;
        // it is printed once every stick exists.
        let mut doc = String::new();
        let t = Instant::now();
        loop {
            let mut line = String::new();
            let n = std::io::BufRead::read_line(&mut out, &mut line).unwrap();
            assert!(n > 0, "fleet exited before it was ready: {doc}");
            assert!(t.elapsed() < Duration::from_secs(20), "fleet did not start");
            doc.push_str(&line);
            if line.trim_end() == "}" {
                break;
            }
        }
        let started = serde_json::from_str(&doc).expect("start document is JSON");
        SimFleet {
            child,
            stdin,
            out,
            started,
        }
    }

    /// Send one control line without waiting (a refused line gets no acknowledgement).
    pub fn send(&mut self, line: &str) {
        use std::io::Write;
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Send one control line; its acknowledgement line.
    pub fn ack(&mut self, line: &str) -> String {
        self.send(line);
        let mut ack = String::new();
        let n = std::io::BufRead::read_line(&mut self.out, &mut ack).unwrap();
        assert!(n > 0, "fleet exited on `{line}`");
        ack
    }
}

impl Drop for SimFleet {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
