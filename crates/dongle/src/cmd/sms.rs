//! `dongle sms list|read|send|delete`: the messages on the SIM, in PDU mode
//! (27.005 `+CMGL`/`+CMGR`/`+CMGS`/`+CMGD`). Nothing is deleted from the
//! modem before it is saved to a file (cmd/sms_store.rs).

use crate::cli::PortSelect;
use crate::cmd::sms_message::{messages, Message, SavedMessage};
use crate::cmd::{sms_hilink, sms_store};
use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::{output, ports};
use clap::{Args, Subcommand};
use dongle_at::parse::sms::{parse_cmgl_pdu, parse_cmgr_pdu, parse_cpms_read, Storage};
use dongle_at::pdu::{self, Encoding, Outgoing};
use dongle_at::result::ErrorCode;
use dongle_at::{AtError, AtSession, FinalResult};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Subcommand, Debug)]
pub enum SmsCommand {
    /// List the messages on the SIM (the parts of a long message joined); --save keeps a copy.
    List(ListArgs),
    /// Show one message in full (every part of a long message).
    Read(ReadArgs),
    /// Send a text: GSM-7 when every character fits, else UCS-2; split into parts when long.
    Send(SendArgs),
    /// Delete messages from the SIM; each is saved to a file first, and only what was saved
    /// is deleted.
    Delete(DeleteArgs),
    /// Wait for new messages: save each (then --delete it from the SIM), print it, --exec a
    /// command with it; until Ctrl-C or SIGTERM.
    Watch(crate::cmd::sms_watch::WatchArgs),
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub select: PortSelect,
    /// Also save every message to DIR: one JSON file per message, written atomically.
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ReadArgs {
    /// Storage index, from `dongle sms list`.
    pub index: u32,
    #[command(flatten)]
    pub select: PortSelect,
}

/// Which modem, for subcommands whose positional arguments are taken.
#[derive(Args, Debug)]
pub struct Target {
    /// USB path (1-1.4), vid:pid (12d1:1506), index from `dongle list`, or a HiLink stick's
    /// URL (http://192.168.8.1).
    #[arg(long = "device", value_name = "DEV")]
    pub device: Option<String>,
    /// Use this tty directly (path, or a name under --dev such as ttyUSB2).
    #[arg(long, value_name = "TTY", conflicts_with = "device")]
    pub port: Option<String>,
}

#[derive(Args, Debug)]
pub struct SendArgs {
    /// Recipient: digits with an optional leading +, e.g. +4915112345678.
    pub number: String,
    /// The text (or --file).
    #[arg(required_unless_present = "file")]
    pub text: Option<String>,
    /// Read the text from FILE (`-`: standard input); one trailing newline is dropped.
    #[arg(long, value_name = "FILE", conflicts_with = "text")]
    pub file: Option<PathBuf>,
    /// The service centre number, when the SIM has none (+CMS ERROR 330).
    #[arg(long, value_name = "NUMBER")]
    pub smsc: Option<String>,
    #[command(flatten)]
    pub target: Target,
}

#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// Storage indexes, from `dongle sms list`.
    #[arg(value_name = "INDEX", required_unless_present = "all")]
    pub indexes: Vec<u32>,
    /// Every message on the SIM.
    #[arg(long, conflicts_with = "indexes")]
    pub all: bool,
    /// Where the messages are saved first (default: $DONGLE_SMS_DIR, else
    /// /var/lib/dongle/sms for root, else ~/.local/share/dongle/sms).
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
    #[command(flatten)]
    pub target: Target,
}

pub fn run(ctx: &Context, cmd: &SmsCommand) -> Result<(), Failure> {
    let (dev, port) = match cmd {
        SmsCommand::List(a) => (&a.select.device, &a.select.port),
        SmsCommand::Read(a) => (&a.select.device, &a.select.port),
        SmsCommand::Send(a) => (&a.target.device, &a.target.port),
        SmsCommand::Delete(a) => (&a.target.device, &a.target.port),
        SmsCommand::Watch(a) => return crate::cmd::sms_watch::run(ctx, a),
    };
    if let Some(url) = sms_hilink::target(ctx, dev.as_deref(), port.as_deref()) {
        return match cmd {
            SmsCommand::List(a) => sms_hilink::list(ctx, a, &url),
            SmsCommand::Read(a) => sms_hilink::read(ctx, a, &url),
            SmsCommand::Send(a) => sms_hilink::send(ctx, a, &url),
            SmsCommand::Delete(a) => sms_hilink::delete(ctx, a, &url),
            SmsCommand::Watch(_) => Ok(()),
        };
    }
    match cmd {
        SmsCommand::List(a) => list(ctx, a),
        SmsCommand::Read(a) => read(ctx, a),
        SmsCommand::Send(a) => send(ctx, a),
        SmsCommand::Delete(a) => delete(ctx, a),
        SmsCommand::Watch(_) => Ok(()),
    }
}

