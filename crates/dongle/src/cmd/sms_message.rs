//! A message as `dongle sms` shows and saves it: the stored PDUs decoded,
//! the parts of a long message joined in order.

use dongle_at::parse::sms::{SmsStatus, StoredPdu};
use dongle_at::pdu::{self, Encoding, Tpdu};
use serde::Serialize;
use std::path::PathBuf;

/// One message as shown and saved: every part of a long one.
#[derive(Debug, Serialize)]
pub struct Message {
    /// Storage indexes of the parts, in part order.
    pub indexes: Vec<u32>,
    /// unread, read, unsent, sent.
    pub status: &'static str,
    /// deliver (received), submit (stored outgoing), status_report, undecodable.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Sender of a received message, recipient of an outgoing one.
    pub number: Option<String>,
    /// Service centre time stamp (RFC 3339 with the sender's offset).
    pub time: Option<String>,
    pub text: String,
    pub encoding: Option<Encoding>,
    /// 0 = flash message.
    pub class: Option<u8>,
    /// Parts announced by the header (1 for a plain message).
    pub total_parts: u8,
    /// Parts not on the SIM (yet): the text has gaps.
    pub missing_parts: Vec<u8>,
    /// The PDUs as the modem gave them (SMSC field first), in part order.
    pub pdus: Vec<String>,
    /// Why a PDU could not be decoded (it is kept and saved all the same).
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved: Option<PathBuf>,
}

/// What a saved file holds.
#[derive(Serialize)]
pub struct SavedMessage<'a> {
    pub format: &'static str,
    /// Unix time of saving.
    pub saved_at: u64,
    pub port: String,
    pub message: &'a Message,
}

fn status_name(s: SmsStatus) -> &'static str {
    match s {
        SmsStatus::ReceivedUnread => "unread",
        SmsStatus::ReceivedRead => "read",
        SmsStatus::StoredUnsent => "unsent",
        SmsStatus::StoredSent => "sent",
    }
}

struct Part {
    stored: StoredPdu,
    tpdu: Result<Tpdu, pdu::PduError>,
}

fn message(parts: Vec<Part>, missing: Vec<u8>) -> Message {
    let first = &parts[0];
    // Unread wins: the user has not seen some of it.
    let status = if parts
        .iter()
        .any(|p| p.stored.status == SmsStatus::ReceivedUnread)
    {
        SmsStatus::ReceivedUnread
    } else {
        first.stored.status
    };
    let (kind, number, time, encoding, class, total) = match &first.tpdu {
        Ok(Tpdu::Deliver(d)) => (
            "deliver",
            Some(d.sender.number.clone()),
            Some(d.timestamp.to_string()),
            Some(d.dcs.encoding),
            d.dcs.class,
            d.concat.map_or(1, |c| c.total),
        ),
        Ok(Tpdu::Submit(s)) => (
            "submit",
            Some(s.recipient.number.clone()),
            None,
            Some(s.dcs.encoding),
            s.dcs.class,
            s.concat.map_or(1, |c| c.total),
        ),
        Ok(Tpdu::StatusReport(r)) => (
            "status_report",
            Some(r.recipient.number.clone()),
            Some(r.timestamp.to_string()),
            None,
            None,
            1,
        ),
        Err(_) => ("undecodable", None, None, None, None, 1),
    };
    let text = parts
        .iter()
        .map(|p| match &p.tpdu {
            Ok(t) => t.text(),
            Err(e) => format!("<undecodable PDU: {e}>"),
        })
        .collect::<Vec<_>>()
        .join(if missing.is_empty() { "" } else { "…" });
    Message {
        indexes: parts.iter().filter_map(|p| p.stored.index).collect(),
        status: status_name(status),
        kind,
        number,
        time,
        text,
        encoding,
        class,
        total_parts: total,
        missing_parts: missing,
        pdus: parts.iter().map(|p| p.stored.pdu.clone()).collect(),
        error: first.tpdu.as_ref().err().map(|e| e.to_string()),
        saved: None,
    }
}

/// Stored PDUs to messages, parts of one long message joined.
pub fn messages(stored: Vec<StoredPdu>) -> Vec<Message> {
    let parts: Vec<Part> = stored
        .into_iter()
        .map(|s| Part {
            tpdu: pdu::decode_hex(&s.pdu),
            stored: s,
        })
        .collect();
    pdu::assemble(parts, |p| {
        let t = p.tpdu.as_ref().ok()?;
        t.concat().map(|c| (t.party().number.clone(), c))
    })
    .into_iter()
    .map(|g| message(g.parts, g.missing))
    .collect()
}
