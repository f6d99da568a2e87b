//! From facts to the report: derived signals, rule evaluation, and the two renderings
//! (`--json` in the documented shape, and text for people).

use crate::facts::{clip, DevRec};
use crate::{personality_of, Doctor, SigState};
use dongle_catalog::Personality;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The documented `dongle doctor --json` shape. Extend, never rename.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub devices: Vec<DeviceReport>,
    pub findings: Vec<Finding>,
    /// What could not be read, and other remarks about the input.
    pub notes: Vec<String>,
}

/// A device seen in the evidence.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeviceReport {
    /// `vid:pid` it ends with.
    pub id: String,
    /// Model from the device table, else the product string, else "".
    pub model: String,
    /// The personality it ends in: storage, serial, ncm, hilink, mbim, qmi, update, unknown.
    pub mode: &'static str,
    /// USB path (`1-1.4`) when the log names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Earlier vid:pids at the same path (mode switches), oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub seen_as: Vec<String>,
    /// Drivers bound (after the last enumeration).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub drivers: Vec<String>,
    /// Serial ports attached at the end.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
}

/// One diagnosis.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    /// Stable id (shared with `dongle up`): `storage_claims_interface`, `port_busy`…
    pub problem: String,
    /// 0..1, two decimals.
    pub confidence: f64,
    /// The log lines (or summaries of many lines) that support it.
    pub evidence: Vec<String>,
    /// What is wrong, in one sentence.
    pub summary: String,
    /// Why it happens: the mechanism.
    pub explanation: String,
    /// What to do: exact commands.
    pub fix: String,
}

fn mode_name(p: Personality) -> &'static str {
    match p {
        Personality::Storage => "storage",
        Personality::Serial => "serial",
        Personality::Ncm => "ncm",
        Personality::Hilink => "hilink",
        Personality::Mbim => "mbim",
        Personality::Qmi => "qmi",
        Personality::Update => "update",
        // RNDIS is not in the documented set; it is reported as unknown.
        Personality::Rndis | Personality::Unknown => "unknown",
    }
}

fn id_str((v, p): (u16, u16)) -> String {
    format!("{v:04x}:{p:04x}")
}

