//! Unsolicited result codes (URCs): lines a modem sends on its own.
//!
//! A URC can arrive at any time, including between the info lines and the
//! final result of a command's response, so the framer must recognise them by
//! name. The table below is data: 3GPP TS 27.007 / 27.005 unsolicited forms
//! plus the Huawei `^` notifications their AT specification lists (and that
//! ModemManager's Huawei plugin handles or swallows), and the ZTE ones.

use serde::Serialize;

/// How a URC is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// One line.
    Line,
    /// A header line followed by one body line (the PDU of `+CMT`, `+CDS`, `+CBM`).
    WithBody,
}

/// Known URC names. Matching is on the text before the first `:` (or the whole
/// line for `RING`), case-insensitive.
const URCS: &[(&str, Shape)] = &[
    // 3GPP TS 27.007
    ("RING", Shape::Line),      // V.250 §6.3.4 / 27.007 §6.11 without +CRC
    ("+CRING", Shape::Line),    // 27.007 §6.11
    ("+CLIP", Shape::Line),     // 27.007 §7.6
    ("+CCWA", Shape::Line),     // 27.007 §7.12
    ("+CREG", Shape::Line),     // 27.007 §7.2, <n>=1/2
    ("+CGREG", Shape::Line),    // 27.007 §10.1.20
    ("+CEREG", Shape::Line),    // 27.007 §10.1.22
    ("+C5GREG", Shape::Line),   // 27.007 §10.1.56
    ("+CUSD", Shape::Line),     // 27.007 §7.15
    ("+CIEV", Shape::Line),     // 27.007 §8.10
    ("+CGEV", Shape::Line),     // 27.007 §10.1.19
    ("+CTZV", Shape::Line),     // 27.007 §8.41
    ("+CTZE", Shape::Line),     // 27.007 §8.41
    ("+CUSATP", Shape::Line),   // 27.007 §12.2.3
    ("+CUSATEND", Shape::Line), // 27.007 §12.2.3
    // 3GPP TS 27.005 §3.4.1 (new message indications)
    ("+CMTI", Shape::Line),
    ("+CMT", Shape::WithBody),
    ("+CDSI", Shape::Line),
    ("+CDS", Shape::WithBody),
    ("+CBMI", Shape::Line),
    ("+CBM", Shape::WithBody),
    // Huawei notifications (Huawei AT interface specification, "unsolicited reports")
    ("^RSSI", Shape::Line),
    ("^HCSQ", Shape::Line),
    ("^MODE", Shape::Line),
    ("^BOOT", Shape::Line),
    ("^DSFLOWRPT", Shape::Line),
    ("^SRVST", Shape::Line),
    ("^SIMST", Shape::Line),
    ("^NDISSTAT", Shape::Line),
    ("^NDISEND", Shape::Line),
    ("^RFSWITCH", Shape::Line),
    ("^CEND", Shape::Line),
    ("^ORIG", Shape::Line),
    ("^CONF", Shape::Line),
    ("^CONN", Shape::Line),
    ("^CONNECT", Shape::Line),
    ("^DDTMF", Shape::Line),
    ("^SYSSTART", Shape::Line),
    ("^STIN", Shape::Line),
    ("^CSNR", Shape::Line),
    ("^DSDORMANT", Shape::Line),
    ("^PDPDEACT", Shape::Line),
    ("^POSITION", Shape::Line),
    ("^POSEND", Shape::Line),
    ("^ECCLIST", Shape::Line),
    ("^LTERSRP", Shape::Line),
    ("^CSCHANNELINFO", Shape::Line),
    ("^CCALLSTATE", Shape::Line),
    ("^EONS", Shape::Line),
    ("^LWURC", Shape::Line),
    ("^NWTIME", Shape::Line),
    ("^ACTIVEBAND", Shape::Line),
    ("^SMMEMFULL", Shape::Line),
    // ZTE
    ("+ZPASR", Shape::Line),
    ("+ZUSIMR", Shape::Line),
    ("+ZDONR", Shape::Line),
    ("+ZEND", Shape::Line),
    ("+ZSTR", Shape::Line),
];

/// One unsolicited message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Urc {
    /// Upper-case name as in the table: `^RSSI`, `+CREG`, `RING`.
    pub name: String,
    /// The whole line as received.
    pub line: String,
    /// The second line of two-line URCs (`+CMT`'s PDU).
    pub body: Option<String>,
}

impl Urc {
    /// The text after `NAME:`, trimmed (`"15"` for `^RSSI:15`).
    pub fn value(&self) -> &str {
        match self.line.find(':') {
            Some(i) => self.line[i + 1..].trim(),
            None => "",
        }
    }
}

/// The name part of a line: text before `:`, upper-cased, when the line
/// starts with `+` or `^`; `None` for plain text.
pub fn line_name(line: &str) -> Option<String> {
    let l = line.trim_start();
    if !l.starts_with(['+', '^']) {
        return None;
    }
    let end = l.find(':').unwrap_or(l.len());
    Some(l[..end].trim_end().to_ascii_uppercase())
}

/// Look a line up in the URC table. Returns the URC name and whether a body
/// line follows.
pub(crate) fn classify(line: &str) -> Option<(String, bool)> {
    let name = match line_name(line) {
        Some(n) => n,
        None => {
            let t = line.trim();
            if t.eq_ignore_ascii_case("RING") {
                return Some(("RING".to_string(), false));
            }
            return None;
        }
    };
    URCS.iter()
        .find(|(n, _)| *n == name)
        .map(|(n, shape)| (n.to_string(), *shape == Shape::WithBody))
}

/// Is this line a known unsolicited message?
pub fn is_urc(line: &str) -> bool {
    classify(line).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_urcs_are_recognised() {
        for l in [
            "^RSSI:15",
            "^HCSQ:\"LTE\",30,19,66,0",
            "^MODE:5,4",
            "^BOOT:20952859,0,0,0,72",
            "^DSFLOWRPT:0000000C,00000000,00000000,0000000000000000,0000000000000000,0003E800,0003E800",
            "^SRVST:2",
            "^SIMST:1",
            "^NDISSTAT:1,,,\"IPV4\"",
            "^RFSWITCH:1,1",
            "^CEND:1,0,104,16",
            "^ORIG:1,0",
            "^CONF:1",
            "^CONN:1,0",
            "^SYSSTART",
            "+CREG: 1,\"00C3\",\"0000F1A2\",2",
            "+CGREG: 5",
            "+CEREG: 1,\"1A2B\",\"01A2B3C4\",7",
            "RING",
            "+CMTI: \"SM\",3",
            "+CUSD: 0,\"Balance 5 EUR\",15",
            "+CLIP: \"+491701234567\",145,,,,0",
        ] {
            assert!(is_urc(l), "{l}");
        }
    }

    #[test]
    fn responses_are_not_urcs() {
        for l in [
            "+CSQ: 15,99",
            "OK",
            "huawei",
            "^SYSINFO:2,3,0,5,1",
            "+COPS: 0,0,\"POST\",7",
        ] {
            assert!(!is_urc(l), "{l}");
        }
    }

    #[test]
    fn value_is_text_after_colon() {
        let (name, body) = classify("+CMT: ,24").unwrap();
        assert_eq!((name.as_str(), body), ("+CMT", true));
        let u = Urc {
            name: "^RSSI".into(),
            line: "^RSSI: 15 ".into(),
            body: None,
        };
        assert_eq!(u.value(), "15");
    }
}
