//! `AtSession::command_with_prompt` (27.005 §3.5.1: `+CMGS` → `> ` → PDU +
//! Ctrl-Z → `+CMGS: <mr>` / `+CMS ERROR`) against a scripted modem.

use dongle_at::{AtError, AtSession, ErrorCode, FinalResult};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

/// How the fake modem answers `AT+CMGS=…`.
#[derive(Clone, Copy)]
enum Cmgs {
    /// Prompt, then echo the PDU and answer `+CMGS: 7`.
    Send,
    /// Prompt, then `+CMS ERROR: 500` after the PDU.
    FailAfterPdu,
    /// No prompt at all.
    Silent,
    /// `+CMS ERROR: 330` instead of the prompt.
    NoSmsc,
    /// `OK` instead of the prompt.
    Ok,
    /// The prompt with a URC right behind it in the same write.
    PromptThenUrc,
}

/// The session, and every byte the modem received, one chunk per command
/// line / PDU / ESC.
fn modem(mode: Cmgs) -> (AtSession, Receiver<Vec<u8>>) {
    let (ours, mut theirs) = UnixStream::pair().unwrap();
    let (seen_tx, seen) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = Vec::new();
        let mut b = [0u8; 1];
        let mut in_prompt = false;
        while let Ok(1) = theirs.read(&mut b) {
            let reply: Option<Vec<u8>> = match b[0] {
                0x1B => {
                    in_prompt = false;
                    let _ = seen_tx.send(vec![0x1B]);
                    buf.clear();
                    None
                }
                0x1A if in_prompt => {
                    in_prompt = false;
                    let pdu = std::mem::take(&mut buf);
                    let _ = seen_tx.send(pdu.clone());
                    let mut r = pdu;
                    r.extend_from_slice(match mode {
                        Cmgs::FailAfterPdu => b"\r\n+CMS ERROR: 500\r\n".as_slice(),
                        _ => b"\r\n+CMGS: 7\r\n\r\nOK\r\n".as_slice(),
                    });
                    Some(r)
                }
                b'\r' if !in_prompt => {
                    let cmd = String::from_utf8_lossy(&buf).to_string();
                    buf.clear();
                    let _ = seen_tx.send(cmd.clone().into_bytes());
                    if cmd.starts_with("AT+CMGS=") {
                        match mode {
                            Cmgs::Send | Cmgs::FailAfterPdu => {
                                in_prompt = true;
                                Some(format!("{cmd}\r\r\n> ").into_bytes())
                            }
                            Cmgs::PromptThenUrc => {
                                in_prompt = true;
                                Some(b"\r\n> \r\n^RSSI:15\r\n".to_vec())
                            }
                            Cmgs::Silent => None,
                            Cmgs::NoSmsc => Some(b"\r\n+CMS ERROR: 330\r\n".to_vec()),
                            Cmgs::Ok => Some(b"\r\nOK\r\n".to_vec()),
                        }
                    } else {
                        Some(format!("{cmd}\r\r\nOK\r\n").into_bytes())
                    }
                }
                other => {
                    buf.push(other);
                    None
                }
            };
            if let Some(r) = reply {
                if theirs.write_all(&r).is_err() {
                    return;
                }
            }
        }
    });
    (AtSession::new(ours), seen)
}

const PDU: &str = "0001000B915155661632F400001954747A0E4ACF41F27298CDCE83C6EF371B0481402010";
const SECOND: Duration = Duration::from_secs(1);

fn send(s: &AtSession) -> Result<dongle_at::Response, AtError> {
    s.command_with_prompt("AT+CMGS=35", PDU, SECOND, SECOND)
}

#[test]
fn pdu_goes_after_the_prompt_and_the_reference_comes_back() {
    let (s, seen) = modem(Cmgs::Send);
    let r = send(&s).unwrap();
    assert_eq!(r.lines, vec!["+CMGS: 7"]);
    assert_eq!(r.result, FinalResult::Ok);
    assert_eq!(seen.recv_timeout(SECOND).unwrap(), b"AT+CMGS=35");
    assert_eq!(seen.recv_timeout(SECOND).unwrap(), PDU.as_bytes());
    // The session is free for the next command.
    assert_eq!(s.command("AT").unwrap().result, FinalResult::Ok);
}

