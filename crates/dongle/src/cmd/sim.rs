//! `dongle sim PROFILE --dir DIR`: a virtual modem in the foreground, so any
//! other `dongle` (or minicom, wvdialconf, a test) can use it.
//!
//! With `--count N`, a fleet of N sticks in one tree (what `dongle daemon`'s benchmark runs
//! against). A script unplugs and replugs them by writing `unplug K` / `replug K` lines to
//! stdin (K is 1-based: stick K sits at USB path 1-1.K); every command is acknowledged with
//! one line on stdout once it is done, so the script knows when the ports are gone or back.
//! Faults for daemon tests: `drop K` (the network ends stick K's data session: `NO CARRIER`,
//! `^NDISSTAT: 0`), `hang K` / `unhang K` (stick K's firmware stops answering AT on every
//! port, and answers again) and `heal K` (stick K comes back from its next replug without the
//! scenario's faults; `replug K` also plugs in a stick that vanished by itself).
//! Messages for `dongle sms watch` tests: `sms K TEXT` (the network delivers TEXT to stick K's
//! SIM, part by part when long, each part announced with `+CMTI`) and `sms K pdu HEX`.

use crate::cli::SimArgs;
use crate::context::{start_sim, Context};
use crate::failure::{Exit, Failure};
use crate::output;
use dongle_sim::{Fleet, FleetModem, Scenario};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Serialize)]
struct Started {
    profile: String,
    sysfs: String,
    dev: String,
    ports: Vec<SimPortOut>,
}

#[derive(Serialize)]
struct SimPortOut {
    tty: String,
    path: String,
    pts: String,
    interface: u8,
}

pub fn run(
    ctx: &Context,
    args: &SimArgs,
    scenario: Option<&std::path::Path>,
) -> Result<(), Failure> {
    let scenario = match scenario {
        Some(f) => Scenario::from_file(f).map_err(|e| Failure::new(Exit::Usage, e.to_string()))?,
        None => Scenario::default(),
    };
    std::fs::create_dir_all(&args.dir).map_err(|e| {
        Failure::new(
            Exit::Failure,
            format!("cannot create {}: {e}", args.dir.display()),
        )
    })?;
    if let Some(count) = args.count {
        return run_fleet(ctx, args, scenario, usize::from(count));
    }
    let sim = start_sim(&args.profile, &args.dir, scenario)?;
    let started = Started {
        profile: args.profile.clone(),
        sysfs: sim.sysfs_root().display().to_string(),
        dev: sim.dev_root().display().to_string(),
        ports: sim
            .ports()
            .into_iter()
            .map(|p| SimPortOut {
                tty: p.tty,
                path: p.path.display().to_string(),
                pts: p.pts.display().to_string(),
                interface: p.interface,
            })
            .collect(),
    };
    if ctx.global.json {
        output::json(&started);
    } else {
        println!("Virtual {} running. Ports:", started.profile);
        for p in &started.ports {
            println!("  {} -> {}", p.path, p.pts);
        }
        println!(
            "\nTry: dongle --sysfs {} --dev {} probe\nStop with Ctrl-C.",
            started.sysfs, started.dev
        );
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
    wait_for_signal();
    drop(sim);
    Ok(())
}

/// Block until SIGINT or SIGTERM, so that the simulator can stop cleanly and
/// remove its dev entries.
fn wait_for_signal() {
    let stop = stop_flag();
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Set once SIGINT or SIGTERM arrives.
fn stop_flag() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(sig, Arc::clone(&stop)) {
            log::warn!("cannot watch signal {sig}: {e}");
        }
    }
    stop
}

#[derive(Serialize)]
struct FleetStarted {
    profile: String,
    sysfs: String,
    dev: String,
    modems: Vec<FleetModemOut>,
}

#[derive(Serialize)]
struct FleetModemOut {
    /// 1-based, as `unplug K` takes it.
    number: usize,
    usb_path: String,
    plugged: bool,
    imei: String,
    iccid: String,
    net: Option<String>,
    ports: Vec<SimPortOut>,
}

impl FleetModemOut {
    fn from(m: FleetModem) -> FleetModemOut {
        FleetModemOut {
            number: m.index + 1,
            usb_path: m.usb_path,
            plugged: m.plugged,
            imei: m.imei,
            iccid: m.iccid,
            net: m.net,
            ports: m
                .ports
                .into_iter()
                .map(|p| SimPortOut {
                    tty: p.tty,
                    path: p.path.display().to_string(),
                    pts: p.pts.display().to_string(),
                    interface: p.interface,
                })
                .collect(),
        }
    }

