//! `dongle up`: online, and kept online.
//!
//! The sequence (DESIGN.md's data flow): find the ports → SIM (unlock if a
//! PIN was given) → registration → APN → dial on the modem port → pppd on the
//! same open tty → supervise. When the link drops, the finding is logged and
//! the whole sequence runs again after a backoff (5 s doubling to 10 min),
//! because a stick that was replugged or reset needs all of it again.

use crate::cli::UpArgs;
use crate::cmd::unlock::finding_failure;
use crate::cmd::up_steps::{
    connecting, gone_under_daemon, label, now, open, prepare, radio, remember, tag, wait_to_retry,
    who, Candidate, Given, RADIO_EVERY,
};
use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::ports::{self, Port};
use dongle_at::probe::{Answer, ProbeOptions};
use dongle_at::AtSession;
use dongle_catalog::PortRole;
use dongle_connect::backoff::Backoff;
use dongle_connect::ppp::{self, PppConfig, PppEvent};
use dongle_connect::state::LinkState;
use dongle_connect::{dial, Finding};
use std::os::fd::{AsFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod gate;
use gate::Gated;

struct Plan {
    given: Given,
    ppp: PppConfig,
}

pub fn run(ctx: &Context, a: &UpArgs) -> Result<(), Failure> {
    // A modem the running daemon manages is the daemon's to bring up: two
    // processes dialling one stick would fight over its ports.
    if let Some(done) = crate::daemon::control::delegate_up(ctx, a) {
        return done;
    }
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register(sig, Arc::clone(&stop));
    }
    keep_up(ctx, a, &stop)
}

/// Bring one modem online and keep it there until `stop` is set: the whole of
/// `dongle up` after the command line, and what the daemon runs per modem.
pub fn keep_up(ctx: &Context, a: &UpArgs, stop: &AtomicBool) -> Result<(), Failure> {
    let hilink_url = crate::cmd::hilink::info_target(ctx, &a.select);
    // Asked only without --via: each look is a walk through sysfs.
    let via = match a.via.as_deref() {
        Some(v) => v,
        None => default_via(ctx, a, hilink_url.is_some()),
    };
    match via {
        "ppp" => {}
        "hilink" => return crate::cmd::up_hilink::run(ctx, a, hilink_url.as_deref(), stop),
        "ncm" => return crate::cmd::up_ncm::run(ctx, a, stop),
        other => {
            return Err(Failure::new(
                Exit::Usage,
                format!("--via {other}: use --via ppp, --via ncm or --via hilink"),
            ))
        }
    }
    let plan = plan(a)?;
    let mut backoff = Backoff::default();
    let mut reconnects = 0;
    // Which APN candidate to start with: advances past APNs the network refused.
    let mut cursor = 0;
    loop {
        let outcome = attempt(ctx, a, &plan, stop, reconnects, &mut cursor);
        let finding = match outcome {
            Ok(Ended::Stopped) => return Ok(()),
            Ok(Ended::Dropped(f)) => {
                backoff.reset();
                f
            }
            Err(Failed::TryNextApn(f)) => {
                eprintln!(
                    "{}{} [{}] — trying the next APN",
                    who(),
                    f.summary,
                    f.problem
                );
                continue;
            }
            Err(Failed::Finding(f)) => {
                cursor = 0;
                f
            }
        };
        if a.once || stop.load(Ordering::SeqCst) {
            return Err(finding_failure(finding));
        }
        if !wait_to_retry(&finding, &mut backoff, stop) {
            return Ok(());
        }
        reconnects += 1;
    }
}

/// NCM over PPP when the stick offers it (a Huawei NCM interface with its net
/// device and a PCUI port): no pppd, the modem's own IP stack.
fn default_via(ctx: &Context, a: &UpArgs, hilink_url: bool) -> &'static str {
    if hilink_url {
        "hilink"
    } else if crate::cmd::up_ncm::chosen_device(ctx, a)
        .is_some_and(|d| crate::cmd::up_ncm::offers_ncm(&d))
    {
        "ncm"
    } else if crate::cmd::up_hilink::is_default(ctx, a) {
        "hilink"
    } else {
        "ppp"
    }
}

fn plan(a: &UpArgs) -> Result<Plan, Failure> {
    let given = Given::read(a)?;
    let mut ppp = PppConfig::new("dongle");
    ppp.default_route = !a.no_default_route;
    ppp.route_metric = a.route_metric;
    ppp.user = given.user.clone();
    ppp.password = given.password.clone();
    Ok(Plan { given, ppp })
}

enum Failed {
    Finding(Finding),
    /// The network refused this APN after CONNECT (IPCP or authentication):
    /// the next candidate deserves a try at once.
    TryNextApn(Finding),
}

