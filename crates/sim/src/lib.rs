//! `dongle-sim`: a virtual USB modem for tests, benchmarks and `dongle --sim`.
//!
//! A [`Sim`] models one Huawei/ZTE stick: its firmware ([`firmware::Modem`]: SIM, network,
//! PDP contexts, `^SETPORT`, per-port echo/`+CMEE`/URC modes), its serial ports served on PTY
//! pairs, a fake sysfs tree (`DIR/sys`) and a dev directory (`DIR/dev/ttyUSBk` → `/dev/pts/N`).
//! A [`Scenario`] injects faults: locked SIM, no network, silent/garbage/slow ports, an unplug in
//! the middle of a command, URC floods, stray NULs.
//!
//! # How the ports behave (and why)
//!
//! - Replies use the V.250 verbose framing of real firmware: echo of the command line (echo is
//!   on by default, `ATE0` per port), then `\r\n<info>\r\n` and `\r\n<final>\r\n`. Default
//!   latency is 2 ms per reply ([`DEFAULT_LATENCY`]).
//! - DIAG ports are silent (they read, record in the transcript, never answer); set
//!   `[ports.ttyUSBk] garbage = true` for Qualcomm-style binary frames, or `silent = false` to
//!   make one answer AT anyway.
//! - The sim notices opens and closes of `/dev/pts/N` (inotify): unsolicited messages (floods,
//!   `^BOOT`, `+CREG:`) are only sent while some program has the port open, output nobody read
//!   is discarded on close, and closing a port in data mode ends the call (DTR drop on close).
//! - Data mode (`ATD*99#` → `CONNECT` on the modem port) ends on DTR drop (speed set to B0, as
//!   pppd and ModemManager do; the sim answers `NO CARRIER`), on close, or on `+++` (`OK`).
//!   PPP itself is not spoken: bytes in data mode are ignored.
//! - `^SETPORT=` validates and stores the layout, and `^RESET` reboots the firmware state (SIM
//!   locks again, per-port settings reset, `^SYSSTART`/`^BOOT`), but the sim's USB layout does
//!   not change: there is no re-enumeration.
//! - Tests may change the firmware while it runs with [`Sim::with_modem`], e.g.
//!   `sim.with_modem(|m| m.set_registration(Registration::None))`.
//!
//! ```no_run
//! # fn main() -> Result<(), dongle_sim::SimError> {
//! let dir = std::path::Path::new("/tmp/sim");
//! let sim = dongle_sim::Sim::start("e3372", dir, dongle_sim::Scenario::default())?;
//! // point the code under test at sim.sysfs_root() and sim.dev_root()
//! for p in sim.ports() {
//!     println!("{} {:?} {}", p.tty, p.function, p.path.display());
//! }
//! sim.stop();
//! # Ok(())
//! # }
//! ```

pub mod ffs;
pub mod firmware;
mod fleet;
pub mod hilink;
mod profile;
mod pty;
mod scenario;
mod serve;
mod sysfs;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub use firmware::{Modem, Output};
pub use fleet::{Fleet, FleetModem};
pub use profile::{
    luhn_complete, luhn_valid, profile, profiles, Dialect, Endpoint, Identity, Interface,
    InterfaceKind, PortFunction, Profile,
};
pub use scenario::{
    GarbageConfig, NetworkConfig, PortConfig, Registration, Scenario, SimConfig, SimState,
    UrcConfig, UsbConfig,
};

use serve::{PortRuntime, Shared};

/// Default delay before each reply: small, so probing a 3-port stick stays far below 500 ms.
pub const DEFAULT_LATENCY: Duration = Duration::from_millis(2);

/// Why the simulator could not do what was asked. Messages name the file or profile and the fix.
#[derive(thiserror::Error, Debug)]
pub enum SimError {
    #[error("unknown simulator profile `{name}`; known profiles: {known}\nfix: use one of these names, e.g. `--sim e3372`")]
    UnknownProfile { name: String, known: String },
    #[error("scenario {file}: {message}\nfix: {fix}")]
    Scenario {
        file: String,
        message: String,
        fix: String,
    },
    #[error("scenario configures port `{port}`, but profile {profile} has only {known}\nfix: use one of those names in [ports.<tty>]")]
    UnknownPort {
        port: String,
        profile: String,
        known: String,
    },
    #[error("cannot {what} {}: {source}\nfix: check that the directory exists and is writable by this user", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot set up a PTY ({what}): {source}\nfix: check that /dev/ptmx and /dev/pts are usable and that the PTY limit (/proc/sys/kernel/pty/max) is not reached; stop sims you no longer need")]
    Pty {
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("no modem {index} in this fleet of {count}\nfix: modems are numbered 0 to {}", count.saturating_sub(1))]
    NoSuchModem { index: usize, count: usize },
    #[error("a fleet of {count} modems is not possible: {why}\nfix: use 1 to {max} modems")]
    FleetSize {
        count: usize,
        max: usize,
        why: &'static str,
    },
    #[error("refusing to build a simulated device in {}: it would write into the real /sys and /dev\nfix: give an empty scratch directory, e.g. --dir /tmp/dongle-sim", dir.display())]
    UnsafeDir { dir: PathBuf },
}

