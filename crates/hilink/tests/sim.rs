//! The client against the loopback HiLink server of dongle-sim: sessions, token rotation,
//! login, error retry, the data switch, faults.

use dongle_hilink::{
    connect, disconnect, link_status, Client, ConnectionStatus, DeviceMode, HilinkError,
};
use dongle_sim::hilink::{HilinkOptions, HilinkServer, TokenHeaders};
use dongle_sim::Scenario;
use std::time::{Duration, Instant};

fn server(opts: HilinkOptions) -> HilinkServer {
    HilinkServer::start("127.0.0.1:0", opts).expect("server starts")
}

fn client(s: &HilinkServer) -> Client {
    Client::new(&s.url())
        .unwrap()
        .with_timeout(Duration::from_secs(2))
}

fn errors(s: &HilinkServer) -> Vec<(String, u32)> {
    s.requests()
        .into_iter()
        .filter_map(|r| r.error.map(|e| (r.path, e)))
        .collect()
}

#[test]
fn reads_every_endpoint() {
    let s = server(HilinkOptions::default());
    let c = client(&s);
    let i = c.device_information().unwrap();
    assert_eq!(i.device_name.as_deref(), Some("E3372"));
    assert_eq!(i.imei.as_deref().map(str::len), Some(15));
    assert!(i.imsi.as_deref().unwrap().starts_with("27001"));
    let sig = c.signal().unwrap();
    assert_eq!(sig.rsrp_dbm(), Some(-105.0));
    assert_eq!(sig.rsrq_db(), Some(-14.0));
    assert_eq!(sig.sinr_db(), Some(-7.0));
    let st = c.status().unwrap();
    assert_eq!(st.connection(), Some(ConnectionStatus::Disconnected));
    assert_eq!(st.technology(), Some("LTE"));
    let p = c.current_plmn().unwrap();
    assert_eq!(p.numeric.as_deref(), Some("27001"));
    assert_eq!(p.full_name.as_deref(), Some("POST"));
    assert!(c.pin_status().unwrap().state().unwrap().ready());
    assert!(!c.data_switch().unwrap().on());
    assert_eq!(c.dialup_connection().unwrap().mtu.as_deref(), Some("1500"));
    assert_eq!(
        c.dhcp_settings().unwrap().dhcp_ip_address.as_deref(),
        Some("192.168.8.1")
    );
    assert_eq!(c.traffic_statistics().unwrap().connect_time_s(), Some(0));
    assert!(!c.hilink_login().unwrap().required());
    assert!(errors(&s).is_empty(), "{:?}", errors(&s));
    // The session came from the home page: cookie on every API call.
    let reqs = s.requests();
    assert_eq!(reqs[0].path, "/");
    assert!(reqs[1..].iter().all(|r| r.cookie.is_some()), "{reqs:?}");
}

#[test]
fn tokens_rotate_across_many_posts() {
    for headers in [TokenHeaders::Stick, TokenHeaders::OneTwo] {
        for homepage_tokens in [true, false] {
            let s = server(HilinkOptions {
                token_headers: headers,
                homepage_tokens,
                connect_ms: 0,
                disconnect_ms: 0,
                ..HilinkOptions::default()
            });
            let c = client(&s);
            for i in 0..6 {
                c.set_data_switch(i % 2 == 0).unwrap();
            }
            assert!(
                errors(&s).is_empty(),
                "{headers:?} homepage {homepage_tokens}: {:?}",
                errors(&s)
            );
            let posts: Vec<_> = s
                .requests()
                .into_iter()
                .filter(|r| r.method == "POST")
                .collect();
            assert_eq!(posts.len(), 6);
            // Single-use: no token was sent twice.
            let mut seen = std::collections::HashSet::new();
            for p in &posts {
                let t = p.token.clone().expect("every POST carries a token");
                assert!(seen.insert(t), "a token was reused");
            }
            let fetched_sestok = s
                .requests()
                .iter()
                .any(|r| r.path == "/api/webserver/SesTokInfo");
            assert_eq!(fetched_sestok, !homepage_tokens);
        }
    }
}

