//! Metrics: the exposition text checked by a strict reader of the format,
//! the HTTP exporter against real sockets (bad clients included), the
//! textfile's atomic replacement, and real modem answers mapped to metrics.
//!
//! `dongle` is a binary crate, so the module is compiled into this test.

#[path = "../src/metrics.rs"]
#[allow(dead_code)]
mod metrics;

use dongle_at::AtSession;
use dongle_connect::state::Radio;
use metrics::{Exporter, ModemMetrics};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// A strict reader of the text exposition format 0.0.4.

#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

#[derive(Debug)]
struct Exposition {
    types: HashMap<String, String>,
    samples: Vec<Sample>,
}

impl Exposition {
    /// Samples of `name` whose labels include all of `with`.
    fn find(&self, name: &str, with: &[(&str, &str)]) -> Vec<&Sample> {
        self.samples
            .iter()
            .filter(|s| s.name == name)
            .filter(|s| {
                with.iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .collect()
    }

    /// The `state` of a modem in a state-set family, checking that exactly
    /// one series is 1, the others 0, and every known state is listed.
    fn current(&self, name: &str, modem: &str, known: &[&str]) -> String {
        let set = self.find(name, &[("modem", modem)]);
        let states: Vec<&str> = set.iter().map(|s| s.labels["state"].as_str()).collect();
        assert!(
            known.iter().all(|k| states.contains(k)),
            "{name} {modem}: {states:?}"
        );
        assert!(
            set.iter().all(|s| s.value == 0.0 || s.value == 1.0),
            "{set:?}"
        );
        let on: Vec<&str> = set
            .iter()
            .filter(|s| s.value == 1.0)
            .map(|s| s.labels["state"].as_str())
            .collect();
        assert_eq!(on.len(), 1, "{name} {modem}: {on:?}");
        on[0].to_string()
    }

    /// The one value of `name` with these labels; panics if there is not exactly one.
    fn value(&self, name: &str, with: &[(&str, &str)]) -> f64 {
        let found = self.find(name, with);
        assert_eq!(found.len(), 1, "{name}{with:?}: {found:?}");
        found[0].value
    }
}

fn valid_metric_name(n: &str) -> bool {
    let mut b = n.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_' || c == b':')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b':')
}

fn valid_label_name(n: &str) -> bool {
    let mut b = n.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
        && !n.starts_with("__")
}

/// `{a="x",b="y"}` → labels, unescaping `\\`, `\"`, `\n` (and nothing else).
fn parse_labels(s: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut labels = BTreeMap::new();
    let mut rest = s.strip_prefix('{').ok_or("labels must start with {")?;
    if let Some(r) = rest.strip_prefix('}') {
        return Ok((labels, r));
    }
    loop {
        let eq = rest.find('=').ok_or("label without =")?;
        let name = &rest[..eq];
        if !valid_label_name(name) {
            return Err(format!("bad label name {name:?}"));
        }
        rest = rest[eq + 1..]
            .strip_prefix('"')
            .ok_or("label value must be quoted")?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next() {
                None => return Err("unterminated label value".into()),
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, '\\')) => value.push('\\'),
                    Some((_, '"')) => value.push('"'),
                    Some((_, 'n')) => value.push('\n'),
                    other => return Err(format!("bad escape {other:?}")),
                },
                Some((_, '\n')) => return Err("raw newline in label value".into()),
                Some((_, c)) => value.push(c),
            }
        };
        if labels.insert(name.to_string(), value).is_some() {
            return Err(format!("label {name} twice"));
        }
        rest = &rest[end + 1..];
        if let Some(r) = rest.strip_prefix('}') {
            return Ok((labels, r));
        }
        rest = rest
            .strip_prefix(',')
            .ok_or("labels must be separated by ,")?;
    }
}

