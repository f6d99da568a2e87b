//! `^GETPORTMODE`: which function sits on which USB interface.

use crate::parse::{parse_dec, ParseError, Result};

/// The function of one USB interface (ModemManager's Huawei port modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum PortMode {
    /// AT control port (`pcui`).
    Pcui,
    /// PPP data / AT port (`mdm`, `modem`, `3g_modem`).
    Modem,
    /// Qualcomm diagnostics (`diag`, `3g_diag`, `4g_diag`).
    Diag,
    /// NMEA (`gps`).
    Gps,
    /// Network function (`ndis`, `rndis`, `ncm`, `ecm`).
    Net,
    Cdrom,
    /// Memory card (`sd`, `mass…`).
    Sd,
    Bt,
    /// Debug shells (`a_shell`, `c_shell`).
    Shell,
    /// A name this parser does not know.
    Other,
}

impl PortMode {
    /// Maps a `^GETPORTMODE` name, case-insensitively.
    pub fn from_name(name: &str) -> PortMode {
        let n = name.trim().to_ascii_lowercase();
        match n.as_str() {
            "pcui" => PortMode::Pcui,
            "mdm" | "modem" | "3g_modem" => PortMode::Modem,
            "diag" | "3g_diag" | "4g_diag" => PortMode::Diag,
            "gps" => PortMode::Gps,
            "ndis" | "rndis" | "ncm" | "ecm" => PortMode::Net,
            "cdrom" => PortMode::Cdrom,
            "sd" => PortMode::Sd,
            "bt" => PortMode::Bt,
            "a_shell" | "c_shell" => PortMode::Shell,
            _ if n.starts_with("mass") => PortMode::Sd,
            _ => PortMode::Other,
        }
    }

    /// Whether the function is a tty (these are matched to ttyUSB ports in order).
    pub fn is_serial(self) -> bool {
        matches!(
            self,
            PortMode::Pcui | PortMode::Modem | PortMode::Diag | PortMode::Gps | PortMode::Shell
        )
    }
}

/// One `name:number` item.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PortEntry {
    pub mode: PortMode,
    /// The name as printed, e.g. `3g_diag`.
    pub name: String,
    /// The interface number as printed. Firmware counts from 0 or from 1, so
    /// ModemManager ignores it and relies on the order; it is kept here for
    /// role assignment when it can be checked against sysfs.
    pub interface: Option<u8>,
}

/// `^GETPORTMODE` (Huawei AT spec):
/// `^GETPORTMODE: TYPE: WCDMA: huawei,PCUI:0,MDM:1,NDIS:2,…`, in interface order.
/// Items without a `:` are skipped; a reply without any port is an error.
pub fn parse_getportmode(body: &str) -> Result<Vec<PortEntry>> {
    let err = |why: &str| ParseError::new("^GETPORTMODE", why, body);
    let text = body.trim_start();
    let head = text
        .get(..13)
        .filter(|h| h.eq_ignore_ascii_case("^GETPORTMODE:"));
    if head.is_none() {
        return Err(err("missing ^GETPORTMODE: prefix"));
    }
    let entries: Vec<PortEntry> = text
        .split(',')
        .skip(1)
        .filter_map(|item| {
            let (name, number) = item.split_once(':')?;
            let name = name.trim();
            Some(PortEntry {
                mode: PortMode::from_name(name),
                name: name.to_string(),
                interface: parse_dec(number),
            })
        })
        .collect();
    if entries.is_empty() {
        return Err(err("no ports listed"));
    }
    Ok(entries)
}
