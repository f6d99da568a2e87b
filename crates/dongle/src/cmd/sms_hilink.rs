//! `dongle sms …` and `dongle ussd` on a HiLink stick: the same commands, output and JSON as
//! over AT, through the stick's web API (crates/hilink `messages.rs`).
//!
//! What differs: the stick keeps messages in its own store (indexes from 40000, inbox and sent
//! box), joins the parts of a long message itself and hands out text, not PDUs; so `pdus` is
//! empty, `encoding` and `class` are null, `time` is the stick's clock without a UTC offset,
//! and a message whose send failed has the status `failed`. The same rule as over AT holds:
//! nothing is deleted before it is saved, and only messages unchanged since they were saved
//! are deleted.

use crate::cmd::hilink::{client_for, failure};
use crate::cmd::sms::{
    print_message, print_table, save_all, text_of, DeleteArgs, Deleted, ListArgs, ReadArgs,
    SendArgs, Sent, SentPart,
};
use crate::cmd::sms_message::Message;
use crate::cmd::sms_store;
use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::output;
use dongle_at::pdu;
use dongle_hilink::{Client, SmsBox, SmsMessage};
use std::time::Duration;

/// How long `send-status` is watched for the network's verdict.
const SEND_WAIT: Duration = Duration::from_secs(60);

/// The HiLink stick SMS/USSD should use instead of an AT port, if any: `DEV` given as a URL,
/// the simulated stick of `--sim e3372-hilink`, or a HiLink stick on the USB bus (the device
/// named, or when nothing was named, the first one while no modem with serial ports is
/// plugged in) at the address its network interface points to.
pub fn target(ctx: &Context, dev: Option<&str>, port: Option<&str>) -> Option<String> {
    if port.is_some() {
        return None;
    }
    match dev {
        Some(d) if dongle_hilink::is_url(d) => Some(d.to_string()),
        None if ctx.sim_hilink_url().is_some() => ctx.sim_hilink_url(),
        Some(spec) => {
            let d = ctx.sysfs.find(spec).ok()?;
            crate::cmd::up_hilink::hilink_netif(&d).map(|iface| url_for_interface(&iface))
        }
        None => {
            let devices = ctx.sysfs.devices().ok()?;
            if devices.iter().any(|d| !d.ttys().is_empty()) {
                return None;
            }
            devices
                .iter()
                .find_map(crate::cmd::up_hilink::hilink_netif)
                .map(|iface| url_for_interface(&iface))
        }
    }
}

/// `$DONGLE_HILINK_URL`, else the first address of the interface's subnet (HiLink sticks are
/// always `.1`; `dongle hilink subnet` may have moved it from 192.168.8.1), else the default.
fn url_for_interface(iface: &str) -> String {
    if let Some(u) = std::env::var("DONGLE_HILINK_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        return u;
    }
    let ip = std::env::var_os("DONGLE_IP").unwrap_or_else(|| "ip".into());
    let out = std::process::Command::new(ip)
        .args(["-4", "-o", "addr", "show", "dev", iface])
        .stdin(std::process::Stdio::null())
        .output();
    out.ok()
        .map(|o| dongle_connect::host::parse_addresses(&String::from_utf8_lossy(&o.stdout)))
        .and_then(|a| a.into_iter().next())
        .and_then(|(addr, prefix)| stick_url(addr, prefix))
        .unwrap_or_else(|| dongle_hilink::DEFAULT_URL.to_string())
}

/// The stick's URL from the host's address on its interface: the subnet's first address.
fn stick_url(addr: std::net::Ipv4Addr, prefix: u8) -> Option<String> {
    if prefix == 0 || prefix >= 31 {
        return None;
    }
    let mask = u32::MAX << (32 - u32::from(prefix));
    let stick = std::net::Ipv4Addr::from((u32::from(addr) & mask) + 1);
    Some(format!("http://{stick}"))
}

/// The stick's `Smstat`: 0 unread, 1 read, 2 draft, 3 sent, 4 send failed.
fn status(smstat: Option<&str>) -> &'static str {
    match smstat.map(str::trim) {
        Some("0") => "unread",
        Some("1") => "read",
        Some("3") => "sent",
        Some("4") => "failed",
        _ => "unsent",
    }
}

/// One message of the stick's store in the AT path's shape.
pub fn message(m: &SmsMessage, bx: SmsBox) -> Message {
    let report = matches!(m.sms_type.as_deref(), Some("7" | "8"));
    let kind = match (report, bx) {
        (true, _) => "status_report",
        (false, SmsBox::Sent) => "submit",
        (false, SmsBox::Inbox) => "deliver",
    };
    let text = match (m.sms_type.as_deref(), m.content.as_deref()) {
        (_, Some(t)) if !t.is_empty() => t.to_string(),
        (Some("7"), _) => "status report: delivered".into(),
        (Some("8"), _) => "status report: failed".into(),
        _ => String::new(),
    };
    Message {
        indexes: m
            .index
            .as_deref()
            .and_then(|i| i.trim().parse().ok())
            .into_iter()
            .collect(),
        status: status(m.smstat.as_deref()),
        kind,
        number: m.phone.clone(),
        // `YYYY-MM-DD hh:mm:ss` on the stick's clock: no UTC offset is known.
        time: m.date.as_deref().map(|d| d.trim().replacen(' ', "T", 1)),
        text,
        encoding: None,
        class: None,
        total_parts: 1,
        missing_parts: Vec::new(),
        pdus: Vec::new(),
        error: None,
        saved: None,
    }
}

