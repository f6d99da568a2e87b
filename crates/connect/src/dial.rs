//! The AT dialog that ends in `CONNECT`: wait for registration (27.007
//! §7.2/§10.1.20/§10.1.22), define the PDP context (§10.1.1 `+CGDCONT`), dial
//! the packet service (`ATD*99***<cid>#`, 27.007 §10.2.1.1). After `CONNECT`
//! the port carries PPP and belongs to pppd.

use crate::finding::Finding;
use crate::input::Apn;
use crate::sim::modem_finding;
use dongle_at::parse::registration::{parse_registration, RegState};
use dongle_at::{AtError, AtSession, ErrorCode, FinalResult};
use std::time::{Duration, Instant};

/// Registration as `dongle up` needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    Home,
    Roaming,
}

/// Wait until the modem is registered for packet data (EPS, GPRS, or CS as
/// a last resort). Denied and timeout become findings.
pub fn wait_registered(
    s: &AtSession,
    timeout: Duration,
    allow_roaming: bool,
) -> Result<Registered, Finding> {
    let deadline = Instant::now() + timeout;
    let mut last = RegState::Unknown;
    loop {
        for cmd in ["AT+CEREG?", "AT+CGREG?", "AT+CREG?"] {
            let state = match s.command(cmd) {
                Ok(r) => parse_registration(&r.body())
                    .map(|r| r.state)
                    .unwrap_or(RegState::Unknown),
                Err(AtError::Rejected { .. }) => continue,
                Err(e) => return Err(modem_finding(&e)),
            };
            match state {
                RegState::Home | RegState::HomeCsfbNotPreferred => return Ok(Registered::Home),
                RegState::Roaming | RegState::RoamingCsfbNotPreferred if allow_roaming => {
                    return Ok(Registered::Roaming)
                }
                RegState::Roaming | RegState::RoamingCsfbNotPreferred => {
                    return Err(Finding::new(
                        "roaming_not_allowed",
                        "the modem is registered on a roaming network and roaming is not allowed",
                        "allow roaming if your plan covers it (charges may apply): `dongle up` without --no-roaming; for the daemon, `roaming = true` in /etc/dongle/config.toml",
                    ))
                }
                RegState::Denied => last = RegState::Denied,
                other if last != RegState::Denied => last = other,
                _ => {}
            }
        }
        if Instant::now() >= deadline {
            return Err(match last {
                RegState::Denied => Finding::new(
                    "not_registered",
                    "the network denied registration (SIM not activated, barred, or no contract for this network)",
                    "check the SIM in a phone; ask the operator whether it is active",
                ),
                RegState::Searching => Finding::new(
                    "not_registered",
                    format!("no network found within {} s (still searching)", timeout.as_secs()),
                    "check coverage and the antenna; `dongle info` shows the signal",
                ),
                _ => Finding::new(
                    "not_registered",
                    format!("the modem is not registered after {} s", timeout.as_secs()),
                    "check the SIM and coverage with `dongle info`",
                ),
            });
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// What `CONNECT` said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connected {
    pub rate: Option<String>,
}

/// The dial string for a context (27.007 §10.2.1.1, GPRS service code 99).
pub fn dial_string(cid: u8) -> String {
    format!("ATD*99***{cid}#")
}

/// The context definition for an APN: IPv4, as most 3G/LTE sticks do best
/// over PPP (IPv6 negotiation over PPP is dropped by some sticks: reference
/// modemmanager.md §4).
pub fn cgdcont(cid: u8, apn: &Apn) -> String {
    format!("AT+CGDCONT={cid},\"IP\",\"{apn}\"")
}

/// Define the context and dial on the modem (PPP) port.
pub fn dial(s: &AtSession, apn: &Apn, cid: u8) -> Result<Connected, Finding> {
    // Leave any previous data call and reset state the last user left behind.
    let _ = s.command("ATE0");
    if let Err(e) = s.command(&cgdcont(cid, apn)) {
        return Err(match e {
            AtError::Rejected { result, .. } => Finding::new(
                "wrong_apn",
                format!("the modem refused the APN \"{apn}\" ({result})"),
                "check the APN with `dongle apn`, then `dongle up --apn APN`",
            ),
            e => modem_finding(&e),
        });
    }
    let cmd = dial_string(cid);
    match s.command(&cmd) {
        Ok(r) => match r.result {
            FinalResult::Connect(rate) => Ok(Connected { rate }),
            other => Err(Finding::new(
                "dial_error",
                format!("{cmd} answered {other}, not CONNECT"),
                "dongle doctor",
            )),
        },
        Err(AtError::Rejected { result, .. }) => Err(dial_finding(&cmd, apn, &result)),
        Err(e) => Err(modem_finding(&e)),
    }
}

/// Why a dial failed, in the user's terms.
pub fn dial_finding(cmd: &str, apn: &Apn, result: &FinalResult) -> Finding {
    match result {
        FinalResult::NoCarrier => Finding::new(
            "wrong_apn",
            format!("the network refused the data call (NO CARRIER) with APN \"{apn}\""),
            "the APN is the usual cause: `dongle apn` lists the right ones for your SIM; also check that the SIM has data service",
        ),
        FinalResult::Cme(ErrorCode::Numeric(n @ (27 | 127 | 533))) => Finding::new(
            "wrong_apn",
            format!("the network does not know the APN \"{apn}\" (+CME ERROR: {n})"),
            "`dongle apn` lists the APNs for your SIM; `dongle up --apn APN`",
        ),
        FinalResult::Cme(ErrorCode::Numeric(n @ (29 | 129 | 149))) => Finding::new(
            "ppp_auth_failed",
            format!("the network rejected the user name or password (+CME ERROR: {n})"),
            "check --user and the password; many APNs need none",
        ),
        FinalResult::Cme(ErrorCode::Numeric(n @ 30..=32)) => Finding::new(
            "not_registered",
            format!("no network service for the data call (+CME ERROR: {n})"),
            "check coverage with `dongle info`",
        ),
        FinalResult::Cme(ErrorCode::Numeric(n @ (11 | 12))) => Finding::new(
            "sim_pin_required",
            format!("the SIM is locked (+CME ERROR: {n})"),
            "dongle unlock --pin-file FILE",
        ),
        FinalResult::Cme(ErrorCode::Numeric(113)) => Finding::new(
            "roaming_not_allowed",
            "roaming is not allowed in this area (+CME ERROR: 113)",
            "use a local SIM or enable roaming with the operator",
        ),
        other => Finding::new(
            "dial_error",
            format!("{cmd} failed: {other}"),
            "`dongle info` for SIM and network; `dongle doctor`",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_quote_the_apn() {
        let apn = Apn::parse("web.pt.lu").unwrap();
        assert_eq!(cgdcont(1, &apn), "AT+CGDCONT=1,\"IP\",\"web.pt.lu\"");
        assert_eq!(dial_string(1), "ATD*99***1#");
    }

    #[test]
    fn no_carrier_points_at_the_apn() {
        let apn = Apn::parse("wrong").unwrap();
        let f = dial_finding("ATD*99***1#", &apn, &FinalResult::NoCarrier);
        assert_eq!(f.problem, "wrong_apn");
        assert!(f.summary.contains("\"wrong\"") && f.fix.contains("dongle apn"));
    }
}
