//! Switch recipes as data: how to move a stick out of its plug-in personality (usually a
//! mass-storage "ZeroCD") into the one the user wants. One [`SwitchMethod`] is one
//! usb_modeswitch method (usb_modeswitch.md §1); a [`SwitchRecipe`] is the method plus the
//! usb_modeswitch config keys that go with it (§2.2), either built in or read from
//! usb-modeswitch-data ([`crate::ModeswitchData`]).
//!
//! The bytes in this module are exactly those of usb_modeswitch 2.5.2/2.6.1 (§1.2, §1.3).

use std::fmt;

use serde::{Serialize, Serializer};

use crate::types::Personality;

/// HuaweiNewMode (`HuaweiNewMode=1`, `-J`): Huawei vendor CDB `11 06 20 00 00 01 01 00 01`
/// ("Linux" layout, byte 2 = 0x20), CBW tag 12345678, CBLen 0 (§1.2).
pub const HUAWEI_NEW_MSG: &str = "55534243123456780000000000000011062000000101000100000000000000";
/// HuaweiAltMode (`HuaweiAltMode=1`, `-X`): CDB `11 06 30 00 00 00 00 01` (§1.2).
pub const HUAWEI_ALT_MSG: &str = "55534243123456780000000000000011063000000000010000000000000000";
/// The classic Huawei "standard" message, CDB `11 06 20 00 00 01` (§1.2): E3531 1f01 → 1001.
pub const HUAWEI_CLASSIC_MSG: &str =
    "55534243123456780000000000000011062000000100000000000000000000";
/// The E3531 → 12d1:14dc HiLink variant, CBLen 10, CDB `11 06 20 00 00 00 00 00 01` (§1.2).
pub const HUAWEI_HILINK_MSG: &str =
    "55534243123456780000000000000a11062000000000000100000000000000";
/// The old tag-0 message, CDB `11 06 00…` (§1.2): E3531 1f01 → 1442 debug; old E1550/E173.
pub const HUAWEI_TAG0_MSG: &str = "55534243000000000000000000000011060000000000000000000000000000";
/// E173s old config, CDB `11 06 00 00 00 01` (§1.2): 12d1:1c0b → 1c05.
pub const HUAWEI_E173S_MSG: &str = "55534243000000000000000000000011060000000100000000000000000000";
/// The "alt + 01" variant, CDB `11 06 30 00 00 01 00 01` (§1.2): E3531 fw 22.521 1f01 → 155e,
/// E3533 157d → 1001.
pub const HUAWEI_ALT01_MSG: &str = "55534243123456780000000000000011063000000100010000000000000000";
/// OptionMode (`OptionMode=1`, `-U`): SCSI REZERO UNIT, CBLen 6 (§1.2).
pub const OPTION_MSG: &str = "55534243123456780000000000000601000000000000000000000000000000";
/// StandardEject (`StandardEject=1`, `-K`): PREVENT/ALLOW MEDIUM REMOVAL (allow) on LUN 0,
/// START STOP UNIT (eject) on LUN 0, then the same two on LUN 1 (§1.2).
pub const STANDARD_EJECT_MSGS: [&str; 4] = [
    "5553424387654321000000000000061e000000000000000000000000000000",
    "5553424397654321000000000000061b000000020000000000000000000000",
    "5553424387654321000000000001061e000000000000000000000000000000",
    "5553424397654321000000000001061b000000020000000000000000000000",
];
/// CiscoMode (`CiscoMode=1`, `-L`): the 11 CBWs hard-coded in `switchCiscoMode()` of
/// usb_modeswitch 2.5.2 (vendor opcode `fd`; several carry a 512-byte data-IN phase,
/// bmCBWFlags 0x80, dCBWDataTransferLength 0x200). ReleaseDelay is forced to 2000 ms.
pub const CISCO_MSGS: [&str; 11] = [
    "55534243f83bcd810002000080000afd000000030000000100000000000000",
    "55534243984300820002000080000afd000000070000000100000000000000",
    "55534243984300820000000000000afd000100071000000000000000000000",
    "55534243984300820002000080000afd000200230000000100000000000000",
    "55534243984300820000000000000afd000300238200000000000000000000",
    "55534243984300820002000080000afd000200260000000100000000000000",
    "55534243984300820000000000000afd00030026c800000000000000000000",
    "55534243d84c04820002000080000afd000010730000000100000000000000",
    "55534243d84c04820002000080000afd000200240000000100000000000000",
    "55534243d84c04820000000000000afd000300241300000000000000000000",
    "55534243d84c04820000000000000afd000110732400000000000000000000",
];

