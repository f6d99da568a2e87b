//! Facts that need more than one line's text: USB devices and their vid:pid history, drivers
//! bound per device, serial ports coming and going (and how fast), AT commands and the answer
//! they got, registration states and `+CME ERROR` codes. Everything here is bounded: a few
//! dozen devices and ports, a few evidence lines each, so memory stays flat as logs grow.

use std::collections::{BTreeSet, HashMap};

/// Structural cues the automaton looks for besides the rules' own patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Enumerate,
    NewDevice,
    Disconnect,
    TtyAttached,
    TtyDetached,
    Product,
    LsusbId,
    UsbDevicesT,
    UsbDevicesP,
    UsbDevicesI,
    IdVendor,
    IdProduct,
    IfClass,
    IfSubClass,
    IfProtocol,
    Cme,
    Creg,
    Atd,
    AtNdisdup,
    AtSetport,
    AtCgdcont,
    SwitchedTo,
    Driver,
}

/// Text of every anchor (matched case-insensitively).
pub const ANCHORS: &[(&str, Anchor)] = &[
    ("usb device number", Anchor::Enumerate),
    ("usb device using", Anchor::Enumerate),
    ("new usb device found", Anchor::NewDevice),
    ("usb disconnect", Anchor::Disconnect),
    ("converter now attached to", Anchor::TtyAttached),
    ("usb acm device", Anchor::TtyAttached),
    ("converter now disconnected from", Anchor::TtyDetached),
    (": product: ", Anchor::Product),
    (": id ", Anchor::LsusbId),
    ("t:  bus=", Anchor::UsbDevicesT),
    ("prodid=", Anchor::UsbDevicesP),
    ("driver=", Anchor::UsbDevicesI),
    ("idvendor", Anchor::IdVendor),
    ("idproduct", Anchor::IdProduct),
    ("binterfaceclass", Anchor::IfClass),
    ("binterfacesubclass", Anchor::IfSubClass),
    ("binterfaceprotocol", Anchor::IfProtocol),
    ("+cme error", Anchor::Cme),
    ("+creg:", Anchor::Creg),
    ("+cgreg:", Anchor::Creg),
    ("+cereg:", Anchor::Creg),
    ("atd", Anchor::Atd),
    ("at^ndisdup", Anchor::AtNdisdup),
    ("at^setport", Anchor::AtSetport),
    ("at+cgdcont", Anchor::AtCgdcont),
    ("switched to ", Anchor::SwitchedTo),
    ("option ", Anchor::Driver),
    ("usb-storage ", Anchor::Driver),
    ("cdc_ether ", Anchor::Driver),
    ("cdc_ncm ", Anchor::Driver),
    ("cdc_mbim ", Anchor::Driver),
    ("qmi_wwan ", Anchor::Driver),
    ("cdc_acm ", Anchor::Driver),
    ("qcserial ", Anchor::Driver),
    ("sierra ", Anchor::Driver),
    ("usbserial_generic ", Anchor::Driver),
    ("rndis_host ", Anchor::Driver),
    ("cdc_wdm ", Anchor::Driver),
];

/// Drivers that mean "this is a modem".
pub const MODEM_DRIVERS: &[&str] = &[
    "option",
    "cdc_ether",
    "cdc_ncm",
    "huawei_cdc_ncm",
    "cdc_mbim",
    "qmi_wwan",
    "cdc_acm",
    "qcserial",
    "sierra",
    "usbserial_generic",
    "rndis_host",
    "cdc_wdm",
];

/// Vendors whose USB devices are (nearly) all modems.
const MODEM_VENDORS: &[u16] = &[
    0x12d1, 0x19d2, 0x1bbb, 0x1199, 0x1c9e, 0x1e0e, 0x2c7c, 0x1410, 0x0af0, 0x1bc7, 0x2001, 0x1e2d,
    0x106c, 0x2357, 0x05c6, 0x1435, 0x0408, 0x2020, 0x16d8, 0x1782, 0x230d,
    // Fibocom (current and NL668-era IDs).
    0x2cb7, 0x1508,
];

pub const MAX_DEVICES: usize = 64;
pub const MAX_TTYS: usize = 64;
pub const MAX_EVIDENCE: usize = 3;
pub const MAX_EVIDENCE_CHARS: usize = 240;

