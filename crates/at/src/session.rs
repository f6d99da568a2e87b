//! One AT conversation over one port: one command in flight at a time.
//!
//! A reader thread owns the receiving side: it feeds every byte to the
//! [`Decoder`], routes URCs to subscribers at once (whether or not a command
//! is running) and passes response events to the command that waits for them.
//! Every wait has a deadline, so a dead port can never hang a caller.

use crate::error::AtError;
use crate::framing::{Decoder, Event};
use crate::result::FinalResult;
use crate::transport::Transport;
use crate::urc::Urc;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A successful response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Information lines, in order, without CR/LF.
    pub lines: Vec<String>,
    /// `OK`, `CONNECT …` or the SMS prompt.
    pub result: FinalResult,
}

impl Response {
    /// The info lines joined with `\n`: the input the typed parsers take.
    pub fn body(&self) -> String {
        self.lines.join("\n")
    }
}

/// Time limits per command, after 3GPP practice and what real sticks need:
/// queries answer in milliseconds, a network scan takes minutes.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub query: Duration,
    pub dial: Duration,
    pub network_scan: Duration,
    pub register: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            query: Duration::from_secs(3),
            dial: Duration::from_secs(60),
            network_scan: Duration::from_secs(180),
            register: Duration::from_secs(120),
        }
    }
}

impl Timeouts {
    /// The limit for one command line.
    pub fn for_command(&self, command: &str) -> Duration {
        let c = command.trim().to_ascii_uppercase();
        let c = c.strip_prefix("AT").unwrap_or(&c);
        if c.starts_with("+COPS=?") {
            self.network_scan
        } else if c.starts_with('D') || c.starts_with("^NDISDUP") {
            self.dial
        } else if c.starts_with("+COPS=") || c.starts_with("+CGATT=") || c.starts_with("+CFUN=") {
            self.register
        } else {
            self.query
        }
    }
}

/// Lets another thread abort a running command.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> CancelToken {
        CancelToken::default()
    }
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// What the reader thread hands to a waiting command.
enum Reply {
    Event(Event),
    Closed(String),
}

struct Shared {
    transport: Arc<dyn Transport>,
    decoder: Mutex<Decoder>,
    replies: Mutex<Option<Sender<Reply>>>,
    subscribers: Mutex<Vec<Sender<Urc>>>,
    closed: Mutex<Option<String>>,
    stop: AtomicBool,
    /// A command carrying a secret is in flight: keep raw bytes (the echo)
    /// out of the trace log.
    private: AtomicBool,
    /// When bytes last arrived.
    last_rx: Mutex<Option<Instant>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in another thread must not take the port down with it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// An AT session over a transport.
pub struct AtSession {
    shared: Arc<Shared>,
    /// The last command ended without its final result: let the line go
    /// quiet before the next one.
    desync: AtomicBool,
    /// When the last command timed out.
    desync_at: Mutex<Option<Instant>>,
    in_flight: Mutex<()>,
    reader: Option<JoinHandle<()>>,
    timeouts: Timeouts,
}

/// After a timed-out command: wait at most this long for the line to settle,
const SYNC_TIMEOUT: Duration = Duration::from_millis(500);
/// and call it settled after this long without a byte (and at least this
/// long after the timeout).
const QUIET: Duration = Duration::from_millis(100);

/// How long a waiting command sleeps between checks of its deadline and
/// cancel token.
const READ_SLICE: Duration = Duration::from_millis(50);
/// How long the reader blocks before checking whether to stop. Stopping
/// wakes it at once ([`Transport::wake`]); the slice only bounds a transport
/// that cannot be woken. Long, because a daemon with 32 idle modems has 32
/// readers, and each wake-up is CPU spent on nothing.
const READER_SLICE: Duration = Duration::from_secs(1);

impl AtSession {
    /// Start a session: spawns the reader thread.
    pub fn new(transport: impl Transport) -> AtSession {
        Self::with_timeouts(transport, Timeouts::default())
    }

