//! What is known about running links, in files so that `dongle status` and
//! `dongle down` (other processes) can find them: one JSON file per link in
//! the run directory (`$DONGLE_RUN_DIR` or /run/dongle), written atomically.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkState {
    /// The modem: USB path (`1-1.4`) or port name.
    pub device: String,
    pub port: String,
    /// `ppp`, `ncm` or `hilink`.
    pub via: String,
    /// `connecting`, `up`, `down`, `waiting` (backing off before a retry).
    pub state: String,
    pub apn: Option<String>,
    pub interface: Option<String>,
    pub local: Option<String>,
    pub remote: Option<String>,
    pub dns: Vec<String>,
    /// Unix time the link came up.
    pub since: Option<u64>,
    /// The `dongle up` process that owns the link.
    pub pid: u32,
    pub reconnects: u32,
    /// The last problem, when down or waiting.
    pub problem: Option<String>,
    /// The radio side, as last read (absent while nothing could ask: a PPP
    /// link whose only AT port is the one pppd holds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radio: Option<Radio>,
}

/// Network and signal of the modem behind a link, refreshed while it is up.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Radio {
    pub model: Option<String>,
    pub imei: Option<String>,
    pub operator: Option<String>,
    /// `LTE`, `UMTS`, `GSM`, …
    pub technology: Option<String>,
    /// `home`, `roaming`, `searching`, `denied`, `not_registered`, `unknown`.
    pub registration: Option<String>,
    /// 0–100 from `+CSQ`.
    pub quality_percent: Option<u8>,
    pub rssi_dbm: Option<f64>,
    pub rsrp_dbm: Option<f64>,
    pub rsrq_db: Option<f64>,
    pub sinr_db: Option<f64>,
    /// Unix time of the reading.
    pub at: u64,
}

impl Radio {
    /// The radio part of a `dongle info` report (AT or HiLink), read at `at` (Unix time).
    pub fn from_info(i: &dongle_at::info::ModemInfo, at: u64) -> Radio {
        Radio {
            model: i.model.clone(),
            imei: i.imei.clone(),
            operator: i.operator.clone(),
            technology: i.technology.clone(),
            registration: Some(i.registration.clone()).filter(|r| !r.is_empty()),
            quality_percent: i.signal.quality_percent,
            rssi_dbm: i.signal.rssi_dbm,
            rsrp_dbm: i.signal.rsrp_dbm,
            rsrq_db: i.signal.rsrq_db,
            sinr_db: i.signal.sinr_db,
            at,
        }
    }
}

pub fn run_dir() -> PathBuf {
    std::env::var_os("DONGLE_RUN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/run/dongle".into())
}

fn file_name(device: &str) -> String {
    let safe: String = device
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("link-{safe}.json")
}

impl LinkState {
    pub fn path(&self) -> PathBuf {
        run_dir().join(file_name(&self.device))
    }

    /// Write atomically: a temporary file in the same directory, then rename.
    pub fn save(&self) -> std::io::Result<()> {
        let dir = run_dir();
        std::fs::create_dir_all(&dir)?;
        let tmp = dir.join(format!(
            ".{}.{}",
            file_name(&self.device),
            std::process::id()
        ));
        std::fs::write(
            &tmp,
            serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?,
        )?;
        std::fs::rename(&tmp, self.path())
    }

    pub fn remove(&self) {
        let _ = std::fs::remove_file(self.path());
    }

    /// Is the owning process still there? A state file left by a killed
    /// process is stale.
    pub fn alive(&self) -> bool {
        // A zombie (exited, not yet reaped by its parent) is gone for us.
        match std::fs::read_to_string(format!("/proc/{}/stat", self.pid)) {
            Ok(stat) => stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| !rest.trim_start().starts_with('Z')),
            Err(_) => false,
        }
    }
}

/// Every link state file, stale ones included (check [`LinkState::alive`]).
pub fn all() -> Vec<LinkState> {
    let Ok(rd) = std::fs::read_dir(run_dir()) else {
        return Vec::new();
    };
    let mut v: Vec<LinkState> = rd
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("link-"))
        .filter_map(|e| std::fs::read(e.path()).ok())
        .filter_map(|b| serde_json::from_slice(&b).ok())
        .collect();
    v.sort_by(|a, b| a.device.cmp(&b.device));
    v
}
