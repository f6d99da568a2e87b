//! The model: [`Sysfs`] reads [`UsbDevice`]s with their [`UsbInterface`]s and [`Endpoint`]s.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::UsbError;
use crate::read::{self, Radix};

/// A sysfs tree to read USB devices from: `/sys` on a live system, a temporary directory in tests
/// and in the simulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sysfs {
    root: PathBuf,
}

impl Default for Sysfs {
    /// The live system: `/sys`.
    fn default() -> Sysfs {
        Sysfs::new("/sys")
    }
}

/// A USB device (not a root hub, not an interface) as sysfs shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsbDevice {
    /// The USB path, e.g. `1-1.4` (bus 1, port 1, then port 4 of the hub behind it).
    pub path: String,
    /// `idVendor`.
    pub vid: u16,
    /// `idProduct`.
    pub pid: u16,
    /// `manufacturer` string descriptor, if the device has one.
    pub manufacturer: Option<String>,
    /// `product` string descriptor.
    pub product: Option<String>,
    /// `serial` string descriptor.
    pub serial: Option<String>,
    /// `bcdDevice`: the device's release number (firmware-dependent, some switch quirks key on it).
    pub bcd_device: Option<u16>,
    /// `bConfigurationValue`: the active configuration; `None` when unconfigured.
    pub configuration: Option<u8>,
    /// `bNumConfigurations`.
    pub num_configurations: Option<u8>,
    /// `busnum`: with `devnum`, names `/dev/bus/usb/BBB/DDD` for usbfs.
    pub busnum: Option<u16>,
    /// `devnum`.
    pub devnum: Option<u16>,
    /// The interfaces of the active configuration, sorted by number then alternate setting.
    pub interfaces: Vec<UsbInterface>,
}

/// One interface of a device's active configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsbInterface {
    /// `bInterfaceNumber`.
    pub number: u8,
    /// `bAlternateSetting` (the current one).
    pub alt: u8,
    /// `bInterfaceClass` (0xff = vendor specific, 0x08 = mass storage, 0x02 = CDC, 0x0a = CDC data).
    pub class: u8,
    /// `bInterfaceSubClass`.
    pub subclass: u8,
    /// `bInterfaceProtocol`.
    pub protocol: u8,
    /// The `interface` string descriptor (iInterface), if any.
    pub name: Option<String>,
    /// The bound kernel driver (`option`, `usb-storage`, `cdc_ncm`, ...); `None` when unbound.
    pub driver: Option<String>,
    /// Endpoints, sorted by address.
    pub endpoints: Vec<Endpoint>,
    /// tty names on this interface (`ttyUSB0`, `ttyACM0`), without `/dev/`.
    pub ttys: Vec<String>,
    /// Network interfaces (`wwan0`, `usb0`, `eth1`).
    pub net: Vec<String>,
    /// cdc-wdm character devices (`cdc-wdm0`), without `/dev/`.
    pub cdc_wdm: Vec<String>,
}

/// One endpoint of an interface.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Endpoint {
    /// `bEndpointAddress`, e.g. 0x81.
    pub address: u8,
    /// From bit 7 of the address.
    pub direction: Direction,
    /// From the low two bits of `bmAttributes`.
    pub kind: TransferKind,
    /// `wMaxPacketSize` (0 if sysfs does not say).
    pub max_packet: u16,
}

/// Endpoint direction, as seen from the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Device to host.
    In,
    /// Host to device.
    Out,
}

/// Endpoint transfer type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TransferKind {
    /// Control.
    Control,
    /// Isochronous.
    Isochronous,
    /// Bulk.
    Bulk,
    /// Interrupt.
    Interrupt,
}

impl Endpoint {
    /// Decodes an endpoint from its address and `bmAttributes`.
    pub fn from_descriptor(address: u8, attributes: u8, max_packet: u16) -> Endpoint {
        let direction = if address & 0x80 != 0 {
            Direction::In
        } else {
            Direction::Out
        };
        let kind = match attributes & 0x03 {
            0 => TransferKind::Control,
            1 => TransferKind::Isochronous,
            2 => TransferKind::Bulk,
            _ => TransferKind::Interrupt,
        };
        Endpoint {
            address,
            direction,
            kind,
            max_packet,
        }
    }
}

