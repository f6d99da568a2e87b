//! `dongle at`: raw AT commands, one-shot or interactive.

use crate::cli::AtArgs;
use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::output;
use crate::ports;
use dongle_at::{AtError, AtSession, FinalResult};
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

/// Read commands from stdin, print answers and, as they come, URCs.
fn interactive(session: &AtSession, timeout: Option<Duration>) -> Result<(), Failure> {
    let urcs = session.subscribe();
    std::thread::spawn(move || {
        for u in urcs {
            println!("{}", u.line);
            if let Some(b) = u.body {
                println!("{b}");
            }
        }
    });
    let tty = std::io::stdin().is_terminal();
    if tty {
        eprintln!(
            "Connected to {}. Type AT commands; Ctrl-D or `exit` to leave.",
            session.port()
        );
    }
    let stdin = std::io::stdin();
    let mut prompt_pending = false;
    let mut lines = stdin.lock().lines();
    loop {
        if tty {
            eprint!("{}", if prompt_pending { "> " } else { "at> " });
            let _ = std::io::stderr().flush();
        }
        let Some(Ok(line)) = lines.next() else { break };
        let line = line.trim().to_string();
        if prompt_pending {
            // The SMS body after `> `: end it with Ctrl-Z (27.005 §3.5.1).
            prompt_pending = false;
            let mut data = line.into_bytes();
            data.push(0x1a);
            match session.send_raw("SMS body", &data, Duration::from_secs(30)) {
                Ok(r) => print_exchange(&Exchange {
                    command: String::new(),
                    lines: r.lines,
                    result: Some(r.result.to_string()),
                    ok: true,
                    error: None,
                }),
                Err(e) => eprintln!("dongle: {e}"),
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        if line.eq_ignore_ascii_case("exit") || line.eq_ignore_ascii_case("quit") {
            break;
        }
        let (ex, err) = exchange(session, &line, timeout);
        print_exchange(&ex);
        if ex.result.as_deref() == Some(&FinalResult::Prompt.to_string()) {
            prompt_pending = true;
        }
        if let Some(e @ AtError::PortGone { .. }) = err {
            return Err(e.into());
        }
    }
    Ok(())
}
