//! Mode switching as an explicit, printable **plan** of USB operations, and its execution.
//!
//! [`plan`] turns a [`SwitchSpec`] (one usb_modeswitch method plus the config keys that go with
//! it) and the device as sysfs describes it into a [`Plan`]: the exact transfers, in order,
//! exactly as usb_modeswitch 2.5.2/2.6.1 performs them (usb_modeswitch.md §1):
//!
//! - the interface is the recipe's `Interface` or the first interface of the active
//!   configuration; the message / response endpoints are the recipe's or the first bulk OUT /
//!   bulk IN endpoint of that interface **read from the descriptors** (never assumed to be 0x01:
//!   under dummy_hcd the bulk OUT is 0x02);
//! - methods that detach do so on every interface, by real `bInterfaceNumber`;
//! - storage-class commands are refused on an interface that is not class 8 (a HiLink 12d1:14dc
//!   is already switched);
//! - `Configuration=N` is: detach, set configuration 0, wait 100 ms, set configuration N;
//!   a `Configuration` is never substituted for a message (the usb_modeswitch 2.2 MBIM bug).
//!
//! The plan prints itself ([`std::fmt::Display`]: one numbered line per transfer with the hex
//! bytes, for `dongle switch --dry-run`) and serializes (`--json`). [`execute`] runs it over any
//! [`UsbOps`]: [`NusbDevice`] on hardware, [`Recorder`] in tests.

mod exec;
mod nusb_device;
mod recorder;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Serialize, Serializer};

use crate::device::{Direction, TransferKind, UsbDevice, UsbInterface};

pub use exec::{execute, CswInfo, OpError, Outcome, Report, StepResult, SwitchError, UsbOps};
pub use nusb_device::{NusbDevice, OpenError};
pub use recorder::{Call, CallKind, Recorder};

/// Bulk transfer timeout (usb_modeswitch: 3000 ms for the message and for the CSW).
pub const BULK_TIMEOUT_MS: u32 = 3000;
/// Control / interrupt transfer timeout (usb_modeswitch: 1000 ms).
pub const CONTROL_TIMEOUT_MS: u32 = 1000;
/// SonyMode's control transfer timeout (100 ms).
pub const SONY_TIMEOUT_MS: u32 = 100;
/// How long SonyMode waits for the device to come back (usb_modeswitch: up to 30 s).
pub const SONY_RETURN_TIMEOUT_MS: u32 = 30_000;
/// The settle time between unconfiguring and setting a configuration ("Empirically tested
/// wait period" in usb_modeswitch, also OpenWrt usbmode).
pub const CONFIG_SETTLE_MS: u32 = 100;
/// CiscoMode forces ReleaseDelay to this.
pub const CISCO_RELEASE_DELAY_MS: u32 = 2000;
/// The first bytes of every Bulk-Only-Transport CBW ("USBC").
pub const CBW_SIGNATURE: [u8; 4] = *b"USBC";
/// The first bytes of every CSW ("USBS").
pub const CSW_SIGNATURE: [u8; 4] = *b"USBS";
/// Length of a CSW.
pub const CSW_LEN: usize = 13;

/// QisdaMode's 16-byte control payload.
pub const QISDA_DATA: [u8; 16] = [
    0x05, 0x8c, 0x04, 0x08, 0xa0, 0xee, 0x20, 0x00, 0x5c, 0x01, 0x04, 0x08, 0x98, 0xcd, 0xea, 0xbf,
];
/// MobileActionMode's HID SET_REPORT payload (sent twice).
pub const MOBILE_ACTION_REPORT: [u8; 8] = [0xb0, 0x04, 0x00, 0x00, 0x02, 0x90, 0x26, 0x86];
/// MobileActionMode's interrupt endpoints when the descriptors name none (usb_modeswitch
/// hard-codes these two).
pub const MOBILE_ACTION_EP_OUT: u8 = 0x02;
/// See [`MOBILE_ACTION_EP_OUT`].
pub const MOBILE_ACTION_EP_IN: u8 = 0x81;

