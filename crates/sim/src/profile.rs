//! The simulated devices: USB identity, interface layout and firmware identity of each stick.
//!
//! Values come from real devices (lsusb dumps and AT traces quoted in `reference/`), so that code
//! written against the simulator meets the same strings, class codes and port orders as on
//! hardware.

/// The role of a serial port, as Huawei's `^GETPORTMODE` and ModemManager name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PortFunction {
    /// The data port: PPP after `ATD*99#`.
    Modem,
    /// The control port ("PC UI"): takes AT commands while the modem port is in data mode and
    /// gets the unsolicited messages.
    Pcui,
    /// Qualcomm/Balong diagnostics: binary HDLC frames, never answers AT.
    Diag,
    /// NMEA output.
    Gps,
}

/// What a USB interface does in the simulated device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InterfaceKind {
    /// A serial port created by the `option` driver (gets a PTY).
    Serial(PortFunction),
    /// The control interface of a network function: has `net/<ifname>` and, for
    /// `huawei_cdc_ncm`, `usbmisc/cdc-wdm<n>`.
    NetControl,
    /// The data interface of a network function (no children).
    NetData,
    /// Mass storage (CD-ROM / TF card).
    Storage,
}

/// One USB endpoint as sysfs shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// `bEndpointAddress`: bit 7 set = IN.
    pub address: u8,
    /// `bmAttributes`: 2 bulk, 3 interrupt.
    pub attributes: u8,
    /// `wMaxPacketSize`.
    pub max_packet: u16,
}

/// One USB interface of the simulated device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// `bInterfaceNumber`.
    pub number: u8,
    /// `bInterfaceClass`, `bInterfaceSubClass`, `bInterfaceProtocol`.
    pub class: (u8, u8, u8),
    /// The kernel driver bound to it (`None` = unbound: no `driver` link).
    pub driver: Option<&'static str>,
    /// The USB `iInterface` string, when the firmware has one.
    pub description: Option<&'static str>,
    pub kind: InterfaceKind,
    pub endpoints: Vec<Endpoint>,
}

/// Firmware dialect: which vendor command set and which error habits the firmware has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// Huawei LTE (Balong V7): `^GETPORTMODE`, `^SETPORT`, `^SYSINFOEX`, `^HCSQ`, `^SYSCFGEX`, NDIS.
    HuaweiLte,
    /// Huawei HSPA+ (Balong V3/V7R1 3G): `^GETPORTMODE`, `^SETPORT`, `^SYSINFO`, `^SYSCFG`.
    Huawei3g,
    /// Huawei first-generation 3G (Qualcomm MSM): `^SYSINFO`, `^SYSCFG`, no `^GETPORTMODE`.
    HuaweiLegacy,
    /// ZTE (Qualcomm): `+Z…` commands, no Huawei `^` commands.
    Zte,
}

/// Firmware identity and defaults of the SIM and network it ships with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// `+CGMI` / `+GMI`.
    pub cgmi: &'static str,
    /// `+CGMM`.
    pub model: &'static str,
    /// `+CGMR` firmware revision.
    pub firmware: &'static str,
    /// Board variant as `^FHVER` names it (e.g. "E3372h-153").
    pub variant: &'static str,
    /// Hardware version (`^FHVER`, `^HWVER`).
    pub hardware: &'static str,
    /// 15 digits, valid Luhn check digit.
    pub imei: String,
    /// 15 digits, starts with the home MCC/MNC.
    pub imsi: String,
    /// 20 digits, valid Luhn check digit.
    pub iccid: String,
    /// Home network: numeric MCC+MNC, long and short names.
    pub home_mcc_mnc: &'static str,
    pub home_operator: &'static str,
    pub home_operator_short: &'static str,
    /// Default access technology: "gsm", "umts" or "lte".
    pub act: &'static str,
    /// Default `+CSQ` rssi (0–31).
    pub csq: u8,
    /// Location area / tracking area code and cell id (hex in AT replies).
    pub lac: u32,
    pub ci: u32,
}

