//! Operator selection: `+COPS?` and the `+COPS=?` network scan.

use super::charset::{decode, Charset};
use super::{find_prefixed, is_quoted, parse_dec, split_fields, unquote, AccessTech};
use super::{ParseError, Result};

/// `+COPS?` reply (3GPP TS 27.007 §7.3): the current operator.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CurrentOperator {
    /// 0 automatic, 1 manual, 2 deregister, 3 set format only, 4 manual/automatic.
    pub mode: u8,
    /// 0 long alphanumeric, 1 short alphanumeric, 2 numeric (MCC+MNC).
    pub format: Option<u8>,
    /// The operator in `format`; `None` when not registered.
    pub operator: Option<String>,
    pub act: Option<AccessTech>,
}

/// `+COPS?` (3GPP TS 27.007 §7.3): `+COPS: <mode>[,<format>,<oper>[,<AcT>]]`.
/// The name is decoded from `charset` (the `+CSCS` in force).
pub fn parse_cops_read(body: &str, charset: Charset) -> Result<CurrentOperator> {
    let err = |why: &str| ParseError::new("+COPS", why, body);
    let rest = find_prefixed(body, "+COPS").ok_or_else(|| err("no +COPS line"))?;
    let f = split_fields(rest);
    let mode = parse_dec(f[0]).ok_or_else(|| err("bad <mode>"))?;
    let field = |i: usize| f.get(i).copied().filter(|s| !s.is_empty());
    let format = match field(1) {
        Some(s) => Some(parse_dec(s).ok_or_else(|| err("bad <format>"))?),
        None => None,
    };
    let operator = field(2)
        .map(|s| decode(unquote(s), charset))
        .filter(|s| !s.is_empty());
    let act = field(3)
        .and_then(parse_dec::<u8>)
        .and_then(AccessTech::from_27007_act);
    Ok(CurrentOperator {
        mode,
        format,
        operator,
        act,
    })
}

/// `<stat>` of a network in a `+COPS=?` scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum NetworkStatus {
    Unknown,
    Available,
    Current,
    Forbidden,
}

/// One network found by `+COPS=?`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Network {
    pub status: NetworkStatus,
    /// Long alphanumeric name; `None` when empty.
    pub long_name: Option<String>,
    /// Short alphanumeric name; `None` when empty.
    pub short_name: Option<String>,
    /// MCC+MNC, e.g. `26201`.
    pub code: String,
    /// GSM when the modem gives no AcT (pre-Release-99 replies); `None` for an
    /// AcT value this parser does not know.
    pub act: Option<AccessTech>,
}

/// `+COPS=?` (3GPP TS 27.007 §7.3): `+COPS: (<stat>,"long","short","numeric"[,<AcT>]),…,,(modes),(formats)`.
///
/// Tolerates what real firmware prints: groups spread over several lines
/// (each maybe with its own `+COPS:`), missing commas between groups, the AcT
/// outside the parentheses (`("…","310410"),2)`), commas inside quoted names.
/// The trailing lists of supported modes and formats are skipped, so a reply
/// with only those gives an empty list.
pub fn parse_cops_test(body: &str, charset: Charset) -> Result<Vec<Network>> {
    let mut networks = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('(') {
        let group_start = open + 1;
        let Some(len) = group_len(&rest[group_start..]) else {
            break;
        };
        let group = &rest[group_start..group_start + len];
        rest = &rest[group_start + len..];
        rest = rest.strip_prefix(')').unwrap_or(rest);
        let fields = split_fields(group);
        // A network group has a quoted numeric code as its 4th field; the
        // trailing (0,1,2,3,4) lists do not.
        if fields.len() < 4 || !is_quoted(fields[3]) {
            continue;
        }
        let err = |why: &str| ParseError::new("+COPS", why, group);
        let status = match parse_dec::<u8>(fields[0]) {
            Some(0) => NetworkStatus::Unknown,
            Some(1) => NetworkStatus::Available,
            Some(2) => NetworkStatus::Current,
            Some(3) => NetworkStatus::Forbidden,
            _ => return Err(err("bad <stat>")),
        };
        let mut act_field = fields.get(4).copied();
        if act_field.is_none() {
            // Broken firmware closes the group before the AcT: `"310410"),2)`.
            if let Some((act, after)) = dangling_act(rest) {
                act_field = Some(act);
                rest = after;
            }
        }
        let act = match act_field {
            Some(a) => parse_dec::<u8>(a).and_then(AccessTech::from_27007_act),
            None => Some(AccessTech::Gsm),
        };
        let name = |s: &str| Some(decode(unquote(s), charset)).filter(|n| !n.is_empty());
        networks.push(Network {
            status,
            long_name: name(fields[1]),
            short_name: name(fields[2]),
            code: decode(unquote(fields[3]), charset),
            act,
        });
    }
    Ok(networks)
}

/// Byte length of a parenthesised group's content (up to its closing `)` or the
/// end of the text), honouring quotes and nested parentheses.
fn group_len(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth == 0 => return Some(i),
            ')' if !quoted => depth -= 1,
            _ => {}
        }
    }
    (!s.trim().is_empty()).then_some(s.len())
}

/// `,2)` right after a group: the AcT that belongs inside it.
fn dangling_act(s: &str) -> Option<(&str, &str)> {
    let after_comma = s.strip_prefix(',')?;
    let close = after_comma.find(')')?;
    let act = after_comma[..close].trim();
    (!act.is_empty() && act.bytes().all(|b| b.is_ascii_digit()))
        .then(|| (act, &after_comma[close + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_not_registered() {
        let op = parse_cops_read("+COPS: 0", Charset::Ira).unwrap();
        assert_eq!((op.mode, op.format, op.operator), (0, None, None));
        assert!(parse_cops_read("+COPS: x", Charset::Ira).is_err());
    }

    #[test]
    fn scan_garbage_never_panics() {
        for s in [
            "(",
            ")",
            "((\"",
            "(1,\"é\",\"\",\"1\"),",
            "(9,\"a\",\"b\",\"1\")",
        ] {
            let _ = parse_cops_test(s, Charset::Gsm);
        }
        assert!(parse_cops_test("(9,\"a\",\"b\",\"1\")", Charset::Ira).is_err());
    }
}
