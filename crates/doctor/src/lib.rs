//! `dongle-doctor`: evidence → findings. Feed it log text line by line (`dmesg`,
//! `journalctl -k`, `lsusb [-v]`, `usb-devices`, usb_modeswitch, wvdialconf / wvdial, chat and
//! pppd, mmcli, AT transcripts, in any mix); it keeps a bounded set of facts and, at the end,
//! runs the rules file (`rules.toml`, embedded) over them to produce a [`Report`]: the devices
//! seen with the personality each ends in, and findings, most likely first, each with a stable
//! `problem` id, a confidence, the evidence lines, a plain explanation and the fix.
//!
//! ```
//! let mut doctor = dongle_doctor::Doctor::new().expect("built-in rules are valid");
//! doctor.feed_line("[  12.1] usb 1-1: New USB device found, idVendor=12d1, idProduct=1f01");
//! doctor.feed_line("[  12.2] usb-storage 1-1:1.0: USB Mass Storage device detected");
//! let report = doctor.finish();
//! assert_eq!(report.devices[0].mode, "storage");
//! assert_eq!(report.findings[0].problem, "no_modeswitch");
//! ```

mod facts;
mod line;
mod report;
mod rules;

pub use line::{Clock, Parsed};
pub use report::{DeviceReport, Finding, Report};
pub use rules::{RuleDef, RuleError, Rules, SignalDef, BUILTIN_RULES, DERIVED_SIGNALS};

use dongle_catalog::Personality;
use facts::{
    clip, cme_signal, creg_signal, dev_entry, hex4, id_pair, kv, path_in, Anchor, DevRec, Pending,
    TtyRec, MAX_EVIDENCE, MAX_TTYS, MODEM_DRIVERS,
};
use rules::Pat;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, BufRead};

/// Longest line kept; the rest of a longer line is skipped (and noted).
pub const MAX_LINE: usize = 16 * 1024;

#[derive(Debug, Default, Clone)]
struct SigState {
    count: u64,
    evidence: Vec<String>,
}

impl SigState {
    fn hit(&mut self, line: &str) {
        self.count += 1;
        if self.evidence.len() < MAX_EVIDENCE {
            let c = clip(line);
            if !self.evidence.contains(&c) {
                self.evidence.push(c);
            }
        }
    }
}

/// The streaming diagnoser.
#[derive(Debug)]
pub struct Doctor {
    rules: Rules,
    clock: Clock,
    seq: u64,
    text: Vec<SigState>,
    derived: BTreeMap<&'static str, SigState>,
    devs: HashMap<String, DevRec>,
    ttys: HashMap<String, TtyRec>,
    /// Context for multi-line formats (usb-devices, lsusb -v): the device being described.
    ctx_dev: Option<String>,
    ctx_vid: Option<u16>,
    /// Interface class being assembled from `lsusb -v`.
    ctx_if: Option<(u8, u8, u8)>,
    pending: Option<(Pending, u8, String)>,
    // Scratch per line: which signals had an `any`, `also`, `not` hit.
    scratch: Vec<u8>,
    touched: Vec<usize>,
    lines: u64,
    binary_lines: u64,
    long_lines: u64,
}

const HIT_ANY: u8 = 1;
const HIT_ALSO: u8 = 2;
const HIT_NOT: u8 = 4;

impl Doctor {
    /// A doctor with the built-in rules.
    pub fn new() -> Result<Doctor, RuleError> {
        Ok(Doctor::with_rules(Rules::builtin()?))
    }

    /// A doctor with the given rules.
    pub fn with_rules(rules: Rules) -> Doctor {
        let n = rules.signals.len();
        Doctor {
            rules,
            clock: Clock::new(),
            seq: 0,
            text: vec![SigState::default(); n],
            derived: BTreeMap::new(),
            devs: HashMap::new(),
            ttys: HashMap::new(),
            ctx_dev: None,
            ctx_vid: None,
            ctx_if: None,
            pending: None,
            scratch: vec![0; n],
            touched: Vec::new(),
            lines: 0,
            binary_lines: 0,
            long_lines: 0,
        }
    }

