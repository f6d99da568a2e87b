//! A reader for mobile-broadband-provider-info's `serviceproviders.xml` (connect_and_hilink.md
//! §5.3): which APNs a SIM's home network (MCC/MNC) uses.
//!
//! The database is the system's (Debian package `mobile-broadband-provider-info`); nothing of it
//! is built into the binary. Only `<gsm>` matters here: CDMA providers are read and ignored.
//!
//! Lookup rules:
//!
//! - The key is the MCC/MNC pair, compared **as strings** (`"07"` is not `"7"`).
//! - Several providers can share a network id (MVNOs: 262/07 is O2, Tchibo-Mobil, FONIC, Alice
//!   and Netzclub). Providers marked `primary="true"` come first, then the rest in file order
//!   (`primary="false"` marks an MVNO explicitly and changes nothing else).
//! - Within a provider, APNs for internet come first (`usage type="internet"` or a combined type
//!   such as AT&T's `mms-internet-hipri`), then APNs without a usage, in file order; MMS, WAP and
//!   `ia` APNs are not candidates for getting online ([`ApnDatabase::lookup_all`] lists them).
//! - The same APN with the same credentials is tried once (Netzclub's `pinternet.interkom.de`
//!   is O2's), and values that are not valid APNs (the file has `http://172.18.83.129`) are
//!   skipped: they would only fail at the modem.
//! - From an IMSI the MNC length is unknown: [`plmn_from_imsi`] tries both splits against the
//!   database, preferring three digits in the countries that use them ([`uses_three_digit_mnc`]).
//!
//! Parsing the full Debian file (362 kB, ~25,000 XML nodes) takes a few milliseconds natively but
//! 0.4 s on a slow machine and megabytes while held: `dongle apn` does it, while `dongle up` and
//! the daemon's workers, which need one SIM's networks, read only an excerpt
//! ([`ApnDatabase::load_for`]).

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;

/// Where Debian (and every other distribution) installs the database.
pub const SYSTEM_APN_DB: &str = "/usr/share/mobile-broadband-provider-info/serviceproviders.xml";
/// Environment variable naming another database file (tests, other distributions).
pub const APN_DB_ENV: &str = "DONGLE_APN_DB";
/// The fix when the database is missing.
pub const APN_DB_INSTALL: &str = "apt-get install mobile-broadband-provider-info";

/// The Debian file is 362 kB; refuse anything absurd rather than read it into memory.
const MAX_DB_BYTES: u64 = 32 * 1024 * 1024;
/// Bound on XML nodes (the Debian file has about 25,000).
const MAX_NODES: u32 = 4_000_000;
/// 3GPP TS 23.003 §9.1: an APN is at most 100 octets.
pub const MAX_APN_LEN: usize = 100;

/// A network: Mobile Country Code and Mobile Network Code, both kept as the digits written
/// (`262`/`07`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Plmn {
    /// Three digits.
    pub mcc: String,
    /// Two or three digits.
    pub mnc: String,
}

impl Plmn {
    /// A PLMN from its parts (not checked; see [`Plmn::parse`]).
    pub fn new(mcc: impl Into<String>, mnc: impl Into<String>) -> Plmn {
        Plmn {
            mcc: mcc.into(),
            mnc: mnc.into(),
        }
    }

    /// `27001`, `310410`, `270/01`, `270-01` or `270 01`: three MCC digits, two or three MNC
    /// digits. A bare 5-digit string is a 2-digit MNC, a 6-digit one a 3-digit MNC.
    pub fn parse(text: &str) -> Option<Plmn> {
        let t = text.trim();
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let (mcc, mnc) = match t.find(['/', '-', ' ', '.']) {
            // The separators are ASCII: both slices are on character boundaries.
            Some(i) => (&t[..i], &t[i + 1..]),
            None if (t.len() == 5 || t.len() == 6) && digits(t) => t.split_at(3),
            None => return None,
        };
        (mcc.len() == 3 && (2..=3).contains(&mnc.len()) && digits(mcc) && digits(mnc))
            .then(|| Plmn::new(mcc, mnc))
    }
}

impl fmt::Display for Plmn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.mcc, self.mnc)
    }
}

