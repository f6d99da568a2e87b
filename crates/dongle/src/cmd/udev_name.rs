//! `dongle udev-name KERNEL` (hidden): called by the udev rules `dongle install` writes
//! (`IMPORT{program}="… udev-name %k"`) for every tty and network interface of a modem dongle
//! knows. Prints udev properties on stdout:
//!
//! ```text
//! DONGLE_NAME=uplink1      the [[modem]] name matched by usb_path/id, else the USB path (1-1.4)
//! DONGLE_ROLE=modem        modem, at, diag, gps, ifN (ttys only; a repeated role gets -ifN)
//! DONGLE_USB_PATH=1-1.4
//! DONGLE_MANAGE=1          0 when the configuration says manage = false
//! ```
//!
//! Everything comes from sysfs and the catalog: no AT traffic, because udev runs this while the
//! port is still being set up, and a program that talks to a modem from a udev rule is how
//! ports end up busy or confused. For the same reason a configuration section matched by IMEI
//! or ICCID cannot name the port here (only the daemon learns those).

use std::path::PathBuf;

use clap::Args;
use dongle_catalog::{port_role, PortRole};
use dongle_usb::UsbDevice;

use crate::config::{config_path, Config, ModemIdent};
use crate::context::Context;
use crate::failure::{Exit, Failure};

#[derive(Args, Debug)]
pub struct UdevNameArgs {
    /// Kernel name of the tty or network interface (udev's %k), e.g. ttyUSB2 or wwan0.
    #[arg(value_name = "KERNEL")]
    pub kernel: String,
    /// Configuration file for [[modem]] names (default: $DONGLE_CONFIG, else
    /// /etc/dongle/config.toml).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// What the rules get for one tty or network interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortName {
    /// Directory under /dev/dongle/.
    pub name: String,
    /// Link name in that directory; `None` for network interfaces (they have no device node).
    pub role: Option<String>,
    pub usb_path: String,
    pub manage: bool,
}

impl PortName {
    /// `KEY=value` lines for udev's IMPORT{program}.
    pub fn udev_properties(&self) -> String {
        let mut s = format!("DONGLE_NAME={}\n", self.name);
        if let Some(r) = &self.role {
            s.push_str(&format!("DONGLE_ROLE={r}\n"));
        }
        s.push_str(&format!("DONGLE_USB_PATH={}\n", self.usb_path));
        s.push_str(&format!("DONGLE_MANAGE={}\n", u8::from(self.manage)));
        s
    }
}

pub fn run(ctx: &Context, a: &UdevNameArgs) -> Result<(), Failure> {
    let path = config_path(a.config.as_deref());
    // A broken configuration must not cost the user the device names: fall back to the
    // defaults (names from USB paths) and say why on stderr, which udev logs.
    let config = Config::load(&path).unwrap_or_else(|e| {
        eprintln!("dongle udev-name: {e} (naming by USB path until it is fixed)");
        Config::default()
    });
    // The device the kernel name belongs to, straight from its sysfs links; a full scan of
    // every USB device (slow with dozens of sticks, and udev runs this once per port) only
    // when that fails, e.g. in the simulator's flat tree.
    let direct = usb_device_of(ctx.sysfs.root(), &a.kernel)
        .and_then(|path| ctx.sysfs.device(&path).ok())
        .and_then(|dev| name_for(std::slice::from_ref(&dev), &config, &a.kernel));
    let found = match direct {
        Some(n) => Some(n),
        None => name_for(&ctx.sysfs.devices()?, &config, &a.kernel),
    };
    match found {
        Some(n) => {
            print!("{}", n.udev_properties());
            Ok(())
        }
        None => Err(Failure::new(
            Exit::NotFound,
            format!(
                "{} is not a tty or network interface of a USB device under {}; \
                 udev-name is meant to be run by the rules `dongle install` writes",
                a.kernel,
                ctx.sysfs.root().display()
            ),
        )),
    }
}

/// The USB device (`1-1.4`) a tty or network interface sits on, from
/// `/sys/class/{tty,net}/KERNEL/device`: the first ancestor of its target that is a USB
/// interface (`1-1.4:1.0`) or device (`1-1.4`). Real sysfs nests them
/// (`…/1-1/1-1.4/1-1.4:1.0/ttyUSB0`).
pub fn usb_device_of(sysfs_root: &std::path::Path, kernel: &str) -> Option<String> {
    if kernel.is_empty() || kernel.contains('/') || kernel.starts_with('.') {
        return None;
    }
    for class in ["tty", "net"] {
        let link = sysfs_root
            .join("class")
            .join(class)
            .join(kernel)
            .join("device");
        let Ok(target) = std::fs::canonicalize(&link) else {
            continue;
        };
        for dir in target.ancestors() {
            let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let dev = name.split_once(':').map_or(name, |(d, _)| d);
            if dongle_usb::is_device_name(dev) {
                return Some(dev.to_string());
            }
        }
    }
    None
}

