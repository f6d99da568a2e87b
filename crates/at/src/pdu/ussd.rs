//! USSD (3GPP TS 27.007 §7.15 `+CUSD`, TS 23.038 §5 CBS data coding).
//!
//! Many Huawei sticks (E1550, E173, E3131 in "old" `^USSDMODE=0`) take the
//! code and give the reply as packed GSM-7 in hex with `<dcs>` 15; other
//! firmware uses plain text. Both are handled here.

use super::{from_hex, gsm7, to_hex, ucs2};
use crate::parse::charset::decode_ucs2_hex;

/// The longest USSD string a network takes (TS 24.080: 160 octets of
/// packed GSM-7 = 182 characters).
pub const MAX_CODE_LEN: usize = 182;

/// A USSD code as a user types it: digits, `*`, `#`, `+`. Nothing else can
/// reach the modem, so no quote or CR can end the AT command early.
pub fn validate_code(code: &str) -> Result<(), String> {
    if code.is_empty() {
        return Err("the USSD code is empty (example: *100#)".into());
    }
    if code.len() > MAX_CODE_LEN {
        return Err(format!(
            "the USSD code is {} characters; at most {MAX_CODE_LEN}",
            code.len()
        ));
    }
    if let Some(c) = code
        .chars()
        .find(|c| !matches!(c, '0'..='9' | '*' | '#' | '+'))
    {
        return Err(format!(
            "the USSD code has {c:?}: only digits, *, # and + are allowed (example: *100#)"
        ));
    }
    Ok(())
}

/// `*100#` → `AA180C3602`: the code packed as GSM-7, in hex. When the
/// last octet would have 7 spare bits, they carry a CR, not zeros that read
/// as `@` (23.038 §6.1.2.3.1).
pub fn pack_code(code: &str) -> String {
    let mut septets = gsm7::encode(code).unwrap_or_default();
    if septets.len() % 8 == 7 {
        septets.push(0x0D);
    }
    to_hex(&gsm7::pack(&septets, 0))
}

/// The alphabet of a USSD `<dcs>` (CBS data coding scheme, 23.038 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UssdCoding {
    Gsm7,
    EightBit,
    Ucs2,
}

pub fn coding(dcs: u8) -> UssdCoding {
    let alphabet = |bits: u8| match (bits >> 2) & 0x03 {
        1 => UssdCoding::EightBit,
        2 => UssdCoding::Ucs2,
        _ => UssdCoding::Gsm7,
    };
    match dcs >> 4 {
        // 0001 0001: UCS-2 preceded by a language indication.
        0x1 if dcs & 0x0F == 0x01 => UssdCoding::Ucs2,
        0x4..=0x7 | 0x9 => alphabet(dcs),
        0xF if dcs & 0x04 != 0 => UssdCoding::EightBit,
        _ => UssdCoding::Gsm7,
    }
}

/// The text of a `+CUSD` reply string given its `<dcs>`.
pub fn decode_reply(s: &str, dcs: Option<u8>) -> String {
    let coding = dcs.map_or(UssdCoding::Gsm7, coding);
    let is_hex = !s.is_empty() && s.len() % 2 == 0 && s.bytes().all(|b| b.is_ascii_hexdigit());
    match coding {
        UssdCoding::Ucs2 => decode_ucs2_hex(s)
            .or_else(|| from_hex(s).ok().map(|b| ucs2::decode(&b)))
            .unwrap_or_else(|| s.to_string()),
        UssdCoding::Gsm7 if is_hex => unpack_reply(s).unwrap_or_else(|| s.to_string()),
        _ => s.to_string(),
    }
}

/// Packed GSM-7 hex to text, or `None` if the result is not text (the
/// string was plain text that happened to look like hex).
fn unpack_reply(hex: &str) -> Option<String> {
    let octets = from_hex(hex).ok()?;
    let count = octets.len() * 8 / 7;
    let mut septets = gsm7::unpack(&octets, count)?;
    // 7 spare bits at the end: a padding CR (or zeros from firmware that
    // does not follow 23.038 §6.1.2.3.1), not a character.
    if octets.len() * 8 % 7 == 0 && matches!(septets.last(), Some(0x0D | 0x00)) {
        septets.pop();
    }
    let text = gsm7::decode(&septets);
    let printable = text
        .chars()
        .all(|c| !c.is_control() || c == '\n' || c == '\r');
    printable.then_some(text)
}

