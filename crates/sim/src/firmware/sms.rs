//! The SIM's message store and USSD, as 27.005 PDU mode and Huawei firmware
//! show them: `+CPMS`, `+CMGF`, `+CMGL`, `+CMGR`, `+CMGD`, `+CMGS` with the
//! `> ` prompt, `+CSCA`, and `+CUSD` answered by a `+CUSD` URC in packed
//! GSM-7 hex with `<dcs>` 15 (what E1550/E173/E3131 send).

use std::collections::BTreeMap;

use dongle_at::pdu::{self, ussd};

use super::{args, Cmd, Kind, Modem, Output, Res};
use crate::profile::Dialect;
use crate::scenario::SmsConfig;

/// Messages a fresh SIM holds (seven): real PDUs from ModemManager's test vectors
/// (reference/modemmanager_vectors.md §16 and MM's test-sms-part-3gpp.c):
/// index, `<stat>`, PDU. The two parts of one concatenated message are
/// stored second part first, as SIMs fill free slots in arrival order.
pub const INBOX: &[(u32, u8, &str)] = &[
    (0, 1, "07914306073011F00405812261F700003130916191314095C274D96D2FBBD3E437280CB2BEC961F3DB5D76818EF2F0381D9E83E06F39A8CC2E9FD372F77BEE0249CBE37A594E0E83E2F532085E2F93CB73D0B93CA7A7DFEEB01C447F93DF7310BD3E07CDCB727B7A9C7ECF41E432C8FC96B7C32079189E26874179D0F8DD7E93C3A0B21B246AA641D637396C7EBBCB22D0FD7E77B5D376B3AB3C07"),
    (1, 0, "07916163838428F9040B916121021021F700005190514164220A23C4B0BCFD5E8740C4B0BCFD5E83C26E3248196687C9A0301D440DBBC3677918"),
    (2, 0, "07912160130320F6440B916171056429F5000021405291651569320500034C0202E9E8301D44479741F0B09C3E0785E56590BCCC0ED3CB6410FD0D7ABBCBA0B0FB4D4797E52E10"),
    (3, 0, "07912160130320F5440B916171056429F5000021405291650569A00500034C0201A9E8F41C949E83C2207B599E07B1DFEE33885E9ED341E4F23C7D7697C920FA1B54C697E5E3F4BC0C6AD7D9F434081E96D341E3303C2C4EB3D3F4BC0B94A483E6E8779D4D06CDD1EF3BA80E0785E7A0B7BB0C6A97E7F3F0B9CC02B9DF7450780EA2DFDF2C50780EA2A3CBA0BA9B5C96B3F369F71954768FDFE4B4FB0C9297E1F2F2BCECA6CF41"),
    (4, 1, "07919730071111F10414D04937BD2C7797E9D3E614000811309291024061080442043504410442"),
    // A message this SIM sent (stored SUBMIT, UCS-2) and the network's status report on it.
    (5, 3, "002100098136397339F70008224F60597D4F60597D4F60597D4F60597D4F60597D4F60597D4F60597D4F60597D4F60"),
    (6, 1, "07914356060013F1065A098136397339F7219011700463802190117004638030"),
];

/// What the network answers to any USSD code unless the scenario says otherwise.
pub const USSD_REPLY: &str = "Balance: 12.34 EUR. Valid until 31-12-2026";

const CMS_SMSC_UNKNOWN: u16 = 330;
const CMS_NO_NETWORK: u16 = 331;
const CMS_INVALID_PDU: u16 = 304;
const CMS_INVALID_INDEX: u16 = 321;
pub const CMS_MEMORY_FULL: u16 = 322;
const CMS_NOT_ALLOWED: u16 = 302;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSms {
    /// 27.005 PDU-mode `<stat>`: 0 unread, 1 read, 2 unsent, 3 sent.
    pub stat: u8,
    pub pdu: String,
}

