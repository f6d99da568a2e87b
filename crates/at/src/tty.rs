//! Serial ports (`/dev/ttyUSB*`, `/dev/ttyACM*`) opened the way a careful
//! modem tool must: raw termios, non-blocking with poll timeouts, and
//! exclusive, because two programs talking AT on one port corrupt each other.
//!
//! Exclusivity is layered as pppd and ModemManager do it: a UUCP lock file
//! (`/var/lock/LCK..ttyUSB0`, the FHS convention pppd honours), `flock`, and
//! `TIOCEXCL` (tty_ioctl(4)). TIOCEXCL does not stop root, so before opening
//! we also look in /proc for any process that has the port open.

use crate::transport::Transport;
use rustix::event::{poll, PollFd, PollFlags};
use rustix::fs::{FlockOperation, Mode, OFlags};
use rustix::io::Errno;
use rustix::termios::{self, OptionalActions, QueueSelector};
use serde::Serialize;
use std::fs;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A process that has a port open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holder {
    pub pid: u32,
    pub program: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (pid {})", self.program, self.pid)
    }
}

/// Why a port could not be opened. Every message names the port, the cause
/// and what to do.
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error("{port}: no such port (is the stick plugged in and switched to modem mode? run `dongle list`)")]
    NotFound { port: String },
    #[error("{port}: not a serial port (give a tty such as /dev/ttyUSB0)")]
    NotATty { port: String },
    #[error("{port}: permission denied (run as root, or add yourself to the `dialout` group and log in again)")]
    PermissionDenied { port: String },
    #[error("{port}: busy, in use by {} (stop it first, e.g. `systemctl stop ModemManager`, or use another port)", holders_text(.holders))]
    Busy { port: String, holders: Vec<Holder> },
    #[error("{port}: {source}")]
    Io { port: String, source: io::Error },
}

fn holders_text(h: &[Holder]) -> String {
    if h.is_empty() {
        return "another program".into();
    }
    h.iter()
        .map(Holder::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl PortError {
    fn from_errno(port: &str, e: Errno) -> PortError {
        let port = port.to_string();
        match e {
            Errno::NOENT | Errno::NXIO | Errno::NODEV => PortError::NotFound { port },
            Errno::NOTTY => PortError::NotATty { port },
            Errno::ACCESS | Errno::PERM => PortError::PermissionDenied { port },
            Errno::BUSY | Errno::WOULDBLOCK => PortError::Busy {
                port,
                holders: Vec::new(),
            },
            e => PortError::Io {
                port,
                source: e.into(),
            },
        }
    }
}

/// How to open a port.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Refuse ports another process has open, and lock it against others.
    pub exclusive: bool,
    /// Line speed; irrelevant for USB modems but some firmware checks it.
    pub baud: u32,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            exclusive: true,
            baud: 115_200,
        }
    }
}

/// An open serial port.
#[derive(Debug)]
pub struct SerialPort {
    fd: OwnedFd,
    /// Self-pipe polled beside the port so `wake` can interrupt a read.
    wake_rx: OwnedFd,
    wake_tx: OwnedFd,
    name: String,
    _lock: Option<UucpLock>,
}

