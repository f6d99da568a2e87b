//! `dongle doctor --live`: gather what the running system says about its modems and turn each
//! piece into lines the doctor's rules already understand.
//!
//! Evidence, in the order it is fed (the doctor treats later device facts as the end state):
//! the kernel log (/dev/kmsg, else `dmesg`, else `journalctl -k -b`), recent pppd/chat lines
//! (`journalctl -t pppd -t chat`, else syslog), the sysfs model (devices, interfaces, drivers,
//! ttys, netdevs), the kernel modules the unbound interfaces need (/proc/modules,
//! /lib/modules/RELEASE), programs that compete for modems (ModemManager, pppd, gpsd…), the
//! installed tools (ModemManager, usb_modeswitch, usb-modeswitch-data) and their versions, the
//! programs holding each modem port, and a quick AT probe of the free ports with the SIM and
//! registration state from the first one that answers.
//!
//! Host-wide sources (kernel log, modules, processes, tools, pppd) describe the running
//! system only: with `--sysfs ROOT` or `--sim` they are skipped (and listed as not read), so
//! the diagnosis of a fake tree never mixes in the host's unrelated state. Ports and holders
//! are read from the given dev root in every case.
//!
//! Every outside program runs through [`run`]: no stdin, a time limit, bounded output; a
//! missing program is a note, not an error.

use dongle_at::probe::{probe_ports, Answer, ProbeOptions};
use dongle_at::session::AtSession;
use dongle_at::tty::{holders_of, OpenOptions, SerialPort};
use dongle_doctor::Doctor;
use dongle_usb::{Sysfs, UsbDevice};
use serde::Serialize;
use std::collections::BTreeSet;
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Where to look.
pub struct Live<'a> {
    pub sysfs: &'a Sysfs,
    /// Where the ports are (`/dev`, or a simulator's dev root).
    pub dev_root: &'a Path,
    /// The running system's own state, when the device tree is the running system's.
    pub host: Option<Host>,
    /// The AT probe's time per port.
    pub probe: ProbeOptions,
}

/// The running system's roots (tests point them at a fake tree).
pub struct Host {
    /// `/proc`: modules, processes.
    pub proc_root: PathBuf,
    /// `/lib/modules`: which drivers the kernel has.
    pub lib_modules: PathBuf,
}

impl Default for Host {
    fn default() -> Host {
        Host {
            proc_root: "/proc".into(),
            lib_modules: "/lib/modules".into(),
        }
    }
}

/// One source of evidence and what came of reading it (`"sources"` in `--json`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Source {
    /// What was looked at: `kernel log`, `usb devices`, `modules`, `processes`, `tools`,
    /// `pppd log`, `port holders`, `at probe`.
    pub source: &'static str,
    /// Whether it could be read.
    pub read: bool,
    /// What was found, or why it could not be read.
    pub detail: String,
}

/// Time limits for outside programs: a wedged journal or a hung `--version` must not hold
/// the diagnosis up.
const LOG_TIMEOUT: Duration = Duration::from_secs(4);
const VERSION_TIMEOUT: Duration = Duration::from_secs(2);
/// The kernel ring buffer is a few MB at most; a journal can be far larger.
const LOG_LIMIT: usize = 32 * 1024 * 1024;

/// Feed everything found to `doctor`; return what was (and was not) read, and notes for
/// what the user can do about a source that could not be read.
pub fn gather(live: &Live, doctor: &mut Doctor) -> (Vec<Source>, Vec<String>) {
    let mut g = Gathered::default();
    match &live.host {
        Some(_) => {
            kernel_log(doctor, &mut g);
            pppd_log(doctor, &mut g);
        }
        None => g.skip(
            "kernel log",
            "the device tree is a --sysfs/--sim tree, not this kernel's",
        ),
    }
    let (devices, read) = match live.sysfs.devices() {
        Ok(d) => (d, true),
        Err(e) => {
            g.fail(
                "usb devices",
                e.to_string(),
                Some(format!("the USB devices could not be read: {e}")),
            );
            (Vec::new(), false)
        }
    };
    let modems: Vec<&UsbDevice> = devices.iter().filter(|d| is_modem(d)).collect();
    if read {
        g.ok(
            "usb devices",
            describe_devices(live.sysfs.root(), &devices, &modems),
        );
    }
    for d in &devices {
        doctor.feed_device(d);
    }
    match &live.host {
        Some(h) => {
            modules(h, &modems, doctor, &mut g);
            processes(h, doctor, &mut g);
            tools(&modems, doctor, &mut g);
        }
        None => {
            for s in ["modules", "processes", "tools", "pppd log"] {
                g.skip(s, "they describe this host, not the --sysfs/--sim tree");
            }
        }
    }
    let ports = holders(live, &modems, doctor, &mut g);
    at_probe(&ports, &live.probe, doctor, &mut g);
    (g.sources, g.notes)
}

#[derive(Default)]
struct Gathered {
    sources: Vec<Source>,
    notes: Vec<String>,
}

impl Gathered {
    fn ok(&mut self, source: &'static str, detail: String) {
        self.sources.push(Source {
            source,
            read: true,
            detail,
        });
    }
    /// Could not be read: a source entry, and a note (what to do) when the user can act.
    fn fail(&mut self, source: &'static str, why: String, note: Option<String>) {
        if let Some(n) = note {
            self.notes.push(n);
        }
        self.sources.push(Source {
            source,
            read: false,
            detail: why,
        });
    }
    /// Not applicable here: a source entry only.
    fn skip(&mut self, source: &'static str, why: &str) {
        self.sources.push(Source {
            source,
            read: false,
            detail: why.to_string(),
        });
    }
}

