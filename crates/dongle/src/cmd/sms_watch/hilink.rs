//! `dongle sms watch` on a HiLink stick: the web API has no push, so the stick's
//! `sms-count` is polled every `--interval` seconds (5 by default) and its inbox listed when
//! the count changed. The stick joins long messages itself. Same save / print / exec /
//! delete as over AT; a message is deleted only if a fresh read of the inbox still shows it
//! unchanged after it was saved.

use super::emit::Emitter;
use super::{stop_flag, WatchArgs};
use crate::cmd::hilink::{client_for, failure};
use crate::cmd::sms_hilink::message;
use crate::cmd::sms_message::Message;
use crate::context::Context;
use crate::failure::{Exit, Failure};
use dongle_hilink::{Client, SmsBox, SmsCount};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Polls that fail in a row before the stick counts as gone.
const FAILED_POLLS: u32 = 3;

fn inbox(c: &Client) -> Result<Vec<Message>, Failure> {
    let msgs = c.sms_all(SmsBox::Inbox).map_err(failure)?;
    Ok(msgs.iter().map(|m| message(m, SmsBox::Inbox)).collect())
}

fn same(a: &Message, b: &Message) -> bool {
    a.indexes == b.indexes && a.number == b.number && a.time == b.time && a.text == b.text
}

fn num(v: &Option<String>) -> Option<u64> {
    v.as_deref().and_then(|s| s.trim().parse().ok())
}

/// What changes when a message arrives or goes: compared between polls.
fn fingerprint(n: &SmsCount) -> (Option<u64>, Option<u64>) {
    (num(&n.local_inbox), num(&n.local_unread))
}

pub fn watch(ctx: &Context, a: &WatchArgs, url: &str) -> Result<(), Failure> {
    let stop = stop_flag();
    let c = client_for(ctx, Some(url))?;
    let out = Emitter {
        json: ctx.global.json,
        dir: a.save.clone(),
        exec: a.exec.clone(),
        port: c.url().to_string(),
    };
    let every = Duration::from_secs(a.interval.max(1));
    let mut seen = None;
    let mut started = false;
    let mut was_full = false;
    let mut failures = 0;
    let mut next = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        if Instant::now() < next {
            std::thread::sleep(Duration::from_millis(100));
            continue;
        }
        next = Instant::now() + every;
        let count = match c.sms_count() {
            Ok(n) => {
                failures = 0;
                n
            }
            Err(e) => {
                failures += 1;
                let f = failure(e);
                if failures >= FAILED_POLLS {
                    return Err(Failure::new(
                        Exit::Gone,
                        format!(
                            "stopped watching {}: {FAILED_POLLS} polls in a row failed, the last with: {}\nevery message announced so far is saved\nfix: plug the stick in again and start the watch again; under systemd, Restart=on-failure does that (exit code 7)",
                            c.url(),
                            f.message
                        ),
                    ));
                }
                log::warn!("{}: {}", c.url(), f.message);
                continue;
            }
        };
        let full = full(&count);
        if full && !was_full {
            let then = if a.delete {
                "saving and deleting what is on it now"
            } else {
                "restart with --delete to save and remove messages as they come (or dongle sms delete --all)"
            };
            out.notice(
                "store_full",
                &format!("the stick's message store is full: new messages wait at the network, and may be lost; {then}"),
                serde_json::json!({ "store": "stick" }),
            );
        }
        was_full = full;
        let fp = fingerprint(&count);
        if seen == Some(fp) {
            continue;
        }
        match poll(&c, a, &out) {
            Ok(()) => seen = Some(fp),
            Err(f) if f.exit == Exit::Permission || f.exit == Exit::Failure => return Err(f),
            Err(f) => log::warn!("{}: {}", c.url(), f.message),
        }
        // Said once the inbox as it was at start is handled, as over AT.
        if !started && seen.is_some() {
            started = true;
            out.notice(
                "watching",
                &format!(
                    "watching {} for new messages (polled every {} s); saving to {}{}",
                    c.url(),
                    a.interval,
                    a.save.display(),
                    if a.delete {
                        ", then deleting from the stick"
                    } else {
                        ""
                    }
                ),
                serde_json::json!({ "dir": a.save }),
            );
        }
    }
    Ok(())
}

fn full(n: &SmsCount) -> bool {
    let used = num(&n.local_inbox).unwrap_or(0) + num(&n.local_outbox).unwrap_or(0);
    num(&n.local_max).is_some_and(|max| max > 0 && used >= max)
}

/// Lists the inbox; saves, deletes and announces what was not saved before.
fn poll(c: &Client, a: &WatchArgs, out: &Emitter) -> Result<(), Failure> {
    // (message, new): one saved by an earlier run (or `dongle sms list --save`) but still
    // on the stick is deleted with --delete, not announced again.
    let mut fresh: Vec<(Message, bool)> = Vec::new();
    for mut m in inbox(c)? {
        let new = out.save(&mut m)?;
        if new || a.delete {
            fresh.push((m, new));
        }
    }
    if fresh.is_empty() {
        return Ok(());
    }
    let mut gone = Vec::new();
    if a.delete {
        let now = inbox(c)?;
        gone = fresh
            .iter()
            .filter(|(m, _)| now.iter().any(|n| same(m, n)))
            .flat_map(|(m, _)| m.indexes.clone())
            .collect();
        if !gone.is_empty() {
            c.delete_sms(&gone).map_err(failure)?;
        }
    }
    for (m, _) in fresh.iter().filter(|(_, new)| *new) {
        let deleted: Vec<u32> = m
            .indexes
            .iter()
            .copied()
            .filter(|i| gone.contains(i))
            .collect();
        out.announce(m, &deleted);
    }
    Ok(())
}