    pub fn with_timeouts(transport: impl Transport, timeouts: Timeouts) -> AtSession {
        let shared = Arc::new(Shared {
            transport: Arc::new(transport),
            decoder: Mutex::new(Decoder::new()),
            replies: Mutex::new(None),
            subscribers: Mutex::new(Vec::new()),
            closed: Mutex::new(None),
            stop: AtomicBool::new(false),
            private: AtomicBool::new(false),
            last_rx: Mutex::new(None),
        });
        let s = Arc::clone(&shared);
        let reader = std::thread::Builder::new()
            .name("at-reader".into())
            .spawn(move || read_loop(&s))
            .ok();
        AtSession {
            shared,
            desync: AtomicBool::new(false),
            desync_at: Mutex::new(None),
            in_flight: Mutex::new(()),
            reader,
            timeouts,
        }
    }

    /// The port name.
    pub fn port(&self) -> String {
        self.shared.transport.name()
    }

    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// Receive every URC from now on.
    pub fn subscribe(&self) -> Receiver<Urc> {
        let (tx, rx) = mpsc::channel();
        lock(&self.shared.subscribers).push(tx);
        rx
    }

    /// Binary and text byte counts seen on the port (see [`Decoder::byte_counts`]).
    pub fn byte_counts(&self) -> (usize, usize) {
        lock(&self.shared.decoder).byte_counts()
    }

    /// Send a command with its default time limit. `ERROR`-class results are
    /// returned as [`AtError::Rejected`].
    pub fn command(&self, command: &str) -> Result<Response, AtError> {
        let timeout = self.timeouts.for_command(command);
        self.command_with(command, timeout, None)
    }

    /// Send a command with an explicit time limit and optional cancellation.
    pub fn command_with(
        &self,
        command: &str,
        timeout: Duration,
        cancel: Option<&CancelToken>,
    ) -> Result<Response, AtError> {
        validate(command)?;
        let line = if command.len() >= 2 && command[..2].eq_ignore_ascii_case("AT") {
            command.to_string()
        } else {
            format!("AT{command}")
        };
        self.exchange(
            &line,
            &line,
            format!("{line}\r").as_bytes(),
            timeout,
            cancel,
        )
    }

    /// Send a command that carries a secret (`AT+CPIN="…"`): logs and error
    /// messages show `shown` instead, and raw-byte tracing pauses so the
    /// modem's echo of the secret is not logged either.
    pub fn command_private(
        &self,
        command: &str,
        shown: &str,
        timeout: Duration,
    ) -> Result<Response, AtError> {
        validate(command).map_err(|_| AtError::InvalidCommand {
            command: shown.into(),
            reason: "it contains control characters (CR, LF, Ctrl-Z or ESC)",
        })?;
        self.shared.private.store(true, Ordering::SeqCst);
        let r = self.exchange(
            shown,
            command,
            format!("{command}\r").as_bytes(),
            timeout,
            None,
        );
        self.shared.private.store(false, Ordering::SeqCst);
        r
    }

    /// Send raw bytes (an SMS PDU ending in Ctrl-Z after the `> ` prompt) and
    /// wait for the final result.
    pub fn send_raw(
        &self,
        label: &str,
        data: &[u8],
        timeout: Duration,
    ) -> Result<Response, AtError> {
        self.exchange(label, label, data, timeout, None)
    }

