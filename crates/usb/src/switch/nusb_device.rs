//! [`UsbOps`] over usbfs with nusb 0.2 (blocking `.wait()` API).
//!
//! The device node is opened by bus/device number from sysfs (`busnum`/`devnum`) under a
//! configurable dev root, so the error can name the exact `/dev/bus/usb/BBB/DDD` path that is
//! missing or not writable. Every transfer has a timeout; nusb's `transfer_blocking` cancels
//! the transfer when it expires.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nusb::descriptors::TransferType;
use nusb::transfer::{
    Buffer, Bulk, BulkOrInterrupt, ControlIn, ControlOut, ControlType, EndpointDirection, In,
    Interrupt, Out, Recipient, TransferError,
};
use nusb::{Device, ErrorKind, Interface, MaybeFuture};
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;

use super::exec::{OpError, UsbOps};
use crate::device::{Sysfs, UsbDevice};

/// Why the usbfs node could not be opened.
#[derive(thiserror::Error, Debug)]
pub enum OpenError {
    /// sysfs does not give busnum/devnum.
    #[error("sysfs has no busnum/devnum for {device}, so its usbfs node is unknown; is this a real USB device tree?")]
    NoBusDev {
        /// Device label.
        device: String,
    },
    /// The node does not exist.
    #[error("{} does not exist: there is no usbfs device node for {device} (no devtmpfs/udev on /dev, a simulated device, or the device is gone); on OpenWrt/mdev make sure /dev/bus/usb is populated", path.display())]
    NoNode {
        /// The path tried.
        path: PathBuf,
        /// Device label.
        device: String,
    },
    /// No permission to open it read-write.
    #[error("permission denied opening {} for {device}: switching needs write access to the usbfs node; run with sudo, or install the udev rule: `dongle install`", path.display())]
    Permission {
        /// The path tried.
        path: PathBuf,
        /// Device label.
        device: String,
    },
    /// Anything else.
    #[error("cannot open {} for {device}: {message}", path.display())]
    Other {
        /// The path tried.
        path: PathBuf,
        /// Device label.
        device: String,
        /// The system's words.
        message: String,
    },
}

/// A USB device opened through usbfs.
pub struct NusbDevice {
    device: Option<Device>,
    interfaces: BTreeMap<u8, Interface>,
    sysfs: Sysfs,
    dev_root: PathBuf,
    path: String,
    vid: u16,
    pid: u16,
    devnum: Option<u16>,
}

impl std::fmt::Debug for NusbDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NusbDevice")
            .field("path", &self.path)
            .field("devnum", &self.devnum)
            .finish()
    }
}

/// `DEV_ROOT/bus/usb/BBB/DDD` for a device, when sysfs names its bus and device numbers.
pub fn usbfs_path(dev_root: &Path, dev: &UsbDevice) -> Option<PathBuf> {
    Some(dev_root.join("bus/usb").join(dev.usbfs_node()?))
}

fn open_node(path: &Path, label: &str) -> Result<Device, OpenError> {
    let fd = rustix::fs::open(path, OFlags::RDWR | OFlags::CLOEXEC, Mode::empty()).map_err(
        |e| match e {
            Errno::NOENT | Errno::NODEV | Errno::NXIO => OpenError::NoNode {
                path: path.to_path_buf(),
                device: label.to_string(),
            },
            Errno::ACCESS | Errno::PERM | Errno::ROFS => OpenError::Permission {
                path: path.to_path_buf(),
                device: label.to_string(),
            },
            e => OpenError::Other {
                path: path.to_path_buf(),
                device: label.to_string(),
                message: std::io::Error::from(e).to_string(),
            },
        },
    )?;
    Device::from_fd(fd).wait().map_err(|e| OpenError::Other {
        path: path.to_path_buf(),
        device: label.to_string(),
        message: e.to_string(),
    })
}

impl NusbDevice {
    /// Opens `dev` (found in `sysfs`) through `DEV_ROOT/bus/usb/BBB/DDD`.
    pub fn open(sysfs: &Sysfs, dev_root: &Path, dev: &UsbDevice) -> Result<NusbDevice, OpenError> {
        let label = dev.label();
        let path = usbfs_path(dev_root, dev).ok_or_else(|| OpenError::NoBusDev {
            device: label.clone(),
        })?;
        let device = open_node(&path, &label)?;
        Ok(NusbDevice {
            device: Some(device),
            interfaces: BTreeMap::new(),
            sysfs: sysfs.clone(),
            dev_root: dev_root.to_path_buf(),
            path: dev.path.clone(),
            vid: dev.vid,
            pid: dev.pid,
            devnum: dev.devnum,
        })
    }