/// A device worth diagnosing (and probing): a known modem, one bound to a modem driver, or
/// one whose interfaces a port-role rule recognises. An FTDI adapter or a flash drive is not
/// sent AT commands.
fn is_modem(d: &UsbDevice) -> bool {
    const DRIVERS: &[&str] = &[
        "option",
        "qcserial",
        "sierra",
        "huawei_cdc_ncm",
        "cdc_ncm",
        "cdc_mbim",
        "qmi_wwan",
    ];
    dongle_catalog::lookup(d.vid, d.pid).is_some()
        || d.interfaces.iter().any(|i| {
            i.driver.as_deref().is_some_and(|x| DRIVERS.contains(&x))
                || dongle_catalog::descriptor_rule(d.vid, i).is_some()
        })
}

fn describe_devices(root: &Path, all: &[UsbDevice], modems: &[&UsbDevice]) -> String {
    let mut s = format!("{} USB devices under {}", all.len(), root.display());
    for d in modems {
        let drivers: BTreeSet<&str> = d
            .interfaces
            .iter()
            .filter_map(|i| i.driver.as_deref())
            .collect();
        let ports: Vec<&str> = d
            .interfaces
            .iter()
            .flat_map(|i| i.ttys.iter().chain(i.net.iter()))
            .map(String::as_str)
            .collect();
        let unbound = d.interfaces.iter().filter(|i| i.driver.is_none()).count();
        s.push_str(&format!(
            "; modem {:04x}:{:04x} at {}: drivers {}, ports {}, {} of {} interfaces without a driver",
            d.vid,
            d.pid,
            d.path,
            join_or(drivers.into_iter(), "none"),
            join_or(ports.into_iter(), "none"),
            unbound,
            d.interfaces.len()
        ));
    }
    if modems.is_empty() {
        s.push_str("; no modem among them");
    }
    s
}

fn join_or<'a>(it: impl Iterator<Item = &'a str>, none: &str) -> String {
    let v: Vec<&str> = it.collect();
    if v.is_empty() {
        none.to_string()
    } else {
        v.join(",")
    }
}

// ------------------------------------------------------------------ outside programs

/// How an outside program ended.
#[derive(Debug, PartialEq)]
pub enum Ran {
    /// It ran to the end (or filled the output limit); `ok` is its exit status.
    Done { ok: bool, out: Vec<u8>, err: String },
    /// Not installed (not on PATH).
    NotFound,
    /// Killed after the time limit; what it printed until then.
    TimedOut { out: Vec<u8> },
    /// It could not be started.
    Failed(String),
}

/// Run `program args…` with no stdin, `LC_ALL=C`, no pager, at most `limit` bytes of output
/// and `timeout` of time; the child is killed when the time is up.
pub fn run(program: &str, args: &[&str], timeout: Duration, limit: usize) -> Ran {
    let child = Command::new(program)
        .args(args)
        .env("LC_ALL", "C")
        .env("SYSTEMD_PAGER", "")
        .env("PAGER", "cat")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ran::NotFound,
        Err(e) => return Ran::Failed(format!("{program}: {e}")),
    };
    // Readers on their own threads, so a chatty child never blocks on a full pipe while we
    // wait for it; dropping the pipe after `limit` bytes ends a child that prints forever.
    let (tx, rx) = mpsc::channel();
    if let Some(out) = child.stdout.take() {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = out.take(limit as u64).read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
    }
    let (etx, erx) = mpsc::channel();
    if let Some(err) = child.stderr.take() {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = err.take(4096).read_to_end(&mut buf);
            let _ = etx.send(buf);
        });
    }
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) => {}
            Err(e) => return Ran::Failed(format!("{program}: {e}")),
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            let out = rx
                .recv_timeout(Duration::from_millis(200))
                .unwrap_or_default();
            return Ran::TimedOut { out };
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // The child is gone; its pipes close unless a grandchild kept them: wait a little only.
    let out = rx
        .recv_timeout(Duration::from_millis(500))
        .unwrap_or_default();
    let err = erx
        .recv_timeout(Duration::from_millis(100))
        .unwrap_or_default();
    Ran::Done {
        ok: status.success(),
        out,
        err: String::from_utf8_lossy(&err).trim().to_string(),
    }
}

/// A one-phrase account of a program that gave nothing usable.
fn why_not(program: &str, r: &Ran) -> String {
    match r {
        Ran::NotFound => format!("{program}: not installed"),
        Ran::TimedOut { .. } => format!("{program}: no answer in time, stopped"),
        Ran::Failed(e) => e.clone(),
        Ran::Done { ok: false, err, .. } if !err.is_empty() => {
            format!("{program}: {}", err.lines().next().unwrap_or(""))
        }
        Ran::Done { ok: false, .. } => format!("{program}: failed"),
        Ran::Done { .. } => format!("{program}: printed nothing"),
    }
}

/// The output when a program ran and printed something (a timed-out journal's partial
/// output counts: it is still evidence).
fn output_of(r: &Ran) -> Option<&[u8]> {
    match r {
        Ran::Done { ok: true, out, .. } | Ran::TimedOut { out } if !out.is_empty() => {
            Some(out.as_slice())
        }
        _ => None,
    }
}

// ------------------------------------------------------------------ logs

