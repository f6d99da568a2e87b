//! The simulated stick's message store and USSD, as the HiLink API shows them
//! (`connect_and_hilink.md` §1.5): `sms/sms-count`, `sms/sms-list` (and its element order:
//! out of order is 100005, as on a B525s), `sms/send-sms` + `sms/send-status`,
//! `sms/delete-sms`, `sms/set-read`, `ussd/send`, `ussd/get` (111019 until the network's
//! answer is in), `ussd/status`, `ussd/release`.
//!
//! The inbox holds the same messages as the AT simulator's SIM (the PDUs of
//! `firmware::sms::INBOX`, decoded, the two parts of the long one joined as the stick does),
//! so `dongle sms list` shows the same texts over AT and over HiLink; plus one message with a
//! control character in it (the WebUI replaces those before parsing).

use super::device::{error, field, ok, Xml};
use super::http::Response;
use crate::firmware::sms::{INBOX, USSD_REPLY};
use dongle_at::pdu::{self, Tpdu};
use std::time::{Duration, Instant};

/// The first index the stick hands out (its own store; SIM messages would be 0–…).
const FIRST_INDEX: u32 = 40000;
/// `LocalMax`: the stick's store.
pub const CAPACITY: usize = 500;
/// `send-status` reports the number being sent to for this long.
const SENDING: Duration = Duration::from_millis(200);

const SMS_NOT_FOUND: u32 = 113114;
const FORMAT_ERROR: u32 = 100005;
const SPACE_FULL: u32 = 113053;
const USSD_PENDING: u32 = 111019;
const USSD_EMPTY: u32 = 111016;
const USSD_IN_SESSION: u32 = 111013;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sms {
    pub index: u32,
    /// 0 unread, 1 read, 3 sent, 4 send failed.
    pub smstat: u8,
    pub phone: String,
    pub content: String,
    /// `YYYY-MM-DD hh:mm:ss`, the stick's local time.
    pub date: String,
    /// 1 single, 2 joined from parts, 7 delivery report.
    pub sms_type: u8,
}

/// What the simulated stick stores and is doing.
pub struct Messages {
    pub inbox: Vec<Sms>,
    pub sent: Vec<Sms>,
    next_index: u32,
    /// `send-sms` answers this error (HilinkOptions::sms_send_error).
    pub send_error: Option<u32>,
    /// The network refuses every message: `send-status` lists it under `FailPhone`.
    pub network_refuses: bool,
    /// The last `send-sms`: numbers and when.
    last_send: Option<(Vec<String>, Instant)>,
    ussd_reply: String,
    ussd_delay: Duration,
    /// A USSD request in flight: when its answer is in (`None`: never, no network).
    ussd: Option<Option<Instant>>,
}

/// `2012-04-25T19:56:50-04:00` → `2012-04-25 19:56:50`.
fn stick_date(rfc3339: &str) -> String {
    rfc3339
        .chars()
        .take(19)
        .collect::<String>()
        .replace('T', " ")
}

