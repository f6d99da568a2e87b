//! A modem whose ports never appear. The kernel binds a known stick's
//! drivers within a second of the plug-in; one whose ID the option driver
//! does not know (or whose driver is not installed) waits for ever, and
//! without this the daemon would show it as `settling` with no word why.
//! After [`SETTLE_LIMIT`] the doctor's own rules name the problem and the
//! fix (`driver_not_bound`: which module, and the new_id line), once; when
//! the driver binds later the modem goes on by itself.

use crate::cli::Global;
use crate::cmd::doctor_live::{feed_modules, Host, Modules};
use dongle_doctor::Doctor;
use dongle_usb::bind::{self, DriverState, NewIdOutcome};
use dongle_usb::{Sysfs, UsbDevice};
use std::time::{Duration, Instant};

/// How long ports may take to appear before that is a problem.
pub const SETTLE_LIMIT: Duration = Duration::from_secs(10);

/// Why a modem is still without ports.
#[derive(Debug, Clone, PartialEq)]
pub struct Stuck {
    /// The doctor's problem id (`driver_not_bound`, `driver_missing`), when it found one.
    pub problem: Option<String>,
    pub summary: String,
    pub fix: String,
}

/// Waiting for ports: since when, and what was said about it.
#[derive(Debug, Default)]
pub struct Settling {
    since: Option<Instant>,
    pub stuck: Option<Stuck>,
}

/// What changed, for the one log line the caller writes.
#[derive(Debug, PartialEq)]
pub enum Change {
    /// Waited too long: the diagnosis.
    Stuck(Stuck),
    /// The ports appeared after the modem was reported stuck.
    Bound,
}

impl Settling {
    /// Called on every scan with whether the device still waits for its ports.
    pub fn update(&mut self, waiting: bool, dev: &UsbDevice, global: &Global) -> Option<Change> {
        if !waiting {
            self.since = None;
            return self.stuck.take().map(|_| Change::Bound);
        }
        let since = *self.since.get_or_insert_with(Instant::now);
        if self.stuck.is_some() || since.elapsed() < SETTLE_LIMIT {
            return None;
        }
        let stuck = diagnose(dev, global);
        self.stuck = Some(stuck.clone());
        Some(Change::Stuck(stuck))
    }
}

/// The doctor's finding for a device without ports. The kernel's module
/// lists are asked only when the tree is the running system's (not a
/// `--sysfs` tree or `--sim`): a fake tree's answer must not mix in the host.
fn diagnose(dev: &UsbDevice, global: &Global) -> Stuck {
    let Ok(mut doctor) = Doctor::new() else {
        return fallback(dev);
    };
    doctor.feed_device(dev);
    if global.sysfs == std::path::Path::new("/sys") && global.sim.is_none() {
        if let Ok(m) = Modules::read(&Host::default()) {
            feed_modules(&m, &[dev], &mut doctor);
        }
    }
    let report = doctor.finish();
    let driver = report
        .findings
        .iter()
        .find(|f| f.problem.starts_with("driver_") || f.problem == "wrong_driver_bound");
    match driver.or(report.findings.first()) {
        Some(f) => Stuck {
            problem: Some(f.problem.clone()),
            summary: f.summary.clone(),
            fix: by_hand(&f.fix).to_string(),
        },
        None => fallback(dev),
    }
}

/// A managed modem whose vendor-class interfaces no driver took, with option
/// loaded: give option its ID through `new_id`, as `dongle switch` does after
/// a switch (usb_modeswitch's dispatcher does the same from udev). The kernel
/// binds at once and the next scan sees the ports. The slot is a modem by the
/// daemon's own test (`modem::is_modem`), so no other vendor-class device
/// (a phone's ADB) gets here. Returns the clause for the log line: empty when
/// nothing was done (option not loaded: the fix already says `modprobe option`).
pub fn give_option_the_id(dev: &UsbDevice, sysfs: &Sysfs) -> String {
    if bind::unbound_serial_interfaces(dev).is_empty()
        || bind::option_driver_state(sysfs, None) != DriverState::Loaded
    {
        return String::new();
    }
    match bind::option_new_id(sysfs, dev.vid, dev.pid, None) {
        Ok(NewIdOutcome::Added) => format!("; gave option the ID {} (new_id)", dev.id()),
        Ok(_) => String::new(),
        Err(e) => format!("; could not give option the ID: {e}"),
    }
}

/// The commands of a fix that offers `dongle switch` first: that binds the
/// driver only as part of a switch out of storage mode, and a stick that
/// waits here has been switched already (or never needed it).
fn by_hand(fix: &str) -> &str {
    fix.split_once("by hand: ").map_or(fix, |(_, cmds)| cmds)
}

fn fallback(dev: &UsbDevice) -> Stuck {
    Stuck {
        problem: None,
        summary: "no driver problem the doctor knows of".into(),
        fix: format!(
            "`dongle doctor --live` shows what the kernel did with {}",
            dev.path
        ),
    }
}