/// Reject anything that is not well-formed 0.0.4 as `render` should write it.
fn check(text: &str) -> Result<Exposition, String> {
    if !text.is_empty() && !text.ends_with('\n') {
        return Err("text must end with a newline".into());
    }
    let mut help: HashSet<String> = HashSet::new();
    let mut types: HashMap<String, String> = HashMap::new();
    let mut done: HashSet<String> = HashSet::new(); // families that may not come back
    let mut current: Option<String> = None;
    let mut series: HashSet<String> = HashSet::new();
    let mut samples = Vec::new();
    let mut enter = |family: &str, current: &mut Option<String>| -> Result<(), String> {
        if current.as_deref() != Some(family) {
            if done.contains(family) {
                return Err(format!("{family}: lines not grouped together"));
            }
            if let Some(c) = current.take() {
                done.insert(c);
            }
            *current = Some(family.to_string());
        }
        Ok(())
    };
    for (n, line) in text.lines().enumerate() {
        let at = |e: String| format!("line {}: {e}: {line:?}", n + 1);
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, doc) = rest
                .split_once(' ')
                .ok_or_else(|| at("HELP without text".into()))?;
            if !valid_metric_name(name) {
                return Err(at("bad metric name".into()));
            }
            let mut it = doc.chars();
            while let Some(c) = it.next() {
                if c == '\\' && !matches!(it.next(), Some('\\' | 'n')) {
                    return Err(at("bad escape in HELP".into()));
                }
            }
            enter(name, &mut current).map_err(at)?;
            if !help.insert(name.to_string()) {
                return Err(at("second HELP".into()));
            }
            if samples.iter().any(|s: &Sample| s.name == name) {
                return Err(at("HELP after samples".into()));
            }
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest
                .split_once(' ')
                .ok_or_else(|| at("TYPE without type".into()))?;
            if !valid_metric_name(name) {
                return Err(at("bad metric name".into()));
            }
            if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                return Err(at("unknown type".into()));
            }
            if kind == "counter" && !name.ends_with("_total") {
                return Err(at("counter not named *_total".into()));
            }
            enter(name, &mut current).map_err(at)?;
            if types.insert(name.to_string(), kind.to_string()).is_some() {
                return Err(at("second TYPE".into()));
            }
            if samples.iter().any(|s: &Sample| s.name == name) {
                return Err(at("TYPE after samples".into()));
            }
        } else if line.starts_with('#') || line.trim().is_empty() {
            return Err(at("unexpected comment or blank line".into()));
        } else {
            let name_end = line
                .find(['{', ' '])
                .ok_or_else(|| at("sample without value".into()))?;
            let name = &line[..name_end];
            if !valid_metric_name(name) {
                return Err(at("bad metric name".into()));
            }
            let (labels, rest) = match line[name_end..].starts_with('{') {
                true => parse_labels(&line[name_end..]).map_err(at)?,
                false => (BTreeMap::new(), &line[name_end..]),
            };
            let value = rest
                .strip_prefix(' ')
                .ok_or_else(|| at("no space before value".into()))?;
            if value.contains(' ') {
                return Err(at("timestamps or extra fields are not written".into()));
            }
            let v: f64 = value
                .parse()
                .map_err(|_| at("value is not a number".into()))?;
            if !v.is_finite() {
                return Err(at("non-finite value".into()));
            }
            if !help.contains(name) || !types.contains_key(name) {
                return Err(at("sample before its HELP and TYPE".into()));
            }
            if types[name] == "counter" && v < 0.0 {
                return Err(at("negative counter".into()));
            }
            enter(name, &mut current).map_err(at)?;
            if !series.insert(format!("{name}{labels:?}")) {
                return Err(at("duplicate series".into()));
            }
            samples.push(Sample {
                name: name.to_string(),
                labels,
                value: v,
            });
        }
    }
    Ok(Exposition { types, samples })
}

/// Prometheus' own parser and linter too, where installed (Debian package
/// `prometheus`); the strict reader above is the check that always runs.
fn promtool(text: &str) {
    let spawned = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = spawned else {
        println!("note: no promtool here; the strict reader ran");
        return;
    };
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(text.as_bytes())
            .expect("promtool reads stdin");
    }
    let out = child.wait_with_output().expect("promtool runs");
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn checker_rejects_what_prometheus_rejects() {
    let ok = "# HELP a_total x\n# TYPE a_total counter\na_total{m=\"q\\\"\\n\\\\\"} 1\n";
    let e = check(ok).unwrap();
    assert_eq!(e.samples[0].labels["m"], "q\"\n\\");
    for bad in [
        "a 1\n",                                                                   // no HELP/TYPE
        "# HELP a x\n# TYPE a gauge\na{m=\"x\"} 1\na{m=\"x\"} 2\n", // duplicate series
        "# HELP a x\n# TYPE a counter\na 1\n",                      // counter without _total
        "# HELP a x\n# TYPE a gauge\na{m=\"x\\t\"} 1\n",            // bad escape
        "# HELP a x\n# TYPE a gauge\na{m=\"x\"\n",                  // no value
        "# HELP a x\n# TYPE a gauge\na 1\n# HELP b x\n# TYPE b gauge\nb 1\na 2\n", // not grouped
        "# HELP a x\n# TYPE a gauge\na NaN\n",
        "# HELP 1a x\n# TYPE 1a gauge\n1a 1\n",
        "# HELP a x\n# TYPE a gauge\na 1",
    ] {
        assert!(check(bad).is_err(), "accepted: {bad:?}");
    }
}