    /// Read a whole stream, line by line, with bounded memory: lines longer than [`MAX_LINE`]
    /// are cut, invalid UTF-8 is replaced, and binary junk is skipped and counted.
    pub fn feed_reader<R: BufRead>(&mut self, mut r: R) -> io::Result<()> {
        let mut buf: Vec<u8> = Vec::with_capacity(256);
        let mut overlong = false;
        loop {
            let (done, used) = {
                let chunk = match r.fill_buf() {
                    Ok(c) => c,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                if chunk.is_empty() {
                    (true, 0)
                } else {
                    match chunk.iter().position(|&b| b == b'\n') {
                        Some(i) => {
                            let room = MAX_LINE.saturating_sub(buf.len());
                            let take = i.min(room);
                            buf.extend_from_slice(chunk.get(..take).unwrap_or(&[]));
                            overlong |= i > room;
                            self.feed_bytes(&buf, overlong);
                            buf.clear();
                            overlong = false;
                            (false, i + 1)
                        }
                        None => {
                            let room = MAX_LINE.saturating_sub(buf.len());
                            let take = chunk.len().min(room);
                            buf.extend_from_slice(chunk.get(..take).unwrap_or(&[]));
                            overlong |= chunk.len() > room;
                            (false, chunk.len())
                        }
                    }
                }
            };
            if done {
                break;
            }
            r.consume(used);
        }
        if !buf.is_empty() {
            self.feed_bytes(&buf, overlong);
        }
        Ok(())
    }

    fn feed_bytes(&mut self, bytes: &[u8], overlong: bool) {
        if overlong {
            self.long_lines += 1;
        }
        // Binary: NULs or mostly control bytes.
        let ctrl = bytes
            .iter()
            .filter(|&&b| b == 0 || (b < 0x20 && b != b'\t' && b != b'\r' && b != 0x1b))
            .count();
        if ctrl > 0 && (bytes.contains(&0) || ctrl * 8 > bytes.len()) {
            self.binary_lines += 1;
            return;
        }
        let text = String::from_utf8_lossy(bytes);
        self.feed_line(&text);
    }

    /// Take one line of text (with or without its newline).
    pub fn feed_line(&mut self, raw: &str) {
        self.lines += 1;
        self.seq += 1;
        // chat writes `^M` for CR; terminals leave real CRs.
        let line = raw.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            return;
        }
        let parsed = self.clock.parse(line);
        let (time, msg) = (parsed.time, parsed.msg);

        // 1. One automaton pass: rule patterns and structural anchors.
        let mut anchors: Vec<(Anchor, usize)> = Vec::new();
        for m in self.rules.automaton.find_overlapping_iter(line) {
            let Some(meanings) = self.rules.meaning.get(m.pattern().as_usize()) else {
                continue;
            };
            for p in meanings {
                let (i, bit) = match *p {
                    Pat::Any(i) => (i, HIT_ANY),
                    Pat::Also(i) => (i, HIT_ALSO),
                    Pat::Not(i) => (i, HIT_NOT),
                    Pat::Anchor(a) => {
                        if anchors.len() < 16 {
                            anchors.push((a, m.start()));
                        }
                        continue;
                    }
                };
                if let Some(s) = self.scratch.get_mut(i) {
                    if *s == 0 {
                        self.touched.push(i);
                    }
                    *s |= bit;
                }
            }
        }
        let touched = std::mem::take(&mut self.touched);
        for &i in &touched {
            let bits = self.scratch.get(i).copied().unwrap_or(0);
            if let Some(s) = self.scratch.get_mut(i) {
                *s = 0;
            }
            let Some(def) = self.rules.signals.get(i) else {
                continue;
            };
            let ok = bits & HIT_ANY != 0
                && (def.also.is_empty() || bits & HIT_ALSO != 0)
                && bits & HIT_NOT == 0;
            if ok {
                if let Some(st) = self.text.get_mut(i) {
                    st.hit(line);
                }
            }
        }
        self.touched = touched;
        self.touched.clear();

        // 2. AT transcript: the answer to the last command of interest.
        self.track_at(line, msg, &anchors);

        // 3. Structure.
        for (a, at) in anchors {
            self.anchor(a, at, line, msg, time);
        }
    }

