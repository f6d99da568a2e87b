//! SMS and USSD over the web API (`connect_and_hilink.md` §1.5): the stick keeps messages in
//! its own store (indexes from 40000), joins the parts of long ones and hands out text, never
//! PDUs.
//!
//! Request bodies follow the WebUI's element order (a B525s answers 100005 otherwise,
//! Salamek/huawei-lte-api `api/Sms.py`: "at least the B525s-23a is order sensitive"). USSD is
//! `ussd/send` with `content`, `codeType`, `timeout` (huawei-lte-api `api/Ussd.py`), then
//! `ussd/get` polled while it answers 111019 (ERROR_USSD_NET_NO_RETURN: no answer from the
//! network yet; router clients found by code search poll it the same way, and release the
//! session when they give up); `ussd/release` ends a session.

use crate::client::Client;
use crate::error::HilinkError;
use crate::types::{SmsCount, SmsList, SmsMessage};
use quick_xml::escape::escape;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::time::{Duration, Instant, SystemTime};

/// Messages per `sms-list` page (the WebUI's largest page).
pub const PAGE: u32 = 20;
/// Pages read at most (a stick stores a few hundred messages).
const MAX_PAGES: u32 = 50;
/// How often `ussd/get` and `sms/send-status` are asked again.
const POLL: Duration = Duration::from_millis(300);
/// `ussd/get` before the network answered.
pub const USSD_PENDING: u32 = 111019;
/// `ussd/send` while another USSD session is open.
const USSD_IN_SESSION: u32 = 111013;

/// `BoxType` of `sms-list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsBox {
    /// 1: received messages (and delivery reports).
    Inbox = 1,
    /// 2: messages sent from the stick.
    Sent = 2,
}

/// `GET api/sms/send-status`: how the last `send-sms` went. The stick answers `send-sms` with
/// OK once the message is queued; the network's verdict shows up here.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct SendStatus {
    /// The number being sent to now.
    #[serde(rename = "Phone")]
    pub phone: Option<String>,
    /// Numbers sent to, `;`-separated.
    #[serde(rename = "SucPhone")]
    pub suc_phone: Option<String>,
    /// Numbers the send failed for, `;`-separated.
    #[serde(rename = "FailPhone")]
    pub fail_phone: Option<String>,
    #[serde(rename = "TotalCount")]
    pub total_count: Option<String>,
    #[serde(rename = "CurIndex")]
    pub cur_index: Option<String>,
}

fn numbers(v: &Option<String>) -> Vec<String> {
    v.as_deref()
        .unwrap_or("")
        .split([';', ','])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect()
}

impl SendStatus {
    pub fn failed(&self) -> Vec<String> {
        numbers(&self.fail_phone)
    }
    pub fn succeeded(&self) -> Vec<String> {
        numbers(&self.suc_phone)
    }
    /// Every number has an outcome.
    pub fn finished(&self, wanted: usize) -> bool {
        self.failed().len() + self.succeeded().len() >= wanted
    }
}

/// What [`Client::send_sms`] learnt about the numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SendOutcome {
    pub sent: Vec<String>,
    pub failed: Vec<String>,
    /// The stick said nothing final before the deadline (its `send-status` may be missing).
    pub unconfirmed: Vec<String>,
}

/// The `<Length>` of `send-sms`: the WebUI's JavaScript string length, in UTF-16 units.
pub fn js_length(text: &str) -> usize {
    text.encode_utf16().count()
}

