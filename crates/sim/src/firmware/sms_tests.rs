//! The SMS store and USSD as a client sees them over AT.

use super::*;
use crate::profile::profile;
use crate::scenario::Scenario;
use dongle_at::parse::sms::{parse_cmgl_pdu, parse_cmgr_pdu};
use dongle_at::pdu::{self, ussd};

fn modem_with(name: &str, toml: &str) -> Modem {
    let sc = Scenario::from_toml_str(toml).expect("scenario");
    Modem::new(profile(name).expect("profile"), &sc)
}

fn run(m: &mut Modem, port: usize, line: &str) -> Vec<String> {
    m.handle(port, line)
        .into_iter()
        .flat_map(|o| match o {
            Output::Info(s) => s.split("\r\n").map(str::to_string).collect(),
            Output::Final(s) | Output::Urc(s) => vec![s],
            Output::Prompt => vec!["> ".into()],
            Output::Delay(_) => vec![],
            Output::Vanish => vec!["<vanish>".into()],
        })
        .collect()
}

fn body(lines: &[String]) -> String {
    lines[..lines.len() - 1].join("\n")
}

const PCUI: usize = 1;

#[test]
fn lists_the_real_inbox_and_marks_unread_as_read() {
    let mut m = modem_with("e3372", "");
    assert_eq!(run(&mut m, PCUI, "AT+CMGF=0"), ["OK"]);
    assert_eq!(
        run(&mut m, PCUI, "AT+CPMS=\"SM\",\"SM\",\"SM\""),
        ["+CPMS: 7,20,7,20,7,20", "OK"]
    );
    let r = run(&mut m, PCUI, "AT+CMGL=4");
    assert_eq!(r.last().map(String::as_str), Some("OK"));
    let list = parse_cmgl_pdu(&body(&r)).unwrap();
    assert_eq!(list.len(), 7);
    assert_eq!(list[1].status.code(), 0, "index 1 arrives unread");
    for s in &list {
        // <length> is the TPDU without the SMSC field.
        let octets = pdu::from_hex(&s.pdu).unwrap();
        assert_eq!(s.length as usize, octets.len() - 1 - usize::from(octets[0]));
        assert!(pdu::decode(&octets).is_ok());
    }
    // Listing marked them read: "received unread" (0) is empty now.
    assert_eq!(run(&mut m, PCUI, "AT+CMGL=0"), ["OK"]);
    let r = run(&mut m, PCUI, "AT+CMGR=4");
    let one = parse_cmgr_pdu(&body(&r)).unwrap();
    let Ok(pdu::Tpdu::Deliver(d)) = pdu::decode_hex(&one.pdu) else {
        panic!("{one:?}")
    };
    assert_eq!(d.sender.number, "InternetSMS");
    assert_eq!(run(&mut m, PCUI, "AT+CMGR=9"), ["ERROR"]);
    assert_eq!(run(&mut m, PCUI, "AT+CMEE=1"), ["OK"]);
    assert_eq!(run(&mut m, PCUI, "AT+CMGR=9"), ["+CMS ERROR: 321"]);
}

#[test]
fn delete_one_and_all() {
    let mut m = modem_with("e3372", "");
    assert_eq!(run(&mut m, PCUI, "AT+CMGD=2"), ["OK"]);
    assert!(!m.sms.messages.contains_key(&2));
    assert_eq!(m.sms.messages.len(), 6);
    assert_eq!(run(&mut m, PCUI, "AT+CMGD=0,4"), ["OK"]);
    assert!(m.sms.messages.is_empty());
    assert_eq!(
        run(&mut m, PCUI, "AT+CPMS?"),
        ["+CPMS: \"SM\",0,20,\"SM\",0,20,\"SM\",0,20", "OK"]
    );
}

fn send_pdu(m: &mut Modem, text: &str) -> (Vec<String>, Vec<String>) {
    let parts = pdu::encode_submit(&pdu::Outgoing {
        recipient: "+4915112345678",
        text,
        smsc: None,
        reference: 7,
        status_report: false,
    })
    .unwrap();
    let p = &parts[0];
    let prompt = run(m, PCUI, &format!("AT+CMGS={}", p.tpdu_len));
    let done = if prompt == ["> "] {
        assert!(m.awaiting_text(PCUI));
        run(m, PCUI, &format!("{}\u{1a}", p.hex))
    } else {
        vec![]
    };
    (prompt, done)
}

#[test]
fn send_answers_the_message_reference() {
    let mut m = modem_with("e3372", "");
    let (prompt, done) = send_pdu(&mut m, "hello");
    assert_eq!(prompt, ["> "]);
    assert_eq!(done, ["+CMGS: 1", "OK"]);
    assert!(!m.awaiting_text(PCUI));
    assert_eq!(m.sms.sent.len(), 1);
    let (_, done) = send_pdu(&mut m, "again");
    assert_eq!(done, ["+CMGS: 2", "OK"]);
    // A wrong <length> is refused after the PDU, like real firmware.
    run(&mut m, PCUI, "AT+CMEE=1");
    assert_eq!(run(&mut m, PCUI, "AT+CMGS=9"), ["> "]);
    assert_eq!(
        run(&mut m, PCUI, "0001000B915155661632F400000100\u{1a}"),
        ["+CMS ERROR: 304"]
    );
    // ESC aborts: OK, nothing sent, the port takes commands again.
    assert_eq!(run(&mut m, PCUI, "AT+CMGS=20"), ["> "]);
    assert_eq!(run(&mut m, PCUI, "00\u{1b}"), ["OK"]);
    assert_eq!(m.sms.sent.len(), 2);
    assert_eq!(run(&mut m, PCUI, "AT"), ["OK"]);
}

