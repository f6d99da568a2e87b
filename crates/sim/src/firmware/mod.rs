//! The firmware model: one [`Modem`] per device, shared by all of its ports.
//!
//! It is pure (no I/O, no clock): [`Modem::handle`] turns one command line received on one port
//! into the [`Output`]s the firmware sends back, so every behaviour is unit-testable without
//! PTYs. The serving threads (`serve.rs`) add echo, latency and byte-level faults.

mod commands;
pub mod network;
pub mod sim_card;
pub mod sms;

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use crate::profile::{Dialect, PortFunction, Profile};
use crate::scenario::{command_key, Scenario};
use network::{Network, RegCmd};
use sim_card::SimCard;
use sms::SmsStore;

/// One piece of what the firmware sends back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Information text of one command (several lines joined by `\r\n`), framed `\r\n…\r\n`.
    Info(String),
    /// The final result code (`OK`, `ERROR`, `+CME ERROR: 10`, `CONNECT …`, `NO CARRIER`).
    Final(String),
    /// An unsolicited result code sent now on this port.
    Urc(String),
    /// The SMS prompt `\r\n> ` (27.005 §3.5.1): no final result yet, the port now takes
    /// message text up to Ctrl-Z.
    Prompt,
    /// Wait this long before sending what follows (slow commands such as `+COPS=?`).
    Delay(Duration),
    /// The device is unplugged now (fault injection); nothing more is sent.
    Vanish,
}

/// Per-port (per-channel) state: each AT channel has its own echo, error mode and URC modes.
#[derive(Clone, Debug)]
pub struct PortState {
    pub tty: String,
    pub function: PortFunction,
    pub echo: bool,
    /// `+CMEE`: 0 `ERROR`, 1 numeric, 2 verbose.
    pub cmee: u8,
    /// Unsolicited modes of `+CREG`, `+CGREG`, `+CEREG`.
    pub reg_n: [u8; 3],
    /// After `CONNECT`: AT commands are not interpreted until hang-up.
    pub data_mode: bool,
    vanish_on: Option<String>,
}

/// A parsed command of a command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cmd {
    /// Upper-case name: `E`, `&C`, `S0`, `D`, `+CSQ`, `^SETPORT`.
    pub name: String,
    pub kind: Kind,
    /// The command as received, upper-cased outside quotes (for fault matching).
    pub raw: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Exec,
    Read,
    Test,
    Set(String),
}

/// Result of one command.
pub(crate) enum Res {
    Ok(Vec<String>),
    Cme(u16),
    Error,
    Unsupported,
    Final(Vec<String>, String),
}

/// The device's firmware state.
#[derive(Clone, Debug)]
pub struct Modem {
    pub profile: Profile,
    pub sim: SimCard,
    pub net: Network,
    /// The SIM's messages, SMS settings and the USSD answer.
    pub sms: SmsStore,
    pub ports: Vec<PortState>,
    /// PDP contexts: cid → (PDP type, APN).
    pub contexts: BTreeMap<u8, (String, String)>,
    /// `^SETPORT` value stored in NV (takes effect after a reset on real firmware).
    pub setport: Option<String>,
    /// NDIS (`^NDISDUP`) session up.
    pub ndis: bool,
    /// `^CURC`: 0 stops periodic URCs.
    pub curc: u8,
    /// `^PORTSEL`: 0 URCs on the PCUI port, 1 on the modem port.
    pub portsel: u8,
    /// `^SYSCFG` fields: mode, acqorder, band, roam, srvdomain.
    pub syscfg: (u8, u8, String, u8, u8),
    /// `^SYSCFGEX` mode string.
    pub syscfgex_mode: String,
    /// APNs the network accepts (`None` = any).
    pub apns: Option<Vec<String>>,
    /// Number of `^RESET`/`+CFUN=1,1` reboots so far.
    pub resets: u32,
    /// The firmware has stopped answering (a hung baseband): no echo and no reply on any
    /// port until this is cleared again; the state is kept as it was.
    pub hung: bool,
    errors: Vec<(String, String)>,
    cops_scan: Duration,
    initial_echo: bool,
    pending: Vec<VecDeque<String>>,
    pub(crate) pending_delay: Option<Duration>,
}

