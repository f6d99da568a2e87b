//! `^PREFMODE=?` / `^PREFMODE?`: CDMA / EV-DO preference of Huawei CDMA modems.

use crate::parse::{find_prefixed, parse_dec, parse_ranges, ModeMask, ParseError, Result};

/// One `<prefmode>` value and its meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PrefmodeCombination {
    /// 2 CDMA 1x, 4 HDR (EV-DO), 8 hybrid.
    pub prefmode: u8,
    pub allowed: ModeMask,
    pub preferred: ModeMask,
}

/// `^PREFMODE=?` (Huawei AT spec): `^PREFMODE:(2,4,8)`. When the modem can do
/// both 1x (2G) and EV-DO (3G), 2 and 4 mean "both, preferring 2G / 3G" and 8
/// "both, no preference"; a lone 2 or 4 is that generation only.
pub fn parse_prefmode_test(body: &str) -> Result<Vec<PrefmodeCombination>> {
    let err = |why: &str| ParseError::new("^PREFMODE", why, body);
    let rest = find_prefixed(body, "^PREFMODE").ok_or_else(|| err("missing prefix"))?;
    let ranges = parse_ranges(rest).ok_or_else(|| err("bad list"))?;
    let values: Vec<u32> = ranges
        .iter()
        .flat_map(|&(lo, hi)| lo..=hi.min(255))
        .collect();
    let has = |v: u32| values.contains(&v);
    let both_gens = (has(2) || has(8)) && (has(4) || has(8));
    let both = ModeMask::G2 | ModeMask::G3;
    let mut out = Vec::new();
    for &v in &values {
        let (allowed, preferred) = match (v, both_gens) {
            (2, true) => (both, ModeMask::G2),
            (2, false) => (ModeMask::G2, ModeMask::NONE),
            (4, true) => (both, ModeMask::G3),
            (4, false) => (ModeMask::G3, ModeMask::NONE),
            (8, _) => (both, ModeMask::NONE),
            _ => continue,
        };
        out.push(PrefmodeCombination {
            prefmode: v as u8,
            allowed,
            preferred,
        });
    }
    if out.is_empty() {
        return Err(err("no usable mode"));
    }
    Ok(out)
}

/// `^PREFMODE?` (Huawei AT spec): `^PREFMODE:<prefmode>`. Look the value up in
/// the [`parse_prefmode_test`] result to get its meaning.
pub fn parse_prefmode(body: &str) -> Result<u8> {
    find_prefixed(body, "^PREFMODE")
        .and_then(parse_dec)
        .ok_or_else(|| ParseError::new("^PREFMODE", "expected ^PREFMODE:<n>", body))
}
