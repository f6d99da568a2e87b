//! Saving messages before they leave the modem: one JSON file per message,
//! written atomically (temporary file, fsync, rename, fsync of the
//! directory), named after the message's content so saving twice is a no-op.

use crate::failure::{Exit, Failure};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The format name in every saved file; bumped only on incompatible change.
pub const FORMAT: &str = "dongle-sms/1";

/// Where messages go when `--save` is not given: `$DONGLE_SMS_DIR`, else
/// `/var/lib/dongle/sms` for root, else `~/.local/share/dongle/sms`.
pub fn default_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("DONGLE_SMS_DIR") {
        return PathBuf::from(d);
    }
    if rustix::process::geteuid().is_root() {
        return PathBuf::from("/var/lib/dongle/sms");
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    data.join("dongle/sms")
}

/// FNV-1a: a stable name for the same PDUs on every run and Rust version.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// `sms-20120425T195650-<hash>.json`: sorts by time, unique by content.
pub fn file_name(time: Option<&str>, pdus: &[&str]) -> String {
    let stamp: String = time
        .map(|t| {
            t.chars()
                .take(19)
                .filter(|c| c.is_ascii_digit() || *c == 'T')
                .collect()
        })
        .unwrap_or_else(|| "undated".into());
    format!("sms-{stamp}-{:016x}.json", fnv1a(pdus))
}

/// Writes `value` as `dir/name` unless that file exists already (the same
/// PDUs were saved before). Returns the path.
pub fn save<T: Serialize>(dir: &Path, name: &str, value: &T) -> Result<PathBuf, Failure> {
    save_new(dir, name, value).map(|(p, _)| p)
}

/// [`save`], and whether the file is new (false: the same message was saved before).
pub fn save_new<T: Serialize>(
    dir: &Path,
    name: &str,
    value: &T,
) -> Result<(PathBuf, bool), Failure> {
    let path = dir.join(name);
    let fail = |what: &str, e: std::io::Error| {
        let exit = if e.kind() == std::io::ErrorKind::PermissionDenied {
            Exit::Permission
        } else {
            Exit::Failure
        };
        Failure::new(
            exit,
            format!(
                "cannot {what} {}: {e}; nothing was deleted from the modem (choose a writable directory with --save DIR)",
                path.display()
            ),
        )
    };
    std::fs::create_dir_all(dir).map_err(|e| fail("create the directory for", e))?;
    if path.exists() {
        return Ok((path, false));
    }
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::new(Exit::Failure, format!("cannot encode a message: {e}")))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".sms-")
        .tempfile_in(dir)
        .map_err(|e| fail("write", e))?;
    tmp.write_all(text.as_bytes())
        .and_then(|()| tmp.write_all(b"\n"))
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| fail("write", e))?;
    tmp.persist(&path).map_err(|e| fail("write", e.error))?;
    // The rename is durable only once the directory entry is on disk.
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| fail("sync the directory of", e))?;
    Ok((path, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable_and_distinct() {
        let a = file_name(Some("2012-04-25T19:56:50-04:00"), &["0011", "0022"]);
        assert_eq!(
            a,
            file_name(Some("2012-04-25T19:56:50-04:00"), &["0011", "0022"])
        );
        assert!(a.starts_with("sms-20120425T195650-"), "{a}");
        assert_ne!(
            a,
            file_name(Some("2012-04-25T19:56:50-04:00"), &["001", "10022"])
        );
        assert!(file_name(None, &["00"]).starts_with("sms-undated-"));
    }

    #[test]
    fn save_is_atomic_and_idempotent() {
        let d = tempfile::tempdir().unwrap();
        let p = save(d.path(), "m.json", &serde_json::json!({"a": 1})).unwrap();
        let first = std::fs::read_to_string(&p).unwrap();
        save(d.path(), "m.json", &serde_json::json!({"a": 2})).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), first);
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn unwritable_directory_is_an_error_that_says_nothing_was_deleted() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("not-a-dir");
        std::fs::write(&file, "").unwrap();
        let e = save(&file, "m.json", &1).unwrap_err();
        assert!(e.message.contains("nothing was deleted"), "{}", e.message);
    }
}
