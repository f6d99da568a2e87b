//! `dongle daemon`: every modem on the host online, unattended.
//!
//! One loop owns the fleet. It scans sysfs at start, then again whenever the
//! kernel sends a uevent (netlink group 1: no udevd needed) and at least every
//! [`TICK`] (sysfs roots without a kernel behind them, lost events). Each USB
//! device that is a modem gets a slot, and each slot at most one worker
//! thread doing the job the device needs now: switch it out of storage mode,
//! or run `dongle up`'s connect-and-supervise loop ([`crate::cmd::up::keep_up`])
//! until told to stop. A device that vanishes has its worker stopped; when it
//! returns it gets a fresh one at once, not after a backoff.
//!
//! The control socket ([`control`]) serves `dongle status`, `up` and `down`.
//! `dongle down` holds a modem down; the set of held modems lives in the run
//! directory, so a restarted daemon resumes as it was. systemd readiness and
//! watchdog through [`notify`]. SIGTERM/SIGINT: every link down, then exit.

pub mod control;
pub mod modem;
pub mod notify;
mod settle;
mod trim;

use crate::cli::{DaemonArgs, Global};
use crate::context::Context;
use crate::failure::{Exit, Failure};
use control::{ModemStatus, Reply, Request};
use dongle_connect::state::{self, run_dir, LinkState};
use dongle_usb::{Sysfs, UsbDevice};
use modem::{Job, Need, Settings, Worker};
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::net::UnixListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Longest time between two scans.
const TICK: Duration = Duration::from_millis(500);
/// How often systemd's STATUS line is brought up to date.
const STATUS_EVERY: Duration = Duration::from_secs(2);
/// How long shutdown waits for links to go down cleanly.
const SHUTDOWN: Duration = Duration::from_secs(20);

/// One USB device the daemon looks after.
struct Slot {
    dev: UsbDevice,
    /// `devnum`: a new number at the same path is a new plug-in.
    devnum: Option<u16>,
    settings: Settings,
    worker: Option<Worker>,
    /// Why the last job ended badly; a failed job is not retried until the
    /// device is replugged or `dongle up` asks.
    failed: Option<modem::JobError>,
    /// Waiting for its ports, and what was found when that took too long.
    settling: settle::Settling,
}

impl Slot {
    fn name(&self) -> String {
        self.worker
            .as_ref()
            .and_then(Worker::resolved)
            .map_or_else(|| self.settings.name.clone(), |s| s.name)
            .unwrap_or_else(|| self.dev.path.clone())
    }

    /// How a log line names the device: its name, with the USB path when
    /// the name is a configured one.
    fn who(&self) -> String {
        let name = self.name();
        if name == self.dev.path {
            name
        } else {
            format!("{name} ({})", self.dev.path)
        }
    }
}

/// The device's ID and product, and the mode it is in: `12d1:1506 HUAWEI_MOBILE, ncm mode`.
fn what(dev: &UsbDevice) -> String {
    let product = dev.product.as_deref().or(dev.manufacturer.as_deref());
    format!(
        "{}{}, {} mode",
        dev.id(),
        product.map(|p| format!(" {p}")).unwrap_or_default(),
        dongle_catalog::personality(dev)
    )
}

/// What the loop and the control socket share.
#[derive(Default)]
struct Fleet {
    slots: BTreeMap<String, Slot>,
    /// Devices (USB paths) `dongle down` took down.
    held: BTreeSet<String>,
    /// Counts slots and workers coming and going: memory to give back.
    churn: u64,
}

fn held_path() -> std::path::PathBuf {
    run_dir().join("daemon-held.json")
}