/// The kernel log: /dev/kmsg (everything still buffered), else `dmesg`, else the journal.
fn kernel_log(doctor: &mut Doctor, g: &mut Gathered) {
    let tries: [(&str, &[&str]); 2] = [
        ("dmesg", &[]),
        (
            "journalctl",
            &["-k", "-b", "--no-pager", "-q", "-o", "short-monotonic"],
        ),
    ];
    kernel_log_from(Path::new("/dev/kmsg"), &tries, doctor, g);
}

/// The first of `kmsg`, then each program in `tries`, that gives any line.
fn kernel_log_from(kmsg: &Path, tries: &[(&str, &[&str])], doctor: &mut Doctor, g: &mut Gathered) {
    let before = doctor.lines();
    let kmsg_err = match read_kmsg(kmsg, doctor) {
        Ok(n) if n > 0 => {
            g.ok("kernel log", format!("{}: {n} records", kmsg.display()));
            return;
        }
        Ok(_) => format!("{}: empty", kmsg.display()),
        Err(e) => format!("{}: {e}", kmsg.display()),
    };
    let mut why = vec![kmsg_err];
    for &(prog, args) in tries {
        let r = run(prog, args, LOG_TIMEOUT, LOG_LIMIT);
        if let Some(out) = output_of(&r) {
            let _ = doctor.feed_reader(out);
            let n = doctor.lines() - before;
            let cut = if matches!(r, Ran::TimedOut { .. }) {
                " (stopped at the time limit: partial)"
            } else {
                ""
            };
            g.ok(
                "kernel log",
                format!("`{prog} {}`: {n} lines{cut}", args.join(" ")),
            );
            return;
        }
        why.push(why_not(prog, &r));
    }
    let why = why.join("; ");
    let note = format!(
        "the kernel log could not be read ({why}): run as root (`sudo dongle doctor --live`), or add `sudo dmesg` output with --file"
    );
    g.fail("kernel log", why, Some(note));
}

/// Every record in /dev/kmsg, without waiting for new ones; the number of records.
fn read_kmsg(path: &Path, doctor: &mut Doctor) -> io::Result<u64> {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let mut buf = vec![0u8; 16 * 1024];
    let mut n = 0;
    // Bounded: the ring buffer holds at most a few MB of records.
    for _ in 0..1_000_000 {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(len) => {
                let rec = String::from_utf8_lossy(buf.get(..len).unwrap_or(&[]));
                // Continuation lines (" SUBSYSTEM=usb", " DEVICE=…") carry no message.
                if let Some(first) = rec.lines().next() {
                    doctor.feed_line(first);
                    n += 1;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            // EPIPE: records were overwritten while reading; go on with the next.
            Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Recent pppd and chat lines of this boot: the journal, else the tail of syslog. Optional.
fn pppd_log(doctor: &mut Doctor, g: &mut Gathered) {
    let args = [
        "-b",
        "--no-pager",
        "-q",
        "-o",
        "short-monotonic",
        "-t",
        "pppd",
        "-t",
        "chat",
        "-n",
        "400",
    ];
    let r = run("journalctl", &args, LOG_TIMEOUT, 1024 * 1024);
    if let Some(out) = output_of(&r) {
        let before = doctor.lines();
        let _ = doctor.feed_reader(out);
        g.ok(
            "pppd log",
            format!(
                "`journalctl -t pppd -t chat`: {} lines",
                doctor.lines() - before
            ),
        );
        return;
    }
    let mut why = vec![why_not("journalctl", &r)];
    for f in ["/var/log/syslog", "/var/log/messages"] {
        match tail_matching(Path::new(f), 4 * 1024 * 1024, &[" pppd[", " chat["], 400) {
            Ok(lines) => {
                for l in &lines {
                    doctor.feed_line(l);
                }
                g.ok("pppd log", format!("{f}: {} pppd/chat lines", lines.len()));
                return;
            }
            Err(e) => why.push(format!("{f}: {e}")),
        }
    }
    // Optional evidence: no note, many systems have no pppd at all.
    g.sources.push(Source {
        source: "pppd log",
        read: false,
        detail: why.join("; "),
    });
}

/// The last `keep` lines containing one of `words` in the last `window` bytes of `path`.
fn tail_matching(path: &Path, window: u64, words: &[&str], keep: usize) -> io::Result<Vec<String>> {
    use std::io::{Seek, SeekFrom};
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(window)))?;
    let mut buf = Vec::new();
    f.take(window).read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf);
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| words.iter().any(|w| l.contains(w)))
        .map(str::to_string)
        .collect();
    let cut = lines.len().saturating_sub(keep);
    lines.drain(..cut);
    Ok(lines)
}

// ------------------------------------------------------------------ modules

/// What the running kernel has: loaded modules, built-ins, and the modules installed for it.
#[derive(Debug, Default)]
pub struct Modules {
    pub release: String,
    pub loaded: BTreeSet<String>,
    pub builtin: BTreeSet<String>,
    /// `None` when /lib/modules/RELEASE could not be read: availability unknown.
    pub installed: Option<BTreeSet<String>>,
}

/// A module name as the kernel lists it: `usb-storage` and `usb_storage` are one module.
fn module_name(path_or_name: &str) -> String {
    let base = path_or_name.rsplit('/').next().unwrap_or(path_or_name);
    let base = base.split(".ko").next().unwrap_or(base);
    base.replace('-', "_")
}

/// `/proc/modules`: `option 61440 1 - Live 0x0000000000000000` (name first).
pub fn parse_proc_modules(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(module_name)
        .collect()
}