/// One usb_modeswitch method at the USB level. The bulk methods (MessageContent, HuaweiNew,
/// HuaweiAlt, StandardEject, Option, Cisco) differ only in their bytes, which the catalog
/// owns; they arrive here as [`Method::Bulk`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "method")]
pub enum Method {
    /// Bulk messages to the message endpoint; a CSW is read after each message carrying the
    /// "USBC" signature. Detaches every driver first.
    Bulk {
        /// The usb_modeswitch key, for people: `HuaweiNewMode`, `MessageContent`, `CiscoMode`…
        key: String,
        /// The bytes of each message, in order.
        #[serde(serialize_with = "ser_hex_list")]
        messages: Vec<Vec<u8>>,
        /// A storage-class command: refused unless the interface is mass storage (class 8).
        storage: bool,
        /// CSW read attempts per message (1; CiscoMode: 3).
        csw_attempts: u8,
        /// Forced ReleaseDelay (CiscoMode: 2000 ms), overriding the recipe's.
        forced_release_delay_ms: Option<u32>,
    },
    /// `HuaweiMode`: SET_FEATURE(DEVICE_REMOTE_WAKEUP) on ep0. No detach.
    HuaweiLegacy,
    /// `SierraMode`: vendor request 0x0B wValue 1. No detach; a stall may still mean success.
    Sierra,
    /// `SequansMode`: vendor request 0x0B wValue 2. No detach.
    Sequans,
    /// `QisdaMode`: vendor request 0x04 with [`QISDA_DATA`]. No detach.
    Qisda,
    /// `QuantaMode`: vendor IN request 0xFF, wLength 0. No detach.
    Quanta,
    /// `KobilMode`: vendor IN request 0x88, wLength 8. Detach first.
    Kobil,
    /// `BlackberryMode`: vendor IN 0xB1 (8 bytes), then 0xA9 wValue 0x0E (2 bytes). Detach first.
    Blackberry,
    /// `PantechMode=N`: vendor request 0x70 wValue N, only when N > 1. Detach first.
    Pantech {
        /// N.
        mode: u8,
    },
    /// `GCTMode`: claim, class IN 0xA0 then 0xFE to the interface. Detach first.
    Gct,
    /// `SonyMode`: vendor IN 0x11 wValue 2 (3 bytes, 100 ms), wait for the device to return,
    /// 1 s, again. Detach first.
    Sony,
    /// `MobileActionMode`: HID SET_REPORT twice, then a scripted interrupt exchange. No detach.
    MobileAction,
    /// `DetachStorageOnly`: detach the kernel drivers; nothing else.
    DetachOnly,
    /// Nothing to send (only Configuration / AltSetting / ResetUSB apply).
    None,
}

impl Method {
    /// A bulk-message method (`key` as usb_modeswitch names it). Storage-class when the first
    /// message is a CBW.
    pub fn messages(key: impl Into<String>, messages: Vec<Vec<u8>>) -> Method {
        let storage = messages
            .first()
            .is_some_and(|m| m.starts_with(&CBW_SIGNATURE));
        Method::Bulk {
            key: key.into(),
            messages,
            storage,
            csw_attempts: 1,
            forced_release_delay_ms: None,
        }
    }

    /// A storage-class bulk method (HuaweiNew, HuaweiAlt, StandardEject, Option).
    pub fn storage_messages(key: impl Into<String>, messages: Vec<Vec<u8>>) -> Method {
        Method::Bulk {
            key: key.into(),
            messages,
            storage: true,
            csw_attempts: 1,
            forced_release_delay_ms: None,
        }
    }

    /// CiscoMode: its messages, 3 CSW attempts each, ReleaseDelay 2000 ms.
    pub fn cisco(messages: Vec<Vec<u8>>) -> Method {
        Method::Bulk {
            key: "CiscoMode".into(),
            messages,
            storage: true,
            csw_attempts: 3,
            forced_release_delay_ms: Some(CISCO_RELEASE_DELAY_MS),
        }
    }

    /// The usb_modeswitch key of the method.
    pub fn key(&self) -> &str {
        match self {
            Method::Bulk { key, .. } => key,
            Method::HuaweiLegacy => "HuaweiMode",
            Method::Sierra => "SierraMode",
            Method::Sequans => "SequansMode",
            Method::Qisda => "QisdaMode",
            Method::Quanta => "QuantaMode",
            Method::Kobil => "KobilMode",
            Method::Blackberry => "BlackberryMode",
            Method::Pantech { .. } => "PantechMode",
            Method::Gct => "GCTMode",
            Method::Sony => "SonyMode",
            Method::MobileAction => "MobileActionMode",
            Method::DetachOnly => "DetachStorageOnly",
            Method::None => "none",
        }
    }

    /// Whether usb_modeswitch detaches every kernel driver before the method (§1.1 table).
    pub fn detaches_first(&self) -> bool {
        !matches!(
            self,
            Method::HuaweiLegacy
                | Method::Sierra
                | Method::Qisda
                | Method::Quanta
                | Method::Sequans
                | Method::MobileAction
                | Method::None
        )
    }

