//! A reader for usb-modeswitch-data: the config format (usb_modeswitch.md §2.1–2.2), the file
//! names (§2.3), Debian's `configPack.tar.gz` and loose files in `/etc/usb_modeswitch.d/`.
//!
//! The grammar is usb_modeswitch 2.5.2/2.6.1's `ReadParseParam`, quirks included:
//!
//! - Lines are split on `\n` (empty lines dropped, as the dispatcher's `-f` path does); one
//!   trailing `\r` is removed; a line is cut at 1023 bytes.
//! - A line is a setting when it has a `=` and no `;`, `#` or `!` before that `=`. Comment
//!   characters *after* the `=` are **not** stripped: `TargetVendor=0x12d1 # x` still parses
//!   (hex stops at the blank), but an unquoted `MessageContent=5553… # x` is not hex.
//! - Only the first 50 settings are stored (`MAXLINES`).
//! - The name is the first blank-free word before the `=` (`Target Vendor=1` names `Target`);
//!   names are case-sensitive; the **first** setting of a name wins.
//! - Value: from the first `"` to the last `"` when there is a quote (text before the first
//!   quote is dropped; a lone quote means "to the end of the line"); then leading blanks are
//!   skipped; an empty value is an error and the line is ignored.
//! - Hex keys (`strtol(v, 0, 16)`): `0x12d1` and `12d1` both work, parsing stops at the first
//!   non-hex character, no digits gives 0. **`Interface`, `Configuration`, `AltSetting` and
//!   `ResetUSB` are hex**: `Configuration=10` means 16.
//! - Decimal keys (`atoi`): `ReleaseDelay`, `PantechMode`, `CheckSuccess`; `0x10` is 0.
//! - Booleans: true when the first character is `Y`, `y`, `T`, `t` or `1`.
//! - `TargetProductList`: split on `,` (empty tokens dropped); a token must be exactly four hex
//!   digits, anything else is ignored with a warning. It wins over `TargetProduct`.
//! - `WaitBefore` is read by the dispatcher with its own regular expression
//!   (`^[^# ]*?WaitBefore.*?= *([0-9]+) *$`, decimal seconds).
//!
//! Which file applies to a device follows the dispatcher (§2.3): override files in
//! `/etc/usb_modeswitch.d` (names sorted descending, so attribute-qualified names come before
//! the plain `VVVV:PPPP`), then loose files in `/usr/share/usb_modeswitch`, then the tarball's
//! entries (sorted descending); the first whose attributes match the device is used. A file
//! whose name is already provided by an earlier source is shadowed. `*.dpkg*` / `*.rpm*` files
//! are skipped.

use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::devices::lookup;
use crate::switch::{
    decode_hex, DeviceStrings, QualifierField, RecipeQualifier, RecipeSource, SwitchMethod,
    SwitchRecipe,
};
use crate::types::Personality;

/// Debian's packed configs.
pub const SYSTEM_TARBALL: &str = "/usr/share/usb_modeswitch/configPack.tar.gz";
/// The data directory (loose files on distributions that do not pack them).
pub const SYSTEM_DATA_DIR: &str = "/usr/share/usb_modeswitch";
/// The override directory.
pub const SYSTEM_OVERRIDE_DIR: &str = "/etc/usb_modeswitch.d";

/// `LINE_DIM - 1`: the longest line usb_modeswitch reads.
const MAX_LINE: usize = 1023;
/// `MAXLINES`: usb_modeswitch stores at most this many settings.
const MAX_SETTINGS: usize = 50;
/// Config files are tiny (the largest Debian one is 0.4 kB); refuse anything absurd.
const MAX_FILE_BYTES: u64 = 64 * 1024;
/// A tarball with more entries than this is not usb-modeswitch-data.
const MAX_TAR_ENTRIES: usize = 10_000;

/// A problem in one config file: the entry may still be usable (a warning) or have been
/// skipped; the message says which and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataWarning {
    /// The file (`/etc/usb_modeswitch.d/12d1:1f01`, `…/configPack.tar.gz:12d1:1f01`).
    pub file: String,
    /// 1-based line in the file, when the problem is on one line.
    pub line: Option<usize>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for DataWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.file, l, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// A usb-modeswitch-data source that could not be read at all.
#[derive(Debug)]
pub enum DataError {
    /// Opening or reading a file or directory failed.
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Io { path, source } => {
                let fix = match source.kind() {
                    io::ErrorKind::NotFound => {
                        "install it with `apt-get install usb-modeswitch-data`, or point to the \
                         right path"
                    }
                    io::ErrorKind::PermissionDenied => "make it readable (it should be 0644)",
                    _ => {
                        "reinstall usb-modeswitch-data (`apt-get install --reinstall \
                          usb-modeswitch-data`) or remove the broken file"
                    }
                };
                write!(f, "{}: {source}; {fix}", path.display())
            }
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DataError::Io { source, .. } => Some(source),
        }
    }
}