/// One `<apn>` of a provider's `<gsm>` section, as written (values trimmed).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ApnEntry {
    /// The APN (`value` attribute).
    pub value: String,
    /// `<usage type>`: internet, mms, wap, ia, mms-internet-hipri, … (`None`: not given).
    pub usage: Option<String>,
    /// `<plan type>`s: prepaid, postpaid.
    pub plans: Vec<String>,
    /// `<name>`: the first one without `xml:lang`, else the first.
    pub name: Option<String>,
    /// `<username>`.
    pub username: Option<String>,
    /// `<password>` (public values such as `fonic`; the database has no secrets).
    pub password: Option<String>,
    /// `<authentication method>`: chap or pap.
    pub auth: Option<String>,
    /// `<dns>` servers.
    pub dns: Vec<String>,
}

impl ApnEntry {
    /// Usable for getting online: internet usage (alone or combined, `mms-internet-hipri`) or
    /// no usage given.
    pub fn is_internet(&self) -> bool {
        usage_rank(self.usage.as_deref()) <= 1
    }
}

/// How good a usage type is for getting online; lower first.
fn usage_rank(usage: Option<&str>) -> u8 {
    match usage {
        Some("internet") => 0,
        Some(u) if u.split('-').any(|p| p == "internet") => 0,
        None => 1,
        Some("wap") => 2,
        Some("ia") => 3,
        Some("mms") => 4,
        Some(_) => 5,
    }
}

/// A `<provider>` with its `<gsm>` data.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Provider {
    /// The first `<name>` without `xml:lang`, else the first.
    pub name: String,
    /// The `primary` attribute: `Some(true)` for the network operator when MVNOs share its ids.
    pub primary: Option<bool>,
    /// `<network-id>`s.
    pub networks: Vec<Plmn>,
    /// `<apn>`s in file order.
    pub apns: Vec<ApnEntry>,
}

/// A `<country>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Country {
    /// ISO 3166 code as written (`lu`).
    pub code: String,
    /// English name.
    pub name: Option<String>,
    /// Providers with a `<gsm>` section, in file order.
    pub providers: Vec<Provider>,
}

/// Where a candidate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ApnSource {
    /// The user's `--apn`.
    Override,
    /// The APN that last brought this SIM online ([`crate::ApnMemory`]).
    Remembered,
    /// mobile-broadband-provider-info.
    Database,
    /// A generic guess ([`crate::FALLBACK_APNS`]) when nothing better is known.
    Fallback,
}

impl fmt::Display for ApnSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ApnSource::Override => "override",
            ApnSource::Remembered => "remembered",
            ApnSource::Database => "database",
            ApnSource::Fallback => "fallback",
        })
    }
}

/// One APN to try: the `dongle apn --json` element.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApnCandidate {
    /// The network the candidate is for, when known.
    pub mcc: Option<String>,
    /// See `mcc`.
    pub mnc: Option<String>,
    /// ISO country code of the provider (`lu`).
    pub country: Option<String>,
    /// The provider's name (`LUXGSM`).
    pub provider: Option<String>,
    /// The APN; empty means "let the network choose" (a fallback guess).
    pub apn: String,
    /// The database's name for this APN (`Pay-by-MB`).
    pub name: Option<String>,
    /// User name for PAP/CHAP.
    pub username: Option<String>,
    /// Password for PAP/CHAP (public database values only).
    pub password: Option<String>,
    /// chap or pap.
    pub auth: Option<String>,
    /// internet, mms, … as the database says.
    pub usage: Option<String>,
    /// DNS servers the database gives (not part of the JSON: PPP and DHCP supply them).
    #[serde(skip)]
    pub dns: Vec<String>,
    /// Where it came from.
    pub source: ApnSource,
}

impl ApnCandidate {
    /// A candidate with only an APN.
    pub fn bare(apn: impl Into<String>, plmn: Option<&Plmn>, source: ApnSource) -> ApnCandidate {
        ApnCandidate {
            mcc: plmn.map(|p| p.mcc.clone()),
            mnc: plmn.map(|p| p.mnc.clone()),
            country: None,
            provider: None,
            apn: apn.into(),
            name: None,
            username: None,
            password: None,
            auth: None,
            usage: None,
            dns: Vec::new(),
            source,
        }
    }

    /// Same APN and credentials: trying it twice is pointless.
    pub fn same_setting(&self, other: &ApnCandidate) -> bool {
        self.apn.eq_ignore_ascii_case(&other.apn)
            && self.username == other.username
            && self.password == other.password
            && self.auth == other.auth
    }
}

