//! Typed parsers for AT responses: 3GPP TS 27.007 / 27.005 and Huawei `^` extensions.
//!
//! Input convention: every parser takes the response *body* as the session returns
//! it (the information lines before the final `OK`, joined with `"\n"`, without the
//! final result code). Parsers are also lenient about what real modems and logs
//! contain: `\r\n` line ends, leading and trailing whitespace, lower-case command
//! prefixes, stray spaces around fields, and a missing `+XXX:` prefix where
//! firmware leaves it out. No parser panics, whatever the input.
//!
//! The behaviour is pinned by ModemManager's test vectors
//! (`crates/at/tests/data/modemmanager_vectors.json`, run by `tests/vectors.rs`).

mod act;
pub mod charset;
mod modes;

pub mod identity;
pub mod indicators;
pub mod operator;
pub mod pdp;
pub mod registration;
pub mod signal;
pub mod sim;
pub mod sms;

pub mod huawei;

pub use act::AccessTech;
pub use modes::ModeMask;

/// A response that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot parse the {command} response ({reason}): {text:?}")]
pub struct ParseError {
    /// The command whose response this was, e.g. `+CREG` or `^SYSINFO`.
    pub command: &'static str,
    /// What was wrong.
    pub reason: String,
    /// The offending text (shortened to keep error messages readable).
    pub text: String,
}

impl ParseError {
    /// Longest excerpt of the offending text kept in the error.
    const MAX_TEXT: usize = 160;

    pub(crate) fn new(command: &'static str, reason: impl Into<String>, text: &str) -> Self {
        let text = text.trim();
        let text = match text.char_indices().nth(Self::MAX_TEXT) {
            Some((cut, _)) => format!("{}…", &text[..cut]),
            None => text.to_string(),
        };
        ParseError {
            command,
            reason: reason.into(),
            text,
        }
    }
}

/// Result of a parser.
pub type Result<T> = std::result::Result<T, ParseError>;

/// The non-empty lines of a body, trimmed. Lines may end in `\r\n`, `\n` or `\r`.
pub(crate) fn lines(body: &str) -> impl Iterator<Item = &str> {
    body.split(['\r', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
}

/// If `line` starts with `prefix` (ASCII case-insensitive) followed by `:`,
/// whitespace or the end, returns the rest after the colon, trimmed.
///
/// `+CREG` does not match `+CREGX: 1`, and `^NDISSTAT` does not match `^NDISSTATQRY:`.
pub(crate) fn strip_prefix<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let line = line.trim_start();
    let head = line.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = &line[prefix.len()..];
    let rest = match rest.chars().next() {
        None => rest,
        Some(':') => &rest[1..],
        Some(c) if c.is_whitespace() => rest.trim_start().strip_prefix(':').unwrap_or(rest),
        Some(_) => return None,
    };
    Some(rest.trim())
}

/// The first line carrying `prefix`, with the prefix removed.
pub(crate) fn find_prefixed<'a>(body: &'a str, prefix: &str) -> Option<&'a str> {
    lines(body).find_map(|l| strip_prefix(l, prefix))
}

/// The text after `prefix` on the first line that has it, or the first line if
/// none has it (modems that omit the prefix). `None` for an empty body.
pub(crate) fn prefixed_or_bare<'a>(body: &'a str, prefix: &str) -> Option<&'a str> {
    find_prefixed(body, prefix).or_else(|| lines(body).next())
}

