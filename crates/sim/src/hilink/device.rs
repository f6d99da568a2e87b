//! The simulated HiLink firmware: sessions, tokens, login, the data switch state machine and
//! the endpoints. Replies follow the real samples' element names and order.

use super::http::{Request, Response};
use super::sms::Messages;
use super::{HilinkOptions, TokenHeaders};
use crate::scenario::{Registration, SimState};
use crate::Scenario;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const USERNAME: &str = "admin";
/// Bytes per second while connected (download, upload).
const RATE: (u64, u64) = (48_000, 12_000);
/// Totals before this power-on (from `monitoring_traffic_statistics.xml`).
const TOTALS: (u64, u64, u64) = (10_240_000, 2_048_000, 18_760);

/// What a test may want to know about the stick.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceSnapshot {
    pub data_switch: bool,
    /// `ConnectionStatus` now.
    pub connection_status: u32,
    pub logged_in: bool,
    /// 0 normal, 1 debug (after `device/mode` 1).
    pub device_mode: u8,
    /// The stick's LAN address as `dhcp/settings` last set it.
    pub lan_ip: String,
    pub reboots: u32,
    /// Valid CSRF tokens held by the stick now.
    pub valid_tokens: usize,
}

pub struct Device {
    opts: HilinkOptions,
    pub reject_login: bool,
    rng: u64,
    session: Option<String>,
    tokens: HashSet<String>,
    logged_in: bool,
    data_switch: bool,
    /// When the switch last changed (or the stick booted).
    switched_at: Instant,
    /// Whether the link was up when the switch went off (903 first).
    was_up: bool,
    down_until: Option<Instant>,
    device_mode: u8,
    reboots: u32,
    dhcp: Vec<(&'static str, String)>,
    dialup: Vec<(&'static str, String)>,
    identity: crate::Identity,
    pub messages: Messages,
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn sha_hex(b: &[u8]) -> String {
    Sha256::digest(b).iter().fold(String::new(), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    })
}

/// The text of `<name>…</name>` in a request body (any prolog, even a malformed one).
pub(super) fn field(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&close)? + start;
    Some(
        body[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn xml_response(fields: &[(&str, String)], crlf: bool) -> String {
    let nl = if crlf { "\r\n" } else { "\n" };
    let mut s = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{nl}<response>{nl}");
    for (k, v) in fields {
        let _ = write!(s, "<{k}>{}</{k}>{nl}", esc(v));
    }
    s.push_str("</response>");
    s.push_str(nl);
    s
}

/// A `<response>` with nested elements, one per line as the firmware writes them.
#[derive(Default)]
pub(super) struct Xml(String);

impl Xml {
    pub fn leaf(&mut self, name: &str, text: &str) {
        let _ = writeln!(self.0, "<{name}>{}</{name}>", esc(text));
    }
    pub fn open(&mut self, name: &str) {
        let _ = writeln!(self.0, "<{name}>");
    }
    pub fn close(&mut self, name: &str) {
        let _ = writeln!(self.0, "</{name}>");
    }
    pub fn response(self) -> Response {
        Response {
            status: 200,
            body: format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response>\n{}</response>\n",
                self.0
            ),
            ..Response::default()
        }
    }
}

pub(super) fn ok() -> Response {
    Response {
        status: 200,
        body: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<response>OK</response>".into(),
        ..Response::default()
    }
}

pub(super) fn error(code: u32) -> Response {
    Response {
        status: 200,
        body: format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<error>\n<code>{code}</code>\n<message></message>\n</error>\n"
        ),
        error: Some(code),
        ..Response::default()
    }
}

fn response(fields: &[(&str, String)]) -> Response {
    Response {
        status: 200,
        body: xml_response(fields, false),
        ..Response::default()
    }
}

/// Endpoints that work without a login on a stick that has one.
fn public(endpoint: &str) -> bool {
    matches!(
        endpoint,
        "monitoring/status"
            | "monitoring/converged-status"
            | "monitoring/check-notifications"
            | "user/state-login"
            | "user/hilink_login"
            | "user/login"
            | "user/heartbeat"
            | "webserver/SesTokInfo"
            | "webserver/token"
            | "device/basic_information"
            | "pin/status"
    )
}

impl Device {
    pub fn new(opts: HilinkOptions) -> Device {
        let identity = crate::profile::profile("e3372")
            .map(|p| p.identity)
            .expect("the e3372 profile exists");
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9_7f4a_7c15)
            | 1;
        let sms = &opts.scenario.sms;
        let mut messages = Messages::new(
            sms.empty,
            sms.ussd_reply.clone(),
            Duration::from_millis(opts.ussd_ms),
        );
        messages.send_error = opts.sms_send_error;
        messages.network_refuses = sms.send_error.is_some();
        Device {
            messages,
            data_switch: opts.data_switch,
            opts,
            reject_login: false,
            rng: seed,
            session: None,
            tokens: HashSet::new(),
            logged_in: false,
            switched_at: Instant::now(),
            was_up: false,
            down_until: None,
            device_mode: 0,
            reboots: 0,
            // dhcp_settings.xml plus the two fields the E3372h-320 request sets.
            dhcp: vec![
                ("DhcpIPAddress", "192.168.8.1".into()),
                ("DhcpLanNetmask", "255.255.255.0".into()),
                ("DhcpStatus", "1".into()),
                ("DhcpStartIPAddress", "192.168.8.100".into()),
                ("DhcpEndIPAddress", "192.168.8.200".into()),
                ("DhcpLeaseTime", "86400".into()),
                ("DnsStatus", "1".into()),
                ("PrimaryDns", "192.168.8.1".into()),
                ("SecondaryDns", "192.168.8.1".into()),
                ("accessipaddress", String::new()),
                ("homeurl", "hi.link".into()),
            ],
            dialup: vec![
                ("RoamAutoConnectEnable", "0".into()),
                ("MaxIdelTime", "600".into()),
                ("ConnectMode", "0".into()),
                ("MTU", "1500".into()),
                ("auto_dial_switch", "1".into()),
                ("pdp_always_on", "0".into()),
            ],
            identity,
        }
    }

    fn random(&mut self, len: usize) -> String {
        const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| {
                self.rng ^= self.rng << 13;
                self.rng ^= self.rng >> 7;
                self.rng ^= self.rng << 17;
                CHARS[(self.rng % CHARS.len() as u64) as usize] as char
            })
            .collect()
    }