/// Every message in the inbox and the sent box.
fn fetch(c: &Client) -> Result<Vec<Message>, Failure> {
    let mut out = Vec::new();
    for bx in [SmsBox::Inbox, SmsBox::Sent] {
        let msgs = c.sms_all(bx).map_err(failure)?;
        out.extend(msgs.iter().map(|m| message(m, bx)));
    }
    Ok(out)
}

fn client(ctx: &Context, url: &str) -> Result<Client, Failure> {
    client_for(ctx, Some(url))
}

pub fn list(ctx: &Context, a: &ListArgs, url: &str) -> Result<(), Failure> {
    let c = client(ctx, url)?;
    let mut msgs = fetch(&c)?;
    if let Some(dir) = &a.save {
        save_all(dir, c.url(), &mut msgs)?;
    }
    if ctx.global.json {
        output::json(&msgs);
        return Ok(());
    }
    if msgs.is_empty() {
        println!("No messages on the stick.");
        return Ok(());
    }
    print_table(&msgs);
    let store = c.sms_count().ok().and_then(|n| {
        let num = |v: &Option<String>| v.as_deref().and_then(|s| s.trim().parse::<u64>().ok());
        let used = num(&n.local_inbox).unwrap_or(0) + num(&n.local_outbox).unwrap_or(0);
        let max = num(&n.local_max).filter(|m| *m > 0)?;
        Some(("stick".to_string(), used, max))
    });
    super::sms::print_list_footer(store, a.save.as_deref(), msgs.len());
    Ok(())
}

pub fn read(ctx: &Context, a: &ReadArgs, url: &str) -> Result<(), Failure> {
    let c = client(ctx, url)?;
    let Some(m) = fetch(&c)?
        .into_iter()
        .find(|m| m.indexes.contains(&a.index))
    else {
        return Err(Failure::new(
            Exit::NotFound,
            format!(
                "no message at index {} on the stick (see `dongle sms list`)",
                a.index
            ),
        ));
    };
    // Reading marks it read, as +CMGR does on a SIM.
    if m.status == "unread" && m.kind == "deliver" {
        c.set_sms_read(a.index).map_err(failure)?;
    }
    if ctx.global.json {
        output::json(&m);
    } else {
        print_message(&m);
    }
    Ok(())
}

pub fn send(ctx: &Context, a: &SendArgs, url: &str) -> Result<(), Failure> {
    let usage = |e: pdu::PduError| Failure::new(Exit::Usage, e.to_string());
    pdu::validate_number(&a.number).map_err(usage)?;
    if a.smsc.is_some() {
        return Err(Failure::new(
            Exit::Usage,
            "--smsc: a HiLink stick sends through the service centre set in its web page (Settings › SMS); dongle cannot pass one per message",
        ));
    }
    let text = text_of(a)?;
    // What the stick will do with it (it chooses and splits by the same rules).
    let (encoding, chunks) = pdu::concat::split(&text).map_err(usage)?;
    let c = client(ctx, url)?;
    let outcome = c
        .send_sms(&[&a.number], &text, SEND_WAIT)
        .map_err(failure)?;
    if !outcome.failed.is_empty() {
        return Err(Failure::new(
            Exit::Modem,
            format!(
                "{}: the stick reports the message to {} as failed (api/sms/send-status)\nfix: the network refused it: often no credit, SMS barred on the plan, or a wrong service centre in the stick's web page (check your balance with dongle ussd); it is in the sent box marked failed",
                c.url(),
                outcome.failed.join(", ")
            ),
        ));
    }
    let total = chunks.len().max(1) as u8;
    let out = Sent {
        to: a.number.clone(),
        encoding,
        parts: (1..=total)
            .map(|seq| SentPart {
                seq,
                total,
                reference: None,
                pdu: None,
            })
            .collect(),
    };
    if ctx.global.json {
        output::json(&out);
        return Ok(());
    }
    let enc = match encoding {
        pdu::Encoding::Gsm7 => "GSM-7",
        pdu::Encoding::Ucs2 => "UCS-2",
        pdu::Encoding::EightBit => "8-bit",
    };
    if outcome.unconfirmed.is_empty() {
        println!(
            "Sent to {} in {total} part(s), {enc}, through {}",
            out.to,
            c.url()
        );
    } else {
        println!(
            "Handed to {} for {} in {total} part(s), {enc}; the stick did not confirm delivery to the network within {} s: check its sent box with dongle sms list",
            c.url(),
            out.to,
            SEND_WAIT.as_secs()
        );
    }
    Ok(())
}

