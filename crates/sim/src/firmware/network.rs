//! The radio side: registration, operator, access technology and signal, and how each is
//! printed by `+CREG`/`+COPS`/`+CSQ` and the Huawei `^SYSINFO`/`^HCSQ` families.

use crate::profile::Profile;
use crate::scenario::{NetworkConfig, Registration};

/// Access technology.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Act {
    Gsm,
    Umts,
    Lte,
}

impl Act {
    pub fn parse(s: &str) -> Option<Act> {
        match s {
            "gsm" => Some(Act::Gsm),
            "umts" => Some(Act::Umts),
            "lte" => Some(Act::Lte),
            _ => None,
        }
    }

    /// 27.007 `<AcT>`.
    pub fn code(self) -> u8 {
        match self {
            Act::Gsm => 0,
            Act::Umts => 2,
            Act::Lte => 7,
        }
    }
}

/// Which registration command a reply is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegCmd {
    Creg,
    Cgreg,
    Cereg,
}

impl RegCmd {
    pub fn name(self) -> &'static str {
        match self {
            RegCmd::Creg => "+CREG",
            RegCmd::Cgreg => "+CGREG",
            RegCmd::Cereg => "+CEREG",
        }
    }
}

/// Radio and network state of the modem.
#[derive(Clone, Debug)]
pub struct Network {
    /// What the network does when the modem tries to register.
    pub outcome: Registration,
    pub operator: String,
    pub operator_short: String,
    pub mcc_mnc: String,
    pub act: Act,
    /// Best technology the hardware has.
    pub max_act: Act,
    pub csq: u8,
    pub lac: u32,
    pub ci: u32,
    /// `+CFUN` level (1 full, 0/4 radio off).
    pub cfun: u8,
    /// `+COPS` mode: 0 automatic, 1 manual, 2 deregistered.
    pub cops_mode: u8,
    /// `+COPS` format: 0 long, 1 short, 2 numeric.
    pub cops_format: u8,
    /// Whether the firmware prints `<AcT>` in `+CREG`/`+COPS` (3GPP Rel-99 firmware does not).
    pub reports_act: bool,
    /// `^SYSINFO` submode for UMTS on this hardware (5 HSDPA, 7 HSPA, 9 HSPA+).
    pub umts_submode: u8,
}

impl Network {
    pub fn new(p: &Profile, c: &NetworkConfig) -> Network {
        let id = &p.identity;
        let max_act = Act::parse(id.act).unwrap_or(Act::Umts);
        let act = c.act.as_deref().and_then(Act::parse).unwrap_or(max_act);
        let operator = c
            .operator
            .clone()
            .unwrap_or_else(|| id.home_operator.into());
        Network {
            outcome: c.registration,
            operator_short: if c.operator.is_some() {
                operator.clone()
            } else {
                id.home_operator_short.into()
            },
            operator,
            mcc_mnc: c.mcc_mnc.clone().unwrap_or_else(|| id.home_mcc_mnc.into()),
            act,
            max_act: max_act.max(act),
            csq: c.csq.unwrap_or(id.csq),
            lac: id.lac,
            ci: id.ci,
            cfun: 1,
            cops_mode: 0,
            cops_format: 0,
            reports_act: p.dialect != crate::profile::Dialect::HuaweiLegacy,
            umts_submode: match p.name {
                "e3531-serial" => 9,
                "e620" => 5,
                _ => 7,
            },
        }
    }

    /// 27.007 `<stat>` now: 0 not registered, 1 home, 2 searching, 3 denied, 5 roaming.
    pub fn stat(&self, sim_ready: bool) -> u8 {
        if !sim_ready || self.cfun != 1 || self.cops_mode == 2 {
            return 0;
        }
        match self.outcome {
            Registration::Home => 1,
            Registration::Roaming => 5,
            Registration::Searching => 2,
            Registration::Denied => 3,
            Registration::None => 0,
        }
    }

    pub fn registered(&self, sim_ready: bool) -> bool {
        matches!(self.stat(sim_ready), 1 | 5)
    }

    /// A cell is in range and measured (also with a locked SIM or a denied registration).
    pub fn has_signal(&self) -> bool {
        self.cfun == 1
            && !matches!(self.outcome, Registration::Searching | Registration::None)
            && self.csq != 99
    }

    /// `<stat>` for one registration command: `+CEREG` only counts on LTE, `+CREG`/`+CGREG`
    /// outside LTE and on LTE (combined attach).
    pub fn stat_for(&self, cmd: RegCmd, sim_ready: bool) -> u8 {
        let s = self.stat(sim_ready);
        match cmd {
            RegCmd::Cereg if self.act != Act::Lte && matches!(s, 1 | 5) => 0,
            _ => s,
        }
    }