/// `modules.dep` (`kernel/drivers/usb/serial/option.ko.zst: kernel/…/usb_wwan.ko.zst …`) or
/// `modules.builtin` (`kernel/drivers/usb/serial/usbserial.ko`): the module names.
pub fn parse_module_list(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.split(':').next())
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(module_name)
        .collect()
}

impl Modules {
    pub fn read(h: &Host) -> io::Result<Modules> {
        let loaded = parse_proc_modules(&std::fs::read_to_string(h.proc_root.join("modules"))?);
        let release = std::fs::read_to_string(h.proc_root.join("sys/kernel/osrelease"))
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        let dir = h.lib_modules.join(&release);
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok();
        let builtin = read("modules.builtin")
            .map(|t| parse_module_list(&t))
            .unwrap_or_default();
        let installed = if release.is_empty() {
            None
        } else {
            read("modules.dep").map(|t| parse_module_list(&t))
        };
        Ok(Modules {
            release,
            loaded,
            builtin,
            installed,
        })
    }

    fn has(&self, m: &str) -> bool {
        self.loaded.contains(m)
            || self.builtin.contains(m)
            || self.installed.as_ref().is_some_and(|i| i.contains(m))
    }

    /// Definitely absent: not loaded, not built in, and not installed for this kernel.
    fn missing(&self, m: &str) -> bool {
        self.installed.is_some() && !self.has(m)
    }
}

/// The modules the doctor cares about, in the order shown.
const WATCHED: &[&str] = &[
    "option",
    "usb_wwan",
    "usbserial",
    "cdc_ncm",
    "huawei_cdc_ncm",
    "cdc_ether",
    "cdc_mbim",
    "qmi_wwan",
    "usb_storage",
];

/// The driver an interface without one needs, by its class (None: nothing to say).
fn needed_driver(vid: u16, class: u8, sub: u8) -> Option<&'static str> {
    match (class, sub) {
        (0xff, _) => Some("option"),
        (0x02, 0x0d) if vid == 0x12d1 => Some("huawei_cdc_ncm"),
        (0x02, 0x0d) => Some("cdc_ncm"),
        (0x02, 0x06) => Some("cdc_ether"),
        (0x02, 0x0e) => Some("cdc_mbim"),
        _ => None,
    }
}

fn modules(h: &Host, modems: &[&UsbDevice], doctor: &mut Doctor, g: &mut Gathered) {
    let m = match Modules::read(h) {
        Ok(m) => m,
        Err(e) => {
            g.fail(
                "modules",
                format!("{}: {e}", h.proc_root.join("modules").display()),
                None,
            );
            return;
        }
    };
    feed_modules(&m, modems, doctor);
    let state = |x: &str| -> &'static str {
        if m.loaded.contains(x) {
            "loaded"
        } else if m.builtin.contains(x) {
            "built in"
        } else if m.installed.as_ref().is_some_and(|i| i.contains(x)) {
            "installed, not loaded"
        } else if m.installed.is_some() {
            "not installed"
        } else {
            "not loaded"
        }
    };
    let list: Vec<String> = WATCHED
        .iter()
        .map(|x| format!("{x} {}", state(x)))
        .collect();
    let kernel = if m.installed.is_some() {
        format!("kernel {}", m.release)
    } else {
        format!(
            "kernel {} (no {}: which modules are installed is unknown)",
            if m.release.is_empty() {
                "?"
            } else {
                &m.release
            },
            h.lib_modules.join(&m.release).join("modules.dep").display()
        )
    };
    g.ok("modules", format!("{kernel}: {}", list.join(", ")));
}

/// Lines for the rules: an interface without a driver whose module this kernel lacks is a
/// missing driver (the kernel's own wording, `module X not found`), not a binding problem.
pub fn feed_modules(m: &Modules, modems: &[&UsbDevice], doctor: &mut Doctor) {
    let mut said = BTreeSet::new();
    for d in modems {
        for i in d.interfaces.iter().filter(|i| i.driver.is_none()) {
            let Some(need) = needed_driver(d.vid, i.class, i.subclass) else {
                continue;
            };
            if m.missing(need) && said.insert(need) {
                doctor.feed_line(&format!(
                    "live: module {need} not found in /lib/modules/{}: {}:{}.{} (class {:02x}/{:02x}/{:02x}) has no driver",
                    m.release,
                    d.path,
                    d.configuration.unwrap_or(1),
                    i.number,
                    i.class,
                    i.subclass,
                    i.protocol
                ));
            }
        }
    }
}

// ------------------------------------------------------------------ processes and tools

/// Programs that open modem ports or switch sticks by themselves.
const COMPETITORS: &[&str] = &[
    "ModemManager",
    "pppd",
    "gpsd",
    "wvdial",
    "usb_modeswitch",
    "minicom",
    "gammu-smsd",
    "smsd",
    "qmicli",
    "mbimcli",
];

fn processes(h: &Host, doctor: &mut Doctor, g: &mut Gathered) {
    let Ok(dir) = std::fs::read_dir(&h.proc_root) else {
        g.fail(
            "processes",
            format!("{} cannot be listed", h.proc_root.display()),
            None,
        );
        return;
    };
    let mut found: Vec<(String, u32)> = Vec::new();
    for e in dir.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(comm) = std::fs::read_to_string(e.path().join("comm")) else {
            continue;
        };
        // comm is cut at 15 bytes: "ModemManager" fits, so do the others.
        let comm = comm.trim();
        if COMPETITORS.contains(&comm) && found.len() < 32 {
            found.push((comm.to_string(), pid));
        }
    }
    found.sort();
    for (name, pid) in &found {
        if name == "ModemManager" {
            // The doctor's `modemmanager_present`: ModemManager probes every new tty.
            doctor.feed_line(&format!("live: ModemManager is running (pid {pid})"));
        }
    }
    let list: Vec<String> = found
        .iter()
        .map(|(n, p)| format!("{n} (pid {p})"))
        .collect();
    g.ok(
        "processes",
        if list.is_empty() {
            format!("none of {} running", COMPETITORS.join(", "))
        } else {
            format!("running: {}", list.join(", "))
        },
    );
}

