//! ModemManager's parser test vectors (sections 2–17 of
//! `/work/shared/reference/modemmanager_vectors.md`, converted to
//! `tests/data/modemmanager_vectors.json` by `tools/vectors_to_json.py`) run
//! against our parsers. Section 1 (AT framing) is covered by the framing tests.
//!
//! Every section asserts its vector count, so a vector that silently stops
//! being checked fails the test.

use dongle_at::parse::charset::Charset;
use dongle_at::parse::huawei::{
    cvoice, dhcp, hcsq, ndis, portmode, prefmode, syscfg, syscfgex, sysinfo, time,
};
use dongle_at::parse::registration::{RegCommand, RegState};
use dongle_at::parse::signal::SignalDbm;
use dongle_at::parse::sim::SimLock;
use dongle_at::parse::{indicators, operator, pdp, registration, signal, sim, sms};
use dongle_at::parse::{AccessTech, ModeMask};
use serde_json::Value;
use std::collections::BTreeMap;

const DATA: &str = include_str!("data/modemmanager_vectors.json");

fn all_vectors() -> Vec<Value> {
    let data: Value = serde_json::from_str(DATA).expect("vector JSON parses");
    assert!(data["source"]
        .as_str()
        .is_some_and(|s| s.contains("9a2d5863")));
    data["vectors"].as_array().expect("vectors array").clone()
}

/// The vectors of section `n` (headings look like `12. \`+CREG\` …`).
fn section(n: u32, expected_count: usize) -> Vec<Value> {
    let prefix = format!("{n}. ");
    let v: Vec<Value> = all_vectors()
        .into_iter()
        .filter(|v| {
            v["section"]
                .as_str()
                .is_some_and(|s| s.starts_with(&prefix))
        })
        .collect();
    assert_eq!(v.len(), expected_count, "section {n} vector count");
    v
}

fn id(v: &Value) -> &str {
    v["id"].as_str().expect("id")
}

fn input(v: &Value) -> &str {
    v["input"].as_str().expect("input")
}

fn exp<'a>(v: &'a Value, key: &str) -> &'a Value {
    &v["expect"][key]
}

fn exp_u64(v: &Value, key: &str) -> u64 {
    exp(v, key)
        .as_u64()
        .unwrap_or_else(|| panic!("{}: expect.{key} is not a number", id(v)))
}

fn exp_str<'a>(v: &'a Value, key: &str) -> &'a str {
    exp(v, key)
        .as_str()
        .unwrap_or_else(|| panic!("{}: expect.{key} is not a string", id(v)))
}

fn exp_ok(v: &Value) -> bool {
    exp(v, "ok").as_bool().unwrap_or(true)
}

/// ModemManager's name for an access technology (legend), `UNKNOWN` for none.
fn mm_act(act: Option<AccessTech>) -> &'static str {
    use AccessTech::*;
    match act {
        None => "UNKNOWN",
        Some(Gsm) => "GSM",
        Some(GsmCompact) => "GSM_COMPACT",
        Some(Gprs) => "GPRS",
        Some(Edge) => "EDGE",
        Some(Umts) => "UMTS",
        Some(Hsdpa) => "HSDPA",
        Some(Hsupa) => "HSUPA",
        Some(Hspa) => "HSPA",
        Some(HspaPlus) => "HSPA_PLUS",
        Some(Cdma1x) => "1XRTT",
        Some(EvdoRel0) => "EVDO0",
        Some(EvdoRelA) => "EVDOA",
        Some(EvdoRelB) => "EVDOB",
        Some(Lte) => "LTE",
        Some(LteCatM) => "LTE_CAT_M",
        Some(LteNbIot) => "LTE_NB_IOT",
        Some(Nr5g) => "5GNR",
        Some(LteNr5g) => "5GNR|LTE",
    }
}

