//! Getting a HiLink stick online and offline: the data switch and `ConnectionStatus` 901.
//!
//! `dongle up/down --via hilink` call [`connect`] and [`disconnect`]; `dongle hilink status`
//! shows [`link_status`].

use crate::client::Client;
use crate::error::HilinkError;
use crate::types::{ConnectionStatus, MonitoringStatus, SimState};
use serde::Serialize;
use std::time::{Duration, Instant};

/// How often the status is polled while waiting.
pub const POLL: Duration = Duration::from_millis(200);

/// The link as the stick reports it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LinkInfo {
    /// The stick's base URL.
    pub url: String,
    /// `connected`, `connecting`, `disconnected`, `disconnecting`, `failed`.
    pub link: String,
    /// The raw `ConnectionStatus` code.
    pub status_code: u32,
    /// What the code means.
    pub status: String,
    /// Mobile data switch (`dialup/mobile-dataswitch`), when known.
    pub data_switch: Option<bool>,
    /// The stick's WAN (mobile network) address.
    pub wan_ip: Option<String>,
    pub dns: Vec<String>,
    pub technology: Option<String>,
    pub signal_percent: Option<u8>,
    pub roaming: bool,
    /// Seconds the current connection is up, bytes both ways (`traffic-statistics`).
    pub uptime_s: Option<u64>,
    pub rx_bytes: Option<u64>,
    pub tx_bytes: Option<u64>,
    /// How long [`connect`]/[`disconnect`] waited, in milliseconds.
    pub waited_ms: u64,
}

impl LinkInfo {
    fn from_status(url: &str, st: &MonitoringStatus) -> LinkInfo {
        let status = st.connection().unwrap_or(ConnectionStatus::Other(0));
        LinkInfo {
            url: url.to_string(),
            link: status.word().to_string(),
            status_code: status.code(),
            status: status.text().to_string(),
            data_switch: None,
            wan_ip: st.wan_ip_address.clone(),
            dns: [&st.primary_dns, &st.secondary_dns]
                .into_iter()
                .flatten()
                .cloned()
                .collect(),
            technology: st.technology().map(String::from),
            signal_percent: st.signal_percent(),
            roaming: st.roaming(),
            uptime_s: None,
            rx_bytes: None,
            tx_bytes: None,
            waited_ms: 0,
        }
    }

    pub fn connected(&self) -> bool {
        self.status_code == ConnectionStatus::Connected.code()
    }
}

/// Status, data switch and traffic in one report (traffic and switch are best-effort).
pub fn link_status(client: &Client) -> Result<LinkInfo, HilinkError> {
    let st = client.status()?;
    let mut info = LinkInfo::from_status(client.url(), &st);
    info.data_switch = client.data_switch().ok().map(|d| d.on());
    if let Ok(t) = client.traffic_statistics() {
        info.uptime_s = t.connect_time_s();
        info.rx_bytes = t.download_bytes();
        info.tx_bytes = t.upload_bytes();
    }
    Ok(info)
}

/// Checks the SIM before dialling, so a locked SIM gives its own error instead of a timeout.
fn check_sim(client: &Client) -> Result<(), HilinkError> {
    let state = match client.pin_status() {
        Ok(p) => p.state(),
        Err(e) if e.is_transport() => return Err(e),
        Err(_) => None, // not on this firmware: dial anyway
    };
    let url = client.url().to_string();
    let (what, fix) = match state {
        None => return Ok(()),
        Some(s) if s.ready() => return Ok(()),
        Some(SimState::PinRequired) => (
            "the SIM is locked and needs its PIN",
            "unlock it: `dongle unlock` (or enter the PIN in the stick's web page)",
        ),
        Some(SimState::PukRequired) => (
            "the SIM is blocked and needs its PUK",
            "enter the PUK from the SIM's card in the stick's web page",
        ),
        Some(SimState::NoSim) => (
            "there is no SIM card in the stick",
            "insert a SIM card (contacts down), then replug the stick",
        ),
        Some(SimState::Validating) => return Ok(()),
        Some(_) => (
            "the SIM failed",
            "reseat the SIM card and replug the stick; if it persists the SIM is broken",
        ),
    };
    Err(HilinkError::Sim {
        url,
        what: what.into(),
        fix: fix.into(),
    })
}

/// Turns the data switch on and waits (up to `timeout`) for `ConnectionStatus` 901.
///
/// A status that cannot get better by waiting (profile invalid, access denied, roaming not
/// allowed, 904–906, …) seen in two polls in a row ends the wait with
/// [`HilinkError::ConnectFailed`]; the deadline gives [`HilinkError::ConnectTimeout`] with the
/// last status.
pub fn connect(client: &Client, timeout: Duration) -> Result<LinkInfo, HilinkError> {
    let start = Instant::now();
    check_sim(client)?;
    let st = client.status()?;
    if st.connection() != Some(ConnectionStatus::Connected) {
        client.set_data_switch(true)?;
    }
    let (st, status) = wait(
        client,
        start,
        timeout,
        |s| s == ConnectionStatus::Connected,
        true,
    )?;
    if status != ConnectionStatus::Connected {
        return Err(HilinkError::ConnectTimeout {
            url: client.url().to_string(),
            timeout,
            status,
        });
    }
    let mut info = LinkInfo::from_status(client.url(), &st);
    info.data_switch = Some(true);
    info.waited_ms = start.elapsed().as_millis() as u64;
    Ok(info)
}

/// Turns the data switch off and waits (up to `timeout`) until the stick no longer reports
/// connected, connecting or disconnecting.
pub fn disconnect(client: &Client, timeout: Duration) -> Result<LinkInfo, HilinkError> {
    let start = Instant::now();
    client.set_data_switch(false)?;
    let down = |s: ConnectionStatus| {
        !matches!(
            s,
            ConnectionStatus::Connected
                | ConnectionStatus::Connecting
                | ConnectionStatus::Disconnecting
        )
    };
    let (st, status) = wait(client, start, timeout, down, false)?;
    if !down(status) {
        return Err(HilinkError::ConnectTimeout {
            url: client.url().to_string(),
            timeout,
            status,
        });
    }
    let mut info = LinkInfo::from_status(client.url(), &st);
    info.data_switch = Some(false);
    info.waited_ms = start.elapsed().as_millis() as u64;
    Ok(info)
}

/// Polls `monitoring/status` until `done`, a persistent failure (when `fail_fast`) or the
/// deadline; returns the last status.
fn wait(
    client: &Client,
    start: Instant,
    timeout: Duration,
    done: impl Fn(ConnectionStatus) -> bool,
    fail_fast: bool,
) -> Result<(MonitoringStatus, ConnectionStatus), HilinkError> {
    let mut failed_once = false;
    loop {
        let st = client.status()?;
        let status = st.connection().unwrap_or(ConnectionStatus::Other(0));
        if done(status) {
            return Ok((st, status));
        }
        if fail_fast && !status.transient() {
            if failed_once {
                return Err(HilinkError::ConnectFailed {
                    url: client.url().to_string(),
                    status,
                });
            }
            failed_once = true;
        } else {
            failed_once = false;
        }
        if start.elapsed() + POLL > timeout {
            return Ok((st, status));
        }
        std::thread::sleep(POLL);
    }
}