impl Fleet {
    fn load_held() -> BTreeSet<String> {
        std::fs::read(held_path())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn save_held(&self) {
        let path = held_path();
        let tmp = path.with_extension("json.tmp");
        let ok = serde_json::to_vec(&self.held)
            .map_err(std::io::Error::other)
            .and_then(|b| std::fs::write(&tmp, b))
            .and_then(|()| std::fs::rename(&tmp, &path));
        if let Err(e) = ok {
            log::warn!("cannot save {}: {e}", path.display());
        }
    }

    fn status(&self) -> Vec<ModemStatus> {
        let links: BTreeMap<String, LinkState> = state::all()
            .into_iter()
            .filter(|l| l.pid == std::process::id())
            .map(|l| (l.device.clone(), l))
            .collect();
        self.slots
            .values()
            .map(|s| {
                let link = links.get(&s.dev.path).cloned();
                let need = modem::need(&s.dev);
                let stuck = s.settling.stuck.as_ref();
                let mut summary = None;
                let mut failed_fix = None;
                let (phase, problem) = if self.held.contains(&s.dev.path) {
                    ("held".to_string(), None)
                } else if !s.settings.manage {
                    ("ignored".to_string(), None)
                } else if let Some(f) = &s.failed {
                    summary = Some(f.summary());
                    failed_fix = f.fix.clone();
                    ("failed".to_string(), f.problem.map(str::to_string))
                } else if let Some(l) = &link {
                    (l.state.clone(), l.problem.clone())
                } else {
                    let p = match (need, &s.worker) {
                        (Need::Switch, _) => "switching",
                        (Need::Unsupported, _) => "unsupported",
                        (Need::Settle, _) => "settling",
                        (Need::Connect, _) => "connecting",
                    };
                    (p.to_string(), stuck.and_then(|st| st.problem.clone()))
                };
                let fix = stuck
                    .filter(|_| phase == "settling")
                    .map(|st| st.fix.clone())
                    .or(failed_fix);
                ModemStatus {
                    device: s.dev.path.clone(),
                    name: s.name(),
                    id: s.dev.id(),
                    mode: dongle_catalog::personality(&s.dev).to_string(),
                    phase,
                    problem,
                    summary,
                    fix,
                    link,
                }
            })
            .collect()
    }
}

pub fn run(ctx: &Context, a: &DaemonArgs) -> Result<(), Failure> {
    // Before any of the daemon's threads exist.
    trim::few_arenas();
    let policy = Arc::new(Policy::load(a)?);
    let dir = run_dir();
    std::fs::create_dir_all(&dir).map_err(|e| {
        Failure::new(
            Exit::Permission,
            format!(
                "cannot create the run directory {}: {e} (run as root, or set DONGLE_RUN_DIR)",
                dir.display()
            ),
        )
    })?;
    if let Some(pid) = control::daemon_pid() {
        return Err(Failure::new(
            Exit::Busy,
            format!("a dongle daemon already runs (pid {pid}); stop it first"),
        ));
    }
    let sock = control::socket_path();
    let _ = std::fs::remove_file(&sock);
    let listener = UnixListener::bind(&sock).map_err(|e| {
        Failure::new(
            Exit::Failure,
            format!("cannot listen on {}: {e}", sock.display()),
        )
    })?;
    std::fs::write(control::pid_path(), format!("{}\n", std::process::id()))
        .map_err(|e| Failure::new(Exit::Failure, format!("cannot write the pid file: {e}")))?;

    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register(sig, Arc::clone(&stop));
    }
    let fleet = Arc::new(Mutex::new(Fleet {
        slots: BTreeMap::new(),
        held: Fleet::load_held(),
        churn: 0,
    }));
    serve_control(
        listener,
        Arc::clone(&fleet),
        ctx.global.clone(),
        policy.clone(),
    );