/// The SIM's SMS storage and the SMS service settings.
#[derive(Clone, Debug)]
pub struct SmsStore {
    pub messages: BTreeMap<u32, StoredSms>,
    pub capacity: u32,
    /// `+CMGF`: 0 PDU, 1 text.
    pub cmgf: u8,
    /// `+CSCA`; `None`: no SMSC on the SIM, so a PDU without one fails with 330.
    pub smsc: Option<String>,
    /// The last TP-MR handed out.
    pub mr: u8,
    /// PDUs the network accepted, in order.
    pub sent: Vec<String>,
    /// `+CMS ERROR` every send gets after the PDU (scenario).
    pub send_error: Option<u16>,
    pub ussd_reply: String,
    /// Port waiting for message text after `> `, with the `<length>` given.
    pub(crate) prompt: Option<(usize, usize)>,
    /// Text typed after the prompt so far.
    typed: String,
    /// Messages delivered by [`Modem::receive_text`]: their concatenation reference.
    received: u8,
}

impl SmsStore {
    pub fn new(c: &SmsConfig) -> SmsStore {
        let capacity = c.capacity.unwrap_or(20);
        let messages = if c.empty {
            BTreeMap::new()
        } else {
            INBOX
                .iter()
                .filter(|(i, _, _)| *i < capacity)
                .map(|(i, stat, pdu)| {
                    let m = StoredSms {
                        stat: *stat,
                        pdu: (*pdu).to_string(),
                    };
                    (*i, m)
                })
                .collect()
        };
        SmsStore {
            messages,
            capacity,
            cmgf: 0,
            smsc: match c.smsc.as_deref() {
                Some("") => None,
                Some(s) => Some(s.to_string()),
                None => Some("+491770610000".into()),
            },
            mr: 0,
            sent: Vec::new(),
            send_error: c.send_error,
            ussd_reply: c.ussd_reply.clone().unwrap_or_else(|| USSD_REPLY.into()),
            prompt: None,
            typed: String::new(),
            received: 0,
        }
    }

    fn cpms_counts(&self) -> String {
        let (u, c) = (self.messages.len(), self.capacity);
        format!("{u},{c},{u},{c},{u},{c}")
    }
}

/// `<length>` of `+CMGS`: the TPDU octets after the SMSC field.
fn tpdu_len(pdu: &[u8]) -> Option<usize> {
    let smsc = usize::from(*pdu.first()?);
    pdu.len().checked_sub(1 + smsc)
}

impl Modem {
    /// The `+CMS ERROR` final result in the port's `+CMEE` mode.
    fn cms(&self, port: usize, code: u16) -> Res {
        match self.ports[port].cmee {
            0 => Res::Final(vec![], "ERROR".into()),
            _ => Res::Final(vec![], format!("+CMS ERROR: {code}")),
        }
    }

