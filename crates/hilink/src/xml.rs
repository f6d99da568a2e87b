//! HiLink XML in and out.
//!
//! quick-xml's pull reader turns a reply into a small [`Element`] tree; serde then maps an
//! element's leaf children onto the typed structs in [`crate::types`]. Why not quick-xml's serde
//! directly: a real `monitoring/status` reply repeats `<maxsignal>` (`monitoring_status_doc.xml`),
//! and serde's derive rejects a duplicate field. Here the first occurrence wins, empty elements
//! mean "absent" (§1.1 rule 6), CRLF and indentation are trimmed, unknown elements are ignored.
//!
//! No DTD is accepted and no entity is expanded: only the five predefined entities and
//! character references are resolved, anything else is an error (no XXE, no billion laughs).

use quick_xml::events::Event;
use quick_xml::Reader;
use serde::de::{self, DeserializeOwned, IntoDeserializer};
use std::fmt::Write as _;

/// The largest reply accepted (real replies are < 4 KB; an SMS page is < 20 KB).
pub const MAX_BODY: u64 = 1 << 20;

/// A parsed element: its name, its own text, its child elements in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    /// The local name: `response`, `error`, `ConnectionStatus`, …
    pub name: String,
    /// Text directly inside (`OK` in `<response>OK</response>`), trimmed.
    pub text: String,
    pub children: Vec<Element>,
}

/// A whole reply: its root element.
pub type Document = Element;

impl Element {
    /// The text of the first child called `name` that has text (exact name).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.children
            .iter()
            .find(|c| c.name == name && !c.text.is_empty())
            .map(|c| c.text.as_str())
    }

    /// The first child called `name`, compared without case (`Messages`/`messages`).
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// Maps the leaf children onto `T`: the first non-empty occurrence of each element wins,
    /// empty elements are absent.
    pub fn to<T: DeserializeOwned>(&self) -> Result<T, String> {
        let mut seen = std::collections::HashSet::new();
        let pairs = self
            .children
            .iter()
            .filter(|c| !c.text.is_empty())
            .filter(|c| seen.insert(c.name.as_str()))
            .map(|c| (c.name.clone(), Leaf(c.text.clone())));
        let d = de::value::MapDeserializer::<_, de::value::Error>::new(pairs);
        T::deserialize(d).map_err(|e| e.to_string())
    }
}

/// Parses a reply. Errors are short texts for [`crate::HilinkError::NotHilink`].
pub fn parse(body: &str) -> Result<Document, String> {
    // Text is trimmed per element (at its end tag), not per text event: an entity splits the
    // text into events, and trimming those would turn "Tom &amp; Jerry" into "Tom&Jerry".
    let r = &mut Reader::from_str(body);
    // The open elements; the finished root lands in `root`.
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let ev = r.read_event().map_err(|e| format!("bad XML: {e}"))?;
        match ev {
            Event::Eof => break,
            Event::DocType(_) => return Err("a DTD (not allowed in HiLink replies)".into()),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Start(e) => {
                if stack.is_empty() && root.is_some() {
                    return Err("more than one root element".into());
                }
                if stack.len() >= MAX_DEPTH {
                    return Err("elements nested too deep".into());
                }
                stack.push(Element {
                    name: e.local_name().as_ref().to_string(),
                    ..Element::default()
                });
            }
            Event::Empty(e) => {
                let el = Element {
                    name: e.local_name().as_ref().to_string(),
                    ..Element::default()
                };
                close(&mut stack, &mut root, el)?;
            }
            Event::End(_) => {
                let Some(mut el) = stack.pop() else {
                    return Err("unbalanced end tag".into());
                };
                el.text = el.text.trim().to_string();
                close(&mut stack, &mut root, el)?;
            }
            Event::Text(t) => push_text(&mut stack, &t.xml10_content())?,
            Event::CData(t) => {
                let raw = t.into_inner();
                push_text(&mut stack, &raw)?
            }
            Event::GeneralRef(g) => {
                let raw = format!("&{};", &*g);
                let s =
                    quick_xml::escape::unescape(&raw).map_err(|e| format!("entity {raw}: {e}"))?;
                push_text(&mut stack, &s)?
            }
        }
    }
    if !stack.is_empty() {
        return Err("the reply ends inside an element".into());
    }
    root.ok_or_else(|| "no XML element".to_string())
}

const MAX_DEPTH: usize = 16;

fn close(stack: &mut [Element], root: &mut Option<Element>, el: Element) -> Result<(), String> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None if root.is_some() => return Err("more than one root element".into()),
        None => *root = Some(el),
    }
    Ok(())
}

fn push_text(stack: &mut [Element], s: &str) -> Result<(), String> {
    match stack.last_mut() {
        Some(el) => el.text.push_str(s),
        None if s.trim().is_empty() => {}
        None => return Err("text outside the root element".into()),
    }
    Ok(())
}