/// `+CUSD: <m>[,<str>[,<dcs>]]`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Cusd {
    /// 0 done, 1 the network waits for an answer, 2 ended by the network,
    /// 3 answered by another client, 4 not supported, 5 network time-out.
    pub status: u8,
    pub raw: Option<String>,
    pub dcs: Option<u8>,
    /// The decoded reply.
    pub text: Option<String>,
}

impl Cusd {
    pub fn status_text(&self) -> &'static str {
        match self.status {
            0 => "done",
            1 => "the network waits for your answer",
            2 => "ended by the network",
            3 => "answered by another client",
            4 => "not supported by the network",
            5 => "network time-out",
            _ => "unknown status",
        }
    }
}

/// Reads a `+CUSD:` line (the URC that carries the reply).
pub fn parse_cusd(line: &str) -> Option<Cusd> {
    let rest = line.trim();
    let rest = rest
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case("+CUSD:"))
        .map(|_| rest[6..].trim())?;
    let (status, rest) = match rest.split_once(',') {
        Some((m, r)) => (m.trim(), Some(r)),
        None => (rest, None),
    };
    let status = status.parse().ok()?;
    let (raw, dcs) = match rest {
        None => (None, None),
        Some(r) => {
            let r = r.trim();
            // The string is quoted and may itself contain commas.
            let (s, tail) = match r.strip_prefix('"').and_then(|r| r.rsplit_once('"')) {
                Some((s, tail)) => (s.to_string(), tail),
                None => match r.rsplit_once(',') {
                    Some((s, tail)) => (s.to_string(), tail),
                    None => (r.to_string(), ""),
                },
            };
            let dcs = tail.trim().trim_start_matches(',').trim().parse().ok();
            (Some(s), dcs)
        }
    };
    let text = raw.as_deref().map(|s| decode_reply(s, dcs));
    Some(Cusd {
        status,
        raw,
        dcs,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_validated() {
        assert!(validate_code("*100#").is_ok());
        assert!(validate_code("*101*1*+4912345#").is_ok());
        assert!(validate_code("").is_err());
        assert!(validate_code("*100#\"\r\nAT+CFUN=0").is_err());
        assert!(validate_code("*100#\u{1a}").is_err());
        assert!(validate_code(&"1".repeat(183)).is_err());
    }

    #[test]
    fn packs_codes_like_huawei_tools() {
        // `*100#` → AA180C3602 is what Huawei users type (e.g. the Go
        // Huawei driver tests and marcin-chwedczuk/_blog's E3131 post);
        // `*#100#` → AA510C061B01 from a Python Huawei driver's comment.
        assert_eq!(pack_code("*100#"), "AA180C3602");
        assert_eq!(pack_code("*#100#"), "AA510C061B01");
        // 7 characters: the spare 7 bits carry a CR (0x0D << 1 = 0x1A).
        assert_eq!(pack_code("1234567"), "31D98C56B3DD1A");
    }

    #[test]
    fn huawei_dcs15_reply() {
        // Real E3131 log: marcin-chwedczuk/_blog (post "AT commands …"),
        // reply to AT+CUSD=1,"AA180C3602",15 from Plus (Poland).
        let line = "+CUSD: 0,\"C135BD1E66BBF3A0393DEC06ADDF6E7A1844668741EE7ABB2CAF8368B85C2E97CBE572B91C48078AB160301094E97481966F37FD0DBA87F5EE3288FC0691DDE93048866BC1722D192C9603C5623A1A4D378301\",15";
        let c = parse_cusd(line).unwrap();
        assert_eq!((c.status, c.dcs), (0, Some(15)));
        assert_eq!(
            c.text.as_deref(),
            Some("Aktualny stan konta dla numeru 48999999999 : 1,00 PLN. Konto wazne do dnia 28-09-2019 11:44:30")
        );
    }

    #[test]
    fn plain_text_and_ucs2_replies() {
        // Plain text with dcs 15, as ZTE and newer Huawei firmware answer.
        let c = parse_cusd("+CUSD: 0,\"Credito 5,20 EUR\",15").unwrap();
        assert_eq!(c.text.as_deref(), Some("Credito 5,20 EUR"));
        // dcs 72 (0x48): UCS-2 hex, as SIM7600 answers.
        let c = parse_cusd("+CUSD: 0,\"04110430043B0430043D0441\",72").unwrap();
        assert_eq!(c.text.as_deref(), Some("Баланс"));
        let c = parse_cusd("+CUSD: 2").unwrap();
        assert_eq!((c.status, c.text), (2, None));
        assert_eq!(parse_cusd("+CREG: 1"), None);
        assert_eq!(parse_cusd("+CUSD: x"), None);
    }
}
