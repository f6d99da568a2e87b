//! The steps every way of getting online shares (PPP in `up.rs`, NCM in
//! `up_ncm.rs`, HiLink in `up_hilink.rs`): checked credentials, opening the
//! control port, SIM + registration + APN candidates, remembering the APN
//! that worked, the link's state file, and the wait before a retry.

use crate::cli::UpArgs;
use crate::failure::{Exit, Failure};
use crate::ports::Port;
use dongle_at::parse::identity;
use dongle_at::parse::sim::{parse_cpin, SimLock};
use dongle_at::{AtSession, OpenOptions, SerialPort};
use dongle_catalog::{candidates_for, imsi_splits, sim_key, ApnDatabase, ApnMemory};
use dongle_connect::backoff::Backoff;
use dongle_connect::input::{read_secret, Apn, Code, Credential, InputError};
use dongle_connect::state::{LinkState, Radio};
use dongle_connect::{dial, sim, Finding};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What the user gave, checked before anything reaches the modem.
pub struct Given {
    /// `--apn`.
    pub apn: Option<Apn>,
    pub pin: Option<Code>,
    pub puk: Option<Code>,
    pub user: Option<Credential>,
    pub password: Option<Credential>,
}

pub fn usage(e: InputError) -> Failure {
    Failure::new(Exit::Usage, e.to_string())
}

impl Given {
    pub fn read(a: &UpArgs) -> Result<Given, Failure> {
        let (pin, puk) = crate::cmd::unlock::read_codes(&a.secrets)?;
        let apn = a
            .apn
            .as_deref()
            .map(Apn::parse)
            .transpose()
            .map_err(usage)?;
        let user = a
            .user
            .as_deref()
            .map(|u| Credential::parse("user name", u, false))
            .transpose()
            .map_err(usage)?;
        let password = read_secret(
            a.password_file.as_deref(),
            a.password_env.as_deref(),
            "password",
        )
        .map_err(usage)?
        .map(|p| Credential::parse("password", &p, true))
        .transpose()
        .map_err(usage)?;
        Ok(Given {
            apn,
            pin,
            puk,
            user,
            password,
        })
    }
}

/// Open a port exclusively; failure is a finding.
pub fn open(p: &Port) -> Result<SerialPort, Finding> {
    SerialPort::open(&p.port, &OpenOptions::default())
        .map_err(|e| Finding::new("port_busy", e.to_string(), "dongle probe"))
}

/// One APN to try, with its credentials.
#[derive(Clone)]
pub struct Candidate {
    pub apn: Apn,
    pub user: Option<Credential>,
    pub password: Option<Credential>,
    pub source: String,
}

pub struct Prepared {
    pub candidates: Vec<Candidate>,
    /// ICCID (or IMSI) under which a working APN is remembered.
    pub sim_key: Option<String>,
}

/// SIM (unlocked when a code was given), registration, and the APNs to try:
/// `--apn` alone, else the one remembered for this SIM, then the provider
/// database's for the SIM's network.
pub fn prepare(s: &AtSession, a: &UpArgs, given: &Given) -> Result<Prepared, Finding> {
    if !sim_ready(s)? {
        let st = sim::status(s)?;
        if st.state != sim::SimState::Ready {
            if given.pin.is_none() && given.puk.is_none() {
                return Err(sim::blocking_finding(&st).unwrap_or_else(|| {
                    Finding::new("sim_failure", "SIM not ready", "dongle info")
                }));
            }
            sim::unlock(s, given.pin.as_ref(), given.puk.as_ref(), false)?;
        }
    }
    dial::wait_registered(s, Duration::from_secs(a.register_timeout), !a.no_roaming)?;
    let imsi = s
        .command("AT+CIMI")
        .ok()
        .and_then(|r| identity::parse_imsi(&r.body()).ok());
    let iccid = read_iccid(s);
    let memory = ApnMemory::open(ApnMemory::default_path()).ok();
    // With --apn the database adds nothing (the override is the only
    // candidate); else only the SIM's networks are read from it.
    let db = match (&given.apn, &imsi) {
        (None, Some(imsi)) => ApnDatabase::load_for(None, &imsi_splits(imsi))
            .map_err(|e| log::warn!("{e}"))
            .ok(),
        _ => None,
    };
    let found = candidates_for(
        imsi.as_deref(),
        iccid.as_deref(),
        db.as_ref(),
        memory.as_ref(),
        given.apn.as_ref().map(Apn::as_str),
    )
    .map_err(|e| Finding::new("wrong_apn", e.to_string(), "dongle up --apn APN"))?;
    let candidates = found
        .iter()
        .filter_map(|c| {
            Some(Candidate {
                apn: Apn::parse(&c.apn).ok()?,
                user: c
                    .username
                    .as_deref()
                    .and_then(|u| Credential::parse("user name", u, false).ok()),
                password: c
                    .password
                    .as_deref()
                    .and_then(|p| Credential::parse("password", p, true).ok()),
                source: format!("{:?}", c.source).to_lowercase(),
            })
        })
        .collect();
    Ok(Prepared {
        candidates,
        sim_key: sim_key(iccid.as_deref(), imsi.as_deref()),
    })
}

/// `+CPIN: READY`: nothing to unlock, and `^CPIN?`'s retry counters (what
/// [`sim::status`] adds) would only matter for a locked SIM. `false` sends
/// the caller to the full status; a modem that does not answer is a finding.
fn sim_ready(s: &AtSession) -> Result<bool, Finding> {
    // Numeric +CME errors tell "no SIM" from "SIM failure" (sim::status).
    let _ = s.command("AT+CMEE=1");
    match s.command("AT+CPIN?") {
        Ok(r) => Ok(matches!(parse_cpin(&r.body()), Ok(SimLock::None))),
        Err(dongle_at::AtError::Rejected { .. }) => Ok(false),
        Err(e) => Err(sim::modem_finding(&e)),
    }
}