/// The reply with `[\x00-\x08\x0b\x0c\x0e-\x1f]` replaced by a space, as the WebUI does before
/// parsing `sms-list` (`smsContentDeleteWrongChar`, main.js): anyone can send an SMS holding
/// control characters, and XML 1.0 forbids them, so a strict parser would lose the whole list.
pub fn without_control_chars(body: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| matches!(c, '\x00'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f');
    if body.contains(bad) {
        std::borrow::Cow::Owned(body.replace(bad, " "))
    } else {
        std::borrow::Cow::Borrowed(body)
    }
}

/// `<?xml version="1.0" encoding="UTF-8"?><request>…</request>` with the elements in the given
/// order (some firmwares reject another order with 100005) and their text escaped.
pub fn request(fields: &[(&str, &str)]) -> String {
    let mut s = String::from(r#"<?xml version="1.0" encoding="UTF-8"?><request>"#);
    for (k, v) in fields {
        let _ = write!(s, "<{k}>{}</{k}>", quick_xml::escape::escape(*v));
    }
    s.push_str("</request>");
    s
}

/// Values of `<meta name="csrf_token" content="…">` in a home page, in order (§1.2).
pub fn meta_csrf_tokens(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<meta") {
        rest = &rest[i + 5..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        if attr(tag, "name").as_deref() == Some("csrf_token") {
            if let Some(c) = attr(tag, "content").filter(|c| !c.is_empty()) {
                out.push(c);
            }
        }
        rest = &rest[end..];
    }
    out
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let mut rest = tag;
    while let Some(i) = rest.find(name) {
        let before_ok = i == 0 || rest.as_bytes()[i - 1].is_ascii_whitespace();
        let after = rest[i + name.len()..].trim_start();
        rest = &rest[i + name.len()..];
        if !before_ok {
            continue;
        }
        let Some(after) = after.strip_prefix('=') else {
            continue;
        };
        let after = after.trim_start();
        let (q, body) = match after.chars().next() {
            Some(c @ ('"' | '\'')) => (c, &after[1..]),
            _ => {
                let v: String = after
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '/')
                    .collect();
                return Some(v);
            }
        };
        let end = body.find(q)?;
        return Some(body[..end].to_string());
    }
    None
}

/// One element's text as a serde value: a string, and `Some(string)` for `Option` fields.
struct Leaf(String);

impl<'de> IntoDeserializer<'de, de::value::Error> for Leaf {
    type Deserializer = Leaf;
    fn into_deserializer(self) -> Leaf {
        self
    }
}

impl<'de> de::Deserializer<'de> for Leaf {
    type Error = de::value::Error;

    fn deserialize_any<V: de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        v.visit_string(self.0)
    }

    fn deserialize_option<V: de::Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        v.visit_some(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_document() {
        let d = parse(
            "<?xml version=\"1.0\"?>\r\n<response>\r\n<a>1</a>\r\n<b></b><c/><a>2</a></response>",
        )
        .unwrap();
        assert_eq!(d.name, "response");
        assert_eq!(d.get("a"), Some("1"));
        assert_eq!(d.get("b"), None);
        assert_eq!(d.get("c"), None);
    }

    #[test]
    fn entities_are_not_expanded() {
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/hostname">]><response><a>&x;</a></response>"#;
        assert!(parse(xxe).is_err());
        assert!(parse("<response><a>&x;</a></response>").is_err());
        let d = parse("<response><a>a&amp;b&#x41;&lt;</a></response>").unwrap();
        assert_eq!(d.get("a"), Some("a&bA<"));
        let d = parse("<response><a> Tom &amp; Jerry &lt; 3 </a></response>").unwrap();
        assert_eq!(
            d.get("a"),
            Some("Tom & Jerry < 3"),
            "spaces around entities stay"
        );
    }

    #[test]
    fn control_characters_become_spaces() {
        let raw = "<response><Content>a\u{1b}[2Jb\u{7}\r\nc\td</Content></response>";
        let d = parse(&without_control_chars(raw)).unwrap();
        // (XML itself turns CR LF into LF.)
        assert_eq!(d.get("Content"), Some("a [2Jb \nc\td"));
        assert!(matches!(
            without_control_chars("<a>ok</a>"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn not_xml() {
        assert!(parse("").is_err());
        assert!(parse("<html><body>x</body></html><p>").is_err());
        assert!(parse("{\"a\":1}").is_err());
    }

    #[test]
    fn request_in_order_and_escaped() {
        assert_eq!(
            request(&[("Username", "a<b"), ("Password", "x&y")]),
            r#"<?xml version="1.0" encoding="UTF-8"?><request><Username>a&lt;b</Username><Password>x&amp;y</Password></request>"#
        );
    }

    #[test]
    fn meta_tokens() {
        assert_eq!(
            meta_csrf_tokens(r#"<meta name="csrf_token" content="x"/>"#),
            vec!["x"]
        );
        let page = r#"<head><meta charset="utf-8"><meta name="csrf_token" content="AAA"/>
            <meta content='BBB' name='csrf_token'><meta name="other" content="no"></head>"#;
        assert_eq!(meta_csrf_tokens(page), vec!["AAA", "BBB"]);
    }
}
