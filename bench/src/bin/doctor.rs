//! Doctor benchmark: `dongle doctor --file` (the real binary) on kernel logs
//! of growing size, with wall time and peak memory, against the issue's
//! targets (100 000 lines in under 200 ms; memory flat as logs grow).
//!
//! Run: `cargo build --release -p dongle && cargo run --release -p dongle-bench --bin doctor`

use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Ordinary kernel chatter, and the E3531 story's lines (usb_modeswitch.md §5a) every so often.
fn synthetic(lines: usize) -> String {
    let noise = [
        "wlp2s0: associated",
        "audit: type=1400 audit(1690000000.123:45): apparmor=\"STATUS\" operation=\"profile_load\"",
        "EXT4-fs (sda2): re-mounted. Opts: errors=remount-ro. Quota mode: none.",
        "IPv6: ADDRCONF(NETDEV_CHANGE): wlp2s0: link becomes ready",
        "usb 2-1: new high-speed USB device number 3 using xhci_hcd",
    ];
    let story = [
        "usb 1-1.5: new high-speed USB device number 7 using ehci-pci",
        "usb 1-1.5: New USB device found, idVendor=12d1, idProduct=157d, bcdDevice= 1.02",
        "usb-storage 1-1.5:1.0: USB Mass Storage device detected",
        "usb 1-1.5: usbfs: interface 0 claimed by usb-storage while 'usb_modeswitch' sets config #2",
        "cdc_mbim 1-1.5:2.0: SET_NTB_FORMAT failed",
        "usb_modeswitch[2716]: segfault at 18 ip 00007f3b1c0e4a40 sp 00007ffd3d7f2d40 error 4",
        "usb 1-1.5: New USB device found, idVendor=12d1, idProduct=1568, bcdDevice= 1.02",
        "option 1-1.5:1.0: GSM modem (1-port) converter detected",
        "usb 1-1.5: GSM modem (1-port) converter now attached to ttyUSB0",
    ];
    let mut s = String::with_capacity(lines * 80);
    for i in 0..lines {
        let t = i as f64 * 0.0137;
        let text = if i % 997 < story.len() {
            story[i % 997]
        } else {
            noise[i % noise.len()]
        };
        s.push_str(&format!("[{t:>12.6}] {text}\n"));
    }
    s
}

struct Row {
    lines: usize,
    median: Duration,
    peak_kb: Option<u64>,
    problems: String,
}

fn run(dongle: &Path, file: &Path) -> Result<(Duration, Option<u64>, String)> {
    // GNU time reports the peak resident set of the child (%M, KiB).
    let time = Path::new("/usr/bin/time");
    let start = Instant::now();
    let out = if time.exists() {
        Command::new(time)
            .args(["-f", "%M"])
            .arg(dongle)
            .args(["--json", "doctor", "--file"])
            .arg(file)
            .output()?
    } else {
        Command::new(dongle)
            .args(["--json", "doctor", "--file"])
            .arg(file)
            .output()?
    };
    let took = start.elapsed();
    if !out.status.success() {
        bail!(
            "dongle doctor failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let peak = String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).context("doctor JSON")?;
    let problems = v["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .take(3)
                .filter_map(|x| x["problem"].as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    Ok((took, peak, problems))
}

fn main() -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dongle: PathBuf = root.join("target/release/dongle");
    if !dongle.exists() {
        bail!(
            "{} missing: build it first with `cargo build --release -p dongle`",
            dongle.display()
        );
    }
    let dir = tempfile::tempdir()?;
    let mut rows = Vec::new();
    for lines in [10_000, 100_000, 1_000_000] {
        let file = dir.path().join(format!("kern-{lines}.log"));
        std::fs::File::create(&file)?.write_all(synthetic(lines).as_bytes())?;
        let mut times = Vec::new();
        let mut peak = None;
        let mut problems = String::new();
        for _ in 0..5 {
            let (t, p, pr) = run(&dongle, &file)?;
            times.push(t);
            peak = peak.max(p);
            problems = pr;
        }
        times.sort();
        rows.push(Row {
            lines,
            median: times[times.len() / 2],
            peak_kb: peak,
            problems,
        });
    }
    println!("dongle doctor on synthetic kernel logs (the E3531 story among ordinary lines), 5 runs each\n");
    println!("| lines | median ms (whole process) | peak RSS KiB | first findings |");
    println!("|---|---|---|---|");
    for r in &rows {
        let kb = r
            .peak_kb
            .map(|k| k.to_string())
            .unwrap_or_else(|| "-".into());
        println!(
            "| {} | {:.1} | {} | {} |",
            r.lines,
            r.median.as_secs_f64() * 1000.0,
            kb,
            r.problems
        );
    }
    let at = |n: usize| rows.iter().find(|r| r.lines == n);
    if let Some(r) = at(100_000) {
        let ok = r.median < Duration::from_millis(200);
        println!(
            "\n100 000 lines: {:.1} ms (target < 200 ms: {})",
            r.median.as_secs_f64() * 1000.0,
            if ok { "met" } else { "NOT met" }
        );
    }
    if let (Some(a), Some(b)) = (
        at(10_000).and_then(|r| r.peak_kb),
        at(1_000_000).and_then(|r| r.peak_kb),
    ) {
        println!(
            "peak memory 1 000 000 / 10 000 lines = {:.2} (flat means close to 1)",
            b as f64 / a as f64
        );
    }
    Ok(())
}
