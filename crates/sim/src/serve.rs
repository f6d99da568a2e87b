//! The serving threads: one per serial port, turning bytes from the host side of the port (a
//! [`Link`]: a PTY master, or the FunctionFS bridge of `ffs`) into command lines for the
//! [`Modem`] and its [`Output`]s back into bytes, with echo, latency and the byte-level faults
//! (silent, garbage, stray NULs, fragmented writes, URC floods).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use rustix::event::{eventfd, poll, EventfdFlags, PollFd, PollFlags, Timespec};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::inotify;
use rustix::io::Errno;

use crate::firmware::{Modem, Output};
use crate::profile::PortFunction;
use crate::pty::Pty;
use crate::scenario::Scenario;

/// Longest command line kept; longer input is discarded like a real modem's overflow.
const MAX_LINE: usize = 2048;
/// Transcript entries kept (oldest dropped first).
const MAX_TRANSCRIPT: usize = 10_000;

/// State shared by the `Sim` handle and every port thread of one device.
pub(crate) struct Shared {
    pub modem: Mutex<Modem>,
    pub transcript: Mutex<Vec<String>>,
    pub scenario: Scenario,
    /// Readable once the device is stopped or unplugged: every thread polls it.
    stop: OwnedFd,
    /// Per port: readable when another thread queued URCs for that port.
    notify: Vec<OwnedFd>,
    vanished: AtomicBool,
    /// What disappears on unplug: dev symlinks and sysfs device directories.
    pub unplug_paths: Mutex<Vec<PathBuf>>,
    /// Where received command lines are also reported (the gadget daemon's log).
    log: OnceLock<LogFn>,
}

/// A sink for one line of log text.
pub(crate) type LogFn = Arc<dyn Fn(&str) + Send + Sync>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn new_eventfd() -> std::io::Result<OwnedFd> {
    Ok(eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?)
}

fn signal(fd: &OwnedFd) {
    let _ = rustix::io::write(fd, &1u64.to_ne_bytes());
}

fn drain(fd: &OwnedFd) {
    let mut b = [0u8; 8];
    let _ = rustix::io::read(fd, &mut b);
}

impl Shared {
    pub fn new(modem: Modem, scenario: Scenario, ports: usize) -> std::io::Result<Shared> {
        Ok(Shared {
            modem: Mutex::new(modem),
            transcript: Mutex::new(Vec::new()),
            scenario,
            stop: new_eventfd()?,
            notify: (0..ports)
                .map(|_| new_eventfd())
                .collect::<Result<_, _>>()?,
            vanished: AtomicBool::new(false),
            unplug_paths: Mutex::new(Vec::new()),
            log: OnceLock::new(),
        })
    }

    /// A duplicate of port `index`'s notify eventfd: signalling it wakes that port's thread.
    pub fn notify_handle(&self, index: usize) -> std::io::Result<OwnedFd> {
        let fd = self
            .notify
            .get(index)
            .ok_or_else(|| std::io::Error::other("no such port"))?;
        Ok(rustix::io::fcntl_dupfd_cloexec(fd, 0)?)
    }

    /// Also report every received command line to `f` (set once, before serving).
    pub fn set_log(&self, f: LogFn) {
        let _ = self.log.set(f);
    }

    pub fn modem(&self) -> MutexGuard<'_, Modem> {
        lock(&self.modem)
    }

    /// Wakes the threads of ports that have URCs waiting.
    pub fn notify_pending(&self, m: &Modem, except: Option<usize>) {
        for p in m.ports_with_urcs() {
            if Some(p) != except {
                if let Some(fd) = self.notify.get(p) {
                    signal(fd);
                }
            }
        }
    }

    /// Tells every thread to stop (they close their PTYs on the way out).
    pub fn stop(&self) {
        signal(&self.stop);
    }

    /// Unplug: stop every thread and remove the device's dev and sysfs entries. Idempotent.
    pub fn unplug(&self) {
        if self.vanished.swap(true, Ordering::SeqCst) {
            return;
        }
        self.stop();
        for p in lock(&self.unplug_paths).iter() {
            let r = match std::fs::symlink_metadata(p) {
                Ok(m) if m.is_dir() => remove_dir_at_once(p),
                Ok(_) => std::fs::remove_file(p),
                Err(_) => Ok(()),
            };
            if let Err(e) = r {
                log::warn!("sim unplug: cannot remove {}: {e}", p.display());
            }
        }
    }

    pub fn vanished(&self) -> bool {
        self.vanished.load(Ordering::SeqCst)
    }

    fn record(&self, tty: &str, line: &[u8]) {
        let text: String = String::from_utf8_lossy(line)
            .chars()
            .flat_map(|c| {
                if c.is_control() {
                    c.escape_default().collect::<Vec<_>>()
                } else {
                    vec![c]
                }
            })
            .collect();
        let text = text.trim();
        if text.is_empty() {
            return;
        }
        if let Some(f) = self.log.get() {
            f(&format!("RX {tty}: {text}"));
        }
        let mut t = lock(&self.transcript);
        if t.len() >= MAX_TRANSCRIPT {
            t.remove(0);
        }
        t.push(format!("{tty}: {text}"));
    }
}

