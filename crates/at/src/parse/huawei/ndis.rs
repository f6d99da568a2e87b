//! `^NDISSTATQRY?` and the `^NDISSTAT` URC: state of the NDIS/NCM data link.

use crate::parse::{lines, parse_dec, split_fields, strip_prefix, unquote, ParseError, Result};

/// `<stat>` of one IP family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum NdisState {
    Disconnected,
    Connected,
    /// 2: connecting (in progress).
    Connecting,
    /// 3: disconnecting.
    Disconnecting,
}

/// The link state per IP family; `None` when the reply does not mention it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct NdisStatus {
    pub ipv4: Option<NdisState>,
    pub ipv6: Option<NdisState>,
}

impl NdisStatus {
    /// Connected on either family, which is when ModemManager calls the bearer up.
    pub fn is_connected(&self) -> bool {
        self.ipv4 == Some(NdisState::Connected) || self.ipv6 == Some(NdisState::Connected)
    }
}

/// `^NDISSTATQRY?` / `^NDISSTAT:` (Huawei AT spec):
/// `<stat>,<err>,<wx_state>,<PDP_type>` per family, on separate lines or (newer
/// firmware) repeated on one line; `^NDISSTATQry:<stat>` alone means IPv4.
/// The prefix is matched case-insensitively.
pub fn parse_ndisstat(body: &str) -> Result<NdisStatus> {
    let err = |why: &str| ParseError::new("^NDISSTATQRY", why, body);
    let mut status = NdisStatus::default();
    let mut seen = false;
    for line in lines(body) {
        let Some(rest) =
            strip_prefix(line, "^NDISSTATQRY").or_else(|| strip_prefix(line, "^NDISSTAT"))
        else {
            continue;
        };
        let f = split_fields(rest);
        for chunk in f.chunks(4) {
            let state = match parse_dec::<u8>(chunk[0]) {
                Some(0) => NdisState::Disconnected,
                Some(1) => NdisState::Connected,
                Some(2) => NdisState::Connecting,
                Some(3) => NdisState::Disconnecting,
                _ => return Err(err("bad <stat>")),
            };
            let family = chunk.get(3).map_or("IPV4", |t| unquote(t));
            if family.eq_ignore_ascii_case("IPV4") || family.is_empty() {
                status.ipv4 = Some(state);
            } else if family.eq_ignore_ascii_case("IPV6") {
                status.ipv6 = Some(state);
            } else {
                return Err(err("unknown PDP type"));
            }
            seen = true;
        }
    }
    if seen {
        Ok(status)
    } else {
        Err(err("no ^NDISSTAT line"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken() {
        assert!(parse_ndisstat("^NDISSTAT: 7,,,IPV4").is_err());
        assert!(parse_ndisstat("^NDISSTAT: 1,,,IPX").is_err());
        assert!(parse_ndisstat("OK").is_err());
        assert!(
            parse_ndisstat("^NDISSTAT: 2,,,\"IPV4\"").unwrap().ipv4 == Some(NdisState::Connecting)
        );
    }
}
