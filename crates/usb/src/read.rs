//! Small helpers to read sysfs attribute files: trimmed text, hex and decimal numbers.
//!
//! Optional attributes that are missing, unreadable or empty read as `None`; required ones give an
//! error naming the file.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::error::UsbError;

/// Reads a text attribute, trimmed. Missing, unreadable or empty → `None`.
pub(crate) fn opt_string(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// Reads a text attribute that must exist (it may be empty: `Some("")` is never returned,
/// an empty file gives `Ok(None)`).
fn required_string(path: &Path, what: &'static str) -> Result<Option<String>, UsbError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let trimmed = text.trim();
            Ok((!trimmed.is_empty()).then(|| trimmed.to_string()))
        }
        Err(e) if e.kind() == ErrorKind::NotFound => Err(UsbError::MissingFile {
            path: path.to_path_buf(),
            what,
        }),
        Err(e) => Err(UsbError::io(path, e)),
    }
}

fn malformed(path: &Path, value: &str, expected: &'static str) -> UsbError {
    UsbError::Malformed {
        path: path.to_path_buf(),
        value: value.to_string(),
        expected,
    }
}

/// Radix of a sysfs number.
#[derive(Clone, Copy)]
pub(crate) enum Radix {
    Hex,
    Dec,
}

fn parse<T: TryFrom<u64>>(path: &Path, s: &str, radix: Radix) -> Result<T, UsbError> {
    let (digits, r, expected) = match radix {
        Radix::Hex => (
            s.strip_prefix("0x").unwrap_or(s),
            16,
            "a hexadecimal number",
        ),
        Radix::Dec => (s, 10, "a decimal number"),
    };
    u64::from_str_radix(digits, r)
        .ok()
        .and_then(|v| T::try_from(v).ok())
        .ok_or_else(|| malformed(path, s, expected))
}

/// A number that must be present and well formed.
pub(crate) fn required_num<T: TryFrom<u64>>(
    path: &Path,
    radix: Radix,
    what: &'static str,
) -> Result<T, UsbError> {
    match required_string(path, what)? {
        Some(s) => parse(path, &s, radix),
        None => Err(malformed(path, "", "a number")),
    }
}

/// A number that may be missing or empty (→ `None`) but, when present, must be well formed.
pub(crate) fn opt_num<T: TryFrom<u64>>(path: &Path, radix: Radix) -> Result<Option<T>, UsbError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let trimmed = text.trim();
            if trimmed.is_empty() {
                Ok(None)
            } else {
                parse(path, trimmed, radix).map(Some)
            }
        }
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(UsbError::io(path, e)),
    }
}

/// Names of the entries of a directory (files, dirs and symlinks), sorted. A missing directory
/// gives an empty list.
pub(crate) fn dir_names(dir: &Path) -> Result<Vec<String>, UsbError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(UsbError::io(dir, e)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| UsbError::io(dir, e))?;
        if let Some(name) = entry.file_name().to_str() {
            names.push(name.to_string());
        }
    }
    names.sort();
    Ok(names)
}

/// The name a `driver` entry points at: the basename of a symlink's target (real sysfs), or the
/// content of a plain file (a hand-written fake tree). Absent → `None`.
pub(crate) fn driver_name(path: &Path) -> Option<String> {
    match std::fs::read_link(path) {
        Ok(target) => target
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string),
        Err(_) if path.is_file() => opt_string(path),
        Err(_) => None,
    }
}

/// True if `path` is still there (used to skip devices that vanish during a scan).
pub(crate) fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// `dir/name` as a `PathBuf`.
pub(crate) fn join(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}