/// The name, role and management flag of kernel device `kernel` (a tty or a network
/// interface) among `devices`.
pub fn name_for(devices: &[UsbDevice], config: &Config, kernel: &str) -> Option<PortName> {
    let dev = devices.iter().find(|d| {
        d.interfaces
            .iter()
            .any(|i| i.ttys.iter().any(|t| t == kernel) || i.net.iter().any(|n| n == kernel))
    })?;
    let ident = ModemIdent {
        usb_path: Some(dev.path.clone()),
        id: Some(dev.id()),
        imei: None,
        iccid: None,
    };
    let (section_name, settings) = config.settings_for(&ident);
    let role = port_roles(dev)
        .into_iter()
        .find(|(tty, _)| tty == kernel)
        .map(|(_, role)| role);
    Some(PortName {
        name: section_name.map_or_else(|| dev.path.clone(), str::to_string),
        role,
        usb_path: dev.path.clone(),
        manage: settings.manages(),
    })
}

/// The link name of a port role: "at" rather than Huawei's "PC UI", because that is what the
/// port is for.
fn role_word(role: PortRole) -> Option<&'static str> {
    match role {
        PortRole::Modem => Some("modem"),
        PortRole::Pcui => Some("at"),
        PortRole::Diag => Some("diag"),
        PortRole::Gps => Some("gps"),
        PortRole::Unknown => None,
    }
}

