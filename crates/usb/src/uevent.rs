//! Kernel uevents over `NETLINK_KOBJECT_UEVENT`, multicast group 1 (the kernel's own group,
//! not udev's group 2: it works on OpenWrt, in containers and initramfs with no udevd), and
//! waiting for a switched stick to come back — on events, never on fixed sleeps.
//!
//! Kernel packet format: `ACTION@DEVPATH\0KEY=VALUE\0KEY=VALUE\0…` (udev's re-broadcasts on
//! group 2 start with `libudev\0` and are ignored).
//!
//! When the socket cannot be opened (seccomp, no netlink in a sandbox), [`Watcher`] falls back
//! to polling sysfs every 50 ms and says so in the log; on `ENOBUFS` (a burst overflowed the
//! socket buffer) it rescans sysfs.

use std::collections::BTreeMap;
use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::io::Errno;
use rustix::net::netlink::{self, SocketAddrNetlink};
use rustix::net::{AddressFamily, RecvFlags, SocketFlags, SocketType};
use serde::Serialize;

use crate::device::{is_device_name, Sysfs, UsbDevice};

/// The kernel's uevent multicast group.
pub const KERNEL_GROUP: u32 = 1;

/// Polling interval of the sysfs fallback.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// One kernel uevent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UEvent {
    /// `add`, `remove`, `bind`, `unbind`, `change`, `move`, `online`, `offline`.
    pub action: String,
    /// `/devices/pci0000:00/…/usb1/1-1/1-1:1.0` (relative to /sys).
    pub devpath: String,
    /// The `KEY=VALUE` pairs (ACTION, DEVPATH, SUBSYSTEM, DEVTYPE, PRODUCT, DRIVER, SEQNUM…).
    pub env: BTreeMap<String, String>,
}

impl UEvent {
    /// Parses one kernel packet. `None` for udev's `libudev` packets and for junk.
    pub fn parse(buf: &[u8]) -> Option<UEvent> {
        if buf.starts_with(b"libudev\0") {
            return None;
        }
        let mut parts = buf.split(|&b| b == 0).filter(|p| !p.is_empty());
        let header = std::str::from_utf8(parts.next()?).ok()?;
        let (action, devpath) = header.split_once('@')?;
        if action.is_empty() || !devpath.starts_with('/') {
            return None;
        }
        let mut env = BTreeMap::new();
        for p in parts {
            let Ok(kv) = std::str::from_utf8(p) else {
                continue;
            };
            if let Some((k, v)) = kv.split_once('=') {
                env.insert(k.to_string(), v.to_string());
            }
        }
        if let Some(a) = env.get("ACTION") {
            if a != action {
                return None;
            }
        }
        Some(UEvent {
            action: action.to_string(),
            devpath: devpath.to_string(),
            env,
        })
    }

    /// A value by key.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.env.get(key).map(String::as_str)
    }

    /// `SUBSYSTEM`.
    pub fn subsystem(&self) -> Option<&str> {
        self.get("SUBSYSTEM")
    }

    /// `DEVTYPE` (`usb_device`, `usb_interface`).
    pub fn devtype(&self) -> Option<&str> {
        self.get("DEVTYPE")
    }

    /// The last path component: `1-1.4` for a device, `1-1.4:1.0` for an interface.
    pub fn name(&self) -> &str {
        self.devpath.rsplit('/').next().unwrap_or("")
    }

    /// True for a USB device (not an interface) event.
    pub fn is_usb_device(&self) -> bool {
        self.subsystem() == Some("usb") && self.devtype() == Some("usb_device")
    }

    /// True for a USB interface event.
    pub fn is_usb_interface(&self) -> bool {
        self.subsystem() == Some("usb") && self.devtype() == Some("usb_interface")
    }

    /// The USB port path of a device or interface event (`1-1.4`), if it has one.
    pub fn port_path(&self) -> Option<&str> {
        let name = self.name();
        let dev = name.split(':').next().unwrap_or(name);
        is_device_name(dev).then_some(dev)
    }

    /// `PRODUCT=12d1/1f01/102` → `(0x12d1, 0x1f01)`.
    pub fn vid_pid(&self) -> Option<(u16, u16)> {
        let mut it = self.get("PRODUCT")?.split('/');
        let v = u16::from_str_radix(it.next()?, 16).ok()?;
        let p = u16::from_str_radix(it.next()?, 16).ok()?;
        Some((v, p))
    }

    /// `DRIVER` (on bind events).
    pub fn driver(&self) -> Option<&str> {
        self.get("DRIVER")
    }
}

