//! TP-DCS (3GPP TS 23.038 §4) and TP-UD with its header (TS 23.040
//! §9.2.3.24): the text, and the concatenation element if there is one.

use super::concat::Concat;
use super::{gsm7, invalid, to_hex, ucs2, PduError, Reader};

/// How the user data is coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    Gsm7,
    EightBit,
    Ucs2,
}

/// TP-DCS, read for what the user needs: the alphabet and the class
/// (class 0 is a "flash" message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Dcs {
    pub raw: u8,
    pub encoding: Encoding,
    pub class: Option<u8>,
}

impl Dcs {
    pub fn from_octet(raw: u8) -> Dcs {
        let alphabet = |bits: u8| match bits & 0x03 {
            1 => Encoding::EightBit,
            2 => Encoding::Ucs2,
            // 3 is reserved: 23.038 says to treat it as the default alphabet.
            _ => Encoding::Gsm7,
        };
        let (encoding, class) = match raw >> 4 {
            // General data coding (00xx) and automatic deletion (01xx).
            0x0..=0x7 => {
                // Bit 5: compressed text, which no stick supports: keep the octets.
                let enc = if raw & 0x20 != 0 {
                    Encoding::EightBit
                } else {
                    alphabet(raw >> 2)
                };
                (enc, (raw & 0x10 != 0).then_some(raw & 0x03))
            }
            // Message waiting indication: discard / store (GSM-7), store (UCS-2).
            0xC | 0xD => (Encoding::Gsm7, None),
            0xE => (Encoding::Ucs2, None),
            0xF => {
                let enc = if raw & 0x04 != 0 {
                    Encoding::EightBit
                } else {
                    Encoding::Gsm7
                };
                (enc, Some(raw & 0x03))
            }
            // Reserved groups 1000..1011: read as the default alphabet (23.038 §4).
            _ => (Encoding::Gsm7, None),
        };
        Dcs {
            raw,
            encoding,
            class,
        }
    }
}

/// The message content.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Body {
    Text(String),
    /// 8-bit data (WAP push, SIM toolkit, …), as hex.
    Data(String),
}

impl Body {
    pub fn text(&self) -> String {
        match self {
            Body::Text(t) => t.clone(),
            Body::Data(hex) => format!("<8-bit data: {hex}>"),
        }
    }
}

/// What TP-UD held.
pub(crate) struct UserData {
    pub body: Body,
    pub concat: Option<Concat>,
}

/// The concatenation element of a user data header, if valid: IEI 0x00
/// (8-bit reference) or 0x08 (16-bit reference), 23.040 §9.2.3.24.1/.8.
fn parse_header(udh: &[u8]) -> Result<Option<Concat>, PduError> {
    let mut r = Reader::new(udh);
    let mut concat = None;
    while r.peek("UDH").is_ok() {
        let iei = r.u8("UDH element")?;
        let len = usize::from(r.u8("UDH element length")?);
        let data = r.take(len, "UDH element")?;
        let c = match (iei, data) {
            (0x00, [reference, total, seq]) => Concat {
                reference: u16::from(*reference),
                total: *total,
                seq: *seq,
            },
            (0x08, [hi, lo, total, seq]) => Concat {
                reference: u16::from_be_bytes([*hi, *lo]),
                total: *total,
                seq: *seq,
            },
            _ => continue,
        };
        // 23.040: a zero total or a sequence outside 1..=total is to be
        // ignored as if the element were absent.
        if c.total > 0 && c.seq > 0 && c.seq <= c.total {
            concat = Some(c);
        }
    }
    Ok(concat)
}

/// TP-UDL and TP-UD, to the end of the PDU.
pub(crate) fn read(r: &mut Reader<'_>, dcs: Dcs, udhi: bool) -> Result<UserData, PduError> {
    let udl = usize::from(r.u8("TP-UDL")?);
    let octets = match dcs.encoding {
        Encoding::Gsm7 => udl * 7 / 8 + usize::from(udl * 7 % 8 != 0),
        _ => udl,
    };
    if dcs.encoding != Encoding::Gsm7 && udl > 140 {
        return Err(invalid("TP-UDL", format!("{udl} octets (at most 140)")));
    }
    if dcs.encoding == Encoding::Gsm7 && udl > 160 {
        return Err(invalid("TP-UDL", format!("{udl} septets (at most 160)")));
    }
    let ud = r.take(octets, "TP-UD")?;
    let (header_octets, concat) = if udhi {
        let udhl = usize::from(
            *ud.first()
                .ok_or_else(|| invalid("UDH", "empty user data"))?,
        );
        let udh = ud
            .get(1..1 + udhl)
            .ok_or_else(|| invalid("UDH", format!("{udhl} octets do not fit the user data")))?;
        (1 + udhl, parse_header(udh)?)
    } else {
        (0, None)
    };
    let body = match dcs.encoding {
        Encoding::Gsm7 => {
            // The text starts at the septet boundary after the header (fill bits).
            let skip = (header_octets * 8).div_ceil(7);
            let septets = gsm7::unpack(ud, udl).unwrap_or_default();
            Body::Text(gsm7::decode(septets.get(skip..).unwrap_or_default()))
        }
        Encoding::Ucs2 => Body::Text(ucs2::decode(&ud[header_octets.min(ud.len())..])),
        Encoding::EightBit => Body::Data(to_hex(&ud[header_octets.min(ud.len())..])),
    };
    Ok(UserData { body, concat })
}

/// TP-UD for one outgoing part: (TP-UDL, octets).
pub(crate) fn build(encoding: Encoding, payload: &[u8], concat: Option<Concat>) -> (u8, Vec<u8>) {
    let header: Vec<u8> = match concat {
        Some(c) => vec![0x05, 0x00, 0x03, c.reference as u8, c.total, c.seq],
        None => Vec::new(),
    };
    match encoding {
        Encoding::Gsm7 => {
            let skip_septets = (header.len() * 8).div_ceil(7);
            let mut out = header.clone();
            let packed = gsm7::pack(payload, skip_septets * 7 - header.len() * 8);
            out.extend(packed);
            // At most 160 septets (checked by the splitter).
            ((skip_septets + payload.len()) as u8, out)
        }
        _ => {
            let mut out = header;
            out.extend_from_slice(payload);
            (out.len() as u8, out)
        }
    }
}
