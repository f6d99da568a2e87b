//! PDP contexts: `+CGDCONT=?`, `+CGDCONT?`, `+CGACT?`.

use super::{lines, parse_dec, parse_ranges, split_fields, strip_prefix, unquote};
use super::{ParseError, Result};

/// `<PDP_type>` (3GPP TS 27.007 §10.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub enum PdpType {
    /// `IP`
    Ipv4,
    /// `IPV6`
    Ipv6,
    /// `IPV4V6`
    Ipv4v6,
    /// `PPP`, `Non-IP`, `X.25`…: kept as printed.
    Other(String),
}

impl PdpType {
    pub fn from_name(name: &str) -> PdpType {
        let name = unquote(name);
        if name.eq_ignore_ascii_case("IP") {
            PdpType::Ipv4
        } else if name.eq_ignore_ascii_case("IPV6") {
            PdpType::Ipv6
        } else if name.eq_ignore_ascii_case("IPV4V6") {
            PdpType::Ipv4v6
        } else {
            PdpType::Other(name.to_string())
        }
    }

    /// Whether the type is an IP family this tool can bring up.
    pub fn is_ip(&self) -> bool {
        !matches!(self, PdpType::Other(_))
    }
}

/// One line of `+CGDCONT=?`: the cids usable with an IP PDP type.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PdpFormat {
    pub min_cid: u32,
    pub max_cid: u32,
    pub pdp_type: PdpType,
}

/// `+CGDCONT=?` (3GPP TS 27.007 §10.1.1): one [`PdpFormat`] per IP type.
///
/// Non-IP types (`PPP`…) are dropped. For a cid list such as
/// `(1-17,101-116)` only the first range is kept, as ModemManager does: the
/// second range is usually operator-reserved.
pub fn parse_cgdcont_test(body: &str) -> Result<Vec<PdpFormat>> {
    let mut formats = Vec::new();
    for line in lines(body) {
        let Some(rest) = strip_prefix(line, "+CGDCONT") else {
            continue;
        };
        let f = split_fields(rest);
        let pdp_type = PdpType::from_name(f.get(1).copied().unwrap_or(""));
        if !pdp_type.is_ip() {
            continue;
        }
        let err = |why: &str| ParseError::new("+CGDCONT", why, line);
        let ranges = parse_ranges(f[0]).ok_or_else(|| err("bad cid range"))?;
        let &(min_cid, max_cid) = ranges.first().ok_or_else(|| err("no cid range"))?;
        formats.push(PdpFormat {
            min_cid,
            max_cid,
            pdp_type,
        });
    }
    Ok(formats)
}

/// One defined PDP context from `+CGDCONT?`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PdpContext {
    pub cid: u32,
    pub pdp_type: PdpType,
    /// `None` when the APN field is empty (the network picks the default APN).
    pub apn: Option<String>,
}

/// `+CGDCONT?` (3GPP TS 27.007 §10.1.1): `+CGDCONT: <cid>,<PDP_type>,<APN>,…` per line.
pub fn parse_cgdcont_read(body: &str) -> Result<Vec<PdpContext>> {
    let mut contexts = Vec::new();
    for line in lines(body) {
        let Some(rest) = strip_prefix(line, "+CGDCONT") else {
            continue;
        };
        let f = split_fields(rest);
        let cid = parse_dec(f[0]).ok_or_else(|| ParseError::new("+CGDCONT", "bad cid", line))?;
        let apn = f.get(2).map(|s| unquote(s)).filter(|s| !s.is_empty());
        contexts.push(PdpContext {
            cid,
            pdp_type: PdpType::from_name(f.get(1).copied().unwrap_or("")),
            apn: apn.map(str::to_string),
        });
    }
    Ok(contexts)
}

/// `+CGACT?` (3GPP TS 27.007 §10.1.10): `(cid, active)` per line; an empty reply
/// (no contexts defined) is an empty list.
pub fn parse_cgact_read(body: &str) -> Result<Vec<(u32, bool)>> {
    let mut states = Vec::new();
    for line in lines(body) {
        let Some(rest) = strip_prefix(line, "+CGACT") else {
            continue;
        };
        let err = || ParseError::new("+CGACT", "expected <cid>,<state>", line);
        match split_fields(rest).as_slice() {
            [cid, state] => {
                let cid = parse_dec(cid).ok_or_else(err)?;
                let active = match parse_dec::<u8>(state) {
                    Some(0) => false,
                    Some(1) => true,
                    _ => return Err(err()),
                };
                states.push((cid, active));
            }
            _ => return Err(err()),
        }
    }
    Ok(states)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines() {
        assert!(parse_cgact_read("+CGACT: 1").is_err());
        assert!(parse_cgdcont_read("+CGDCONT: x,\"IP\"").is_err());
        assert!(parse_cgdcont_test("+CGDCONT: (a-b),\"IP\"").is_err());
        assert_eq!(
            parse_cgdcont_read("+CGDCONT: 1,\"PPP\",\"x\"").unwrap()[0].pdp_type,
            PdpType::Other("PPP".into())
        );
    }
}
