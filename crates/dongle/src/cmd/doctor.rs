//! `dongle doctor [--file LOG]... [--live]`: what is wrong and how to fix it.
//!
//! Offline: reads pasted logs (files, or stdin) line by line through `dongle-doctor` and
//! prints the devices it saw and the findings, most likely first, each with its fix.
//! `--live`: the kernel log (/dev/kmsg), the sysfs model (devices, interfaces, drivers, ports,
//! as they are now) and the programs holding the modem's ports; `--file` logs may be added.

use crate::cli::DoctorArgs;
use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::output;
use dongle_doctor::Doctor;
use std::fs::File;
use std::io::{self, BufReader, IsTerminal, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

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
    if a.live {
        live(ctx, &mut doctor, &mut notes);
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
        output::json(&report);
    } else {
        print!("{}", report.human());
    }
    Ok(())
}

/// The running system: the kernel log (/dev/kmsg, when readable), then the sysfs model (the
/// end state), then who holds each modem port.
fn live(ctx: &Context, doctor: &mut Doctor, notes: &mut Vec<String>) {
    // The kernel log only describes the real system, not a --sysfs tree or a simulator.
    let real = ctx.global.sysfs == Path::new("/sys") && ctx.global.sim.is_none();
    if real {
        if let Err(e) = read_kmsg(doctor) {
            notes.push(format!(
                "the kernel log could not be read ({e}): run as root, or add `sudo dmesg` output with --file"
            ));
        }
    }
    let devices = match ctx.sysfs.devices() {
        Ok(d) => d,
        Err(e) => {
            notes.push(format!("the USB devices could not be read: {e}"));
            Vec::new()
        }
    };
    for d in &devices {
        doctor.feed_device(d);
    }
    // Ports held by another program: the same words pppd and wvdial print, so the same rule
    // explains them.
    for d in &devices {
        for (_, tty) in d.ttys() {
            let path = ctx.dev_root.join(&tty);
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let holders = dongle_at::tty::holders_of(&path, meta.rdev());
            if !holders.is_empty() {
                let who: Vec<String> = holders.iter().map(ToString::to_string).collect();
                doctor.feed_line(&format!(
                    "live: {}: Device or resource busy: open in {}",
                    path.display(),
                    who.join(", ")
                ));
            }
        }
    }
}

/// Every record in /dev/kmsg, without waiting for new ones.
fn read_kmsg(doctor: &mut Doctor) -> io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open("/dev/kmsg")?;
    let mut buf = vec![0u8; 16 * 1024];
    // Bounded: the ring buffer holds at most a few MB of records.
    for _ in 0..1_000_000 {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let rec = String::from_utf8_lossy(buf.get(..n).unwrap_or(&[]));
                // Continuation lines (" SUBSYSTEM=usb", " DEVICE=…") carry no message.
                if let Some(first) = rec.lines().next() {
                    doctor.feed_line(first);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            // EPIPE: records were overwritten while reading; go on with the next.
            Err(e) if e.raw_os_error() == Some(libc::EPIPE) => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