/// One config file parsed key by key, with usb_modeswitch's types (`int` where the C code uses
/// `int`). `None` = the key is absent (or its line was rejected).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ModeswitchConfig {
    /// `DefaultVendor` (hex). Normally absent: the file name carries the ID.
    pub default_vendor: Option<i32>,
    /// `DefaultProduct` (hex).
    pub default_product: Option<i32>,
    /// `TargetVendor` (hex).
    pub target_vendor: Option<i32>,
    /// `TargetProduct` (hex).
    pub target_product: Option<i32>,
    /// `TargetProductList` (string), as written.
    pub target_product_list: Option<String>,
    /// `TargetClass` (hex).
    pub target_class: Option<i32>,
    /// `MessageContent`, `MessageContent2`, `MessageContent3` (strings, as written).
    pub message_content: [Option<String>; 3],
    /// `MessageEndpoint` (hex).
    pub message_endpoint: Option<i32>,
    /// `ResponseEndpoint` (hex).
    pub response_endpoint: Option<i32>,
    /// `ReleaseDelay` (decimal ms).
    pub release_delay: Option<i32>,
    /// `NeedResponse` (bool; obsolete since 2.3.0, read by nobody).
    pub need_response: Option<bool>,
    /// `InquireDevice` (bool; obsolete).
    pub inquire_device: Option<bool>,
    /// `StandardEject` (bool).
    pub standard_eject: Option<bool>,
    /// `NoDriverLoading` (bool).
    pub no_driver_loading: Option<bool>,
    /// The special-mode keys set to true, in usb_modeswitch's `ModeMap` order
    /// (`DetachStorageOnly`, `HuaweiMode`, `HuaweiNewMode`, …). More than one is an error.
    pub modes: Vec<&'static str>,
    /// `PantechMode` (decimal).
    pub pantech_mode: Option<i32>,
    /// `Interface` (hex).
    pub interface: Option<i32>,
    /// `Configuration` (hex).
    pub configuration: Option<i32>,
    /// `AltSetting` (hex).
    pub alt_setting: Option<i32>,
    /// `ResetUSB` (hex, stored in a C `char`).
    pub reset_usb: Option<i32>,
    /// `CheckSuccess` (decimal seconds).
    pub check_success: Option<i32>,
    /// `WaitBefore` (dispatcher; decimal seconds).
    pub wait_before: Option<u32>,
    /// `NoMBIMCheck` (dispatcher). Irrelevant to `dongle`, which never substitutes MBIM.
    pub no_mbim_check: Option<bool>,
    /// `DriverModule` (dispatcher ≤ 2.3.0).
    pub driver_module: Option<String>,
    /// `DriverIDPath` (dispatcher ≤ 2.3.0).
    pub driver_id_path: Option<String>,
}

/// The special-mode boolean keys, in `ModeMap` bit order.
const MODE_KEYS: [&str; 15] = [
    "DetachStorageOnly",
    "HuaweiMode",
    "SierraMode",
    "SonyMode",
    "GCTMode",
    "KobilMode",
    "SequansMode",
    "MobileActionMode",
    "CiscoMode",
    "QisdaMode",
    "QuantaMode",
    "BlackberryMode",
    "HuaweiNewMode",
    "OptionMode",
    "HuaweiAltMode",
];

/// Keys usb_modeswitch reads with `ReadParseParam`.
const BINARY_KEYS: [&str; 20] = [
    "DefaultVendor",
    "DefaultProduct",
    "TargetVendor",
    "TargetProduct",
    "TargetProductList",
    "TargetClass",
    "MessageContent",
    "MessageContent2",
    "MessageContent3",
    "MessageEndpoint",
    "ResponseEndpoint",
    "ReleaseDelay",
    "StandardEject",
    "NoDriverLoading",
    "PantechMode",
    "Interface",
    "Configuration",
    "AltSetting",
    "ResetUSB",
    "CheckSuccess",
];

/// Keys read by nobody or only by the dispatcher.
const OTHER_KEYS: [&str; 6] = [
    "NeedResponse",
    "InquireDevice",
    "WaitBefore",
    "NoMBIMCheck",
    "DriverModule",
    "DriverIDPath",
];

fn is_known_key(k: &str) -> bool {
    MODE_KEYS.contains(&k) || BINARY_KEYS.contains(&k) || OTHER_KEYS.contains(&k)
}

fn known_key_ci(k: &str) -> Option<&'static str> {
    MODE_KEYS
        .iter()
        .chain(BINARY_KEYS.iter())
        .chain(OTHER_KEYS.iter())
        .find(|known| known.eq_ignore_ascii_case(k))
        .copied()
}

/// One stored setting.
#[derive(Debug, Clone)]
struct Setting {
    line: usize,
    name: String,
    value: String,
}

/// A line-level problem found while parsing a config text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIssue {
    /// 1-based line, when the problem is on one line.
    pub line: Option<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

