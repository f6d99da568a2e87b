//! The descriptor and string blobs a FunctionFS daemon writes to `ep0` before anything else.
//!
//! Formats from the kernel's `include/uapi/linux/usb/functionfs.h` ("Descriptors format",
//! "Strings format") and `Documentation/usb/functionfs.rst`: the blob describes the function
//! as if it were alone on the device (interface numbers from 0, endpoint and string numbers
//! from 1); FunctionFS renumbers interfaces and endpoints when the gadget is bound, and creates
//! one file `epN` per endpoint descriptor, numbered in the order the endpoints appear in the
//! full-speed list (`ffs_epfiles_create` in `drivers/usb/gadget/function/f_fs.c`). The kernel
//! also checks that every speed lists the same endpoint addresses in the same order, and the
//! endpoint number (low nibble) must not be 0 (`__ffs_data_do_entity`, `ffs_do_single_desc`).

use crate::profile::{PortFunction, Profile};

/// `FUNCTIONFS_DESCRIPTORS_MAGIC_V2` (functionfs.h).
pub const DESCRIPTORS_MAGIC_V2: u32 = 3;
/// `FUNCTIONFS_STRINGS_MAGIC` (functionfs.h).
pub const STRINGS_MAGIC: u32 = 2;
/// `FUNCTIONFS_HAS_FS_DESC`.
pub const HAS_FS_DESC: u32 = 1;
/// `FUNCTIONFS_HAS_HS_DESC`.
pub const HAS_HS_DESC: u32 = 2;
/// `FUNCTIONFS_ALL_CTRL_RECIP`: control requests to the device (not only to our interfaces
/// and endpoints) reach `ep0` too, e.g. a vendor mode-switch request.
pub const ALL_CTRL_RECIP: u32 = 64;

/// `USB_DT_INTERFACE`, `USB_DT_ENDPOINT` (USB 2.0 §9.4, table 9-5).
const DT_INTERFACE: u8 = 4;
const DT_ENDPOINT: u8 = 5;
/// Transfer types in `bmAttributes` (USB 2.0 §9.6.6).
pub const BULK: u8 = 2;
pub const INTERRUPT: u8 = 3;
/// US English, the only language of the string table.
const LANG_EN_US: u16 = 0x0409;

/// One endpoint of the function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndpointSpec {
    /// `bEndpointAddress` as declared (bit 7 = IN). The bus address is chosen by the UDC.
    pub address: u8,
    /// [`BULK`] or [`INTERRUPT`].
    pub transfer: u8,
    /// `wMaxPacketSize` for interrupt endpoints (bulk: 64 full speed, 512 high speed).
    pub interrupt_packet: u16,
}

impl EndpointSpec {
    pub fn is_in(&self) -> bool {
        self.address & 0x80 != 0
    }
}

/// One interface of the function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceSpec {
    /// `(bInterfaceClass, bInterfaceSubClass, bInterfaceProtocol)`.
    pub class: (u8, u8, u8),
    pub endpoints: Vec<EndpointSpec>,
    /// `iInterface` text, if any.
    pub name: Option<String>,
    /// For serial interfaces: the `ttyUSB` index the host will give it and its function.
    pub port: Option<(usize, PortFunction)>,
}

/// What one FunctionFS instance declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub interfaces: Vec<InterfaceSpec>,
    /// Set [`ALL_CTRL_RECIP`].
    pub all_ctrl_recip: bool,
}

/// Which `epN` file serves which endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointFile {
    /// `ep1`, `ep2`, …
    pub name: String,
    /// Index into [`Layout::interfaces`].
    pub interface: usize,
    pub spec: EndpointSpec,
}