impl From<Finding> for Failed {
    fn from(f: Finding) -> Failed {
        Failed::Finding(f)
    }
}

enum Ended {
    /// We were asked to stop (signal, `dongle down`).
    Stopped,
    /// The link was up and went down.
    Dropped(Finding),
}

/// The control and modem ports of the chosen modem.
fn find_ports(ctx: &Context, a: &UpArgs) -> Result<(Port, Port), Finding> {
    let no_modem = |what: String| Finding::new("port_silent", what, "dongle list; dongle probe");
    let cands = ports::candidates(ctx, a.select.device.as_deref(), a.select.port.as_slice())
        .map_err(|f| no_modem(f.message))?;
    let found = ports::probe(&cands, &ProbeOptions::default());
    let held = |p: &&Port| p.answer == Answer::Busy;
    if a.select.port.is_some() {
        if let Some(b) = found.iter().find(held) {
            return Err(busy(b));
        }
    }
    let Some(control) = ports::control_port(&found).cloned() else {
        return Err(found
            .iter()
            .find(held)
            .map_or_else(|| no_modem("no port of the modem answered AT".into()), busy));
    };
    let modem = found
        .iter()
        .find(|p| p.at && p.role == PortRole::Modem)
        .or_else(|| a.select.port.is_some().then_some(&control))
        .cloned();
    match modem {
        Some(modem) => Ok((control, modem)),
        // The modem port is there but another program has it open (a pppd
        // still ending after wvdial, ModemManager): it did not answer because
        // we could not ask, not because the layout lacks it.
        None => Err(found
            .iter()
            .filter(held)
            .find(|p| matches!(p.role, PortRole::Modem | PortRole::Unknown))
            .map_or_else(
                || {
                    Finding::new(
                        "needs_setport",
                        "the modem has no PPP (modem) port in its current layout",
                        "dongle mode set serial (Huawei), or use NCM/HiLink when available",
                    )
                },
                busy,
            )),
    }
}

/// A port another program has open, named with the program when we can see it.
fn busy(p: &Port) -> Finding {
    let (who, fix) = match &p.holder {
        Some(h) => (
            h.to_string(),
            format!(
                "stop {} (`kill {}`; for ModemManager `systemctl stop ModemManager`), then dongle up again",
                h.program, h.pid
            ),
        ),
        None => (
            "another program".to_string(),
            format!("find it with `fuser -v {}` and stop it", p.port.display()),
        ),
    };
    Finding::new(
        "port_busy",
        format!("{} is in use by {who}", p.port.display()),
        fix,
    )
}

fn attempt(
    ctx: &Context,
    a: &UpArgs,
    plan: &Plan,
    stop: &AtomicBool,
    reconnects: u32,
    cursor: &mut usize,
) -> Result<Ended, Failed> {
    let (control, modem) = find_ports(ctx, a)?;
    let device = control
        .device
        .clone()
        .unwrap_or_else(|| control.tty.clone());
    let mut state = connecting(
        device.clone(),
        modem.port.display().to_string(),
        "ppp",
        reconnects,
    );
    let _ = state.save();
    let mut cfg = plan.ppp.clone();
    cfg.link = device
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    // pppd first, held at the gate (gate.rs), so that its start overlaps the
    // SIM and network checks. Not on a one-port stick: pppd flushes the line
    // as it sets it up, which would eat the answers to those checks.
    let separate = control.port != modem.port;
    let mut gated = match separate {
        true => Some(Gated::start(&modem.port, &cfg)?),
        false => None,
    };
    // The session ends before dialling: the modem port may be this same port.
    let (prepared, watch) = {
        let s = AtSession::new(open(&control)?);
        let prepared = prepare(&s, a, &plan.given)?;
        // A control port of its own stays ours while the link is up: the
        // radio (operator, signal) is read through it for status and metrics.
        (prepared, separate.then_some(s))
    };
    let cands = &prepared.candidates;
    if *cursor >= cands.len() {
        *cursor = 0;
    }
    // The gate's pppd has the user's credentials only: a database APN with
    // its own gets a pppd of its own after CONNECT.
    let own_login = cfg.user.is_none()
        && cands
            .iter()
            .skip(*cursor)
            .any(|c| c.user.is_some() || c.password.is_some());
    if own_login {
        gated = None;
    } else if gated.is_none() {
        gated = Some(Gated::start(&modem.port, &cfg)?);
    }
    let (port, line) = match gated.as_mut() {
        Some(g) => {
            g.ready()?;
            (g.take_port()?, None)
        }
        None => {
            let port = open(&modem)?;
            // A second handle on the open line, for pppd after CONNECT (the
            // session's own handle closes when it ends, and the line must
            // stay open, no DTR drop, until pppd has it).
            let line: OwnedFd = port
                .as_fd()
                .try_clone_to_owned()
                .map_err(|e| Finding::new("port_gone", e.to_string(), "replug the stick"))?;
            (port, Some(line))
        }
    };
    let session = AtSession::new(port);
    let dialled = dial_candidates(&session, cands, cursor);
    drop(session);
    // A failure here drops the gate, which stops its pppd.
    let (cand, c) = dialled?;
    log::info!(
        "{}: CONNECT {} with APN \"{}\"",
        modem.port.display(),
        c.rate.unwrap_or_default(),
        cand.apn
    );
    state.apn = Some(cand.apn.to_string());
    let mut pppd = match (gated, line) {
        (Some(g), _) => g.connect()?,
        (None, Some(line)) => {
            if cfg.user.is_none() {
                cfg.user = cand.user.clone();
                cfg.password = cfg.password.clone().or(cand.password.clone());
            }
            spawn_pppd(line, &cfg)?
        }
        (None, None) => {
            return Err(Finding::new(
                "port_gone",
                "the modem line was lost before pppd could take it",
                "dongle up again",
            )
            .into())
        }
    };
    match supervise(ctx, &mut pppd, &mut state, watch.as_ref(), stop, || {
        remember(&prepared, &cand.apn)
    }) {
        Err(f)
            if matches!(f.problem, "ppp_ipcp_rejected" | "ppp_auth_failed")
                && *cursor + 1 < cands.len() =>
        {
            *cursor += 1;
            Err(Failed::TryNextApn(f))
        }
        other => other.map_err(Failed::Finding),
    }
}