// ---------------------------------------------------------------------------
// render()

fn lte_modem() -> ModemMetrics {
    ModemMetrics {
        name: "uplink-a".into(),
        device: "1-1.4".into(),
        model: Some("E3372".into()),
        imei: Some("866123456789015".into()),
        operator: Some("POST".into()),
        technology: Some("LTE".into()),
        registration: Some("home".into()),
        rssi_dbm: Some(-69.0),
        rsrp_dbm: Some(-95.0),
        rsrq_db: Some(-9.5),
        sinr_db: Some(12.4),
        link: "up".into(),
        via: Some("ncm".into()),
        interface: Some("wwan0".into()),
        rx_bytes: Some(123_456_789_012),
        tx_bytes: Some(9_876_543),
        reconnects: 3,
        uptime_seconds: Some(3600),
    }
}

/// A 3G stick waiting to retry: no LTE values, no interface, no counters.
fn waiting_modem() -> ModemMetrics {
    ModemMetrics {
        name: "uplink-b".into(),
        device: "1-1.3".into(),
        model: Some("E173".into()),
        technology: Some("UMTS".into()),
        registration: Some("searching".into()),
        rssi_dbm: Some(-91.0),
        link: "waiting".into(),
        via: Some("ppp".into()),
        reconnects: 0,
        ..ModemMetrics::default()
    }
}

#[test]
fn realistic_fleet_renders_every_family_with_the_right_values() {
    let text = metrics::render(&[lte_modem(), waiting_modem()]);
    let e = check(&text).unwrap_or_else(|err| panic!("{err}\n{text}"));
    promtool(&text);
    assert_eq!(e.value("dongle_modems", &[]), 2.0);
    let info = e.find("dongle_modem_info", &[("modem", "uplink-a")]);
    assert_eq!(info.len(), 1);
    let l = &info[0].labels;
    assert_eq!(
        (
            l["device"].as_str(),
            l["model"].as_str(),
            l["imei"].as_str()
        ),
        ("1-1.4", "E3372", "866123456789015")
    );
    assert_eq!(
        (l["operator"].as_str(), l["technology"].as_str()),
        ("POST", "LTE")
    );
    let a = [("modem", "uplink-a")];
    assert_eq!(e.value("dongle_signal_rssi_dbm", &a), -69.0);
    assert_eq!(e.value("dongle_signal_rsrp_dbm", &a), -95.0);
    assert_eq!(e.value("dongle_signal_rsrq_db", &a), -9.5);
    assert_eq!(e.value("dongle_signal_sinr_db", &a), 12.4);
    let (reg, link) = (&metrics::REGISTRATION_STATES, &metrics::LINK_STATES);
    assert_eq!(e.current("dongle_registered", "uplink-a", reg), "home");
    assert_eq!(e.current("dongle_registered", "uplink-b", reg), "searching");
    assert_eq!(e.current("dongle_link_state", "uplink-a", link), "up");
    assert_eq!(e.current("dongle_link_state", "uplink-b", link), "waiting");
    assert_eq!(
        e.value(
            "dongle_link_up",
            &[
                ("modem", "uplink-a"),
                ("via", "ncm"),
                ("interface", "wwan0")
            ]
        ),
        1.0
    );
    assert_eq!(
        e.value("dongle_link_up", &[("modem", "uplink-b"), ("via", "ppp")]),
        0.0
    );
    // Byte counters are exact integers, even beyond f64's 2^53 in the text.
    assert!(
        text.contains(
            "dongle_receive_bytes_total{modem=\"uplink-a\",interface=\"wwan0\"} 123456789012\n"
        ),
        "{text}"
    );
    assert_eq!(e.value("dongle_transmit_bytes_total", &a), 9_876_543.0);
    assert_eq!(e.value("dongle_reconnects_total", &a), 3.0);
    assert_eq!(
        e.value("dongle_reconnects_total", &[("modem", "uplink-b")]),
        0.0
    );
    assert_eq!(e.value("dongle_link_uptime_seconds", &a), 3600.0);
    for (name, kind) in [
        ("dongle_receive_bytes_total", "counter"),
        ("dongle_transmit_bytes_total", "counter"),
        ("dongle_reconnects_total", "counter"),
        ("dongle_signal_rssi_dbm", "gauge"),
        ("dongle_link_uptime_seconds", "gauge"),
    ] {
        assert_eq!(e.types[name], kind, "{name}");
    }
}