/// `YYYY-MM-DD hh:mm:ss` in UTC, as huawei-lte-api fills `<Date>` (`datetime.utcnow()`); the
/// stick stores it as the message's time.
pub fn request_date(now: SystemTime) -> String {
    let secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil from days (H. Hinnant's algorithm), for 1970 onwards.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The `send-sms` body in the WebUI's order: `Index` -1 (a new message), `Phones/Phone`…,
/// `Sca` (empty: the SIM's), `Content`, `Length`, `Reserved` 1 (the WebUI's `g_text_mode`;
/// the stick picks GSM-7 or UCS-2 itself), `Date`.
pub fn send_request(phones: &[&str], text: &str, date: &str) -> String {
    let mut s =
        String::from(r#"<?xml version="1.0" encoding="UTF-8"?><request><Index>-1</Index><Phones>"#);
    for p in phones {
        let _ = write!(s, "<Phone>{}</Phone>", escape(*p));
    }
    let _ = write!(
        s,
        "</Phones><Sca></Sca><Content>{}</Content><Length>{}</Length><Reserved>1</Reserved><Date>{}</Date></request>",
        escape(text),
        js_length(text),
        escape(date)
    );
    s
}

/// The `sms-list` body, in the order the B525s insists on.
pub fn list_request(bx: SmsBox, page: u32, count: u32) -> String {
    crate::xml::request(&[
        ("PageIndex", &page.to_string()),
        ("ReadCount", &count.to_string()),
        ("BoxType", &(bx as u8).to_string()),
        ("SortType", "0"),
        ("Ascending", "0"),
        ("UnreadPreferred", "0"),
    ])
}

/// `delete-sms` for several messages: the WebUI repeats `<Index>` (sms.js).
pub fn delete_request(indexes: &[u32]) -> String {
    let mut s = String::from(r#"<?xml version="1.0" encoding="UTF-8"?><request>"#);
    for i in indexes {
        let _ = write!(s, "<Index>{i}</Index>");
    }
    s.push_str("</request>");
    s
}

impl Client {
    /// `GET api/sms/sms-count`: messages in the stick's and the SIM's boxes.
    pub fn sms_count(&self) -> Result<SmsCount, HilinkError> {
        self.get("sms/sms-count")
    }

    /// One page (1-based) of a box, newest first.
    pub fn sms_list(&self, bx: SmsBox, page: u32, count: u32) -> Result<SmsList, HilinkError> {
        let doc = self.post_document("sms/sms-list", &list_request(bx, page, count))?;
        SmsList::from_element(&doc).map_err(|e| HilinkError::NotHilink {
            url: format!("{}/api/sms/sms-list", self.url()),
            what: format!("a message list that does not fit ({e})"),
        })
    }

    /// Every message of a box: pages until `Count` is reached or a page comes back short.
    pub fn sms_all(&self, bx: SmsBox) -> Result<Vec<SmsMessage>, HilinkError> {
        let mut all: Vec<SmsMessage> = Vec::new();
        for page in 1..=MAX_PAGES {
            let l = self.sms_list(bx, page, PAGE)?;
            let n = l.messages.len();
            for m in l.messages {
                // A message that moved between two pages' reads is listed once.
                if m.index.is_none() || !all.iter().any(|a| a.index == m.index) {
                    all.push(m);
                }
            }
            let total = l.count.unwrap_or(0) as usize;
            if n < PAGE as usize || all.len() >= total {
                break;
            }
        }
        Ok(all)
    }

    /// `send-sms`, then `send-status` until every number has an outcome or `timeout` passes.
    pub fn send_sms(
        &self,
        phones: &[&str],
        text: &str,
        timeout: Duration,
    ) -> Result<SendOutcome, HilinkError> {
        let body = send_request(phones, text, &request_date(SystemTime::now()));
        self.post("sms/send-sms", &body)?;
        let deadline = Instant::now() + timeout;
        let mut last = SendStatus::default();
        loop {
            match self.sms_send_status() {
                Ok(st) => {
                    last = st;
                    if last.finished(phones.len()) {
                        break;
                    }
                }
                // Older firmware without send-status: OK from send-sms is all there is.
                Err(e) if e.api_code().is_some() => break,
                Err(e) => return Err(e),
            }
            if Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(POLL);
        }
        let (sent, failed) = (last.succeeded(), last.failed());
        let unconfirmed = phones
            .iter()
            .filter(|p| !sent.iter().chain(&failed).any(|q| q == *p))
            .map(|p| p.to_string())
            .collect();
        Ok(SendOutcome {
            sent,
            failed,
            unconfirmed,
        })
    }

    pub fn sms_send_status(&self) -> Result<SendStatus, HilinkError> {
        self.get("sms/send-status")
    }

    /// `delete-sms` for these indexes (one request).
    pub fn delete_sms(&self, indexes: &[u32]) -> Result<(), HilinkError> {
        self.post("sms/delete-sms", &delete_request(indexes))
    }

    /// `set-read`: the message shows as read in the WebUI.
    pub fn set_sms_read(&self, index: u32) -> Result<(), HilinkError> {
        self.post(
            "sms/set-read",
            &crate::xml::request(&[("Index", &index.to_string())]),
        )
    }

    /// `GET api/ussd/status`: whether a USSD request is in progress (`<result>1`).
    pub fn ussd_busy(&self) -> Result<bool, HilinkError> {
        let d = self.get_document("ussd/status")?;
        Ok(d.get("result").map(str::trim) == Some("1"))
    }

    /// `POST api/ussd/send` (`content`, `codeType` `CodeType`, `timeout` empty, as the WebUI
    /// and huawei-lte-api send it).
    pub fn ussd_send(&self, code: &str) -> Result<(), HilinkError> {
        self.post(
            "ussd/send",
            &crate::xml::request(&[("content", code), ("codeType", "CodeType"), ("timeout", "")]),
        )
    }

    /// `GET api/ussd/get`: the network's answer, `None` while it has not come (111019).
    pub fn ussd_get(&self) -> Result<Option<String>, HilinkError> {
        match self.get_document("ussd/get") {
            Ok(d) => Ok(Some(
                d.children
                    .iter()
                    .find(|c| c.name.eq_ignore_ascii_case("content"))
                    .map(|c| c.text.clone())
                    .unwrap_or_default(),
            )),
            Err(e) if e.api_code() == Some(USSD_PENDING) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET api/ussd/release`: ends the USSD session (a menu the network left open).
    pub fn ussd_release(&self) -> Result<(), HilinkError> {
        self.get_document("ussd/release").map(|_| ())
    }

    /// A USSD request and the network's answer within `timeout`. A session another program
    /// left open (111013) is released and the request sent once more; on a timeout the
    /// session is released, so the next request starts clean.
    pub fn ussd(&self, code: &str, timeout: Duration) -> Result<String, HilinkError> {
        match self.ussd_send(code) {
            Err(e) if e.api_code() == Some(USSD_IN_SESSION) => {
                log::debug!("ussd/send: a session is open; releasing it, one retry");
                let _ = self.ussd_release();
                self.ussd_send(code)?;
            }
            r => r?,
        }
        let deadline = Instant::now() + timeout;
        loop {
            match self.ussd_get() {
                Ok(Some(text)) => return Ok(text),
                Ok(None) => {}
                // 111020 (network time-out) and the like: the session is over for us.
                Err(e) => {
                    let _ = self.ussd_release();
                    return Err(e);
                }
            }
            if Instant::now() >= deadline {
                let _ = self.ussd_release();
                return Err(HilinkError::Api {
                    url: format!("{}/api/ussd/get", self.url()),
                    error: crate::ApiError::new(USSD_PENDING, ""),
                });
            }
            std::thread::sleep(POLL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_civil_time() {
        let t = |s| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(request_date(t(0)), "1970-01-01 00:00:00");
        assert_eq!(request_date(t(951_782_400)), "2000-02-29 00:00:00");
        assert_eq!(request_date(t(1_798_761_599)), "2026-12-31 23:59:59");
    }

    #[test]
    fn length_counts_utf16_units_like_the_webui() {
        assert_eq!(js_length("Hello"), 5);
        assert_eq!(js_length("тест"), 4);
        assert_eq!(js_length("😀"), 2);
    }

    #[test]
    fn bodies_in_webui_order_and_escaped() {
        let s = send_request(&["+4915112345678"], "a<b & \"c\"", "2026-12-06 03:00:00");
        let d = crate::xml::parse(&s).unwrap();
        let names: Vec<&str> = d.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["Index", "Phones", "Sca", "Content", "Length", "Reserved", "Date"]
        );
        assert_eq!(d.get("Content"), Some("a<b & \"c\""));
        assert_eq!(d.get("Length"), Some("9"));
        assert_eq!(
            delete_request(&[40001, 40003]),
            r#"<?xml version="1.0" encoding="UTF-8"?><request><Index>40001</Index><Index>40003</Index></request>"#
        );
    }
}