/// Errors of the uevent socket.
#[derive(thiserror::Error, Debug)]
pub enum UeventError {
    /// The socket could not be created or bound.
    #[error("cannot listen to kernel uevents (netlink): {0}")]
    Open(std::io::Error),
    /// Events were lost (ENOBUFS): rescan sysfs.
    #[error("uevents were lost (socket buffer overflow)")]
    Overflow,
    /// Reading failed.
    #[error("reading kernel uevents: {0}")]
    Io(std::io::Error),
}

/// A kernel uevent socket (netlink, group 1).
#[derive(Debug)]
pub struct UeventSocket {
    fd: OwnedFd,
    buf: Vec<u8>,
}

impl UeventSocket {
    /// Opens and binds the socket. Works unprivileged on normal kernels.
    pub fn open() -> Result<UeventSocket, UeventError> {
        let fd = rustix::net::socket_with(
            AddressFamily::NETLINK,
            SocketType::RAW,
            SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
            Some(netlink::KOBJECT_UEVENT),
        )
        .map_err(|e| UeventError::Open(e.into()))?;
        // A switch produces a burst (remove, add, one bind per interface, tty, net): make room.
        let _ = rustix::net::sockopt::set_socket_recv_buffer_size(&fd, 1 << 20);
        rustix::net::bind(&fd, &SocketAddrNetlink::new(0, KERNEL_GROUP))
            .map_err(|e| UeventError::Open(e.into()))?;
        Ok(UeventSocket {
            fd,
            buf: vec![0; 16 * 1024],
        })
    }

    /// The next kernel event, waiting at most `timeout`; `Ok(None)` on timeout.
    pub fn recv(&mut self, timeout: Duration) -> Result<Option<UEvent>, UeventError> {
        let deadline = Instant::now() + timeout;
        loop {
            match rustix::net::recvfrom(&self.fd, &mut self.buf[..], RecvFlags::empty()) {
                Ok((n, _, from)) => {
                    // Only the kernel (port id 0) sends real uevents on group 1.
                    let from_kernel = from
                        .and_then(|a| SocketAddrNetlink::try_from(a).ok())
                        .is_none_or(|a| a.pid() == 0);
                    let n = n.min(self.buf.len());
                    if from_kernel {
                        if let Some(ev) = UEvent::parse(&self.buf[..n]) {
                            return Ok(Some(ev));
                        }
                    }
                    continue;
                }
                Err(Errno::AGAIN) => {}
                Err(Errno::INTR) => continue,
                Err(Errno::NOBUFS) => return Err(UeventError::Overflow),
                Err(e) => return Err(UeventError::Io(e.into())),
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            let ts = Timespec::try_from(left).unwrap_or(Timespec {
                tv_sec: 1,
                tv_nsec: 0,
            });
            let mut fds = [PollFd::new(&self.fd, PollFlags::IN)];
            match poll(&mut fds, Some(&ts)) {
                Ok(_) | Err(Errno::INTR) => {}
                Err(e) => return Err(UeventError::Io(e.into())),
            }
        }
    }

    /// Waits for the first event matching `pred`, at most `timeout`. `Ok(None)` on timeout.
    pub fn wait_for(
        &mut self,
        mut pred: impl FnMut(&UEvent) -> bool,
        timeout: Duration,
    ) -> Result<Option<UEvent>, UeventError> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            match self.recv(left)? {
                Some(ev) if pred(&ev) => return Ok(Some(ev)),
                Some(_) => {}
                None => return Ok(None),
            }
        }
    }
}

