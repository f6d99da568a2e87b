//! `/etc/dongle/config.toml`: defaults for every modem, per-modem sections matched by IMEI,
//! ICCID, USB path or vid:pid, and the metrics outputs. Read by `dongle daemon`,
//! `dongle udev-name` and checked by `dongle config check`.
//!
//! A missing file means "all defaults": a daemon with no configuration manages every modem it
//! knows. A file that is there must be right: unknown keys, wrong types and bad values are
//! errors naming the file, line, column and key, and saying the fix, because a typo that is
//! silently ignored (`apm = "internet"`) is a modem that never comes online on a headless box.
//!
//! Parsing happens in two layers: `Raw*` structs mirror the file with spans (so a value that
//! parses but is invalid can still be pointed at), then [`Config`] holds checked, plain values.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};

use dongle_connect::input::{Apn, Credential};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// Where the configuration lives unless `--config` or `$DONGLE_CONFIG` says otherwise.
pub const DEFAULT_CONFIG: &str = "/etc/dongle/config.toml";
/// Environment variable naming the configuration file.
pub const CONFIG_ENV: &str = "DONGLE_CONFIG";
/// Metrics are refreshed this often unless `[metrics] interval` says otherwise.
pub const DEFAULT_METRICS_INTERVAL_S: u64 = 15;

/// The configuration file to read: `--config` first, then `$DONGLE_CONFIG`, then
/// [`DEFAULT_CONFIG`].
pub fn config_path(explicit: Option<&Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    match std::env::var_os(CONFIG_ENV) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => PathBuf::from(DEFAULT_CONFIG),
    }
}

/// How to get online (`via`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// PPP through pppd on the modem port.
    Ppp,
    /// Huawei NDIS/NCM: `^NDISDUP` plus DHCP on the network interface.
    Ncm,
    /// A HiLink stick's web API.
    Hilink,
}

impl Via {
    /// `ppp`, `ncm` or `hilink`: the form `--via` and the file use.
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Ppp => "ppp",
            Via::Ncm => "ncm",
            Via::Hilink => "hilink",
        }
    }

    /// The value as written in the file or on the command line.
    pub fn parse(s: &str) -> Option<Via> {
        match s {
            "ppp" => Some(Via::Ppp),
            "ncm" => Some(Via::Ncm),
            "hilink" => Some(Via::Hilink),
            _ => None,
        }
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Connection settings. Every field is optional: `None` means "not set here", so a
/// `[[modem]]` section can override some keys and inherit the rest from `[defaults]`
/// ([`Settings::over`]). The accessors give the built-in default for unset switches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// `ppp`, `ncm` or `hilink`; unset: the best the stick offers.
    pub via: Option<Via>,
    /// Access point name (checked like `dongle up --apn`); unset: from the SIM's network.
    /// `Some("")` is the network's default APN.
    pub apn: Option<String>,
    /// PPP / NDIS user name.
    pub user: Option<String>,
    /// File whose first line is the password. The password itself is never in this file.
    pub password_file: Option<PathBuf>,
    /// File whose first line is the SIM PIN.
    pub pin_file: Option<PathBuf>,
    /// Metric of the default route through this modem (lower wins).
    pub route_metric: Option<u32>,
    /// Whether dongle manages the modem at all; unset: yes.
    pub manage: Option<bool>,
    /// Whether storage-mode sticks are switched automatically; unset: yes.
    pub switch: Option<bool>,
    /// Whether to connect while roaming; unset: no (an unattended host should not run up a
    /// roaming bill; `dongle up` on a terminal is a different, interactive decision).
    pub roaming: Option<bool>,
}

impl Settings {
    /// `self` where set, else `base`: a section over the defaults.
    pub fn over(&self, base: &Settings) -> Settings {
        Settings {
            via: self.via.or(base.via),
            apn: self.apn.clone().or_else(|| base.apn.clone()),
            user: self.user.clone().or_else(|| base.user.clone()),
            password_file: self
                .password_file
                .clone()
                .or_else(|| base.password_file.clone()),
            pin_file: self.pin_file.clone().or_else(|| base.pin_file.clone()),
            route_metric: self.route_metric.or(base.route_metric),
            manage: self.manage.or(base.manage),
            switch: self.switch.or(base.switch),
            roaming: self.roaming.or(base.roaming),
        }
    }

    /// Manage this modem (default true).
    pub fn manages(&self) -> bool {
        self.manage.unwrap_or(true)
    }

    /// Switch it out of storage mode automatically (default true).
    pub fn switches(&self) -> bool {
        self.switch.unwrap_or(true)
    }

    /// Connect while roaming (default false).
    pub fn allows_roaming(&self) -> bool {
        self.roaming.unwrap_or(false)
    }
}

/// Which modems a `[[modem]]` section is for. Every field given must match; at least one is
/// given (checked when the file is read).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Match {
    /// 14–16 digits (`AT+CGSN`).
    pub imei: Option<String>,
    /// The SIM's ICCID, 18–22 digits (`AT^ICCID?` / `AT+CCID`), without a trailing `F`.
    pub iccid: Option<String>,
    /// The USB port path as sysfs names it, e.g. `1-1.4`.
    pub usb_path: Option<String>,
    /// `vid:pid`, lowercase hex, e.g. `12d1:1506`.
    pub id: Option<String>,
}

