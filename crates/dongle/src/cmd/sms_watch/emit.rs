//! What `dongle sms watch` does with each new message: save it (atomic, fsync), print it
//! (a line, or one JSON object per line), hand it to `--exec`. The message text reaches the
//! command only as data — standard input and environment variables — never inside a
//! command line a shell would parse: anyone can send an SMS.

use crate::cmd::sms::printable;
use crate::cmd::sms_hilink::save_key;
use crate::cmd::sms_message::{Message, SavedMessage};
use crate::cmd::sms_store;
use crate::failure::Failure;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long an `--exec` command may run before it is killed: a hung hook must
/// not stop the messages after it.
const EXEC_LIMIT: Duration = Duration::from_secs(60);

/// One line of `--json` output (and `--exec`'s standard input) for a message.
#[derive(Serialize)]
pub struct Received<'a> {
    pub event: &'static str,
    /// The AT port or HiLink URL it came from.
    pub port: &'a str,
    #[serde(flatten)]
    pub message: &'a Message,
    /// Storage indexes deleted from the modem after saving (`--delete`).
    pub deleted: &'a [u32],
}

pub struct Emitter {
    pub json: bool,
    pub dir: PathBuf,
    pub exec: Option<String>,
    pub port: String,
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Emitter {
    /// Saves `m` under `dir` (the save directory, or its `parts/` for one part of a long
    /// message); sets `m.saved`. True when the file is new: a message saved before (an
    /// earlier run, or a sweep that met it again) is not announced twice.
    pub fn save_in(&self, dir: &Path, m: &mut Message) -> Result<bool, Failure> {
        let name = sms_store::file_name(m.time.as_deref(), &save_key(m));
        let file = SavedMessage {
            format: sms_store::FORMAT,
            saved_at: unix_now(),
            port: self.port.clone(),
            message: m,
        };
        let (path, new) = sms_store::save_new(dir, &name, &file)?;
        m.saved = Some(path);
        Ok(new)
    }

    pub fn save(&self, m: &mut Message) -> Result<bool, Failure> {
        let dir = self.dir.clone();
        self.save_in(&dir, m)
    }

    /// Prints `m` and runs `--exec` with it.
    pub fn announce(&self, m: &Message, deleted: &[u32]) {
        let r = Received {
            event: "message",
            port: &self.port,
            message: m,
            deleted,
        };
        let line = serde_json::to_string(&r).unwrap_or_default();
        if self.json {
            println!("{line}");
        } else {
            println!("{}", human(m, deleted));
        }
        if let Some(cmd) = &self.exec {
            run_hook(cmd, m, &line);
        }
    }

    /// A notice: a JSON event line with `--json`, else a line on stderr.
    pub fn notice(&self, event: &str, text: &str, extra: serde_json::Value) {
        if self.json {
            let mut v = serde_json::json!({ "event": event, "port": self.port, "text": text });
            if let (Some(o), serde_json::Value::Object(e)) = (v.as_object_mut(), extra) {
                o.extend(e);
            }
            println!("{v}");
        } else {
            eprintln!("dongle sms watch: {text}");
        }
    }
}

/// `2026-12-06T04:00:00+00:00  from +4915112345678: text  [saved …; deleted 3]`.
fn human(m: &Message, deleted: &[u32]) -> String {
    let who = match m.kind {
        "status_report" => "status report for",
        "submit" => "to",
        _ => "from",
    };
    // One message, one line: line breaks in the text are shown as ⏎.
    let text = printable(&m.text).replace('\n', " ⏎ ");
    let missing = if m.missing_parts.is_empty() {
        String::new()
    } else {
        format!(
            " [parts missing: {}]",
            m.missing_parts
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let saved = m
        .saved
        .as_ref()
        .map(|p| format!("saved {}", p.display()))
        .unwrap_or_default();
    let deleted = if deleted.is_empty() {
        String::new()
    } else {
        format!("; deleted {}", crate::cmd::sms::indexes(deleted))
    };
    format!(
        "{}  {who} {}: {text}{missing}  [{saved}{deleted}]",
        m.time.as_deref().unwrap_or("-"),
        printable(m.number.as_deref().unwrap_or("-")),
    )
}

/// Environment values cannot hold NUL (UCS-2 text can): shown as U+FFFD.
fn env_safe(s: &str) -> String {
    s.replace('\0', "\u{fffd}")
}

/// Runs `cmd` (the user's own command line, through `sh -c`, as systemd's
/// ExecStart= would) with the message as JSON on stdin and its fields in
/// `DONGLE_SMS_*`. Its failure is logged; the message is saved regardless.
fn run_hook(cmd: &str, m: &Message, json: &str) {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .env(
            "DONGLE_SMS_FROM",
            env_safe(m.number.as_deref().unwrap_or("")),
        )
        .env("DONGLE_SMS_TEXT", env_safe(&m.text))
        .env("DONGLE_SMS_TIME", m.time.as_deref().unwrap_or(""))
        .env("DONGLE_SMS_TYPE", m.kind)
        .env("DONGLE_SMS_INDEXES", crate::cmd::sms::indexes(&m.indexes))
        .env(
            "DONGLE_SMS_FILE",
            m.saved.as_deref().unwrap_or(Path::new("")),
        );
    let mut child = match c.spawn() {
        Ok(ch) => ch,
        Err(e) => {
            eprintln!("dongle sms watch: cannot run --exec {cmd:?}: {e} (the message is saved)");
            return;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A hook that does not read its input closes the pipe: not an error.
        let _ = stdin.write_all(json.as_bytes());
        let _ = stdin.write_all(b"\n");
    }
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(st)) if st.success() => return,
            Ok(Some(st)) => {
                eprintln!(
                    "dongle sms watch: --exec {cmd:?} failed ({st}); the message is saved in {}",
                    m.saved.as_deref().unwrap_or(Path::new("-")).display()
                );
                return;
            }
            Ok(None) if start.elapsed() > EXEC_LIMIT => {
                let _ = child.kill();
                let _ = child.wait();
                eprintln!(
                    "dongle sms watch: --exec {cmd:?} ran longer than {} s and was stopped; the message is saved",
                    EXEC_LIMIT.as_secs()
                );
                return;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                eprintln!("dongle sms watch: --exec {cmd:?}: {e}");
                return;
            }
        }
    }
}
