//! `^SYSINFO` and `^SYSINFOEX`: service state and system mode.

use crate::parse::{find_prefixed, parse_dec, split_fields, unquote, AccessTech};
use crate::parse::{ParseError, Result};

/// `^SYSINFO` reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Sysinfo {
    /// 0 no service, 1 restricted, 2 valid, 3 restricted regional, 4 power saving.
    pub srv_status: u8,
    /// 0 none, 1 CS, 2 PS, 3 CS+PS, 4 not registered, 255 no CDMA.
    pub srv_domain: u8,
    /// 0 not roaming, 1 roaming.
    pub roam_status: u8,
    /// 0 no service, 3 GSM/GPRS, 5 WCDMA, 7 GSM/WCDMA, … (Huawei spec).
    pub sys_mode: u8,
    /// 1 valid SIM, 255 no SIM, …
    pub sim_state: u8,
    pub lock_state: Option<u8>,
    /// Only set when the 7th field is present.
    pub sys_submode: Option<u8>,
}

fn numbers(body: &str, command: &'static str, min: usize) -> Result<Vec<Option<u8>>> {
    let err = |why: &str| ParseError::new(command, why, body);
    let rest = find_prefixed(body, command).ok_or_else(|| err("missing prefix"))?;
    let f = split_fields(rest);
    if f.len() < min {
        return Err(err("too few fields"));
    }
    Ok(f.iter()
        .map(|s| (!s.is_empty()).then(|| parse_dec(s)).flatten())
        .collect())
}

/// `^SYSINFO` (Huawei AT spec):
/// `^SYSINFO: <srv_status>,<srv_domain>,<roam_status>,<sys_mode>,<sim_state>[,<lock_state>,<sys_submode>]`.
pub fn parse_sysinfo(body: &str) -> Result<Sysinfo> {
    let v = numbers(body, "^SYSINFO", 5)?;
    let req = |i: usize| v[i].ok_or_else(|| ParseError::new("^SYSINFO", "bad number", body));
    Ok(Sysinfo {
        srv_status: req(0)?,
        srv_domain: req(1)?,
        roam_status: req(2)?,
        sys_mode: req(3)?,
        sim_state: req(4)?,
        lock_state: v.get(5).copied().flatten(),
        sys_submode: v.get(6).copied().flatten(),
    })
}

impl Sysinfo {
    /// The access technology, as ModemManager's Huawei plugin derives it: none
    /// without service, else from the submode, else from the system mode.
    pub fn access_tech(&self) -> Option<AccessTech> {
        use AccessTech::*;
        if self.srv_status == 0 {
            return None;
        }
        let by_submode = self.sys_submode.and_then(|s| match s {
            1 => Some(Gsm),
            2 => Some(Gprs),
            3 => Some(Edge),
            4 => Some(Umts),
            5 => Some(Hsdpa),
            6 => Some(Hsupa),
            7 => Some(Hspa),
            9 | 17 | 18 => Some(HspaPlus),
            10 => Some(EvdoRel0),
            11 => Some(EvdoRelA),
            12 => Some(EvdoRelB),
            13 | 16 => Some(Cdma1x),
            _ => None,
        });
        by_submode.or(match self.sys_mode {
            2 => Some(Cdma1x),
            3 => Some(Gprs),
            4 | 8 => Some(EvdoRel0),
            5 | 7 => Some(Umts),
            _ => None,
        })
    }
}

/// `^SYSINFOEX` reply.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SysinfoEx {
    pub srv_status: u8,
    pub srv_domain: u8,
    pub roam_status: u8,
    pub sim_state: u8,
    pub lock_state: Option<u8>,
    /// 0 no service, 1 GSM, 2 CDMA, 3 WCDMA, 4 TD-SCDMA, 5 WiMAX, 6 LTE.
    pub sys_mode: u8,
    pub sys_mode_name: String,
    /// 1 GSM … 41 WCDMA, 45 HSPA+, 101 LTE (Huawei spec).
    pub sys_submode: u8,
    pub sys_submode_name: String,
}

/// `^SYSINFOEX` (Huawei AT spec): `^SYSINFOEX: <srv_status>,<srv_domain>,
/// <roam_status>,<sim_state>,<lock_state>,<sysmode>,<sysmode_name>,<submode>,<submode_name>`.
pub fn parse_sysinfoex(body: &str) -> Result<SysinfoEx> {
    let err = |why: &str| ParseError::new("^SYSINFOEX", why, body);
    let rest = find_prefixed(body, "^SYSINFOEX").ok_or_else(|| err("missing prefix"))?;
    let f = split_fields(rest);
    if f.len() < 9 {
        return Err(err("expected 9 fields"));
    }
    let num = |i: usize| parse_dec::<u8>(f[i]).ok_or_else(|| err("bad number"));
    Ok(SysinfoEx {
        srv_status: num(0)?,
        srv_domain: num(1)?,
        roam_status: num(2)?,
        sim_state: num(3)?,
        lock_state: parse_dec(f[4]),
        sys_mode: num(5)?,
        sys_mode_name: unquote(f[6]).to_string(),
        sys_submode: num(7)?,
        sys_submode_name: unquote(f[8]).to_string(),
    })
}

impl SysinfoEx {
    /// The access technology, as ModemManager derives it: from the submode
    /// number (the names are ignored: "HSPA+" is printed for plain WCDMA),
    /// else from the system mode; none without service.
    pub fn access_tech(&self) -> Option<AccessTech> {
        use AccessTech::*;
        if self.srv_status == 0 {
            return None;
        }
        let by_submode = match self.sys_submode {
            1 => Some(Gsm),
            2 => Some(Gprs),
            3 => Some(Edge),
            21..=23 | 27 => Some(Cdma1x),
            24 | 28 => Some(EvdoRel0),
            25 | 29 => Some(EvdoRelA),
            26 | 30 => Some(EvdoRelB),
            41 => Some(Umts),
            42 => Some(Hsdpa),
            43 => Some(Hsupa),
            44 => Some(Hspa),
            45 | 46 => Some(HspaPlus),
            101 => Some(Lte),
            _ => None,
        };
        by_submode.or(match self.sys_mode {
            1 => Some(Gsm),
            2 => Some(Cdma1x),
            3 => Some(Umts),
            6 => Some(Lte),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_and_lte() {
        assert!(parse_sysinfo("^SYSINFO:2,4,5,3").is_err());
        assert!(parse_sysinfo("^SYSINFO:2,4,x,3,1").is_err());
        let ex = parse_sysinfoex("^SYSINFOEX:2,3,0,1,,6,\"LTE\",101,\"LTE\"").unwrap();
        assert_eq!(ex.access_tech(), Some(AccessTech::Lte));
        assert!(parse_sysinfoex("^SYSINFOEX:2,3,0,1,,6").is_err());
    }
}
