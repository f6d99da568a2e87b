//! Fault injection: what a test wants the simulated stick to do wrong.
//!
//! A [`Scenario`] is plain data read from TOML; `Default` is a healthy stick with no faults.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::SimError;

/// Faults and settings for one simulated device. Every key is optional; unknown keys are an
/// error that names the key. Full example with every key (values are examples, not defaults):
///
/// ```toml
/// latency_ms = 5          # delay before every reply (default 2)
/// echo = false            # initial echo state of every port (default true, as real modems)
/// cops_scan_ms = 2000     # how long AT+COPS=? takes (default 2000)
///
/// [sim]
/// state = "pin"           # "ready" (default) | "pin" | "puk" | "absent" | "failure"
/// pin = "1234"            # default "1234"
/// puk = "12345678"        # default "12345678"
/// pin_retries = 3         # default 3
/// puk_retries = 10        # default 10
///
/// [network]
/// registration = "home"   # "home" (default) | "roaming" | "searching" | "denied" | "none"
/// operator = "POST"       # default: the profile's home operator
/// mcc_mnc = "27001"       # default: the profile's home network
/// act = "lte"             # "gsm" | "umts" | "lte"; default: the profile's
/// csq = 22                # +CSQ rssi 0..31 or 99; default: the profile's
/// apns = ["web.pt.lu"]    # APNs the network accepts; others get NO CARRIER (default: any)
///
/// [ports.ttyUSB1]         # per port, by tty name
/// silent = true           # never answer, never echo (DIAG ports are silent by default)
/// garbage = true          # answer everything with binary diag frames and NULs
/// latency_ms = 300        # overrides the global latency for this port
/// vanish_on = "AT+COPS?"  # unplug the whole device when this command arrives, before replying
/// fragment = true         # write replies a few bytes at a time
///
/// [errors]                # final result to give instead of the real answer
/// "AT+CSQ" = "+CME ERROR: 100"
///
/// [urc]
/// flood_ms = 50           # ^RSSI/^HCSQ/^MODE/^DSFLOWRPT on the URC port every N ms
/// ignore_curc = true      # keep flooding after AT^CURC=0 (default: ^CURC=0 stops the flood)
/// in_response = true      # put a URC between the information text and the final result
/// boot = true             # send ^SYSSTART / ^BOOT lines when the port is first opened
///
/// [garbage]
/// stray_nul = true        # sprinkle NULs and stray bytes between reply lines
///
/// [sms]
/// empty = true            # the SIM holds no messages (default: seven real PDUs)
/// capacity = 5            # SIM message slots (default 20); all used = store full
/// smsc = ""               # +CSCA; "" = none, so a PDU without SMSC fails (CMS 330)
/// send_error = 500        # every +CMGS fails with this +CMS ERROR after the PDU
/// ussd_reply = "Hi"       # the network's answer to any USSD code
///
/// [usb]
/// unbound = true          # no kernel driver bound to any interface (module missing, or it
///                         # does not know the vid:pid): no driver links, no tty or net
///                         # entries in the fake sysfs, no /dev/ttyUSB links
/// ```
///
/// Command keys (`errors`, `vanish_on`) match one command of a line, case-insensitive, with or
/// without the leading `AT`: `"AT+COPS?"` matches `AT+COPS?` and the second half of
/// `AT+COPS=3,0;+COPS?`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    pub latency_ms: Option<u64>,
    pub echo: Option<bool>,
    pub cops_scan_ms: Option<u64>,
    pub sim: SimConfig,
    pub network: NetworkConfig,
    pub ports: BTreeMap<String, PortConfig>,
    pub errors: BTreeMap<String, String>,
    pub urc: UrcConfig,
    pub garbage: GarbageConfig,
    pub usb: UsbConfig,
    pub sms: SmsConfig,
}

/// The SIM card's state at power-on.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SimState {
    #[default]
    Ready,
    Pin,
    Puk,
    Absent,
    Failure,
}

