//! Driving the virtual USB test bed (`testbed/`) from `cargo test`.
//!
//! One scenario = one guest VM booted by `testbed/run.sh` with a guest script from
//! `testbed/scenarios/`. The script builds a gadget (the fake stick), checks what the real kernel
//! drivers did (`check` lines), and runs the host's `dongle` binary through the 9p share
//! (`capture` sections); this module parses the console and gives the tests the pieces.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The workspace root (two levels above this crate).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

fn cache_dir() -> PathBuf {
    std::env::var_os("VUSB_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/vusb"))
}

/// Why the test bed cannot run here, if it cannot.
fn missing_setup() -> Option<String> {
    let cache = cache_dir();
    for f in ["kernel/vmlinux", "base.cpio.gz"] {
        if !cache.join(f).is_file() {
            return Some(format!(
                "{} missing (run: bash testbed/setup.sh)",
                cache.join(f).display()
            ));
        }
    }
    let qemu = Command::new("qemu-system-x86_64").arg("--version").output();
    if !matches!(qemu, Ok(o) if o.status.success()) {
        return Some("qemu-system-x86_64 not runnable (run: bash testbed/setup.sh)".into());
    }
    None
}

/// `true` when the test bed is set up. When it is not: prints why and returns `false` (the
/// test is skipped), unless `VUSB_REQUIRED=1`, then it fails.
pub fn available(test: &str) -> bool {
    let Some(why) = missing_setup() else {
        return true;
    };
    if std::env::var("VUSB_REQUIRED").is_ok_and(|v| v == "1") {
        panic!("VUSB_REQUIRED=1 but the virtual USB test bed is not set up: {why}");
    }
    eprintln!("skipped {test}: virtual USB test bed not set up: {why}");
    false
}

/// One finished guest run.
pub struct Run {
    pub scenario: String,
    /// The script's exit status (`VUSB: test exit=N`), or run.sh's own (124 timeout, 125 no verdict).
    pub exit: i32,
    /// Serial console, `\r` removed.
    pub console: String,
    pub wall: Duration,
    /// run.sh's own messages (time-out, missing verdict).
    pub runner: String,
}

/// Boots a VM with `testbed/scenarios/NAME.sh`; `DONGLE` is the binary under test (host path,
/// run in the guest through `chroot /host`).
pub fn run_scenario(name: &str) -> Run {
    run_scenario_with(name, &[])
}

