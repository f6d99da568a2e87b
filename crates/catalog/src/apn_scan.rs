//! The part of `serviceproviders.xml` one SIM needs, without building a DOM of the whole file.
//!
//! `dongle up` needs the providers of at most two network ids (an IMSI's 2- and 3-digit MNC
//! splits). A DOM of the whole 362 kB file is about 25,000 nodes: 0.4 s on a slow machine, and
//! megabytes per daemon worker. Here the file is only scanned for tag boundaries (comments,
//! CDATA and processing instructions skipped, quotes respected), the `<provider>` elements whose
//! `<gsm><network-id>` names one of the networks are cut out with their `<country>` start tags,
//! and that excerpt is parsed by [`crate::ApnDatabase`]'s own reader: the same answers for
//! those networks as the full parse (tests/apn_excerpt.rs proves it for every id in the
//! installed file).
//!
//! The scan may take too much (a provider whose ids it cannot read for sure is kept: the
//! parse of the excerpt filters exactly), never too little. When it meets anything it cannot
//! vouch for (an internal DTD subset, whose entities could expand to elements; tags that do not
//! nest; an unterminated construct) it gives up and the caller parses the whole file, which
//! also gives the right error for a broken one.

use crate::apn::Plmn;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Start,
    Empty,
    End,
}

/// One tag: its byte range in the text and its qualified name.
struct Tag<'a> {
    kind: Kind,
    name: &'a str,
    start: usize,
    end: usize,
}

/// The excerpt document for these networks: the prolog and root start tag as written, then
/// per country with a matching provider its start tag, those providers verbatim and its end
/// tag, then the root's end tag. `None`: the caller must parse the whole file.
pub(crate) fn excerpt(text: &str, networks: &[Plmn]) -> Option<String> {
    let mut out = String::new();
    let mut stack: Vec<&str> = Vec::new();
    let mut pos = 0;
    let mut root_seen = false;
    // The open <country>: its start tag and the matching providers so far.
    let mut country: Option<(&str, Vec<&str>)> = None;
    // The open <provider>: where it starts and whether one of its ids matched.
    let mut provider: Option<(usize, bool)> = None;
    let mut in_gsm = false;
    while let Some(tag) = next_tag(text, pos, root_seen).ok()? {
        pos = tag.end;
        let depth = stack.len();
        // Below a <network-id> nothing matters but nesting: most tags are there (an <apn>'s).
        let local = if depth <= 4 { local_name(tag.name) } else { "" };
        match tag.kind {
            Kind::Start | Kind::Empty => {
                if depth == 0 {
                    if root_seen || local != "serviceproviders" || tag.kind == Kind::Empty {
                        return None;
                    }
                    root_seen = true;
                    out.push_str(&text[..tag.end]);
                } else if tag.kind == Kind::Start {
                    match (depth, local) {
                        (1, "country") => country = Some((&text[tag.start..tag.end], Vec::new())),
                        (2, "provider") if country.is_some() => provider = Some((tag.start, false)),
                        (3, "gsm") if provider.is_some() => in_gsm = true,
                        _ => {}
                    }
                }
                if depth == 4 && in_gsm && local == "network-id" {
                    if let Some((_, matched)) = provider.as_mut() {
                        *matched |= may_name(&text[tag.start..tag.end], networks);
                    }
                }
                if tag.kind == Kind::Start {
                    stack.push(tag.name);
                }
            }
            Kind::End => {
                if stack.pop()? != tag.name {
                    return None;
                }
                match stack.len() {
                    3 if local == "gsm" => in_gsm = false,
                    2 => {
                        if let (Some((start, true)), Some((_, kept))) = (provider, country.as_mut())
                        {
                            kept.push(&text[start..tag.end]);
                        }
                        provider = None;
                        in_gsm = false;
                    }
                    1 => {
                        if let Some((start_tag, kept)) = country.take() {
                            if !kept.is_empty() {
                                out.push_str(start_tag);
                                kept.iter().for_each(|p| out.push_str(p));
                                out.push_str(&text[tag.start..tag.end]);
                            }
                        }
                    }
                    0 => {
                        out.push_str(&text[tag.start..tag.end]);
                        return Some(out);
                    }
                    _ => {}
                }
            }
        }
    }
    None
}

