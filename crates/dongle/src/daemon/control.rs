//! The daemon's control socket, `dongle.sock` in the run directory
//! (`$DONGLE_RUN_DIR` or /run/dongle): how `dongle status`, `up` and `down`
//! talk to a running daemon. One request per connection, one JSON line each
//! way, so `socat - UNIX:/run/dongle/dongle.sock` works by hand too:
//!
//! ```text
//! → {"cmd":"status"}
//! ← {"ok":true,"modems":[{"device":"1-1.4","name":"uplink1",…}]}
//! → {"cmd":"down","device":"1-1.4"}        (held down until `up` or replug)
//! → {"cmd":"up","device":"1-1.4"}
//! ```

use crate::cli::UpArgs;
use crate::context::Context;
use crate::failure::{Exit, Failure};
use dongle_connect::state::{run_dir, LinkState};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Longest request line accepted (a request is a few dozen bytes).
const MAX_REQUEST: u64 = 4096;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Request {
    Status,
    /// Bring a modem (or, with no device, every held one) up.
    Up {
        device: Option<String>,
    },
    /// Take a modem (or every one) down and keep it down.
    Down {
        device: Option<String>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Reply {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default)]
    pub modems: Vec<ModemStatus>,
}

/// One modem as the daemon sees it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ModemStatus {
    /// USB path (`1-1.4`).
    pub device: String,
    /// Configured name, else the USB path.
    pub name: String,
    /// `vid:pid` now.
    pub id: String,
    /// Personality now: storage, serial, ncm, hilink, …
    pub mode: String,
    /// switching, connecting, up, waiting, held (by `dongle down`), failed,
    /// ignored (config says manage = false), unsupported (a personality we
    /// cannot connect: MBIM, QMI, RNDIS, update), settling (ports not there yet).
    pub phase: String,
    /// Why it is not up, when known: a problem id `dongle doctor` uses too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// What happened, in one line, when the phase is `failed` (the log has
    /// the whole message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// What to do about `problem`, when the daemon knows (a modem whose
    /// driver never bound: the module to load and the new_id line; a
    /// diagnosed failure's fix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<LinkState>,
}

pub fn socket_path() -> PathBuf {
    run_dir().join("dongle.sock")
}

pub fn pid_path() -> PathBuf {
    run_dir().join("daemon.pid")
}

/// The running daemon's pid, if there is one.
pub fn daemon_pid() -> Option<u32> {
    let pid: u32 = std::fs::read_to_string(pid_path())
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let probe = LinkState {
        pid,
        ..crate::cmd::up_steps::connecting(String::new(), String::new(), "", 0)
    };
    probe.alive().then_some(pid)
}

/// Ask the daemon; `None` when no daemon is listening.
pub fn request(req: &Request, timeout: Duration) -> Option<Result<Reply, String>> {
    daemon_pid()?;
    let s = UnixStream::connect(socket_path()).ok()?;
    let _ = s.set_read_timeout(Some(timeout));
    let _ = s.set_write_timeout(Some(Duration::from_secs(2)));
    let send = || -> std::io::Result<Reply> {
        let mut line = serde_json::to_vec(req).map_err(std::io::Error::other)?;
        line.push(b'\n');
        (&s).write_all(&line)?;
        let mut answer = String::new();
        BufReader::new((&s).take(1 << 22)).read_line(&mut answer)?;
        serde_json::from_str(&answer).map_err(std::io::Error::other)
    };
    Some(send().map_err(|e| {
        format!(
            "the daemon did not answer on {}: {e}",
            socket_path().display()
        )
    }))
}

/// The requests there are, for an error that lists them.
const KINDS: &[&str] = &["status", "up", "down"];

/// Read one request from a client (bounded in size and time).
pub fn read_request(s: &UnixStream) -> Result<Request, String> {
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let mut line = Vec::new();
    BufReader::new(s.take(MAX_REQUEST))
        .read_until(b'\n', &mut line)
        .map_err(|e| format!("cannot read the request: {e}"))?;
    parse_request(&line)
}

