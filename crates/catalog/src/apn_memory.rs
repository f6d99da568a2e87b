//! Remembering the APN that brought a SIM online, and the order `dongle up` tries APNs in.
//!
//! The state file (`/var/lib/dongle/apn.toml` by default) maps a SIM (ICCID, or IMSI when the
//! modem cannot read the ICCID) to the APN and user name that worked. **Passwords are never
//! stored**: they come back from the database (for a remembered APN the database also lists) or
//! from the user. The file is rewritten atomically (temporary file in the same directory,
//! fsync, rename).
//!
//! ```toml
//! # dongle: the APN that last brought each SIM online (no passwords are kept here).
//! [sims."iccid:8935201001234567894"]
//! apn = "web.pt.lu"
//! updated = 1763900000
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::apn::{
    imsi_splits, validate_apn, ApnCandidate, ApnDatabase, ApnSource, InvalidApn, Plmn,
};

/// The state file unless overridden.
pub const DEFAULT_APN_MEMORY: &str = "/var/lib/dongle/apn.toml";
/// Environment variable naming another state file (tests, non-root use).
pub const APN_MEMORY_ENV: &str = "DONGLE_APN_MEMORY";

/// What `dongle up` tries when neither the user, the memory nor the database knows an APN:
/// `internet` (the most common APN name worldwide), then the empty APN, which asks the
/// network for the subscription's default and is accepted by many networks.
pub const FALLBACK_APNS: &[&str] = &["internet", ""];

/// The memory file is tiny; refuse to read anything absurd.
const MAX_MEMORY_BYTES: u64 = 4 * 1024 * 1024;

/// One remembered setting (no password, ever).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RememberedApn {
    /// The APN.
    pub apn: String,
    /// The PAP/CHAP user name, when one was needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// chap or pap, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<String>,
    /// When it last worked (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<u64>,
}