pub(crate) fn finish(doc: &mut Doctor) -> Report {
    // Devices that are modems; lsusb entries (keyed by id) that duplicate a path entry go.
    let mut devs: Vec<&DevRec> = doc
        .devs
        .values()
        .filter(|d| d.is_modem() && d.id.is_some())
        .collect();
    let with_path: Vec<(u16, u16)> = devs
        .iter()
        .filter(|d| d.path.is_some())
        .filter_map(|d| d.id)
        .collect();
    devs.retain(|d| d.path.is_some() || !d.id.is_some_and(|id| with_path.contains(&id)));
    devs.sort_by_key(|d| std::cmp::Reverse(d.seq));
    let main = devs.first().copied();

    let mut derived: BTreeMap<&'static str, SigState> = std::mem::take(&mut doc.derived);
    let mut add = |name: &'static str, ev: String| {
        derived.entry(name).or_default().hit(&ev);
    };

    // Loops: ports attaching and detaching again and again, or a USB port re-enumerating.
    let mut ttys: Vec<(&String, &crate::facts::TtyRec)> = doc.ttys.iter().collect();
    ttys.sort_by(|a, b| a.0.cmp(b.0));
    for (name, t) in &ttys {
        if t.attaches >= 3 && t.detaches >= 2 {
            add(
                "tty_loop",
                format!(
                    "{name} attached {} times and detached {} times{}",
                    t.attaches,
                    t.detaches,
                    span(t.first_time, t.last_time, t.attaches)
                ),
            );
        }
    }
    // Ports removed although their device was never unplugged: a driver reset or unbind.
    let flapping: Vec<&str> = ttys
        .iter()
        .filter(|(_, t)| t.attaches >= 1 && t.detaches >= t.attaches)
        .filter(|(_, t)| {
            t.path
                .as_ref()
                .and_then(|p| doc.devs.get(p))
                .is_some_and(|d| d.disconnects == 0)
        })
        .map(|(n, _)| n.as_str())
        .collect();
    if !flapping.is_empty() {
        add(
            "tty_flap",
            format!(
                "{} attached and removed again without the USB device being unplugged",
                flapping.join(", ")
            ),
        );
    }
    for d in doc.devs.values() {
        if d.enumerations >= 4 && d.disconnects >= 3 {
            let ids: Vec<String> = d.history.iter().map(|&i| id_str(i)).collect();
            add(
                "usb_loop",
                format!(
                    "USB device {} enumerated {} times ({}){}",
                    d.path.as_deref().unwrap_or("?"),
                    d.enumerations,
                    ids.join(" ↔ "),
                    span(d.first_time, d.last_time, d.enumerations)
                ),
            );
        }
        if d.history.len() >= 2 && d.path.is_some() {
            let ids: Vec<String> = d.history.iter().map(|&i| id_str(i)).collect();
            add(
                "dev_switched",
                format!(
                    "USB device {} came back as {}",
                    d.path.as_deref().unwrap_or("?"),
                    ids.join(" → ")
                ),
            );
        }
    }
    if doc.ttys.values().all(|t| t.attaches == 0) {
        add(
            "no_ttys",
            "no serial port (ttyUSB/ttyACM) was attached in the log".to_string(),
        );
    }
    if let Some(m) = main {
        let id = m.id.map(id_str).unwrap_or_default();
        let p = personality_of(m);
        add("dev_seen", format!("device {id}"));
        let mode = format!("{id} ends in {} mode", mode_name(p));
        match p {
            Personality::Storage => add("dev_ends_storage", mode.clone()),
            Personality::Hilink => add("dev_ends_hilink", mode.clone()),
            Personality::Serial => add("dev_ends_serial", mode.clone()),
            Personality::Ncm => {
                add("dev_ends_ncm", mode.clone());
                add("dev_ends_serial", mode.clone());
            }
            Personality::Mbim => add("dev_ends_mbim", mode.clone()),
            _ => {}
        }
        let known = m.id.and_then(|(v, pi)| dongle_catalog::lookup(v, pi));
        if let Some(k) = known {
            add("dev_ends_known", format!("{id}: {}", k.model));
            if matches!(k.personality, Personality::Update | Personality::Unknown) {
                add(
                    "dev_ends_update",
                    format!("{id} is {} ({})", k.model, k.personality),
                );
            }
        }
    }

    let text = &doc.text;
    let signals = &doc.rules.signals;
    let get = |name: &str| -> Option<&SigState> {
        if let Some(s) = derived.get(name) {
            return Some(s);
        }
        let i = signals.iter().position(|s| s.name == name)?;
        text.get(i).filter(|s| s.count > 0)
    };

    // Template values for fixes.
    let dev = main
        .map(|m| {
            m.path
                .clone()
                .unwrap_or_else(|| m.id.map(id_str).unwrap_or_default())
        })
        .unwrap_or_default();
    let id = main
        .and_then(|m| m.id)
        .map(id_str)
        .unwrap_or_else(|| "VID:PID".into());
    let storage_id = devs
        .iter()
        .flat_map(|d| d.history.iter())
        .find(|&&(v, p)| {
            dongle_catalog::lookup(v, p).is_some_and(|k| k.personality == Personality::Storage)
        })
        .map(|&i| id_str(i))
        .unwrap_or_else(|| id.clone());
    let tty = main
        .and_then(|m| m.ttys.iter().next().cloned())
        .or_else(|| ttys.first().map(|(n, _)| (*n).clone()))
        .unwrap_or_else(|| "ttyUSB0".into());
    let fill = |s: &str| -> String {
        // No device known: `dongle switch {dev}` becomes `dongle switch`.
        let s = if dev.is_empty() {
            s.replace(" {dev}", "")
        } else {
            s.to_string()
        };
        s.replace("{dev}", &dev)
            .replace("{id}", &id)
            .replace("{storage_id}", &storage_id)
            .replace("{tty}", &tty)
    };

    let mut best: BTreeMap<String, (f64, usize, Finding)> = BTreeMap::new();
    for (order, r) in doc.rules.rules.iter().enumerate() {
        if !r.all.iter().all(|s| get(s).is_some()) {
            continue;
        }
        if !r.any.is_empty() && !r.any.iter().any(|s| get(s).is_some()) {
            continue;
        }
        if r.none.iter().any(|s| get(s).is_some()) {
            continue;
        }
        let boosts = r.boost.iter().filter(|s| get(s).is_some()).count() as f64;
        let damps = r.dampen.iter().filter(|s| get(s).is_some()).count() as f64;
        let conf = (r.confidence + 0.03 * boosts - 0.15 * damps).clamp(0.05, 0.99);
        let conf = (conf * 100.0).round() / 100.0;
        let mut evidence: Vec<String> = Vec::new();
        for s in r.all.iter().chain(r.any.iter()).chain(r.boost.iter()) {
            if let Some(st) = get(s) {
                for e in st.evidence.iter().take(2) {
                    if evidence.len() < 6 && !evidence.contains(e) {
                        evidence.push(e.clone());
                    }
                }
            }
        }
        let f = Finding {
            problem: r.problem.clone(),
            confidence: conf,
            evidence,
            summary: fill(&r.summary),
            explanation: fill(&r.explanation),
            fix: fill(&r.fix),
        };
        let better = best.get(&r.problem).is_none_or(|(c, _, _)| conf > *c);
        if better {
            best.insert(r.problem.clone(), (conf, order, f));
        }
    }
    let mut found: Vec<(f64, usize, Finding)> = best.into_values().collect();
    found.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));

    let devices = devs
        .iter()
        .map(|d| {
            let idp = d.id.unwrap_or((0, 0));
            let known = dongle_catalog::lookup(idp.0, idp.1);
            let model = known
                .map(|k| k.model.to_string())
                .or_else(|| d.product.clone())
                .unwrap_or_default();
            let seen_as: Vec<String> = d
                .history
                .iter()
                .filter(|&&h| h != idp)
                .map(|&h| id_str(h))
                .fold(Vec::new(), |mut v, s| {
                    if !v.contains(&s) {
                        v.push(s);
                    }
                    v
                });
            DeviceReport {
                id: id_str(idp),
                model,
                mode: mode_name(personality_of(d)),
                path: d.path.clone(),
                seen_as,
                drivers: d.drivers.iter().cloned().collect(),
                ports: d.ttys.iter().cloned().collect(),
            }
        })
        .collect();

    let mut notes = Vec::new();
    if doc.binary_lines > 0 {
        notes.push(format!(
            "{} lines of binary data were skipped",
            doc.binary_lines
        ));
    }
    if doc.long_lines > 0 {
        notes.push(format!(
            "{} lines longer than {} bytes were cut",
            doc.long_lines,
            crate::MAX_LINE
        ));
    }
    if doc.lines == 0 && doc.devs.is_empty() {
        notes
            .push("no input: paste `dmesg`, `lsusb`, usb_modeswitch, wvdial or pppd output".into());
    }
    Report {
        devices,
        findings: found.into_iter().map(|(_, _, f)| f).collect(),
        notes,
    }
}