/// What identifies a message across two reads of the store: its index and content.
fn same(a: &Message, b: &Message) -> bool {
    a.indexes == b.indexes && a.number == b.number && a.time == b.time && a.text == b.text
}

pub fn delete(ctx: &Context, a: &DeleteArgs, url: &str) -> Result<(), Failure> {
    let c = client(ctx, url)?;
    let all = fetch(&c)?;
    let stored: Vec<u32> = all.iter().flat_map(|m| m.indexes.clone()).collect();
    if let Some(i) = a.indexes.iter().find(|i| !stored.contains(i)) {
        return Err(Failure::new(
            Exit::NotFound,
            format!(
                "no message at index {i} on the stick (see `dongle sms list`); nothing was deleted"
            ),
        ));
    }
    let wanted = |m: &Message| a.all || m.indexes.iter().any(|i| a.indexes.contains(i));
    let mut chosen: Vec<Message> = all.into_iter().filter(wanted).collect();
    let dir = a.save.clone().unwrap_or_else(sms_store::default_dir);
    save_all(&dir, c.url(), &mut chosen)?;
    // Another program (the web page) may have deleted or changed one since it was read.
    let now = fetch(&c)?;
    let (keep, changed): (Vec<&Message>, Vec<&Message>) =
        chosen.iter().partition(|m| now.iter().any(|n| same(m, n)));
    let targets: Vec<u32> = keep.iter().flat_map(|m| m.indexes.clone()).collect();
    if !targets.is_empty() {
        c.delete_sms(&targets).map_err(|e| {
            let f = failure(e);
            Failure::new(
                f.exit,
                format!(
                    "{} (nothing was deleted; every message is saved in {})",
                    f.message,
                    dir.display()
                ),
            )
        })?;
    }
    let out = Deleted {
        deleted: targets,
        changed: changed.iter().flat_map(|m| m.indexes.clone()).collect(),
        saved: chosen.iter().filter_map(|m| m.saved.clone()).collect(),
    };
    super::sms::print_deleted(ctx, &out, &dir, "the stick");
    Ok(())
}

/// `dongle ussd CODE` through the stick: its reply text; the network's status, DCS and raw
/// answer are not in the API (null in JSON).
pub fn ussd(ctx: &Context, url: &str, code: &str, timeout: Duration) -> Result<String, Failure> {
    let c = client(ctx, url)?;
    c.ussd(code, timeout).map_err(|e| match e.api_code() {
        Some(dongle_hilink::USSD_PENDING) => Failure::new(
            Exit::Modem,
            format!(
                "USSD {code}: no answer from the network within {} s (the stick's ussd/get still said 111019; the session was released)\nfix: try again, or a longer --timeout; some codes only work when registered on the home network",
                timeout.as_secs()
            ),
        ),
        _ => failure(e),
    })
}

/// Saved files are named after their content; without PDUs, after the fields that make it.
pub fn save_key(m: &Message) -> Vec<&str> {
    if m.pdus.is_empty() {
        vec![
            m.number.as_deref().unwrap_or(""),
            m.time.as_deref().unwrap_or(""),
            m.text.as_str(),
        ]
    } else {
        m.pdus.iter().map(String::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stick_is_the_first_address_of_the_hosts_subnet() {
        let a = |s: &str| s.parse().unwrap();
        assert_eq!(
            stick_url(a("192.168.8.100"), 24).as_deref(),
            Some("http://192.168.8.1")
        );
        assert_eq!(
            stick_url(a("192.168.9.153"), 24).as_deref(),
            Some("http://192.168.9.1")
        );
        assert_eq!(stick_url(a("10.0.0.5"), 32), None);
    }

    #[test]
    fn a_real_e3372h_list_in_the_at_shape() {
        // VZ README (crates/hilink/tests/data/SOURCES.md): lower-case tags, two sent messages,
        // one received, two delivery reports without text.
        let raw = include_str!("../../../hilink/tests/data/sms_list_phone_e3372h320.xml");
        let doc = dongle_hilink::xml::parse(raw).unwrap();
        let list = dongle_hilink::SmsList::from_element(&doc).unwrap();
        let msgs: Vec<Message> = list
            .messages
            .iter()
            .map(|m| {
                let bx = if m.curbox.as_deref() == Some("1") {
                    SmsBox::Sent
                } else {
                    SmsBox::Inbox
                };
                message(m, bx)
            })
            .collect();
        assert_eq!(msgs[0].kind, "submit");
        assert_eq!(msgs[0].status, "sent");
        assert_eq!(msgs[0].indexes, [40001]);
        assert_eq!(msgs[0].time.as_deref(), Some("2021-10-28T21:26:02"));
        assert_eq!((msgs[2].kind, msgs[2].status), ("deliver", "read"));
        assert_eq!(msgs[2].text, "Sms");
        assert_eq!(msgs[3].kind, "status_report");
        assert_eq!(msgs[3].text, "status report: delivered");
        let failed = SmsMessage {
            smstat: Some("4".into()),
            ..SmsMessage::default()
        };
        assert_eq!(message(&failed, SmsBox::Sent).status, "failed");
    }
}
