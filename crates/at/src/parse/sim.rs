//! SIM lock state: `+CPIN?` and Huawei `^CPIN?` (retries left).

use super::{find_prefixed, lines, parse_dec, split_fields, strip_prefix, unquote};
use super::{ParseError, Result};

/// What the SIM / ME is waiting for (3GPP TS 27.007 §8.3 `<code>`); names follow
/// ModemManager's `MMModemLock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum SimLock {
    /// `READY`: no PIN needed.
    None,
    SimPin,
    SimPin2,
    SimPuk,
    SimPuk2,
    PhSpPin,
    PhSpPuk,
    PhNetPin,
    PhNetPuk,
    PhSimPin,
    PhCorpPin,
    PhCorpPuk,
    PhFsimPin,
    PhFsimPuk,
    PhNetsubPin,
    PhNetsubPuk,
}

/// `+CPIN` code strings (TS 27.007 §8.3).
const LOCK_NAMES: [(&str, SimLock); 16] = [
    ("READY", SimLock::None),
    ("SIM PIN", SimLock::SimPin),
    ("SIM PIN2", SimLock::SimPin2),
    ("SIM PUK", SimLock::SimPuk),
    ("SIM PUK2", SimLock::SimPuk2),
    ("PH-SP PIN", SimLock::PhSpPin),
    ("PH-SP PUK", SimLock::PhSpPuk),
    ("PH-NET PIN", SimLock::PhNetPin),
    ("PH-NET PUK", SimLock::PhNetPuk),
    ("PH-SIM PIN", SimLock::PhSimPin),
    ("PH-CORP PIN", SimLock::PhCorpPin),
    ("PH-CORP PUK", SimLock::PhCorpPuk),
    ("PH-FSIM PIN", SimLock::PhFsimPin),
    ("PH-FSIM PUK", SimLock::PhFsimPuk),
    ("PH-NETSUB PIN", SimLock::PhNetsubPin),
    ("PH-NETSUB PUK", SimLock::PhNetsubPuk),
];

impl SimLock {
    /// Reads a `+CPIN` code such as `SIM PIN` or `"PH-NET PIN"`. The longest
    /// name the text starts with wins, so `SIM PUK2` is not taken for `SIM PUK`.
    pub fn from_code(code: &str) -> Option<SimLock> {
        let code = unquote(code);
        LOCK_NAMES
            .iter()
            .filter(|(name, _)| {
                code.get(..name.len())
                    .is_some_and(|head| head.eq_ignore_ascii_case(name))
            })
            .max_by_key(|(name, _)| name.len())
            .map(|&(_, lock)| lock)
    }

    /// The 27.007 code string, e.g. `SIM PIN`.
    pub fn code(self) -> &'static str {
        LOCK_NAMES
            .iter()
            .find(|&&(_, l)| l == self)
            .map_or("READY", |&(name, _)| name)
    }
}

/// `+CPIN?` (3GPP TS 27.007 §8.3): `+CPIN: <code>`. The prefix is optional
/// (some modems answer the bare code); anything else, such as an error line,
/// is an error.
pub fn parse_cpin(body: &str) -> Result<SimLock> {
    let err = || ParseError::new("+CPIN", "not a +CPIN code", body);
    let code = find_prefixed(body, "+CPIN")
        .or_else(|| lines(body).next())
        .ok_or_else(err)?;
    SimLock::from_code(code).ok_or_else(err)
}

/// Huawei `^CPIN?`: the lock plus how many attempts are left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct HuaweiCpin {
    /// The lock, if the code is one of the 27.007 names.
    pub lock: Option<SimLock>,
    /// Attempts left for the lock currently asked for, when given.
    pub times: Option<u8>,
    pub puk_retries: u8,
    pub pin_retries: u8,
    pub puk2_retries: u8,
    pub pin2_retries: u8,
}

/// Huawei `^CPIN?`: `^CPIN: <code>,[<times>],<puk_times>,<pin_times>,<puk2_times>,<pin2_times>`
/// (Huawei AT command interface specification). As ModemManager does, a count
/// above 10 is rejected: it means the firmware printed something else there.
pub fn parse_huawei_cpin(body: &str) -> Result<HuaweiCpin> {
    let err = |why: &str| ParseError::new("^CPIN", why, body);
    let rest = lines(body)
        .find_map(|l| strip_prefix(l, "^CPIN"))
        .ok_or_else(|| err("no ^CPIN line"))?;
    let f = split_fields(rest);
    if f.len() != 6 {
        return Err(err("expected 6 fields"));
    }
    let count = |s: &str| parse_dec::<u8>(s).filter(|&n| n <= 10);
    let retries: Option<Vec<u8>> = f[2..].iter().map(|s| count(s)).collect();
    let retries = retries.ok_or_else(|| err("retry counts must be 0..=10"))?;
    Ok(HuaweiCpin {
        lock: SimLock::from_code(f[0]),
        times: count(f[1]),
        puk_retries: retries[0],
        pin_retries: retries[1],
        puk2_retries: retries[2],
        pin2_retries: retries[3],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpin_names() {
        assert_eq!(parse_cpin("+CPIN: READY\r\n").unwrap(), SimLock::None);
        assert_eq!(
            parse_cpin("+cpin: ph-netsub puk").unwrap(),
            SimLock::PhNetsubPuk
        );
        assert!(parse_cpin("+CPIN: WAT").is_err());
        assert!(parse_cpin("").is_err());
        assert_eq!(SimLock::SimPuk2.code(), "SIM PUK2");
    }

    #[test]
    fn huawei_retries() {
        let c = parse_huawei_cpin("^CPIN: SIM PIN,3,10,3,10,3").unwrap();
        assert_eq!(c.lock, Some(SimLock::SimPin));
        assert_eq!(c.times, Some(3));
        assert!(parse_huawei_cpin("^CPIN: READY,,11,3,10,0").is_err());
        assert!(parse_huawei_cpin("^CPIN: READY,,10,3").is_err());
    }
}