#[test]
fn unknown_values_are_left_out_never_zero() {
    let mut m = waiting_modem();
    m.sinr_db = Some(f64::NAN); // a broken conversion must not reach the scrape either
    m.rsrq_db = Some(f64::INFINITY);
    let e = check(&metrics::render(&[m])).unwrap();
    let b = [("modem", "uplink-b")];
    assert_eq!(e.value("dongle_signal_rssi_dbm", &b), -91.0);
    for name in [
        "dongle_signal_rsrp_dbm",
        "dongle_signal_rsrq_db",
        "dongle_signal_sinr_db",
        "dongle_receive_bytes_total",
        "dongle_transmit_bytes_total",
        "dongle_link_uptime_seconds",
    ] {
        assert!(
            e.find(name, &b).is_empty(),
            "{name} has a sample: {:?}",
            e.find(name, &b)
        );
    }
    // Unknown identity is an empty label, which Prometheus treats as absent.
    assert_eq!(e.find("dongle_modem_info", &b)[0].labels["imei"], "");
}

#[test]
fn no_modems_is_a_valid_scrape_with_a_zero_count() {
    let text = metrics::render(&[]);
    let e = check(&text).unwrap();
    promtool(&text);
    assert_eq!(e.samples.len(), 1, "{text}");
    assert_eq!(e.value("dongle_modems", &[]), 0.0);
}

#[test]
fn hostile_labels_are_escaped_and_read_back_unchanged() {
    let evil = "Voda\"fone\nDE \\ {x=\"1\"} 7";
    let mut m = lte_modem();
    m.operator = Some(evil.into());
    m.model = Some("E3372\\".into());
    m.name = "a\"b".into();
    m.interface = Some("wwan0\n".into());
    m.registration = Some("limited service".into()); // a state outside the list
    m.link = String::new(); // never set: down
    let text = metrics::render(&[m]);
    let e = check(&text).unwrap_or_else(|err| panic!("{err}\n{text}"));
    promtool(&text);
    let info = e.find("dongle_modem_info", &[("modem", "a\"b")]);
    assert_eq!(info[0].labels["operator"], evil);
    assert_eq!(info[0].labels["model"], "E3372\\");
    assert_eq!(
        e.value("dongle_receive_bytes_total", &[("interface", "wwan0\n")]),
        123_456_789_012.0
    );
    let (reg, link) = (&metrics::REGISTRATION_STATES, &metrics::LINK_STATES);
    assert_eq!(
        e.current("dongle_registered", "a\"b", reg),
        "limited service"
    );
    assert_eq!(e.current("dongle_link_state", "a\"b", link), "down");
    assert_eq!(e.value("dongle_link_up", &[("modem", "a\"b")]), 0.0);
}

#[test]
fn two_modems_with_one_name_do_not_break_the_scrape() {
    let mut twin = lte_modem();
    twin.device = "1-1.5".into();
    twin.rssi_dbm = Some(-100.0);
    let text = metrics::render(&[lte_modem(), twin]);
    let e = check(&text).unwrap_or_else(|err| panic!("{err}\n{text}"));
    assert_eq!(
        e.value("dongle_signal_rssi_dbm", &[("modem", "uplink-a")]),
        -69.0
    );
}

// ---------------------------------------------------------------------------
// from_radio / from_link / interface_bytes, with real modem answers

/// A scripted Huawei stick on a socket pair, SIM ready: each other command
/// line gets the reply `answer` gives (the text between the command and OK),
/// or ERROR.
fn scripted_modem(answer: impl Fn(&str, u8) -> Option<String> + Send + 'static) -> AtSession {
    let (ours, mut theirs) = UnixStream::pair().unwrap();
    std::thread::spawn(move || {
        let mut cops_format = 0u8;
        let mut line = Vec::new();
        let mut b = [0u8; 1];
        while let Ok(1) = theirs.read(&mut b) {
            if b[0] != b'\r' {
                line.push(b[0]);
                continue;
            }
            let cmd = String::from_utf8_lossy(&line).to_string();
            line.clear();
            let reply = match cmd.strip_prefix("AT+COPS=3,") {
                Some(f) => {
                    cops_format = f.parse().unwrap_or(0);
                    "\r\nOK\r\n".to_string()
                }
                None => match answer(&cmd, cops_format).or_else(|| {
                    Some(match cmd.as_str() {
                        "AT" | "AT+CMEE=1" => "".into(),
                        "AT+CGMI" => "huawei".into(),
                        "AT+CPIN?" => "+CPIN: READY".into(),
                        _ => return None,
                    })
                }) {
                    Some(body) if body.is_empty() => "\r\nOK\r\n".to_string(),
                    Some(body) => format!("\r\n{body}\r\n\r\nOK\r\n"),
                    None => "\r\nERROR\r\n".to_string(),
                },
            };
            if theirs.write_all(reply.as_bytes()).is_err() {
                return;
            }
        }
    });
    AtSession::new(ours)
}