impl Layout {
    /// The serial interfaces of `profile` (what `option` binds), in interface order, with the
    /// profile's endpoints: interrupt IN (if any), bulk IN, bulk OUT. Network and storage
    /// interfaces are not part of it: FunctionFS in Linux 6.1 rejects CDC class descriptors, so
    /// the test bed adds the kernel's own `ncm`/`ecm` function next to this one.
    pub fn serial(profile: &Profile) -> Layout {
        let mut interfaces: Vec<InterfaceSpec> = profile
            .serial_ports()
            .into_iter()
            .map(|(k, iface, function)| InterfaceSpec {
                class: iface.class,
                endpoints: iface
                    .endpoints
                    .iter()
                    .map(|e| EndpointSpec {
                        address: e.address,
                        transfer: e.attributes & 3,
                        interrupt_packet: e.max_packet.clamp(1, 64),
                    })
                    .collect(),
                name: iface.description.map(str::to_string),
                port: Some((k, function)),
            })
            .collect();
        renumber_if_needed(&mut interfaces);
        Layout {
            interfaces,
            all_ctrl_recip: false,
        }
    }

    /// A Bulk-Only Transport mass-storage interface (class 08, SCSI transparent 06, BOT 50;
    /// USB Mass Storage Class Bulk-Only Transport 1.0 §4.3) with one bulk IN and one bulk OUT
    /// endpoint. Vendor control requests to the device reach `ep0` (mode-switch requests).
    pub fn storage() -> Layout {
        Layout {
            interfaces: vec![InterfaceSpec {
                class: (0x08, 0x06, 0x50),
                endpoints: vec![
                    EndpointSpec {
                        address: 0x81,
                        transfer: BULK,
                        interrupt_packet: 0,
                    },
                    EndpointSpec {
                        address: 0x01,
                        transfer: BULK,
                        interrupt_packet: 0,
                    },
                ],
                name: None,
                port: None,
            }],
            all_ctrl_recip: true,
        }
    }

    /// The `epN` files, in the order FunctionFS creates them.
    pub fn endpoint_files(&self) -> Vec<EndpointFile> {
        let mut out = Vec::new();
        for (i, iface) in self.interfaces.iter().enumerate() {
            for e in &iface.endpoints {
                out.push(EndpointFile {
                    name: format!("ep{}", out.len() + 1),
                    interface: i,
                    spec: *e,
                });
            }
        }
        out
    }

    /// `iInterface` strings, in string-number order (1, 2, …).
    fn string_table(&self) -> Vec<&str> {
        self.interfaces
            .iter()
            .filter_map(|i| i.name.as_deref())
            .collect()
    }

    /// One speed's descriptor list. Returns (count, bytes).
    fn speed_descriptors(&self, high_speed: bool) -> (u32, Vec<u8>) {
        let mut count = 0;
        let mut b = Vec::new();
        let mut string = 0u8;
        for (n, iface) in self.interfaces.iter().enumerate() {
            let i_interface = if iface.name.is_some() {
                string += 1;
                string
            } else {
                0
            };
            // Standard interface descriptor, USB 2.0 §9.6.5 (9 bytes).
            b.extend_from_slice(&[
                9,
                DT_INTERFACE,
                u8::try_from(n).unwrap_or(u8::MAX),
                0, // bAlternateSetting
                u8::try_from(iface.endpoints.len()).unwrap_or(u8::MAX),
                iface.class.0,
                iface.class.1,
                iface.class.2,
                i_interface,
            ]);
            count += 1;
            for e in &iface.endpoints {
                // Standard endpoint descriptor, USB 2.0 §9.6.6 (7 bytes; FunctionFS's
                // `usb_endpoint_descriptor_no_audio`).
                let (packet, interval) = match (e.transfer, high_speed) {
                    // Interrupt: full speed bInterval in frames (1 ms); high speed
                    // 2^(bInterval-1) microframes: 2^4 * 125 us = 2 ms.
                    (INTERRUPT, false) => (e.interrupt_packet, 2),
                    (INTERRUPT, true) => (e.interrupt_packet, 5),
                    (_, false) => (64, 0),
                    (_, true) => (512, 0),
                };
                b.extend_from_slice(&[7, DT_ENDPOINT, e.address, e.transfer]);
                b.extend_from_slice(&packet.to_le_bytes());
                b.push(interval);
                count += 1;
            }
        }
        (count, b)
    }

