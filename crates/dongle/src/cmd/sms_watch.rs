//! `dongle sms watch`: new messages as they arrive, in the foreground until SIGINT/SIGTERM.
//!
//! Over AT, new-message indications are routed to our port (`+CNMI`, 27.005 §3.4.1, with
//! ModemManager's fallbacks) and each `+CMTI`/`+CDSI` is read with `+CMGR`. Messages already
//! in the store are swept at start and after `^SMMEMFULL`. Each message is saved (one file,
//! atomic + fsync) before anything else; with `--delete` it is then deleted, only if its slot
//! still holds what was saved. Parts of a long message are saved as they arrive (under
//! `DIR/parts/`) and announced once, joined, when the last comes (or after
//! `--parts-timeout`, with the missing parts named); they stay on the SIM until then, so a
//! restart in between joins them again. A HiLink stick is polled (sms_watch/hilink.rs).

mod emit;
mod hilink;

use crate::cli::PortSelect;
use crate::cmd::sms::{delete_saved, open, setup, sms_failure};
use crate::cmd::sms_message::messages;
use crate::context::Context;
use crate::failure::{Exit, Failure};
use clap::Args;
use dongle_at::parse::sms::{
    parse_cmgl_pdu, parse_cmgr_pdu, parse_cpms_read, SmsStatus, StoredPdu,
};
use dongle_at::pdu::{self, Tpdu};
use dongle_at::urc::Urc;
use dongle_at::{AtError, AtSession};
use emit::Emitter;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
pub struct WatchArgs {
    #[command(flatten)]
    pub select: PortSelect,
    /// Save every message here first: one JSON file per message, written atomically.
    #[arg(long, value_name = "DIR")]
    pub save: PathBuf,
    /// Delete each message from the modem once it is saved (keeps the SIM's store from
    /// filling up).
    #[arg(long)]
    pub delete: bool,
    /// Run CMD (through sh -c) for each message: the message as JSON on stdin, its fields in
    /// DONGLE_SMS_FROM, DONGLE_SMS_TEXT, DONGLE_SMS_TIME, DONGLE_SMS_TYPE, DONGLE_SMS_FILE,
    /// DONGLE_SMS_INDEXES.
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
    /// Announce a long message with parts still missing after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub parts_timeout: u64,
    /// HiLink sticks: seconds between polls of the stick's inbox.
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    pub interval: u64,
}

/// How often an idle AT port is checked (`AT`): an unplugged stick is noticed within this.
const ALIVE_EVERY: Duration = Duration::from_secs(3);

/// `+CNMI=<mode>,<mt>,<bm>,<ds>,<bfr>`: new messages stored and indicated (`mt`=1, `+CMTI`),
/// status reports stored and indicated (`ds`=2, `+CDSI`), buffered while the port is busy
/// (`mode`=2). ModemManager's `+CNMI=2,1,2,1,0` and plainer forms follow for firmware that
/// refuses a value.
const CNMI: &[&str] = &[
    "AT+CNMI=2,1,0,2,0",
    "AT+CNMI=2,1,2,1,0",
    "AT+CNMI=1,1,0,2,0",
    "AT+CNMI=2,1,0,0,0",
    "AT+CNMI=1,1,0,0,0",
];

/// Set once SIGINT or SIGTERM arrives.
pub(crate) fn stop_flag() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(sig, Arc::clone(&stop)) {
            log::warn!("cannot watch signal {sig}: {e}");
        }
    }
    stop
}

pub fn run(ctx: &Context, a: &WatchArgs) -> Result<(), Failure> {
    let dev = a.select.device.as_deref();
    let port = a.select.port.as_deref();
    if let Some(url) = crate::cmd::sms_hilink::target(ctx, dev, port) {
        return hilink::watch(ctx, a, &url);
    }
    let stop = stop_flag();
    let s = open(ctx, dev, port)?;
    let urcs = s.subscribe();
    setup(&s)?;
    let routed = CNMI.iter().find(|c| s.command(c).is_ok());
    let out = Emitter {
        json: ctx.global.json,
        dir: a.save.clone(),
        exec: a.exec.clone(),
        port: s.port(),
    };
    let mut w = Watch {
        s: &s,
        a,
        out,
        pending: BTreeMap::new(),
        store: None,
    };
    match routed {
        Some(c) => log::debug!("{}: new messages indicated with {c}", s.port()),
        None => w.out.notice(
            "no_indications",
            "the modem refused every AT+CNMI form: new messages are found by sweeping the store every few seconds",
            serde_json::json!({}),
        ),
    }
    w.report_if_full(false);
    w.sweep()?;
    w.out.notice(
        "watching",
        &format!(
            "watching {} for new messages; saving to {}{}",
            s.port(),
            a.save.display(),
            if a.delete {
                ", then deleting from the SIM"
            } else {
                ""
            }
        ),
        serde_json::json!({ "dir": a.save }),
    );
    let mut last_check = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        match urcs.recv_timeout(Duration::from_millis(200)) {
            // No `continue`: a port chattering with ^RSSI/^HCSQ must not starve the checks.
            Ok(u) => w.urc(&u)?,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
        w.expire_parts()?;
        if last_check.elapsed() >= ALIVE_EVERY {
            last_check = Instant::now();
            if routed.is_none() {
                w.sweep()?;
            }
            if let Err(e) = s.command_with("AT", Duration::from_secs(2), None) {
                if matches!(e, AtError::PortGone { .. }) {
                    return Err(gone(&s.port(), &e.to_string()));
                }
                log::debug!("{}: AT: {e}", s.port());
            }
        }
    }
    if !w.pending.is_empty() {
        w.out.notice(
            "stopped",
            &format!(
                "stopped; {} long message(s) still incomplete: their parts are saved under {} and stay on the SIM until the rest arrives",
                w.pending.len(),
                a.save.join("parts").display()
            ),
            serde_json::json!({}),
        );
    }
    Ok(())
}