    /// SMS and USSD commands; `None` when `c` is none of them.
    pub(super) fn sms_command(&mut self, port: usize, c: &Cmd) -> Option<Res> {
        let needs_sim = matches!(
            c.name.as_str(),
            "+CPMS" | "+CMGL" | "+CMGR" | "+CMGD" | "+CMGS" | "+CSCA" | "+CUSD"
        );
        if needs_sim && !matches!(c.kind, Kind::Test) {
            if let Err(e) = self.sim.ready() {
                // 27.005 §3.2.5: 310 SIM not inserted, 311 PIN, 316 PUK, 313 failure.
                let code = match e {
                    10 => 310,
                    11 => 311,
                    12 => 316,
                    _ => 313,
                };
                return Some(self.cms(port, code));
            }
        }
        let store = &mut self.sms;
        Some(match (c.name.as_str(), &c.kind) {
            ("+CMGF", Kind::Set(a)) => match a.trim() {
                "0" | "1" => {
                    store.cmgf = u8::from(a.trim() == "1");
                    Res::Ok(vec![])
                }
                _ => Res::Error,
            },
            ("+CMGF", Kind::Read) => Res::Ok(vec![format!("+CMGF: {}", store.cmgf)]),
            ("+CMGF", Kind::Test) => Res::Ok(vec!["+CMGF: (0,1)".into()]),
            ("+CPMS", Kind::Read) => {
                let (u, c) = (store.messages.len(), store.capacity);
                Res::Ok(vec![format!(
                    "+CPMS: \"SM\",{u},{c},\"SM\",{u},{c},\"SM\",{u},{c}"
                )])
            }
            ("+CPMS", Kind::Set(a)) => {
                let ok = args(a)
                    .iter()
                    .all(|m| matches!(m.as_str(), "SM" | "ME" | "MT"));
                if ok {
                    Res::Ok(vec![format!("+CPMS: {}", store.cpms_counts())])
                } else {
                    return Some(self.cms(port, CMS_NOT_ALLOWED));
                }
            }
            ("+CPMS", Kind::Test) => Res::Ok(vec![
                "+CPMS: (\"SM\",\"ME\"),(\"SM\",\"ME\"),(\"SM\")".into(),
            ]),
            ("+CSCA", Kind::Read) => match &store.smsc {
                Some(s) => Res::Ok(vec![format!("+CSCA: \"{s}\",145")]),
                None => Res::Ok(vec!["+CSCA: \"\",129".into()]),
            },
            ("+CSCA", Kind::Set(a)) => match args(a).first() {
                Some(n) if !n.is_empty() && pdu::validate_number(n).is_ok() => {
                    store.smsc = Some(n.clone());
                    Res::Ok(vec![])
                }
                _ => return Some(self.cms(port, CMS_NOT_ALLOWED)),
            },
            ("+CMGL", Kind::Test) => Res::Ok(vec!["+CMGL: (0-4)".into()]),
            ("+CMGL", Kind::Set(a)) => {
                let want = a.trim().parse::<u8>().ok().filter(|s| *s <= 4);
                let (Some(want), 0) = (want, store.cmgf) else {
                    return Some(self.cms(port, CMS_NOT_ALLOWED));
                };
                let mut lines = Vec::new();
                for (i, m) in store.messages.iter_mut() {
                    if want == 4 || m.stat == want {
                        let len = pdu::from_hex(&m.pdu)
                            .ok()
                            .and_then(|b| tpdu_len(&b))
                            .unwrap_or(0);
                        lines.push(format!("+CMGL: {i},{},,{len}", m.stat));
                        lines.push(m.pdu.clone());
                        if m.stat == 0 {
                            m.stat = 1;
                        }
                    }
                }
                Res::Ok(lines)
            }
            ("+CMGR", Kind::Set(a)) => {
                let index = a.trim().parse::<u32>().ok();
                match index.and_then(|i| store.messages.get_mut(&i)) {
                    Some(m) if store.cmgf == 0 => {
                        let len = pdu::from_hex(&m.pdu)
                            .ok()
                            .and_then(|b| tpdu_len(&b))
                            .unwrap_or(0);
                        let lines = vec![format!("+CMGR: {},,{len}", m.stat), m.pdu.clone()];
                        if m.stat == 0 {
                            m.stat = 1;
                        }
                        Res::Ok(lines)
                    }
                    Some(_) => return Some(self.cms(port, CMS_NOT_ALLOWED)),
                    None => return Some(self.cms(port, CMS_INVALID_INDEX)),
                }
            }
            ("+CMGD", Kind::Set(a)) => {
                let a = args(a);
                let index = a.first().and_then(|s| s.parse::<u32>().ok());
                let flag = a.get(1).and_then(|s| s.parse::<u8>().ok()).unwrap_or(0);
                match (index, flag) {
                    (_, 4) => store.messages.clear(),
                    // 1: all read, 2: read and sent, 3: all but unread.
                    (_, f @ 1..=3) => store.messages.retain(|_, m| match f {
                        1 => m.stat != 1,
                        2 => !matches!(m.stat, 1 | 3),
                        _ => m.stat == 0,
                    }),
                    (Some(i), 0) if i < store.capacity => {
                        store.messages.remove(&i);
                    }
                    _ => return Some(self.cms(port, CMS_INVALID_INDEX)),
                }
                Res::Ok(vec![])
            }
            ("+CMGS", Kind::Set(a)) => {
                let Ok(len) = a.trim().parse::<usize>() else {
                    return Some(self.cms(port, CMS_INVALID_PDU));
                };
                if store.cmgf != 0 || !(7..=164).contains(&len) {
                    return Some(self.cms(port, CMS_INVALID_PDU));
                }
                store.prompt = Some((port, len));
                // The prompt is not a final result: the command goes on.
                return Some(Res::Final(vec![], PROMPT.into()));
            }
            ("+CUSD", Kind::Set(a)) => return Some(self.cusd(port, &args(a))),
            ("+CUSD", Kind::Read) => Res::Ok(vec!["+CUSD: 1".into()]),
            ("+CUSD", Kind::Test) => Res::Ok(vec!["+CUSD: (0,1,2)".into()]),
            ("+CNMI", Kind::Set(_)) => Res::Ok(vec![]),
            _ => return None,
        })
    }

