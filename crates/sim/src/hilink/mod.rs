//! A HiLink stick's web API on loopback, for tests and `dongle --sim e3372-hilink`.
//!
//! The replies are built from the real samples in `shared/reference/hilink_samples/` (same
//! element names and order; the signal reply keeps the device's CRLF line endings), filled from
//! a [`Scenario`] (SIM state, registration, operator, technology, signal) and the `e3372`
//! profile's identity, so the HiLink and AT views of the simulated stick agree.
//!
//! What it models (`connect_and_hilink.md` §1):
//! - sessions: `GET /` and `api/webserver/SesTokInfo` hand out `SessionID` cookies; every API
//!   call needs a valid cookie (else 125002);
//! - CSRF tokens: the home page carries two `<meta name="csrf_token">` tokens (unless
//!   [`HilinkOptions::homepage_tokens`] is off), SesTokInfo one; a POST must carry a valid
//!   token in `__RequestVerificationToken` (else 125003); tokens are single-use, and every POST
//!   reply hands out a fresh one (`__RequestVerificationToken`, or `…one`/`…two` with
//!   [`TokenHeaders::OneTwo`]); a login replaces the session (`Set-Cookie`) and hands out
//!   [`HilinkOptions::login_tokens`] tokens joined by `#`;
//! - login (password_type 4 or 0) when [`HilinkOptions::password`] is set: protected endpoints
//!   answer 100003 until then, a wrong password 108006;
//! - the data switch: on → `ConnectionStatus` 900 for [`HilinkOptions::connect_ms`], then 901
//!   with a WAN address and traffic counters that grow; off → 903, then 902. No SIM, a locked
//!   SIM or no network keep it from connecting (902 / 900), a denied registration gives 7,
//!   roaming gives 12 unless `RoamAutoConnectEnable` is 1;
//! - `device/control` 1 (reboot: silent for [`HilinkOptions::reboot_ms`], session gone),
//!   `device/mode` 1 (debug mode: the HiLink API goes away, as the stick re-enumerates),
//!   `dhcp/settings` (stored; the loopback address cannot move, the reply reports the new one);
//! - SMS and USSD (`sms.rs`): the AT simulator's SIM messages in the stick's store (indexes
//!   from 40000), `sms-list` pages (100005 when its elements are out of order), `send-sms`
//!   into the sent box and `send-status`, `delete-sms`, `set-read`, `sms-count`; `ussd/send`
//!   answered after [`HilinkOptions::ussd_ms`] (`ussd/get` is 111019 until then, forever
//!   without a network);
//! - faults, switchable while running: a stick that stops answering
//!   ([`HilinkServer::set_unresponsive`]: connections are accepted and never answered), an
//!   expired session ([`HilinkServer::expire_session`]), a login that always fails
//!   ([`HilinkServer::set_reject_login`]).
//!
//! The request body parser tolerates the malformed prolog real clients send
//! (`<?xml version: "1.0" …?>`).
//!
//! ```no_run
//! # fn main() -> Result<(), dongle_sim::SimError> {
//! use dongle_sim::hilink::{HilinkOptions, HilinkServer};
//! let stick = HilinkServer::start("127.0.0.1:0", HilinkOptions::default())?;
//! println!("HiLink API at {}", stick.url());
//! stick.stop();
//! # Ok(())
//! # }
//! ```

mod device;
mod http;
mod sms;

use crate::{Scenario, SimError};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

pub use device::DeviceSnapshot;

/// The `--sim` profile name that starts this server instead of a serial stick.
pub const PROFILE: &str = "e3372-hilink";

/// How token headers look in replies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenHeaders {
    /// Sticks: `__RequestVerificationToken`, `#`-joined after a login.
    #[default]
    Stick,
    /// CPEs: `__RequestVerificationTokenone` and `…two`.
    OneTwo,
}