/// The AT simulator's SIM as the stick's store shows it.
fn inbox_and_sent() -> (Vec<Sms>, Vec<Sms>) {
    let decoded: Vec<(u8, Tpdu)> = INBOX
        .iter()
        .filter_map(|(_, stat, hex)| Some((*stat, pdu::decode_hex(hex).ok()?)))
        .collect();
    let groups = pdu::assemble(decoded, |(_, t)| {
        t.concat().map(|c| (t.party().number.clone(), c))
    });
    let (mut inbox, mut sent) = (Vec::new(), Vec::new());
    for g in groups {
        let Some((stat, first)) = g.parts.first() else {
            continue;
        };
        let text: String = g.parts.iter().map(|(_, t)| t.text()).collect();
        let joined = g.parts.len() > 1;
        let mut m = Sms {
            index: 0,
            smstat: if *stat == 0 { 0 } else { 1 },
            phone: first.party().number.clone(),
            content: text,
            date: String::new(),
            sms_type: if joined { 2 } else { 1 },
        };
        match first {
            Tpdu::Deliver(d) => {
                m.date = stick_date(&d.timestamp.to_string());
                inbox.push(m);
            }
            Tpdu::StatusReport(r) => {
                // The WebUI shows delivery reports in the inbox, without text.
                m.date = stick_date(&r.discharge.to_string());
                m.content = String::new();
                m.sms_type = 7;
                inbox.push(m);
            }
            Tpdu::Submit(_) => {
                m.smstat = 3;
                m.date = "2022-04-06 09:12:40".into();
                sent.push(m);
            }
        }
    }
    // Anyone can send a control character; this one is a vertical tab, as some
    // parcel services' templates have.
    inbox.push(Sms {
        index: 0,
        smstat: 0,
        phone: "DHL".into(),
        content: "Paket 3 von 4\u{b}wird heute zugestellt. Sendungsnummer 00340434161094015902"
            .into(),
        date: "2026-12-05 08:41:07".into(),
        sms_type: 1,
    });
    (inbox, sent)
}

impl Messages {
    pub fn new(empty: bool, ussd_reply: Option<String>, ussd_delay: Duration) -> Messages {
        let (inbox, sent) = if empty {
            (Vec::new(), Vec::new())
        } else {
            inbox_and_sent()
        };
        let mut m = Messages {
            inbox,
            sent,
            next_index: FIRST_INDEX,
            send_error: None,
            network_refuses: false,
            last_send: None,
            ussd_reply: ussd_reply.unwrap_or_else(|| USSD_REPLY.into()),
            ussd_delay,
            ussd: None,
        };
        for i in 0..m.inbox.len() {
            m.inbox[i].index = m.take_index();
        }
        for i in 0..m.sent.len() {
            m.sent[i].index = m.take_index();
        }
        m
    }

    /// A message arrives from the network: unread in the inbox (long ones joined, as the
    /// stick does). Returns its index.
    pub fn receive(&mut self, phone: &str, content: &str, date: &str) -> u32 {
        let index = self.take_index();
        self.inbox.push(Sms {
            index,
            smstat: 0,
            phone: phone.to_string(),
            content: content.to_string(),
            date: date.to_string(),
            sms_type: 1,
        });
        index
    }

    fn take_index(&mut self) -> u32 {
        self.next_index += 1;
        self.next_index - 1
    }

    pub fn count(&self) -> Response {
        let unread = self.inbox.iter().filter(|m| m.smstat == 0).count();
        let mut x = Xml::default();
        for (k, v) in [
            ("LocalUnread", unread),
            ("LocalInbox", self.inbox.len()),
            ("LocalOutbox", self.sent.len()),
            ("LocalDraft", 0),
            ("LocalDeleted", 0),
            ("SimUnread", 0),
            ("SimInbox", 0),
            ("SimOutbox", 0),
            ("SimDraft", 0),
            ("LocalMax", CAPACITY),
            ("SimMax", 0),
            ("SimUsed", 0),
            ("NewMsg", 0),
        ] {
            x.leaf(k, &v.to_string());
        }
        x.response()
    }

