//! SMS PDU codec (3GPP TS 23.040 TPDUs, TS 23.038 alphabets) for modems in
//! PDU mode (`AT+CMGF=0`, TS 27.005).
//!
//! Everything here reads outside input (the modem's `+CMGL`/`+CMGR` hex, a
//! network's USSD reply): every length is checked against what is left, so a
//! truncated or garbage PDU is an [`PduError`], never a panic.

pub mod address;
pub mod concat;
pub mod deliver;
pub mod gsm7;
pub mod submit;
pub mod ucs2;
mod userdata;
pub mod ussd;

pub use address::{Address, AddressKind};
pub use concat::{assemble, Assembled, Concat};
pub use deliver::{Body, Dcs, Deliver, Encoding, StatusReport, Timestamp};
pub use submit::{encode_submit, validate_number, Outgoing, OutgoingPart, Submit};

/// Why a PDU could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PduError {
    #[error("the PDU is not hex: {0}")]
    NotHex(&'static str),
    #[error("the PDU ends early: {what} needs {need} more octet(s) at octet {at}")]
    Truncated {
        what: &'static str,
        at: usize,
        need: usize,
    },
    #[error("the PDU has a bad {what}: {why}")]
    Invalid { what: &'static str, why: String },
    #[error("{what}: {why}")]
    Unsendable { what: &'static str, why: String },
}

fn invalid(what: &'static str, why: impl Into<String>) -> PduError {
    PduError::Invalid {
        what,
        why: why.into(),
    }
}

/// A TPDU as the modem stores it, after the SMSC address.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Tpdu {
    Deliver(Deliver),
    /// A message we (or another program) stored or sent from this SIM.
    Submit(Submit),
    StatusReport(StatusReport),
}

impl Tpdu {
    /// The other party: sender of a received message, recipient otherwise.
    pub fn party(&self) -> &Address {
        match self {
            Tpdu::Deliver(d) => &d.sender,
            Tpdu::Submit(s) => &s.recipient,
            Tpdu::StatusReport(r) => &r.recipient,
        }
    }

    pub fn concat(&self) -> Option<Concat> {
        match self {
            Tpdu::Deliver(d) => d.concat,
            Tpdu::Submit(s) => s.concat,
            Tpdu::StatusReport(_) => None,
        }
    }

    /// The readable text (for 8-bit data, a hex rendering; for a status
    /// report, its outcome).
    pub fn text(&self) -> String {
        match self {
            Tpdu::Deliver(d) => d.body.text(),
            Tpdu::Submit(s) => s.body.text(),
            Tpdu::StatusReport(r) => r.summary(),
        }
    }
}

/// Decodes a PDU as `+CMGL`/`+CMGR` print it: SMSC address first, then the
/// TPDU (`0791…`, or `00…` when the SMSC is the modem's default).
pub fn decode_hex(hex: &str) -> Result<Tpdu, PduError> {
    let bytes = from_hex(hex)?;
    decode(&bytes)
}

/// [`decode_hex`] on octets.
pub fn decode(bytes: &[u8]) -> Result<Tpdu, PduError> {
    let mut r = Reader::new(bytes);
    let smsc = address::read_smsc(&mut r)?;
    let first = r.peek("first octet")?;
    // TP-MTI (23.040 §9.2.3.1), MS-side view: 00 DELIVER, 01 SUBMIT, 10 STATUS-REPORT.
    match first & 0x03 {
        0b00 => deliver::read_deliver(&mut r, smsc).map(Tpdu::Deliver),
        0b01 => submit::read_submit(&mut r, smsc).map(Tpdu::Submit),
        0b10 => deliver::read_status_report(&mut r, smsc).map(Tpdu::StatusReport),
        _ => Err(invalid("TP-MTI", "reserved message type 3")),
    }
}

/// Hex text to octets; odd length or a non-hex digit is an error.
pub fn from_hex(hex: &str) -> Result<Vec<u8>, PduError> {
    let hex = hex.trim();
    if hex.len() % 2 != 0 {
        return Err(PduError::NotHex("odd number of hex digits"));
    }
    hex.as_bytes()
        .chunks(2)
        .map(|c| {
            std::str::from_utf8(c)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
                .ok_or(PduError::NotHex("a character is not a hex digit"))
        })
        .collect()
}

/// Octets to upper-case hex, as modems print and expect them.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// A bounds-checked cursor over the PDU octets.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    pub(crate) fn peek(&self, what: &'static str) -> Result<u8, PduError> {
        self.bytes
            .get(self.pos)
            .copied()
            .ok_or(PduError::Truncated {
                what,
                at: self.pos,
                need: 1,
            })
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, PduError> {
        let b = self.peek(what)?;
        self.pos += 1;
        Ok(b)
    }

    pub(crate) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], PduError> {
        let left = self.bytes.len() - self.pos;
        if n > left {
            return Err(PduError::Truncated {
                what,
                at: self.pos,
                need: n - left,
            });
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
}

#[cfg(test)]
mod tests;