    /// A storage-class command (§1.1): needs interface class 8.
    pub fn is_storage_command(&self) -> bool {
        matches!(self, Method::Bulk { storage: true, .. })
    }
}

/// A method plus the usb_modeswitch keys that shape the transfers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwitchSpec {
    /// What to send.
    pub method: Method,
    /// `Interface`; `None` = the first interface of the active configuration.
    pub interface: Option<u8>,
    /// `MessageEndpoint`; `None` = the interface's first bulk OUT endpoint.
    pub message_endpoint: Option<u8>,
    /// `ResponseEndpoint`; `None` = the interface's first bulk IN endpoint.
    pub response_endpoint: Option<u8>,
    /// `Configuration`; `Some(0)` is the data's dummy and does nothing.
    pub configuration: Option<u8>,
    /// `AltSetting`.
    pub alt_setting: Option<u8>,
    /// `ResetUSB`.
    pub reset_usb: bool,
    /// `ReleaseDelay` in ms.
    pub release_delay_ms: u32,
}

impl SwitchSpec {
    /// A spec with every key at its default.
    pub fn new(method: Method) -> SwitchSpec {
        SwitchSpec {
            method,
            interface: None,
            message_endpoint: None,
            response_endpoint: None,
            configuration: None,
            alt_setting: None,
            reset_usb: false,
            release_delay_ms: 0,
        }
    }
}

/// What to do when a control transfer fails (other than the device vanishing, which always
/// ends the plan as a success).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// The switch failed.
    Fail,
    /// Log it and go on (usb_modeswitch: "continue anyway").
    Continue,
    /// A stall means "may have switched anyway" (SierraMode); other errors fail.
    StallOk,
}

/// One USB operation of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Step {
    /// Detach whatever kernel driver is bound to each of these interfaces (none bound is fine).
    DetachKernelDrivers {
        /// Real `bInterfaceNumber`s.
        interfaces: Vec<u8>,
    },
    /// Claim an interface (race-free disconnect-and-claim when `detach`).
    ClaimInterface {
        /// `bInterfaceNumber`.
        interface: u8,
        /// Detach a kernel driver that holds it.
        detach: bool,
    },
    /// One bulk OUT transfer.
    BulkOut {
        /// Endpoint address.
        endpoint: u8,
        /// The bytes (lowercase hex in JSON).
        #[serde(serialize_with = "ser_hex")]
        data: Vec<u8>,
        /// Timeout.
        timeout_ms: u32,
    },
    /// Read the 13-byte CSW answering the previous CBW. The device vanishing here means it is
    /// re-enumerating: success.
    ReadCsw {
        /// Bulk IN endpoint.
        endpoint: u8,
        /// Timeout per attempt.
        timeout_ms: u32,
        /// Attempts until 13 bytes arrive (CiscoMode: 3).
        attempts: u8,
    },
    /// One interrupt OUT transfer.
    InterruptOut {
        /// Endpoint address.
        endpoint: u8,
        /// The bytes.
        #[serde(serialize_with = "ser_hex")]
        data: Vec<u8>,
        /// Timeout.
        timeout_ms: u32,
    },
    /// `repeat` interrupt IN transfers of `length` bytes (results are not checked).
    InterruptIn {
        /// Endpoint address.
        endpoint: u8,
        /// Bytes per read.
        length: u16,
        /// Timeout per read.
        timeout_ms: u32,
        /// How many reads.
        repeat: u16,
    },
    /// A control OUT transfer on endpoint 0.
    ControlOut {
        /// bmRequestType.
        request_type: u8,
        /// bRequest.
        request: u8,
        /// wValue.
        value: u16,
        /// wIndex.
        index: u16,
        /// The data stage (wLength = its length).
        #[serde(serialize_with = "ser_hex")]
        data: Vec<u8>,
        /// Timeout.
        timeout_ms: u32,
        /// What a failure means.
        on_error: OnError,
    },
    /// A control IN transfer on endpoint 0.
    ControlIn {
        /// bmRequestType.
        request_type: u8,
        /// bRequest.
        request: u8,
        /// wValue.
        value: u16,
        /// wIndex.
        index: u16,
        /// wLength.
        length: u16,
        /// Timeout.
        timeout_ms: u32,
        /// What a failure means.
        on_error: OnError,
        /// Fewer than `length` bytes is a failure (BlackberryMode).
        exact: bool,
    },
    /// CLEAR_FEATURE(ENDPOINT_HALT); failures are harmless.
    ClearHalt {
        /// Endpoint address.
        endpoint: u8,
    },
    /// Release a claimed interface.
    Release {
        /// `bInterfaceNumber`.
        interface: u8,
    },
    /// SET_CONFIGURATION (0 = unconfigured).
    SetConfiguration {
        /// bConfigurationValue.
        value: u8,
    },
    /// Claim-free SET_INTERFACE on a claimed interface.
    SetAltSetting {
        /// `bInterfaceNumber`.
        interface: u8,
        /// bAlternateSetting.
        alt: u8,
    },
    /// USBDEVFS_RESET: the device re-enumerates.
    Reset,
    /// A pause the method itself requires (ReleaseDelay, the 100 ms configuration settle…).
    Wait {
        /// Milliseconds.
        ms: u32,
        /// Why.
        reason: String,
    },
    /// Wait for the device to drop off the bus and come back with the same IDs, then reopen
    /// it (SonyMode).
    AwaitReturn {
        /// Give up after this long.
        timeout_ms: u32,
    },
}