/// The control port for SMS/USSD; with none, the fix says why. (A HiLink stick
/// found on the bus never gets here: cmd/sms_hilink.rs takes it.)
pub fn open(ctx: &Context, dev: Option<&str>, port: Option<&str>) -> Result<AtSession, Failure> {
    ports::open_control(ctx, dev, port).map_err(|f| {
        if f.exit == Exit::NotFound || f.exit == Exit::Modem {
            Failure::new(
                f.exit,
                format!(
                    "{}\nSMS and USSD need the modem's AT control (PCUI) port, or a HiLink stick's web API: \
                     give its address as DEV (e.g. http://192.168.8.1)",
                    f.message
                ),
            )
        } else {
            f
        }
    })
}

/// PDU mode with numeric errors: what every command here needs.
pub(crate) fn setup(s: &AtSession) -> Result<(), Failure> {
    // Numeric +CMS codes are what the fixes below are keyed on; not fatal if refused.
    let _ = s.command("AT+CMEE=1");
    s.command("AT+CMGF=0")
        .map(|_| ())
        .map_err(|e| sms_failure(e, "switching to PDU mode"))
}

/// Every stored message, `+CMGL=4` (all).
fn fetch(s: &AtSession) -> Result<Vec<Message>, Failure> {
    setup(s)?;
    let r = s
        .command_with("AT+CMGL=4", Duration::from_secs(30), None)
        .map_err(|e| sms_failure(e, "listing the messages"))?;
    let stored = parse_cmgl_pdu(&r.body()).map_err(|e| Failure::new(Exit::Modem, e.to_string()))?;
    Ok(messages(stored))
}

/// Saves every message (the AT port or the HiLink URL it came from goes in the file).
pub(crate) fn save_all(dir: &Path, port: &str, msgs: &mut [Message]) -> Result<(), Failure> {
    let saved_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    for m in msgs.iter_mut() {
        let name = sms_store::file_name(m.time.as_deref(), &sms_hilink::save_key(m));
        let file = SavedMessage {
            format: sms_store::FORMAT,
            saved_at,
            port: port.to_string(),
            message: m,
        };
        let path = sms_store::save(dir, &name, &file)?;
        m.saved = Some(path);
    }
    Ok(())
}

/// Message text made safe for a terminal: anyone can send an SMS, and an
/// ESC or CR in it would otherwise move the cursor, recolour or rewrite what
/// the user sees. Control characters other than a line break are shown
/// escaped (`\u{1b}`); CR is a line break.
pub fn printable(text: &str) -> String {
    // A CR is a line break in SMS text (GSM-7 has both); alone it would rewrite the line.
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .flat_map(|c| {
            let keep = !c.is_control() || c == '\n';
            let shown: Vec<char> = if keep {
                vec![c]
            } else {
                c.escape_unicode().collect()
            };
            shown
        })
        .collect()
}

/// First line of `text`, at most `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let text = printable(text);
    let line = text.lines().next().unwrap_or("");
    let more = line.chars().count() > max || text.lines().nth(1).is_some();
    let short: String = line.chars().take(max).collect();
    if more {
        format!("{short}…")
    } else {
        short
    }
}

pub(crate) fn indexes(ix: &[u32]) -> String {
    ix.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
}

pub(crate) fn print_table(msgs: &[Message]) {
    let mut rows = vec![vec![
        "INDEX".to_string(),
        "STATUS".into(),
        "FROM/TO".into(),
        "TIME".into(),
        "TEXT".into(),
    ]];
    for m in msgs {
        let missing = if m.missing_parts.is_empty() {
            String::new()
        } else {
            format!(" [{} of {} parts]", m.indexes.len(), m.total_parts)
        };
        rows.push(vec![
            indexes(&m.indexes),
            m.status.to_string(),
            printable(&output::or_dash(m.number.as_deref())),
            output::or_dash(m.time.as_deref()),
            format!("{}{missing}", one_line(&m.text, 60)),
        ]);
    }
    output::table(&rows, "");
}

