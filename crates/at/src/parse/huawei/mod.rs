//! Huawei `^` extensions (Huawei's AT command interface specifications for its
//! HSPA/LTE modules; behaviour pinned to what ModemManager's Huawei plugin
//! accepts, see `tests/vectors.rs`).

pub mod cvoice;
pub mod dhcp;
pub mod hcsq;
pub mod ndis;
pub mod portmode;
pub mod prefmode;
pub mod setport;
pub mod syscfg;
pub mod syscfgex;
pub mod sysinfo;
pub mod time;

use super::{parse_hex, split_fields, unparen};

/// A Huawei band group such as `(2000004e80380,"GSM850/…/WCDMA2100")` from
/// `^SYSCFG=?` / `^SYSCFGEX=?`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BandGroup {
    pub mask: u64,
    pub name: String,
}

/// The band groups of a `((mask,"name"),(mask,"name"))` field. Groups whose mask
/// is not hex are skipped.
pub(crate) fn band_groups(field: &str) -> Vec<BandGroup> {
    split_fields(unparen(field))
        .into_iter()
        .filter_map(|g| {
            let parts = split_fields(unparen(g));
            let mask = parse_hex(parts.first()?)?;
            let name = parts.get(1).map_or("", |n| super::unquote(n)).to_string();
            Some(BandGroup { mask, name })
        })
        .collect()
}

/// OR of all masks except the "all bands" one.
pub(crate) fn band_union(groups: &[BandGroup], all: u64) -> u64 {
    groups
        .iter()
        .filter(|g| g.mask != all)
        .fold(0, |acc, g| acc | g.mask)
}