/// Removes a sysfs directory so that readers see it go at once, as a kernel device does:
/// renamed out of its parent (atomic), then deleted. A reader never finds it with some
/// attributes already gone.
fn remove_dir_at_once(p: &std::path::Path) -> std::io::Result<()> {
    static GONE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let (Some(parent), Some(name)) = (p.parent().and_then(|d| d.parent()), p.file_name()) else {
        return std::fs::remove_dir_all(p);
    };
    let n = GONE.fetch_add(1, Ordering::Relaxed);
    let aside = parent.join(format!(
        ".gone-{}-{}-{n}",
        name.to_string_lossy(),
        std::process::id()
    ));
    match std::fs::rename(p, &aside) {
        Ok(()) => std::fs::remove_dir_all(&aside),
        Err(_) => std::fs::remove_dir_all(p),
    }
}

/// Byte-level behaviour of one port.
#[derive(Clone, Debug)]
pub(crate) struct PortRuntime {
    pub index: usize,
    pub tty: String,
    pub silent: bool,
    pub garbage: bool,
    pub fragment: bool,
    pub latency: Duration,
}

impl PortRuntime {
    /// Port `index` (`ttyUSB<index>`) of function `function`, with the scenario's per-port
    /// settings: DIAG ports are silent unless the scenario says otherwise.
    pub fn new(index: usize, function: PortFunction, scenario: &Scenario) -> PortRuntime {
        let tty = format!("ttyUSB{index}");
        let cfg = scenario.ports.get(&tty).cloned().unwrap_or_default();
        PortRuntime {
            index,
            silent: cfg
                .silent
                .unwrap_or(function == PortFunction::Diag && !cfg.garbage),
            garbage: cfg.garbage,
            fragment: cfg.fragment,
            latency: Duration::from_millis(
                cfg.latency_ms
                    .or(scenario.latency_ms)
                    .unwrap_or(crate::DEFAULT_LATENCY.as_millis() as u64),
            ),
            tty,
        }
    }
}

/// The host side of one serial port, as the firmware loop sees it: a PTY master, or the bridge
/// to a FunctionFS gadget's endpoints. Reading [`Link::fd`] gives the bytes the host sent,
/// writing it sends bytes to the host; it must be non-blocking.
pub(crate) trait Link: Send {
    fn fd(&self) -> BorrowedFd<'_>;
    /// Whether the host dropped DTR (while the port stays open).
    fn dtr_dropped(&self) -> bool;
    /// Discards output the host has not read yet (a real port loses it on close).
    fn flush_unread(&self);
    /// The port entered (`CONNECT`) or left (hang-up) data mode: the carrier (DCD) follows.
    fn carrier(&mut self, _on: bool) {}
    /// Data mode: hands the host's bytes to the network-side peer. False when there is no
    /// peer (the firmware then only looks for the `+++` escape).
    fn to_peer(&mut self, _bytes: &[u8]) -> bool {
        false
    }
    /// Readable when the data-phase peer has bytes for the host.
    fn peer_fd(&self) -> Option<BorrowedFd<'_>> {
        None
    }
    /// Reads what the peer sent; `Ok(0)` or an error means the peer hung up.
    fn read_peer(&mut self, _buf: &mut [u8]) -> std::io::Result<usize> {
        Ok(0)
    }
}

