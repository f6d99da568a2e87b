//! `^SETPORT`: the persistent USB composition of Huawei sticks (E3372 family).
//! Source: Huawei's own `AT_CMD_PORT` documentation, summarised in
//! `reference/usb_modeswitch.md` §5c.

use crate::parse::{lines, strip_prefix, unquote, ParseError, Result};
use std::fmt;

/// Function codes and what they are, from the `AT^SETPORT=?` output of
/// LTE-generation firmware.
const FUNCTIONS: [(&str, &str); 14] = [
    ("A1", "CDROM"),
    ("A2", "SD"),
    ("A3", "RNDIS"),
    ("A", "BLUE TOOTH"),
    ("1", "3G MODEM"),
    ("2", "3G PCUI"),
    ("3", "3G DIAG"),
    ("5", "3G GPS"),
    ("10", "4G MODEM"),
    ("12", "4G PCUI"),
    ("13", "4G DIAG"),
    ("14", "4G GPS"),
    ("16", "NCM"),
    ("FF", "no pre-switch composition"),
];

/// The function behind a code, e.g. `12` → `4G PCUI`.
pub fn function_name(code: &str) -> Option<&'static str> {
    FUNCTIONS
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map(|&(_, name)| name)
}

/// A composition: `<before>;<after>`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SetportConfig {
    /// Functions shown before the mode switch (the ZeroCD stage); `None` for
    /// `FF`: no pre-switch stage, so the stick needs no switching at all.
    pub before: Option<Vec<String>>,
    /// Functions after the switch, in order, e.g. `["12", "10", "16"]`.
    pub after: Vec<String>,
}

fn codes(list: &str) -> Option<Vec<String>> {
    list.split(',')
        .map(|c| {
            let c = c.trim();
            let ok = (1..=2).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_hexdigit());
            ok.then(|| c.to_ascii_uppercase())
        })
        .collect()
}

/// `^SETPORT?` (Huawei AT spec): `^SETPORT:A1,A2;12,10,16,A1,A2` (maybe quoted).
pub fn parse_setport_read(body: &str) -> Result<SetportConfig> {
    let err = |why: &str| ParseError::new("^SETPORT", why, body);
    let rest = lines(body)
        .find_map(|l| strip_prefix(l, "^SETPORT"))
        .ok_or_else(|| err("missing prefix"))?;
    let (before, after) = unquote(rest)
        .split_once(';')
        .ok_or_else(|| err("expected <before>;<after>"))?;
    let before = if before.trim().eq_ignore_ascii_case("FF") {
        None
    } else {
        Some(codes(before).ok_or_else(|| err("bad function code"))?)
    };
    let after = codes(after).ok_or_else(|| err("bad function code"))?;
    Ok(SetportConfig { before, after })
}

impl SetportConfig {
    /// Checks the rules the firmware enforces (it answers ERROR otherwise), and
    /// refuses a layout without PCUI, which would lock the user out of AT.
    pub fn validate(&self) -> std::result::Result<(), &'static str> {
        let known = |c: &String| function_name(c).is_some() && c != "FF";
        if let Some(before) = &self.before {
            if !before.iter().all(known) {
                return Err("unknown function code before the switch");
            }
            match before.as_slice() {
                [first, rest @ ..] if first == "A1" && rest.iter().all(|c| c == "A2") => {}
                _ => return Err("the pre-switch stage must be A1 (CD-ROM), optionally A2"),
            }
        }
        if !self.after.iter().all(known) {
            return Err("unknown function code after the switch");
        }
        if !self.after.iter().any(|c| c == "12" || c == "2") {
            return Err("the layout must keep a PCUI port (12), or AT control is lost");
        }
        // No duplicates within a half (A1/A2 legitimately appear in both).
        for half in self.before.iter().chain(std::iter::once(&self.after)) {
            if half.iter().enumerate().any(|(i, c)| half[..i].contains(c)) {
                return Err("a function code appears twice");
            }
        }
        Ok(())
    }
}

impl fmt::Display for SetportConfig {
    /// The value for `AT^SETPORT="…"`, e.g. `FF;10,12`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.before {
            Some(b) => f.write_str(&b.join(","))?,
            None => f.write_str("FF")?,
        }
        write!(f, ";{}", self.after.join(","))
    }
}

/// `^SETPORT=?` (Huawei AT spec): one `<code>: <name>` per line, e.g. `12: 4G PCUI`.
pub fn parse_setport_test(body: &str) -> Result<Vec<(String, String)>> {
    let list: Vec<(String, String)> = lines(body)
        .filter_map(|l| {
            let l = strip_prefix(l, "^SETPORT").unwrap_or(l);
            let (code, name) = l.split_once(':')?;
            let code = codes(code)?.pop()?;
            Some((code, name.trim().to_string()))
        })
        .collect();
    if list.is_empty() {
        return Err(ParseError::new("^SETPORT", "no function codes", body));
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_forms() {
        let c = parse_setport_read("^SETPORT:A1,A2;12,10,16,A1,A2\r\n").unwrap();
        assert_eq!(c.before, Some(vec!["A1".into(), "A2".into()]));
        assert_eq!(c.after, ["12", "10", "16", "A1", "A2"]);
        assert_eq!(c.to_string(), "A1,A2;12,10,16,A1,A2");
        assert_eq!(c.validate(), Ok(()));
        let c = parse_setport_read("^SETPORT: \"FF;10,12\"").unwrap();
        assert_eq!(c.before, None);
        assert_eq!(c.to_string(), "FF;10,12");
        assert_eq!(c.validate(), Ok(()));
        assert!(parse_setport_read("^SETPORT: 12,10").is_err());
        assert!(parse_setport_read("^SETPORT: FF;1é").is_err());
    }

    #[test]
    fn validation() {
        let no_pcui = parse_setport_read("^SETPORT:FF;10,16").unwrap();
        assert!(no_pcui.validate().is_err());
        let dup = parse_setport_read("^SETPORT:FF;12,12").unwrap();
        assert!(dup.validate().is_err());
        let bad_before = parse_setport_read("^SETPORT:A2;12").unwrap();
        assert!(bad_before.validate().is_err());
    }

    #[test]
    fn test_list() {
        let body = "^SETPORT:A1: CDROM\r\nA2: SD\r\n12: 4G PCUI\r\n16: NCM\r\nFF: NULL";
        let l = parse_setport_test(body).unwrap();
        assert_eq!(l[0], ("A1".into(), "CDROM".into()));
        assert_eq!(l[2], ("12".into(), "4G PCUI".into()));
        assert_eq!(l.len(), 5);
        assert_eq!(function_name("a1"), Some("CDROM"));
    }
}
