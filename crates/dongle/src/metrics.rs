//! Metrics for `dongle daemon`: what a fleet's Prometheus scrapes.
//!
//! The daemon keeps one [`ModemMetrics`] per modem and hands a snapshot to
//! [`render`], which writes the Prometheus text exposition format 0.0.4. Two
//! ways out, both opt-in: [`Exporter`], a tiny HTTP/1.1 server for
//! `GET /metrics` (std only: one thread, one request at a time, every read
//! bounded by a deadline), and [`write_textfile`] for node_exporter's textfile
//! collector (written atomically, so the collector never reads half a file).
//!
//! A value the modem did not give is left out, never sent as 0: a fake
//! `-0 dBm` would draw a perfect signal on every dashboard.

use dongle_connect::state::{LinkState, Radio};
use serde::Serialize;
use std::fmt::{Display, Write as _};
use std::fs;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Everything exported about one modem.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ModemMetrics {
    /// Stable modem name (config name or USB path); the `modem` label.
    pub name: String,
    /// USB path (`1-1.4`) or port.
    pub device: String,
    pub model: Option<String>,
    pub imei: Option<String>,
    pub operator: Option<String>,
    /// `LTE`, `UMTS`, `GSM`, `HSPA+`… as `dongle info` names it.
    pub technology: Option<String>,
    /// `home`, `roaming`, `searching`, `denied`, `not_registered`,
    /// `emergency_only`, `unknown`.
    pub registration: Option<String>,
    pub rssi_dbm: Option<f64>,
    pub rsrp_dbm: Option<f64>,
    pub rsrq_db: Option<f64>,
    pub sinr_db: Option<f64>,
    /// `up`, `connecting`, `waiting`, `down` (empty counts as `down`).
    pub link: String,
    /// `ppp`, `ncm`, `hilink`.
    pub via: Option<String>,
    pub interface: Option<String>,
    pub rx_bytes: Option<u64>,
    pub tx_bytes: Option<u64>,
    pub reconnects: u64,
    pub uptime_seconds: Option<u64>,
}

/// The `Content-Type` of [`render`]'s output.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The states `dongle_registered` always lists, so that an alert can say
/// `dongle_registered{state="home"} == 0` without knowing the other states.
pub const REGISTRATION_STATES: [&str; 7] = [
    "home",
    "roaming",
    "searching",
    "denied",
    "not_registered",
    "emergency_only",
    "unknown",
];

/// The states `dongle_link_state` always lists.
pub const LINK_STATES: [&str; 4] = ["up", "connecting", "waiting", "down"];

/// Fill identity and radio fields from a link's radio reading (which
/// `dongle up` takes from the modem's `dongle info` answers, AT or HiLink).
///
/// Radio fields are replaced, not merged: a signal the modem no longer reports
/// must disappear rather than stay frozen at its last value. Model and IMEI
/// belong to the hardware, so a report that lacks them keeps the known ones.
pub fn from_radio(m: &mut ModemMetrics, r: &Radio) {
    if r.model.is_some() {
        m.model.clone_from(&r.model);
    }
    if r.imei.is_some() {
        m.imei.clone_from(&r.imei);
    }
    m.operator.clone_from(&r.operator);
    m.technology.clone_from(&r.technology);
    m.registration.clone_from(&r.registration);
    m.rssi_dbm = r.rssi_dbm;
    m.rsrp_dbm = r.rsrp_dbm;
    m.rsrq_db = r.rsrq_db;
    m.sinr_db = r.sinr_db;
}

/// Fill the link fields from a link state (the record `dongle status` reads).
/// `now_unix` is the current Unix time; uptime is only known while `up`.
pub fn from_link(m: &mut ModemMetrics, link: &LinkState, now_unix: u64) {
    m.link.clone_from(&link.state);
    m.via = Some(link.via.clone()).filter(|v| !v.is_empty());
    m.interface.clone_from(&link.interface);
    m.reconnects = u64::from(link.reconnects);
    m.uptime_seconds = match link.state.as_str() {
        "up" => link.since.map(|s| now_unix.saturating_sub(s)),
        _ => None,
    };
}