/// One USB device as the log shows it.
#[derive(Debug, Clone, Default)]
pub struct DevRec {
    pub path: Option<String>,
    pub id: Option<(u16, u16)>,
    /// Every vid:pid seen at this path, in order (bounded).
    pub history: Vec<(u16, u16)>,
    pub product: Option<String>,
    /// Drivers bound since the last enumeration.
    pub drivers: BTreeSet<String>,
    /// Drivers that failed to bind since the last enumeration.
    pub failed: BTreeSet<String>,
    /// Interfaces from `usb-devices` / `lsusb -v`: class, subclass, protocol, driver.
    pub ifaces: Vec<(u8, u8, u8, Option<String>)>,
    pub ttys: BTreeSet<String>,
    pub enumerations: u32,
    pub disconnects: u32,
    pub first_time: Option<f64>,
    pub last_time: Option<f64>,
    /// Order of the last line that touched this device.
    pub seq: u64,
    /// True when a modem driver bound or the vid:pid says modem.
    pub modem: bool,
    /// A "new … USB device number" line was seen and its "New USB device found" not yet.
    pub fresh: bool,
}

impl DevRec {
    pub fn is_modem(&self) -> bool {
        self.modem
            || self.id.is_some_and(|(v, p)| {
                MODEM_VENDORS.contains(&v) || dongle_catalog::lookup(v, p).is_some()
            })
    }
}

/// A serial port's comings and goings.
#[derive(Debug, Clone, Default)]
pub struct TtyRec {
    pub path: Option<String>,
    pub attaches: u32,
    pub detaches: u32,
    pub first_time: Option<f64>,
    pub last_time: Option<f64>,
}

/// The AT command waiting for its final result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    Dial,
    Ndisdup,
    Setport,
    Cgdcont,
}

/// Is `tok` a USB device or interface path (`1-1.4`, `2-1:1.0`)? Returns the device part.
pub fn usb_path(tok: &str) -> Option<&str> {
    let tok = tok.trim_end_matches(':');
    let (dev, iface) = match tok.split_once(':') {
        Some((d, i)) => (d, Some(i)),
        None => (tok, None),
    };
    let (bus, ports) = dev.split_once('-')?;
    if bus.is_empty() || !bus.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if ports.is_empty()
        || !ports
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    if let Some(i) = iface {
        let (c, n) = i.split_once('.')?;
        if c.is_empty() || n.is_empty() || !c.bytes().chain(n.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    Some(dev)
}

/// The first USB path among the first few tokens of `msg`.
pub fn path_in(msg: &str) -> Option<&str> {
    msg.split_whitespace().take(4).find_map(usb_path)
}

/// `12d1` → 0x12d1 (exactly four hex digits, optional 0x).
pub fn hex4(s: &str) -> Option<u16> {
    let s = s.trim().trim_start_matches("0x").trim_start_matches("0X");
    let s = s.get(..4)?;
    u16::from_str_radix(s, 16).ok()
}

/// `12d1:1506` anywhere in a token list.
pub fn id_pair(tok: &str) -> Option<(u16, u16)> {
    let (v, p) = tok.split_once(':')?;
    if v.len() != 4 || p.len() < 4 {
        return None;
    }
    Some((hex4(v)?, hex4(p.get(..4)?)?))
}

/// The value after `key=` (case-insensitive key) up to the next space or comma.
pub fn kv<'a>(msg: &'a str, key: &str) -> Option<&'a str> {
    let lower = msg.to_ascii_lowercase();
    let i = lower.find(key)? + key.len();
    let rest = msg.get(i..)?.trim_start();
    let end = rest.find([' ', ',', '\t']).unwrap_or(rest.len());
    rest.get(..end)
}

/// A `+CME ERROR` (numeric or verbose) as a derived signal name.
pub fn cme_signal(msg: &str) -> Option<&'static str> {
    let lower = msg.to_ascii_lowercase();
    let i = lower.find("+cme error")? + "+cme error".len();
    let rest = lower.get(i..)?.trim_start_matches([':', ' ']).trim();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if let Ok(n) = digits.parse::<u32>() {
        return Some(match n {
            10 => "cme_sim_not_inserted",
            11 => "cme_sim_pin",
            12 => "cme_sim_puk",
            13 | 15 => "cme_sim_failure",
            14 => "cme_sim_busy",
            16 => "cme_wrong_password",
            30 | 31 => "cme_no_network",
            32 | 111..=113 => "cme_network_not_allowed",
            107 => "cme_gprs_not_allowed",
            27 | 533 => "cme_missing_apn",
            149 => "cme_pdp_auth",
            132 | 133 => "cme_not_subscribed",
            _ if (100..=200).contains(&n) => "cme_gprs_other",
            _ => return None,
        });
    }
    let table: &[(&str, &str)] = &[
        ("sim not inserted", "cme_sim_not_inserted"),
        ("sim pin required", "cme_sim_pin"),
        ("sim puk required", "cme_sim_puk"),
        ("sim failure", "cme_sim_failure"),
        ("sim wrong", "cme_sim_failure"),
        ("sim busy", "cme_sim_busy"),
        ("incorrect password", "cme_wrong_password"),
        ("no network service", "cme_no_network"),
        ("network timeout", "cme_no_network"),
        ("network not allowed", "cme_network_not_allowed"),
        ("gprs services not allowed", "cme_gprs_not_allowed"),
        ("missing or unknown apn", "cme_missing_apn"),
        ("pdp authentication failure", "cme_pdp_auth"),
        ("service option not subscribed", "cme_not_subscribed"),
        (
            "requested service option not subscribed",
            "cme_not_subscribed",
        ),
    ];
    table
        .iter()
        .find(|(t, _)| rest.starts_with(t))
        .map(|(_, s)| *s)
}