/// An APN that cannot be sent to a modem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidApn {
    /// The APN as given.
    pub apn: String,
    /// Why.
    pub reason: &'static str,
}

impl fmt::Display for InvalidApn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "APN {:?}: {}; an APN is letters, digits, '.', '-' and '_', at most {MAX_APN_LEN} \
             characters (e.g. web.pt.lu)",
            self.apn, self.reason
        )
    }
}

impl std::error::Error for InvalidApn {}

/// Check that an APN is safe to put in `AT+CGDCONT=1,"IP","<apn>"` (3GPP TS 23.003 §9.1 labels,
/// plus `_` which some operators use). The empty APN is valid: it asks the network for its
/// default.
pub fn validate_apn(apn: &str) -> Result<(), InvalidApn> {
    let err = |reason| {
        Err(InvalidApn {
            apn: apn.to_string(),
            reason,
        })
    };
    if apn.len() > MAX_APN_LEN {
        return err("too long");
    }
    if !apn
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
    {
        return err("has characters an APN cannot have");
    }
    if apn.starts_with('.') || apn.ends_with('.') || apn.contains("..") {
        return err("has an empty label");
    }
    Ok(())
}

/// The database could not be used at all.
#[derive(Debug)]
pub enum ApnDbError {
    /// Opening or reading the file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// Not well-formed XML.
    Xml {
        /// The file.
        path: PathBuf,
        /// roxmltree's message with line and column.
        message: String,
    },
    /// Well-formed, but not a `<serviceproviders>` document, or absurdly large.
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for ApnDbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reinstall =
            "reinstall it (`apt-get install --reinstall mobile-broadband-provider-info`) \
                         or name a good file with --file";
        match self {
            ApnDbError::Io { path, source } => {
                let fix = match source.kind() {
                    io::ErrorKind::NotFound => format!(
                        "the APN database is missing: install it with `{APN_DB_INSTALL}`, or name \
                         the file with --file (or {APN_DB_ENV})"
                    ),
                    io::ErrorKind::PermissionDenied => {
                        "make it readable (it should be 0644)".into()
                    }
                    _ => reinstall.into(),
                };
                write!(f, "{}: {source}; {fix}", path.display())
            }
            ApnDbError::Xml { path, message } => {
                write!(
                    f,
                    "{}: not valid XML ({message}); {reinstall}",
                    path.display()
                )
            }
            ApnDbError::Format { path, message } => {
                write!(f, "{}: {message}; {reinstall}", path.display())
            }
        }
    }
}

impl std::error::Error for ApnDbError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ApnDbError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// The parsed database with an index by network id.
#[derive(Debug, Clone, Default)]
pub struct ApnDatabase {
    path: PathBuf,
    countries: Vec<Country>,
    /// (country, provider) positions per network id, in file order.
    index: HashMap<Plmn, Vec<(usize, usize)>>,
}

impl ApnDatabase {
    /// The file to read: `explicit` if given, else `$DONGLE_APN_DB`, else [`SYSTEM_APN_DB`].
    pub fn default_path(explicit: Option<&Path>) -> PathBuf {
        if let Some(p) = explicit {
            return p.to_path_buf();
        }
        match std::env::var_os(APN_DB_ENV) {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => PathBuf::from(SYSTEM_APN_DB),
        }
    }

    /// Read the database the system has (see [`ApnDatabase::default_path`]).
    pub fn load(explicit: Option<&Path>) -> Result<ApnDatabase, ApnDbError> {
        ApnDatabase::from_file(&ApnDatabase::default_path(explicit))
    }

    /// Read and parse one file.
    pub fn from_file(path: &Path) -> Result<ApnDatabase, ApnDbError> {
        ApnDatabase::parse_named(&read_text(path)?, path)
    }

    /// Only what a SIM on one of `networks` needs (e.g. an IMSI's [`imsi_splits`]): the
    /// providers that list any of them, with their countries. For these networks every answer
    /// ([`ApnDatabase::lookup`], [`ApnDatabase::lookup_all`], [`ApnDatabase::lookup_imsi`],
    /// [`ApnDatabase::knows`]) is the full database's; the rest of the file is scanned for tag
    /// boundaries only, not parsed (see `apn_scan.rs`), so a defect elsewhere in it goes
    /// unnoticed here (`dongle apn` parses it all).
    pub fn load_for(explicit: Option<&Path>, networks: &[Plmn]) -> Result<ApnDatabase, ApnDbError> {
        let path = ApnDatabase::default_path(explicit);
        ApnDatabase::parse_for_named(&read_text(&path)?, &path, networks)
    }

