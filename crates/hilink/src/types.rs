//! Typed HiLink replies and requests.
//!
//! Every leaf is an `Option<String>` as the firmware sent it (empty = `None`), parsed lazily by
//! the accessor methods, because firmwares differ in what they fill in (§1.6). Element names and
//! their meanings are from `connect_and_hilink.md` §1.5 and Huawei's WebUI; the tests run every
//! real sample in `tests/data/` through these types.

use crate::xml::{self, Element};
use serde::{Deserialize, Serialize};

fn num<T: std::str::FromStr>(v: &Option<String>) -> Option<T> {
    v.as_deref().and_then(|s| s.trim().parse().ok())
}

/// A signal value as the firmware writes it: `-105dBm`, `-14.0dB`, `>=-51dBm`, `20MHz`, or
/// empty. Comparison prefixes and the unit are dropped (as Home Assistant does).
pub fn signal_value(v: Option<&str>) -> Option<f64> {
    let s = v?.trim().trim_start_matches(['>', '<', '=']).trim();
    let end = s
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+'))))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    s[..end].parse().ok()
}

/// `GET api/webserver/SesTokInfo`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct SesTokInfo {
    /// `SessionID=…`, ready for a `Cookie:` header.
    #[serde(rename = "SesInfo")]
    pub ses_info: Option<String>,
    #[serde(rename = "TokInfo")]
    pub tok_info: Option<String>,
}

/// `GET api/webserver/token` (not on every firmware: 100002 on older sticks).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct WebserverToken {
    pub token: Option<String>,
}

/// `GET api/user/hilink_login`: `1` = a login is required.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct HilinkLogin {
    pub hilink_login: Option<String>,
}

impl HilinkLogin {
    pub fn required(&self) -> bool {
        self.hilink_login.as_deref() == Some("1")
    }
}

/// `GET api/user/state-login`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct StateLogin {
    /// 0 logged in, -1 logged out, -2 repeat.
    #[serde(rename = "State")]
    pub state: Option<String>,
    #[serde(rename = "Username")]
    pub username: Option<String>,
    /// 0 or 3: base64; 4: the SHA-256 scheme.
    pub password_type: Option<String>,
    /// 1: SCRAM login (E3372h-320 11.x), which this client does not speak.
    pub extern_password_type: Option<String>,
    pub remainwaittime: Option<String>,
}

impl StateLogin {
    pub fn logged_in(&self) -> bool {
        self.state.as_deref().map(str::trim) == Some("0")
    }
    pub fn password_type(&self) -> Option<u8> {
        num(&self.password_type)
    }
    pub fn scram(&self) -> bool {
        self.extern_password_type.as_deref() == Some("1")
    }
}

/// `GET api/device/information`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct DeviceInformation {
    #[serde(rename = "DeviceName")]
    pub device_name: Option<String>,
    #[serde(rename = "SerialNumber")]
    pub serial_number: Option<String>,
    #[serde(rename = "Imei")]
    pub imei: Option<String>,
    #[serde(rename = "Imsi")]
    pub imsi: Option<String>,
    #[serde(rename = "Iccid")]
    pub iccid: Option<String>,
    #[serde(rename = "Msisdn")]
    pub msisdn: Option<String>,
    #[serde(rename = "HardwareVersion")]
    pub hardware_version: Option<String>,
    #[serde(rename = "SoftwareVersion")]
    pub software_version: Option<String>,
    #[serde(rename = "WebUIVersion")]
    pub webui_version: Option<String>,
    #[serde(rename = "MacAddress1")]
    pub mac_address1: Option<String>,
    #[serde(rename = "MacAddress2")]
    pub mac_address2: Option<String>,
    #[serde(rename = "ProductFamily")]
    pub product_family: Option<String>,
    /// `hilink`, `cpe`, …
    #[serde(rename = "Classify")]
    pub classify: Option<String>,
    /// `LTE|WCDMA|GSM`.
    pub supportmode: Option<String>,
    pub workmode: Option<String>,
    /// Newer firmware only.
    #[serde(rename = "WanIPAddress")]
    pub wan_ip_address: Option<String>,
    #[serde(rename = "Mccmnc")]
    pub mccmnc: Option<String>,
    pub uptime: Option<String>,
}

