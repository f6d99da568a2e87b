//! The rules file: line signals (patterns that name a mechanism's trace in a log) and rules
//! (signals → a finding with its explanation and fix). Kept as data in `rules.toml`; this
//! module parses and checks it, and compiles every pattern into one automaton.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::OnceLock;

/// The built-in rules, embedded at build time.
pub const BUILTIN_RULES: &str = include_str!("../rules.toml");

/// Signals computed from the facts (devices, ports, timing, AT transcripts) rather than from
/// one line's text. Rules may use these names; the doctor sets them at the end.
pub const DERIVED_SIGNALS: &[(&str, &str)] = &[
    (
        "dev_seen",
        "a modem (or a device a modem driver bound to) was seen",
    ),
    (
        "dev_ends_storage",
        "the modem ends in its storage (ZeroCD) personality",
    ),
    (
        "dev_ends_hilink",
        "the modem ends as a HiLink CDC-Ethernet router",
    ),
    (
        "dev_ends_serial",
        "the modem ends with serial (AT) ports, with or without NCM",
    ),
    (
        "dev_ends_ncm",
        "the modem ends with an NCM network function",
    ),
    ("dev_ends_mbim", "the modem ends in MBIM"),
    (
        "dev_ends_update",
        "the modem ends in a debug / firmware-update / unidentified composition",
    ),
    ("dev_ends_known", "the final vid:pid is in the device table"),
    (
        "dev_switched",
        "the modem came back with another vid:pid (a mode switch happened)",
    ),
    ("usb_storage_bound", "usb-storage bound to the modem"),
    (
        "tty_loop",
        "serial ports attached and detached again and again",
    ),
    (
        "tty_flap",
        "serial ports attached and removed again while the device stayed plugged in",
    ),
    (
        "usb_loop",
        "the same USB port re-enumerated again and again",
    ),
    ("ttys_seen", "serial ports (ttyUSB/ttyACM) were attached"),
    ("no_ttys", "no serial port was attached in the log"),
    (
        "iface_unbound",
        "a vendor-specific (serial) interface has no driver",
    ),
    ("net_iface_unbound", "a CDC network interface has no driver"),
    ("at_dial_error", "ATD answered ERROR"),
    ("at_dial_no_carrier", "ATD answered NO CARRIER"),
    ("at_ndisdup_error", "AT^NDISDUP answered ERROR"),
    ("at_setport_error", "AT^SETPORT answered ERROR"),
    ("at_cgdcont_error", "AT+CGDCONT answered ERROR"),
    (
        "creg_denied",
        "registration denied (+CREG/+CGREG/+CEREG stat 3)",
    ),
    ("creg_searching", "not registered, searching (stat 2)"),
    ("creg_idle", "not registered, not searching (stat 0)"),
    ("registered", "registered (stat 1 or 5)"),
    ("cme_sim_not_inserted", "+CME ERROR 10"),
    ("cme_sim_pin", "+CME ERROR 11"),
    ("cme_sim_puk", "+CME ERROR 12"),
    ("cme_sim_failure", "+CME ERROR 13 / 15"),
    ("cme_sim_busy", "+CME ERROR 14"),
    ("cme_wrong_password", "+CME ERROR 16"),
    ("cme_no_network", "+CME ERROR 30 / 31"),
    ("cme_network_not_allowed", "+CME ERROR 32 / 111 / 112 / 113"),
    ("cme_gprs_not_allowed", "+CME ERROR 107"),
    ("cme_missing_apn", "+CME ERROR 533 / 27"),
    ("cme_pdp_auth", "+CME ERROR 149"),
    ("cme_not_subscribed", "+CME ERROR 132 / 133"),
    (
        "cme_gprs_other",
        "+CME ERROR 148 / 134 and other GPRS errors",
    ),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    signal: Vec<SignalDef>,
    #[serde(default)]
    rule: Vec<RuleDef>,
}

/// A line signal: the line contains one of `any`, and (if given) one of `also`, and none of
/// `not` (all case-insensitive).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalDef {
    pub name: String,
    #[serde(default)]
    pub doc: String,
    pub any: Vec<String>,
    #[serde(default)]
    pub also: Vec<String>,
    #[serde(default)]
    pub not: Vec<String>,
}

/// A rule: when every `all` signal, at least one `any` signal (if given) and no `none` signal
/// is present, report `problem`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub problem: String,
    #[serde(default)]
    pub all: Vec<String>,
    #[serde(default)]
    pub any: Vec<String>,
    #[serde(default)]
    pub none: Vec<String>,
    pub confidence: f64,
    /// Each of these present adds 0.03.
    #[serde(default)]
    pub boost: Vec<String>,
    /// Each of these present takes 0.15 off.
    #[serde(default)]
    pub dampen: Vec<String>,
    pub summary: String,
    pub explanation: String,
    pub fix: String,
}

