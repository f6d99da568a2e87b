//! The storage personality's bytes: Bulk-Only Transport wrappers (USB Mass Storage Class
//! Bulk-Only Transport 1.0, §5.1 CBW, §5.2 CSW, §6.7 the thirteen cases), the SCSI commands a
//! ZeroCD CD-ROM answers (SPC-3 INQUIRY / REQUEST SENSE / TEST UNIT READY / MODE SENSE,
//! MMC-5 GET CONFIGURATION / GET EVENT STATUS NOTIFICATION, SBC READ CAPACITY), and the mode-
//! switch messages of `usb_modeswitch` (reference/usb_modeswitch.md §1.2). Pure functions.

/// `dCBWSignature` "USBC" and `dCSWSignature` "USBS" (BOT §5.1, §5.2), as bytes on the wire.
pub const CBW_SIGNATURE: [u8; 4] = *b"USBC";
pub const CSW_SIGNATURE: [u8; 4] = *b"USBS";
pub const CBW_LEN: usize = 31;
pub const CSW_LEN: usize = 13;

/// bCSWStatus (BOT §5.2 table 5.3).
pub const STATUS_PASSED: u8 = 0;
pub const STATUS_FAILED: u8 = 1;

/// A Command Block Wrapper. Unlike a strict BOT device, `bCBWCBLength` is not checked (Huawei's
/// switch message sends 0 there), only the length (31) and the signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cbw {
    pub tag: u32,
    pub data_len: u32,
    /// bmCBWFlags: bit 7 = data-in.
    pub flags: u8,
    pub lun: u8,
    pub cb_len: u8,
    pub cb: [u8; 16],
    pub raw: [u8; CBW_LEN],
}

impl Cbw {
    pub fn parse(b: &[u8]) -> Option<Cbw> {
        if b.len() != CBW_LEN || b[..4] != CBW_SIGNATURE {
            return None;
        }
        let mut raw = [0u8; CBW_LEN];
        raw.copy_from_slice(b);
        let mut cb = [0u8; 16];
        cb.copy_from_slice(&b[15..31]);
        Some(Cbw {
            tag: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
            data_len: u32::from_le_bytes([b[8], b[9], b[10], b[11]]),
            flags: b[12],
            lun: b[13] & 0x0f,
            cb_len: b[14] & 0x1f,
            cb,
            raw,
        })
    }

    pub fn data_in(&self) -> bool {
        self.flags & 0x80 != 0
    }
}

/// A Command Status Wrapper (BOT §5.2): "USBS", the CBW's tag, dCSWDataResidue, bCSWStatus.
pub fn csw(tag: u32, residue: u32, status: u8) -> [u8; CSW_LEN] {
    let mut b = [0u8; CSW_LEN];
    b[..4].copy_from_slice(&CSW_SIGNATURE);
    b[4..8].copy_from_slice(&tag.to_le_bytes());
    b[8..12].copy_from_slice(&residue.to_le_bytes());
    b[12] = status;
    b
}

/// Which mode-switch message a CBW is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwitchMessage {
    /// Huawei's vendor opcode 0x11 sub-command 0x06 (every variant: new, alt, classic, tag 0,
    /// the 14dc variant).
    Huawei,
    /// SCSI REZERO UNIT (opcode 0x01): usb_modeswitch's OptionMode.
    Rezero,
    /// START STOP UNIT with LoEj=1 Start=0: the eject of StandardEject.
    Eject,
}

/// Whether `cbw` is a message that makes a ZeroCD stick switch to its modem personality.
pub fn switch_message(cbw: &Cbw) -> Option<SwitchMessage> {
    match cbw.cb[0] {
        0x11 if cbw.cb[1] == 0x06 => Some(SwitchMessage::Huawei),
        0x01 => Some(SwitchMessage::Rezero),
        // SBC-3 §5.25 START STOP UNIT: byte 4 bit 1 LOEJ, bit 0 START.
        0x1b if cbw.cb[4] & 0x03 == 0x02 => Some(SwitchMessage::Eject),
        _ => None,
    }
}

/// Sense data: key, additional sense code and qualifier (SPC-3 §4.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sense {
    pub key: u8,
    pub asc: u8,
    pub ascq: u8,
}