/// `GET api/device/signal`. Values carry units (`-105dBm`); use the accessors.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct DeviceSignal {
    pub pci: Option<String>,
    pub sc: Option<String>,
    pub cell_id: Option<String>,
    pub rsrq: Option<String>,
    pub rsrp: Option<String>,
    pub rssi: Option<String>,
    pub sinr: Option<String>,
    pub rscp: Option<String>,
    pub ecio: Option<String>,
    /// 7 LTE, 2 WCDMA, 0 GSM.
    pub mode: Option<String>,
    pub ulbandwidth: Option<String>,
    pub dlbandwidth: Option<String>,
    pub txpower: Option<String>,
    pub earfcn: Option<String>,
    pub tac: Option<String>,
    pub lac: Option<String>,
    pub band: Option<String>,
    pub plmn: Option<String>,
    pub enodeb_id: Option<String>,
    /// 100 kHz units.
    pub ltedlfreq: Option<String>,
    pub lteulfreq: Option<String>,
    pub cqi0: Option<String>,
    pub cqi1: Option<String>,
    pub transmode: Option<String>,
}

impl DeviceSignal {
    pub fn rsrp_dbm(&self) -> Option<f64> {
        signal_value(self.rsrp.as_deref())
    }
    pub fn rsrq_db(&self) -> Option<f64> {
        signal_value(self.rsrq.as_deref())
    }
    pub fn rssi_dbm(&self) -> Option<f64> {
        signal_value(self.rssi.as_deref())
    }
    pub fn sinr_db(&self) -> Option<f64> {
        signal_value(self.sinr.as_deref())
    }
    pub fn rscp_dbm(&self) -> Option<f64> {
        signal_value(self.rscp.as_deref())
    }
    pub fn ecio_db(&self) -> Option<f64> {
        signal_value(self.ecio.as_deref())
    }
    /// The radio in use, from `mode`.
    pub fn technology(&self) -> Option<&'static str> {
        match num::<u32>(&self.mode)? {
            0 => Some("GSM"),
            2 => Some("UMTS"),
            7 => Some("LTE"),
            _ => None,
        }
    }
}

/// `GET api/monitoring/status`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct MonitoringStatus {
    #[serde(rename = "ConnectionStatus")]
    pub connection_status: Option<String>,
    #[serde(rename = "SignalIcon")]
    pub signal_icon: Option<String>,
    #[serde(rename = "SignalStrength")]
    pub signal_strength: Option<String>,
    pub maxsignal: Option<String>,
    #[serde(rename = "CurrentNetworkType")]
    pub current_network_type: Option<String>,
    #[serde(rename = "CurrentNetworkTypeEx")]
    pub current_network_type_ex: Option<String>,
    #[serde(rename = "CurrentServiceDomain")]
    pub current_service_domain: Option<String>,
    #[serde(rename = "RoamingStatus")]
    pub roaming_status: Option<String>,
    #[serde(rename = "simlockStatus")]
    pub simlock_status: Option<String>,
    #[serde(rename = "WanIPAddress")]
    pub wan_ip_address: Option<String>,
    #[serde(rename = "WanIPv6Address")]
    pub wan_ipv6_address: Option<String>,
    #[serde(rename = "PrimaryDns")]
    pub primary_dns: Option<String>,
    #[serde(rename = "SecondaryDns")]
    pub secondary_dns: Option<String>,
    /// 2 = service.
    #[serde(rename = "ServiceStatus")]
    pub service_status: Option<String>,
    /// 1 = valid SIM, 255 = none.
    #[serde(rename = "SimStatus")]
    pub sim_status: Option<String>,
    pub classify: Option<String>,
    pub flymode: Option<String>,
    pub cellroam: Option<String>,
}