fn mm_lock(lock: Option<SimLock>) -> &'static str {
    match lock {
        Option::None => "UNKNOWN",
        Some(SimLock::None) => "NONE",
        Some(SimLock::SimPin) => "SIM_PIN",
        Some(SimLock::SimPin2) => "SIM_PIN2",
        Some(SimLock::SimPuk) => "SIM_PUK",
        Some(SimLock::SimPuk2) => "SIM_PUK2",
        Some(SimLock::PhSpPin) => "PH_SP_PIN",
        Some(SimLock::PhSpPuk) => "PH_SP_PUK",
        Some(SimLock::PhNetPin) => "PH_NET_PIN",
        Some(SimLock::PhNetPuk) => "PH_NET_PUK",
        Some(SimLock::PhSimPin) => "PH_SIM_PIN",
        Some(SimLock::PhCorpPin) => "PH_CORP_PIN",
        Some(SimLock::PhCorpPuk) => "PH_CORP_PUK",
        Some(SimLock::PhFsimPin) => "PH_FSIM_PIN",
        Some(SimLock::PhFsimPuk) => "PH_FSIM_PUK",
        Some(SimLock::PhNetsubPin) => "PH_NETSUB_PIN",
        Some(SimLock::PhNetsubPuk) => "PH_NETSUB_PUK",
    }
}

fn mm_reg_state(s: RegState) -> &'static str {
    use RegState::*;
    match s {
        NotRegistered => "IDLE",
        Home => "HOME",
        Searching => "SEARCHING",
        Denied => "DENIED",
        Unknown => "UNKNOWN",
        Roaming => "ROAMING",
        HomeSmsOnly => "HOME_SMS_ONLY",
        RoamingSmsOnly => "ROAMING_SMS_ONLY",
        EmergencyOnly => "EMERGENCY_ONLY",
        HomeCsfbNotPreferred => "HOME_CSFB_NOT_PREFERRED",
        RoamingCsfbNotPreferred => "ROAMING_CSFB_NOT_PREFERRED",
        AttachedRlos => "ATTACHED_RLOS",
    }
}

fn mm_pdp(t: &pdp::PdpType) -> String {
    match t {
        pdp::PdpType::Ipv4 => "IPV4".into(),
        pdp::PdpType::Ipv6 => "IPV6".into(),
        pdp::PdpType::Ipv4v6 => "IPV4V6".into(),
        pdp::PdpType::Other(s) => s.clone(),
    }
}

fn modes(m: ModeMask) -> String {
    m.to_string()
}

/// Asserts every key of `expected` (an object of numbers) against `got`.
fn check_signal(vid: &str, expected: &Value, got: &SignalDbm) {
    let Some(map) = expected.as_object() else {
        return;
    };
    for (key, want) in map {
        let want = want.as_f64().expect("number");
        let have = match key.as_str() {
            "rssi_dbm" => got.rssi_dbm,
            "rscp_dbm" => got.rscp_dbm,
            "ecio_db" => got.ecio_db,
            "rsrp_dbm" => got.rsrp_dbm,
            "rsrq_db" => got.rsrq_db,
            "sinr_db" => got.sinr_db,
            other => panic!("{vid}: unknown signal key {other}"),
        };
        let have = have.unwrap_or_else(|| panic!("{vid}: {key} missing"));
        assert!((have - want).abs() < 1e-6, "{vid}: {key} {have} != {want}");
    }
}

#[test]
fn total_and_section_1_are_framing() {
    let all = all_vectors();
    assert_eq!(all.len(), 319);
    // Section 1 belongs to the framing tests; here we only check it is what we skip.
    let framing = section(1, 44);
    assert!(framing.iter().all(|v| id(v).starts_with("at-")));
}

#[test]
fn s02_ndisstat() {
    for v in section(2, 52) {
        let s = ndis::parse_ndisstat(input(&v)).unwrap_or_else(|e| panic!("{}: {e}", id(&v)));
        let connected = |st: Option<ndis::NdisState>| st == Some(ndis::NdisState::Connected);
        assert_eq!(
            s.ipv4.is_some(),
            exp(&v, "ipv4_available") == true,
            "{}",
            id(&v)
        );
        assert_eq!(
            s.ipv6.is_some(),
            exp(&v, "ipv6_available") == true,
            "{}",
            id(&v)
        );
        if let Some(c) = exp(&v, "ipv4_connected").as_bool() {
            assert_eq!(connected(s.ipv4), c, "{}", id(&v));
        }
        if let Some(c) = exp(&v, "ipv6_connected").as_bool() {
            assert_eq!(connected(s.ipv6), c, "{}", id(&v));
        }
    }
}

