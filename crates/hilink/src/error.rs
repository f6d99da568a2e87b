//! What can go wrong talking to a HiLink stick, with the human text and the fix.
//!
//! The firmware answers HTTP 200 with `<error><code>N</code><message/></error>`; [`ApiError`]
//! carries the code and explains it from the table in `connect_and_hilink.md` §1.4 (names from
//! Huawei's own WebUI and huawei-lte-api). SMS (1130xx) and USSD (1110xx) names are from the
//! WebUI's error list as HSPDev/Huawei-E5180-API's README prints it (its 11019 is a typo for
//! 111019, corrected in oddergaard/Huawei-E5180-API#6); 113004 from Salamek/huawei-lte-api#197
//! (several SMS sent back to back). Transport failures name the URL.

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
            111001 => "ERROR_USSD_ERROR",
            111012 => "ERROR_USSD_FUCNTION_RETURN_ERROR",
            111013 => "ERROR_USSD_IN_USSD_SESSION",
            111014 => "ERROR_USSD_TOO_LONG_CONTENT",
            111016 => "ERROR_USSD_EMPTY_COMMAND",
            111017 => "ERROR_USSD_CODING_ERROR",
            111018 => "ERROR_USSD_AT_SEND_FAILED",
            111019 => "ERROR_USSD_NET_NO_RETURN",
            111020 => "ERROR_USSD_NET_OVERTIME",
            111021 => "ERROR_USSD_XML_SPECIAL_CHARACTER_TRANSFER_FAILED",
            111022 => "ERROR_USSD_NET_NOT_SUPPORT_USSD",
            113017 => "ERROR_SMS_NULL_ARGUMENT_OR_ILLEGAL_ARGUMENT",
            113018 => "ERROR_SMS_OVERTIME",
            113020 => "ERROR_SMS_QUERY_SMS_INDEX_LIST_ERROR",
            113031 => "ERROR_SMS_SET_SMS_CENTER_NUMBER_FAILED",
            113036 => "ERROR_SMS_DELETE_SMS_FAILED",
            113047 => "ERROR_SMS_SAVE_CONFIG_FILE_FAILED",
            113053 => "ERROR_SMS_LOCAL_SPACE_NOT_ENOUGH",
            113054 => "ERROR_SMS_TELEPHONE_NUMBER_TOO_LONG",
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
            111001 | 111012 | 111018 => "the stick could not pass the USSD request to its modem",
            111013 => "another USSD session is still open",
            111014 => "the USSD code is too long",
            111016 => "the USSD code is empty",
            111017 | 111021 => "the stick could not encode the USSD code",
            111019 => "the network has not answered the USSD request",
            111020 => "the network timed out",
            111022 => "the network does not support USSD here",
            113004 => "the stick could not send the SMS now",
            113017 => "the stick rejected the SMS request (a bad number, text or index)",
            113018 => "the stick's SMS system is busy",
            113020 => "the stick could not read its message list",
            113031 => "the stick could not set the SMS service centre",
            113036 => "the stick could not delete the message",
            113053 => "the stick's message store is full",
            113054 => "the phone number is too long",
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
                111013 => "wait for the other USSD session to end (or `dongle hilink reboot`), then retry",
                111014 | 111016 | 111017 | 111021 => "give the code as digits, * and # only (e.g. *100#)",
                111019 | 111020 => "retry; some codes only work on the home network, and a longer --timeout helps on slow networks",
                111022 => "check the code with your operator; USSD does not work while roaming on some networks",
                113004 | 113018 => "wait a few seconds and retry (check the sent box with `dongle sms list` first, so nothing goes twice)",
                113017 | 113054 => "check the number (digits with an optional leading +) and the text",
                113053 => "make room: dongle sms delete --all (saves every message first)",
                113036 | 113055 | 113114 => "list the messages again (`dongle sms list`): it may be gone already",
                111001 | 111012 | 111018 => "check registration with `dongle info`, then retry; if it persists, `dongle hilink reboot`",
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