#[test]
fn send_faults() {
    let mut m = modem_with("e3372", "[sms]\nsmsc = \"\"\n");
    run(&mut m, PCUI, "AT+CMEE=1");
    assert_eq!(send_pdu(&mut m, "x").1, ["+CMS ERROR: 330"]);
    let mut m = modem_with("e3372", "[sms]\nsend_error = 500\n");
    run(&mut m, PCUI, "AT+CMEE=1");
    assert_eq!(send_pdu(&mut m, "x").1, ["+CMS ERROR: 500"]);
    let mut m = modem_with("e3372", "[network]\nregistration = \"searching\"\n");
    run(&mut m, PCUI, "AT+CMEE=1");
    assert_eq!(send_pdu(&mut m, "x").1, ["+CMS ERROR: 331"]);
    let mut m = modem_with("e3372", "[sim]\nstate = \"pin\"\n");
    run(&mut m, PCUI, "AT+CMEE=1");
    assert_eq!(run(&mut m, PCUI, "AT+CMGL=4"), ["+CMS ERROR: 311"]);
}

#[test]
fn receiving_into_a_full_store() {
    let mut m = modem_with("e3372", "[sms]\ncapacity = 8\n");
    let pdu = super::sms::INBOX[1].2;
    assert_eq!(m.receive_sms(pdu), Ok(7));
    assert_eq!(m.take_urcs(PCUI), ["+CMTI: \"SM\",7"]);
    assert_eq!(m.receive_sms(pdu), Err(322));
    assert_eq!(m.take_urcs(PCUI), ["^SMMEMFULL: \"SM\""]);
}

#[test]
fn a_long_text_arrives_part_by_part_as_delivers() {
    let mut m = modem_with("e3372", "[sms]\nempty = true\n");
    let text = "Ab$(touch x); ".repeat(30);
    let slots = m.receive_text("+4915112345678", &text).expect("encodes");
    assert_eq!(slots, [Ok(0), Ok(1), Ok(2)]);
    assert_eq!(
        m.take_urcs(PCUI),
        ["+CMTI: \"SM\",0", "+CMTI: \"SM\",1", "+CMTI: \"SM\",2"]
    );
    let parts: Vec<pdu::Tpdu> = (0..3)
        .map(|i| {
            let r = run(&mut m, PCUI, &format!("AT+CMGR={i}"));
            let stored = parse_cmgr_pdu(&body(&r)).expect("+CMGR");
            pdu::decode_hex(&stored.pdu).expect("a DELIVER")
        })
        .collect();
    let pdu::Tpdu::Deliver(first) = &parts[0] else {
        panic!("not a DELIVER: {:?}", parts[0]);
    };
    assert_eq!(first.sender.number, "+4915112345678");
    assert!(
        first.timestamp.to_string().starts_with("20"),
        "{}",
        first.timestamp
    );
    let joined: String = parts.iter().map(pdu::Tpdu::text).collect();
    assert_eq!(joined, text);
    let c = parts[2].concat().expect("a part");
    assert_eq!((c.seq, c.total), (3, 3));
    // The next message has another reference: its parts are not mixed with these.
    m.receive_text("+4915112345678", &text).expect("encodes");
    let r = run(&mut m, PCUI, "AT+CMGR=3");
    let next = pdu::decode_hex(&parse_cmgr_pdu(&body(&r)).expect("+CMGR").pdu).expect("DELIVER");
    assert_ne!(next.concat().expect("a part").reference, c.reference);
}

#[test]
fn ussd_like_a_huawei_stick() {
    let mut m = modem_with("e3372", "");
    let code = ussd::pack_code("*100#");
    assert_eq!(
        run(&mut m, PCUI, &format!("AT+CUSD=1,\"{code}\",15")),
        ["OK"]
    );
    let urcs = m.take_urcs(PCUI);
    assert_eq!(urcs.len(), 1);
    let c = ussd::parse_cusd(&urcs[0]).unwrap();
    // Packed hex on the wire, the text after decoding.
    assert!(c.raw.unwrap().bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(c.text.as_deref(), Some(super::sms::USSD_REPLY));
    // Old Huawei firmware refuses an unpacked code.
    assert_eq!(run(&mut m, PCUI, "AT+CUSD=1,\"*100#\",15"), ["ERROR"]);
}

#[test]
fn ussd_like_a_zte_stick() {
    let mut m = modem_with("zte-mf190", "[sms]\nussd_reply = \"Saldo 5,00\"\n");
    let port = m.urc_port().unwrap();
    assert_eq!(run(&mut m, port, "AT+CUSD=1,\"*100#\",15"), ["OK"]);
    let urcs = m.take_urcs(port);
    assert_eq!(urcs, ["+CUSD: 0,\"Saldo 5,00\",15"]);
}