impl Match {
    /// True when every field given here equals the modem's; a field the modem does not
    /// (yet) know fails the match, so an IMEI section never matches before the IMEI is read.
    pub fn matches(&self, ident: &ModemIdent) -> bool {
        fn eq(want: &Option<String>, have: &Option<String>, norm: fn(&str) -> String) -> bool {
            match (want, have) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(w), Some(h)) => norm(w) == norm(h),
            }
        }
        eq(&self.imei, &ident.imei, |s| s.trim().to_string())
            && eq(&self.iccid, &ident.iccid, normalize_iccid)
            && eq(&self.usb_path, &ident.usb_path, |s| s.trim().to_string())
            && eq(&self.id, &ident.id, |s| s.trim().to_ascii_lowercase())
    }

    fn is_empty(&self) -> bool {
        self.imei.is_none() && self.iccid.is_none() && self.usb_path.is_none() && self.id.is_none()
    }
}

/// What is known about a modem when its settings are looked up. Early on (udev, storage mode)
/// only `usb_path` and `id`; after probing also `imei` and `iccid`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModemIdent {
    pub usb_path: Option<String>,
    /// `vid:pid`.
    pub id: Option<String>,
    pub imei: Option<String>,
    pub iccid: Option<String>,
}

/// One `[[modem]]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModemSection {
    /// Stable name (`/dev/dongle/<name>/…`, status, metrics): `[a-z0-9_-]{1,32}`, unique.
    pub name: Option<String>,
    #[serde(rename = "match")]
    pub matcher: Match,
    /// The keys set in this section (unset ones come from `[defaults]`).
    pub settings: Settings,
    /// Line of the `[[modem]]` section in the file (1-based), for messages.
    pub line: usize,
}

/// `[metrics]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetricsConfig {
    /// Prometheus endpoint; `None`: no listener (metrics are opt-in).
    pub listen: Option<SocketAddr>,
    /// True when the file says `allow_remote = true` (then `listen` may be any address).
    pub allow_remote: bool,
    /// node-exporter textfile-collector output, written atomically.
    pub textfile: Option<PathBuf>,
    /// Seconds between refreshes.
    pub interval_s: u64,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            listen: None,
            allow_remote: false,
            textfile: None,
            interval_s: DEFAULT_METRICS_INTERVAL_S,
        }
    }
}

/// The whole file, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Config {
    /// The file it came from.
    pub path: PathBuf,
    /// False when the file does not exist (everything is default).
    pub exists: bool,
    pub defaults: Settings,
    pub modems: Vec<ModemSection>,
    pub metrics: MetricsConfig,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file is there but cannot be read.
    #[error("cannot read {}: {source}; check the path and its permissions", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Syntax, unknown key, wrong type or bad value.
    #[error("{}", render_invalid(path, *line, *column, key.as_deref(), message, fix))]
    Invalid {
        path: PathBuf,
        /// 1-based; 0 when toml could not say where.
        line: usize,
        /// 1-based, in characters.
        column: usize,
        /// Dotted key path such as `defaults.via` or `modem[2].match.imei`, when known.
        key: Option<String>,
        message: String,
        fix: String,
    },
}

fn render_invalid(
    path: &Path,
    line: usize,
    column: usize,
    key: Option<&str>,
    message: &str,
    fix: &str,
) -> String {
    let mut s = path.display().to_string();
    if line > 0 {
        s.push_str(&format!(":{line}:{column}"));
    }
    s.push_str(": ");
    if let Some(k) = key {
        s.push_str(&format!("{k}: "));
    }
    s.push_str(message);
    if !fix.is_empty() {
        s.push_str("; ");
        s.push_str(fix);
    }
    s
}

impl Config {
    /// Read and check `path`. A file that does not exist is the all-defaults configuration.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config {
                path: path.to_path_buf(),
                ..Config::default()
            }),
            Err(e) => Err(ConfigError::Read {
                path: path.to_path_buf(),
                source: e,
            }),
        }
    }

    /// Check `text`; `path` is only used in messages and [`Config::path`].
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| toml_error(text, path, &e))?;
        let v = Validator { text, path };
        let defaults = match raw.defaults {
            Some(d) => v.settings(d, "defaults")?,
            None => Settings::default(),
        };
        let mut modems = Vec::with_capacity(raw.modem.len());
        let mut names: HashMap<String, usize> = HashMap::new();
        for (i, m) in raw.modem.into_iter().enumerate() {
            let section_span = m.span();
            let mut m = m.into_inner();
            let raw_settings = m.settings();
            let prefix = format!("modem[{}]", i + 1);
            let line = line_col(text, section_span.start).0;
            let name = match m.name {
                Some(n) => {
                    let key = format!("{prefix}.name");
                    let value = n.get_ref().clone();
                    if !is_valid_name(&value) {
                        return Err(v.invalid(
                            n.span(),
                            &key,
                            format!("{value:?} is not a usable name"),
                            "use 1 to 32 of a-z, 0-9, '_' and '-' (it becomes a directory under /dev/dongle/)",
                        ));
                    }
                    if let Some(first) = names.get(&value) {
                        return Err(v.invalid(
                            n.span(),
                            &key,
                            format!("{value:?} is already the name of the section at line {first}"),
                            "give every [[modem]] section its own name",
                        ));
                    }
                    names.insert(value.clone(), line);
                    Some(value)
                }
                None => None,
            };
            let matcher = match m.matcher {
                Some(mt) => v.matcher(mt, &format!("{prefix}.match"))?,
                None => {
                    return Err(v.invalid(
                        section_span,
                        &prefix,
                        "has no `match`, so it would apply to no modem or to all of them".into(),
                        "add e.g. match = { imei = \"866123456789015\" } (or iccid, usb_path, id = \"vid:pid\"); settings for every modem go in [defaults]",
                    ))
                }
            };
            let settings = v.settings(raw_settings, &prefix)?;
            modems.push(ModemSection {
                name,
                matcher,
                settings,
                line,
            });
        }
        let metrics = match raw.metrics {
            Some(m) => v.metrics(m)?,
            None => MetricsConfig::default(),
        };
        Ok(Config {
            path: path.to_path_buf(),
            exists: true,
            defaults,
            modems,
            metrics,
        })
    }

    /// The first section matching `ident`, if any.
    pub fn section_for(&self, ident: &ModemIdent) -> Option<&ModemSection> {
        self.modems.iter().find(|m| m.matcher.matches(ident))
    }

    /// The name (from the first matching section) and the settings for a modem: that
    /// section's keys over `[defaults]`, or just the defaults when no section matches.
    pub fn settings_for(&self, ident: &ModemIdent) -> (Option<&str>, Settings) {
        match self.section_for(ident) {
            Some(s) => (s.name.as_deref(), s.settings.over(&self.defaults)),
            None => (None, self.defaults.clone()),
        }
    }
}