    /// The descriptors blob: `usb_functionfs_descs_head_v2` (magic, length, flags), then
    /// fs_count and hs_count, then the full-speed and the high-speed descriptor lists.
    pub fn descriptors(&self) -> Vec<u8> {
        let (fs_count, fs) = self.speed_descriptors(false);
        let (hs_count, hs) = self.speed_descriptors(true);
        let mut flags = HAS_FS_DESC | HAS_HS_DESC;
        if self.all_ctrl_recip {
            flags |= ALL_CTRL_RECIP;
        }
        let len = 4 * 5 + fs.len() + hs.len();
        let mut b = Vec::with_capacity(len);
        b.extend_from_slice(&DESCRIPTORS_MAGIC_V2.to_le_bytes());
        b.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
        b.extend_from_slice(&flags.to_le_bytes());
        b.extend_from_slice(&fs_count.to_le_bytes());
        b.extend_from_slice(&hs_count.to_le_bytes());
        b.extend_from_slice(&fs);
        b.extend_from_slice(&hs);
        b
    }

    /// The strings blob: `usb_functionfs_strings_head` (magic, length, str_count, lang_count),
    /// then per language a LE16 code and NUL-terminated UTF-8 strings. Without strings both
    /// counts are 0 (the kernel requires both or neither).
    pub fn strings(&self) -> Vec<u8> {
        let table = self.string_table();
        let mut body = Vec::new();
        if !table.is_empty() {
            body.extend_from_slice(&LANG_EN_US.to_le_bytes());
            for s in &table {
                body.extend_from_slice(s.as_bytes());
                body.push(0);
            }
        }
        let len = 16 + body.len();
        let (str_count, lang_count) = if table.is_empty() {
            (0u32, 0u32)
        } else {
            (u32::try_from(table.len()).unwrap_or(u32::MAX), 1)
        };
        let mut b = Vec::with_capacity(len);
        b.extend_from_slice(&STRINGS_MAGIC.to_le_bytes());
        b.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
        b.extend_from_slice(&str_count.to_le_bytes());
        b.extend_from_slice(&lang_count.to_le_bytes());
        b.extend_from_slice(&body);
        b
    }

    /// A human-readable listing (for `dongle-gadget descriptors`).
    pub fn describe(&self) -> String {
        let mut s = String::new();
        let files = self.endpoint_files();
        for (n, iface) in self.interfaces.iter().enumerate() {
            let (c, sc, p) = iface.class;
            s.push_str(&format!("interface {n}: class {c:02x}/{sc:02x}/{p:02x}"));
            if let Some((k, f)) = iface.port {
                s.push_str(&format!(" ttyUSB{k} {f:?}"));
            }
            if let Some(name) = &iface.name {
                s.push_str(&format!(" \"{name}\""));
            }
            s.push('\n');
            for f in files.iter().filter(|f| f.interface == n) {
                let kind = if f.spec.transfer == INTERRUPT {
                    "interrupt"
                } else {
                    "bulk"
                };
                let dir = if f.spec.is_in() { "IN" } else { "OUT" };
                s.push_str(&format!(
                    "  {}: {:#04x} {kind} {dir}\n",
                    f.name, f.spec.address
                ));
            }
        }
        s
    }
}

/// FunctionFS needs unique endpoint addresses with a non-zero endpoint number; profiles copy
/// real sticks and are unique already, but if two collide, number them 1, 2, … in order.
fn renumber_if_needed(interfaces: &mut [InterfaceSpec]) {
    let all: Vec<u8> = interfaces
        .iter()
        .flat_map(|i| i.endpoints.iter().map(|e| e.address))
        .collect();
    let mut sorted = all.clone();
    sorted.sort_unstable();
    sorted.dedup();
    let ok = sorted.len() == all.len() && all.iter().all(|a| a & 0x0f != 0);
    if ok {
        return;
    }
    let mut n = 0u8;
    for i in interfaces.iter_mut() {
        for e in &mut i.endpoints {
            n += 1;
            e.address = (e.address & 0x80) | (n & 0x0f);
        }
    }
}