impl SerialPort {
    /// Open `path` raw and, by default, exclusively.
    pub fn open(path: &Path, opts: &OpenOptions) -> Result<SerialPort, PortError> {
        let name = path.display().to_string();
        let meta = fs::metadata(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => PortError::NotFound { port: name.clone() },
            io::ErrorKind::PermissionDenied => PortError::PermissionDenied { port: name.clone() },
            _ => PortError::Io {
                port: name.clone(),
                source: e,
            },
        })?;
        if !meta.file_type().is_char_device() {
            return Err(PortError::NotATty { port: name });
        }
        let lock = if opts.exclusive {
            let holders = holders_of(path, meta.rdev());
            if !holders.is_empty() {
                return Err(PortError::Busy {
                    port: name,
                    holders,
                });
            }
            UucpLock::acquire(path).map_err(|holders| PortError::Busy {
                port: name.clone(),
                holders,
            })?
        } else {
            None
        };
        let flags = OFlags::RDWR | OFlags::NOCTTY | OFlags::NONBLOCK | OFlags::CLOEXEC;
        let fd = rustix::fs::open(path, flags, Mode::empty())
            .map_err(|e| PortError::from_errno(&name, e))?;
        let mut tio = termios::tcgetattr(&fd).map_err(|e| PortError::from_errno(&name, e))?;
        if opts.exclusive {
            termios::ioctl_tiocexcl(&fd).map_err(|e| PortError::from_errno(&name, e))?;
            rustix::fs::flock(&fd, FlockOperation::NonBlockingLockExclusive)
                .map_err(|e| PortError::from_errno(&name, e))?;
        }
        tio.make_raw();
        tio.control_modes |= termios::ControlModes::CLOCAL | termios::ControlModes::CREAD;
        // PTYs and some USB serial drivers reject speed changes; the speed of a
        // USB modem's virtual port is meaningless anyway.
        let _ = tio.set_speed(opts.baud);
        termios::tcsetattr(&fd, OptionalActions::Now, &tio)
            .map_err(|e| PortError::from_errno(&name, e))?;
        let _ = termios::tcflush(&fd, QueueSelector::IOFlush);
        if !crate::serial_ioctl::no_closing_wait(&fd) {
            log::trace!("{name}: closing_wait unchanged (not a UART-style port)");
        }
        let pipe_flags = rustix::pipe::PipeFlags::CLOEXEC | rustix::pipe::PipeFlags::NONBLOCK;
        let (wake_rx, wake_tx) =
            rustix::pipe::pipe_with(pipe_flags).map_err(|e| PortError::Io {
                port: name.clone(),
                source: e.into(),
            })?;
        Ok(SerialPort {
            fd,
            wake_rx,
            wake_tx,
            name,
            _lock: lock,
        })
    }
}

