//! `dongle sms watch` end to end: a simulated stick (`dongle sim e3372 --count 1`, driven
//! through its stdin: `sms 1 TEXT` delivers a message from the network) and the real binary
//! watching it, its JSON lines read as they come. HiLink: dongle-sim's loopback stick in this
//! process, a message added to its inbox while the watcher polls.

use dongle_sim::hilink::{HilinkOptions, HilinkServer};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(15);

/// Lines of a child's stdout, read on their own thread.
fn lines_of(out: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines() {
            let Ok(l) = l else { break };
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    rx
}

/// One simulated stick in its own `dongle sim` process.
struct Stick {
    child: Child,
    stdin: ChildStdin,
    acks: Receiver<String>,
    dir: tempfile::TempDir,
}

impl Stick {
    fn start(scenario: &str) -> Stick {
        let dir = tempfile::tempdir().unwrap();
        let sc = dir.path().join("scenario.toml");
        std::fs::write(&sc, scenario).unwrap();
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("dongle"))
            .arg("--scenario")
            .arg(&sc)
            .args(["sim", "e3372", "--count", "1", "--dir"])
            .arg(dir.path().join("sim"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let acks = lines_of(child.stdout.take().unwrap());
        let mut s = Stick {
            child,
            stdin,
            acks,
            dir,
        };
        s.ack("Ctrl-C");
        s
    }

    /// Waits for a line of the simulator containing `what`.
    fn ack(&mut self, what: &str) -> String {
        let end = Instant::now() + WAIT;
        while let Ok(l) = self
            .acks
            .recv_timeout(end.saturating_duration_since(Instant::now()))
        {
            if l.contains(what) {
                return l;
            }
        }
        panic!("the simulator never said {what:?}");
    }

    /// A command on the simulator's stdin, once it is done.
    fn command(&mut self, line: &str, ack: &str) -> String {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
        self.ack(ack)
    }

    fn sms(&mut self, text: &str) -> String {
        self.command(&format!("sms 1 {text}"), "sms 1:")
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("sim")
    }

    fn dongle(&self) -> Command {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("dongle"));
        c.env("DONGLE_LOCK_DIR", self.dir.path())
            .env_remove("DONGLE_LOG")
            .arg("--sysfs")
            .arg(self.root().join("sys"))
            .arg("--dev")
            .arg(self.root().join("dev"));
        c
    }

    /// `dongle --json sms watch --save DIR ARGS` on stick 1, once it watches.
    fn watch(&self, save: &Path, args: &[&str]) -> Watcher {
        let mut c = self.dongle();
        c.args(["--json", "sms", "watch", "1-1.1", "--save"])
            .arg(save)
            .args(args);
        Watcher::start(c)
    }

    /// `dongle sms list --json` (once no watcher holds the port).
    fn list(&self) -> Value {
        let out = self
            .dongle()
            .args(["--json", "sms", "list"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

impl Drop for Stick {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Watcher {
    child: Child,
    events: Receiver<String>,
    /// Lines that came before `watching` (the start-up sweep, a full store).
    early: std::collections::VecDeque<String>,
}

impl Watcher {
    fn start(mut c: Command) -> Watcher {
        let mut child = c
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let events = lines_of(child.stdout.take().unwrap());
        let mut w = Watcher {
            child,
            events,
            early: Default::default(),
        };
        let end = Instant::now() + WAIT;
        while let Ok(l) = w
            .events
            .recv_timeout(end.saturating_duration_since(Instant::now()))
        {
            if l.contains(r#""event":"watching""#) {
                break;
            }
            w.early.push_back(l);
        }
        w
    }

    /// The next JSON line whose event is `kind` (others before it are skipped).
    fn next(&mut self, kind: &str) -> Value {
        self.next_within(kind, WAIT)
            .unwrap_or_else(|| panic!("no {kind:?} event within {WAIT:?}"))
    }

    fn next_within(&mut self, kind: &str, within: Duration) -> Option<Value> {
        let end = Instant::now() + within;
        while let Some(l) = self.early.pop_front().or_else(|| {
            self.events
                .recv_timeout(end.saturating_duration_since(Instant::now()))
                .ok()
        }) {
            let v: Value = serde_json::from_str(&l).unwrap_or_else(|e| panic!("{l:?}: {e}"));
            if v["event"] == kind {
                return Some(v);
            }
        }
        None
    }

    /// Every message event in the next `within`.
    fn messages_for(&mut self, within: Duration) -> Vec<Value> {
        let mut all = Vec::new();
        while let Some(v) = self.next_within("message", within) {
            all.push(v);
        }
        all
    }

    /// SIGTERM; the exit status and stderr.
    fn stop(mut self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(killed.success());
        self.wait()
    }

    fn wait(&mut self) -> (std::process::ExitStatus, String) {
        let end = Instant::now() + WAIT;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                let mut err = String::new();
                if let Some(mut e) = self.child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                return (st, err);
            }
            assert!(Instant::now() < end, "the watcher did not end");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn wait_for_file(p: &Path) {
    let end = Instant::now() + WAIT;
    while !p.exists() {
        assert!(Instant::now() < end, "{} never appeared", p.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

const EMPTY: &str = "[sms]\nempty = true\n";

#[test]
fn a_new_message_is_saved_printed_and_handed_to_exec_as_data() {
    let mut stick = Stick::start(EMPTY);
    let t = tempfile::tempdir().unwrap();
    let pwned = t.path().join("pwned");
    let hook = t.path().join("hook");
    std::fs::create_dir(&hook).unwrap();
    // The hook's command line is ours; the message reaches it only as stdin and env.
    let cmd = format!(
        "cd {}; printenv DONGLE_SMS_TEXT > text; printenv DONGLE_SMS_FROM > from; printenv DONGLE_SMS_FILE > file; cat > stdin.json",
        hook.display()
    );
    let mut w = stick.watch(&t.path().join("sms"), &["--exec", &cmd]);
    let text = format!(
        "Code 4711 $(touch {}); rm -rf ~ `touch {}` \"'",
        pwned.display(),
        pwned.display()
    );
    // UCS-2 (the backtick is not GSM-7): two parts, joined.
    assert_eq!(stick.sms(&text), "sms 1: slots 0, 1");
    let m = w.next("message");
    assert_eq!(m["text"], text.as_str());
    assert_eq!(m["number"], "+4915112345678");
    assert_eq!(m["type"], "deliver");
    assert_eq!(m["indexes"], serde_json::json!([0, 1]));
    assert_eq!(m["deleted"], serde_json::json!([]));
    // Saved: the file holds the message and the PDU it came in.
    let file = PathBuf::from(m["saved"].as_str().unwrap());
    let saved = read_json(&file);
    assert_eq!(saved["format"], "dongle-sms/1");
    assert_eq!(saved["message"]["text"], text.as_str());
    assert_eq!(saved["message"]["pdus"], m["pdus"]);
    // --exec: the same JSON on stdin, the fields in the environment, nothing executed.
    wait_for_file(&hook.join("stdin.json"));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(read_json(&hook.join("stdin.json")), m);
    let env = |n: &str| std::fs::read_to_string(hook.join(n)).unwrap();
    assert_eq!(env("text"), format!("{text}\n"));
    assert_eq!(env("from"), "+4915112345678\n");
    assert_eq!(env("file"), format!("{}\n", file.display()));
    assert!(!pwned.exists(), "the message text was run by a shell");
    // Without --delete the message stays on the SIM.
    let (st, err) = w.stop();
    assert!(st.success(), "{err}");
    assert_eq!(stick.list().as_array().unwrap().len(), 1);
}

#[test]
fn delete_only_after_the_file_is_written() {
    let mut stick = Stick::start(EMPTY);
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("sms");
    let mut w = stick.watch(&dir, &["--delete"]);
    stick.sms("delete me");
    let m = w.next("message");
    assert_eq!(m["deleted"], serde_json::json!([0]));
    assert!(Path::new(m["saved"].as_str().unwrap()).exists());
    let (st, err) = w.stop();
    assert!(st.success(), "{err}");
    assert_eq!(stick.list(), serde_json::json!([]));

    // A directory that cannot be written: the watcher stops and nothing leaves the SIM.
    let not_a_dir = t.path().join("file");
    std::fs::write(&not_a_dir, "").unwrap();
    stick.sms("keep me");
    let mut c = stick.dongle();
    c.args(["--json", "sms", "watch", "1-1.1", "--delete", "--save"])
        .arg(&not_a_dir);
    let mut w = Watcher::start(c);
    let (st, err) = w.wait();
    assert!(!st.success());
    assert!(err.contains("nothing was deleted"), "{err}");
    let left = stick.list();
    assert_eq!(left[0]["text"], "keep me");
}

#[test]
fn messages_already_stored_are_swept_at_start_and_announced_once() {
    let stick = Stick::start("");
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("sms");
    let mut w = stick.watch(&dir, &[]);
    let got = w.messages_for(Duration::from_secs(2));
    // Every received message (not the one the SIM sent), the long one joined.
    let indexes: Vec<&Value> = got.iter().map(|m| &m["indexes"]).collect();
    assert_eq!(
        indexes,
        [
            &serde_json::json!([0]),
            &serde_json::json!([1]),
            &serde_json::json!([3, 2]),
            &serde_json::json!([4]),
            &serde_json::json!([6])
        ]
    );
    assert_eq!(got[1]["text"], "Darmok! Darmok and Jalad at Tanagra");
    w.stop();
    // A second run finds them saved already: nothing is announced (or run) twice.
    let mut w = stick.watch(&dir, &[]);
    assert!(w.messages_for(Duration::from_secs(2)).is_empty());
    // In text, one line per message.
    w.stop();
    let t2 = tempfile::tempdir().unwrap();
    let out = {
        let mut c = stick.dongle();
        c.args(["sms", "watch", "1-1.1", "--save"]).arg(t2.path());
        let mut child = c
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = lines_of(child.stdout.take().unwrap());
        let mut seen = Vec::new();
        while let Ok(l) = lines.recv_timeout(Duration::from_secs(3)) {
            seen.push(l);
            if seen.len() == 5 {
                break;
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        seen
    };
    assert!(
        out.iter()
            .any(|l| l.contains("from +16122001127: Darmok! Darmok and Jalad at Tanagra  [saved ")),
        "{out:?}"
    );
}

#[test]
fn a_full_store_is_reported() {
    // Seven messages in seven slots.
    let mut stick = Stick::start("[sms]\ncapacity = 7\n");
    let t = tempfile::tempdir().unwrap();
    let mut c = stick.dongle();
    c.args(["--json", "sms", "watch", "1-1.1", "--save"])
        .arg(t.path());
    let mut w = Watcher::start(c);
    let full = w.next("store_full");
    assert_eq!(
        (full["used"].as_u64(), full["total"].as_u64()),
        (Some(7), Some(7))
    );
    assert!(
        full["text"].as_str().unwrap().contains("--delete"),
        "{full}"
    );
    // The network's next message finds no room: the modem says ^SMMEMFULL, and so do we.
    assert_eq!(stick.sms("no room"), "sms 1: slots full");
    w.next("store_full");
    w.stop();
    // With --delete, the swept messages make room, and the next one arrives.
    let mut w = stick.watch(t.path(), &["--delete"]);
    w.next("store_full");
    assert_eq!(stick.sms("room now"), "sms 1: slots 0");
    let m = w.next("message");
    assert_eq!(m["text"], "room now");
    w.stop();
}

#[test]
fn a_three_part_message_comes_out_once_joined() {
    let mut stick = Stick::start(EMPTY);
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("sms");
    let mut w = stick.watch(&dir, &["--delete", "--parts-timeout", "3"]);
    let text = (0..40)
        .map(|i| format!("line {i:02}"))
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(text.len(), 319);
    assert_eq!(stick.sms(&text), "sms 1: slots 0, 1, 2");
    let mut got = vec![w.next("message")];
    got.extend(w.messages_for(Duration::from_secs(1)));
    assert_eq!(got.len(), 1, "once, not once per part: {got:#?}");
    assert_eq!(got[0]["text"], text.as_str());
    assert_eq!(got[0]["total_parts"], 3);
    assert_eq!(got[0]["deleted"], serde_json::json!([0, 1, 2]));
    // Each part was saved as it came.
    assert_eq!(std::fs::read_dir(dir.join("parts")).unwrap().count(), 3);

    // One part of a two-part message whose other part never comes: announced after the
    // time-out, the missing part named.
    let part1 = dongle_sim::firmware::sms::INBOX[3].2;
    let sent = Instant::now();
    stick.command(&format!("sms 1 pdu {part1}"), "sms 1:");
    let m = w.next("message");
    assert!(
        sent.elapsed() >= Duration::from_secs(2),
        "{:?}",
        sent.elapsed()
    );
    assert_eq!(m["missing_parts"], serde_json::json!([2]));
    assert!(m["text"]
        .as_str()
        .unwrap()
        .starts_with("This is a very long test"));
    w.stop();
}

#[test]
fn sigterm_ends_it_cleanly_and_an_unplugged_stick_is_exit_7() {
    let mut stick = Stick::start(EMPTY);
    let t = tempfile::tempdir().unwrap();
    let w = stick.watch(t.path(), &[]);
    let started = Instant::now();
    let (st, err) = w.stop();
    assert_eq!(st.code(), Some(0), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));

    let mut w = stick.watch(t.path(), &[]);
    stick.command("unplug 1", "unplugged");
    let (st, err) = w.wait();
    assert_eq!(st.code(), Some(7), "{err}");
    assert!(err.contains("stopped watching"), "{err}");
    assert!(err.contains("exit code 7"), "{err}");
}

#[test]
fn hilink_inbox_is_polled() {
    let h = HilinkServer::start("127.0.0.1:0", HilinkOptions::default()).unwrap();
    let (inbox, _) = h.sms_counts();
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("sms");
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("dongle"));
    c.env("DONGLE_LOCK_DIR", t.path())
        .env_remove("DONGLE_LOG")
        .env_remove("DONGLE_HILINK_PASSWORD")
        .env_remove("DONGLE_HILINK_URL")
        .args(["--json", "sms", "watch"])
        .arg(h.url())
        .args(["--interval", "1", "--delete", "--save"])
        .arg(&dir);
    let mut w = Watcher::start(c);
    // What was in the inbox, then the new one.
    let swept = w.messages_for(Duration::from_secs(3));
    assert_eq!(swept.len(), inbox);
    assert_eq!(h.sms_counts().0, 0, "swept messages are deleted once saved");
    let i = h.receive_sms(
        "+4917012345678",
        "Your code: 4711 $(reboot)",
        "2026-12-06 04:10:00",
    );
    let m = w.next("message");
    assert_eq!(m["text"], "Your code: 4711 $(reboot)");
    assert_eq!(m["deleted"], serde_json::json!([i]));
    let saved = read_json(Path::new(m["saved"].as_str().unwrap()));
    assert_eq!(saved["message"]["number"], "+4917012345678");
    assert_eq!(h.sms_counts().0, 0);
    let (st, err) = w.stop();
    assert!(st.success(), "{err}");
}
