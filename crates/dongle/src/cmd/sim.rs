//! `dongle sim PROFILE --dir DIR`: a virtual modem in the foreground, so any
//! other `dongle` (or minicom, wvdialconf, a test) can use it.

use crate::cli::SimArgs;
use crate::context::{start_sim, Context};
use crate::failure::{Exit, Failure};
use crate::output;
use dongle_sim::Scenario;
use serde::Serialize;

#[derive(Serialize)]
struct Started {
    profile: String,
    sysfs: String,
    dev: String,
    ports: Vec<SimPortOut>,
}

#[derive(Serialize)]
struct SimPortOut {
    tty: String,
    path: String,
    pts: String,
    interface: u8,
}

pub fn run(
    ctx: &Context,
    args: &SimArgs,
    scenario: Option<&std::path::Path>,
) -> Result<(), Failure> {
    let scenario = match scenario {
        Some(f) => Scenario::from_file(f).map_err(|e| Failure::new(Exit::Usage, e.to_string()))?,
        None => Scenario::default(),
    };
    std::fs::create_dir_all(&args.dir).map_err(|e| {
        Failure::new(
            Exit::Failure,
            format!("cannot create {}: {e}", args.dir.display()),
        )
    })?;
    let sim = start_sim(&args.profile, &args.dir, scenario)?;
    let started = Started {
        profile: args.profile.clone(),
        sysfs: sim.sysfs_root().display().to_string(),
        dev: sim.dev_root().display().to_string(),
        ports: sim
            .ports()
            .into_iter()
            .map(|p| SimPortOut {
                tty: p.tty,
                path: p.path.display().to_string(),
                pts: p.pts.display().to_string(),
                interface: p.interface,
            })
            .collect(),
    };
    if ctx.global.json {
        output::json(&started);
    } else {
        println!("Virtual {} running. Ports:", started.profile);
        for p in &started.ports {
            println!("  {} -> {}", p.path, p.pts);
        }
        println!(
            "\nTry: dongle --sysfs {} --dev {} probe\nStop with Ctrl-C.",
            started.sysfs, started.dev
        );
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
    wait_for_signal();
    drop(sim);
    Ok(())
}

/// Block until SIGINT or SIGTERM, so that the simulator can stop cleanly and
/// remove its dev entries.
fn wait_for_signal() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(sig, Arc::clone(&stop)) {
            log::warn!("cannot watch signal {sig}: {e}");
        }
    }
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