fn issue(line: usize, message: impl Into<String>) -> LineIssue {
    LineIssue {
        line: Some(line),
        message: message.into(),
    }
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Cut `s` to at most `max` bytes on a char boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `ReadParseParam`'s first phase plus the per-lookup extraction: the stored settings, in file
/// order.
fn settings(text: &str, issues: &mut Vec<LineIssue>) -> Vec<Setting> {
    let mut out = Vec::new();
    for (idx, raw) in text.split('\n').enumerate() {
        let line_no = idx + 1;
        if raw.is_empty() {
            continue;
        }
        let mut line = raw;
        if line.len() > MAX_LINE {
            issues.push(issue(
                line_no,
                format!("line is longer than {MAX_LINE} characters; usb_modeswitch cuts it there"),
            ));
            line = cut(line, MAX_LINE);
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        let Some(eq) = line.find('=') else { continue };
        if let Some(c) = line.find([';', '#', '!']) {
            if c <= eq {
                continue; // a comment, or a comment character before the '='
            }
        }
        if out.len() == MAX_SETTINGS {
            issues.push(issue(
                line_no,
                format!(
                    "more than {MAX_SETTINGS} settings; usb_modeswitch ignores this line and \
                     the rest: remove unused lines"
                ),
            ));
            break;
        }
        let (name_part, value_part) = (&line[..eq], &line[eq + 1..]);
        // Quotes: from the first to the last; a lone quote starts the value.
        let value = match (value_part.find('"'), value_part.rfind('"')) {
            (Some(first), Some(last)) if first < last => &value_part[first + 1..last],
            (Some(first), _) => &value_part[first + 1..],
            _ => value_part,
        };
        let name = name_part.trim_start_matches(is_blank);
        let name = name.split(is_blank).next().unwrap_or("");
        if name.is_empty() {
            issues.push(issue(
                line_no,
                "missing setting name before '='; usb_modeswitch ignores this line",
            ));
            continue;
        }
        let value = value.trim_start_matches(is_blank);
        if value.is_empty() {
            issues.push(issue(
                line_no,
                format!("{name} has no value; usb_modeswitch ignores it: give a value or remove the line"),
            ));
            continue;
        }
        out.push(Setting {
            line: line_no,
            name: name.to_string(),
            value: value.to_string(),
        });
    }
    out
}

/// glibc `strtol` saturated to `long` (64 bit), then assigned to a C `int` (low 32 bits), as
/// usb_modeswitch does with `int Foo = strtol(…)`.
pub fn c_strtol(s: &str, base: u32) -> i32 {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        neg = b[i] == b'-';
        i += 1;
    }
    if base == 16
        && i + 1 < b.len()
        && b[i] == b'0'
        && (b[i + 1] | 0x20) == b'x'
        && b.get(i + 2).is_some_and(|c| c.is_ascii_hexdigit())
    {
        i += 2;
    }
    let mut v: i64 = 0;
    let mut overflow = false;
    while i < b.len() {
        let Some(d) = (b[i] as char).to_digit(base) else {
            break;
        };
        match v
            .checked_mul(base as i64)
            .and_then(|x| x.checked_add(d as i64))
        {
            Some(n) => v = n,
            None => overflow = true,
        }
        i += 1;
    }
    let long = if overflow {
        if neg {
            i64::MIN
        } else {
            i64::MAX
        }
    } else if neg {
        -v
    } else {
        v
    };
    long as i32
}

fn c_bool(v: &str) -> bool {
    matches!(v.chars().next(), Some('Y' | 'y' | 'T' | 't' | '1'))
}

/// The dispatcher's `ParseDeviceConfig` match for `name`:
/// `^[^# ]*?NAME.*?= *(0x(\w+)|"([0-9a-fA-F,]+)"|([0-9]+)) *$`, first matching line.
fn dispatcher_value(text: &str, name: &str) -> Option<(usize, String)> {
    fn alt_ok(v: &str) -> bool {
        let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_');
        if let Some(rest) = v.strip_prefix("0x") {
            return word(rest);
        }
        if let Some(inner) = v.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            return !inner.is_empty() && inner.chars().all(|c| c.is_ascii_hexdigit() || c == ',');
        }
        !v.is_empty() && v.chars().all(|c| c.is_ascii_digit())
    }
    for (idx, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let limit = line.find(['#', ' ']).unwrap_or(line.len());
        let mut from = 0;
        while let Some(off) = line[from..].find(name) {
            let at = from + off;
            if at > limit {
                break;
            }
            let after = at + name.len();
            for (j, _) in line[after..].match_indices('=') {
                let v = line[after + j + 1..].trim_start_matches(' ');
                let v = v.trim_end_matches(' ');
                if alt_ok(v) {
                    return Some((idx + 1, v.to_string()));
                }
            }
            from = at + 1;
        }
    }
    None
}