#[test]
fn s03_dhcp() {
    for v in section(3, 6) {
        let d = dhcp::parse_dhcp(input(&v)).unwrap_or_else(|e| panic!("{}: {e}", id(&v)));
        assert_eq!(d.address.to_string(), exp_str(&v, "address"), "{}", id(&v));
        assert_eq!(u64::from(d.prefix), exp_u64(&v, "prefix"), "{}", id(&v));
        assert_eq!(d.gateway.to_string(), exp_str(&v, "gateway"), "{}", id(&v));
        assert_eq!(d.dns1.to_string(), exp_str(&v, "dns1"), "{}", id(&v));
        assert_eq!(d.dns2.to_string(), exp_str(&v, "dns2"), "{}", id(&v));
    }
}

fn check_sysinfo_fields(v: &Value, s: &sysinfo::Sysinfo) {
    let vid = id(v);
    assert_eq!(u64::from(s.srv_status), exp_u64(v, "srv_status"), "{vid}");
    assert_eq!(u64::from(s.srv_domain), exp_u64(v, "srv_domain"), "{vid}");
    assert_eq!(u64::from(s.roam_status), exp_u64(v, "roam_status"), "{vid}");
    assert_eq!(u64::from(s.sys_mode), exp_u64(v, "sys_mode"), "{vid}");
    assert_eq!(u64::from(s.sim_state), exp_u64(v, "sim_state"), "{vid}");
    let valid = exp(v, "sys_submode_valid").as_bool().expect("valid flag");
    assert_eq!(s.sys_submode.is_some(), valid, "{vid}");
    if valid {
        assert_eq!(
            s.sys_submode.map(u64::from),
            Some(exp_u64(v, "sys_submode"))
        );
    }
}

#[test]
fn s04_sysinfo() {
    for v in section(4, 8) {
        let s = sysinfo::parse_sysinfo(input(&v)).unwrap_or_else(|e| panic!("{}: {e}", id(&v)));
        check_sysinfo_fields(&v, &s);
    }
}

#[test]
fn s05_sysinfoex() {
    for v in section(5, 3) {
        let s = sysinfo::parse_sysinfoex(input(&v)).unwrap_or_else(|e| panic!("{}: {e}", id(&v)));
        let vid = id(&v);
        assert_eq!(u64::from(s.srv_status), exp_u64(&v, "srv_status"), "{vid}");
        assert_eq!(u64::from(s.srv_domain), exp_u64(&v, "srv_domain"), "{vid}");
        assert_eq!(
            u64::from(s.roam_status),
            exp_u64(&v, "roam_status"),
            "{vid}"
        );
        assert_eq!(u64::from(s.sim_state), exp_u64(&v, "sim_state"), "{vid}");
        assert_eq!(u64::from(s.sys_mode), exp_u64(&v, "sys_mode"), "{vid}");
        assert_eq!(
            u64::from(s.sys_submode),
            exp_u64(&v, "sys_submode"),
            "{vid}"
        );
    }
}

/// The `combinations` list of a vector as sorted `key=value` strings.
fn expected_combinations(v: &Value) -> Vec<BTreeMap<String, String>> {
    let mut out: Vec<BTreeMap<String, String>> = exp(v, "combinations")
        .as_array()
        .expect("combinations")
        .iter()
        .map(|c| {
            c.as_object()
                .expect("object")
                .iter()
                .map(|(k, v)| {
                    let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                    (k.clone(), v)
                })
                .collect()
        })
        .collect();
    out.sort();
    out
}

