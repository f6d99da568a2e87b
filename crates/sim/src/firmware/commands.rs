//! The command table: what each AT command does to the [`Modem`] and what it prints.
//!
//! Which commands exist depends on the firmware [`Dialect`]: ZTE has no Huawei `^` commands,
//! the old E620 firmware has no `^GETPORTMODE`/`^HCSQ`/`^SYSINFOEX`, and unknown commands get
//! the profile's "unsupported" reply, as each firmware does.

use super::network::{Act, RegCmd};
use super::sim_card::cme;
use super::{args, Cmd, Kind, Modem, Res};
use crate::profile::{Dialect, PortFunction};

/// `^SETPORT` function codes (usb_modeswitch.md §5c).
const SETPORT_CODES: &[(&str, &str)] = &[
    ("A1", "CDROM"),
    ("A2", "SD"),
    ("A", "BLUE TOOTH"),
    ("1", "3G MODEM"),
    ("2", "3G PCUI"),
    ("3", "3G DIAG"),
    ("5", "3G GPS"),
    ("10", "4G MODEM"),
    ("12", "4G PCUI"),
    ("13", "4G DIAG"),
    ("14", "4G GPS"),
    ("16", "NCM"),
];

const SYSCFGEX_TEST: &str = "^SYSCFGEX: (\"00\",\"03\",\"02\",\"01\",\"99\"),((2000004e80380,\"GSM850/GSM900/GSM1800/GSM1900/WCDMA850/WCDMA900/WCDMA1900/WCDMA2100\"),(3fffffff,\"All Bands\")),(0-3),(0-4),((800c5,\"LTE2100/LTE1800/LTE2600/LTE900/LTE800\"),(7fffffffffffffff,\"All bands\"))";
const SYSCFG_TEST: &str = "^SYSCFG:(2,13,14,16),(0-3),((400380,\"GSM900/GSM1800/WCDMA2100\"),(3fffffff,\"All bands\")),(0-2),(0-4)";
/// `^DHCP?` while connected (ModemManager vector hw-dhcp-01: 100.92.236.163/29 via .161).
const DHCP: &str = "^DHCP:a3ec5c64,f8ffffff,a1ec5c64,a1ec5c64,2200b10a,74bba80a,236800,236800";

fn ok() -> Res {
    Res::Ok(vec![])
}

fn one(s: impl Into<String>) -> Res {
    Res::Ok(vec![s.into()])
}

fn num(s: &str) -> Option<u8> {
    s.trim().parse().ok()
}

