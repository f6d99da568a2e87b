//! SMS and USSD: the request bodies against the real samples, the parsers against real replies,
//! and the client against dongle-sim's loopback HiLink server.

use dongle_hilink::xml;
use dongle_hilink::{
    list_request, send_request, ApiError, Client, HilinkError, SmsBox, SmsList, USSD_PENDING,
};
use dongle_sim::hilink::{HilinkOptions, HilinkServer};
use dongle_sim::Scenario;
use std::path::Path;
use std::time::{Duration, Instant};

fn data(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The sample without its indentation and line breaks.
fn squeezed(s: &str) -> String {
    s.lines().map(str::trim).collect()
}

fn server(opts: HilinkOptions) -> HilinkServer {
    HilinkServer::start("127.0.0.1:0", opts).expect("server starts")
}

fn client(s: &HilinkServer) -> Client {
    Client::new(&s.url())
        .unwrap()
        .with_timeout(Duration::from_secs(2))
}

fn posts(s: &HilinkServer, path: &str) -> Vec<String> {
    s.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == path)
        .map(|r| r.body)
        .collect()
}

#[test]
fn request_bodies_are_the_samples() {
    // WES "Get SMS list" and "Send SMS" (tests/data/SOURCES.md): same elements, same order.
    assert_eq!(
        list_request(SmsBox::Inbox, 1, 20),
        squeezed(&data("sms_list_request.xml"))
    );
    assert_eq!(
        send_request(
            &["+48500500500"],
            "Test message content",
            "2023-01-01 12:00:00"
        ),
        squeezed(&data("sms_send_request.xml"))
    );
}

#[test]
fn control_characters_in_a_real_list_do_not_lose_it() {
    // sms_list.xml (WES) with an ESC sequence and a BEL put into the content, as anyone can
    // send them: the WebUI turns [\x00-\x08\x0b\x0c\x0e-\x1f] into spaces before parsing.
    let raw = data("sms_list.xml").replace(
        "Test message content",
        "Test \u{1b}[2J message\u{7} content",
    );
    let l = SmsList::from_element(&xml::parse(&xml::without_control_chars(&raw)).unwrap()).unwrap();
    assert_eq!(
        l.messages[0].content.as_deref(),
        Some("Test  [2J message  content")
    );
}

#[test]
fn ussd_reply_with_cyrillic_text() {
    // bondrogeen/hilinkhuawei README ("Ответ"): an E3372 balance reply, printed there as the
    // JSON its client makes of the XML; rendered back into the stick's XML here.
    let d = xml::parse(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response>\n<content>Баланс:88,19р,Лимит:0,01р </content>\n</response>\n",
    )
    .unwrap();
    assert_eq!(d.get("content"), Some("Баланс:88,19р,Лимит:0,01р"));
}

#[test]
fn sms_and_ussd_error_codes_have_names_and_fixes() {
    for (code, name) in [
        (111019, "ERROR_USSD_NET_NO_RETURN"),
        (111013, "ERROR_USSD_IN_USSD_SESSION"),
        (111022, "ERROR_USSD_NET_NOT_SUPPORT_USSD"),
        (113018, "ERROR_SMS_OVERTIME"),
        (113053, "ERROR_SMS_LOCAL_SPACE_NOT_ENOUGH"),
    ] {
        let e = ApiError::new(code, "");
        assert_eq!(e.name(), Some(name));
        assert_ne!(e.meaning(), "the stick refused the request", "{code}");
        assert!(!e.fix().contains("dongle doctor"), "{code}: {}", e.fix());
    }
    assert!(ApiError::new(113053, "").fix().contains("sms delete"));
}

#[test]
fn lists_pages_and_counts_the_boxes() {
    let s = server(HilinkOptions::default());
    let c = client(&s);
    let inbox = c.sms_all(SmsBox::Inbox).unwrap();
    let sent = c.sms_all(SmsBox::Sent).unwrap();
    assert_eq!((inbox.len(), sent.len()), s.sms_counts());
    let n = c.sms_count().unwrap();
    assert_eq!(n.local_inbox.as_deref(), Some("6"));
    assert_eq!(n.local_outbox.as_deref(), Some("1"));
    // The control character came through as a space.
    assert!(inbox.iter().any(|m| m
        .content
        .as_deref()
        .is_some_and(|t| t.contains("von 4 wird"))));
    assert!(inbox.iter().any(|m| m.content.as_deref() == Some("тест")));
    // Newest first, as SortType 0 / Ascending 0 asks.
    let dates: Vec<_> = inbox.iter().map(|m| m.date.clone().unwrap()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
    // Small pages: every message once.
    let p1 = c.sms_list(SmsBox::Inbox, 1, 4).unwrap();
    let p2 = c.sms_list(SmsBox::Inbox, 2, 4).unwrap();
    assert_eq!(p1.count, Some(6));
    assert_eq!(p1.messages.len() + p2.messages.len(), 6);
    // Each list request in the B525s's order.
    for b in posts(&s, "/api/sms/sms-list") {
        let d = xml::parse(&b).unwrap();
        let names: Vec<&str> = d.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "PageIndex",
                "ReadCount",
                "BoxType",
                "SortType",
                "Ascending",
                "UnreadPreferred"
            ]
        );
    }
}

