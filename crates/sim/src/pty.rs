//! PTY pairs: the master side is the simulated firmware's end of the USB serial link, the slave
//! (`/dev/pts/N`) is what programs open as `/dev/ttyUSBk`.

use std::path::PathBuf;

use rustix::fd::OwnedFd;
use rustix::fs::{Mode, OFlags};
use rustix::pty::OpenptFlags;
use rustix::termios::{self, OptionalActions};

use crate::SimError;

/// One open PTY pair.
pub struct Pty {
    /// The firmware's end, non-blocking.
    pub master: OwnedFd,
    /// Kept open for the port's lifetime: on Linux, reading a master whose slave has no open
    /// file returns EIO, which would look like an unplug between two client sessions.
    pub slave: OwnedFd,
    /// `/dev/pts/N`.
    pub path: PathBuf,
}

fn err(what: &'static str) -> impl Fn(rustix::io::Errno) -> SimError {
    move |e| SimError::Pty {
        what,
        source: std::io::Error::from(e),
    }
}

impl Pty {
    /// Opens a pair and puts the slave in raw mode, so the line discipline neither echoes nor
    /// translates: echo and CR/LF handling are the firmware's job, as on a real ttyUSB.
    pub fn open() -> Result<Pty, SimError> {
        let master =
            rustix::pty::openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
                .map_err(err("open /dev/ptmx"))?;
        rustix::pty::grantpt(&master).map_err(err("grantpt"))?;
        rustix::pty::unlockpt(&master).map_err(err("unlockpt"))?;
        let name = rustix::pty::ptsname(&master, Vec::new()).map_err(err("ptsname"))?;
        let path = PathBuf::from(name.to_string_lossy().into_owned());
        let slave = rustix::fs::open(
            &path,
            OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(err("open the PTY slave"))?;
        let mut t = termios::tcgetattr(&slave).map_err(err("tcgetattr"))?;
        t.make_raw();
        termios::tcsetattr(&slave, OptionalActions::Now, &t).map_err(err("tcsetattr"))?;
        rustix::fs::fcntl_setfl(&master, OFlags::NONBLOCK).map_err(err("set O_NONBLOCK"))?;
        Ok(Pty {
            master,
            slave,
            path,
        })
    }

    /// Whether the program on the slave side dropped DTR (set the speed to B0), as pppd and
    /// ModemManager do to hang up. `tcgetattr` on the master reads the slave's settings.
    pub fn dtr_dropped(&self) -> bool {
        termios::tcgetattr(&self.master)
            .map(|t| t.output_speed() == 0)
            .unwrap_or(false)
    }

    /// Discards what the firmware sent that nobody read, as a real port loses it on close.
    pub fn flush_unread(&self) {
        let _ = termios::tcflush(&self.slave, termios::QueueSelector::IFlush);
    }
}
