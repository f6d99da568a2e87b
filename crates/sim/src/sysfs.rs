//! The fake sysfs tree: the files `dongle-usb` reads, laid out as Linux lays them out under
//! `/sys/bus/usb/devices` (real directories instead of the kernel's symlinks).

use std::fs;
use std::path::{Path, PathBuf};

use crate::profile::{InterfaceKind, Profile};
use crate::SimError;

/// USB path of the simulated device (bus 1, root port 1).
pub const DEVICE: &str = "1-1";

/// Every driver an interface of a profile can be bound to.
const DRIVERS: &[&str] = &["option", "usb-storage", "huawei_cdc_ncm", "cdc_ether"];

fn write(path: &Path, value: &str) -> Result<(), SimError> {
    fs::write(path, format!("{value}\n")).map_err(|e| SimError::io("write sysfs file", path, e))
}

fn mkdir(path: &Path) -> Result<(), SimError> {
    fs::create_dir_all(path).map_err(|e| SimError::io("create sysfs directory", path, e))
}

/// Where one device sits in a tree that may hold several (a [`crate::Fleet`]): its USB path
/// and the kernel numbering of its ttys and network interfaces, which are global on a host
/// (the second stick's first port is `ttyUSB2` or `ttyUSB3`, not `ttyUSB0`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Placement {
    /// USB path, the directory name under `bus/usb/devices` (`1-1`, `1-1.12`).
    pub device: String,
    /// `ttyUSB` number of the first serial port.
    pub tty_base: usize,
    /// Number of the first `wwan`/`cdc-wdm` interface.
    pub net_base: usize,
    /// `devnum` (the kernel gives a new one on every enumeration).
    pub devnum: u32,
    /// The `serial` attribute; None: the profile's.
    pub serial: Option<String>,
}

impl Placement {
    /// The single device of a [`crate::Sim`]: bus 1, root port 1, ttyUSB0…, wwan0.
    pub fn single() -> Placement {
        Placement {
            device: DEVICE.to_string(),
            tty_base: 0,
            net_base: 0,
            devnum: 2,
            serial: None,
        }
    }

    /// `devpath`: the port chain after the bus (`1` for `1-1`, `1.12` for `1-1.12`).
    fn devpath(&self) -> &str {
        self.device
            .split_once('-')
            .map_or(self.device.as_str(), |(_, p)| p)
    }
}

/// Writes the tree for `profile` under `sys` at the single-device placement. Returns the
/// directories that disappear when the device is unplugged.
#[cfg(test)]
pub fn create(sys: &Path, profile: &Profile) -> Result<Vec<PathBuf>, SimError> {
    create_at(sys, profile, &Placement::single())
}

/// Writes the tree for `profile` under `sys` at `place`. Returns the directories that
/// disappear when the device is unplugged. Other devices in the tree are left alone.
pub(crate) fn create_at(
    sys: &Path,
    profile: &Profile,
    place: &Placement,
) -> Result<Vec<PathBuf>, SimError> {
    let usb = sys.join("bus/usb");
    for d in DRIVERS {
        mkdir(&usb.join("drivers").join(d))?;
    }
    let devices = usb.join("devices");
    mkdir(&devices)?;
    // Built aside and renamed into place, interfaces first and the device last, so that a
    // reader scanning meanwhile (a daemon's rescan) never sees a half-written device: the
    // kernel's attributes exist with their values before the device shows up. The staging
    // directory is as deep as `devices`, so relative driver links resolve in both places.
    let staging = usb.join(format!(".staging-{}", place.device));
    let _ = fs::remove_dir_all(&staging);
    let built = build(&staging, profile, place);
    let published = built.and_then(|names| {
        let mut dirs = Vec::new();
        // names[0] is the device: publish it last.
        for name in names.iter().skip(1).chain(names.first()) {
            let to = devices.join(name);
            if fs::symlink_metadata(&to).is_ok() {
                let _ = fs::remove_dir_all(&to);
            }
            fs::rename(staging.join(name), &to)
                .map_err(|e| SimError::io("publish sysfs directory", &to, e))?;
            dirs.push(to);
        }
        // The device first: unplugging removes it before its interfaces, as the kernel does.
        dirs.rotate_right(1);
        Ok(dirs)
    });
    let _ = fs::remove_dir_all(&staging);
    published
}

