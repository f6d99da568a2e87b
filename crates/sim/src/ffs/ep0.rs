//! `ep0` of a FunctionFS instance: events and control requests, as pure functions.
//!
//! After the descriptors and strings are written, reading `ep0` returns events of 12 bytes:
//! `struct usb_functionfs_event` = an 8-byte `usb_ctrlrequest` (valid for SETUP), a type byte
//! (`enum usb_functionfs_event_type`: BIND 0, UNBIND 1, ENABLE 2, DISABLE 3, SETUP 4,
//! SUSPEND 5, RESUME 6) and 3 pad bytes (`include/uapi/linux/usb/functionfs.h`). After a
//! SETUP event the daemon answers on `ep0` (`ffs_ep0_read`/`ffs_ep0_write` in `f_fs.c`):
//! - device-to-host (bit 7 of bmRequestType set): `write(ep0, data)` sends the data stage
//!   (truncated to wLength); a `read` instead stalls the request;
//! - host-to-device: `read(ep0, buf, wLength)` receives the data stage (if any) and completes
//!   the status stage, so a 0-byte read acknowledges a request without data; a `write`
//!   instead stalls it (the call then fails with EL2HLT).

/// Size of `struct usb_functionfs_event`.
pub const EVENT_SIZE: usize = 12;

/// `enum usb_functionfs_event_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Bind,
    Unbind,
    Enable,
    Disable,
    Setup,
    Suspend,
    Resume,
    Unknown(u8),
}

/// A control request's SETUP packet (USB 2.0 §9.3, `struct usb_ctrlrequest`, little-endian).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setup {
    pub request_type: u8,
    pub request: u8,
    pub value: u16,
    pub index: u16,
    pub length: u16,
}

/// Bits 6..5 of bmRequestType (USB 2.0 table 9-2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    Standard,
    Class,
    Vendor,
    Reserved,
}

impl Setup {
    pub fn parse(b: &[u8; 8]) -> Setup {
        Setup {
            request_type: b[0],
            request: b[1],
            value: u16::from_le_bytes([b[2], b[3]]),
            index: u16::from_le_bytes([b[4], b[5]]),
            length: u16::from_le_bytes([b[6], b[7]]),
        }
    }

    pub fn to_bytes(self) -> [u8; 8] {
        let v = self.value.to_le_bytes();
        let i = self.index.to_le_bytes();
        let l = self.length.to_le_bytes();
        [
            self.request_type,
            self.request,
            v[0],
            v[1],
            i[0],
            i[1],
            l[0],
            l[1],
        ]
    }

    /// Device-to-host.
    pub fn is_in(&self) -> bool {
        self.request_type & 0x80 != 0
    }

    pub fn kind(&self) -> RequestKind {
        match (self.request_type >> 5) & 3 {
            0 => RequestKind::Standard,
            1 => RequestKind::Class,
            2 => RequestKind::Vendor,
            _ => RequestKind::Reserved,
        }
    }

    /// bmRequestType bits 4..0: 0 device, 1 interface, 2 endpoint, 3 other.
    pub fn recipient(&self) -> u8 {
        self.request_type & 0x1f
    }
}

/// One event read from `ep0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    /// Only meaningful for [`EventKind::Setup`].
    pub setup: Setup,
}

/// Splits what a read of `ep0` returned into events (a trailing partial event is ignored).
pub fn parse_events(buf: &[u8]) -> Vec<Event> {
    buf.chunks_exact(EVENT_SIZE)
        .map(|c| {
            let mut s = [0u8; 8];
            s.copy_from_slice(&c[..8]);
            let kind = match c[8] {
                0 => EventKind::Bind,
                1 => EventKind::Unbind,
                2 => EventKind::Enable,
                3 => EventKind::Disable,
                4 => EventKind::Setup,
                5 => EventKind::Suspend,
                6 => EventKind::Resume,
                n => EventKind::Unknown(n),
            };
            Event {
                kind,
                setup: Setup::parse(&s),
            }
        })
        .collect()
}

