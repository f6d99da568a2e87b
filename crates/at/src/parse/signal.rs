//! Signal quality: `+CSQ`, `+CESQ`, and the dBm values shared with Huawei `^HCSQ`.

use super::{find_prefixed, lines, parse_dec, split_fields, strip_prefix, ParseError, Result};

/// Signal levels in physical units. Each field is `None` when the modem did not
/// report it (or reported "not known or not detectable").
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct SignalDbm {
    /// GSM RSSI / UMTS or LTE carrier RSSI, dBm.
    pub rssi_dbm: Option<f64>,
    /// UMTS received signal code power, dBm.
    pub rscp_dbm: Option<f64>,
    /// UMTS Ec/Io, dB.
    pub ecio_db: Option<f64>,
    /// LTE reference signal received power, dBm.
    pub rsrp_dbm: Option<f64>,
    /// LTE reference signal received quality, dB.
    pub rsrq_db: Option<f64>,
    /// LTE signal to interference plus noise ratio, dB.
    pub sinr_db: Option<f64>,
}

/// `+CSQ`: `<rssi>,<ber>` (3GPP TS 27.007 §8.5). 99 means "not known".
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Csq {
    /// 0 (≤ -113 dBm) … 31 (≥ -51 dBm), or 99.
    pub rssi: u8,
    /// Bit error rate class 0…7, or 99.
    pub ber: u8,
}

/// 0–100 % from a 27.007 RSSI step (0–31, 99 unknown), as ModemManager computes
/// it (integer division): 15 → 48 %, 31 → 100 %, 99 → 0 %.
pub fn rssi_quality_percent(rssi: u8) -> u8 {
    if rssi == 99 {
        return 0;
    }
    // min(rssi, 31) * 100 / 31 is at most 100, so it fits in u8.
    (u16::from(rssi.min(31)) * 100 / 31) as u8
}

impl Csq {
    /// Signal quality in percent, the same number ModemManager shows.
    pub fn quality_percent(&self) -> u8 {
        rssi_quality_percent(self.rssi)
    }

    /// RSSI in dBm (-113 + 2·rssi), `None` when unknown.
    pub fn rssi_dbm(&self) -> Option<i32> {
        (self.rssi <= 31).then(|| -113 + 2 * i32::from(self.rssi))
    }

    /// The bit error rate class, `None` when unknown.
    pub fn ber_class(&self) -> Option<u8> {
        (self.ber <= 7).then_some(self.ber)
    }
}

/// `+CSQ` (3GPP TS 27.007 §8.5): `+CSQ: <rssi>,<ber>`.
pub fn parse_csq(body: &str) -> Result<Csq> {
    let err = |why: &str| ParseError::new("+CSQ", why, body);
    let rest = find_prefixed(body, "+CSQ").ok_or_else(|| err("no +CSQ line"))?;
    let f = split_fields(rest);
    let (rssi, ber) = match f.as_slice() {
        [r, b] => (parse_dec::<u8>(r), parse_dec::<u8>(b)),
        _ => return Err(err("expected <rssi>,<ber>")),
    };
    let rssi = rssi
        .filter(|&r| r <= 31 || r == 99)
        .ok_or_else(|| err("rssi must be 0..=31 or 99"))?;
    let ber = ber
        .filter(|&b| b <= 7 || b == 99)
        .ok_or_else(|| err("ber must be 0..=7 or 99"))?;
    Ok(Csq { rssi, ber })
}

/// Huawei `^RSSI:<rssi>` URC (Huawei AT spec): the `+CSQ` rssi step alone.
/// Returned as a [`Csq`] with `ber` 99 (unknown).
pub fn parse_huawei_rssi(body: &str) -> Result<Csq> {
    let err = |why: &str| ParseError::new("^RSSI", why, body);
    let rest = lines(body)
        .find_map(|l| strip_prefix(l, "^RSSI"))
        .ok_or_else(|| err("no ^RSSI line"))?;
    let rssi = parse_dec::<u8>(rest)
        .filter(|&r| r <= 31 || r == 99)
        .ok_or_else(|| err("rssi must be 0..=31 or 99"))?;
    Ok(Csq { rssi, ber: 99 })
}

/// `+CESQ`: extended signal quality (3GPP TS 27.007 §8.69), raw steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Cesq {
    /// GSM RXLEV 0…63, 99 unknown.
    pub rxlev: u8,
    /// GSM BER class 0…7, 99 unknown.
    pub ber: u8,
    /// UMTS RSCP 0…96, 255 unknown.
    pub rscp: u8,
    /// UMTS Ec/No 0…49, 255 unknown.
    pub ecno: u8,
    /// LTE RSRQ 0…34, 255 unknown.
    pub rsrq: u8,
    /// LTE RSRP 0…97, 255 unknown.
    pub rsrp: u8,
}

impl Cesq {
    /// The steps converted to dBm / dB (lower edge of each 27.007 step).
    pub fn signal(&self) -> SignalDbm {
        let known = |v: u8, unknown: u8| (v != unknown).then_some(f64::from(v));
        SignalDbm {
            rssi_dbm: known(self.rxlev, 99).map(|v| -111.0 + v),
            rscp_dbm: known(self.rscp, 255).map(|v| -121.0 + v),
            ecio_db: known(self.ecno, 255).map(|v| -24.5 + v / 2.0),
            rsrq_db: known(self.rsrq, 255).map(|v| -20.0 + v / 2.0),
            rsrp_dbm: known(self.rsrp, 255).map(|v| -141.0 + v),
            sinr_db: None,
        }
    }
}

/// `+CESQ` (3GPP TS 27.007 §8.69): `+CESQ: <rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp>`.
pub fn parse_cesq(body: &str) -> Result<Cesq> {
    let err = |why: &str| ParseError::new("+CESQ", why, body);
    let rest = find_prefixed(body, "+CESQ").ok_or_else(|| err("no +CESQ line"))?;
    let v: Option<Vec<u8>> = split_fields(rest).iter().map(|s| parse_dec(s)).collect();
    match v.as_deref() {
        Some(&[rxlev, ber, rscp, ecno, rsrq, rsrp]) => Ok(Cesq {
            rxlev,
            ber,
            rscp,
            ecno,
            rsrq,
            rsrp,
        }),
        _ => Err(err("expected 6 numbers")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csq() {
        let c = parse_csq("+CSQ: 15,99\r\n").unwrap();
        assert_eq!(c.rssi_dbm(), Some(-83));
        assert_eq!(c.ber_class(), None);
        assert_eq!(parse_csq("+CSQ: 99,99").unwrap().rssi_dbm(), None);
        assert!(parse_csq("+CSQ: 32,99").is_err());
        assert!(parse_csq("+CSQ: 1").is_err());
    }
}