impl MonitoringStatus {
    pub fn connection(&self) -> Option<ConnectionStatus> {
        num(&self.connection_status).map(ConnectionStatus::from_code)
    }
    /// `SignalIcon` (or `SignalStrength`) against `maxsignal` (default 5), as 0–100.
    pub fn signal_percent(&self) -> Option<u8> {
        let max: u32 = num(&self.maxsignal).filter(|m| *m > 0).unwrap_or(5);
        if let Some(icon) = num::<u32>(&self.signal_icon) {
            return Some((icon.min(max) * 100 / max) as u8);
        }
        num::<u32>(&self.signal_strength).map(|s| s.min(100) as u8)
    }
    pub fn roaming(&self) -> bool {
        self.roaming_status.as_deref() == Some("1")
    }
    pub fn has_service(&self) -> bool {
        self.service_status.as_deref() == Some("2")
    }
    /// The access technology, with the names `dongle info` uses on the AT path.
    pub fn technology(&self) -> Option<&'static str> {
        if let Some(t) = num::<u32>(&self.current_network_type_ex).and_then(network_type_ex) {
            return Some(t);
        }
        num::<u32>(&self.current_network_type).and_then(network_type)
    }
}

/// `CurrentNetworkType` (WebUI main.js `MACRO_NET_WORK_TYPE_*`).
pub fn network_type(v: u32) -> Option<&'static str> {
    Some(match v {
        1 => "GSM",
        2 => "GPRS",
        3 => "EDGE",
        4 => "UMTS",
        5 => "HSDPA",
        6 => "HSUPA",
        7 => "HSPA",
        8 => "TD-SCDMA",
        9 | 17 | 18 => "HSPA+",
        10 => "EV-DO",
        11 => "EV-DO Rev.A",
        12 => "EV-DO Rev.B",
        13 => "CDMA 1x",
        19 => "LTE",
        _ => return None,
    })
}

/// `CurrentNetworkTypeEx` (WebUI main.js `MACRO_NET_WORK_TYPE_EX_*`).
pub fn network_type_ex(v: u32) -> Option<&'static str> {
    Some(match v {
        1 => "GSM",
        2 => "GPRS",
        3 => "EDGE",
        23 | 27 => "CDMA 1x",
        24 | 28 => "EV-DO",
        25 | 29 => "EV-DO Rev.A",
        26 | 30 => "EV-DO Rev.B",
        41 => "UMTS",
        42 => "HSDPA",
        43 => "HSUPA",
        44 => "HSPA",
        45 | 46 => "HSPA+",
        61..=65 => "TD-SCDMA",
        101 => "LTE",
        _ => return None,
    })
}

/// `GET api/monitoring/traffic-statistics`: bytes, bytes/s, seconds.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct TrafficStatistics {
    #[serde(rename = "CurrentConnectTime")]
    pub current_connect_time: Option<String>,
    #[serde(rename = "CurrentUpload")]
    pub current_upload: Option<String>,
    #[serde(rename = "CurrentDownload")]
    pub current_download: Option<String>,
    #[serde(rename = "CurrentDownloadRate")]
    pub current_download_rate: Option<String>,
    #[serde(rename = "CurrentUploadRate")]
    pub current_upload_rate: Option<String>,
    #[serde(rename = "TotalUpload")]
    pub total_upload: Option<String>,
    #[serde(rename = "TotalDownload")]
    pub total_download: Option<String>,
    #[serde(rename = "TotalConnectTime")]
    pub total_connect_time: Option<String>,
    pub showtraffic: Option<String>,
}

impl TrafficStatistics {
    pub fn connect_time_s(&self) -> Option<u64> {
        num(&self.current_connect_time)
    }
    pub fn upload_bytes(&self) -> Option<u64> {
        num(&self.current_upload)
    }
    pub fn download_bytes(&self) -> Option<u64> {
        num(&self.current_download)
    }
    pub fn total_upload_bytes(&self) -> Option<u64> {
        num(&self.total_upload)
    }
    pub fn total_download_bytes(&self) -> Option<u64> {
        num(&self.total_download)
    }
    pub fn download_rate(&self) -> Option<u64> {
        num(&self.current_download_rate)
    }
    pub fn upload_rate(&self) -> Option<u64> {
        num(&self.current_upload_rate)
    }
}

