//! FunctionFS transport: the simulated stick as a real USB gadget, for the virtual USB test bed
//! (QEMU guest, `dummy_hcd`, configfs), so that the host side of the guest sees the kernel's
//! own `option`, `usb-storage` and `sr_mod` drivers talking to the same firmware model as the
//! PTY simulator.
//!
//! Two personalities, each one FunctionFS instance mounted at a directory (`mount -t
//! functionfs NAME DIR`, after `mkdir functions/ffs.NAME` in the gadget's configfs tree):
//!
//! - **modem** ([`run_modem`]): the profile's serial interfaces (e.g. e3372: ff/02/01 with an
//!   interrupt IN and a bulk pair, ff/02/02 with a bulk pair) in one function. Each interface's
//!   bulk OUT/IN endpoints are bridged to the same port loop that serves PTYs (`serve.rs`), so
//!   echo, latency, silent DIAG ports, garbage and vanish behave the same. `ep0` answers the CDC
//!   requests `option` sends (SET_CONTROL_LINE_STATE on every open and close: DTR up = open,
//!   DTR down = close, which ends a data call), and the interrupt endpoint carries CDC
//!   SERIAL_STATE notifications: DCD rises on `CONNECT` and falls on hang-up. With a peer
//!   command, the data phase after `CONNECT` is bridged to a network-side `pppd` on a PTY.
//!   An injected unplug (`vanish_on`) makes [`run_modem`] return [`EXIT_VANISHED`]; the caller
//!   exits, which closes `ep0`, and configfs unbinds the gadget: it drops off the bus.
//! - **storage** ([`run_storage`]): a Bulk-Only Transport CD-ROM without a disc (08/06/50) that
//!   logs every CBW and returns [`EXIT_SWITCH_BULK`] on a mode-switch message (Huawei 11 06,
//!   REZERO, eject) or [`EXIT_SWITCH_CONTROL`] on a vendor control request, so the guest
//!   script re-creates the gadget as the target personality.
//!
//! Byte-level code (descriptor blobs, `ep0` events, CDC requests and notifications, CBW/CSW,
//! SCSI answers, switch detection) is in pure functions ([`desc`], [`ep0`], [`bot`]); the
//! runners only move bytes between files. No `unsafe`: plain `read`/`write` on `ep0` and the
//! `epN` files.

pub mod bot;
pub mod desc;
pub mod ep0;
mod modem;
mod storage;

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;

pub use desc::Layout;
pub use modem::{run_modem, ModemOptions};
pub use storage::{run_storage, StorageOptions};

/// Exit code after a bulk mode-switch message (Huawei 11 06 …, REZERO, eject).
pub const EXIT_SWITCH_BULK: i32 = 42;
/// Exit code after a vendor control request (control-transfer switch methods).
pub const EXIT_SWITCH_CONTROL: i32 = 43;
/// Exit code after an injected unplug (`vanish_on` in the scenario).
pub const EXIT_VANISHED: i32 = 44;

/// Why a gadget could not run. Messages name the file and the fix.
#[derive(thiserror::Error, Debug)]
pub enum FfsError {
    #[error("cannot open {}: {source}\nfix: mount a FunctionFS instance there first (configfs: mkdir $G/functions/ffs.NAME; then mkdir -p DIR && mount -t functionfs NAME DIR) and run this as root", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the kernel refused the {what} written to {}: {source}\nfix: use a fresh FunctionFS mount (descriptors can be written once; unmount and mount again) and check `dmesg` for the reason", path.display())]
    Refused {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{what} failed: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Sim(#[from] crate::SimError),
}

/// The daemon's log: one line per event, prefixed with seconds since start, flushed at once
/// (the test bed reads it after the daemon is gone). Cheap to clone.
#[derive(Clone)]
pub struct Log {
    file: Arc<Mutex<Option<File>>>,
    start: Instant,
    stderr: bool,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log").field("stderr", &self.stderr).finish()
    }
}

impl Log {
    /// Appends to `path` (created if missing); with `stderr`, every line goes there too.
    pub fn open(path: Option<&Path>, stderr: bool) -> Result<Log, FfsError> {
        let file = match path {
            Some(p) => Some(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map_err(|source| FfsError::Io {
                        what: format!("opening the log {}", p.display()),
                        source,
                    })?,
            ),
            None => None,
        };
        Ok(Log {
            file: Arc::new(Mutex::new(file)),
            start: Instant::now(),
            stderr,
        })
    }

