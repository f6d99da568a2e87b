//! Port-role rules as data: interface class/subclass/protocol → role, interface names → role,
//! and [`port_role`], which combines them with the device table.

use dongle_usb::{UsbDevice, UsbInterface};
use serde::Serialize;

use crate::devices::lookup;
use crate::types::{PortRole, RoleSource};

/// What a matching descriptor says about an interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DescriptorHint {
    /// A serial port with this role.
    Role(PortRole),
    /// A network function (NCM): not a tty, so no port role.
    Net,
}

/// One row of the descriptor table. `None` in a field matches anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DescriptorRule {
    /// USB vendor this applies to, or any vendor.
    pub vid: Option<u16>,
    /// bInterfaceClass.
    pub class: u8,
    /// bInterfaceSubClass range (inclusive).
    pub subclass: (u8, u8),
    /// bInterfaceProtocol.
    pub protocol: u8,
    /// What it means.
    pub hint: DescriptorHint,
    /// Where the rule comes from.
    pub source: &'static str,
}

const HUAWEI: Option<u16> = Some(0x12d1);

const fn huawei(protocol: u8, hint: DescriptorHint, source: &'static str) -> DescriptorRule {
    DescriptorRule {
        vid: HUAWEI,
        class: 0xff,
        subclass: (0x01, 0x03),
        protocol,
        hint,
        source,
    }
}

use DescriptorHint::{Net, Role};
use PortRole::{Diag, Gps, Modem, Pcui};

/// Huawei vendor interfaces `ff/SS/PP` (SS 01..=03) carry the `AT^SETPORT` function code in
/// bInterfaceProtocol, read as hex (modemmanager.md §1.6, usb_modeswitch.md §5c). `ff/ff/ff`
/// matches nothing here: it gives no hint. First matching row wins.
pub const DESCRIPTOR_RULES: &[DescriptorRule] = &[
    // MM 77-mm-huawei-net-port-types.rules: ff/01/01, ff/02/01 = modem (PPP).
    huawei(0x01, Role(Modem), "MM huawei rules; ^SETPORT 1 = 3G MODEM"),
    // MM: ff/01/02, ff/02/02 = PCUI (primary AT).
    huawei(0x02, Role(Pcui), "MM huawei rules; ^SETPORT 2 = 3G PCUI"),
    // ME909u-521 If1 ff/01/03; E3372h-320 ff/02/03 DIAG (trackIT-Systems docs).
    huawei(
        0x03,
        Role(Diag),
        "^SETPORT 3 = 3G DIAG; E3372h-320, ME909u-521 dumps",
    ),
    // MM: ff/01/05 MU609 GPS.
    huawei(
        0x05,
        Role(Gps),
        "MM huawei rules (MU609); ^SETPORT 5 = 3G GPS",
    ),
    huawei(0x10, Role(Modem), "^SETPORT 10 = 4G MODEM"),
    // 12d1:1506 E3372 shows ff/03/12 on option (gargoyle issue #537).
    huawei(
        0x12,
        Role(Pcui),
        "^SETPORT 12 = 4G PCUI; E3372 12d1:1506 ff/03/12",
    ),
    huawei(0x13, Role(Diag), "^SETPORT 13 = 4G DIAG"),
    // MM: ff/01/14 MU909 GPS.
    huawei(
        0x14,
        Role(Gps),
        "MM huawei rules (MU909); ^SETPORT 14 = 4G GPS",
    ),
    // 12d1:1506 shows ff/03/16 on huawei_cdc_ncm (gargoyle issue #537).
    huawei(
        0x16,
        Net,
        "^SETPORT 16 = NCM; E3372 12d1:1506 ff/03/16 huawei_cdc_ncm",
    ),
    // MM: ff/06/14 = GPS on MU906e (subclass 06, outside the 01..=03 family).
    DescriptorRule {
        vid: HUAWEI,
        class: 0xff,
        subclass: (0x06, 0x06),
        protocol: 0x14,
        hint: Role(Gps),
        source: "MM huawei rules (MU906e)",
    },
];

/// Substrings of the iInterface string (lowercased) → role, for Huawei devices
/// (MM `propagate_port_type_hints()` rule 2: "modem" → PPP, "pcui" → primary).
pub const NAME_RULES: &[(&str, PortRole)] = &[
    ("modem", PortRole::Modem),
    ("pcui", PortRole::Pcui),
    ("pc ui", PortRole::Pcui),
    ("diag", PortRole::Diag),
    ("gps", PortRole::Gps),
    ("nmea", PortRole::Gps),
];

impl DescriptorRule {
    /// True if this rule applies to the interface of a device with vendor `vid`.
    pub fn matches(&self, vid: u16, iface: &UsbInterface) -> bool {
        self.vid.is_none_or(|v| v == vid)
            && self.class == iface.class
            && (self.subclass.0..=self.subclass.1).contains(&iface.subclass)
            && self.protocol == iface.protocol
    }
}

/// The first descriptor rule matching this interface, if any (also for network functions).
pub fn descriptor_rule(vid: u16, iface: &UsbInterface) -> Option<&'static DescriptorRule> {
    DESCRIPTOR_RULES.iter().find(|r| r.matches(vid, iface))
}

/// The role an interface's descriptor announces: class/subclass/protocol first, then the
/// iInterface string. `None` for `ff/ff/ff`, for network functions and for anything unknown.
pub fn role_from_descriptor(vid: u16, _pid: u16, iface: &UsbInterface) -> Option<PortRole> {
    match descriptor_rule(vid, iface).map(|r| r.hint) {
        Some(DescriptorHint::Role(role)) => Some(role),
        Some(DescriptorHint::Net) => None,
        None if vid == 0x12d1 => iface.name.as_deref().and_then(role_from_name),
        None => None,
    }
}

/// Role from an interface name such as "HUAWEI Mobile Connect - PC UI Interface".
pub fn role_from_name(name: &str) -> Option<PortRole> {
    let lower = name.to_ascii_lowercase();
    NAME_RULES
        .iter()
        .find(|(needle, _)| lower.contains(needle))
        .map(|&(_, role)| role)
}

/// The role of a port and where it came from: the interface descriptor first, then the
/// built-in device table. `None` means "probe it" (then `^GETPORTMODE`, then interface 0 = modem).
pub fn port_role(dev: &UsbDevice, iface: &UsbInterface) -> Option<(PortRole, RoleSource)> {
    if let Some(role) = role_from_descriptor(dev.vid, dev.pid, iface) {
        return Some((role, RoleSource::Descriptor));
    }
    lookup(dev.vid, dev.pid)?
        .port(iface.number)
        .map(|role| (role, RoleSource::DeviceTable))
}