impl RememberedApn {
    /// Just an APN.
    pub fn new(apn: impl Into<String>) -> RememberedApn {
        RememberedApn {
            apn: apn.into(),
            username: None,
            auth: None,
            updated: None,
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct MemoryFile {
    #[serde(default)]
    sims: BTreeMap<String, RememberedApn>,
}

/// The state file could not be read or written.
#[derive(Debug)]
pub enum MemoryError {
    /// Reading, writing or renaming failed.
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The file is not what dongle writes.
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The APN to remember is not valid.
    Invalid(InvalidApn),
}

impl fmt::Display for MemoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MemoryError::Io { path, source } => {
                let fix = match source.kind() {
                    io::ErrorKind::PermissionDenied => {
                        "run as root, or name a writable file with DONGLE_APN_MEMORY"
                    }
                    _ => "check the disk and the directory",
                };
                write!(f, "{}: {source}; {fix}", path.display())
            }
            MemoryError::Format { path, message } => write!(
                f,
                "{}: {message}; remove the file (dongle writes a new one when an APN works)",
                path.display()
            ),
            MemoryError::Invalid(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for MemoryError {}

/// The memory key for a SIM: `iccid:…` when the ICCID is known, else `imsi:…`.
pub fn sim_key(iccid: Option<&str>, imsi: Option<&str>) -> Option<String> {
    fn clean(s: Option<&str>) -> Option<&str> {
        s.map(str::trim).filter(|s| !s.is_empty())
    }
    match (clean(iccid), clean(imsi)) {
        (Some(i), _) => Some(format!("iccid:{i}")),
        (None, Some(i)) => Some(format!("imsi:{i}")),
        (None, None) => None,
    }
}

/// The remembered APNs, per SIM.
#[derive(Debug, Clone)]
pub struct ApnMemory {
    path: PathBuf,
    sims: BTreeMap<String, RememberedApn>,
}

impl ApnMemory {
    /// `$DONGLE_APN_MEMORY`, else [`DEFAULT_APN_MEMORY`].
    pub fn default_path() -> PathBuf {
        match std::env::var_os(APN_MEMORY_ENV) {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => PathBuf::from(DEFAULT_APN_MEMORY),
        }
    }

    /// Read the file; a missing file is an empty memory.
    pub fn open(path: impl Into<PathBuf>) -> Result<ApnMemory, MemoryError> {
        let path = path.into();
        let text = match read_limited(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(source) => return Err(MemoryError::Io { path, source }),
        };
        let file: MemoryFile = toml::from_str(&text).map_err(|e| MemoryError::Format {
            path: path.clone(),
            message: format!("not a dongle APN memory file ({})", e.message()),
        })?;
        Ok(ApnMemory {
            path,
            sims: file.sims,
        })
    }

    /// An empty memory that will be saved to `path`.
    pub fn empty(path: impl Into<PathBuf>) -> ApnMemory {
        ApnMemory {
            path: path.into(),
            sims: BTreeMap::new(),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The APN remembered for a SIM key (see [`sim_key`]).
    pub fn recall(&self, key: &str) -> Option<String> {
        self.sims.get(key).map(|r| r.apn.clone())
    }

    /// The whole remembered setting.
    pub fn recall_entry(&self, key: &str) -> Option<&RememberedApn> {
        self.sims.get(key)
    }

    /// Remember an APN for a SIM and save the file atomically.
    pub fn remember(&mut self, key: &str, apn: &str) -> Result<(), MemoryError> {
        self.remember_entry(key, RememberedApn::new(apn))
    }

    /// Remember an APN with its user name and authentication method, and save.
    pub fn remember_entry(
        &mut self,
        key: &str,
        mut entry: RememberedApn,
    ) -> Result<(), MemoryError> {
        validate_apn(&entry.apn).map_err(MemoryError::Invalid)?;
        if entry.updated.is_none() {
            entry.updated = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .ok()
                .map(|d| d.as_secs());
        }
        let before = self.sims.insert(key.to_string(), entry);
        let saved = self.save();
        if saved.is_err() {
            // Keep memory and disk in agreement.
            match before {
                Some(b) => self.sims.insert(key.to_string(), b),
                None => self.sims.remove(key),
            };
        }
        saved
    }

    /// Forget a SIM (for an APN that stopped working) and save.
    pub fn forget(&mut self, key: &str) -> Result<(), MemoryError> {
        if self.sims.remove(key).is_some() {
            self.save()?;
        }
        Ok(())
    }

    /// Write the file: a temporary file in the same directory, fsync, rename, fsync the
    /// directory. A reader sees the old file or the new one, never half of one.
    pub fn save(&self) -> Result<(), MemoryError> {
        let io_err = |source| MemoryError::Io {
            path: self.path.clone(),
            source,
        };
        let body = toml::to_string(&MemoryFile {
            sims: self.sims.clone(),
        })
        .map_err(|e| MemoryError::Format {
            path: self.path.clone(),
            message: format!("cannot encode: {e}"),
        })?;
        let text = format!(
            "# dongle: the APN that last brought each SIM online (no passwords are kept here).\n\
             # Keys are iccid:ICCID or imsi:IMSI. Safe to delete.\n\n{body}"
        );
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir).map_err(io_err)?;
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "apn.toml".into());
        let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
        let write = || -> io::Result<()> {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            fs::rename(&tmp, &self.path)?;
            // Make the rename durable; failing to open a directory is not worth an error.
            if let Ok(d) = fs::File::open(&dir) {
                let _ = d.sync_all();
            }
            Ok(())
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io_err(e)
        })
    }
}

fn read_limited(path: &Path) -> io::Result<String> {
    use std::io::Read;
    let f = fs::File::open(path)?;
    let mut bytes = Vec::new();
    f.take(MAX_MEMORY_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_MEMORY_BYTES {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "file too large"));
    }
    String::from_utf8(bytes).map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8"))
}

/// The APNs `dongle up` tries, in order:
///
/// 1. `override_apn` (the user's `--apn`): that one only.
/// 2. The APN remembered for the SIM (by ICCID, then IMSI), with the password the database
///    has for the same APN and user, if any.
/// 3. The database's candidates for the IMSI's network ([`ApnDatabase::lookup_imsi`]), each
///    setting once.
/// 4. Only when the database has nothing: the [`FALLBACK_APNS`] guesses (source `fallback`).
///
/// An invalid override is an error; the other sources are filtered.
pub fn candidates_for(
    imsi: Option<&str>,
    iccid: Option<&str>,
    db: Option<&ApnDatabase>,
    memory: Option<&ApnMemory>,
    override_apn: Option<&str>,
) -> Result<Vec<ApnCandidate>, InvalidApn> {
    let (plmn, found) = match (imsi, db) {
        (Some(i), Some(db)) => match db.lookup_imsi(i) {
            Some((p, f)) => (Some(p), f),
            None => (None, Vec::new()),
        },
        (Some(i), None) => (imsi_splits(i).into_iter().next(), Vec::new()),
        (None, _) => (None, Vec::new()),
    };
    let remembered = memory.and_then(|m| {
        [sim_key(iccid, None), sim_key(None, imsi)]
            .into_iter()
            .flatten()
            .find_map(|k| m.recall_entry(&k))
    });
    assemble(plmn.as_ref(), remembered, found, override_apn)
}

/// [`candidates_for`] from parts: a network (from an IMSI or typed by the user), what memory
/// holds for the SIM, and the database's candidates for the network.
pub fn assemble(
    plmn: Option<&Plmn>,
    remembered: Option<&RememberedApn>,
    database: Vec<ApnCandidate>,
    override_apn: Option<&str>,
) -> Result<Vec<ApnCandidate>, InvalidApn> {
    if let Some(apn) = override_apn {
        validate_apn(apn)?;
        return Ok(vec![ApnCandidate::bare(apn, plmn, ApnSource::Override)]);
    }
    let mut out: Vec<ApnCandidate> = Vec::new();
    if let Some(r) = remembered.filter(|r| validate_apn(&r.apn).is_ok()) {
        // Take the database's details (provider, password) for the same setting.
        let same = database.iter().find(|c| {
            c.apn.eq_ignore_ascii_case(&r.apn) && (r.username.is_none() || c.username == r.username)
        });
        let mut c = match same {
            Some(c) => c.clone(),
            None => ApnCandidate::bare(r.apn.clone(), plmn, ApnSource::Remembered),
        };
        c.source = ApnSource::Remembered;
        if r.username.is_some() {
            c.username = r.username.clone();
        }
        if r.auth.is_some() {
            c.auth = r.auth.clone();
        }
        out.push(c);
    }
    let had_database = !database.is_empty();
    for c in database {
        if !out.iter().any(|o| o.same_setting(&c)) {
            out.push(c);
        }
    }
    if !had_database {
        for apn in FALLBACK_APNS {
            let c = ApnCandidate::bare(*apn, plmn, ApnSource::Fallback);
            if !out.iter().any(|o| o.same_setting(&c)) {
                out.push(c);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(
            sim_key(Some("8935"), Some("2700")).as_deref(),
            Some("iccid:8935")
        );
        assert_eq!(sim_key(None, Some("2700")).as_deref(), Some("imsi:2700"));
        assert_eq!(sim_key(Some(" "), None), None);
    }

    #[test]
    fn override_only_and_validated() {
        let c = assemble(
            None,
            Some(&RememberedApn::new("x")),
            Vec::new(),
            Some("my.apn"),
        )
        .unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].source, ApnSource::Override);
        assert!(assemble(None, None, Vec::new(), Some("a\"b")).is_err());
    }

    #[test]
    fn fallback_when_nothing_known() {
        let p = Plmn::new("999", "99");
        let c = assemble(Some(&p), None, Vec::new(), None).unwrap();
        let apns: Vec<_> = c.iter().map(|c| (c.apn.as_str(), c.source)).collect();
        assert_eq!(
            apns,
            [("internet", ApnSource::Fallback), ("", ApnSource::Fallback)]
        );
        assert_eq!(c[0].mcc.as_deref(), Some("999"));
    }

    #[test]
    fn remembered_first_then_fallbacks_without_duplicate() {
        let c = assemble(
            None,
            Some(&RememberedApn::new("internet")),
            Vec::new(),
            None,
        )
        .unwrap();
        let apns: Vec<_> = c.iter().map(|c| (c.apn.as_str(), c.source)).collect();
        assert_eq!(
            apns,
            [
                ("internet", ApnSource::Remembered),
                ("", ApnSource::Fallback)
            ]
        );
    }
}
