//! `dongle up --via ncm`: Huawei NDIS/NCM. The data call is made with AT
//! commands on the control (PCUI) port ([`dongle_connect::ndis`]); the
//! packets go over the stick's NCM network interface (`wwanN`), which gets
//! its address from the system's DHCP client or statically from `^DHCP?`.
//!
//! The same supervision as PPP: state file (via `ncm`), `--once`, backoff,
//! `dongle down`/`status`; a drop (`^NDISSTAT: 0`, or the periodic
//! `^NDISSTATQRY?` saying down) tears the host side down and starts again.

use crate::cli::UpArgs;
use crate::cmd::unlock::finding_failure;
use crate::cmd::up_steps::{
    connecting, label, now, open, prepare, radio, remember, tag, wait_to_retry, who, Given,
    RADIO_EVERY,
};
use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::ports::{self, Port};
use dongle_at::probe::ProbeOptions;
use dongle_at::{AtError, AtSession};
use dongle_catalog::PortRole;
use dongle_connect::backoff::Backoff;
use dongle_connect::host::{Configured, HostConfig};
use dongle_connect::input::Apn;
use dongle_connect::ndis::{self, Auth, Request};
use dongle_connect::state::LinkState;
use dongle_connect::Finding;
use dongle_usb::UsbDevice;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Time limit for `^NDISSTATQRY?` to say connected (ModemManager allows 180 s).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);
/// How often a running session is checked with `^NDISSTATQRY?` (URCs are seen at once).
const WATCH: Duration = Duration::from_secs(5);

struct Plan {
    given: Given,
    auth: Auth,
}

fn plan(a: &UpArgs) -> Result<Plan, Failure> {
    let given = Given::read(a)?;
    // ModemManager's default with credentials is CHAP; --auth, else $DONGLE_NDIS_AUTH, overrides.
    let given_auth = match &a.auth {
        Some(v) => Some(("--auth", v.clone())),
        None => std::env::var("DONGLE_NDIS_AUTH")
            .ok()
            .map(|v| ("DONGLE_NDIS_AUTH", v)),
    };
    let auth = match given_auth {
        Some((from, v)) => Auth::parse(&v).ok_or_else(|| {
            Failure::new(
                Exit::Usage,
                format!("{from} {v:?}: use none, pap, chap or mschapv2"),
            )
        })?,
        None => Auth::Chap,
    };
    Ok(Plan { given, auth })
}

/// Whether `dev` offers NDIS/NCM: a Huawei device with an NCM network
/// interface that has a net device, and a PCUI port to send `^NDISDUP` on.
pub fn offers_ncm(dev: &UsbDevice) -> bool {
    dev.vid == 0x12d1
        && ncm_netif(dev).is_some()
        && dev.interfaces.iter().any(|i| {
            !i.ttys.is_empty()
                && dongle_catalog::port_role(dev, i).is_some_and(|(r, _)| r == PortRole::Pcui)
        })
}

/// The NCM network interface of a device (`wwan0`).
pub fn ncm_netif(dev: &UsbDevice) -> Option<String> {
    dev.interfaces
        .iter()
        .filter(|i| !i.net.is_empty())
        .find(|i| {
            matches!(i.driver.as_deref(), Some("huawei_cdc_ncm" | "cdc_ncm"))
                || (i.class, i.subclass) == (0x02, 0x0d)
                || (i.class == 0xff && matches!(i.protocol, 0x16 | 0x46 | 0x76))
        })
        .and_then(|i| i.net.first().cloned())
}

/// The device `dongle up` would pick (the one named, else the first with ttys),
/// for choosing the default `--via`.
pub fn chosen_device(ctx: &Context, a: &UpArgs) -> Option<UsbDevice> {
    if a.select.port.is_some() {
        return None;
    }
    match a.select.device.as_deref() {
        Some(spec) => ctx.sysfs.find(spec).ok(),
        None => ctx
            .sysfs
            .devices()
            .ok()?
            .into_iter()
            .find(|d| !d.ttys().is_empty()),
    }
}

enum Ended {
    Stopped,
    Dropped(Finding),
}

