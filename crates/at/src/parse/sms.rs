//! Stored SMS in PDU mode: `+CMGL` and `+CMGR` (3GPP TS 27.005). The PDU itself
//! is returned as hex text; decoding it is the PDU codec's job.

use super::{is_decimal, lines, parse_dec, split_fields, strip_prefix, ParseError, Result};

/// `<stat>` of a stored message (TS 27.005 §3.1, PDU mode values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum SmsStatus {
    ReceivedUnread,
    ReceivedRead,
    StoredUnsent,
    StoredSent,
}

impl SmsStatus {
    pub fn from_code(code: u8) -> Option<SmsStatus> {
        Some(match code {
            0 => SmsStatus::ReceivedUnread,
            1 => SmsStatus::ReceivedRead,
            2 => SmsStatus::StoredUnsent,
            3 => SmsStatus::StoredSent,
            _ => return None,
        })
    }

    /// The PDU-mode number, 0–3.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// One stored message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredPdu {
    /// Storage index (`+CMGL` only; `+CMGR` was asked for an index already).
    pub index: Option<u32>,
    pub status: SmsStatus,
    /// `<length>`: TPDU length in octets (without the SMSC part).
    pub length: u32,
    /// The PDU as printed (hex). A truncated PDU is returned as it came.
    pub pdu: String,
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `<stat>,[<alpha>],<length>` with the alpha field optional (Pantech drops it).
fn header(command: &'static str, f: &[&str], line: &str) -> Result<(SmsStatus, u32)> {
    let err = |why: &str| ParseError::new(command, why, line);
    let (stat, length) = match f {
        [stat, length] | [stat, _, length] => (stat, length),
        _ => return Err(err("expected <stat>,[<alpha>],<length>")),
    };
    let status = parse_dec::<u8>(stat)
        .and_then(SmsStatus::from_code)
        .ok_or_else(|| err("bad <stat>"))?;
    let length = parse_dec(length).ok_or_else(|| err("bad <length>"))?;
    Ok((status, length))
}

/// `+CMGL` in PDU mode (3GPP TS 27.005 §3.4.2):
/// `+CMGL: <index>,<stat>,[<alpha>],<length>` then the PDU on the next line, repeated.
pub fn parse_cmgl_pdu(body: &str) -> Result<Vec<StoredPdu>> {
    let mut messages = Vec::new();
    let mut it = lines(body).peekable();
    while let Some(line) = it.next() {
        let Some(rest) = strip_prefix(line, "+CMGL") else {
            continue;
        };
        let f = split_fields(rest);
        let index = f
            .first()
            .and_then(|s| parse_dec(s))
            .ok_or_else(|| ParseError::new("+CMGL", "bad <index>", line))?;
        let (status, length) = header("+CMGL", &f[1..], line)?;
        let pdu = match it.peek() {
            Some(next) if is_hex(next) => it.next().unwrap_or_default(),
            _ => return Err(ParseError::new("+CMGL", "no PDU after the header", line)),
        };
        messages.push(StoredPdu {
            index: Some(index),
            status,
            length,
            pdu: pdu.to_string(),
        });
    }
    Ok(messages)
}

/// `+CMGR` in PDU mode (3GPP TS 27.005 §3.4.3): `+CMGR: <stat>,[<alpha>],<length>`
/// then the PDU, on the next line or (some firmware) after a space.
pub fn parse_cmgr_pdu(body: &str) -> Result<StoredPdu> {
    let mut it = lines(body);
    let err = |why: &str| ParseError::new("+CMGR", why, body);
    let rest = it
        .by_ref()
        .find_map(|l| strip_prefix(l, "+CMGR"))
        .ok_or_else(|| err("no +CMGR line"))?;
    let mut f = split_fields(rest);
    // "+CMGR: 1,,147 0791…": the PDU shares the line with <length>.
    let mut inline_pdu = None;
    if let Some(last) = f.last_mut() {
        if let Some((len, pdu)) = last.split_once(char::is_whitespace) {
            if is_decimal(len) {
                inline_pdu = Some(pdu.trim());
                *last = len;
            }
        }
    }
    let (status, length) = header("+CMGR", &f, rest)?;
    let pdu = inline_pdu
        .or_else(|| it.next())
        .filter(|p| is_hex(p))
        .ok_or_else(|| err("no PDU"))?;
    Ok(StoredPdu {
        index: None,
        status,
        length,
        pdu: pdu.to_string(),
    })
}

/// One message store of `+CPMS?`: its name, messages in it, its size.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Storage {
    pub name: String,
    pub used: u32,
    pub total: u32,
}

/// `+CPMS?` (3GPP TS 27.005 §3.2.2):
/// `+CPMS: <mem1>,<used1>,<total1>,<mem2>,<used2>,<total2>[,<mem3>,<used3>,<total3>]`.
/// The first is where `+CMGL`/`+CMGR`/`+CMGD` read and delete.
pub fn parse_cpms_read(body: &str) -> Result<Vec<Storage>> {
    let line = lines(body)
        .find_map(|l| strip_prefix(l, "+CPMS"))
        .ok_or_else(|| ParseError::new("+CPMS", "no +CPMS line", body))?;
    let f = split_fields(line);
    if f.len() < 3 || f.len() % 3 != 0 {
        return Err(ParseError::new(
            "+CPMS",
            "expected <mem>,<used>,<total> triples",
            line,
        ));
    }
    f.chunks(3)
        .map(|c| {
            let num =
                |s: &str| parse_dec(s).ok_or_else(|| ParseError::new("+CPMS", "bad count", line));
            Ok(Storage {
                name: c[0].trim_matches('"').to_string(),
                used: num(c[1])?,
                total: num(c[2])?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken() {
        assert!(parse_cmgl_pdu("+CMGL: 1,1,,20").is_err());
        assert!(parse_cmgl_pdu("+CMGL: 1,9,,20\r\n00").is_err());
        assert_eq!(parse_cmgl_pdu("").unwrap(), vec![]);
        assert!(parse_cmgr_pdu("+CMGR: 1,,20").is_err());
        assert!(parse_cmgr_pdu("+CMGR: 1,,20 xyz").is_err());
        let m = parse_cmgr_pdu("+CMGR: 2,,3\r\n0011AA").unwrap();
        assert_eq!(
            (m.status, m.length, m.pdu.as_str()),
            (SmsStatus::StoredUnsent, 3, "0011AA")
        );
    }

    #[test]
    fn cpms() {
        let st = parse_cpms_read("+CPMS: \"SM\",5,20,\"SM\",5,20,\"SM\",5,20").unwrap();
        assert_eq!(
            st[0],
            Storage {
                name: "SM".into(),
                used: 5,
                total: 20
            }
        );
        assert_eq!(st.len(), 3);
        // Two stores only (older firmware), and garbage.
        assert_eq!(
            parse_cpms_read("+CPMS: \"ME\",0,23,\"ME\",0,23")
                .unwrap()
                .len(),
            2
        );
        assert!(parse_cpms_read("+CPMS: \"SM\",x,20").is_err());
        assert!(parse_cpms_read("+CPMS: \"SM\",1").is_err());
        assert!(parse_cpms_read("OK").is_err());
    }
}