impl Link for Pty {
    fn fd(&self) -> BorrowedFd<'_> {
        self.master.as_fd()
    }

    fn dtr_dropped(&self) -> bool {
        Pty::dtr_dropped(self)
    }

    fn flush_unread(&self) {
        Pty::flush_unread(self)
    }
}

/// DTR as the host sets it over USB (CDC `SET_CONTROL_LINE_STATE`, which `option` sends on
/// every open and close): every change is queued and the port loop is woken through an
/// eventfd, so a quick close-and-reopen is not missed.
pub(crate) struct DtrLine {
    changes: Mutex<Vec<bool>>,
    level: AtomicBool,
    wake: OwnedFd,
}

impl DtrLine {
    pub fn new() -> std::io::Result<Arc<DtrLine>> {
        Ok(Arc::new(DtrLine {
            changes: Mutex::new(Vec::new()),
            level: AtomicBool::new(false),
            wake: new_eventfd()?,
        }))
    }

    /// The host set DTR to `on`.
    pub fn set(&self, on: bool) {
        self.level.store(on, Ordering::SeqCst);
        lock(&self.changes).push(on);
        signal(&self.wake);
    }

    pub fn level(&self) -> bool {
        self.level.load(Ordering::SeqCst)
    }
}

/// One inotify instance watching the `/dev/pts/N` of many ports (a sim's, or a whole fleet's):
/// the per-user limit on instances is 128 by default, far fewer than a fleet's ports. Events
/// are sorted into per-port queues by whoever reads them first, a port's own thread (so it sees
/// a close at once, before deciding whether an answer was read) or the hub's thread (so a port
/// that sleeps in poll is woken through its notify eventfd when its device node is opened or
/// closed).
pub(crate) struct OpenHub {
    fd: OwnedFd,
    stop: OwnedFd,
    ports: Mutex<std::collections::HashMap<i32, HubPort>>,
}

struct HubPort {
    /// true = opened, false = closed, in order.
    events: Vec<bool>,
    /// A duplicate of the port's notify eventfd.
    wake: OwnedFd,
}

impl OpenHub {
    pub fn new() -> std::io::Result<OpenHub> {
        Ok(OpenHub {
            fd: inotify::init(inotify::CreateFlags::NONBLOCK | inotify::CreateFlags::CLOEXEC)?,
            stop: new_eventfd()?,
            ports: Mutex::new(std::collections::HashMap::new()),
        })
    }

    /// Watches `path`; its opens and closes wake `wake`. None when the watch cannot be added.
    fn watch(&self, path: &std::path::Path, wake: OwnedFd) -> Option<i32> {
        let wd = inotify::add_watch(
            &self.fd,
            path,
            inotify::WatchFlags::OPEN
                | inotify::WatchFlags::CLOSE_WRITE
                | inotify::WatchFlags::CLOSE_NOWRITE,
        )
        .map_err(|e| log::warn!("sim {}: cannot watch opens: {e}", path.display()))
        .ok()?;
        lock(&self.ports).insert(
            wd,
            HubPort {
                events: Vec::new(),
                wake,
            },
        );
        Some(wd)
    }

    fn unwatch(&self, wd: i32) {
        lock(&self.ports).remove(&wd);
        let _ = inotify::remove_watch(&self.fd, wd);
    }

    /// Reads every pending event into the queues; wakes the ports that got some.
    fn pump(&self) {
        let mut ports = lock(&self.ports);
        let mut buf = [std::mem::MaybeUninit::uninit(); 4096];
        let mut r = inotify::Reader::new(&self.fd, &mut buf);
        let mut woken = Vec::new();
        while let Ok(ev) = r.next() {
            let Some(p) = ports.get_mut(&ev.wd()) else {
                continue; // IN_IGNORED of a removed watch, or a port already gone
            };
            let f = ev.events();
            if f.contains(inotify::ReadFlags::OPEN) {
                p.events.push(true);
            }
            if f.intersects(inotify::ReadFlags::CLOSE_WRITE | inotify::ReadFlags::CLOSE_NOWRITE) {
                p.events.push(false);
            }
            woken.push(ev.wd());
        }
        woken.dedup();
        for wd in woken {
            if let Some(p) = ports.get(&wd) {
                signal(&p.wake);
            }
        }
    }

    /// The events of port `wd` so far, oldest first.
    fn take(&self, wd: i32) -> Vec<bool> {
        self.pump();
        lock(&self.ports)
            .get_mut(&wd)
            .map(|p| std::mem::take(&mut p.events))
            .unwrap_or_default()
    }