/// The "USBC" signature that starts every CBW; usb_modeswitch reads a 13-byte CSW after each
/// message containing it.
pub const CBW_SIGNATURE: [u8; 4] = *b"USBC";

/// How to move a device out of its plug-in personality: one usb_modeswitch method
/// (usb_modeswitch.md §1). Serialized with a `method` tag in snake_case
/// (`{"method":"huawei_new"}`, `{"method":"messages","messages":["5553…"]}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "method")]
pub enum SwitchMethod {
    /// `MessageContent`, `MessageContent2`, `MessageContent3` (CLI `-M`, `-2`, `-3`): bulk OUT
    /// transfers to the message endpoint, in order; a 13-byte CSW is read from the response
    /// endpoint after each message that starts with "USBC" (55534243). Detaches all drivers
    /// first.
    Messages {
        /// The raw bytes of each message (serialized as lowercase hex).
        #[serde(serialize_with = "ser_hex_list")]
        messages: Vec<Vec<u8>>,
    },
    /// `HuaweiNewMode=1` (`-J`): bulk CBW [`HUAWEI_NEW_MSG`]; detach first.
    HuaweiNew,
    /// `HuaweiAltMode=1` (`-X`): bulk CBW [`HUAWEI_ALT_MSG`]; detach first.
    HuaweiAlt,
    /// `StandardEject=1` (`-K`): bulk CBWs [`STANDARD_EJECT_MSGS`] (allow removal + eject on
    /// LUN 0 and 1), then `MessageContent` as a 5th message when the config has one
    /// (`MessageContent2`/`3` are ignored). Detach first.
    StandardEject {
        /// The optional 5th message (`MessageContent`).
        #[serde(serialize_with = "ser_hex_opt")]
        extra: Option<Vec<u8>>,
    },
    /// `OptionMode=1` (`-U`): bulk CBW [`OPTION_MSG`] (SCSI REZERO UNIT); detach first.
    OptionMode,
    /// `CiscoMode=1` (`-L`): the 11 bulk CBWs [`CISCO_MSGS`], a CSW read (up to 3 tries) after
    /// each; ReleaseDelay forced to 2000 ms; detach first.
    Cisco,
    /// `HuaweiMode=1` (`-H`), old Huawei (E169/E220/E620): control transfer on ep0,
    /// bmRequestType 0x00, SET_FEATURE (0x03), wValue 1 (DEVICE_REMOTE_WAKEUP), wIndex 0, no
    /// data. No detach. The kernel's usb-storage sends the same request itself for
    /// 12d1:1001/1003/1004/1401–143F with bcdDevice 0 (§5b).
    HuaweiLegacy,
    /// `SierraMode=1` (`-S`): control OUT 0x40, bRequest 0x0B, wValue 1, wIndex 0, no data.
    /// A stall (EPIPE) may still mean success. No detach.
    Sierra,
    /// `SequansMode=1` (`-N`): control OUT 0x40, bRequest 0x0B (SQN_SET_DEVICE_MODE), wValue 2
    /// (custom mode), wIndex 0, no data. No detach.
    Sequans,
    /// `QisdaMode=1` (`-B`): control OUT 0x40, bRequest 0x04, wValue 0, wIndex 0, 16 bytes
    /// `05 8c 04 08 a0 ee 20 00 5c 01 04 08 98 cd ea bf`. No detach.
    Qisda,
    /// `QuantaMode=1` (`-E`): control IN 0xC0, bRequest 0xFF, wValue 0, wIndex 0, wLength 0.
    /// No detach.
    Quanta,
    /// `KobilMode=1` (`-T`): control IN 0xC0, bRequest 0x88, wValue 0, wIndex 0, wLength 8.
    /// Detach first.
    Kobil,
    /// `BlackberryMode=1` (`-Z`): control IN 0xC0 bRequest 0xB1 wValue 0 wLength 8, then
    /// 0xC0 bRequest 0xA9 wValue 0x0E wLength 2. Detach first.
    Blackberry,
    /// `PantechMode=N` (`-F N`): control OUT 0x40, bRequest 0x70, wValue N, wIndex 0, no data;
    /// sent only when N > 1 (1 = wait for the device's own switch, 3 = no action). Detach first.
    Pantech {
        /// N.
        mode: u8,
    },
    /// `GCTMode=1` (`-G`): claim the interface, control IN 0xA1 bRequest 0xA0 then 0xFE,
    /// wValue 0, wIndex = Interface, wLength 1. Detach first.
    Gct,
    /// `SonyMode=1` (`-O`): control IN 0xC0, bRequest 0x11, wValue 2, wIndex 0, wLength 3
    /// (100 ms timeout); wait for the device to come back, then send it again. Detach first.
    Sony,
    /// `MobileActionMode=1` (`-A`): HID SET_REPORT (0x21, 0x09, wValue 0x0300, wIndex 0) with
    /// `b0 04 00 00 02 90 26 86`, twice, then a scripted exchange of 8-byte interrupt transfers
    /// on EP 0x02 OUT / 0x81 IN. No detach.
    MobileAction,
    /// `DetachStorageOnly=1` (`-d`): detach the kernel drivers; that is the whole method.
    DetachOnly,
    /// Nothing to send; only Configuration / AltSetting / ResetUSB apply.
    None,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn ser_hex_list<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|m| hex(m)))
}