/// A simulated stick.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// Name used with `--sim` and `Sim::start`.
    pub name: &'static str,
    pub vid: u16,
    pub pid: u16,
    pub manufacturer: &'static str,
    pub product: &'static str,
    pub serial: Option<&'static str>,
    /// `bcdDevice`.
    pub bcd_device: u16,
    /// `bNumConfigurations` (the active one is always 1).
    pub num_configurations: u8,
    pub interfaces: Vec<Interface>,
    pub identity: Identity,
    pub dialect: Dialect,
    /// Final result for commands the firmware does not know (`ERROR` or `COMMAND NOT SUPPORT`).
    pub unsupported: &'static str,
    /// Factory `^SETPORT` value, when the firmware has `^SETPORT`.
    pub setport_default: Option<&'static str>,
    /// The `^SETPORT` function code that must stay in the layout (the PCUI port).
    pub setport_pcui: &'static str,
    /// What `ATD*99#` prints on success.
    pub connect_line: &'static str,
}

impl Profile {
    /// The serial interfaces in interface order, with their `ttyUSB` index.
    pub fn serial_ports(&self) -> Vec<(usize, &Interface, PortFunction)> {
        self.interfaces
            .iter()
            .filter_map(|i| match i.kind {
                InterfaceKind::Serial(f) => Some((i, f)),
                _ => None,
            })
            .enumerate()
            .map(|(k, (i, f))| (k, i, f))
            .collect()
    }

    /// `ttyUSB` names of the serial ports, in order.
    pub fn tty_names(&self) -> Vec<String> {
        (0..self.serial_ports().len())
            .map(|k| format!("ttyUSB{k}"))
            .collect()
    }

    /// The `^GETPORTMODE` reply, derived from the interface layout so that the two never
    /// disagree. The Huawei form ends in a comma, as in ModemManager's test vectors.
    pub fn getportmode(&self) -> String {
        let mut s = String::from("^GETPORTMODE: TYPE: WCDMA: huawei,");
        let mut n = 0;
        for i in &self.interfaces {
            let name = match i.kind {
                InterfaceKind::Serial(PortFunction::Modem) => "MDM",
                InterfaceKind::Serial(PortFunction::Pcui) => "PCUI",
                InterfaceKind::Serial(PortFunction::Diag) => "DIAG",
                InterfaceKind::Serial(PortFunction::Gps) => "GPS",
                InterfaceKind::NetControl => "NDIS",
                InterfaceKind::NetData => continue,
                InterfaceKind::Storage => "CDROM",
            };
            s.push_str(&format!("{name}:{n},"));
            n += 1;
        }
        s
    }

    /// Whether the firmware has a network function (`^NDISDUP`, `^DHCP`).
    pub fn has_ndis(&self) -> bool {
        self.interfaces
            .iter()
            .any(|i| i.kind == InterfaceKind::NetControl)
    }
}

/// Names of the built-in modem profiles (each has serial ports that answer AT).
pub fn profiles() -> Vec<&'static str> {
    vec!["e3372", "e3531-serial", "e620", "zte-mf190"]
}

/// Names of the built-in storage-mode profiles: sticks as they plug in (a ZeroCD mass-storage
/// interface, no serial ports), for `dongle switch`. [`profile`] resolves them too; they are
/// not in [`profiles`] because they have no ports to talk to.
// Not yet re-exported from lib.rs (owned by another change); used by the tests below.
#[allow(dead_code)]
pub const STORAGE_PROFILES: &[&str] = &["e3372-storage", "e3531-storage"];

/// The built-in profile called `name` (a modem profile or a storage profile).
pub fn profile(name: &str) -> Option<Profile> {
    match name {
        "e3372" => Some(e3372()),
        "e3531-serial" => Some(e3531_serial()),
        "e620" => Some(e620()),
        "zte-mf190" => Some(zte_mf190()),
        "e3372-storage" => Some(e3372_storage()),
        "e3531-storage" => Some(e3531_storage()),
        _ => None,
    }
}