fn parse_request(line: &[u8]) -> Result<Request, String> {
    let example = r#"send one JSON line such as {"cmd":"status"}"#;
    if line.len() as u64 >= MAX_REQUEST && !line.ends_with(b"\n") {
        return Err(format!(
            "request longer than {MAX_REQUEST} bytes; {example}"
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(line.trim_ascii())
        .map_err(|e| format!("bad request: not JSON ({e}); {example}"))?;
    let kind = value.get("cmd").and_then(|c| c.as_str());
    match kind {
        Some(k) if !KINDS.contains(&k) => Err(format!(
            "unknown request \"{k}\"; the daemon answers {}",
            KINDS.join(", ")
        )),
        None => Err(format!("bad request: no \"cmd\"; {example}")),
        Some(_) => {
            serde_json::from_value(value).map_err(|e| format!("bad request ({e}); {example}"))
        }
    }
}

pub fn write_reply(mut s: &UnixStream, reply: &Reply) {
    let _ = s.set_write_timeout(Some(Duration::from_secs(2)));
    if let Ok(mut line) = serde_json::to_vec(reply) {
        line.push(b'\n');
        let _ = s.write_all(&line);
    }
}

/// `dongle up` while a daemon runs: the daemon manages every modem it sees,
/// so it is asked to bring the modem up (clearing a `dongle down`) and we
/// wait for the link. `None`: no daemon, run in the foreground as usual.
pub fn delegate_up(ctx: &Context, a: &UpArgs) -> Option<Result<(), Failure>> {
    if ctx.global.sim.is_some() || a.select.port.is_some() {
        return None;
    }
    let req = Request::Up {
        device: a.select.device.clone(),
    };
    let reply = match request(&req, Duration::from_secs(20))? {
        Ok(r) => r,
        Err(e) => return Some(Err(Failure::new(Exit::Failure, e))),
    };
    if !reply.ok {
        return Some(Err(Failure::new(
            Exit::Failure,
            reply.error.unwrap_or_else(|| "the daemon refused".into()),
        )));
    }
    let devices: Vec<String> = reply.modems.iter().map(|m| m.device.clone()).collect();
    if !ctx.global.quiet {
        eprintln!(
            "dongle: the daemon (pid {}) manages {}: asked it to bring the link up",
            daemon_pid().unwrap_or(0),
            devices.join(", ")
        );
    }
    // Wait for the link: the daemon connects in the background.
    let deadline = Instant::now() + Duration::from_secs(a.register_timeout.max(10) + 60);
    loop {
        let status = match request(&Request::Status, Duration::from_secs(5)) {
            Some(Ok(r)) => r,
            _ => return Some(Err(Failure::new(Exit::Failure, "the daemon went away"))),
        };
        let mine: Vec<&ModemStatus> = status
            .modems
            .iter()
            .filter(|m| devices.contains(&m.device))
            .collect();
        if !mine.is_empty() && mine.iter().all(|m| m.phase == "up") {
            if ctx.global.json {
                crate::output::json(&mine);
            } else if !ctx.global.quiet {
                for m in mine {
                    let l = m.link.as_ref();
                    println!(
                        "Online: {} {} {} via {} (daemon)",
                        m.name,
                        l.and_then(|l| l.interface.as_deref()).unwrap_or("?"),
                        l.and_then(|l| l.local.as_deref()).unwrap_or("?"),
                        l.map(|l| l.via.as_str()).unwrap_or("?"),
                    );
                }
            }
            return Some(Ok(()));
        }
        if Instant::now() > deadline || a.once && mine.iter().any(|m| m.phase == "failed") {
            let why: Vec<String> = mine
                .iter()
                .map(|m| {
                    format!(
                        "{}: {}{}",
                        m.name,
                        m.phase,
                        m.problem
                            .as_deref()
                            .map(|p| format!(" ({p})"))
                            .unwrap_or_default()
                    )
                })
                .collect();
            return Some(Err(Failure::new(
                Exit::Offline,
                format!(
                    "not online yet: {}; the daemon keeps trying (`dongle status`, `dongle doctor --live`)",
                    why.join("; ")
                ),
            )));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_one_json_line() {
        assert_eq!(
            serde_json::to_string(&Request::Down {
                device: Some("1-1.4".into())
            })
            .unwrap(),
            r#"{"cmd":"down","device":"1-1.4"}"#
        );
        let r: Request = serde_json::from_str(r#"{"cmd":"status"}"#).unwrap();
        assert_eq!(r, Request::Status);
        let r: Request = serde_json::from_str(r#"{"cmd":"up"}"#).unwrap();
        assert_eq!(r, Request::Up { device: None });
    }

    #[test]
    fn a_bad_request_says_what_to_send() {
        let (a, b) = UnixStream::pair().unwrap();
        (&a).write_all(b"{\"cmd\":\"reboot\"}\n").unwrap();
        let e = read_request(&b).unwrap_err();
        assert!(
            e.contains(r#"unknown request "reboot""#) && e.contains("status, up, down"),
            "{e}"
        );
        for (line, says) in [
            (&b"status\n"[..], "not JSON"),
            (b"{\"device\":\"1-1\"}\n", "no \"cmd\""),
            (b"{\"cmd\":\"down\",\"device\":7}\n", "bad request"),
        ] {
            let e = parse_request(line).unwrap_err();
            assert!(e.contains(says) && e.contains(r#"{"cmd":"status"}"#), "{e}");
        }
        let long = vec![b' '; MAX_REQUEST as usize];
        let e = parse_request(&long).unwrap_err();
        assert!(e.contains("longer than 4096 bytes"), "{e}");
        assert_eq!(
            parse_request(b"{\"cmd\":\"up\",\"device\":\"1-1.4\"}").unwrap(),
            Request::Up {
                device: Some("1-1.4".into())
            }
        );
    }
}