/// Parse one config text the way usb_modeswitch does. Never fails: problems come back as
/// issues (with line numbers) and the affected keys are left out.
pub fn parse_config(text: &str) -> (ModeswitchConfig, Vec<LineIssue>) {
    let mut issues = Vec::new();
    let all = settings(text, &mut issues);
    let mut cfg = ModeswitchConfig::default();

    // Unknown / duplicate names.
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for s in &all {
        if let Some(&(_, first)) = seen.iter().find(|(n, _)| *n == s.name) {
            issues.push(issue(
                s.line,
                format!(
                    "{} is set again; usb_modeswitch uses the first one (line {first}): remove \
                     one of them",
                    s.name
                ),
            ));
        } else {
            seen.push((s.name.as_str(), s.line));
        }
        if !is_known_key(&s.name) {
            let msg = match known_key_ci(&s.name) {
                Some(k) => format!(
                    "unknown setting {}; names are case-sensitive: write {k}",
                    s.name
                ),
                None => format!(
                    "unknown setting {}; usb_modeswitch ignores it (see `man usb_modeswitch`)",
                    s.name
                ),
            };
            issues.push(issue(s.line, msg));
        }
    }
    let get = |name: &str| all.iter().find(|s| s.name == name);
    let hex = |name: &str| get(name).map(|s| c_strtol(&s.value, 16));
    let int = |name: &str| get(name).map(|s| c_strtol(&s.value, 10));
    let boolean = |name: &str| get(name).map(|s| c_bool(&s.value));
    let string = |name: &str| get(name).map(|s| s.value.clone());

    cfg.default_vendor = hex("DefaultVendor");
    cfg.default_product = hex("DefaultProduct");
    cfg.target_vendor = hex("TargetVendor");
    cfg.target_product = hex("TargetProduct");
    cfg.target_product_list = string("TargetProductList");
    cfg.target_class = hex("TargetClass");
    cfg.message_content = [
        string("MessageContent"),
        string("MessageContent2"),
        string("MessageContent3"),
    ];
    cfg.message_endpoint = hex("MessageEndpoint");
    cfg.response_endpoint = hex("ResponseEndpoint");
    cfg.release_delay = int("ReleaseDelay");
    cfg.need_response = boolean("NeedResponse");
    cfg.inquire_device = boolean("InquireDevice");
    cfg.standard_eject = boolean("StandardEject");
    cfg.no_driver_loading = boolean("NoDriverLoading");
    cfg.modes = MODE_KEYS
        .iter()
        .copied()
        .filter(|k| boolean(k) == Some(true))
        .collect();
    cfg.pantech_mode = int("PantechMode");
    cfg.interface = hex("Interface");
    cfg.configuration = hex("Configuration");
    cfg.alt_setting = hex("AltSetting");
    cfg.reset_usb = hex("ResetUSB");
    cfg.check_success = int("CheckSuccess");
    cfg.driver_module = string("DriverModule");
    cfg.driver_id_path = string("DriverIDPath");
    if let Some((line, v)) = dispatcher_value(text, "WaitBefore") {
        match v.parse::<u32>() {
            Ok(n) => cfg.wait_before = Some(n),
            Err(_) => issues.push(issue(
                line,
                format!("WaitBefore={v} is not a decimal number of seconds; ignored"),
            )),
        }
    } else if let Some(s) = get("WaitBefore") {
        issues.push(issue(
            s.line,
            "WaitBefore is not in the form the dispatcher reads (`WaitBefore=<seconds>` at the \
             start of a line); ignored",
        ));
    }
    if let Some((_, v)) = dispatcher_value(text, "NoMBIMCheck") {
        cfg.no_mbim_check = Some(c_strtol(&v, if v.starts_with("0x") { 16 } else { 10 }) != 0);
    }
    (cfg, issues)
}

/// A parsed config-file name (§2.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigName {
    /// Vendor.
    pub vid: u16,
    /// Product; `None` for a generic per-vendor file (`12d1:#linux`).
    pub pid: Option<u16>,
    /// `linux` / `android` for generic per-vendor files.
    pub os: Option<String>,
    /// The attributes after the ID, if any.
    pub qualifier: Option<RecipeQualifier>,
}

/// Parse a config-file name: `VVVV:PPPP`, `VVVV:PPPP:uMa=Foo[:sVe=Bar…]` or `VVVV:#linux`.
/// The dispatcher's quirk is kept: an attribute's value ends at the next `=`.
pub fn parse_config_name(name: &str) -> Result<ConfigName, String> {
    let fix = "name it VVVV:PPPP (lowercase hex) with optional :uMa=/uPr=/uSe=/sVe=/sMo=/sRe= \
               attributes";
    let mut parts = name.split(':');
    let v = parts.next().unwrap_or("");
    let p = parts
        .next()
        .ok_or_else(|| format!("no ':' in the name; {fix}"))?;
    let hex4 = |s: &str| -> Option<u16> {
        if s.len() == 4 && s.chars().all(|c| c.is_ascii_hexdigit()) {
            u16::from_str_radix(s, 16).ok()
        } else {
            None
        }
    };
    let vid = hex4(v).ok_or_else(|| format!("{v:?} is not a 4-digit hex vendor ID; {fix}"))?;
    let (pid, os) = match p.strip_prefix('#') {
        Some(os) if os == "linux" || os == "android" => (None, Some(os.to_string())),
        Some(os) => return Err(format!("unknown generic file suffix #{os}; use #linux")),
        None => (
            Some(hex4(p).ok_or_else(|| format!("{p:?} is not a 4-digit hex product ID; {fix}"))?),
            None,
        ),
    };
    let mut attrs = Vec::new();
    for t in parts {
        if t == "?" {
            return Err("the attribute '?' never matches (usb_modeswitch skips this file)".into());
        }
        let mut kv = t.split('=');
        let code = kv.next().unwrap_or("");
        let Some(field) = QualifierField::from_code(code) else {
            return Err(format!("unknown attribute {code:?}; {fix}"));
        };
        let value = kv.next().unwrap_or("");
        attrs.push((field, value.to_string()));
    }
    Ok(ConfigName {
        vid,
        pid,
        os,
        qualifier: if attrs.is_empty() {
            None
        } else {
            Some(RecipeQualifier { attrs })
        },
    })
}

/// The file's first comment line, without `#` and blanks.
fn first_comment(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix('#'))
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
}