/// Why a plan cannot be made. Messages say what to do.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum PlanError {
    /// The device has no interfaces in its active configuration.
    #[error("{device} shows no interfaces (is it unconfigured, or still enumerating?); unplug and replug it, then `dongle list`")]
    NoInterfaces {
        /// Device label.
        device: String,
    },
    /// The recipe names an interface the device does not have.
    #[error("{device} has no interface {interface} (it has {have}); the switch recipe does not fit this device")]
    NoSuchInterface {
        /// Device label.
        device: String,
        /// The interface asked for.
        interface: u8,
        /// The interfaces there are.
        have: String,
    },
    /// A storage command for an interface that is not mass storage.
    #[error(
        "cannot send a storage command ({method}) to {device}: interface {interface} is class {class:02x} ({class_name}), expected 08 (mass storage). \
         The device is not in its plug-in storage mode, so it is already switched{personality}; \
         a stick can only be switched from storage mode (replug it, or change its persistent mode with `dongle mode set`)"
    )]
    NotStorage {
        /// Device label.
        device: String,
        /// The method key.
        method: String,
        /// The interface.
        interface: u8,
        /// Its class (or the device's, per usb_modeswitch's rule).
        class: u8,
        /// "CDC", "vendor specific"…
        class_name: &'static str,
        /// " (it looks like hilink)" or "".
        personality: String,
    },
    /// No endpoint of the kind the method needs.
    #[error("{device} interface {interface} has no {what} endpoint to send the switch message to; the recipe must name MessageEndpoint/ResponseEndpoint")]
    NoEndpoint {
        /// Device label.
        device: String,
        /// The interface.
        interface: u8,
        /// "bulk OUT", "interrupt IN"…
        what: &'static str,
    },
    /// A bulk method with nothing to send.
    #[error("the {method} recipe for {device} has no message to send")]
    EmptyMessage {
        /// Device label.
        device: String,
        /// The method key.
        method: String,
    },
}

/// The exact USB operations of one switch, ready to print or run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// USB path (`1-1.4`).
    pub device: String,
    /// `vvvv:pppp` before the switch.
    pub id: String,
    /// `/dev/bus/usb/BBB/DDD` relative part (`001/004`), when sysfs names it.
    pub usbfs: Option<String>,
    /// The method key (`HuaweiNewMode`, …).
    pub method: String,
    /// The interface the method talks to.
    pub interface: u8,
    /// Class/subclass/protocol of that interface (`08/06/50`).
    pub interface_class: String,
    /// The message endpoint, when the method uses one.
    pub message_endpoint: Option<u8>,
    /// The response endpoint, when the method reads one.
    pub response_endpoint: Option<u8>,
    /// Kernel drivers bound now, by interface number.
    pub drivers: BTreeMap<u8, String>,
    /// The operations, in order.
    pub steps: Vec<Step>,
    /// Things worth saying about the plan (skipped parts, dummies).
    pub notes: Vec<String>,
}

impl Plan {
    /// True when the plan does nothing at all.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// usb_modeswitch's notion of the device class for the storage check (§1.1): bDeviceClass,
/// or the interface class when that is 0/0xEF; an interface of class 8 counts as storage
/// unless the device class is 8 or 0xFF ("Bogus Class/InterfaceClass").
pub fn effective_class(device_class: Option<u8>, interface_class: u8) -> u8 {
    let dc = device_class.unwrap_or(0);
    let mut class = if dc == 0 || dc == 0xef {
        interface_class
    } else {
        dc
    };
    if interface_class == 8 && dc != 8 && dc != 0xff {
        class = 8;
    }
    class
}

/// A short name for a USB class code.
pub fn class_name(class: u8) -> &'static str {
    match class {
        0x02 => "CDC communications",
        0x08 => "mass storage",
        0x0a => "CDC data",
        0xe0 => "wireless controller (RNDIS)",
        0xef => "miscellaneous",
        0xff => "vendor specific",
        _ => "other",
    }
}