    fn new_token(&mut self) -> String {
        let t = match self.opts.first_token.take() {
            Some(t) => t,
            None => self.random(32),
        };
        self.tokens.insert(t.clone());
        t
    }

    fn new_session(&mut self) -> String {
        let s = self.random(64);
        self.session = Some(s.clone());
        self.tokens.clear();
        self.logged_in = false;
        s
    }

    pub fn expire_session(&mut self) {
        self.session = None;
        self.tokens.clear();
        self.logged_in = false;
    }

    pub fn set_scenario(&mut self, s: Scenario) {
        self.opts.scenario = s;
    }

    /// Rebooting, powered off or re-enumerated: the API does not answer.
    pub fn gone(&mut self) -> bool {
        if self.device_mode == 1 {
            return true;
        }
        match self.down_until {
            Some(t) if Instant::now() < t => true,
            Some(_) => {
                self.down_until = None;
                // Booted again: the link comes back by itself if the switch is on.
                self.switched_at = Instant::now();
                self.was_up = false;
                false
            }
            None => false,
        }
    }

    pub fn snapshot(&mut self) -> DeviceSnapshot {
        DeviceSnapshot {
            data_switch: self.data_switch,
            connection_status: self.connection_status(),
            logged_in: self.logged_in,
            device_mode: self.device_mode,
            lan_ip: self.dhcp_get("DhcpIPAddress"),
            reboots: self.reboots,
            valid_tokens: self.tokens.len(),
        }
    }