/// The SIM's ICCID (Huawei `^ICCID?`, else `+CCID`): the APN memory's key.
fn read_iccid(s: &AtSession) -> Option<String> {
    ["AT^ICCID?", "AT+CCID"].iter().find_map(|c| {
        s.command(c)
            .ok()
            .and_then(|r| identity::parse_iccid(&r.body()).ok())
    })
}

/// The APN worked: next time it is tried first (connect_and_hilink.md §5.3:
/// several candidates per network, only one of which a given SIM accepts).
pub fn remember(prepared: &Prepared, apn: &Apn) {
    let Some(key) = &prepared.sim_key else { return };
    match ApnMemory::open(ApnMemory::default_path()) {
        Ok(mut m) => {
            if m.recall(key).as_deref() != Some(apn.as_str()) {
                if let Err(e) = m.remember(key, apn.as_str()) {
                    forgot(&e.to_string());
                }
            }
        }
        Err(e) => forgot(&e.to_string()),
    }
}

/// Not remembering costs only the next connect's order of tries: a note, naming the modem (a
/// daemon's log has many), not a failure.
fn forgot(why: &str) {
    eprintln!(
        "{}note: the working APN is not remembered for next time: {why}",
        who()
    );
}

/// A fresh state file entry for a link this process is bringing up.
pub fn connecting(device: String, port: String, via: &str, reconnects: u32) -> LinkState {
    LinkState {
        device,
        port,
        via: via.into(),
        state: "connecting".into(),
        apn: None,
        interface: None,
        local: None,
        remote: None,
        dns: Vec::new(),
        since: None,
        pid: std::process::id(),
        reconnects,
        problem: None,
        radio: None,
    }
}

thread_local! {
    /// The modem this thread works for, in the daemon (one thread per modem).
    static LABEL: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Name the modem this thread's messages are about (the daemon's workers).
pub fn set_label(name: &str) {
    LABEL.with(|l| *l.borrow_mut() = Some(name.to_string()));
}

pub fn label() -> Option<String> {
    LABEL.with(|l| l.borrow().clone())
}

/// How a message starts: `dongle: ` alone, `dongle daemon: NAME: ` in a
/// daemon worker, so one log line says which of many modems it is about.
pub fn who() -> String {
    match label() {
        Some(l) => format!("dongle daemon: {l}: "),
        None => "dongle: ".to_string(),
    }
}

/// `NAME: ` before a result line in a daemon worker, nothing otherwise.
pub fn tag() -> String {
    label().map(|l| format!("{l}: ")).unwrap_or_default()
}

/// How often the radio side of a running link is read again.
pub const RADIO_EVERY: Duration = Duration::from_secs(30);

/// Registration, operator, technology and signal, for `status` and metrics.
/// A modem that does not answer gives `None`; the link does not care.
pub fn radio(s: &AtSession) -> Option<Radio> {
    let i = dongle_at::info::query_radio(s).ok()?;
    let ask = |cmd: &str, parse: fn(&str) -> dongle_at::parse::Result<String>| {
        s.command(cmd).ok().and_then(|r| parse(&r.body()).ok())
    };
    Some(Radio {
        model: ask("AT+CGMM", identity::parse_model),
        imei: ask("AT+CGSN", identity::parse_imei),
        ..Radio::from_info(&i, now().unwrap_or(0))
    })
}

/// Unix time now, for `LinkState::since`.
pub fn now() -> Option<u64> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs())
}

/// Say why the link is down and wait out the backoff. `false` when asked
/// to stop meanwhile.
pub fn wait_to_retry(finding: &Finding, backoff: &mut Backoff, stop: &AtomicBool) -> bool {
    // In the daemon a port that vanished mostly means the whole stick did: the
    // daemon sees it gone at its next scan, says so in one line and stops this
    // worker. A "retrying in 5 s" line first (a retry that never comes) would
    // be a second, misleading line for one event.
    if finding.problem == "port_gone" && label().is_some() && stopped_within(stop, GONE_GRACE) {
        log::info!("{}{} [{}]", who(), finding.summary, finding.problem);
        return false;
    }
    let wait = backoff.next_delay();
    eprintln!(
        "{}{} [{}] — retrying in {} s (fix: {})",
        who(),
        finding.summary,
        finding.problem,
        wait.as_secs(),
        finding.fix
    );
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    true
}

/// How long a daemon worker whose port vanished waits for the daemon to notice
/// the stick is gone (it scans at least every 500 ms) before reporting it itself.
const GONE_GRACE: Duration = Duration::from_secs(2);

/// Whether `stop` is set within `d`.
fn stopped_within(stop: &AtomicBool, d: Duration) -> bool {
    let deadline = Instant::now() + d;
    loop {
        if stop.load(Ordering::SeqCst) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether a stop is the daemon letting go of a stick that is gone (its port
/// node went with it, or a session on one of its ports finds the port dead
/// although a replugged stick already brought the node back): the daemon has
/// said so in its own line, and the worker's "link down (stopped)" would say
/// it again, less accurately.
pub fn gone_under_daemon(port: &std::path::Path, session: Option<&AtSession>) -> bool {
    label().is_some() && (!port.exists() || session.is_some_and(port_gone))
}

/// Whether the session's port has vanished (the stick was unplugged or reset,
/// even if it is already back under the same name).
pub fn port_gone(s: &AtSession) -> bool {
    matches!(s.command("AT"), Err(dongle_at::AtError::PortGone { .. }))
}