/// Turn a parsed config into a recipe, applying usb_modeswitch's run-time rules (mode
/// exclusivity, StandardEject taking MessageContent as its 5th message, TargetProductList over
/// TargetProduct). `Err` = the entry is unusable (usb_modeswitch would abort on it).
pub fn config_to_recipe(
    vid: u16,
    pid: u16,
    cfg: &ModeswitchConfig,
    source: RecipeSource,
    issues: &mut Vec<LineIssue>,
) -> Result<SwitchRecipe, String> {
    let mut warn = |m: String| {
        issues.push(LineIssue {
            line: None,
            message: m,
        })
    };
    if let Some(v) = cfg.default_vendor {
        if v != i32::from(vid) {
            return Err(format!(
                "DefaultVendor=0x{v:04x} disagrees with the file name ({vid:04x}); remove the \
                 line or rename the file"
            ));
        }
    }
    if let Some(p) = cfg.default_product {
        if p != i32::from(pid) {
            return Err(format!(
                "DefaultProduct=0x{p:04x} disagrees with the file name ({pid:04x}); remove the \
                 line or rename the file"
            ));
        }
    }
    let mut modes: Vec<&str> = cfg.modes.clone();
    let pantech = cfg.pantech_mode.filter(|&n| n != 0);
    if pantech.is_some() {
        modes.push("PantechMode");
    }
    if modes.len() > 1 {
        return Err(format!(
            "more than one switching method ({}); usb_modeswitch aborts: keep one",
            modes.join(", ")
        ));
    }
    let decode = |i: usize| -> Result<Option<Vec<u8>>, String> {
        let Some(m) = cfg.message_content[i].as_deref() else {
            return Ok(None);
        };
        let key = ["MessageContent", "MessageContent2", "MessageContent3"][i];
        if m.len() % 2 != 0 {
            return Err(format!(
                "{key} has an odd number of hex digits ({}); usb_modeswitch skips it",
                m.len()
            ));
        }
        match decode_hex(m) {
            Some(b) if b.len() <= 512 => Ok(Some(b)),
            Some(_) => Err(format!("{key} is longer than 512 bytes")),
            None => Err(format!(
                "{key} is not a hex string (quote it, and put comments on their own line)"
            )),
        }
    };
    let mut msgs: [Option<Vec<u8>>; 3] = [None, None, None];
    for (i, slot) in msgs.iter_mut().enumerate() {
        match decode(i) {
            Ok(m) => *slot = m,
            Err(e) if e.contains("odd number") => warn(e),
            Err(e) => return Err(e),
        }
    }
    let standard_eject = cfg.standard_eject == Some(true);
    let method = if let Some(mode) = modes.first() {
        if msgs[0].is_some() || standard_eject {
            warn(format!(
                "MessageContent/StandardEject are ignored together with {mode} (as usb_modeswitch \
                 does); remove them"
            ));
        }
        match *mode {
            "DetachStorageOnly" => SwitchMethod::DetachOnly,
            "HuaweiMode" => SwitchMethod::HuaweiLegacy,
            "HuaweiNewMode" => SwitchMethod::HuaweiNew,
            "HuaweiAltMode" => SwitchMethod::HuaweiAlt,
            "SierraMode" => SwitchMethod::Sierra,
            "SonyMode" => SwitchMethod::Sony,
            "GCTMode" => SwitchMethod::Gct,
            "KobilMode" => SwitchMethod::Kobil,
            "SequansMode" => SwitchMethod::Sequans,
            "MobileActionMode" => SwitchMethod::MobileAction,
            "CiscoMode" => SwitchMethod::Cisco,
            "QisdaMode" => SwitchMethod::Qisda,
            "QuantaMode" => SwitchMethod::Quanta,
            "BlackberryMode" => SwitchMethod::Blackberry,
            "OptionMode" => SwitchMethod::OptionMode,
            _ => {
                let n = pantech.unwrap_or(0);
                let mode = u8::try_from(n)
                    .map_err(|_| format!("PantechMode={n} is out of range (0..255)"))?;
                SwitchMethod::Pantech { mode }
            }
        }
    } else if standard_eject {
        if msgs[1].is_some() || msgs[2].is_some() {
            warn("MessageContent2/3 are ignored with StandardEject; remove them".into());
        }
        SwitchMethod::StandardEject {
            extra: msgs[0].take(),
        }
    } else if cfg.message_content[0].is_some() {
        // usb_modeswitch sends MessageContent2/3 whenever MessageContent is set, skipping any
        // message with an odd length.
        let messages: Vec<Vec<u8>> = msgs.iter_mut().filter_map(Option::take).collect();
        if messages.is_empty() {
            SwitchMethod::None
        } else {
            SwitchMethod::Messages { messages }
        }
    } else {
        if msgs[1].is_some() || msgs[2].is_some() {
            warn(
                "MessageContent2/3 without MessageContent are never sent; rename the first to \
                 MessageContent"
                    .into(),
            );
        }
        SwitchMethod::None
    };

    let byte = |key: &str, v: Option<i32>, auto: i32| -> Result<Option<u8>, String> {
        match v {
            None => Ok(None),
            Some(n) if n == auto => Ok(None),
            Some(n) => u8::try_from(n)
                .map(Some)
                .map_err(|_| format!("{key}={n} is out of range (0x00..0xff)")),
        }
    };
    let interface = byte("Interface", cfg.interface, -1)?;
    let message_endpoint = byte("MessageEndpoint", cfg.message_endpoint, 0)?;
    let response_endpoint = byte("ResponseEndpoint", cfg.response_endpoint, 0)?;
    let configuration = match cfg.configuration {
        Some(n) if n < 0 => None,
        v => byte("Configuration", v, -1)?,
    };
    let alt_setting = byte("AltSetting", cfg.alt_setting, -1)?;
    // `char ResetUSB = strtol(...)`: the low byte decides.
    let reset_usb = cfg.reset_usb.is_some_and(|n| n as i8 != 0);
    let release_delay_ms = match cfg.release_delay {
        Some(n) if n < 0 => {
            warn(format!("ReleaseDelay={n} is negative; using 0"));
            0
        }
        Some(n) => n as u32,
        None => 0,
    };
    let target_vendor = match cfg.target_vendor {
        None | Some(0) => None,
        Some(v) => {
            Some(u16::try_from(v).map_err(|_| format!("TargetVendor=0x{v:x} is not a 16-bit ID"))?)
        }
    };
    let mut target_products = Vec::new();
    if let Some(list) = cfg.target_product_list.as_deref() {
        if cfg.target_product.is_some() {
            warn("TargetProductList overrides TargetProduct; remove one".into());
        }
        for tok in list.split(',').filter(|t| !t.is_empty()) {
            let ok = tok.len() == 4 && tok.chars().all(|c| c.is_ascii_hexdigit());
            match u16::from_str_radix(tok, 16) {
                Ok(p) if ok => target_products.push(p),
                _ => warn(format!(
                    "TargetProductList entry {tok:?} is not 4 hex digits; ignored"
                )),
            }
        }
    } else if let Some(p) = cfg.target_product {
        match u16::try_from(p) {
            Ok(p) => target_products.push(p),
            Err(_) if p == -1 => {}
            Err(_) => warn(format!("TargetProduct=0x{p:x} is not a 16-bit ID; ignored")),
        }
    }
    let target_class = match cfg.target_class {
        None | Some(0) => None,
        Some(c) => match u8::try_from(c) {
            Ok(c) => Some(c),
            Err(_) => {
                warn(format!("TargetClass=0x{c:x} is not a class byte; ignored"));
                None
            }
        },
    };
    let target = target_personality(target_vendor.unwrap_or(vid), &target_products);
    let mut r = SwitchRecipe::new(vid, pid, method, source);
    r.interface = interface;
    r.message_endpoint = message_endpoint;
    r.response_endpoint = response_endpoint;
    r.configuration = configuration;
    r.alt_setting = alt_setting;
    r.reset_usb = reset_usb;
    r.release_delay_ms = release_delay_ms;
    r.no_driver_loading = cfg.no_driver_loading == Some(true);
    r.wait_before_ms = cfg.wait_before.unwrap_or(0).saturating_mul(1000);
    r.target_vendor = target_vendor;
    r.target_products = target_products;
    r.target_class = target_class;
    r.target = target;
    if r.method == SwitchMethod::None && r.configuration.is_none() && r.alt_setting.is_none() {
        warn("no switching method given; usb_modeswitch does nothing with this file".into());
    }
    Ok(r)
}