/// Try the APNs from `cursor` on until one gets CONNECT; `cursor` is left at
/// it. An APN the network refuses moves on; any other failure ends the try.
fn dial_candidates(
    session: &AtSession,
    cands: &[Candidate],
    cursor: &mut usize,
) -> Result<(Candidate, dial::Connected), Finding> {
    let mut last = None;
    for (k, cand) in cands.iter().enumerate().skip(*cursor) {
        log::info!("trying APN \"{}\" ({})", cand.apn, cand.source);
        match dial::dial(session, &cand.apn, 1) {
            Ok(c) => {
                *cursor = k;
                return Ok((cand.clone(), c));
            }
            Err(f) if f.problem == "wrong_apn" => last = Some(f),
            Err(f) => return Err(f),
        }
    }
    *cursor = 0;
    Err(last.unwrap_or_else(|| Finding::new("wrong_apn", "no APN to try", "dongle up --apn APN")))
}

fn spawn_pppd(line: OwnedFd, cfg: &PppConfig) -> Result<ppp::Pppd, Finding> {
    ppp::spawn(line, cfg).map_err(|e| {
        Finding::new(
            "ppp_missing",
            format!("cannot start {}: {e}", cfg.pppd.display()),
            "apt-get install ppp",
        )
    })
}

/// What an ended pppd printed: read until both of its pipes close (at most 1 s).
fn drain_log(pppd: &mut ppp::Pppd) -> Vec<String> {
    let mut log = Vec::new();
    let mut closed = 0;
    let deadline = Instant::now() + Duration::from_secs(1);
    while closed < 2 && Instant::now() < deadline {
        match pppd.events.recv_timeout(Duration::from_millis(50)) {
            Ok(PppEvent::Log(l)) => log.push(l),
            Ok(PppEvent::Closed) => closed += 1,
            Ok(PppEvent::Info(_)) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(_) => {}
        }
    }
    log
}