fn first_endpoint(iface: &UsbInterface, dir: Direction, kind: TransferKind) -> Option<u8> {
    iface
        .endpoints
        .iter()
        .find(|e| e.direction == dir && e.kind == kind)
        .map(|e| e.address)
}

/// Builds the plan for `spec` on `dev`. `device_class` is sysfs `bDeviceClass`
/// ([`crate::Sysfs::device_class`]); `personality_hint` names what the device looks like
/// (for the "already switched" error).
pub fn plan(
    dev: &UsbDevice,
    device_class: Option<u8>,
    spec: &SwitchSpec,
    personality_hint: Option<&str>,
) -> Result<Plan, PlanError> {
    let label = dev.label();
    let mut numbers: Vec<u8> = dev.interfaces.iter().map(|i| i.number).collect();
    numbers.dedup();
    let first = *numbers.first().ok_or_else(|| PlanError::NoInterfaces {
        device: label.clone(),
    })?;
    let number = spec.interface.unwrap_or(first);
    let iface = dev
        .interface(number)
        .ok_or_else(|| PlanError::NoSuchInterface {
            device: label.clone(),
            interface: number,
            have: numbers
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let method = &spec.method;
    if method.is_storage_command() {
        let class = effective_class(device_class, iface.class);
        if class != 0x08 {
            return Err(PlanError::NotStorage {
                device: label,
                method: method.key().to_string(),
                interface: number,
                class,
                class_name: class_name(class),
                personality: personality_hint
                    .map(|p| format!(" (it looks like {p})"))
                    .unwrap_or_default(),
            });
        }
    }
    let drivers: BTreeMap<u8, String> = dev
        .interfaces
        .iter()
        .filter_map(|i| i.driver.clone().map(|d| (i.number, d)))
        .collect();
    let mut b = Builder {
        steps: Vec::new(),
        notes: Vec::new(),
        message_endpoint: None,
        response_endpoint: None,
    };
    let detach_all = Step::DetachKernelDrivers {
        interfaces: numbers.clone(),
    };
    if method.detaches_first() {
        b.steps.push(detach_all.clone());
    }
    let ctl_out = |request_type, request, value, index, data: &[u8], on_error| Step::ControlOut {
        request_type,
        request,
        value,
        index,
        data: data.to_vec(),
        timeout_ms: CONTROL_TIMEOUT_MS,
        on_error,
    };
    let ctl_in = |request_type, request, value, index, length, timeout_ms, on_error, exact| {
        Step::ControlIn {
            request_type,
            request,
            value,
            index,
            length,
            timeout_ms,
            on_error,
            exact,
        }
    };
    match method {
        Method::Bulk {
            key,
            messages,
            csw_attempts,
            forced_release_delay_ms,
            ..
        } => {
            if messages.is_empty() || messages.iter().any(Vec::is_empty) {
                return Err(PlanError::EmptyMessage {
                    device: label,
                    method: key.clone(),
                });
            }
            let out = spec
                .message_endpoint
                .or_else(|| first_endpoint(iface, Direction::Out, TransferKind::Bulk))
                .ok_or_else(|| PlanError::NoEndpoint {
                    device: label.clone(),
                    interface: number,
                    what: "bulk OUT",
                })?;
            let inp = spec
                .response_endpoint
                .or_else(|| first_endpoint(iface, Direction::In, TransferKind::Bulk));
            b.message_endpoint = Some(out);
            b.response_endpoint = inp;
            b.steps.push(Step::ClaimInterface {
                interface: number,
                detach: true,
            });
            for m in messages {
                b.steps.push(Step::BulkOut {
                    endpoint: out,
                    data: m.clone(),
                    timeout_ms: BULK_TIMEOUT_MS,
                });
                if contains(m, &CBW_SIGNATURE) {
                    match inp {
                        Some(ep) => b.steps.push(Step::ReadCsw {
                            endpoint: ep,
                            timeout_ms: BULK_TIMEOUT_MS,
                            attempts: (*csw_attempts).max(1),
                        }),
                        None => b.note(format!(
                            "interface {number} has no bulk IN endpoint: the CSW is not read"
                        )),
                    }
                }
            }
            // 2.5.x: response endpoint first, then the message endpoint; Cisco the other way.
            let halts: Vec<u8> = if forced_release_delay_ms.is_some() {
                [Some(out), inp].into_iter().flatten().collect()
            } else {
                [inp, Some(out)].into_iter().flatten().collect()
            };
            for ep in halts {
                b.steps.push(Step::ClearHalt { endpoint: ep });
            }
            let delay = forced_release_delay_ms.unwrap_or(spec.release_delay_ms);
            if delay > 0 {
                let reason = if forced_release_delay_ms.is_some() {
                    format!("{key}: ReleaseDelay is fixed at {delay} ms")
                } else {
                    "ReleaseDelay from the recipe".to_string()
                };
                b.steps.push(Step::Wait { ms: delay, reason });
            }
            b.steps.push(Step::Release { interface: number });
        }
        Method::HuaweiLegacy => {
            b.steps
                .push(ctl_out(0x00, 0x03, 0x0001, 0, &[], OnError::Fail));
        }
        Method::Sierra => {
            b.steps
                .push(ctl_out(0x40, 0x0b, 0x0001, 0, &[], OnError::StallOk));
        }
        Method::Sequans => {
            b.steps
                .push(ctl_out(0x40, 0x0b, 0x0002, 0, &[], OnError::Fail));
        }
        Method::Qisda => {
            b.steps
                .push(ctl_out(0x40, 0x04, 0, 0, &QISDA_DATA, OnError::Fail));
        }
        Method::Quanta => {
            b.steps.push(ctl_in(
                0xc0,
                0xff,
                0,
                0,
                0,
                CONTROL_TIMEOUT_MS,
                OnError::Fail,
                false,
            ));
        }
        Method::Kobil => {
            b.steps.push(ctl_in(
                0xc0,
                0x88,
                0,
                0,
                8,
                CONTROL_TIMEOUT_MS,
                OnError::Fail,
                false,
            ));
        }
        Method::Blackberry => {
            b.steps.push(ctl_in(
                0xc0,
                0xb1,
                0,
                0,
                8,
                CONTROL_TIMEOUT_MS,
                OnError::Continue,
                false,
            ));
            b.steps.push(ctl_in(
                0xc0,
                0xa9,
                0x000e,
                0,
                2,
                CONTROL_TIMEOUT_MS,
                OnError::Fail,
                true,
            ));
        }
        Method::Pantech { mode } => {
            if *mode > 1 {
                b.steps
                    .push(ctl_out(0x40, 0x70, u16::from(*mode), 0, &[], OnError::Fail));
            } else {
                b.note(format!(
                    "PantechMode={mode}: no request is sent (1 = the device switches by itself)"
                ));
            }
        }
        Method::Gct => {
            b.steps.push(Step::ClaimInterface {
                interface: number,
                detach: true,
            });
            b.steps.push(ctl_in(
                0xa1,
                0xa0,
                0,
                u16::from(number),
                1,
                CONTROL_TIMEOUT_MS,
                OnError::Continue,
                false,
            ));
            b.steps.push(ctl_in(
                0xa1,
                0xfe,
                0,
                u16::from(number),
                1,
                CONTROL_TIMEOUT_MS,
                OnError::Fail,
                false,
            ));
            b.steps.push(Step::Release { interface: number });
        }
        Method::Sony => {
            let req = ctl_in(0xc0, 0x11, 2, 0, 3, SONY_TIMEOUT_MS, OnError::Fail, false);
            b.steps.push(req.clone());
            b.steps.push(Step::AwaitReturn {
                timeout_ms: SONY_RETURN_TIMEOUT_MS,
            });
            b.steps.push(Step::Wait {
                ms: 1000,
                reason: "SonyMode: the device needs 1 s after it comes back".into(),
            });
            b.steps.push(req);
        }
        Method::MobileAction => {
            let report = ctl_out(
                0x21,
                0x09,
                0x0300,
                0,
                &MOBILE_ACTION_REPORT,
                OnError::Continue,
            );
            b.steps.push(report.clone());
            b.steps.push(report);
            let ep_out = first_endpoint(iface, Direction::Out, TransferKind::Interrupt)
                .unwrap_or(MOBILE_ACTION_EP_OUT);
            let ep_in = first_endpoint(iface, Direction::In, TransferKind::Interrupt)
                .unwrap_or(MOBILE_ACTION_EP_IN);
            b.message_endpoint = Some(ep_out);
            b.response_endpoint = Some(ep_in);
            b.steps.push(Step::ClaimInterface {
                interface: number,
                detach: false,
            });
            mobile_action_sequence(&mut b.steps, ep_out, ep_in);
            b.steps.push(Step::Release { interface: number });
        }
        Method::DetachOnly | Method::None => {}
    }
    match spec.configuration {
        Some(0) => b.note(
            "Configuration=0 is the data's dummy: nothing to do (and never replaced by an MBIM configuration)",
        ),
        Some(n) if dev.configuration == Some(n) => {
            b.note(format!("configuration {n} is already active: not changed"))
        }
        Some(n) => {
            b.steps.push(detach_all);
            b.steps.push(Step::SetConfiguration { value: 0 });
            b.steps.push(Step::Wait {
                ms: CONFIG_SETTLE_MS,
                reason: "settle between unconfigure and set configuration".into(),
            });
            b.steps.push(Step::SetConfiguration { value: n });
        }
        None => {}
    }
    if let Some(alt) = spec.alt_setting {
        b.steps.push(Step::ClaimInterface {
            interface: number,
            detach: true,
        });
        b.steps.push(Step::SetAltSetting {
            interface: number,
            alt,
        });
        b.steps.push(Step::Release { interface: number });
    }
    if spec.reset_usb {
        b.steps.push(Step::Wait {
            ms: 1000,
            reason: "ResetUSB: usb_modeswitch lets the device settle 1 s before the reset".into(),
        });
        b.steps.push(Step::Reset);
    }
    if b.steps.is_empty() && b.notes.is_empty() {
        b.note("the recipe sends nothing");
    }
    Ok(Plan {
        device: dev.path.clone(),
        id: dev.id(),
        usbfs: dev.usbfs_node(),
        method: method.key().to_string(),
        interface: number,
        interface_class: iface.class_triple(),
        message_endpoint: b.message_endpoint,
        response_endpoint: b.response_endpoint,
        drivers,
        steps: b.steps,
        notes: b.notes,
    })
}

struct Builder {
    steps: Vec<Step>,
    notes: Vec<String>,
    message_endpoint: Option<u8>,
    response_endpoint: Option<u8>,
}

impl Builder {
    fn note(&mut self, s: impl Into<String>) {
        self.notes.push(s.into());
    }
}

/// The scripted MobileAction exchange (usb_modeswitch `switchActionMode`), 8-byte interrupt
/// transfers, 1000 ms each.
fn mobile_action_sequence(steps: &mut Vec<Step>, ep_out: u8, ep_in: u8) {
    let out = |d: [u8; 8]| Step::InterruptOut {
        endpoint: ep_out,
        data: d.to_vec(),
        timeout_ms: CONTROL_TIMEOUT_MS,
    };
    let inp = |n: u16| Step::InterruptIn {
        endpoint: ep_in,
        length: 8,
        timeout_ms: CONTROL_TIMEOUT_MS,
        repeat: n,
    };
    const A: [u8; 8] = [0x37, 0x01, 0xfe, 0xdb, 0xc1, 0x33, 0x1f, 0x83];
    const B: [u8; 8] = [0x37, 0x0e, 0xb5, 0x9d, 0x3b, 0x8a, 0x91, 0x51];
    const C: [u8; 8] = [0x34, 0x87, 0xba, 0x0d, 0xfc, 0x8a, 0x91, 0x51];
    const D: [u8; 8] = [0x33, 0x04, 0xfe, 0x00, 0xf4, 0x6c, 0x1f, 0xf0];
    const E: [u8; 8] = [0x32, 0x07, 0xfe, 0xf0, 0x29, 0xb9, 0x3a, 0xf0];
    steps.extend([
        inp(2),
        out(A),
        inp(1),
        out(B),
        inp(1),
        out(C),
        inp(63),
        out(A),
        inp(1),
        out(B),
        inp(1),
        out(C),
        inp(73),
        out(D),
        inp(1),
        out(E),
        inp(1),
    ]);
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Lowercase hex, no separators (the usb_modeswitch `MessageContent` form).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn ser_hex<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex(v))
}

fn ser_hex_list<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|m| hex(m)))
}