impl Modem {
    /// A freshly booted device of `profile` with the scenario's SIM, network and faults.
    pub fn new(profile: Profile, scenario: &Scenario) -> Modem {
        let initial_echo = scenario.echo.unwrap_or(true);
        let ports: Vec<PortState> = profile
            .serial_ports()
            .into_iter()
            .map(|(k, _, function)| {
                let tty = format!("ttyUSB{k}");
                let vanish_on = scenario
                    .ports
                    .get(&tty)
                    .and_then(|p| p.vanish_on.as_deref())
                    .map(command_key);
                PortState {
                    tty,
                    function,
                    echo: initial_echo,
                    cmee: 0,
                    reg_n: [0; 3],
                    data_mode: false,
                    vanish_on,
                }
            })
            .collect();
        let n = ports.len();
        let mut contexts = BTreeMap::new();
        contexts.insert(1, ("IP".to_string(), String::new()));
        Modem {
            sim: SimCard::new(&scenario.sim),
            sms: SmsStore::new(&scenario.sms),
            net: Network::new(&profile, &scenario.network),
            setport: profile.setport_default.map(str::to_string),
            profile,
            ports,
            contexts,
            ndis: false,
            curc: 1,
            portsel: 0,
            syscfg: (2, 0, "3FFFFFFF".into(), 1, 2),
            syscfgex_mode: "00".into(),
            apns: scenario.network.apns.clone(),
            resets: 0,
            hung: false,
            errors: scenario
                .errors
                .iter()
                .map(|(k, v)| (command_key(k), v.trim().to_string()))
                .collect(),
            cops_scan: Duration::from_millis(scenario.cops_scan_ms.unwrap_or(2000)),
            initial_echo,
            pending: vec![VecDeque::new(); n],
            pending_delay: None,
        }
    }

    /// Handles one command line (without the `\r`) received on port `port`.
    ///
    /// Lines that do not start with `AT` are ignored, as modems ignore line noise. Several
    /// commands may share a line (`AT+COPS=3,0;+COPS?`, `ATE0V1`); the first error ends the line.
    pub fn handle(&mut self, port: usize, line: &str) -> Vec<Output> {
        let Some(state) = self.ports.get(port) else {
            return vec![];
        };
        if state.data_mode || self.hung {
            return vec![];
        }
        if self.awaiting_text(port) {
            return self.prompt_text(port, line);
        }
        let t = line.trim_matches(|c: char| c.is_whitespace() || c == '\0');
        let Some(body) = t
            .get(..2)
            .filter(|p| p.eq_ignore_ascii_case("AT"))
            .map(|_| &t[2..])
        else {
            return vec![];
        };
        let Some(cmds) = split_commands(body) else {
            return vec![Output::Final("ERROR".into())];
        };
        let before = self.reg_snapshot();
        let mut out = Vec::new();
        let mut fin = None;
        if cmds.is_empty() {
            fin = self.override_for("");
        }
        for c in &cmds {
            if self.ports[port].vanish_on.as_deref() == Some(command_key(&c.raw).as_str()) {
                return vec![Output::Vanish];
            }
            if let Some(f) = self.override_for(&c.raw) {
                fin = Some(f);
                break;
            }
            let res = match self.sms_command(port, c) {
                Some(r) => r,
                None => self.exec(port, c),
            };
            if let Some(d) = self.pending_delay.take() {
                out.push(Output::Delay(d));
            }
            match res {
                Res::Ok(lines) => push_info(&mut out, lines),
                Res::Cme(code) => {
                    fin = Some(self.cme(port, code));
                    break;
                }
                Res::Error => {
                    fin = Some("ERROR".into());
                    break;
                }
                Res::Unsupported => {
                    fin = Some(self.profile.unsupported.into());
                    break;
                }
                Res::Final(lines, f) => {
                    push_info(&mut out, lines);
                    fin = Some(f);
                    break;
                }
            }
        }
        match fin {
            Some(f) if f == sms::PROMPT => out.push(Output::Prompt),
            f => out.push(Output::Final(f.unwrap_or_else(|| "OK".into()))),
        }
        self.queue_reg_urcs(before);
        out
    }

