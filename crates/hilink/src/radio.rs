//! The radio side of a HiLink stick for a running link's status: registration,
//! operator, access technology and signal, from the three calls that need no
//! login (`monitoring/status`, `net/current-plmn`, `device/signal`).

use crate::client::Client;
use crate::error::HilinkError;
use serde::Serialize;

/// What the stick says about its radio now.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Radio {
    /// `home`, `roaming`, `searching` (SIM ready, no service), `not_registered`.
    pub registration: String,
    /// Operator name (full, else short), while registered.
    pub operator: Option<String>,
    /// MCC+MNC, while registered.
    pub operator_code: Option<String>,
    /// `LTE`, `UMTS`, `GSM`, … while registered.
    pub technology: Option<String>,
    /// Signal bars as 0–100.
    pub quality_percent: Option<u8>,
    pub rssi_dbm: Option<f64>,
    pub rsrp_dbm: Option<f64>,
    pub rsrq_db: Option<f64>,
    pub sinr_db: Option<f64>,
}

/// Read the radio side. Only `monitoring/status` must answer: the operator
/// and the signal values are left out when their calls fail (older firmware
/// lacks `device/signal`; some want a login for it).
pub fn radio(client: &Client) -> Result<Radio, HilinkError> {
    let st = client.status()?;
    let registration = match (st.has_service(), st.roaming()) {
        (true, true) => "roaming",
        (true, false) => "home",
        _ if st.sim_status.as_deref() == Some("1") => "searching",
        _ => "not_registered",
    };
    let registered = st.has_service();
    let plmn = if registered {
        client.current_plmn().unwrap_or_default()
    } else {
        Default::default()
    };
    let sig = client.signal().unwrap_or_default();
    let technology = st
        .technology()
        .or_else(|| sig.technology())
        .filter(|_| registered);
    Ok(Radio {
        registration: registration.to_string(),
        operator: plmn
            .full_name
            .filter(|n| !n.is_empty())
            .or(plmn.short_name.filter(|n| !n.is_empty())),
        operator_code: plmn.numeric.filter(|n| !n.is_empty()),
        technology: technology.map(String::from),
        quality_percent: st.signal_percent(),
        rssi_dbm: sig.rssi_dbm(),
        rsrp_dbm: sig.rsrp_dbm(),
        rsrq_db: sig.rsrq_db(),
        sinr_db: sig.sinr_db(),
    })
}