/// `ModemManager 1.20.4` (first line of `ModemManager --version`).
pub fn modemmanager_version(out: &str) -> Option<String> {
    out.lines()
        .find_map(|l| l.trim().strip_prefix("ModemManager "))
        .and_then(|v| v.split_whitespace().next())
        .map(str::to_string)
}

/// ` * Version 2.6.1 (C) Josua Dietze 2017` in `usb_modeswitch --version`.
pub fn usb_modeswitch_version(out: &str) -> Option<String> {
    out.lines().find_map(|l| {
        let i = l.find("Version ")?;
        l.get(i + 8..)?
            .split_whitespace()
            .next()
            .map(str::to_string)
    })
}

fn tools(modems: &[&UsbDevice], doctor: &mut Doctor, g: &mut Gathered) {
    let mut parts = Vec::new();
    // What it says, and whether it is installed at all.
    let version = |prog: &str, parse: fn(&str) -> Option<String>| -> (String, bool) {
        let r = run(prog, &["--version"], VERSION_TIMEOUT, 64 * 1024);
        let said = match &r {
            // usb_modeswitch exits 0; some builds print the banner to stderr.
            Ran::Done { out, err, .. } => {
                let text = format!("{}\n{err}", String::from_utf8_lossy(out));
                match parse(&text) {
                    Some(v) => format!("{prog} {v}"),
                    None => format!("{prog} (version not recognised)"),
                }
            }
            _ => why_not(prog, &r),
        };
        (said, r != Ran::NotFound)
    };
    parts.push(version("ModemManager", modemmanager_version).0);
    let (ums, ums_installed) = version("usb_modeswitch", usb_modeswitch_version);
    parts.push(ums);
    feed_tools(ums_installed, modems, doctor);
    // The switch configurations: Debian's package, or the files wherever they came from.
    let r = run(
        "dpkg-query",
        &["-W", "-f", "${Version}", "usb-modeswitch-data"],
        VERSION_TIMEOUT,
        4096,
    );
    let data_dir = Path::new("/usr/share/usb_modeswitch");
    let data = match &r {
        Ran::Done { ok: true, out, .. } if !out.is_empty() => {
            format!(
                "usb-modeswitch-data {}",
                String::from_utf8_lossy(out).trim()
            )
        }
        _ if data_dir.is_dir() => format!(
            "usb-modeswitch-data: {} present ({} entries)",
            data_dir.display(),
            std::fs::read_dir(data_dir).map(|d| d.count()).unwrap_or(0)
        ),
        _ => "usb-modeswitch-data: not installed".to_string(),
    };
    parts.push(data);
    g.ok("tools", parts.join(", "));
}

/// A stick still in storage mode on a host without usb_modeswitch: nothing was there to
/// switch it (the rules' `modeswitch_not_installed`, which backs `no_modeswitch`).
pub fn feed_tools(modeswitch_installed: bool, modems: &[&UsbDevice], doctor: &mut Doctor) {
    if modeswitch_installed {
        return;
    }
    let storage = modems
        .iter()
        .find(|d| dongle_catalog::personality(d) == dongle_catalog::Personality::Storage);
    if let Some(d) = storage {
        doctor.feed_line(&format!(
            "live: usb_modeswitch is not installed: nothing switches {:04x}:{:04x} at {} out of storage mode",
            d.vid, d.pid, d.path
        ));
    }
}

// ------------------------------------------------------------------ ports

/// One modem's ports after the holder check.
struct ModemPorts {
    free: Vec<PathBuf>,
    /// Some port of it is held by another program.
    busy: bool,
}

/// Who holds each modem port (the same words pppd and wvdial print, so the `port_busy` rule
/// explains them); returns, per modem, the ports nobody holds.
fn holders(
    live: &Live,
    modems: &[&UsbDevice],
    doctor: &mut Doctor,
    g: &mut Gathered,
) -> Vec<ModemPorts> {
    let mut out = Vec::new();
    let mut busy = Vec::new();
    let mut missing = Vec::new();
    for d in modems {
        let mut m = ModemPorts {
            free: Vec::new(),
            busy: false,
        };
        for i in &d.interfaces {
            for tty in &i.ttys {
                let path = live.dev_root.join(tty);
                let Ok(meta) = std::fs::metadata(&path) else {
                    missing.push(path.display().to_string());
                    continue;
                };
                let who = holders_of(&path, meta.rdev());
                if who.is_empty() {
                    m.free.push(path);
                    continue;
                }
                m.busy = true;
                let who: Vec<String> = who.iter().map(ToString::to_string).collect();
                doctor.feed_line(&format!(
                    "live: {}: Device or resource busy: open in {}",
                    path.display(),
                    who.join(", ")
                ));
                busy.push(format!("{} by {}", path.display(), who.join(", ")));
            }
        }
        out.push(m);
    }
    let mut detail = if busy.is_empty() {
        let n: usize = out.iter().map(|m| m.free.len()).sum();
        format!("{n} ports, none held by another program")
    } else {
        format!("held: {}", busy.join("; "))
    };
    if !missing.is_empty() {
        detail.push_str(&format!(
            "; in sysfs but not in the dev root: {}",
            missing.join(", ")
        ));
    }
    g.ok("port holders", detail);
    out
}

