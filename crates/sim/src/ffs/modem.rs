//! The modem personality: the profile's serial interfaces served by the firmware model.
//!
//! Per serial interface: a bulk OUT reader thread and a bulk IN writer thread move bytes
//! between the endpoint files and a socket pair whose other end is the port loop's [`Link`]
//! (the same loop that serves PTYs), and, when the interface has an interrupt endpoint, a
//! notifier thread sends CDC SERIAL_STATE. One thread reads `ep0`. Endpoint files are not
//! pollable, so blocking threads it is; they block until the host configures the device.

use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use rustix::event::{poll, PollFd, PollFlags};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::io::Errno;
use rustix::process::{kill_process_group, Pid, Signal};

use super::desc::{Layout, INTERRUPT};
use super::ep0::{self, EventKind, SerialRequest};
use super::{answer_setup, printable, start_function, write_ep, write_nonblocking, FfsError, Log};
use crate::firmware::Modem;
use crate::profile::Profile;
use crate::pty::Pty;
use crate::scenario::Scenario;
use crate::serve::{serve_port, DtrLine, Link, OpenTracker, PortRuntime, Shared};
use crate::SimError;

/// What [`run_modem`] serves.
#[derive(Clone, Debug)]
pub struct ModemOptions {
    /// The FunctionFS mount (holds `ep0`).
    pub ffs: PathBuf,
    pub profile: Profile,
    pub scenario: Scenario,
    pub log: Log,
    /// Shell command of the network side of the data phase, e.g.
    /// `pppd nodetach noauth local 192.0.2.1:192.0.2.2`: started on a PTY (its stdin and stdout)
    /// at `CONNECT`, bridged to the host until hang-up, then sent SIGTERM.
    pub ppp_peer: Option<String>,
}

