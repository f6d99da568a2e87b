//! From a USB device to its AT ports and their roles.
//!
//! The order of evidence follows ModemManager's Huawei plugin
//! (reference/modemmanager.md §1.6): interface descriptors first (Huawei puts
//! the `^SETPORT` function code in bInterfaceProtocol), then `^GETPORTMODE`,
//! then our device table, then the rule of last resort: interface 0 is the
//! modem (PPP) port and any other port that answers AT is a control port.

use crate::context::Context;
use crate::failure::{Exit, Failure};
use dongle_at::parse::huawei::portmode::{PortEntry, PortMode};
use dongle_at::probe::{probe_ports, Answer, PortProbe, ProbeOptions};
use dongle_at::{AtSession, Holder, OpenOptions, SerialPort};
use dongle_catalog::{PortRole, RoleSource};
use dongle_usb::UsbDevice;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// A tty to probe, with what sysfs says about it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub path: PathBuf,
    pub tty: String,
    pub device: Option<UsbDevice>,
    pub interface: Option<u8>,
}

/// One port after probing: the `probe --json` element.
#[derive(Debug, Clone, Serialize)]
pub struct Port {
    pub port: PathBuf,
    pub tty: String,
    /// USB path of the device (`1-1`), when known.
    pub device: Option<String>,
    /// `vid:pid`, when known.
    pub id: Option<String>,
    pub interface: Option<u8>,
    pub driver: Option<String>,
    pub role: PortRole,
    pub role_source: RoleSource,
    pub at: bool,
    pub answer: Answer,
    pub response_ms: Option<u64>,
    pub holder: Option<Holder>,
    pub error: Option<String>,
}

/// The ttys of the chosen device(s), or of the ports named with `--port`.
pub fn candidates(
    ctx: &Context,
    dev: Option<&str>,
    ports: &[String],
) -> Result<Vec<Candidate>, Failure> {
    if !ports.is_empty() {
        let devices = ctx.sysfs.devices().unwrap_or_default();
        return Ok(ports
            .iter()
            .map(|p| candidate_for_port(ctx, &devices, p))
            .collect());
    }
    let devices = match dev {
        Some(spec) => vec![ctx.sysfs.find(spec)?],
        None => ctx
            .sysfs
            .devices()?
            .into_iter()
            .filter(|d| !d.ttys().is_empty())
            .collect(),
    };
    let out: Vec<Candidate> = devices
        .iter()
        .flat_map(|d| {
            d.ttys().into_iter().map(move |(iface, tty)| Candidate {
                path: ctx.dev_root.join(&tty),
                tty,
                device: Some(d.clone()),
                interface: Some(iface),
            })
        })
        .collect();
    if out.is_empty() {
        let what = match dev {
            Some(spec) => format!("device {spec} has no serial ports"),
            None => "no USB modem with serial ports found".into(),
        };
        return Err(Failure::new(
            Exit::NotFound,
            format!("{what}; it may be in storage or HiLink mode: see `dongle list`"),
        ));
    }
    Ok(out)
}

fn candidate_for_port(ctx: &Context, devices: &[UsbDevice], port: &str) -> Candidate {
    let path = ctx.port_path(port);
    let tty = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for d in devices {
        if let Some((iface, _)) = d.ttys().into_iter().find(|(_, t)| *t == tty) {
            return Candidate {
                path,
                tty,
                device: Some(d.clone()),
                interface: Some(iface),
            };
        }
    }
    Candidate {
        path,
        tty,
        device: None,
        interface: None,
    }
}

/// Probe candidates in parallel and assign roles.
pub fn probe(candidates: &[Candidate], opts: &ProbeOptions) -> Vec<Port> {
    let paths: Vec<PathBuf> = candidates.iter().map(|c| c.path.clone()).collect();
    let results = probe_ports(&paths, opts);
    let mut ports: Vec<Port> = candidates
        .iter()
        .zip(results)
        .map(|(c, r)| initial_port(c, r))
        .collect();
    for (key, idx) in by_device(&ports) {
        let dev = candidates[idx[0]].device.as_ref();
        if needs_portmode(dev, &ports, &idx) {
            if let Some(map) = ask_portmode(&ports, &idx) {
                apply(
                    &mut ports,
                    &idx,
                    |iface| map.get(&iface).copied(),
                    RoleSource::GetPortMode,
                );
            }
        }
        if let Some(known) = dev.and_then(|d| dongle_catalog::lookup(d.vid, d.pid)) {
            apply(
                &mut ports,
                &idx,
                |iface| known.port(iface),
                RoleSource::DeviceTable,
            );
        }
        trust_answers(&mut ports, &idx);
        fallback(&mut ports, &idx);
        log::debug!(
            "roles for {key}: {:?}",
            idx.iter().map(|&i| ports[i].role).collect::<Vec<_>>()
        );
    }
    ports
}