impl Modem {
    pub(super) fn exec(&mut self, port: usize, c: &Cmd) -> Res {
        let d = self.profile.dialect;
        let huawei = d != Dialect::Zte;
        let modern = matches!(d, Dialect::HuaweiLte | Dialect::Huawei3g);
        let lte = d == Dialect::HuaweiLte;
        let name = c.name.as_str();
        match (name, &c.kind) {
            // V.250 basics.
            ("E", k) => match basic_digit(k) {
                Some(v @ 0..=1) => {
                    self.ports[port].echo = v == 1;
                    ok()
                }
                _ => Res::Error,
            },
            ("V" | "Q" | "X" | "L" | "M" | "&C" | "&D" | "&K" | "&S" | "H", _) => ok(),
            (s, Kind::Read) if s.starts_with('S') && s.len() > 1 => one("000"),
            (s, _) if s.starts_with('S') && s.len() > 1 => ok(),
            ("Z" | "&F", _) => {
                self.reset_port(port);
                ok()
            }
            ("I", _) => Res::Ok(self.ati()),
            ("O" | "A", _) => Res::Final(vec![], "NO CARRIER".into()),
            ("D", Kind::Set(s)) => self.dial(port, s),
            ("+CMEE", Kind::Set(a)) => match num(a) {
                Some(v @ 0..=2) => {
                    self.ports[port].cmee = v;
                    ok()
                }
                _ => Res::Error,
            },
            ("+CMEE", Kind::Read) => one(format!("+CMEE: {}", self.ports[port].cmee)),
            ("+CMEE", Kind::Test) => one("+CMEE: (0-2)"),

            // Identity.
            ("+CGMI" | "+GMI", Kind::Exec) => one(self.profile.identity.cgmi),
            ("+CGMM" | "+GMM", Kind::Exec) => one(self.profile.identity.model),
            ("+CGMR" | "+GMR", Kind::Exec) => one(self.profile.identity.firmware),
            ("+CGSN" | "+GSN", Kind::Exec) => one(self.profile.identity.imei.clone()),
            (
                "+CGMI" | "+GMI" | "+CGMM" | "+GMM" | "+CGMR" | "+GMR" | "+CGSN" | "+GSN",
                Kind::Test,
            ) => ok(),
            ("+GCAP", Kind::Exec) => one(if d == Dialect::Zte {
                "+GCAP: +CGSM,+FCLASS,+DS"
            } else {
                "+GCAP: +CGSM,+DS,+ES"
            }),
            ("+CIMI", Kind::Exec) => match self.sim.ready() {
                Ok(()) => one(self.profile.identity.imsi.clone()),
                Err(e) => Res::Cme(e),
            },
            ("^ICCID", Kind::Read) if modern => self.iccid("^ICCID: "),
            ("+CCID" | "+ICCID", Kind::Exec | Kind::Read) => self.iccid("+CCID: "),
            ("+ZGETICCID", Kind::Exec) if d == Dialect::Zte => self.iccid("+ZGETICCID: "),
            ("^HWVER", Kind::Exec) if huawei => {
                one(format!("^HWVER:\"{}\"", self.profile.identity.hardware))
            }
            ("^FHVER", Kind::Exec) if modern => {
                let id = &self.profile.identity;
                one(format!(
                    "^FHVER:\"{} {},{}\"",
                    id.variant, id.firmware, id.hardware
                ))
            }

            // SIM.
            ("+CPIN", Kind::Read) => self.sim.cpin_query().map_or_else(Res::Cme, one),
            ("+CPIN", Kind::Test) => ok(),
            ("+CPIN", Kind::Set(a)) => match self.sim.enter(&args(a)) {
                Ok(()) => ok(),
                Err(e) => Res::Cme(e),
            },
            ("^CPIN", Kind::Read) if huawei => {
                self.sim.huawei_cpin_query().map_or_else(Res::Cme, one)
            }
            ("+ZPINPUK", Kind::Read) if d == Dialect::Zte => one(format!(
                "+ZPINPUK: {},{}",
                self.sim.pin_retries, self.sim.puk_retries
            )),
            ("+CLCK", Kind::Set(a)) => self.clck(&args(a)),

            // Radio and network.
            ("+CFUN", Kind::Read) => one(format!("+CFUN: {}", self.net.cfun)),
            ("+CFUN", Kind::Test) => one("+CFUN: (0,1,4),(0-1)"),
            ("+CFUN", Kind::Set(a)) => self.cfun(&args(a)),
            ("+CSQ", Kind::Exec) => one(self.net.csq()),
            ("+CSQ", Kind::Test) => one("+CSQ: (0-31,99),(0-7,99)"),
            ("^HCSQ", Kind::Read) if lte => one(self.net.hcsq()),
            ("^HCSQ", Kind::Test) if lte => one("^HCSQ: \"NOSERVICE\",\"GSM\",\"WCDMA\",\"LTE\""),
            ("^SYSINFO", Kind::Exec) if huawei => {
                one(self.net.sysinfo(self.sim_state_code(), self.sim_ready()))
            }
            ("^SYSINFOEX", Kind::Exec) if lte => {
                one(self.net.sysinfoex(self.sim_state_code(), self.sim_ready()))
            }
            ("+ZPAS", Kind::Read) if d == Dialect::Zte => one(self.net.zpas(self.sim_ready())),
            ("+ZSNT", Kind::Read) if d == Dialect::Zte => one("+ZSNT: 0,0,0"),
            ("+ZCDRUN", Kind::Set(_)) if d == Dialect::Zte => {
                one("Close autorun state result(0:FAIL 1:SUCCESS):1")
            }
            ("+CREG" | "+CGREG" | "+CEREG", k) => {
                let (cmd, i) = match name {
                    "+CREG" => (RegCmd::Creg, 0),
                    "+CGREG" => (RegCmd::Cgreg, 1),
                    _ if lte => (RegCmd::Cereg, 2),
                    _ => return Res::Unsupported,
                };
                match k {
                    Kind::Read => {
                        one(self
                            .net
                            .reg_query(cmd, self.ports[port].reg_n[i], self.sim_ready()))
                    }
                    Kind::Test => one(format!("{name}: (0-2)")),
                    Kind::Set(a) => match num(a) {
                        Some(n @ 0..=2) => {
                            self.ports[port].reg_n[i] = n;
                            ok()
                        }
                        _ => Res::Cme(cme::INCORRECT_PARAMETERS),
                    },
                    Kind::Exec => Res::Error,
                }
            }
            ("+COPS", Kind::Read) => one(self.net.cops_query(self.sim_ready())),
            ("+COPS", Kind::Test) => {
                if self.net.cfun != 1 {
                    return Res::Cme(30);
                }
                self.pending_delay = Some(self.cops_scan);
                one(self.net.cops_scan(self.sim_ready()))
            }
            ("+COPS", Kind::Set(a)) => self.cops(&args(a)),
            ("+CGATT", Kind::Read) => one(format!(
                "+CGATT: {}",
                u8::from(self.net.registered(self.sim_ready()))
            )),
            ("+CGACT", Kind::Read) => {
                let up = self.ndis || self.ports.iter().any(|p| p.data_mode);
                Res::Ok(
                    self.contexts
                        .keys()
                        .map(|cid| format!("+CGACT: {cid},{}", u8::from(up && *cid == 1)))
                        .collect(),
                )
            }
            ("+CGDCONT", k) => self.cgdcont(k),

            // Huawei configuration and data.
            ("^SYSCFG", k) if huawei => self.syscfg(k),
            ("^SYSCFGEX", k) if lte => self.syscfgex(k),
            ("^GETPORTMODE", Kind::Exec) if modern => one(self.profile.getportmode()),
            ("^SETPORT", k) if self.setport.is_some() => self.setport_cmd(k),
            ("^CURC", Kind::Set(a)) if huawei => match num(a) {
                Some(v @ 0..=1) => {
                    self.curc = v;
                    ok()
                }
                _ => Res::Error,
            },
            ("^CURC", Kind::Read) if huawei => one(format!("^CURC: {}", self.curc)),
            ("^PORTSEL", Kind::Set(a)) if huawei => match num(a) {
                Some(v @ 0..=1) => {
                    self.portsel = v;
                    ok()
                }
                _ => Res::Error,
            },
            ("^PORTSEL", Kind::Read) if huawei => one(format!("^PORTSEL: {}", self.portsel)),
            ("^RESET", Kind::Exec) if huawei => {
                self.reboot();
                ok()
            }
            ("^NDISDUP", Kind::Set(a)) if self.profile.has_ndis() => self.ndisdup(port, &args(a)),
            ("^NDISSTATQRY", Kind::Read) if self.profile.has_ndis() => one(format!(
                "^NDISSTATQRY: {},,,\"IPV4\",0,,,\"IPV6\"",
                u8::from(self.ndis)
            )),
            ("^DHCP", Kind::Read) if self.profile.has_ndis() => {
                if self.ndis {
                    one(DHCP)
                } else {
                    Res::Cme(cme::NOT_ALLOWED)
                }
            }

            // SMS and USSD are in sms.rs.
            ("+CSCS", Kind::Set(_)) => ok(),
            ("+CSCS", Kind::Read) => one("+CSCS: \"IRA\""),
            _ => Res::Unsupported,
        }
    }