fn dir_name(ep: u8) -> &'static str {
    if ep & 0x80 != 0 {
        "IN"
    } else {
        "OUT"
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::DetachKernelDrivers { interfaces } => write!(
                f,
                "detach kernel drivers from interface{} {}",
                if interfaces.len() == 1 { "" } else { "s" },
                interfaces
                    .iter()
                    .map(u8::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Step::ClaimInterface { interface, detach } => {
                write!(f, "claim interface {interface}")?;
                if *detach {
                    f.write_str(" (disconnect-and-claim)")?;
                }
                Ok(())
            }
            Step::BulkOut {
                endpoint,
                data,
                timeout_ms,
            } => write!(
                f,
                "bulk OUT 0x{endpoint:02x}, {} bytes, {timeout_ms} ms: {}",
                data.len(),
                hex(data)
            ),
            Step::ReadCsw {
                endpoint,
                timeout_ms,
                attempts,
            } => {
                write!(
                    f,
                    "read the 13-byte CSW from bulk IN 0x{endpoint:02x}, {timeout_ms} ms"
                )?;
                if *attempts > 1 {
                    write!(f, ", up to {attempts} attempts")?;
                }
                f.write_str(" (device gone = switched)")
            }
            Step::InterruptOut {
                endpoint,
                data,
                timeout_ms,
            } => write!(
                f,
                "interrupt OUT 0x{endpoint:02x}, {} bytes, {timeout_ms} ms: {}",
                data.len(),
                hex(data)
            ),
            Step::InterruptIn {
                endpoint,
                length,
                timeout_ms,
                repeat,
            } => {
                write!(
                    f,
                    "interrupt IN 0x{endpoint:02x}, {length} bytes, {timeout_ms} ms"
                )?;
                if *repeat > 1 {
                    write!(f, ", {repeat} times")?;
                }
                Ok(())
            }
            Step::ControlOut {
                request_type,
                request,
                value,
                index,
                data,
                timeout_ms,
                on_error,
            } => {
                write!(
                    f,
                    "control OUT bmRequestType 0x{request_type:02x} bRequest 0x{request:02x} wValue 0x{value:04x} wIndex 0x{index:04x} wLength {}, {timeout_ms} ms",
                    data.len()
                )?;
                if !data.is_empty() {
                    write!(f, ": {}", hex(data))?;
                }
                on_error_suffix(f, *on_error)
            }
            Step::ControlIn {
                request_type,
                request,
                value,
                index,
                length,
                timeout_ms,
                on_error,
                exact,
            } => {
                write!(
                    f,
                    "control IN bmRequestType 0x{request_type:02x} bRequest 0x{request:02x} wValue 0x{value:04x} wIndex 0x{index:04x} wLength {length}, {timeout_ms} ms"
                )?;
                if *exact {
                    f.write_str(" (must return all bytes)")?;
                }
                on_error_suffix(f, *on_error)
            }
            Step::ClearHalt { endpoint } => write!(
                f,
                "clear halt on 0x{endpoint:02x} {} (failure is harmless)",
                dir_name(*endpoint)
            ),
            Step::Release { interface } => write!(f, "release interface {interface}"),
            Step::SetConfiguration { value: 0 } => f.write_str("set configuration 0 (unconfigure)"),
            Step::SetConfiguration { value } => write!(f, "set configuration {value}"),
            Step::SetAltSetting { interface, alt } => {
                write!(f, "set interface {interface} to alternate setting {alt}")
            }
            Step::Reset => f.write_str("reset the device (it re-enumerates)"),
            Step::Wait { ms, reason } => write!(f, "wait {ms} ms ({reason})"),
            Step::AwaitReturn { timeout_ms } => write!(
                f,
                "wait up to {} s for the device to drop off and return, then reopen it",
                timeout_ms / 1000
            ),
        }
    }
}