    fn location(&self) -> String {
        let lac = format!("\"{:04X}\",\"{:X}\"", self.lac, self.ci);
        if self.reports_act {
            format!("{lac},{}", self.act.code())
        } else {
            lac
        }
    }

    /// Solicited reply to `+CREG?` etc. for unsolicited mode `n`.
    pub fn reg_query(&self, cmd: RegCmd, n: u8, sim_ready: bool) -> String {
        let stat = self.stat_for(cmd, sim_ready);
        if n == 2 && matches!(stat, 1 | 5) {
            format!("{}: {n},{stat},{}", cmd.name(), self.location())
        } else {
            format!("{}: {n},{stat}", cmd.name())
        }
    }

    /// Unsolicited form for mode `n` (1 or 2).
    pub fn reg_urc(&self, cmd: RegCmd, n: u8, sim_ready: bool) -> String {
        let stat = self.stat_for(cmd, sim_ready);
        if n == 2 && matches!(stat, 1 | 5) {
            format!("{}: {stat},{}", cmd.name(), self.location())
        } else {
            format!("{}: {stat}", cmd.name())
        }
    }

    /// `+COPS?`.
    pub fn cops_query(&self, sim_ready: bool) -> String {
        if !self.registered(sim_ready) {
            return format!("+COPS: {}", self.cops_mode);
        }
        let name = match self.cops_format {
            1 => &self.operator_short,
            2 => &self.mcc_mnc,
            _ => &self.operator,
        };
        if self.reports_act {
            format!(
                "+COPS: {},{},\"{name}\",{}",
                self.cops_mode,
                self.cops_format,
                self.act.code()
            )
        } else {
            format!("+COPS: {},{},\"{name}\"", self.cops_mode, self.cops_format)
        }
    }

    /// `+COPS=?`: the serving network first, then two neighbours of the same country.
    pub fn cops_scan(&self, sim_ready: bool) -> String {
        let home_stat = match (self.registered(sim_ready), self.outcome) {
            (_, Registration::Denied) => 3,
            (true, _) => 2,
            _ => 1,
        };
        let mut entries = vec![format!(
            "({home_stat},\"{}\",\"{}\",\"{}\",{})",
            self.operator,
            self.operator_short,
            self.mcc_mnc,
            self.act.code()
        )];
        for (name, num, act) in neighbours(&self.mcc_mnc) {
            entries.push(format!("(1,\"{name}\",\"{name}\",\"{num}\",{act})"));
        }
        format!("+COPS: {},,(0,1,2,3,4),(0,1,2)", entries.join(","))
    }

    /// Whether `+COPS=1,2,"<num>"` can register.
    pub fn manual_ok(&self, num: &str) -> Result<(), u16> {
        if num == self.mcc_mnc {
            Ok(())
        } else if neighbours(&self.mcc_mnc).iter().any(|n| n.1 == num) {
            Err(32) // network not allowed - emergency calls only
        } else {
            Err(30) // no network service
        }
    }

    /// `+CSQ`.
    pub fn csq(&self) -> String {
        if self.has_signal() {
            format!("+CSQ: {},99", self.csq)
        } else {
            "+CSQ: 99,99".into()
        }
    }

    /// `^HCSQ`: values derived from `csq` so both commands tell the same story.
    pub fn hcsq(&self) -> String {
        if !self.has_signal() {
            return "^HCSQ: \"NOSERVICE\"".into();
        }
        let c = u32::from(self.csq);
        match self.act {
            // rssi -120+v dBm, rsrp -140+v dBm, sinr -20+v/5 dB, rsrq -19.5+v/2 dB
            Act::Lte => format!("^HCSQ: \"LTE\",{},{},160,19", 7 + 2 * c, 2 + 2 * c),
            // rssi, rscp -120+v dBm, ecio -32+v/2 dB
            Act::Umts => format!("^HCSQ: \"WCDMA\",{},{},54", 7 + 2 * c, 2 + 2 * c),
            Act::Gsm => format!("^HCSQ: \"GSM\",{}", 7 + 2 * c),
        }
    }

    /// `^RSSI` URC.
    pub fn rssi_urc(&self) -> String {
        format!("^RSSI: {}", if self.has_signal() { self.csq } else { 99 })
    }

    fn srv(&self, sim_ready: bool) -> (u8, u8, u8) {
        let stat = self.stat(sim_ready);
        let srv_status = match stat {
            1 | 5 => 2,
            3 => 1,
            _ if self.has_signal() => 1,
            _ => 0,
        };
        let srv_domain = if matches!(stat, 1 | 5) { 3 } else { 0 };
        (srv_status, srv_domain, u8::from(stat == 5))
    }