/// How the simulated HiLink stick behaves.
#[derive(Clone, Debug)]
pub struct HilinkOptions {
    /// SIM and network (the `[sim]` and `[network]` tables of a scenario file).
    pub scenario: Scenario,
    /// `Some`: a login is required (`hilink_login` 1) with user `admin` and this password.
    pub password: Option<String>,
    /// The `password_type` the stick asks for: 4 (SHA-256 scheme) or 0 (base64).
    pub password_type: u8,
    /// Put two `<meta name="csrf_token">` tokens in the home page (the WebUI way); off: clients
    /// must use `api/webserver/SesTokInfo`.
    pub homepage_tokens: bool,
    /// Whether `api/webserver/token` exists (older sticks answer 100002).
    pub token_endpoint: bool,
    pub token_headers: TokenHeaders,
    /// Tokens handed out by a login (real sticks: up to 30).
    pub login_tokens: usize,
    /// Mobile data switch at power-on.
    pub data_switch: bool,
    /// 900 → 901 after the switch is turned on.
    pub connect_ms: u64,
    /// 903 → 902 after the switch is turned off.
    pub disconnect_ms: u64,
    /// How long the stick is silent after `device/control` 1.
    pub reboot_ms: u64,
    /// The first CSRF token handed out (tests pin the reference login vector with it).
    pub first_token: Option<String>,
    /// `sms/send-sms` answers this error code (e.g. 113053 store full, 113004 cannot send now).
    /// The scenario's `[sms] send_error` is the network refusing instead: `send-sms` says OK
    /// and `send-status` lists the number under `FailPhone`.
    pub sms_send_error: Option<u32>,
    /// How long the network takes to answer a USSD request (`ussd/get` is 111019 until then).
    pub ussd_ms: u64,
}

impl Default for HilinkOptions {
    fn default() -> Self {
        HilinkOptions {
            scenario: Scenario::default(),
            password: None,
            password_type: 4,
            homepage_tokens: true,
            token_endpoint: false,
            token_headers: TokenHeaders::Stick,
            login_tokens: 30,
            data_switch: false,
            connect_ms: 300,
            disconnect_ms: 100,
            reboot_ms: 500,
            first_token: None,
            sms_send_error: None,
            ussd_ms: 400,
        }
    }
}

/// One request the server received, for tests of the client's header discipline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HilinkRequest {
    pub method: String,
    /// `/api/device/information`, `/`…
    pub path: String,
    pub cookie: Option<String>,
    pub token: Option<String>,
    pub body: String,
    /// The error code answered, if any.
    pub error: Option<u32>,
}

struct Shared {
    stop: AtomicBool,
    unresponsive: AtomicBool,
    device: Mutex<device::Device>,
    log: Mutex<Vec<HilinkRequest>>,
}

impl Shared {
    fn device(&self) -> MutexGuard<'_, device::Device> {
        self.device.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn log(&self) -> MutexGuard<'_, Vec<HilinkRequest>> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running simulated HiLink stick. Stops on [`HilinkServer::stop`] or drop.
pub struct HilinkServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for HilinkServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HilinkServer")
            .field("addr", &self.addr)
            .finish()
    }
}

fn server_error(what: String, fix: &str) -> SimError {
    SimError::Scenario {
        file: "HiLink server".into(),
        message: what,
        fix: fix.into(),
    }
}

