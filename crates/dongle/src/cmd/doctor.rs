//! `dongle doctor [--file LOG]... [--live]`: what is wrong and how to fix it.
//!
//! Offline: reads pasted logs (files, or stdin) line by line through `dongle-doctor` and
//! prints the devices it saw and the findings, most likely first, each with its fix.
//! `--live`: the running system (cmd/doctor_live.rs gathers it: kernel log, sysfs model,
//! modules, competing programs, tools, port holders, a quick AT probe); `--file` logs may be
//! added. The report then also says which sources were read and which could not be.

use crate::cli::DoctorArgs;
use crate::cmd::doctor_live::{self, Host, Live, Source};
use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::output;
use dongle_at::probe::ProbeOptions;
use dongle_doctor::{Doctor, Report};
use serde::Serialize;
use std::fs::File;
use std::io::{self, BufReader, IsTerminal};
use std::path::Path;
use std::time::Duration;

pub fn run(ctx: &Context, a: &DoctorArgs) -> Result<(), Failure> {
    let mut doctor = Doctor::new().map_err(|e| Failure::new(Exit::Failure, e.to_string()))?;
    let mut notes = Vec::new();
    let mut read_any = false;
    if a.files.is_empty() && !a.live {
        let stdin = io::stdin();
        if stdin.is_terminal() && !ctx.global.quiet {
            eprintln!(
                "dongle: reading logs from standard input (paste, then Ctrl-D); or use --file LOG, or --live"
            );
        }
        doctor
            .feed_reader(stdin.lock())
            .map_err(|e| Failure::new(Exit::Failure, format!("cannot read standard input: {e}")))?;
        read_any = true;
    }
    for f in &a.files {
        let result = if f.as_os_str() == "-" {
            doctor.feed_reader(io::stdin().lock())
        } else {
            match File::open(f) {
                Ok(file) => doctor.feed_reader(BufReader::with_capacity(64 * 1024, file)),
                Err(e) => Err(e),
            }
        };
        match result {
            Ok(()) => read_any = true,
            Err(e) => notes.push(format!("{}: could not be read ({e})", f.display())),
        }
    }
    let mut sources = Vec::new();
    if a.live {
        // The host's own state (kernel log, modules, processes, tools) describes the
        // devices only when the tree is the running system's, not a --sysfs tree or --sim.
        let real = ctx.global.sysfs == Path::new("/sys") && ctx.global.sim.is_none();
        let live = Live {
            sysfs: &ctx.sysfs,
            dev_root: &ctx.dev_root,
            host: real.then(Host::default),
            // A modem's AT port answers within milliseconds; 400 ms tells a silent one.
            probe: ProbeOptions {
                deadline: Duration::from_millis(400),
                attempt: Duration::from_millis(100),
            },
        };
        let (s, n) = doctor_live::gather(&live, &mut doctor);
        sources = s;
        notes.extend(n);
        read_any = true;
    }
    if !read_any {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "no log could be read: {}; check the paths given with --file",
                notes.join("; ")
            ),
        ));
    }
    let mut report = doctor.finish();
    report.notes.extend(notes);
    if ctx.global.json {
        if a.live {
            output::json(&LiveReport {
                report: &report,
                sources: &sources,
            });
        } else {
            output::json(&report);
        }
    } else {
        print!("{}", human(&report, &sources));
    }
    Ok(())
}

/// `--live --json`: the documented report plus `sources` (what was read).
#[derive(Serialize)]
struct LiveReport<'a> {
    #[serde(flatten)]
    report: &'a Report,
    sources: &'a [Source],
}

/// The report for people; with --live, the sources read (and not) go before the next step,
/// so the output still ends with what to do.
fn human(report: &Report, sources: &[Source]) -> String {
    let text = report.human();
    if sources.is_empty() {
        return text;
    }
    let mut block = String::from("\nevidence:\n");
    for s in sources {
        let mark = if s.read { "read    " } else { "not read" };
        block.push_str(&format!("  {mark}  {}: {}\n", s.source, s.detail));
    }
    match text.rfind("\nnext: ") {
        Some(i) => format!("{}{block}{}", &text[..i], &text[i..]),
        None => text + &block,
    }
}