fn ser_hex_opt<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(m) => s.serialize_some(&hex(m)),
        None => s.serialize_none(),
    }
}

/// Decode a hex string (no `0x`, even length); `None` when it is not valid hex.
pub fn decode_hex(s: &str) -> Option<Vec<u8>> {
    let s = s.as_bytes();
    if s.len() % 2 != 0 {
        return None;
    }
    s.chunks(2)
        .map(|p| {
            let hi = (p[0] as char).to_digit(16)?;
            let lo = (p[1] as char).to_digit(16)?;
            Some((hi * 16 + lo) as u8)
        })
        .collect()
}

/// Decode one of this module's constant hex strings (they are tested to be valid).
fn konst(s: &str) -> Vec<u8> {
    decode_hex(s).unwrap_or_default()
}

impl SwitchMethod {
    /// The exact bulk bytes this method sends, in order (§1.2); empty for control-transfer
    /// methods, DetachOnly and None.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        match self {
            SwitchMethod::Messages { messages } => messages.clone(),
            SwitchMethod::HuaweiNew => vec![konst(HUAWEI_NEW_MSG)],
            SwitchMethod::HuaweiAlt => vec![konst(HUAWEI_ALT_MSG)],
            SwitchMethod::StandardEject { extra } => STANDARD_EJECT_MSGS
                .iter()
                .map(|m| konst(m))
                .chain(extra.iter().cloned())
                .collect(),
            SwitchMethod::OptionMode => vec![konst(OPTION_MSG)],
            SwitchMethod::Cisco => CISCO_MSGS.iter().map(|m| konst(m)).collect(),
            _ => Vec::new(),
        }
    }

    /// Whether usb_modeswitch detaches every kernel driver before this method (§1.1 table).
    /// The control-transfer methods HuaweiLegacy, Sierra, Qisda, Quanta, Sequans and
    /// MobileAction go to ep0 with usb-storage still bound; `None` detaches only when a
    /// Configuration switch follows (the caller decides).
    pub fn detaches_first(&self) -> bool {
        !matches!(
            self,
            SwitchMethod::HuaweiLegacy
                | SwitchMethod::Sierra
                | SwitchMethod::Qisda
                | SwitchMethod::Quanta
                | SwitchMethod::Sequans
                | SwitchMethod::MobileAction
                | SwitchMethod::None
        )
    }

    /// A storage-class command: usb_modeswitch insists that the interface is class 8 before
    /// sending it (§1.1): MessageContent starting with "USBC", StandardEject, HuaweiNew,
    /// HuaweiAlt, Cisco and Option.
    pub fn is_storage_command(&self) -> bool {
        match self {
            SwitchMethod::Messages { messages } => messages
                .first()
                .is_some_and(|m| m.starts_with(&CBW_SIGNATURE)),
            SwitchMethod::StandardEject { .. }
            | SwitchMethod::HuaweiNew
            | SwitchMethod::HuaweiAlt
            | SwitchMethod::Cisco
            | SwitchMethod::OptionMode => true,
            _ => false,
        }
    }

    /// The control transfers of a control-type method, in order (§1.3); empty for bulk
    /// methods, DetachOnly and None. `interface` is the claimed interface (GCT's wIndex).
    /// Sony's second request (after the device re-appears) and MobileAction's interrupt
    /// exchange are not included: the engine drives those steps.
    pub fn control_requests(&self, interface: u8) -> Vec<ControlRequest> {
        match self {
            SwitchMethod::HuaweiLegacy => vec![ctrl(0x00, 0x03, 0x0001, 0)],
            SwitchMethod::Sierra => vec![ctrl(0x40, 0x0b, 0x0001, 0)],
            SwitchMethod::Sequans => vec![ctrl(0x40, 0x0b, 0x0002, 0)],
            SwitchMethod::Qisda => vec![ControlRequest {
                data: QISDA_DATA.to_vec(),
                ..ctrl(0x40, 0x04, 0, 0)
            }],
            SwitchMethod::Quanta => vec![ctrl(0xc0, 0xff, 0, 0)],
            SwitchMethod::Kobil => vec![ctrl(0xc0, 0x88, 0, 8)],
            SwitchMethod::Blackberry => {
                vec![ctrl(0xc0, 0xb1, 0x0000, 8), ctrl(0xc0, 0xa9, 0x000e, 2)]
            }
            SwitchMethod::Pantech { mode } if *mode > 1 => {
                vec![ctrl(0x40, 0x70, u16::from(*mode), 0)]
            }
            SwitchMethod::Gct => [0xa0, 0xfe]
                .into_iter()
                .map(|req| ControlRequest {
                    index: u16::from(interface),
                    ..ctrl(0xa1, req, 0, 1)
                })
                .collect(),
            SwitchMethod::Sony => vec![ControlRequest {
                timeout_ms: 100,
                ..ctrl(0xc0, 0x11, 2, 3)
            }],
            SwitchMethod::MobileAction => {
                let report = ControlRequest {
                    data: MOBILE_ACTION_REPORT.to_vec(),
                    ..ctrl(0x21, 0x09, 0x0300, 0)
                };
                vec![report.clone(), report]
            }
            _ => Vec::new(),
        }
    }

    /// The usb_modeswitch config key of this method (`HuaweiNewMode`, `MessageContent`, …);
    /// `""` for [`SwitchMethod::None`].
    pub fn key(&self) -> &'static str {
        match self {
            SwitchMethod::Messages { .. } => "MessageContent",
            SwitchMethod::HuaweiNew => "HuaweiNewMode",
            SwitchMethod::HuaweiAlt => "HuaweiAltMode",
            SwitchMethod::StandardEject { .. } => "StandardEject",
            SwitchMethod::OptionMode => "OptionMode",
            SwitchMethod::Cisco => "CiscoMode",
            SwitchMethod::HuaweiLegacy => "HuaweiMode",
            SwitchMethod::Sierra => "SierraMode",
            SwitchMethod::Sequans => "SequansMode",
            SwitchMethod::Qisda => "QisdaMode",
            SwitchMethod::Quanta => "QuantaMode",
            SwitchMethod::Kobil => "KobilMode",
            SwitchMethod::Blackberry => "BlackberryMode",
            SwitchMethod::Pantech { .. } => "PantechMode",
            SwitchMethod::Gct => "GCTMode",
            SwitchMethod::Sony => "SonyMode",
            SwitchMethod::MobileAction => "MobileActionMode",
            SwitchMethod::DetachOnly => "DetachStorageOnly",
            SwitchMethod::None => "",
        }
    }
}