    fn sim_ready(&self) -> bool {
        self.sim.ready().is_ok()
    }

    /// `<sim_state>` of `^SYSINFO`: 1 valid, 255 not present or locked, 0 invalid.
    fn sim_state_code(&self) -> u8 {
        match self.sim.ready() {
            Ok(()) => 1,
            Err(cme::SIM_FAILURE) => 0,
            Err(_) => 255,
        }
    }

    fn iccid(&self, prefix: &str) -> Res {
        match self.sim.present() {
            Ok(()) => one(format!("{prefix}{}", self.profile.identity.iccid)),
            Err(e) => Res::Cme(e),
        }
    }

    fn ati(&self) -> Vec<String> {
        let id = &self.profile.identity;
        let manufacturer = if self.profile.dialect == Dialect::Zte {
            id.cgmi
        } else {
            "huawei"
        };
        vec![
            format!("Manufacturer: {manufacturer}"),
            format!("Model: {}", id.model),
            format!("Revision: {}", id.firmware),
            format!("IMEI: {}", id.imei),
            if self.profile.dialect == Dialect::Zte {
                "+GCAP: +CGSM,+FCLASS,+DS".into()
            } else {
                "+GCAP: +CGSM,+DS,+ES".into()
            },
        ]
    }

    fn clck(&mut self, a: &[String]) -> Res {
        if a.first().map(|f| f.to_ascii_uppercase()) != Some("SC".into()) {
            return Res::Cme(cme::INCORRECT_PARAMETERS);
        }
        if let Err(e) = self.sim.present() {
            return Res::Cme(e);
        }
        match (a.get(1).and_then(|m| num(m)), a.get(2)) {
            (Some(2), _) => one(format!("+CLCK: {}", u8::from(self.sim.pin_enabled))),
            (Some(m @ 0..=1), Some(pin)) => {
                if let Err(e) = self.sim.ready() {
                    return Res::Cme(e);
                }
                if *pin == self.sim.pin {
                    self.sim.pin_enabled = m == 1;
                    ok()
                } else {
                    self.sim.pin_retries = self.sim.pin_retries.saturating_sub(1);
                    if self.sim.pin_retries == 0 {
                        self.sim.state = crate::scenario::SimState::Puk;
                    }
                    Res::Cme(cme::INCORRECT_PASSWORD)
                }
            }
            _ => Res::Cme(cme::INCORRECT_PARAMETERS),
        }
    }