fn on_error_suffix(f: &mut fmt::Formatter<'_>, e: OnError) -> fmt::Result {
    match e {
        OnError::Fail => Ok(()),
        OnError::Continue => f.write_str(" (errors ignored)"),
        OnError::StallOk => f.write_str(" (a stall may still mean success)"),
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "switch {} ({}) with {}",
            self.device, self.id, self.method
        )?;
        match &self.usbfs {
            Some(n) => writeln!(f, " via /dev/bus/usb/{n}")?,
            None => writeln!(f)?,
        }
        write!(f, "interface {} ({}", self.interface, self.interface_class)?;
        if let Some(d) = self.drivers.get(&self.interface) {
            write!(f, ", driver {d}")?;
        }
        f.write_str(")")?;
        if let Some(ep) = self.message_endpoint {
            write!(f, ", message endpoint 0x{ep:02x} {}", dir_name(ep))?;
        }
        if let Some(ep) = self.response_endpoint {
            write!(f, ", response endpoint 0x{ep:02x} {}", dir_name(ep))?;
        }
        writeln!(f)?;
        if !self.drivers.is_empty() {
            let bound: Vec<String> = self
                .drivers
                .iter()
                .map(|(n, d)| format!("{n}: {d}"))
                .collect();
            writeln!(f, "drivers bound now: {}", bound.join(", "))?;
        }
        let width = self.steps.len().to_string().len();
        for (i, s) in self.steps.iter().enumerate() {
            writeln!(f, "  {:>width$}. {s}", i + 1)?;
        }
        for n in &self.notes {
            writeln!(f, "  note: {n}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