impl Transport for SerialPort {
    fn read(&self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        let ts = rustix::event::Timespec {
            tv_sec: timeout.as_secs() as _,
            tv_nsec: timeout.subsec_nanos() as _,
        };
        let mut fds = [
            PollFd::new(&self.fd, PollFlags::IN),
            PollFd::new(&self.wake_rx, PollFlags::IN),
        ];
        match poll(&mut fds, Some(&ts)) {
            Ok(0) => return Err(io::ErrorKind::TimedOut.into()),
            Ok(_) if fds[0].revents().is_empty() => return Err(io::ErrorKind::TimedOut.into()),
            Ok(_) => {}
            Err(Errno::INTR) => return Err(io::ErrorKind::Interrupted.into()),
            Err(e) => return Err(e.into()),
        }
        let revents = fds[0].revents();
        match rustix::io::read(&self.fd, &mut *buf) {
            Ok(n) => Ok(n),
            Err(Errno::AGAIN) if !revents.intersects(PollFlags::HUP | PollFlags::ERR) => {
                Err(io::ErrorKind::TimedOut.into())
            }
            Err(Errno::AGAIN) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    fn write_all(&self, mut data: &[u8]) -> io::Result<()> {
        let mut stalls = 0;
        while !data.is_empty() {
            match rustix::io::write(&self.fd, data) {
                Ok(n) => data = &data[n..],
                Err(Errno::AGAIN) => {
                    stalls += 1;
                    if stalls > 100 {
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "port does not accept data",
                        ));
                    }
                    let ts = rustix::event::Timespec {
                        tv_sec: 0,
                        tv_nsec: 10_000_000,
                    };
                    let mut fds = [PollFd::new(&self.fd, PollFlags::OUT)];
                    poll(&mut fds, Some(&ts))?;
                }
                Err(Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn name(&self) -> String {
        self.name.clone()
    }

    fn wake(&self) {
        let _ = rustix::io::write(&self.wake_tx, b"w");
    }
}

impl AsFd for SerialPort {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Every other process that has the character device `rdev` (at `path`)
/// open, found through /proc/PID/fd as `fuser` does. For a PTY slave, the
/// process holding its master is the modem's side of the line (a simulator),
/// not a competing user, and is left out.
pub fn holders_of(path: &Path, rdev: u64) -> Vec<Holder> {
    let me = std::process::id();
    let pts_index = pty_index(path);
    let Ok(procs) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for p in procs.flatten() {
        let Some(pid) = p.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(fds) = fs::read_dir(p.path().join("fd")) else {
            continue;
        };
        let fds: Vec<_> = fds.flatten().collect();
        let holds = fds.iter().any(|fd| {
            fs::metadata(fd.path())
                .map(|m| m.file_type().is_char_device() && m.rdev() == rdev)
                .unwrap_or(false)
        });
        let is_master = |fd: &fs::DirEntry| {
            let target = fs::read_link(fd.path()).unwrap_or_default();
            target.to_string_lossy().ends_with("ptmx")
                && pts_index.is_some_and(|n| master_index(pid, &fd.file_name()) == Some(n))
        };
        if holds && !fds.iter().any(is_master) {
            out.push(Holder {
                pid,
                program: program_name(pid),
            });
        }
    }
    out
}

/// `N` for a path that resolves to `/dev/pts/N`.
fn pty_index(path: &Path) -> Option<u32> {
    let real = fs::canonicalize(path).ok()?;
    real.strip_prefix("/dev/pts").ok()?.to_str()?.parse().ok()
}

/// The pts index of a PTY master fd, from `tty-index` in /proc/PID/fdinfo (Linux ≥ 4.18).
fn master_index(pid: u32, fd: &std::ffi::OsStr) -> Option<u32> {
    let info = fs::read_to_string(
        Path::new("/proc")
            .join(pid.to_string())
            .join("fdinfo")
            .join(fd),
    )
    .ok()?;
    info.lines()
        .find_map(|l| l.strip_prefix("tty-index:"))
        .and_then(|v| v.trim().parse().ok())
}

/// The process's command name from /proc/PID/comm.
pub fn program_name(pid: u32) -> String {
    fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// A UUCP-style lock file as pppd writes it: `LCK..<device>` holding the
/// owner's pid as ten right-aligned ASCII digits and a newline.
#[derive(Debug)]
struct UucpLock {
    path: PathBuf,
}

/// Where lock files live; `DONGLE_LOCK_DIR` overrides for tests.
fn lock_dir() -> PathBuf {
    std::env::var_os("DONGLE_LOCK_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/var/lock".into())
}

/// The lock name for a device: its path below /dev with `/` as `_`, as pppd
/// does (`/dev/pts/3` → `LCK..pts_3`). Symlinks are resolved first so that
/// `/dev/gsm0` and `/dev/ttyUSB0` share one lock.
fn lock_name(device: &Path) -> String {
    let real = fs::canonicalize(device).unwrap_or_else(|_| device.to_path_buf());
    let s = real.to_string_lossy();
    let rel = s.strip_prefix("/dev/").unwrap_or(&s);
    format!("LCK..{}", rel.trim_start_matches('/').replace('/', "_"))
}

impl UucpLock {
    /// Take the lock. `Ok(None)` when locking is impossible here (no lock
    /// directory or no permission): as pppd, we then go on without it.
    /// `Err(holders)` when a live process holds it.
    fn acquire(device: &Path) -> Result<Option<UucpLock>, Vec<Holder>> {
        let dir = lock_dir();
        if !dir.is_dir() {
            return Ok(None);
        }
        let path = dir.join(lock_name(device));
        for _ in 0..2 {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    use std::io::Write;
                    let _ = writeln!(f, "{:>10}", std::process::id());
                    return Ok(Some(UucpLock { path }));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let owner = fs::read_to_string(&path)
                        .ok()
                        .and_then(|s| s.trim().parse::<u32>().ok());
                    match owner {
                        Some(pid) if Path::new(&format!("/proc/{pid}")).exists() => {
                            return Err(vec![Holder {
                                pid,
                                program: program_name(pid),
                            }]);
                        }
                        // Stale lock of a dead process (or garbage): remove and retry.
                        _ => {
                            let _ = fs::remove_file(&path);
                        }
                    }
                }
                Err(_) => return Ok(None),
            }
        }
        Ok(None)
    }
}

impl Drop for UucpLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_names_follow_pppd() {
        assert_eq!(lock_name(Path::new("/dev/ttyUSB0")), "LCK..ttyUSB0");
        assert_eq!(
            lock_name(Path::new("/nonexistent/dev/x")),
            "LCK..nonexistent_dev_x"
        );
    }

    #[test]
    fn regular_file_is_not_a_tty() {
        let err =
            SerialPort::open(Path::new("/proc/self/status"), &OpenOptions::default()).unwrap_err();
        assert!(matches!(err, PortError::NotATty { .. }), "{err}");
        assert!(err.to_string().contains("not a serial port"));
    }

    #[test]
    fn missing_port_says_so() {
        let err =
            SerialPort::open(Path::new("/dev/ttyUSB-nope"), &OpenOptions::default()).unwrap_err();
        assert!(matches!(err, PortError::NotFound { .. }), "{err}");
    }
}
