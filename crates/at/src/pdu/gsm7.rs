//! The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038
//! §6.2.1), and septet packing (§6.1.2.1).

use crate::parse::charset::GSM_DEFAULT;

/// Escape to the extension table (23.038 §6.2.1.1).
const ESC: u8 = 0x1B;

/// The extension table's characters every phone shows (23.038 §6.2.1.1).
const EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{0C}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// Septets to text. An escape followed by a code the extension table does
/// not have shows the default table's character (23.038 §6.2.1.1 note 1).
pub fn decode(septets: &[u8]) -> String {
    let mut out = String::with_capacity(septets.len());
    let mut it = septets.iter().map(|s| s & 0x7F);
    while let Some(s) = it.next() {
        if s != ESC {
            out.push(GSM_DEFAULT[usize::from(s)]);
            continue;
        }
        // A lone escape at the end has nothing to show.
        if let Some(e) = it.next() {
            match EXTENSION.iter().find(|(c, _)| *c == e) {
                Some((_, ch)) => out.push(*ch),
                None => out.push(GSM_DEFAULT[usize::from(e)]),
            }
        }
    }
    out
}

/// The septets for one character: one from the default table, two (escape
/// + code) from the extension table, `None` if GSM-7 cannot say it.
pub fn encode_char(c: char) -> Option<([u8; 2], usize)> {
    // 0x1B is the escape itself, never a character.
    if let Some(i) = GSM_DEFAULT
        .iter()
        .enumerate()
        .position(|(i, d)| *d == c && i != usize::from(ESC))
    {
        // The table has 128 entries: the index fits a septet.
        return Some(([i as u8, 0], 1));
    }
    EXTENSION
        .iter()
        .find(|(_, ch)| *ch == c)
        .map(|(code, _)| ([ESC, *code], 2))
}

/// Text to septets, or `None` if a character is not in the GSM alphabet.
pub fn encode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        let (s, n) = encode_char(c)?;
        out.extend_from_slice(&s[..n]);
    }
    Some(out)
}

/// How many septets `c` takes, if it fits.
pub fn septet_len(c: char) -> Option<usize> {
    encode_char(c).map(|(_, n)| n)
}

/// Packs septets into octets, starting `skip_bits` into the first octet
/// (the fill bits after a user data header, 23.040 §9.2.3.24).
pub fn pack(septets: &[u8], skip_bits: usize) -> Vec<u8> {
    let bits = skip_bits + septets.len() * 7;
    let mut out = vec![0u8; bits.div_ceil(8)];
    for (i, s) in septets.iter().enumerate() {
        for bit in 0..7 {
            if s >> bit & 1 == 1 {
                let at = skip_bits + i * 7 + bit;
                out[at / 8] |= 1 << (at % 8);
            }
        }
    }
    out
}

/// Unpacks `count` septets from `octets`, or `None` if the octets are too
/// few to hold them.
pub fn unpack(octets: &[u8], count: usize) -> Option<Vec<u8>> {
    if count * 7 > octets.len() * 8 {
        return None;
    }
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let mut s = 0u8;
        for bit in 0..7 {
            let at = i * 7 + bit;
            if octets[at / 8] >> (at % 8) & 1 == 1 {
                s |= 1 << bit;
            }
        }
        out.push(s);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_table_round_trip() {
        let text = "[{x}] ~ \\ | ^ € @£$ ΔΩ";
        let septets = encode(text).unwrap();
        // 9 extension characters take 2 septets each.
        assert_eq!(septets.len(), text.chars().count() + 9);
        assert_eq!(decode(&septets), text);
        assert_eq!(encode("日本"), None);
        assert_eq!(encode("a`b"), None);
    }

    #[test]
    fn unknown_escape_shows_the_default_character() {
        assert_eq!(decode(&[ESC, 0x41, ESC]), "A");
    }

    #[test]
    fn packing_matches_23_038_example() {
        // 23.038 §6.1.2.1.1: "hellohello" packs to E8329BFD4697D9EC37.
        let s = encode("hellohello").unwrap();
        let p = pack(&s, 0);
        assert_eq!(crate::pdu::to_hex(&p), "E8329BFD4697D9EC37");
        assert_eq!(unpack(&p, 10).unwrap(), s);
        assert_eq!(unpack(&p, 11), None);
    }
}