fn initial_port(c: &Candidate, r: PortProbe) -> Port {
    let iface = c
        .device
        .as_ref()
        .zip(c.interface)
        .and_then(|(d, n)| d.interface(n).map(|i| (d, i)));
    let hint = iface.and_then(|(d, i)| dongle_catalog::port_role(d, i));
    let (role, role_source) = hint.unwrap_or((PortRole::Unknown, RoleSource::Fallback));
    Port {
        port: c.path.clone(),
        tty: c.tty.clone(),
        device: c.device.as_ref().map(|d| d.path.clone()),
        id: c.device.as_ref().map(UsbDevice::id),
        interface: c.interface,
        driver: iface.and_then(|(_, i)| i.driver.clone()),
        role,
        role_source,
        at: r.at,
        answer: r.answer,
        response_ms: r.response_ms,
        holder: r.holders.into_iter().next(),
        error: r.error,
    }
}

/// Ports grouped per USB device (ports without a device are each their own group).
fn by_device(ports: &[Port]) -> BTreeMap<String, Vec<usize>> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, p) in ports.iter().enumerate() {
        let key = p
            .device
            .clone()
            .unwrap_or_else(|| p.port.display().to_string());
        groups.entry(key).or_default().push(i);
    }
    groups
}

fn unresolved(ports: &[Port], idx: &[usize]) -> bool {
    idx.iter().any(|&i| ports[i].role == PortRole::Unknown)
}

/// `^GETPORTMODE` is Huawei's; ask only when descriptors left a port open.
fn needs_portmode(dev: Option<&UsbDevice>, ports: &[Port], idx: &[usize]) -> bool {
    dev.is_some_and(|d| d.vid == 0x12d1)
        && unresolved(ports, idx)
        && idx.iter().any(|&i| ports[i].at)
}

/// Ask `AT^GETPORTMODE` on the best AT port of the device: interface number → role.
fn ask_portmode(ports: &[Port], idx: &[usize]) -> Option<BTreeMap<u8, PortRole>> {
    let best = idx
        .iter()
        .copied()
        .filter(|&i| ports[i].at)
        .min_by_key(|&i| {
            if ports[i].role == PortRole::Pcui {
                0
            } else {
                1
            }
        })?;
    let port = SerialPort::open(&ports[best].port, &OpenOptions::default()).ok()?;
    let session = AtSession::new(port);
    let resp = session
        .command_with("AT^GETPORTMODE", Duration::from_millis(500), None)
        .ok()?;
    let entries = dongle_at::parse::huawei::portmode::parse_getportmode(&resp.body()).ok()?;
    let tty_ifaces: Vec<u8> = idx.iter().filter_map(|&i| ports[i].interface).collect();
    Some(portmode_roles(&entries, &tty_ifaces))
}

/// Interface number → role from `^GETPORTMODE` entries. Firmware counts
/// interfaces from 0 or from 1, so the printed numbers are trusted only when
/// every serial entry names an interface that has a tty; otherwise the serial
/// entries are matched to the ttys in interface order, as ModemManager does.
fn portmode_roles(entries: &[PortEntry], tty_ifaces: &[u8]) -> BTreeMap<u8, PortRole> {
    let serial: Vec<&PortEntry> = entries.iter().filter(|e| e.mode.is_serial()).collect();
    let numbers_fit = serial
        .iter()
        .all(|e| e.interface.is_some_and(|n| tty_ifaces.contains(&n)));
    let mut sorted = tty_ifaces.to_vec();
    sorted.sort_unstable();
    serial
        .iter()
        .enumerate()
        .filter_map(|(k, e)| {
            let iface = if numbers_fit {
                e.interface?
            } else {
                *sorted.get(k)?
            };
            let role = match e.mode {
                PortMode::Pcui => PortRole::Pcui,
                PortMode::Modem => PortRole::Modem,
                PortMode::Diag => PortRole::Diag,
                PortMode::Gps => PortRole::Gps,
                _ => return None,
            };
            Some((iface, role))
        })
        .collect()
}