#[test]
fn expired_session_is_resynced_and_retried_once() {
    let s = server(HilinkOptions::default());
    let c = client(&s);
    c.status().unwrap();
    s.expire_session();
    c.status().unwrap();
    c.set_data_switch(true).unwrap();
    s.expire_session();
    c.set_data_switch(false).unwrap();
    let errs = errors(&s);
    assert_eq!(
        errs,
        vec![
            ("/api/monitoring/status".to_string(), 125002),
            ("/api/dialup/mobile-dataswitch".to_string(), 125002)
        ]
    );
}

#[test]
fn login_type4_and_type0() {
    for ptype in [4, 0] {
        let s = server(HilinkOptions {
            password: Some("s3cret".into()),
            password_type: ptype,
            homepage_tokens: false,
            ..HilinkOptions::default()
        });
        // No credentials: a clear error, nothing retried in a loop.
        let anon = client(&s);
        let e = anon.device_information().unwrap_err();
        assert!(matches!(e, HilinkError::LoginRequired { .. }), "{e}");
        assert!(e.to_string().contains("DONGLE_HILINK_PASSWORD"), "{e}");
        // Public endpoints still work.
        anon.status().unwrap();
        assert!(anon.hilink_login().unwrap().required());

        let c = client(&s).with_credentials("admin", "s3cret");
        let i = c.device_information().unwrap();
        assert_eq!(i.device_name.as_deref(), Some("E3372"));
        assert!(s.snapshot().logged_in);
        // After the login the stick handed out 30 tokens: the POSTs use them.
        c.set_data_switch(true).unwrap();
        c.set_data_switch(false).unwrap();
        let logins: Vec<_> = s
            .requests()
            .into_iter()
            .filter(|r| r.path == "/api/user/login")
            .collect();
        assert_eq!(logins.len(), 1, "type {ptype}");
        assert!(logins[0]
            .body
            .contains(&format!("<password_type>{ptype}</password_type>")));
        assert!(
            !logins[0].body.contains("s3cret"),
            "the password is never sent in clear"
        );
        let after_login: Vec<_> = errors(&s)
            .into_iter()
            .filter(|(p, _)| p != "/api/device/information")
            .collect();
        assert!(after_login.is_empty(), "{after_login:?}");
    }
}

/// The reference's verified vector (connect_and_hilink.md §1.3) on the wire: admin/admin with
/// the SesTokInfo token 5Aw0l4iTJhB6yICZ8n3K0A5i2eCWjFKr.
#[test]
fn login_sends_the_reference_vector() {
    let s = server(HilinkOptions {
        password: Some("admin".into()),
        homepage_tokens: false,
        first_token: Some("5Aw0l4iTJhB6yICZ8n3K0A5i2eCWjFKr".into()),
        ..HilinkOptions::default()
    });
    let c = client(&s).with_credentials("admin", "admin");
    c.login().unwrap();
    let login = s
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/user/login")
        .unwrap();
    assert_eq!(
        login.token.as_deref(),
        Some("5Aw0l4iTJhB6yICZ8n3K0A5i2eCWjFKr")
    );
    assert_eq!(
        login.body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><request><Username>admin</Username>\
         <Password>MWYxZmUyM2U4OGI1MWI2MDFlNGJkM2VkZWU1Mzg2YzQxNWIzZjMzZjhiYzk4ZTZmZDlhMGE0MGQ5YTgxNWQyNg==</Password>\
         <password_type>4</password_type></request>"
    );
    assert!(s.snapshot().logged_in);
}

#[test]
fn wrong_password_is_not_retried() {
    let s = server(HilinkOptions {
        password: Some("right".into()),
        ..HilinkOptions::default()
    });
    let c = client(&s).with_credentials("admin", "wrong");
    let e = c.device_information().unwrap_err();
    assert_eq!(e.api_code(), Some(108006), "{e}");
    assert!(e.to_string().contains("do not retry blindly"), "{e}");
    let logins = s
        .requests()
        .iter()
        .filter(|r| r.path == "/api/user/login")
        .count();
    assert_eq!(logins, 1);
    // The fault switch: the right password fails too.
    s.set_reject_login(true);
    let c = client(&s).with_credentials("admin", "right");
    assert_eq!(c.login().unwrap_err().api_code(), Some(108006));
}

