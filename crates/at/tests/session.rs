//! The session against a scripted modem on a Unix socket pair: responses,
//! URCs routed while a command runs, timeouts, cancellation, unplug.

use dongle_at::{AtError, AtSession, CancelToken, FinalResult};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::thread;
use std::time::{Duration, Instant};

/// A fake modem: answers each command line with what `reply` returns.
fn modem(reply: impl Fn(&str) -> Option<Vec<u8>> + Send + 'static) -> AtSession {
    let (ours, mut theirs) = UnixStream::pair().unwrap();
    thread::spawn(move || {
        let mut line = Vec::new();
        let mut b = [0u8; 1];
        while let Ok(1) = theirs.read(&mut b) {
            if b[0] == b'\r' {
                let cmd = String::from_utf8_lossy(&line).to_string();
                line.clear();
                let answer = reply(&cmd);
                if cmd == "AT+UNPLUG" {
                    return;
                }
                if let Some(bytes) = answer {
                    if theirs.write_all(&bytes).is_err() {
                        return;
                    }
                }
            } else {
                line.push(b[0]);
            }
        }
    });
    AtSession::new(ours)
}

#[test]
fn query_with_echo_and_interleaved_urc() {
    let s = modem(|cmd| {
        Some(format!("{cmd}\r\r\n+CSQ: 15,99\r\n\r\n^RSSI:15\r\n\r\nOK\r\n").into_bytes())
    });
    let urcs = s.subscribe();
    let r = s.command("AT+CSQ").unwrap();
    assert_eq!(r.lines, vec!["+CSQ: 15,99"]);
    assert_eq!(r.result, FinalResult::Ok);
    let u = urcs.recv_timeout(Duration::from_secs(1)).unwrap();
    assert_eq!((u.name.as_str(), u.value()), ("^RSSI", "15"));
}

#[test]
fn cme_error_is_rejected_with_code() {
    let s = modem(|_| Some(b"\r\n+CME ERROR: 10\r\n".to_vec()));
    let err = s.command("AT+CIMI").unwrap_err();
    assert!(err.to_string().contains("SIM not inserted"), "{err}");
    assert!(matches!(err.result(), Some(FinalResult::Cme(_))));
}

#[test]
fn silent_modem_times_out_quickly_and_session_stays_usable() {
    let s = modem(|cmd| (cmd != "AT+SLOW").then(|| b"\r\nOK\r\n".to_vec()));
    let t = Instant::now();
    let err = s
        .command_with("AT+SLOW", Duration::from_millis(200), None)
        .unwrap_err();
    assert!(matches!(err, AtError::Timeout { .. }), "{err}");
    assert!(t.elapsed() < Duration::from_secs(2));
    assert_eq!(s.command("AT").unwrap().result, FinalResult::Ok);
}

#[test]
fn cancellation_stops_a_long_command() {
    let s = modem(|_| None);
    let token = CancelToken::new();
    let t2 = token.clone();
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        t2.cancel();
    });
    let t = Instant::now();
    let err = s
        .command_with("AT+COPS=?", Duration::from_secs(180), Some(&token))
        .unwrap_err();
    assert!(matches!(err, AtError::Cancelled { .. }), "{err}");
    assert!(t.elapsed() < Duration::from_secs(5));
}

#[test]
fn port_vanishing_mid_command_is_a_clean_error() {
    let s = modem(|_| None);
    let t = Instant::now();
    let err = s
        .command_with("AT+UNPLUG", Duration::from_secs(30), None)
        .unwrap_err();
    assert!(matches!(err, AtError::PortGone { .. }), "{err}");
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "must not wait for the timeout"
    );
    // and every later command fails at once
    assert!(matches!(s.command("AT"), Err(AtError::PortGone { .. })));
}

#[test]
fn command_injection_is_refused() {
    let s = modem(|_| Some(b"\r\nOK\r\n".to_vec()));
    for bad in ["AT+CGDCONT=1,\"IP\",\"x\"\rAT+CFUN=0", "AT\x1a", ""] {
        assert!(
            matches!(s.command(bad), Err(AtError::InvalidCommand { .. })),
            "{bad:?}"
        );
    }
}

#[test]
fn at_prefix_is_added_when_missing() {
    let s = modem(|cmd| {
        Some(if cmd == "AT+CGMI" {
            b"\r\nhuawei\r\n\r\nOK\r\n".to_vec()
        } else {
            b"\r\nERROR\r\n".to_vec()
        })
    });
    assert_eq!(s.command("+CGMI").unwrap().lines, vec!["huawei"]);
}

#[test]
fn private_command_hides_the_secret_in_errors() {
    let s = modem(|cmd| {
        Some(if cmd.starts_with("AT+CPIN=") {
            b"\r\n+CME ERROR: 16\r\n".to_vec()
        } else {
            b"\r\nOK\r\n".to_vec()
        })
    });
    let err = s
        .command_private("AT+CPIN=\"4711\"", "AT+CPIN=<PIN>", Duration::from_secs(2))
        .unwrap_err();
    let text = err.to_string();
    assert!(!text.contains("4711"), "{text}");
    assert!(
        text.contains("AT+CPIN=<PIN>") && text.contains("incorrect password"),
        "{text}"
    );
}

#[test]
fn a_late_reply_is_not_taken_for_the_next_command() {
    let s = modem(|cmd| match cmd {
        "AT+SLOW" => {
            // Busy firmware: answers 20 ms after the caller gave up, just as
            // the next command would go out. (A reply later than the quiet
            // window can still slip through; see QUIET in session.rs. 20 ms,
            // not 50: on a loaded CI machine this thread may wake 100 ms late.)
            thread::sleep(Duration::from_millis(170));
            Some(b"\r\n+SLOW: stale\r\n\r\nOK\r\n".to_vec())
        }
        "AT+CGMI" => Some(b"\r\nhuawei\r\n\r\nOK\r\n".to_vec()),
        _ => Some(b"\r\nOK\r\n".to_vec()),
    });
    let err = s
        .command_with("AT+SLOW", Duration::from_millis(150), None)
        .unwrap_err();
    assert!(matches!(err, AtError::Timeout { .. }), "{err}");
    let r = s.command("AT+CGMI").unwrap();
    assert_eq!(
        r.lines,
        vec!["huawei"],
        "the stale +SLOW reply must not leak in"
    );
}
