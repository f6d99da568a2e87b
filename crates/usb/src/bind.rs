//! Driver binding after a switch: make the kernel's `option` serial driver take an ID it does
//! not know (`new_id`), keep usb-storage from resetting a switched stick back
//! (`avoid_reset_quirk`), and say exactly what is missing when the driver is not there.
//!
//! Only these two sysfs attributes are ever written, always under the configured sysfs root
//! (so tests use a temporary tree):
//!
//! - `ROOT/bus/usb-serial/drivers/option1/new_id` ← `"vvvv pppp ff"`: the kernel parses
//!   `"%x %x [class]"`; the class `ff` limits the match to vendor-specific interfaces, as
//!   usb_modeswitch's old dispatcher did (usb_modeswitch.md §3.4).
//! - `ROOT/bus/usb/devices/<dev>/avoid_reset_quirk` ← `1` (the dispatcher's last step, §3.3).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::device::{Sysfs, UsbDevice};

/// The usb-serial driver directory of `option`, relative to the sysfs root.
pub const OPTION_DRIVER_DIR: &str = "bus/usb-serial/drivers/option1";

/// What happened to a `new_id` write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NewIdOutcome {
    /// Written: the kernel now binds `option` to the ID.
    Added,
    /// The kernel already had the ID (EEXIST): nothing to do.
    AlreadyKnown,
    /// The device went away meanwhile (ENODEV): harmless.
    DeviceGone,
}

/// Where the kernel's `option` driver stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum DriverState {
    /// `option1` is registered with usb-serial.
    Loaded,
    /// Not loaded, but the module file exists: `modprobe option`.
    NotLoaded,
    /// Not loaded and no module file for the running kernel was found.
    NotBuilt {
        /// Where it was looked for.
        looked_in: String,
    },
    /// Not loaded; the modules directory could not be checked.
    Unknown,
}

/// Binding failures. Each says what to do.
#[derive(thiserror::Error, Debug)]
pub enum BindError {
    /// The option driver is not available.
    #[error("the kernel's option driver is not loaded: run `modprobe option` (as root), then replug the stick or run `dongle switch` again")]
    NotLoaded,
    /// The kernel has no option driver at all.
    #[error("the kernel has no option driver (no option.ko under {looked_in}, and it is not built in): install your distribution's kernel modules package (Debian: linux-modules-extra / linux-image with CONFIG_USB_SERIAL_OPTION), or use a kernel that has it")]
    NotBuilt {
        /// Where the module was looked for.
        looked_in: String,
    },
    /// Writing a sysfs attribute failed.
    #[error("cannot write {}: {source}{hint}", path.display())]
    Write {
        /// The attribute.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
        /// " (run as root…)" when it is a permission problem.
        hint: &'static str,
    },
}

fn write_attr(path: &Path, value: &str) -> Result<(), std::io::Error> {
    // No create: a sysfs attribute exists or the kernel does not have it.
    let mut f = OpenOptions::new().write(true).open(path)?;
    f.write_all(value.as_bytes())
}

fn write_error(path: PathBuf, source: std::io::Error) -> BindError {
    let hint = if source.kind() == std::io::ErrorKind::PermissionDenied {
        "; run with sudo, or install the udev rule: `dongle install`"
    } else {
        ""
    };
    BindError::Write { path, source, hint }
}

/// Where the `option` driver stands. `modules_dir` is `/lib/modules/$(uname -r)` on a live
/// system (`None` when unknown).
pub fn option_driver_state(sysfs: &Sysfs, modules_dir: Option<&Path>) -> DriverState {
    if sysfs.root().join(OPTION_DRIVER_DIR).is_dir() {
        return DriverState::Loaded;
    }
    // Loaded but its usb-serial side not (yet) registered is as good as not loaded; a
    // built-in option always has its driver directory.
    let Some(dir) = modules_dir else {
        return DriverState::Unknown;
    };
    if !dir.is_dir() {
        return DriverState::Unknown;
    }
    let serial = dir.join("kernel/drivers/usb/serial");
    let has_module = std::fs::read_dir(&serial)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().starts_with("option.ko"))
        })
        .unwrap_or(false);
    let builtin = std::fs::read_to_string(dir.join("modules.builtin"))
        .map(|s| s.lines().any(|l| l.ends_with("/option.ko")))
        .unwrap_or(false);
    if has_module || builtin {
        DriverState::NotLoaded
    } else {
        DriverState::NotBuilt {
            looked_in: serial.display().to_string(),
        }
    }
}

/// `/lib/modules/$(uname -r)` of the running kernel.
pub fn running_modules_dir() -> Option<PathBuf> {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok()?;
    Some(Path::new("/lib/modules").join(release.trim()))
}

/// Tells `option` to drive `vid:pid` (vendor-class interfaces only). Fails with a clear
/// message when the driver is missing.
pub fn option_new_id(
    sysfs: &Sysfs,
    vid: u16,
    pid: u16,
    modules_dir: Option<&Path>,
) -> Result<NewIdOutcome, BindError> {
    match option_driver_state(sysfs, modules_dir) {
        DriverState::Loaded => {}
        DriverState::NotBuilt { looked_in } => return Err(BindError::NotBuilt { looked_in }),
        DriverState::NotLoaded | DriverState::Unknown => return Err(BindError::NotLoaded),
    }
    let path = sysfs.root().join(OPTION_DRIVER_DIR).join("new_id");
    match write_attr(&path, &format!("{vid:04x} {pid:04x} ff\n")) {
        Ok(()) => Ok(NewIdOutcome::Added),
        Err(e) if e.raw_os_error() == Some(libc_eexist()) => Ok(NewIdOutcome::AlreadyKnown),
        Err(e) if e.raw_os_error() == Some(libc_enodev()) => Ok(NewIdOutcome::DeviceGone),
        Err(e) => Err(write_error(path, e)),
    }
}