/// Byte counters of a network interface from sysfs
/// (`SYSFS_ROOT/class/net/IF/statistics/{rx,tx}_bytes`); `None` when unreadable.
pub fn interface_bytes(sysfs_root: &Path, iface: &str) -> (Option<u64>, Option<u64>) {
    // Interface names never contain '/'; refusing them keeps the path inside class/net.
    if iface.is_empty() || iface == "." || iface == ".." || iface.contains('/') {
        return (None, None);
    }
    let dir = sysfs_root.join("class/net").join(iface).join("statistics");
    let read = |name: &str| -> Option<u64> {
        fs::read_to_string(dir.join(name)).ok()?.trim().parse().ok()
    };
    (read("rx_bytes"), read("tx_bytes"))
}

/// One metric family: its header once, then its samples, kept together as
/// the format requires.
struct Family<'a> {
    out: &'a mut String,
    name: &'static str,
}

impl<'a> Family<'a> {
    fn new(out: &'a mut String, name: &'static str, kind: &str, help: &str) -> Family<'a> {
        // Help texts are our own constants: no backslash or newline to escape.
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        Family { out, name }
    }

    fn sample(&mut self, labels: &[(&str, &str)], value: impl Display) {
        self.out.push_str(self.name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                self.out.push_str(k);
                self.out.push_str("=\"");
                escape_label(self.out, v);
                self.out.push('"');
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {value}");
    }

    /// A sample only when the value is known: a missing one is left out, never 0.
    fn known(&mut self, labels: &[(&str, &str)], value: Option<impl Display>) {
        if let Some(v) = value {
            self.sample(labels, v);
        }
    }

    /// A state set: one series per state, 1 for the current one. A state
    /// outside the known list is added so it is not lost.
    fn states(&mut self, modem: &str, known: &[&str], current: &str) {
        for s in known {
            self.sample(&[("modem", modem), ("state", s)], u8::from(*s == current));
        }
        if !known.contains(&current) {
            self.sample(&[("modem", modem), ("state", current)], 1);
        }
    }
}

/// Label values may hold anything; the format escapes these three.
fn escape_label(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// The modems to export: a name seen twice would make duplicate series, which
/// Prometheus rejects for the whole scrape, so later ones are left out.
fn distinct(modems: &[ModemMetrics]) -> Vec<&ModemMetrics> {
    let mut seen = std::collections::HashSet::new();
    modems
        .iter()
        .filter(|m| {
            let first = seen.insert(m.name.as_str());
            if !first {
                log::warn!(
                    "metrics: two modems are named {:?} ({}): only the first is exported; give them distinct names in the config",
                    m.name,
                    m.device
                );
            }
            first
        })
        .collect()
}

/// The Prometheus text exposition (format 0.0.4) of `modems`.
pub fn render(modems: &[ModemMetrics]) -> String {
    let modems = distinct(modems);
    let mut out = String::with_capacity(1024 + modems.len() * 1536);
    Family::new(
        &mut out,
        "dongle_modems",
        "gauge",
        "Modems the daemon manages.",
    )
    .sample(&[], modems.len());
    // One family: its header, then `each` writes the samples of every modem.
    let mut family =
        |name: &'static str, kind: &str, help: &str, each: &dyn Fn(&mut Family, &ModemMetrics)| {
            let mut f = Family::new(&mut out, name, kind, help);
            for m in &modems {
                each(&mut f, m);
            }
        };
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    // NaN or infinity would need `NaN`/`+Inf` in the text, which no dashboard
    // should take for a signal. Rust prints the shortest text that reads back
    // as the same f64 ("-91", "6.8"); u64 counters print as exact integers.
    let finite = |v: Option<f64>| v.filter(|v| v.is_finite());
    let link = |m: &ModemMetrics| match m.link.as_str() {
        "" => "down".to_string(),
        s => s.to_string(),
    };

    family(
        "dongle_modem_info",
        "gauge",
        "Identity and network of a modem (always 1; empty label: not known).",
        &|f, m| {
            let (model, imei, operator, tech) =
                (o(&m.model), o(&m.imei), o(&m.operator), o(&m.technology));
            let labels = [
                ("modem", m.name.as_str()),
                ("device", &m.device),
                ("model", &model),
                ("imei", &imei),
                ("operator", &operator),
                ("technology", &tech),
            ];
            f.sample(&labels, 1);
        },
    );
    family(
        "dongle_signal_rssi_dbm",
        "gauge",
        "Received signal strength, dBm.",
        &|f, m| f.known(&[("modem", &m.name)], finite(m.rssi_dbm)),
    );
    family(
        "dongle_signal_rsrp_dbm",
        "gauge",
        "LTE reference signal received power, dBm.",
        &|f, m| f.known(&[("modem", &m.name)], finite(m.rsrp_dbm)),
    );
    family(
        "dongle_signal_rsrq_db",
        "gauge",
        "LTE reference signal received quality, dB.",
        &|f, m| f.known(&[("modem", &m.name)], finite(m.rsrq_db)),
    );
    family(
        "dongle_signal_sinr_db",
        "gauge",
        "LTE signal to interference plus noise ratio, dB.",
        &|f, m| f.known(&[("modem", &m.name)], finite(m.sinr_db)),
    );
    family(
        "dongle_registered",
        "gauge",
        "Network registration: 1 for the current state.",
        &|f, m| {
            let state = m
                .registration
                .as_deref()
                .filter(|r| !r.is_empty())
                .unwrap_or("unknown");
            f.states(&m.name, &REGISTRATION_STATES, state);
        },
    );
    family(
        "dongle_link_up",
        "gauge",
        "1 when the data link is up.",
        &|f, m| {
            let (via, iface) = (o(&m.via), o(&m.interface));
            f.sample(
                &[("modem", &m.name), ("via", &via), ("interface", &iface)],
                u8::from(link(m) == "up"),
            );
        },
    );
    family(
        "dongle_link_state",
        "gauge",
        "Data link state: 1 for the current state.",
        &|f, m| f.states(&m.name, &LINK_STATES, &link(m)),
    );
    family(
        "dongle_receive_bytes_total",
        "counter",
        "Bytes received on the modem's network interface.",
        &|f, m| {
            f.known(
                &[("modem", &m.name), ("interface", &o(&m.interface))],
                m.rx_bytes,
            )
        },
    );
    family(
        "dongle_transmit_bytes_total",
        "counter",
        "Bytes sent on the modem's network interface.",
        &|f, m| {
            f.known(
                &[("modem", &m.name), ("interface", &o(&m.interface))],
                m.tx_bytes,
            )
        },
    );
    family(
        "dongle_reconnects_total",
        "counter",
        "Times the link was brought up again after it went down.",
        &|f, m| f.sample(&[("modem", &m.name)], m.reconnects),
    );
    family(
        "dongle_link_uptime_seconds",
        "gauge",
        "Seconds since the data link came up.",
        &|f, m| f.known(&[("modem", &m.name)], m.uptime_seconds),
    );
    out
}