/// `[a-z0-9_-]{1,32}`.
pub fn is_valid_name(s: &str) -> bool {
    (1..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// ICCIDs are compared without case and without the `F` filler some modems append.
fn normalize_iccid(s: &str) -> String {
    s.trim().trim_end_matches(['f', 'F']).to_string()
}

// ---- the raw layer -------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    defaults: Option<RawSettings>,
    #[serde(default)]
    modem: Vec<Spanned<RawModem>>,
    metrics: Option<RawMetrics>,
}

/// The keys [`Settings`] has, plus `password` and `pin`, which are read only to say that they
/// do not belong in this file.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    via: Option<Spanned<String>>,
    apn: Option<Spanned<String>>,
    user: Option<Spanned<String>>,
    password_file: Option<Spanned<String>>,
    pin_file: Option<Spanned<String>>,
    route_metric: Option<Spanned<i64>>,
    manage: Option<bool>,
    switch: Option<bool>,
    roaming: Option<bool>,
    password: Option<Spanned<toml::Value>>,
    pin: Option<Spanned<toml::Value>>,
}

/// A section: `name`, `match` and the settings keys. serde cannot combine `flatten` with
/// `deny_unknown_fields`, so the settings keys are repeated here.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModem {
    name: Option<Spanned<String>>,
    #[serde(rename = "match")]
    matcher: Option<Spanned<RawMatch>>,
    via: Option<Spanned<String>>,
    apn: Option<Spanned<String>>,
    user: Option<Spanned<String>>,
    password_file: Option<Spanned<String>>,
    pin_file: Option<Spanned<String>>,
    route_metric: Option<Spanned<i64>>,
    manage: Option<bool>,
    switch: Option<bool>,
    roaming: Option<bool>,
    password: Option<Spanned<toml::Value>>,
    pin: Option<Spanned<toml::Value>>,
}