fn supervise(
    ctx: &Context,
    pppd: &mut ppp::Pppd,
    state: &mut LinkState,
    watch: Option<&AtSession>,
    stop: &AtomicBool,
    on_up: impl Fn(),
) -> Result<Ended, Finding> {
    let mut next_radio = Instant::now();
    let mut log: Vec<String> = Vec::new();
    let mut info = ppp::LinkInfo::default();
    // pppd prints the address, peer and DNS lines together: announce once
    // they have settled.
    let mut announce_at: Option<Instant> = None;
    let mut announced = false;
    let started = Instant::now();
    loop {
        if stop.load(Ordering::SeqCst) {
            let gone = gone_under_daemon(std::path::Path::new(&state.port), watch);
            terminate(pppd);
            state.remove();
            if !ctx.global.quiet && !gone {
                eprintln!("{}link down (stopped)", who());
            }
            return Ok(Ended::Stopped);
        }
        // Wakes for every pppd line; otherwise idle (one loop per modem in the daemon).
        match pppd.events.recv_timeout(Duration::from_millis(250)) {
            Ok(PppEvent::Log(l)) => log.push(l),
            Ok(PppEvent::Info(i)) => {
                info = i;
                if info.is_up() && announce_at.is_none() {
                    announce_at = Some(Instant::now() + Duration::from_millis(300));
                }
                if announced {
                    update(state, &info);
                }
            }
            Ok(PppEvent::Closed) | Err(_) => {}
        }
        if !announced && announce_at.is_some_and(|t| Instant::now() >= t) {
            announced = true;
            update(state, &info);
            state.state = "up".into();
            state.since = now();
            state.radio = watch.and_then(radio);
            next_radio = Instant::now() + RADIO_EVERY;
            let _ = state.save();
            on_up();
            announce(ctx, state, started.elapsed());
        }
        if announced && Instant::now() >= next_radio {
            next_radio = Instant::now() + RADIO_EVERY;
            if let Some(r) = watch.and_then(radio) {
                state.radio = Some(r);
                let _ = state.save();
            }
        }
        if let Ok(Some(status)) = pppd.child.try_wait() {
            // Its last lines may still be in the pipes.
            log.extend(drain_log(pppd));
            let finding =
                ppp::explain_exit(status.code(), &log).unwrap_or_else(|| unexplained_end(status));
            state.state = "waiting".into();
            state.problem = Some(finding.problem.to_string());
            state.interface = None;
            state.local = None;
            let _ = state.save();
            return if info.is_up() {
                Ok(Ended::Dropped(finding))
            } else {
                Err(finding)
            };
        }
    }
}

/// Why pppd ended when its exit code says nothing: killed by a signal (a
/// crash, the OOM killer, `kill -9`), or exit 5, which pppd gives after
/// SIGTERM, SIGINT or SIGHUP from another program. "Stopped from outside" for
/// a segfault would send the user looking for the wrong culprit.
fn unexplained_end(status: std::process::ExitStatus) -> Finding {
    use std::os::unix::process::ExitStatusExt;
    let Some(sig) = status.signal() else {
        return Finding::new(
            "link_closed",
            "pppd was stopped from outside (exit 5: another program sent it SIGTERM, SIGINT or SIGHUP)",
            "dongle up starts it again by itself; find what stops it (`journalctl -t pppd`)",
        );
    };
    let name = match sig {
        1 => " (SIGHUP)",
        2 => " (SIGINT)",
        4 => " (SIGILL)",
        6 => " (SIGABRT)",
        7 => " (SIGBUS)",
        8 => " (SIGFPE)",
        9 => " (SIGKILL)",
        11 => " (SIGSEGV)",
        15 => " (SIGTERM)",
        _ => "",
    };
    if matches!(sig, 4 | 6 | 7 | 8 | 11) {
        Finding::new(
            "ppp_crashed",
            format!("pppd crashed (killed by signal {sig}{name})"),
            "dongle up starts it again by itself; if it keeps crashing, update the ppp package and report it to its maintainers",
        )
    } else {
        Finding::new(
            "link_closed",
            format!("pppd was killed by signal {sig}{name} from outside (another program, or the kernel's out-of-memory killer)"),
            "dongle up starts it again by itself; find what kills it (`journalctl -k` for the OOM killer)",
        )
    }
}

fn update(state: &mut LinkState, info: &ppp::LinkInfo) {
    state.interface = info.interface.clone();
    state.local = info.local.clone();
    state.remote = info.remote.clone();
    state.dns = info.dns.clone();
    if state.state == "up" {
        let _ = state.save();
    }
}

fn announce(ctx: &Context, s: &LinkState, took: Duration) {
    if ctx.global.json {
        crate::output::json(s);
    } else if !ctx.global.quiet {
        println!(
            "{}Online: {} {} via {} (APN \"{}\", DNS {}) in {:.1} s",
            tag(),
            s.interface.as_deref().unwrap_or("?"),
            s.local.as_deref().unwrap_or("?"),
            s.port,
            s.apn.as_deref().unwrap_or(""),
            if s.dns.is_empty() {
                "-".to_string()
            } else {
                s.dns.join(", ")
            },
            took.as_secs_f64()
        );
        if label().is_none() {
            println!("Stays up until Ctrl-C or `dongle down`; reconnects by itself.");
        }
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
}

/// Ask pppd to end the link cleanly (it sends LCP Terminate), then insist.
fn terminate(pppd: &mut ppp::Pppd) {
    if let Some(pid) = rustix::process::Pid::from_raw(pppd.child.id() as i32) {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = pppd.child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = pppd.child.kill();
    let _ = pppd.child.wait();
}