    /// A command answered by the `> ` prompt (`+CMGS`, `+CMGW`), then its
    /// text: 27.005 §3.5.1 has the TA send `<CR><LF><greater_than><space>`,
    /// the TE the PDU ended by Ctrl-Z, and the final result follow. Both
    /// steps hold the port, so no other command can slip in between. If the
    /// prompt does not come within `prompt_timeout`, ESC is sent (27.005:
    /// "sending ESC shall abort"): a modem left waiting for text would take
    /// the next command as message body.
    pub fn command_with_prompt(
        &self,
        command: &str,
        text: &str,
        prompt_timeout: Duration,
        timeout: Duration,
    ) -> Result<Response, AtError> {
        validate(command)?;
        // Control characters would end the message early (Ctrl-Z, ESC) or start a command
        // (CR); spaces are fine, and text-mode (AT+CMGF=1) messages have them.
        if text.is_empty() || !text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
            return Err(AtError::InvalidCommand {
                command: command.into(),
                reason: "the text after the prompt must be printable ASCII (a PDU in hex, or \
                         text-mode text) without control characters",
            });
        }
        let line = if command.len() >= 2 && command[..2].eq_ignore_ascii_case("AT") {
            command.to_string()
        } else {
            format!("AT{command}")
        };
        let _one = self.begin_exchange(&line, &line, None)?;
        let first = self.one_exchange(
            &line,
            &line,
            format!("{line}\r").as_bytes(),
            prompt_timeout,
            None,
        );
        match first {
            Ok(r) if r.result == FinalResult::Prompt => {}
            Ok(r) => {
                return Err(AtError::NoPrompt {
                    command: line,
                    result: r.result,
                })
            }
            Err(e) => {
                if matches!(e, AtError::Timeout { .. }) {
                    let _ = self.shared.transport.write_all(&[0x1B]);
                }
                return Err(e);
            }
        }
        let label = format!("{line} <PDU>");
        let mut bytes = text.as_bytes().to_vec();
        bytes.push(0x1A);
        self.one_exchange(&label, text, &bytes, timeout, None)
    }

    /// `command` names the exchange in logs and errors; `line` is what the
    /// decoder expects as echo.
    fn exchange(
        &self,
        command: &str,
        line: &str,
        bytes: &[u8],
        timeout: Duration,
        cancel: Option<&CancelToken>,
    ) -> Result<Response, AtError> {
        let _one = self.begin_exchange(command, line, cancel)?;
        self.one_exchange(command, line, bytes, timeout, cancel)
    }