fn span(first: Option<f64>, last: Option<f64>, n: u32) -> String {
    match (first, last) {
        (Some(a), Some(b)) if b > a => {
            let s = b - a;
            format!(" within {s:.1} s (every {:.2} s)", s / f64::from(n.max(1)))
        }
        _ => String::new(),
    }
}

impl Report {
    /// Text for people: devices, findings most likely first, each with its fix, then the
    /// next step.
    pub fn human(&self) -> String {
        let mut o = String::new();
        if self.devices.is_empty() {
            let _ = writeln!(o, "no modem seen in the input");
        }
        for d in &self.devices {
            let _ = write!(o, "device {}", d.id);
            if let Some(p) = &d.path {
                let _ = write!(o, " at {p}");
            }
            if !d.model.is_empty() {
                let _ = write!(o, "  {}", d.model);
            }
            let _ = write!(o, "  mode {}", d.mode);
            if !d.seen_as.is_empty() {
                let _ = write!(o, "  (was {})", d.seen_as.join(", "));
            }
            if !d.drivers.is_empty() {
                let _ = write!(o, "  drivers {}", d.drivers.join(","));
            }
            if !d.ports.is_empty() {
                let _ = write!(o, "  ports {}", d.ports.join(","));
            }
            let _ = writeln!(o);
        }
        if self.findings.is_empty() {
            let _ = writeln!(o, "\nno problem recognised in the input.");
        }
        for (i, f) in self.findings.iter().enumerate() {
            let _ = writeln!(
                o,
                "\n{}. {} [{}] ({:.0}% likely)",
                i + 1,
                f.summary,
                f.problem,
                f.confidence * 100.0
            );
            let _ = writeln!(o, "   why: {}", f.explanation);
            for e in &f.evidence {
                let _ = writeln!(o, "   seen: {}", clip(e));
            }
            let _ = writeln!(o, "   fix: {}", f.fix);
        }
        for n in &self.notes {
            let _ = writeln!(o, "\nnote: {n}");
        }
        match self.findings.first() {
            Some(f) => {
                let _ = writeln!(o, "\nnext: {}", f.fix);
            }
            None => match self.devices.first() {
                Some(d) if d.mode == "hilink" => {
                    let _ = writeln!(
                        o,
                        "\nnext: `dongle up --via hilink` (or `dongle hilink status`)"
                    );
                }
                Some(d) if matches!(d.mode, "serial" | "ncm") => {
                    let dev = d.path.as_deref().unwrap_or(&d.id);
                    let _ = writeln!(
                        o,
                        "\nnext: `dongle probe {dev}` (the ports and their roles), then `dongle up {dev}`"
                    );
                }
                _ => {
                    let _ = writeln!(
                        o,
                        "\nnext: add more evidence: `dmesg`, `lsusb`, `usb-devices`, and the output of the tool that failed"
                    );
                }
            },
        }
        o
    }

    /// The problem ids, in order.
    pub fn problems(&self) -> Vec<&str> {
        self.findings.iter().map(|f| f.problem.as_str()).collect()
    }
}