#[test]
fn lte_stick_answers_map_to_signal_registration_and_operator() {
    // ^HCSQ and +CSQ lines from ModemManager's vectors (hw-hcsq-01,
    // derived-csq-01); derived-hw-hcsq-dbm-17 gives the dBm values.
    let s = scripted_modem(|cmd, cops| {
        Some(match cmd {
            "AT+CGMM" => "E3372".into(),
            "AT+CGSN" => "866123456789015".into(),
            "AT+CREG?" => "+CREG: 1,1,84CD,00D30173".into(), // creg-04: home
            "AT+COPS?" if cops == 2 => "+COPS: 0,2,\"27001\",7".into(),
            "AT+COPS?" => "+COPS: 0,0,\"POST\",7".into(),
            "AT+CSQ" => "+CSQ: 15,99".into(),
            "AT^HCSQ?" => "^HCSQ:\"LTE\",30,19,66,0".into(),
            _ => return None,
        })
    });
    let info = dongle_at::info::query(&s).unwrap();
    let mut m = ModemMetrics {
        name: "a".into(),
        device: "1-1.4".into(),
        ..Default::default()
    };
    metrics::from_radio(&mut m, &Radio::from_info(&info, 0));
    assert_eq!(m.model.as_deref(), Some("E3372"));
    assert_eq!(m.imei.as_deref(), Some("866123456789015"));
    assert_eq!(m.operator.as_deref(), Some("POST"));
    assert_eq!(m.technology.as_deref(), Some("LTE"));
    assert_eq!(m.registration.as_deref(), Some("home"));
    // ^HCSQ's carrier RSSI wins over +CSQ's (-83 dBm).
    assert_eq!(m.rssi_dbm, Some(-91.0));
    assert_eq!(m.rsrp_dbm, Some(-122.0));
    assert_eq!(m.sinr_db, Some(-7.0));
    assert_eq!(m.rsrq_db, Some(-20.0));
    let e = check(&metrics::render(&[m])).unwrap();
    assert_eq!(e.value("dongle_signal_rsrq_db", &[("modem", "a")]), -20.0);
}

#[test]
fn umts_stick_has_rssi_only_and_a_later_report_clears_stale_lte_values() {
    // E1550 trace (derived-cops-read-21/22), ^SYSINFOEX hw-sysinfoex-03,
    // roaming +CREG (creg-27), ^HCSQ WCDMA (hw-hcsq-02 → -91 dBm).
    let s = scripted_modem(|cmd, cops| {
        Some(match cmd {
            "AT+CREG?" => "+CREG: 2,5,\"0502\",\"0404736D\"".into(),
            "AT+COPS?" if cops == 2 => "+COPS: 0,2,\"25507\",2".into(),
            "AT+COPS?" => "+COPS: 0,0,\"Ukrtelecom\",2".into(),
            "AT^SYSINFOEX" => "^SYSINFOEX: 2,4,5,1,0,3,\"WCDMA\",41,\"HSPA+\"".into(),
            "AT+CSQ" => "+CSQ: 15,99".into(),
            "AT^HCSQ?" => "^HCSQ: \"WCDMA\",30,30,58".into(),
            _ => return None,
        })
    });
    let info = dongle_at::info::query(&s).unwrap();
    let mut m = lte_modem(); // last seen on LTE, with IMEI and model known
    metrics::from_radio(&mut m, &Radio::from_info(&info, 0));
    assert_eq!(m.registration.as_deref(), Some("roaming"));
    assert_eq!(m.operator.as_deref(), Some("Ukrtelecom"));
    // derived-hw-sysinfoex-act-15: submode 41 is WCDMA whatever the name says.
    assert_eq!(m.technology.as_deref(), Some("UMTS"));
    assert_eq!(m.rssi_dbm, Some(-91.0));
    assert_eq!((m.rsrp_dbm, m.rsrq_db, m.sinr_db), (None, None, None));
    // The stick would not say its model or IMEI this time: still known.
    assert_eq!(m.model.as_deref(), Some("E3372"));
    assert_eq!(m.imei.as_deref(), Some("866123456789015"));
}