    /// The hub's thread: pumps whenever events arrive, until [`OpenHub::stop`].
    pub fn run(&self) {
        loop {
            let mut fds = [
                PollFd::new(&self.fd, PollFlags::IN),
                PollFd::new(&self.stop, PollFlags::IN),
            ];
            match poll(&mut fds, None) {
                Ok(_) | Err(Errno::INTR) => {}
                Err(e) => {
                    log::warn!("sim: poll on the open watcher failed: {e}");
                    return;
                }
            }
            if !fds[1].revents().is_empty() {
                return;
            }
            if !fds[0].revents().is_empty() {
                self.pump();
            }
        }
    }

    pub fn stop(&self) {
        signal(&self.stop);
    }
}

/// An [`OpenHub`] and its thread; dropping the last handle stops and joins the thread.
pub(crate) struct HubThread {
    pub hub: Arc<OpenHub>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl HubThread {
    /// None (with a warning) when no inotify instance or thread is to be had: ports then fall
    /// back to their own instance, or to counting as always open.
    pub fn start() -> Option<Arc<HubThread>> {
        let hub = match OpenHub::new() {
            Ok(h) => Arc::new(h),
            Err(e) => {
                log::warn!(
                    "sim: no inotify instance ({e}): opens and closes of ports may not be seen; \
                     raise fs.inotify.max_user_instances"
                );
                return None;
            }
        };
        let h2 = Arc::clone(&hub);
        let thread = std::thread::Builder::new()
            .name("sim-opens".into())
            .spawn(move || h2.run())
            .map_err(|e| log::warn!("sim: cannot start the open watcher: {e}"))
            .ok()?;
        Some(Arc::new(HubThread {
            hub,
            thread: Mutex::new(Some(thread)),
        }))
    }
}

impl Drop for HubThread {
    fn drop(&mut self) {
        self.hub.stop();
        if let Some(t) = lock(&self.thread).take() {
            let _ = t.join();
        }
    }
}

enum OpenSource {
    /// Nothing tells opens apart: the port counts as always open.
    None,
    /// inotify on `/dev/pts/N`: counts opens and closes.
    Inotify(OwnedFd),
    /// The same through a shared [`OpenHub`].
    Hub(Arc<OpenHub>, i32),
    /// DTR raised = open, dropped = closed.
    Dtr(Arc<DtrLine>),
}

/// Opens and closes of the port by programs on the host: for PTYs seen through inotify on
/// `/dev/pts/N` (the sim's own slave fd was opened before the watch, so it is not counted), for
/// USB through DTR.
pub(crate) struct OpenTracker {
    source: OpenSource,
    opens: i64,
    ever: bool,
}

impl Drop for OpenTracker {
    fn drop(&mut self) {
        if let OpenSource::Hub(hub, wd) = &self.source {
            hub.unwatch(*wd);
        }
    }
}

impl OpenTracker {
    /// Must be created before the port is handed out, or early opens are missed.
    pub fn new(path: &std::path::Path) -> OpenTracker {
        let fd = inotify::init(inotify::CreateFlags::NONBLOCK | inotify::CreateFlags::CLOEXEC)
            .map_err(|e| {
                // The fallback when there is no OpenHub: one instance per port, of 128 per
                // user by default (/proc/sys/fs/inotify/max_user_instances). Without it the
                // port still works, but counts as always open (URCs written, nobody reading).
                log::warn!(
                    "sim {}: no inotify instance ({e}): opens and closes are not seen; \
                     raise fs.inotify.max_user_instances",
                    path.display()
                )
            })
            .ok()
            .filter(|fd| {
                inotify::add_watch(
                    fd,
                    path,
                    inotify::WatchFlags::OPEN
                        | inotify::WatchFlags::CLOSE_WRITE
                        | inotify::WatchFlags::CLOSE_NOWRITE,
                )
                .is_ok()
            });
        OpenTracker {
            source: fd.map_or(OpenSource::None, OpenSource::Inotify),
            opens: 0,
            ever: false,
        }
    }