/// `[sim]`
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SimConfig {
    pub state: SimState,
    pub pin: Option<String>,
    pub puk: Option<String>,
    pub pin_retries: Option<u8>,
    pub puk_retries: Option<u8>,
}

/// Registration outcome the network gives.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Registration {
    #[default]
    Home,
    Roaming,
    Searching,
    Denied,
    None,
}

/// `[network]`
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkConfig {
    pub registration: Registration,
    pub operator: Option<String>,
    pub mcc_mnc: Option<String>,
    pub act: Option<String>,
    pub csq: Option<u8>,
    pub apns: Option<Vec<String>>,
}

/// `[ports.<tty>]`
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PortConfig {
    pub silent: Option<bool>,
    pub garbage: bool,
    pub latency_ms: Option<u64>,
    pub vanish_on: Option<String>,
    pub fragment: bool,
}

/// `[urc]`
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct UrcConfig {
    pub flood_ms: Option<u64>,
    pub ignore_curc: bool,
    pub in_response: bool,
    pub boot: bool,
}

/// `[garbage]`
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct GarbageConfig {
    pub stray_nul: bool,
}

/// `[sms]`: the SIM's message store and the network's SMS/USSD behaviour.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SmsConfig {
    pub empty: bool,
    pub capacity: Option<u32>,
    pub smsc: Option<String>,
    pub send_error: Option<u16>,
    pub ussd_reply: Option<String>,
}

/// `[usb]`: how the kernel sees the device.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct UsbConfig {
    pub unbound: bool,
}

impl Scenario {
    /// Parses and validates a scenario. Errors name the offending key and say how to fix it.
    pub fn from_toml_str(s: &str) -> Result<Scenario, SimError> {
        Self::parse(s, "<scenario>")
    }

    /// Reads a scenario file. Errors name the file.
    pub fn from_file(p: &Path) -> Result<Scenario, SimError> {
        let text = std::fs::read_to_string(p).map_err(|e| SimError::Scenario {
            file: p.display().to_string(),
            message: format!("cannot read it: {e}"),
            fix: "check the path and that the file is readable".into(),
        })?;
        Self::parse(&text, &p.display().to_string())
    }

    fn parse(s: &str, file: &str) -> Result<Scenario, SimError> {
        let sc: Scenario = toml::from_str(s).map_err(|e| SimError::Scenario {
            file: file.to_string(),
            message: e.to_string().trim_end().to_string(),
            fix: "see the documentation of dongle_sim::Scenario for every key and its values"
                .into(),
        })?;
        sc.validate().map_err(|(message, fix)| SimError::Scenario {
            file: file.to_string(),
            message,
            fix,
        })?;
        Ok(sc)
    }