#[test]
fn connect_and_disconnect() {
    let s = server(HilinkOptions::default());
    let c = client(&s);
    let t = Instant::now();
    let link = connect(&c, Duration::from_secs(5)).unwrap();
    assert!(link.connected());
    assert_eq!(link.status_code, 901);
    assert_eq!(link.wan_ip.as_deref(), Some("10.64.42.17"));
    assert_eq!(link.dns.len(), 2);
    assert!(t.elapsed() >= Duration::from_millis(300), "900 first");
    assert!(s.snapshot().data_switch);
    // Traffic grows while connected.
    std::thread::sleep(Duration::from_millis(300));
    let a = c.traffic_statistics().unwrap().download_bytes().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let b = c.traffic_statistics().unwrap().download_bytes().unwrap();
    assert!(b > a && a > 0, "{a} {b}");
    let st = link_status(&c).unwrap();
    assert_eq!(st.link, "connected");
    assert_eq!(st.data_switch, Some(true));
    // Connecting again is a no-op.
    assert!(connect(&c, Duration::from_secs(5)).unwrap().connected());
    let down = disconnect(&c, Duration::from_secs(5)).unwrap();
    assert_eq!(down.status_code, 902);
    assert_eq!(down.wan_ip, None);
    assert!(!s.snapshot().data_switch);
    assert!(errors(&s).is_empty(), "{:?}", errors(&s));
}

#[test]
fn connect_failures_explain_themselves() {
    let locked = server(HilinkOptions {
        scenario: Scenario::from_toml_str("[sim]\nstate = \"pin\"\n").unwrap(),
        ..HilinkOptions::default()
    });
    let e = connect(&client(&locked), Duration::from_secs(2)).unwrap_err();
    assert!(e.to_string().contains("needs its PIN"), "{e}");
    assert!(!locked.snapshot().data_switch, "nothing dialled");

    let denied = server(HilinkOptions {
        scenario: Scenario::from_toml_str("[network]\nregistration = \"denied\"\n").unwrap(),
        connect_ms: 50,
        ..HilinkOptions::default()
    });
    let e = connect(&client(&denied), Duration::from_secs(5)).unwrap_err();
    assert!(
        matches!(
            e,
            HilinkError::ConnectFailed {
                status: ConnectionStatus::AccessDenied(7),
                ..
            }
        ),
        "{e}"
    );

    let roaming = server(HilinkOptions {
        scenario: Scenario::from_toml_str("[network]\nregistration = \"roaming\"\n").unwrap(),
        connect_ms: 50,
        ..HilinkOptions::default()
    });
    let e = connect(&client(&roaming), Duration::from_secs(5)).unwrap_err();
    assert!(e.to_string().contains("roaming is not allowed"), "{e}");

    let searching = server(HilinkOptions {
        scenario: Scenario::from_toml_str("[network]\nregistration = \"searching\"\n").unwrap(),
        ..HilinkOptions::default()
    });
    let t = Instant::now();
    let e = connect(&client(&searching), Duration::from_millis(800)).unwrap_err();
    assert!(matches!(e, HilinkError::ConnectTimeout { .. }), "{e}");
    assert!(e.to_string().contains("connecting (900)"), "{e}");
    assert!(t.elapsed() < Duration::from_secs(3));
}

#[test]
fn a_stick_that_stops_answering_times_out_naming_the_url() {
    let s = server(HilinkOptions::default());
    let c = Client::new(&s.url())
        .unwrap()
        .with_timeout(Duration::from_millis(500));
    c.status().unwrap();
    s.set_unresponsive(true);
    let t = Instant::now();
    let e = c.status().unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert!(matches!(e, HilinkError::Timeout { .. }), "{e}");
    assert!(e.to_string().contains(&s.url()), "{e}");
    s.set_unresponsive(false);
    c.status().unwrap();
}

#[test]
fn nothing_listening_is_unreachable() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = Client::new(&format!("http://127.0.0.1:{port}")).unwrap();
    let e = c.status().unwrap_err();
    assert!(matches!(e, HilinkError::Unreachable { .. }), "{e}");
    assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
}