pub fn run(ctx: &Context, a: &UpArgs, stop: &AtomicBool) -> Result<(), Failure> {
    let plan = plan(a)?;
    let mut backoff = Backoff::default();
    let mut reconnects = 0;
    let mut cursor = 0;
    // Our last session may still be up on the modem (it did not confirm its end).
    let mut left_up = false;
    loop {
        let finding = match attempt(ctx, a, &plan, stop, reconnects, &mut cursor, &mut left_up) {
            Ok(Ended::Stopped) => return Ok(()),
            Ok(Ended::Dropped(f)) => {
                backoff.reset();
                f
            }
            Err(f) if f.problem == "stopped" => return Ok(()),
            Err(f) => {
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

/// The control port and the NCM interface of the chosen modem.
fn find(ctx: &Context, a: &UpArgs) -> Result<(Port, String), Finding> {
    let no_modem = |what: String| Finding::new("port_silent", what, "dongle list; dongle probe");
    let cands = ports::candidates(ctx, a.select.device.as_deref(), a.select.port.as_slice())
        .map_err(|f| no_modem(f.message))?;
    let found = ports::probe(&cands, &ProbeOptions::default());
    if let Some(b) = found
        .iter()
        .find(|p| a.select.port.is_some() && p.holder.is_some())
    {
        return Err(Finding::new(
            "port_busy",
            format!(
                "{} is in use by {}",
                b.port.display(),
                b.holder.as_ref().map(|h| h.to_string()).unwrap_or_default()
            ),
            "stop that program (e.g. `systemctl stop ModemManager`)",
        ));
    }
    let control = ports::control_port(&found)
        .cloned()
        .ok_or_else(|| no_modem("no port of the modem answered AT".into()))?;
    let dev = control
        .device
        .as_deref()
        .and_then(|d| ctx.sysfs.find(d).ok());
    let iface = dev.as_ref().and_then(ncm_netif).ok_or_else(|| {
        Finding::new(
            "no_ncm_interface",
            "the modem has no NCM network interface (wwanN) in its current layout",
            "dongle up --via ppp, or switch the stick's layout: dongle mode set ncm",
        )
    })?;
    Ok((control, iface))
}

fn attempt(
    ctx: &Context,
    a: &UpArgs,
    plan: &Plan,
    stop: &AtomicBool,
    reconnects: u32,
    cursor: &mut usize,
    left_up: &mut bool,
) -> Result<Ended, Finding> {
    let started = Instant::now();
    let (control, iface) = find(ctx, a)?;
    let device = control
        .device
        .clone()
        .unwrap_or_else(|| control.tty.clone());
    let mut state = connecting(
        device,
        control.port.display().to_string(),
        "ncm",
        reconnects,
    );
    state.interface = Some(iface.clone());
    let _ = state.save();
    let s = AtSession::new(open(&control)?);
    let urcs = s.subscribe();
    let prepared = prepare(&s, a, &plan.given)?;
    let ours = std::mem::take(left_up);
    if ndis::clear_stale(&s, Duration::from_secs(10))? && !ctx.global.quiet {
        if ours {
            // Our own, left by a modem that did not answer: already reported.
            log::info!("ended our previous NDIS session first");
        } else {
            eprintln!(
                "{}an earlier NDIS session was still up on {}: ended it first",
                who(),
                control.port.display()
            );
        }
    }
    let cands = &prepared.candidates;
    if *cursor >= cands.len() {
        *cursor = 0;
    }
    let mut last = None;
    let mut chosen = None;
    for (k, cand) in cands.iter().enumerate().skip(*cursor) {
        log::info!("trying APN \"{}\" ({}) over NDIS", cand.apn, cand.source);
        let (user, password) = if plan.given.user.is_some() || plan.given.password.is_some() {
            (plan.given.user.as_ref(), plan.given.password.as_ref())
        } else {
            (cand.user.as_ref(), cand.password.as_ref())
        };
        let req = Request {
            apn: &cand.apn,
            user,
            password,
            auth: plan.auth,
        };
        match ndis::connect(&s, &req, &urcs, CONNECT_TIMEOUT, stop) {
            Ok(()) => {
                *cursor = k;
                chosen = Some(cand);
                break;
            }
            Err(f) if f.problem == "wrong_apn" => {
                if k + 1 < cands.len() {
                    eprintln!(
                        "{}{} [{}] — trying the next APN",
                        who(),
                        f.summary,
                        f.problem
                    );
                }
                last = Some(f);
            }
            Err(f) => return Err(f),
        }
    }
    let Some(cand) = chosen else {
        *cursor = 0;
        return Err(last
            .unwrap_or_else(|| Finding::new("wrong_apn", "no APN to try", "dongle up --apn APN")));
    };
    state.apn = Some(cand.apn.to_string());
    let lease = ndis::read_dhcp(&s);
    let host = match HostConfig::detect(&iface, !a.no_default_route) {
        Ok(h) => HostConfig {
            route_metric: a.route_metric,
            ..h
        },
        Err(f) => {
            ndis::disconnect(&s, Duration::from_secs(5));
            return Err(f);
        }
    };
    let mut conf = match host.configure(lease.as_ref()) {
        Ok(c) => c,
        Err(f) => {
            ndis::disconnect(&s, Duration::from_secs(5));
            return Err(f);
        }
    };
    state.state = "up".into();
    state.local = conf.address.map(|a| a.to_string());
    state.remote = conf.gateway.map(|g| g.to_string());
    state.dns = conf.dns.iter().map(|d| d.to_string()).collect();
    state.since = now();
    state.problem = None;
    let _ = state.save();
    remember(&prepared, &cand.apn);
    announce(ctx, &state, &host, &conf, started.elapsed());
    // After saying it is online: the radio side is a few more AT round trips (each up to the
    // query time limit on a slow or lossy port) that the link does not wait for.
    state.radio = radio(&s);
    let _ = state.save();
    let ended = supervise(&s, &urcs, &cand.apn, &mut conf, &mut state, stop);
    if let Some(f) = &ended {
        // `status` says so now, not after the clean-up below.
        state.state = "waiting".into();
        state.problem = Some(f.problem.to_string());
        state.local = None;
        state.remote = None;
        let _ = state.save();
    }
    host.teardown(&mut conf);
    // Only a modem that answers can end the session: a stick that is gone
    // (unplugged, reset) has none left, and a hung one would hold
    // ^NDISDUP=1,0 for its 60 s dial time limit while the link is down.
    let answers = s.command("AT");
    let gone = matches!(answers, Err(AtError::PortGone { .. }));
    let down = answers.is_ok() && ndis::disconnect(&s, Duration::from_secs(5));
    *left_up = !down && !gone;
    match ended {
        None => {
            state.remove();
            // In the daemon, a stick that is gone was reported by the daemon itself.
            let reported = gone && label().is_some();
            if !ctx.global.quiet && !reported {
                eprintln!(
                    "{}link down (stopped){}",
                    who(),
                    if down || gone {
                        ""
                    } else {
                        "; the modem did not confirm the NDIS session ended"
                    }
                );
            }
            Ok(Ended::Stopped)
        }
        Some(f) => Ok(Ended::Dropped(f)),
    }
}

/// Watch a connected session: `None` when asked to stop, else why it dropped.
fn supervise(
    s: &AtSession,
    urcs: &std::sync::mpsc::Receiver<dongle_at::Urc>,
    apn: &Apn,
    conf: &mut Configured,
    state: &mut LinkState,
    stop: &AtomicBool,
) -> Option<Finding> {
    let mut next_poll = Instant::now() + WATCH;
    let mut next_radio = Instant::now() + RADIO_EVERY;
    loop {
        if stop.load(Ordering::SeqCst) {
            return None;
        }
        if let Some(f) = ndis::dropped(urcs, apn) {
            return Some(f);
        }
        if conf.client_exited() {
            return Some(Finding::new(
                "link_dropped",
                "the DHCP client on the link exited (the lease is no longer renewed)",
                "dongle up connects again by itself",
            ));
        }
        if Instant::now() >= next_poll {
            next_poll = Instant::now() + WATCH;
            match ndis::query(s) {
                Ok(r) if r.status.is_connected() => {}
                Ok(r) => {
                    let mut f = ndis::cause_finding(r.cause, apn);
                    f.problem = "link_dropped";
                    f.summary = format!("^NDISSTATQRY? says the session is down: {}", f.summary);
                    f.fix = "dongle up connects again by itself".into();
                    return Some(f);
                }
                Err(f) => return Some(f),
            }
        }
        if Instant::now() >= next_radio {
            next_radio = Instant::now() + RADIO_EVERY;
            if let Some(r) = radio(s) {
                state.radio = Some(r);
                let _ = state.save();
            }
        }
        // Idle most of the time: a daemon runs one of these per modem.
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn announce(ctx: &Context, s: &LinkState, host: &HostConfig, conf: &Configured, took: Duration) {
    if ctx.global.json {
        crate::output::json(s);
    } else if !ctx.global.quiet {
        println!(
            "{}Online: {} {} via NCM ({}; gateway {}, APN \"{}\", DNS {}) in {:.1} s",
            tag(),
            host.iface,
            conf.cidr().unwrap_or_else(|| "?".into()),
            conf.method.describe(),
            s.remote.as_deref().unwrap_or("-"),
            s.apn.as_deref().unwrap_or(""),
            if s.dns.is_empty() {
                "-".to_string()
            } else {
                s.dns.join(", ")
            },
            took.as_secs_f64()
        );
        for n in &conf.notes {
            println!("  {n}");
        }
        if let Some(n) = host.dns_note(conf) {
            println!("  {n}");
        }
        if label().is_none() {
            println!("Stays up until Ctrl-C or `dongle down`; reconnects by itself.");
        }
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
}