/// The personality the device table gives every known target, when they agree.
pub(crate) fn target_personality(vid: u16, products: &[u16]) -> Option<Personality> {
    let mut found: Option<Personality> = None;
    for &p in products {
        if let Some(d) = lookup(vid, p) {
            if d.personality == Personality::Unknown {
                continue;
            }
            match found {
                None => found = Some(d.personality),
                Some(f) if f == d.personality => {}
                Some(_) => return None,
            }
        }
    }
    found
}

/// Where an entry was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataOrigin {
    /// `/etc/usb_modeswitch.d`: overrides everything else.
    Override,
    /// A loose file in `/usr/share/usb_modeswitch`.
    Loose,
    /// An entry of `configPack.tar.gz`.
    Pack,
}

/// One usable config file.
#[derive(Debug, Clone, Serialize)]
pub struct DataEntry {
    /// The file name (`12d1:1f01`, `05c6:1000:uMa=AnyDATA`).
    pub name: String,
    /// The parsed name.
    pub parsed_name: ConfigName,
    /// Where it came from.
    pub origin: DataOrigin,
    /// Every key as read.
    pub config: ModeswitchConfig,
    /// The recipe (for a generic `VVVV:#linux` file its `pid` is 0; [`ModeswitchData::recipes`]
    /// fills in the device's).
    pub recipe: SwitchRecipe,
}

/// usb-modeswitch-data, loaded: every usable entry in the dispatcher's search order, plus the
/// warnings for files that were skipped or had problems.
#[derive(Debug, Clone, Default)]
pub struct ModeswitchData {
    entries: Vec<DataEntry>,
    warnings: Vec<DataWarning>,
    files: usize,
}

/// A config file's text, before parsing.
struct RawFile {
    name: String,
    display: String,
    origin: DataOrigin,
    text: String,
}

fn skipped_leftover(name: &str) -> bool {
    name.contains(".dpkg") || name.contains(".rpm")
}

/// A name that looks like it is meant to be a config (`VVVV:…`).
fn looks_like_config(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() >= 6 && b[..4].iter().all(u8::is_ascii_hexdigit) && b[4] == b':'
}