    /// `^SYSINFO: srv_status,srv_domain,roam,sys_mode,sim_state,lock,submode`.
    pub fn sysinfo(&self, sim_state: u8, sim_ready: bool) -> String {
        let (st, dom, roam) = self.srv(sim_ready);
        let (mode, sub) = if st == 0 {
            (0, 0)
        } else {
            match self.act {
                Act::Gsm => (3, 3),
                Act::Umts => (5, self.umts_submode),
                Act::Lte => (17, 0),
            }
        };
        format!("^SYSINFO:{st},{dom},{roam},{mode},{sim_state},,{sub}")
    }

    /// `^SYSINFOEX: srv_status,srv_domain,roam,sim_state,lock,sysmode,name,submode,name`.
    pub fn sysinfoex(&self, sim_state: u8, sim_ready: bool) -> String {
        let (st, dom, roam) = self.srv(sim_ready);
        let (mode, mname, sub, sname) = if st == 0 {
            (0, "", 0, "")
        } else {
            match self.act {
                Act::Gsm => (1, "GSM", 3, "EDGE"),
                Act::Umts => (3, "WCDMA", 46, "HSPA+"),
                Act::Lte => (6, "LTE", 101, "LTE"),
            }
        };
        format!("^SYSINFOEX:{st},{dom},{roam},{sim_state},,{mode},\"{mname}\",{sub},\"{sname}\"")
    }

    /// `^MODE` URC: sys_mode,submode as in `^SYSINFO`.
    pub fn mode_urc(&self) -> String {
        match self.act {
            Act::Gsm => "^MODE:3,3".into(),
            Act::Umts => format!("^MODE:5,{}", self.umts_submode),
            Act::Lte => "^MODE:7,101".into(),
        }
    }

    /// ZTE `+ZPAS?`.
    pub fn zpas(&self, sim_ready: bool) -> String {
        if !self.registered(sim_ready) {
            return "+ZPAS: \"No Service\",\"CS_ONLY\"".into();
        }
        let t = match self.act {
            Act::Gsm => "EDGE",
            Act::Umts => "HSDPA",
            Act::Lte => "LTE",
        };
        format!("+ZPAS: \"{t}\",\"CS_PS\"")
    }
}

/// Other networks a scan finds, by country (name, MCC+MNC, AcT).
fn neighbours(mcc_mnc: &str) -> Vec<(&'static str, &'static str, u8)> {
    match mcc_mnc.get(..3) {
        Some("270") => vec![("Tango", "27077", 7), ("Orange LU", "27099", 7)],
        Some("234") => vec![("EE", "23430", 2), ("3 UK", "23420", 2)],
        Some("208") => vec![("SFR", "20810", 2), ("Bouygues", "20820", 2)],
        _ => vec![],
    }
    .into_iter()
    .filter(|n| n.1 != mcc_mnc)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::profile;

    fn net(name: &str) -> Network {
        let p = profile(name).expect("profile");
        Network::new(&p, &NetworkConfig::default())
    }

    #[test]
    fn creg_forms() {
        let n = net("e3372");
        assert_eq!(n.reg_query(RegCmd::Creg, 0, true), "+CREG: 0,1");
        assert_eq!(
            n.reg_query(RegCmd::Creg, 2, true),
            "+CREG: 2,1,\"0B55\",\"1A2D40F\",7"
        );
        assert_eq!(n.reg_urc(RegCmd::Cereg, 1, true), "+CEREG: 1");
        assert_eq!(n.reg_query(RegCmd::Creg, 2, false), "+CREG: 2,0");
        let old = net("e620");
        assert_eq!(
            old.reg_query(RegCmd::Creg, 2, true),
            "+CREG: 2,1,\"0F3C\",\"5A8E\""
        );
    }

    #[test]
    fn cops_and_signal() {
        let mut n = net("e3372");
        assert_eq!(n.cops_query(true), "+COPS: 0,0,\"POST\",7");
        n.cops_format = 2;
        assert_eq!(n.cops_query(true), "+COPS: 0,2,\"27001\",7");
        assert_eq!(n.cops_query(false), "+COPS: 0");
        assert_eq!(n.csq(), "+CSQ: 22,99");
        assert_eq!(n.hcsq(), "^HCSQ: \"LTE\",51,46,160,19");
        assert_eq!(
            n.sysinfoex(1, true),
            "^SYSINFOEX:2,3,0,1,,6,\"LTE\",101,\"LTE\""
        );
        assert!(n
            .cops_scan(true)
            .starts_with("+COPS: (2,\"POST\",\"POST\",\"27001\",7),(1,\"Tango\""));
    }
}