#[test]
fn link_state_maps_to_link_fields() {
    // The state file `dongle up` and the daemon write, as it is on disk.
    let link: dongle_connect::state::LinkState = serde_json::from_str(
        r#"{"device": "1-1.4", "port": "/dev/ttyUSB0", "via": "ppp", "state": "up",
            "apn": "internet", "interface": "ppp0", "local": "10.64.64.64", "remote": null,
            "dns": [], "since": 1000, "pid": 1, "reconnects": 4, "problem": null}"#,
    )
    .unwrap();
    let mut m = ModemMetrics::default();
    metrics::from_link(&mut m, &link, 1_090);
    assert_eq!(
        (m.link.as_str(), m.via.as_deref(), m.interface.as_deref()),
        ("up", Some("ppp"), Some("ppp0"))
    );
    assert_eq!((m.reconnects, m.uptime_seconds), (4, Some(90)));
    let waiting = dongle_connect::state::LinkState {
        state: "waiting".into(),
        ..link
    };
    metrics::from_link(&mut m, &waiting, 1_090);
    assert_eq!(m.uptime_seconds, None, "no uptime while not up");
}

#[test]
fn interface_bytes_reads_sysfs_statistics() {
    let root = tempfile::tempdir().unwrap();
    let stats = root.path().join("class/net/wwan0/statistics");
    std::fs::create_dir_all(&stats).unwrap();
    std::fs::write(stats.join("rx_bytes"), "18446744073709551615\n").unwrap();
    std::fs::write(stats.join("tx_bytes"), "42\n").unwrap();
    assert_eq!(
        metrics::interface_bytes(root.path(), "wwan0"),
        (Some(u64::MAX), Some(42))
    );
    assert_eq!(metrics::interface_bytes(root.path(), "ppp0"), (None, None));
    std::fs::write(stats.join("tx_bytes"), "garbage").unwrap();
    assert_eq!(metrics::interface_bytes(root.path(), "wwan0").1, None);
    // A name that would leave class/net is refused, not followed.
    std::fs::create_dir_all(root.path().join("class/x/statistics")).unwrap();
    std::fs::write(root.path().join("class/x/statistics/rx_bytes"), "1").unwrap();
    assert_eq!(metrics::interface_bytes(root.path(), "../x"), (None, None));
}

// ---------------------------------------------------------------------------
// The textfile

#[test]
fn textfile_is_replaced_whole_and_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dongle.prom");
    metrics::write_textfile(&path, &[lte_modem()]).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        metrics::render(&[lte_modem()])
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode & 0o044,
        0o044,
        "node_exporter must be able to read it: {mode:o}"
    );

    // A reader polling while the file is rewritten sees one whole version or
    // the other, never a prefix (a plain truncate-and-write fails this).
    let small = metrics::render(&[]);
    let big = metrics::render(&[lte_modem(), waiting_modem()]);
    metrics::write_textfile(&path, &[]).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicU64::new(0));
    let reader = {
        let (path, stop, reads) = (path.clone(), stop.clone(), reads.clone());
        let (small, big) = (small.clone(), big.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let t = std::fs::read_to_string(&path).unwrap();
                assert!(
                    t == small || t == big,
                    "partial file seen ({} bytes)",
                    t.len()
                );
                reads.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let t = Instant::now();
    let mut writes = 0;
    while t.elapsed() < Duration::from_millis(300) || reads.load(Ordering::Relaxed) < 100 {
        metrics::write_textfile(&path, &[]).unwrap();
        metrics::write_textfile(&path, &[lte_modem(), waiting_modem()]).unwrap();
        writes += 2;
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "reader made no progress"
        );
    }
    stop.store(true, Ordering::Relaxed);
    reader.join().expect("the reader saw only whole files");
    assert!(writes > 10);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["dongle.prom"], "temporary files left behind");
}

#[test]
fn textfile_in_a_missing_directory_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope/dongle.prom");
    let err = metrics::write_textfile(&path, &[]).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("nope/dongle.prom") && msg.contains("textfile"),
        "{msg}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

// ---------------------------------------------------------------------------
// The HTTP exporter

fn exporter(modems: Vec<ModemMetrics>) -> (Exporter, Arc<AtomicU64>) {
    let calls = Arc::new(AtomicU64::new(0));
    let c = calls.clone();
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let e = Exporter::start(
        addr,
        Arc::new(move || {
            let n = c.fetch_add(1, Ordering::SeqCst);
            let mut v = modems.clone();
            for m in &mut v {
                m.reconnects = n; // proves every scrape asks the source afresh
            }
            v
        }),
    )
    .unwrap();
    (e, calls)
}

