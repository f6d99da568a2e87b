//! Concatenated messages (3GPP TS 23.040 §9.2.3.24.1): splitting a long text
//! into parts, and putting received parts back together.

use super::{gsm7, ucs2, Encoding, PduError};
use std::collections::HashMap;

/// The concatenation element of one part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Concat {
    pub reference: u16,
    pub total: u8,
    /// 1-based position of this part.
    pub seq: u8,
}

/// Septets (GSM-7) or UTF-16 units (UCS-2) that fit one message, alone or
/// with the 6-octet concatenation header (23.040 §9.2.3.24.1).
const GSM7_SINGLE: usize = 160;
const GSM7_PART: usize = 153;
const UCS2_SINGLE: usize = 70;
const UCS2_PART: usize = 67;

/// One part's text and its coded payload (septets or UTF-16BE octets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub text: String,
    pub payload: Vec<u8>,
}

/// Splits `text` for sending: GSM-7 when every character fits the default
/// alphabet or its extension table, UCS-2 otherwise. An extension character
/// (two septets) or a surrogate pair (two units) is never cut in half.
pub fn split(text: &str) -> Result<(Encoding, Vec<Chunk>), PduError> {
    let (encoding, sizes): (Encoding, Vec<usize>) = match text
        .chars()
        .map(gsm7::septet_len)
        .collect::<Option<Vec<_>>>()
    {
        Some(s) => (Encoding::Gsm7, s),
        None => (Encoding::Ucs2, text.chars().map(char::len_utf16).collect()),
    };
    let (single, part) = match encoding {
        Encoding::Gsm7 => (GSM7_SINGLE, GSM7_PART),
        _ => (UCS2_SINGLE, UCS2_PART),
    };
    let limit = if sizes.iter().sum::<usize>() <= single {
        single
    } else {
        part
    };
    let mut chunks: Vec<String> = vec![String::new()];
    let mut used = 0;
    for (c, size) in text.chars().zip(sizes) {
        if used + size > limit {
            chunks.push(String::new());
            used = 0;
        }
        used += size;
        if let Some(last) = chunks.last_mut() {
            last.push(c);
        }
    }
    if chunks.len() > 255 {
        return Err(PduError::Unsendable {
            what: "the text",
            why: format!(
                "it needs {} parts; one message has at most 255",
                chunks.len()
            ),
        });
    }
    let chunks = chunks
        .into_iter()
        .map(|text| {
            let payload = match encoding {
                Encoding::Gsm7 => gsm7::encode(&text).unwrap_or_default(),
                _ => ucs2::encode(&text),
            };
            Chunk { text, payload }
        })
        .collect();
    Ok((encoding, chunks))
}

/// Parts of one message, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assembled<T> {
    pub parts: Vec<T>,
    /// Sequence numbers not (yet) received; empty when complete.
    pub missing: Vec<u8>,
}

impl<T> Assembled<T> {
    pub fn complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Groups parts by (party, reference, total), sorted by sequence number;
/// everything else stays a message of its own, in the order first seen. A
/// part whose sequence number came twice is kept as a message of its own, so
/// nothing is hidden.
pub fn assemble<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> Option<(String, Concat)>,
) -> Vec<Assembled<T>> {
    let mut out: Vec<Assembled<T>> = Vec::new();
    let mut slots: Vec<Vec<(u8, T)>> = Vec::new();
    let mut groups: HashMap<(String, u16, u8), usize> = HashMap::new();
    // Index into `out` for singles, into `slots` for groups, in first-seen order.
    let mut order: Vec<Result<usize, usize>> = Vec::new();
    for item in items {
        match key(&item) {
            Some((party, c)) if c.total > 1 => {
                let slot = *groups
                    .entry((party, c.reference, c.total))
                    .or_insert_with(|| {
                        slots.push(Vec::new());
                        order.push(Err(slots.len() - 1));
                        slots.len() - 1
                    });
                if slots[slot].iter().any(|(s, _)| *s == c.seq) {
                    out.push(Assembled {
                        parts: vec![item],
                        missing: Vec::new(),
                    });
                    order.push(Ok(out.len() - 1));
                } else {
                    slots[slot].push((c.seq, item));
                }
            }
            _ => {
                out.push(Assembled {
                    parts: vec![item],
                    missing: Vec::new(),
                });
                order.push(Ok(out.len() - 1));
            }
        }
    }
    let mut singles: Vec<Option<Assembled<T>>> = out.into_iter().map(Some).collect();
    let mut grouped: Vec<Option<Vec<(u8, T)>>> = slots.into_iter().map(Some).collect();
    let totals: HashMap<usize, u8> = groups.iter().map(|((_, _, t), i)| (*i, *t)).collect();
    let mut result = Vec::new();
    for o in order {
        match o {
            Ok(i) => result.extend(singles.get_mut(i).and_then(Option::take)),
            Err(i) => {
                let Some(mut parts) = grouped.get_mut(i).and_then(Option::take) else {
                    continue;
                };
                parts.sort_by_key(|(s, _)| *s);
                let total = totals.get(&i).copied().unwrap_or(0);
                let missing = (1..=total)
                    .filter(|s| !parts.iter().any(|(p, _)| p == s))
                    .collect();
                result.push(Assembled {
                    parts: parts.into_iter().map(|(_, t)| t).collect(),
                    missing,
                });
            }
        }
    }
    result
}
