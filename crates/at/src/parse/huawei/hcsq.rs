//! `^HCSQ`: Huawei's per-technology signal report (query reply and URC).

use crate::parse::signal::SignalDbm;
use crate::parse::{find_prefixed, parse_dec, split_fields, unquote, AccessTech};
use crate::parse::{ParseError, Result};

/// `<sysmode>` of `^HCSQ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum HcsqMode {
    Gsm,
    Wcdma,
    TdScdma,
    Lte,
}

impl HcsqMode {
    pub fn access_tech(self) -> AccessTech {
        match self {
            HcsqMode::Gsm => AccessTech::Gsm,
            HcsqMode::Wcdma | HcsqMode::TdScdma => AccessTech::Umts,
            HcsqMode::Lte => AccessTech::Lte,
        }
    }
}

/// `^HCSQ` report: the system mode and up to five raw values (missing ones are 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Hcsq {
    pub mode: HcsqMode,
    pub values: [u8; 5],
}

/// `^HCSQ` (Huawei AT spec): `^HCSQ: <sysmode>[,<v1>[,<v2>[,<v3>[,<v4>[,<v5>]]]]]`,
/// sysmode quoted or not. `NOSERVICE` (no values) is an error, as in ModemManager.
pub fn parse_hcsq(body: &str) -> Result<Hcsq> {
    let err = |why: &str| ParseError::new("^HCSQ", why, body);
    let rest = find_prefixed(body, "^HCSQ").ok_or_else(|| err("missing prefix"))?;
    let f = split_fields(rest);
    let name = unquote(f[0]);
    let mode = if name.eq_ignore_ascii_case("GSM") {
        HcsqMode::Gsm
    } else if name.eq_ignore_ascii_case("WCDMA") {
        HcsqMode::Wcdma
    } else if name.eq_ignore_ascii_case("TD-SCDMA") {
        HcsqMode::TdScdma
    } else if name.eq_ignore_ascii_case("LTE") {
        HcsqMode::Lte
    } else {
        return Err(err("no service or unknown system mode"));
    };
    if f.len() < 2 || f.len() > 6 {
        return Err(err("expected 1 to 5 values"));
    }
    let mut values = [0u8; 5];
    for (slot, s) in values.iter_mut().zip(&f[1..]) {
        *slot = parse_dec(s).ok_or_else(|| err("bad value"))?;
    }
    Ok(Hcsq { mode, values })
}

impl Hcsq {
    /// The values in dBm / dB (Huawei AT spec tables; out-of-range steps are
    /// "unknown"): GSM rssi; WCDMA rssi, rscp, ecio; LTE rssi, rsrp, sinr, rsrq.
    pub fn signal(&self) -> SignalDbm {
        let [v1, v2, v3, v4, _] = self.values.map(f64::from);
        let upto = |v: f64, max: f64, f: fn(f64) -> f64| (v <= max).then(|| f(v));
        let rssi = upto(v1, 96.0, |v| -121.0 + v);
        match self.mode {
            HcsqMode::Gsm => SignalDbm {
                rssi_dbm: rssi,
                ..Default::default()
            },
            HcsqMode::Wcdma | HcsqMode::TdScdma => SignalDbm {
                rssi_dbm: rssi,
                rscp_dbm: upto(v2, 96.0, |v| -121.0 + v),
                ecio_db: upto(v3, 65.0, |v| -32.5 + v / 2.0),
                ..Default::default()
            },
            HcsqMode::Lte => SignalDbm {
                rssi_dbm: rssi,
                rsrp_dbm: upto(v2, 97.0, |v| -141.0 + v),
                sinr_db: upto(v3, 251.0, |v| -20.2 + v / 5.0),
                rsrq_db: upto(v4, 34.0, |v| -20.0 + v / 2.0),
                ..Default::default()
            },
        }
    }
}
