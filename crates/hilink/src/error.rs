//! What can go wrong talking to a HiLink stick, with the human text and the fix.
//!
//! The firmware answers HTTP 200 with `<error><code>N</code><message/></error>`; [`ApiError`]
//! carries the code and explains it from the table in `connect_and_hilink.md` §1.4 (names from
//! Huawei's own WebUI and huawei-lte-api). Transport failures name the URL.

use std::time::Duration;

/// An `<error>` reply from the firmware.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: u32,
    /// The firmware's `<message>`, usually empty.
    pub message: String,
}

/// How the client reacts to an error code (§1.4 "Client policy").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// 125001/125002/125003: fetch a new session and token, retry once.
    Resync,
    /// 100003: log in (if a password is configured), retry once.
    Login,
    /// 100002/100006: the endpoint is not on this firmware.
    Unsupported,
    /// 108001/108002/108006: bad credentials; never retried (repeats lock the account).
    BadCredentials,
    /// 100004: busy; back off and retry later.
    Busy,
    /// Everything else: report.
    Fail,
}

impl ApiError {
    pub fn new(code: u32, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }

    pub fn policy(&self) -> Policy {
        match self.code {
            125001..=125003 => Policy::Resync,
            100003 => Policy::Login,
            100002 | 100006 => Policy::Unsupported,
            108001 | 108002 | 108006 => Policy::BadCredentials,
            100004 => Policy::Busy,
            _ => Policy::Fail,
        }
    }

    /// Huawei's name for the code, where one is known.
    pub fn name(&self) -> Option<&'static str> {
        Some(match self.code {
            100001 => "ERROR_SYSTEM_UNKNOWN",
            100002 => "ERROR_SYSTEM_NO_SUPPORT",
            100003 => "ERROR_SYSTEM_NO_RIGHTS",
            100004 => "ERROR_SYSTEM_BUSY",
            100005 => "ERROR_FORMAT_ERROR",
            100006 => "ERROR_PARAMETER",
            108001 => "ERROR_LOGIN_USERNAME_WRONG",
            108002 => "ERROR_LOGIN_PASSWORD_WRONG",
            108003 => "ERROR_LOGIN_ALREADY_LOGIN",
            108006 => "ERROR_LOGIN_USERNAME_PWD_WRONG",
            108007 => "ERROR_LOGIN_USERNAME_PWD_ORERRUN",
            108009 => "ERROR_LOGIN_TOUCH_ALREADY_LOGIN",
            115002 => "USERNAME_PWD_MODIFY",
            120001 => "ERROR_VOICE_BUSY",
            125001 => "ERROR_WRONG_TOKEN",
            125002 => "ERROR_WRONG_SESSION",
            125003 => "ERROR_WRONG_SESSION_TOKEN",
            _ => return None,
        })
    }

    /// What the code means, in words.
    pub fn meaning(&self) -> &'static str {
        match self.code {
            100001 => "the stick reported an unknown failure",
            100002 => "this firmware does not have that function",
            100003 => "a login is required",
            100004 => "the stick is busy",
            100005 => "the stick rejected the request's format",
            100006 => "the stick rejected a parameter",
            100009 => "the stick could not store the setting",
            100010 => "the object was not found",
            108001 => "the user name is wrong",
            108002 => "the password is wrong",
            108003 => "already logged in",
            108005 => "too many sessions are open",
            108006 => "the user name or password is wrong",
            108007 => "too many failed logins; the stick locked the login for a while",
            108009 | 108010 => "another login is active or logins are too frequent",
            111019 => "the network did not respond",
            111020 => "the network timed out",
            112000..=112999 => "the SIM rejected the PIN operation",
            113055 => "the SMS was already changed",
            113114 => "the SMS was not found",
            115002 => "the password must be changed first",
            120001 => "the stick is busy with a voice call",
            125001 => "the CSRF token was wrong",
            125002 => "the session is missing or expired",
            125003 => "the session token is stale",
            _ => "the stick refused the request",
        }
    }

    /// What the user can do about it.
    pub fn fix(&self) -> &'static str {
        match self.policy() {
            Policy::Resync => {
                "dongle already retried with a fresh session; if it persists, close the stick's web page in the browser (it takes the session) or replug the stick"
            }
            Policy::Login => {
                "give the stick's web password (DONGLE_HILINK_PASSWORD or --password-file), or disable the login in the stick's web page"
            }
            Policy::Unsupported => {
                "this firmware does not offer it; update the firmware or use the stick's web page"
            }
            Policy::BadCredentials => {
                "check the user name and password (default admin/admin on many sticks); do not retry blindly: repeated failures lock the login"
            }
            Policy::Busy => "wait a second and try again",
            Policy::Fail => match self.code {
                108003 => "nothing to do",
                108007 => "wait for the lock to expire (see remainwaittime in the web page), then use the right password",
                100005 => "this is a bug in dongle or an unusual firmware: please report it with `-v` output",
                115002 => "log in once in the stick's web page and set a new password",
                _ => "see `dongle doctor`, or reboot the stick with `dongle hilink reboot`",
            },
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error {}", self.code)?;
        if let Some(n) = self.name() {
            write!(f, " ({n})")?;
        }
        write!(f, ": {}", self.meaning())?;
        if !self.message.is_empty() {
            write!(f, " [{}]", self.message)?;
        }
        Ok(())
    }
}