impl RawModem {
    fn settings(&mut self) -> RawSettings {
        RawSettings {
            via: self.via.take(),
            apn: self.apn.take(),
            user: self.user.take(),
            password_file: self.password_file.take(),
            pin_file: self.pin_file.take(),
            route_metric: self.route_metric.take(),
            manage: self.manage.take(),
            switch: self.switch.take(),
            roaming: self.roaming.take(),
            password: self.password.take(),
            pin: self.pin.take(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatch {
    imei: Option<Spanned<String>>,
    iccid: Option<Spanned<String>>,
    usb_path: Option<Spanned<String>>,
    id: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetrics {
    listen: Option<Spanned<String>>,
    #[serde(default)]
    allow_remote: bool,
    textfile: Option<Spanned<String>>,
    interval: Option<Spanned<i64>>,
}

/// Turns raw values into checked ones; every error points at the value's span.
struct Validator<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Validator<'_> {
    fn invalid(&self, span: Range<usize>, key: &str, message: String, fix: &str) -> ConfigError {
        let (line, column) = line_col(self.text, span.start);
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            line,
            column,
            key: Some(key.to_string()),
            message,
            fix: fix.to_string(),
        }
    }

    fn settings(&self, raw: RawSettings, prefix: &str) -> Result<Settings, ConfigError> {
        let key = |k: &str| format!("{prefix}.{k}");
        if let Some(p) = raw.password {
            return Err(self.invalid(
                p.span(),
                &key("password"),
                "a password is not kept in the configuration file".into(),
                "write it as the first line of a file only root can read (chmod 600) and name that file with password_file = \"/etc/dongle/secret\"",
            ));
        }
        if let Some(p) = raw.pin {
            return Err(self.invalid(
                p.span(),
                &key("pin"),
                "a SIM PIN is not kept in the configuration file".into(),
                "write it as the first line of a file only root can read (chmod 600) and name that file with pin_file = \"/etc/dongle/pin\"",
            ));
        }
        let via = match raw.via {
            Some(v) => match Via::parse(v.get_ref()) {
                Some(via) => Some(via),
                None => {
                    return Err(self.invalid(
                        v.span(),
                        &key("via"),
                        format!("{:?} is not a way to connect", v.get_ref()),
                        "use \"ppp\", \"ncm\" or \"hilink\" (or leave via out: the best the stick offers)",
                    ))
                }
            },
            None => None,
        };
        let apn = match raw.apn {
            Some(a) => match Apn::parse(a.get_ref()) {
                Ok(apn) => Some(apn.as_str().to_string()),
                Err(e) => {
                    return Err(self.invalid(
                        a.span(),
                        &key("apn"),
                        format!("{:?}: {}", a.get_ref(), e.problem),
                        "write the APN your operator gives (e.g. \"internet\"), \"\" for the network's default, or leave apn out to take it from the SIM",
                    ))
                }
            },
            None => None,
        };
        let user = match raw.user {
            Some(u) => match Credential::parse("user", u.get_ref(), false) {
                Ok(c) => Some(c.as_str().to_string()),
                Err(e) => {
                    return Err(self.invalid(
                        u.span(),
                        &key("user"),
                        format!("{:?}: {}", u.get_ref(), e.problem),
                        "use the user name your operator gives, or leave user out",
                    ))
                }
            },
            None => None,
        };
        let password_file = self.abs_path(raw.password_file, &key("password_file"))?;
        let pin_file = self.abs_path(raw.pin_file, &key("pin_file"))?;
        let route_metric = match raw.route_metric {
            Some(m) => match u32::try_from(*m.get_ref()) {
                Ok(n) => Some(n),
                Err(_) => {
                    return Err(self.invalid(
                        m.span(),
                        &key("route_metric"),
                        format!("{} is not a route metric", m.get_ref()),
                        "use a number from 0 to 4294967295 (lower wins; e.g. 100 for the main uplink, 200 for a backup)",
                    ))
                }
            },
            None => None,
        };
        Ok(Settings {
            via,
            apn,
            user,
            password_file,
            pin_file,
            route_metric,
            manage: raw.manage,
            switch: raw.switch,
            roaming: raw.roaming,
        })
    }

    fn abs_path(
        &self,
        raw: Option<Spanned<String>>,
        key: &str,
    ) -> Result<Option<PathBuf>, ConfigError> {
        let Some(p) = raw else { return Ok(None) };
        let path = PathBuf::from(p.get_ref());
        if !path.is_absolute() {
            // The daemon's working directory is `/` under systemd; a relative path would
            // silently mean something else when `dongle` is run by hand.
            return Err(self.invalid(
                p.span(),
                key,
                format!("{:?} is a relative path", p.get_ref()),
                "write the full path, e.g. \"/etc/dongle/secret\"",
            ));
        }
        Ok(Some(path))
    }

    fn matcher(&self, raw: Spanned<RawMatch>, key: &str) -> Result<Match, ConfigError> {
        let span = raw.span();
        let raw = raw.into_inner();
        let sub = |k: &str| format!("{key}.{k}");
        let imei = match raw.imei {
            Some(s) => {
                let v = s.get_ref().trim();
                if !(14..=16).contains(&v.len()) || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(self.invalid(
                        s.span(),
                        &sub("imei"),
                        format!("{:?} is not an IMEI", s.get_ref()),
                        "write the 15 digits `dongle info` shows as imei",
                    ));
                }
                Some(v.to_string())
            }
            None => None,
        };
        let iccid = match raw.iccid {
            Some(s) => {
                let v = normalize_iccid(s.get_ref());
                if !(18..=22).contains(&v.len()) || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(self.invalid(
                        s.span(),
                        &sub("iccid"),
                        format!("{:?} is not an ICCID", s.get_ref()),
                        "write the 18 to 22 digits `dongle info` shows as iccid",
                    ));
                }
                Some(v)
            }
            None => None,
        };
        let usb_path = match raw.usb_path {
            Some(s) => {
                let v = s.get_ref().trim();
                if !dongle_usb::is_device_name(v) {
                    return Err(self.invalid(
                        s.span(),
                        &sub("usb_path"),
                        format!("{:?} is not a USB port path", s.get_ref()),
                        "write the path `dongle list` shows, e.g. \"1-1.4\" (bus 1, port 1, then port 4 of the hub)",
                    ));
                }
                Some(v.to_string())
            }
            None => None,
        };
        let id = match raw.id {
            Some(s) => match dongle_usb::parse_vid_pid(s.get_ref()) {
                Some((vid, pid)) => Some(format!("{vid:04x}:{pid:04x}")),
                None => {
                    return Err(self.invalid(
                        s.span(),
                        &sub("id"),
                        format!("{:?} is not a vid:pid", s.get_ref()),
                        "write the USB ID `dongle list` shows, e.g. \"12d1:1506\"",
                    ))
                }
            },
            None => None,
        };
        let m = Match {
            imei,
            iccid,
            usb_path,
            id,
        };
        if m.is_empty() {
            return Err(self.invalid(
                span,
                key,
                "is empty, so it would match every modem".into(),
                "give at least one of imei, iccid, usb_path, id; settings for every modem go in [defaults]",
            ));
        }
        Ok(m)
    }

    fn metrics(&self, raw: RawMetrics) -> Result<MetricsConfig, ConfigError> {
        let listen = match raw.listen {
            Some(l) => {
                let addr: SocketAddr = match l.get_ref().trim().parse() {
                    Ok(a) => a,
                    Err(_) => {
                        return Err(self.invalid(
                            l.span(),
                            "metrics.listen",
                            format!("{:?} is not an address:port", l.get_ref()),
                            "write e.g. \"127.0.0.1:9433\" or \"[::1]:9433\"",
                        ))
                    }
                };
                if !addr.ip().is_loopback() && !raw.allow_remote {
                    // The endpoint has no authentication: operators, IMEIs and traffic of
                    // every modem would be readable by anyone on the network.
                    return Err(self.invalid(
                        l.span(),
                        "metrics.listen",
                        format!("{addr} is reachable from other hosts and the endpoint has no authentication"),
                        "listen on 127.0.0.1 (and let the local Prometheus or node-exporter scrape it), or add allow_remote = true under [metrics] if the network is yours",
                    ));
                }
                Some(addr)
            }
            None => None,
        };
        let textfile = match raw.textfile {
            Some(t) => {
                let p = PathBuf::from(t.get_ref());
                let ok = p.is_absolute() && p.extension().is_some_and(|e| e == "prom");
                if !ok {
                    // node-exporter's textfile collector reads only *.prom files.
                    return Err(self.invalid(
                        t.span(),
                        "metrics.textfile",
                        format!("{:?} is not an absolute path ending in .prom", t.get_ref()),
                        "write e.g. \"/var/lib/prometheus/node-exporter/dongle.prom\" (node-exporter's textfile collector reads only *.prom)",
                    ));
                }
                Some(p)
            }
            None => None,
        };
        let interval_s = match raw.interval {
            Some(i) => match u64::try_from(*i.get_ref()) {
                Ok(n) if (1..=3600).contains(&n) => n,
                _ => {
                    return Err(self.invalid(
                        i.span(),
                        "metrics.interval",
                        format!("{} seconds is out of range", i.get_ref()),
                        "use 1 to 3600 seconds (15 is Prometheus's usual scrape interval)",
                    ))
                }
            },
            None => DEFAULT_METRICS_INTERVAL_S,
        };
        Ok(MetricsConfig {
            listen,
            allow_remote: raw.allow_remote,
            textfile,
            interval_s,
        })
    }
}

/// A toml error (syntax, unknown key, wrong type) as a [`ConfigError::Invalid`] with line,
/// column and the key found at the error's position.
fn toml_error(text: &str, path: &Path, e: &toml::de::Error) -> ConfigError {
    let mut message = e.message().trim().to_string();
    if message.starts_with("unknown field") {
        // `password` and `pin` are only read to refuse them; do not offer them as keys.
        message = message.replace(", `password`", "").replace(", `pin`", "");
    }
    let (line, column, key) = match e.span() {
        Some(span) => {
            let (l, c) = line_col(text, span.start);
            (l, c, key_at(text, span.start))
        }
        None => (0, 0, None),
    };
    let fix = if message.starts_with("unknown field") {
        "remove or correct the key; the README's \"Configuration file\" section lists every key"
    } else if message.starts_with("invalid type") {
        "give the value the type the README lists (strings in quotes, numbers and true/false without)"
    } else if message.starts_with("duplicate key") {
        "set each key once per section"
    } else {
        "fix the TOML syntax at that place (strings need double quotes; one key = value per line)"
    };
    ConfigError::Invalid {
        path: path.to_path_buf(),
        line,
        column,
        key,
        message,
        fix: fix.to_string(),
    }
}

/// 1-based line and column (in characters) of byte `offset`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, text[line_start..offset].chars().count() + 1)
}

