//! SMS-SUBMIT (3GPP TS 23.040 §9.2.2.2): encoding what we send, and reading
//! what a SIM stores as sent or unsent.

use super::address::{self, Address};
use super::concat::{self, Concat};
use super::userdata::{self, Body, Dcs, Encoding};
use super::{to_hex, PduError, Reader};

/// A stored outgoing message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Submit {
    pub smsc: Option<Address>,
    /// TP-MR.
    pub reference: u8,
    pub recipient: Address,
    pub dcs: Dcs,
    pub body: Body,
    pub concat: Option<Concat>,
}

pub(crate) fn read_submit(r: &mut Reader<'_>, smsc: Option<Address>) -> Result<Submit, PduError> {
    let first = r.u8("first octet")?;
    let reference = r.u8("TP-MR")?;
    let recipient = address::read(r, "TP-DA")?;
    let _pid = r.u8("TP-PID")?;
    let dcs = Dcs::from_octet(r.u8("TP-DCS")?);
    // TP-VPF (bits 4..3): none, enhanced (7), relative (1), absolute (7).
    let vp = match (first >> 3) & 0x03 {
        0b00 => 0,
        0b10 => 1,
        _ => 7,
    };
    r.take(vp, "TP-VP")?;
    let ud = userdata::read(r, dcs, first & 0x40 != 0)?;
    Ok(Submit {
        smsc,
        reference,
        recipient,
        dcs,
        body: ud.body,
        concat: ud.concat,
    })
}

/// Checks a recipient number before anything is sent: digits with an
/// optional leading `+`, at most 20 (what TP-DA can hold). Nothing else can
/// reach the modem.
pub fn validate_number(number: &str) -> Result<(), PduError> {
    address::encode(number).map(|_| ())
}

/// One PDU to send with `AT+CMGS=<tpdu_len>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingPart {
    /// SMSC field + TPDU, hex, as typed after the `> ` prompt.
    pub hex: String,
    /// TPDU octets without the SMSC field: `<length>` of `+CMGS`.
    pub tpdu_len: usize,
    pub seq: u8,
    pub total: u8,
    pub text: String,
}

/// What to send.
#[derive(Debug, Clone, Copy)]
pub struct Outgoing<'a> {
    pub recipient: &'a str,
    pub text: &'a str,
    /// `None`: the SMSC stored in the modem (`AT+CSCA`).
    pub smsc: Option<&'a str>,
    /// Shared by all parts of a concatenated message; pick a different one
    /// for each message.
    pub reference: u8,
    pub status_report: bool,
}

/// Encodes `m` as one SMS-SUBMIT per part: GSM-7 when every character fits,
/// UCS-2 otherwise, with an 8-bit-reference concatenation header when the
/// text needs more than one message (153 GSM-7 / 67 UCS-2 characters each).
/// No validity period: the SMSC's default applies.
pub fn encode_submit(m: &Outgoing<'_>) -> Result<Vec<OutgoingPart>, PduError> {
    let smsc = address::encode_smsc(m.smsc)?;
    let da = address::encode(m.recipient)?;
    let (encoding, chunks) = concat::split(m.text)?;
    // ≤ 255, checked by split.
    let total = chunks.len() as u8;
    let dcs = match encoding {
        Encoding::Gsm7 => 0x00,
        _ => 0x08,
    };
    let mut parts = Vec::with_capacity(chunks.len());
    for (i, chunk) in chunks.into_iter().enumerate() {
        let seq = i as u8 + 1;
        let c = (total > 1).then_some(Concat {
            reference: u16::from(m.reference),
            total,
            seq,
        });
        // TP-MTI SUBMIT, TP-VPF none, TP-SRR, TP-UDHI.
        let mut first = 0x01;
        if m.status_report {
            first |= 0x20;
        }
        if c.is_some() {
            first |= 0x40;
        }
        // TP-MR 0: the modem assigns the real one and answers it in +CMGS.
        let mut tpdu = vec![first, 0x00];
        tpdu.extend_from_slice(&da);
        tpdu.extend_from_slice(&[0x00, dcs]);
        let (udl, ud) = userdata::build(encoding, &chunk.payload, c);
        tpdu.push(udl);
        tpdu.extend(ud);
        let mut pdu = smsc.clone();
        pdu.extend_from_slice(&tpdu);
        parts.push(OutgoingPart {
            hex: to_hex(&pdu),
            tpdu_len: tpdu.len(),
            seq,
            total,
            text: chunk.text,
        });
    }
    Ok(parts)
}