/// Splits `s` on commas that are outside double quotes and outside parentheses;
/// every field is trimmed. An empty string gives one empty field.
///
/// Unbalanced parentheses never make this fail: a stray `)` is ignored.
pub(crate) fn split_fields(s: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut depth = 0usize;
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth = depth.saturating_sub(1),
            ',' if !quoted && depth == 0 => {
                fields.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    fields.push(s[start..].trim());
    fields
}

/// `s` trimmed, without one pair of surrounding double quotes (or a lone leading one).
pub(crate) fn unquote(s: &str) -> &str {
    let s = s.trim();
    let s = s.strip_prefix('"').unwrap_or(s);
    s.strip_suffix('"').unwrap_or(s).trim()
}

/// Whether `s` (trimmed) starts with a double quote.
pub(crate) fn is_quoted(s: &str) -> bool {
    s.trim_start().starts_with('"')
}

/// `s` without one pair of surrounding parentheses, trimmed.
pub(crate) fn unparen(s: &str) -> &str {
    let s = s.trim();
    let s = s.strip_prefix('(').unwrap_or(s);
    s.strip_suffix(')').unwrap_or(s).trim()
}

/// Whether `s` is a non-empty run of ASCII digits.
pub(crate) fn is_decimal(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A decimal number, optionally quoted and padded with spaces. Leading zeros are fine.
pub(crate) fn parse_dec<T: std::str::FromStr>(s: &str) -> Option<T> {
    let s = unquote(s);
    if is_decimal(s) {
        // Leading zeros would overflow nothing, but "0000000000001" must still parse as 1.
        let digits = s.trim_start_matches('0');
        let digits = if digits.is_empty() { "0" } else { digits };
        digits.parse().ok()
    } else {
        None
    }
}

/// A hexadecimal number, optionally quoted, with an optional `0x`/`0X` prefix.
pub(crate) fn parse_hex(s: &str) -> Option<u64> {
    let s = unquote(s);
    let s = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let digits = s.trim_start_matches('0');
    if digits.len() > 16 {
        return None;
    }
    u64::from_str_radix(if digits.is_empty() { "0" } else { digits }, 16).ok()
}

/// The numbers of a 27.007 range list such as `(0-3)`, `(2,13,14,16)`, `( 1 )` or
/// `1-17,101-116`, as inclusive `(low, high)` ranges in the order given.
pub(crate) fn parse_ranges(s: &str) -> Option<Vec<(u32, u32)>> {
    let inner = unparen(s);
    if inner.is_empty() {
        return Some(Vec::new());
    }
    inner
        .split(',')
        .map(|item| {
            let item = item.trim();
            match item.split_once('-') {
                Some((lo, hi)) => {
                    let (lo, hi) = (parse_dec(lo)?, parse_dec(hi)?);
                    (lo <= hi).then_some((lo, hi))
                }
                None => parse_dec(item).map(|v| (v, v)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_is_case_insensitive_and_exact() {
        assert_eq!(strip_prefix("+creg: 1,2", "+CREG"), Some("1,2"));
        assert_eq!(strip_prefix("+CREG:1", "+CREG"), Some("1"));
        assert_eq!(strip_prefix("^NDISSTATQRY: 1", "^NDISSTAT"), None);
        assert_eq!(strip_prefix("+CGMI", "+CGMI"), Some(""));
        assert_eq!(strip_prefix("é", "+CGMI"), None);
        assert_eq!(strip_prefix("+CSQ : 1,2", "+CSQ"), Some("1,2"));
    }

    #[test]
    fn fields_respect_quotes_and_parens() {
        assert_eq!(
            split_fields(r#"1,"a,b",(1,2), x "#),
            vec!["1", r#""a,b""#, "(1,2)", "x"]
        );
        assert_eq!(split_fields(""), vec![""]);
        assert_eq!(split_fields("1),2"), vec!["1)", "2"]);
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_dec::<u8>("0011"), Some(11));
        assert_eq!(parse_dec::<u8>("\"7\""), Some(7));
        assert_eq!(parse_dec::<u8>("-1"), None);
        assert_eq!(parse_hex("0XfF"), Some(255));
        assert_eq!(parse_hex("0 5"), None);
        assert_eq!(parse_hex("00000000000000000001"), Some(1));
        assert_eq!(parse_ranges("(0-3)"), Some(vec![(0, 3)]));
        assert_eq!(
            parse_ranges("1-17,101-116"),
            Some(vec![(1, 17), (101, 116)])
        );
        assert_eq!(parse_ranges("(3-1)"), None);
    }

    #[test]
    fn error_text_is_shortened_on_char_boundaries() {
        let e = ParseError::new("+X", "bad", &"é".repeat(500));
        assert!(e.text.chars().count() <= ParseError::MAX_TEXT + 1);
    }
}