/// Writes the descriptors, serves until the device vanishes (returns
/// [`super::EXIT_VANISHED`]) or `ep0` fails. Threads are left to the process exit.
pub fn run_modem(opts: ModemOptions) -> Result<i32, FfsError> {
    let ModemOptions {
        ffs,
        profile,
        scenario,
        log,
        ppp_peer,
    } = opts;
    let ttys = profile.tty_names();
    if let Some(bad) = scenario.ports.keys().find(|k| !ttys.contains(k)) {
        return Err(SimError::UnknownPort {
            port: bad.clone(),
            profile: profile.name.to_string(),
            known: ttys.join(", "),
        }
        .into());
    }
    let layout = Layout::serial(&profile);
    let ep0 = start_function(&ffs, &layout)?;
    log.line(&format!(
        "READY modem {} {:04x}:{:04x} {} serial interface(s) on {}",
        profile.name,
        profile.vid,
        profile.pid,
        layout.interfaces.len(),
        ffs.display()
    ));
    let files = layout.endpoint_files();
    let mut eps = Vec::new();
    for f in &files {
        eps.push(super::open_ffs_file(&ffs, &f.name)?);
    }

    let modem = Modem::new(profile.clone(), &scenario);
    let shared = Arc::new(
        Shared::new(modem, scenario.clone(), ttys.len()).map_err(|source| FfsError::Io {
            what: "creating an eventfd".into(),
            source,
        })?,
    );
    let l = log.clone();
    shared.set_log(Arc::new(move |s: &str| l.line(s)));
    let (done_tx, done_rx) = mpsc::channel::<i32>();

    let mut dtr_by_interface: Vec<Option<(String, Arc<DtrLine>)>> = Vec::new();
    let mut port_threads = Vec::new();
    let mut eps: Vec<Option<OwnedFd>> = eps.into_iter().map(Some).collect();
    for (n, iface) in layout.interfaces.iter().enumerate() {
        let Some((k, function)) = iface.port else {
            dtr_by_interface.push(None);
            continue;
        };
        let tty = format!("ttyUSB{k}");
        let mut int_ep = None;
        let mut in_ep = None;
        let mut out_ep = None;
        for (i, f) in files.iter().enumerate() {
            if f.interface != n {
                continue;
            }
            let fd = eps[i].take();
            if f.spec.transfer == INTERRUPT {
                int_ep = fd;
            } else if f.spec.is_in() {
                in_ep = fd;
            } else {
                out_ep = fd;
            }
        }
        let (Some(in_ep), Some(out_ep)) = (in_ep, out_ep) else {
            continue;
        };
        let io = |what: &str, source: std::io::Error| FfsError::Io {
            what: format!("{what} for {tty}"),
            source,
        };
        let (port_end, bridge_end) = UnixStream::pair().map_err(|e| io("socketpair", e))?;
        port_end
            .set_nonblocking(true)
            .map_err(|e| io("O_NONBLOCK", e))?;
        bridge_end
            .set_nonblocking(true)
            .map_err(|e| io("O_NONBLOCK", e))?;
        let bridge: Arc<OwnedFd> = Arc::new(bridge_end.into());
        let dtr = DtrLine::new().map_err(|e| io("eventfd", e))?;
        dtr_by_interface.push(Some((tty.clone(), Arc::clone(&dtr))));

        spawn(&format!("ffs-out-{k}"), {
            let (bridge, log, tty) = (Arc::clone(&bridge), log.clone(), tty.clone());
            move || out_reader(out_ep, &bridge, &log, &tty)
        })?;
        spawn(&format!("ffs-in-{k}"), {
            let (bridge, log, tty) = (Arc::clone(&bridge), log.clone(), tty.clone());
            move || in_writer(in_ep, &bridge, &log, &tty)
        })?;
        let notifier = match int_ep {
            Some(ep) => {
                let nt = Arc::new(Notifier::new());
                let interface = u16::try_from(n).unwrap_or(0);
                spawn(&format!("ffs-int-{k}"), {
                    let (nt, log, tty) = (Arc::clone(&nt), log.clone(), tty.clone());
                    move || nt.run(ep, interface, &log, &tty)
                })?;
                Some(nt)
            }
            None => None,
        };
        let link = FfsLink {
            sock: port_end.into(),
            bridge,
            dtr: Arc::clone(&dtr),
            notifier,
            peer_cmd: ppp_peer.clone(),
            peer: None,
            log: log.clone(),
            tty: tty.clone(),
        };
        let rt = PortRuntime::new(k, function, &scenario);
        let shared2 = Arc::clone(&shared);
        port_threads.push(spawn(&format!("sim-{tty}"), move || {
            serve_port(shared2, link, OpenTracker::dtr(dtr), rt)
        })?);
    }

    spawn("ffs-ep0", {
        let (log, done) = (log.clone(), done_tx.clone());
        move || {
            let code = modem_ep0(&ep0, &dtr_by_interface, &log);
            let _ = done.send(code);
            // Keep ep0 open until the process exits: closing it unbinds the gadget.
            std::thread::park();
        }
    })?;
    spawn("ffs-watch", {
        let (shared, log) = (Arc::clone(&shared), log.clone());
        move || {
            for h in port_threads {
                let _ = h.join();
            }
            if shared.vanished() {
                log.line("VANISH: closing ep0, the gadget drops off the bus");
                let _ = done_tx.send(super::EXIT_VANISHED);
            } else {
                let _ = done_tx.send(0);
            }
        }
    })?;
    Ok(done_rx.recv().unwrap_or(1))
}

fn spawn<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<std::thread::JoinHandle<T>, FfsError> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .map_err(|source| FfsError::Io {
            what: format!("spawning thread {name}"),
            source,
        })
}

