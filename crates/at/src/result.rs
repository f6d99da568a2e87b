//! Final result codes: how a modem says a command is finished.
//!
//! ITU-T V.250 §5.7.1 defines the basic codes (`OK`, `CONNECT`, `ERROR`,
//! `NO CARRIER`, `BUSY`, `NO ANSWER`, `NO DIALTONE`); 3GPP TS 27.007 §9.2 adds
//! `+CME ERROR: <err>` and TS 27.005 §3.2.5 `+CMS ERROR: <err>`. Huawei firmware
//! also ends unknown commands with `COMMAND NOT SUPPORT`, and Motorola EZX phones
//! with `MODEM ERROR: <n>`.

use serde::Serialize;
use std::fmt;

/// The value of a `+CME ERROR`/`+CMS ERROR`: numeric with `+CMEE=1`, verbose
/// text with `+CMEE=2`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ErrorCode {
    Numeric(u16),
    Text(String),
}

impl ErrorCode {
    fn parse(value: &str) -> ErrorCode {
        let v = value.trim();
        match v.parse::<u16>() {
            Ok(n) => ErrorCode::Numeric(n),
            Err(_) => ErrorCode::Text(v.to_string()),
        }
    }
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "result", content = "value")]
pub enum FinalResult {
    Ok,
    /// `CONNECT` with the optional rate text (`CONNECT 7200000`): the port is now in data mode.
    Connect(Option<String>),
    /// The `> ` prompt after `+CMGS`/`+CMGW`: the modem waits for the PDU and Ctrl-Z.
    Prompt,
    Error,
    CommandNotSupported,
    Cme(ErrorCode),
    Cms(ErrorCode),
    ModemError(u16),
    NoCarrier,
    Busy,
    NoAnswer,
    NoDialtone,
}

impl FinalResult {
    /// Recognise a final result in one response line (without its CR/LF).
    ///
    /// Edge cases follow what real modems send and ModemManager's tests pin:
    /// `+CME ERROR:` with nothing after the colon is not final (some firmware
    /// breaks the line there), but `+CME ERROR: ` with a trailing space is;
    /// `MODEM ERROR:` counts only with a number.
    pub fn from_line(line: &str) -> Option<FinalResult> {
        let l = line.trim_start_matches([' ', '\t']);
        let upper = l.trim_end().to_ascii_uppercase();
        match upper.as_str() {
            "OK" => return Some(FinalResult::Ok),
            "ERROR" => return Some(FinalResult::Error),
            "COMMAND NOT SUPPORT" => return Some(FinalResult::CommandNotSupported),
            "NO CARRIER" => return Some(FinalResult::NoCarrier),
            "BUSY" => return Some(FinalResult::Busy),
            "NO ANSWER" => return Some(FinalResult::NoAnswer),
            "NO DIALTONE" | "NO DIAL TONE" => return Some(FinalResult::NoDialtone),
            "CONNECT" => return Some(FinalResult::Connect(None)),
            _ => {}
        }
        if let Some(rate) = strip_prefix_ci(l, "CONNECT ") {
            return Some(FinalResult::Connect(Some(rate.trim().to_string())));
        }
        if let Some(v) = strip_prefix_ci(l, "+CME ERROR:") {
            return (!v.is_empty()).then(|| FinalResult::Cme(ErrorCode::parse(v)));
        }
        if let Some(v) = strip_prefix_ci(l, "+CMS ERROR:") {
            return (!v.is_empty()).then(|| FinalResult::Cms(ErrorCode::parse(v)));
        }
        if let Some(v) = strip_prefix_ci(l, "MODEM ERROR:") {
            return v.trim().parse().ok().map(FinalResult::ModemError);
        }
        None
    }

    /// True for every result that means the command failed.
    pub fn is_error(&self) -> bool {
        !matches!(
            self,
            FinalResult::Ok | FinalResult::Connect(_) | FinalResult::Prompt
        )
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

impl fmt::Display for FinalResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FinalResult::Ok => f.write_str("OK"),
            FinalResult::Connect(None) => f.write_str("CONNECT"),
            FinalResult::Connect(Some(r)) => write!(f, "CONNECT {r}"),
            FinalResult::Prompt => f.write_str(">"),
            FinalResult::Error => f.write_str("ERROR"),
            FinalResult::CommandNotSupported => f.write_str("COMMAND NOT SUPPORT"),
            FinalResult::Cme(ErrorCode::Numeric(n)) => match cme_text(*n) {
                Some(t) => write!(f, "+CME ERROR: {n} ({t})"),
                None => write!(f, "+CME ERROR: {n}"),
            },
            FinalResult::Cme(ErrorCode::Text(t)) => write!(f, "+CME ERROR: {t}"),
            FinalResult::Cms(ErrorCode::Numeric(n)) => match cms_text(*n) {
                Some(t) => write!(f, "+CMS ERROR: {n} ({t})"),
                None => write!(f, "+CMS ERROR: {n}"),
            },
            FinalResult::Cms(ErrorCode::Text(t)) => write!(f, "+CMS ERROR: {t}"),
            FinalResult::ModemError(n) => write!(f, "MODEM ERROR: {n}"),
            FinalResult::NoCarrier => f.write_str("NO CARRIER"),
            FinalResult::Busy => f.write_str("BUSY"),
            FinalResult::NoAnswer => f.write_str("NO ANSWER"),
            FinalResult::NoDialtone => f.write_str("NO DIALTONE"),
        }
    }
}