    /// [`ApnDatabase::load_for`] on a document held in memory.
    pub fn parse_for(text: &str, networks: &[Plmn]) -> Result<ApnDatabase, ApnDbError> {
        ApnDatabase::parse_for_named(text, Path::new("<memory>"), networks)
    }

    fn parse_for_named(
        text: &str,
        path: &Path,
        networks: &[Plmn],
    ) -> Result<ApnDatabase, ApnDbError> {
        match crate::apn_scan::excerpt(text, networks)
            .map(|part| ApnDatabase::parse_named(&part, path))
        {
            Some(Ok(db)) => Ok(db),
            // The scan cannot vouch for this file, or the excerpt does not parse: the whole
            // file decides (and names the defect when there is one).
            _ => {
                log::debug!("{}: reading the whole file", path.display());
                ApnDatabase::parse_named(text, path)
            }
        }
    }

    /// Parse a document held in memory (errors name it `<memory>`).
    pub fn parse(text: &str) -> Result<ApnDatabase, ApnDbError> {
        ApnDatabase::parse_named(text, Path::new("<memory>"))
    }

    fn parse_named(text: &str, path: &Path) -> Result<ApnDatabase, ApnDbError> {
        let opts = roxmltree::ParsingOptions {
            // The file starts with <!DOCTYPE serviceproviders SYSTEM "serviceproviders.2.dtd">.
            // roxmltree never fetches external DTDs or entities and stops entity loops.
            allow_dtd: true,
            nodes_limit: MAX_NODES,
            ..roxmltree::ParsingOptions::default()
        };
        let doc =
            roxmltree::Document::parse_with_options(text, opts).map_err(|e| ApnDbError::Xml {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?;
        let root = doc.root_element();
        if root.tag_name().name() != "serviceproviders" {
            return Err(ApnDbError::Format {
                path: path.to_path_buf(),
                message: format!(
                    "the root element is <{}>, not <serviceproviders>",
                    root.tag_name().name()
                ),
            });
        }
        if let Some(v) = root.attribute("format") {
            if !v.starts_with("2.") {
                log::warn!(
                    "{}: format {v:?}; this reader knows format 2.0",
                    path.display()
                );
            }
        }
        let countries: Vec<Country> = elements(root, "country").map(read_country).collect();
        let mut index: HashMap<Plmn, Vec<(usize, usize)>> = HashMap::new();
        for (ci, c) in countries.iter().enumerate() {
            for (pi, p) in c.providers.iter().enumerate() {
                for n in &p.networks {
                    let slot = index.entry(n.clone()).or_default();
                    // A provider listing one id twice (AT&T lists 310/090 twice) counts once.
                    if !slot.contains(&(ci, pi)) {
                        slot.push((ci, pi));
                    }
                }
            }
        }
        Ok(ApnDatabase {
            path: path.to_path_buf(),
            countries,
            index,
        })
    }

    /// The file this came from (`<memory>` for [`ApnDatabase::parse`]).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every country, in file order.
    pub fn countries(&self) -> &[Country] {
        &self.countries
    }

    /// Whether any provider lists this network id.
    pub fn knows(&self, plmn: &Plmn) -> bool {
        self.index.contains_key(plmn)
    }

    /// Number of distinct network ids.
    pub fn network_count(&self) -> usize {
        self.index.len()
    }

    /// The providers that list this network id: primary ones first, then file order.
    pub fn providers(&self, mcc: &str, mnc: &str) -> Vec<(&Country, &Provider)> {
        let key = Plmn::new(mcc.trim(), mnc.trim());
        let mut found: Vec<(&Country, &Provider)> = self
            .index
            .get(&key)
            .into_iter()
            .flatten()
            .filter_map(|&(ci, pi)| {
                let c = self.countries.get(ci)?;
                Some((c, c.providers.get(pi)?))
            })
            .collect();
        // Stable: file order among equals.
        found.sort_by_key(|(_, p)| p.primary != Some(true));
        found
    }

    /// The APNs to try for getting online on this network, best first (see the module docs):
    /// internet APNs only, each setting once, invalid values skipped. Empty when the network is
    /// unknown.
    pub fn lookup(&self, mcc: &str, mnc: &str) -> Vec<ApnCandidate> {
        let mut out: Vec<ApnCandidate> = Vec::new();
        for c in self.candidates(mcc, mnc) {
            if usage_rank(c.usage.as_deref()) > 1 {
                continue;
            }
            if let Err(e) = validate_apn(&c.apn) {
                log::debug!("{}: skipping {e}", self.path.display());
                continue;
            }
            if c.apn.is_empty() || out.iter().any(|o| o.same_setting(&c)) {
                continue;
            }
            out.push(c);
        }
        out
    }

    /// Every APN the providers of this network list (MMS and WAP too, duplicates kept), in
    /// the same order as [`ApnDatabase::lookup`] with the non-internet ones after.
    pub fn lookup_all(&self, mcc: &str, mnc: &str) -> Vec<ApnCandidate> {
        let mut all = self.candidates(mcc, mnc);
        all.sort_by_key(|c| u8::from(usage_rank(c.usage.as_deref()) > 1));
        all
    }

    /// Candidates by provider order, then usage rank, then file order.
    fn candidates(&self, mcc: &str, mnc: &str) -> Vec<ApnCandidate> {
        let plmn = Plmn::new(mcc.trim(), mnc.trim());
        let mut out = Vec::new();
        for (country, provider) in self.providers(mcc, mnc) {
            let mut apns: Vec<&ApnEntry> = provider.apns.iter().collect();
            apns.sort_by_key(|a| usage_rank(a.usage.as_deref()));
            for a in apns {
                out.push(ApnCandidate {
                    mcc: Some(plmn.mcc.clone()),
                    mnc: Some(plmn.mnc.clone()),
                    country: Some(country.code.clone()),
                    provider: Some(provider.name.clone()),
                    apn: a.value.clone(),
                    name: a.name.clone(),
                    username: a.username.clone(),
                    password: a.password.clone(),
                    auth: a.auth.clone(),
                    usage: a.usage.clone(),
                    dns: a.dns.clone(),
                    source: ApnSource::Database,
                });
            }
        }
        out
    }

    /// The network an IMSI belongs to and its candidates: the first split from
    /// [`plmn_from_imsi`] the database has APNs for; else the preferred split and no
    /// candidates; `None` when the IMSI is not 6 to 15 digits.
    pub fn lookup_imsi(&self, imsi: &str) -> Option<(Plmn, Vec<ApnCandidate>)> {
        let splits = plmn_from_imsi(imsi, self);
        for p in &splits {
            let found = self.lookup(&p.mcc, &p.mnc);
            if !found.is_empty() {
                return Some((p.clone(), found));
            }
        }
        imsi_splits(imsi)
            .into_iter()
            .next()
            .map(|p| (p, Vec::new()))
    }
}

/// The file's text: at most [`MAX_DB_BYTES`], UTF-8.
fn read_text(path: &Path) -> Result<String, ApnDbError> {
    let io_err = |source| ApnDbError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = fs::File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if meta.is_dir() {
        return Err(ApnDbError::Format {
            path: path.to_path_buf(),
            message: "is a directory, not serviceproviders.xml".into(),
        });
    }
    let mut bytes = Vec::new();
    file.take(MAX_DB_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() as u64 > MAX_DB_BYTES {
        return Err(ApnDbError::Format {
            path: path.to_path_buf(),
            message: format!("larger than {} MiB", MAX_DB_BYTES >> 20),
        });
    }
    String::from_utf8(bytes).map_err(|e| ApnDbError::Xml {
        path: path.to_path_buf(),
        message: format!("not UTF-8 at byte {}", e.utf8_error().valid_up_to()),
    })
}

fn elements<'a, 'input: 'a>(
    node: roxmltree::Node<'a, 'input>,
    name: &'static str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'input>> + 'a {
    node.children()
        .filter(move |n| n.is_element() && n.tag_name().name() == name)
}

fn child_text(node: roxmltree::Node, name: &'static str) -> Option<String> {
    elements(node, name)
        .next()
        .and_then(|n| n.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The first `<name>` without `xml:lang`, else the first.
fn best_name(node: roxmltree::Node) -> Option<String> {
    let names: Vec<roxmltree::Node> = elements(node, "name").collect();
    let untagged = names.iter().find(|n| {
        !n.attributes()
            .any(|a| a.name() == "lang" && a.namespace().is_some())
    });
    untagged
        .or(names.first())
        .and_then(|n| n.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

fn read_country(node: roxmltree::Node) -> Country {
    Country {
        code: node.attribute("code").unwrap_or("").trim().to_string(),
        name: best_name(node),
        providers: elements(node, "provider")
            .filter_map(read_provider)
            .collect(),
    }
}

fn read_provider(node: roxmltree::Node) -> Option<Provider> {
    let gsm = elements(node, "gsm").next()?;
    let networks = elements(gsm, "network-id")
        .filter_map(|n| {
            let mcc = n.attribute("mcc")?.trim();
            let mnc = n.attribute("mnc")?.trim();
            (!mcc.is_empty() && !mnc.is_empty()).then(|| Plmn::new(mcc, mnc))
        })
        .collect();
    Some(Provider {
        name: best_name(node).unwrap_or_else(|| "(unnamed)".into()),
        primary: match node.attribute("primary") {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        },
        networks,
        apns: elements(gsm, "apn").filter_map(read_apn).collect(),
    })
}

fn read_apn(node: roxmltree::Node) -> Option<ApnEntry> {
    let attr_of = |name: &'static str, attr: &str| {
        elements(node, name)
            .next()
            .and_then(|n| n.attribute(attr))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    Some(ApnEntry {
        value: node.attribute("value")?.trim().to_string(),
        usage: attr_of("usage", "type"),
        plans: elements(node, "plan")
            .filter_map(|p| p.attribute("type"))
            .map(|t| t.trim().to_string())
            .collect(),
        name: best_name(node),
        username: child_text(node, "username"),
        password: child_text(node, "password"),
        auth: attr_of("authentication", "method"),
        dns: elements(node, "dns")
            .filter_map(|d| d.text())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
    })
}

/// Whether a country's networks use 3-digit MNCs (ITU-T E.212 assignments): the US and its
/// territories (310–316, 330), Canada (302), Mexico (334), most of the Caribbean (338–376),
/// India's 405 series, Honduras (708), Argentina (722), Colombia (732) and the Falklands (750).
/// Some of these mix lengths (405, 364, 374), which is why [`plmn_from_imsi`] tries both.
pub fn uses_three_digit_mnc(mcc: &str) -> bool {
    matches!(
        mcc,
        "302"
            | "310"
            | "311"
            | "312"
            | "313"
            | "314"
            | "315"
            | "316"
            | "330"
            | "334"
            | "338"
            | "342"
            | "344"
            | "346"
            | "348"
            | "350"
            | "352"
            | "354"
            | "356"
            | "358"
            | "360"
            | "364"
            | "365"
            | "366"
            | "374"
            | "376"
            | "405"
            | "708"
            | "722"
            | "732"
            | "750"
    )
}

/// Both ways to split an IMSI into MCC/MNC, the likelier first (3-digit MNC first where
/// [`uses_three_digit_mnc`]). Empty when the IMSI is not 6 to 15 digits.
pub fn imsi_splits(imsi: &str) -> Vec<Plmn> {
    let imsi = imsi.trim();
    if !(6..=15).contains(&imsi.len()) || !imsi.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let mcc = &imsi[..3];
    let two = Plmn::new(mcc, &imsi[3..5]);
    let three = Plmn::new(mcc, &imsi[3..6]);
    if uses_three_digit_mnc(mcc) {
        vec![three, two]
    } else {
        vec![two, three]
    }
}

/// The networks an IMSI may belong to, in the order to try: the splits the database knows
/// first (the likelier one first), then the others. Empty when the IMSI is not 6 to 15 digits.
///
/// The database decides where it can: France uses 2-digit MNCs, yet the file lists `208/260`;
/// Argentina uses 3, yet it lists `722/34`.
pub fn plmn_from_imsi(imsi: &str, db: &ApnDatabase) -> Vec<Plmn> {
    let mut splits = imsi_splits(imsi);
    splits.sort_by_key(|p| !db.knows(p));
    splits
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"<?xml version="1.0"?>
<!DOCTYPE serviceproviders SYSTEM "serviceproviders.2.dtd">
<serviceproviders format="2.0">
<country code="xx"><name>Test</name>
  <provider><name>MVNO</name><gsm><network-id mcc="001" mnc="01"/>
    <apn value="mvno.apn"><usage type="internet"/></apn></gsm></provider>
  <provider primary="true"><name>Main</name><name xml:lang="ru">Главный</name>
    <gsm><network-id mcc="001" mnc="01"/><network-id mcc="001" mnc="001"/>
    <apn value="mms.main"><usage type="mms"/></apn>
    <apn value="nousage"/>
    <apn value="web.main"><usage type="internet"/><username>u</username>
      <password>p</password><authentication method="chap"/></apn>
    <apn value="bad apn"><usage type="internet"/></apn>
    </gsm></provider>
  <provider><name>CDMA only</name><cdma><sid value="1"/></cdma></provider>
</country>
</serviceproviders>"#;

    #[test]
    fn primary_first_internet_first_and_invalid_skipped() {
        let db = ApnDatabase::parse(SMALL).unwrap();
        let apns: Vec<_> = db
            .lookup("001", "01")
            .into_iter()
            .map(|c| (c.provider.unwrap_or_default(), c.apn))
            .collect();
        assert_eq!(
            apns,
            [
                ("Main".to_string(), "web.main".to_string()),
                ("Main".into(), "nousage".into()),
                ("MVNO".into(), "mvno.apn".into()),
            ]
        );
        let all = db.lookup_all("001", "01");
        assert_eq!(all.len(), 5);
        assert_eq!(all.last().unwrap().apn, "mms.main");
        assert_eq!(db.countries()[0].providers.len(), 2, "CDMA-only dropped");
    }

    #[test]
    fn credentials_and_names() {
        let db = ApnDatabase::parse(SMALL).unwrap();
        let c = &db.lookup("001", "01")[0];
        assert_eq!(c.username.as_deref(), Some("u"));
        assert_eq!(c.password.as_deref(), Some("p"));
        assert_eq!(c.auth.as_deref(), Some("chap"));
        assert_eq!(c.usage.as_deref(), Some("internet"));
        assert_eq!(c.country.as_deref(), Some("xx"));
        assert_eq!(db.countries()[0].providers[1].name, "Main");
    }

    #[test]
    fn mnc_is_a_string() {
        let db = ApnDatabase::parse(SMALL).unwrap();
        assert!(db.lookup("001", "1").is_empty());
        assert_eq!(db.lookup("001", "001").len(), 2);
    }

    #[test]
    fn plmn_parse_forms() {
        assert_eq!(Plmn::parse("27001"), Some(Plmn::new("270", "01")));
        assert_eq!(Plmn::parse("310410"), Some(Plmn::new("310", "410")));
        assert_eq!(Plmn::parse("262/07"), Some(Plmn::new("262", "07")));
        assert_eq!(Plmn::parse("262-07"), Some(Plmn::new("262", "07")));
        for bad in [
            "27", "abcdef", "2700", "2700123", "27/001", "262/7", "", "26a07", "é2607", "22é07",
            "2/é",
        ] {
            assert_eq!(Plmn::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn imsi_split_preference() {
        assert_eq!(
            imsi_splits("310410123456789"),
            [Plmn::new("310", "410"), Plmn::new("310", "41")]
        );
        assert_eq!(
            imsi_splits("270010123456789"),
            [Plmn::new("270", "01"), Plmn::new("270", "010")]
        );
        assert!(imsi_splits("27001012345678x").is_empty());
        assert!(imsi_splits("27001").is_empty());
        assert!(imsi_splits("1234567890123456").is_empty());
    }

    #[test]
    fn apn_validation() {
        for ok in ["web.pt.lu", "internet", "", "a-b_c.d", "NXTGENPHONE"] {
            assert!(validate_apn(ok).is_ok(), "{ok}");
        }
        for bad in [
            "a\"b", "a;b", "a\r\nATZ", "http://x", ".a", "a.", "a..b", "a b", "ü",
        ] {
            assert!(validate_apn(bad).is_err(), "{bad:?}");
        }
        assert!(validate_apn(&"a".repeat(101)).is_err());
    }

    #[test]
    fn errors_name_the_file_and_the_fix() {
        let e = ApnDatabase::from_file(Path::new("/nonexistent/serviceproviders.xml")).unwrap_err();
        let s = e.to_string();
        assert!(s.starts_with("/nonexistent/serviceproviders.xml: "), "{s}");
        assert!(s.contains(APN_DB_INSTALL), "{s}");
        let e = ApnDatabase::parse("<serviceproviders><country>").unwrap_err();
        assert!(e.to_string().contains("<memory>: not valid XML"), "{e}");
        let e = ApnDatabase::parse("<html/>").unwrap_err();
        assert!(e.to_string().contains("not <serviceproviders>"), "{e}");
    }
}