impl fmt::Display for SwitchMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SwitchMethod::None => f.write_str("none"),
            SwitchMethod::Pantech { mode } => write!(f, "PantechMode={mode}"),
            m => f.write_str(m.key()),
        }
    }
}

/// One control transfer of a control-type method, exactly as usb_modeswitch 2.5.2 sends it
/// (usb_modeswitch.md §1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlRequest {
    /// bmRequestType (bit 7 set = device-to-host / IN).
    pub request_type: u8,
    /// bRequest.
    pub request: u8,
    /// wValue.
    pub value: u16,
    /// wIndex.
    pub index: u16,
    /// For OUT: the data stage (often empty). For IN: empty; see `read_len`.
    #[serde(serialize_with = "ser_hex")]
    pub data: Vec<u8>,
    /// For IN: wLength (bytes to read); 0 for OUT.
    pub read_len: u16,
    /// Timeout usb_modeswitch uses, in ms.
    pub timeout_ms: u32,
}

impl ControlRequest {
    /// True for a device-to-host (IN) request.
    pub fn is_in(&self) -> bool {
        self.request_type & 0x80 != 0
    }
}

fn ser_hex<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex(v))
}

const fn ctrl(request_type: u8, request: u8, value: u16, read_len: u16) -> ControlRequest {
    ControlRequest {
        request_type,
        request,
        value,
        index: 0,
        data: Vec::new(),
        read_len,
        timeout_ms: 1000,
    }
}