    /// Takes the port for one exchange: refuses a closed port, and lets the
    /// line settle after a timed-out command. `command` is what errors show
    /// (never a secret), `line` what is sent.
    fn begin_exchange(
        &self,
        command: &str,
        line: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<MutexGuard<'_, ()>, AtError> {
        let one = lock(&self.in_flight);
        if let Some(cause) = lock(&self.shared.closed).clone() {
            return Err(AtError::PortGone {
                command: command.into(),
                port: self.port(),
                cause,
            });
        }
        // A command that timed out may still be answered. Its late reply must
        // not be taken for the next command's (ModemManager has a FIXME about
        // exactly this). Idle, the decoder drops it as stray: so before the
        // next command, let the line go quiet for a moment.
        // A plain `AT` (probing) is exempt: a late OK is as good an answer.
        if self.desync.swap(false, Ordering::SeqCst) && !line.eq_ignore_ascii_case("AT") {
            let until = Instant::now() + SYNC_TIMEOUT;
            while Instant::now() < until {
                let quiet = lock(&self.shared.last_rx).is_none_or(|t| t.elapsed() >= QUIET);
                if quiet && cancel.is_none_or(|c| !c.is_cancelled()) && self.quiet_since_desync() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        Ok(one)
    }

    fn quiet_since_desync(&self) -> bool {
        lock(&self.desync_at).is_none_or(|t| t.elapsed() >= QUIET)
    }

    fn one_exchange(
        &self,
        command: &str,
        line: &str,
        bytes: &[u8],
        timeout: Duration,
        cancel: Option<&CancelToken>,
    ) -> Result<Response, AtError> {
        let (tx, rx) = mpsc::channel();
        *lock(&self.shared.replies) = Some(tx);
        lock(&self.shared.decoder).begin(line);
        let outcome = self.write_and_wait(command, bytes, timeout, cancel, &rx);
        lock(&self.shared.decoder).end();
        *lock(&self.shared.replies) = None;
        if matches!(
            outcome,
            Err(AtError::Timeout { .. } | AtError::Cancelled { .. } | AtError::NotAt { .. })
        ) {
            self.desync.store(true, Ordering::SeqCst);
            *lock(&self.desync_at) = Some(Instant::now());
        }
        outcome
    }

    fn write_and_wait(
        &self,
        command: &str,
        bytes: &[u8],
        timeout: Duration,
        cancel: Option<&CancelToken>,
        rx: &Receiver<Reply>,
    ) -> Result<Response, AtError> {
        let port = self.port();
        let gone = |cause: String| AtError::PortGone {
            command: command.into(),
            port: port.clone(),
            cause,
        };
        log::debug!("{port} <- {command}");
        let binary_before = self.byte_counts().0;
        self.shared
            .transport
            .write_all(bytes)
            .map_err(|e| gone(e.to_string()))?;
        let deadline = Instant::now() + timeout;
        let mut lines = Vec::new();
        loop {
            if cancel.is_some_and(CancelToken::is_cancelled) {
                return Err(AtError::Cancelled {
                    command: command.into(),
                });
            }
            let now = Instant::now();
            if now >= deadline {
                if self.byte_counts().0 > binary_before {
                    return Err(AtError::NotAt {
                        command: command.into(),
                        port,
                    });
                }
                return Err(AtError::Timeout {
                    command: command.into(),
                    port,
                    after: timeout,
                });
            }
            let wait = (deadline - now).min(READ_SLICE);
            match rx.recv_timeout(wait) {
                Ok(Reply::Event(Event::Line(l))) => lines.push(l),
                Ok(Reply::Event(Event::Final(result))) => {
                    log::debug!("{port} -> {lines:?} {result}");
                    return if result.is_error() {
                        Err(AtError::Rejected {
                            command: command.into(),
                            result,
                        })
                    } else {
                        Ok(Response { lines, result })
                    };
                }
                Ok(Reply::Event(_)) => {}
                Ok(Reply::Closed(cause)) => return Err(gone(cause)),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Err(gone("reader stopped".into())),
            }
        }
    }
}

impl Drop for AtSession {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.transport.wake();
        if let Some(h) = self.reader.take() {
            let _ = h.join();
        }
    }
}

/// Reject command text that would smuggle a second command or raw bytes:
/// a CR ends the command line (V.250 §5.2.1), Ctrl-Z sends an SMS, ESC aborts.
fn validate(command: &str) -> Result<(), AtError> {
    let bad = |reason| {
        Err(AtError::InvalidCommand {
            command: command.into(),
            reason,
        })
    };
    if command.trim().is_empty() {
        return bad("empty command");
    }
    if command.chars().any(|c| c.is_control()) {
        return bad("it contains control characters (CR, LF, Ctrl-Z or ESC)");
    }
    Ok(())
}

fn read_loop(s: &Shared) {
    let mut buf = [0u8; 2048];
    let mut events = Vec::new();
    while !s.stop.load(Ordering::SeqCst) {
        let n = match s.transport.read(&mut buf, READER_SLICE) {
            Ok(0) => return close(s, "end of file".into()),
            Ok(n) => n,
            Err(e)
                if e.kind() == io::ErrorKind::TimedOut
                    || e.kind() == io::ErrorKind::Interrupted =>
            {
                continue
            }
            Err(e) => return close(s, e.to_string()),
        };
        *lock(&s.last_rx) = Some(Instant::now());
        if !s.private.load(Ordering::SeqCst) {
            log::trace!(
                "{} raw {:?}",
                s.transport.name(),
                String::from_utf8_lossy(&buf[..n])
            );
        }
        lock(&s.decoder).push(&buf[..n], &mut events);
        for ev in events.drain(..) {
            match ev {
                Event::Urc(u) => {
                    log::debug!("{} urc {}", s.transport.name(), u.line);
                    lock(&s.subscribers).retain(|tx| tx.send(u.clone()).is_ok());
                }
                Event::Stray(l) => log::debug!("{} stray {l:?}", s.transport.name()),
                other => {
                    if let Some(tx) = lock(&s.replies).as_ref() {
                        let _ = tx.send(Reply::Event(other));
                    }
                }
            }
        }
    }
}

fn close(s: &Shared, cause: String) {
    log::debug!("{} closed: {cause}", s.transport.name());
    *lock(&s.closed) = Some(cause.clone());
    if let Some(tx) = lock(&s.replies).as_ref() {
        let _ = tx.send(Reply::Closed(cause));
    }
}