    fn cfun(&mut self, a: &[String]) -> Res {
        let fun = a.first().and_then(|f| num(f));
        let rst = a.get(1).map(|r| num(r));
        match (fun, rst) {
            (Some(1), Some(Some(1))) => {
                self.reboot();
                ok()
            }
            (Some(f @ (0 | 1 | 4)), None | Some(Some(0))) => {
                self.net.cfun = f;
                if f != 1 {
                    self.ndis = false;
                    for p in &mut self.ports {
                        p.data_mode = false;
                    }
                }
                ok()
            }
            _ => Res::Cme(cme::INCORRECT_PARAMETERS),
        }
    }

    fn cops(&mut self, a: &[String]) -> Res {
        let mode = a.first().and_then(|m| num(m));
        match mode {
            Some(0) => {
                self.net.cops_mode = 0;
                ok()
            }
            Some(1) => {
                let Some(oper) = a.get(2) else {
                    return Res::Cme(cme::INCORRECT_PARAMETERS);
                };
                if let Err(e) = self.sim.ready() {
                    return Res::Cme(e);
                }
                let matches = match a.get(1).and_then(|f| num(f)) {
                    Some(2) => self.net.manual_ok(oper),
                    _ if *oper == self.net.operator || *oper == self.net.operator_short => Ok(()),
                    _ => Err(30),
                };
                match matches {
                    Ok(()) => {
                        self.net.cops_mode = 1;
                        ok()
                    }
                    Err(e) => Res::Cme(e),
                }
            }
            Some(2) => {
                self.net.cops_mode = 2;
                ok()
            }
            Some(3) => match a.get(1).and_then(|f| num(f)) {
                Some(f @ 0..=2) => {
                    self.net.cops_format = f;
                    ok()
                }
                _ => Res::Cme(cme::INCORRECT_PARAMETERS),
            },
            _ => Res::Cme(cme::INCORRECT_PARAMETERS),
        }
    }

    fn cgdcont(&mut self, k: &Kind) -> Res {
        match k {
            Kind::Read => Res::Ok(
                self.contexts
                    .iter()
                    .map(|(cid, (t, apn))| {
                        format!("+CGDCONT: {cid},\"{t}\",\"{apn}\",\"0.0.0.0\",0,0")
                    })
                    .collect(),
            ),
            Kind::Test => Res::Ok(
                ["IP", "IPV6", "IPV4V6"]
                    .iter()
                    .map(|t| format!("+CGDCONT: (1-16),\"{t}\",,,(0-2),(0-3),(0,1),(0,1)"))
                    .collect(),
            ),
            Kind::Set(a) => {
                let a = args(a);
                let Some(cid) = a
                    .first()
                    .and_then(|c| num(c))
                    .filter(|c| (1..=16).contains(c))
                else {
                    return Res::Cme(cme::INCORRECT_PARAMETERS);
                };
                if a.len() == 1 {
                    self.contexts.remove(&cid);
                    return ok();
                }
                let t = a[1].to_ascii_uppercase();
                let apn = a.get(2).cloned().unwrap_or_default();
                let apn_ok = apn.len() <= 99
                    && apn
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
                if !["IP", "IPV6", "IPV4V6", "PPP"].contains(&t.as_str()) || !apn_ok {
                    return Res::Cme(cme::INCORRECT_PARAMETERS);
                }
                self.contexts.insert(cid, (t, apn));
                ok()
            }
            Kind::Exec => ok(),
        }
    }

