//! `dongle at`: raw AT commands, one-shot or interactive. Interactively, an SMS
//! command (`AT+CMGS=<len>`) waits for the next line, the PDU: the two go to the
//! modem as one exchange, with ESC if the modem never shows its `> ` prompt.

use crate::cli::AtArgs;
use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::output;
use crate::ports;
use dongle_at::{AtError, AtSession};
use serde::Serialize;
use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

#[derive(Serialize)]
struct Exchange {
    command: String,
    lines: Vec<String>,
    /// The final result as the modem sent it (`OK`, `+CME ERROR: 10`), null on timeout.
    result: Option<String>,
    ok: bool,
    error: Option<String>,
}

/// A word that is an AT command rather than a device.
fn is_command(word: &str) -> bool {
    let w = word.trim();
    w.len() >= 2 && w[..2].eq_ignore_ascii_case("AT") || w.starts_with(['+', '^'])
}

pub fn run(ctx: &Context, args: &AtArgs) -> Result<(), Failure> {
    let (dev, commands) = match args.args.first() {
        Some(first) if !is_command(first) => (Some(first.as_str()), &args.args[1..]),
        _ => (None, &args.args[..]),
    };
    let session = ports::open_control(ctx, dev, args.port.as_deref())?;
    let timeout = args.timeout.map(Duration::from_millis);
    if commands.is_empty() {
        return interactive(&session, timeout);
    }
    let mut log = Vec::new();
    let mut failure = None;
    for cmd in commands {
        let (ex, err) = exchange(&session, cmd, timeout);
        if !ctx.global.json {
            print_exchange(&ex);
        }
        log.push(ex);
        if let Some(e) = err {
            failure = Some(e);
            break;
        }
    }
    if ctx.global.json {
        output::json(&log);
    }
    match failure {
        None => Ok(()),
        Some(AtError::Rejected { .. }) => Err(Failure::new(Exit::Modem, "")),
        Some(e) => Err(e.into()),
    }
}

fn exchange(
    session: &AtSession,
    cmd: &str,
    timeout: Option<Duration>,
) -> (Exchange, Option<AtError>) {
    let t = timeout.unwrap_or_else(|| session.timeouts().for_command(cmd));
    let result = session.command_with(cmd, t, None);
    let mut ex = Exchange {
        command: cmd.to_string(),
        lines: Vec::new(),
        result: None,
        ok: false,
        error: None,
    };
    match result {
        Ok(r) => {
            ex.lines = r.lines;
            ex.result = Some(r.result.to_string());
            ex.ok = true;
            (ex, None)
        }
        Err(e) => {
            if let AtError::Rejected { result, .. } = &e {
                ex.result = Some(result.to_string());
            }
            ex.error = Some(e.to_string());
            (ex, Some(e))
        }
    }
}

fn print_exchange(ex: &Exchange) {
    for l in &ex.lines {
        println!("{l}");
    }
    match (&ex.result, &ex.error) {
        (Some(r), _) => println!("{r}"),
        (None, Some(e)) => eprintln!("dongle: {e}"),
        (None, None) => {}
    }
}

/// How long the modem has to show `> ` after an SMS command.
const PROMPT_WAIT: Duration = Duration::from_secs(5);
/// How long the network has to take the message after the PDU.
const SMS_WAIT: Duration = Duration::from_secs(60);

/// 27.005 commands followed by message text after a `> ` prompt.
fn takes_text(command: &str) -> bool {
    let c = command.trim().to_ascii_uppercase();
    ["AT+CMGS=", "AT+CMGW=", "AT+CMGC="]
        .iter()
        .any(|p| c.starts_with(p))
}

/// An SMS command and its PDU as one exchange (AtSession::command_with_prompt): the port is
/// held from the command to the modem's answer, so no URC reader or other command can come
/// between, and a prompt that never comes is cancelled with ESC (a modem left waiting would
/// take the next command as message text).
fn sms_entry(
    session: &AtSession,
    command: &str,
    pdu: &str,
    prompt_wait: Duration,
    timeout: Duration,
) {
    match session.command_with_prompt(command, pdu, prompt_wait, timeout) {
        Ok(r) => print_exchange(&Exchange {
            command: command.to_string(),
            lines: r.lines,
            result: Some(r.result.to_string()),
            ok: true,
            error: None,
        }),
        Err(e @ AtError::InvalidCommand { .. }) => eprintln!(
            "dongle: {e}\nfix: give the message as a PDU in hex (AT+CMGF=0) or as plain ASCII text (AT+CMGF=1), or send any text with `dongle sms send NUMBER TEXT`"
        ),
        Err(e) => eprintln!("dongle: {e}"),
    }
}

/// Read commands from stdin, print answers and, as they come, URCs.
fn interactive(session: &AtSession, timeout: Option<Duration>) -> Result<(), Failure> {
    let tty = std::io::stdin().is_terminal();
    if tty {
        eprintln!(
            "Connected to {}. Type AT commands; Ctrl-D or `exit` to leave.",
            session.port()
        );
    }
    interactive_from(session, timeout, std::io::stdin().lock(), tty, PROMPT_WAIT)
}