    fn line(&self) -> String {
        let ports: Vec<&str> = self.ports.iter().map(|p| p.tty.as_str()).collect();
        format!(
            "{:>3}  {:<8} IMEI {}  {}{}",
            self.number,
            self.usb_path,
            self.imei,
            ports.join(" "),
            self.net
                .as_deref()
                .map(|n| format!(" {n}"))
                .unwrap_or_default()
        )
    }
}

/// One line read from stdin.
#[derive(Debug, PartialEq, Eq)]
enum Control {
    Unplug(usize),
    Replug(usize),
    /// The network ends the stick's data session.
    Drop(usize),
    /// No scenario faults from the stick's next plug-in on.
    Heal(usize),
    /// The firmware stops answering (`true`) or answers again.
    Hang(usize, bool),
    /// A message arrives on stick K's SIM from the network: text (from
    /// [`SIM_SENDER`], split into parts when long) or one PDU in hex.
    Sms(usize, SmsIn),
    List,
}

#[derive(Debug, PartialEq, Eq)]
enum SmsIn {
    Text(String),
    Pdu(String),
}

/// Who the simulated network's messages (`sms K TEXT`) come from.
const SIM_SENDER: &str = "+4915112345678";

/// `unplug K`, `replug K`, `drop K`, `hang K`, `unhang K`, `heal K` (K: 1-based number or USB path `1-1.K`), `list`; blank lines and
/// `#` comments are nothing. The error says what is accepted.
fn parse_control(line: &str) -> Result<Option<Control>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    if let Some(rest) = line.strip_prefix("sms ") {
        return parse_sms(rest).map(Some);
    }
    let mut words = line.split_whitespace();
    let verb = words.next().unwrap_or_default();
    let arg = words.next();
    if words.next().is_some() {
        return Err(format!("too many words in `{line}`"));
    }
    let number = |arg: Option<&str>| -> Result<usize, String> {
        let a = arg.ok_or_else(|| format!("`{verb}` needs a stick number"))?;
        a.strip_prefix("1-1.")
            .unwrap_or(a)
            .parse::<usize>()
            .ok()
            .filter(|&k| k >= 1)
            .ok_or_else(|| format!("`{a}` is not a stick number (1, 2, … or 1-1.2)"))
    };
    match verb {
        "unplug" => Ok(Some(Control::Unplug(number(arg)?))),
        "replug" => Ok(Some(Control::Replug(number(arg)?))),
        "drop" => Ok(Some(Control::Drop(number(arg)?))),
        "heal" => Ok(Some(Control::Heal(number(arg)?))),
        "hang" => Ok(Some(Control::Hang(number(arg)?, true))),
        "unhang" => Ok(Some(Control::Hang(number(arg)?, false))),
        "list" if arg.is_none() => Ok(Some(Control::List)),
        _ => Err(format!("unknown command `{line}`")),
    }
}

/// `sms K TEXT…` (the rest of the line, as typed) or `sms K pdu HEX`.
fn parse_sms(rest: &str) -> Result<Control, String> {
    let rest = rest.trim_start();
    let (k, text) = rest.split_once(' ').unwrap_or((rest, ""));
    let k = k
        .strip_prefix("1-1.")
        .unwrap_or(k)
        .parse::<usize>()
        .ok()
        .filter(|&k| k >= 1)
        .ok_or_else(|| format!("`{k}` is not a stick number (1, 2, … or 1-1.2)"))?;
    let text = text.trim_start();
    if text.is_empty() {
        return Err("`sms K` needs the message text (or `pdu HEX`)".into());
    }
    match text.strip_prefix("pdu ") {
        Some(hex) => Ok(Control::Sms(k, SmsIn::Pdu(hex.trim().to_string()))),
        None => Ok(Control::Sms(k, SmsIn::Text(text.to_string()))),
    }
}