    fn derive(&mut self, name: &'static str, evidence: &str) {
        self.derived.entry(name).or_default().hit(evidence);
    }

    fn track_at(&mut self, line: &str, msg: &str, anchors: &[(Anchor, usize)]) {
        let mut started = None;
        for &(a, at) in anchors {
            let kind = match a {
                Anchor::Atd => {
                    // `ATD*99#`, `ATDT*99#`, `ATD*99***1#`: a word starting with ATD.
                    let before = line.get(..at).and_then(|s| s.chars().next_back());
                    let after = line.get(at + 3..).and_then(|s| s.chars().next());
                    let word_start = before.is_none_or(|c| !c.is_ascii_alphanumeric());
                    let dial =
                        after.is_some_and(|c| matches!(c, '*' | '#' | 't' | 'T' | '0'..='9'));
                    if word_start && dial {
                        Pending::Dial
                    } else {
                        continue;
                    }
                }
                Anchor::AtNdisdup => Pending::Ndisdup,
                Anchor::AtSetport if !line.contains('?') => Pending::Setport,
                Anchor::AtCgdcont if !line.contains('?') => Pending::Cgdcont,
                _ => continue,
            };
            started = Some(kind);
        }
        if let Some(k) = started {
            self.pending = Some((k, 0, clip(line)));
            return;
        }
        let Some((kind, age, cmd)) = self.pending.take() else {
            return;
        };
        let m = msg.trim().trim_start_matches("^M").trim();
        let upper_tail = m.rsplit(['\t', ' ', ':']).next().unwrap_or("");
        let is_error = m == "ERROR"
            || upper_tail == "ERROR"
            || m.starts_with("+CME ERROR")
            || m.ends_with("Invalid dial command.");
        let no_carrier = m.contains("NO CARRIER") || m.contains("No Carrier");
        let ok =
            m == "OK" || m.ends_with(" OK") || m.starts_with("CONNECT") || m.contains("-- got it");
        if is_error || no_carrier {
            let name = match (kind, no_carrier) {
                (Pending::Dial, true) => "at_dial_no_carrier",
                (Pending::Dial, false) => "at_dial_error",
                (Pending::Ndisdup, _) => "at_ndisdup_error",
                (Pending::Setport, _) => "at_setport_error",
                (Pending::Cgdcont, _) => "at_cgdcont_error",
            };
            let e = format!("{cmd} → {}", clip(line));
            self.derive(name, &e);
        } else if !ok && age < 8 {
            self.pending = Some((kind, age + 1, cmd));
        }
    }