    /// A log that drops everything.
    pub fn none() -> Log {
        Log {
            file: Arc::new(Mutex::new(None)),
            start: Instant::now(),
            stderr: false,
        }
    }

    pub fn line(&self, text: &str) {
        let t = self.start.elapsed().as_secs_f64();
        let l = format!("{t:9.3} {text}\n");
        if self.stderr {
            eprint!("{l}");
        }
        let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = f.as_mut() {
            let _ = f.write_all(l.as_bytes());
            let _ = f.flush();
        }
    }
}

/// Opens `DIR/name` read-write (ep0 and the `epN` files).
fn open_ffs_file(dir: &Path, name: &str) -> Result<OwnedFd, FfsError> {
    let path = dir.join(name);
    rustix::fs::open(&path, OFlags::RDWR | OFlags::CLOEXEC, Mode::empty()).map_err(|e| {
        FfsError::Open {
            path,
            source: e.into(),
        }
    })
}

/// Opens `DIR/ep0` and writes the layout's descriptors and strings. After this the `epN`
/// files exist and the gadget can be bound to a UDC.
fn start_function(dir: &Path, layout: &Layout) -> Result<OwnedFd, FfsError> {
    let ep0 = open_ffs_file(dir, "ep0")?;
    let path = dir.join("ep0");
    for (what, blob) in [
        ("descriptors", layout.descriptors()),
        ("strings", layout.strings()),
    ] {
        rustix::io::write(&ep0, &blob).map_err(|e| FfsError::Refused {
            what,
            path: path.clone(),
            source: e.into(),
        })?;
    }
    Ok(ep0)
}

/// Writes all of `bytes` to a blocking endpoint file.
fn write_ep(fd: impl AsFd, mut bytes: &[u8]) -> Result<(), Errno> {
    while !bytes.is_empty() {
        match rustix::io::write(&fd, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(Errno::INTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes all of `bytes` to a non-blocking fd, waiting while it is full (at most `limit`).
fn write_nonblocking(fd: impl AsFd, mut bytes: &[u8], limit: Duration) -> Result<(), Errno> {
    let deadline = Instant::now() + limit;
    while !bytes.is_empty() {
        match rustix::io::write(&fd, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(Errno::INTR) => {}
            Err(Errno::AGAIN) if Instant::now() < deadline => {
                let mut fds = [rustix::event::PollFd::new(
                    &fd,
                    rustix::event::PollFlags::OUT,
                )];
                let ts = rustix::event::Timespec {
                    tv_sec: 0,
                    tv_nsec: 20_000_000,
                };
                let _ = rustix::event::poll(&mut fds, Some(&ts));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads the data stage of a host-to-device request, or acknowledges one without data (a
/// read of 0 bytes completes the status stage), or sends a device-to-host reply, or stalls.
fn answer_setup(ep0: &OwnedFd, setup: &ep0::Setup, reply: &ep0::Reply) -> Result<Vec<u8>, Errno> {
    match reply {
        ep0::Reply::Ack => {
            let mut buf = vec![0u8; usize::from(setup.length)];
            let n = rustix::io::read(ep0, &mut buf)?;
            buf.truncate(n);
            Ok(buf)
        }
        ep0::Reply::Data(_) => {
            let d = reply.data_for(setup).unwrap_or_default();
            rustix::io::write(ep0, &d)?;
            Ok(Vec::new())
        }
        ep0::Reply::Stall => {
            // The wrong direction halts ep0 (f_fs.c `__ffs_ep0_stall`): EL2HLT is success here.
            let r = if setup.is_in() {
                rustix::io::read(ep0, &mut [0u8; 0][..]).map(|_| ())
            } else {
                rustix::io::write(ep0, &[]).map(|_| ())
            };
            match r {
                Ok(()) | Err(Errno::L2HLT) => Ok(Vec::new()),
                Err(e) => Err(e),
            }
        }
    }
}

/// Printable form of bytes for the log: text as is, control bytes escaped, at most `max`.
fn printable(b: &[u8], max: usize) -> String {
    let mut s: String = b
        .iter()
        .take(max)
        .flat_map(|&c| std::ascii::escape_default(c))
        .map(char::from)
        .collect();
    if b.len() > max {
        s.push_str(&format!("… ({} bytes)", b.len()));
    }
    s
}

#[cfg(test)]
mod tests;