/// How to finish a control request on `ep0`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// Host-to-device: read the data stage (wLength bytes, possibly 0) and acknowledge.
    Ack,
    /// Device-to-host: send these bytes (truncated to wLength).
    Data(Vec<u8>),
    /// Refuse the request (STALL).
    Stall,
}

impl Reply {
    /// The bytes to `write` for [`Reply::Data`], truncated to the host's wLength.
    pub fn data_for(&self, setup: &Setup) -> Option<Vec<u8>> {
        match self {
            Reply::Data(d) => Some(d[..d.len().min(usize::from(setup.length))].to_vec()),
            _ => None,
        }
    }
}

/// CDC PSTN class requests (CDC PSTN Subclass 1.2 §6.3, table 13) that `option`/`usb_wwan`
/// and `cdc_acm` send to a serial interface.
pub const SET_LINE_CODING: u8 = 0x20;
pub const GET_LINE_CODING: u8 = 0x21;
pub const SET_CONTROL_LINE_STATE: u8 = 0x22;
pub const SEND_BREAK: u8 = 0x23;
/// bmRequestType of a class request to an interface, host-to-device / device-to-host.
pub const CLASS_IFACE_OUT: u8 = 0x21;
pub const CLASS_IFACE_IN: u8 = 0xa1;

/// What a serial interface's control request means for the modem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SerialRequest {
    /// SET_CONTROL_LINE_STATE (CDC PSTN 1.2 §6.3.12): wValue bit 0 = DTR, bit 1 = RTS,
    /// wIndex = interface (FunctionFS rewrites it to the function's own numbering).
    ControlLines {
        interface: u16,
        dtr: bool,
        rts: bool,
    },
    /// SET_LINE_CODING / GET_LINE_CODING / SEND_BREAK: answered, no effect on the model.
    LineCoding,
    Other,
}

/// Decodes a SETUP on a serial function and says how to answer it.
pub fn serial_request(s: &Setup) -> (SerialRequest, Reply) {
    match (s.request_type, s.request) {
        (CLASS_IFACE_OUT, SET_CONTROL_LINE_STATE) => (
            SerialRequest::ControlLines {
                interface: s.index,
                dtr: s.value & 1 != 0,
                rts: s.value & 2 != 0,
            },
            Reply::Ack,
        ),
        (CLASS_IFACE_OUT, SET_LINE_CODING | SEND_BREAK) => (SerialRequest::LineCoding, Reply::Ack),
        (CLASS_IFACE_IN, GET_LINE_CODING) => {
            (SerialRequest::LineCoding, Reply::Data(line_coding()))
        }
        _ => (SerialRequest::Other, Reply::Stall),
    }
}

/// The 7-byte line coding structure (CDC PSTN 1.2 §6.3.11, table 17): 115200 bit/s, 1 stop
/// bit, no parity, 8 data bits.
pub fn line_coding() -> Vec<u8> {
    let mut v = 115_200u32.to_le_bytes().to_vec();
    v.extend_from_slice(&[0, 0, 8]);
    v
}

/// UART state bitmap bits (CDC PSTN 1.2 §6.5.4, table 31).
pub const STATE_DCD: u16 = 1 << 0; // bRxCarrier
pub const STATE_DSR: u16 = 1 << 1; // bTxCarrier
pub const STATE_RING: u16 = 1 << 3; // bRingSignal

/// A SERIAL_STATE notification for the interrupt IN endpoint (CDC PSTN 1.2 §6.5.4; the
/// notification header is CDC 1.2 §6.3): bmRequestType 0xA1, bNotification 0x20, wValue 0,
/// wIndex = interface, wLength 2, then the UART state bitmap. Linux's `option` reads byte 8:
/// bit 0 = DCD, bit 1 = DSR, bit 3 = RI (`option_instat_callback`), and hangs up the tty when
/// DCD falls (unless CLOCAL).
pub fn serial_state(interface: u16, state: u16) -> [u8; 10] {
    let i = interface.to_le_bytes();
    let s = state.to_le_bytes();
    [0xa1, 0x20, 0, 0, i[0], i[1], 2, 0, s[0], s[1]]
}

/// Hex without separators, as in the logs (`55534243…`).
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Parses [`hex`] output back (for tests and scripts); `None` on odd length or non-hex.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}