/// Every tty of `dev` with its link name, in interface order. The role comes from the
/// descriptor or the device table ([`port_role`]); a port with no known role is `ifN` (its
/// interface number, stable for a given firmware). When two ports share a role (Alcatel's
/// three AT ports), the lowest interface keeps the plain name and the others get `-ifN`, so
/// no two ports of one modem ever claim the same link.
pub fn port_roles(dev: &UsbDevice) -> Vec<(String, String)> {
    let mut base: Vec<(String, u8, String, usize)> = Vec::new();
    for iface in &dev.interfaces {
        let word = port_role(dev, iface)
            .and_then(|(r, _)| role_word(r))
            .map_or_else(|| format!("if{}", iface.number), str::to_string);
        for (k, tty) in iface.ttys.iter().enumerate() {
            base.push((tty.clone(), iface.number, word.clone(), k));
        }
    }
    let mut out = Vec::with_capacity(base.len());
    for (i, (tty, number, word, k)) in base.iter().enumerate() {
        let taken_before = base[..i].iter().any(|(_, _, w, _)| w == word);
        let mut name = if taken_before && !word.starts_with("if") {
            format!("{word}-if{number}")
        } else {
            word.clone()
        };
        if *k > 0 {
            // A second tty on one interface (rare: multi-port serial functions).
            name = format!("{name}.{k}");
        }
        out.push((tty.clone(), name));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use dongle_usb::UsbInterface;
    use std::path::Path;

    fn iface(number: u8, class: (u8, u8, u8), ttys: &[&str], net: &[&str]) -> UsbInterface {
        UsbInterface {
            number,
            alt: 0,
            class: class.0,
            subclass: class.1,
            protocol: class.2,
            name: None,
            driver: Some("option".into()),
            endpoints: Vec::new(),
            ttys: ttys.iter().map(|s| s.to_string()).collect(),
            net: net.iter().map(|s| s.to_string()).collect(),
            cdc_wdm: Vec::new(),
        }
    }

    fn device(path: &str, vid: u16, pid: u16, interfaces: Vec<UsbInterface>) -> UsbDevice {
        UsbDevice {
            path: path.into(),
            vid,
            pid,
            manufacturer: None,
            product: None,
            serial: None,
            bcd_device: None,
            configuration: Some(1),
            num_configurations: Some(1),
            busnum: None,
            devnum: None,
            interfaces,
        }
    }

    /// An E3372 in stick mode (12d1:1506) as gargoyle#537 shows it: ff/03/10 (4G modem),
    /// ff/03/12 (4G PCUI) on option, ff/03/16 NCM.
    fn e3372(path: &str) -> UsbDevice {
        device(
            path,
            0x12d1,
            0x1506,
            vec![
                iface(0, (0xff, 0x03, 0x10), &["ttyUSB0"], &[]),
                iface(1, (0xff, 0x03, 0x12), &["ttyUSB1"], &[]),
                iface(2, (0xff, 0x03, 0x16), &[], &["wwan0"]),
            ],
        )
    }

    #[test]
    fn usb_device_from_class_links() {
        let root = tempfile::tempdir().expect("tempdir");
        let r = root.path();
        // Real sysfs: usb-serial ttys hang below a port device below the interface;
        // ttyACM and network interfaces directly below the interface.
        let iface = r.join("devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1.4/1-1.4:1.2");
        std::fs::create_dir_all(iface.join("ttyUSB2")).expect("mkdir");
        std::fs::create_dir_all(iface.join("net/wwan0")).expect("mkdir");
        std::fs::create_dir_all(r.join("class/tty/ttyUSB2")).expect("mkdir");
        std::fs::create_dir_all(r.join("class/net/wwan0")).expect("mkdir");
        std::os::unix::fs::symlink(iface.join("ttyUSB2"), r.join("class/tty/ttyUSB2/device"))
            .expect("link");
        std::os::unix::fs::symlink(&iface, r.join("class/net/wwan0/device")).expect("link");
        std::fs::create_dir_all(r.join("class/tty/ttyS0")).expect("mkdir");
        std::fs::create_dir_all(r.join("devices/pnp0/00:00")).expect("mkdir");
        std::os::unix::fs::symlink(
            r.join("devices/pnp0/00:00"),
            r.join("class/tty/ttyS0/device"),
        )
        .expect("link");
        assert_eq!(usb_device_of(r, "ttyUSB2").as_deref(), Some("1-1.4"));
        assert_eq!(usb_device_of(r, "wwan0").as_deref(), Some("1-1.4"));
        // Not USB, not there, or not a plain name.
        assert_eq!(usb_device_of(r, "ttyS0"), None);
        assert_eq!(usb_device_of(r, "ttyUSB9"), None);
        assert_eq!(usb_device_of(r, "../tty/ttyUSB2"), None);
    }

    #[test]
    fn roles_from_descriptors() {
        let r = port_roles(&e3372("1-1.4"));
        assert_eq!(
            r,
            vec![
                ("ttyUSB0".to_string(), "modem".to_string()),
                ("ttyUSB1".to_string(), "at".to_string())
            ]
        );
    }

    #[test]
    fn roles_from_the_device_table_and_unknown_ports() {
        // E620 12d1:1001: all ff/ff/ff, the table says 0 modem, 1 diag, 2 pcui; 3 unknown.
        let dev = device(
            "2-1",
            0x12d1,
            0x1001,
            vec![
                iface(0, (0xff, 0xff, 0xff), &["ttyUSB3"], &[]),
                iface(1, (0xff, 0xff, 0xff), &["ttyUSB4"], &[]),
                iface(2, (0xff, 0xff, 0xff), &["ttyUSB5"], &[]),
                iface(3, (0xff, 0xff, 0xff), &["ttyUSB6"], &[]),
            ],
        );
        let r: Vec<String> = port_roles(&dev).into_iter().map(|(_, n)| n).collect();
        assert_eq!(r, ["modem", "diag", "at", "if3"]);
    }

    #[test]
    fn repeated_roles_get_distinct_names() {
        // Alcatel X200 1bbb:0000: interfaces 0..2 AT, 3 modem (MM x22x rules).
        let dev = device(
            "1-2",
            0x1bbb,
            0x0000,
            (0..4)
                .map(|n| {
                    let tty = format!("ttyUSB{n}");
                    iface(n, (0xff, 0xff, 0xff), &[tty.as_str()], &[])
                })
                .collect(),
        );
        let r: Vec<String> = port_roles(&dev).into_iter().map(|(_, n)| n).collect();
        assert_eq!(r, ["at", "at-if1", "at-if2", "modem"]);
    }

    #[test]
    fn name_from_config_section_else_usb_path() {
        let cfg = Config::parse(
            "[[modem]]\nname = \"uplink1\"\nmatch = { usb_path = \"1-1.4\" }\n\n\
             [[modem]]\nname = \"by-imei\"\nmatch = { imei = \"866123456789015\" }\nmanage = false\n\n\
             [[modem]]\nmatch = { id = \"12d1:1001\" }\nmanage = false\n",
            Path::new("c.toml"),
        )
        .expect("valid");
        let devices = vec![e3372("1-1.4"), {
            let mut d = device("3-1", 0x12d1, 0x1001, vec![]);
            d.interfaces
                .push(iface(0, (0xff, 0xff, 0xff), &["ttyUSB9"], &[]));
            d
        }];
        let n = name_for(&devices, &cfg, "ttyUSB1").expect("found");
        assert_eq!(n.name, "uplink1");
        assert_eq!(n.role.as_deref(), Some("at"));
        assert!(n.manage);
        assert_eq!(
            n.udev_properties(),
            "DONGLE_NAME=uplink1\nDONGLE_ROLE=at\nDONGLE_USB_PATH=1-1.4\nDONGLE_MANAGE=1\n"
        );
        // The net interface: a name but no role (no device node to link).
        let n = name_for(&devices, &cfg, "wwan0").expect("found");
        assert_eq!(n.role, None);
        assert!(!n.udev_properties().contains("DONGLE_ROLE"));
        // The IMEI section cannot match from udev; the id section can, and turns management off.
        let n = name_for(&devices, &cfg, "ttyUSB9").expect("found");
        assert_eq!(n.name, "3-1");
        assert_eq!(n.role.as_deref(), Some("modem"));
        assert!(!n.manage);
        assert!(n.udev_properties().contains("DONGLE_MANAGE=0\n"));
        assert_eq!(name_for(&devices, &cfg, "ttyS0"), None);
    }
}