/// `GET api/net/current-plmn`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct CurrentPlmn {
    /// Operator selection: 0 automatic, 1 manual.
    #[serde(rename = "State")]
    pub state: Option<String>,
    #[serde(rename = "FullName")]
    pub full_name: Option<String>,
    #[serde(rename = "ShortName")]
    pub short_name: Option<String>,
    /// MCC+MNC.
    #[serde(rename = "Numeric")]
    pub numeric: Option<String>,
    /// 0 GSM, 2 WCDMA, 7 LTE.
    #[serde(rename = "Rat")]
    pub rat: Option<String>,
    #[serde(rename = "Spn")]
    pub spn: Option<String>,
}

/// `GET/POST api/dialup/mobile-dataswitch`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct DataSwitch {
    pub dataswitch: Option<String>,
}

impl DataSwitch {
    pub fn on(&self) -> bool {
        self.dataswitch.as_deref() == Some("1")
    }
}

/// `GET/POST api/dialup/connection` (`MaxIdelTime` is Huawei's spelling).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct DialupConnection {
    #[serde(rename = "RoamAutoConnectEnable")]
    pub roam_auto_connect_enable: Option<String>,
    #[serde(rename = "MaxIdelTime")]
    pub max_idel_time: Option<String>,
    #[serde(rename = "ConnectMode")]
    pub connect_mode: Option<String>,
    #[serde(rename = "MTU")]
    pub mtu: Option<String>,
    pub auto_dial_switch: Option<String>,
    pub pdp_always_on: Option<String>,
}

impl DialupConnection {
    /// The POST body, in huawei-lte-api's element order.
    pub fn to_request(&self) -> String {
        let v = |o: &Option<String>| o.clone().unwrap_or_default();
        xml::request(&[
            ("RoamAutoConnectEnable", &v(&self.roam_auto_connect_enable)),
            ("MaxIdelTime", &v(&self.max_idel_time)),
            ("ConnectMode", &v(&self.connect_mode)),
            ("MTU", &v(&self.mtu)),
            ("auto_dial_switch", &v(&self.auto_dial_switch)),
            ("pdp_always_on", &v(&self.pdp_always_on)),
        ])
    }
}

/// `GET api/pin/status`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct PinStatus {
    #[serde(rename = "SimState")]
    pub sim_state: Option<String>,
    #[serde(rename = "PinOptState")]
    pub pin_opt_state: Option<String>,
    #[serde(rename = "SimPinTimes")]
    pub sim_pin_times: Option<String>,
    #[serde(rename = "SimPukTimes")]
    pub sim_puk_times: Option<String>,
}

impl PinStatus {
    pub fn state(&self) -> Option<SimState> {
        num(&self.sim_state).map(SimState::from_code)
    }
    pub fn pin_retries(&self) -> Option<u8> {
        num(&self.sim_pin_times)
    }
    pub fn puk_retries(&self) -> Option<u8> {
        num(&self.sim_puk_times)
    }
}

/// `SimState` of `pin/status` (WebUI main.js `MACRO_*`, l.78–84).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SimState {
    /// 255
    NoSim,
    /// 256
    CpinFail,
    /// 257
    Ready,
    /// 258: ready, PIN check disabled.
    PinDisabled,
    /// 259
    Validating,
    /// 260
    PinRequired,
    /// 261
    PukRequired,
    Other(u32),
}