/// The dotted key path at byte `offset`, read from the text: the table header above it
/// (`[defaults]`, the n-th `[[modem]]`) plus the keys on the line up to `offset`
/// (`match = { imei = …` → `match.imei`). toml's errors carry only a span, and a message
/// that names the key is what lets a user find the mistake.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let mut table: Option<String> = None;
    let mut modem_count = 0usize;
    let mut line_start = 0usize;
    for line in text.split_inclusive('\n') {
        let end = line_start + line.len();
        if line_start > offset {
            break;
        }
        let t = line.trim();
        if let Some(name) = t.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = name.trim();
            if name == "modem" {
                modem_count += 1;
                table = Some(format!("modem[{modem_count}]"));
            } else {
                table = Some(name.to_string());
            }
        } else if let Some(name) = t.strip_prefix('[').and_then(|r| r.split(']').next()) {
            table = Some(name.trim().to_string());
        }
        if offset < end || end == text.len() {
            if t.starts_with('[') {
                // An error on a header line (an unknown table): the table is the key.
                return table;
            }
            let mut col = (offset - line_start).min(line.len());
            while !line.is_char_boundary(col) {
                col -= 1;
            }
            let mut keys = line_keys(&line[..col], &line[col..]);
            if let Some(t) = table {
                keys.insert(0, t);
            }
            return (!keys.is_empty()).then(|| keys.join("."));
        }
        line_start = end;
    }
    None
}