    let notifier = notify::Notifier::from_env();
    let mut events = dongle_usb::uevent::UeventSocket::open()
        .map_err(|e| log::info!("no kernel uevents ({e}); scanning sysfs every {TICK:?}"))
        .ok();
    eprintln!(
        "dongle daemon: watching {} (pid {}, control socket {})",
        ctx.sysfs.root().display(),
        std::process::id(),
        sock.display()
    );
    let mut seen = Seen::default();
    scan(
        &ctx.sysfs,
        &ctx.global,
        &policy,
        &mut lock(&fleet),
        &mut seen,
        true,
    );
    // After the first scan, so the first scrape already lists the modems.
    let metrics = match start_metrics(&policy, &fleet, ctx.sysfs.root()) {
        Ok(m) => m,
        Err(f) => {
            shutdown(&mut lock(&fleet));
            let _ = std::fs::remove_file(&sock);
            let _ = std::fs::remove_file(control::pid_path());
            return Err(f);
        }
    };
    notifier.send("READY=1");
    let mut last_ping = Instant::now();
    let mut last_summary = String::new();
    let mut last_status = Instant::now();
    let mut trim = trim::AfterChurn::default();
    while !stop.load(Ordering::SeqCst) {
        let event = wait_for_change(events.as_mut());
        let churn = {
            let mut f = lock(&fleet);
            scan(&ctx.sysfs, &ctx.global, &policy, &mut f, &mut seen, event);
            f.churn
        };
        trim.after(churn);
        if let Some(every) = notifier.ping_every() {
            if last_ping.elapsed() >= every {
                notifier.send("WATCHDOG=1");
                last_ping = Instant::now();
            }
        }
        if last_status.elapsed() < STATUS_EVERY {
            continue;
        }
        last_status = Instant::now();
        let summary = summary(&lock(&fleet));
        if summary != last_summary {
            // Links came or went: the work that brought them up has been freed.
            trim::release_free_memory();
            notifier.send(&format!("STATUS={summary}"));
            last_summary = summary;
        }
    }
    notifier.send("STOPPING=1");
    eprintln!("dongle daemon: stopping; taking every link down");
    shutdown(&mut lock(&fleet));
    if let Some(m) = metrics {
        m.stop();
    }
    let _ = std::fs::remove_file(&sock);
    let _ = std::fs::remove_file(control::pid_path());
    Ok(())
}

/// `[metrics]`: the Prometheus endpoint and/or the textfile, when configured.
fn start_metrics(
    policy: &Policy,
    fleet: &Arc<Mutex<Fleet>>,
    sysfs_root: &std::path::Path,
) -> Result<Option<crate::metrics::Outputs>, Failure> {
    let m = &policy.config.metrics;
    if m.listen.is_none() && m.textfile.is_none() {
        return Ok(None);
    }
    let fleet = Arc::clone(fleet);
    let root = sysfs_root.to_path_buf();
    let source: crate::metrics::Source = Arc::new(move || metrics_of(&lock(&fleet), &root));
    let out = crate::metrics::Outputs::start(
        m.listen,
        m.textfile.clone(),
        Duration::from_secs(m.interval_s.max(1)),
        source,
    )
    .map_err(|e| {
        Failure::new(
            Exit::Failure,
            format!("{e} (in {})", policy.config.path.display()),
        )
    })?;
    if let Some(a) = out.local_addr() {
        eprintln!("dongle daemon: metrics on http://{a}/metrics");
    }
    if let Some(t) = &m.textfile {
        eprintln!(
            "dongle daemon: metrics written to {} every {} s",
            t.display(),
            m.interval_s
        );
    }
    Ok(Some(out))
}

/// One snapshot per modem for the metrics: what `dongle status` shows.
fn metrics_of(f: &Fleet, sysfs_root: &std::path::Path) -> Vec<crate::metrics::ModemMetrics> {
    let now = crate::cmd::up_steps::now().unwrap_or(0);
    f.status()
        .into_iter()
        .map(|s| {
            let mut m = crate::metrics::ModemMetrics {
                name: s.name.clone(),
                device: s.device.clone(),
                link: match s.phase.as_str() {
                    "up" | "connecting" | "waiting" => s.phase.clone(),
                    _ => "down".into(),
                },
                ..Default::default()
            };
            if let Some(l) = &s.link {
                crate::metrics::from_link(&mut m, l, now);
                if let Some(r) = &l.radio {
                    crate::metrics::from_radio(&mut m, r);
                }
                if let Some(i) = &l.interface {
                    (m.rx_bytes, m.tx_bytes) = crate::metrics::interface_bytes(sysfs_root, i);
                }
            }
            m
        })
        .collect()
}