/// The `ep0` loop of the modem: logs events, turns SET_CONTROL_LINE_STATE into DTR changes,
/// answers line-coding requests and stalls the rest. Returns an exit code when `ep0` fails.
fn modem_ep0(ep0: &OwnedFd, dtr: &[Option<(String, Arc<DtrLine>)>], log: &Log) -> i32 {
    let mut buf = [0u8; ep0::EVENT_SIZE * 4];
    loop {
        let n = match rustix::io::read(ep0, &mut buf) {
            Ok(n) => n,
            // EIDRM: the host gave up on a request before we answered it.
            Err(Errno::INTR | Errno::AGAIN | Errno::IDRM) => continue,
            Err(e) => {
                log.line(&format!("EP0 read failed: {e}; stopping"));
                return 1;
            }
        };
        for ev in ep0::parse_events(&buf[..n]) {
            match ev.kind {
                EventKind::Setup => {
                    let s = ev.setup;
                    log.line(&format!("SETUP {}", ep0::hex(&s.to_bytes())));
                    let (req, reply) = ep0::serial_request(&s);
                    if let SerialRequest::ControlLines {
                        interface,
                        dtr: d,
                        rts,
                    } = req
                    {
                        match dtr.get(usize::from(interface)).and_then(Option::as_ref) {
                            Some((tty, line)) => {
                                log.line(&format!(
                                    "DTR {tty} {} RTS {}",
                                    u8::from(d),
                                    u8::from(rts)
                                ));
                                line.set(d);
                            }
                            None => log.line(&format!("DTR for unknown interface {interface}")),
                        }
                    }
                    if let Err(e) = answer_setup(ep0, &s, &reply) {
                        log.line(&format!("SETUP answer failed: {e}"));
                    }
                }
                EventKind::Disable | EventKind::Unbind => {
                    log.line(&format!("EVENT {:?}", ev.kind));
                    // The host is gone or reset the device: every port is closed.
                    for (_, line) in dtr.iter().flatten() {
                        if line.level() {
                            line.set(false);
                        }
                    }
                }
                k => log.line(&format!("EVENT {k:?}")),
            }
        }
    }
}

