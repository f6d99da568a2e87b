//! Huawei NDIS/NCM: the data call is set up with AT commands on the control
//! (PCUI) port and the packets flow over the stick's NCM network interface
//! (`wwanN`), no PPP (reference connect_and_hilink.md §6, modemmanager.md
//! §1.6).
//!
//! The modem side: clear a stale session first (a session left by a killed
//! program makes `^NDISDUP=1,1` fail until the stick is power-cycled:
//! modemmanager.md §4), `AT^NDISDUP=1,1,"<apn>"[,"<user>","<pass>",<auth>]`,
//! poll `^NDISSTATQRY?` once per second, read `^DHCP?`, and end with
//! `^NDISDUP=1,0`. The host side ([`crate::host::HostConfig`]): the system's DHCP client
//! on `wwanN` when there is one, else the address, gateway and DNS from
//! `^DHCP?` with iproute2's `ip`.

use crate::finding::Finding;
use crate::input::{Apn, Credential};
use crate::sim::modem_finding;
use dongle_at::parse::huawei::dhcp::{parse_dhcp, Dhcp};
use dongle_at::parse::huawei::ndis::{parse_ndisstat, NdisStatus};
use dongle_at::{AtError, AtSession, ErrorCode, FinalResult, Urc};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// How often `^NDISSTATQRY?` is polled while connecting (ModemManager: 1 s).
pub const POLL: Duration = Duration::from_secs(1);

/// Authentication for `^NDISDUP` (ModemManager's values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    None = 0,
    Pap = 1,
    Chap = 2,
    MsChapV2 = 3,
}

impl Auth {
    /// `none`, `pap`, `chap`, `mschapv2`.
    pub fn parse(s: &str) -> Option<Auth> {
        match s.to_ascii_lowercase().as_str() {
            "none" | "0" => Some(Auth::None),
            "pap" | "1" => Some(Auth::Pap),
            "chap" | "2" => Some(Auth::Chap),
            "mschapv2" | "3" => Some(Auth::MsChapV2),
            _ => None,
        }
    }
}

/// What to connect to.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub apn: &'a Apn,
    pub user: Option<&'a Credential>,
    pub password: Option<&'a Credential>,
    /// Used only with a user or password; ModemManager defaults to CHAP.
    pub auth: Auth,
}

impl Request<'_> {
    /// The command to send and the form to show in logs and errors (no password).
    pub fn command(&self) -> (String, String) {
        if self.user.is_none() && self.password.is_none() {
            let c = format!("AT^NDISDUP=1,1,\"{}\"", self.apn);
            return (c.clone(), c);
        }
        let user = self.user.map(Credential::as_str).unwrap_or("");
        let pass = self.password.map(Credential::as_str).unwrap_or("");
        let auth = self.auth as u8;
        (
            format!(
                "AT^NDISDUP=1,1,\"{}\",\"{user}\",\"{pass}\",{auth}",
                self.apn
            ),
            format!(
                "AT^NDISDUP=1,1,\"{}\",\"{user}\",\"<password>\",{auth}",
                self.apn
            ),
        )
    }
}

/// One `^NDISSTAT`/`^NDISSTATQRY` report: the state and, when the firmware
/// gives one, the 3GPP session-management cause (TS 24.008 §10.5.6.6) of a
/// failed or dropped connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub status: NdisStatus,
    pub cause: Option<u16>,
}

/// Decode a `^NDISSTAT:` URC or a `^NDISSTATQRY?` answer.
pub fn parse_report(body: &str) -> Option<Report> {
    let status = parse_ndisstat(body).ok()?;
    // The cause is the second field of the first (IPv4) group.
    let cause = body
        .lines()
        .map(str::trim)
        .find(|l| l.to_ascii_uppercase().starts_with("^NDISSTAT"))
        .and_then(|l| l.split_once(':'))
        .and_then(|(_, rest)| rest.split(',').nth(1))
        .and_then(|c| c.trim().trim_matches('"').parse::<u16>().ok())
        .filter(|&c| c != 0);
    Some(Report { status, cause })
}

/// The current state, asked with `AT^NDISSTATQRY?`.
pub fn query(s: &AtSession) -> Result<Report, Finding> {
    match s.command("AT^NDISSTATQRY?") {
        Ok(r) => parse_report(&r.body()).ok_or_else(|| {
            Finding::new(
                "dial_error",
                format!(
                    "the modem's answer to AT^NDISSTATQRY? is not understood: {:?}",
                    r.body()
                ),
                "this firmware may not support NDIS: dongle up --via ppp",
            )
        }),
        Err(AtError::Rejected { result, .. }) => Err(Finding::new(
            "dial_error",
            format!(
                "the modem refused AT^NDISSTATQRY? ({result}): its firmware has no NDIS function"
            ),
            "dongle up --via ppp, or `dongle mode set ncm` (Huawei)",
        )),
        Err(e) => Err(modem_finding(&e)),
    }
}