fn lock(f: &Mutex<Fleet>) -> MutexGuard<'_, Fleet> {
    // A panicked holder leaves consistent data (every update is one field).
    f.lock().unwrap_or_else(|p| p.into_inner())
}

fn summary(f: &Fleet) -> String {
    let up = state::all()
        .iter()
        .filter(|l| l.pid == std::process::id() && l.state == "up")
        .count();
    format!("{} modems, {} online", f.slots.len(), up)
}

/// Until the kernel reports a change, or [`TICK`] passes; `true` on a
/// change. A change comes as a burst (device, interfaces, ttys): drain it.
fn wait_for_change(events: Option<&mut dongle_usb::uevent::UeventSocket>) -> bool {
    let Some(sock) = events else {
        std::thread::sleep(TICK);
        return false;
    };
    match sock.recv(TICK) {
        Ok(Some(_)) => {
            let settle = Instant::now() + Duration::from_millis(100);
            while Instant::now() < settle {
                if !matches!(sock.recv(Duration::from_millis(20)), Ok(Some(_))) {
                    break;
                }
            }
            true
        }
        Ok(None) => false,
        // Overflow or error: a full scan catches up.
        Err(_) => {
            std::thread::sleep(Duration::from_millis(50));
            true
        }
    }
}

/// What the last full scan saw: each USB device's name and `devnum`.
type Seen = BTreeMap<String, Option<String>>;

/// The modems present now. Reading every attribute of every device twice a
/// second costs a fleet host more than everything else the daemon does, so a
/// full read happens only when the kernel sent an event or the set of
/// devices (names, device numbers) changed; otherwise only the devices
/// whose ports are still binding are read again.
fn present(
    sysfs: &Sysfs,
    fleet: &Fleet,
    seen: &mut Seen,
    event: bool,
) -> Option<BTreeMap<String, UsbDevice>> {
    let names = match sysfs.device_names() {
        Ok(n) => n,
        Err(e) => {
            log::warn!("cannot read {}: {e}", sysfs.root().display());
            return None;
        }
    };
    let now: Seen = names
        .into_iter()
        .map(|n| {
            let devnum = std::fs::read_to_string(sysfs.device_dir(&n).join("devnum")).ok();
            (n, devnum)
        })
        .collect();
    // A slot whose device re-enumerated at the same path while its worker
    // was still letting go (a stick switching out of storage mode, during
    // the switch job) still holds the old device, and `now == seen` from
    // then on: only a full read brings in the new one.
    let stale = fleet.slots.values().any(|s| {
        now.get(&s.dev.path).is_some_and(|d| {
            d.as_deref().and_then(|d| d.trim().parse::<u16>().ok()) != s.dev.devnum
        })
    });
    let full = event || stale || now != *seen;
    *seen = now;
    let devices = if full {
        sysfs.devices().ok()?
    } else {
        // Slots of devices already gone stay until their worker lets go;
        // they are not present.
        fleet
            .slots
            .values()
            .filter(|s| seen.contains_key(&s.dev.path))
            .filter_map(|s| match modem::need(&s.dev) {
                Need::Settle => sysfs.device(&s.dev.path).ok(),
                _ => Some(s.dev.clone()),
            })
            .collect()
    };
    Some(
        devices
            .into_iter()
            .filter(modem::is_modem)
            .map(|d| (d.path.clone(), d))
            .collect(),
    )
}