    fn anchor(&mut self, a: Anchor, at: usize, line: &str, msg: &str, time: Option<f64>) {
        let seq = self.seq;
        match a {
            Anchor::Enumerate => {
                // `usb 1-1.4: new high-speed USB device number 5 using ehci-pci` (older
                // kernels: `new full speed USB device using uhci_hcd and address 12`).
                if !msg.contains("new ") {
                    return;
                }
                let Some(path) = path_in(msg).map(str::to_string) else {
                    return;
                };
                if let Some(d) = dev_entry(&mut self.devs, &path) {
                    d.path = Some(path.clone());
                    d.enumerations += 1;
                    d.fresh = true;
                    d.drivers.clear();
                    d.failed.clear();
                    d.ttys.clear();
                    d.seq = seq;
                    d.first_time = d.first_time.or(time);
                    d.last_time = time.or(d.last_time);
                }
            }
            Anchor::NewDevice => {
                let path = path_in(msg).map(str::to_string);
                let vid = kv(msg, "idvendor=").and_then(hex4);
                let pid = kv(msg, "idproduct=").and_then(hex4);
                if let (Some(path), Some(v), Some(p)) = (path, vid, pid) {
                    if let Some(d) = dev_entry(&mut self.devs, &path) {
                        d.path = Some(path.clone());
                        d.id = Some((v, p));
                        if d.history.last() != Some(&(v, p)) && d.history.len() < 16 {
                            d.history.push((v, p));
                        }
                        // Kernels (or pastes) without the "new … device number" line still count.
                        if !d.fresh {
                            d.enumerations += 1;
                            d.drivers.clear();
                            d.failed.clear();
                            d.ttys.clear();
                        }
                        d.fresh = false;
                        d.seq = seq;
                        d.first_time = d.first_time.or(time);
                        d.last_time = time.or(d.last_time);
                    }
                }
            }
            Anchor::Disconnect => {
                if let Some(path) = path_in(msg) {
                    if let Some(d) = self.devs.get_mut(path) {
                        d.disconnects += 1;
                        d.last_time = time.or(d.last_time);
                    }
                }
            }
            Anchor::TtyAttached | Anchor::TtyDetached => {
                let attached = a == Anchor::TtyAttached;
                let Some(tty) = msg
                    .split_whitespace()
                    .map(|t| t.trim_end_matches([':', ',', '.']))
                    .rfind(|t| t.starts_with("tty"))
                else {
                    return;
                };
                let path = path_in(msg).map(str::to_string);
                if !self.ttys.contains_key(tty) && self.ttys.len() >= MAX_TTYS {
                    return;
                }
                let rec = self.ttys.entry(tty.to_string()).or_default();
                if attached {
                    rec.attaches += 1;
                } else {
                    rec.detaches += 1;
                }
                rec.first_time = rec.first_time.or(time);
                rec.last_time = time.or(rec.last_time);
                if path.is_some() {
                    rec.path = path.clone();
                }
                let path = path.or_else(|| rec.path.clone());
                if attached {
                    self.derive("ttys_seen", line);
                }
                if let Some(p) = path {
                    if let Some(d) = self.devs.get_mut(&p) {
                        if attached {
                            d.ttys.insert(tty.to_string());
                        } else {
                            d.ttys.remove(tty);
                        }
                        d.modem = true;
                        d.seq = seq;
                    }
                }
            }
            Anchor::Product => {
                if let (Some(path), Some(i)) = (path_in(msg), msg.find(": Product: ")) {
                    let prod = msg.get(i + 11..).unwrap_or("").trim();
                    if let Some(d) = self.devs.get_mut(path) {
                        d.product = Some(clip(prod));
                    }
                }
            }
            Anchor::LsusbId => {
                // Bus 001 Device 004: ID 12d1:1506 Huawei Technologies Co., Ltd. Modem/Networkcard
                let Some(i) = msg.find(": ID ") else { return };
                if !msg.trim_start().starts_with("Bus ") {
                    return;
                }
                let rest = msg.get(i + 5..).unwrap_or("");
                let mut toks = rest.splitn(2, ' ');
                let Some(id) = toks.next().and_then(id_pair) else {
                    return;
                };
                let name = toks.next().unwrap_or("").trim().to_string();
                self.set_ctx_device(id, Some(name), seq);
            }
            Anchor::UsbDevicesT => {
                if msg.trim_start().starts_with("T:") {
                    self.ctx_dev = None;
                }
            }
            Anchor::UsbDevicesP => {
                let v = kv(msg, "vendor=").and_then(hex4);
                let p = kv(msg, "prodid=").and_then(hex4);
                if let (Some(v), Some(p)) = (v, p) {
                    self.set_ctx_device((v, p), None, seq);
                }
            }
            Anchor::UsbDevicesI => {
                // I:* If#= 0 Alt= 0 #EPs= 2 Cls=ff(vend.) Sub=02 Prot=12 Driver=option
                let t = msg.trim_start();
                if !t.starts_with("I:") {
                    return;
                }
                let cls = kv(msg, "cls=").and_then(|s| u8::from_str_radix(s.get(..2)?, 16).ok());
                let sub = kv(msg, "sub=").and_then(|s| u8::from_str_radix(s.get(..2)?, 16).ok());
                let prot = kv(msg, "prot=").and_then(|s| u8::from_str_radix(s.get(..2)?, 16).ok());
                let drv = kv(msg, "driver=").map(str::to_string);
                let (Some(c), Some(s), Some(p)) = (cls, sub, prot) else {
                    return;
                };
                // `Driver=(none)`, and `Driver=` with nothing after it (OpenWrt's
                // /sys/kernel/debug/usb/devices), both mean unbound.
                let drv = drv.filter(|d| !d.is_empty() && d != "(none)");
                self.add_iface((c, s, p), drv, line);
            }
            Anchor::IdVendor => {
                // lsusb -v: `idVendor           0x12d1 Huawei`; dmesg form is handled by NewDevice.
                let t = msg.trim_start();
                if let Some(v) = t.strip_prefix("idVendor").map(str::trim_start) {
                    if !v.starts_with('=') {
                        self.ctx_vid = hex4(v);
                    }
                }
            }
            Anchor::IdProduct => {
                let t = msg.trim_start();
                if let Some(p) = t.strip_prefix("idProduct").map(str::trim_start) {
                    if let (false, Some(v), Some(p)) = (p.starts_with('='), self.ctx_vid, hex4(p)) {
                        let name = p_name(t);
                        self.set_ctx_device((v, p), name, seq);
                    }
                }
            }
            Anchor::IfClass | Anchor::IfSubClass | Anchor::IfProtocol => {
                let t = msg.trim_start();
                let val = t
                    .split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u8>().ok());
                let Some(val) = val else { return };
                match a {
                    Anchor::IfClass => self.ctx_if = Some((val, 0, 0)),
                    Anchor::IfSubClass => {
                        if let Some(c) = self.ctx_if.as_mut() {
                            c.1 = val;
                        }
                    }
                    _ => {
                        if let Some(c) = self.ctx_if.take() {
                            self.add_iface((c.0, c.1, val), None, "");
                        }
                    }
                }
            }
            Anchor::Cme => {
                if let Some(s) = cme_signal(msg) {
                    self.derive(s, line);
                }
            }
            Anchor::Creg => {
                if let Some(s) = creg_signal(msg) {
                    self.derive(s, line);
                }
            }
            Anchor::SwitchedTo => {
                // usb_modeswitch: `switched to 12d1:1506 on 001/005`
                let rest = line.get(at + "switched to ".len()..).unwrap_or("");
                if rest.split_whitespace().next().and_then(id_pair).is_some() {
                    self.derive("dev_switched", line);
                }
            }
            Anchor::Driver => self.driver_line(at, line, msg, seq),
            Anchor::Atd | Anchor::AtNdisdup | Anchor::AtSetport | Anchor::AtCgdcont => {}
        }
    }

    /// `DRIVER PATH:C.I: message` (or `DRIVER: probe of PATH:C.I failed …`).
    fn driver_line(&mut self, at: usize, line: &str, msg: &str, seq: u64) {
        let rest = line.get(at..).unwrap_or("");
        let mut toks = rest.split_whitespace();
        let Some(driver) = toks.next() else { return };
        let driver = driver.trim_end_matches(':');
        let huawei = at >= 7 && line.get(at - 7..at) == Some("huawei_");
        let driver = if huawei && driver == "cdc_ncm" {
            "huawei_cdc_ncm"
        } else {
            driver
        };
        let Some(path_tok) = toks.next() else { return };
        let lower = msg.to_ascii_lowercase();
        let failed =
            lower.contains("fail") || lower.contains("probe of") || lower.contains("error");
        // `usb-storage` lines about the device (not the interface) still name the path.
        let Some(path) = facts::usb_path(path_tok).or_else(|| {
            if failed {
                path_in(rest.get(driver.len()..).unwrap_or(""))
            } else {
                None
            }
        }) else {
            return;
        };
        let path = path.to_string();
        // `option 1-1:1.0: GSM modem…` → the real driver is "option" even when the kernel
        // module is option1/huawei_cdc_ncm…: take the token as written.
        let d = match dev_entry(&mut self.devs, &path) {
            Some(d) => d,
            None => return,
        };
        d.path = Some(path.clone());
        d.seq = seq;
        if failed {
            d.failed.insert(driver.to_string());
        } else {
            d.drivers.insert(driver.to_string());
        }
        if MODEM_DRIVERS.contains(&driver) {
            d.modem = true;
        }
        if driver == "usb-storage" && !failed {
            let e = clip(line);
            self.derive("usb_storage_bound", &e);
        }
    }

    fn set_ctx_device(&mut self, id: (u16, u16), name: Option<String>, seq: u64) {
        // Devices from lsusb / usb-devices have no path: key them by vid:pid.
        let key = format!("{:04x}:{:04x}", id.0, id.1);
        if let Some(d) = dev_entry(&mut self.devs, &key) {
            d.id = Some(id);
            if d.history.is_empty() {
                d.history.push(id);
            }
            if let Some(n) = name.filter(|n| !n.is_empty()) {
                d.product = Some(clip(&n));
            }
            d.seq = seq;
            self.ctx_dev = Some(key);
        }
        self.ctx_if = None;
    }

    fn add_iface(&mut self, cls: (u8, u8, u8), drv: Option<String>, line: &str) {
        let Some(key) = self.ctx_dev.clone() else {
            return;
        };
        let Some(d) = self.devs.get_mut(&key) else {
            return;
        };
        if d.ifaces.len() < 32 {
            d.ifaces.push((cls.0, cls.1, cls.2, drv.clone()));
        }
        if let Some(dr) = &drv {
            d.drivers.insert(dr.clone());
            if MODEM_DRIVERS.contains(&dr.as_str()) {
                d.modem = true;
            }
        }
        let modem = d.is_modem();
        if drv.is_none() && modem && !line.is_empty() {
            match cls {
                (0xff, _, _) => self.derive("iface_unbound", line),
                (0x02, 0x06 | 0x0d | 0x0e, _) | (0x0a, _, _) => {
                    self.derive("net_iface_unbound", line)
                }
                _ => {}
            }
        }
        if drv.as_deref() == Some("usb-storage") && modem {
            self.derive("usb_storage_bound", line);
        }
    }

    /// Take one USB device from the sysfs model (`dongle doctor --live`): its vid:pid,
    /// interfaces, drivers and ports as they are now. Feed the kernel log first, then the
    /// devices, so the devices count as the end state.
    pub fn feed_device(&mut self, dev: &dongle_usb::UsbDevice) {
        self.seq += 1;
        let seq = self.seq;
        let id = (dev.vid, dev.pid);
        let Some(d) = dev_entry(&mut self.devs, &dev.path) else {
            return;
        };
        d.path = Some(dev.path.clone());
        d.id = Some(id);
        if d.history.last() != Some(&id) && d.history.len() < 16 {
            d.history.push(id);
        }
        if d.enumerations == 0 {
            d.enumerations = 1;
        }
        if let Some(p) = &dev.product {
            d.product = Some(clip(p));
        }
        d.seq = seq;
        d.drivers.clear();
        d.failed.clear();
        d.ttys.clear();
        d.ifaces.clear();
        for i in dev.interfaces.iter().take(32) {
            d.ifaces
                .push((i.class, i.subclass, i.protocol, i.driver.clone()));
            if let Some(dr) = &i.driver {
                d.drivers.insert(dr.clone());
                if MODEM_DRIVERS.contains(&dr.as_str()) {
                    d.modem = true;
                }
            }
            for t in &i.ttys {
                d.ttys.insert(t.clone());
            }
        }
        if !d.is_modem() {
            return;
        }
        let mut derived = Vec::new();
        for i in &dev.interfaces {
            let at = format!(
                "sysfs: {}:{}.{} class {:02x}/{:02x}/{:02x}",
                dev.path,
                dev.configuration.unwrap_or(1),
                i.number,
                i.class,
                i.subclass,
                i.protocol
            );
            match (i.driver.as_deref(), i.class, i.subclass) {
                (None, 0xff, _) => derived.push(("iface_unbound", format!("{at}: no driver"))),
                (None, 0x02, 0x06 | 0x0d | 0x0e) | (None, 0x0a, _) => {
                    derived.push(("net_iface_unbound", format!("{at}: no driver")))
                }
                (Some("usb-storage"), _, _) => {
                    derived.push(("usb_storage_bound", format!("{at}: driver usb-storage")))
                }
                _ => {}
            }
            for t in &i.ttys {
                derived.push((
                    "ttys_seen",
                    format!(
                        "{at}: driver {}, port {t}",
                        i.driver.as_deref().unwrap_or("-")
                    ),
                ));
            }
        }
        for (name, ev) in derived {
            self.derive(name, &ev);
        }
    }

    /// Lines read so far.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Run the rules over what was seen.
    pub fn finish(mut self) -> Report {
        report::finish(&mut self)
    }
}