/// The store `+CMGL` reads, if the modem says (`+CPMS?`).
fn storage(s: &AtSession) -> Option<Storage> {
    let r = s.command("AT+CPMS?").ok()?;
    parse_cpms_read(&r.body()).ok()?.into_iter().next()
}

fn list(ctx: &Context, a: &ListArgs) -> Result<(), Failure> {
    let s = open(ctx, a.select.device.as_deref(), a.select.port.as_deref())?;
    let mut msgs = fetch(&s)?;
    if let Some(dir) = &a.save {
        save_all(dir, &s.port(), &mut msgs)?;
    }
    if ctx.global.json {
        output::json(&msgs);
        return Ok(());
    }
    if msgs.is_empty() {
        println!("No messages on the SIM.");
        return Ok(());
    }
    print_table(&msgs);
    let store = storage(&s).map(|st| (st.name, u64::from(st.used), u64::from(st.total)));
    print_list_footer(store, a.save.as_deref(), msgs.len());
    Ok(())
}

/// Under `sms list`'s table, over AT or HiLink: how full the store is (`(name, used, total)`),
/// what a full one means, and where the messages were saved or what to do next.
pub(crate) fn print_list_footer(
    store: Option<(String, u64, u64)>,
    save: Option<&Path>,
    count: usize,
) {
    if let Some((name, used, total)) = store {
        println!("\n{name} store: {used} of {total} used");
        if total > 0 && used >= total {
            println!("The store is full: new messages wait at the network until there is room. Make room with dongle sms delete --all (saves every message first).");
        }
    }
    match save {
        Some(dir) => println!("\nsaved {count} message(s) to {}", dir.display()),
        None => {
            println!("\nnext: dongle sms read INDEX, or dongle sms delete INDEX… (saves first)")
        }
    }
}

fn read(ctx: &Context, a: &ReadArgs) -> Result<(), Failure> {
    let s = open(ctx, a.select.device.as_deref(), a.select.port.as_deref())?;
    setup(&s)?;
    let r = s
        .command(&format!("AT+CMGR={}", a.index))
        .map_err(|e| sms_failure(e, &format!("reading message {}", a.index)))?;
    let mut one =
        parse_cmgr_pdu(&r.body()).map_err(|e| Failure::new(Exit::Modem, e.to_string()))?;
    one.index = Some(a.index);
    let long = pdu::decode_hex(&one.pdu)
        .ok()
        .and_then(|t| t.concat())
        .is_some_and(|c| c.total > 1);
    // A part of a long message: find the others (listing marks them read, as reading does).
    let m = if long {
        fetch(&s)?
            .into_iter()
            .find(|m| m.indexes.contains(&a.index))
            .unwrap_or_else(|| messages(vec![one]).remove(0))
    } else {
        messages(vec![one]).remove(0)
    };
    if ctx.global.json {
        output::json(&m);
    } else {
        print_message(&m);
    }
    Ok(())
}

