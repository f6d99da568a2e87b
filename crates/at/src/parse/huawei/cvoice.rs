//! `^CVOICE?`: whether the modem carries voice over USB, and its PCM format.

use crate::parse::{find_prefixed, parse_dec, split_fields, ParseError, Result};

/// PCM format of a voice-capable modem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Cvoice {
    pub hz: u32,
    pub bits: u32,
    /// Frame period in ms (the 4th field; Huawei does not document it).
    pub period_ms: u32,
}

/// `^CVOICE?` (Huawei AT spec): `^CVOICE:<0=supported,1=unsupported>,<hz>,<bits>,<period>`.
/// "Unsupported" and the short `^CVOICE:1` of voice-disabled firmware are errors.
pub fn parse_cvoice(body: &str) -> Result<Cvoice> {
    let err = |why: &str| ParseError::new("^CVOICE", why, body);
    let rest = find_prefixed(body, "^CVOICE").ok_or_else(|| err("missing prefix"))?;
    let v: Option<Vec<u32>> = split_fields(rest).iter().map(|s| parse_dec(s)).collect();
    match v.as_deref() {
        Some(&[0, hz, bits, period_ms]) => Ok(Cvoice {
            hz,
            bits,
            period_ms,
        }),
        Some(&[1, ..]) => Err(err("voice is not supported")),
        _ => Err(err("expected 4 numbers")),
    }
}
