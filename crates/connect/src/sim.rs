//! The SIM: is it there, is it locked, how many tries are left, and unlocking
//! it without ever burning the last try by accident (3GPP TS 27.007 §8.3
//! `+CPIN`; Huawei `^CPIN` for the retry counters).

use crate::finding::Finding;
use crate::input::Code;
use dongle_at::parse::sim::{parse_cpin, parse_huawei_cpin, SimLock};
use dongle_at::{AtError, AtSession, ErrorCode, FinalResult};
use serde::Serialize;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SimState {
    Ready,
    Pin,
    Puk,
    Absent,
    Failure,
    Busy,
    /// Another lock (PIN2, network personalisation…).
    Locked,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retries {
    pub pin: u8,
    pub puk: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimStatus {
    pub state: SimState,
    pub retries: Option<Retries>,
}

/// A modem error that is not about the SIM itself.
pub fn modem_finding(e: &AtError) -> Finding {
    match e {
        AtError::PortGone { .. } => Finding::new(
            "port_gone",
            e.to_string(),
            "replug the stick, then `dongle list`",
        ),
        _ => Finding::new(
            "modem_error",
            e.to_string(),
            "see `dongle info`; `dongle doctor` explains more",
        ),
    }
}

/// Read the SIM state and, on Huawei firmware, the retry counters.
pub fn status(s: &AtSession) -> Result<SimStatus, Finding> {
    // Numeric +CME errors tell "no SIM" from "SIM failure"; plain ERROR does not.
    let _ = s.command("AT+CMEE=1");
    let state = match s.command("AT+CPIN?") {
        Ok(r) => match parse_cpin(&r.body()) {
            Ok(SimLock::None) => SimState::Ready,
            Ok(SimLock::SimPin) => SimState::Pin,
            Ok(SimLock::SimPuk) => SimState::Puk,
            Ok(_) => SimState::Locked,
            Err(_) => SimState::Unknown,
        },
        Err(AtError::Rejected {
            result: FinalResult::Cme(ErrorCode::Numeric(n)),
            ..
        }) => match n {
            10 => SimState::Absent,
            11 => SimState::Pin,
            12 => SimState::Puk,
            13 | 15 => SimState::Failure,
            14 => SimState::Busy,
            _ => SimState::Unknown,
        },
        Err(AtError::Rejected { .. }) => SimState::Unknown,
        Err(e) => return Err(modem_finding(&e)),
    };
    let retries = s
        .command("AT^CPIN?")
        .ok()
        .and_then(|r| parse_huawei_cpin(&r.body()).ok())
        .map(|c| Retries {
            pin: c.pin_retries,
            puk: c.puk_retries,
        });
    Ok(SimStatus { state, retries })
}

/// The finding for a SIM that keeps us offline, if any.
pub fn blocking_finding(st: &SimStatus) -> Option<Finding> {
    let tries = |n: Option<u8>, what: &str| {
        n.map(|n| format!(" ({n} {what} tries left)"))
            .unwrap_or_default()
    };
    match st.state {
        SimState::Ready => None,
        SimState::Pin => Some(Finding::new(
            "sim_pin_required",
            format!("the SIM needs its PIN{}", tries(st.retries.as_ref().map(|r| r.pin), "PIN")),
            "dongle unlock --pin-file FILE (or --pin-env VAR), or pass the same to `dongle up`",
        )),
        SimState::Puk => Some(Finding::new(
            "sim_puk_required",
            format!("the SIM is blocked and needs its PUK{}", tries(st.retries.as_ref().map(|r| r.puk), "PUK")),
            "dongle unlock --puk-file FILE --pin-file NEWPIN_FILE (the PUK is on the SIM's card holder)",
        )),
        SimState::Absent => Some(Finding::new(
            "no_sim",
            "no SIM card is inserted (or it is not making contact)",
            "insert the SIM (contacts down, cut corner as marked), then replug the stick",
        )),
        SimState::Failure => Some(Finding::new(
            "sim_failure",
            "the SIM card failed (damaged, wrong size adapter, or not seated)",
            "reseat the SIM; try it in a phone; ask the operator for a new one",
        )),
        SimState::Busy => Some(Finding::new("sim_busy", "the SIM is still starting", "wait a few seconds and try again")),
        SimState::Locked => Some(Finding::new(
            "sim_locked",
            "the SIM or stick is locked (PIN2 or a network/operator lock)",
            "an operator-locked stick needs its unlock code from the operator",
        )),
        SimState::Unknown => Some(Finding::new(
            "sim_failure",
            "the modem did not say what state the SIM is in",
            "dongle info; replug the stick",
        )),
    }
}

/// What unlocking did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unlocked {
    pub before: SimState,
    pub after: SimStatus,
}

/// Unlock with the PIN, or with the PUK and a new PIN. Refuses the last try
/// unless `force`: a wrong PIN on the last try blocks the SIM; a wrong PUK on
/// the last try destroys it for good.
pub fn unlock(
    s: &AtSession,
    pin: Option<&Code>,
    puk: Option<&Code>,
    force: bool,
) -> Result<Unlocked, Finding> {
    let st = status(s)?;
    let before = st.state;
    let last = |n: Option<u8>| n == Some(1);
    match st.state {
        SimState::Ready => return Ok(Unlocked { before, after: st }),
        SimState::Pin => {
            let Some(pin) = pin else {
                return Err(blocking_finding(&st).unwrap_or_else(unknown));
            };
            if last(st.retries.as_ref().map(|r| r.pin)) && !force {
                return Err(Finding::new(
                    "sim_pin_required",
                    "only one PIN try is left: a wrong PIN now blocks the SIM (then it needs the PUK)",
                    "make sure the PIN is right, then run again with --force",
                ));
            }
            let cmd = format!("AT+CPIN=\"{}\"", pin.as_str());
            send_code(s, &cmd, "AT+CPIN=<PIN>")?;
        }
        SimState::Puk => {
            let (Some(puk), Some(pin)) = (puk, pin) else {
                return Err(blocking_finding(&st).unwrap_or_else(unknown));
            };
            if last(st.retries.as_ref().map(|r| r.puk)) && !force {
                return Err(Finding::new(
                    "sim_puk_required",
                    "only one PUK try is left: a wrong PUK now destroys the SIM permanently",
                    "check the PUK on the SIM's card holder, then run again with --force",
                ));
            }
            let cmd = format!("AT+CPIN=\"{}\",\"{}\"", puk.as_str(), pin.as_str());
            send_code(s, &cmd, "AT+CPIN=<PUK>,<NEW PIN>")?;
        }
        _ => return Err(blocking_finding(&st).unwrap_or_else(unknown)),
    }
    // The SIM reports READY after it has read its files: give it a moment.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let after = status(s)?;
        if after.state == SimState::Ready || Instant::now() >= deadline {
            if after.state != SimState::Ready {
                return Err(blocking_finding(&after).unwrap_or_else(unknown));
            }
            return Ok(Unlocked { before, after });
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn unknown() -> Finding {
    Finding::new(
        "sim_failure",
        "the SIM is in an unexpected state",
        "dongle info",
    )
}

fn send_code(s: &AtSession, cmd: &str, shown: &str) -> Result<(), Finding> {
    match s.command_private(cmd, shown, Duration::from_secs(20)) {
        Ok(_) => Ok(()),
        Err(AtError::Rejected {
            result: FinalResult::Cme(ErrorCode::Numeric(16)),
            ..
        }) => {
            let left = status(s)
                .ok()
                .and_then(|st| st.retries)
                .map(|r| format!(" ({} PIN / {} PUK tries left)", r.pin, r.puk));
            Err(Finding::new(
                "sim_wrong_pin",
                format!("the SIM rejected the code{}", left.unwrap_or_default()),
                "check the code; do not retry blindly: each wrong try counts",
            ))
        }
        Err(e) => Err(modem_finding(&e)),
    }
}
