//! The session layer: one [`Client`] per stick, requests serialised (single-use tokens race
//! otherwise), the cookie and token queue kept as `connect_and_hilink.md` §1.2 recommends:
//!
//! 1. `GET /`: take `Set-Cookie: SessionID=…` and the home page's `<meta name="csrf_token">`
//!    values as the token queue.
//! 2. No token: `GET api/webserver/SesTokInfo` (cookie = `SesInfo`, queue = [`TokInfo`]); if that
//!    fails, `GET api/webserver/token`; if both fail, run tokenless.
//! 3. GET sends the cookie, plus the token header when exactly one token is held.
//! 4. POST pops a token when more than one is held, else reuses the one it has.
//! 5. After every reply: append the tokens of `__RequestVerificationTokenone/two` (else
//!    `__RequestVerificationToken`, split on `#`); a reused token that the reply replaced is
//!    dropped (it was single-use); `Set-Cookie` replaces the cookie.
//! 6. 125001/125002/125003: forget the session, redo 1–2 (and the login), retry once.
//!    100003: log in (when a password is configured), retry once. 100004: wait, retry once.
//!
//! Every request has a deadline ([`Client::with_timeout`], default 5 s): a dead stick gives
//! [`HilinkError::Timeout`] naming the URL, never a hang. No proxy from the environment is used
//! (the stick is on a local link), no redirects are followed.

