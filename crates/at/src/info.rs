//! Everything worth knowing about a modem, asked over one AT session:
//! identity (27.007 §5), SIM state (§8.3), network (§7.2, §7.3, §10.1.20,
//! §10.1.22) and signal (§8.5; Huawei `^HCSQ`, `^SYSINFOEX`).
//!
//! A failing query does not fail the whole report: a PIN-locked SIM refuses
//! `+CIMI`, old firmware lacks `^HCSQ`. Such gaps are `null` and the reason is
//! kept in `notes`. Only a port that dies or never answers is an error.

use crate::error::AtError;
use crate::parse::charset::Charset;
use crate::parse::registration::{RegState, Registration};
use crate::parse::sim::SimLock;
use crate::parse::{self, AccessTech};
use crate::result::{ErrorCode, FinalResult};
use crate::session::{AtSession, Response};
use serde::Serialize;

/// SIM retries left (Huawei `^CPIN`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PinRetries {
    pub pin: u8,
    pub puk: u8,
    pub pin2: u8,
    pub puk2: u8,
}

/// Signal in the units people compare: dBm / dB and a 0–100 quality.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Signal {
    /// 0–100, from `+CSQ` as ModemManager computes it.
    pub quality_percent: Option<u8>,
    pub rssi_dbm: Option<f64>,
    pub rsrp_dbm: Option<f64>,
    pub rsrq_db: Option<f64>,
    pub sinr_db: Option<f64>,
    pub rscp_dbm: Option<f64>,
    pub ecio_db: Option<f64>,
}

/// The `dongle info` report; its JSON form is a documented contract.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ModemInfo {
    pub port: String,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub imei: Option<String>,
    pub imsi: Option<String>,
    pub iccid: Option<String>,
    /// `ready`, `pin`, `puk`, `pin2`, `puk2`, `network-pin`, `absent`, `failure`, `busy`, `locked`, `unknown`.
    pub sim: String,
    pub pin_retries: Option<PinRetries>,
    pub operator: Option<String>,
    /// MCC+MNC of the registered network, e.g. `27001`.
    pub operator_code: Option<String>,
    /// `home`, `roaming`, `searching`, `denied`, `not_registered`, `emergency_only`, `unknown`.
    pub registration: String,
    pub technology: Option<String>,
    pub signal: Signal,
    /// Queries that failed and why.
    pub notes: Vec<String>,
}

struct Asker<'a> {
    s: &'a AtSession,
    notes: Vec<String>,
}

impl Asker<'_> {
    /// Run a query; a rejection becomes a note and `None`, a dead port an error.
    fn ask(&mut self, cmd: &str) -> Result<Option<Response>, AtError> {
        match self.s.command(cmd) {
            Ok(r) => Ok(Some(r)),
            Err(e @ (AtError::PortGone { .. } | AtError::Cancelled { .. })) => Err(e),
            Err(e) => {
                self.notes.push(e.to_string());
                Ok(None)
            }
        }
    }

    fn parsed<T>(
        &mut self,
        cmd: &str,
        f: impl Fn(&str) -> Result<T, parse::ParseError>,
    ) -> Result<Option<T>, AtError> {
        let Some(r) = self.ask(cmd)? else {
            return Ok(None);
        };
        match f(&r.body()) {
            Ok(v) => Ok(Some(v)),
            Err(e) => {
                self.notes.push(e.to_string());
                Ok(None)
            }
        }
    }
}

