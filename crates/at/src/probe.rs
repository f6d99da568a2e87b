//! Does a port speak AT? Asked of many ports at once, quickly.
//!
//! ModemManager sends `AT` up to six times with 3 s timeouts and trickles the
//! bytes out 100 ms apart, so a silent diagnostics port costs it ~20 s
//! (reference/modemmanager.md §1.3). A USB modem's AT port answers within
//! milliseconds, so we repeat a short `AT` a few times inside one small
//! deadline and probe every port in parallel: the slowest port bounds the
//! whole probe. Binary replies (HDLC frames, NUL runs) mark a diag port.

use crate::error::AtError;
use crate::session::AtSession;
use crate::tty::{Holder, OpenOptions, PortError, SerialPort};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long to try.
#[derive(Debug, Clone, Copy)]
pub struct ProbeOptions {
    /// Total time per port.
    pub deadline: Duration,
    /// Time to wait for one `AT` before sending the next.
    pub attempt: Duration,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            deadline: Duration::from_millis(300),
            attempt: Duration::from_millis(100),
        }
    }
}

/// How a port reacted to `AT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// `OK`: an AT port.
    Ok,
    /// A recognised error result (`ERROR`, `+CME ERROR`): still an AT port.
    Error,
    /// Nothing at all within the deadline.
    Silent,
    /// Bytes that are not AT text: a diagnostics or other binary port.
    Binary,
    /// Another program has it open.
    Busy,
    /// It could not be opened (missing, not a tty, no permission) or vanished.
    Failed,
}

/// The outcome for one port.
#[derive(Debug, Clone, Serialize)]
pub struct PortProbe {
    pub path: PathBuf,
    pub answer: Answer,
    /// Answered AT (with OK or an error result).
    pub at: bool,
    /// Time to the first answer.
    pub response_ms: Option<u64>,
    /// Who holds it, when busy.
    pub holders: Vec<Holder>,
    /// What went wrong, when it could not be probed.
    pub error: Option<String>,
}

/// Probe one port.
pub fn probe_port(path: &Path, opts: &ProbeOptions) -> PortProbe {
    let mut out = PortProbe {
        path: path.to_path_buf(),
        answer: Answer::Failed,
        at: false,
        response_ms: None,
        holders: Vec::new(),
        error: None,
    };
    let port = match SerialPort::open(path, &OpenOptions::default()) {
        Ok(p) => p,
        Err(e) => {
            if let PortError::Busy { holders, .. } = &e {
                out.answer = Answer::Busy;
                out.holders = holders.clone();
            }
            out.error = Some(e.to_string());
            return out;
        }
    };
    let session = AtSession::new(port);
    let start = Instant::now();
    let deadline = start + opts.deadline;
    loop {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        let wait = opts.attempt.min(deadline - now);
        match session.command_with("AT", wait, None) {
            Ok(_) => out.answer = Answer::Ok,
            Err(AtError::Rejected { .. }) => out.answer = Answer::Error,
            Err(AtError::Timeout { .. } | AtError::NotAt { .. }) => continue,
            Err(e) => {
                out.error = Some(e.to_string());
                return out;
            }
        }
        out.at = true;
        out.response_ms = Some(start.elapsed().as_millis() as u64);
        return out;
    }
    let (binary, _text) = session.byte_counts();
    out.answer = if binary > 0 {
        Answer::Binary
    } else {
        Answer::Silent
    };
    out
}

/// Probe many ports in parallel; results in the order given.
pub fn probe_ports(paths: &[PathBuf], opts: &ProbeOptions) -> Vec<PortProbe> {
    std::thread::scope(|s| {
        let handles: Vec<_> = paths
            .iter()
            .map(|p| s.spawn(move || probe_port(p, opts)))
            .collect();
        handles
            .into_iter()
            .zip(paths)
            .map(|(h, p)| {
                h.join().unwrap_or_else(|_| PortProbe {
                    path: p.clone(),
                    answer: Answer::Failed,
                    at: false,
                    response_ms: None,
                    holders: Vec::new(),
                    error: Some("probe thread failed".into()),
                })
            })
            .collect()
    })
}
