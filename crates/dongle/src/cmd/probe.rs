//! `dongle probe`: which ttys speak AT, and what each one is for.

use crate::cli::ProbeArgs;
use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::output::{self, or_dash, yes_no};
use crate::ports::{self, Port};
use dongle_at::probe::{Answer, ProbeOptions};
use std::time::Duration;

pub fn run(ctx: &Context, args: &ProbeArgs) -> Result<(), Failure> {
    let candidates = ports::candidates(ctx, args.device.as_deref(), &args.port)?;
    let opts = ProbeOptions {
        deadline: Duration::from_millis(args.timeout.max(1)),
        ..ProbeOptions::default()
    };
    let found = ports::probe(&candidates, &opts);
    if ctx.global.json {
        output::json(&found);
    } else {
        print_human(ctx, &found);
    }
    // Explicitly named ports that cannot be used are an error for scripts.
    if !args.port.is_empty() {
        if let Some(p) = found
            .iter()
            .find(|p| p.answer == Answer::Failed || p.answer == Answer::Busy)
        {
            let exit = if p.answer == Answer::Busy {
                Exit::Busy
            } else {
                failure_exit(p)
            };
            return Err(Failure::new(exit, or_dash(p.error.clone())));
        }
    }
    Ok(())
}

fn failure_exit(p: &Port) -> Exit {
    let e = p.error.as_deref().unwrap_or("");
    if e.contains("no such port") {
        Exit::NotFound
    } else if e.contains("not a serial port") {
        Exit::Usage
    } else if e.contains("permission denied") {
        Exit::Permission
    } else {
        Exit::Failure
    }
}

fn answer_text(p: &Port) -> String {
    match p.answer {
        Answer::Ok => format!("OK in {} ms", p.response_ms.unwrap_or(0)),
        Answer::Error => format!("error result in {} ms", p.response_ms.unwrap_or(0)),
        Answer::Silent => "silent".into(),
        Answer::Binary => "binary data (not AT)".into(),
        Answer::Busy => match &p.holder {
            Some(h) => format!("busy: {h}"),
            None => "busy".into(),
        },
        Answer::Failed => or_dash(p.error.clone()),
    }
}

fn print_human(ctx: &Context, found: &[Port]) {
    let mut rows = vec![["PORT", "IF", "ROLE", "AT", "ANSWER"]
        .map(String::from)
        .to_vec()];
    let mut last_dev: Option<String> = None;
    for p in found {
        if p.device != last_dev {
            if last_dev.is_some() || rows.len() > 1 {
                output::table(&rows, "  ");
                rows.truncate(1);
            }
            if let (Some(dev), Some(id)) = (&p.device, &p.id) {
                let model = ctx
                    .sysfs
                    .device(dev)
                    .ok()
                    .and_then(|d| {
                        dongle_catalog::lookup(d.vid, d.pid)
                            .map(|k| k.model.to_string())
                            .or(d.product)
                    })
                    .unwrap_or_default();
                println!("{dev}  {id}  {model}");
            }
            last_dev = p.device.clone();
        }
        let role = format!("{} ({})", p.role, p.role_source);
        rows.push(vec![
            p.port.display().to_string(),
            or_dash(p.interface),
            role,
            yes_no(p.at),
            answer_text(p),
        ]);
    }
    output::table(&rows, "  ");
    if ctx.global.quiet {
        return;
    }
    match ports::control_port(found) {
        Some(c) => match &c.device {
            Some(dev) => println!("\nnext: dongle info {dev}"),
            None => println!("\nnext: dongle info --port {}", c.port.display()),
        },
        None if found.iter().any(|p| p.answer == Answer::Busy) => {
            println!("\nnext: stop the program holding the port, then probe again")
        }
        None => {
            println!("\nnext: no port answered AT; `dongle list` shows the mode the stick is in")
        }
    }
}