fn gone(port: &str, why: &str) -> Failure {
    Failure::new(
        Exit::Gone,
        format!(
            "stopped watching {port}: {why}\nevery message announced so far is saved\nfix: plug the stick in again and start the watch again; under systemd, Restart=on-failure does that (exit code 7)"
        ),
    )
}

/// The slot of `+CMTI: <mem>,<index>` (or `+CDSI`) if `+CMGR` can read it: an index into
/// another store than `store`, the one read here (status reports in "SR" on some firmware),
/// is not.
fn readable_slot(value: &str, store: Option<&str>) -> Option<u32> {
    let (mem, index) = value.rsplit_once(',').unwrap_or(("", value));
    let mem = mem.trim().trim_matches('"');
    let elsewhere = store.is_some_and(|s| !mem.is_empty() && !s.eq_ignore_ascii_case(mem));
    if elsewhere {
        return None;
    }
    index.trim().parse().ok()
}

/// The parts of one long message seen so far.
struct Partial {
    parts: BTreeMap<u8, StoredPdu>,
    total: u8,
    since: Instant,
}

struct Watch<'a> {
    s: &'a AtSession,
    a: &'a WatchArgs,
    out: Emitter,
    /// Long messages waiting for parts, by (sender, reference, total).
    pending: BTreeMap<(String, u16, u8), Partial>,
    /// The store `+CMGR`/`+CMGL` read (`+CPMS?`), when the modem says.
    store: Option<String>,
}