/// One message in full, as `dongle sms read` shows it.
pub(crate) fn print_message(m: &Message) {
    let who = if m.kind == "submit" { "to" } else { "from" };
    println!("index:   {}", indexes(&m.indexes));
    println!("status:  {}", m.status);
    println!(
        "{:<9}{}",
        format!("{who}:"),
        output::or_dash(m.number.as_deref())
    );
    println!("time:    {}", output::or_dash(m.time.as_deref()));
    if !m.missing_parts.is_empty() {
        println!(
            "parts:   {} of {} (missing {})",
            m.indexes.len(),
            m.total_parts,
            m.missing_parts
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    println!("\n{}", printable(&m.text));
}

/// The text to send, from the argument or a file (`-`: stdin).
pub(crate) fn text_of(a: &SendArgs) -> Result<String, Failure> {
    let usage = |m: String| Failure::new(Exit::Usage, m);
    let text = match (&a.text, &a.file) {
        (Some(t), _) => t.clone(),
        (None, Some(f)) if f.as_os_str() == "-" => {
            let mut t = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut t)
                .map_err(|e| usage(format!("cannot read the text from standard input: {e}")))?;
            t
        }
        (None, Some(f)) => std::fs::read_to_string(f)
            .map_err(|e| usage(format!("cannot read the text from {}: {e}", f.display())))?,
        (None, None) => {
            return Err(usage(
                "no text: give it as an argument or with --file".into(),
            ))
        }
    };
    let text = text.strip_suffix('\n').unwrap_or(&text);
    let text = text.strip_suffix('\r').unwrap_or(text).to_string();
    if text.is_empty() {
        return Err(usage("the text is empty: nothing to send".into()));
    }
    Ok(text)
}

#[derive(Serialize)]
pub(crate) struct SentPart {
    pub seq: u8,
    pub total: u8,
    /// TP-MR the modem gave this part (`+CMGS: <mr>`): status reports refer to it.
    /// Null over HiLink (the stick does not say).
    pub reference: Option<u8>,
    /// Null over HiLink (the stick builds the PDUs).
    pub pdu: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct Sent {
    pub to: String,
    pub encoding: Encoding,
    pub parts: Vec<SentPart>,
}

fn send(ctx: &Context, a: &SendArgs) -> Result<(), Failure> {
    let usage = |e: pdu::PduError| Failure::new(Exit::Usage, e.to_string());
    pdu::validate_number(&a.number).map_err(usage)?;
    if let Some(smsc) = &a.smsc {
        pdu::validate_number(smsc).map_err(usage)?;
    }
    let text = text_of(a)?;
    // Any value works; a different one per message keeps the parts of two
    // long messages to the same number apart.
    let reference = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u8 ^ std::process::id() as u8);
    let parts = pdu::encode_submit(&Outgoing {
        recipient: &a.number,
        text: &text,
        smsc: a.smsc.as_deref(),
        reference,
        status_report: false,
    })
    .map_err(usage)?;
    let encoding = pdu::concat::split(&text).map_err(usage)?.0;
    let s = open(ctx, a.target.device.as_deref(), a.target.port.as_deref())?;
    setup(&s)?;
    let mut sent = Vec::new();
    for p in &parts {
        let r = s
            .command_with_prompt(
                &format!("AT+CMGS={}", p.tpdu_len),
                &p.hex,
                Duration::from_secs(5),
                Duration::from_secs(60),
            )
            .map_err(|e| {
                let done = if sent.is_empty() {
                    String::new()
                } else {
                    format!(" (parts 1–{} were sent)", sent.len())
                };
                let f = sms_failure(e, &format!("sending part {}/{}", p.seq, p.total));
                Failure::new(f.exit, format!("{}{done}", f.message))
            })?;
        let reference = r
            .lines
            .iter()
            .find_map(|l| l.trim().strip_prefix("+CMGS:"))
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok());
        sent.push(SentPart {
            seq: p.seq,
            total: p.total,
            reference,
            pdu: Some(p.hex.clone()),
        });
    }
    let out = Sent {
        to: a.number.clone(),
        encoding,
        parts: sent,
    };
    if ctx.global.json {
        output::json(&out);
        return Ok(());
    }
    let refs: Vec<String> = out
        .parts
        .iter()
        .map(|p| output::or_dash(p.reference))
        .collect();
    let enc = match encoding {
        Encoding::Gsm7 => "GSM-7",
        Encoding::Ucs2 => "UCS-2",
        Encoding::EightBit => "8-bit",
    };
    println!(
        "Sent to {} in {} part(s), {enc}: message reference(s) {}",
        out.to,
        out.parts.len(),
        refs.join(", ")
    );
    Ok(())
}

#[derive(Serialize)]
pub(crate) struct Deleted {
    pub deleted: Vec<u32>,
    /// Indexes whose message changed (or went) since it was saved: left alone.
    pub changed: Vec<u32>,
    pub saved: Vec<PathBuf>,
}

/// What [`delete_saved`] did.
#[derive(Default)]
pub(crate) struct Deletion {
    pub deleted: Vec<u32>,
    /// Slots whose message changed (or went) since it was saved: left alone.
    pub changed: Vec<u32>,
    /// The `AT+CMGD` that failed; the ones before it are in `deleted`.
    pub failure: Option<Failure>,
}