/// The interactive loop over any input. After `AT+CMGS=<len>` (and `+CMGW`, `+CMGC`) the next
/// line is the message: both go to the modem together once it is typed.
fn interactive_from(
    session: &AtSession,
    timeout: Option<Duration>,
    input: impl BufRead,
    tty: bool,
    prompt_wait: Duration,
) -> Result<(), Failure> {
    let urcs = session.subscribe();
    std::thread::spawn(move || {
        for u in urcs {
            println!("{}", u.line);
            if let Some(b) = u.body {
                println!("{b}");
            }
        }
    });
    let mut pending_sms: Option<String> = None;
    let mut lines = input.lines();
    loop {
        if tty {
            eprint!("{}", if pending_sms.is_some() { "> " } else { "at> " });
            let _ = std::io::stderr().flush();
        }
        let Some(Ok(line)) = lines.next() else { break };
        let line = line.trim().to_string();
        if let Some(command) = pending_sms.take() {
            if line.is_empty() {
                eprintln!("dongle: no message given: {command} was not sent");
            } else {
                sms_entry(
                    session,
                    &command,
                    &line,
                    prompt_wait,
                    timeout.unwrap_or(SMS_WAIT),
                );
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        if line.eq_ignore_ascii_case("exit") || line.eq_ignore_ascii_case("quit") {
            break;
        }
        if takes_text(&line) {
            pending_sms = Some(line);
            continue;
        }
        let (ex, err) = exchange(session, &line, timeout);
        print_exchange(&ex);
        if let Some(e @ AtError::PortGone { .. }) = err {
            return Err(e.into());
        }
    }
    if let Some(command) = pending_sms {
        eprintln!("dongle: no message given: {command} was not sent");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    use std::sync::mpsc;

    const PDU: &str = "0011000B916121021021F70000AA0AE8329BFD4697D9EC37";

    /// A modem that shows `> ` after AT+CMGS (or never, `prompt` false); every byte it
    /// receives is reported.
    fn modem(prompt: bool) -> (AtSession, mpsc::Receiver<u8>) {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = Vec::new();
            let mut b = [0u8; 1];
            while let Ok(1) = theirs.read(&mut b) {
                let _ = tx.send(b[0]);
                let reply: &[u8] = match b[0] {
                    b'\r' => {
                        let cmd = String::from_utf8_lossy(&std::mem::take(&mut line)).to_string();
                        match cmd.as_str() {
                            c if c.starts_with("AT+CMGS=") && prompt => b"\r\n> ",
                            c if c.starts_with("AT+CMGS=") => b"",
                            _ => b"\r\nOK\r\n",
                        }
                    }
                    0x1a => {
                        line.clear();
                        b"\r\n+CMGS: 7\r\n\r\nOK\r\n"
                    }
                    0x1b => {
                        line.clear();
                        b""
                    }
                    c => {
                        line.push(c);
                        b""
                    }
                };
                if theirs.write_all(reply).is_err() {
                    return;
                }
            }
        });
        (AtSession::new(ours), rx)
    }

    fn received(rx: &mpsc::Receiver<u8>) -> String {
        std::thread::sleep(Duration::from_millis(100));
        String::from_utf8_lossy(&rx.try_iter().collect::<Vec<u8>>()).into_owned()
    }

    #[test]
    fn the_pdu_follows_the_prompt_in_one_exchange() {
        let (s, rx) = modem(true);
        let input = format!("AT+CMGS=23\n{PDU}\nAT\nexit\n");
        interactive_from(&s, None, input.as_bytes(), false, Duration::from_secs(1)).unwrap();
        assert_eq!(received(&rx), format!("AT+CMGS=23\r{PDU}\u{1a}AT\r"));
    }

    #[test]
    fn a_prompt_that_never_comes_is_cancelled_with_esc() {
        let (s, rx) = modem(false);
        let input = format!("AT+CMGS=23\n{PDU}\nAT\n");
        interactive_from(
            &s,
            None,
            input.as_bytes(),
            false,
            Duration::from_millis(300),
        )
        .unwrap();
        let sent = received(&rx);
        // ESC right after the command: the PDU never went out as a command, and the next
        // command reached a modem that is not waiting for text.
        assert!(sent.starts_with("AT+CMGS=23\r\u{1b}"), "{sent:?}");
        assert!(!sent.contains(PDU), "{sent:?}");
        assert!(sent.ends_with("AT\r"), "{sent:?}");
    }

    #[test]
    fn text_that_is_not_a_pdu_is_not_sent() {
        let (s, rx) = modem(true);
        let input = "AT+CMGS=5\nhello world\x1aAT+CFUN=0\n";
        interactive_from(&s, None, input.as_bytes(), false, Duration::from_secs(1)).unwrap();
        assert_eq!(received(&rx), "");
        // Without a message line the command is not sent either.
        let (s, rx) = modem(true);
        interactive_from(
            &s,
            None,
            "AT+CMGS=5\n".as_bytes(),
            false,
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(received(&rx), "");
    }
}