impl SimError {
    pub(crate) fn io(what: &'static str, path: &Path, source: std::io::Error) -> SimError {
        SimError::Io {
            what,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// One serial port of a running sim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimPort {
    /// `ttyUSB0`, …
    pub tty: String,
    /// `DIR/dev/ttyUSB0`: a symlink to `pts`; open this.
    pub path: PathBuf,
    /// `/dev/pts/N`.
    pub pts: PathBuf,
    /// USB interface number.
    pub interface: u8,
    pub function: PortFunction,
}

/// A running simulated device. Stops (threads joined, PTYs closed) on [`Sim::stop`] or drop.
pub struct Sim {
    dir: PathBuf,
    profile: Profile,
    ports: Vec<SimPort>,
    shared: Arc<Shared>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// Watches the ports' opens; dropped after the port threads are joined.
    _hub: Option<Arc<serve::HubThread>>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim")
            .field("profile", &self.profile.name)
            .field("dir", &self.dir)
            .field("ports", &self.ports)
            .finish()
    }
}

impl Sim {
    /// Creates `DIR/sys` (fake sysfs root) and `DIR/dev` (dev root), opens one PTY per serial
    /// port and spawns the serving threads. Leftovers of an earlier sim in `dir` are replaced.
    pub fn start(profile_name: &str, dir: &Path, scenario: Scenario) -> Result<Sim, SimError> {
        let profile = checked_profile(profile_name, &scenario)?;
        let (sys, dev) = prepare_dir(dir)?;
        clear_leftovers(&sys, &dev);
        let hub = serve::HubThread::start();
        Sim::launch(profile, dir, scenario, &sysfs::Placement::single(), hub)
    }

    /// Builds one device at `place` in `DIR/sys` and `DIR/dev` (which exist) and serves its
    /// ports. Only this device's entries are created: a [`Fleet`] puts many in one tree.
    pub(crate) fn launch(
        profile: Profile,
        dir: &Path,
        scenario: Scenario,
        place: &sysfs::Placement,
        hub: Option<Arc<serve::HubThread>>,
    ) -> Result<Sim, SimError> {
        let sys = dir.join("sys");
        let dev = dir.join("dev");
        let ttys = profile.tty_names();
        let mut profile = profile;
        if scenario.usb.unbound {
            // No driver bound: the sysfs tree shows bare interfaces (the ports still run on
            // their PTYs, with no /dev link, as the kernel would create none).
            for i in &mut profile.interfaces {
                i.driver = None;
            }
        }
        let mut unplug = sysfs::create_at(&sys, &profile, place)?;
        // If anything below fails, what was created must go again, or a later list shows a
        // half-built device.
        let cleanup = |unplug: &[PathBuf]| {
            for p in unplug {
                let _ = std::fs::remove_dir_all(p).or_else(|_| std::fs::remove_file(p));
            }
        };

        let modem = Modem::new(profile.clone(), &scenario);
        let shared = match Shared::new(modem, scenario.clone(), ttys.len()) {
            Ok(s) => Arc::new(s),
            Err(source) => {
                cleanup(&unplug);
                return Err(SimError::Pty {
                    what: "eventfd",
                    source,
                });
            }
        };
        let mut ports = Vec::new();
        let mut ptys = Vec::new();
        for (k, iface, function) in profile.serial_ports() {
            let pty = match pty::Pty::open() {
                Ok(p) => p,
                Err(e) => {
                    cleanup(&unplug);
                    return Err(e);
                }
            };
            // The host-wide name (ttyUSB<base+k>); the scenario names ports per device (ttyUSB<k>).
            let tty = format!("ttyUSB{}", place.tty_base + k);
            let path = dev.join(&tty);
            let _ = std::fs::remove_file(&path);
            if !scenario.usb.unbound {
                if let Err(e) = std::os::unix::fs::symlink(&pty.path, &path) {
                    cleanup(&unplug);
                    return Err(SimError::io("create dev link", &path, e));
                }
                unplug.push(path.clone());
            }
            ports.push(SimPort {
                tty: tty.clone(),
                path,
                pts: pty.path.clone(),
                interface: iface.number,
                function,
            });
            let mut rt = PortRuntime::new(k, function, &scenario);
            rt.tty = tty;
            // One inotify instance for all ports (of the fleet): instances are few per user.
            let opens = match (&hub, shared.notify_handle(k)) {
                (Some(h), Ok(wake)) => serve::OpenTracker::hub(&h.hub, &pty.path, wake),
                _ => serve::OpenTracker::new(&pty.path),
            };
            ptys.push((pty, opens, rt));
        }
        *shared
            .unplug_paths
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = unplug;
        let sim = Sim {
            dir: dir.to_path_buf(),
            profile,
            ports,
            shared,
            threads: Mutex::new(Vec::new()),
            _hub: hub,
        };
        for (pty, opens, rt) in ptys {
            let shared = Arc::clone(&sim.shared);
            let name = format!("sim-{}", rt.tty);
            let h = std::thread::Builder::new()
                .name(name)
                .spawn(move || serve::serve_port(shared, pty, opens, rt))
                .map_err(|source| SimError::Pty {
                    what: "spawn a port thread",
                    source,
                })?;
            sim.lock_threads().push(h);
        }
        Ok(sim)
    }