/// Deletes each `(index, pdu)` only if the slot still holds that PDU: the
/// port is ours, but another program on another port could have deleted a
/// saved message and a new one taken its slot.
pub(crate) fn delete_saved(s: &AtSession, targets: &[(u32, &str)]) -> Deletion {
    let mut d = Deletion::default();
    for &(i, pdu) in targets {
        let same = s
            .command(&format!("AT+CMGR={i}"))
            .ok()
            .and_then(|r| parse_cmgr_pdu(&r.body()).ok())
            .is_some_and(|now| now.pdu.eq_ignore_ascii_case(pdu));
        if !same {
            d.changed.push(i);
            continue;
        }
        match s.command(&format!("AT+CMGD={i}")) {
            Ok(_) => d.deleted.push(i),
            Err(e) => {
                d.failure = Some(sms_failure(e, &format!("deleting message {i}")));
                break;
            }
        }
    }
    d
}

fn delete(ctx: &Context, a: &DeleteArgs) -> Result<(), Failure> {
    let s = open(ctx, a.target.device.as_deref(), a.target.port.as_deref())?;
    let all = fetch(&s)?;
    let stored: Vec<u32> = all.iter().flat_map(|m| m.indexes.clone()).collect();
    // Bad input changes nothing: every index is checked before the first save.
    if let Some(i) = a.indexes.iter().find(|i| !stored.contains(i)) {
        return Err(Failure::new(
            Exit::NotFound,
            format!(
                "no message at index {i} on the SIM (see `dongle sms list`); nothing was deleted"
            ),
        ));
    }
    let wanted = |i: &u32| a.all || a.indexes.contains(i);
    // The whole message is saved even when only some of its parts are deleted.
    let mut chosen: Vec<Message> = all
        .into_iter()
        .filter(|m| m.indexes.iter().any(wanted))
        .collect();
    let dir = a.save.clone().unwrap_or_else(sms_store::default_dir);
    save_all(&dir, &s.port(), &mut chosen)?;
    let targets: Vec<(u32, &str)> = chosen
        .iter()
        .flat_map(|m| {
            m.indexes
                .iter()
                .copied()
                .zip(m.pdus.iter().map(String::as_str))
        })
        .filter(|(i, _)| wanted(i))
        .collect();
    let Deletion {
        deleted,
        changed,
        failure,
    } = delete_saved(&s, &targets);
    if let Some(f) = failure {
        return Err(Failure::new(
            f.exit,
            format!(
                "{} (deleted before it: {}; every message is saved in {})",
                f.message,
                indexes(&deleted),
                dir.display()
            ),
        ));
    }
    let out = Deleted {
        deleted,
        changed,
        saved: chosen.iter().filter_map(|m| m.saved.clone()).collect(),
    };
    print_deleted(ctx, &out, &dir, "the SIM");
    Ok(())
}

/// What `sms delete` did, over AT (`from`: "the SIM") or HiLink ("the stick").
pub(crate) fn print_deleted(ctx: &Context, out: &Deleted, dir: &Path, from: &str) {
    if ctx.global.json {
        output::json(out);
        return;
    }
    println!(
        "Saved {} message(s) to {}, then deleted index(es) {} from {from}.",
        out.saved.len(),
        dir.display(),
        indexes(&out.deleted)
    );
    if !out.changed.is_empty() {
        println!(
            "Left index(es) {} alone: they changed since they were saved (run dongle sms delete again).",
            indexes(&out.changed)
        );
    }
}