    /// Changes what the network does (e.g. the network is lost mid-test), as if the radio saw
    /// it now: `+CREG`-style URCs go to the ports that asked for them, and when registration is
    /// lost a PPP call ends with `NO CARRIER` and an NDIS session with `^NDISSTAT: 0`.
    pub fn set_registration(&mut self, outcome: crate::scenario::Registration) {
        let before = self.reg_snapshot();
        self.net.outcome = outcome;
        if !self.net.registered(self.sim.ready().is_ok()) {
            self.end_data_calls();
        }
        self.queue_reg_urcs(before);
    }

    /// The network ends every data session while the stick stays registered (a PDP context
    /// torn down by the operator, an idle timeout): a PPP call ends with `NO CARRIER`, an NDIS
    /// session with `^NDISSTAT: 0`. Returns whether a session was up.
    pub fn end_data_calls(&mut self) -> bool {
        let mut ended = false;
        for p in 0..self.ports.len() {
            if self.hang_up(p) {
                self.queue_urc(p, "NO CARRIER".into());
                ended = true;
            }
        }
        if self.ndis {
            self.ndis = false;
            ended = true;
            if let Some(u) = self.urc_port() {
                self.queue_urc(u, "^NDISSTAT: 0,,,\"IPV4\"".into());
            }
        }
        ended
    }

    /// Whether port `port` echoes what it receives.
    pub fn echo(&self, port: usize) -> bool {
        !self.hung && self.ports.get(port).is_some_and(|p| p.echo)
    }

    /// Whether port `port` is in data mode (after `CONNECT`).
    pub fn in_data_mode(&self, port: usize) -> bool {
        self.ports.get(port).is_some_and(|p| p.data_mode)
    }

    /// Ends a data call on `port` (DTR drop, close, `+++`). Returns whether one was up.
    pub fn hang_up(&mut self, port: usize) -> bool {
        match self.ports.get_mut(port) {
            Some(p) if p.data_mode => {
                p.data_mode = false;
                true
            }
            _ => false,
        }
    }

    /// Unsolicited messages waiting for `port`.
    pub fn take_urcs(&mut self, port: usize) -> Vec<String> {
        self.pending
            .get_mut(port)
            .map(|q| q.drain(..).collect())
            .unwrap_or_default()
    }

    /// Ports that have unsolicited messages waiting.
    pub fn ports_with_urcs(&self) -> Vec<usize> {
        (0..self.pending.len())
            .filter(|&i| !self.pending[i].is_empty())
            .collect()
    }

    /// The port that gets unsolicited messages (`^PORTSEL`), if the device has one.
    pub fn urc_port(&self) -> Option<usize> {
        let want = if self.portsel == 1 {
            PortFunction::Modem
        } else {
            PortFunction::Pcui
        };
        self.ports.iter().position(|p| p.function == want)
    }

    /// Whether periodic URCs are on (`^CURC`).
    pub fn curc_enabled(&self) -> bool {
        self.curc != 0
    }

    /// The `tick`-th URC of a periodic flood, in the firmware's own style.
    pub fn periodic_urc(&self, tick: u64) -> String {
        let set: Vec<String> = match self.profile.dialect {
            Dialect::Zte => vec![
                self.net
                    .zpas(self.sim.ready().is_ok())
                    .replace("+ZPAS:", "+ZPASR:"),
                "+ZUSIMR:2".into(),
            ],
            Dialect::HuaweiLte => vec![
                self.net.rssi_urc(),
                self.net.hcsq(),
                self.net.mode_urc(),
                dsflowrpt(tick),
            ],
            _ => vec![self.net.rssi_urc(), self.net.mode_urc(), dsflowrpt(tick)],
        };
        let i = usize::try_from(tick).unwrap_or(0) % set.len();
        set[i].clone()
    }

