//! The built-in device table: model names, personalities and known port layouts.
//!
//! Sources, cited per row:
//! - `umd`: usb-modeswitch-data 20191128 (usb_modeswitch.md §2.4, §5).
//! - `hw`: Huawei's own option-driver PID table `hw_card_pids.h` (Stricted/DT_Hybrid_GPL,
//!   `drivers/usb/serial/`), e.g. `{0x1001, MODEM_DIAG_PCUI}` = ttyUSB0 modem, 1 diag, 2 pcui.
//! - `ddwrt`: dd-wrt `src/router/libutils/lib3g.c` device list (control tty, data tty, name).
//!   Its numbers are tty indices; they equal interface numbers when the serial interfaces
//!   come first, as on these sticks.
//! - `mm`: ModemManager udev rules (77-mm-zte-port-types.rules, 77-mm-x22x-port-types.rules).
//!   MM "AUX" = secondary AT port, recorded here as `Pcui`.
//! - `usb.ids`, `md`: usb.ids names and the project's reference notes.
//!
//! Ports list only serial interfaces whose role is backed by a source; anything missing is
//! left to descriptors and probing. Devices whose descriptors already carry the role (Huawei
//! `ff/0x/PP`) have no port list.

use serde::Serialize;

use crate::types::{Personality, PortRole};

/// A device the project knows by vid:pid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KnownDevice {
    /// USB vendor ID.
    pub vid: u16,
    /// USB product ID.
    pub pid: u16,
    /// Model name(s) seen with this ID.
    pub model: &'static str,
    /// Vendor name.
    pub vendor: &'static str,
    /// What the device presents itself as with this ID.
    pub personality: Personality,
    /// Known port roles by USB interface number (serial interfaces only).
    pub ports: &'static [(u8, PortRole)],
}

impl KnownDevice {
    /// `"12d1:1506"`.
    pub fn id(&self) -> String {
        format!("{:04x}:{:04x}", self.vid, self.pid)
    }

    /// The role of interface `number`, if the table knows it.
    pub fn port(&self, number: u8) -> Option<PortRole> {
        self.ports
            .iter()
            .find(|(n, _)| *n == number)
            .map(|&(_, role)| role)
    }
}

use Personality::{Hilink, Ncm, Serial, Storage, Unknown, Update};
use PortRole::{Diag, Modem, Pcui};

const fn dev(
    vid: u16,
    pid: u16,
    vendor: &'static str,
    model: &'static str,
    personality: Personality,
    ports: &'static [(u8, PortRole)],
) -> KnownDevice {
    KnownDevice {
        vid,
        pid,
        model,
        vendor,
        personality,
        ports,
    }
}

const HW: &str = "Huawei";
const ZTE: &str = "ZTE";