fn libc_eexist() -> i32 {
    rustix::io::Errno::EXIST.raw_os_error()
}

fn libc_enodev() -> i32 {
    rustix::io::Errno::NODEV.raw_os_error()
}

/// Writes `1` to the device's `avoid_reset_quirk`, so that a usb-storage reset cannot send a
/// switched stick back to its storage mode.
pub fn set_avoid_reset_quirk(sysfs: &Sysfs, device_path: &str) -> Result<(), BindError> {
    let path = sysfs.device_dir(device_path).join("avoid_reset_quirk");
    write_attr(&path, "1\n").map_err(|e| write_error(path, e))
}

/// The vendor-specific (class ff) interfaces of `dev` that no driver has taken: the ones
/// `option` would drive after a `new_id`.
pub fn unbound_serial_interfaces(dev: &UsbDevice) -> Vec<u8> {
    dev.interfaces
        .iter()
        .filter(|i| i.class == 0xff && i.driver.is_none())
        .map(|i| i.number)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn tree() -> tempfile::TempDir {
        let t = tempfile::tempdir().expect("tempdir");
        fs::create_dir_all(t.path().join(OPTION_DRIVER_DIR)).expect("mkdir");
        fs::write(t.path().join(OPTION_DRIVER_DIR).join("new_id"), "").expect("new_id");
        fs::create_dir_all(t.path().join("bus/usb/devices/1-1")).expect("dev");
        fs::write(
            t.path().join("bus/usb/devices/1-1/avoid_reset_quirk"),
            "0\n",
        )
        .expect("q");
        t
    }

    #[test]
    fn new_id_write() {
        let t = tree();
        let sysfs = Sysfs::new(t.path());
        let r = option_new_id(&sysfs, 0x12d1, 0x1568, None).expect("bind");
        assert_eq!(r, NewIdOutcome::Added);
        let written =
            fs::read_to_string(t.path().join(OPTION_DRIVER_DIR).join("new_id")).expect("read");
        assert_eq!(written, "12d1 1568 ff\n");
    }

    #[test]
    fn avoid_reset_quirk_write() {
        let t = tree();
        let sysfs = Sysfs::new(t.path());
        set_avoid_reset_quirk(&sysfs, "1-1").expect("quirk");
        let v = fs::read_to_string(t.path().join("bus/usb/devices/1-1/avoid_reset_quirk"))
            .expect("read");
        assert_eq!(v, "1\n");
        // A device without the attribute: a clear error naming the file, nothing created.
        let e = set_avoid_reset_quirk(&sysfs, "1-2").expect_err("no such device");
        assert!(e.to_string().contains("1-2/avoid_reset_quirk"), "{e}");
        assert!(!t.path().join("bus/usb/devices/1-2").exists());
    }

    #[test]
    fn missing_driver_explained() {
        let t = tempfile::tempdir().expect("tempdir");
        let sysfs = Sysfs::new(t.path());
        // No modules dir known: "not loaded: run modprobe option".
        let e = option_new_id(&sysfs, 0x12d1, 0x1001, None).expect_err("no driver");
        assert!(e.to_string().contains("modprobe option"), "{e}");
        // A modules dir with option.ko: still "modprobe option".
        let m = tempfile::tempdir().expect("modules");
        fs::create_dir_all(m.path().join("kernel/drivers/usb/serial")).expect("mkdir");
        fs::write(m.path().join("kernel/drivers/usb/serial/option.ko.xz"), "").expect("ko");
        assert_eq!(
            option_driver_state(&sysfs, Some(m.path())),
            DriverState::NotLoaded
        );
        // Without it: not built.
        let empty = tempfile::tempdir().expect("modules");
        let e = option_new_id(&sysfs, 0x12d1, 0x1001, Some(empty.path())).expect_err("not built");
        assert!(e.to_string().contains("no option driver"), "{e}");
        // Nothing was created in the fake sysfs.
        assert!(!t.path().join(OPTION_DRIVER_DIR).exists());
    }

    #[test]
    fn unbound_vendor_interfaces() {
        let t = tempfile::tempdir().expect("tempdir");
        let d = t.path().join("bus/usb/devices");
        fs::create_dir_all(d.join("1-1")).expect("dev");
        fs::write(d.join("1-1/idVendor"), "12d1\n").expect("w");
        fs::write(d.join("1-1/idProduct"), "1568\n").expect("w");
        for (n, class) in [(0, "ff"), (1, "ff"), (2, "08")] {
            let i = d.join(format!("1-1:1.{n}"));
            fs::create_dir_all(&i).expect("iface");
            fs::write(i.join("bInterfaceNumber"), format!("{n:02x}\n")).expect("w");
            fs::write(i.join("bInterfaceClass"), format!("{class}\n")).expect("w");
            fs::write(i.join("bInterfaceSubClass"), "ff\n").expect("w");
            fs::write(i.join("bInterfaceProtocol"), "ff\n").expect("w");
        }
        let dev = Sysfs::new(t.path()).device("1-1").expect("read");
        assert_eq!(unbound_serial_interfaces(&dev), vec![0, 1]);
    }
}