impl SimState {
    pub fn from_code(c: u32) -> SimState {
        match c {
            255 => SimState::NoSim,
            256 => SimState::CpinFail,
            257 => SimState::Ready,
            258 => SimState::PinDisabled,
            259 => SimState::Validating,
            260 => SimState::PinRequired,
            261 => SimState::PukRequired,
            c => SimState::Other(c),
        }
    }
    /// The word `dongle info` uses for the SIM on the AT path.
    pub fn word(self) -> &'static str {
        match self {
            SimState::Ready | SimState::PinDisabled => "ready",
            SimState::PinRequired => "pin",
            SimState::PukRequired => "puk",
            SimState::NoSim => "absent",
            SimState::CpinFail => "failure",
            SimState::Validating => "busy",
            SimState::Other(_) => "unknown",
        }
    }
    pub fn ready(self) -> bool {
        matches!(self, SimState::Ready | SimState::PinDisabled)
    }
}

/// `GET/POST api/dhcp/settings`: the stick's LAN (its own address and the DHCP pool it serves).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct DhcpSettings {
    #[serde(rename = "DnsStatus")]
    pub dns_status: Option<String>,
    #[serde(rename = "DhcpStartIPAddress")]
    pub dhcp_start_ip_address: Option<String>,
    /// The stick's own address: the HiLink URL's host.
    #[serde(rename = "DhcpIPAddress")]
    pub dhcp_ip_address: Option<String>,
    pub accessipaddress: Option<String>,
    pub homeurl: Option<String>,
    #[serde(rename = "DhcpStatus")]
    pub dhcp_status: Option<String>,
    #[serde(rename = "DhcpLanNetmask")]
    pub dhcp_lan_netmask: Option<String>,
    #[serde(rename = "SecondaryDns")]
    pub secondary_dns: Option<String>,
    #[serde(rename = "PrimaryDns")]
    pub primary_dns: Option<String>,
    #[serde(rename = "DhcpEndIPAddress")]
    pub dhcp_end_ip_address: Option<String>,
    #[serde(rename = "DhcpLeaseTime")]
    pub dhcp_lease_time: Option<String>,
}

impl DhcpSettings {
    /// The POST body in the element order of a client that works on E3372h-320/-325
    /// (`dhcp_settings_request_e3372h320.xml`), with a correct XML declaration.
    pub fn to_request(&self) -> String {
        let v = |o: &Option<String>| o.clone().unwrap_or_default();
        xml::request(&[
            ("DnsStatus", &v(&self.dns_status)),
            ("DhcpStartIPAddress", &v(&self.dhcp_start_ip_address)),
            ("DhcpIPAddress", &v(&self.dhcp_ip_address)),
            ("accessipaddress", &v(&self.accessipaddress)),
            ("homeurl", &v(&self.homeurl)),
            ("DhcpStatus", &v(&self.dhcp_status)),
            ("DhcpLanNetmask", &v(&self.dhcp_lan_netmask)),
            ("SecondaryDns", &v(&self.secondary_dns)),
            ("PrimaryDns", &v(&self.primary_dns)),
            ("DhcpEndIPAddress", &v(&self.dhcp_end_ip_address)),
            ("DhcpLeaseTime", &v(&self.dhcp_lease_time)),
        ])
    }

    /// These settings moved to `192.168.N.0/24`: the stick at `.1`, the pool `.100`–`.200`, DNS
    /// entries that pointed at the stick follow it. `N` is 0–254 (the stick's own choice of
    /// 192.168.8.0/24 is N = 8).
    pub fn with_subnet(&self, n: u8) -> Result<DhcpSettings, String> {
        if n == 255 {
            return Err("subnet 255 is not a usable 192.168.N.0/24 network".into());
        }
        let old_ip = self.dhcp_ip_address.clone();
        let ip = format!("192.168.{n}.1");
        let follow = |dns: &Option<String>| match dns {
            Some(d) if Some(d) == old_ip.as_ref() || d.is_empty() => Some(ip.clone()),
            None => Some(ip.clone()),
            other => other.clone(),
        };
        Ok(DhcpSettings {
            dns_status: self.dns_status.clone().or(Some("1".into())),
            dhcp_start_ip_address: Some(format!("192.168.{n}.100")),
            dhcp_ip_address: Some(ip.clone()),
            accessipaddress: self.accessipaddress.clone(),
            homeurl: self.homeurl.clone().or(Some("hi.link".into())),
            dhcp_status: self.dhcp_status.clone().or(Some("1".into())),
            dhcp_lan_netmask: Some("255.255.255.0".into()),
            secondary_dns: follow(&self.secondary_dns),
            primary_dns: follow(&self.primary_dns),
            dhcp_end_ip_address: Some(format!("192.168.{n}.200")),
            dhcp_lease_time: self.dhcp_lease_time.clone().or(Some("86400".into())),
        })
    }
}