/// QisdaMode's 16-byte data stage.
pub const QISDA_DATA: [u8; 16] = [
    0x05, 0x8c, 0x04, 0x08, 0xa0, 0xee, 0x20, 0x00, 0x5c, 0x01, 0x04, 0x08, 0x98, 0xcd, 0xea, 0xbf,
];
/// MobileActionMode's HID SET_REPORT payload (sent twice before the interrupt exchange).
pub const MOBILE_ACTION_REPORT: [u8; 8] = [0xb0, 0x04, 0x00, 0x00, 0x02, 0x90, 0x26, 0x86];

/// True when usb_modeswitch reads a 13-byte CSW after sending `message`: its hex form contains
/// "55534243" ("USBC"), §1.1.
pub fn expects_csw(message: &[u8]) -> bool {
    hex(message).contains("55534243")
}

/// Which USB string a [`RecipeQualifier`] attribute is matched against (§2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QualifierField {
    /// `uMa`: the USB manufacturer string.
    Manufacturer,
    /// `uPr`: the USB product string.
    Product,
    /// `uSe`: the USB serial string.
    Serial,
    /// `sVe`: SCSI vendor (from the storage inquiry).
    ScsiVendor,
    /// `sMo`: SCSI model.
    ScsiModel,
    /// `sRe`: SCSI revision.
    ScsiRevision,
}

impl QualifierField {
    /// The three-letter code used in file names (`uMa`, …).
    pub fn code(self) -> &'static str {
        match self {
            QualifierField::Manufacturer => "uMa",
            QualifierField::Product => "uPr",
            QualifierField::Serial => "uSe",
            QualifierField::ScsiVendor => "sVe",
            QualifierField::ScsiModel => "sMo",
            QualifierField::ScsiRevision => "sRe",
        }
    }

    /// Parse a three-letter code.
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "uMa" => QualifierField::Manufacturer,
            "uPr" => QualifierField::Product,
            "uSe" => QualifierField::Serial,
            "sVe" => QualifierField::ScsiVendor,
            "sMo" => QualifierField::ScsiModel,
            "sRe" => QualifierField::ScsiRevision,
            _ => return None,
        })
    }
}

