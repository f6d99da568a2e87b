//! pppd started before dialling and held in its `connect` script until the modem says
//! CONNECT (pppd(8): with `connect`, pppd sets up the line, runs the script, and starts PPP
//! when it exits with status 0).
//!
//! Why: a modem starts LCP as soon as it answers CONNECT, and pppd's own start (exec,
//! libraries, options) is slow on a slow machine — 1 to 2 s in the test bed's emulated guest.
//! A pppd that comes up after the modem's first Configure-Request has passed waits out the
//! modem's restart timer (3 s with pppd's defaults on the network side). Held at the gate,
//! pppd is already there when CONNECT comes.
//!
//! The script talks to dongle through two FIFOs in a private directory, with shell builtins
//! only (no process started while the modem waits): it says `ready` (pppd has set up the line:
//! dialling may begin; pppd flushes the line as it sets it up, so not before), then reads one
//! word: `connect` lets PPP start, anything else (or dongle gone: end of file) makes it fail.
//! Neither side can block on the other being gone: dongle holds the `go` FIFO open for reading
//! and writing (its write can never raise SIGPIPE), the script opens `ready` the same way.

use dongle_at::{OpenOptions, SerialPort};
use dongle_connect::ppp::{self, PppConfig, Pppd};
use dongle_connect::Finding;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long pppd may take to reach its connect script.
const LIMIT: Duration = Duration::from_secs(20);

/// pppd held at the gate on the modem port's line, and that port for dialling. Dropped
/// before [`Gated::connect`] (a failure on the way), it stops pppd.
pub struct Gated {
    port: Option<SerialPort>,
    gate: Gate,
    pppd: Option<Pppd>,
}

impl Gated {
    /// Open the modem port and start pppd on a second handle of the same line; returns at
    /// once, pppd starts meanwhile. The port is opened without dongle's lock file: pppd
    /// writes its own (`lock`) and would refuse a port locked by another pid. TIOCEXCL keeps
    /// other programs out, as dongle's exclusive open does.
    pub fn start(modem: &Path, cfg: &PppConfig) -> Result<Gated, Finding> {
        let shared = OpenOptions {
            exclusive: false,
            ..OpenOptions::default()
        };
        let port = SerialPort::open(modem, &shared)
            .map_err(|e| Finding::new("port_busy", e.to_string(), "dongle probe"))?;
        let _ = rustix::termios::ioctl_tiocexcl(&port);
        // A second open would look like another program to the port (and to the simulator).
        let line: OwnedFd = port
            .as_fd()
            .try_clone_to_owned()
            .map_err(|e| Finding::new("port_gone", e.to_string(), "replug the stick"))?;
        let gate = Gate::new().map_err(|e| {
            Finding::new(
                "ppp_missing",
                format!("cannot prepare pppd's connect script: {e}"),
                "check that $TMPDIR (or /tmp) is writable",
            )
        })?;
        let mut cfg = cfg.clone();
        cfg.connect = Some(gate.script().to_string());
        let pppd = super::spawn_pppd(line, &cfg)?;
        Ok(Gated {
            port: Some(port),
            gate,
            pppd: Some(pppd),
        })
    }

    /// Wait until pppd runs its connect script: the line is set up, dialling may begin.
    pub fn ready(&mut self) -> Result<(), Finding> {
        let Some(pppd) = self.pppd.as_mut() else {
            return Err(gone());
        };
        match self.gate.wait_ready(pppd, LIMIT) {
            Ok(()) => Ok(()),
            Err(NotReady::Exited(status)) => {
                let log = super::drain_log(pppd);
                self.pppd = None;
                Err(ppp::explain_exit(status.code(), &log)
                    .unwrap_or_else(|| super::unexplained_end(status)))
            }
            Err(why) => Err(Finding::new(
                "ppp_missing",
                match why {
                    NotReady::Io(e) => format!("pppd's connect script: {e}"),
                    _ => format!("pppd did not start within {} s", LIMIT.as_secs()),
                },
                "check `pppd --version` and the machine's load; `dongle -v up` shows pppd's log",
            )),
        }
    }