    fn device(&self) -> Result<&Device, OpError> {
        self.device.as_ref().ok_or(OpError::NoDevice)
    }

    /// The claimed interface whose current alternate setting has endpoint `ep`, with its type.
    fn owner(&self, ep: u8) -> Result<(&Interface, TransferType), OpError> {
        for iface in self.interfaces.values() {
            if let Some(d) = iface.descriptor() {
                if let Some(e) = d.endpoints().find(|e| e.address() == ep) {
                    return Ok((iface, e.transfer_type()));
                }
            }
        }
        Err(OpError::NotFound(format!(
            "endpoint 0x{ep:02x} is on no claimed interface"
        )))
    }

    fn transfer<T: BulkOrInterrupt, D: EndpointDirection>(
        &self,
        ep: u8,
        buf: Buffer,
        timeout: Duration,
        round_to_packet: bool,
    ) -> Result<Vec<u8>, OpError> {
        let (iface, _) = self.owner(ep)?;
        let mut endpoint = iface.endpoint::<T, D>(ep).map_err(nusb_error)?;
        let mut buf = buf;
        if round_to_packet {
            // IN transfers must ask for a multiple of wMaxPacketSize; a CSW is a short packet.
            let mps = endpoint.max_packet_size().max(1);
            let want = buf.requested_len().max(1).div_ceil(mps) * mps;
            buf = Buffer::new(want);
        }
        let c = endpoint.transfer_blocking(buf, timeout);
        c.status.map_err(transfer_error)?;
        let mut v = c.buffer.into_vec();
        v.truncate(c.actual_len);
        Ok(v)
    }
}

fn transfer_error(e: TransferError) -> OpError {
    match e {
        TransferError::Cancelled => OpError::Timeout,
        TransferError::Stall => OpError::Stall,
        TransferError::Disconnected => OpError::NoDevice,
        // ENODEV / ESHUTDOWN / EPROTO after a switch: the device went away mid-transfer.
        TransferError::Unknown(19 | 108) => OpError::NoDevice,
        TransferError::Fault => {
            OpError::Other("protocol error (the device may be resetting)".into())
        }
        e => OpError::Other(e.to_string()),
    }
}

fn nusb_error(e: nusb::Error) -> OpError {
    match e.kind() {
        ErrorKind::Disconnected => OpError::NoDevice,
        ErrorKind::PermissionDenied => OpError::Permission,
        ErrorKind::Busy => OpError::Busy,
        ErrorKind::NotFound => OpError::NotFound(e.to_string()),
        _ if e.os_error() == Some(19) => OpError::NoDevice,
        _ => OpError::Other(e.to_string()),
    }
}

fn split_request_type(t: u8) -> Result<(ControlType, Recipient), OpError> {
    let ct = match (t >> 5) & 3 {
        0 => ControlType::Standard,
        1 => ControlType::Class,
        2 => ControlType::Vendor,
        _ => return Err(OpError::Other(format!("reserved request type 0x{t:02x}"))),
    };
    let r = match t & 0x1f {
        0 => Recipient::Device,
        1 => Recipient::Interface,
        2 => Recipient::Endpoint,
        _ => Recipient::Other,
    };
    Ok((ct, r))
}

impl UsbOps for NusbDevice {
    fn detach_kernel_driver(&mut self, interface: u8) -> Result<bool, OpError> {
        match self.device()?.detach_kernel_driver(interface) {
            Ok(()) => Ok(true),
            // ENODATA: no driver bound.
            Err(e) if e.os_error() == Some(61) => Ok(false),
            Err(e) => Err(nusb_error(e)),
        }
    }

    fn claim_interface(&mut self, interface: u8, detach: bool) -> Result<(), OpError> {
        let dev = self.device()?;
        let i = if detach {
            dev.detach_and_claim_interface(interface).wait()
        } else {
            dev.claim_interface(interface).wait()
        }
        .map_err(nusb_error)?;
        self.interfaces.insert(interface, i);
        Ok(())
    }

    fn release_interface(&mut self, interface: u8) -> Result<(), OpError> {
        match self.interfaces.remove(&interface) {
            Some(i) => i.release().wait().map_err(nusb_error),
            None => Ok(()),
        }
    }

    fn bulk_out(&mut self, endpoint: u8, data: &[u8], timeout: Duration) -> Result<usize, OpError> {
        self.transfer::<Bulk, Out>(endpoint, Buffer::from(data.to_vec()), timeout, false)
            .map(|_| data.len())
    }