    /// What the firmware prints when it has booted.
    pub fn boot_urcs(&self) -> Vec<String> {
        match self.profile.dialect {
            Dialect::HuaweiLte => vec!["^SYSSTART".into()],
            Dialect::Zte => vec!["+ZUSIMR:2".into()],
            _ => vec!["^BOOT:20485146,0,0,0,75".into()],
        }
    }

    fn override_for(&self, raw: &str) -> Option<String> {
        let key = command_key(raw);
        self.errors
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    }

    /// The final result for `+CME ERROR` code `code` in the port's `+CMEE` mode.
    fn cme(&self, port: usize, code: u16) -> String {
        match self.ports[port].cmee {
            0 => "ERROR".into(),
            1 => format!("+CME ERROR: {code}"),
            _ => format!("+CME ERROR: {}", cme_text(code)),
        }
    }

    pub(crate) fn queue_urc(&mut self, port: usize, urc: String) {
        if let Some(q) = self.pending.get_mut(port) {
            if q.len() < 256 {
                q.push_back(urc);
            }
        }
    }

    fn reg_snapshot(&self) -> [u8; 3] {
        let ready = self.sim.ready().is_ok();
        [RegCmd::Creg, RegCmd::Cgreg, RegCmd::Cereg].map(|c| self.net.stat_for(c, ready))
    }

    /// Sends `+CREG:`-style URCs to every port whose unsolicited mode asks for them.
    fn queue_reg_urcs(&mut self, before: [u8; 3]) {
        let after = self.reg_snapshot();
        let ready = self.sim.ready().is_ok();
        for (i, cmd) in [RegCmd::Creg, RegCmd::Cgreg, RegCmd::Cereg]
            .into_iter()
            .enumerate()
        {
            if before[i] == after[i] {
                continue;
            }
            for p in 0..self.ports.len() {
                let n = self.ports[p].reg_n[i];
                if n > 0 {
                    let urc = self.net.reg_urc(cmd, n, ready);
                    self.queue_urc(p, urc);
                }
            }
        }
    }

    /// A port back to power-on settings (`ATZ`, reboot).
    fn reset_port(&mut self, port: usize) {
        let echo = self.initial_echo;
        if let Some(p) = self.ports.get_mut(port) {
            p.echo = echo;
            p.cmee = 0;
            p.reg_n = [0; 3];
        }
    }

    /// `^RESET` / `+CFUN=1,1`: the firmware reboots. The sim keeps its ports (a real stick
    /// re-enumerates on USB); NV settings (`^SETPORT`, contexts) survive, the SIM locks again.
    fn reboot(&mut self) {
        self.resets += 1;
        self.sim.power_cycle();
        self.net.cfun = 1;
        self.net.cops_mode = 0;
        self.ndis = false;
        self.sms.prompt = None;
        self.curc = 1;
        self.portsel = 0;
        for p in 0..self.ports.len() {
            self.reset_port(p);
            self.ports[p].data_mode = false;
        }
        if let Some(u) = self.urc_port() {
            for b in self.boot_urcs() {
                self.queue_urc(u, b);
            }
        }
    }
}

fn push_info(out: &mut Vec<Output>, lines: Vec<String>) {
    if !lines.is_empty() {
        out.push(Output::Info(lines.join("\r\n")));
    }
}

fn dsflowrpt(tick: u64) -> String {
    format!(
        "^DSFLOWRPT:{:08X},00000000,00000000,{:016X},{:016X},0003E800,0003E800",
        tick,
        tick * 1200,
        tick * 5400
    )
}

/// 27.007 verbose `+CME ERROR` texts.
pub fn cme_text(code: u16) -> &'static str {
    match code {
        0 => "phone failure",
        3 => "operation not allowed",
        4 => "operation not supported",
        10 => "SIM not inserted",
        11 => "SIM PIN required",
        12 => "SIM PUK required",
        13 => "SIM failure",
        14 => "SIM busy",
        15 => "SIM wrong",
        16 => "incorrect password",
        30 => "no network service",
        31 => "network timeout",
        32 => "network not allowed - emergency calls only",
        50 => "Incorrect parameters",
        _ => "unknown",
    }
}