fn read_dir_files(
    dir: &Path,
    origin: DataOrigin,
    warnings: &mut Vec<DataWarning>,
    out: &mut Vec<RawFile>,
) -> Result<(), DataError> {
    let rd = fs::read_dir(dir).map_err(|source| DataError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for ent in rd {
        let ent = match ent {
            Ok(e) => e,
            Err(e) => {
                warnings.push(DataWarning {
                    file: dir.display().to_string(),
                    line: None,
                    message: format!("cannot list the directory: {e}"),
                });
                break;
            }
        };
        let path = ent.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        if name.starts_with('.') || skipped_leftover(&name) || !looks_like_config(&name) {
            if origin == DataOrigin::Override && !name.starts_with('.') && !skipped_leftover(&name)
            {
                warnings.push(DataWarning {
                    file: path.display().to_string(),
                    line: None,
                    message: "not a config name (VVVV:PPPP); ignored".into(),
                });
            }
            continue;
        }
        let display = path.display().to_string();
        match read_small(&path) {
            Ok(text) => out.push(RawFile {
                name,
                display,
                origin,
                text,
            }),
            Err(msg) => warnings.push(DataWarning {
                file: display,
                line: None,
                message: format!("{msg}; skipped"),
            }),
        }
    }
    Ok(())
}

fn read_small(path: &Path) -> Result<String, String> {
    let meta = fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "{} bytes is too big for a config file (limit {MAX_FILE_BYTES})",
            meta.len()
        ));
    }
    let bytes = fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn read_tarball(
    path: &Path,
    warnings: &mut Vec<DataWarning>,
    out: &mut Vec<RawFile>,
) -> Result<(), DataError> {
    let file = fs::File::open(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(io::BufReader::new(file)));
    let shown = path.display().to_string();
    let broken = |e: io::Error| DataWarning {
        file: shown.clone(),
        line: None,
        message: format!(
            "the archive is damaged ({e}); entries after this point are missing: reinstall \
             usb-modeswitch-data"
        ),
    };
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => {
            warnings.push(broken(e));
            return Ok(());
        }
    };
    for (n, ent) in entries.enumerate() {
        if n >= MAX_TAR_ENTRIES {
            warnings.push(DataWarning {
                file: shown.clone(),
                line: None,
                message: format!("more than {MAX_TAR_ENTRIES} entries; the rest are ignored"),
            });
            break;
        }
        let mut ent = match ent {
            Ok(e) => e,
            Err(e) => {
                warnings.push(broken(e));
                break;
            }
        };
        if !ent.header().entry_type().is_file() {
            continue;
        }
        let Ok(p) = ent.path() else { continue };
        let Some(name) = p.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
            continue;
        };
        if skipped_leftover(&name) || !looks_like_config(&name) {
            continue; // new.lst, README …
        }
        let display = format!("{shown}:{name}");
        if ent.size() > MAX_FILE_BYTES {
            warnings.push(DataWarning {
                file: display,
                line: None,
                message: "too big for a config file; skipped".into(),
            });
            continue;
        }
        let mut bytes = Vec::new();
        if let Err(e) = ent.by_ref().take(MAX_FILE_BYTES).read_to_end(&mut bytes) {
            warnings.push(broken(e));
            break;
        }
        out.push(RawFile {
            name,
            display,
            origin: DataOrigin::Pack,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        });
    }
    Ok(())
}

impl ModeswitchData {
    /// Load what the system has: `/etc/usb_modeswitch.d` overrides, loose files in
    /// `/usr/share/usb_modeswitch` and `configPack.tar.gz`. `Ok(None)` when none of them
    /// exists (usb-modeswitch-data is not installed and there are no overrides).
    pub fn load_system() -> Result<Option<Self>, DataError> {
        Self::load_paths(
            Some(Path::new(SYSTEM_TARBALL)),
            Some(Path::new(SYSTEM_DATA_DIR)),
            Some(Path::new(SYSTEM_OVERRIDE_DIR)),
        )
    }

    /// Load from the given places, each optional and skipped when absent: `tarball`
    /// (configPack.tar.gz), `data_dir` (loose files, like `/usr/share/usb_modeswitch`) and
    /// `override_dir` (like `/etc/usb_modeswitch.d`). `Ok(None)` when none exists.
    pub fn load_paths(
        tarball: Option<&Path>,
        data_dir: Option<&Path>,
        override_dir: Option<&Path>,
    ) -> Result<Option<Self>, DataError> {
        let tarball = tarball.filter(|p| p.exists());
        let data_dir = data_dir.filter(|p| p.is_dir());
        let override_dir = override_dir.filter(|p| p.is_dir());
        if tarball.is_none() && data_dir.is_none() && override_dir.is_none() {
            return Ok(None);
        }
        Self::load_all(tarball, data_dir, override_dir).map(Some)
    }

    /// Load a tarball and/or an override directory (loose files override the tarball). Both
    /// must exist when given.
    pub fn load_from(tarball: Option<&Path>, dir: Option<&Path>) -> Result<Self, DataError> {
        Self::load_all(tarball, None, dir)
    }

    fn load_all(
        tarball: Option<&Path>,
        data_dir: Option<&Path>,
        override_dir: Option<&Path>,
    ) -> Result<Self, DataError> {
        let mut warnings = Vec::new();
        let mut raw = Vec::new();
        if let Some(d) = override_dir {
            read_dir_files(d, DataOrigin::Override, &mut warnings, &mut raw)?;
        }
        if let Some(d) = data_dir {
            read_dir_files(d, DataOrigin::Loose, &mut warnings, &mut raw)?;
        }
        if let Some(t) = tarball {
            read_tarball(t, &mut warnings, &mut raw)?;
        }
        Ok(Self::from_raw(raw, warnings))
    }

