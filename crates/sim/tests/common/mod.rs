//! Test helpers: open a sim port like a real program opens a ttyUSB.
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::fd::OwnedFd;
use rustix::fs::{Mode, OFlags};
use rustix::termios::{self, OptionalActions};

pub struct Client {
    pub fd: OwnedFd,
}

pub fn open(path: &Path) -> Client {
    let fd = rustix::fs::open(
        path,
        OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC | OFlags::NONBLOCK,
        Mode::empty(),
    )
    .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let mut t = termios::tcgetattr(&fd).expect("tcgetattr");
    t.make_raw();
    termios::tcsetattr(&fd, OptionalActions::Now, &t).expect("tcsetattr");
    Client { fd }
}

/// Result of reading until a condition.
#[derive(Debug)]
pub enum ReadEnd {
    /// The wanted text arrived.
    Found,
    Timeout,
    /// EOF or EIO: the device went away.
    Gone,
}

impl Client {
    pub fn send(&self, s: &str) {
        let mut b = s.as_bytes();
        while !b.is_empty() {
            match rustix::io::write(&self.fd, b) {
                Ok(n) => b = &b[n..],
                Err(rustix::io::Errno::AGAIN) => std::thread::sleep(Duration::from_millis(1)),
                Err(e) => panic!("write: {e}"),
            }
        }
    }

    /// Reads until `want` appears in the received bytes or `timeout` passes.
    pub fn read_until(&self, want: &str, timeout: Duration) -> (Vec<u8>, ReadEnd) {
        let deadline = Instant::now() + timeout;
        let mut got = Vec::new();
        loop {
            if contains(&got, want.as_bytes()) {
                return (got, ReadEnd::Found);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return (got, ReadEnd::Timeout);
            }
            let ts = Timespec {
                tv_sec: left.as_secs() as i64,
                tv_nsec: i64::from(left.subsec_nanos()),
            };
            let mut fds = [PollFd::new(&self.fd, PollFlags::IN)];
            let _ = poll(&mut fds, Some(&ts));
            let mut buf = [0u8; 4096];
            match rustix::io::read(&self.fd, &mut buf) {
                Ok(0) => return (got, ReadEnd::Gone),
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(rustix::io::Errno::AGAIN | rustix::io::Errno::INTR) => {}
                Err(_) => return (got, ReadEnd::Gone),
            }
        }
    }

    /// Sends `cmd\r` and returns everything up to the final `OK`/`ERROR`-style line.
    pub fn at(&self, cmd: &str) -> String {
        self.send(&format!("{cmd}\r"));
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut got = Vec::new();
        while Instant::now() < deadline {
            let (chunk, end) = self.read_until("\r\n", Duration::from_millis(200));
            got.extend(chunk);
            let text = String::from_utf8_lossy(&got).to_string();
            if is_final(&text) {
                return text;
            }
            if let ReadEnd::Gone = end {
                return text;
            }
        }
        String::from_utf8_lossy(&got).to_string()
    }
}

pub fn is_final(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        l == "OK"
            || l == "ERROR"
            || l == "COMMAND NOT SUPPORT"
            || l == "NO CARRIER"
            || l.starts_with("+CME ERROR")
            || l.starts_with("CONNECT")
    }) && text.trim_end_matches(['\0', '\u{fffd}']).ends_with("\r\n")
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len().max(1)).any(|w| w == needle)
}

pub fn scenario(toml: &str) -> dongle_sim::Scenario {
    dongle_sim::Scenario::from_toml_str(toml).expect("scenario")
}