/// Splits the part of a line after `AT` into commands (V.250 §5.2: basic commands follow each
/// other directly, extended ones are separated by `;`, `D` takes the rest of the line).
/// `None` for characters that cannot start a command.
pub(crate) fn split_commands(body: &str) -> Option<Vec<Cmd>> {
    let b: Vec<char> = body.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let s = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        b[s..*i].iter().collect::<String>()
    };
    while i < b.len() {
        let c = b[i];
        match c {
            ';' | ' ' => i += 1,
            '+' | '^' | '%' | '$' => {
                let start = i;
                let mut quoted = false;
                while i < b.len() && (quoted || b[i] != ';') {
                    if b[i] == '"' {
                        quoted = !quoted;
                    }
                    i += 1;
                }
                out.push(extended(&b[start..i].iter().collect::<String>()));
            }
            'D' | 'd' => {
                let rest: String = b[i + 1..].iter().collect();
                let rest = rest.trim().to_string();
                out.push(Cmd {
                    name: "D".into(),
                    raw: format!("D{}", rest.to_ascii_uppercase()),
                    kind: Kind::Set(rest),
                });
                i = b.len();
            }
            'S' | 's' => {
                i += 1;
                let reg = digits(&mut i);
                let name = format!("S{reg}");
                let kind = if b.get(i) == Some(&'?') {
                    i += 1;
                    Kind::Read
                } else if b.get(i) == Some(&'=') {
                    i += 1;
                    Kind::Set(digits(&mut i))
                } else {
                    Kind::Exec
                };
                out.push(basic(name, kind));
            }
            '&' => {
                let l = b.get(i + 1)?.to_ascii_uppercase();
                if !l.is_ascii_alphabetic() {
                    return None;
                }
                i += 2;
                let d = digits(&mut i);
                out.push(basic(format!("&{l}"), set_or_exec(d)));
            }
            c if c.is_ascii_alphabetic() => {
                i += 1;
                let d = digits(&mut i);
                out.push(basic(c.to_ascii_uppercase().to_string(), set_or_exec(d)));
            }
            _ => return None,
        }
    }
    Some(out)
}

fn set_or_exec(d: String) -> Kind {
    if d.is_empty() {
        Kind::Exec
    } else {
        Kind::Set(d)
    }
}

fn basic(name: String, kind: Kind) -> Cmd {
    let raw = match &kind {
        Kind::Exec => name.clone(),
        Kind::Read => format!("{name}?"),
        Kind::Test => format!("{name}=?"),
        Kind::Set(v) if name.starts_with('S') => format!("{name}={v}"),
        Kind::Set(v) => format!("{name}{v}"),
    };
    Cmd { name, kind, raw }
}

fn extended(s: &str) -> Cmd {
    let s = s.trim();
    let end = s.find(['=', '?']).unwrap_or(s.len());
    let name = s[..end].trim().to_ascii_uppercase();
    let rest = &s[end..];
    let kind = if rest.is_empty() {
        Kind::Exec
    } else if rest == "?" {
        Kind::Read
    } else if rest.trim() == "=?" {
        Kind::Test
    } else {
        Kind::Set(rest[1..].trim().to_string())
    };
    Cmd {
        name,
        kind,
        raw: upper_outside_quotes(s),
    }
}

fn upper_outside_quotes(s: &str) -> String {
    let mut q = false;
    s.chars()
        .map(|c| {
            if c == '"' {
                q = !q;
            }
            if q {
                c
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect()
}

/// Splits a parameter list on commas outside quotes; trims blanks and removes the quotes.
pub(crate) fn args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut q = false;
    for c in s.chars() {
        match c {
            '"' => q = !q,
            ',' if !q => out.push(std::mem::take(&mut cur).trim().to_string()),
            c => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out
}

#[cfg(test)]
mod sms_tests;
#[cfg(test)]
mod tests;