/// `AT` on every free port at once; then, per modem, the SIM and registration state from the
/// first port that answered. A modem none of whose ports answers (and none is held by another
/// program, which may be using the one that would) is what wvdialconf reports as "no modem was
/// detected"; the same words bring the same rule (`port_silent`).
fn at_probe(modems: &[ModemPorts], opts: &ProbeOptions, doctor: &mut Doctor, g: &mut Gathered) {
    let ports: Vec<PathBuf> = modems.iter().flat_map(|m| m.free.clone()).collect();
    if ports.is_empty() {
        g.skip("at probe", "no free modem port");
        return;
    }
    let results = probe_ports(&ports, opts);
    let mut parts = Vec::new();
    let name_of = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| p.display().to_string())
    };
    for r in &results {
        let name = name_of(&r.path);
        match r.answer {
            // Held although no process shows it (another namespace, a UUCP lock).
            Answer::Busy => doctor.feed_line(&format!(
                "live: {}: Device or resource busy: {}",
                r.path.display(),
                r.error.as_deref().unwrap_or("held by another program")
            )),
            Answer::Failed => {
                if let Some(e) = &r.error {
                    g.notes
                        .push(format!("the AT probe could not open a port: {e}"));
                }
            }
            _ => {}
        }
        parts.push(match (r.answer, r.response_ms) {
            (Answer::Ok | Answer::Error, Some(ms)) => format!("{name} answers AT ({ms} ms)"),
            (Answer::Ok | Answer::Error, None) => format!("{name} answers AT"),
            (Answer::Silent, _) => format!("{name} silent for {} ms", opts.deadline.as_millis()),
            (Answer::Binary, _) => format!("{name} answers with binary data (a diagnostics port)"),
            (Answer::Busy, _) => format!("{name} busy"),
            (Answer::Failed, _) => format!(
                "{name} could not be probed ({})",
                r.error.as_deref().unwrap_or("?")
            ),
        });
    }
    for m in modems {
        let mine: Vec<_> = results
            .iter()
            .filter(|r| m.free.contains(&r.path))
            .collect();
        let silent: Vec<String> = mine
            .iter()
            .filter(|r| r.answer == Answer::Silent)
            .map(|r| name_of(&r.path))
            .collect();
        match mine.iter().find(|r| r.at) {
            Some(r) => parts.push(state_queries(&r.path, doctor)),
            None if !silent.is_empty() && !m.busy => doctor.feed_line(&format!(
                "live: no modem was detected: no response to AT on {} within {} ms",
                silent.join(", "),
                opts.deadline.as_millis()
            )),
            None => {}
        }
    }
    g.ok("at probe", parts.join("; "));
}