use crate::auth;
use crate::error::{ApiError, HilinkError, Policy};
use crate::types::*;
use crate::xml::{self, Document};
use serde::de::DeserializeOwned;
use std::collections::{HashSet, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Where HiLink sticks answer by default (E3372, E3531, E8372…; E3131/E353: 192.168.1.1).
pub const DEFAULT_URL: &str = "http://192.168.8.1";
/// Deadline of one HTTP exchange.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Tokens kept at most (a login hands out up to 30).
const MAX_TOKENS: usize = 64;

/// Whether a `DEV` argument is a HiLink base URL rather than a USB device.
pub fn is_url(dev: &str) -> bool {
    let d = dev.trim().to_ascii_lowercase();
    d.starts_with("http://") || d.starts_with("https://")
}

/// User name and password for sticks with a login. Debug output never shows the password.
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

#[derive(Debug, Default)]
struct Session {
    synced: bool,
    cookie: Option<String>,
    tokens: VecDeque<String>,
    logged_in: bool,
    /// Endpoints that answered 100002/100006: not asked again.
    unsupported: HashSet<String>,
}

impl Session {
    fn forget(&mut self) {
        self.synced = false;
        self.cookie = None;
        self.tokens.clear();
        self.logged_in = false;
    }
}

/// One raw HTTP exchange's outcome.
struct Reply {
    status: u16,
    body: String,
    cookie: Option<String>,
    tokens: Vec<String>,
    location: Option<String>,
}

/// A HiLink stick at one base URL.
pub struct Client {
    base: String,
    timeout: Duration,
    agent: ureq::Agent,
    credentials: Option<Credentials>,
    session: Mutex<Session>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("timeout", &self.timeout)
            .field("credentials", &self.credentials)
            .finish()
    }
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .user_agent(concat!("dongle/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// `http://host[:port]` from what the user typed: a bare host gets `http://`, a path is
/// dropped, HTTPS is refused (HiLink sticks speak plain HTTP).
pub fn normalize_url(url: &str) -> Result<String, HilinkError> {
    let raw = url.trim();
    let bad = |reason: &str| HilinkError::BadUrl {
        url: raw.to_string(),
        reason: reason.to_string(),
    };
    let lower = raw.to_ascii_lowercase();
    let rest = if let Some(r) = lower.strip_prefix("http://") {
        &raw[raw.len() - r.len()..]
    } else if lower.starts_with("https://") {
        return Err(bad(
            "HTTPS is not supported: HiLink sticks answer plain HTTP",
        ));
    } else if lower.contains("://") {
        return Err(bad("only http:// URLs are HiLink addresses"));
    } else {
        raw
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() {
        return Err(bad("no host"));
    }
    if authority.contains('@') {
        return Err(bad("user names go in DONGLE_HILINK_USER, not in the URL"));
    }
    let ok = authority
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']' | '_'));
    if !ok {
        return Err(bad("the host has characters a host name cannot have"));
    }
    // A port, if any, must be a number (IPv6 literals are bracketed).
    let port = match authority.rfind(']') {
        Some(i) => authority[i + 1..].strip_prefix(':'),
        None => authority.split_once(':').map(|(_, p)| p),
    };
    if let Some(p) = port {
        if p.parse::<u16>().map(|p| p == 0).unwrap_or(true) {
            return Err(bad("the port is not a number from 1 to 65535"));
        }
    }
    Ok(format!("http://{authority}"))
}

impl Client {
    /// A client for the stick at `url` (`http://192.168.8.1`, `192.168.9.1:8080`, …). Nothing
    /// is sent until the first call.
    pub fn new(url: &str) -> Result<Client, HilinkError> {
        let base = normalize_url(url)?;
        Ok(Client {
            base,
            timeout: DEFAULT_TIMEOUT,
            agent: agent(DEFAULT_TIMEOUT),
            credentials: None,
            session: Mutex::new(Session::default()),
        })
    }

    /// The deadline of each HTTP exchange (default 5 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Client {
        self.timeout = timeout;
        self.agent = agent(timeout);
        self
    }

    /// Log in with these credentials when the stick asks for it (or at the first request when
    /// the stick reports a login is required).
    pub fn with_credentials(mut self, username: &str, password: &str) -> Client {
        self.credentials = Some(Credentials {
            username: username.to_string(),
            password: password.to_string(),
        });
        self
    }

    /// `http://host[:port]`.
    pub fn url(&self) -> &str {
        &self.base
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    // ---- typed endpoints ----

    pub fn ses_tok_info(&self) -> Result<SesTokInfo, HilinkError> {
        self.get("webserver/SesTokInfo")
    }
    pub fn hilink_login(&self) -> Result<HilinkLogin, HilinkError> {
        self.get("user/hilink_login")
    }
    pub fn state_login(&self) -> Result<StateLogin, HilinkError> {
        self.get("user/state-login")
    }
    pub fn device_information(&self) -> Result<DeviceInformation, HilinkError> {
        self.get("device/information")
    }
    pub fn signal(&self) -> Result<DeviceSignal, HilinkError> {
        self.get("device/signal")
    }
    pub fn status(&self) -> Result<MonitoringStatus, HilinkError> {
        self.get("monitoring/status")
    }
    pub fn traffic_statistics(&self) -> Result<TrafficStatistics, HilinkError> {
        self.get("monitoring/traffic-statistics")
    }
    pub fn current_plmn(&self) -> Result<CurrentPlmn, HilinkError> {
        self.get("net/current-plmn")
    }
    pub fn data_switch(&self) -> Result<DataSwitch, HilinkError> {
        self.get("dialup/mobile-dataswitch")
    }
    /// Turns mobile data on or off (`<dataswitch>1|0</dataswitch>`).
    pub fn set_data_switch(&self, on: bool) -> Result<(), HilinkError> {
        let body = xml::request(&[("dataswitch", if on { "1" } else { "0" })]);
        self.post("dialup/mobile-dataswitch", &body)
    }
    pub fn dialup_connection(&self) -> Result<DialupConnection, HilinkError> {
        self.get("dialup/connection")
    }
    pub fn set_dialup_connection(&self, c: &DialupConnection) -> Result<(), HilinkError> {
        self.post("dialup/connection", &c.to_request())
    }
    pub fn pin_status(&self) -> Result<PinStatus, HilinkError> {
        self.get("pin/status")
    }
    pub fn dhcp_settings(&self) -> Result<DhcpSettings, HilinkError> {
        self.get("dhcp/settings")
    }
    /// Stores new LAN settings. The stick moves to the new address: the reply may be lost, in
    /// which case the transport error is returned and the caller decides (see
    /// [`HilinkError::is_transport`]).
    pub fn set_dhcp_settings(&self, d: &DhcpSettings) -> Result<(), HilinkError> {
        let r = self.post("dhcp/settings", &d.to_request());
        self.lock().forget();
        r
    }

    /// `device/control` 1: reboot. The stick stops answering at once; a reset or timeout after
    /// the request counts as success.
    pub fn reboot(&self) -> Result<(), HilinkError> {
        self.control(Control::Reboot)
    }

    /// `device/control` with any [`Control`] action; a dropped connection counts as success.
    pub fn control(&self, c: Control) -> Result<(), HilinkError> {
        let body = xml::request(&[("Control", &(c as u8).to_string())]);
        let r = self.post("device/control", &body);
        self.lock().forget();
        match r {
            Err(e) if e.is_transport() => Ok(()),
            r => r,
        }
    }

    /// `device/mode`: 1 = debug mode (the stick re-enumerates with serial AT/diag ports, the
    /// HiLink-firmware way to `dongle mode`), 0 = normal. Best-effort on some firmware; a
    /// dropped connection counts as success.
    pub fn set_device_mode(&self, mode: DeviceMode) -> Result<(), HilinkError> {
        let body = xml::request(&[("mode", &mode.code().to_string())]);
        let r = self.post("device/mode", &body);
        self.lock().forget();
        match r {
            Err(e) if e.is_transport() => Ok(()),
            r => r,
        }
    }

    /// Logs in now (normally done on demand). 108003 "already logged in" is success.
    pub fn login(&self) -> Result<(), HilinkError> {
        let mut s = self.lock();
        if !s.synced {
            self.sync(&mut s, false)?;
        }
        self.login_locked(&mut s, None)
    }

    /// `POST user/logout`.
    pub fn logout(&self) -> Result<(), HilinkError> {
        let r = self.post("user/logout", &xml::request(&[("Logout", "1")]));
        self.lock().logged_in = false;
        r
    }

    /// Forget the session and fetch a new one now.
    pub fn resync(&self) -> Result<(), HilinkError> {
        let mut s = self.lock();
        s.forget();
        self.sync(&mut s, true)
    }

    // ---- generic calls ----

    /// `GET api/<endpoint>`, mapped onto `T`.
    pub fn get<T: DeserializeOwned>(&self, endpoint: &str) -> Result<T, HilinkError> {
        let doc = self.get_document(endpoint)?;
        doc.to().map_err(|e| HilinkError::NotHilink {
            url: self.endpoint_url(endpoint),
            what: format!("a reply that does not fit ({e})"),
        })
    }

    /// `GET api/<endpoint>`, the parsed `<response>`.
    pub fn get_document(&self, endpoint: &str) -> Result<Document, HilinkError> {
        self.call(endpoint, None)
    }

    /// `POST api/<endpoint>` with a `<request>` body; expects `<response>OK</response>`.
    pub fn post(&self, endpoint: &str, body: &str) -> Result<(), HilinkError> {
        // `<response>OK</response>`; a setter that echoes its settings instead is accepted too.
        self.call(endpoint, Some(body)).map(|_| ())
    }

    /// `POST api/<endpoint>` whose answer is data (`sms/sms-list`), the parsed `<response>`.
    pub fn post_document(&self, endpoint: &str, body: &str) -> Result<Document, HilinkError> {
        self.call(endpoint, Some(body))
    }

    fn lock(&self) -> MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn endpoint_url(&self, endpoint: &str) -> String {
        format!("{}/api/{endpoint}", self.base)
    }

    fn call(&self, endpoint: &str, body: Option<&str>) -> Result<Document, HilinkError> {
        let mut s = self.lock();
        if s.unsupported.contains(endpoint) {
            return Err(HilinkError::Api {
                url: self.endpoint_url(endpoint),
                error: ApiError::new(100002, "not supported (remembered)"),
            });
        }
        if !s.synced {
            self.sync(&mut s, true)?;
        }
        let first = self.exchange(&mut s, endpoint, body, false);
        let policy = match &first {
            Err(HilinkError::Api { error, .. }) => error.policy(),
            _ => return first,
        };
        match policy {
            Policy::Resync => {
                log::debug!("{endpoint}: session or token refused; new session, one retry");
                s.forget();
                self.sync(&mut s, true)?;
                self.exchange(&mut s, endpoint, body, false)
            }
            Policy::Login if self.credentials.is_some() => {
                log::debug!("{endpoint}: login required; logging in, one retry");
                self.login_locked(&mut s, None)?;
                self.exchange(&mut s, endpoint, body, false)
            }
            Policy::Login => Err(HilinkError::LoginRequired {
                url: self.endpoint_url(endpoint),
            }),
            Policy::Busy => {
                std::thread::sleep(self.timeout.min(Duration::from_secs(1)));
                self.exchange(&mut s, endpoint, body, false)
            }
            Policy::Unsupported => {
                s.unsupported.insert(endpoint.to_string());
                first
            }
            _ => first,
        }
    }

    /// Steps 1–2 (and the login when credentials are set and the stick wants one).
    fn sync(&self, s: &mut Session, login: bool) -> Result<(), HilinkError> {
        s.forget();
        // 1. The home page: cookie and meta tokens. Only a dead peer is fatal here.
        let mut path = "/".to_string();
        for _ in 0..2 {
            match self.http(s, &path, None, None) {
                Ok(r) => {
                    if let Some(c) = r.cookie {
                        s.cookie = Some(c);
                    }
                    match r
                        .location
                        .filter(|l| l.starts_with('/') && (300..400).contains(&r.status))
                    {
                        Some(l) => path = l,
                        None => {
                            s.tokens.extend(xml::meta_csrf_tokens(&r.body));
                            break;
                        }
                    }
                }
                Err(e) if e.is_transport() => return Err(e),
                Err(_) => break,
            }
        }
        // 2. SesTokInfo, then webserver/token, else tokenless.
        if s.tokens.is_empty() {
            match self.exchange(s, "webserver/SesTokInfo", None, false) {
                Ok(doc) => {
                    let t: SesTokInfo = doc.to().unwrap_or_default();
                    if let Some(c) = t.ses_info.as_deref() {
                        s.cookie = Some(auth::cookie_from_sesinfo(c));
                    }
                    if let Some(tok) = t.tok_info {
                        s.tokens.clear();
                        s.tokens.push_back(tok);
                    }
                }
                Err(e) if e.is_transport() => return Err(e),
                Err(e) => {
                    log::debug!("SesTokInfo: {e}");
                    match self.exchange(s, "webserver/token", None, false) {
                        Ok(doc) => {
                            if let Some(t) = doc.get("token") {
                                s.tokens.push_back(t.to_string());
                            }
                        }
                        Err(e) if e.is_transport() => return Err(e),
                        Err(e) => log::debug!("webserver/token: {e}; running without a token"),
                    }
                }
            }
        }
        s.synced = true;
        if login && self.credentials.is_some() {
            let st = self
                .exchange(s, "user/state-login", None, false)
                .ok()
                .and_then(|d| d.to::<StateLogin>().ok());
            if !st.as_ref().is_some_and(StateLogin::logged_in) {
                self.login_locked(s, st)?;
            }
        }
        Ok(())
    }

    fn login_locked(&self, s: &mut Session, st: Option<StateLogin>) -> Result<(), HilinkError> {
        let url = self.endpoint_url("user/login");
        let Some(cred) = self.credentials.clone() else {
            return Err(HilinkError::LoginRequired { url });
        };
        let mut state = st;
        for attempt in 0..2 {
            let st = match state.take() {
                Some(st) => st,
                None => match self.exchange(s, "user/state-login", None, false) {
                    Ok(d) => d.to::<StateLogin>().unwrap_or_default(),
                    Err(e) if e.is_transport() => return Err(e),
                    Err(_) => StateLogin::default(),
                },
            };
            if st.scram() {
                return Err(HilinkError::UnsupportedLogin {
                    url,
                    what: "extern_password_type 1 (SCRAM)".into(),
                });
            }
            // Missing password_type: 4 when the token machinery is there, else 0 (§1.3).
            let ptype = st
                .password_type()
                .unwrap_or(if s.tokens.is_empty() { 0 } else { 4 });
            let token = s.tokens.front().cloned().unwrap_or_default();
            let Some(pw) = auth::encode_password(ptype, &cred.username, &cred.password, &token)
            else {
                return Err(HilinkError::UnsupportedLogin {
                    url,
                    what: format!("password_type {ptype}"),
                });
            };
            let body = xml::request(&[
                ("Username", &cred.username),
                ("Password", &pw),
                ("password_type", &ptype.to_string()),
            ]);
            match self.exchange(s, "user/login", Some(&body), true) {
                Ok(_) => {
                    s.logged_in = true;
                    return Ok(());
                }
                Err(HilinkError::Api { error, .. }) if error.code == 108003 => {
                    s.logged_in = true;
                    return Ok(());
                }
                Err(HilinkError::Api { error, .. })
                    if error.policy() == Policy::Resync && attempt == 0 =>
                {
                    log::debug!("login: {error}; new session, one retry");
                    self.sync(s, false)?;
                }
                Err(e) => return Err(e),
            }
        }
        Err(HilinkError::Api {
            url,
            error: ApiError::new(125002, ""),
        })
    }

    /// One API request with the token discipline of steps 3–5; `<error>` becomes
    /// [`HilinkError::Api`]. `fresh_tokens`: the reply's tokens replace the queue (login).
    fn exchange(
        &self,
        s: &mut Session,
        endpoint: &str,
        body: Option<&str>,
        fresh_tokens: bool,
    ) -> Result<Document, HilinkError> {
        let url = self.endpoint_url(endpoint);
        let (token, popped) = match body {
            None => ((s.tokens.len() == 1).then(|| s.tokens[0].clone()), false),
            Some(_) if s.tokens.len() > 1 => (s.tokens.pop_front(), true),
            Some(_) => (s.tokens.front().cloned(), false),
        };
        let r = self.http(s, &format!("/api/{endpoint}"), body, token.as_deref())?;
        if fresh_tokens && !r.tokens.is_empty() {
            s.tokens.clear();
        } else if !popped && !r.tokens.is_empty() && body.is_some() {
            // The single token we reused has been replaced: it was single-use.
            if s.tokens.front() == token.as_ref() {
                s.tokens.pop_front();
            }
        }
        s.tokens.extend(r.tokens);
        while s.tokens.len() > MAX_TOKENS {
            s.tokens.pop_front();
        }
        if let Some(c) = r.cookie {
            s.cookie = Some(c);
        }
        if (300..400).contains(&r.status) {
            // huawei-lte-api: an unknown endpoint redirects to the home page = not supported.
            return Err(HilinkError::Api {
                url,
                error: ApiError::new(100002, "redirected to the home page"),
            });
        }
        if r.status != 200 {
            return Err(HilinkError::NotHilink {
                url,
                what: format!("HTTP {}", r.status),
            });
        }
        let doc = xml::parse(&xml::without_control_chars(&r.body)).map_err(|e| {
            HilinkError::NotHilink {
                url: url.clone(),
                what: e,
            }
        })?;
        match doc.name.as_str() {
            "response" => Ok(doc),
            "error" => {
                let code = doc.get("code").and_then(|c| c.trim().parse().ok());
                match code {
                    Some(code) => Err(HilinkError::Api {
                        url,
                        error: ApiError::new(code, doc.get("message").unwrap_or("")),
                    }),
                    None => Err(HilinkError::NotHilink {
                        url,
                        what: "an <error> without a code".into(),
                    }),
                }
            }
            other => Err(HilinkError::NotHilink {
                url,
                what: format!("a <{other}> document"),
            }),
        }
    }

    /// One HTTP exchange at `path` (starting with `/`).
    fn http(
        &self,
        s: &Session,
        path: &str,
        body: Option<&str>,
        token: Option<&str>,
    ) -> Result<Reply, HilinkError> {
        let url = format!("{}{path}", self.base);
        log::debug!(
            "HiLink {} {url}{}",
            if body.is_some() { "POST" } else { "GET" },
            if token.is_some() { " (token)" } else { "" }
        );
        let result = match body {
            None => {
                let mut rb = self
                    .agent
                    .get(&url)
                    .header("X-Requested-With", "XMLHttpRequest");
                if let Some(c) = &s.cookie {
                    rb = rb.header("Cookie", c);
                }
                if let Some(t) = token {
                    rb = rb.header("__RequestVerificationToken", t);
                }
                rb.call()
            }
            Some(b) => {
                let mut rb = self
                    .agent
                    .post(&url)
                    .header("X-Requested-With", "XMLHttpRequest")
                    .header(
                        "Content-Type",
                        "application/x-www-form-urlencoded; charset=UTF-8",
                    );
                if let Some(c) = &s.cookie {
                    rb = rb.header("Cookie", c);
                }
                if let Some(t) = token {
                    rb = rb.header("__RequestVerificationToken", t);
                }
                rb.send(b)
            }
        };
        let mut resp = result.map_err(|e| self.transport_error(&url, e))?;
        let headers = resp.headers();
        let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
        let tokens = auth::tokens_from_headers(header);
        let cookie = headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(auth::session_cookie);
        let location = header("location").map(String::from);
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(xml::MAX_BODY)
            .lossy_utf8(true)
            .read_to_string()
            .map_err(|e| self.transport_error(&url, e))?;
        log::trace!("HiLink reply {status}: {body}");
        Ok(Reply {
            status,
            body,
            cookie,
            tokens,
            location,
        })
    }

    fn transport_error(&self, url: &str, e: ureq::Error) -> HilinkError {
        let timeout = || HilinkError::Timeout {
            url: url.to_string(),
            timeout: self.timeout,
        };
        match e {
            ureq::Error::Timeout(_) => timeout(),
            ureq::Error::Io(ref io)
                if matches!(
                    io.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                ) =>
            {
                timeout()
            }
            ureq::Error::Io(io) => HilinkError::Unreachable {
                url: url.to_string(),
                reason: io.to_string(),
            },
            ureq::Error::BadUri(u) => HilinkError::BadUrl {
                url: url.to_string(),
                reason: u,
            },
            ureq::Error::BodyExceedsLimit(n) => HilinkError::NotHilink {
                url: url.to_string(),
                what: format!("a reply larger than {n} bytes"),
            },
            ureq::Error::HostNotFound => HilinkError::Unreachable {
                url: url.to_string(),
                reason: "host not found".into(),
            },
            ureq::Error::ConnectionFailed => HilinkError::Unreachable {
                url: url.to_string(),
                reason: "connection failed".into(),
            },
            other => HilinkError::Unreachable {
                url: url.to_string(),
                reason: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            normalize_url("http://192.168.8.1").unwrap(),
            "http://192.168.8.1"
        );
        assert_eq!(
            normalize_url("http://192.168.8.1/").unwrap(),
            "http://192.168.8.1"
        );
        assert_eq!(
            normalize_url("HTTP://127.0.0.1:8080/html/home.html").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(normalize_url("192.168.9.1").unwrap(), "http://192.168.9.1");
        assert_eq!(normalize_url("http://[::1]:80").unwrap(), "http://[::1]:80");
        assert!(normalize_url("https://192.168.8.1").is_err());
        assert!(normalize_url("ftp://x").is_err());
        assert!(normalize_url("http://").is_err());
        assert!(normalize_url("http://a b").is_err());
        assert!(normalize_url("http://host:99999").is_err());
        assert!(normalize_url("http://host:0").is_err());
        assert!(normalize_url("http://admin:pw@host").is_err());
        assert!(is_url("http://x") && is_url("HTTPS://x") && !is_url("1-1.4"));
    }
}
