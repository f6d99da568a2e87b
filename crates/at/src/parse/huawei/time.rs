//! `^NWTIME` (network time, 3GPP modems) and `^TIME` (CDMA modems).

use crate::parse::{find_prefixed, is_decimal, ParseError, Result};
use std::fmt::Write;

/// A date and time reported by the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct NetworkTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    /// Offset from UTC in minutes (already including DST). `^TIME` is UTC: 0.
    pub tz_offset_min: i32,
    /// Daylight-saving adjustment in minutes, when reported (`^NWTIME`).
    pub dst_offset_min: Option<i32>,
}

impl NetworkTime {
    /// ISO 8601, with the offset as `+HH`, `+HH:MM` or `Z` (the style
    /// ModemManager reports), e.g. `2014-08-05T04:00:21+10`.
    pub fn iso8601(&self) -> String {
        let mut s = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        let off = self.tz_offset_min;
        if off == 0 {
            s.push('Z');
        } else {
            let sign = if off < 0 { '-' } else { '+' };
            let _ = write!(s, "{sign}{:02}", off.abs() / 60);
            if off % 60 != 0 {
                let _ = write!(s, ":{:02}", off.abs() % 60);
            }
        }
        s
    }
}

/// Date `yy/MM/dd` or `yyyy/MM/dd` and time `hh:mm:ss`, with range checks.
fn date_time(date: &str, time: &str) -> Option<(u16, u8, u8, u8, u8, u8)> {
    let num = |s: &str, max_len: usize| -> Option<u16> {
        (is_decimal(s) && s.len() <= max_len).then(|| s.parse().ok())?
    };
    let d: Vec<&str> = date.split('/').collect();
    let t: Vec<&str> = time.split(':').collect();
    let ([y, mo, da], [h, mi, se]) = (d.as_slice(), t.as_slice()) else {
        return None;
    };
    let year = match y.len() {
        2 => 2000 + num(y, 2)?,
        4 => num(y, 4)?,
        _ => return None,
    };
    let (month, day) = (num(mo, 2)?, num(da, 2)?);
    let (hour, minute, second) = (num(h, 2)?, num(mi, 2)?, num(se, 2)?);
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour < 24
        && minute < 60
        && second <= 60;
    valid.then_some((
        year,
        month as u8,
        day as u8,
        hour as u8,
        minute as u8,
        second as u8,
    ))
}

/// `^NWTIME?` / `^NWTIME` URC (Huawei AT spec): `^NWTIME: yy/MM/dd,hh:mm:ss±tz,dst`
/// where tz is in quarter hours (`+40` = +10:00) and dst in hours.
pub fn parse_nwtime(body: &str) -> Result<NetworkTime> {
    let err = |why: &str| ParseError::new("^NWTIME", why, body);
    let rest = find_prefixed(body, "^NWTIME").ok_or_else(|| err("missing prefix"))?;
    let (date, rest) = rest.split_once(',').ok_or_else(|| err("no date"))?;
    let (time_tz, dst) = rest.split_once(',').ok_or_else(|| err("no DST field"))?;
    let sign_at = time_tz
        .find(['+', '-'])
        .ok_or_else(|| err("no time zone"))?;
    let (time, tz) = time_tz.split_at(sign_at);
    let (sign, quarters) = tz.split_at(1);
    let quarters: i32 = (is_decimal(quarters) && quarters.len() <= 2)
        .then(|| quarters.parse().ok())
        .flatten()
        .ok_or_else(|| err("bad time zone"))?;
    let dst: i32 = (is_decimal(dst.trim()) && dst.trim().len() <= 2)
        .then(|| dst.trim().parse().ok())
        .flatten()
        .ok_or_else(|| err("bad DST"))?;
    let (year, month, day, hour, minute, second) =
        date_time(date.trim(), time.trim()).ok_or_else(|| err("bad date or time"))?;
    let tz = quarters * 15 * if sign == "-" { -1 } else { 1 };
    Ok(NetworkTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
        tz_offset_min: tz,
        dst_offset_min: Some(dst * 60),
    })
}

/// `^TIME` (Huawei AT spec, CDMA modems): `^TIME: yy/MM/dd hh:mm:ss` or
/// `yyyy/MM/dd hh:mm:ss`, in UTC. Anything after the seconds is rejected.
pub fn parse_time(body: &str) -> Result<NetworkTime> {
    let err = |why: &str| ParseError::new("^TIME", why, body);
    let rest = find_prefixed(body, "^TIME").ok_or_else(|| err("missing prefix"))?;
    let (date, time) = rest
        .split_once(' ')
        .ok_or_else(|| err("expected <date> <time>"))?;
    let (year, month, day, hour, minute, second) =
        date_time(date, time).ok_or_else(|| err("bad date or time"))?;
    Ok(NetworkTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
        tz_offset_min: 0,
        dst_offset_min: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        let t = parse_nwtime("^NWTIME: 24/02/29,23:59:59-22,00").unwrap();
        assert_eq!(t.tz_offset_min, -330);
        assert_eq!(t.iso8601(), "2024-02-29T23:59:59-05:30");
        assert!(parse_nwtime("^NWTIME: 24/13/01,00:00:00+00,00").is_err());
        assert!(parse_nwtime("^NWTIME: 24/12/01,00:00:00,00").is_err());
        assert!(parse_time("^TIME: 2014/08/05 04:00:21").is_ok());
        assert!(parse_time("^TIME: 2014/08/05 4:00:21x").is_err());
    }
}