#[test]
fn reboot_debug_mode_and_subnet() {
    let s = server(HilinkOptions {
        reboot_ms: 200,
        ..HilinkOptions::default()
    });
    let c = client(&s);
    c.reboot().unwrap();
    assert_eq!(s.snapshot().reboots, 1);
    assert!(c.status().is_err(), "silent while rebooting");
    std::thread::sleep(Duration::from_millis(250));
    c.status().unwrap();

    let d = c.dhcp_settings().unwrap();
    c.set_dhcp_settings(&d.with_subnet(9).unwrap()).unwrap();
    assert_eq!(s.snapshot().lan_ip, "192.168.9.1");
    // The malformed prolog a real E3372h-320 accepted is accepted here too.
    let raw = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/dhcp_settings_request_e3372h320.xml"),
    )
    .unwrap();
    c.post("dhcp/settings", &raw).unwrap();
    assert_eq!(s.snapshot().lan_ip, "192.168.8.1");
    // A bad pool is refused by the stick.
    let mut bad = d.with_subnet(10).unwrap();
    bad.dhcp_start_ip_address = Some("10.0.0.1".into());
    assert_eq!(
        c.set_dhcp_settings(&bad).unwrap_err().api_code(),
        Some(100006)
    );

    c.set_device_mode(DeviceMode::Debug).unwrap();
    assert_eq!(s.snapshot().device_mode, 1);
    assert!(c.status().unwrap_err().is_transport(), "HiLink API gone");
}

#[test]
fn unsupported_endpoints_are_remembered() {
    let s = server(HilinkOptions::default());
    let c = client(&s);
    for _ in 0..2 {
        let e = c.get_document("net/no-such-thing").unwrap_err();
        assert_eq!(e.api_code(), Some(100002));
    }
    let asked = s
        .requests()
        .iter()
        .filter(|r| r.path == "/api/net/no-such-thing")
        .count();
    assert_eq!(asked, 1);
}

#[test]
fn not_a_hilink_server() {
    // A plain HTTP server that answers HTML everywhere.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for s in l.incoming().take(8) {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let body = "<html><body>router</body></html>";
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let c = Client::new(&format!("http://{addr}")).unwrap();
    let e = c.status().unwrap_err();
    assert!(matches!(e, HilinkError::NotHilink { .. }), "{e}");
}

#[test]
fn radio_names_operator_technology_and_signal_while_registered() {
    let s = server(HilinkOptions::default());
    let r = dongle_hilink::radio(&client(&s)).unwrap();
    assert_eq!(r.registration, "home");
    assert_eq!(r.operator.as_deref(), Some("POST"));
    assert_eq!(r.operator_code.as_deref(), Some("27001"));
    assert_eq!(r.technology.as_deref(), Some("LTE"));
    assert_eq!(r.rsrp_dbm, Some(-105.0));
    assert_eq!(r.sinr_db, Some(-7.0));
    assert!(r.quality_percent.is_some_and(|q| q <= 100), "{r:?}");
    // Three calls that need no login; nothing else is asked.
    let asked: Vec<String> = s.requests().into_iter().map(|r| r.path).collect();
    assert!(
        asked.iter().all(|p| p == "/"
            || p.ends_with("monitoring/status")
            || p.ends_with("net/current-plmn")
            || p.ends_with("device/signal")),
        "{asked:?}"
    );

    // Roaming, and searching: no operator or technology without service.
    let mut scenario = Scenario::default();
    scenario.network.registration = dongle_sim::Registration::Roaming;
    let s = server(HilinkOptions {
        scenario: scenario.clone(),
        ..HilinkOptions::default()
    });
    assert_eq!(
        dongle_hilink::radio(&client(&s)).unwrap().registration,
        "roaming"
    );
    scenario.network.registration = dongle_sim::Registration::Searching;
    let s = server(HilinkOptions {
        scenario,
        ..HilinkOptions::default()
    });
    let r = dongle_hilink::radio(&client(&s)).unwrap();
    assert_eq!(r.registration, "searching");
    assert_eq!((r.operator, r.technology), (None, None), "not registered");
}

#[test]
fn radio_of_a_silent_stick_is_an_error() {
    let s = server(HilinkOptions::default());
    s.set_unresponsive(true);
    let c = Client::new(&s.url())
        .unwrap()
        .with_timeout(Duration::from_millis(300));
    assert!(dongle_hilink::radio(&c).is_err());
}