    fn validate(&self) -> Result<(), (String, String)> {
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if let Some(pin) = &self.sim.pin {
            if !(4..=8).contains(&pin.len()) || !digits(pin) {
                return Err((
                    format!("sim.pin = {pin:?} is not a PIN"),
                    "use 4 to 8 digits, e.g. pin = \"1234\"".into(),
                ));
            }
        }
        if let Some(puk) = &self.sim.puk {
            if puk.len() != 8 || !digits(puk) {
                return Err((
                    format!("sim.puk = {puk:?} is not a PUK"),
                    "use exactly 8 digits, e.g. puk = \"12345678\"".into(),
                ));
            }
        }
        if let Some(v) = self.sim.pin_retries.filter(|v| *v > 3) {
            return Err((
                format!("sim.pin_retries = {v} is more than a SIM allows"),
                "use 0..=3".into(),
            ));
        }
        if let Some(v) = self.sim.puk_retries.filter(|v| *v > 10) {
            return Err((
                format!("sim.puk_retries = {v} is more than a SIM allows"),
                "use 0..=10".into(),
            ));
        }
        if let Some(m) = &self.network.mcc_mnc {
            if !(5..=6).contains(&m.len()) || !digits(m) {
                return Err((
                    format!("network.mcc_mnc = {m:?} is not an MCC+MNC"),
                    "use 5 or 6 digits, e.g. mcc_mnc = \"27001\"".into(),
                ));
            }
        }
        if let Some(a) = &self.network.act {
            if !["gsm", "umts", "lte"].contains(&a.as_str()) {
                return Err((
                    format!("network.act = {a:?} is not an access technology"),
                    "use \"gsm\", \"umts\" or \"lte\"".into(),
                ));
            }
        }
        if let Some(c) = self.network.csq {
            if c > 31 && c != 99 {
                return Err((
                    format!("network.csq = {c} is out of range"),
                    "use 0..=31, or 99 for unknown".into(),
                ));
            }
        }
        for (name, port) in &self.ports {
            if port.garbage && port.silent == Some(true) {
                return Err((
                    format!("ports.{name} is both silent and garbage"),
                    "choose one of silent = true or garbage = true".into(),
                ));
            }
        }
        for (k, v) in &self.errors {
            if v.trim().is_empty() {
                return Err((
                    format!("errors.{k:?} is empty"),
                    "give a final result such as \"ERROR\" or \"+CME ERROR: 100\"".into(),
                ));
            }
        }
        if self.urc.flood_ms == Some(0) {
            return Err((
                "urc.flood_ms = 0 would flood without pause".into(),
                "use at least 1 (milliseconds between URCs)".into(),
            ));
        }
        Ok(())
    }
}

/// Normalises a command for matching: upper case, no surrounding blanks, no leading `AT`.
pub(crate) fn command_key(s: &str) -> String {
    let u = s.trim().to_ascii_uppercase();
    match u.strip_prefix("AT") {
        Some(rest) => rest.trim_start().to_string(),
        None => u,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_no_faults() {
        let s = Scenario::from_toml_str("").expect("empty");
        assert_eq!(s, Scenario::default());
    }

    #[test]
    fn full_example_parses() {
        let s = Scenario::from_toml_str(
            r#"
latency_ms = 5
echo = false
[sim]
state = "pin"
pin = "4321"
pin_retries = 2
[network]
registration = "roaming"
act = "umts"
[ports.ttyUSB1]
silent = true
[ports.ttyUSB0]
vanish_on = "AT+COPS?"
latency_ms = 300
[errors]
"AT+CSQ" = "+CME ERROR: 100"
[urc]
flood_ms = 50
in_response = true
boot = true
[garbage]
stray_nul = true
[usb]
unbound = true
"#,
        )
        .expect("parses");
        assert_eq!(s.sim.state, SimState::Pin);
        assert_eq!(s.network.registration, Registration::Roaming);
        assert_eq!(s.ports["ttyUSB1"].silent, Some(true));
        assert_eq!(s.errors["AT+CSQ"], "+CME ERROR: 100");
        assert!(s.usb.unbound);
    }

    #[test]
    fn unknown_key_is_named() {
        let e = Scenario::from_toml_str("[sim]\npinn = \"1\"\n").unwrap_err();
        let m = e.to_string();
        assert!(m.contains("pinn"), "{m}");
        assert!(m.contains("<scenario>"), "{m}");
    }

    #[test]
    fn bad_values_rejected_with_fix() {
        let e = Scenario::from_toml_str("[sim]\npin = \"12a4\"\n").unwrap_err();
        assert!(e.to_string().contains("4 to 8 digits"), "{e}");
        let e = Scenario::from_toml_str("[sim]\nstate = \"locked\"\n").unwrap_err();
        assert!(e.to_string().contains("locked"), "{e}");
    }

    #[test]
    fn from_file_names_file() {
        let e = Scenario::from_file(Path::new("/nonexistent/x.toml")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/x.toml"), "{e}");
    }

    #[test]
    fn key_normalisation() {
        assert_eq!(command_key("at+csq"), "+CSQ");
        assert_eq!(command_key("+COPS?"), "+COPS?");
        assert_eq!(command_key(" AT^HCSQ? "), "^HCSQ?");
    }
}
