//! `^SYSCFG=?` / `^SYSCFG?`: mode, acquisition order and bands of 2G/3G modems.

use super::{band_groups, band_union, BandGroup};
use crate::parse::{find_prefixed, parse_dec, parse_hex, parse_ranges, split_fields};
use crate::parse::{ModeMask, ParseError, Result};

/// Huawei's "all bands" mask in `^SYSCFG`.
pub const SYSCFG_ALL_BANDS: u64 = 0x3FFF_FFFF;

/// A mode / acquisition-order pair the modem accepts, and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SyscfgCombination {
    /// 2 auto (GSM+WCDMA), 13 GSM only, 14 WCDMA only.
    pub mode: u8,
    /// 0 automatic, 1 GSM first, 2 WCDMA first.
    pub acqorder: u8,
    pub allowed: ModeMask,
    pub preferred: ModeMask,
}

/// `^SYSCFG=?` result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyscfgTest {
    pub combinations: Vec<SyscfgCombination>,
    pub band_groups: Vec<BandGroup>,
}

impl SyscfgTest {
    /// The supported bands: OR of all groups except the "all bands" mask.
    pub fn bands(&self) -> u64 {
        band_union(&self.band_groups, SYSCFG_ALL_BANDS)
    }
}

/// What `<mode>` and `<acqorder>` mean (Huawei AT spec); `None` for modes this
/// tool does not drive (16 = no change, CDMA modes…).
pub fn syscfg_modes(mode: u8, acqorder: u8) -> Option<(ModeMask, ModeMask)> {
    let both = ModeMask::G2 | ModeMask::G3;
    match (mode, acqorder) {
        (2, 0) => Some((both, ModeMask::NONE)),
        (2, 1) => Some((both, ModeMask::G2)),
        (2, 2) => Some((both, ModeMask::G3)),
        (13, _) => Some((ModeMask::G2, ModeMask::NONE)),
        (14, _) => Some((ModeMask::G3, ModeMask::NONE)),
        _ => None,
    }
}

/// `^SYSCFG=?` (Huawei AT spec): `^SYSCFG:(modes),(acqorders),(bands),(roam),(srvdomain)`.
/// Mode 2 gives one combination per acquisition order 0–2 in range; 13 and 14
/// one each (their order is irrelevant).
pub fn parse_syscfg_test(body: &str) -> Result<SyscfgTest> {
    let err = |why: &str| ParseError::new("^SYSCFG", why, body);
    let rest = find_prefixed(body, "^SYSCFG").ok_or_else(|| err("missing prefix"))?;
    let f = split_fields(rest);
    if f.len() < 2 {
        return Err(err("expected (modes),(acqorders),…"));
    }
    let modes = parse_ranges(f[0]).ok_or_else(|| err("bad mode list"))?;
    let orders = parse_ranges(f[1]).ok_or_else(|| err("bad acqorder list"))?;
    let order_ok = |o: u32| orders.iter().any(|&(lo, hi)| (lo..=hi).contains(&o));
    let mut combinations = Vec::new();
    for &(lo, hi) in &modes {
        for mode in lo..=hi.min(255) {
            let mode = mode as u8;
            let orders: &[u8] = if mode == 2 { &[0, 1, 2] } else { &[0] };
            for &acqorder in orders {
                if mode == 2 && !order_ok(u32::from(acqorder)) {
                    continue;
                }
                if let Some((allowed, preferred)) = syscfg_modes(mode, acqorder) {
                    combinations.push(SyscfgCombination {
                        mode,
                        acqorder,
                        allowed,
                        preferred,
                    });
                }
            }
        }
    }
    if combinations.is_empty() {
        return Err(err("no usable mode"));
    }
    Ok(SyscfgTest {
        combinations,
        band_groups: f.get(2).map_or_else(Vec::new, |b| band_groups(b)),
    })
}

/// `^SYSCFG?` result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Syscfg {
    pub mode: u8,
    /// As reported; it is meaningless for modes 13/14.
    pub acqorder: u8,
    /// Raw band mask ([`SYSCFG_ALL_BANDS`] = any).
    pub bands: u64,
    pub roam: Option<u8>,
    pub srv_domain: Option<u8>,
}

impl Syscfg {
    /// Allowed and preferred modes; `None` for a mode this tool does not know.
    pub fn modes(&self) -> Option<(ModeMask, ModeMask)> {
        syscfg_modes(self.mode, self.acqorder)
    }
}

/// `^SYSCFG?` (Huawei AT spec): `^SYSCFG: <mode>,<acqorder>,<band>,<roam>,<srvdomain>`.
pub fn parse_syscfg(body: &str) -> Result<Syscfg> {
    let err = |why: &str| ParseError::new("^SYSCFG", why, body);
    let rest = find_prefixed(body, "^SYSCFG").ok_or_else(|| err("missing prefix"))?;
    let f = split_fields(rest);
    if f.len() < 3 {
        return Err(err("expected <mode>,<acqorder>,<band>,…"));
    }
    Ok(Syscfg {
        mode: parse_dec(f[0]).ok_or_else(|| err("bad <mode>"))?,
        acqorder: parse_dec(f[1]).ok_or_else(|| err("bad <acqorder>"))?,
        bands: parse_hex(f[2]).ok_or_else(|| err("bad <band>"))?,
        roam: f.get(3).and_then(|s| parse_dec(s)),
        srv_domain: f.get(4).and_then(|s| parse_dec(s)),
    })
}