/// The name after `idProduct 0x1506 ` in `lsusb -v`.
fn p_name(t: &str) -> Option<String> {
    let mut it = t.split_whitespace().skip(2);
    let first = it.next()?;
    Some(
        std::iter::once(first)
            .chain(it)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// The personality of a device record: the device table, else the drivers, else interfaces.
fn personality_of(d: &DevRec) -> Personality {
    if let Some((v, p)) = d.id {
        if let Some(k) = dongle_catalog::lookup(v, p) {
            if k.personality != Personality::Unknown {
                return k.personality;
            }
        }
    }
    let has = |x: &str| d.drivers.iter().any(|dr| dr == x);
    if has("cdc_mbim") && !d.failed.contains("cdc_mbim") {
        return Personality::Mbim;
    }
    if has("qmi_wwan") {
        return Personality::Qmi;
    }
    if has("huawei_cdc_ncm") || has("cdc_ncm") {
        return Personality::Ncm;
    }
    if has("rndis_host") {
        return Personality::Rndis;
    }
    if has("cdc_ether") {
        return if d.id.is_some_and(|(v, _)| v == 0x12d1) {
            Personality::Hilink
        } else {
            Personality::Unknown
        };
    }
    if [
        "option",
        "qcserial",
        "sierra",
        "usbserial_generic",
        "cdc_acm",
    ]
    .iter()
    .any(|x| has(x))
        || !d.ttys.is_empty()
    {
        return Personality::Serial;
    }
    if has("usb-storage") {
        return Personality::Storage;
    }
    let ifs = &d.ifaces;
    if !ifs.is_empty() {
        let has_cls = |c: u8, s: u8| ifs.iter().any(|i| i.0 == c && i.1 == s);
        if has_cls(0x02, 0x0e) {
            return Personality::Mbim;
        }
        if has_cls(0x02, 0x0d)
            || ifs
                .iter()
                .any(|i| i.0 == 0xff && i.1 == 0x02 && matches!(i.2, 0x16 | 0x46 | 0x76))
        {
            return Personality::Ncm;
        }
        if has_cls(0x02, 0x06) && d.id.is_some_and(|(v, _)| v == 0x12d1) {
            return Personality::Hilink;
        }
        if ifs.iter().any(|i| i.0 == 0xff) {
            return Personality::Serial;
        }
        if ifs.iter().all(|i| i.0 == 0x08) {
            return Personality::Storage;
        }
    }
    Personality::Unknown
}