    /// Through `hub`, which wakes the port's thread via `wake` (a duplicate of its notify
    /// eventfd). Must be created before the port is handed out, or early opens are missed.
    pub fn hub(hub: &Arc<OpenHub>, path: &std::path::Path, wake: OwnedFd) -> OpenTracker {
        OpenTracker {
            source: hub
                .watch(path, wake)
                .map_or(OpenSource::None, |wd| OpenSource::Hub(Arc::clone(hub), wd)),
            opens: 0,
            ever: false,
        }
    }

    /// Whether opens and closes are seen at all.
    fn tracks(&self) -> bool {
        !matches!(self.source, OpenSource::None)
    }

    /// Open while the host holds DTR up.
    pub fn dtr(line: Arc<DtrLine>) -> OpenTracker {
        OpenTracker {
            source: OpenSource::Dtr(line),
            opens: 0,
            ever: false,
        }
    }

    fn fd(&self) -> Option<BorrowedFd<'_>> {
        match &self.source {
            // Woken through the port's notify eventfd.
            OpenSource::None | OpenSource::Hub(..) => None,
            OpenSource::Inotify(fd) => Some(fd.as_fd()),
            OpenSource::Dtr(line) => Some(line.wake.as_fd()),
        }
    }

    /// Somebody may be reading: true while open, or always when opens cannot be seen.
    fn is_open(&self) -> bool {
        matches!(self.source, OpenSource::None) || self.opens > 0
    }

    /// Reads pending events. Returns (first open ever happened now, last close happened now).
    fn update(&mut self) -> (bool, bool) {
        let (mut first, mut closed) = (false, false);
        match &self.source {
            OpenSource::None => {}
            OpenSource::Inotify(fd) => {
                let mut buf = [std::mem::MaybeUninit::uninit(); 1024];
                let mut r = inotify::Reader::new(fd, &mut buf);
                while let Ok(ev) = r.next() {
                    let f = ev.events();
                    if f.contains(inotify::ReadFlags::OPEN) {
                        self.opens += 1;
                        if !self.ever {
                            self.ever = true;
                            first = true;
                        }
                    }
                    if f.intersects(
                        inotify::ReadFlags::CLOSE_WRITE | inotify::ReadFlags::CLOSE_NOWRITE,
                    ) {
                        self.opens = (self.opens - 1).max(0);
                        if self.opens == 0 {
                            closed = true;
                        }
                    }
                }
            }
            OpenSource::Hub(hub, wd) => {
                for open in hub.take(*wd) {
                    if open {
                        self.opens += 1;
                        if !self.ever {
                            self.ever = true;
                            first = true;
                        }
                    } else {
                        self.opens = (self.opens - 1).max(0);
                        if self.opens == 0 {
                            closed = true;
                        }
                    }
                }
            }
            OpenSource::Dtr(line) => {
                drain(&line.wake);
                let changes: Vec<bool> = lock(&line.changes).drain(..).collect();
                for on in changes {
                    if on && self.opens == 0 {
                        self.opens = 1;
                        if !self.ever {
                            self.ever = true;
                            first = true;
                        }
                    } else if !on && self.opens > 0 {
                        self.opens = 0;
                        closed = true;
                    }
                }
            }
        }
        (first, closed)
    }
}