/// Ask the modem everything `dongle info` shows.
pub fn query(s: &AtSession) -> Result<ModemInfo, AtError> {
    // The first exchange proves the port is alive; its failure is fatal.
    s.command("AT")?;
    let mut a = Asker {
        s,
        notes: Vec::new(),
    };
    // Numeric +CME errors are the ones we can decode; errors here are harmless.
    let _ = a.ask("AT+CMEE=1")?;
    let mut info = ModemInfo {
        port: s.port(),
        ..ModemInfo::default()
    };
    info.manufacturer = a.parsed("AT+CGMI", parse::identity::parse_manufacturer)?;
    info.model = a.parsed("AT+CGMM", parse::identity::parse_model)?;
    info.firmware = a.parsed("AT+CGMR", parse::identity::parse_revision)?;
    info.imei = a.parsed("AT+CGSN", parse::identity::parse_imei)?;
    let huawei = info
        .manufacturer
        .as_deref()
        .is_some_and(|m| m.to_ascii_lowercase().contains("huawei"));

    info.sim = sim_state(&mut a)?;
    if huawei {
        if let Some(c) = a.parsed("AT^CPIN?", parse::sim::parse_huawei_cpin)? {
            info.pin_retries = Some(PinRetries {
                pin: c.pin_retries,
                puk: c.puk_retries,
                pin2: c.pin2_retries,
                puk2: c.puk2_retries,
            });
        }
    }
    if info.sim == "ready" {
        info.imsi = a.parsed("AT+CIMI", parse::identity::parse_imsi)?;
    }
    info.iccid = match huawei {
        true => a.parsed("AT^ICCID?", parse::identity::parse_iccid)?,
        false => None,
    };
    if info.iccid.is_none() && info.sim != "absent" {
        info.iccid = a.parsed("AT+CCID", parse::identity::parse_iccid)?;
    }

    let reg = registration(&mut a)?;
    info.registration = reg
        .as_ref()
        .map(|r| reg_name(r.state))
        .unwrap_or("unknown")
        .to_string();
    let mut cops_act = None;
    if reg.as_ref().is_some_and(|r| r.state.is_registered()) {
        cops_act = operator(&mut a, &mut info)?;
    }
    let tech = technology(&mut a, huawei, reg.as_ref())?.or(cops_act);
    info.technology = tech.map(|t| t.to_string());
    info.signal = signal(&mut a, huawei)?;
    info.notes = a.notes;
    Ok(info)
}

/// Only what changes while a link is up: registration, operator,
/// technology and signal (a handful of commands; `query` asks ~15). For
/// status and metrics, every half minute or so, on the control port.
pub fn query_radio(s: &AtSession) -> Result<ModemInfo, AtError> {
    let mut a = Asker {
        s,
        notes: Vec::new(),
    };
    let mut info = ModemInfo {
        port: s.port(),
        ..ModemInfo::default()
    };
    info.manufacturer = a.parsed("AT+CGMI", parse::identity::parse_manufacturer)?;
    let huawei = info
        .manufacturer
        .as_deref()
        .is_some_and(|m| m.to_ascii_lowercase().contains("huawei"));
    let reg = registration(&mut a)?;
    info.registration = reg
        .as_ref()
        .map(|r| reg_name(r.state))
        .unwrap_or("unknown")
        .to_string();
    let mut cops_act = None;
    if reg.as_ref().is_some_and(|r| r.state.is_registered()) {
        cops_act = operator(&mut a, &mut info)?;
    }
    let tech = technology(&mut a, huawei, reg.as_ref())?.or(cops_act);
    info.technology = tech.map(|t| t.to_string());
    info.signal = signal(&mut a, huawei)?;
    info.notes = a.notes;
    Ok(info)
}

fn sim_state(a: &mut Asker) -> Result<String, AtError> {
    let state = match a.s.command("AT+CPIN?") {
        Ok(r) => match parse::sim::parse_cpin(&r.body()) {
            Ok(lock) => lock_name(lock),
            Err(e) => {
                a.notes.push(e.to_string());
                "unknown"
            }
        },
        Err(AtError::Rejected { result, .. }) => {
            a.notes.push(format!("AT+CPIN?: {result}"));
            match result {
                FinalResult::Cme(ErrorCode::Numeric(10)) => "absent",
                FinalResult::Cme(ErrorCode::Numeric(13 | 15)) => "failure",
                FinalResult::Cme(ErrorCode::Numeric(14)) => "busy",
                FinalResult::Cme(ErrorCode::Numeric(11)) => "pin",
                FinalResult::Cme(ErrorCode::Numeric(12)) => "puk",
                FinalResult::Cme(ErrorCode::Text(t))
                    if t.to_ascii_lowercase().contains("not inserted") =>
                {
                    "absent"
                }
                _ => "unknown",
            }
        }
        Err(e) => return Err(e),
    };
    Ok(state.to_string())
}