#[test]
fn the_stick_refuses_an_out_of_order_list_request() {
    let s = server(HilinkOptions::default());
    let c = client(&s);
    let body = xml::request(&[
        ("ReadCount", "20"),
        ("PageIndex", "1"),
        ("BoxType", "1"),
        ("SortType", "0"),
        ("Ascending", "0"),
        ("UnreadPreferred", "0"),
    ]);
    let e = c.post_document("sms/sms-list", &body).unwrap_err();
    assert_eq!(e.api_code(), Some(100005));
}

#[test]
fn send_stores_in_the_sent_box_and_reports_the_outcome() {
    let s = server(HilinkOptions::default());
    let c = client(&s);
    let text = "Grüße aus Köln — 😀";
    let out = c
        .send_sms(&["+4915112345678"], text, Duration::from_secs(3))
        .unwrap();
    assert_eq!(out.sent, ["+4915112345678"]);
    assert!(out.failed.is_empty() && out.unconfirmed.is_empty());
    let sent = c.sms_all(SmsBox::Sent).unwrap();
    assert!(sent.iter().any(|m| m.content.as_deref() == Some(text)
        && m.phone.as_deref() == Some("+4915112345678")
        && m.smstat.as_deref() == Some("3")));
    let body = posts(&s, "/api/sms/send-sms").remove(0);
    // 17 characters, the emoji two UTF-16 units: the WebUI's JavaScript length.
    assert!(body.contains("<Length>19</Length>"), "{body}");
}

#[test]
fn a_network_refusal_shows_in_send_status() {
    let mut scenario = Scenario::default();
    scenario.sms.send_error = Some(500);
    let s = server(HilinkOptions {
        scenario,
        ..HilinkOptions::default()
    });
    let out = client(&s)
        .send_sms(&["+4915112345678"], "hi", Duration::from_secs(3))
        .unwrap();
    assert_eq!(out.failed, ["+4915112345678"]);
    assert!(out.sent.is_empty());
}

#[test]
fn send_errors_name_the_code() {
    let s = server(HilinkOptions {
        sms_send_error: Some(113053),
        ..HilinkOptions::default()
    });
    let e = client(&s)
        .send_sms(&["+4915112345678"], "hi", Duration::from_secs(1))
        .unwrap_err();
    assert_eq!(e.api_code(), Some(113053));
    let text = e.to_string();
    assert!(text.contains("ERROR_SMS_LOCAL_SPACE_NOT_ENOUGH"), "{text}");
    assert!(text.contains("dongle sms delete"), "{text}");
    // Nothing was stored, and a failed send is not retried (it could go out twice).
    assert_eq!(s.sms_counts().1, 1);
    assert_eq!(posts(&s, "/api/sms/send-sms").len(), 1);
}

#[test]
fn a_stale_session_is_resynced_once_for_sms_too() {
    let s = server(HilinkOptions::default());
    let c = client(&s);
    c.sms_count().unwrap();
    s.expire_session();
    assert_eq!(c.sms_all(SmsBox::Inbox).unwrap().len(), 6);
    s.expire_session();
    c.set_sms_read(40000).unwrap();
}

#[test]
fn delete_and_set_read() {
    let s = server(HilinkOptions::default());
    let c = client(&s);
    let unread: Vec<u32> = c
        .sms_all(SmsBox::Inbox)
        .unwrap()
        .iter()
        .filter(|m| m.smstat.as_deref() == Some("0"))
        .filter_map(|m| m.index.as_deref()?.parse().ok())
        .collect();
    assert!(!unread.is_empty());
    c.set_sms_read(unread[0]).unwrap();
    let after = c.sms_count().unwrap().local_unread.unwrap();
    assert_eq!(after, (unread.len() - 1).to_string());
    c.delete_sms(&[40000, 40001]).unwrap();
    assert_eq!(s.sms_counts().0, 4);
    let e = c.delete_sms(&[40002, 49999]).unwrap_err();
    assert_eq!(e.api_code(), Some(113114));
    assert_eq!(
        s.sms_counts().0,
        4,
        "nothing deleted when one index is unknown"
    );
}

#[test]
fn ussd_waits_past_111019_for_the_answer() {
    let s = server(HilinkOptions {
        ussd_ms: 700,
        ..HilinkOptions::default()
    });
    let c = client(&s);
    let t = Instant::now();
    let reply = c.ussd("*100#", Duration::from_secs(5)).unwrap();
    assert!(reply.starts_with("Balance: 12.34 EUR"), "{reply}");
    assert!(t.elapsed() >= Duration::from_millis(700));
    let pending = s
        .requests()
        .iter()
        .filter(|r| r.path == "/api/ussd/get" && r.error == Some(USSD_PENDING))
        .count();
    assert!(pending >= 1, "ussd/get answered 111019 while waiting");
    let send = posts(&s, "/api/ussd/send").remove(0);
    assert!(
        send.ends_with("<request><content>*100#</content><codeType>CodeType</codeType><timeout></timeout></request>"),
        "{send}"
    );
}

#[test]
fn ussd_without_a_network_times_out_and_releases() {
    let mut scenario = Scenario::default();
    scenario.network.registration = dongle_sim::Registration::Searching;
    let s = server(HilinkOptions {
        scenario,
        ..HilinkOptions::default()
    });
    let c = client(&s);
    let e = c.ussd("*100#", Duration::from_millis(800)).unwrap_err();
    assert!(matches!(&e, HilinkError::Api { error, .. } if error.code == USSD_PENDING));
    assert!(s.requests().iter().any(|r| r.path == "/api/ussd/release"));
    // The session is free again: the next request is taken.
    assert!(!c.ussd_busy().unwrap());
}