/// Appends the Luhn check digit to `body` (IMEI: 14 digits, ICCID: 19 digits).
pub fn luhn_complete(body: &str) -> String {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b.wrapping_sub(b'0') % 10);
            if i % 2 == 0 {
                let x = d * 2;
                x / 10 + x % 10
            } else {
                d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// True when the last digit of `digits` is its Luhn check digit.
pub fn luhn_valid(digits: &str) -> bool {
    digits.len() >= 2
        && digits.bytes().all(|b| b.is_ascii_digit())
        && luhn_complete(&digits[..digits.len() - 1]) == digits
}

const fn ep(address: u8, attributes: u8, max_packet: u16) -> Endpoint {
    Endpoint {
        address,
        attributes,
        max_packet,
    }
}

/// An option serial interface: interrupt IN (status), bulk IN, bulk OUT.
fn serial(
    number: u8,
    class: (u8, u8, u8),
    f: PortFunction,
    in_ep: u8,
    out_ep: u8,
    with_int: bool,
) -> Interface {
    let mut endpoints = Vec::new();
    if with_int {
        endpoints.push(ep(0x80 | (in_ep + 1), 3, 0x000a));
    }
    endpoints.push(ep(0x80 | in_ep, 2, 0x0200));
    endpoints.push(ep(out_ep, 2, 0x0200));
    Interface {
        number,
        class,
        driver: Some("option"),
        description: None,
        kind: InterfaceKind::Serial(f),
        endpoints,
    }
}

fn e3372() -> Profile {
    use PortFunction::*;
    Profile {
        name: "e3372",
        vid: 0x12d1,
        pid: 0x1506,
        manufacturer: "HUAWEI_MOBILE",
        product: "HUAWEI_MOBILE",
        serial: Some("0123456789ABCDEF"),
        bcd_device: 0x0102,
        num_configurations: 1,
        interfaces: vec![
            serial(0, (0xff, 0x02, 0x01), Modem, 0x01, 0x01, true),
            serial(1, (0xff, 0x02, 0x02), Pcui, 0x03, 0x02, false),
            Interface {
                number: 2,
                class: (0x02, 0x0d, 0x00),
                driver: Some("huawei_cdc_ncm"),
                description: Some("CDC Network Control Model (NCM)"),
                kind: InterfaceKind::NetControl,
                endpoints: vec![ep(0x85, 3, 0x0010)],
            },
            Interface {
                number: 3,
                class: (0x0a, 0x00, 0x01),
                driver: Some("huawei_cdc_ncm"),
                description: None,
                kind: InterfaceKind::NetData,
                endpoints: vec![ep(0x84, 2, 0x0200), ep(0x03, 2, 0x0200)],
            },
        ],
        identity: Identity {
            cgmi: "huawei",
            model: "E3372",
            variant: "E3372h-153",
            firmware: "21.286.03.01.209",
            hardware: "CL2E3372HM Ver.A",
            imei: luhn_complete("86629103412345"),
            imsi: "270010123456789".into(),
            iccid: luhn_complete("8935201001234567890"),
            home_mcc_mnc: "27001",
            home_operator: "POST",
            home_operator_short: "POST",
            act: "lte",
            csq: 22,
            lac: 0x0B55,
            ci: 0x01A2D40F,
        },
        dialect: Dialect::HuaweiLte,
        unsupported: "ERROR",
        setport_default: Some("A1,A2;12,1,16,A1,A2"),
        setport_pcui: "12",
        connect_line: "CONNECT 150000000",
    }
}

/// The ZeroCD interface of a Huawei stick in storage mode: 08/06/50 (mass storage, SCSI,
/// bulk-only) bound to usb-storage, bulk OUT 0x01 and bulk IN 0x81 as on real sticks.
fn zerocd() -> Interface {
    Interface {
        number: 0,
        class: (0x08, 0x06, 0x50),
        driver: Some("usb-storage"),
        description: None,
        kind: InterfaceKind::Storage,
        endpoints: vec![ep(0x01, 2, 0x0200), ep(0x81, 2, 0x0200)],
    }
}

/// E3372 as it plugs in: 12d1:1f01, one mass-storage interface, no serial ports. The
/// HuaweiNewMode message turns it into 14dc (HiLink firmware) or 1506 (stick firmware).
fn e3372_storage() -> Profile {
    Profile {
        name: "e3372-storage",
        pid: 0x1f01,
        interfaces: vec![zerocd()],
        setport_default: None,
        ..e3372()
    }
}

/// The E3531 story (DESIGN.md, usb_modeswitch.md §5a): 12d1:157d in storage mode with a
/// second USB configuration (MBIM), which usb_modeswitch 2.2's dispatcher selected instead
/// of sending the Huawei message while usb-storage still held interface 0.
fn e3531_storage() -> Profile {
    Profile {
        name: "e3531-storage",
        pid: 0x157d,
        num_configurations: 2,
        interfaces: vec![zerocd()],
        setport_default: None,
        ..e3531_serial()
    }
}

fn e3531_serial() -> Profile {
    use PortFunction::*;
    Profile {
        name: "e3531-serial",
        vid: 0x12d1,
        pid: 0x1001,
        manufacturer: "HUAWEI_MOBILE",
        product: "HUAWEI_MOBILE",
        serial: Some("0123456789ABCDEF"),
        bcd_device: 0x0102,
        num_configurations: 1,
        interfaces: vec![
            serial(0, (0xff, 0xff, 0xff), Modem, 0x01, 0x01, true),
            serial(1, (0xff, 0xff, 0xff), Diag, 0x03, 0x02, false),
            serial(2, (0xff, 0xff, 0xff), Pcui, 0x04, 0x03, false),
        ],
        identity: Identity {
            cgmi: "huawei",
            model: "E3531",
            variant: "E3531s-1",
            firmware: "21.318.01.00.00",
            hardware: "CH1E3531SM Ver.A",
            imei: luhn_complete("86164702098765"),
            imsi: "234104512345678".into(),
            iccid: luhn_complete("8944110068123456789"),
            home_mcc_mnc: "23410",
            home_operator: "O2 - UK",
            home_operator_short: "O2",
            act: "umts",
            csq: 17,
            lac: 0x1F4A,
            ci: 0x0C81E2,
        },
        dialect: Dialect::Huawei3g,
        unsupported: "ERROR",
        setport_default: Some("A1,A2;1,3,2,A1,A2"),
        setport_pcui: "2",
        connect_line: "CONNECT 21600000",
    }
}

fn e620() -> Profile {
    use PortFunction::*;
    Profile {
        name: "e620",
        vid: 0x12d1,
        pid: 0x1001,
        manufacturer: "HUAWEI Technologies",
        product: "HUAWEI Mobile",
        serial: None,
        bcd_device: 0x0000,
        num_configurations: 1,
        interfaces: vec![
            serial(0, (0xff, 0xff, 0xff), Modem, 0x01, 0x01, true),
            serial(1, (0xff, 0xff, 0xff), Pcui, 0x03, 0x02, false),
            serial(2, (0xff, 0xff, 0xff), Pcui, 0x04, 0x03, false),
        ],
        identity: Identity {
            cgmi: "huawei",
            model: "E620",
            variant: "E620",
            firmware: "11.608.02.04.00",
            hardware: "CD1E620M",
            imei: luhn_complete("35339501234567"),
            imsi: "234150987654321".into(),
            iccid: luhn_complete("8944100012345678901"),
            home_mcc_mnc: "23415",
            home_operator: "vodafone UK",
            home_operator_short: "voda UK",
            act: "umts",
            csq: 14,
            lac: 0x0F3C,
            ci: 0x5A8E,
        },
        dialect: Dialect::HuaweiLegacy,
        unsupported: "COMMAND NOT SUPPORT",
        setport_default: None,
        setport_pcui: "2",
        connect_line: "CONNECT 3600000",
    }
}

fn zte_mf190() -> Profile {
    use PortFunction::*;
    Profile {
        name: "zte-mf190",
        vid: 0x19d2,
        pid: 0x0117,
        manufacturer: "ZTE,Incorporated",
        product: "ZTE WCDMA Technologies MSM",
        serial: Some("MF1900ZTED010000"),
        bcd_device: 0x0000,
        num_configurations: 1,
        interfaces: vec![
            serial(0, (0xff, 0xff, 0xff), Diag, 0x01, 0x01, false),
            serial(1, (0xff, 0xff, 0xff), Pcui, 0x02, 0x02, true),
            serial(2, (0xff, 0xff, 0xff), Modem, 0x04, 0x03, true),
            Interface {
                number: 3,
                class: (0x08, 0x06, 0x50),
                driver: Some("usb-storage"),
                description: None,
                kind: InterfaceKind::Storage,
                endpoints: vec![ep(0x86, 2, 0x0200), ep(0x04, 2, 0x0200)],
            },
        ],
        identity: Identity {
            cgmi: "ZTE INCORPORATED",
            model: "MF190",
            variant: "MF190",
            firmware: "BD_MF190V1.0.0B04",
            hardware: "MF190-1.0.0",
            imei: luhn_complete("35803204567890"),
            imsi: "208011234567890".into(),
            iccid: luhn_complete("8933010012345678901"),
            home_mcc_mnc: "20801",
            home_operator: "Orange F",
            home_operator_short: "Orange",
            act: "umts",
            csq: 19,
            lac: 0x4E2B,
            ci: 0x03C1F7,
        },
        dialect: Dialect::Zte,
        unsupported: "ERROR",
        setport_default: None,
        setport_pcui: "2",
        connect_line: "CONNECT 7200000",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_resolves_with_valid_identity() {
        for name in profiles() {
            let p = profile(name).expect(name);
            assert_eq!(p.name, name);
            assert_eq!(p.identity.imei.len(), 15, "{name}");
            assert!(luhn_valid(&p.identity.imei), "{name} IMEI");
            assert_eq!(p.identity.iccid.len(), 20, "{name}");
            assert!(luhn_valid(&p.identity.iccid), "{name} ICCID");
            assert_eq!(p.identity.imsi.len(), 15);
            assert!(p.identity.imsi.starts_with(p.identity.home_mcc_mnc));
        }
        assert!(profile("nope").is_none());
    }

    #[test]
    fn storage_profiles_have_no_ports() {
        for name in STORAGE_PROFILES {
            let p = profile(name).expect(name);
            assert_eq!(p.name, *name);
            assert!(p.serial_ports().is_empty(), "{name}");
            let i = &p.interfaces[0];
            assert_eq!(i.class, (0x08, 0x06, 0x50));
            assert_eq!(i.driver, Some("usb-storage"));
        }
        assert_eq!(profile("e3372-storage").map(|p| p.pid), Some(0x1f01));
        let e3531 = profile("e3531-storage").expect("e3531");
        assert_eq!((e3531.pid, e3531.num_configurations), (0x157d, 2));
    }

    #[test]
    fn luhn_known_value() {
        // Example IMEI from 3GPP TS 23.003 Annex B.
        assert_eq!(luhn_complete("49015420323751"), "490154203237518");
    }

    #[test]
    fn getportmode_follows_layout() {
        let p = profile("e3372").expect("e3372");
        assert_eq!(
            p.getportmode(),
            "^GETPORTMODE: TYPE: WCDMA: huawei,MDM:0,PCUI:1,NDIS:2,"
        );
        let p = profile("e3531-serial").expect("e3531");
        assert_eq!(
            p.getportmode(),
            "^GETPORTMODE: TYPE: WCDMA: huawei,MDM:0,DIAG:1,PCUI:2,"
        );
    }

    #[test]
    fn tty_order() {
        let p = profile("zte-mf190").expect("zte");
        let f: Vec<_> = p.serial_ports().iter().map(|x| x.2).collect();
        assert_eq!(
            f,
            vec![PortFunction::Diag, PortFunction::Pcui, PortFunction::Modem]
        );
    }
}