    /// A message arrives from the network: stored in the first free slot and
    /// announced with `+CMTI: "SM",<index>` (27.005 §3.4.1); with the store
    /// full, Huawei firmware says `^SMMEMFULL: "SM"` and the network keeps it.
    pub fn receive_sms(&mut self, pdu: &str) -> Result<u32, u16> {
        let free = (0..self.sms.capacity).find(|i| !self.sms.messages.contains_key(i));
        let urc_port = self.urc_port();
        let Some(index) = free else {
            if let Some(p) = urc_port {
                self.queue_urc(p, "^SMMEMFULL: \"SM\"".into());
            }
            return Err(CMS_MEMORY_FULL);
        };
        let m = StoredSms {
            stat: 0,
            pdu: pdu.to_string(),
        };
        self.sms.messages.insert(index, m);
        if let Some(p) = urc_port {
            self.queue_urc(p, format!("+CMTI: \"SM\",{index}"));
        }
        Ok(index)
    }

    /// `text` from `from` arrives from the network as SMS-DELIVERs, one
    /// [`Modem::receive_sms`] per part (a long message comes part by part, each
    /// with its own `+CMTI`). Returns each part's slot or `+CMS` error.
    pub fn receive_text(
        &mut self,
        from: &str,
        text: &str,
    ) -> Result<Vec<Result<u32, u16>>, String> {
        self.sms.received = self.sms.received.wrapping_add(1);
        let pdus = deliver_pdus(from, text, self.sms.received, now_scts())?;
        Ok(pdus.iter().map(|p| self.receive_sms(p)).collect())
    }

    /// Whether `port` waits for message text after `> `.
    pub fn awaiting_text(&self, port: usize) -> bool {
        self.sms.prompt.is_some_and(|(p, _)| p == port)
    }

    /// Text typed after `> `, ended by Ctrl-Z (send) or ESC (abort).
    /// A line ended by CR is part of the text (27.005 text mode takes CR as a
    /// new line): it waits for the Ctrl-Z.
    pub(super) fn prompt_text(&mut self, port: usize, text: &str) -> Vec<Output> {
        self.sms.typed.push_str(text);
        if !text.ends_with(['\u{1a}', '\u{1b}']) {
            return vec![];
        }
        let typed = std::mem::take(&mut self.sms.typed);
        let Some((_, len)) = self.sms.prompt.take() else {
            return vec![];
        };
        if typed.ends_with('\u{1b}') {
            return vec![Output::Final("OK".into())];
        }
        let hex = typed.trim_end_matches('\u{1a}').trim();
        let res = self.submit(port, hex, len);
        let mut out = Vec::new();
        match res {
            Res::Ok(lines) => {
                out.push(Output::Info(lines.join("\r\n")));
                out.push(Output::Final("OK".into()));
            }
            Res::Final(_, f) => out.push(Output::Final(f)),
            _ => out.push(Output::Final("ERROR".into())),
        }
        out
    }

    fn submit(&mut self, port: usize, hex: &str, len: usize) -> Res {
        let Ok(bytes) = pdu::from_hex(hex) else {
            return self.cms(port, CMS_INVALID_PDU);
        };
        if tpdu_len(&bytes) != Some(len) {
            return self.cms(port, CMS_INVALID_PDU);
        }
        if !matches!(pdu::decode(&bytes), Ok(pdu::Tpdu::Submit(_))) {
            return self.cms(port, CMS_INVALID_PDU);
        }
        if bytes.first() == Some(&0) && self.sms.smsc.is_none() {
            return self.cms(port, CMS_SMSC_UNKNOWN);
        }
        if !self.net.registered(self.sim.ready().is_ok()) {
            return self.cms(port, CMS_NO_NETWORK);
        }
        if let Some(code) = self.sms.send_error {
            return self.cms(port, code);
        }
        self.sms.mr = self.sms.mr.wrapping_add(1);
        self.sms.sent.push(hex.to_string());
        Res::Ok(vec![format!("+CMGS: {}", self.sms.mr)])
    }

