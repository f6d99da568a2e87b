//! `^DHCP?`: the IPv4 settings of an NDIS/NCM connection.

use crate::parse::{find_prefixed, parse_dec, parse_hex, split_fields, ParseError, Result};
use std::net::Ipv4Addr;

/// The IPv4 configuration the modem's DHCP server would hand out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Dhcp {
    pub address: Ipv4Addr,
    pub netmask: Ipv4Addr,
    /// Number of bits set in the netmask.
    pub prefix: u8,
    pub gateway: Ipv4Addr,
    pub server: Ipv4Addr,
    pub dns1: Ipv4Addr,
    pub dns2: Ipv4Addr,
    /// Maximum rates the modem reports, bit/s, when given.
    pub max_rx_bps: Option<u64>,
    pub max_tx_bps: Option<u64>,
}

/// An address printed as the hex of its little-endian u32: `a3ec5c64` is
/// 100.92.236.163. `0x` prefixes, missing leading zeros and a bare `0` occur.
fn le_addr(s: &str) -> Option<Ipv4Addr> {
    let v = u32::try_from(parse_hex(s)?).ok()?;
    Some(Ipv4Addr::from(v.to_le_bytes()))
}

/// `^DHCP?` (Huawei AT spec):
/// `^DHCP: <addr>,<netmask>,<gateway>,<dhcp server>,<dns1>,<dns2>,<max rx>,<max tx>`.
pub fn parse_dhcp(body: &str) -> Result<Dhcp> {
    let err = |why: &str| ParseError::new("^DHCP", why, body);
    let rest = find_prefixed(body, "^DHCP").ok_or_else(|| err("no ^DHCP line"))?;
    let f = split_fields(rest);
    if f.len() < 6 {
        return Err(err("expected at least 6 fields"));
    }
    let addrs: Option<Vec<Ipv4Addr>> = f[..6].iter().map(|s| le_addr(s)).collect();
    let a = addrs.ok_or_else(|| err("bad hex address"))?;
    Ok(Dhcp {
        address: a[0],
        netmask: a[1],
        prefix: u32::from(a[1]).count_ones() as u8,
        gateway: a[2],
        server: a[3],
        dns1: a[4],
        dns2: a[5],
        max_rx_bps: f.get(6).and_then(|s| parse_dec(s)),
        max_tx_bps: f.get(7).and_then(|s| parse_dec(s)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken() {
        assert!(parse_dhcp("^DHCP: 1,2,3").is_err());
        assert!(parse_dhcp("^DHCP: 1,2,3,4,5,zz").is_err());
        assert!(parse_dhcp("^DHCP: 1,2,3,4,5,123456789").is_err());
    }
}
