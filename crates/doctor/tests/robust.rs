//! No input makes the doctor panic: junk, binary, truncated and interleaved logs, huge lines.

mod common;

use dongle_doctor::Doctor;
use std::path::Path;

fn all_logs() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut out = Vec::new();
    for dir in ["stories", "cases"] {
        if let Ok(rd) = std::fs::read_dir(root.join(dir)) {
            for e in rd.flatten() {
                if let Ok(b) = std::fs::read(e.path()) {
                    out.push(b);
                }
            }
        }
    }
    out
}

fn run(bytes: &[u8]) {
    let mut d = Doctor::new().expect("rules");
    d.feed_reader(bytes).expect("in-memory read");
    let r = d.finish();
    let _ = r.human();
}

/// A small deterministic generator (no dependency needed).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn mangled_logs_never_panic() {
    let logs = all_logs();
    assert!(!logs.is_empty());
    let mut rng = Lcg(7);
    for log in &logs {
        run(log);
        for round in 0..25 {
            let mut b = log.clone();
            match round % 5 {
                // flip bytes
                0 => {
                    for _ in 0..(b.len() / 20 + 1) {
                        let i = (rng.next() as usize) % b.len().max(1);
                        if let Some(x) = b.get_mut(i) {
                            *x = rng.next() as u8;
                        }
                    }
                }
                // truncate anywhere (also inside a UTF-8 sequence)
                1 => b.truncate((rng.next() as usize) % (b.len() + 1)),
                // delete a random range
                2 => {
                    let a = (rng.next() as usize) % (b.len() + 1);
                    let z = (a + (rng.next() as usize) % 200).min(b.len());
                    b.drain(a..z);
                }
                // interleave with another log, line by line
                3 => {
                    let other = &logs[(rng.next() as usize) % logs.len()];
                    let mut mixed = Vec::new();
                    let mut x = b.split(|&c| c == b'\n');
                    let mut y = other.split(|&c| c == b'\n');
                    loop {
                        let (p, q) = (x.next(), y.next());
                        if p.is_none() && q.is_none() {
                            break;
                        }
                        for l in [p, q].into_iter().flatten() {
                            mixed.extend_from_slice(l);
                            mixed.push(b'\n');
                        }
                    }
                    b = mixed;
                }
                // strip newlines: one giant line
                _ => b.retain(|&c| c != b'\n'),
            }
            run(&b);
        }
    }
}

#[test]
fn binary_and_huge_lines_are_noted() {
    let mut junk: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    junk.extend_from_slice(b"\n");
    junk.extend(std::iter::repeat_n(b'x', 100_000));
    junk.extend_from_slice(
        b"\n[ 1.0] usb 1-1: New USB device found, idVendor=12d1, idProduct=1f01\n",
    );
    let mut d = Doctor::new().expect("rules");
    d.feed_reader(&junk[..]).expect("read");
    let r = d.finish();
    assert!(
        r.notes.iter().any(|n| n.contains("binary")),
        "{:?}",
        r.notes
    );
    assert!(r.notes.iter().any(|n| n.contains("cut")), "{:?}", r.notes);
    assert_eq!(r.devices.len(), 1);
}

#[test]
fn empty_input_says_so() {
    let r = common::diagnose("");
    assert!(r.findings.is_empty());
    assert!(!r.notes.is_empty());
    assert!(r.human().contains("next:"));
}