/// Send raw bytes, read the whole answer (the server closes after one).
fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn split(resp: &str) -> (&str, &str, &str) {
    let (head, body) = resp.split_once("\r\n\r\n").expect("a head and a body");
    let status = head.lines().next().unwrap();
    (status, head, body)
}

#[test]
fn get_metrics_serves_the_current_exposition() {
    let (e, calls) = exporter(vec![lte_modem()]);
    let addr = e.local_addr();
    assert_ne!(addr.port(), 0);
    for scrape in 0..2u64 {
        let resp = exchange(
            addr,
            b"GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n",
        );
        let (status, head, body) = split(&resp);
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert!(
            head.contains("Content-Type: text/plain; version=0.0.4"),
            "{head}"
        );
        assert!(
            head.contains(&format!("Content-Length: {}", body.len())),
            "{head}"
        );
        let x = check(body).unwrap_or_else(|err| panic!("{err}\n{body}"));
        assert_eq!(
            x.value("dongle_reconnects_total", &[("modem", "uplink-a")]),
            scrape as f64
        );
    }
    // Query strings (Prometheus params) are fine; HEAD has no body.
    let resp = exchange(addr, b"GET /metrics?x=1 HTTP/1.0\r\n\r\n");
    assert!(resp.starts_with("HTTP/1.1 200 OK"), "{resp}");
    let resp = exchange(addr, b"HEAD /metrics HTTP/1.1\r\n\r\n");
    assert!(
        resp.starts_with("HTTP/1.1 200 OK") && resp.ends_with("\r\n\r\n"),
        "{resp}"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    e.stop();
}

#[test]
fn wrong_path_method_or_bytes_get_an_error_and_the_server_goes_on() {
    let (e, calls) = exporter(vec![lte_modem()]);
    let addr = e.local_addr();
    let resp = exchange(addr, b"GET / HTTP/1.1\r\n\r\n");
    assert!(resp.starts_with("HTTP/1.1 404 "), "{resp}");
    let resp = exchange(
        addr,
        b"POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
    );
    assert!(resp.starts_with("HTTP/1.1 405 "), "{resp}");
    assert!(resp.contains("Allow: GET, HEAD"), "{resp}");
    // Garbage is answered at once, not after the read timeout.
    let t = Instant::now();
    let resp = exchange(
        addr,
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n\r\n\r\n",
    );
    assert!(resp.starts_with("HTTP/1.1 400 "), "{resp}");
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    let resp = exchange(addr, b"GET /metrics HTTP/1.1 extra\r\n\r\n");
    assert!(resp.starts_with("HTTP/1.1 400 "), "{resp}");
    // An endless header block is cut off at the size cap.
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\n").unwrap();
    let header = format!("X-Fill: {}\r\n", "a".repeat(1000));
    for _ in 0..(metrics::MAX_REQUEST / header.len() + 2) {
        if s.write_all(header.as_bytes()).is_err() {
            break; // the server may already have answered and closed
        }
    }
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert!(
        String::from_utf8_lossy(&out).starts_with("HTTP/1.1 431 "),
        "{:?}",
        String::from_utf8_lossy(&out)
    );
    // A client that connects and closes without a word.
    drop(TcpStream::connect(addr).unwrap());
    assert_eq!(calls.load(Ordering::SeqCst), 0, "no error path renders");
    let resp = exchange(addr, b"GET /metrics HTTP/1.1\r\n\r\n");
    assert!(resp.starts_with("HTTP/1.1 200 OK"), "{resp}");
    e.stop();
}

#[test]
fn a_silent_client_delays_the_next_one_by_the_timeout_at_most() {
    let (e, _) = exporter(vec![lte_modem()]);
    let addr = e.local_addr();
    let mut silent = TcpStream::connect(addr).unwrap();
    std::thread::sleep(Duration::from_millis(100)); // the server is now waiting on it
    let t = Instant::now();
    let resp = exchange(addr, b"GET /metrics HTTP/1.1\r\n\r\n");
    let waited = t.elapsed();
    assert!(resp.starts_with("HTTP/1.1 200 OK"), "{resp}");
    assert!(
        waited <= metrics::REQUEST_TIMEOUT + Duration::from_millis(500),
        "the next client waited {waited:?}"
    );
    // The silent client was dropped without an answer.
    silent
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    let mut buf = Vec::new();
    assert!(matches!(silent.read_to_end(&mut buf), Ok(0)), "{buf:?}");
    e.stop();
}

#[test]
fn a_trickling_client_is_cut_off_at_the_deadline_not_per_byte() {
    let (e, _) = exporter(vec![lte_modem()]);
    let addr = e.local_addr();
    let mut loris = TcpStream::connect(addr).unwrap();
    // One byte every 300 ms: each read succeeds well within 2 s, the request never ends.
    let trickle = std::thread::spawn(move || {
        for b in b"GET /metrics HTTP/1.1\r\nX: ".iter().cycle().take(30) {
            if loris.write_all(&[*b]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    });
    std::thread::sleep(Duration::from_millis(100));
    let t = Instant::now();
    let resp = exchange(addr, b"GET /metrics HTTP/1.1\r\n\r\n");
    let waited = t.elapsed();
    assert!(resp.starts_with("HTTP/1.1 200 OK"), "{resp}");
    assert!(
        waited <= metrics::REQUEST_TIMEOUT + Duration::from_millis(500),
        "the next client waited {waited:?}"
    );
    e.stop();
    let _ = trickle.join();
}

#[test]
fn stop_ends_the_thread_and_closes_the_port() {
    let (e, _) = exporter(vec![]);
    let addr = e.local_addr();
    let t = Instant::now();
    e.stop();
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    assert!(
        TcpStream::connect(addr).is_err(),
        "still listening after stop"
    );
}

#[test]
fn a_busy_port_is_reported_with_the_address() {
    let (e, _) = exporter(vec![]);
    let addr = e.local_addr();
    let err = match Exporter::start(addr, Arc::new(Vec::new)) {
        Ok(_) => panic!("two exporters on one port"),
        Err(err) => err.to_string(),
    };
    assert!(
        err.contains(&addr.to_string()) && err.contains("[metrics] listen"),
        "{err}"
    );
    e.stop();
}

// ---------------------------------------------------------------------------
// Both outputs together, as the daemon runs them

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn outputs_serve_rewrite_each_interval_and_clean_up_on_stop() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dongle.prom");
    let calls = Arc::new(AtomicU64::new(0));
    let c = calls.clone();
    let source: metrics::Source = Arc::new(move || {
        let mut m = lte_modem();
        m.reconnects = c.fetch_add(1, Ordering::SeqCst);
        vec![m]
    });
    let out = metrics::Outputs::start(
        Some("127.0.0.1:0".parse().unwrap()),
        Some(path.clone()),
        Duration::from_millis(50),
        source,
    )
    .unwrap();
    // The file is rewritten with fresh values every interval.
    wait_for("three textfile writes", || {
        calls.load(Ordering::SeqCst) >= 3
    });
    wait_for("a whole textfile", || path.exists());
    let text = std::fs::read_to_string(&path).unwrap();
    let e = check(&text).unwrap_or_else(|err| panic!("{err}\n{text}"));
    assert!(
        e.value("dongle_reconnects_total", &[("modem", "uplink-a")]) >= 1.0,
        "{text}"
    );
    let addr = out.local_addr().expect("listening");
    let resp = exchange(addr, b"GET /metrics HTTP/1.1\r\n\r\n");
    assert!(resp.starts_with("HTTP/1.1 200 OK"), "{resp}");
    let t = Instant::now();
    out.stop();
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    assert!(
        !path.exists(),
        "a stopped daemon's textfile would be served for ever"
    );
    assert!(TcpStream::connect(addr).is_err());
    let after = calls.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(150));
    assert_eq!(calls.load(Ordering::SeqCst), after, "the writer still runs");
}

#[test]
fn a_textfile_directory_that_appears_later_is_written_then() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("textfile");
    let path = sub.join("dongle.prom");
    let out = metrics::Outputs::start(
        None,
        Some(path.clone()),
        Duration::from_millis(20),
        Arc::new(Vec::new),
    )
    .unwrap();
    assert_eq!(out.local_addr(), None);
    std::thread::sleep(Duration::from_millis(60));
    assert!(!path.exists());
    std::fs::create_dir(&sub).unwrap();
    wait_for("the textfile", || path.exists());
    let e = check(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(e.value("dongle_modems", &[]), 0.0);
    drop(out); // dropping stops it as well
    assert!(!path.exists());
}

#[test]
fn outputs_with_a_busy_port_fail_and_start_no_writer() {
    let (e, _) = exporter(vec![]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dongle.prom");
    let r = metrics::Outputs::start(
        Some(e.local_addr()),
        Some(path.clone()),
        Duration::from_millis(10),
        Arc::new(Vec::new),
    );
    assert!(r.is_err());
    std::thread::sleep(Duration::from_millis(50));
    assert!(!path.exists(), "a writer was left running");
    e.stop();
}
