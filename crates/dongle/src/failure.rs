//! Errors as the user sees them: one line naming what failed, why and what to
//! do, and a documented exit code per kind (see README "Exit codes").

use dongle_at::{AtError, PortError};
use dongle_usb::UsbError;
use std::fmt;

/// Exit codes. Scripts depend on these: extend, never renumber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Something else failed.
    Failure = 1,
    /// Bad command line or bad input file.
    Usage = 2,
    /// No such device or port.
    NotFound = 3,
    /// The port is in use by another program.
    Busy = 4,
    /// Permission denied.
    Permission = 5,
    /// The modem did not answer, answered junk or rejected the command.
    Modem = 6,
    /// The port disappeared while in use.
    Gone = 7,
    /// Could not get (or stay) online; the message says why and the fix.
    Offline = 8,
}

#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
    /// The problem id (`dongle doctor`'s vocabulary) and its fix, when the failure is a
    /// diagnosed one: what the daemon shows in `dongle status` instead of the whole message.
    pub problem: Option<(&'static str, String)>,
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Failure {
        Failure {
            exit,
            message: message.into(),
            problem: None,
        }
    }

    /// With the problem id and fix of a diagnosed failure.
    pub fn diagnosed(mut self, problem: &'static str, fix: impl Into<String>) -> Failure {
        self.problem = Some((problem, fix.into()));
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<PortError> for Failure {
    fn from(e: PortError) -> Failure {
        let exit = match &e {
            PortError::NotFound { .. } => Exit::NotFound,
            PortError::NotATty { .. } => Exit::Usage,
            PortError::PermissionDenied { .. } => Exit::Permission,
            PortError::Busy { .. } => Exit::Busy,
            PortError::Io { .. } => Exit::Failure,
        };
        Failure::new(exit, e.to_string())
    }
}

impl From<AtError> for Failure {
    fn from(e: AtError) -> Failure {
        let exit = match &e {
            AtError::PortGone { .. } => Exit::Gone,
            AtError::InvalidCommand { .. } => Exit::Usage,
            _ => Exit::Modem,
        };
        Failure::new(exit, e.to_string())
    }
}

impl From<UsbError> for Failure {
    fn from(e: UsbError) -> Failure {
        Failure::new(Exit::NotFound, e.to_string())
    }
}