/// The guest's FunctionFS gadget daemon: `dongle-gadget` from `dongle-sim`, built once per test
/// process as a static release binary (it runs in the busybox initramfs, not through the 9p
/// share). Same command and flags as in testbed/README.md, so a manual build is reused: cargo
/// only checks freshness then (≈0.1 s); from nothing ≈16 s on 2 cores.
pub fn gadget_binary() -> &'static Path {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = BIN.get_or_init(|| {
        const TARGET: &str = "x86_64-unknown-linux-gnu";
        // CARGO_BIN_EXE_dongle = <target dir>/debug/dongle: follows CARGO_TARGET_DIR.
        let target_dir = Path::new(env!("CARGO_BIN_EXE_dongle"))
            .parent()
            .and_then(Path::parent)
            .expect("target dir")
            .to_path_buf();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let started = Instant::now();
        let out = Command::new(cargo)
            .args([
                "build",
                "--release",
                "-p",
                "dongle-sim",
                "--bin",
                "dongle-gadget",
            ])
            .args(["--target", TARGET])
            .arg("--target-dir")
            .arg(&target_dir)
            .env("RUSTFLAGS", "-C target-feature=+crt-static")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .current_dir(workspace())
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "building the static dongle-gadget failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        eprintln!(
            "vusb: static dongle-gadget ready in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Ok(target_dir.join(TARGET).join("release/dongle-gadget"))
    });
    match built {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

/// [`run_scenario`] with the static `dongle-gadget` in the guest as `/bin/dongle-gadget` (the
/// FunctionFS scenarios).
pub fn run_gadget_scenario(name: &str) -> Run {
    run_scenario_with(name, &[(gadget_binary(), "/bin/dongle-gadget")])
}

/// [`run_scenario`] with extra files put into the guest's initramfs: `(host path, guest path)`,
/// e.g. the static FunctionFS gadget daemon as `/bin/dongle-gadget`.
pub fn run_scenario_with(name: &str, files: &[(&Path, &str)]) -> Run {
    let root = workspace();
    let script = root.join("testbed/scenarios").join(format!("{name}.sh"));
    assert!(script.is_file(), "{} missing", script.display());
    let started = Instant::now();
    let out = Command::new("bash")
        .arg(root.join("testbed/run.sh"))
        .args(["--timeout", "180"])
        .args(files.iter().flat_map(|(src, dest)| {
            assert!(src.is_file(), "{} missing", src.display());
            ["--file".to_string(), format!("{}:{dest}", src.display())]
        }))
        .arg("--env")
        .arg(format!("DONGLE={}", env!("CARGO_BIN_EXE_dongle")))
        .arg(&script)
        .current_dir(&root)
        .output()
        .expect("bash testbed/run.sh starts");
    let wall = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let run = Run {
        scenario: name.to_string(),
        exit: out.status.code().unwrap_or(-1),
        console: String::from_utf8_lossy(&out.stdout).into_owned(),
        wall,
        runner: stderr.trim().to_string(),
    };
    eprintln!(
        "vusb: scenario {name}: exit={} in {:.1} s",
        run.exit,
        run.wall.as_secs_f64()
    );
    if run.exit == 3 || run.exit == 2 {
        panic!("testbed/run.sh: test bed not set up: {stderr}");
    }
    run
}

impl Run {
    /// Panics with `msg`, the tail of the guest console and every captured output.
    pub fn fail(&self, msg: &str) -> ! {
        let lines: Vec<&str> = self.console.lines().collect();
        let tail = lines[lines.len().saturating_sub(120)..].join("\n");
        panic!(
            "vusb scenario {}: {msg}\n(exit={}, {:.1} s; {})\n---- guest console (last 120 lines) ----\n{tail}\n---- end ----",
            self.scenario,
            self.exit,
            self.wall.as_secs_f64(),
            self.runner
        );
    }

    pub fn ensure(&self, cond: bool, msg: &str) {
        if !cond {
            self.fail(msg);
        }
    }

    /// The script ran to the end and every guest-side `check` passed.
    pub fn assert_passed(&self) {
        let failed: Vec<&str> = self
            .console
            .lines()
            .filter(|l| l.starts_with("VUSB: FAIL"))
            .collect();
        if !failed.is_empty() {
            self.fail(&format!("guest checks failed: {failed:?}"));
        }
        self.ensure(
            self.exit == 0,
            &format!("guest script exit status {} (124 = timeout)", self.exit),
        );
        self.ensure(
            self.console.lines().any(|l| l == "VUSB: PASS"),
            "guest script did not reach `finish`",
        );
    }

    /// The `VUSB: ok DESC` line for a guest-side check exists.
    pub fn assert_check(&self, desc: &str) {
        let want = format!("VUSB: ok {desc}");
        self.ensure(
            self.console.lines().any(|l| l == want),
            &format!("guest check `{desc}` did not pass"),
        );
    }

    /// Output and exit status of a `capture NAME ...` section.
    pub fn captured(&self, name: &str) -> (String, i32) {
        let (out, rc, _) = self.captured_timed(name);
        (out, rc)
    }

    /// Output, exit status and guest wall time (ms, 10 ms resolution) of a `capture` section.
    pub fn captured_timed(&self, name: &str) -> (String, i32, u64) {
        let begin = format!("VUSB-OUT-BEGIN {name}");
        let end = format!("VUSB-OUT-END {name} rc=");
        let mut lines = self.console.lines();
        if !lines.any(|l| l == begin) {
            self.fail(&format!("no captured output `{name}`"));
        }
        let mut body = Vec::new();
        for l in lines {
            // The command's last line may lack its newline: the marker then ends that line.
            if let Some(at) = l.find(&end) {
                if at > 0 {
                    body.push(&l[..at]);
                }
                let mut fields = l[at + end.len()..].split_whitespace();
                let rc = fields.next().and_then(|f| f.parse().ok()).unwrap_or(-1);
                let ms = fields
                    .find_map(|f| f.strip_prefix("ms="))
                    .and_then(|f| f.parse().ok())
                    .unwrap_or(0);
                return (body.join("\n"), rc, ms);
            }
            body.push(l);
        }
        self.fail(&format!("captured output `{name}` not terminated"))
    }

    /// The lines of a file the guest printed with `show_log FILE` (prefix removed).
    pub fn shown_log(&self, file: &str) -> Vec<&str> {
        let header = format!("VUSB: ---- {file} ----");
        let mut lines = self.console.lines();
        if !lines.any(|l| l == header) {
            self.fail(&format!("the guest did not show {file}"));
        }
        lines.map_while(|l| l.strip_prefix("VUSB:   ")).collect()
    }

    /// A captured `dongle --json ...` run: must exit 0 and print JSON.
    pub fn json(&self, name: &str) -> Value {
        let (out, rc) = self.captured(name);
        self.ensure(rc == 0, &format!("`{name}` exited with {rc}:\n{out}"));
        serde_json::from_str(&out)
            .unwrap_or_else(|e| self.fail(&format!("`{name}` is not JSON ({e}):\n{out}")))
    }
}