fn combo(pairs: &[(&str, String)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[test]
fn s06_syscfg() {
    for v in section(6, 12) {
        let vid = id(&v);
        if vid.starts_with("hw-syscfg-test") {
            let t = syscfg::parse_syscfg_test(input(&v)).unwrap_or_else(|e| panic!("{vid}: {e}"));
            let mut got: Vec<_> = t
                .combinations
                .iter()
                .map(|c| {
                    combo(&[
                        ("mode", c.mode.to_string()),
                        ("acqorder", c.acqorder.to_string()),
                        ("allowed", modes(c.allowed)),
                        ("preferred", modes(c.preferred)),
                    ])
                })
                .collect();
            got.sort();
            assert_eq!(got, expected_combinations(&v), "{vid}");
            assert_eq!(t.bands(), exp_u64(&v, "bands"), "{vid}");
        } else {
            let r = syscfg::parse_syscfg(input(&v)).unwrap_or_else(|e| panic!("{vid}: {e}"));
            let (allowed, preferred) = r.modes().expect("known mode");
            assert_eq!(modes(allowed), exp_str(&v, "allowed"), "{vid}");
            assert_eq!(modes(preferred), exp_str(&v, "preferred"), "{vid}");
            assert_eq!(r.bands, exp_u64(&v, "bands"), "{vid}");
        }
    }
}

#[test]
fn s07_syscfgex() {
    for v in section(7, 13) {
        let vid = id(&v);
        if vid.starts_with("hw-syscfgex-test") {
            let t =
                syscfgex::parse_syscfgex_test(input(&v)).unwrap_or_else(|e| panic!("{vid}: {e}"));
            let mut got: Vec<_> = t
                .combinations
                .iter()
                .map(|c| {
                    combo(&[
                        ("mode", c.mode.clone()),
                        ("allowed", modes(c.allowed)),
                        ("preferred", modes(c.preferred)),
                    ])
                })
                .collect();
            got.sort();
            assert_eq!(got, expected_combinations(&v), "{vid}");
            assert_eq!(t.gsm_umts_bands(), exp_u64(&v, "gsm_umts_bands"), "{vid}");
            assert_eq!(t.lte_bands(), exp_u64(&v, "lte_bands"), "{vid}");
        } else {
            let format = v["format"].as_str().expect("format");
            let t = syscfgex::parse_syscfgex_test(format).expect("format parses");
            let raw = syscfgex::parse_syscfgex(input(&v)).unwrap_or_else(|e| panic!("{vid}: {e}"));
            let want_raw = &v["expect"]["raw"];
            assert_eq!(modes(raw.allowed), want_raw["allowed"], "{vid} raw");
            assert_eq!(modes(raw.preferred), want_raw["preferred"], "{vid} raw");
            assert_eq!(raw.gsm_umts_bands, want_raw["gsm_umts_bands"], "{vid} raw");
            assert_eq!(raw.lte_bands, want_raw["lte_bands"], "{vid} raw");
            let r = raw.resolve(&t);
            assert_eq!(modes(r.allowed), exp_str(&v, "allowed"), "{vid}");
            assert_eq!(modes(r.preferred), exp_str(&v, "preferred"), "{vid}");
            assert_eq!(r.gsm_umts_bands, exp_u64(&v, "gsm_umts_bands"), "{vid}");
            assert_eq!(r.lte_bands, exp_u64(&v, "lte_bands"), "{vid}");
        }
    }
}

#[test]
fn s08_prefmode() {
    for v in section(8, 6) {
        let vid = id(&v);
        if vid.starts_with("hw-prefmode-test") {
            let t =
                prefmode::parse_prefmode_test(input(&v)).unwrap_or_else(|e| panic!("{vid}: {e}"));
            let mut got: Vec<_> = t
                .iter()
                .map(|c| {
                    combo(&[
                        ("prefmode", c.prefmode.to_string()),
                        ("allowed", modes(c.allowed)),
                        ("preferred", modes(c.preferred)),
                    ])
                })
                .collect();
            got.sort();
            assert_eq!(got, expected_combinations(&v), "{vid}");
        } else {
            let t = prefmode::parse_prefmode_test(v["format"].as_str().expect("format"))
                .expect("format parses");
            let n = prefmode::parse_prefmode(input(&v)).unwrap_or_else(|e| panic!("{vid}: {e}"));
            let c = t.iter().find(|c| c.prefmode == n).expect("listed mode");
            assert_eq!(modes(c.allowed), exp_str(&v, "allowed"), "{vid}");
            assert_eq!(modes(c.preferred), exp_str(&v, "preferred"), "{vid}");
        }
    }
}

#[test]
fn s09_hcsq() {
    for v in section(9, 6) {
        let vid = id(&v);
        let r = hcsq::parse_hcsq(input(&v));
        assert_eq!(r.is_ok(), exp_ok(&v), "{vid}: {r:?}");
        let Ok(h) = r else { continue };
        assert_eq!(
            mm_act(Some(h.mode.access_tech())),
            exp_str(&v, "act"),
            "{vid}"
        );
        let want: Vec<u64> = exp(&v, "values")
            .as_array()
            .expect("values")
            .iter()
            .filter_map(Value::as_u64)
            .collect();
        let got: Vec<u64> = h.values.iter().map(|&x| u64::from(x)).collect();
        assert_eq!(got, want, "{vid}");
    }
}

#[test]
fn s10_getportmode() {
    use portmode::PortMode::*;
    for v in section(10, 12) {
        let vid = id(&v);
        let r = portmode::parse_getportmode(input(&v));
        assert_eq!(r.is_ok(), exp_ok(&v), "{vid}: {r:?}");
        let Ok(ports) = r else { continue };
        let got: Vec<&str> = ports
            .iter()
            .map(|p| match p.mode {
                Pcui => "PCUI",
                Modem => "MODEM",
                Diag => "DIAG",
                Gps => "GPS",
                Net => "NET",
                Cdrom => "CDROM",
                Sd => "SD",
                Bt => "BT",
                Shell => "SHELL",
                Other => "NONE",
            })
            .collect();
        assert_eq!(got, *exp(&v, "modes").as_array().expect("modes"), "{vid}");
    }
}

#[test]
fn s11_time() {
    for v in section(11, 11) {
        let vid = id(&v);
        let r = if vid.starts_with("hw-nwtime") {
            time::parse_nwtime(input(&v))
        } else {
            time::parse_time(input(&v))
        };
        assert_eq!(r.is_ok(), exp_ok(&v), "{vid}: {r:?}");
        let Ok(t) = r else { continue };
        assert_eq!(t.iso8601(), exp_str(&v, "iso8601"), "{vid}");
        if let Some(tz) = exp(&v, "tz_offset_min").as_i64() {
            assert_eq!(i64::from(t.tz_offset_min), tz, "{vid}");
        }
        if let Some(dst) = exp(&v, "dst_offset_min").as_i64() {
            assert_eq!(t.dst_offset_min.map(i64::from), Some(dst), "{vid}");
        }
        // "leap_seconds: unknown": neither command reports leap seconds, and
        // NetworkTime has no field for them.
    }
}

#[test]
fn s12_registration() {
    for v in section(12, 56) {
        let vid = id(&v);
        let r =
            registration::parse_registration(input(&v)).unwrap_or_else(|e| panic!("{vid}: {e}"));
        let command = match r.command {
            RegCommand::Creg => "CREG",
            RegCommand::Cgreg => "CGREG",
            RegCommand::Cereg => "CEREG",
            RegCommand::C5greg => "C5GREG",
        };
        assert_eq!(command, exp_str(&v, "command"), "{vid}");
        assert_eq!(mm_reg_state(r.state), exp_str(&v, "state"), "{vid}");
        // ModemManager reports 0 for an absent or unreadable LAC / CI.
        assert_eq!(u64::from(r.lac.unwrap_or(0)), exp_u64(&v, "lac"), "{vid}");
        assert_eq!(u64::from(r.ci.unwrap_or(0)), exp_u64(&v, "ci"), "{vid}");
        assert_eq!(mm_act(r.act), exp_str(&v, "act"), "{vid}");
    }
}

fn mm_network_status(s: operator::NetworkStatus) -> &'static str {
    match s {
        operator::NetworkStatus::Unknown => "UNKNOWN",
        operator::NetworkStatus::Available => "AVAILABLE",
        operator::NetworkStatus::Current => "CURRENT",
        operator::NetworkStatus::Forbidden => "FORBIDDEN",
    }
}

fn check_cops_read(v: &Value) {
    let vid = id(v);
    let op =
        operator::parse_cops_read(input(v), Charset::Ira).unwrap_or_else(|e| panic!("{vid}: {e}"));
    assert_eq!(u64::from(op.mode), exp_u64(v, "mode"), "{vid}");
    assert_eq!(
        op.format.map(u64::from),
        Some(exp_u64(v, "format")),
        "{vid}"
    );
    assert_eq!(
        op.operator.as_deref(),
        Some(exp_str(v, "operator")),
        "{vid}"
    );
    assert_eq!(mm_act(op.act), exp_str(v, "act"), "{vid}");
}

#[test]
fn s13_cops() {
    for v in section(13, 35) {
        let vid = id(&v);
        if vid.starts_with("cops-read") {
            check_cops_read(&v);
            continue;
        }
        let charset = match v["charset"].as_str() {
            Some("UCS2") => Charset::Ucs2,
            Some("GSM") => Charset::Gsm,
            other => panic!("{vid}: charset {other:?}"),
        };
        let nets =
            operator::parse_cops_test(input(&v), charset).unwrap_or_else(|e| panic!("{vid}: {e}"));
        let got: Vec<Value> = nets
            .iter()
            .map(|n| {
                serde_json::json!({
                    "status": mm_network_status(n.status),
                    "long": n.long_name,
                    "short": n.short_name,
                    "code": n.code,
                    "act": mm_act(n.act),
                })
            })
            .collect();
        // MM compares order-insensitively; we keep the modem's order, which
        // matches the expected lists exactly.
        assert_eq!(
            got,
            *exp(&v, "networks").as_array().expect("networks"),
            "{vid}"
        );
    }
}

#[test]
fn s14_pdp() {
    for v in section(14, 13) {
        let vid = id(&v);
        let got: Value = if vid.starts_with("cgdcont-test") {
            let f = pdp::parse_cgdcont_test(input(&v)).unwrap_or_else(|e| panic!("{vid}: {e}"));
            let list: Vec<Value> = f
                .iter()
                .map(|f| {
                    serde_json::json!({"min_cid": f.min_cid, "max_cid": f.max_cid,
                        "pdp_type": mm_pdp(&f.pdp_type)})
                })
                .collect();
            serde_json::json!({ "formats": list })
        } else if vid.starts_with("cgdcont-read") {
            let c = pdp::parse_cgdcont_read(input(&v)).unwrap_or_else(|e| panic!("{vid}: {e}"));
            let list: Vec<Value> = c
                .iter()
                .map(|c| {
                    serde_json::json!({"cid": c.cid, "pdp_type": mm_pdp(&c.pdp_type),
                        "apn": c.apn})
                })
                .collect();
            serde_json::json!({ "contexts": list })
        } else {
            let c = pdp::parse_cgact_read(input(&v)).unwrap_or_else(|e| panic!("{vid}: {e}"));
            let list: Vec<Value> = c
                .iter()
                .map(|&(cid, active)| serde_json::json!({"cid": cid, "active": active}))
                .collect();
            serde_json::json!({ "contexts": list })
        };
        assert_eq!(got, v["expect"], "{vid}");
    }
}

#[test]
fn s15_cpin_cind_cesq() {
    for v in section(15, 13) {
        let vid = id(&v);
        if vid.starts_with("cpin") {
            // The `+CME ERROR` vector is an error for us; MM reports it as UNKNOWN.
            let lock = sim::parse_cpin(input(&v)).ok();
            assert_eq!(mm_lock(lock), exp_str(&v, "lock"), "{vid}");
        } else if vid.starts_with("cind") {
            let ind =
                indicators::parse_cind_test(input(&v)).unwrap_or_else(|e| panic!("{vid}: {e}"));
            let got: Vec<Value> = ind
                .iter()
                .map(|i| {
                    serde_json::json!({"name": i.name, "index": i.index, "min": i.min,
                        "max": i.max})
                })
                .collect();
            assert_eq!(
                got,
                *exp(&v, "indicators").as_array().expect("list"),
                "{vid}"
            );
        } else {
            let c = signal::parse_cesq(input(&v)).unwrap_or_else(|e| panic!("{vid}: {e}"));
            let levels = serde_json::json!({"rxlev": c.rxlev, "ber": c.ber, "rscp": c.rscp,
                "ecn0": c.ecno, "rsrq": c.rsrq, "rsrp": c.rsrp});
            assert_eq!(levels, *exp(&v, "levels"), "{vid}");
            let s = c.signal();
            let mut groups = 0;
            for group in ["gsm", "umts", "lte"] {
                if !exp(&v, group).is_null() {
                    check_signal(vid, exp(&v, group), &s);
                    groups += 1;
                }
            }
            assert!(groups > 0, "{vid}: nothing checked");
            // Technologies the vector does not list must be unknown.
            if exp(&v, "gsm").is_null() {
                assert_eq!(s.rssi_dbm, None, "{vid}");
            }
            if exp(&v, "umts").is_null() {
                assert_eq!((s.rscp_dbm, s.ecio_db), (None, None), "{vid}");
            }
            if exp(&v, "lte").is_null() {
                assert_eq!((s.rsrp_dbm, s.rsrq_db), (None, None), "{vid}");
            }
        }
    }
}

#[test]
fn s16_sms() {
    for v in section(16, 6) {
        let vid = id(&v);
        if vid.starts_with("cmgl") {
            let m = sms::parse_cmgl_pdu(input(&v)).unwrap_or_else(|e| panic!("{vid}: {e}"));
            let got: Vec<Value> = m
                .iter()
                .map(|m| {
                    serde_json::json!({"index": m.index, "status": m.status.code(),
                        "pdu": m.pdu})
                })
                .collect();
            assert_eq!(got, *exp(&v, "messages").as_array().expect("list"), "{vid}");
        } else {
            let m = sms::parse_cmgr_pdu(input(&v)).unwrap_or_else(|e| panic!("{vid}: {e}"));
            assert_eq!(u64::from(m.status.code()), exp_u64(&v, "status"), "{vid}");
            assert_eq!(m.pdu, exp_str(&v, "pdu"), "{vid}");
        }
    }
}

#[test]
fn s17_derived() {
    for v in section(17, 23) {
        let vid = id(&v);
        assert_eq!(v["origin"], "derived", "{vid}");
        let inp = input(&v);
        let fail = |e: dongle_at::parse::ParseError| -> ! { panic!("{vid}: {e}") };
        match vid.rsplit_once('-').map_or(vid, |(head, _)| head) {
            "derived-csq" => {
                let c = signal::parse_csq(inp).unwrap_or_else(|e| fail(e));
                assert_eq!(
                    u64::from(c.quality_percent()),
                    exp_u64(&v, "quality_percent")
                );
            }
            "derived-hw-rssi-urc" => {
                let c = signal::parse_huawei_rssi(inp).unwrap_or_else(|e| fail(e));
                assert_eq!(
                    u64::from(c.quality_percent()),
                    exp_u64(&v, "quality_percent")
                );
            }
            "derived-hw-cvoice" => {
                let r = cvoice::parse_cvoice(inp);
                assert_eq!(r.is_ok(), exp_ok(&v), "{vid}: {r:?}");
                if let Ok(c) = r {
                    assert_eq!(u64::from(c.hz), exp_u64(&v, "hz"));
                    assert_eq!(u64::from(c.bits), exp_u64(&v, "bits"));
                }
            }
            "derived-hw-cpin-retries" => {
                let c = sim::parse_huawei_cpin(inp).unwrap_or_else(|e| fail(e));
                assert_eq!(u64::from(c.puk_retries), exp_u64(&v, "sim_puk"));
                assert_eq!(u64::from(c.pin_retries), exp_u64(&v, "sim_pin"));
                assert_eq!(u64::from(c.puk2_retries), exp_u64(&v, "sim_puk2"));
                assert_eq!(u64::from(c.pin2_retries), exp_u64(&v, "sim_pin2"));
            }
            "derived-hw-sysinfo-act" => {
                let s = sysinfo::parse_sysinfo(inp).unwrap_or_else(|e| fail(e));
                if !exp(&v, "srv_status").is_null() {
                    check_sysinfo_fields(&v, &s);
                }
                assert_eq!(mm_act(s.access_tech()), exp_str(&v, "access_tech"), "{vid}");
            }
            "derived-hw-sysinfoex-act" => {
                let s = sysinfo::parse_sysinfoex(inp).unwrap_or_else(|e| fail(e));
                assert_eq!(mm_act(s.access_tech()), exp_str(&v, "access_tech"), "{vid}");
            }
            "derived-hw-hcsq-dbm" => {
                let h = hcsq::parse_hcsq(inp).unwrap_or_else(|e| fail(e));
                let group = ["gsm", "umts", "lte"]
                    .into_iter()
                    .find(|g| !exp(&v, g).is_null())
                    .expect("a signal group");
                check_signal(vid, exp(&v, group), &h.signal());
            }
            "derived-cops-read" => check_cops_read(&v),
            "derived-cpin" => {
                let lock = sim::parse_cpin(inp).ok();
                assert_eq!(mm_lock(lock), exp_str(&v, "lock"), "{vid}");
            }
            other => panic!("{vid}: no parser for {other}"),
        }
    }
}

/// Runs every parser on `s`; they may fail, but must not panic.
fn run_all_parsers(s: &str) {
    use dongle_at::parse::huawei::setport;
    use dongle_at::parse::identity;
    let _ = identity::parse_manufacturer(s);
    let _ = identity::parse_imei(s);
    let _ = identity::parse_imsi(s);
    let _ = identity::parse_iccid(s);
    let _ = identity::parse_fhver(s);
    let _ = sim::parse_cpin(s);
    let _ = sim::parse_huawei_cpin(s);
    let _ = signal::parse_csq(s);
    let _ = signal::parse_huawei_rssi(s);
    let _ = signal::parse_cesq(s).map(|c| c.signal());
    let _ = registration::parse_registration(s);
    let _ = operator::parse_cops_read(s, Charset::Gsm);
    let _ = operator::parse_cops_test(s, Charset::Ucs2);
    let _ = operator::parse_cops_test(s, Charset::Gsm);
    let _ = pdp::parse_cgdcont_test(s);
    let _ = pdp::parse_cgdcont_read(s);
    let _ = pdp::parse_cgact_read(s);
    let _ = indicators::parse_cind_test(s);
    let _ = sms::parse_cmgl_pdu(s);
    let _ = sms::parse_cmgr_pdu(s);
    let _ = ndis::parse_ndisstat(s);
    let _ = dhcp::parse_dhcp(s);
    let _ = sysinfo::parse_sysinfo(s).map(|x| x.access_tech());
    let _ = sysinfo::parse_sysinfoex(s).map(|x| x.access_tech());
    let _ = syscfg::parse_syscfg_test(s).map(|t| t.bands());
    let _ = syscfg::parse_syscfg(s).map(|r| r.modes());
    if let Ok(t) = syscfgex::parse_syscfgex_test(s) {
        let _ = syscfgex::parse_syscfgex(s).map(|r| r.resolve(&t));
    }
    let _ = prefmode::parse_prefmode_test(s);
    let _ = prefmode::parse_prefmode(s);
    let _ = hcsq::parse_hcsq(s).map(|h| h.signal());
    let _ = portmode::parse_getportmode(s);
    let _ = setport::parse_setport_read(s).map(|c| (c.validate(), c.to_string()));
    let _ = setport::parse_setport_test(s);
    let _ = time::parse_nwtime(s).map(|t| t.iso8601());
    let _ = time::parse_time(s).map(|t| t.iso8601());
    let _ = cvoice::parse_cvoice(s);
}

/// A cheap stand-in for the fuzz targets: every prefix of every vector input,
/// plus mangled copies with multi-byte characters and huge numbers, through
/// every parser.
#[test]
fn parsers_never_panic() {
    for v in all_vectors() {
        let s = input(&v);
        let cuts: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
        let step = (cuts.len() / 40).max(1);
        for &cut in cuts.iter().step_by(step) {
            run_all_parsers(&s[..cut]);
            run_all_parsers(&s[cut..]);
        }
        run_all_parsers(&s.replace('0', "é"));
        run_all_parsers(&s.replace(',', "\u{1F4F6}"));
        run_all_parsers(&s.replace('1', "99999999999999999999999"));
        run_all_parsers(&s.replace('"', ""));
        run_all_parsers(&s.replace('(', ")"));
    }
    for s in [
        "",
        "\r\n",
        "\"",
        "(",
        ",,,,,,,,,",
        "^SETPORT:;",
        "+CREG: 1,2,3,4,5,6,7,8,9",
    ] {
        run_all_parsers(s);
    }
}