pub const NO_SENSE: Sense = Sense {
    key: 0,
    asc: 0,
    ascq: 0,
};
/// NOT READY, MEDIUM NOT PRESENT (ASC 3A/00).
pub const MEDIUM_NOT_PRESENT: Sense = Sense {
    key: 0x02,
    asc: 0x3a,
    ascq: 0,
};
/// ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE (20/00).
pub const INVALID_OPCODE: Sense = Sense {
    key: 0x05,
    asc: 0x20,
    ascq: 0,
};
/// ILLEGAL REQUEST, INVALID FIELD IN CDB (24/00).
pub const INVALID_FIELD: Sense = Sense {
    key: 0x05,
    asc: 0x24,
    ascq: 0,
};

/// What a command returns: data for the host (data-in) and the status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScsiReply {
    pub data: Vec<u8>,
    pub status: u8,
}

/// An empty CD-ROM drive (no disc): what a Huawei ZeroCD looks like once its ISO is gone, and
/// enough for `usb-storage` and `sr_mod` to attach `sr0`.
#[derive(Clone, Debug)]
pub struct CdRom {
    /// INQUIRY vendor (8), product (16) and revision (4), space-padded.
    pub vendor: String,
    pub product: String,
    pub revision: String,
    sense: Sense,
}

fn padded(s: &str, n: usize) -> Vec<u8> {
    let mut v: Vec<u8> = s
        .bytes()
        .filter(|b| (0x20..0x7f).contains(b))
        .take(n)
        .collect();
    v.resize(n, b' ');
    v
}

fn be16(b: &[u8]) -> usize {
    usize::from(u16::from_be_bytes([b[0], b[1]]))
}

impl CdRom {
    pub fn new(vendor: &str, product: &str, revision: &str) -> CdRom {
        CdRom {
            vendor: vendor.into(),
            product: product.into(),
            revision: revision.into(),
            sense: NO_SENSE,
        }
    }

    fn good(data: Vec<u8>, alloc: usize) -> ScsiReply {
        let mut data = data;
        data.truncate(alloc);
        ScsiReply {
            data,
            status: STATUS_PASSED,
        }
    }

    fn check(&mut self, sense: Sense) -> ScsiReply {
        self.sense = sense;
        ScsiReply {
            data: Vec::new(),
            status: STATUS_FAILED,
        }
    }

    /// Standard INQUIRY data (SPC-3 §6.4.2), 36 bytes: peripheral device type 05h (CD/DVD),
    /// RMB=1 (removable), VERSION 2 and response data format 2 (as Huawei's ZeroCD reports,
    /// "ANSI: 2" in the kernel log), additional length 31, then the identification strings.
    pub fn inquiry_data(&self) -> Vec<u8> {
        let mut d = vec![0x05, 0x80, 0x02, 0x02, 31, 0, 0, 0];
        d.extend(padded(&self.vendor, 8));
        d.extend(padded(&self.product, 16));
        d.extend(padded(&self.revision, 4));
        d
    }

    /// Fixed-format sense data (SPC-3 §4.5.3), 18 bytes: response code 70h, sense key,
    /// additional length 10, ASC, ASCQ.
    pub fn sense_data(sense: Sense) -> Vec<u8> {
        let mut d = vec![0u8; 18];
        d[0] = 0x70;
        d[2] = sense.key & 0x0f;
        d[7] = 10;
        d[12] = sense.asc;
        d[13] = sense.ascq;
        d
    }

    /// The MM capabilities and mechanical status mode page (MMC-3 §5.5.10, page 2Ah): reads
    /// CD-R, can lock and eject, tray loading mechanism.
    fn capabilities_page() -> Vec<u8> {
        let mut p = vec![0u8; 20];
        p[0] = 0x2a;
        p[1] = 18;
        p[2] = 0x01; // reads CD-R
        p[6] = 0x29; // lock, eject, tray
        p
    }

