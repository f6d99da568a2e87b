//! Decoding strings the modem prints in its current character set (`+CSCS`,
//! 3GPP TS 27.007 §5.5), e.g. operator names in `+COPS` replies.

/// The TE character set selected with `AT+CSCS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum Charset {
    /// `"IRA"` / `"UTF-8"`: the text is what it looks like.
    #[default]
    Ira,
    /// `"GSM"`: the GSM 7-bit default alphabet (3GPP TS 23.038 §6.2.1), one
    /// septet per byte, so a few ASCII positions mean other letters.
    Gsm,
    /// `"UCS2"`: every character as four hex digits (UTF-16 big-endian).
    Ucs2,
}

/// The GSM default alphabet (TS 23.038 table 6.2.1), indexed by septet.
/// 0x1B (escape to the extension table) is shown as a space.
pub(crate) const GSM_DEFAULT: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', ' ', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// Decodes `s` from `charset`. UCS2 text that is not valid hex (some firmware
/// prints numeric fields in plain digits whatever `+CSCS` says) is returned as is.
pub fn decode(s: &str, charset: Charset) -> String {
    match charset {
        Charset::Ira => s.to_string(),
        Charset::Gsm => s
            .chars()
            .map(|c| match u8::try_from(c) {
                Ok(b) if b < 0x80 => GSM_DEFAULT[usize::from(b)],
                _ => c,
            })
            .collect(),
        Charset::Ucs2 => decode_ucs2_hex(s).unwrap_or_else(|| s.to_string()),
    }
}

/// `"004D006F"` → `"Mo"`. `None` unless the text is whole UTF-16BE code units in hex.
pub fn decode_ucs2_hex(s: &str) -> Option<String> {
    if s.is_empty() || s.len() % 4 != 0 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let units: Option<Vec<u16>> = s
        .as_bytes()
        .chunks(4)
        .map(|c| {
            std::str::from_utf8(c)
                .ok()
                .and_then(|h| u16::from_str_radix(h, 16).ok())
        })
        .collect();
    String::from_utf16(&units?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gsm_and_ucs2() {
        assert_eq!(decode("AT&T@", Charset::Gsm), "AT&T¡");
        assert_eq!(decode("AT&T@", Charset::Ira), "AT&T@");
        assert_eq!(decode("004D006F", Charset::Ucs2), "Mo");
        assert_eq!(decode("21407", Charset::Ucs2), "21407");
        assert_eq!(decode_ucs2_hex("D800"), None);
    }
}