    fn apn_accepted(&self, apn: &str) -> bool {
        self.apns
            .as_ref()
            .is_none_or(|l| l.iter().any(|a| a.eq_ignore_ascii_case(apn)))
    }

    /// `ATD*99#` / `ATD*99***<cid>#`: PPP on the modem port.
    fn dial(&mut self, port: usize, s: &str) -> Res {
        let no_carrier = || Res::Final(vec![], "NO CARRIER".into());
        let s = s.trim().trim_start_matches(['T', 't', 'P', 'p']);
        if !(s.starts_with("*99") || s.starts_with("*98")) || !s.ends_with('#') {
            return no_carrier(); // a voice number: data sticks have no voice path
        }
        if self.ports[port].function != PortFunction::Modem {
            return Res::Error;
        }
        if let Err(e) = self.sim.ready() {
            return Res::Cme(e);
        }
        if !self.net.registered(true) {
            return no_carrier();
        }
        let cid = s
            .trim_end_matches('#')
            .rsplit("***")
            .next()
            .filter(|_| s.contains("***"))
            .and_then(num)
            .unwrap_or(1);
        let apn = match self.contexts.get(&cid) {
            Some((_, apn)) => apn.clone(),
            None if s.contains("***") => return no_carrier(),
            None => String::new(),
        };
        if !self.apn_accepted(&apn) {
            return no_carrier();
        }
        self.ports[port].data_mode = true;
        Res::Final(vec![], self.profile.connect_line.into())
    }

    /// `^NDISDUP=1,1,"apn"[,user,pass,auth]` / `^NDISDUP=1,0`; the outcome comes as
    /// `^NDISSTAT` on the URC port, as on real firmware.
    fn ndisdup(&mut self, port: usize, a: &[String]) -> Res {
        let urc_port = self.urc_port().unwrap_or(port);
        match (
            a.first().and_then(|c| num(c)),
            a.get(1).and_then(|c| num(c)),
        ) {
            (Some(1), Some(1)) => {
                if self.ndis {
                    return Res::Error; // stale session: real sticks refuse until torn down
                }
                if let Err(e) = self.sim.ready() {
                    return Res::Cme(e);
                }
                if !self.net.registered(true) {
                    return Res::Cme(30);
                }
                let apn = a.get(2).cloned().unwrap_or_default();
                if self.apn_accepted(&apn) {
                    self.ndis = true;
                    self.contexts.insert(1, ("IP".into(), apn));
                    self.queue_urc(urc_port, "^NDISSTAT: 1,,,\"IPV4\"".into());
                } else {
                    // 3GPP SM cause 27: missing or unknown APN.
                    self.queue_urc(urc_port, "^NDISSTAT: 0,27,,\"IPV4\"".into());
                }
                ok()
            }
            (Some(1), Some(0)) => {
                if !self.ndis {
                    return Res::Error;
                }
                self.ndis = false;
                self.queue_urc(urc_port, "^NDISSTAT: 0,,,\"IPV4\"".into());
                ok()
            }
            _ => Res::Cme(cme::INCORRECT_PARAMETERS),
        }
    }

    fn syscfg(&mut self, k: &Kind) -> Res {
        match k {
            Kind::Read => {
                let (m, a, b, r, d) = &self.syscfg;
                one(format!("^SYSCFG:{m},{a},{b},{r},{d}"))
            }
            Kind::Test => one(SYSCFG_TEST),
            Kind::Set(s) => {
                let a = args(s);
                let n = |i: usize| a.get(i).and_then(|v| num(v));
                let band = a.get(2).cloned().unwrap_or_default();
                match (n(0), n(1), n(3), n(4)) {
                    (
                        Some(m @ (2 | 13 | 14 | 16)),
                        Some(acq @ 0..=3),
                        Some(r @ 0..=2),
                        Some(d @ 0..=4),
                    ) if u64::from_str_radix(&band, 16).is_ok() => {
                        if m != 16 {
                            self.net.act = match m {
                                13 => Act::Gsm,
                                14 => Act::Umts,
                                _ => self.net.max_act,
                            };
                            self.syscfg.0 = m;
                        }
                        self.syscfg.1 = acq;
                        self.syscfg.2 = band.to_ascii_uppercase();
                        self.syscfg.3 = r;
                        self.syscfg.4 = d;
                        ok()
                    }
                    _ => Res::Cme(cme::INCORRECT_PARAMETERS),
                }
            }
            Kind::Exec => Res::Error,
        }
    }