/// `POST api/device/mode` (WebUI switchmode.js).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DeviceMode {
    /// 0: normal ("project") HiLink mode.
    Project,
    /// 1: debug mode: the stick re-enumerates with serial (AT/diag) ports.
    Debug,
}

impl DeviceMode {
    pub fn code(self) -> u8 {
        match self {
            DeviceMode::Project => 0,
            DeviceMode::Debug => 1,
        }
    }
}

/// `POST api/device/control` (huawei-lte-api `ControlModeEnum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Control {
    Reboot = 1,
    FactoryReset = 2,
    BackupConfig = 3,
    PowerOff = 4,
}

/// `ConnectionStatus` of `monitoring/status` (WebUI main.js l.89–92, home.js l.274–360;
/// 112–115 from main.js `FORBID_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "u32")]
pub enum ConnectionStatus {
    /// 900
    Connecting,
    /// 901
    Connected,
    /// 902
    Disconnected,
    /// 903
    Disconnecting,
    /// 904
    ConnectFailed,
    /// 905 ("signal poor" in the WebUI; CONNECT_STATUS_NULL in huawei-lte-api)
    SignalPoor,
    /// 906
    ConnectError,
    /// 112 / 113: auto-connect at power-on is off (at home / while roaming).
    AutoConnectOff(u32),
    /// 114 / 115: reconnecting after a drop is off (at home / while roaming).
    ReconnectOff(u32),
    /// 2, 3, 5, 8, 20, 21, 23, 27–33, 65538, 65539, 65567, 65568, 131073, 131074, 131076, 131078.
    ProfileInvalid(u32),
    /// 7, 11, 14, 37, 131079–131089.
    AccessDenied(u32),
    /// 12, 13
    RoamingNotAllowed(u32),
    /// 201
    TrafficLimit,
    Other(u32),
}

impl From<ConnectionStatus> for u32 {
    fn from(s: ConnectionStatus) -> u32 {
        s.code()
    }
}

impl ConnectionStatus {
    pub fn from_code(c: u32) -> ConnectionStatus {
        use ConnectionStatus::*;
        match c {
            900 => Connecting,
            901 => Connected,
            902 => Disconnected,
            903 => Disconnecting,
            904 => ConnectFailed,
            905 => SignalPoor,
            906 => ConnectError,
            112 | 113 => AutoConnectOff(c),
            114 | 115 => ReconnectOff(c),
            2
            | 3
            | 5
            | 8
            | 20
            | 21
            | 23
            | 27..=33
            | 65538
            | 65539
            | 65567
            | 65568
            | 131073
            | 131074
            | 131076
            | 131078 => ProfileInvalid(c),
            7 | 11 | 14 | 37 | 131079..=131089 => AccessDenied(c),
            12 | 13 => RoamingNotAllowed(c),
            201 => TrafficLimit,
            c => Other(c),
        }
    }

    pub fn code(self) -> u32 {
        use ConnectionStatus::*;
        match self {
            Connecting => 900,
            Connected => 901,
            Disconnected => 902,
            Disconnecting => 903,
            ConnectFailed => 904,
            SignalPoor => 905,
            ConnectError => 906,
            TrafficLimit => 201,
            AutoConnectOff(c) | ReconnectOff(c) | ProfileInvalid(c) | AccessDenied(c)
            | RoamingNotAllowed(c) | Other(c) => c,
        }
    }