/// The attribute part of a config file name, `VVVV:PPPP:uMa=AnyDATA_CORPORATION` (§2.3): every
/// attribute must match (substring; `_` in the pattern also matches a space).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecipeQualifier {
    /// `(field, substring)` pairs, all of which must match.
    pub attrs: Vec<(QualifierField, String)>,
}

/// The strings a [`RecipeQualifier`] is matched against; `None` = not known (never matches).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeviceStrings<'a> {
    /// USB manufacturer string.
    pub manufacturer: Option<&'a str>,
    /// USB product string.
    pub product: Option<&'a str>,
    /// USB serial string.
    pub serial: Option<&'a str>,
    /// SCSI vendor.
    pub scsi_vendor: Option<&'a str>,
    /// SCSI model.
    pub scsi_model: Option<&'a str>,
    /// SCSI revision.
    pub scsi_revision: Option<&'a str>,
}

impl RecipeQualifier {
    /// True when every attribute matches `strings`.
    pub fn matches(&self, strings: &DeviceStrings<'_>) -> bool {
        self.attrs.iter().all(|(field, pat)| {
            let have = match field {
                QualifierField::Manufacturer => strings.manufacturer,
                QualifierField::Product => strings.product,
                QualifierField::Serial => strings.serial,
                QualifierField::ScsiVendor => strings.scsi_vendor,
                QualifierField::ScsiModel => strings.scsi_model,
                QualifierField::ScsiRevision => strings.scsi_revision,
            };
            have.is_some_and(|h| qualifier_match(pat, h))
        })
    }
}

/// The dispatcher's `MatchDevice` (§2.3): Tcl `string match *PAT* $have`, tried with the
/// pattern as written and with every `_` turned into a space. The pattern is a glob (`*`, `?`,
/// `[…]`, `\\x`).
pub fn qualifier_match(pat: &str, have: &str) -> bool {
    let wrap = |p: &str| format!("*{p}*");
    glob_match(&wrap(pat), have) || glob_match(&wrap(&pat.replace('_', " ")), have)
}

/// Tcl `string match` (case-sensitive): `*`, `?`, `[chars]` / `[a-z]`, `\\x`.
fn glob_match(pat: &str, s: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let t: Vec<char> = s.chars().collect();
    // Iterative matcher with single-star backtracking: O(len(p) * len(t)).
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some('?') => Some(pi + 1),
            Some('[') => class_match(&p, pi, t[ti]),
            Some('\\') => match p.get(pi + 1) {
                Some(&c) if c == t[ti] => Some(pi + 2),
                None if t[ti] == '\\' => Some(pi + 1),
                _ => None,
            },
            Some(&c) if c == t[ti] => Some(pi + 1),
            _ => None,
        };
        match step {
            Some(next) => {
                pi = next;
                ti += 1;
            }
            None => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Match `c` against the `[...]` class starting at `p[start]`; the index after `]` on success.
fn class_match(p: &[char], start: usize, c: char) -> Option<usize> {
    let mut i = start + 1;
    let mut hit = false;
    while i < p.len() && p[i] != ']' {
        if i + 2 < p.len() && p[i + 1] == '-' && p[i + 2] != ']' {
            let (a, b) = (p[i].min(p[i + 2]), p[i].max(p[i + 2]));
            hit |= (a..=b).contains(&c);
            i += 3;
        } else {
            hit |= p[i] == c;
            i += 1;
        }
    }
    // An unterminated class matches like Tcl: up to the end of the pattern.
    let next = if i < p.len() { i + 1 } else { i };
    hit.then_some(next)
}

impl fmt::Display for RecipeQualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (field, v)) in self.attrs.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{}={v}", field.code())?;
        }
        Ok(())
    }
}

/// Where a recipe came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RecipeSource {
    /// The built-in table; `note` says what the evidence is.
    BuiltIn {
        /// Evidence / model, e.g. "E3531 1f01 → 1001 (askubuntu q/489936)".
        note: &'static str,
    },
    /// A usb-modeswitch-data config file.
    ModeswitchData {
        /// Where it was read: `/etc/usb_modeswitch.d/12d1:1f01` or
        /// `/usr/share/usb_modeswitch/configPack.tar.gz:12d1:1f01`.
        file: String,
        /// The file's first comment line (usually the model), e.g. "Huawei E353 (3.se) and
        /// others".
        comment: Option<String>,
    },
}