/// One port's serving loop. Returns when the device is stopped or unplugged; dropping `link`
/// then closes it (for a PTY: the master and slave), which is what a reader sees as the unplug.
pub(crate) fn serve_port<L: Link>(
    shared: Arc<Shared>,
    link: L,
    opens: OpenTracker,
    rt: PortRuntime,
) {
    let mut port = Port {
        shared: &shared,
        link,
        rt: &rt,
        line: Vec::new(),
        plus: 0,
        tick: 0,
        stray: 0,
        opens,
        carrier: false,
    };
    if !port.opens.tracks() && shared.scenario.urc.boot {
        port.boot();
    }
    let flood = shared.scenario.urc.flood_ms.map(Duration::from_millis);
    let mut next_flood = flood.map(|f| Instant::now() + f);
    loop {
        let data_mode = shared.modem().in_data_mode(rt.index);
        let mut timeout: Option<Duration> = data_mode.then_some(Duration::from_millis(20));
        if let Some(n) = next_flood {
            let d = n.saturating_duration_since(Instant::now());
            timeout = Some(timeout.map_or(d, |t| t.min(d)));
        }
        let ts = timeout.map(|d| Timespec {
            tv_sec: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            tv_nsec: i64::from(d.subsec_nanos()),
        });
        let notify = &shared.notify[rt.index];
        let link_fd = port.link.fd();
        let mut fds = vec![
            PollFd::new(&link_fd, PollFlags::IN),
            PollFd::new(&shared.stop, PollFlags::IN),
            PollFd::new(notify, PollFlags::IN),
        ];
        let opens_fd = port.opens.fd();
        if let Some(fd) = &opens_fd {
            fds.push(PollFd::new(fd, PollFlags::IN));
        }
        let peer_fd = port.link.peer_fd();
        let peer_at = fds.len();
        if let Some(fd) = &peer_fd {
            fds.push(PollFd::new(fd, PollFlags::IN));
        }
        match poll(&mut fds, ts.as_ref()) {
            Ok(_) | Err(Errno::INTR) => {}
            Err(e) => {
                log::warn!("sim {}: poll failed: {e}", rt.tty);
                return;
            }
        }
        let master_ready = !fds[0].revents().is_empty();
        let stopped = !fds[1].revents().is_empty();
        let notified = !fds[2].revents().is_empty();
        let peer_ready = fds.get(peer_at).is_some_and(|f| !f.revents().is_empty());
        drop(fds);
        let _ = (link_fd, opens_fd, peer_fd);
        if stopped || shared.vanished() {
            return;
        }
        port.track_opens();
        if notified {
            drain(notify);
        }
        if master_ready {
            let mut buf = [0u8; 4096];
            match rustix::io::read(port.link.fd(), &mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    if port.input(&buf[..n]) == Flow::Exit {
                        return;
                    }
                }
                Err(Errno::AGAIN | Errno::INTR) => {}
                Err(e) => {
                    log::warn!("sim {}: read failed: {e}", rt.tty);
                    return;
                }
            }
        }
        if peer_ready {
            port.relay_peer();
        }
        port.flush_urcs();
        if let (Some(f), Some(n)) = (flood, next_flood) {
            if Instant::now() >= n {
                port.flood_once();
                next_flood = Some(Instant::now() + f);
            }
        }
        if data_mode && port.link.dtr_dropped() && shared.modem().hang_up(rt.index) {
            port.write_frames(&["NO CARRIER".into()]);
        }
        port.sync_carrier();
    }
}

#[derive(PartialEq, Eq)]
enum Flow {
    Continue,
    Exit,
}

struct Port<'a, L: Link> {
    shared: &'a Shared,
    link: L,
    rt: &'a PortRuntime,
    line: Vec<u8>,
    /// `+` characters seen in a row in data mode (the `+++` escape).
    plus: u8,
    tick: u64,
    stray: usize,
    opens: OpenTracker,
    /// Data mode as last told to the link (DCD).
    carrier: bool,
}