/// Write [`render`]`(modems)` to `path` for node_exporter's textfile collector.
///
/// Atomic: the text goes to a hidden temporary file in the same directory
/// (the collector only reads `*.prom`), then a rename replaces `path`, so a
/// scrape sees the old file or the new one, never half of one. No fsync: the
/// file is rewritten every interval and is worthless after a reboot, and a
/// Raspberry Pi's SD card should not pay a flush every 15 seconds.
pub fn write_textfile(path: &Path, modems: &[ModemMetrics]) -> io::Result<()> {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let fail = |e: io::Error| {
        io::Error::new(
            e.kind(),
            format!(
                "cannot write metrics to {}: {e} (the directory must exist and be writable by dongle; it is node_exporter's --collector.textfile.directory)",
                path.display()
            ),
        )
    };
    let name = path.file_name().ok_or_else(|| {
        fail(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a file name",
        ))
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let tmp = dir.join(format!(
        ".{}.tmp.{}.{}",
        name.to_string_lossy(),
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let text = render(modems);
    let write = || -> io::Result<()> {
        // 0644: node_exporter usually runs as another user and must read it.
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&tmp)?;
        // The umask may have taken the read bits away (UMask=0077 units).
        f.set_permissions(fs::Permissions::from_mode(0o644))?;
        f.write_all(text.as_bytes())?;
        fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        fail(e)
    })
}

/// The `[metrics]` outputs of the daemon, started and stopped together.
pub struct Outputs {
    exporter: Option<Exporter>,
    writer: Option<(JoinHandle<()>, mpsc::Sender<()>)>,
}

impl Outputs {
    /// Serve on `listen` and/or rewrite `textfile` every `interval`; with
    /// neither, nothing runs. Fails only when `listen` cannot be bound (a
    /// textfile problem is logged at each change and retried each interval,
    /// since the directory may appear later).
    pub fn start(
        listen: Option<SocketAddr>,
        textfile: Option<PathBuf>,
        interval: Duration,
        source: Source,
    ) -> io::Result<Outputs> {
        let exporter = listen
            .map(|addr| Exporter::start(addr, source.clone()))
            .transpose()?;
        let writer = match textfile {
            Some(path) => {
                let (tx, rx) = mpsc::channel();
                let spawned = std::thread::Builder::new()
                    .name("metrics-textfile".into())
                    .spawn(move || textfile_loop(&path, interval, &source, &rx));
                match spawned {
                    Ok(t) => Some((t, tx)),
                    Err(e) => {
                        if let Some(x) = exporter {
                            x.stop();
                        }
                        return Err(e);
                    }
                }
            }
            None => None,
        };
        Ok(Outputs { exporter, writer })
    }

    /// Where the endpoint listens, when there is one.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.exporter.as_ref().map(Exporter::local_addr)
    }

    /// Stop both. The textfile is removed: node_exporter would otherwise go
    /// on serving the last values (a link "up" for ever) after the daemon is gone.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(x) = self.exporter.take() {
            x.stop();
        }
        if let Some((t, tx)) = self.writer.take() {
            drop(tx); // the loop's wait ends at once
            let _ = t.join();
        }
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn textfile_loop(path: &Path, interval: Duration, source: &Source, stop: &mpsc::Receiver<()>) {
    let mut last_error: Option<String> = None;
    loop {
        match write_textfile(path, &source()) {
            Ok(()) => {
                if last_error.take().is_some() {
                    log::info!("metrics: writing {} again", path.display());
                }
            }
            // Once per distinct error, not every interval.
            Err(e) => {
                let msg = e.to_string();
                if last_error.as_deref() != Some(&msg) {
                    log::warn!("metrics: {msg}");
                    last_error = Some(msg);
                }
            }
        }
        // A zero interval would spin; the config allows 1 s and up.
        match stop.recv_timeout(interval.max(Duration::from_millis(10))) {
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            _ => break,
        }
    }
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            log::warn!("metrics: cannot remove {}: {e}", path.display())
        }
        _ => {}
    }
}