    /// A short word for scripts and tables.
    pub fn word(self) -> &'static str {
        use ConnectionStatus::*;
        match self {
            Connecting => "connecting",
            Connected => "connected",
            Disconnected | AutoConnectOff(_) | ReconnectOff(_) => "disconnected",
            Disconnecting => "disconnecting",
            _ => "failed",
        }
    }

    /// What it means.
    pub fn text(self) -> &'static str {
        use ConnectionStatus::*;
        match self {
            Connecting => "connecting",
            Connected => "connected",
            Disconnected => "disconnected",
            Disconnecting => "disconnecting",
            ConnectFailed => "the connection failed",
            SignalPoor => "the signal is too poor to connect",
            ConnectError => "connection error",
            AutoConnectOff(112) => "disconnected: automatic connection at power-on is off",
            AutoConnectOff(_) => "disconnected: automatic connection while roaming is off",
            ReconnectOff(114) => "disconnected: reconnecting after a drop is off",
            ReconnectOff(_) => "disconnected: reconnecting after a drop while roaming is off",
            ProfileInvalid(_) => "the network rejected the profile (wrong APN or credentials)",
            AccessDenied(_) => "the network does not allow access for this SIM",
            RoamingNotAllowed(_) => "roaming is not allowed",
            TrafficLimit => "the traffic limit is exceeded",
            Other(_) => "unknown status",
        }
    }

    /// What to do about it.
    pub fn fix(self) -> &'static str {
        use ConnectionStatus::*;
        match self {
            Connected => "nothing to do",
            Connecting | Disconnected | Disconnecting | AutoConnectOff(_) | ReconnectOff(_) => {
                "check the SIM (`dongle info`), the coverage, and that the data switch is on (`dongle hilink connect`)"
            }
            ConnectFailed | ConnectError | Other(_) => {
                "check the APN profile in the stick's web page and the SIM's data plan; then `dongle hilink reboot`"
            }
            SignalPoor => "move the stick (a USB extension cable helps) or use an external antenna",
            ProfileInvalid(_) => {
                "set the right APN (`dongle apn` lists the candidates for the SIM) in the stick's profile"
            }
            AccessDenied(_) => "the SIM has no data service: ask the operator",
            RoamingNotAllowed(_) => {
                "enable roaming in the stick's settings (dialup/connection RoamAutoConnectEnable) if the plan allows it"
            }
            TrafficLimit => "raise or reset the traffic limit in the stick's web page",
        }
    }

    /// Whether waiting longer can still bring the link up.
    pub fn transient(self) -> bool {
        use ConnectionStatus::*;
        matches!(
            self,
            Connecting | Disconnected | Disconnecting | AutoConnectOff(_) | ReconnectOff(_)
        )
    }
}

impl std::fmt::Display for ConnectionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.text(), self.code())
    }
}

/// One SMS of `sms/sms-list` (`Messages/Message`) or of the lower-case E3372h-320 lists.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct SmsMessage {
    /// 0 unread, 1 read, 2 draft, 3 sent, 4 send failed.
    #[serde(rename = "Smstat", alias = "smstat")]
    pub smstat: Option<String>,
    #[serde(rename = "Index", alias = "index")]
    pub index: Option<String>,
    #[serde(rename = "Phone", alias = "phone")]
    pub phone: Option<String>,
    #[serde(rename = "Content", alias = "content")]
    pub content: Option<String>,
    #[serde(rename = "Date", alias = "date")]
    pub date: Option<String>,
    #[serde(rename = "Sca", alias = "sca")]
    pub sca: Option<String>,
    #[serde(rename = "SaveType", alias = "savetype")]
    pub save_type: Option<String>,
    #[serde(rename = "Priority", alias = "priority")]
    pub priority: Option<String>,
    /// 1 single, 2 multipart, 7/8 delivery report.
    #[serde(rename = "SmsType", alias = "smstype")]
    pub sms_type: Option<String>,
    pub curbox: Option<String>,
    pub unreadcount: Option<String>,
}