/// What to wait for after a switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reenumeration {
    /// The USB port path of the old device (`1-1.4`).
    pub port: String,
    /// Its vid:pid before the switch.
    pub old_id: (u16, u16),
    /// Its device number before the switch (a new device at the same port gets a new one).
    pub old_devnum: Option<u16>,
    /// vid:pid values that count as "the switched device" wherever they appear (the recipe's
    /// TargetVendor × TargetProductList).
    pub targets: Vec<(u16, u16)>,
}

/// How the wait went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arrival {
    /// The device as sysfs shows it once its interfaces are bound.
    pub device: UsbDevice,
    /// How the arrival was seen: `uevent` or `sysfs-poll`.
    pub via: &'static str,
    /// Milliseconds from the start of the wait until the device was there with its drivers.
    pub elapsed_ms: u64,
    /// True when the old device's `remove` was seen (or its sysfs directory vanished).
    pub saw_remove: bool,
}

/// Why the wait failed.
#[derive(thiserror::Error, Debug)]
pub enum WaitError {
    /// Nothing came back in time.
    #[error("no new USB device appeared at port {port} within {secs} s after the switch{old}; check `dmesg` for USB errors, then `dongle list`")]
    Timeout {
        /// The port.
        port: String,
        /// The limit.
        secs: u64,
        /// ", and the old device is still there" when it never left.
        old: String,
    },
}

/// Watches for hotplug: the uevent socket when it can be opened, sysfs polling when not.
#[derive(Debug)]
pub struct Watcher {
    socket: Option<UeventSocket>,
}

impl Watcher {
    /// Opens the uevent socket, or falls back to sysfs polling (logged).
    pub fn new() -> Watcher {
        match UeventSocket::open() {
            Ok(s) => Watcher { socket: Some(s) },
            Err(e) => {
                log::warn!("{e}; falling back to polling sysfs every 50 ms");
                Watcher { socket: None }
            }
        }
    }

    /// A watcher that only polls sysfs (tests, fake trees).
    pub fn polling() -> Watcher {
        Watcher { socket: None }
    }

    /// True when events come from the kernel socket.
    pub fn uses_uevents(&self) -> bool {
        self.socket.is_some()
    }

    /// Waits until the switched device is there with every interface's driver bound (or
    /// `settle` has passed since it appeared with some interfaces still unbound: an ID no
    /// driver knows, which [`crate::bind`] deals with).
    ///
    /// The new device is one at the same port with a new device number or other IDs, or
    /// any device with one of `targets`' IDs. Start the watcher **before** sending the switch,
    /// so that no event is missed.
    pub fn wait_for_reenumeration(
        &mut self,
        sysfs: &Sysfs,
        want: &Reenumeration,
        timeout: Duration,
        settle: Duration,
    ) -> Result<Arrival, WaitError> {
        let start = Instant::now();
        let deadline = start + timeout;
        let mut saw_remove = false;
        let mut found: Option<(String, Instant)> = None;
        let via = if self.socket.is_some() {
            "uevent"
        } else {
            "sysfs-poll"
        };
        loop {
            // Look at sysfs: it is the truth the events announce (and all there is when polling).
            if !saw_remove && !sysfs.device_dir(&want.port).is_dir() {
                saw_remove = true;
            }
            if found.is_none() {
                if let Some(path) = find_new(sysfs, want) {
                    found = Some((path, Instant::now()));
                }
            }
            if let Some((path, since)) = &found {
                match sysfs.device(path) {
                    Ok(d) if all_bound(&d) || since.elapsed() >= settle => {
                        return Ok(Arrival {
                            device: d,
                            via,
                            elapsed_ms: u64::try_from(start.elapsed().as_millis())
                                .unwrap_or(u64::MAX),
                            saw_remove,
                        });
                    }
                    Ok(_) => {}
                    Err(_) => found = None, // gone again (a second re-enumeration)
                }
            }
            let now = Instant::now();
            if now >= deadline {
                let old = if saw_remove {
                    String::new()
                } else {
                    ", and the old device is still there".into()
                };
                return Err(WaitError::Timeout {
                    port: want.port.clone(),
                    secs: timeout.as_secs(),
                    old,
                });
            }
            let mut slice = deadline - now;
            if let Some((_, since)) = &found {
                slice = slice.min((*since + settle).saturating_duration_since(now));
            }
            match &mut self.socket {
                Some(sock) => match sock.recv(slice.min(Duration::from_millis(500))) {
                    Ok(Some(ev)) => {
                        log::debug!("uevent {} {}", ev.action, ev.devpath);
                        if ev.action == "remove"
                            && ev.is_usb_device()
                            && ev.port_path() == Some(want.port.as_str())
                        {
                            saw_remove = true;
                        }
                    }
                    Ok(None) => {}
                    Err(UeventError::Overflow) => {
                        log::debug!("uevent overflow: rescanning sysfs");
                    }
                    Err(e) => {
                        log::warn!("{e}; falling back to polling sysfs every 50 ms");
                        self.socket = None;
                    }
                },
                None => std::thread::sleep(slice.min(POLL_INTERVAL)),
            }
        }
    }
}