/// `+CMS ERROR` codes (27.005 §3.2.5) and the SIM states some firmware
/// reports as `+CME ERROR`: what it means here and what to do.
fn fix_for(result: &FinalResult) -> Option<&'static str> {
    let code = match result {
        FinalResult::Cms(ErrorCode::Numeric(n)) | FinalResult::Cme(ErrorCode::Numeric(n)) => *n,
        _ => return None,
    };
    let cme = matches!(result, FinalResult::Cme(_));
    Some(match (cme, code) {
        (false, 310) | (true, 10) => "insert a SIM card (with the stick unplugged), then retry",
        (false, 311) | (true, 11) => "unlock the SIM first: dongle unlock --pin-file FILE",
        (false, 316) | (true, 12) => "the SIM is PUK-locked: dongle unlock --puk-file FILE --pin-file NEWPIN",
        (false, 313..=315) | (true, 13..=15) => {
            "the SIM is busy or failing: wait a few seconds and retry; if it persists, reseat the SIM"
        }
        (false, 321) => "no message at that index: see `dongle sms list`",
        (false, 322) => "the SIM's message store is full: dongle sms delete --all (saves every message first)",
        (false, 330) => "the SIM has no SMS service centre number: dongle sms send --smsc +NUMBER … (your operator's SMSC), or store it once with dongle at 'AT+CSCA=\"+NUMBER\"'",
        (false, 331) | (true, 30) => "no network: check registration and signal with `dongle info`",
        (false, 332) => "the network did not answer in time: retry",
        (false, 304) => "the modem refused the PDU: please report this with `dongle -vv`'s output",
        (false, 500) => "the network or modem refused without saying why: often no credit, SMS barred on the plan, or a wrong SMSC (check with dongle at AT+CSCA? and your balance with dongle ussd)",
        _ => return None,
    })
}

/// An AT failure during `doing`, with the fix when the code has one.
pub fn sms_failure(e: AtError, doing: &str) -> Failure {
    let fix = e.result().and_then(fix_for);
    let f = Failure::from(e);
    match fix {
        Some(fix) => Failure::new(f.exit, format!("{doing}: {}\nfix: {fix}", f.message)),
        None => Failure::new(f.exit, format!("{doing}: {}", f.message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    use std::sync::mpsc;

    const A: &str = "07916163838428F9040B916121021021F700005190514164220A23C4B0BCFD5E8740C4B0BCFD5E83C26E3248196687C9A0301D440DBBC3677918";
    const B: &str =
        "07919730071111F10414D04937BD2C7797E9D3E614000811309291024061080442043504410442";

    /// A modem whose slot 1 holds A and slot 2 holds B; every command line is reported.
    fn modem() -> (AtSession, mpsc::Receiver<String>) {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = Vec::new();
            let mut b = [0u8; 1];
            while let Ok(1) = theirs.read(&mut b) {
                if b[0] != b'\r' {
                    line.push(b[0]);
                    continue;
                }
                let cmd = String::from_utf8_lossy(&std::mem::take(&mut line)).to_string();
                let _ = tx.send(cmd.clone());
                let reply = match cmd.as_str() {
                    "AT+CMGR=1" => format!("\r\n+CMGR: 1,,50\r\n{A}\r\n\r\nOK\r\n"),
                    "AT+CMGR=2" => format!("\r\n+CMGR: 0,,39\r\n{B}\r\n\r\nOK\r\n"),
                    "AT+CMGR=3" => "\r\n+CMS ERROR: 321\r\n".to_string(),
                    _ => "\r\nOK\r\n".to_string(),
                };
                if theirs.write_all(reply.as_bytes()).is_err() {
                    return;
                }
            }
        });
        (AtSession::new(ours), rx)
    }

    #[test]
    fn message_text_cannot_drive_the_terminal() {
        assert_eq!(printable("a\u{1b}[2Jb\r\nc\u{7}"), "a\\u{1b}[2Jb\nc\\u{7}");
        assert_eq!(printable("fake\rreal"), "fake\nreal");
        assert_eq!(printable("тест 😀\nok"), "тест 😀\nok");
        assert_eq!(
            one_line("x\u{1b}]0;title\u{7}\nsecond", 60),
            "x\\u{1b}]0;title\\u{7}…"
        );
    }

    #[test]
    fn only_slots_that_still_hold_the_saved_pdu_are_deleted() {
        let (s, seen) = modem();
        // Saved: A at 1 (unchanged), A at 2 (now B: replaced), A at 3 (gone).
        let d = delete_saved(&s, &[(1, A), (2, A), (3, A)]);
        assert_eq!(d.deleted, [1]);
        assert_eq!(d.changed, [2, 3]);
        assert!(d.failure.is_none());
        let sent: Vec<String> = seen.try_iter().collect();
        assert_eq!(sent, ["AT+CMGR=1", "AT+CMGD=1", "AT+CMGR=2", "AT+CMGR=3"]);
        // Lower-case hex from some firmware is the same PDU.
        let d = delete_saved(&s, &[(2, &B.to_ascii_lowercase())]);
        assert_eq!(d.deleted, [2]);
    }
}