/// `sms/sms-list` and friends: `Count` (or `count`) and the messages (one or many).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SmsList {
    pub count: Option<u32>,
    pub messages: Vec<SmsMessage>,
}

impl SmsList {
    pub fn from_element(e: &Element) -> Result<SmsList, String> {
        let count = e
            .children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case("count"))
            .and_then(|c| c.text.parse().ok());
        let mut messages = Vec::new();
        if let Some(list) = e.child("Messages") {
            for m in list
                .children
                .iter()
                .filter(|c| c.name.eq_ignore_ascii_case("message"))
            {
                messages.push(m.to()?);
            }
        }
        Ok(SmsList { count, messages })
    }
}

/// `GET api/sms/sms-count`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct SmsCount {
    #[serde(rename = "LocalUnread")]
    pub local_unread: Option<String>,
    #[serde(rename = "LocalInbox")]
    pub local_inbox: Option<String>,
    #[serde(rename = "LocalOutbox")]
    pub local_outbox: Option<String>,
    #[serde(rename = "LocalDraft")]
    pub local_draft: Option<String>,
    #[serde(rename = "SimUnread")]
    pub sim_unread: Option<String>,
    #[serde(rename = "SimInbox")]
    pub sim_inbox: Option<String>,
    #[serde(rename = "NewMsg")]
    pub new_msg: Option<String>,
    /// The stick's store size.
    #[serde(rename = "LocalMax")]
    pub local_max: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_values() {
        assert_eq!(signal_value(Some("-105dBm")), Some(-105.0));
        assert_eq!(signal_value(Some("-14.0dB")), Some(-14.0));
        assert_eq!(signal_value(Some(">=-51dBm")), Some(-51.0));
        assert_eq!(signal_value(Some("<=-113 dBm")), Some(-113.0));
        assert_eq!(signal_value(Some("20MHz")), Some(20.0));
        assert_eq!(signal_value(Some("")), None);
        assert_eq!(signal_value(Some("dBm")), None);
        assert_eq!(signal_value(None), None);
    }

    #[test]
    fn connection_status_codes() {
        for (c, word) in [
            (900, "connecting"),
            (901, "connected"),
            (902, "disconnected"),
            (903, "disconnecting"),
            (904, "failed"),
            (112, "disconnected"),
            (114, "disconnected"),
            (33, "failed"),
            (131085, "failed"),
            (13, "failed"),
            (201, "failed"),
        ] {
            let s = ConnectionStatus::from_code(c);
            assert_eq!(s.code(), c);
            assert_eq!(s.word(), word, "{c}");
            assert!(!s.text().is_empty() && !s.fix().is_empty());
        }
        assert_eq!(
            ConnectionStatus::from_code(27),
            ConnectionStatus::ProfileInvalid(27)
        );
        assert_eq!(
            ConnectionStatus::from_code(12),
            ConnectionStatus::RoamingNotAllowed(12)
        );
        assert_eq!(
            ConnectionStatus::from_code(11),
            ConnectionStatus::AccessDenied(11)
        );
        assert_eq!(ConnectionStatus::Connected.to_string(), "connected (901)");
    }

    #[test]
    fn subnet_change() {
        let d = DhcpSettings {
            dhcp_ip_address: Some("192.168.8.1".into()),
            primary_dns: Some("192.168.8.1".into()),
            secondary_dns: Some("8.8.8.8".into()),
            ..Default::default()
        };
        let n = d.with_subnet(9).unwrap();
        assert_eq!(n.dhcp_ip_address.as_deref(), Some("192.168.9.1"));
        assert_eq!(n.dhcp_start_ip_address.as_deref(), Some("192.168.9.100"));
        assert_eq!(n.dhcp_end_ip_address.as_deref(), Some("192.168.9.200"));
        assert_eq!(n.primary_dns.as_deref(), Some("192.168.9.1"));
        assert_eq!(n.secondary_dns.as_deref(), Some("8.8.8.8"));
        assert!(d.with_subnet(255).is_err());
    }
}