fn run_fleet(
    ctx: &Context,
    args: &SimArgs,
    scenario: Scenario,
    count: usize,
) -> Result<(), Failure> {
    let fleet = Fleet::start(&args.profile, count, &args.dir, scenario).map_err(|e| {
        let exit = match e {
            dongle_sim::SimError::UnknownProfile { .. }
            | dongle_sim::SimError::UnknownPort { .. }
            | dongle_sim::SimError::FleetSize { .. } => Exit::Usage,
            _ => Exit::Failure,
        };
        Failure::new(exit, e.to_string())
    })?;
    let started = FleetStarted {
        profile: args.profile.clone(),
        sysfs: fleet.sysfs_root().display().to_string(),
        dev: fleet.dev_root().display().to_string(),
        modems: fleet
            .modems()
            .into_iter()
            .map(FleetModemOut::from)
            .collect(),
    };
    if ctx.global.json {
        output::json(&started);
    } else {
        println!(
            "{} virtual {} running. Sticks:",
            started.modems.len(),
            started.profile
        );
        for m in &started.modems {
            println!("{}", m.line());
        }
        println!(
            "\nTry: dongle --sysfs {} --dev {} list\n\
             Stdin: `unplug K`, `replug K`, `drop K`, `hang K`, `unhang K`, `heal K`, `sms K TEXT`, `sms K pdu HEX` (K = 1 … {count}), `list`. Stop with Ctrl-C.",
            started.sysfs, started.dev
        );
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();

    let stop = stop_flag();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    // Stdin is read on its own thread so that a signal still stops us while no line comes;
    // at end of input (a script closed it, or stdin is /dev/null) the fleet keeps running.
    let reader = std::thread::Builder::new()
        .name("sim-stdin".into())
        .spawn(move || {
            for line in std::io::stdin().lines() {
                let Ok(l) = line else { break };
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
    if let Err(e) = reader {
        log::warn!("cannot read commands from stdin: {e}");
    }
    while !stop.load(Ordering::Relaxed) {
        let line = match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(l) => l,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            // Stdin ended: recv_timeout now returns at once, so wait here instead (this loop
            // spun a core at 60 % under a benchmark that closed the fleet's stdin).
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        match parse_control(&line) {
            Ok(None) => {}
            Ok(Some(c)) => control(ctx, &fleet, c),
            Err(e) => eprintln!(
                "dongle sim: {e}\nfix: write `unplug K`, `replug K`, `drop K`, `hang K`, `unhang K`, `heal K`, `sms K TEXT`, `sms K pdu HEX` (K = 1 … {count}) or `list`"
            ),
        }
        let _ = std::io::stdout().flush();
    }
    drop(fleet);
    Ok(())
}

/// Carries out one command and acknowledges it on stdout (a JSON line with `--json`).
fn control(ctx: &Context, fleet: &Fleet, c: Control) {
    #[derive(Serialize)]
    struct Event<'a> {
        event: &'a str,
        #[serde(flatten)]
        modem: FleetModemOut,
    }
    let (verb, done_verb, k) = match c {
        Control::List => {
            for m in fleet.modems() {
                let m = FleetModemOut::from(m);
                if ctx.global.json {
                    print_json_line(&Event {
                        event: "stick",
                        modem: m,
                    });
                } else {
                    let state = if m.plugged { "" } else { "  (unplugged)" };
                    println!("{}{state}", m.line());
                }
            }
            return;
        }
        Control::Unplug(k) => ("unplug", "unplugged", k),
        Control::Replug(k) => ("replug", "replugged", k),
        Control::Drop(k) => ("drop", "dropped", k),
        Control::Heal(k) => ("heal", "healed", k),
        Control::Hang(k, true) => ("hang", "hung", k),
        Control::Hang(k, false) => ("unhang", "answering", k),
        Control::Sms(k, ref m) => return deliver_sms(ctx, fleet, k, m),
    };
    if k > fleet.len() {
        eprintln!(
            "dongle sim: {verb} {k}: there is no stick {k}\nfix: sticks are numbered 1 to {}",
            fleet.len()
        );
        return;
    }
    let index = k - 1;
    let done = match c {
        Control::Unplug(_) => fleet.unplug(index),
        Control::Drop(_) => match fleet.with_modem(index, |m| m.end_data_calls()) {
            Ok(None) => {
                eprintln!("dongle sim: drop {k}: stick {k} is unplugged\nfix: replug {k} first");
                return;
            }
            other => other.map(|_| ()),
        },
        Control::Heal(_) => fleet.set_scenario(index, Scenario::default()),
        Control::Hang(_, on) => match fleet.with_modem(index, |m| m.hung = on) {
            Ok(None) => {
                eprintln!("dongle sim: {verb} {k}: stick {k} is unplugged\nfix: replug {k} first");
                return;
            }
            other => other.map(|_| ()),
        },
        _ => fleet.replug(index),
    }
    .and_then(|()| fleet.modem(index));
    match done {
        Ok(m) => {
            let m = FleetModemOut::from(m);
            if ctx.global.json {
                print_json_line(&Event {
                    event: done_verb,
                    modem: m,
                });
            } else {
                println!("{done_verb} {}", m.line().trim_start());
            }
        }
        Err(e) => eprintln!("dongle sim: {verb} {k}: {e}"),
    }
}

/// `sms K …`: the message lands on stick K's SIM (`+CMTI` per part, or `^SMMEMFULL` when
/// the store is full); acknowledged with `sms K: slots …` (or a JSON line).
fn deliver_sms(ctx: &Context, fleet: &Fleet, k: usize, m: &SmsIn) {
    if k == 0 || k > fleet.len() {
        eprintln!(
            "dongle sim: sms {k}: there is no stick {k}\nfix: sticks are numbered 1 to {}",
            fleet.len()
        );
        return;
    }
    let done = fleet.with_modem(k - 1, |modem| match m {
        SmsIn::Text(t) => modem.receive_text(SIM_SENDER, t),
        SmsIn::Pdu(hex) => Ok(vec![modem.receive_sms(hex)]),
    });
    let slots = match done {
        Ok(Some(Ok(slots))) => slots,
        Ok(Some(Err(e))) => return eprintln!("dongle sim: sms {k}: {e}"),
        Ok(None) => {
            return eprintln!("dongle sim: sms {k}: stick {k} is unplugged\nfix: replug {k} first")
        }
        Err(e) => return eprintln!("dongle sim: sms {k}: {e}"),
    };
    #[derive(Serialize)]
    struct Delivered {
        event: &'static str,
        number: usize,
        /// Slot of each part; null for a part refused with the store full.
        slots: Vec<Option<u32>>,
    }
    let out = Delivered {
        event: "sms",
        number: k,
        slots: slots.iter().map(|r| r.ok()).collect(),
    };
    if ctx.global.json {
        print_json_line(&out);
    } else {
        let shown: Vec<String> = slots
            .iter()
            .map(|r| match r {
                Ok(i) => i.to_string(),
                Err(_) => "full".into(),
            })
            .collect();
        println!("sms {k}: slots {}", shown.join(", "));
    }
}

/// One JSON document on one line: an event stream a script reads line by line.
fn print_json_line<T: Serialize>(value: &T) {
    match serde_json::to_string(value) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("dongle: cannot encode JSON: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_lines() {
        assert_eq!(parse_control("unplug 3"), Ok(Some(Control::Unplug(3))));
        assert_eq!(
            parse_control("  replug 1-1.12 "),
            Ok(Some(Control::Replug(12)))
        );
        assert_eq!(parse_control("list"), Ok(Some(Control::List)));
        assert_eq!(parse_control("drop 2"), Ok(Some(Control::Drop(2))));
        assert_eq!(parse_control("heal 1-1.3"), Ok(Some(Control::Heal(3))));
        assert_eq!(parse_control("hang 2"), Ok(Some(Control::Hang(2, true))));
        assert_eq!(parse_control("unhang 2"), Ok(Some(Control::Hang(2, false))));
        assert_eq!(
            parse_control("sms 2 $(touch /tmp/x);  rm"),
            Ok(Some(Control::Sms(
                2,
                SmsIn::Text("$(touch /tmp/x);  rm".into())
            )))
        );
        assert_eq!(
            parse_control("sms 1-1.1 pdu 0791AB"),
            Ok(Some(Control::Sms(1, SmsIn::Pdu("0791AB".into()))))
        );
        assert!(parse_control("sms 1")
            .unwrap_err()
            .contains("needs the message text"));
        assert_eq!(parse_control(""), Ok(None));
        assert_eq!(parse_control("# comment"), Ok(None));
        assert!(parse_control("unplug 0")
            .unwrap_err()
            .contains("not a stick number"));
        assert!(parse_control("unplug")
            .unwrap_err()
            .contains("needs a stick number"));
        assert!(parse_control("unplug x").is_err());
        assert!(parse_control("unplug 1 2").is_err());
        assert!(parse_control("reboot 1")
            .unwrap_err()
            .contains("unknown command"));
    }
}
