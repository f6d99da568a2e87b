//! UCS-2 user data (3GPP TS 23.038 §6.2.3). Phones really send UTF-16: an
//! emoji arrives as a surrogate pair, so it is decoded as UTF-16BE.

/// UTF-16BE octets to text. A broken surrogate or an odd last octet becomes
/// U+FFFD: the rest of the message is still worth showing.
pub fn decode(octets: &[u8]) -> String {
    let units: Vec<u16> = octets
        .chunks(2)
        .map(|c| match c {
            [hi, lo] => u16::from_be_bytes([*hi, *lo]),
            _ => 0xFFFD,
        })
        .collect();
    String::from_utf16_lossy(&units)
}

/// Text to UTF-16BE octets.
pub fn encode(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrogate_pairs_and_broken_input() {
        let text = "тест 😀";
        let octets = encode(text);
        // The emoji takes two UTF-16 units: 5 + 2 units.
        assert_eq!(octets.len(), 14);
        assert_eq!(&octets[10..], &[0xD8, 0x3D, 0xDE, 0x00]);
        assert_eq!(decode(&octets), text);
        // A high surrogate alone, then an odd octet.
        assert_eq!(decode(&[0xD8, 0x3D, 0x00, 0x41, 0x00]), "\u{FFFD}A\u{FFFD}");
    }
}