    fn bulk_in(&mut self, endpoint: u8, len: usize, timeout: Duration) -> Result<Vec<u8>, OpError> {
        self.transfer::<Bulk, In>(endpoint, Buffer::new(len), timeout, true)
    }

    fn interrupt_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, OpError> {
        self.transfer::<Interrupt, Out>(endpoint, Buffer::from(data.to_vec()), timeout, false)
            .map(|_| data.len())
    }

    fn interrupt_in(
        &mut self,
        endpoint: u8,
        len: usize,
        timeout: Duration,
    ) -> Result<Vec<u8>, OpError> {
        self.transfer::<Interrupt, In>(endpoint, Buffer::new(len), timeout, true)
    }

    fn control_out(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        data: &[u8],
        timeout: Duration,
    ) -> Result<(), OpError> {
        let (control_type, recipient) = split_request_type(request_type)?;
        self.device()?
            .control_out(
                ControlOut {
                    control_type,
                    recipient,
                    request,
                    value,
                    index,
                    data,
                },
                timeout,
            )
            .wait()
            .map_err(transfer_error)
    }

    fn control_in(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        length: u16,
        timeout: Duration,
    ) -> Result<Vec<u8>, OpError> {
        let (control_type, recipient) = split_request_type(request_type)?;
        self.device()?
            .control_in(
                ControlIn {
                    control_type,
                    recipient,
                    request,
                    value,
                    index,
                    length,
                },
                timeout,
            )
            .wait()
            .map_err(transfer_error)
    }

    fn clear_halt(&mut self, endpoint: u8) -> Result<(), OpError> {
        let (iface, kind) = self.owner(endpoint)?;
        let r = match (kind, endpoint & 0x80 != 0) {
            (TransferType::Bulk, true) => iface
                .endpoint::<Bulk, In>(endpoint)
                .map_err(nusb_error)?
                .clear_halt()
                .wait(),
            (TransferType::Bulk, false) => iface
                .endpoint::<Bulk, Out>(endpoint)
                .map_err(nusb_error)?
                .clear_halt()
                .wait(),
            (TransferType::Interrupt, true) => iface
                .endpoint::<Interrupt, In>(endpoint)
                .map_err(nusb_error)?
                .clear_halt()
                .wait(),
            (TransferType::Interrupt, false) => iface
                .endpoint::<Interrupt, Out>(endpoint)
                .map_err(nusb_error)?
                .clear_halt()
                .wait(),
            _ => {
                return Err(OpError::NotFound(format!(
                    "endpoint 0x{endpoint:02x} is not bulk or interrupt"
                )))
            }
        };
        r.map_err(nusb_error)
    }

    fn set_configuration(&mut self, value: u8) -> Result<(), OpError> {
        self.interfaces.clear();
        self.device()?
            .set_configuration(value)
            .wait()
            .map_err(nusb_error)
    }

    fn set_alt_setting(&mut self, interface: u8, alt: u8) -> Result<(), OpError> {
        let i = self
            .interfaces
            .get(&interface)
            .ok_or_else(|| OpError::NotFound(format!("interface {interface} is not claimed")))?;
        i.set_alt_setting(alt).wait().map_err(nusb_error)
    }

    fn reset(&mut self) -> Result<(), OpError> {
        self.interfaces.clear();
        let r = self.device()?.reset().wait().map_err(nusb_error);
        self.device = None;
        r
    }

    fn sleep(&mut self, duration: Duration) {
        std::thread::sleep(duration);
    }

    fn await_return(&mut self, timeout: Duration) -> Result<(), OpError> {
        // SonyMode: the device drops off and comes back at the same port with the same IDs
        // and a new device number. Close ours, watch sysfs, reopen.
        self.interfaces.clear();
        self.device = None;
        let deadline = Instant::now() + timeout;
        let old = self.devnum;
        while Instant::now() < deadline {
            if let Ok(d) = self.sysfs.device(&self.path) {
                if d.vid == self.vid && d.pid == self.pid && d.devnum.is_some() && d.devnum != old {
                    let path = usbfs_path(&self.dev_root, &d)
                        .ok_or_else(|| OpError::NotFound("usbfs node".into()))?;
                    self.device = Some(
                        open_node(&path, &d.label()).map_err(|e| OpError::Other(e.to_string()))?,
                    );
                    self.devnum = d.devnum;
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(OpError::Timeout)
    }
}