    /// Answers one command descriptor block.
    pub fn command(&mut self, cb: &[u8; 16]) -> ScsiReply {
        match cb[0] {
            // TEST UNIT READY: no disc.
            0x00 => self.check(MEDIUM_NOT_PRESENT),
            // REQUEST SENSE: report and clear the pending sense.
            0x03 => {
                let d = Self::sense_data(self.sense);
                self.sense = NO_SENSE;
                Self::good(d, usize::from(cb[4]))
            }
            // INQUIRY.
            0x12 => {
                let alloc = be16(&cb[3..5]);
                if cb[1] & 1 != 0 {
                    // EVPD: only the list of supported pages (page 00h), which is empty but 00h.
                    if cb[2] == 0 {
                        return Self::good(vec![0x05, 0x00, 0x00, 0x01, 0x00], alloc);
                    }
                    return self.check(INVALID_FIELD);
                }
                let d = self.inquiry_data();
                Self::good(d, alloc)
            }
            // START STOP UNIT without eject, PREVENT ALLOW MEDIUM REMOVAL: accepted.
            0x1b | 0x1e => Self::good(Vec::new(), 0),
            // MODE SENSE(6): header (SPC-3 §7.4.3) and the capabilities page if asked for.
            0x1a => {
                let page = cb[2] & 0x3f;
                let mut d = vec![0, 0, 0, 0];
                if page == 0x2a || page == 0x3f {
                    d.extend(Self::capabilities_page());
                } else if page != 0 {
                    return self.check(INVALID_FIELD);
                }
                d[0] = u8::try_from(d.len() - 1).unwrap_or(u8::MAX);
                Self::good(d, usize::from(cb[4]))
            }
            // MODE SENSE(10).
            0x5a => {
                let page = cb[2] & 0x3f;
                let mut d = vec![0u8; 8];
                if page == 0x2a || page == 0x3f {
                    d.extend(Self::capabilities_page());
                } else if page != 0 {
                    return self.check(INVALID_FIELD);
                }
                let n = u16::try_from(d.len() - 2).unwrap_or(u16::MAX).to_be_bytes();
                d[0] = n[0];
                d[1] = n[1];
                Self::good(d, be16(&cb[7..9]))
            }
            // GET CONFIGURATION (MMC-5 §6.6): feature header only, current profile 0000h
            // (no current profile: no disc).
            0x46 => Self::good(vec![0, 0, 0, 4, 0, 0, 0, 0], be16(&cb[7..9])),
            // GET EVENT STATUS NOTIFICATION (MMC-5 §6.8), polled only: media class, no event,
            // no media present.
            0x4a => {
                if cb[1] & 1 == 0 {
                    return self.check(INVALID_FIELD);
                }
                let d = if cb[4] & 0x10 != 0 {
                    vec![0, 6, 0x04, 0x10, 0, 0, 0, 0]
                } else {
                    // No requested class supported: NEA set.
                    vec![0, 2, 0x80, 0x10]
                };
                Self::good(d, be16(&cb[7..9]))
            }
            // Medium access without a medium: READ CAPACITY, READ(10), READ(12), READ TOC,
            // READ DISC INFORMATION, READ TRACK INFORMATION, READ FORMAT CAPACITIES,
            // READ SUB-CHANNEL, READ CD.
            0x25 | 0x28 | 0xa8 | 0x43 | 0x51 | 0x52 | 0x23 | 0x42 | 0xbe => {
                self.check(MEDIUM_NOT_PRESENT)
            }
            _ => self.check(INVALID_OPCODE),
        }
    }
}

/// The BOT data and status stages for one command (BOT §6.7, the host's expectation `Hi`/`Ho`/
/// `Hn` against what the device has).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// Data-in stage: exactly dCBWDataTransferLength bytes (the reply, zero-padded or cut).
    pub data_in: Option<Vec<u8>>,
    /// Data-out stage: how many bytes to read and discard.
    pub data_out: u32,
    /// The CSW.
    pub csw: [u8; CSW_LEN],
}

/// Plans the stages: a data-in reply shorter than the host asked for is padded (BOT §6.7.2,
/// Hi > Di) with the difference in dCSWDataResidue; data-out the device does not want is read
/// and dropped (§6.7.3, Ho > Do) with the whole length as residue.
pub fn transfer(cbw: &Cbw, reply: &ScsiReply) -> Transfer {
    let want = cbw.data_len;
    if want == 0 {
        return Transfer {
            data_in: None,
            data_out: 0,
            csw: csw(cbw.tag, 0, reply.status),
        };
    }
    if cbw.data_in() {
        let n = usize::try_from(want).unwrap_or(usize::MAX);
        let mut d = reply.data.clone();
        let relevant = d.len().min(n);
        d.resize(n, 0);
        let residue = want - u32::try_from(relevant).unwrap_or(want);
        Transfer {
            data_in: Some(d),
            data_out: 0,
            csw: csw(cbw.tag, residue, reply.status),
        }
    } else {
        Transfer {
            data_in: None,
            data_out: want,
            csw: csw(cbw.tag, want, reply.status),
        }
    }
}