    pub fn list(&self, body: &str) -> Response {
        const ORDER: [&str; 6] = [
            "PageIndex",
            "ReadCount",
            "BoxType",
            "SortType",
            "Ascending",
            "UnreadPreferred",
        ];
        let at: Vec<Option<usize>> = ORDER.iter().map(|n| body.find(&format!("<{n}>"))).collect();
        let in_order = at.iter().all(Option::is_some) && at.windows(2).all(|w| w[0] < w[1]);
        let num = |n: &str| field(body, n).and_then(|v| v.trim().parse::<usize>().ok());
        let (Some(page), Some(count), Some(bx)) =
            (num("PageIndex"), num("ReadCount"), num("BoxType"))
        else {
            return error(FORMAT_ERROR);
        };
        if !in_order || page == 0 || count == 0 || count > 50 {
            return error(FORMAT_ERROR);
        }
        let mut msgs: Vec<&Sms> = match bx {
            1 => self.inbox.iter().collect(),
            2 => self.sent.iter().collect(),
            3 => Vec::new(),
            _ => return error(100006),
        };
        // SortType 0 (date), Ascending 0: newest first.
        msgs.sort_by(|a, b| b.date.cmp(&a.date).then(b.index.cmp(&a.index)));
        if field(body, "Ascending").as_deref() == Some("1") {
            msgs.reverse();
        }
        let mut x = Xml::default();
        x.leaf("Count", &msgs.len().to_string());
        x.open("Messages");
        for m in msgs.iter().skip((page - 1) * count).take(count) {
            x.open("Message");
            x.leaf("Smstat", &m.smstat.to_string());
            x.leaf("Index", &m.index.to_string());
            x.leaf("Phone", &m.phone);
            x.leaf("Content", &m.content);
            x.leaf("Date", &m.date);
            x.leaf("Sca", "");
            x.leaf("SaveType", if bx == 2 { "3" } else { "4" });
            x.leaf("Priority", "0");
            x.leaf("SmsType", &m.sms_type.to_string());
            x.close("Message");
        }
        x.close("Messages");
        x.response()
    }

    /// `send-sms`: checks the body as a stick would, stores the message in the sent box.
    pub fn send(&mut self, body: &str, registered: bool) -> Response {
        let phones = all(body, "Phone");
        let content = field(body, "Content").unwrap_or_default();
        let length = field(body, "Length").and_then(|l| l.trim().parse::<usize>().ok());
        let index_new = field(body, "Index").as_deref() == Some("-1");
        if phones.is_empty()
            || phones.iter().any(|p| p.trim().is_empty())
            || content.is_empty()
            || !index_new
            || field(body, "Date").is_none()
            || length != Some(content.encode_utf16().count())
        {
            return error(FORMAT_ERROR);
        }
        if let Some(code) = self.send_error {
            return error(code);
        }
        if self.inbox.len() + self.sent.len() + phones.len() > CAPACITY {
            return error(SPACE_FULL);
        }
        let date = field(body, "Date").unwrap_or_default();
        let failed = self.network_refuses || !registered;
        for p in &phones {
            let index = self.take_index();
            self.sent.push(Sms {
                index,
                smstat: if failed { 4 } else { 3 },
                phone: p.clone(),
                content: content.clone(),
                date: date.clone(),
                sms_type: 1,
            });
        }
        self.last_send = Some((phones, Instant::now()));
        ok()
    }

    pub fn send_status(&self) -> Response {
        let mut x = Xml::default();
        let Some((phones, at)) = &self.last_send else {
            for k in ["Phone", "SucPhone", "FailPhone", "TotalCount", "CurIndex"] {
                x.leaf(k, "");
            }
            return x.response();
        };
        let done = at.elapsed() >= SENDING;
        let failed = self
            .sent
            .iter()
            .rev()
            .take(phones.len())
            .any(|m| m.smstat == 4);
        let list = phones.join(";");
        let (now, suc, fail) = match (done, failed) {
            (false, _) => (phones.first().cloned().unwrap_or_default(), "", ""),
            (true, false) => (String::new(), list.as_str(), ""),
            (true, true) => (String::new(), "", list.as_str()),
        };
        x.leaf("Phone", &now);
        x.leaf("SucPhone", suc);
        x.leaf("FailPhone", fail);
        x.leaf("TotalCount", &phones.len().to_string());
        x.leaf("CurIndex", &if done { phones.len() } else { 0 }.to_string());
        x.response()
    }