/// Writes the device and interface directories of `profile` into `staging`; returns their
/// names, the device's first.
fn build(staging: &Path, profile: &Profile, place: &Placement) -> Result<Vec<String>, SimError> {
    let devices = staging;
    let dev = devices.join(&place.device);
    mkdir(&dev)?;
    let mut files = vec![
        ("idVendor", format!("{:04x}", profile.vid)),
        ("idProduct", format!("{:04x}", profile.pid)),
        ("manufacturer", profile.manufacturer.to_string()),
        ("product", profile.product.to_string()),
        ("bcdDevice", format!("{:04x}", profile.bcd_device)),
        ("bConfigurationValue", "1".into()),
        ("bNumConfigurations", profile.num_configurations.to_string()),
        ("bNumInterfaces", format!("{:2}", profile.interfaces.len())),
        ("bDeviceClass", "00".into()),
        ("busnum", "1".into()),
        ("devnum", place.devnum.to_string()),
        ("devpath", place.devpath().to_string()),
        ("speed", "480".into()),
        ("version", " 2.00".into()),
    ];
    if let Some(s) = place.serial.as_deref().or(profile.serial) {
        files.push(("serial", s.to_string()));
    }
    for (name, value) in &files {
        write(&dev.join(name), value)?;
    }
    let mut dirs = vec![place.device.clone()];
    let mut tty = place.tty_base;
    let mut net = place.net_base;
    for i in &profile.interfaces {
        let name = format!("{}:1.{}", place.device, i.number);
        let d = devices.join(&name);
        mkdir(&d)?;
        let (c, s, p) = i.class;
        write(&d.join("bInterfaceNumber"), &format!("{:02x}", i.number))?;
        write(&d.join("bInterfaceClass"), &format!("{c:02x}"))?;
        write(&d.join("bInterfaceSubClass"), &format!("{s:02x}"))?;
        write(&d.join("bInterfaceProtocol"), &format!("{p:02x}"))?;
        write(&d.join("bAlternateSetting"), "0")?;
        write(
            &d.join("bNumEndpoints"),
            &format!("{:02x}", i.endpoints.len()),
        )?;
        if let Some(s) = i.description {
            write(&d.join("interface"), s)?;
        }
        if let Some(drv) = i.driver {
            let link = d.join("driver");
            std::os::unix::fs::symlink(format!("../../drivers/{drv}"), &link)
                .map_err(|e| SimError::io("create driver link", &link, e))?;
        }
        for ep in &i.endpoints {
            let e = d.join(format!("ep_{:02x}", ep.address));
            mkdir(&e)?;
            let input = ep.address & 0x80 != 0;
            write(&e.join("bEndpointAddress"), &format!("{:02x}", ep.address))?;
            write(&e.join("bmAttributes"), &format!("{:02x}", ep.attributes))?;
            write(&e.join("direction"), if input { "in" } else { "out" })?;
            let kind = match ep.attributes & 3 {
                0 => "Control",
                1 => "Isoc",
                2 => "Bulk",
                _ => "Interrupt",
            };
            write(&e.join("type"), kind)?;
            write(&e.join("wMaxPacketSize"), &format!("{:04x}", ep.max_packet))?;
        }
        // No driver bound (`[usb] unbound`): the kernel creates no tty or network device.
        match i.kind {
            _ if i.driver.is_none() => {}
            InterfaceKind::Serial(_) => {
                let name = format!("ttyUSB{tty}");
                mkdir(&d.join(&name).join("tty").join(&name))?;
                tty += 1;
            }
            InterfaceKind::NetControl => {
                let n = d.join("net").join(format!("wwan{net}"));
                mkdir(&n)?;
                // Locally unique per interface; the first one is the single sim's 0c:5b:8f:27:9a:64.
                let mac = 0x9a64 + net;
                write(
                    &n.join("address"),
                    &format!("0c:5b:8f:27:{:02x}:{:02x}", (mac >> 8) & 0xff, mac & 0xff),
                )?;
                write(&n.join("operstate"), "down")?;
                if i.driver == Some("huawei_cdc_ncm") {
                    mkdir(&d.join("usbmisc").join(format!("cdc-wdm{net}")))?;
                }
                net += 1;
            }
            InterfaceKind::NetData | InterfaceKind::Storage => {}
        }
        dirs.push(name);
    }
    Ok(dirs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::profile;

    fn read(p: PathBuf) -> String {
        fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    #[test]
    fn e3372_tree() {
        let t = tempfile::tempdir().expect("tempdir");
        let p = profile("e3372").expect("e3372");
        let dirs = create(t.path(), &p).expect("create");
        assert_eq!(dirs.len(), 5);
        let d = t.path().join("bus/usb/devices");
        assert_eq!(read(d.join("1-1/idVendor")), "12d1\n");
        assert_eq!(read(d.join("1-1/idProduct")), "1506\n");
        assert_eq!(read(d.join("1-1/bNumInterfaces")), " 4\n");
        assert_eq!(read(d.join("1-1/manufacturer")), "HUAWEI_MOBILE\n");
        assert_eq!(read(d.join("1-1:1.1/bInterfaceProtocol")), "02\n");
        assert_eq!(read(d.join("1-1:1.2/bInterfaceClass")), "02\n");
        assert_eq!(read(d.join("1-1:1.0/bNumEndpoints")), "03\n");
        assert_eq!(read(d.join("1-1:1.0/ep_81/type")), "Bulk\n");
        assert_eq!(read(d.join("1-1:1.0/ep_82/type")), "Interrupt\n");
        assert_eq!(read(d.join("1-1:1.0/ep_01/direction")), "out\n");
        assert!(d.join("1-1:1.1/ttyUSB1").is_dir());
        assert!(d.join("1-1:1.2/net/wwan0").is_dir());
        assert!(d.join("1-1:1.2/usbmisc/cdc-wdm0").is_dir());
        let link = fs::read_link(d.join("1-1:1.2/driver")).expect("link");
        assert_eq!(
            link.file_name().and_then(|n| n.to_str()),
            Some("huawei_cdc_ncm")
        );
        assert!(d
            .join("1-1:1.0/driver")
            .canonicalize()
            .expect("resolves")
            .is_dir());
    }

    #[test]
    fn storage_profile_tree() {
        let t = tempfile::tempdir().expect("tempdir");
        let p = profile("e3531-storage").expect("e3531-storage");
        create(t.path(), &p).expect("create");
        let d = t.path().join("bus/usb/devices");
        assert_eq!(read(d.join("1-1/idProduct")), "157d\n");
        assert_eq!(read(d.join("1-1/bNumConfigurations")), "2\n");
        assert_eq!(read(d.join("1-1/busnum")), "1\n");
        assert_eq!(read(d.join("1-1/devnum")), "2\n");
        assert_eq!(read(d.join("1-1:1.0/bInterfaceClass")), "08\n");
        assert_eq!(read(d.join("1-1:1.0/ep_01/direction")), "out\n");
        assert_eq!(read(d.join("1-1:1.0/ep_81/type")), "Bulk\n");
        assert!(!d.join("1-1:1.1").exists());
    }

    #[test]
    fn zte_storage_has_no_tty() {
        let t = tempfile::tempdir().expect("tempdir");
        let p = profile("zte-mf190").expect("zte");
        create(t.path(), &p).expect("create");
        let d = t.path().join("bus/usb/devices/1-1:1.3");
        assert_eq!(read(d.join("bInterfaceClass")), "08\n");
        let names: Vec<_> = fs::read_dir(&d)
            .expect("dir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.starts_with("tty")), "{names:?}");
        assert_eq!(
            read(t.path().join("bus/usb/devices/1-1/serial")),
            "MF1900ZTED010000\n"
        );
    }
}