/// The name after a namespace prefix (roxmltree's `tag_name().name()`, which the full reader
/// compares).
fn local_name(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

/// Whether a `<network-id …>` tag may name one of the networks: its `mcc` and `mnc` as the
/// full reader trims them match one; or they cannot be read for sure here (an entity
/// reference, odd syntax), which keeps the provider for the exact parse.
fn may_name(tag: &str, networks: &[Plmn]) -> bool {
    let Some(attrs) = attributes(tag) else {
        return true;
    };
    let value = |name: &str| attrs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    let (Some(mcc), Some(mnc)) = (value("mcc"), value("mnc")) else {
        return false;
    };
    if mcc.contains('&') || mnc.contains('&') {
        return true;
    }
    networks
        .iter()
        .any(|p| p.mcc == mcc.trim() && p.mnc == mnc.trim())
}

/// The attributes of a start tag (`<name a="1" b = '2'/>`), values raw. `None` when the tag
/// is not what XML allows.
fn attributes(tag: &str) -> Option<Vec<(&str, &str)>> {
    let inner = tag.strip_prefix('<')?.strip_suffix('>')?;
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    let mut rest = inner.trim_start_matches(|c: char| !is_space(c));
    let mut out = Vec::new();
    loop {
        rest = rest.trim_start_matches(is_space);
        if rest.is_empty() {
            return Some(out);
        }
        let eq = rest.find('=')?;
        let name = rest[..eq].trim_end_matches(is_space);
        if name.is_empty() || name.contains(is_space) {
            return None;
        }
        rest = rest[eq + 1..].trim_start_matches(is_space);
        let quote = rest.chars().next().filter(|&q| q == '"' || q == '\'')?;
        let close = rest[1..].find(quote)? + 1;
        out.push((name, &rest[1..close]));
        rest = &rest[close + 1..];
        // XML wants white space between attributes.
        if !rest.is_empty() && !rest.starts_with(is_space) {
            return None;
        }
    }
}

/// XML's white space (S): space, tab, CR, LF.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// The next tag at or after `pos`, past comments, CDATA sections, processing instructions and
/// the DOCTYPE (before the root only). `Err`: something the scan cannot vouch for.
///
/// Bytes, not chars: every delimiter is ASCII, and no byte of a multi-byte UTF-8 character
/// equals an ASCII one, so each slice taken is on a character boundary.
fn next_tag(text: &str, mut pos: usize, root_seen: bool) -> Result<Option<Tag<'_>>, ()> {
    let b = text.as_bytes();
    loop {
        let Some(start) = find_byte(text, pos, b'<') else {
            return Ok(None);
        };
        let rest = &b[start..];
        match rest.get(1) {
            Some(b'!') if rest.starts_with(b"<!--") => pos = find_seq(text, start + 4, "-->")?,
            Some(b'!') if rest.starts_with(b"<![CDATA[") => pos = find_seq(text, start + 9, "]]>")?,
            // A DOCTYPE without an internal subset (Debian's: SYSTEM "serviceproviders.2.dtd").
            // An internal subset could declare entities that expand to providers: full parse.
            Some(b'!') if !root_seen && rest.starts_with(b"<!DOCTYPE") => {
                let end = quoted_end(text, start + 2)?;
                if b[start..end].contains(&b'[') {
                    return Err(());
                }
                pos = end;
            }
            Some(b'!') => return Err(()),
            Some(b'?') => pos = find_seq(text, start + 2, "?>")?,
            Some(&c) => {
                let end = quoted_end(text, start + 1)?;
                let (kind, name_at) = if c == b'/' {
                    (Kind::End, start + 2)
                } else if b[end - 2] == b'/' {
                    (Kind::Empty, start + 1)
                } else {
                    (Kind::Start, start + 1)
                };
                let name_end = b[name_at..end]
                    .iter()
                    .position(|&c| matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>'))
                    .map_or(end, |i| name_at + i);
                if name_end == name_at {
                    return Err(());
                }
                return Ok(Some(Tag {
                    kind,
                    name: &text[name_at..name_end],
                    start,
                    end,
                }));
            }
            None => return Err(()),
        }
    }
}

/// The first `byte` (ASCII) at or after `from`.
fn find_byte(text: &str, from: usize, byte: u8) -> Option<usize> {
    let b = text.as_bytes();
    b.get(from..)?
        .iter()
        .position(|&c| c == byte)
        .map(|i| from + i)
}

/// Just past the first `seq` at or after `from`.
fn find_seq(text: &str, from: usize, seq: &str) -> Result<usize, ()> {
    let at = text.get(from..).and_then(|t| t.find(seq)).ok_or(())?;
    Ok(from + at + seq.len())
}

/// Just past the `>` that ends the markup starting before `from`, skipping quoted values
/// (an attribute value may hold a `>`).
fn quoted_end(text: &str, from: usize) -> Result<usize, ()> {
    let mut quote = None;
    for (i, &c) in text.as_bytes().get(from..).ok_or(())?.iter().enumerate() {
        match (quote, c) {
            (None, b'>') => return Ok(from + i + 1),
            (None, b'"' | b'\'') => quote = Some(c),
            (None, b'<') => return Err(()),
            (Some(q), _) if q == c => quote = None,
            _ => {}
        }
    }
    Err(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_in_any_order_quote_and_spacing() {
        let want = [Plmn::new("262", "07")];
        for tag in [
            r#"<network-id mcc="262" mnc="07"/>"#,
            r#"<network-id mnc='07' mcc='262' />"#,
            "<network-id\n\tmcc = \"262\"\r\n\tmnc=\" 07 \">",
            r#"<network-id foo="a>b" mcc="262" mnc="07"/>"#,
        ] {
            assert!(may_name(tag, &want), "{tag}");
        }
        for tag in [
            r#"<network-id mcc="262" mnc="7"/>"#,
            r#"<network-id mcc="262"/>"#,
            r#"<network-id x:mcc="262" mnc="07"/>"#,
        ] {
            assert!(!may_name(tag, &want), "{tag}");
        }
        // Unsure: kept for the exact parse.
        assert!(may_name(r#"<network-id mcc="&#50;62" mnc="07"/>"#, &want));
        assert!(may_name(r#"<network-id mcc="262"mnc="07"/>"#, &want));
    }

    #[test]
    fn tags_skip_comments_cdata_and_instructions() {
        let t = "<?xml version='1.0'?><!-- <x> --><a b='>'><![CDATA[<y>]]></a >";
        let first = next_tag(t, 0, false).unwrap().unwrap();
        assert_eq!((first.kind, first.name), (Kind::Start, "a"));
        let second = next_tag(t, first.end, true).unwrap().unwrap();
        assert_eq!((second.kind, second.name), (Kind::End, "a"));
        assert!(next_tag(t, second.end, true).unwrap().is_none());
        assert!(next_tag("<!-- open", 0, false).is_err());
        assert!(next_tag("<!DOCTYPE a [<!ENTITY e 'x'>]><a/>", 0, false).is_err());
        assert!(next_tag("<a b='1", 0, false).is_err());
    }
}