    /// Build from in-memory files: `(name, text)` pairs as if they were tarball entries.
    /// Useful for tests and for embedding.
    pub fn from_texts<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let raw = files
            .into_iter()
            .filter(|(name, _)| !skipped_leftover(name))
            .map(|(name, text)| RawFile {
                name: name.to_string(),
                display: name.to_string(),
                origin: DataOrigin::Pack,
                text: text.to_string(),
            })
            .collect();
        Self::from_raw(raw, Vec::new())
    }

    fn from_raw(mut raw: Vec<RawFile>, mut warnings: Vec<DataWarning>) -> Self {
        // Dispatcher order: by origin, then names descending (ASCII, like Tcl's lsort).
        raw.sort_by(|a, b| a.origin.cmp(&b.origin).then_with(|| b.name.cmp(&a.name)));
        let files = raw.len();
        let mut entries: Vec<DataEntry> = Vec::new();
        let mut names: BTreeSet<String> = BTreeSet::new();
        for f in raw {
            let w = |line: Option<usize>, message: String| DataWarning {
                file: f.display.clone(),
                line,
                message,
            };
            let parsed_name = match parse_config_name(&f.name) {
                Ok(n) => n,
                Err(e) => {
                    warnings.push(w(None, format!("bad file name: {e}; skipped")));
                    continue;
                }
            };
            // The ID part compared case-insensitively; attributes as written.
            let canonical: String = f
                .name
                .char_indices()
                .map(|(i, c)| if i < 9 { c.to_ascii_lowercase() } else { c })
                .collect();
            if canonical != f.name {
                warnings.push(w(
                    None,
                    format!(
                        "usb_modeswitch only finds lowercase IDs; rename the file to {canonical}"
                    ),
                ));
            }
            if !names.insert(canonical) {
                // Shadowed by an override or loose file of the same name.
                continue;
            }
            let (config, issues) = parse_config(&f.text);
            let mut issues = issues;
            let source = RecipeSource::ModeswitchData {
                file: f.display.clone(),
                comment: first_comment(&f.text),
            };
            let recipe = config_to_recipe(
                parsed_name.vid,
                parsed_name.pid.unwrap_or(0),
                &config,
                source,
                &mut issues,
            );
            for i in issues {
                warnings.push(w(i.line, i.message));
            }
            let mut recipe = match recipe {
                Ok(r) => r,
                Err(e) => {
                    warnings.push(w(None, format!("{e}; entry skipped")));
                    continue;
                }
            };
            recipe.qualifier = parsed_name.qualifier.clone();
            entries.push(DataEntry {
                name: f.name,
                parsed_name,
                origin: f.origin,
                config,
                recipe,
            });
        }
        for w in &warnings {
            log::warn!("usb-modeswitch-data: {w}");
        }
        ModeswitchData {
            entries,
            warnings,
            files,
        }
    }

    /// The recipes for a device ID in the order usb_modeswitch tries them: the caller uses the
    /// first whose [`SwitchRecipe::matches`] accepts the device's strings. A generic
    /// `VVVV:#linux` file comes after the specific ones of its source, as in the dispatcher.
    pub fn recipes(&self, vid: u16, pid: u16) -> Vec<SwitchRecipe> {
        let mut out = Vec::new();
        for origin in [DataOrigin::Override, DataOrigin::Loose, DataOrigin::Pack] {
            let here = self.entries.iter().filter(|e| e.origin == origin);
            out.extend(
                here.clone()
                    .filter(|e| e.parsed_name.vid == vid && e.parsed_name.pid == Some(pid))
                    .map(|e| e.recipe.clone()),
            );
            out.extend(
                here.filter(|e| {
                    e.parsed_name.vid == vid
                        && e.parsed_name.pid.is_none()
                        && e.parsed_name.os.as_deref() == Some("linux")
                })
                .map(|e| SwitchRecipe {
                    pid,
                    ..e.recipe.clone()
                }),
            );
        }
        out
    }

    /// The recipe usb_modeswitch would pick for a device with these strings.
    pub fn recipe_for_device(
        &self,
        vid: u16,
        pid: u16,
        strings: &DeviceStrings<'_>,
    ) -> Option<SwitchRecipe> {
        self.recipes(vid, pid)
            .into_iter()
            .find(|r| r.matches(strings))
    }

    /// Number of usable entries (config files that parsed into a recipe, shadowed ones not
    /// counted).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing usable was loaded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of config files seen (usable or not, shadowed included).
    pub fn files(&self) -> usize {
        self.files
    }

    /// Distinct `vid:pid` among the usable entries (generic files not counted).
    pub fn distinct_ids(&self) -> usize {
        self.entries
            .iter()
            .filter_map(|e| e.parsed_name.pid.map(|p| (e.parsed_name.vid, p)))
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// Every usable entry, in search order.
    pub fn entries(&self) -> &[DataEntry] {
        &self.entries
    }

    /// Problems found while loading (skipped files included).
    pub fn warnings(&self) -> &[DataWarning] {
        &self.warnings
    }
}
