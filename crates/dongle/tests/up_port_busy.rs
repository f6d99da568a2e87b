//! `dongle up` when another program still has a port of the stick open (the pppd wvdial
//! leaves behind for seconds after it exits, ModemManager): the finding is `port_busy` naming
//! that program, not `needs_setport` (which would send the user to re-configure a stick that
//! is fine).

mod common;

use std::process::{Child, Command, Stdio};

/// A process holding `port` open, as a lingering pppd does.
struct Holder(Child);

impl Holder {
    fn start(port: &std::path::Path) -> Holder {
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(port)
            .expect("open the simulated port");
        Holder(
            Command::new("sleep")
                .arg("60")
                .stdin(Stdio::from(tty))
                .spawn()
                .expect("sleep runs"),
        )
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `dongle up --via ppp --once` against the background simulator: its stderr.
fn up_once(sim: &common::BackgroundSim, run: &std::path::Path, args: &[&str]) -> String {
    let out = sim
        .dongle()
        .env("DONGLE_RUN_DIR", run)
        .env("DONGLE_APN_MEMORY", run.join("apn-memory.toml"))
        // Never reached: the finding comes before any dialling.
        .env("DONGLE_PPPD", "/nonexistent/pppd")
        .args(["up", "--via", "ppp", "--once", "--apn", "web.pt.lu"])
        .args(args)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(8), "{err}");
    err
}

#[test]
fn a_held_modem_port_is_port_busy_naming_the_holder() {
    let sim = common::BackgroundSim::start("e3372");
    let run = tempfile::tempdir().unwrap();
    let modem = sim.root().join("dev/ttyUSB0");
    let holder = Holder::start(&modem);
    let err = up_once(&sim, run.path(), &[]);
    let who = format!("sleep (pid {})", holder.0.id());
    assert!(
        err.contains("port_busy") && err.contains("ttyUSB0") && err.contains(&who),
        "{err}"
    );
    assert!(!err.contains("needs_setport"), "{err}");
    assert!(err.contains(&format!("kill {}", holder.0.id())), "{err}");
    drop(holder);
    // Once the holder is gone the same stick dials (the stand-in pppd is missing).
    let err = up_once(&sim, run.path(), &[]);
    assert!(err.contains("ppp_missing"), "{err}");
}

#[test]
fn every_port_held_is_port_busy_not_a_silent_modem() {
    let sim = common::BackgroundSim::start("e3372");
    let run = tempfile::tempdir().unwrap();
    let _modem = Holder::start(&sim.root().join("dev/ttyUSB0"));
    let pcui = Holder::start(&sim.root().join("dev/ttyUSB1"));
    let err = up_once(&sim, run.path(), &[]);
    assert!(
        err.contains("port_busy") && err.contains("sleep (pid"),
        "{err}"
    );
    assert!(!err.contains("port_silent"), "{err}");
    // Named with --port: the same.
    let err = up_once(&sim, run.path(), &["--port", "ttyUSB1"]);
    let who = format!("sleep (pid {})", pcui.0.id());
    assert!(err.contains("port_busy") && err.contains(&who), "{err}");
}