impl UsbDevice {
    /// `"12d1:1506"`: lowercase hex vid:pid, as `lsusb` prints it.
    pub fn id(&self) -> String {
        format!("{:04x}:{:04x}", self.vid, self.pid)
    }

    /// A short label for lists and error messages: `1-1 (12d1:1506 HUAWEI_MOBILE)`.
    pub fn label(&self) -> String {
        match self.product.as_deref().or(self.manufacturer.as_deref()) {
            Some(name) => format!("{} ({} {})", self.path, self.id(), name),
            None => format!("{} ({})", self.path, self.id()),
        }
    }

    /// Every tty of the device with the interface number it sits on, in interface order.
    pub fn ttys(&self) -> Vec<(u8, String)> {
        self.interfaces
            .iter()
            .flat_map(|i| i.ttys.iter().map(move |t| (i.number, t.clone())))
            .collect()
    }

    /// Every network interface of the device with its USB interface number.
    pub fn net(&self) -> Vec<(u8, String)> {
        self.interfaces
            .iter()
            .flat_map(|i| i.net.iter().map(move |t| (i.number, t.clone())))
            .collect()
    }

    /// Every cdc-wdm device of the device with its USB interface number.
    pub fn cdc_wdm(&self) -> Vec<(u8, String)> {
        self.interfaces
            .iter()
            .flat_map(|i| i.cdc_wdm.iter().map(move |t| (i.number, t.clone())))
            .collect()
    }

    /// The interface with this number (the first alternate setting listed, normally the only one).
    pub fn interface(&self, number: u8) -> Option<&UsbInterface> {
        self.interfaces.iter().find(|i| i.number == number)
    }

    /// True if any interface is bound to `driver` (e.g. `"usb-storage"`, `"option"`).
    pub fn has_driver(&self, driver: &str) -> bool {
        self.interfaces
            .iter()
            .any(|i| i.driver.as_deref() == Some(driver))
    }

    /// `/dev/bus/usb/BBB/DDD` relative part (`"001/004"`), when busnum and devnum are known.
    pub fn usbfs_node(&self) -> Option<String> {
        Some(format!("{:03}/{:03}", self.busnum?, self.devnum?))
    }
}

impl UsbInterface {
    /// `"ff/02/01"`: class/subclass/protocol in lowercase hex, as usb_modeswitch and MM write them.
    pub fn class_triple(&self) -> String {
        format!(
            "{:02x}/{:02x}/{:02x}",
            self.class, self.subclass, self.protocol
        )
    }
}

/// True for a USB device directory name: `B-P` or `B-P.P...` (e.g. `1-1`, `2-1.4.3`).
pub fn is_device_name(name: &str) -> bool {
    sort_key(name).is_some()
}

/// `(bus, [ports])` for a device name, used to sort `1-1.10` after `1-1.9`.
fn sort_key(name: &str) -> Option<(u32, Vec<u32>)> {
    let (bus, ports) = name.split_once('-')?;
    let bus = parse_digits(bus)?;
    let ports = ports
        .split('.')
        .map(parse_digits)
        .collect::<Option<Vec<u32>>>()?;
    Some((bus, ports))
}

fn parse_digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// True for `DEV:C.N`, an interface directory of device `dev`.
fn is_interface_of(name: &str, dev: &str) -> bool {
    name.strip_prefix(dev)
        .and_then(|rest| rest.strip_prefix(':'))
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(c, n)| parse_digits(c).is_some() && parse_digits(n).is_some())
}

impl Sysfs {
    /// A sysfs tree rooted at `root` (`/sys` on a live system).
    pub fn new(root: impl Into<PathBuf>) -> Sysfs {
        Sysfs { root: root.into() }
    }

    /// The root this reads from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `ROOT/bus/usb/devices`.
    pub fn devices_dir(&self) -> PathBuf {
        self.root.join("bus/usb/devices")
    }

    /// `ROOT/bus/usb/devices/PATH`: where a device's attributes (and `avoid_reset_quirk`,
    /// `authorized`, ...) live.
    pub fn device_dir(&self, path: &str) -> PathBuf {
        self.devices_dir().join(path)
    }

    /// `bDeviceClass` of a device (usb_modeswitch's storage check uses it), if sysfs has it.
    pub fn device_class(&self, path: &str) -> Option<u8> {
        read::opt_num(&self.device_dir(path).join("bDeviceClass"), Radix::Hex)
            .ok()
            .flatten()
    }

