//! SMS-DELIVER (3GPP TS 23.040 §9.2.2.1) and SMS-STATUS-REPORT (§9.2.2.3).

use super::address::{self, Address};
use super::concat::Concat;
use super::userdata;
pub use super::userdata::{Body, Dcs, Encoding};
use super::{invalid, PduError, Reader};
use std::fmt;

/// TP-SCTS / TP-DT (23.040 §9.2.3.11): local time and its offset from UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    /// Offset from UTC in minutes (the PDU counts quarters of an hour).
    pub offset_minutes: i16,
}

impl fmt::Display for Timestamp {
    /// RFC 3339, like ModemManager prints it: `2011-02-28T11:50:50-05:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.offset_minutes < 0 { '-' } else { '+' };
        let off = self.offset_minutes.unsigned_abs();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            off / 60,
            off % 60
        )
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One swapped-BCD octet: the low nibble is the tens digit.
fn bcd(b: u8, what: &'static str) -> Result<u8, PduError> {
    let (tens, units) = (b & 0x0F, b >> 4);
    if tens > 9 || units > 9 {
        return Err(invalid(what, format!("{b:02X} is not two decimal digits")));
    }
    Ok(tens * 10 + units)
}

pub(crate) fn read_timestamp(
    r: &mut Reader<'_>,
    what: &'static str,
) -> Result<Timestamp, PduError> {
    let t = r.take(7, what)?;
    let tz = t[6];
    // Bit 3 of the tens nibble is the sign (23.040 §9.2.3.11).
    let quarters = bcd(tz & 0xF7, what)?;
    let offset = i16::from(quarters) * 15;
    let ts = Timestamp {
        year: 2000 + u16::from(bcd(t[0], what)?),
        month: bcd(t[1], what)?,
        day: bcd(t[2], what)?,
        hour: bcd(t[3], what)?,
        minute: bcd(t[4], what)?,
        second: bcd(t[5], what)?,
        offset_minutes: if tz & 0x08 != 0 { -offset } else { offset },
    };
    if !(1..=12).contains(&ts.month) || !(1..=31).contains(&ts.day) || ts.hour > 23 {
        return Err(invalid(what, format!("{ts} is not a date")));
    }
    Ok(ts)
}

/// A received message (one part of it, if concatenated).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Deliver {
    pub smsc: Option<Address>,
    pub sender: Address,
    /// TP-SCTS: when the service centre received it.
    pub timestamp: Timestamp,
    pub dcs: Dcs,
    pub body: Body,
    pub concat: Option<Concat>,
}

pub(crate) fn read_deliver(r: &mut Reader<'_>, smsc: Option<Address>) -> Result<Deliver, PduError> {
    let first = r.u8("first octet")?;
    let sender = address::read(r, "TP-OA")?;
    let _pid = r.u8("TP-PID")?;
    let dcs = Dcs::from_octet(r.u8("TP-DCS")?);
    let timestamp = read_timestamp(r, "TP-SCTS")?;
    let ud = userdata::read(r, dcs, first & 0x40 != 0)?;
    Ok(Deliver {
        smsc,
        sender,
        timestamp,
        dcs,
        body: ud.body,
        concat: ud.concat,
    })
}

/// What the network says happened to a message we sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatusReport {
    pub smsc: Option<Address>,
    /// TP-MR of the message this reports on (`+CMGS: <mr>`).
    pub reference: u8,
    pub recipient: Address,
    pub timestamp: Timestamp,
    /// TP-DT: when it was delivered (or failed).
    pub discharge: Timestamp,
    /// TP-ST (23.040 §9.2.3.15).
    pub status: u8,
}

impl StatusReport {
    pub fn delivered(&self) -> bool {
        self.status < 0x20
    }

    pub fn summary(&self) -> String {
        let what = match self.status {
            0x00..=0x1F => "delivered",
            0x20..=0x3F => "not yet delivered, still trying",
            _ => "failed",
        };
        format!(
            "status report for message {}: {what} (TP-ST {:#04x}) at {}",
            self.reference, self.status, self.discharge
        )
    }
}

pub(crate) fn read_status_report(
    r: &mut Reader<'_>,
    smsc: Option<Address>,
) -> Result<StatusReport, PduError> {
    let _first = r.u8("first octet")?;
    let reference = r.u8("TP-MR")?;
    let recipient = address::read(r, "TP-RA")?;
    let timestamp = read_timestamp(r, "TP-SCTS")?;
    let discharge = read_timestamp(r, "TP-DT")?;
    let status = r.u8("TP-ST")?;
    // TP-PI and what it announces are optional: the minimum is enough.
    Ok(StatusReport {
        smsc,
        reference,
        recipient,
        timestamp,
        discharge,
        status,
    })
}
