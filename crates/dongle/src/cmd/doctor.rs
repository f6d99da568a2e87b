//! `dongle doctor [--file LOG]... [--live]`: what is wrong and how to fix it.
//!
//! Offline: reads pasted logs (files, or stdin) line by line through `dongle-doctor` and
//! prints the devices it saw and the findings, most likely first, each with its fix.
//! `--live` (reading the running system) is not there yet.

use crate::cli::DoctorArgs;
use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::output;
use dongle_doctor::Doctor;
use std::fs::File;
use std::io::{self, BufReader, IsTerminal};

pub fn run(ctx: &Context, a: &DoctorArgs) -> Result<(), Failure> {
    if a.live {
        return Err(Failure::new(
            Exit::Usage,
            "`dongle doctor --live` is not available yet: save the logs and pass them with \
             --file, e.g. `sudo dmesg > kern.txt; lsusb > usb.txt; dongle doctor --file kern.txt \
             --file usb.txt` (or pipe them: `dmesg | dongle doctor`)",
        ));
    }
    let mut doctor = Doctor::new().map_err(|e| Failure::new(Exit::Failure, e.to_string()))?;
    let mut notes = Vec::new();
    let mut read_any = false;
    if a.files.is_empty() {
        let stdin = io::stdin();
        if stdin.is_terminal() && !ctx.global.quiet {
            eprintln!(
                "dongle: reading logs from standard input (paste, then Ctrl-D); or use --file LOG"
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
        output::json(&report);
    } else {
        print!("{}", report.human());
    }
    Ok(())
}