impl Watcher {
    /// Calls `check` until it returns `Some`, at most `timeout`; between calls it sleeps until
    /// the next uevent (or 50 ms when polling). For waits such as "the driver bound after
    /// `new_id`".
    pub fn wait_until<T>(
        &mut self,
        timeout: Duration,
        mut check: impl FnMut() -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(v) = check() {
                return Some(v);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            match &mut self.socket {
                Some(sock) => {
                    if let Err(e) = sock.recv(left.min(Duration::from_millis(500))) {
                        if !matches!(e, UeventError::Overflow) {
                            log::warn!("{e}; falling back to polling sysfs every 50 ms");
                            self.socket = None;
                        }
                    }
                }
                None => std::thread::sleep(left.min(POLL_INTERVAL)),
            }
        }
    }
}

impl Default for Watcher {
    fn default() -> Watcher {
        Watcher::new()
    }
}

/// Every interface that a driver could take has one (storage, vendor, CDC…). Interfaces of
/// class 0x0a (CDC data) are bound by their control interface's driver, so they count too.
fn all_bound(d: &UsbDevice) -> bool {
    !d.interfaces.is_empty() && d.interfaces.iter().all(|i| i.driver.is_some())
}

/// The new device's path, if it is there. sysfs read errors are transient here (a device
/// directory being populated, or removed again, while we read it): try again on the next event.
fn find_new(sysfs: &Sysfs, want: &Reenumeration) -> Option<String> {
    let devices = match sysfs.devices() {
        Ok(d) => d,
        Err(e) => {
            log::debug!("sysfs scan while waiting: {e}");
            return None;
        }
    };
    for d in devices {
        let same_port = d.path == want.port;
        let changed = (d.vid, d.pid) != want.old_id || d.devnum != want.old_devnum;
        if (same_port && changed) || want.targets.contains(&(d.vid, d.pid)) {
            if d.interfaces.is_empty() {
                continue; // not configured yet
            }
            return Some(d.path);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real packet (captured with `udevadm monitor --kernel --property` equivalents on a
    /// Debian 6.1 guest with an E3372 in storage mode): add of the usb_device.
    const ADD_DEVICE: &[u8] = b"add@/devices/pci0000:00/0000:00:1d.7/usb1/1-1\0\
ACTION=add\0DEVPATH=/devices/pci0000:00/0000:00:1d.7/usb1/1-1\0SUBSYSTEM=usb\0\
MAJOR=189\0MINOR=1\0DEVNAME=bus/usb/001/002\0DEVTYPE=usb_device\0PRODUCT=12d1/1f01/102\0\
TYPE=0/0/0\0BUSNUM=001\0DEVNUM=002\0SEQNUM=1642\0";

    const BIND_IFACE: &[u8] = b"bind@/devices/pci0000:00/0000:00:1d.7/usb1/1-1/1-1:1.0\0\
ACTION=bind\0DEVPATH=/devices/pci0000:00/0000:00:1d.7/usb1/1-1/1-1:1.0\0SUBSYSTEM=usb\0\
DEVTYPE=usb_interface\0DRIVER=option\0PRODUCT=12d1/1506/102\0TYPE=0/0/0\0\
INTERFACE=255/2/1\0MODALIAS=usb:v12D1p1506d0102dc00dsc00dp00icFFisc02ip01in00\0SEQNUM=1660\0";

    #[test]
    fn parses_kernel_add() {
        let ev = UEvent::parse(ADD_DEVICE).expect("parses");
        assert_eq!(ev.action, "add");
        assert_eq!(ev.devpath, "/devices/pci0000:00/0000:00:1d.7/usb1/1-1");
        assert!(ev.is_usb_device());
        assert_eq!(ev.port_path(), Some("1-1"));
        assert_eq!(ev.vid_pid(), Some((0x12d1, 0x1f01)));
        assert_eq!(ev.get("DEVNAME"), Some("bus/usb/001/002"));
        assert_eq!(ev.get("SEQNUM"), Some("1642"));
    }

    #[test]
    fn parses_interface_bind() {
        let ev = UEvent::parse(BIND_IFACE).expect("parses");
        assert_eq!(ev.action, "bind");
        assert!(ev.is_usb_interface());
        assert_eq!(ev.name(), "1-1:1.0");
        assert_eq!(ev.port_path(), Some("1-1"));
        assert_eq!(ev.driver(), Some("option"));
        assert_eq!(ev.vid_pid(), Some((0x12d1, 0x1506)));
    }

    #[test]
    fn ignores_udev_and_junk() {
        let mut udev = b"libudev\0\xfe\xed\xca\xfe".to_vec();
        udev.extend_from_slice(&[0; 32]);
        assert_eq!(UEvent::parse(&udev), None);
        assert_eq!(UEvent::parse(b""), None);
        assert_eq!(UEvent::parse(b"garbage"), None);
        assert_eq!(UEvent::parse(b"add@relative\0"), None);
        assert_eq!(UEvent::parse(b"\xff\xfe@/x\0"), None);
        // ACTION must agree with the header.
        assert_eq!(UEvent::parse(b"add@/devices/x\0ACTION=remove\0"), None);
    }

    #[test]
    fn remove_without_env_tail() {
        let ev = UEvent::parse(b"remove@/devices/pci0000:00/usb2/2-1.4").expect("parses");
        assert_eq!(ev.action, "remove");
        assert_eq!(ev.port_path(), Some("2-1.4"));
        assert!(ev.env.is_empty());
    }

    #[test]
    fn tty_event_has_no_port_path_of_its_own() {
        let ev = UEvent::parse(
            b"add@/devices/pci0000:00/usb1/1-1/1-1:1.0/ttyUSB0/tty/ttyUSB0\0SUBSYSTEM=tty\0",
        )
        .expect("parses");
        assert_eq!(ev.name(), "ttyUSB0");
        assert_eq!(ev.port_path(), None);
    }

    #[test]
    fn socket_opens_or_explains() {
        // Binding group 1 needs no privileges; in a sandbox without netlink it must fail
        // cleanly, not panic.
        match UeventSocket::open() {
            Ok(mut s) => {
                let r = s.recv(Duration::from_millis(10));
                assert!(r.is_ok(), "{r:?}");
            }
            Err(e) => assert!(e.to_string().contains("netlink"), "{e}"),
        }
    }
}