/// A session from an earlier run (a killed `dongle up`, another program) is
/// still up: end it and wait until the modem says it is down. Returns whether
/// there was one.
pub fn clear_stale(s: &AtSession, timeout: Duration) -> Result<bool, Finding> {
    if !query(s)?.status.is_connected() {
        return Ok(false);
    }
    log::info!("{}: a stale NDIS session is up; ending it first", s.port());
    let _ = s.command("AT^NDISDUP=1,0");
    if wait_down(s, timeout) {
        Ok(true)
    } else {
        Err(stale_finding())
    }
}

fn stale_finding() -> Finding {
    Finding::new(
        "stale_ndis_session",
        "an earlier NDIS session is still up on the stick and does not end (AT^NDISDUP=1,0 did not take it down)",
        "unplug the stick and plug it in again (a power cycle clears it), then `dongle up`",
    )
}

/// Send `^NDISDUP=1,0` (errors ignored: firmware answers ERROR when the
/// context is already down) and poll until down. Returns whether it is down.
pub fn disconnect(s: &AtSession, timeout: Duration) -> bool {
    let _ = s.command("AT^NDISDUP=1,0");
    wait_down(s, timeout)
}

fn wait_down(s: &AtSession, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        match query(s) {
            Ok(r) if !r.status.is_connected() => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Why the network refused or dropped a connection, from the SM cause.
pub fn cause_finding(cause: Option<u16>, apn: &Apn) -> Finding {
    match cause {
        Some(c @ (27 | 33)) => Finding::new(
            "wrong_apn",
            format!(
                "the network refused the connection with APN \"{apn}\" (cause {c}: {})",
                if c == 27 {
                    "missing or unknown APN"
                } else {
                    "service option not subscribed"
                }
            ),
            "`dongle apn` lists the APNs for your SIM; `dongle up --apn APN`",
        ),
        Some(29) => Finding::new(
            "ppp_auth_failed",
            "the network rejected the user name or password (cause 29)",
            "check --user and the password; many APNs need none",
        ),
        Some(8) => Finding::new(
            "dial_error",
            "the operator has barred data for this SIM (cause 8)",
            "ask the operator whether the SIM has data service",
        ),
        Some(c) => Finding::new(
            "dial_error",
            format!("the network refused the connection with APN \"{apn}\" (cause {c})"),
            "check the APN (`dongle apn`) and the plan; `dongle info` for signal and registration",
        ),
        None => Finding::new(
            "dial_error",
            format!("the modem reported the connection with APN \"{apn}\" as down"),
            "check the APN (`dongle apn`) and coverage (`dongle info`)",
        ),
    }
}

/// `^NDISSTAT:` URCs in `urcs` since the last call: the last report.
fn drain(urcs: &Receiver<Urc>) -> Option<Report> {
    let mut last = None;
    while let Ok(u) = urcs.try_recv() {
        if u.name.eq_ignore_ascii_case("^NDISSTAT") {
            if let Some(r) = parse_report(&u.line) {
                last = Some(r);
            }
        }
    }
    last
}

/// A drop reported by `^NDISSTAT:` URCs since the last look, if any.
pub fn dropped(urcs: &Receiver<Urc>, apn: &Apn) -> Option<Finding> {
    let r = drain(urcs)?;
    if r.status.is_connected() {
        return None;
    }
    let mut f = cause_finding(r.cause, apn);
    f.problem = "link_dropped";
    f.summary = format!("the modem reported the NDIS session down: {}", f.summary);
    f.fix =
        "dongle up connects again by itself; if it keeps dropping: `dongle info` (signal)".into();
    Some(f)
}

/// Connect: `^NDISDUP=1,1,…`, then poll `^NDISSTATQRY?` once per second
/// until connected, while watching `^NDISSTAT:` URCs (subscribe before
/// calling) for a refusal. `stop` cancels.
pub fn connect(
    s: &AtSession,
    req: &Request,
    urcs: &Receiver<Urc>,
    timeout: Duration,
    stop: &AtomicBool,
) -> Result<(), Finding> {
    let (cmd, shown) = req.command();
    drain(urcs);
    let sent = if cmd == shown {
        s.command(&cmd)
    } else {
        s.command_private(&cmd, &shown, s.timeouts().dial)
    };
    if let Err(e) = sent {
        return Err(match e {
            AtError::Rejected {
                result: FinalResult::Error,
                ..
            } => {
                // Plain ERROR is what a stale session gives (modemmanager.md §4).
                if query(s).is_ok_and(|r| r.status.is_connected()) {
                    stale_finding()
                } else {
                    Finding::new(
                        "dial_error",
                        format!("the modem refused {shown} (ERROR)"),
                        "check the APN (`dongle apn`); if it persists, replug the stick (a stale session clears with a power cycle)",
                    )
                }
            }
            AtError::Rejected { result, .. } => ndisdup_finding(&shown, req.apn, &result),
            e => modem_finding(&e),
        });
    }
    let deadline = Instant::now() + timeout;
    let mut unparsable = 0;
    loop {
        if stop.load(Ordering::SeqCst) {
            let _ = s.command("AT^NDISDUP=1,0");
            return Err(Finding::new(
                "stopped",
                "connecting was cancelled",
                "dongle up",
            ));
        }
        if let Some(r) = drain(urcs) {
            if r.status.is_connected() {
                return Ok(());
            }
            if r.cause.is_some() {
                return Err(cause_finding(r.cause, req.apn));
            }
        }
        match query(s) {
            Ok(r) if r.status.is_connected() => return Ok(()),
            Ok(r) if r.cause.is_some() => return Err(cause_finding(r.cause, req.apn)),
            Ok(_) => {}
            Err(f) if f.problem == "dial_error" => {
                // ModemManager gives up after 10 unparsable answers.
                unparsable += 1;
                if unparsable > 10 {
                    return Err(f);
                }
            }
            Err(f) => return Err(f),
        }
        if Instant::now() >= deadline {
            let _ = s.command("AT^NDISDUP=1,0");
            return Err(Finding::new(
                "dial_error",
                format!(
                    "no NDIS connection with APN \"{}\" within {} s",
                    req.apn,
                    timeout.as_secs()
                ),
                "check the APN (`dongle apn`), coverage (`dongle info`); or try `dongle up --via ppp`",
            ));
        }
        let next = Instant::now() + POLL;
        while Instant::now() < next && !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// `+CME ERROR` answers to `^NDISDUP`, in the terms of the PPP path's dial.
fn ndisdup_finding(shown: &str, apn: &Apn, result: &FinalResult) -> Finding {
    match result {
        FinalResult::Cme(ErrorCode::Numeric(30)) => Finding::new(
            "not_registered",
            "the modem has no network service for a data connection (+CME ERROR: 30)",
            "check coverage and the SIM with `dongle info`",
        ),
        other => crate::dial::dial_finding(shown, apn, other),
    }
}

/// `AT^DHCP?`: the address, gateway and DNS the network gave the session.
pub fn read_dhcp(s: &AtSession) -> Option<Dhcp> {
    match s.command("AT^DHCP?") {
        Ok(r) => match parse_dhcp(&r.body()) {
            Ok(d) => Some(d),
            Err(e) => {
                log::warn!("{e}");
                None
            }
        },
        Err(e) => {
            log::warn!("AT^DHCP? failed: {e}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// iproute2 6.1's own messages (Debian 12), as root and as nobody.

    #[test]
    fn commands_quote_and_hide() {
        let apn = Apn::parse("web.pt.lu").unwrap();
        let r = Request {
            apn: &apn,
            user: None,
            password: None,
            auth: Auth::Chap,
        };
        assert_eq!(r.command().0, "AT^NDISDUP=1,1,\"web.pt.lu\"");
        let u = Credential::parse("user", "guest", false).unwrap();
        let p = Credential::parse("password", "s3cr3t", true).unwrap();
        let r = Request {
            apn: &apn,
            user: Some(&u),
            password: Some(&p),
            auth: Auth::Pap,
        };
        let (cmd, shown) = r.command();
        assert_eq!(cmd, "AT^NDISDUP=1,1,\"web.pt.lu\",\"guest\",\"s3cr3t\",1");
        assert!(
            !shown.contains("s3cr3t") && shown.ends_with(",1"),
            "{shown}"
        );
        assert_eq!(Auth::parse("MSCHAPv2"), Some(Auth::MsChapV2));
        assert_eq!(Auth::parse("x"), None);
    }

    #[test]
    fn reports_and_causes() {
        let r = parse_report("^NDISSTAT: 0,27,,\"IPV4\"").unwrap();
        assert!(!r.status.is_connected());
        assert_eq!(r.cause, Some(27));
        let r = parse_report("^NDISSTATQRY: 1,,,\"IPV4\",0,,,\"IPV6\"").unwrap();
        assert!(r.status.is_connected() && r.cause.is_none());
        assert_eq!(parse_report("^NDISSTATQry:1").map(|r| r.cause), Some(None));
        assert_eq!(
            parse_report("^NDISSTATQRY: 0,33,,IPV6").unwrap().cause,
            Some(33)
        );
        assert!(parse_report("OK").is_none());
        let apn = Apn::parse("internet.wrong").unwrap();
        let f = cause_finding(Some(27), &apn);
        assert_eq!(f.problem, "wrong_apn");
        assert!(f.summary.contains("internet.wrong") && f.fix.contains("dongle apn"));
        assert_eq!(cause_finding(Some(29), &apn).problem, "ppp_auth_failed");
        assert_eq!(cause_finding(Some(26), &apn).problem, "dial_error");
    }
}
