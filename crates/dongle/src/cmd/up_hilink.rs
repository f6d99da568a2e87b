//! `dongle up --via hilink`: a HiLink stick is a router; "online" means its
//! mobile data switch is on and `monitoring/status` says 901 (connected).
//! We turn it on, watch it, and turn it on again when the stick drops.

use crate::cli::UpArgs;
use crate::cmd::hilink::{client_for, failure};
use crate::cmd::unlock::finding_failure;
use crate::cmd::up_steps::{connecting, now};
use crate::context::Context;
use crate::failure::Failure;
use dongle_connect::backoff::Backoff;
use dongle_connect::Finding;
use dongle_hilink::{connect, disconnect, link_status};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often a running link is checked.
const WATCH: Duration = Duration::from_secs(5);

pub fn run(ctx: &Context, a: &UpArgs, url: Option<&str>, stop: &AtomicBool) -> Result<(), Failure> {
    let client = client_for(ctx, url)?;
    let url = client.url().to_string();
    let mut state = connecting(url.clone(), url, "hilink", 0);
    let mut backoff = Backoff::default();
    loop {
        let _ = state.save();
        let started = Instant::now();
        let finding = match connect(&client, Duration::from_secs(60)) {
            Ok(link) => {
                state.state = "up".into();
                state.local = link.wan_ip.clone();
                state.dns = link.dns.clone();
                state.problem = None;
                state.since = now();
                let _ = state.save();
                if ctx.global.json {
                    crate::output::json(&state);
                } else if !ctx.global.quiet {
                    println!(
                        "Online: HiLink {} (WAN address {}) in {:.1} s",
                        client.url(),
                        state.local.as_deref().unwrap_or("?"),
                        started.elapsed().as_secs_f64()
                    );
                    println!("Stays up until Ctrl-C or `dongle down`; reconnects by itself.");
                }
                backoff.reset();
                match watch(&client, stop) {
                    None => {
                        let _ = disconnect(&client, Duration::from_secs(20));
                        state.remove();
                        return Ok(());
                    }
                    Some(f) => f,
                }
            }
            Err(e) => Finding::new(
                "hilink_no_connection",
                e.to_string(),
                "dongle hilink status; dongle doctor",
            ),
        };
        if a.once || stop.load(Ordering::SeqCst) {
            state.remove();
            return Err(finding_failure(finding));
        }
        state.state = "waiting".into();
        state.problem = Some(finding.problem.to_string());
        state.reconnects += 1;
        let _ = state.save();
        let wait = backoff.next_delay();
        eprintln!(
            "dongle: {} [{}] — retrying in {} s",
            finding.summary,
            finding.problem,
            wait.as_secs()
        );
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if stop.load(Ordering::SeqCst) {
                state.remove();
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Watch a connected stick. `None` when asked to stop, else why it dropped.
fn watch(client: &dongle_hilink::Client, stop: &AtomicBool) -> Option<Finding> {
    loop {
        let next = Instant::now() + WATCH;
        while Instant::now() < next {
            if stop.load(Ordering::SeqCst) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        match link_status(client) {
            Ok(l) if l.connected() => {}
            Ok(l) => {
                return Some(Finding::new(
                    "hilink_no_connection",
                    format!(
                        "the stick dropped the connection: {} ({})",
                        l.status, l.status_code
                    ),
                    "dongle up turns the data switch on again by itself",
                ))
            }
            Err(e) => {
                return Some(Finding::new(
                    "hilink_no_connection",
                    failure(e).message,
                    "check that the stick is still plugged in",
                ))
            }
        }
    }
}