/// Any failure of a HiLink call. Every message names the URL and ends with a fix.
#[derive(thiserror::Error, Debug)]
pub enum HilinkError {
    #[error("{url} is not a HiLink address: {reason}\nfix: give the stick's base URL, e.g. http://192.168.8.1")]
    BadUrl { url: String, reason: String },
    #[error("{url} did not answer within {}s\nfix: check that the stick is plugged in, in HiLink mode (`dongle list`), and that this host has an address on its network (DHCP on the stick's interface)", timeout.as_secs_f32())]
    Timeout { url: String, timeout: Duration },
    #[error("cannot reach {url}: {reason}\nfix: check that the stick is plugged in, in HiLink mode (`dongle list`), and that this host has an address on its network (DHCP on the stick's interface)")]
    Unreachable { url: String, reason: String },
    #[error("{url}: the stick answered {what}, not HiLink XML\nfix: check that the address is a HiLink stick's (not a router or another web server)")]
    NotHilink { url: String, what: String },
    #[error("{url}: {error}\nfix: {}", error.fix())]
    Api { url: String, error: ApiError },
    #[error("{url}: the stick needs a login\nfix: give the stick's web password (DONGLE_HILINK_PASSWORD or --password-file), or disable the login in the stick's web page")]
    LoginRequired { url: String },
    #[error("{url}: the stick asks for a login method dongle does not speak ({what})\nfix: this firmware uses the SCRAM/RSA login of E3372h-320 11.x; disable the login in the stick's web page")]
    UnsupportedLogin { url: String, what: String },
    #[error("{url}: the connection did not come up: {status}\nfix: {}", status.fix())]
    ConnectFailed {
        url: String,
        status: crate::ConnectionStatus,
    },
    #[error("{url}: no connection after {}s (last status: {status})\nfix: {}", timeout.as_secs_f32(), status.fix())]
    ConnectTimeout {
        url: String,
        timeout: Duration,
        status: crate::ConnectionStatus,
    },
    #[error("{url}: {what}\nfix: {fix}")]
    Sim {
        url: String,
        what: String,
        fix: String,
    },
    #[error("{url}: invalid value: {what}\nfix: {fix}")]
    Invalid {
        url: String,
        what: String,
        fix: String,
    },
}

impl HilinkError {
    /// The firmware error code, if the stick answered with one.
    pub fn api_code(&self) -> Option<u32> {
        match self {
            HilinkError::Api { error, .. } => Some(error.code),
            _ => None,
        }
    }

    /// The peer did not answer (timeout, refused, reset): the stick is gone or not reachable.
    pub fn is_transport(&self) -> bool {
        matches!(
            self,
            HilinkError::Timeout { .. } | HilinkError::Unreachable { .. }
        )
    }
}
