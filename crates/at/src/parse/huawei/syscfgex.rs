//! `^SYSCFGEX=?` / `^SYSCFGEX?`: modes and bands of LTE-capable Huawei modems.

use super::syscfg::SYSCFG_ALL_BANDS;
use super::{band_groups, band_union, BandGroup};
use crate::parse::{find_prefixed, parse_hex, split_fields, unparen, unquote};
use crate::parse::{ModeMask, ParseError, Result};

/// Huawei's "all LTE bands" mask in `^SYSCFGEX`.
pub const LTE_ALL_BANDS: u64 = 0x7FFF_FFFF_FFFF_FFFF;

/// Allowed and preferred modes of an `<acqorder>` string: two-digit codes in
/// order of preference, `00` auto, `01` GSM, `02` WCDMA, `03` LTE. Codes this
/// tool does not drive (CDMA `04`, WiMAX `06`, EV-DO `07`, no change `99`) are
/// skipped. `00` gives [`ModeMask::ANY`]; `None` if no known code is left.
pub fn syscfgex_modes(acqorder: &str) -> Option<(ModeMask, ModeMask)> {
    let s = unquote(acqorder);
    if s == "00" {
        return Some((ModeMask::ANY, ModeMask::NONE));
    }
    if s.is_empty() || s.len() % 2 != 0 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let known: Vec<ModeMask> = s
        .as_bytes()
        .chunks(2)
        .filter_map(|code| match code {
            b"01" => Some(ModeMask::G2),
            b"02" => Some(ModeMask::G3),
            b"03" => Some(ModeMask::G4),
            _ => None,
        })
        .collect();
    let allowed = known.iter().fold(ModeMask::NONE, |a, &m| a | m);
    let preferred = if known.len() > 1 {
        known[0]
    } else {
        ModeMask::NONE
    };
    (!allowed.is_empty()).then_some((allowed, preferred))
}

/// One `<acqorder>` string the modem accepts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyscfgexCombination {
    /// The string to send back in `AT^SYSCFGEX=`, e.g. `0302`.
    pub mode: String,
    pub allowed: ModeMask,
    pub preferred: ModeMask,
}

/// `^SYSCFGEX=?` result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyscfgexTest {
    /// Explicit combinations first; `00` (auto) last, with `allowed` = all of them.
    pub combinations: Vec<SyscfgexCombination>,
    pub gsm_umts_band_groups: Vec<BandGroup>,
    pub lte_band_groups: Vec<BandGroup>,
}

impl SyscfgexTest {
    /// Supported GSM/UMTS bands (OR of the groups, without the "all" mask).
    pub fn gsm_umts_bands(&self) -> u64 {
        band_union(&self.gsm_umts_band_groups, SYSCFG_ALL_BANDS)
    }

    /// Supported LTE bands (OR of the groups, without the "all" mask); 0 if none.
    pub fn lte_bands(&self) -> u64 {
        band_union(&self.lte_band_groups, LTE_ALL_BANDS)
    }

    /// Everything the modem can be allowed to use.
    pub fn all_modes(&self) -> ModeMask {
        self.combinations
            .iter()
            .filter(|c| c.allowed != ModeMask::ANY)
            .fold(ModeMask::NONE, |a, c| a | c.allowed)
    }
}