impl HilinkServer {
    /// Listens on `addr` (`"127.0.0.1:0"` picks a free port) and serves the API, one thread per
    /// connection.
    pub fn start(addr: &str, opts: HilinkOptions) -> Result<HilinkServer, SimError> {
        if ![0, 3, 4].contains(&opts.password_type) {
            return Err(server_error(
                format!(
                    "password_type {} is not one HiLink sticks use",
                    opts.password_type
                ),
                "use 4 (SHA-256 scheme) or 0 (base64)",
            ));
        }
        let listener = TcpListener::bind(addr).map_err(|e| {
            server_error(
                format!("cannot listen on {addr}: {e}"),
                "use a free local address, e.g. 127.0.0.1:0",
            )
        })?;
        let local = listener.local_addr().map_err(|e| {
            server_error(format!("cannot read the address of {addr}: {e}"), "retry")
        })?;
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            unresponsive: AtomicBool::new(false),
            device: Mutex::new(device::Device::new(opts)),
            log: Mutex::new(Vec::new()),
        });
        let sh = Arc::clone(&shared);
        let accept = std::thread::Builder::new()
            .name("sim-hilink".into())
            .spawn(move || accept_loop(listener, sh))
            .map_err(|e| server_error(format!("cannot start a thread: {e}"), "retry"))?;
        Ok(HilinkServer {
            addr: local,
            shared,
            accept: Some(accept),
        })
    }

    /// `http://127.0.0.1:PORT`: the base URL to give the client.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Fault: accept connections but never answer (a hung stick), until turned off again.
    pub fn set_unresponsive(&self, on: bool) {
        self.shared.unresponsive.store(on, Ordering::SeqCst);
    }

    /// Fault: the session expires now (the next request with the old cookie gets 125002).
    pub fn expire_session(&self) {
        self.shared.device().expire_session();
    }

    /// Fault: every login fails with 108006, whatever the password.
    pub fn set_reject_login(&self, on: bool) {
        self.shared.device().reject_login = on;
    }

    /// Changes the SIM/network while running (e.g. lose the network).
    pub fn set_scenario(&self, scenario: Scenario) {
        self.shared.device().set_scenario(scenario);
    }

    /// `sms/send-sms` answers this error code from now on (`None`: sends work again).
    pub fn set_sms_send_error(&self, code: Option<u32>) {
        self.shared.device().messages.send_error = code;
    }

    /// A message from `phone` arrives in the inbox now (`date`: the stick's
    /// `YYYY-MM-DD hh:mm:ss`). Returns its index.
    pub fn receive_sms(&self, phone: &str, text: &str, date: &str) -> u32 {
        self.shared.device().messages.receive(phone, text, date)
    }

    /// Messages in the stick's (inbox, sent box) now.
    pub fn sms_counts(&self) -> (usize, usize) {
        let d = self.shared.device();
        (d.messages.inbox.len(), d.messages.sent.len())
    }

    /// The stick's state now.
    pub fn snapshot(&self) -> DeviceSnapshot {
        self.shared.device().snapshot()
    }

    /// The requests received so far, in order.
    pub fn requests(&self) -> Vec<HilinkRequest> {
        self.shared.log().clone()
    }

    /// Stops listening; open connections end within a second.
    pub fn stop(self) {
        // Drop does the work.
    }
}

impl Drop for HilinkServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept().
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = conn else { continue };
        let sh = Arc::clone(&shared);
        let _ = std::thread::Builder::new()
            .name("sim-hilink-conn".into())
            .spawn(move || serve(stream, sh));
    }
}

fn serve(mut stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    // Keep-alive: serve requests until the client closes or a read times out.
    loop {
        let Ok(Some(req)) = http::read_request(&mut stream) else {
            return;
        };
        if shared.unresponsive.load(Ordering::SeqCst) {
            // A hung stick: say nothing until the fault is cleared or the server stops.
            while shared.unresponsive.load(Ordering::SeqCst) && !shared.stop.load(Ordering::SeqCst)
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            return;
        }
        let reply = {
            let mut dev = shared.device();
            if dev.gone() {
                // Rebooting or re-enumerated into debug mode: the connection just drops.
                return;
            }
            dev.handle(&req)
        };
        shared.log().push(HilinkRequest {
            method: req.method.clone(),
            path: req.path.clone(),
            cookie: req.header("cookie").map(String::from),
            token: req.header("__requestverificationtoken").map(String::from),
            body: req.body.clone(),
            error: reply.error,
        });
        if http::write_response(&mut stream, &reply).is_err() {
            return;
        }
        if !req.keep_alive() {
            return;
        }
    }
}
