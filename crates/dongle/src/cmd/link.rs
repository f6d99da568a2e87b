//! `dongle down` and `dongle status`: the links `dongle up` processes own,
//! found through their state files.

use crate::context::Context;
use crate::daemon::control::{daemon_pid, request, ModemStatus, Request};
use crate::failure::{Exit, Failure};
use crate::output::{self, or_dash};
use dongle_connect::state::{self, LinkState, Radio};
use serde::Serialize;
use std::time::{Duration, Instant};

#[derive(Serialize)]
struct StatusOut {
    #[serde(flatten)]
    link: LinkState,
    /// Seconds since the link came up.
    uptime_s: Option<u64>,
    rx_bytes: Option<u64>,
    tx_bytes: Option<u64>,
}

/// Received and sent bytes of a link's interface (the counters metrics export).
fn bytes(ctx: &Context, iface: Option<&str>) -> (Option<u64>, Option<u64>) {
    iface.map_or((None, None), |i| {
        crate::metrics::interface_bytes(ctx.sysfs.root(), i)
    })
}

/// Live links; state files of dead processes are cleaned up on the way.
fn live() -> Vec<LinkState> {
    state::all()
        .into_iter()
        .filter(|l| {
            let alive = l.alive();
            if !alive {
                l.remove();
            }
            alive
        })
        .collect()
}

pub fn status(ctx: &Context) -> Result<(), Failure> {
    if ctx.global.sim.is_none() {
        if let Some(reply) = request(&Request::Status, Duration::from_secs(5)) {
            let reply = reply.map_err(|e| Failure::new(Exit::Failure, e))?;
            return daemon_status(ctx, reply.modems);
        }
    }
    let links: Vec<StatusOut> = live()
        .into_iter()
        .map(|l| {
            let (rx_bytes, tx_bytes) = bytes(ctx, l.interface.as_deref());
            StatusOut {
                uptime_s: l
                    .since
                    .map(|s| crate::cmd::up_steps::now().unwrap_or(0).saturating_sub(s)),
                rx_bytes,
                tx_bytes,
                link: l,
            }
        })
        .collect();
    if ctx.global.json {
        output::json(&links);
        return Ok(());
    }
    if links.is_empty() {
        println!("No link is up.\n\nnext: dongle up");
        return Ok(());
    }
    let mut rows = vec![[
        "DEVICE",
        "VIA",
        "STATE",
        "INTERFACE",
        "ADDRESS",
        "UPTIME",
        "RX/TX",
        "APN",
        "NETWORK",
    ]
    .map(String::from)
    .to_vec()];
    for s in &links {
        let l = &s.link;
        rows.push(vec![
            l.device.clone(),
            l.via.clone(),
            match &l.problem {
                Some(p) if l.state != "up" => format!("{} ({p})", l.state),
                _ => l.state.clone(),
            },
            or_dash(l.interface.clone()),
            or_dash(l.local.clone()),
            or_dash(s.uptime_s.map(|u| format!("{}s", u))),
            match (s.rx_bytes, s.tx_bytes) {
                (Some(r), Some(t)) => format!("{r}/{t}"),
                _ => "-".into(),
            },
            or_dash(l.apn.clone()),
            network(l.radio.as_ref()),
        ]);
    }
    output::table(&rows, "");
    Ok(())
}