/// Bring the slots in line with what sysfs shows now.
fn scan(
    sysfs: &Sysfs,
    global: &Global,
    policy: &Arc<Policy>,
    fleet: &mut Fleet,
    seen: &mut Seen,
    event: bool,
) {
    let Some(present) = present(sysfs, fleet, seen, event) else {
        return;
    };
    // Gone, or replugged (a new device number at the same path).
    let gone: Vec<String> = fleet
        .slots
        .iter()
        .filter(|(path, s)| present.get(*path).is_none_or(|d| d.devnum != s.devnum))
        .map(|(p, _)| p.clone())
        .collect();
    for path in gone {
        if let Some(slot) = fleet.slots.get_mut(&path) {
            if let Some(w) = &slot.worker {
                if !w.stopping() {
                    eprintln!("dongle daemon: {} is gone ({})", slot.who(), slot.dev.id());
                    w.stop();
                }
            }
            if slot.worker.as_ref().is_some_and(|w| !w.finished()) {
                continue; // its worker is still letting go; next scan
            }
            fleet.slots.remove(&path);
            fleet.churn += 1;
            // A replugged stick starts afresh (a switched one comes back as
            // a new device too): `dongle down` lasts until then.
            if fleet.held.remove(&path) {
                fleet.save_held();
            }
        }
    }
    for (path, dev) in present {
        if !fleet.slots.contains_key(&path) {
            fleet.churn += 1;
        }
        let slot = fleet.slots.entry(path.clone()).or_insert_with(|| {
            let slot = Slot {
                devnum: dev.devnum,
                dev: dev.clone(),
                settings: policy.for_device(&dev),
                worker: None,
                failed: None,
                settling: settle::Settling::default(),
            };
            eprintln!(
                "dongle daemon: {}: {}{}",
                slot.who(),
                what(&dev),
                if slot.settings.manage {
                    ""
                } else {
                    "; not managed (config)"
                }
            );
            slot
        });
        reap(slot);
        if slot.worker.as_ref().is_some_and(Worker::stopping) {
            continue; // still letting go (`down`, or vanished and back already)
        }
        slot.dev = dev;
        let held = fleet.held.contains(&path);
        step(slot, held, global, policy);
        watch_settling(slot, global, sysfs);
    }
}

/// One line when a modem's ports have not come within the limit (with the
/// doctor's diagnosis, and option given the ID when it is loaded), and one
/// when they come after all.
fn watch_settling(slot: &mut Slot, global: &Global, sysfs: &Sysfs) {
    let waiting = slot.settings.manage && modem::need(&slot.dev) == Need::Settle;
    match slot.settling.update(waiting, &slot.dev, global) {
        None => {}
        Some(settle::Change::Stuck(st)) => eprintln!(
            "dongle daemon: {}: no ports after {} s: {}{} (fix: {}){}",
            slot.who(),
            settle::SETTLE_LIMIT.as_secs(),
            st.summary,
            st.problem
                .as_deref()
                .map(|p| format!(" [{p}]"))
                .unwrap_or_default(),
            st.fix,
            settle::give_option_the_id(&slot.dev, sysfs)
        ),
        Some(settle::Change::Bound) => {
            let ports: Vec<String> = slot.dev.ttys().into_iter().map(|(_, t)| t).collect();
            let nets: Vec<String> = slot.dev.net().into_iter().map(|(_, n)| n).collect();
            eprintln!(
                "dongle daemon: {}: driver bound ({}); going on",
                slot.who(),
                [ports, nets].concat().join(", ")
            );
        }
    }
}

/// Collect a finished worker's result.
fn reap(slot: &mut Slot) {
    let Some(w) = &mut slot.worker else { return };
    let Some(result) = w.take_result() else {
        return;
    };
    if let Some(s) = w.resolved() {
        slot.settings = s;
    }
    let was_switch = matches!(w.job, Job::Switch);
    let stopped = w.stopping();
    slot.worker = None;
    match result {
        Ok(()) => {}
        Err(e) if !stopped => {
            // The switch's own error says it is about the switch.
            eprintln!(
                "dongle daemon: {}: {}{}",
                slot.who(),
                if was_switch { "" } else { "connect failed: " },
                e.message
            );
            slot.failed = Some(e);
        }
        Err(_) => {}
    }
}