/// How long one client may take to send its request, in total.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// The largest request head read; a scrape's is a few hundred bytes.
pub const MAX_REQUEST: usize = 8 * 1024;

/// Where the metrics come from: called on every scrape and every textfile
/// write, so it must answer from memory (never ask a modem from here).
pub type Source = Arc<dyn Fn() -> Vec<ModemMetrics> + Send + Sync>;

/// The HTTP endpoint: `GET /metrics` answers [`render`] of what `source`
/// returns at that moment. One thread, one client at a time: a client that
/// sends nothing holds it for [`REQUEST_TIMEOUT`] at most.
pub struct Exporter {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Exporter {
    /// Listen on `addr` (port 0 picks a free one) and serve in a thread.
    pub fn start(addr: SocketAddr, source: Source) -> io::Result<Exporter> {
        let listener = TcpListener::bind(addr).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot listen on {addr} for metrics: {e} (another program may use the port: pick another [metrics] listen address)"),
            )
        })?;
        let local = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("metrics".into())
            .spawn(move || serve(&listener, &flag, &source))?;
        log::info!("metrics: serving http://{local}/metrics");
        Ok(Exporter {
            addr: local,
            stop,
            thread: Some(thread),
        })
    }

    /// Where it listens (the real port when started on port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stop serving and wait for the thread (at most one client's timeout).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        self.stop.store(true, Ordering::SeqCst);
        // The thread sleeps in accept(); a connection of our own wakes it to see the flag.
        let mut wake = self.addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(match wake {
                SocketAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
            });
        }
        match TcpStream::connect_timeout(&wake, Duration::from_secs(1)) {
            Ok(_) => {
                let _ = thread.join();
            }
            // Not joining: the thread ends at its next connection instead of hanging us.
            Err(e) => log::warn!("metrics: cannot wake the exporter at {wake} to stop it: {e}"),
        }
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn serve(listener: &TcpListener, stop: &AtomicBool, source: &Source) {
    for conn in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        match conn {
            Ok(stream) => {
                if let Err(e) = handle(stream, source) {
                    log::debug!("metrics: client: {e}");
                }
            }
            Err(e) => {
                // Out of file descriptors and the like: don't spin on it.
                log::warn!("metrics: accept failed: {e}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// What came in before the deadline.
enum Request {
    /// A complete request line and headers.
    Head(String),
    /// Bytes that cannot be an HTTP request line.
    Garbage,
    TooLarge,
    /// Nothing usable before the client closed or the deadline passed.
    Nothing,
}

fn read_request(stream: &mut TcpStream) -> io::Result<Request> {
    let deadline = Instant::now() + REQUEST_TIMEOUT;
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(Request::Nothing);
        }
        // A deadline for the whole request, not per read: a client trickling
        // one byte a second must not hold the only thread for ever.
        stream.set_read_timeout(Some(left))?;
        let n = match stream.read(&mut chunk) {
            Ok(0) => return Ok(Request::Nothing),
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Ok(Request::Nothing)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        buf.extend_from_slice(&chunk[..n]);
        // Judge the request line as soon as it is complete, so garbage is
        // answered at once instead of after the timeout.
        if let Some(end) = buf.iter().position(|&b| b == b'\n') {
            if request_line(&buf[..end]).is_none() {
                return Ok(Request::Garbage);
            }
        }
        if let Some(end) = head_end(&buf) {
            return Ok(Request::Head(
                String::from_utf8_lossy(&buf[..end]).into_owned(),
            ));
        }
        if buf.len() > MAX_REQUEST {
            return Ok(Request::TooLarge);
        }
    }
}

/// Where the head ends: the first empty line (CRLF, or a bare LF as lenient clients send).
fn head_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = buf.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `METHOD TARGET HTTP/1.x` → (method, path without the query).
fn request_line(line: &[u8]) -> Option<(&str, &str)> {
    let line = std::str::from_utf8(line).ok()?.trim_end_matches('\r');
    let mut parts = line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphabetic() || b == b'-' || b == b'_')
    };
    let ok = parts.next().is_none()
        && token(method)
        && target.starts_with('/')
        && !target.bytes().any(|b| b.is_ascii_control())
        && (version == "HTTP/1.1" || version == "HTTP/1.0");
    ok.then(|| (method, target.split('?').next().unwrap_or(target)))
}

fn handle(mut stream: TcpStream, source: &Source) -> io::Result<()> {
    stream.set_write_timeout(Some(REQUEST_TIMEOUT))?;
    let head = match read_request(&mut stream)? {
        Request::Head(h) => h,
        Request::Nothing => return Ok(()),
        Request::Garbage => {
            return respond(
                &mut stream,
                "400 Bad Request",
                "text/plain",
                "bad request\n",
                true,
            )
        }
        Request::TooLarge => {
            return respond(
                &mut stream,
                "431 Request Header Fields Too Large",
                "text/plain",
                "request too large\n",
                true,
            )
        }
    };
    let first = head.lines().next().unwrap_or("");
    let Some((method, path)) = request_line(first.as_bytes()) else {
        return respond(
            &mut stream,
            "400 Bad Request",
            "text/plain",
            "bad request\n",
            true,
        );
    };
    let head_only = method == "HEAD";
    if path != "/metrics" {
        return respond(
            &mut stream,
            "404 Not Found",
            "text/plain",
            "not found: metrics are at /metrics\n",
            !head_only,
        );
    }
    if method != "GET" && !head_only {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            "only GET and HEAD\n",
            true,
        );
    }
    let body = render(&source());
    respond(&mut stream, "200 OK", CONTENT_TYPE, &body, !head_only)
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    ctype: &str,
    body: &str,
    with_body: bool,
) -> io::Result<()> {
    let allow = if status.starts_with("405") {
        "Allow: GET, HEAD\r\n"
    } else {
        ""
    };
    let mut msg = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{allow}Connection: close\r\n\r\n",
        body.len()
    );
    if with_body {
        msg.push_str(body);
    }
    stream.write_all(msg.as_bytes())?;
    stream.flush()?;
    // Closing with unread bytes in the socket makes the kernel send a reset,
    // which can destroy the answer before the client reads it: say we are
    // done, then read what is left for a moment.
    stream.shutdown(Shutdown::Write)?;
    let until = Instant::now() + Duration::from_millis(100);
    let mut sink = [0u8; 1024];
    loop {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        stream.set_read_timeout(Some(left))?;
        match stream.read(&mut sink) {
            Ok(n) if n > 0 => {}
            _ => return Ok(()),
        }
    }
}