/// Host → model: bulk OUT transfers into the socket pair.
fn out_reader(ep: OwnedFd, bridge: &OwnedFd, log: &Log, tty: &str) {
    // A multiple of the max packet size (f_fs.c: unaligned reads may split or drop data).
    let mut buf = vec![0u8; 16384];
    let mut last_err = None;
    loop {
        match rustix::io::read(&ep, &mut buf) {
            Ok(0) => {}
            Ok(n) => {
                last_err = None;
                if write_nonblocking(bridge, &buf[..n], Duration::from_secs(5)).is_err() {
                    return;
                }
            }
            Err(Errno::INTR) => {}
            Err(e) => {
                // ESHUTDOWN when the host deconfigures: the next read waits for ENABLE.
                if last_err != Some(e) {
                    log.line(&format!("{tty}: bulk OUT: {e}"));
                    last_err = Some(e);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// Model → host: what the port loop wrote, to the bulk IN endpoint. A write whose length is a
/// multiple of the packet size would not end the host's transfer (no short packet), so such a
/// chunk is sent as two writes.
fn in_writer(ep: OwnedFd, bridge: &OwnedFd, log: &Log, tty: &str) {
    let mut buf = vec![0u8; 4096];
    loop {
        let mut fds = [PollFd::new(bridge, PollFlags::IN)];
        match poll(&mut fds, None) {
            Ok(_) | Err(Errno::INTR) => {}
            Err(_) => return,
        }
        let n = match rustix::io::read(bridge, &mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(Errno::AGAIN | Errno::INTR) => continue,
            Err(_) => return,
        };
        let chunk = &buf[..n];
        log.line(&format!("TX {tty}: {}", printable(chunk, 160)));
        let split = if n % 64 == 0 { n - 1 } else { n };
        for part in [&chunk[..split], &chunk[split..]] {
            if part.is_empty() {
                continue;
            }
            if let Err(e) = write_ep(&ep, part) {
                log.line(&format!(
                    "{tty}: bulk IN: {e}; {} bytes dropped",
                    part.len()
                ));
                break;
            }
        }
    }
}

/// CDC SERIAL_STATE on the interrupt endpoint: the latest state wins, one write at a time
/// (the write blocks until the host polls, which `option` does while the tty is open).
struct Notifier {
    /// (state to report, generation).
    want: Mutex<(u16, u64)>,
    cv: Condvar,
}

impl Notifier {
    fn new() -> Notifier {
        Notifier {
            want: Mutex::new((ep0::STATE_DSR, 1)),
            cv: Condvar::new(),
        }
    }

    fn set(&self, state: u16) {
        let mut w = self.want.lock().unwrap_or_else(|e| e.into_inner());
        if w.0 != state {
            *w = (state, w.1 + 1);
            self.cv.notify_all();
        }
    }

    fn run(&self, ep: OwnedFd, interface: u16, log: &Log, tty: &str) {
        let mut sent = 0u64;
        loop {
            let (state, generation) = {
                let mut w = self.want.lock().unwrap_or_else(|e| e.into_inner());
                while w.1 == sent {
                    w = self.cv.wait(w).unwrap_or_else(|e| e.into_inner());
                }
                *w
            };
            let msg = ep0::serial_state(interface, state);
            match write_ep(&ep, &msg) {
                Ok(()) => {
                    log.line(&format!("SERIAL_STATE {tty} {}", ep0::hex(&msg)));
                    sent = generation;
                }
                Err(e) => {
                    log.line(&format!("{tty}: interrupt IN: {e}"));
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }
}

/// The network side of a data call: a shell command on a PTY (its stdin and stdout).
struct Peer {
    master: OwnedFd,
    pgid: Option<Pid>,
}

impl Peer {
    fn spawn(cmd: &str, log: &Log, tty: &str) -> Result<Peer, SimError> {
        let Pty {
            master,
            slave,
            path,
        } = Pty::open()?;
        let err = |what: &'static str| move |source: std::io::Error| SimError::Pty { what, source };
        let child = Command::new("/bin/sh")
            .arg("-c")
            .arg(cmd)
            .stdin(Stdio::from(slave.try_clone().map_err(err("dup"))?))
            .stdout(Stdio::from(slave.try_clone().map_err(err("dup"))?))
            .process_group(0)
            .spawn()
            .map_err(err("start the PPP peer"))?;
        // Only the child holds the slave now: when it exits, reading the master fails.
        drop(slave);
        let pid = child.id();
        log.line(&format!(
            "PEER {tty}: started pid {pid} on {}: {cmd}",
            path.display()
        ));
        let (log, tty) = (log.clone(), tty.to_string());
        let mut child = child;
        std::thread::spawn(move || {
            let st = child.wait();
            log.line(&format!("PEER {tty}: exited {st:?}"));
        });
        Ok(Peer {
            master,
            pgid: i32::try_from(pid).ok().and_then(Pid::from_raw),
        })
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Some(p) = self.pgid {
            let _ = kill_process_group(p, Signal::TERM);
        }
    }
}

/// The port loop's view of one USB serial interface.
struct FfsLink {
    sock: OwnedFd,
    bridge: Arc<OwnedFd>,
    dtr: Arc<DtrLine>,
    notifier: Option<Arc<Notifier>>,
    peer_cmd: Option<String>,
    peer: Option<Peer>,
    log: Log,
    tty: String,
}

impl Link for FfsLink {
    fn fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }

    fn dtr_dropped(&self) -> bool {
        !self.dtr.level()
    }

    fn flush_unread(&self) {
        let mut buf = [0u8; 4096];
        while let Ok(n) = rustix::io::read(&*self.bridge, &mut buf) {
            if n == 0 {
                break;
            }
        }
    }

    fn carrier(&mut self, on: bool) {
        self.log.line(&format!("DCD {} {}", self.tty, u8::from(on)));
        if let Some(n) = &self.notifier {
            let dcd = if on { ep0::STATE_DCD } else { 0 };
            n.set(ep0::STATE_DSR | dcd);
        }
        if !on {
            if self.peer.take().is_some() {
                self.log
                    .line(&format!("PEER {}: hang-up, SIGTERM", self.tty));
            }
            return;
        }
        if let Some(cmd) = &self.peer_cmd {
            match Peer::spawn(cmd, &self.log, &self.tty) {
                Ok(p) => self.peer = Some(p),
                Err(e) => self.log.line(&format!("PEER {}: {e}", self.tty)),
            }
        }
    }

    fn to_peer(&mut self, bytes: &[u8]) -> bool {
        let Some(p) = &self.peer else {
            return false;
        };
        if let Err(e) = write_nonblocking(&p.master, bytes, Duration::from_millis(500)) {
            self.log.line(&format!("PEER {}: write: {e}", self.tty));
        }
        true
    }

    fn peer_fd(&self) -> Option<BorrowedFd<'_>> {
        self.peer.as_ref().map(|p| p.master.as_fd())
    }

    fn read_peer(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match &self.peer {
            Some(p) => Ok(rustix::io::read(&p.master, buf)?),
            None => Ok(0),
        }
    }
}