fn lock_name(lock: SimLock) -> &'static str {
    match lock {
        SimLock::None => "ready",
        SimLock::SimPin => "pin",
        SimLock::SimPuk => "puk",
        SimLock::SimPin2 => "pin2",
        SimLock::SimPuk2 => "puk2",
        SimLock::PhNetPin | SimLock::PhNetPuk => "network-pin",
        _ => "locked",
    }
}

fn reg_name(s: RegState) -> &'static str {
    match s {
        RegState::Home | RegState::HomeSmsOnly | RegState::HomeCsfbNotPreferred => "home",
        RegState::Roaming | RegState::RoamingSmsOnly | RegState::RoamingCsfbNotPreferred => {
            "roaming"
        }
        RegState::Searching => "searching",
        RegState::Denied => "denied",
        RegState::NotRegistered => "not_registered",
        RegState::EmergencyOnly => "emergency_only",
        _ => "unknown",
    }
}

/// The best of EPS, GPRS and CS registration: an LTE-only stick is
/// registered in `+CEREG` while `+CREG` may say "searching".
fn registration(a: &mut Asker) -> Result<Option<Registration>, AtError> {
    let mut best: Option<Registration> = None;
    for cmd in ["AT+CEREG?", "AT+CGREG?", "AT+CREG?"] {
        let Some(r) = a.parsed(cmd, parse::registration::parse_registration)? else {
            continue;
        };
        if r.state.is_registered() {
            return Ok(Some(r));
        }
        let better = match &best {
            None => true,
            Some(b) => rank(r.state) > rank(b.state),
        };
        if better {
            best = Some(r);
        }
    }
    Ok(best)
}

fn rank(s: RegState) -> u8 {
    match s {
        RegState::Denied => 3,
        RegState::Searching => 2,
        RegState::NotRegistered => 1,
        _ => 0,
    }
}

/// Reads the operator's code and name; returns the access technology `+COPS?` reports.
fn operator(a: &mut Asker, info: &mut ModemInfo) -> Result<Option<AccessTech>, AtError> {
    let mut act = None;
    // +COPS=3,<format> only selects how +COPS? reports the operator (27.007 §7.3).
    if a.ask("AT+COPS=3,2")?.is_some() {
        if let Some(op) = a.parsed("AT+COPS?", |b| {
            parse::operator::parse_cops_read(b, Charset::Ira)
        })? {
            info.operator_code = op
                .operator
                .filter(|c| c.chars().all(|ch| ch.is_ascii_digit()));
        }
    }
    if a.ask("AT+COPS=3,0")?.is_some() {
        if let Some(op) = a.parsed("AT+COPS?", |b| {
            parse::operator::parse_cops_read(b, Charset::Ira)
        })? {
            info.operator = op.operator;
            act = op.act;
        }
    }
    Ok(act)
}

fn technology(
    a: &mut Asker,
    huawei: bool,
    reg: Option<&Registration>,
) -> Result<Option<AccessTech>, AtError> {
    if huawei {
        if let Some(x) = a.parsed("AT^SYSINFOEX", parse::huawei::sysinfo::parse_sysinfoex)? {
            if let Some(t) = x.access_tech() {
                return Ok(Some(t));
            }
        }
        if let Some(x) = a.parsed("AT^SYSINFO", parse::huawei::sysinfo::parse_sysinfo)? {
            if let Some(t) = x.access_tech() {
                return Ok(Some(t));
            }
        }
    }
    Ok(reg.and_then(|r| r.act))
}

fn signal(a: &mut Asker, huawei: bool) -> Result<Signal, AtError> {
    let mut sig = Signal::default();
    if let Some(csq) = a.parsed("AT+CSQ", parse::signal::parse_csq)? {
        sig.quality_percent = Some(csq.quality_percent());
        sig.rssi_dbm = csq.rssi_dbm().map(f64::from);
    }
    if huawei {
        if let Some(h) = a.parsed("AT^HCSQ?", parse::huawei::hcsq::parse_hcsq)? {
            let d = h.signal();
            sig.rssi_dbm = d.rssi_dbm.or(sig.rssi_dbm);
            sig.rsrp_dbm = d.rsrp_dbm;
            sig.rsrq_db = d.rsrq_db;
            sig.sinr_db = d.sinr_db;
            sig.rscp_dbm = d.rscp_dbm;
            sig.ecio_db = d.ecio_db;
        }
    }
    Ok(sig)
}