    /// `DIR/sys`: pass as the sysfs root.
    pub fn sysfs_root(&self) -> PathBuf {
        self.dir.join("sys")
    }

    /// `DIR/dev`: pass as the dev root.
    pub fn dev_root(&self) -> PathBuf {
        self.dir.join("dev")
    }

    /// The serial ports, in `ttyUSB` order.
    pub fn ports(&self) -> Vec<SimPort> {
        self.ports.clone()
    }

    /// The profile this sim runs.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// Unplug now: closes every PTY master and slave (readers get EIO or EOF), removes the dev
    /// entries and the sysfs device directories. Returns once all ports are closed.
    pub fn vanish(&self) {
        self.shared.unplug();
        self.join();
    }

    /// Whether the device is unplugged (by [`Sim::vanish`] or a `vanish_on` fault).
    pub fn vanished(&self) -> bool {
        self.shared.vanished()
    }

    /// Command lines received so far, `"ttyUSB2: AT+CSQ"`, in arrival order (all ports,
    /// including silent ones).
    pub fn transcript(&self) -> Vec<String> {
        self.shared
            .transcript
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Changes the firmware state while running (e.g. lose the network mid-test). URCs the
    /// change queues (`+CREG: …`) are sent to the ports that asked for them.
    pub fn with_modem<R>(&self, f: impl FnOnce(&mut Modem) -> R) -> R {
        let mut m = self.shared.modem();
        let r = f(&mut m);
        self.shared.notify_pending(&m, None);
        r
    }

    /// Stops the threads, closes the PTYs and removes the dev links and sysfs device
    /// directories (a stopped stick is an unplugged stick). Drop does the same.
    pub fn stop(self) {
        // Drop does the work.
    }

    fn lock_threads(&self) -> std::sync::MutexGuard<'_, Vec<JoinHandle<()>>> {
        self.threads.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn join(&self) {
        let handles: Vec<_> = self.lock_threads().drain(..).collect();
        for h in handles {
            let _ = h.join();
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.shared.unplug();
        self.join();
    }
}

/// The profile called `name`, checked against the ports the scenario configures.
fn checked_profile(name: &str, scenario: &Scenario) -> Result<Profile, SimError> {
    let profile = profile::profile(name).ok_or_else(|| SimError::UnknownProfile {
        name: name.to_string(),
        known: profiles().join(", "),
    })?;
    let ttys = profile.tty_names();
    if let Some(bad) = scenario.ports.keys().find(|k| !ttys.contains(k)) {
        return Err(SimError::UnknownPort {
            port: bad.clone(),
            profile: profile.name.to_string(),
            known: ttys.join(", "),
        });
    }
    Ok(profile)
}

/// Creates `dir` and `dir/dev`, refusing `/` (the tree would land in the real /sys and /dev).
/// Returns `(dir/sys, dir/dev)`.
fn prepare_dir(dir: &Path) -> Result<(PathBuf, PathBuf), SimError> {
    std::fs::create_dir_all(dir).map_err(|e| SimError::io("create", dir, e))?;
    if dir
        .canonicalize()
        .map_err(|e| SimError::io("resolve", dir, e))?
        == Path::new("/")
    {
        return Err(SimError::UnsafeDir {
            dir: dir.to_path_buf(),
        });
    }
    let sys = dir.join("sys");
    let dev = dir.join("dev");
    std::fs::create_dir_all(&dev).map_err(|e| SimError::io("create", &dev, e))?;
    Ok((sys, dev))
}

/// Removes what an earlier sim left in `dir` (its device directories and dev links only).
fn clear_leftovers(sys: &Path, dev: &Path) {
    // Half-built or half-removed directories of a sim that was killed (sysfs.rs, serve.rs).
    if let Ok(rd) = std::fs::read_dir(sys.join("bus/usb")) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(".staging-") || name.starts_with(".gone-") {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let devices = sys.join("bus/usb/devices");
    if let Ok(rd) = std::fs::read_dir(&devices) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with(sysfs::DEVICE) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    if let Ok(rd) = std::fs::read_dir(dev) {
        for e in rd.flatten() {
            let is_link = e.file_type().map(|t| t.is_symlink()).unwrap_or(false);
            if is_link && e.file_name().to_string_lossy().starts_with("tty") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}