/// Keys on one line before the error position: `a = { b = { c = ` → `[a, b, c]`; when the
/// error is on a key itself (unknown field), that key ends the list.
fn line_keys(before: &str, after: &str) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut leaf: Option<String> = None;
    let mut cur = String::new();
    let mut in_str = false;
    for ch in before.chars() {
        if in_str {
            if ch == '"' {
                in_str = false;
            }
            continue;
        }
        match ch {
            '"' => {
                in_str = true;
                cur.clear();
            }
            '=' => {
                let k = cur.trim().to_string();
                if !k.is_empty() {
                    leaf = Some(k);
                }
                cur.clear();
            }
            '{' => {
                if let Some(l) = leaf.take() {
                    stack.push(l);
                }
                cur.clear();
            }
            '}' => {
                stack.pop();
                leaf = None;
                cur.clear();
            }
            ',' => {
                leaf = None;
                cur.clear();
            }
            c => cur.push(c),
        }
    }
    // The error span starts at a bare key (`password = …`): that key is the one at fault.
    let word: String = after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let rest = after[word.len()..].trim_start();
    if !word.is_empty() && rest.starts_with('=') && cur.trim().is_empty() {
        leaf = Some(word);
    }
    stack.extend(leaf);
    stack
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
[defaults]
via = "ncm"
apn = "internet"
user = "x"
password_file = "/etc/dongle/secret"
pin_file = "/etc/dongle/pin"
route_metric = 100
manage = true
switch = true
roaming = false

[[modem]]
name = "uplink1"
match = { imei = "866123456789015" }
apn = "web.pt.lu"
route_metric = 200

[[modem]]
name = "backup"
match = { usb_path = "1-1.4", id = "12D1:1506" }
via = "ppp"
manage = false