    fn dhcp_get(&self, k: &str) -> String {
        self.dhcp
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn dialup_get(&self, k: &str) -> String {
        self.dialup
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn sim_ready(&self) -> bool {
        self.opts.scenario.sim.state == SimState::Ready
    }

    fn registered(&self) -> bool {
        self.sim_ready()
            && matches!(
                self.opts.scenario.network.registration,
                Registration::Home | Registration::Roaming
            )
    }

    fn act(&self) -> String {
        self.opts
            .scenario
            .network
            .act
            .clone()
            .unwrap_or_else(|| self.identity.act.to_string())
            .to_ascii_lowercase()
    }

    fn csq(&self) -> u8 {
        self.opts
            .scenario
            .network
            .csq
            .unwrap_or(self.identity.csq)
            .min(31)
    }

    /// When the link came up, if it is up now.
    fn up_since(&self) -> Option<Instant> {
        (self.connection_status() == 901)
            .then(|| self.switched_at + Duration::from_millis(self.opts.connect_ms))
    }

    /// `ConnectionStatus` now, from the switch, the SIM and the network.
    fn connection_status(&self) -> u32 {
        let since = self.switched_at.elapsed();
        if !self.data_switch {
            let disconnecting =
                self.was_up && since < Duration::from_millis(self.opts.disconnect_ms);
            return if disconnecting { 903 } else { 902 };
        }
        if !self.sim_ready() {
            return 902;
        }
        let dialled = since >= Duration::from_millis(self.opts.connect_ms);
        match self.opts.scenario.network.registration {
            Registration::Searching | Registration::None => 900,
            _ if !dialled => 900,
            Registration::Denied => 7,
            Registration::Roaming if self.dialup_get("RoamAutoConnectEnable") != "1" => 12,
            Registration::Home | Registration::Roaming => 901,
        }
    }

    pub fn handle(&mut self, req: &Request) -> Response {
        let path = req.path.as_str();
        if path == "/" || path.starts_with("/html/") {
            return self.home(req);
        }
        let Some(endpoint) = path.strip_prefix("/api/") else {
            return Response {
                status: 404,
                body: "<html><body>404 Not Found</body></html>".into(),
                ..Response::default()
            };
        };
        let endpoint = endpoint.trim_end_matches('/').to_string();
        let post = req.method.eq_ignore_ascii_case("POST");
        // Session: SesTokInfo and the token endpoint hand one out; everything else needs it.
        let valid_session = match (&self.session, req.cookie("SessionID")) {
            (Some(s), Some(c)) => s == c,
            _ => false,
        };
        match endpoint.as_str() {
            "webserver/SesTokInfo" => return self.ses_tok_info(valid_session),
            "webserver/token" if self.opts.token_endpoint => {
                if !valid_session {
                    return error(125002);
                }
                let t = self.new_token();
                return response(&[("token", t)]);
            }
            "webserver/token" => return error(100002),
            _ => {}
        }
        if !valid_session {
            return error(125002);
        }
        let mut used_token = None;
        if post {
            match req.header("__requestverificationtoken") {
                Some(t) if self.tokens.remove(t) => used_token = Some(t.to_string()),
                _ => return error(125003),
            }
        }
        if self.opts.password.is_some() && !self.logged_in && !public(&endpoint) {
            let mut r = error(100003);
            if post {
                self.rotate(&mut r);
            }
            return r;
        }
        let mut r = if post {
            self.post(&endpoint, &req.body, used_token.as_deref().unwrap_or(""))
        } else {
            self.get(&endpoint)
        };
        if post && endpoint != "user/login" {
            self.rotate(&mut r);
        }
        r
    }

    /// A fresh token in the reply headers after a POST (the old one was used up).
    fn rotate(&mut self, r: &mut Response) {
        match self.opts.token_headers {
            TokenHeaders::Stick => {
                let t = self.new_token();
                r.headers.push(("__RequestVerificationToken".into(), t));
            }
            TokenHeaders::OneTwo => {
                let a = self.new_token();
                let b = self.new_token();
                r.headers.push(("__RequestVerificationTokenone".into(), a));
                r.headers.push(("__RequestVerificationTokentwo".into(), b));
            }
        }
    }

    fn home(&mut self, req: &Request) -> Response {
        let valid =
            matches!((&self.session, req.cookie("SessionID")), (Some(s), Some(c)) if s == c);
        let mut headers = Vec::new();
        if !valid {
            let s = self.new_session();
            headers.push((
                "Set-Cookie".to_string(),
                format!("SessionID={s}; path=/; HttpOnly"),
            ));
        }
        let mut meta = String::new();
        if self.opts.homepage_tokens {
            for _ in 0..2 {
                let t = self.new_token();
                let _ = writeln!(meta, "<meta name=\"csrf_token\" content=\"{t}\"/>");
            }
        }
        Response {
            status: 200,
            headers,
            body: format!(
                "<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"/>\n{meta}<title>HUAWEI HiLink</title>\n</head>\n<body></body>\n</html>\n"
            ),
            ..Response::default()
        }
    }

    fn ses_tok_info(&mut self, valid_session: bool) -> Response {
        let s = match (&self.session, valid_session) {
            (Some(s), true) => s.clone(),
            _ => self.new_session(),
        };
        let t = self.new_token();
        response(&[("SesInfo", format!("SessionID={s}")), ("TokInfo", t)])
    }

    fn get(&mut self, endpoint: &str) -> Response {
        match endpoint {
            "device/information" => self.device_information(),
            "device/signal" => self.signal(),
            "monitoring/status" => self.monitoring_status(),
            "monitoring/traffic-statistics" => self.traffic(),
            "net/current-plmn" => self.current_plmn(),
            "dialup/mobile-dataswitch" => response(&[(
                "dataswitch",
                if self.data_switch { "1" } else { "0" }.into(),
            )]),
            "dialup/connection" => {
                let f: Vec<(&str, String)> = self.dialup.clone();
                response(&f)
            }
            "pin/status" => self.pin_status(),
            "dhcp/settings" => {
                let f: Vec<(&str, String)> = self.dhcp.clone();
                response(&f)
            }
            "user/state-login" => response(&[
                ("State", if self.logged_in { "0" } else { "-1" }.into()),
                (
                    "Username",
                    if self.logged_in { USERNAME } else { "" }.into(),
                ),
                ("password_type", self.opts.password_type.to_string()),
            ]),
            "user/hilink_login" => response(&[(
                "hilink_login",
                if self.opts.password.is_some() {
                    "1"
                } else {
                    "0"
                }
                .into(),
            )]),
            "user/heartbeat" => response(&[("userlevel", String::new())]),
            "sms/sms-count" => self.messages.count(),
            "sms/send-status" => self.messages.send_status(),
            "ussd/get" => self.messages.ussd_get(),
            "ussd/status" => self.messages.ussd_status(),
            "ussd/release" => self.messages.ussd_release(),
            _ => error(100002),
        }
    }

    fn post(&mut self, endpoint: &str, body: &str, token: &str) -> Response {
        match endpoint {
            "user/login" => self.login(body, token),
            "user/logout" => {
                self.logged_in = false;
                ok()
            }
            "dialup/mobile-dataswitch" => match field(body, "dataswitch").as_deref() {
                Some(v @ ("0" | "1")) => {
                    let on = v == "1";
                    if on != self.data_switch {
                        self.was_up = self.connection_status() == 901;
                        self.data_switch = on;
                        self.switched_at = Instant::now();
                    }
                    ok()
                }
                _ => error(100005),
            },
            "dialup/connection" => {
                let mut next = self.dialup.clone();
                for (k, v) in &mut next {
                    if let Some(n) = field(body, k) {
                        *v = n;
                    }
                }
                self.dialup = next;
                ok()
            }
            "device/control" => match field(body, "Control").as_deref() {
                Some("1") => {
                    self.reboot();
                    ok()
                }
                Some("4") => {
                    self.device_mode = 1; // powered off: gone for good
                    ok()
                }
                Some("2" | "3") => ok(),
                _ => error(100005),
            },
            "device/mode" => match field(body, "mode").as_deref() {
                Some("1") => {
                    self.device_mode = 1;
                    ok()
                }
                Some("0") => ok(),
                _ => error(100006),
            },
            "dhcp/settings" => self.set_dhcp(body),
            "sms/sms-list" => self.messages.list(body),
            "sms/send-sms" => {
                let registered = self.registered();
                self.messages.send(body, registered)
            }
            "sms/delete-sms" => self.messages.delete(body),
            "sms/set-read" => self.messages.set_read(body),
            "ussd/send" => {
                let registered = self.registered();
                self.messages.ussd_send(body, registered)
            }
            _ => error(100002),
        }
    }

    fn reboot(&mut self) {
        self.reboots += 1;
        self.expire_session();
        self.down_until = Some(Instant::now() + Duration::from_millis(self.opts.reboot_ms));
        self.was_up = false;
    }

    fn login(&mut self, body: &str, token: &str) -> Response {
        let Some(expected) = self.opts.password.clone() else {
            return self.logged_in_reply(); // no login configured: accept
        };
        let user = field(body, "Username").unwrap_or_default();
        let given = field(body, "Password").unwrap_or_default();
        let ptype = field(body, "password_type").unwrap_or_default();
        if self.logged_in {
            return error(108003);
        }
        let want = match ptype.as_str() {
            "4" => b64(sha_hex(
                format!(
                    "{USERNAME}{}{token}",
                    b64(sha_hex(expected.as_bytes()).as_bytes())
                )
                .as_bytes(),
            )
            .as_bytes()),
            "0" | "3" => b64(expected.as_bytes()),
            _ => return error(100006),
        };
        if self.reject_login || user != USERNAME || given != want {
            let mut r = error(108006);
            self.rotate(&mut r);
            return r;
        }
        self.logged_in_reply()
    }

    /// A new session and a batch of tokens, as sticks answer a successful login.
    fn logged_in_reply(&mut self) -> Response {
        let s = self.new_session();
        self.logged_in = true;
        let mut r = ok();
        r.headers.push((
            "Set-Cookie".into(),
            format!("SessionID={s}; path=/; HttpOnly"),
        ));
        match self.opts.token_headers {
            TokenHeaders::Stick => {
                let n = self.opts.login_tokens.max(1);
                let list: Vec<String> = (0..n).map(|_| self.new_token()).collect();
                r.headers
                    .push(("__RequestVerificationToken".into(), list.join("#")));
            }
            TokenHeaders::OneTwo => self.rotate(&mut r),
        }
        r
    }

    fn set_dhcp(&mut self, body: &str) -> Response {
        let ip = |k: &str| -> Option<std::net::Ipv4Addr> { field(body, k)?.trim().parse().ok() };
        let (Some(lan), Some(start), Some(end)) = (
            ip("DhcpIPAddress"),
            ip("DhcpStartIPAddress"),
            ip("DhcpEndIPAddress"),
        ) else {
            return error(100005);
        };
        let mask = ip("DhcpLanNetmask").unwrap_or(std::net::Ipv4Addr::new(255, 255, 255, 0));
        let m = u32::from(mask);
        let net = |a: std::net::Ipv4Addr| u32::from(a) & m;
        if net(start) != net(lan) || net(end) != net(lan) || u32::from(start) > u32::from(end) {
            return error(100006);
        }
        let mut next = self.dhcp.clone();
        for (k, v) in &mut next {
            if let Some(n) = field(body, k) {
                *v = n;
            }
        }
        self.dhcp = next;
        ok()
    }

    fn device_information(&self) -> Response {
        let id = &self.identity;
        let sim = self.sim_ready();
        // Element order of device_information_e3372s.xml.
        response(&[
            ("DeviceName", id.model.to_string()),
            ("SerialNumber", "G4PDM15709004440".into()),
            ("Imei", id.imei.clone()),
            ("Imsi", if sim { id.imsi.clone() } else { String::new() }),
            (
                "Iccid",
                if self.opts.scenario.sim.state == SimState::Absent {
                    String::new()
                } else {
                    id.iccid.clone()
                },
            ),
            ("Msisdn", String::new()),
            ("HardwareVersion", "CL1E3372SM".into()),
            ("SoftwareVersion", "21.329.62.00.161".into()),
            ("WebUIVersion", "17.100.15.02.161".into()),
            ("MacAddress1", "0C:96:BF:89:53:EA".into()),
            ("MacAddress2", String::new()),
            ("ProductFamily", "LTE".into()),
            ("Classify", "hilink".into()),
            ("supportmode", "LTE|WCDMA|GSM".into()),
            ("workmode", self.act_word().into()),
        ])
    }

    fn act_word(&self) -> &'static str {
        match self.act().as_str() {
            "gsm" => "GSM",
            "umts" => "WCDMA",
            _ => "LTE",
        }
    }

    fn signal(&self) -> Response {
        // device_signal_lte.xml, shifted by the scenario's +CSQ (the sample is csq 22), CRLF.
        let reg = self.registered();
        let shift = (i32::from(self.csq()) - 22) * 2;
        let v = |base: i32, unit: &str| {
            if reg {
                format!("{}{unit}", base + shift)
            } else {
                String::new()
            }
        };
        let act = self.act();
        let lte = act == "lte";
        let umts = act == "umts";
        let e = String::new;
        let fields: Vec<(&str, String)> = vec![
            ("pci", if lte && reg { "266".into() } else { e() }),
            ("sc", if umts && reg { "117".into() } else { e() }),
            ("cell_id", if reg { "21890627".into() } else { e() }),
            ("rsrq", if lte && reg { "-14.0dB".into() } else { e() }),
            ("rsrp", if lte { v(-105, "dBm") } else { e() }),
            ("rssi", v(-71, "dBm")),
            ("sinr", if lte && reg { "-7dB".into() } else { e() }),
            ("rscp", if umts { v(-95, "dBm") } else { e() }),
            ("ecio", if umts && reg { "-8dB".into() } else { e() }),
            (
                "mode",
                match act.as_str() {
                    "gsm" => "0",
                    "umts" => "2",
                    _ => "7",
                }
                .into(),
            ),
            ("ulbandwidth", if lte { "20MHz".into() } else { e() }),
            ("dlbandwidth", if lte { "20MHz".into() } else { e() }),
            (
                "txpower",
                if lte && reg {
                    "PPusch:21dBm PPucch:13dBm PSrs:23dBm PPrach:14dBm".into()
                } else {
                    e()
                },
            ),
            ("tdd", e()),
            (
                "ul_mcs",
                if lte && reg {
                    "mcsUpCarrier1:23".into()
                } else {
                    e()
                },
            ),
            (
                "dl_mcs",
                if lte && reg {
                    "mcsDownCarrier1Code0:0 mcsDownCarrier1Code1:0".into()
                } else {
                    e()
                },
            ),
            (
                "earfcn",
                if lte && reg {
                    "DL:299 UL:18299".into()
                } else {
                    e()
                },
            ),
            ("rrc_status", e()),
            ("rac", e()),
            ("lac", e()),
            ("tac", if lte && reg { "53281".into() } else { e() }),
            ("band", if lte && reg { "1".into() } else { e() }),
            ("nei_cellid", e()),
            ("plmn", if reg { self.mcc_mnc() } else { e() }),
            ("ims", "0".into()),
            ("wdlfreq", e()),
            ("lteulfreq", if lte && reg { "19499".into() } else { e() }),
            ("ltedlfreq", if lte && reg { "21399".into() } else { e() }),
            ("transmode", if lte && reg { "TM[4]".into() } else { e() }),
            ("enodeb_id", if lte && reg { "0085510".into() } else { e() }),
            ("cqi0", if lte && reg { "10".into() } else { e() }),
            ("cqi1", if lte && reg { "127".into() } else { e() }),
            (
                "ulfrequency",
                if lte && reg { "1949900kHz".into() } else { e() },
            ),
            (
                "dlfrequency",
                if lte && reg { "2139900kHz".into() } else { e() },
            ),
            ("arfcn", e()),
            ("bsic", e()),
            ("rxlev", e()),
        ];
        Response {
            status: 200,
            body: xml_response(&fields, true),
            ..Response::default()
        }
    }

    fn mcc_mnc(&self) -> String {
        self.opts
            .scenario
            .network
            .mcc_mnc
            .clone()
            .unwrap_or_else(|| self.identity.home_mcc_mnc.to_string())
    }

    fn wan_ip(&self) -> String {
        "10.64.42.17".into()
    }

    fn monitoring_status(&self) -> Response {
        // monitoring_status_e3372h320.xml's order, with WanIPAddress as the doc sample has it.
        let status = self.connection_status();
        let reg = self.registered();
        let up = status == 901;
        let (nt, ntex) = match (reg, self.act().as_str()) {
            (false, _) => ("0", "0"),
            (true, "gsm") => ("3", "3"),
            (true, "umts") => ("9", "45"),
            (true, _) => ("19", "101"),
        };
        let icon = if reg {
            (u32::from(self.csq()) / 6).min(5)
        } else {
            0
        };
        let sim_status = match self.opts.scenario.sim.state {
            SimState::Absent => "255",
            _ => "1",
        };
        let roaming = self.opts.scenario.network.registration == Registration::Roaming;
        response(&[
            ("ConnectionStatus", status.to_string()),
            ("WifiConnectionStatus", String::new()),
            ("SignalStrength", String::new()),
            ("SignalIcon", icon.to_string()),
            ("CurrentNetworkType", nt.into()),
            ("CurrentServiceDomain", if reg { "3" } else { "0" }.into()),
            (
                "RoamingStatus",
                if roaming && reg { "1" } else { "0" }.into(),
            ),
            ("BatteryStatus", String::new()),
            ("BatteryLevel", String::new()),
            ("BatteryPercent", String::new()),
            ("simlockStatus", "0".into()),
            (
                "WanIPAddress",
                if up { self.wan_ip() } else { String::new() },
            ),
            ("WanIPv6Address", String::new()),
            (
                "PrimaryDns",
                if up {
                    "195.38.164.15".into()
                } else {
                    String::new()
                },
            ),
            (
                "SecondaryDns",
                if up {
                    "195.38.164.16".into()
                } else {
                    String::new()
                },
            ),
            ("wififrequence", "0".into()),
            ("flymode", "0".into()),
            ("PrimaryIPv6Dns", String::new()),
            ("SecondaryIPv6Dns", String::new()),
            ("CurrentWifiUser", String::new()),
            ("TotalWifiUser", String::new()),
            ("currenttotalwifiuser", "0".into()),
            ("ServiceStatus", if reg { "2" } else { "1" }.into()),
            ("SimStatus", sim_status.into()),
            ("WifiStatus", String::new()),
            ("CurrentNetworkTypeEx", ntex.into()),
            ("maxsignal", "5".into()),
            ("wifiindooronly", "0".into()),
            ("classify", "hilink".into()),
            ("usbup", "0".into()),
        ])
    }

    fn traffic(&self) -> Response {
        let (secs, ms) = match self.up_since() {
            Some(t) => (t.elapsed().as_secs(), t.elapsed().as_millis() as u64),
            None => (0, 0),
        };
        let down = RATE.0 * ms / 1000;
        let upl = RATE.1 * ms / 1000;
        let up = ms > 0;
        response(&[
            ("CurrentConnectTime", secs.to_string()),
            ("CurrentUpload", upl.to_string()),
            ("CurrentDownload", down.to_string()),
            (
                "CurrentDownloadRate",
                if up { RATE.0 } else { 0 }.to_string(),
            ),
            ("CurrentUploadRate", if up { RATE.1 } else { 0 }.to_string()),
            ("TotalUpload", (TOTALS.1 + upl).to_string()),
            ("TotalDownload", (TOTALS.0 + down).to_string()),
            ("TotalConnectTime", (TOTALS.2 + secs).to_string()),
            ("showtraffic", "1".into()),
        ])
    }

    fn current_plmn(&self) -> Response {
        if !self.registered() {
            return response(&[
                ("State", "0".into()),
                ("FullName", String::new()),
                ("ShortName", String::new()),
                ("Numeric", String::new()),
                ("Rat", String::new()),
            ]);
        }
        let name = self
            .opts
            .scenario
            .network
            .operator
            .clone()
            .unwrap_or_else(|| self.identity.home_operator.to_string());
        let short = self
            .opts
            .scenario
            .network
            .operator
            .clone()
            .unwrap_or_else(|| self.identity.home_operator_short.to_string());
        let rat = match self.act().as_str() {
            "gsm" => "0",
            "umts" => "2",
            _ => "7",
        };
        response(&[
            ("State", "0".into()),
            ("FullName", name),
            ("ShortName", short),
            ("Numeric", self.mcc_mnc()),
            ("Rat", rat.into()),
        ])
    }

    fn pin_status(&self) -> Response {
        let sim = &self.opts.scenario.sim;
        let state = match sim.state {
            SimState::Ready => "257",
            SimState::Pin => "260",
            SimState::Puk => "261",
            SimState::Absent => "255",
            SimState::Failure => "256",
        };
        response(&[
            ("SimState", state.into()),
            (
                "PinOptState",
                if sim.state == SimState::Ready {
                    "258"
                } else {
                    "257"
                }
                .into(),
            ),
            ("SimPinTimes", sim.pin_retries.unwrap_or(3).to_string()),
            ("SimPukTimes", sim.puk_retries.unwrap_or(10).to_string()),
        ])
    }
}