/// One way to switch one device: the method and the usb_modeswitch keys that go with it
/// (§2.2). Endpoints, interface and configuration are `None` when the config leaves them to
/// auto-detection (first interface of the active configuration; its first bulk OUT / IN).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwitchRecipe {
    /// DefaultVendor: the plug-in (default) vendor ID this recipe applies to.
    pub vid: u16,
    /// DefaultProduct.
    pub pid: u16,
    /// `uMa`/`uPr`/`uSe` (and SCSI) attributes from the file name (§2.3); `None` = any device
    /// with this ID.
    pub qualifier: Option<RecipeQualifier>,
    /// What to send.
    pub method: SwitchMethod,
    /// `Interface` (hex): the interface to claim; `None` = the first of the active config.
    pub interface: Option<u8>,
    /// `MessageEndpoint` (hex); `None` = the first bulk OUT endpoint of the interface.
    pub message_endpoint: Option<u8>,
    /// `ResponseEndpoint` (hex); `None` = the first bulk IN endpoint.
    pub response_endpoint: Option<u8>,
    /// `Configuration` (hex!) to select afterwards; `Some(0)` is the data's "dummy" (do
    /// nothing; usb_modeswitch only used it for its MBIM substitution, which `dongle` never
    /// does).
    pub configuration: Option<u8>,
    /// `AltSetting` (hex) to select afterwards.
    pub alt_setting: Option<u8>,
    /// `ResetUSB`: reset the device last.
    pub reset_usb: bool,
    /// `ReleaseDelay` (decimal ms) before releasing the interface after the messages.
    pub release_delay_ms: u32,
    /// `NoDriverLoading`: do not bind a serial driver afterwards.
    pub no_driver_loading: bool,
    /// `WaitBefore` (decimal seconds, dispatcher only) × 1000: wait this long after plug-in
    /// before switching (6 quirky devices in the data).
    pub wait_before_ms: u32,
    /// `TargetVendor` (hex): the vendor after switching.
    pub target_vendor: Option<u16>,
    /// `TargetProductList` / `TargetProduct` (hex): the product IDs seen after switching.
    pub target_products: Vec<u16>,
    /// `TargetClass` (hex): the interface-0 class after switching; a device that already has
    /// it is left alone.
    pub target_class: Option<u8>,
    /// What the device becomes, when known.
    pub target: Option<Personality>,
    /// Where this recipe came from.
    pub source: RecipeSource,
}

impl SwitchRecipe {
    /// A recipe with every optional key at its default (auto endpoints, no targets).
    pub fn new(vid: u16, pid: u16, method: SwitchMethod, source: RecipeSource) -> Self {
        SwitchRecipe {
            vid,
            pid,
            qualifier: None,
            method,
            interface: None,
            message_endpoint: None,
            response_endpoint: None,
            configuration: None,
            alt_setting: None,
            reset_usb: false,
            release_delay_ms: 0,
            no_driver_loading: false,
            wait_before_ms: 0,
            target_vendor: None,
            target_products: Vec::new(),
            target_class: None,
            target: None,
            source,
        }
    }

    /// `"12d1:1f01"`.
    pub fn id(&self) -> String {
        format!("{:04x}:{:04x}", self.vid, self.pid)
    }

    /// True when the recipe applies to a device with these strings (always, when it has no
    /// qualifier).
    pub fn matches(&self, strings: &DeviceStrings<'_>) -> bool {
        self.qualifier.as_ref().is_none_or(|q| q.matches(strings))
    }

    /// True when the recipe sends nothing and changes nothing (`Configuration=0` dummies).
    pub fn is_noop(&self) -> bool {
        self.method == SwitchMethod::None
            && self.configuration.is_none_or(|c| c == 0)
            && self.alt_setting.is_none()
            && !self.reset_usb
    }
}
