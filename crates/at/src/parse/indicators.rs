//! `+CIND=?`: the indicators a modem reports with `+CIEV`.

use super::{find_prefixed, parse_ranges, split_fields, unparen, ParseError, Result};

/// One indicator from `+CIND=?`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Indicator {
    /// Lower case, without quotes or spaces (`"Voice Mail"` → `voicemail`).
    pub name: String,
    /// 1-based position: the `<ind>` number `+CIEV: <ind>,<value>` uses.
    pub index: u32,
    pub min: u32,
    pub max: u32,
}

/// `+CIND=?` (3GPP TS 27.007 §8.9): `+CIND: ("name",(range)),…`. Empty `()`
/// groups are skipped but still count for the positions after them.
pub fn parse_cind_test(body: &str) -> Result<Vec<Indicator>> {
    let err = |why: &str| ParseError::new("+CIND", why, body);
    let rest = find_prefixed(body, "+CIND").ok_or_else(|| err("no +CIND line"))?;
    let mut indicators = Vec::new();
    for (pos, group) in split_fields(rest).into_iter().enumerate() {
        let inner = unparen(group);
        if inner.is_empty() {
            continue;
        }
        let (name, range) = match split_fields(inner).as_slice() {
            [name, range] => (*name, *range),
            _ => return Err(err("expected (\"name\",(range))")),
        };
        let values = parse_ranges(range).ok_or_else(|| err("bad indicator range"))?;
        let min = values.iter().map(|r| r.0).min().unwrap_or(0);
        let max = values.iter().map(|r| r.1).max().unwrap_or(0);
        let name: String = name
            .chars()
            .filter(|c| *c != '"' && !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect();
        indicators.push(Indicator {
            name,
            index: u32::try_from(pos + 1).unwrap_or(u32::MAX),
            min,
            max,
        });
    }
    Ok(indicators)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken() {
        assert!(parse_cind_test("+CIND: (\"a\")").is_err());
        assert!(parse_cind_test("+CIND: (\"a\",(x))").is_err());
        let i = parse_cind_test("+CIND: (),(\"b\",(0,3))").unwrap();
        assert_eq!((i[0].index, i[0].max), (2, 3));
    }
}