impl Watch<'_> {
    fn urc(&mut self, u: &Urc) -> Result<(), Failure> {
        match u.name.as_str() {
            "+CMTI" | "+CDSI" => {
                let slot = readable_slot(u.value(), self.store.as_deref());
                match slot {
                    Some(i) => self.read_slot(i),
                    None => {
                        log::info!(
                            "{}: {} is not in the store read here; sweeping that",
                            self.s.port(),
                            u.line
                        );
                        self.sweep()
                    }
                }
            }
            // Firmware that ignored the routing and sends the PDU itself (not stored).
            "+CMT" | "+CDS" => match &u.body {
                Some(pdu) => self.part(StoredPdu {
                    index: None,
                    status: SmsStatus::ReceivedUnread,
                    length: 0,
                    pdu: pdu.trim().to_string(),
                }),
                None => Ok(()),
            },
            "^SMMEMFULL" => {
                self.report_if_full(true);
                self.sweep()
            }
            _ => Ok(()),
        }
    }

    /// Says so when the store is full (`forced`: the modem said it is, `^SMMEMFULL`).
    fn report_if_full(&mut self, forced: bool) {
        let st = self
            .s
            .command("AT+CPMS?")
            .ok()
            .and_then(|r| parse_cpms_read(&r.body()).ok())
            .and_then(|v| v.into_iter().next());
        if let Some(st) = &st {
            self.store = Some(st.name.clone());
        }
        let full = forced
            || st
                .as_ref()
                .is_some_and(|st| st.total > 0 && st.used >= st.total);
        if !full {
            return;
        }
        let (name, used, total) = st.map_or(("SM".into(), None, None), |st| {
            (st.name, Some(st.used), Some(st.total))
        });
        let then = if self.a.delete {
            "saving and deleting what is on it now"
        } else {
            "restart with --delete to save and remove messages as they come (or dongle sms delete --all)"
        };
        self.out.notice(
            "store_full",
            &format!(
                "the SIM's message store ({name}) is full{}: new messages wait at the network, and may be lost; {then}",
                used.map(|u| format!(", {u} of {} slots", total.unwrap_or(u))).unwrap_or_default()
            ),
            serde_json::json!({ "store": name, "used": used, "total": total }),
        );
    }

    /// Every received message already in the store (`+CMGL=4`).
    fn sweep(&mut self) -> Result<(), Failure> {
        let r = self
            .s
            .command_with("AT+CMGL=4", Duration::from_secs(30), None)
            .map_err(|e| self.failure(e, "listing the messages"))?;
        let stored =
            parse_cmgl_pdu(&r.body()).map_err(|e| Failure::new(Exit::Modem, e.to_string()))?;
        for p in stored {
            if matches!(
                p.status,
                SmsStatus::ReceivedUnread | SmsStatus::ReceivedRead
            ) {
                self.part(p)?;
            }
        }
        Ok(())
    }

    fn read_slot(&mut self, i: u32) -> Result<(), Failure> {
        match self.s.command(&format!("AT+CMGR={i}")) {
            Ok(r) => {
                let mut p = parse_cmgr_pdu(&r.body())
                    .map_err(|e| Failure::new(Exit::Modem, format!("reading message {i}: {e}")))?;
                p.index = Some(i);
                self.part(p)
            }
            Err(e @ AtError::PortGone { .. }) => Err(self.failure(e, "reading a new message")),
            // Gone already (another program took it): nothing to save.
            Err(e) => {
                log::warn!("{}: reading message {i}: {e}", self.s.port());
                Ok(())
            }
        }
    }

    fn failure(&self, e: AtError, doing: &str) -> Failure {
        if matches!(e, AtError::PortGone { .. }) {
            return gone(&self.s.port(), &e.to_string());
        }
        sms_failure(e, doing)
    }

    /// One stored PDU: a whole message, or one part of a long one.
    fn part(&mut self, p: StoredPdu) -> Result<(), Failure> {
        let concat = pdu::decode_hex(&p.pdu)
            .ok()
            .and_then(|t: Tpdu| Some((t.party().number.clone(), t.concat()?)))
            .filter(|(_, c)| c.total > 1);
        let Some((from, c)) = concat else {
            return self.finish(vec![p]);
        };
        let mut one = messages(vec![p.clone()]);
        if let Some(m) = one.first_mut() {
            self.out.save_in(&self.a.save.join("parts"), m)?;
        }
        let key = (from, c.reference, c.total);
        let entry = self.pending.entry(key.clone()).or_insert_with(|| Partial {
            parts: BTreeMap::new(),
            total: c.total,
            since: Instant::now(),
        });
        entry.parts.insert(c.seq, p);
        if entry.parts.len() >= usize::from(entry.total) {
            if let Some(done) = self.pending.remove(&key) {
                return self.finish(done.parts.into_values().collect());
            }
        }
        Ok(())
    }

    /// Long messages whose parts did not all come in time: announced with what is there.
    fn expire_parts(&mut self) -> Result<(), Failure> {
        let limit = Duration::from_secs(self.a.parts_timeout);
        let late: Vec<_> = self
            .pending
            .iter()
            .filter(|(_, p)| p.since.elapsed() >= limit)
            .map(|(k, _)| k.clone())
            .collect();
        for k in late {
            if let Some(p) = self.pending.remove(&k) {
                self.finish(p.parts.into_values().collect())?;
            }
        }
        Ok(())
    }

    /// Saves, deletes (`--delete`), announces.
    fn finish(&mut self, parts: Vec<StoredPdu>) -> Result<(), Failure> {
        for mut m in messages(parts) {
            let new = self.out.save(&mut m)?;
            let mut deleted = Vec::new();
            if self.a.delete {
                let targets: Vec<(u32, &str)> = m
                    .indexes
                    .iter()
                    .copied()
                    .zip(m.pdus.iter().map(String::as_str))
                    .collect();
                let d = delete_saved(self.s, &targets);
                if let Some(f) = d.failure {
                    if f.exit == Exit::Gone {
                        return Err(f);
                    }
                    log::warn!("{}", f.message);
                }
                if !d.changed.is_empty() {
                    log::warn!(
                        "{}: left slot(s) {:?} alone: they changed since they were saved",
                        self.s.port(),
                        d.changed
                    );
                }
                deleted = d.deleted;
            }
            if new {
                self.out.announce(&m, &deleted);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::readable_slot;

    #[test]
    fn only_indexes_into_the_store_read_here_are_read() {
        assert_eq!(readable_slot("\"SM\",3", Some("SM")), Some(3));
        assert_eq!(readable_slot("\"sm\", 12", Some("SM")), Some(12));
        assert_eq!(readable_slot("\"SR\",0", Some("SM")), None);
        assert_eq!(readable_slot("\"ME\",4", None), Some(4));
        assert_eq!(readable_slot("7", Some("SM")), Some(7));
        assert_eq!(readable_slot("\"SM\",x", Some("SM")), None);
    }
}