/// `+CME ERROR` codes, 3GPP TS 27.007 §9.2.1 (general) and §9.2.2 (GPRS/EPS).
const CME_ERRORS: &[(u16, &str)] = &[
    (0, "phone failure"),
    (1, "no connection to phone"),
    (2, "phone-adaptor link reserved"),
    (3, "operation not allowed"),
    (4, "operation not supported"),
    (5, "PH-SIM PIN required"),
    (6, "PH-FSIM PIN required"),
    (7, "PH-FSIM PUK required"),
    (10, "SIM not inserted"),
    (11, "SIM PIN required"),
    (12, "SIM PUK required"),
    (13, "SIM failure"),
    (14, "SIM busy"),
    (15, "SIM wrong"),
    (16, "incorrect password"),
    (17, "SIM PIN2 required"),
    (18, "SIM PUK2 required"),
    (20, "memory full"),
    (21, "invalid index"),
    (22, "not found"),
    (23, "memory failure"),
    (24, "text string too long"),
    (25, "invalid characters in text string"),
    (26, "dial string too long"),
    (27, "invalid characters in dial string"),
    (30, "no network service"),
    (31, "network timeout"),
    (32, "network not allowed - emergency calls only"),
    (40, "network personalization PIN required"),
    (41, "network personalization PUK required"),
    (42, "network subset personalization PIN required"),
    (43, "network subset personalization PUK required"),
    (44, "service provider personalization PIN required"),
    (45, "service provider personalization PUK required"),
    (46, "corporate personalization PIN required"),
    (47, "corporate personalization PUK required"),
    (50, "incorrect parameters"),
    (100, "unknown"),
    (102, "IMSI unknown in HLR/HSS"),
    (103, "illegal MS/UE"),
    (106, "illegal ME"),
    (107, "GPRS/PS services not allowed"),
    (111, "PLMN not allowed"),
    (112, "location area not allowed"),
    (113, "roaming not allowed in this location area"),
    (115, "no suitable cells in location area"),
    (126, "insufficient resources"),
    (127, "missing or unknown APN"),
    (128, "unknown PDP address or PDP type"),
    (129, "user authentication failed"),
    (130, "activation rejected by GGSN/PGW"),
    (131, "activation rejected, unspecified"),
    (132, "service option not supported"),
    (133, "requested service option not subscribed"),
    (134, "service option temporarily out of order"),
    (148, "unspecified GPRS error"),
    (149, "PDP authentication failure"),
    (150, "invalid mobile class"),
];

/// `+CMS ERROR` codes, 3GPP TS 27.005 §3.2.5 (the ME/TA range 300–500).
const CMS_ERRORS: &[(u16, &str)] = &[
    (300, "ME failure"),
    (301, "SMS service of ME reserved"),
    (302, "operation not allowed"),
    (303, "operation not supported"),
    (304, "invalid PDU mode parameter"),
    (305, "invalid text mode parameter"),
    (310, "SIM not inserted"),
    (311, "SIM PIN required"),
    (312, "PH-SIM PIN required"),
    (313, "SIM failure"),
    (314, "SIM busy"),
    (315, "SIM wrong"),
    (316, "SIM PUK required"),
    (317, "SIM PIN2 required"),
    (318, "SIM PUK2 required"),
    (320, "memory failure"),
    (321, "invalid memory index"),
    (322, "memory full"),
    (330, "SMSC address unknown"),
    (331, "no network service"),
    (332, "network timeout"),
    (340, "no +CNMA acknowledgement expected"),
    (500, "unknown error"),
];

/// The 27.007 text for a numeric `+CME ERROR`.
pub fn cme_text(code: u16) -> Option<&'static str> {
    CME_ERRORS.iter().find(|(c, _)| *c == code).map(|(_, t)| *t)
}

/// The 27.005 text for a numeric `+CMS ERROR`.
pub fn cms_text(code: u16) -> Option<&'static str> {
    CMS_ERRORS.iter().find(|(c, _)| *c == code).map(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_every_final_code() {
        let cases = [
            ("OK", FinalResult::Ok),
            ("ERROR", FinalResult::Error),
            ("COMMAND NOT SUPPORT", FinalResult::CommandNotSupported),
            ("+CME ERROR: 10", FinalResult::Cme(ErrorCode::Numeric(10))),
            (
                "+CME ERROR: SIM not inserted",
                FinalResult::Cme(ErrorCode::Text("SIM not inserted".into())),
            ),
            ("+CMS ERROR: 321", FinalResult::Cms(ErrorCode::Numeric(321))),
            ("NO CARRIER", FinalResult::NoCarrier),
            ("BUSY", FinalResult::Busy),
            ("NO ANSWER", FinalResult::NoAnswer),
            ("NO DIALTONE", FinalResult::NoDialtone),
            ("CONNECT", FinalResult::Connect(None)),
            (
                "CONNECT 7200000",
                FinalResult::Connect(Some("7200000".into())),
            ),
            ("MODEM ERROR: 5", FinalResult::ModemError(5)),
        ];
        for (line, want) in cases {
            assert_eq!(FinalResult::from_line(line), Some(want), "{line}");
        }
    }

    #[test]
    fn info_lines_are_not_final() {
        for line in [
            "+CSQ: 15,99",
            "OKAY",
            "+CME ERROR:",
            "MODEM ERROR: apple",
            "huawei",
        ] {
            assert_eq!(FinalResult::from_line(line), None, "{line}");
        }
    }

    #[test]
    fn display_names_the_cme_meaning() {
        let r = FinalResult::Cme(ErrorCode::Numeric(11));
        assert_eq!(r.to_string(), "+CME ERROR: 11 (SIM PIN required)");
        assert!(r.is_error());
        assert!(!FinalResult::Connect(None).is_error());
    }
}
