//! Diagnose log files (or stdin) and time it: `cargo run --release -p dongle-doctor --example
//! diagnose -- FILE...`. With `--bench N`, first writes an N-line synthetic kernel log (the
//! E3531 story repeated among ordinary kernel noise) and times its diagnosis.

use std::io::{BufReader, Read};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut doctor = match dongle_doctor::Doctor::new() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let started;
    if args.first().map(String::as_str) == Some("--bench") {
        let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
        let log = synthetic(n);
        eprintln!("synthetic log: {n} lines, {} bytes", log.len());
        started = Instant::now();
        if let Err(e) = doctor.feed_reader(log.as_bytes()) {
            eprintln!("{e}");
        }
    } else if args.is_empty() {
        started = Instant::now();
        if let Err(e) = doctor.feed_reader(BufReader::new(std::io::stdin().lock())) {
            eprintln!("stdin: {e}");
        }
    } else {
        started = Instant::now();
        for a in &args {
            match std::fs::File::open(a) {
                Ok(f) => {
                    if let Err(e) = doctor.feed_reader(BufReader::new(f.take(u64::MAX))) {
                        eprintln!("{a}: {e}");
                    }
                }
                Err(e) => eprintln!("{a}: {e}"),
            }
        }
    }
    let lines = doctor.lines();
    let report = doctor.finish();
    let took = started.elapsed();
    print!("{}", report.human());
    eprintln!(
        "{lines} lines diagnosed in {:.1} ms",
        took.as_secs_f64() * 1000.0
    );
}

fn synthetic(n: usize) -> String {
    let noise = [
        "EXT4-fs (sda1): mounted filesystem with ordered data mode. Opts: (null)",
        "IPv6: ADDRCONF(NETDEV_CHANGE): wlan0: link becomes ready",
        "audit: type=1400 audit(1660556221.123:45): apparmor=\"STATUS\" operation=\"profile_load\"",
        "usb 1-1.2: new low-speed USB device number 3 using ehci-pci",
        "input: Logitech USB Keyboard as /devices/pci0000:00/0000:00:1d.0/usb1/1-1/1-1.2/input/input5",
        "wlan0: associated",
        "r8169 0000:02:00.0 eth0: Link is Up - 1Gbps/Full - flow control rx/tx",
    ];
    let story = include_str!("../tests/stories/e3531.txt");
    let story: Vec<&str> = story.lines().filter(|l| !l.starts_with('#')).collect();
    let mut out = String::with_capacity(n * 90);
    let mut t = 0.0f64;
    for i in 0..n {
        t += 0.0137;
        let msg = if i % 50 == 0 {
            story[(i / 50) % story.len()]
        } else {
            noise[i % noise.len()]
        };
        if msg.starts_with('[') {
            out.push_str(msg);
        } else {
            out.push_str(&format!("[{t:>12.6}] {msg}"));
        }
        out.push('\n');
    }
    out
}
