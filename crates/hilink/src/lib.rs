//! `dongle-hilink`: a small synchronous client for the Huawei HiLink HTTP/XML API.
//!
//! A HiLink stick (E3372 12d1:14dc, E3531, E8372, E3131 12d1:14db…) is a NAT router on a
//! CDC-Ethernet interface, with an HTTP API at `http://192.168.8.1` (or wherever
//! `dhcp/settings` moved it). This crate speaks that API exactly as
//! `shared/reference/connect_and_hilink.md` §1 describes it:
//!
//! - the session cookie and CSRF token queue, with token rotation from response headers and
//!   resync-and-retry-once on 125001–125003 ([`Client`], module docs of `client`);
//! - login with `password_type` 4 (and 0/3) ([`auth::encode_password`], with the reference's
//!   verified vector as a unit test); SCRAM (E3372h-320 11.x) is not spoken;
//! - the error table as [`ApiError`] with meaning and fix, wrapped in [`HilinkError`];
//! - typed replies ([`types`]) for `device/information`, `device/signal`, `monitoring/status`,
//!   `monitoring/traffic-statistics`, `net/current-plmn`, `dialup/mobile-dataswitch`,
//!   `dialup/connection`, `pin/status`, `device/control`, `device/mode`, `dhcp/settings`, tested
//!   against every real sample in `tests/data/`;
//! - SMS (`sms/sms-count`, `sms-list`, `send-sms` + `send-status`, `delete-sms`, `set-read`)
//!   and USSD (`ussd/send`, `ussd/get` polled past 111019, `ussd/status`, `ussd/release`);
//!   control characters in replies become spaces first, as the WebUI does;
//! - [`connect`] / [`disconnect`]: data switch on/off and wait for `ConnectionStatus` 901/902.
//!
//! Plain HTTP only (no TLS), a deadline on every request, no proxy from the environment, no
//! entity expansion in XML.
//!
//! ```no_run
//! # fn main() -> Result<(), dongle_hilink::HilinkError> {
//! use std::time::Duration;
//! let stick = dongle_hilink::Client::new("http://192.168.8.1")?;
//! let info = stick.device_information()?;
//! println!("{:?} IMEI {:?}", info.device_name, info.imei);
//! let link = dongle_hilink::connect(&stick, Duration::from_secs(30))?;
//! println!("online as {:?}", link.wan_ip);
//! # Ok(())
//! # }
//! ```

pub mod auth;
mod client;
mod error;
mod link;
mod messages;
mod radio;
pub mod types;
pub mod xml;

pub use client::{is_url, normalize_url, Client, Credentials, DEFAULT_TIMEOUT, DEFAULT_URL};
pub use error::{ApiError, HilinkError, Policy};
pub use link::{connect, disconnect, link_status, LinkInfo, POLL};
pub use messages::{
    delete_request, js_length, list_request, request_date, send_request, SendOutcome, SendStatus,
    SmsBox, USSD_PENDING,
};
pub use radio::{radio, Radio};
pub use types::{
    ConnectionStatus, Control, CurrentPlmn, DataSwitch, DeviceInformation, DeviceMode,
    DeviceSignal, DhcpSettings, DialupConnection, MonitoringStatus, PinStatus, SimState, SmsCount,
    SmsList, SmsMessage, TrafficStatistics,
};