    /// `+CUSD=<n>[,<str>[,<dcs>]]`: OK now, the network's answer as a URC.
    /// Huawei firmware wants the code packed as GSM-7 hex and answers the
    /// same way; ZTE takes and gives plain text.
    fn cusd(&mut self, port: usize, a: &[String]) -> Res {
        let Some(code) = a.get(1) else {
            // +CUSD=1 / +CUSD=2: presentation on / cancel the session.
            return Res::Ok(vec![]);
        };
        let huawei = self.profile.dialect != Dialect::Zte;
        let packed = !code.is_empty() && code.bytes().all(|b| b.is_ascii_hexdigit());
        let plain = match (huawei, packed) {
            (true, true) => ussd::decode_reply(code, Some(15)),
            // Old Huawei firmware (^USSDMODE=0) refuses an unpacked code outright.
            (true, false) => return Res::Error,
            (false, _) => code.clone(),
        };
        if ussd::validate_code(&plain).is_err() {
            return Res::Cme(super::sim_card::cme::INCORRECT_PARAMETERS);
        }
        if !self.net.registered(self.sim.ready().is_ok()) {
            self.queue_urc(port, "+CUSD: 4".into());
            return Res::Ok(vec![]);
        }
        let reply = self.sms.ussd_reply.clone();
        let urc = if huawei {
            format!("+CUSD: 0,\"{}\",15", pack_text(&reply))
        } else {
            format!("+CUSD: 0,\"{reply}\",15")
        };
        self.queue_urc(port, urc);
        Res::Ok(vec![])
    }
}

/// The final "result" that stands for the `> ` prompt in [`Res::Final`].
pub(super) const PROMPT: &str = "\u{0}PROMPT";

/// USSD text as packed GSM-7 hex (what a Huawei stick prints with dcs 15).
fn pack_text(text: &str) -> String {
    let mut septets = dongle_at::pdu::gsm7::encode(text).unwrap_or_default();
    if septets.len() % 8 == 7 {
        septets.push(0x0D);
    }
    pdu::to_hex(&dongle_at::pdu::gsm7::pack(&septets, 0))
}

/// SMS-DELIVER PDUs (no SMSC field) carrying `text` from `from` (digits with
/// an optional `+`): the SUBMIT encoder's parts with the header rewritten, so
/// both directions split and encode alike. `scts` is TP-SCTS, 7 octets.
pub fn deliver_pdus(
    from: &str,
    text: &str,
    reference: u8,
    scts: [u8; 7],
) -> Result<Vec<String>, String> {
    let parts = pdu::encode_submit(&pdu::Outgoing {
        recipient: from,
        text,
        smsc: None,
        reference,
        status_report: false,
    })
    .map_err(|e| format!("cannot encode {text:?} from {from:?}: {e}"))?;
    let mut out = Vec::new();
    for p in parts {
        let b = pdu::from_hex(&p.hex).map_err(|e| e.to_string())?;
        // SMSC length, then the SUBMIT: first octet, TP-MR, TP-DA, PID, DCS, UDL+UD.
        let smsc = usize::from(*b.first().ok_or("empty PDU")?);
        let t = b.get(1 + smsc..).ok_or("short PDU")?;
        let da_len = 2 + usize::from(*t.get(2).ok_or("short PDU")?).div_ceil(2);
        let (da, rest) = t.get(2..).ok_or("short PDU")?.split_at(da_len);
        let (pid_dcs, ud) = rest.split_at(2);
        // TP-MTI DELIVER, TP-MMS (no more messages), TP-UDHI as the SUBMIT had it.
        let mut d = vec![0x00, 0x04 | (t[0] & 0x40)];
        d.extend_from_slice(da);
        d.extend_from_slice(pid_dcs);
        d.extend_from_slice(&scts);
        d.extend_from_slice(ud);
        out.push(pdu::to_hex(&d));
    }
    Ok(out)
}

/// Now as TP-SCTS (UTC, swapped semi-octets).
fn now_scts() -> [u8; 7] {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let tod = secs % 86_400;
    // Civil date from days since 1970 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let swap = |v: i64| {
        let v = v.rem_euclid(100) as u8;
        (v % 10) << 4 | (v / 10)
    };
    [
        swap(year),
        swap(month),
        swap(day),
        swap((tod / 3600) as i64),
        swap((tod / 60 % 60) as i64),
        swap((tod % 60) as i64),
        0,
    ]
}