    /// The port to dial on.
    pub fn take_port(&mut self) -> Result<SerialPort, Finding> {
        self.port.take().ok_or_else(gone)
    }

    /// The modem said CONNECT: PPP starts, and pppd is the caller's.
    pub fn connect(mut self) -> Result<Pppd, Finding> {
        self.gate.open(true);
        self.pppd.take().ok_or_else(gone)
    }
}

impl Drop for Gated {
    fn drop(&mut self) {
        if let Some(mut pppd) = self.pppd.take() {
            // A pppd in its script ends by itself ("Connect script failed"); one still
            // starting gets SIGTERM, and kills the script if it got that far.
            self.gate.open(false);
            let deadline = Instant::now() + STOP_GRACE;
            while Instant::now() < deadline {
                if let Ok(Some(_)) = pppd.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            super::terminate(&mut pppd);
        }
    }
}

/// How long a pppd told to stop at the gate gets to end by itself.
const STOP_GRACE: Duration = Duration::from_millis(300);

fn gone() -> Finding {
    Finding::new(
        "ppp_missing",
        "pppd is gone from the gate",
        "dongle up again; `dongle -v up` shows pppd's log",
    )
}

struct Gate {
    _dir: tempfile::TempDir,
    ready: File,
    go: File,
    script: String,
}

/// pppd did not reach its connect script.
enum NotReady {
    /// It ended first (bad option, no /dev/ppp, not root…): its exit explains why.
    Exited(std::process::ExitStatus),
    /// It is still starting after the limit.
    Slow,
    Io(io::Error),
}

impl Gate {
    fn new() -> io::Result<Gate> {
        let dir = tempfile::Builder::new().prefix("dongle-gate-").tempdir()?;
        let (ready, go) = (dir.path().join("ready"), dir.path().join("go"));
        for fifo in [&ready, &go] {
            rustix::fs::mknodat(
                rustix::fs::CWD,
                fifo.as_path(),
                rustix::fs::FileType::Fifo,
                rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
                0,
            )?;
        }
        let open = |p: &Path, write: bool| {
            std::fs::OpenOptions::new()
                .read(true)
                .write(write)
                .custom_flags(libc::O_NONBLOCK)
                .open(p)
        };
        let script = format!(
            "echo ready 1<> {} && read -r go < {} && [ \"$go\" = connect ]",
            quote(&ready),
            quote(&go)
        );
        Ok(Gate {
            ready: open(&ready, false)?,
            go: open(&go, true)?,
            _dir: dir,
            script,
        })
    }

    /// pppd's `connect` option.
    fn script(&self) -> &str {
        &self.script
    }

    /// Wait until pppd runs the script, at most `limit`.
    fn wait_ready(&mut self, pppd: &mut Pppd, limit: Duration) -> Result<(), NotReady> {
        let deadline = Instant::now() + limit;
        let mut said = Vec::new();
        loop {
            let mut buf = [0u8; 16];
            match self.ready.read(&mut buf) {
                Ok(n) => said.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(NotReady::Io(e)),
            }
            if said.starts_with(b"ready") {
                return Ok(());
            }
            if let Ok(Some(status)) = pppd.child.try_wait() {
                return Err(NotReady::Exited(status));
            }
            if Instant::now() >= deadline {
                return Err(NotReady::Slow);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Let PPP start (`true`: the modem said CONNECT), or make pppd give up.
    fn open(&mut self, connect: bool) {
        let word: &[u8] = if connect { b"connect\n" } else { b"stop\n" };
        if let Err(e) = self.go.write_all(word) {
            log::debug!("pppd's connect script: {e}");
        }
    }
}

/// A path as one shell word (the temporary directory may be anywhere $TMPDIR points).
fn quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_one_shell_word() {
        assert_eq!(quote(Path::new("/run/a b")), "'/run/a b'");
        assert_eq!(quote(Path::new("/tmp/it's")), r"'/tmp/it'\''s'");
    }
}