/// Start or stop the slot's worker for what the device needs now.
fn step(slot: &mut Slot, held: bool, global: &Global, policy: &Arc<Policy>) {
    let need = modem::need(&slot.dev);
    let wanted = match need {
        Need::Switch if slot.settings.switch && slot.settings.manage => Some(Job::Switch),
        Need::Connect if slot.settings.manage && !held => Some(Job::Connect),
        _ => None,
    };
    match (&slot.worker, wanted) {
        (Some(w), None) => {
            if !w.stopping() {
                w.stop();
            }
        }
        (Some(w), Some(job)) if !same_job(&w.job, &job) => w.stop(),
        (Some(_), Some(_)) => {}
        (None, Some(job)) if slot.failed.is_none() => {
            log::info!("{}: starting {:?}", slot.name(), need);
            slot.worker = Some(Worker::start(
                job,
                global,
                &slot.dev,
                &slot.settings,
                Arc::clone(policy),
            ));
        }
        (None, _) => {}
    }
}

fn same_job(a: &Job, b: &Job) -> bool {
    matches!(
        (a, b),
        (Job::Switch, Job::Switch) | (Job::Connect, Job::Connect)
    )
}

/// Every worker stopped (links down: pppd terminated, NDIS disconnected,
/// HiLink data off), waiting at most [`SHUTDOWN`].
fn shutdown(fleet: &mut Fleet) {
    for s in fleet.slots.values() {
        if let Some(w) = &s.worker {
            w.stop();
        }
    }
    let deadline = Instant::now() + SHUTDOWN;
    while Instant::now() < deadline
        && fleet
            .slots
            .values()
            .any(|s| s.worker.as_ref().is_some_and(|w| !w.finished()))
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    for s in fleet.slots.values_mut() {
        reap(s);
        if s.worker.is_some() {
            eprintln!(
                "dongle daemon: {} did not stop within {} s",
                s.name(),
                SHUTDOWN.as_secs()
            );
        }
    }
}

/// Answer control requests, one thread, one request per connection.
/// At most this many control requests at once; more are refused at once.
const CONTROL_CLIENTS: usize = 8;

fn serve_control(
    listener: UnixListener,
    fleet: Arc<Mutex<Fleet>>,
    global: Global,
    policy: Arc<Policy>,
) {
    let busy = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let spawned = std::thread::Builder::new()
        .name("control".into())
        .spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                // One thread per request: a `down` that waits for a link to
                // end, or a client that sends nothing, must not hold up a
                // `status` behind it.
                if busy.fetch_add(1, Ordering::SeqCst) >= CONTROL_CLIENTS {
                    busy.fetch_sub(1, Ordering::SeqCst);
                    control::write_reply(
                        &conn,
                        &refused("too many control requests at once; retry"),
                    );
                    continue;
                }
                let (fleet, global, policy, done) = (
                    Arc::clone(&fleet),
                    global.clone(),
                    Arc::clone(&policy),
                    Arc::clone(&busy),
                );
                let started = std::thread::Builder::new()
                    .name("control request".into())
                    .spawn(move || {
                        let reply = match control::read_request(&conn) {
                            Ok(req) => handle(&req, &fleet, &global, &policy),
                            Err(e) => refused(&e),
                        };
                        control::write_reply(&conn, &reply);
                        done.fetch_sub(1, Ordering::SeqCst);
                    });
                if let Err(e) = started {
                    busy.fetch_sub(1, Ordering::SeqCst);
                    log::warn!("control request dropped: {e}");
                }
            }
        });
    if let Err(e) = spawned {
        log::warn!("no control socket thread: {e}");
    }
}

fn refused(why: &str) -> Reply {
    Reply {
        ok: false,
        error: Some(why.to_string()),
        modems: Vec::new(),
    }
}

