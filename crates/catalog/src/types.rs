//! The vocabulary: port roles, where a role came from, and device personalities.

use std::fmt;

use dongle_usb::UsbDevice;
use serde::Serialize;

use crate::devices::lookup;

/// What a modem's serial port is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PortRole {
    /// The data port: PPP runs here (Huawei "MODEM", MM "PPP").
    Modem,
    /// The control port: AT commands while the modem port is busy with PPP (Huawei "PC UI",
    /// MM "primary"/"aux" AT port).
    Pcui,
    /// Diagnostics (QCDM / Huawei DIAG): does not speak AT; never send it AT or QCDM probes.
    Diag,
    /// NMEA GPS output.
    Gps,
    /// Not known from descriptors or the device table; probing decides.
    Unknown,
}

impl PortRole {
    /// Lowercase name, the same as the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            PortRole::Modem => "modem",
            PortRole::Pcui => "pcui",
            PortRole::Diag => "diag",
            PortRole::Gps => "gps",
            PortRole::Unknown => "unknown",
        }
    }

    /// True for the roles that answer AT commands.
    pub fn speaks_at(self) -> bool {
        matches!(self, PortRole::Modem | PortRole::Pcui)
    }
}

impl fmt::Display for PortRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a port role came from, so `dongle probe` can explain itself.
/// Serialized in snake_case: `descriptor`, `device_table`, `get_port_mode`, `probe`, `fallback`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleSource {
    /// The interface descriptor (class/subclass/protocol or iInterface string).
    Descriptor,
    /// The built-in device table, by vid:pid and interface number.
    DeviceTable,
    /// The modem's own `AT^GETPORTMODE` answer.
    GetPortMode,
    /// How the port answered a probe, where that contradicts a table guess
    /// (a "diag" port that answers AT is a control port).
    Probe,
    /// A last resort such as "interface 0 is the modem".
    Fallback,
}

impl fmt::Display for RoleSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RoleSource::Descriptor => "descriptor",
            RoleSource::DeviceTable => "device table",
            RoleSource::GetPortMode => "^GETPORTMODE",
            RoleSource::Probe => "probe",
            RoleSource::Fallback => "fallback",
        })
    }
}

/// What a USB modem currently presents itself as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Personality {
    /// Mass storage / virtual CD-ROM ("ZeroCD"): needs a mode switch.
    Storage,
    /// Serial ports only (option / usb-serial / cdc_acm): PPP over the modem port.
    Serial,
    /// Serial ports plus a CDC-NCM (or huawei_cdc_ncm) network function: `^NDISDUP` + DHCP.
    Ncm,
    /// HiLink: a CDC-Ethernet NAT router with an HTTP API, usually at 192.168.8.1.
    Hilink,
    /// RNDIS network function.
    Rndis,
    /// MBIM (cdc_mbim).
    Mbim,
    /// QMI (qmi_wwan).
    Qmi,
    /// Firmware-update / debug composition: do not try to dial.
    Update,
    /// Not known.
    Unknown,
}

impl Personality {
    /// Lowercase name, the same as the serde form.
    pub fn as_str(self) -> &'static str {
        match self {
            Personality::Storage => "storage",
            Personality::Serial => "serial",
            Personality::Ncm => "ncm",
            Personality::Hilink => "hilink",
            Personality::Rndis => "rndis",
            Personality::Mbim => "mbim",
            Personality::Qmi => "qmi",
            Personality::Update => "update",
            Personality::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Personality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The personality of a device as it is now: the device table's answer when it has one (other
/// than `Unknown`), else a guess from the interfaces and their drivers.
pub fn personality(dev: &UsbDevice) -> Personality {
    if let Some(known) = lookup(dev.vid, dev.pid) {
        if known.personality != Personality::Unknown {
            return known.personality;
        }
    }
    personality_from_interfaces(dev)
}

/// Guess from interface classes and bound drivers (the strongest signal wins).
fn personality_from_interfaces(dev: &UsbDevice) -> Personality {
    let ifs = &dev.interfaces;
    if ifs.is_empty() {
        return Personality::Unknown;
    }
    let has_driver = |d: &str| ifs.iter().any(|i| i.driver.as_deref() == Some(d));
    let has_class = |c: u8, s: u8| ifs.iter().any(|i| i.class == c && i.subclass == s);
    if has_driver("cdc_mbim") || has_class(0x02, 0x0e) {
        Personality::Mbim
    } else if has_driver("qmi_wwan") {
        Personality::Qmi
    } else if has_driver("huawei_cdc_ncm") || has_driver("cdc_ncm") || has_class(0x02, 0x0d) {
        Personality::Ncm
    } else if has_driver("rndis_host")
        || ifs
            .iter()
            .any(|i| (i.class, i.subclass, i.protocol) == (0xe0, 0x01, 0x03))
        || ifs
            .iter()
            .any(|i| (i.class, i.subclass, i.protocol) == (0xef, 0x04, 0x01))
    {
        Personality::Rndis
    } else if dev.vid == 0x12d1 && (has_driver("cdc_ether") || has_class(0x02, 0x06)) {
        // Huawei CDC-Ethernet with no serial ports is the HiLink router firmware.
        Personality::Hilink
    } else if ifs
        .iter()
        .any(|i| i.class == 0xff || (i.class == 0x02 && i.subclass == 0x02))
    {
        Personality::Serial
    } else if ifs.iter().all(|i| i.class == 0x08) {
        Personality::Storage
    } else {
        Personality::Unknown
    }
}
