//! Every real HiLink sample in `tests/data/` (copied verbatim from
//! `shared/reference/hilink_samples/`; `tests/data/SOURCES.md` says where each came from)
//! through the parser and the typed structs.

use dongle_hilink::types::*;
use dongle_hilink::xml::{self, Document};
use dongle_hilink::{ApiError, ConnectionStatus, Policy};
use std::path::Path;

fn data(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn doc(name: &str) -> Document {
    xml::parse(&data(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn response<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let d = doc(name);
    assert_eq!(d.name, "response", "{name}");
    d.to().unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn error(name: &str) -> ApiError {
    let d = doc(name);
    assert_eq!(d.name, "error", "{name}");
    ApiError::new(
        d.get("code").unwrap().parse().unwrap(),
        d.get("message").unwrap_or(""),
    )
}

/// Every file in tests/data is checked by a test below: a new sample needs a test.
#[test]
fn every_sample_is_covered() {
    let covered = [
        "device_autorun_version.xml",
        "device_control_reboot_request.xml",
        "device_information_e3372s.xml",
        "device_mode_debug_request.xml",
        "device_signal_lte.xml",
        "dhcp_settings.xml",
        "dhcp_settings_request_e3372h320.xml",
        "dialup_dial_request.xml",
        "dialup_mobile_dataswitch_request.xml",
        "error_100005_b525.xml",
        "error_108006_fixture.xml",
        "error_125002_e3372.xml",
        "error_125002_fixture.xml",
        "global_module_switch.xml",
        "homepage_csrf_meta_fixture.html",
        "monitoring_status_doc.xml",
        "monitoring_status_e3372h320.xml",
        "monitoring_traffic_statistics.xml",
        "response_ok.xml",
        "sms_count.xml",
        "sms_list.xml",
        "sms_list_contact_e3372h320.xml",
        "sms_list_contact_e3372h320_b.xml",
        "sms_list_phone_e3372h320.xml",
        "sms_list_request.xml",
        "sms_send_request.xml",
        "user_hilink_login.xml",
        "user_state_login_type0_fixture.xml",
        "user_state_login_type4_fixture.xml",
        "webserver_token_fixture.xml",
        "SOURCES.md",
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(covered.contains(&name.as_str()), "{name} has no test");
        n += 1;
    }
    assert_eq!(n, covered.len());
}

#[test]
fn device_information() {
    let i: DeviceInformation = response("device_information_e3372s.xml");
    assert_eq!(i.device_name.as_deref(), Some("E3372"));
    assert_eq!(i.serial_number.as_deref(), Some("G4PDM15709004440"));
    assert_eq!(i.imei.as_deref(), Some("861821030014452"));
    assert_eq!(i.imsi.as_deref(), Some("26001012345678"));
    assert_eq!(i.iccid.as_deref(), Some("8991101200003204510"));
    assert_eq!(i.msisdn, None, "empty element = absent");
    assert_eq!(i.hardware_version.as_deref(), Some("CL1E3372SM"));
    assert_eq!(i.software_version.as_deref(), Some("21.329.62.00.161"));
    assert_eq!(i.webui_version.as_deref(), Some("17.100.15.02.161"));
    assert_eq!(i.mac_address1.as_deref(), Some("0C:96:BF:89:53:EA"));
    assert_eq!(i.mac_address2, None);
    assert_eq!(i.classify.as_deref(), Some("hilink"));
    assert_eq!(i.supportmode.as_deref(), Some("LTE|WCDMA|GSM"));
    assert_eq!(i.workmode.as_deref(), Some("LTE"));
}

#[test]
fn device_signal_crlf_and_units() {
    let raw = data("device_signal_lte.xml");
    assert!(raw.contains("\r\n"), "the sample keeps the device's CRLF");
    let s: DeviceSignal = response("device_signal_lte.xml");
    assert_eq!(s.rsrp_dbm(), Some(-105.0));
    assert_eq!(s.rsrq_db(), Some(-14.0));
    assert_eq!(s.rssi_dbm(), Some(-71.0));
    assert_eq!(s.sinr_db(), Some(-7.0));
    assert_eq!(s.rscp_dbm(), None);
    assert_eq!(s.ecio_db(), None);
    assert_eq!(s.technology(), Some("LTE"));
    assert_eq!(s.pci.as_deref(), Some("266"));
    assert_eq!(s.cell_id.as_deref(), Some("21890627"));
    assert_eq!(s.band.as_deref(), Some("1"));
    assert_eq!(s.plmn.as_deref(), Some("50502"));
    assert_eq!(s.earfcn.as_deref(), Some("DL:299 UL:18299"));
    assert_eq!(s.enodeb_id.as_deref(), Some("0085510"));
    assert_eq!(s.ltedlfreq.as_deref(), Some("21399"));
    assert_eq!(signal_value(s.dlbandwidth.as_deref()), Some(20.0));
}

#[test]
fn monitoring_status_device() {
    let s: MonitoringStatus = response("monitoring_status_e3372h320.xml");
    assert_eq!(s.connection(), Some(ConnectionStatus::Connected));
    assert_eq!(s.signal_percent(), Some(60), "SignalIcon 3 of maxsignal 5");
    assert_eq!(s.technology(), Some("LTE"));
    assert!(s.has_service());
    assert!(!s.roaming());
    assert_eq!(s.sim_status.as_deref(), Some("1"));
    assert_eq!(s.primary_dns.as_deref(), Some("195.38.164.15"));
    assert_eq!(s.secondary_dns.as_deref(), Some("195.38.164.16"));
    assert_eq!(
        s.wan_ip_address, None,
        "this firmware does not report it here"
    );
    assert_eq!(s.classify.as_deref(), Some("hilink"));
}

#[test]
fn monitoring_status_doc_with_duplicate_maxsignal() {
    // `maxsignal` appears twice: quick-xml's serde would reject the document.
    let d = doc("monitoring_status_doc.xml");
    assert_eq!(
        d.children.iter().filter(|c| c.name == "maxsignal").count(),
        2
    );
    let s: MonitoringStatus = d.to().unwrap();
    assert_eq!(s.maxsignal.as_deref(), Some("5"));
    assert_eq!(s.connection(), Some(ConnectionStatus::Connected));
    assert_eq!(s.wan_ip_address.as_deref(), Some("10.10.10.10"));
    assert_eq!(
        s.signal_percent(),
        None,
        "SignalIcon missing, SignalStrength empty"
    );
    assert_eq!(s.technology(), Some("LTE"));
    assert_eq!(s.cellroam.as_deref(), Some("1"));
}

#[test]
fn traffic_statistics() {
    let t: TrafficStatistics = response("monitoring_traffic_statistics.xml");
    assert_eq!(t.connect_time_s(), Some(9380));
    assert_eq!(t.upload_bytes(), Some(1_024_000));
    assert_eq!(t.download_bytes(), Some(5_120_000));
    assert_eq!(t.total_upload_bytes(), Some(2_048_000));
    assert_eq!(t.total_download_bytes(), Some(10_240_000));
    assert_eq!(t.download_rate(), Some(0));
    assert_eq!(t.upload_rate(), Some(0));
}

#[test]
fn dhcp_settings_and_the_real_request_order() {
    let d: DhcpSettings = response("dhcp_settings.xml");
    assert_eq!(d.dhcp_start_ip_address.as_deref(), Some("192.168.8.100"));
    assert_eq!(d.dhcp_end_ip_address.as_deref(), Some("192.168.8.200"));
    assert_eq!(d.dhcp_lease_time.as_deref(), Some("86400"));
    assert_eq!(d.primary_dns.as_deref(), Some("192.168.8.1"));
    assert_eq!(
        d.dhcp_ip_address, None,
        "this doc sample lacks the stick's own address"
    );

    // The request a real E3372h-320 accepted: malformed prolog, and this element order.
    let raw = data("dhcp_settings_request_e3372h320.xml");
    assert!(raw.starts_with("<?xml version: \"1.0\""));
    let req = xml::parse(&raw).expect("the malformed prolog is tolerated");
    assert_eq!(req.name, "request");
    let parsed: DhcpSettings = req.to().unwrap();
    let ours = xml::parse(&parsed.to_request()).unwrap();
    let names = |d: &Document| {
        d.children
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&ours),
        names(&req),
        "same element order as the working client"
    );
    // Our body differs only in the (correct) declaration.
    let body = parsed.to_request();
    assert_eq!(
        body.split_once("?>").unwrap().1,
        raw.split_once("?>").unwrap().1
    );
    // Moving to 192.168.9.0/24 keeps the order and follows the DNS.
    let moved = parsed.with_subnet(9).unwrap();
    assert_eq!(moved.dhcp_ip_address.as_deref(), Some("192.168.9.1"));
    assert_eq!(moved.primary_dns.as_deref(), Some("192.168.9.1"));
    assert_eq!(
        names(&xml::parse(&moved.to_request()).unwrap()),
        names(&req)
    );
}

#[test]
fn requests_we_send_match_the_samples() {
    // Byte for byte where the sample is a single line.
    let ds = xml::request(&[("dataswitch", "1")]);
    assert_eq!(ds, data("dialup_mobile_dataswitch_request.xml"));
    let mode = xml::request(&[("mode", &DeviceMode::Debug.code().to_string())]);
    assert_eq!(mode, data("device_mode_debug_request.xml"));
    // Same elements for the indented ones.
    let reboot = xml::parse(&data("device_control_reboot_request.xml")).unwrap();
    assert_eq!(
        reboot.get("Control"),
        Some((Control::Reboot as u8).to_string().as_str())
    );
    let dial = xml::parse(&data("dialup_dial_request.xml")).unwrap();
    assert_eq!(dial.name, "request");
    assert_eq!(dial.get("Action"), Some("1"));
    let list = xml::parse(&data("sms_list_request.xml")).unwrap();
    let order: Vec<_> = list.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        order,
        [
            "PageIndex",
            "ReadCount",
            "BoxType",
            "SortType",
            "Ascending",
            "UnreadPreferred"
        ]
    );
    let send = xml::parse(&data("sms_send_request.xml")).unwrap();
    assert_eq!(send.get("Index"), Some("-1"));
    assert_eq!(
        send.child("Phones").and_then(|p| p.get("Phone")),
        Some("+48500500500")
    );
    assert_eq!(send.get("Length"), Some("20"));
}

#[test]
fn errors() {
    let e = error("error_125002_e3372.xml");
    assert_eq!(e.code, 125002);
    assert_eq!(e.policy(), Policy::Resync);
    assert_eq!(e.name(), Some("ERROR_WRONG_SESSION"));
    let e = error("error_125002_fixture.xml");
    assert_eq!(e.code, 125002);
    let e = error("error_108006_fixture.xml");
    assert_eq!(e.code, 108006);
    assert_eq!(e.policy(), Policy::BadCredentials);
    assert!(
        e.to_string().contains("user name or password is wrong"),
        "{e}"
    );
    let e = error("error_100005_b525.xml");
    assert_eq!(e.code, 100005);
    assert_eq!(e.policy(), Policy::Fail);
    assert!(e.fix().contains("report"));
}

#[test]
fn response_ok() {
    let d = doc("response_ok.xml");
    assert_eq!(d.name, "response");
    assert_eq!(d.text, "OK");
}

#[test]
fn login_state_and_tokens() {
    let l: HilinkLogin = response("user_hilink_login.xml");
    assert!(l.required());
    let s0: StateLogin = response("user_state_login_type0_fixture.xml");
    assert_eq!(s0.password_type(), Some(0));
    assert!(!s0.logged_in());
    let s4: StateLogin = response("user_state_login_type4_fixture.xml");
    assert_eq!(s4.password_type(), Some(4));
    assert!(!s4.scram());
    let t: WebserverToken = response("webserver_token_fixture.xml");
    assert_eq!(t.token.as_deref(), Some("fallback-token"));
    assert_eq!(
        xml::meta_csrf_tokens(&data("homepage_csrf_meta_fixture.html")),
        vec!["x"]
    );
}

#[test]
fn other_documents_parse() {
    let v = doc("device_autorun_version.xml");
    assert_eq!(v.get("Version"), Some("11.0.2.1(H192SP2C1025)"));
    let m = doc("global_module_switch.xml");
    assert_eq!(m.get("dataswitch_enabled"), Some("1"));
    assert_eq!(m.get("sms_enabled"), Some("1"));
    let c: SmsCount = response("sms_count.xml");
    assert_eq!(c.local_unread.as_deref(), Some("1"));
    assert_eq!(c.local_inbox.as_deref(), Some("5"));
    assert_eq!(c.new_msg.as_deref(), Some("1"));
}

#[test]
fn sms_lists_in_both_spellings() {
    let l = SmsList::from_element(&doc("sms_list.xml")).unwrap();
    assert_eq!(l.count, Some(5));
    assert_eq!(l.messages.len(), 1, "one <Message> is still a list");
    assert_eq!(l.messages[0].index.as_deref(), Some("40000"));
    assert_eq!(
        l.messages[0].content.as_deref(),
        Some("Test message content")
    );
    assert_eq!(l.messages[0].sca, None);

    let p = SmsList::from_element(&doc("sms_list_phone_e3372h320.xml")).unwrap();
    assert_eq!(p.count, Some(5));
    assert_eq!(p.messages.len(), 5);
    assert_eq!(p.messages[0].curbox.as_deref(), Some("1"));
    assert_eq!(p.messages[3].sms_type.as_deref(), Some("7"));

    let c = SmsList::from_element(&doc("sms_list_contact_e3372h320.xml")).unwrap();
    assert_eq!(c.count, Some(2));
    assert_eq!(c.messages[1].phone.as_deref(), Some("+11111111111"));
    assert_eq!(c.messages[0].content, None);

    // `<Count>` capitalised while everything else is lower-case.
    let b = SmsList::from_element(&doc("sms_list_contact_e3372h320_b.xml")).unwrap();
    assert_eq!(b.count, Some(2));
    assert_eq!(
        b.messages[0].content.as_deref(),
        Some("Yeehaa it's working !")
    );
    assert_eq!(b.messages[1].phone.as_deref(), Some("Free Mobile"));
}