pub fn down(ctx: &Context, dev: Option<&str>) -> Result<(), Failure> {
    // Links the daemon owns are the daemon's to take down (and to keep down).
    let daemon = daemon_pid();
    if let Some(pid) = daemon {
        if dev.is_none()
            || live().iter().any(|l| l.pid == pid && names(l, dev))
            || !live().iter().any(|l| names(l, dev))
        {
            return daemon_down(ctx, dev);
        }
    }
    let targets: Vec<LinkState> = live()
        .into_iter()
        .filter(|l| names(l, dev) && Some(l.pid) != daemon)
        .collect();
    if targets.is_empty() {
        if !ctx.global.quiet {
            println!(
                "No link is up{}.",
                dev.map(|d| format!(" for {d}")).unwrap_or_default()
            );
        }
        return Ok(());
    }
    for l in &targets {
        let pid = rustix::process::Pid::from_raw(l.pid as i32);
        if let Some(pid) = pid {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    while targets.iter().any(|l| l.alive()) {
        if Instant::now() > deadline {
            let pids: Vec<String> = targets
                .iter()
                .filter(|l| l.alive())
                .map(|l| l.pid.to_string())
                .collect();
            return Err(Failure::new(
                Exit::Failure,
                format!(
                    "dongle up (pid {}) did not stop within 15 s; `kill -9` it",
                    pids.join(", ")
                ),
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if ctx.global.json {
        output::json(&targets.iter().map(|l| &l.device).collect::<Vec<_>>());
    } else {
        for l in &targets {
            println!("{}: down", l.device);
        }
    }
    Ok(())
}

fn names(l: &LinkState, dev: Option<&str>) -> bool {
    dev.is_none_or(|d| l.device == d || l.port.ends_with(d))
}

/// `dongle down` for the daemon: it stops the link and holds the modem down
/// until `dongle up` (or a replug).
fn daemon_down(ctx: &Context, dev: Option<&str>) -> Result<(), Failure> {
    let req = Request::Down {
        device: dev.map(String::from),
    };
    let reply = match request(&req, Duration::from_secs(30)) {
        Some(Ok(r)) => r,
        Some(Err(e)) => return Err(Failure::new(Exit::Failure, e)),
        None => return Err(Failure::new(Exit::Failure, "the daemon went away")),
    };
    if !reply.ok {
        return Err(Failure::new(
            Exit::NotFound,
            reply.error.unwrap_or_default(),
        ));
    }
    if ctx.global.json {
        output::json(&reply.modems);
    } else {
        for m in &reply.modems {
            println!(
                "{}: down (held by the daemon until `dongle up {}`)",
                m.name, m.device
            );
        }
    }
    Ok(())
}

/// `dongle status` with a daemon running: every modem it manages, connected or not.
fn daemon_status(ctx: &Context, modems: Vec<ModemStatus>) -> Result<(), Failure> {
    if ctx.global.json {
        output::json(&modems);
        return Ok(());
    }
    if modems.is_empty() {
        println!("The daemon sees no modem.\n\nnext: plug one in; `dongle list`");
        return Ok(());
    }
    let mut rows = vec![[
        "NAME",
        "DEVICE",
        "MODE",
        "STATE",
        "VIA",
        "INTERFACE",
        "ADDRESS",
        "UPTIME",
        "RX/TX",
        "NETWORK",
    ]
    .map(String::from)
    .to_vec()];
    for m in &modems {
        let l = m.link.as_ref();
        let iface = l.and_then(|l| l.interface.clone());
        rows.push(vec![
            m.name.clone(),
            m.device.clone(),
            m.mode.clone(),
            match &m.problem {
                Some(p) if m.phase != "up" => format!("{} ({p})", m.phase),
                _ => m.phase.clone(),
            },
            or_dash(l.map(|l| l.via.clone())),
            or_dash(iface.clone()),
            or_dash(l.and_then(|l| l.local.clone())),
            or_dash(l.and_then(|l| l.since).map(|s| {
                format!(
                    "{}s",
                    crate::cmd::up_steps::now().unwrap_or(0).saturating_sub(s)
                )
            })),
            match bytes(ctx, iface.as_deref()) {
                (Some(r), Some(t)) => format!("{r}/{t}"),
                _ => "-".into(),
            },
            network(l.and_then(|l| l.radio.as_ref())),
        ]);
    }
    output::table(&rows, "");
    // What the daemon knows about a modem stuck short of a link: what happened (a failed
    // job) and what to do.
    for m in modems.iter().filter(|m| m.phase != "up") {
        let what = match (&m.summary, &m.problem) {
            (Some(s), Some(p)) => format!("{s} [{p}]"),
            (Some(s), None) => s.clone(),
            (None, p) => p.clone().unwrap_or_else(|| m.phase.clone()),
        };
        match &m.fix {
            Some(fix) => println!("\n{}: {what} — fix: {fix}", m.name),
            None if m.summary.is_some() => println!("\n{}: {what}", m.name),
            None => {}
        }
    }
    Ok(())
}

/// Operator, technology and signal in one column: `POST LTE -71dBm`.
fn network(r: Option<&Radio>) -> String {
    let Some(r) = r else { return "-".into() };
    let parts: Vec<String> = [
        r.operator.clone(),
        r.technology.clone(),
        r.rssi_dbm
            .or(r.rsrp_dbm)
            .map(|d| format!("{d:.0}dBm"))
            .or(r.quality_percent.map(|q| format!("{q}%"))),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(" ")
    }
}