/// SIM and registration, as a transcript the doctor reads like a pasted one.
fn state_queries(port: &Path, doctor: &mut Doctor) -> String {
    let p = match SerialPort::open(port, &OpenOptions::default()) {
        Ok(p) => p,
        Err(e) => return format!("state not asked: {e}"),
    };
    let s = AtSession::new(p);
    // Modems start with +CMEE=0, where every failure is a bare ERROR: ask for the code, so a
    // missing SIM reads as `+CME ERROR: 10`, not as nothing.
    let _ = s.command_with("AT+CMEE=1", Duration::from_millis(500), None);
    let mut asked = Vec::new();
    for cmd in ["AT+CPIN?", "AT+CREG?", "AT+CGREG?", "AT+CEREG?"] {
        let answer = match s.command_with(cmd, Duration::from_millis(1000), None) {
            Ok(r) if r.lines.is_empty() => r.result.to_string(),
            Ok(r) => r.lines.join(" / "),
            Err(dongle_at::AtError::Rejected { result, .. }) => result.to_string(),
            Err(e) => {
                asked.push(format!("{cmd} failed: {e}"));
                continue;
            }
        };
        doctor.feed_line(&format!("live: {}: {cmd} -> {answer}", port.display()));
        asked.push(format!("{cmd} {answer}"));
    }
    let name = port.file_name().unwrap_or(port.as_os_str());
    format!("{}: {}", name.to_string_lossy(), asked.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    // /proc/modules as the kernel writes it (name size refcount users state address), for a
    // host with a Huawei stick in NCM mode.
    const PROC_MODULES: &str = "\
huawei_cdc_ncm 16384 0 - Live 0x0000000000000000
cdc_wdm 28672 1 huawei_cdc_ncm, Live 0x0000000000000000
cdc_ncm 45056 1 huawei_cdc_ncm, Live 0x0000000000000000
usbnet 57344 2 huawei_cdc_ncm,cdc_ncm, Live 0x0000000000000000
option 61440 0 - Live 0x0000000000000000
usb_wwan 24576 1 option, Live 0x0000000000000000
usbserial 65536 2 option,usb_wwan, Live 0x0000000000000000
usb_storage 81920 0 - Live 0x0000000000000000
";

    #[test]
    fn proc_modules_names() {
        let m = parse_proc_modules(PROC_MODULES);
        assert!(m.contains("option") && m.contains("usb_storage") && m.contains("usb_wwan"));
        assert!(!m.contains("Live") && !m.contains("cdc_ether"));
    }

    #[test]
    fn module_lists_normalise_paths_and_dashes() {
        let dep = "kernel/drivers/usb/serial/option.ko.zst: kernel/drivers/usb/serial/usb_wwan.ko.zst kernel/drivers/usb/serial/usbserial.ko.zst\n\
                   kernel/drivers/usb/storage/usb-storage.ko.xz:\n";
        let m = parse_module_list(dep);
        assert!(m.contains("option") && m.contains("usb_storage"), "{m:?}");
        assert!(
            !m.contains("usb_wwan"),
            "dependencies are not the module list: {m:?}"
        );
    }

    #[test]
    fn versions_from_real_output() {
        // usb_modeswitch 2.6.1 (Debian 12), verbatim.
        let ums = "\n * usb_modeswitch: handle USB devices with multiple modes\n * Version 2.6.1 (C) Josua Dietze 2017\n * Based on libusb1/libusbx\n\n ! PLEASE REPORT NEW CONFIGURATIONS !\n\n";
        assert_eq!(usb_modeswitch_version(ums).as_deref(), Some("2.6.1"));
        // ModemManager's print_version() (src/mm-context.c): newer releases, then old ones
        // (1.4) that start with an empty line.
        let mm = "ModemManager 1.20.4\nCopyright (C) 2008-2021 The ModemManager authors\nLicense GPLv2+: GNU GPL version 2 or later <http://gnu.org/licenses/gpl-2.0.html>\nThis is free software: you are free to change and redistribute it.\nThere is NO WARRANTY, to the extent permitted by law.\n\n";
        assert_eq!(modemmanager_version(mm).as_deref(), Some("1.20.4"));
        let old = "\nModemManager 1.4.12\nCopyright (2008 - 2014) The ModemManager authors\n";
        assert_eq!(modemmanager_version(old).as_deref(), Some("1.4.12"));
        assert_eq!(
            modemmanager_version("bash: ModemManager: command not found"),
            None
        );
    }

    #[test]
    fn runner_reports_missing_programs_timeouts_and_output() {
        assert_eq!(
            run("dongle-no-such-program", &[], Duration::from_secs(1), 100),
            Ran::NotFound
        );
        let t = Instant::now();
        let r = run(
            "sh",
            &["-c", "echo started; exec sleep 30"],
            Duration::from_millis(300),
            100,
        );
        assert!(t.elapsed() < Duration::from_secs(3), "not killed in time");
        match r {
            Ran::TimedOut { out } => assert_eq!(out, b"started\n"),
            other => panic!("{other:?}"),
        }
        match run(
            "sh",
            &["-c", "echo hi; echo oops >&2; exit 3"],
            Duration::from_secs(5),
            100,
        ) {
            Ran::Done { ok, out, err } => {
                assert!(!ok);
                assert_eq!(out, b"hi\n");
                assert_eq!(err, "oops");
            }
            other => panic!("{other:?}"),
        }
        // Output beyond the limit is cut, and a child printing forever still ends.
        match run("sh", &["-c", "yes"], Duration::from_secs(5), 1000) {
            Ran::Done { out, .. } | Ran::TimedOut { out } => assert_eq!(out.len(), 1000),
            other => panic!("{other:?}"),
        }
    }

    fn problems(doctor: Doctor) -> Vec<String> {
        doctor
            .finish()
            .findings
            .into_iter()
            .map(|f| f.problem)
            .collect()
    }

    #[test]
    fn kernel_log_falls_back_to_the_next_program() {
        let log = "[    5.100000] usb 1-1: New USB device found, idVendor=12d1, idProduct=1f01\n\
                   [    5.200000] usb-storage 1-1:1.0: USB Mass Storage device detected\n";
        let script = format!("printf '{log}'");
        let tries: [(&str, &[&str]); 2] = [
            ("dongle-no-such-dmesg", &[]),
            ("sh", &["-c", script.as_str()]),
        ];
        let mut doctor = Doctor::new().expect("rules");
        let mut g = Gathered::default();
        kernel_log_from(Path::new("/nonexistent/kmsg"), &tries, &mut doctor, &mut g);
        assert_eq!(g.sources.len(), 1);
        assert!(g.sources[0].read, "{:?}", g.sources);
        assert!(g.sources[0].detail.contains("2 lines"), "{:?}", g.sources);
        assert!(g.notes.is_empty(), "{:?}", g.notes);
        assert_eq!(
            problems(doctor).first().map(String::as_str),
            Some("no_modeswitch")
        );
    }

    #[test]
    fn no_kernel_log_at_all_is_a_note_with_the_fix() {
        let tries: [(&str, &[&str]); 2] = [
            ("dongle-no-such-dmesg", &[]),
            (
                "sh",
                &["-c", "echo 'journalctl: Permission denied' >&2; exit 1"],
            ),
        ];
        let mut doctor = Doctor::new().expect("rules");
        let mut g = Gathered::default();
        kernel_log_from(Path::new("/nonexistent/kmsg"), &tries, &mut doctor, &mut g);
        assert!(!g.sources[0].read);
        let d = &g.sources[0].detail;
        assert!(
            d.contains("/nonexistent/kmsg")
                && d.contains("not installed")
                && d.contains("Permission denied"),
            "{d}"
        );
        assert!(
            g.notes.iter().any(|n| n.contains("sudo dmesg")),
            "{:?}",
            g.notes
        );
    }

    #[test]
    fn syslog_tail_keeps_only_recent_pppd_and_chat_lines() {
        let t = tempfile::tempdir().expect("tempdir");
        let f = t.path().join("syslog");
        let mut text = String::new();
        for i in 0..50 {
            text.push_str(&format!(
                "Dec  5 10:00:{i:02} host pppd[812]: LCP: timeout sending Config-Requests {i}\n"
            ));
            text.push_str("Dec  5 10:00:00 host kernel: [  1.0] unrelated\n");
        }
        text.push_str("Dec  5 10:01:00 host chat[811]: alarm\n");
        std::fs::write(&f, text).expect("write");
        let lines = tail_matching(&f, 1 << 20, &[" pppd[", " chat["], 10).expect("read");
        assert_eq!(lines.len(), 10);
        assert!(lines
            .iter()
            .all(|l| l.contains("pppd[") || l.contains("chat[")));
        assert!(lines.last().is_some_and(|l| l.contains("chat[811]: alarm")));
        assert!(
            lines.first().is_some_and(|l| l.ends_with(" 41")),
            "{lines:?}"
        );
    }

    #[test]
    fn a_storage_stick_without_usb_modeswitch_is_explained() {
        let zerocd = dongle_usb::UsbInterface {
            number: 0,
            alt: 0,
            class: 0x08,
            subclass: 0x06,
            protocol: 0x50,
            name: None,
            driver: Some("usb-storage".into()),
            endpoints: Vec::new(),
            ttys: Vec::new(),
            net: Vec::new(),
            cdc_wdm: Vec::new(),
        };
        let mut dev = unbound_serial_stick();
        dev.pid = 0x1f01;
        dev.interfaces = vec![zerocd];
        let diagnose = |installed: bool| {
            let mut doctor = Doctor::new().expect("rules");
            doctor.feed_device(&dev);
            feed_tools(installed, &[&dev], &mut doctor);
            doctor
                .finish()
                .findings
                .into_iter()
                .next()
                .expect("a finding")
        };
        let without = diagnose(false);
        assert_eq!(without.problem, "no_modeswitch");
        assert!(
            without
                .evidence
                .iter()
                .any(|e| e.contains("usb_modeswitch is not installed")),
            "{without:?}"
        );
        let with = diagnose(true);
        assert_eq!(with.problem, "no_modeswitch");
        // The missing tool is not mistaken for usb_modeswitch having run (which would lower it).
        assert!(
            without.confidence > with.confidence,
            "{without:?} vs {with:?}"
        );
    }

    fn fake_host(modules: &str, dep: Option<&str>) -> (tempfile::TempDir, Host) {
        let t = tempfile::tempdir().expect("tempdir");
        let proc_root = t.path().join("proc");
        std::fs::create_dir_all(proc_root.join("sys/kernel")).expect("mkdir");
        std::fs::write(proc_root.join("modules"), modules).expect("write");
        std::fs::write(proc_root.join("sys/kernel/osrelease"), "6.1.0-18-amd64\n").expect("write");
        let lib = t.path().join("lib/modules");
        if let Some(dep) = dep {
            std::fs::create_dir_all(lib.join("6.1.0-18-amd64")).expect("mkdir");
            std::fs::write(lib.join("6.1.0-18-amd64/modules.dep"), dep).expect("write");
        }
        (
            t,
            Host {
                proc_root,
                lib_modules: lib,
            },
        )
    }

    fn unbound_serial_stick() -> UsbDevice {
        let i = |n: u8| dongle_usb::UsbInterface {
            number: n,
            alt: 0,
            class: 0xff,
            subclass: 0x02,
            protocol: 0x01,
            name: None,
            driver: None,
            endpoints: Vec::new(),
            ttys: Vec::new(),
            net: Vec::new(),
            cdc_wdm: Vec::new(),
        };
        UsbDevice {
            path: "1-1".into(),
            vid: 0x12d1,
            pid: 0x1001,
            manufacturer: None,
            product: None,
            serial: None,
            bcd_device: None,
            configuration: Some(1),
            num_configurations: Some(1),
            busnum: None,
            devnum: None,
            interfaces: vec![i(0), i(1)],
        }
    }

    fn diagnose(h: &Host) -> Vec<String> {
        let m = Modules::read(h).expect("modules");
        let dev = unbound_serial_stick();
        let mut doctor = Doctor::new().expect("rules");
        doctor.feed_device(&dev);
        feed_modules(&m, &[&dev], &mut doctor);
        doctor
            .finish()
            .findings
            .into_iter()
            .map(|f| f.problem)
            .collect()
    }

    #[test]
    fn a_kernel_without_option_is_a_missing_driver() {
        // modules.dep lists no option: the kernel package lacks it (linux-modules-extra).
        let (_t, h) = fake_host(
            "usb_storage 81920 0 - Live 0x0\n",
            Some("kernel/drivers/usb/storage/usb-storage.ko.xz:\n"),
        );
        let found = diagnose(&h);
        assert_eq!(
            found.first().map(String::as_str),
            Some("driver_missing"),
            "{found:?}"
        );
    }

    #[test]
    fn option_installed_but_not_bound_is_a_binding_problem() {
        let (_t, h) = fake_host(
            "usb_storage 81920 0 - Live 0x0\n",
            Some("kernel/drivers/usb/serial/option.ko.xz: kernel/drivers/usb/serial/usb_wwan.ko.xz\n"),
        );
        assert_eq!(
            diagnose(&h).first().map(String::as_str),
            Some("driver_not_bound")
        );
        // Without /lib/modules nothing can be said about what is installed: no guess.
        let (_t, h) = fake_host("usb_storage 81920 0 - Live 0x0\n", None);
        assert_eq!(
            diagnose(&h).first().map(String::as_str),
            Some("driver_not_bound")
        );
    }
}
