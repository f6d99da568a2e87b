//! `dongle-usb`: the USB side of a modem as Linux shows it in sysfs — devices, interfaces,
//! endpoints, bound drivers, ttys, network interfaces and cdc-wdm nodes — read from a
//! configurable root (`/sys` live, a temporary tree in tests and the simulator). No libudev.
//!
//! ```no_run
//! let sysfs = dongle_usb::Sysfs::new("/sys");
//! for dev in sysfs.devices()? {
//!     println!("{} ttys={:?}", dev.label(), dev.ttys());
//! }
//! # Ok::<(), dongle_usb::UsbError>(())
//! ```
//!
//! Layout read (real sysfs has the same files, with interfaces as symlinks):
//! `ROOT/bus/usb/devices/1-1/{idVendor,idProduct,manufacturer,product,serial,bcdDevice,
//! bConfigurationValue,bNumConfigurations,busnum,devnum}` and
//! `ROOT/bus/usb/devices/1-1:1.N/{bInterfaceNumber,bInterfaceClass,bInterfaceSubClass,
//! bInterfaceProtocol,bAlternateSetting,interface,driver,ep_XX/,ttyUSBk/,tty/ttyACMk/,net/X/,
//! usbmisc/cdc-wdmK/}`.

pub mod bind;
mod device;
mod error;
mod read;
pub mod switch;
pub mod uevent;

pub use device::{
    is_device_name, parse_vid_pid, Direction, Endpoint, Sysfs, TransferKind, UsbDevice,
    UsbInterface,
};
pub use error::UsbError;
