//! `dongle down` and `dongle status`: the links `dongle up` processes own,
//! found through their state files.

use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::output::{self, or_dash};
use dongle_connect::state::{self, LinkState};
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

fn counter(ctx: &Context, iface: &str, name: &str) -> Option<u64> {
    let p = ctx
        .sysfs
        .root()
        .join("class/net")
        .join(iface)
        .join("statistics")
        .join(name);
    std::fs::read_to_string(p).ok()?.trim().parse().ok()
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
    let links: Vec<StatusOut> = live()
        .into_iter()
        .map(|l| {
            let iface = l.interface.clone();
            StatusOut {
                uptime_s: l
                    .since
                    .map(|s| crate::cmd::up_steps::now().unwrap_or(0).saturating_sub(s)),
                rx_bytes: iface.as_deref().and_then(|i| counter(ctx, i, "rx_bytes")),
                tx_bytes: iface.as_deref().and_then(|i| counter(ctx, i, "tx_bytes")),
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
        ]);
    }
    output::table(&rows, "");
    Ok(())
}

pub fn down(ctx: &Context, dev: Option<&str>) -> Result<(), Failure> {
    let targets: Vec<LinkState> = live()
        .into_iter()
        .filter(|l| dev.is_none_or(|d| l.device == d || l.port.ends_with(d)))
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
