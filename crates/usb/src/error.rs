//! Errors from reading sysfs. Every message names the path involved and says what to do next.

use std::path::PathBuf;

/// What went wrong while reading the USB part of sysfs.
#[derive(thiserror::Error, Debug)]
pub enum UsbError {
    /// The sysfs root has no `bus/usb/devices` directory at all.
    #[error(
        "no USB devices directory at {path}: is sysfs mounted there? Pass the right root with `--sysfs ROOT` (default /sys)"
    )]
    NoSysfs {
        /// The directory that was expected.
        path: PathBuf,
    },

    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}. Check that it exists and that you may read it")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A file every USB device or interface has is missing.
    #[error("{path} is missing: every USB {what} has it; the sysfs tree looks incomplete")]
    MissingFile {
        /// The missing file.
        path: PathBuf,
        /// "device", "interface" or "endpoint".
        what: &'static str,
    },

    /// A sysfs attribute holds something that cannot be parsed.
    #[error("{path} holds '{value}', expected {expected}; the sysfs tree looks corrupt")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What it holds (trimmed).
        value: String,
        /// What it should hold, e.g. "a 4-digit hex number".
        expected: &'static str,
    },

    /// Nothing matches what the user asked for.
    #[error("no USB device matches '{spec}'; {found}. Run `dongle list`.")]
    NotFound {
        /// What the user typed.
        spec: String,
        /// "found: 1-1 (12d1:1506 HUAWEI_MOBILE), ..." or "no USB devices found".
        found: String,
    },

    /// A vid:pid matches more than one device.
    #[error(
        "'{spec}' matches {count} devices: {found}. Name one by its USB path (e.g. `{first}`)."
    )]
    Ambiguous {
        /// What the user typed.
        spec: String,
        /// How many matched.
        count: usize,
        /// The matching devices.
        found: String,
        /// The path of the first match, for the hint.
        first: String,
    },
}

impl UsbError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> UsbError {
        UsbError::Io {
            path: path.into(),
            source,
        }
    }
}