#[test]
fn no_prompt_aborts_with_esc_and_the_port_stays_usable() {
    let (s, seen) = modem(Cmgs::Silent);
    let t = Instant::now();
    let err = s
        .command_with_prompt("AT+CMGS=35", PDU, Duration::from_millis(300), SECOND)
        .unwrap_err();
    assert!(matches!(err, AtError::Timeout { .. }), "{err}");
    assert!(t.elapsed() < SECOND);
    assert_eq!(seen.recv_timeout(SECOND).unwrap(), b"AT+CMGS=35");
    // ESC, and never the PDU.
    assert_eq!(seen.recv_timeout(SECOND).unwrap(), [0x1B]);
    assert_eq!(s.command("AT").unwrap().result, FinalResult::Ok);
    assert_eq!(seen.recv_timeout(SECOND).unwrap(), b"AT");
}

#[test]
fn errors_instead_of_the_prompt() {
    let (s, seen) = modem(Cmgs::NoSmsc);
    let err = send(&s).unwrap_err();
    assert_eq!(
        err.result(),
        Some(&FinalResult::Cms(ErrorCode::Numeric(330)))
    );
    assert!(err.to_string().contains("SMSC address unknown"), "{err}");
    let (s2, _) = modem(Cmgs::Ok);
    assert!(matches!(send(&s2).unwrap_err(), AtError::NoPrompt { .. }));
    // No PDU was written after a refusal.
    assert_eq!(seen.recv_timeout(SECOND).unwrap(), b"AT+CMGS=35");
    assert!(seen.recv_timeout(Duration::from_millis(200)).is_err());
}

#[test]
fn error_after_the_pdu() {
    let (s, _) = modem(Cmgs::FailAfterPdu);
    let err = send(&s).unwrap_err();
    assert_eq!(
        err.result(),
        Some(&FinalResult::Cms(ErrorCode::Numeric(500)))
    );
}

/// Text mode (AT+CMGF=1, 27.005 §4.3): the body is the message text itself, spaces and all,
/// as `dongle at` users type it.
#[test]
fn text_mode_text_with_spaces_goes_after_the_prompt() {
    let (s, seen) = modem(Cmgs::Send);
    let r = s
        .command_with_prompt(
            "AT+CMGS=\"+352621123456\"",
            "Hello from dongle",
            SECOND,
            SECOND,
        )
        .unwrap();
    assert_eq!(r.result, FinalResult::Ok);
    assert_eq!(
        seen.recv_timeout(SECOND).unwrap(),
        b"AT+CMGS=\"+352621123456\""
    );
    assert_eq!(seen.recv_timeout(SECOND).unwrap(), b"Hello from dongle");
}

#[test]
fn text_that_could_escape_the_prompt_is_refused() {
    let (s, seen) = modem(Cmgs::Send);
    for bad in ["00\u{1a}AT+CFUN=0", "00\r\nAT", "", "00\u{1b}11", "00\t11"] {
        let err = s
            .command_with_prompt("AT+CMGS=1", bad, SECOND, SECOND)
            .unwrap_err();
        assert!(matches!(err, AtError::InvalidCommand { .. }), "{bad:?}");
    }
    assert!(seen.recv_timeout(Duration::from_millis(200)).is_err());
}

#[test]
fn a_urc_right_after_the_prompt_does_not_hide_it() {
    // Huawei PCUI ports send ^RSSI/^HCSQ at any time: one read can hold
    // "> " and the next URC, so the prompt is a line of its own.
    let (s, _) = modem(Cmgs::PromptThenUrc);
    let urcs = s.subscribe();
    let r = send(&s).unwrap();
    assert_eq!(r.lines, vec!["+CMGS: 7"]);
    assert_eq!(urcs.recv_timeout(SECOND).unwrap().name, "^RSSI");
}