/// The registration stat of a `+CREG:`/`+CGREG:`/`+CEREG:` line, as a derived signal name.
pub fn creg_signal(msg: &str) -> Option<&'static str> {
    let lower = msg.to_ascii_lowercase();
    let i = ["+creg:", "+cgreg:", "+cereg:"]
        .iter()
        .filter_map(|k| lower.find(k).map(|i| i + k.len()))
        .next()?;
    let rest = lower.get(i..)?.trim();
    // A test response (`+CREG: (0-2)`) says nothing about the state.
    if rest.starts_with('(') {
        return None;
    }
    let fields: Vec<&str> = rest.split(',').map(str::trim).collect();
    let num = |s: &str| -> Option<u32> {
        let d: String = s.chars().take_while(char::is_ascii_digit).collect();
        d.parse().ok()
    };
    let stat = match fields.as_slice() {
        [one] => num(one)?,
        [_, two] => num(two)?,
        [_, two, ..] if two.starts_with('"') => num(fields.first()?)?,
        [_, two, ..] => num(two)?,
        [] => return None,
    };
    Some(match stat {
        0 => "creg_idle",
        1 | 5 => "registered",
        2 => "creg_searching",
        3 => "creg_denied",
        _ => return None,
    })
}

/// Cut a line for evidence (on a char boundary).
pub fn clip(s: &str) -> String {
    let s = s.trim();
    if s.len() <= MAX_EVIDENCE_CHARS {
        return s.to_string();
    }
    let mut end = MAX_EVIDENCE_CHARS;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", s.get(..end).unwrap_or(""))
}

/// Find or make the device record for `key`, within the bound.
pub fn dev_entry<'a>(devs: &'a mut HashMap<String, DevRec>, key: &str) -> Option<&'a mut DevRec> {
    if !devs.contains_key(key) {
        if devs.len() >= MAX_DEVICES {
            return None;
        }
        devs.insert(key.to_string(), DevRec::default());
    }
    devs.get_mut(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(usb_path("1-1.4:"), Some("1-1.4"));
        assert_eq!(usb_path("1-1.5:2.0:"), Some("1-1.5"));
        assert_eq!(usb_path("2-1:1.0"), Some("2-1"));
        assert_eq!(usb_path("usb"), None);
        assert_eq!(usb_path("1-"), None);
        assert_eq!(usb_path("a-1"), None);
        assert_eq!(usb_path("1-1:1"), None);
    }

    #[test]
    fn cme_and_creg() {
        assert_eq!(cme_signal("+CME ERROR: 10"), Some("cme_sim_not_inserted"));
        assert_eq!(cme_signal("+CME ERROR: 100"), Some("cme_gprs_other"));
        assert_eq!(
            cme_signal("+CME ERROR: SIM PIN required"),
            Some("cme_sim_pin")
        );
        assert_eq!(creg_signal("+CREG: 0,3"), Some("creg_denied"));
        assert_eq!(creg_signal("+CREG: 2"), Some("creg_searching"));
        assert_eq!(
            creg_signal("+CGREG: 2,1,\"00C3\",\"0000A13B\""),
            Some("registered")
        );
        assert_eq!(
            creg_signal("+CREG: 1,\"00C3\",\"A13B\""),
            Some("registered")
        );
        assert_eq!(creg_signal("+CREG: (0-2)"), None);
    }

    #[test]
    fn ids() {
        assert_eq!(id_pair("12d1:1506"), Some((0x12d1, 0x1506)));
        assert_eq!(hex4("0x12d1"), Some(0x12d1));
        assert_eq!(
            kv("P:  Vendor=12d1 ProdID=1506 Rev=01.02", "prodid="),
            Some("1506")
        );
    }
}