fn handle(req: &Request, fleet: &Mutex<Fleet>, global: &Global, policy: &Arc<Policy>) -> Reply {
    let (device, up) = match req {
        Request::Status => {
            return Reply {
                ok: true,
                error: None,
                modems: lock(fleet).status(),
            }
        }
        Request::Up { device } => (device, true),
        Request::Down { device } => (device, false),
    };
    let mut f = lock(fleet);
    let targets: Vec<String> = f
        .slots
        .values()
        .filter(|s| device.as_deref().is_none_or(|d| matches(s, d)))
        .map(|s| s.dev.path.clone())
        .collect();
    if targets.is_empty() {
        let known: Vec<String> = f.slots.values().map(Slot::name).collect();
        return Reply {
            ok: false,
            error: Some(format!(
                "the daemon manages no modem {}(it has: {})",
                device
                    .as_deref()
                    .map(|d| format!("\"{d}\" "))
                    .unwrap_or_default(),
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )),
            modems: Vec::new(),
        };
    }
    for path in &targets {
        if up {
            f.held.remove(path);
        } else {
            f.held.insert(path.clone());
        }
        if let Some(s) = f.slots.get_mut(path) {
            reap(s);
            s.failed = None;
            eprintln!(
                "dongle daemon: {}: {} (asked over the control socket)",
                s.name(),
                if up { "up" } else { "down, held" }
            );
            let held = !up;
            step(s, held, global, policy);
        }
    }
    f.save_held();
    if !up {
        // Reply once the links are really down, so `dongle down` can say so.
        drop(f);
        let deadline = Instant::now() + SHUTDOWN;
        while Instant::now() < deadline {
            let f = lock(fleet);
            let busy = targets.iter().any(|p| {
                f.slots
                    .get(p)
                    .and_then(|s| s.worker.as_ref())
                    .is_some_and(|w| !w.finished())
            });
            if !busy {
                break;
            }
            drop(f);
            std::thread::sleep(Duration::from_millis(50));
        }
        f = lock(fleet);
    }
    let modems = f
        .status()
        .into_iter()
        .filter(|m| targets.contains(&m.device))
        .collect();
    Reply {
        ok: true,
        error: None,
        modems,
    }
}

fn matches(s: &Slot, d: &str) -> bool {
    s.dev.path == d || s.name() == d || s.dev.id() == d
}

/// What the configuration file says, resolved for the daemon.
#[derive(Clone, Debug)]
pub struct Policy {
    config: crate::config::Config,
}

impl Policy {
    fn load(a: &DaemonArgs) -> Result<Policy, Failure> {
        let path = crate::config::config_path(a.config.as_deref());
        let config = crate::config::Config::load(&path)
            .map_err(|e| Failure::new(Exit::Usage, e.to_string()))?;
        eprintln!(
            "dongle daemon: configuration {}{}",
            path.display(),
            if config.exists {
                format!(" ({} modem sections)", config.modems.len())
            } else {
                " (not there: defaults)".to_string()
            }
        );
        Ok(Policy { config })
    }

    /// Whether some `[[modem]]` section can only be matched after reading
    /// the modem's IMEI or SIM (ICCID) over AT.
    pub fn needs_identity(&self) -> bool {
        self.config
            .modems
            .iter()
            .any(|m| m.matcher.imei.is_some() || m.matcher.iccid.is_some())
    }

    pub fn settings_for(&self, ident: &crate::config::ModemIdent) -> Settings {
        let (name, s) = self.config.settings_for(ident);
        let (manage, switch, roaming) = (s.manages(), s.switches(), s.allows_roaming());
        Settings {
            name: name.map(String::from),
            manage,
            switch,
            via: s.via.map(|v| v.as_str().to_string()),
            apn: s.apn,
            user: s.user,
            password_file: s.password_file,
            pin_file: s.pin_file,
            roaming,
            default_route: true,
            route_metric: s.route_metric,
        }
    }

    fn for_device(&self, dev: &UsbDevice) -> Settings {
        self.settings_for(&crate::config::ModemIdent {
            usb_path: Some(dev.path.clone()),
            id: Some(dev.id()),
            imei: None,
            iccid: None,
        })
    }
}