    /// `delete-sms`: every `<Index>` must exist, else nothing is deleted (113114).
    pub fn delete(&mut self, body: &str) -> Response {
        let idx: Vec<u32> = all(body, "Index")
            .iter()
            .filter_map(|i| i.trim().parse().ok())
            .collect();
        if idx.is_empty() {
            return error(FORMAT_ERROR);
        }
        let exists = |i: &u32| self.inbox.iter().chain(&self.sent).any(|m| m.index == *i);
        if !idx.iter().all(exists) {
            return error(SMS_NOT_FOUND);
        }
        self.inbox.retain(|m| !idx.contains(&m.index));
        self.sent.retain(|m| !idx.contains(&m.index));
        ok()
    }

    pub fn set_read(&mut self, body: &str) -> Response {
        let Some(i) = field(body, "Index").and_then(|i| i.trim().parse::<u32>().ok()) else {
            return error(FORMAT_ERROR);
        };
        match self.inbox.iter_mut().find(|m| m.index == i) {
            Some(m) => {
                if m.smstat == 0 {
                    m.smstat = 1;
                }
                ok()
            }
            None => error(SMS_NOT_FOUND),
        }
    }

    fn ussd_ready(&self) -> bool {
        matches!(self.ussd, Some(Some(t)) if Instant::now() >= t)
    }

    /// `ussd/send`: the answer comes after the delay, or never without a network.
    pub fn ussd_send(&mut self, body: &str, registered: bool) -> Response {
        let code = field(body, "content").unwrap_or_default();
        if code.trim().is_empty() {
            return error(USSD_EMPTY);
        }
        if self.ussd.is_some() && !self.ussd_ready() {
            return error(USSD_IN_SESSION);
        }
        self.ussd = Some(registered.then(|| Instant::now() + self.ussd_delay));
        ok()
    }

    /// `ussd/get`: 111019 until the answer is in; the answer once.
    pub fn ussd_get(&mut self) -> Response {
        if !self.ussd_ready() {
            return error(USSD_PENDING);
        }
        self.ussd = None;
        let mut x = Xml::default();
        x.leaf("content", &self.ussd_reply);
        x.response()
    }

    pub fn ussd_status(&self) -> Response {
        let busy = self.ussd.is_some() && !self.ussd_ready();
        let mut x = Xml::default();
        x.leaf("result", if busy { "1" } else { "0" });
        x.response()
    }

    pub fn ussd_release(&mut self) -> Response {
        self.ussd = None;
        ok()
    }
}

/// Every `<name>…</name>` text in a request body, in order.
fn all(body: &str, name: &str) -> Vec<String> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i + open.len()..];
        let Some(end) = rest.find(&close) else { break };
        if let Some(v) = field(&format!("{open}{}{close}", &rest[..end]), name) {
            out.push(v);
        }
        rest = &rest[end..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sims_messages_decoded_as_the_stick_keeps_them() {
        let m = Messages::new(false, None, Duration::ZERO);
        // Seven SIM slots: five received (two of them one long message), a delivery report,
        // one sent; plus the one with a control character.
        assert_eq!(m.inbox.len(), 6);
        assert_eq!(m.sent.len(), 1);
        assert!(m
            .inbox
            .iter()
            .any(|s| s.sms_type == 2 && s.content.len() > 160));
        assert!(m.inbox.iter().any(|s| s.content == "тест"));
        assert!(m
            .inbox
            .iter()
            .any(|s| s.sms_type == 7 && s.content.is_empty()));
        assert!(m
            .inbox
            .iter()
            .all(|s| s.date.len() == 19 && s.index >= FIRST_INDEX));
        assert!(m.sent[0].content.starts_with("你好"));
    }

    #[test]
    fn repeated_elements() {
        assert_eq!(
            all(
                "<request><Index>1</Index><Index>2</Index></request>",
                "Index"
            ),
            ["1", "2"]
        );
        assert_eq!(
            all(
                "<Phones><Phone>+1</Phone><Phone>a&amp;b</Phone></Phones>",
                "Phone"
            ),
            ["+1", "a&b"]
        );
    }
}