    fn syscfgex(&mut self, k: &Kind) -> Res {
        match k {
            Kind::Read => one(format!(
                "^SYSCFGEX: \"{}\",3FFFFFFF,1,2,7FFFFFFFFFFFFFFF",
                self.syscfgex_mode
            )),
            Kind::Test => one(SYSCFGEX_TEST),
            Kind::Set(s) => {
                let a = args(s);
                let mode = a.first().cloned().unwrap_or_default();
                let Some(acts) = parse_syscfgex_mode(&mode) else {
                    return Res::Cme(cme::INCORRECT_PARAMETERS);
                };
                if let Some(first) = acts.first() {
                    self.net.act = *first;
                    self.syscfgex_mode = mode;
                } else if mode == "00" {
                    self.net.act = self.net.max_act;
                    self.syscfgex_mode = mode;
                }
                ok()
            }
            Kind::Exec => Res::Error,
        }
    }

    fn setport_cmd(&mut self, k: &Kind) -> Res {
        match k {
            Kind::Read => one(format!(
                "^SETPORT:{}",
                self.setport.clone().unwrap_or_default()
            )),
            Kind::Test => Res::Ok(
                SETPORT_CODES
                    .iter()
                    .map(|(c, n)| format!("^SETPORT:{c}: {n}"))
                    .collect(),
            ),
            Kind::Set(s) => {
                let v = s.trim().trim_matches('"').to_ascii_uppercase();
                if valid_setport(&v, self.profile.setport_pcui) {
                    self.setport = Some(v);
                    ok()
                } else {
                    Res::Error
                }
            }
            Kind::Exec => Res::Error,
        }
    }
}

fn basic_digit(k: &Kind) -> Option<u8> {
    match k {
        Kind::Exec => Some(0),
        Kind::Set(d) => num(d),
        _ => None,
    }
}

/// `^SYSCFGEX` mode: "00" auto, "99" no change, else 2-digit codes 01 GSM, 02 WCDMA, 03 LTE in
/// preference order, each at most once. Returns the technologies in order.
fn parse_syscfgex_mode(m: &str) -> Option<Vec<Act>> {
    if m == "00" || m == "99" {
        return Some(vec![]);
    }
    if m.is_empty() || m.len() % 2 != 0 || !m.is_ascii() {
        return None;
    }
    let mut acts = Vec::new();
    for i in (0..m.len()).step_by(2) {
        let a = match &m[i..i + 2] {
            "01" => Act::Gsm,
            "02" => Act::Umts,
            "03" => Act::Lte,
            _ => return None,
        };
        if acts.contains(&a) {
            return None;
        }
        acts.push(a);
    }
    Some(acts)
}

/// Huawei's `^SETPORT` rules (usb_modeswitch.md §5c): `<before>;<after>`; before is `FF` or
/// starts with A1, optionally followed by A2 only; after uses only known codes, no duplicates,
/// and must keep the PCUI port.
pub(crate) fn valid_setport(v: &str, pcui: &str) -> bool {
    let Some((before, after)) = v.split_once(';') else {
        return false;
    };
    let list = |s: &str| -> Vec<String> { s.split(',').map(|c| c.trim().to_string()).collect() };
    let b = list(before);
    let before_ok = b == ["FF"]
        || (b.first().is_some_and(|c| c == "A1")
            && b.len() <= 2
            && b.get(1).is_none_or(|c| c == "A2"));
    let a = list(after);
    let known = |c: &String| SETPORT_CODES.iter().any(|(k, _)| k == c);
    let unique = a.iter().enumerate().all(|(i, c)| !a[..i].contains(c));
    before_ok && a.iter().all(known) && unique && a.iter().any(|c| c == pcui)
}