    /// The names of the USB devices (`1-1.4`, not root hubs or interfaces), in USB-path order.
    pub fn device_names(&self) -> Result<Vec<String>, UsbError> {
        let dir = self.devices_dir();
        if !dir.is_dir() {
            return Err(UsbError::NoSysfs { path: dir });
        }
        let mut names: Vec<String> = read::dir_names(&dir)?
            .into_iter()
            .filter(|n| is_device_name(n))
            .collect();
        names.sort_by_cached_key(|n| sort_key(n));
        Ok(names)
    }

    /// Every USB device (not root hubs `usbN`, not interfaces), sorted by USB path
    /// numerically (`1-1.2` before `1-1.10`). Devices that disappear during the scan are skipped.
    pub fn devices(&self) -> Result<Vec<UsbDevice>, UsbError> {
        let mut out = Vec::new();
        for name in self.device_names()? {
            match self.read_device(&name) {
                Ok(dev) => out.push(dev),
                // Unplugged (or re-enumerating after a mode switch) while we were reading it.
                Err(_) if !read::exists(&self.device_dir(&name)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// The device at a USB path such as `"1-1.4"`.
    pub fn device(&self, path: &str) -> Result<UsbDevice, UsbError> {
        if is_device_name(path) && self.device_dir(path).is_dir() {
            return self.read_device(path);
        }
        Err(self.not_found(path))
    }

    /// Finds a device the way a user names it: a USB path (`1-1.4`, also
    /// `/sys/bus/usb/devices/1-1.4`), a `vid:pid` in hex (`12d1:1506`), or a 1-based index into
    /// [`Sysfs::devices`]. The error lists what exists.
    pub fn find(&self, spec: &str) -> Result<UsbDevice, UsbError> {
        let spec = spec.trim();
        let base = spec
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(spec);
        if is_device_name(base) {
            return self.device(base).map_err(|e| match e {
                UsbError::NotFound { found, .. } => UsbError::NotFound {
                    spec: spec.to_string(),
                    found,
                },
                other => other,
            });
        }
        let devices = self.devices()?;
        if let Some(index) = parse_digits(spec) {
            let found = (index as usize)
                .checked_sub(1)
                .and_then(|i| devices.get(i).cloned());
            return found.ok_or_else(|| not_found_in(spec, &devices));
        }
        if let Some((vid, pid)) = parse_vid_pid(spec) {
            let mut matches: Vec<UsbDevice> = devices
                .iter()
                .filter(|d| d.vid == vid && d.pid == pid)
                .cloned()
                .collect();
            return match matches.len() {
                0 => Err(not_found_in(spec, &devices)),
                1 => Ok(matches.remove(0)),
                count => Err(UsbError::Ambiguous {
                    spec: spec.to_string(),
                    count,
                    found: list(&matches),
                    first: matches[0].path.clone(),
                }),
            };
        }
        Err(not_found_in(spec, &devices))
    }

    fn not_found(&self, spec: &str) -> UsbError {
        match self.devices() {
            Ok(devices) => not_found_in(spec, &devices),
            Err(e) => e,
        }
    }

    fn read_device(&self, name: &str) -> Result<UsbDevice, UsbError> {
        let dir = self.device_dir(name);
        let f = |file: &str| read::join(&dir, file);
        let mut dev = UsbDevice {
            path: name.to_string(),
            vid: read::required_num(&f("idVendor"), Radix::Hex, "device")?,
            pid: read::required_num(&f("idProduct"), Radix::Hex, "device")?,
            manufacturer: read::opt_string(&f("manufacturer")),
            product: read::opt_string(&f("product")),
            serial: read::opt_string(&f("serial")),
            bcd_device: read::opt_num(&f("bcdDevice"), Radix::Hex)?,
            configuration: read::opt_num(&f("bConfigurationValue"), Radix::Dec)?,
            num_configurations: read::opt_num(&f("bNumConfigurations"), Radix::Dec)?,
            busnum: read::opt_num(&f("busnum"), Radix::Dec)?,
            devnum: read::opt_num(&f("devnum"), Radix::Dec)?,
            interfaces: Vec::new(),
        };
        let devices_dir = self.devices_dir();
        // Real sysfs: interfaces are symlinks in bus/usb/devices and subdirectories of the device;
        // the fake tree has them only in bus/usb/devices. Read them from there, where both agree.
        for iface in read::dir_names(&devices_dir)? {
            if !is_interface_of(&iface, name) {
                continue;
            }
            let idir = devices_dir.join(&iface);
            match read_interface(&idir) {
                Ok(i) => dev.interfaces.push(i),
                Err(_) if !read::exists(&idir) => {}
                Err(e) => return Err(e),
            }
        }
        dev.interfaces.sort_by_key(|i| (i.number, i.alt));
        Ok(dev)
    }
}

fn read_interface(dir: &Path) -> Result<UsbInterface, UsbError> {
    let f = |file: &str| read::join(dir, file);
    let mut iface = UsbInterface {
        number: read::required_num(&f("bInterfaceNumber"), Radix::Hex, "interface")?,
        alt: read::opt_num(&f("bAlternateSetting"), Radix::Dec)?.unwrap_or(0),
        class: read::required_num(&f("bInterfaceClass"), Radix::Hex, "interface")?,
        subclass: read::required_num(&f("bInterfaceSubClass"), Radix::Hex, "interface")?,
        protocol: read::required_num(&f("bInterfaceProtocol"), Radix::Hex, "interface")?,
        name: read::opt_string(&f("interface")),
        driver: read::driver_name(&f("driver")),
        endpoints: Vec::new(),
        ttys: Vec::new(),
        net: Vec::new(),
        cdc_wdm: Vec::new(),
    };
    for entry in read::dir_names(dir)? {
        if entry.starts_with("ep_") {
            let edir = dir.join(&entry);
            let address =
                read::required_num(&edir.join("bEndpointAddress"), Radix::Hex, "endpoint")?;
            let attributes =
                read::required_num(&edir.join("bmAttributes"), Radix::Hex, "endpoint")?;
            let max_packet = read::opt_num(&edir.join("wMaxPacketSize"), Radix::Hex)?.unwrap_or(0);
            iface
                .endpoints
                .push(Endpoint::from_descriptor(address, attributes, max_packet));
        } else if entry.starts_with("tty") && entry != "tty" {
            // usb-serial (option, qcserial, ...): DEV:1.N/ttyUSBk/
            iface.ttys.push(entry);
        }
    }
    // cdc_acm and others: DEV:1.N/tty/ttyACMk/
    iface.ttys.extend(read::dir_names(&dir.join("tty"))?);
    iface.net = read::dir_names(&dir.join("net"))?;
    iface.cdc_wdm = read::dir_names(&dir.join("usbmisc"))?;
    iface.endpoints.sort_by_key(|e| e.address);
    iface.ttys.sort_by_cached_key(|t| natural_key(t));
    iface.ttys.dedup();
    iface.net.sort_by_cached_key(|t| natural_key(t));
    iface.cdc_wdm.sort_by_cached_key(|t| natural_key(t));
    Ok(iface)
}

/// Sort key that orders `ttyUSB2` before `ttyUSB10`.
fn natural_key(s: &str) -> (String, u64) {
    let digits = s.len() - s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (head, tail) = s.split_at(s.len() - digits);
    (head.to_string(), tail.parse().unwrap_or(0))
}

/// `"12d1:1506"` → `(0x12d1, 0x1506)`.
pub fn parse_vid_pid(spec: &str) -> Option<(u16, u16)> {
    let (v, p) = spec.split_once(':')?;
    let hex = |s: &str| {
        let s = s.trim();
        let s = s.strip_prefix("0x").unwrap_or(s);
        if s.is_empty() || s.len() > 4 {
            return None;
        }
        u16::from_str_radix(s, 16).ok()
    };
    Some((hex(v)?, hex(p)?))
}

fn list(devices: &[UsbDevice]) -> String {
    devices
        .iter()
        .map(UsbDevice::label)
        .collect::<Vec<_>>()
        .join(", ")
}

fn not_found_in(spec: &str, devices: &[UsbDevice]) -> UsbError {
    let found = if devices.is_empty() {
        "no USB devices found".to_string()
    } else {
        format!("found: {}", list(devices))
    };
    UsbError::NotFound {
        spec: spec.to_string(),
        found,
    }
}