/// Every known device. vid:pid is unique (checked by a test).
#[rustfmt::skip]
pub const KNOWN_DEVICES: &[KnownDevice] = &[
    // ---- Huawei, serial (all-ff/ff/ff interfaces: the table is the only hint) ----
    // hw: {0x1001, MODEM_DIAG_PCUI}; ddwrt: control tty2, data tty0 "HUAWEI E600/E620";
    // umd: E169 (E620 uses this ID too); E3531 after the legacy switch (usb_modeswitch.md §5a).
    dev(0x12d1, 0x1001, HW, "E169/E620/E800/E1550 (also E3531 after legacy switch)", Serial,
        &[(0, Modem), (1, Diag), (2, Pcui)]),
    // hw: {0x1003, MODEM_PCUI}; ddwrt: control tty1, data tty0 "E172/EC27/E220/E230/E270";
    // umd: E220, E230, E270, E870 (HuaweiMode).
    dev(0x12d1, 0x1003, HW, "E220/E230/E270/E870", Serial, &[(0, Modem), (1, Pcui)]),
    // hw: {0X1C05, MODEM_DIAG_PCUI} //E352s; ddwrt: control tty2, data tty0 "E173s (modem)".
    dev(0x12d1, 0x1c05, HW, "E173s/E352s", Serial, &[(0, Modem), (1, Diag), (2, Pcui)]),
    // ddwrt: control tty2, data tty0 "HUAWEI E1800" ("ecm attributes but probably qmi");
    // umd: a 1446 target. Interface 1 is not documented.
    dev(0x12d1, 0x1436, HW, "E1800/E173 (modem)", Serial, &[(0, Modem), (2, Pcui)]),
    // md §5a: E3531 fw 22.521 after the alt-style message; layout not documented.
    dev(0x12d1, 0x155e, HW, "E3531 (serial, alt switch)", Serial, &[]),
    // md §5c: firmware-updater / tag-0 "debug mode with 2 virtual serial ports".
    dev(0x12d1, 0x1442, HW, "E3531/E3372 (firmware update / debug)", Update, &[]),
    // md §5a: unidentified; one report of two ttyUSB ports that do not answer AT (fits a debug
    // composition like 1442, unverified). Not in umd or usb.ids.
    dev(0x12d1, 0x1568, HW, "E3531 (unidentified mode)", Unknown, &[]),
    // ---- Huawei, serial + NCM (descriptors carry ^SETPORT codes; no port list needed) ----
    // md §5c: stick firmware 21.x, option ports + huawei_cdc_ncm + storage; usb.ids
    // "Modem/Networkcard"; umd target of 1446, 14fe, 1505, 15cd, 15cf, 15e7.
    dev(0x12d1, 0x1506, HW, "E3372 stick / E367 / E398 (Modem/Networkcard)", Ncm, &[]),
    // md §5c: E3372s-153 after AT^SETPORT="FF;12,10,16,A2": option x2 + huawei_cdc_ncm + SD.
    dev(0x12d1, 0x15b6, HW, "E3372s-153 (no ZeroCD)", Ncm, &[]),
    // ---- Huawei, HiLink ----
    // usb.ids "E3372 LTE/UMTS/GSM HiLink Modem/Networkcard"; md §5c: firmware 22.x.
    dev(0x12d1, 0x14dc, HW, "E3372 / E303 / E3531 HiLink", Hilink, &[]),
    // md §5c: HiLink variant (E353/E3131/E3533, cdc_ether).
    dev(0x12d1, 0x14db, HW, "E353 / E3131 / E3533 HiLink", Hilink, &[]),
    // ---- Huawei, storage (ZeroCD): switch first ----
    // usb.ids "E353/E3131 (Mass storage mode)"; umd "E353 (3.se) and others" -> 14db,14dc.
    dev(0x12d1, 0x1f01, HW, "E353/E3131/E3372/E3531/E303 (storage)", Storage, &[]),
    // umd "E3331, E3372" -> 14db,14dc; md §5a: E3531/E3533 cycling between storage and MBIM.
    dev(0x12d1, 0x157d, HW, "E3331/E3372/E3533 (storage)", Storage, &[]),
    // umd "Huawei, newer modems, and rebrandings" -> 1001,...,1436,...,1506.
    dev(0x12d1, 0x1446, HW, "E1552/E1800/E173 and rebrandings (storage)", Storage, &[]),
    // umd "E352 (T-Mobile NL), E173s (Variant)" -> 1506,150f,151d,1c1e.
    dev(0x12d1, 0x14fe, HW, "E352/E353/E173s (storage)", Storage, &[]),
    // umd "EC156, E372u-8" -> 140b,140c,1506,150f,150a; ddwrt "E398".
    dev(0x12d1, 0x1505, HW, "EC156/E372u-8/E398 (storage)", Storage, &[]),
    // umd "E173s" -> 1c05,1c06,1c07,1c08,1c10.
    dev(0x12d1, 0x1c0b, HW, "E173s (storage)", Storage, &[]),
    // umd "Vodafone / Huawei K4203" -> 157a,1590.
    dev(0x12d1, 0x1f1c, HW, "Vodafone K4203 (storage)", Storage, &[]),
    // umd: 15cd "E3372", 15cf "E3372s-153", 15e7 "E3531", 15ca "E3131" -> 1506.
    dev(0x12d1, 0x15cd, HW, "E3372 (storage)", Storage, &[]),
    dev(0x12d1, 0x15cf, HW, "E3372s-153 (storage)", Storage, &[]),
    dev(0x12d1, 0x15e7, HW, "E3531 (storage)", Storage, &[]),
    dev(0x12d1, 0x15ca, HW, "E3131 (storage)", Storage, &[]),
    // ---- ZTE ----
    // mm: if02 MODEM, if01 AUX; ddwrt: control tty1, data tty2 ("MF112"). if00 is the ZTE
    // diagnostics interface by ZTE/Qualcomm convention (not tagged by MM); if03 is storage.
    dev(0x19d2, 0x0117, ZTE, "MF190/MF112/MF667", Serial, &[(0, Diag), (1, Pcui), (2, Modem)]),
    // mm: if03 MODEM, if01 AUX; ddwrt: control tty1, data tty2 "MF110/MF112/MF626 (Variant)"
    // (tty2 = if03 because if02 is storage). if00 undocumented.
    dev(0x19d2, 0x0031, ZTE, "MF110/MF112/MF626/MF636", Serial, &[(1, Pcui), (3, Modem)]),
    // ddwrt: "ONDA/ZTE (cdrom)", switched with the ZTE method.
    dev(0x19d2, 0x2000, ZTE, "MF626/MF627/MF190 and others (storage)", Storage, &[]),
    // ddwrt: "ZTE MF667 (modem)" network-only (ETH, no tty, commented out); another list calls
    // it "ZTE RNDIS". Sources disagree on CDC-Ether vs RNDIS, so the personality is left unknown
    // and decided from the interfaces.
    dev(0x19d2, 0x1405, ZTE, "MF667/MF823 (network mode)", Unknown, &[]),
    // ---- Alcatel (T&A Mobile) ----
    // ddwrt: "Alcatel X060S/X070S/X080S/X200 (modem)" (its storage ID is 1bbb:f000);
    // mm x22x: if03 MODEM, if00..02 AUX. So 1bbb:0000 is a modem, not storage.
    dev(0x1bbb, 0x0000, "Alcatel", "X060S/X070S/X080S/X200", Serial,
        &[(0, Pcui), (1, Pcui), (2, Pcui), (3, Modem)]),
    // mm x22x: if05 MODEM, if00..03 AUX; ddwrt "X220L (Variant), X500D (modem)".
    dev(0x1bbb, 0x0017, "Alcatel", "X220L/X500D", Serial,
        &[(0, Pcui), (1, Pcui), (2, Pcui), (3, Pcui), (5, Modem)]),
    // ---- Sierra Wireless ----
    // ddwrt: "Sierra Device (cdrom)" switched with SierraMode; umd SierraMode.
    dev(0x1199, 0x0fff, "Sierra Wireless", "TRU-Install (storage)", Storage, &[]),
];

/// The device table.
pub fn known_devices() -> &'static [KnownDevice] {
    KNOWN_DEVICES
}

/// The table entry for a vid:pid.
pub fn lookup(vid: u16, pid: u16) -> Option<&'static KnownDevice> {
    KNOWN_DEVICES.iter().find(|d| d.vid == vid && d.pid == pid)
}
