//! Identity queries: manufacturer, model, revision, IMEI, IMSI, ICCID, `^FHVER`.

use super::{lines, prefixed_or_bare, strip_prefix, unquote, ParseError, Result};

/// Free text of an identification command, without its optional prefix and quotes;
/// several lines are joined with a space.
fn info_text(body: &str, command: &'static str, prefixes: &[&str]) -> Result<String> {
    let parts: Vec<&str> = lines(body)
        .map(|l| {
            let l = prefixes
                .iter()
                .find_map(|p| strip_prefix(l, p))
                .unwrap_or(l);
            unquote(l)
        })
        .filter(|l| !l.is_empty())
        .collect();
    if parts.is_empty() {
        return Err(ParseError::new(command, "empty response", body));
    }
    Ok(parts.join(" "))
}

/// `+CGMI` (3GPP TS 27.007 §5.1) / `+GMI` (V.250): manufacturer, e.g. `huawei`.
pub fn parse_manufacturer(body: &str) -> Result<String> {
    info_text(body, "+CGMI", &["+CGMI", "+GMI"])
}

/// `+CGMM` (TS 27.007 §5.2) / `+GMM`: model, e.g. `E3372`.
pub fn parse_model(body: &str) -> Result<String> {
    info_text(body, "+CGMM", &["+CGMM", "+GMM"])
}

/// `+CGMR` (TS 27.007 §5.3) / `+GMR`: firmware revision, e.g. `21.180.01.00.00`.
pub fn parse_revision(body: &str) -> Result<String> {
    info_text(body, "+CGMR", &["+CGMR", "+GMR"])
}

/// `+CGSN` (TS 27.007 §5.4) / `+GSN`: the IMEI, exactly 15 digits.
pub fn parse_imei(body: &str) -> Result<String> {
    let text = info_text(body, "+CGSN", &["+CGSN", "+GSN"])?;
    if text.len() == 15 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text)
    } else {
        Err(ParseError::new("+CGSN", "an IMEI is 15 digits", body))
    }
}

/// `+CIMI` (TS 27.007 §5.6): the IMSI, 6 to 15 digits (TS 23.003 §2.2).
pub fn parse_imsi(body: &str) -> Result<String> {
    let text = info_text(body, "+CIMI", &["+CIMI"])?;
    if (6..=15).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text)
    } else {
        Err(ParseError::new("+CIMI", "an IMSI is 6 to 15 digits", body))
    }
}

/// The SIM card's ICCID from Huawei `^ICCID`, `+CCID` or `+ICCID` (vendor
/// commands; none is in TS 27.007).
///
/// Trailing `F` padding nibbles are dropped. The ICCID is read from the SIM as
/// BCD with swapped nibbles; some firmware prints it without swapping them back.
/// Every ICCID starts with the telecom industry identifier 89 (ITU-T E.118), so
/// a value starting with `98` is the swapped form and is swapped back.
pub fn parse_iccid(body: &str) -> Result<String> {
    let raw = info_text(body, "^ICCID", &["^ICCID", "+CCID", "+ICCID"])?;
    let err = |why: &str| ParseError::new("^ICCID", why, body);
    if !raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(err("an ICCID is digits with optional F padding"));
    }
    let raw = raw.to_ascii_uppercase();
    let unswapped = if raw.starts_with("98") && raw.len() % 2 == 0 {
        raw.as_bytes()
            .chunks(2)
            .flat_map(|p| p.iter().rev())
            .map(|&b| char::from(b))
            .collect()
    } else {
        raw
    };
    let iccid = unswapped.trim_end_matches('F');
    if !(18..=20).contains(&iccid.len()) || !iccid.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err("an ICCID is 18 to 20 digits"));
    }
    Ok(iccid.to_string())
}

/// Huawei `^FHVER`: firmware and hardware version in one quoted string,
/// `^FHVER:"E3372h-153 21.180.01.00.00,CL1E3372HM Ver.A"`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FirmwareHardwareVersion {
    /// Model and software version, e.g. `E3372h-153 21.180.01.00.00`.
    pub software: String,
    /// Board / hardware version, e.g. `CL1E3372HM Ver.A`, when the modem gives one.
    pub hardware: Option<String>,
}

/// Huawei `^FHVER` (Huawei AT command interface specification).
pub fn parse_fhver(body: &str) -> Result<FirmwareHardwareVersion> {
    let text = prefixed_or_bare(body, "^FHVER")
        .map(unquote)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ParseError::new("^FHVER", "empty response", body))?;
    let (software, hardware) = match text.split_once(',') {
        Some((s, h)) => (
            unquote(s),
            Some(unquote(h).to_string()).filter(|h| !h.is_empty()),
        ),
        None => (text, None),
    };
    Ok(FirmwareHardwareVersion {
        software: software.to_string(),
        hardware,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_lines() {
        assert_eq!(parse_manufacturer("huawei").unwrap(), "huawei");
        assert_eq!(parse_model("+CGMM: \"E3372\"\r\n").unwrap(), "E3372");
        assert_eq!(
            parse_imei("\r\n866123456789012\r\n").unwrap(),
            "866123456789012"
        );
        assert!(parse_imei("86612345678901").is_err());
        assert_eq!(
            parse_imsi("+CIMI: 255071234567890").unwrap(),
            "255071234567890"
        );
        assert!(parse_imsi("25507x").is_err());
        assert!(parse_manufacturer(" \r\n").is_err());
    }

    #[test]
    fn iccid_forms() {
        assert_eq!(
            parse_iccid("^ICCID: 89860318640220133897").unwrap(),
            "89860318640220133897"
        );
        // 19-digit ICCID padded to 20 nibbles with F.
        assert_eq!(
            parse_iccid("+CCID: \"8944110068256270054F\"").unwrap(),
            "8944110068256270054"
        );
        // Nibble-swapped as stored on the SIM (EF_ICCID), padding included.
        assert_eq!(
            parse_iccid("+ICCID: 984411008652260745F0").unwrap(),
            "8944110068256270540"
        );
        assert!(parse_iccid("^ICCID: 1234").is_err());
        assert!(parse_iccid("^ICCID: 8986éééé").is_err());
    }

    #[test]
    fn fhver() {
        let v = parse_fhver("^FHVER:\"E3372h-153 21.180.01.00.00,CL1E3372HM Ver.A\"").unwrap();
        assert_eq!(v.software, "E3372h-153 21.180.01.00.00");
        assert_eq!(v.hardware.as_deref(), Some("CL1E3372HM Ver.A"));
    }
}
