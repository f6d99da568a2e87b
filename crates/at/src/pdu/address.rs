//! Addresses: TP-OA/TP-DA/TP-RA (3GPP TS 23.040 §9.1.2.5) and the SMSC
//! address in front of the TPDU (TS 24.011 §8.2.5.1, as 27.005 prints it).

use super::{gsm7, invalid, PduError, Reader};

/// The type of number (TON, bits 6..4 of the type-of-address octet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressKind {
    International,
    National,
    /// A sender name like `InternetSMS` (TON 101, GSM-7 packed).
    Alphanumeric,
    Other,
}

/// A phone number (with `+` when international) or a sender name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Address {
    pub number: String,
    pub kind: AddressKind,
}

const TON_INTERNATIONAL: u8 = 0x91;
const TON_UNKNOWN: u8 = 0x81;

fn kind(type_octet: u8) -> AddressKind {
    match (type_octet >> 4) & 0x07 {
        1 => AddressKind::International,
        2 => AddressKind::National,
        5 => AddressKind::Alphanumeric,
        _ => AddressKind::Other,
    }
}

/// Semi-octet digits, low nibble first; 0xF is the filler (23.040 §9.1.2.3).
fn digits(octets: &[u8], count: usize) -> String {
    octets
        .iter()
        .flat_map(|b| [b & 0x0F, b >> 4])
        .take(count)
        .filter(|&d| d != 0x0F)
        .map(|d| match d {
            0..=9 => char::from(b'0' + d),
            0x0A => '*',
            0x0B => '#',
            0x0C => 'a',
            0x0D => 'b',
            _ => 'c',
        })
        .collect()
}

fn build(type_octet: u8, value: &[u8], semi_octets: usize) -> Address {
    let kind = kind(type_octet);
    let number = match kind {
        AddressKind::Alphanumeric => {
            let septets = semi_octets * 4 / 7;
            match gsm7::unpack(value, septets) {
                Some(s) => gsm7::decode(&s),
                None => String::new(),
            }
        }
        AddressKind::International => format!("+{}", digits(value, semi_octets)),
        _ => digits(value, semi_octets),
    };
    Address { number, kind }
}

/// TP-OA/TP-DA/TP-RA: the length counts useful semi-octets.
pub(crate) fn read(r: &mut Reader<'_>, what: &'static str) -> Result<Address, PduError> {
    let len = usize::from(r.u8(what)?);
    if len > 20 {
        return Err(invalid(what, format!("{len} digits (at most 20)")));
    }
    let type_octet = r.u8(what)?;
    let value = r.take(len.div_ceil(2), what)?;
    Ok(build(type_octet, value, len))
}

/// The SMSC address: the length counts octets, type included; 0 means the
/// modem's default SMSC.
pub(crate) fn read_smsc(r: &mut Reader<'_>) -> Result<Option<Address>, PduError> {
    let len = usize::from(r.u8("SMSC address")?);
    if len == 0 {
        return Ok(None);
    }
    if len > 11 {
        return Err(invalid(
            "SMSC address",
            format!("{len} octets (at most 11)"),
        ));
    }
    let type_octet = r.u8("SMSC address")?;
    let value = r.take(len - 1, "SMSC address")?;
    Ok(Some(build(type_octet, value, (len - 1) * 2)))
}

/// Digits (with an optional leading `+`) to the type octet and semi-octets.
fn encode_digits(number: &str, what: &'static str) -> Result<(u8, Vec<u8>, usize), PduError> {
    let (ton, digits) = match number.strip_prefix('+') {
        Some(d) => (TON_INTERNATIONAL, d),
        None => (TON_UNKNOWN, number),
    };
    if digits.is_empty() || digits.len() > 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PduError::Unsendable {
            what,
            why: format!(
                "{number:?} is not 1 to 20 digits with an optional leading + (example: +4915112345678)"
            ),
        });
    }
    let nibbles: Vec<u8> = digits.bytes().map(|b| b - b'0').collect();
    let octets = nibbles
        .chunks(2)
        .map(|c| match c {
            [lo, hi] => lo | hi << 4,
            [lo] => lo | 0xF0,
            _ => 0xFF,
        })
        .collect();
    Ok((ton, octets, digits.len()))
}

/// TP-DA for `number` (digits, optional `+`).
pub fn encode(number: &str) -> Result<Vec<u8>, PduError> {
    let (ton, octets, count) = encode_digits(number, "the recipient number")?;
    // count ≤ 20 was checked.
    let mut out = vec![count as u8, ton];
    out.extend(octets);
    Ok(out)
}

/// The SMSC field for `number`, or `00` (the modem's default) for `None`.
pub fn encode_smsc(number: Option<&str>) -> Result<Vec<u8>, PduError> {
    let Some(number) = number else {
        return Ok(vec![0]);
    };
    let (ton, octets, _) = encode_digits(number, "the SMSC number")?;
    if octets.len() > 10 {
        return Err(PduError::Unsendable {
            what: "the SMSC number",
            why: format!("{number:?} is longer than 20 digits"),
        });
    }
    let mut out = vec![octets.len() as u8 + 1, ton];
    out.extend(octets);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected octets from ModemManager src/tests/test-sms-part-3gpp.c
    // (test_address_encode_*).
    #[test]
    fn encodes_like_modemmanager() {
        assert_eq!(
            encode_smsc(Some("+19037029920")).unwrap(),
            [0x07, 0x91, 0x91, 0x30, 0x07, 0x92, 0x29, 0xF0]
        );
        assert_eq!(
            encode_smsc(Some("9037029920")).unwrap(),
            [0x06, 0x81, 0x09, 0x73, 0x20, 0x99, 0x02]
        );
        assert_eq!(
            encode("+19037029920").unwrap(),
            [0x0B, 0x91, 0x91, 0x30, 0x07, 0x92, 0x29, 0xF0]
        );
        assert_eq!(
            encode("9037029920").unwrap(),
            [0x0A, 0x81, 0x09, 0x73, 0x20, 0x99, 0x02]
        );
        assert!(encode("+1\r\nAT").is_err());
        assert!(encode("+").is_err());
        assert!(encode(&"1".repeat(21)).is_err());
    }

    #[test]
    fn reads_back_what_it_writes() {
        let bytes = encode("+4915112345678").unwrap();
        let a = read(&mut Reader::new(&bytes), "TP-DA").unwrap();
        assert_eq!(a.number, "+4915112345678");
        assert_eq!(a.kind, AddressKind::International);
        assert!(read(&mut Reader::new(&bytes[..4]), "TP-DA").is_err());
        assert!(read(&mut Reader::new(&[0x30, 0x91]), "TP-DA").is_err());
    }
}