/// A rules file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError(pub String);

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad doctor rules: {}", self.0)
    }
}

impl std::error::Error for RuleError {}

/// What a pattern in the automaton stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pat {
    Any(usize),
    Also(usize),
    Not(usize),
    Anchor(crate::facts::Anchor),
}

/// Parsed, checked and compiled rules. Cloning is cheap (the automaton is shared).
#[derive(Clone)]
pub struct Rules {
    pub signals: Vec<SignalDef>,
    pub rules: Vec<RuleDef>,
    pub(crate) automaton: AhoCorasick,
    /// Per automaton pattern: what it means (a pattern may serve several purposes).
    pub(crate) meaning: Vec<Vec<Pat>>,
}

impl fmt::Debug for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rules")
            .field("signals", &self.signals.len())
            .field("rules", &self.rules.len())
            .finish()
    }
}

impl Rules {
    /// The embedded rules, parsed and compiled once per process.
    pub fn builtin() -> Result<Rules, RuleError> {
        static BUILTIN: OnceLock<Result<Rules, RuleError>> = OnceLock::new();
        BUILTIN.get_or_init(|| Rules::parse(BUILTIN_RULES)).clone()
    }

    /// Parse and check a rules file.
    pub fn parse(text: &str) -> Result<Rules, RuleError> {
        let file: File = toml::from_str(text).map_err(|e| RuleError(e.to_string()))?;
        let mut names: BTreeSet<&str> = DERIVED_SIGNALS.iter().map(|(n, _)| *n).collect();
        for s in &file.signal {
            if s.name.is_empty()
                || !s
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
            {
                return Err(RuleError(format!(
                    "signal name {:?} must be snake_case",
                    s.name
                )));
            }
            if !names.insert(s.name.as_str()) {
                return Err(RuleError(format!(
                    "signal {:?} defined twice (or shadows a derived signal)",
                    s.name
                )));
            }
            if s.any.is_empty()
                || s.any
                    .iter()
                    .chain(&s.also)
                    .chain(&s.not)
                    .any(|p| p.trim().is_empty())
            {
                return Err(RuleError(format!(
                    "signal {:?}: empty pattern list or empty pattern",
                    s.name
                )));
            }
        }
        for r in &file.rule {
            if r.problem.is_empty()
                || !r
                    .problem
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_')
            {
                return Err(RuleError(format!(
                    "problem id {:?} must be snake_case",
                    r.problem
                )));
            }
            if r.all.is_empty() && r.any.is_empty() {
                return Err(RuleError(format!("rule {:?} has no condition", r.problem)));
            }
            for s in r
                .all
                .iter()
                .chain(&r.any)
                .chain(&r.none)
                .chain(&r.boost)
                .chain(&r.dampen)
            {
                if !names.contains(s.as_str()) {
                    return Err(RuleError(format!(
                        "rule {:?} names unknown signal {s:?}",
                        r.problem
                    )));
                }
            }
            if !(0.0..=1.0).contains(&r.confidence) {
                return Err(RuleError(format!(
                    "rule {:?}: confidence must be within 0..1",
                    r.problem
                )));
            }
            if r.summary.trim().is_empty()
                || r.fix.trim().is_empty()
                || r.explanation.trim().is_empty()
            {
                return Err(RuleError(format!(
                    "rule {:?}: summary, explanation and fix are required",
                    r.problem
                )));
            }
        }
        // One automaton for every pattern: the same text may serve several signals.
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut meaning: Vec<Vec<Pat>> = Vec::new();
        let mut add = |p: &str, m: Pat| {
            let key = p.to_ascii_lowercase();
            let i = *index.entry(key.clone()).or_insert_with(|| {
                patterns.push(key);
                meaning.push(Vec::new());
                patterns.len() - 1
            });
            if let Some(v) = meaning.get_mut(i) {
                if !v.contains(&m) {
                    v.push(m);
                }
            }
        };
        for (i, s) in file.signal.iter().enumerate() {
            for p in &s.any {
                add(p, Pat::Any(i));
            }
            for p in &s.also {
                add(p, Pat::Also(i));
            }
            for p in &s.not {
                add(p, Pat::Not(i));
            }
        }
        for (p, a) in crate::facts::ANCHORS {
            add(p, Pat::Anchor(*a));
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            // Contiguous NFA: near-DFA scan speed, built in well under a millisecond (a DFA costs
            // tens of ms to build at every start).
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)
            .map_err(|e| RuleError(e.to_string()))?;
        Ok(Rules {
            signals: file.signal,
            rules: file.rule,
            automaton,
            meaning,
        })
    }
}