fn apply(
    ports: &mut [Port],
    idx: &[usize],
    role_of: impl Fn(u8) -> Option<PortRole>,
    source: RoleSource,
) {
    for &i in idx {
        let p = &mut ports[i];
        if p.role != PortRole::Unknown {
            continue;
        }
        if let Some(role) = p.interface.and_then(&role_of) {
            p.role = role;
            p.role_source = source;
        }
    }
}

/// A table or fallback guess loses to what the port did: a diagnostics port
/// (QCDM/Balong diag) never answers AT, so a "diag" that does is a control
/// port. Descriptor and `^GETPORTMODE` roles come from the firmware itself
/// and stand.
fn trust_answers(ports: &mut [Port], idx: &[usize]) {
    for &i in idx {
        let p = &mut ports[i];
        let guessed = matches!(
            p.role_source,
            RoleSource::DeviceTable | RoleSource::Fallback
        );
        if guessed && p.role == PortRole::Diag && p.at {
            p.role = PortRole::Pcui;
            p.role_source = RoleSource::Probe;
        }
    }
}

/// Last resort: ModemManager's rule for hint-less sticks (interface 0 is
/// PPP), other AT ports are control ports, binary talkers are diag ports.
fn fallback(ports: &mut [Port], idx: &[usize]) {
    for &i in idx {
        let p = &mut ports[i];
        if p.role != PortRole::Unknown {
            continue;
        }
        p.role = match (p.at, p.interface, p.answer) {
            (true, Some(0), _) => PortRole::Modem,
            (true, _, _) => PortRole::Pcui,
            (false, _, Answer::Binary) => PortRole::Diag,
            _ => PortRole::Unknown,
        };
        if p.role != PortRole::Unknown {
            p.role_source = RoleSource::Fallback;
        }
    }
}

/// The port to send control commands to: a PCUI port that answered, else the
/// modem port, else any port that answered.
pub fn control_port(ports: &[Port]) -> Option<&Port> {
    let answered = || ports.iter().filter(|p| p.at);
    answered()
        .find(|p| p.role == PortRole::Pcui)
        .or_else(|| answered().find(|p| p.role == PortRole::Modem))
        .or_else(|| answered().next())
}

/// Open an AT session on the control port of the chosen modem: the port the
/// user named, else a PCUI port the descriptors or our table name (no probe
/// needed, which keeps `dongle info` fast), else the result of a full probe.
pub fn open_control(
    ctx: &Context,
    dev: Option<&str>,
    port: Option<&str>,
) -> Result<AtSession, Failure> {
    if let Some(p) = port {
        let path = ctx.port_path(p);
        return Ok(AtSession::new(SerialPort::open(
            &path,
            &OpenOptions::default(),
        )?));
    }
    let cands = candidates(ctx, dev, &[])?;
    for c in &cands {
        let hinted_pcui = c
            .device
            .as_ref()
            .zip(c.interface)
            .and_then(|(d, n)| d.interface(n).and_then(|i| dongle_catalog::port_role(d, i)))
            .is_some_and(|(role, _)| role == PortRole::Pcui);
        if !hinted_pcui {
            continue;
        }
        if let Ok(sp) = SerialPort::open(&c.path, &OpenOptions::default()) {
            let s = AtSession::new(sp);
            if s.command_with("AT", Duration::from_millis(300), None)
                .is_ok()
            {
                return Ok(s);
            }
        }
    }
    let found = probe(&cands, &ProbeOptions::default());
    match control_port(&found) {
        Some(c) => Ok(AtSession::new(SerialPort::open(
            &c.port,
            &OpenOptions::default(),
        )?)),
        None => {
            if let Some(b) = found.iter().find(|p| p.answer == Answer::Busy) {
                let holder = b
                    .holder
                    .as_ref()
                    .map(|h| h.to_string())
                    .unwrap_or_else(|| "another program".into());
                return Err(Failure::new(
                    Exit::Busy,
                    format!("{}: busy, in use by {holder} (stop it first, e.g. `systemctl stop ModemManager`)", b.port.display()),
                ));
            }
            Err(Failure::new(
                Exit::Modem,
                "no port of the modem answered AT (it may still be booting, or be in a mode without AT ports: see `dongle probe` and `dongle list`)",
            ))
        }
    }
}