[metrics]
listen = "127.0.0.1:9433"
textfile = "/var/lib/prometheus/node-exporter/dongle.prom"
interval = 30
"#;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/dongle/config.toml"))
    }

    /// (line, column, key, message) of an expected error.
    fn err(text: &str) -> (usize, usize, Option<String>, String, String) {
        match parse(text) {
            Err(ConfigError::Invalid {
                line,
                column,
                key,
                message,
                fix,
                ..
            }) => (line, column, key, message, fix),
            other => panic!("expected an error for {text:?}, got {other:?}"),
        }
    }

    #[test]
    fn full_example_parses() {
        let c = parse(FULL).expect("valid");
        assert!(c.exists);
        assert_eq!(c.defaults.via, Some(Via::Ncm));
        assert_eq!(c.defaults.apn.as_deref(), Some("internet"));
        assert_eq!(
            c.defaults.password_file.as_deref(),
            Some(Path::new("/etc/dongle/secret"))
        );
        assert_eq!(c.defaults.route_metric, Some(100));
        assert_eq!(c.modems.len(), 2);
        assert_eq!(c.modems[0].name.as_deref(), Some("uplink1"));
        assert_eq!(c.modems[0].line, 13);
        // vid:pid is normalized to lowercase.
        assert_eq!(c.modems[1].matcher.id.as_deref(), Some("12d1:1506"));
        assert_eq!(
            c.metrics.listen,
            Some("127.0.0.1:9433".parse().expect("addr"))
        );
        assert_eq!(c.metrics.interval_s, 30);
    }

    #[test]
    fn empty_file_and_missing_file_are_defaults() {
        let c = parse("").expect("empty is fine");
        assert!(c.modems.is_empty());
        assert_eq!(c.defaults, Settings::default());
        assert_eq!(c.metrics, MetricsConfig::default());
        let dir = tempfile::tempdir().expect("tempdir");
        let c = Config::load(&dir.path().join("none.toml")).expect("missing is fine");
        assert!(!c.exists);
        assert!(c.defaults.manages() && c.defaults.switches() && !c.defaults.allows_roaming());
    }

    #[test]
    fn unreadable_file_is_an_error_not_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A directory where the file should be: read fails with something other than NotFound.
        let e = Config::load(dir.path()).expect_err("a directory is not a config");
        assert!(matches!(e, ConfigError::Read { .. }), "{e:?}");
    }

    #[test]
    fn section_over_defaults_and_first_match_wins() {
        let c = parse(FULL).expect("valid");
        let ident = ModemIdent {
            usb_path: Some("1-1.4".into()),
            id: Some("12d1:1506".into()),
            imei: Some("866123456789015".into()),
            iccid: None,
        };
        // Both sections match; the first one wins.
        let (name, s) = c.settings_for(&ident);
        assert_eq!(name, Some("uplink1"));
        assert_eq!(s.apn.as_deref(), Some("web.pt.lu"));
        assert_eq!(s.route_metric, Some(200));
        // Inherited from [defaults].
        assert_eq!(s.via, Some(Via::Ncm));
        assert_eq!(s.user.as_deref(), Some("x"));

        // Before the IMEI is known only the second section can match.
        let early = ModemIdent {
            imei: None,
            ..ident.clone()
        };
        let (name, s) = c.settings_for(&early);
        assert_eq!(name, Some("backup"));
        assert_eq!(s.via, Some(Via::Ppp));
        assert!(!s.manages());
        assert_eq!(s.apn.as_deref(), Some("internet"));
    }

    #[test]
    fn all_given_fields_must_match() {
        let c = parse(FULL).expect("valid");
        // Right path, wrong vid:pid: the "backup" section needs both.
        let ident = ModemIdent {
            usb_path: Some("1-1.4".into()),
            id: Some("12d1:14dc".into()),
            ..ModemIdent::default()
        };
        let (name, s) = c.settings_for(&ident);
        assert_eq!(name, None);
        assert_eq!(s, c.defaults);
        // vid:pid compares without case.
        let ident = ModemIdent {
            usb_path: Some("1-1.4".into()),
            id: Some("12D1:1506".into()),
            ..ModemIdent::default()
        };
        assert_eq!(c.settings_for(&ident).0, Some("backup"));
    }

    #[test]
    fn iccid_matches_without_f_filler() {
        let c = parse("[[modem]]\nname = \"a\"\nmatch = { iccid = \"8935201234567890123F\" }\n")
            .expect("valid");
        assert_eq!(
            c.modems[0].matcher.iccid.as_deref(),
            Some("8935201234567890123")
        );
        let ident = ModemIdent {
            iccid: Some("8935201234567890123".into()),
            ..ModemIdent::default()
        };
        assert_eq!(c.settings_for(&ident).0, Some("a"));
    }

    #[test]
    fn unknown_key_names_line_column_and_key() {
        let (line, col, key, msg, fix) = err("[defaults]\nvia = \"ppp\"\napm = \"internet\"\n");
        assert_eq!((line, col), (3, 1));
        assert_eq!(key.as_deref(), Some("defaults.apm"));
        assert!(msg.contains("unknown field `apm`"), "{msg}");
        // The keys refused on purpose are not offered as alternatives.
        assert!(
            msg.contains("`pin_file`") && !msg.contains("`pin`"),
            "{msg}"
        );
        assert!(!msg.contains("`password`"), "{msg}");
        assert!(fix.contains("README"), "{fix}");
    }

    #[test]
    fn unknown_key_inside_match_is_located() {
        let text =
            "[[modem]]\nname = \"a\"\nmatch = { imei = \"866123456789015\", serial = \"x\" }\n";
        let (line, col, key, msg, _) = err(text);
        assert_eq!(line, 3);
        assert_eq!(col, 37);
        assert_eq!(key.as_deref(), Some("modem[1].match.serial"));
        assert!(msg.contains("serial"), "{msg}");
    }

    #[test]
    fn unknown_table_is_an_error() {
        let (line, _, key, msg, _) = err("[defualts]\nvia = \"ppp\"\n");
        assert_eq!(line, 1);
        assert_eq!(key.as_deref(), Some("defualts"));
        assert!(msg.contains("defualts"), "{msg}");
    }

    #[test]
    fn wrong_type_is_located() {
        let (line, col, key, msg, _) = err("[defaults]\nroute_metric = \"100\"\n");
        assert_eq!((line, col), (2, 16));
        assert_eq!(key.as_deref(), Some("defaults.route_metric"));
        assert!(msg.contains("invalid type"), "{msg}");
    }

    #[test]
    fn syntax_error_is_located() {
        let (line, _, _, _, fix) = err("[defaults]\napn = internet\n");
        assert_eq!(line, 2);
        assert!(fix.contains("double quotes"), "{fix}");
    }

    #[test]
    fn bad_via_is_rejected_with_the_choices() {
        let (line, col, key, msg, fix) = err("[defaults]\nvia = \"gsm\"\n");
        assert_eq!((line, col), (2, 7));
        assert_eq!(key.as_deref(), Some("defaults.via"));
        assert!(msg.contains("\"gsm\""), "{msg}");
        assert!(fix.contains("ppp") && fix.contains("hilink"), "{fix}");
    }

    #[test]
    fn apn_uses_the_up_rules() {
        // A quote would end AT+CGDCONT's string: the same check as `dongle up --apn`.
        let (_, _, key, msg, _) =
            err("[[modem]]\nmatch = { id = \"12d1:1506\" }\napn = \"x\\\";+CFUN=0\"\n");
        assert_eq!(key.as_deref(), Some("modem[1].apn"));
        assert!(msg.contains("only letters"), "{msg}");
        // The network-default APN is allowed.
        let c = parse("[defaults]\napn = \"\"\n").expect("empty APN");
        assert_eq!(c.defaults.apn.as_deref(), Some(""));
    }

    #[test]
    fn password_and_pin_are_refused_with_the_file_keys_as_fix() {
        let (line, _, key, _, fix) = err("[defaults]\npassword = \"hunter2\"\n");
        assert_eq!(line, 2);
        assert_eq!(key.as_deref(), Some("defaults.password"));
        assert!(fix.contains("password_file"), "{fix}");
        let (_, _, key, _, fix) = err("[[modem]]\nmatch = { id = \"12d1:1506\" }\npin = 1234\n");
        assert_eq!(key.as_deref(), Some("modem[1].pin"));
        assert!(fix.contains("pin_file"), "{fix}");
        // The error text never carries the secret.
        let e = parse("[defaults]\npassword = \"hunter2\"\n").expect_err("refused");
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn names_are_checked_and_unique() {
        let (_, _, key, msg, _) =
            err("[[modem]]\nname = \"Uplink 1\"\nmatch = { id = \"12d1:1506\" }\n");
        assert_eq!(key.as_deref(), Some("modem[1].name"));
        assert!(msg.contains("Uplink 1"), "{msg}");
        let (line, _, key, msg, _) = err(
            "[[modem]]\nname = \"a\"\nmatch = { id = \"12d1:1506\" }\n\n[[modem]]\nname = \"a\"\nmatch = { id = \"12d1:1001\" }\n",
        );
        assert_eq!(line, 6);
        assert_eq!(key.as_deref(), Some("modem[2].name"));
        assert!(msg.contains("line 1"), "{msg}");
        assert!(is_valid_name(&"a".repeat(32)) && !is_valid_name(&"a".repeat(33)));
        assert!(!is_valid_name("") && !is_valid_name("a/b") && !is_valid_name("a.b"));
    }

    #[test]
    fn match_is_required_and_not_empty() {
        let (line, _, key, _, fix) = err("[defaults]\nvia = \"ppp\"\n\n[[modem]]\nname = \"a\"\n");
        assert_eq!(key.as_deref(), Some("modem[1]"));
        assert!(line >= 4, "{line}");
        assert!(fix.contains("imei"), "{fix}");
        let (_, _, key, msg, _) = err("[[modem]]\nname = \"a\"\nmatch = {}\n");
        assert_eq!(key.as_deref(), Some("modem[1].match"));
        assert!(msg.contains("every modem"), "{msg}");
    }

    #[test]
    fn match_values_are_checked() {
        for (text, key) in [
            ("match = { imei = \"12345\" }", "modem[1].match.imei"),
            ("match = { iccid = \"89abc\" }", "modem[1].match.iccid"),
            ("match = { usb_path = \"usb1\" }", "modem[1].match.usb_path"),
            ("match = { id = \"huawei\" }", "modem[1].match.id"),
        ] {
            let (line, _, k, _, _) = err(&format!("[[modem]]\n{text}\n"));
            assert_eq!(line, 2, "{text}");
            assert_eq!(k.as_deref(), Some(key), "{text}");
        }
    }

    #[test]
    fn metrics_listen_must_be_loopback_unless_allowed() {
        let (line, _, key, msg, fix) = err("[metrics]\nlisten = \"0.0.0.0:9433\"\n");
        assert_eq!(line, 2);
        assert_eq!(key.as_deref(), Some("metrics.listen"));
        assert!(msg.contains("0.0.0.0:9433"), "{msg}");
        assert!(fix.contains("allow_remote"), "{fix}");
        let c =
            parse("[metrics]\nlisten = \"0.0.0.0:9433\"\nallow_remote = true\n").expect("allowed");
        assert!(c.metrics.allow_remote);
        let c = parse("[metrics]\nlisten = \"[::1]:9433\"\n").expect("v6 loopback");
        assert!(c.metrics.listen.is_some_and(|a| a.ip().is_loopback()));
        let (_, _, key, _, _) = err("[metrics]\nlisten = \"localhost\"\n");
        assert_eq!(key.as_deref(), Some("metrics.listen"));
    }

    #[test]
    fn metrics_textfile_and_interval_are_checked() {
        let (_, _, key, _, _) = err("[metrics]\ntextfile = \"dongle.txt\"\n");
        assert_eq!(key.as_deref(), Some("metrics.textfile"));
        let (_, _, key, _, _) = err("[metrics]\ninterval = 0\n");
        assert_eq!(key.as_deref(), Some("metrics.interval"));
    }

    #[test]
    fn relative_secret_paths_and_bad_metrics_are_refused() {
        let (_, _, key, _, _) = err("[defaults]\npin_file = \"pin\"\n");
        assert_eq!(key.as_deref(), Some("defaults.pin_file"));
        let (_, _, key, msg, _) = err("[defaults]\nroute_metric = -1\n");
        assert_eq!(key.as_deref(), Some("defaults.route_metric"));
        assert!(msg.contains("-1"), "{msg}");
    }

    #[test]
    fn display_names_file_line_column_key_and_fix() {
        let e = parse("[defaults]\nvia = \"gsm\"\n").expect_err("bad");
        assert_eq!(
            e.to_string(),
            "/etc/dongle/config.toml:2:7: defaults.via: \"gsm\" is not a way to connect; \
             use \"ppp\", \"ncm\" or \"hilink\" (or leave via out: the best the stick offers)"
        );
    }

    #[test]
    fn mangled_files_give_located_errors_never_a_panic() {
        // Every one-character edit of a valid file: deleting it, or putting in a character
        // that matters to TOML (or a multi-byte one) before it. The result is either valid or
        // an error that points into the file.
        let chars: Vec<(usize, char)> = FULL.char_indices().collect();
        for &(at, ch) in &chars {
            let deleted = format!("{}{}", &FULL[..at], &FULL[at + ch.len_utf8()..]);
            let mut texts = vec![deleted];
            for ins in ['"', '=', '[', ']', '{', '}', ',', '\n', 'é', '#', 'x'] {
                texts.push(format!("{}{ins}{}", &FULL[..at], &FULL[at..]));
            }
            for text in texts {
                match parse(&text) {
                    Ok(_) => {}
                    Err(ConfigError::Invalid { line, message, .. }) => {
                        assert!(
                            line >= 1 && line <= text.lines().count() + 1,
                            "{line}: {message}"
                        );
                        assert!(!message.is_empty());
                    }
                    Err(e) => panic!("unexpected {e:?}"),
                }
            }
        }
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("a\nbc", 3), (2, 2));
        assert_eq!(line_col("é=1\nx", 2), (1, 2));
        assert_eq!(line_col("é=1\nx", 3), (1, 3));
        assert_eq!(line_col("abc", 99), (1, 4));
    }

    #[test]
    fn config_path_order() {
        assert_eq!(
            config_path(Some(Path::new("/x.toml"))),
            PathBuf::from("/x.toml")
        );
    }
}