/// `^SYSCFGEX=?` (Huawei AT spec):
/// `^SYSCFGEX: ("00","03",…),((mask,"names"),…),(roam),(srvdomain),((lte mask,"names"),…)`.
pub fn parse_syscfgex_test(body: &str) -> Result<SyscfgexTest> {
    let err = |why: &str| ParseError::new("^SYSCFGEX", why, body);
    let rest = find_prefixed(body, "^SYSCFGEX").ok_or_else(|| err("missing prefix"))?;
    let f = split_fields(rest);
    let mut combinations = Vec::new();
    let mut auto = false;
    for mode in split_fields(unparen(f[0])) {
        let mode = unquote(mode);
        if mode == "00" {
            auto = true;
        } else if let Some((allowed, preferred)) = syscfgex_modes(mode) {
            combinations.push(SyscfgexCombination {
                mode: mode.to_string(),
                allowed,
                preferred,
            });
        }
    }
    let union = combinations
        .iter()
        .fold(ModeMask::NONE, |a, c| a | c.allowed);
    if auto {
        combinations.push(SyscfgexCombination {
            mode: "00".to_string(),
            allowed: if union.is_empty() {
                ModeMask::ANY
            } else {
                union
            },
            preferred: ModeMask::NONE,
        });
    }
    if combinations.is_empty() {
        return Err(err("no usable mode"));
    }
    Ok(SyscfgexTest {
        combinations,
        gsm_umts_band_groups: f.get(1).map_or_else(Vec::new, |b| band_groups(b)),
        lte_band_groups: f.get(4).map_or_else(Vec::new, |b| band_groups(b)),
    })
}

/// `^SYSCFGEX?` result, raw: `allowed` may be [`ModeMask::ANY`] and the band
/// masks the "all" values; [`SyscfgexRead::resolve`] makes them concrete.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SyscfgexRead {
    pub mode: String,
    pub allowed: ModeMask,
    pub preferred: ModeMask,
    pub gsm_umts_bands: u64,
    pub roam: Option<u8>,
    pub srv_domain: Option<u8>,
    /// 0 when the modem leaves the field empty (no LTE).
    pub lte_bands: u64,
}

impl SyscfgexRead {
    /// Replaces "any mode" and the "all bands" masks with what `test` says the
    /// modem supports.
    pub fn resolve(&self, test: &SyscfgexTest) -> SyscfgexRead {
        let mut r = self.clone();
        if r.allowed == ModeMask::ANY {
            r.allowed = test.all_modes();
        }
        if r.gsm_umts_bands == SYSCFG_ALL_BANDS {
            r.gsm_umts_bands = test.gsm_umts_bands();
        }
        if r.lte_bands == LTE_ALL_BANDS {
            r.lte_bands = test.lte_bands();
        }
        r
    }
}

/// `^SYSCFGEX?` (Huawei AT spec): `^SYSCFGEX: "<acqorder>",<band>,<roam>,<srvdomain>,<lteband>`.
pub fn parse_syscfgex(body: &str) -> Result<SyscfgexRead> {
    let err = |why: &str| ParseError::new("^SYSCFGEX", why, body);
    let rest = find_prefixed(body, "^SYSCFGEX").ok_or_else(|| err("missing prefix"))?;
    let f = split_fields(rest);
    if f.len() < 2 {
        return Err(err("expected \"<acqorder>\",<band>,…"));
    }
    let (allowed, preferred) = syscfgex_modes(f[0]).ok_or_else(|| err("unknown <acqorder>"))?;
    let lte_bands = match f.get(4).filter(|s| !s.is_empty()) {
        Some(s) => parse_hex(s).ok_or_else(|| err("bad <lteband>"))?,
        None => 0,
    };
    Ok(SyscfgexRead {
        mode: unquote(f[0]).to_string(),
        allowed,
        preferred,
        gsm_umts_bands: parse_hex(f[1]).ok_or_else(|| err("bad <band>"))?,
        roam: f.get(2).and_then(|s| crate::parse::parse_dec(s)),
        srv_domain: f.get(3).and_then(|s| crate::parse::parse_dec(s)),
        lte_bands,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!(syscfgex_modes("\"99\""), None);
        assert_eq!(syscfgex_modes("0"), None);
        assert_eq!(
            syscfgex_modes("0301"),
            Some((ModeMask::G2 | ModeMask::G4, ModeMask::G4))
        );
        assert!(parse_syscfgex("^SYSCFGEX: \"99\",3FFFFFFF").is_err());
        assert!(parse_syscfgex_test("^SYSCFGEX: (\"99\"),,,,").is_err());
    }
}