impl<L: Link> Port<'_, L> {
    fn track_opens(&mut self) {
        let (first, closed) = self.opens.update();
        if first && self.shared.scenario.urc.boot {
            self.boot();
        }
        if closed {
            // Close drops DTR: a data call ends, and unread output is lost as on real ports.
            let hung = self.shared.modem().hang_up(self.rt.index);
            if hung {
                log::debug!("sim {}: closed in data mode, call ended", self.rt.tty);
            }
            self.link.flush_unread();
            self.line.clear();
            self.sync_carrier();
        }
    }

    /// Tells the link when the port entered or left data mode (raises or drops DCD, starts
    /// or stops the data-phase peer).
    fn sync_carrier(&mut self) {
        let on = self.shared.modem().in_data_mode(self.rt.index);
        if on != self.carrier {
            self.carrier = on;
            self.link.carrier(on);
        }
    }

    /// Bytes from the data-phase peer go to the host; when the peer hangs up, so does the call.
    fn relay_peer(&mut self) {
        let mut buf = [0u8; 4096];
        match self.link.read_peer(&mut buf) {
            Ok(0) => {}
            Ok(n) => {
                self.write_raw(&buf[..n]);
                return;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return,
            Err(_) => {}
        }
        if self.shared.modem().hang_up(self.rt.index) {
            self.write_frames(&["NO CARRIER".into()]);
        }
        self.sync_carrier();
    }

    fn boot(&mut self) {
        let m = self.shared.modem();
        if m.urc_port() != Some(self.rt.index) {
            return;
        }
        let urcs = m.boot_urcs();
        drop(m);
        self.write_frames(&urcs);
    }

    fn flush_urcs(&mut self) {
        if !self.opens.is_open() {
            return;
        }
        let urcs = self.shared.modem().take_urcs(self.rt.index);
        if !urcs.is_empty() && !self.rt.silent && !self.rt.garbage {
            self.write_frames(&urcs);
        }
    }

    fn flood_once(&mut self) {
        let m = self.shared.modem();
        let mine = m.urc_port() == Some(self.rt.index);
        let on = m.curc_enabled() || self.shared.scenario.urc.ignore_curc;
        let busy = m.in_data_mode(self.rt.index);
        let urc = m.periodic_urc(self.tick);
        drop(m);
        if mine && on && !busy && self.opens.is_open() && !self.rt.silent {
            self.tick += 1;
            self.write_frames(&[urc]);
        }
    }

    fn input(&mut self, bytes: &[u8]) -> Flow {
        if self.rt.garbage {
            self.collect_lines(bytes);
            self.write_raw(&diag_frame(bytes));
            return Flow::Continue;
        }
        if self.rt.silent {
            self.collect_lines(bytes);
            return Flow::Continue;
        }
        let mut echo = Vec::new();
        for (i, &b) in bytes.iter().enumerate() {
            if self.shared.modem().in_data_mode(self.rt.index) {
                self.sync_carrier();
                if self.link.to_peer(&bytes[i..]) {
                    break;
                }
                self.data_byte(b);
                continue;
            }
            let echo_on = self.shared.modem().echo(self.rt.index);
            if echo_on {
                echo.push(b);
            }
            // After the SMS prompt, Ctrl-Z (send) or ESC (abort) ends the text.
            let text_end =
                matches!(b, 0x1a | 0x1b) && self.shared.modem().awaiting_text(self.rt.index);
            if text_end {
                self.line.push(b);
                // Firmware echoes the text, not the Ctrl-Z that ends it.
                if echo_on {
                    echo.pop();
                }
            }
            match b {
                _ if text_end => {
                    self.write_raw(&std::mem::take(&mut echo));
                    let line = std::mem::take(&mut self.line);
                    if self.command(&line) == Flow::Exit {
                        return Flow::Exit;
                    }
                }
                b'\r' => {
                    self.write_raw(&std::mem::take(&mut echo));
                    let line = std::mem::take(&mut self.line);
                    if self.command(&line) == Flow::Exit {
                        return Flow::Exit;
                    }
                    self.sync_carrier();
                }
                b'\n' if self.line.is_empty() => {}
                0x08 | 0x7f => {
                    self.line.pop();
                }
                _ if self.line.len() < MAX_LINE => self.line.push(b),
                _ => {}
            }
        }
        self.write_raw(&echo);
        Flow::Continue
    }

    /// Data mode: bytes are the PPP peer's; only the `+++` escape is looked for.
    fn data_byte(&mut self, b: u8) {
        if b == b'+' {
            self.plus += 1;
            if self.plus == 3 {
                self.plus = 0;
                if self.shared.modem().hang_up(self.rt.index) {
                    self.write_frames(&["OK".into()]);
                }
            }
        } else {
            self.plus = 0;
        }
    }

    fn collect_lines(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if b == b'\r' {
                let line = std::mem::take(&mut self.line);
                self.shared.record(&self.rt.tty, &line);
            } else if self.line.len() < MAX_LINE {
                self.line.push(b);
            }
        }
    }

    fn command(&mut self, line: &[u8]) -> Flow {
        self.shared.record(&self.rt.tty, line);
        let text = String::from_utf8_lossy(line);
        let (outputs, inline_urc) = {
            let mut m = self.shared.modem();
            let out = m.handle(self.rt.index, &text);
            self.shared.notify_pending(&m, Some(self.rt.index));
            let urc = (self.shared.scenario.urc.in_response && m.urc_port() == Some(self.rt.index))
                .then(|| m.periodic_urc(0));
            (out, urc)
        };
        if outputs.is_empty() {
            return Flow::Continue;
        }
        if self.wait(self.rt.latency) {
            return Flow::Exit;
        }
        let mut frames: Vec<String> = Vec::new();
        let mut had_info = false;
        for o in outputs {
            match o {
                Output::Info(s) => {
                    had_info = true;
                    frames.push(s);
                }
                Output::Final(s) => {
                    if let (true, Some(u)) = (had_info, &inline_urc) {
                        frames.push(u.clone());
                    }
                    frames.push(s);
                }
                Output::Urc(s) => frames.push(s),
                Output::Prompt => {
                    self.write_frames(&std::mem::take(&mut frames));
                    self.write_raw(b"\r\n> ");
                }
                Output::Delay(d) => {
                    self.write_frames(&std::mem::take(&mut frames));
                    if self.wait(d) {
                        return Flow::Exit;
                    }
                }
                Output::Vanish => {
                    self.shared.unplug();
                    return Flow::Exit;
                }
            }
        }
        self.write_frames(&frames);
        // The client may have closed while we were answering: then the answer is lost.
        self.track_opens();
        if !self.opens.is_open() {
            self.link.flush_unread();
        }
        Flow::Continue
    }

    /// Sleeps `d` unless the device is stopped first. Returns true when stopped.
    fn wait(&self, d: Duration) -> bool {
        if d.is_zero() {
            return self.shared.vanished();
        }
        let ts = Timespec {
            tv_sec: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            tv_nsec: i64::from(d.subsec_nanos()),
        };
        let mut fds = [PollFd::new(&self.shared.stop, PollFlags::IN)];
        let _ = poll(&mut fds, Some(&ts));
        !fds[0].revents().is_empty() || self.shared.vanished()
    }

    /// Frames lines as `\r\n<line>\r\n` (V.250 verbose format), with stray bytes when the
    /// scenario asks for them.
    fn write_frames(&mut self, frames: &[String]) {
        let stray = self.shared.scenario.garbage.stray_nul;
        let mut buf = Vec::new();
        for s in frames {
            if stray {
                buf.push(0);
            }
            buf.extend_from_slice(b"\r\n");
            buf.extend_from_slice(s.as_bytes());
            buf.extend_from_slice(b"\r\n");
            if stray {
                const STRAY: [&[u8]; 3] = [b"\0", b"\xff", b"\0\0\xfe"];
                buf.extend_from_slice(STRAY[self.stray % STRAY.len()]);
                self.stray += 1;
            }
        }
        self.write_raw(&buf);
    }

    fn write_raw(&self, mut bytes: &[u8]) {
        let chunk = if self.rt.fragment { 3 } else { usize::MAX };
        while !bytes.is_empty() {
            let n = bytes.len().min(chunk);
            if !self.write_all(&bytes[..n]) {
                return;
            }
            bytes = &bytes[n..];
            if self.rt.fragment && !bytes.is_empty() && self.wait(Duration::from_millis(1)) {
                return;
            }
        }
    }

    /// Writes to the link; when its buffer stays full (nobody reads) the rest is dropped, like
    /// a real port's overrun.
    fn write_all(&self, mut bytes: &[u8]) -> bool {
        let deadline = Instant::now() + Duration::from_millis(200);
        while !bytes.is_empty() {
            match rustix::io::write(self.link.fd(), bytes) {
                Ok(n) => bytes = &bytes[n..],
                Err(Errno::INTR) => {}
                Err(Errno::AGAIN) if Instant::now() < deadline => {
                    if self.wait(Duration::from_millis(5)) {
                        return false;
                    }
                }
                Err(e) => {
                    log::debug!("sim {}: output dropped: {e}", self.rt.tty);
                    return false;
                }
            }
        }
        true
    }
}

/// What a Qualcomm/Balong DIAG port sends back to text: an HDLC frame with command 0x13
/// ("bad command") echoing the start of the request, CRC-16/X.25, 0x7e, then NUL padding.
pub(crate) fn diag_frame(request: &[u8]) -> Vec<u8> {
    let mut payload = vec![0x13];
    payload.extend(request.iter().take(16));
    let crc = !payload.iter().fold(0xffffu16, |mut crc, &b| {
        crc ^= u16::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x8408
            } else {
                crc >> 1
            };
        }
        crc
    });
    payload.extend(crc.to_le_bytes());
    let mut out = Vec::with_capacity(payload.len() + 24);
    for b in payload {
        if b == 0x7e || b == 0x7d {
            out.extend([0x7d, b ^ 0x20]);
        } else {
            out.push(b);
        }
    }
    out.push(0x7e);
    out.extend([0u8; 16]);
    out
}
