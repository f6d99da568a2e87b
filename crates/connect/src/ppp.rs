//! The data phase: the system's pppd on the port that said `CONNECT`.
//!
//! pppd gets the already-open tty as its standard input (pppd(8): "if no
//! device name is given … pppd will use the terminal connected to the
//! standard input"), so the line is never closed and reopened between
//! `CONNECT` and PPP: closing it would drop DTR and hang up the call. We run
//! it with `nodetach` (supervision is ours), without `persist` (reconnecting
//! is ours), read its log on stdout and explain its exit status (pppd(8)
//! EXIT STATUS, connect_and_hilink.md §4.3).

use crate::finding::Finding;
use crate::input::Credential;
use serde::Serialize;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};

/// How to run pppd.
#[derive(Debug, Clone)]
pub struct PppConfig {
    /// The pppd binary: `$DONGLE_PPPD` or /usr/sbin/pppd.
    pub pppd: PathBuf,
    /// `linkname`/`ipparam`: names the link in pppd's pid file and ip-up scripts.
    pub link: String,
    pub user: Option<Credential>,
    pub password: Option<Credential>,
    /// Add a default route (pppd never replaces an existing one).
    pub default_route: bool,
    /// The default route's metric: pppd(8) `defaultroute-metric` adds it
    /// unless a default route with the same metric exists, so several
    /// modems can each have one.
    pub route_metric: Option<u32>,
    /// Dead-link detection: LCP echo every N s, give up after M misses.
    pub lcp_echo: (u32, u32),
    /// A `connect` script: pppd starts, sets up the line and runs it before
    /// PPP begins, so it can be started before dialling and be ready the
    /// moment the modem says CONNECT (a slow pppd start can miss the modem's
    /// first LCP request and wait out its restart timer).
    pub connect: Option<String>,
}

impl PppConfig {
    pub fn new(link: &str) -> PppConfig {
        PppConfig {
            pppd: std::env::var_os("DONGLE_PPPD")
                .map(PathBuf::from)
                .unwrap_or_else(|| "/usr/sbin/pppd".into()),
            link: link
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect(),
            user: None,
            password: None,
            default_route: true,
            route_metric: None,
            lcp_echo: (10, 3),
            connect: None,
        }
    }

    /// pppd's arguments. Secrets are not among them (they would show in
    /// `ps`): they go into an options file only we can read (`file`).
    pub fn args(&self, secrets_file: Option<&std::path::Path>) -> Vec<String> {
        let mut a: Vec<String> = [
            "nodetach",
            "lock",
            "modem",
            "noauth",
            "noipdefault",
            "usepeerdns",
            "novj",
            "novjccomp",
            "nobsdcomp",
            "nodeflate",
            "noccp",
            "maxfail",
            "1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if self.default_route {
            a.push("defaultroute".into());
            if let Some(m) = self.route_metric {
                a.extend(["defaultroute-metric".into(), m.to_string()]);
            }
        }
        a.extend(["lcp-echo-interval".into(), self.lcp_echo.0.to_string()]);
        a.extend(["lcp-echo-failure".into(), self.lcp_echo.1.to_string()]);
        a.extend([
            "linkname".into(),
            self.link.clone(),
            "ipparam".into(),
            self.link.clone(),
        ]);
        if let Some(c) = &self.connect {
            // With a connect script pppd waits up to connect-delay (1 s) for
            // the modem's first LCP packet before sending its own: a request
            // sent before the modem's PPP side listens would be lost and
            // only repeated after lcp-restart (3 s).
            a.extend(["connect".into(), c.clone()]);
        }
        if let Some(u) = &self.user {
            a.extend(["user".into(), u.as_str().to_string()]);
        }
        if let Some(f) = secrets_file {
            a.extend(["file".into(), f.display().to_string()]);
        }
        a
    }
}

/// What pppd reported when the link came up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LinkInfo {
    pub interface: Option<String>,
    pub local: Option<String>,
    pub remote: Option<String>,
    pub dns: Vec<String>,
}

impl LinkInfo {
    /// Read one pppd log line ("local  IP address 10.0.0.2" …). Returns true
    /// when the line told something new. pppd's ipcp_up() prints the local
    /// address, then the remote and the DNS servers, all at once.
    pub fn take(&mut self, line: &str) -> bool {
        let l = line.trim();
        let last = || l.split_whitespace().last().map(str::to_string);
        if let Some(rest) = l.strip_prefix("Using interface ") {
            self.interface = Some(rest.trim().to_string());
        } else if let Some(rest) = l.strip_prefix("Connect: ") {
            self.interface = rest.split_whitespace().next().map(str::to_string);
        } else if l.starts_with("local  IP address") || l.starts_with("local IP address") {
            self.local = last();
        } else if l.starts_with("remote IP address") {
            self.remote = last();
        } else if l.starts_with("primary   DNS address") || l.starts_with("secondary DNS address") {
            if let Some(d) = last() {
                self.dns.push(d);
            }
        } else {
            return false;
        }
        true
    }

    /// The link carries IP once our address is known.
    pub fn is_up(&self) -> bool {
        self.local.is_some()
    }
}

/// Events from a running pppd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PppEvent {
    Log(String),
    /// What is known about the link so far (sent whenever it changes).
    Info(LinkInfo),
    /// pppd's stdout closed: it is exiting.
    Closed,
}

/// A running pppd.
pub struct Pppd {
    pub child: Child,
    pub events: Receiver<PppEvent>,
    _secrets: Option<tempfile::TempDir>,
}

/// Start pppd on an open tty that has just answered `CONNECT`.
pub fn spawn(tty: OwnedFd, cfg: &PppConfig) -> std::io::Result<Pppd> {
    let secrets = match &cfg.password {
        Some(p) => {
            let dir = tempfile::Builder::new().prefix("dongle-ppp-").tempdir()?;
            let path = dir.path().join("secrets");
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)?;
            // pppd's options-file syntax: a quoted word (the value passed validation: no quotes).
            writeln!(f, "password \"{}\"", p.as_str())?;
            Some((dir, path))
        }
        None => None,
    };
    // pppd works with the line in blocking mode; our port was non-blocking.
    let _ = rustix::fs::fcntl_setfl(&tty, rustix::fs::OFlags::empty());
    let mut child = Command::new(&cfg.pppd)
        .args(cfg.args(secrets.as_ref().map(|(_, p)| p.as_path())))
        .stdin(Stdio::from(tty))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let (tx, rx) = mpsc::channel();
    for pipe in [
        child
            .stdout
            .take()
            .map(|o| Box::new(o) as Box<dyn std::io::Read + Send>),
        child
            .stderr
            .take()
            .map(|e| Box::new(e) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut info = LinkInfo::default();
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                log::info!("pppd: {line}");
                let changed = info.take(&line);
                let _ = tx.send(PppEvent::Log(line));
                if changed {
                    let _ = tx.send(PppEvent::Info(info.clone()));
                }
            }
            let _ = tx.send(PppEvent::Closed);
        });
    }
    Ok(Pppd {
        child,
        events: rx,
        _secrets: secrets.map(|(d, _)| d),
    })
}

/// Why pppd ended, from its exit status and its log (pppd(8) EXIT STATUS).
/// `None` for an exit we asked for (SIGTERM from `dongle down`).
pub fn explain_exit(code: Option<i32>, log: &[String]) -> Option<Finding> {
    let saw = |needle: &str| log.iter().any(|l| l.contains(needle));
    let f = match code {
        Some(5) | None => return None,
        Some(0) => Finding::new("link_closed", "the network ended the PPP link", "dongle up reconnects by itself"),
        Some(3) | Some(1) if saw("must be root") || saw("not permitted") => {
            Finding::new("permission", "pppd needs root to configure the link", "run `dongle up` as root")
        }
        Some(4) => Finding::new(
            "ppp_missing",
            "the kernel has no PPP support (no /dev/ppp)",
            "modprobe ppp_generic ppp_async (or install a kernel with CONFIG_PPP)",
        ),
        Some(6) | Some(7) => Finding::new("port_busy", "pppd could not lock or open the port", "dongle probe shows who holds it"),
        Some(10) if saw("LCP: timeout") || !saw("Connect:") => Finding::new(
            "ppp_lcp_timeout",
            "the modem never started PPP after CONNECT (LCP timed out)",
            "the port may not be the modem port: `dongle probe`; or the stick needs a reset (`dongle at AT^RESET`)",
        ),
        Some(10) => Finding::new(
            "ppp_ipcp_rejected",
            "PPP came up but the network gave no IP address (IPCP failed): usually the wrong APN",
            "`dongle apn` lists the APNs for your SIM; `dongle up --apn APN`",
        ),
        Some(11) | Some(19) => Finding::new(
            "ppp_auth_failed",
            "the network rejected the PPP user name or password",
            "check --user/--password-file; most APNs need none (leave them out)",
        ),
        Some(15) => Finding::new(
            "link_dead",
            "the network stopped answering LCP echo requests",
            "dongle up reconnects by itself; check the signal with `dongle info`",
        ),
        Some(16) => Finding::new(
            "modem_hangup",
            "the modem hung up (lost carrier)",
            "dongle up reconnects by itself; frequent hang-ups mean weak signal or a network limit",
        ),
        Some(2) => Finding::new("ppp_options", "pppd rejected its options", "see the pppd lines above; this is a bug in dongle: please report it"),
        Some(n) => Finding::new("ppp_failed", format!("pppd exited with status {n}"), "see the pppd lines above; `dongle doctor`"),
    };
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pppd_log_gives_the_link() {
        let mut i = LinkInfo::default();
        let lines = [
            "Using interface ppp0",
            "Connect: ppp0 <--> /dev/ttyUSB0",
            "remote IP address 10.64.64.64",
            "primary   DNS address 194.154.192.1",
            "secondary DNS address 194.154.192.101",
        ];
        assert!(!i.take("Serial connection established."));
        for l in lines {
            assert!(i.take(l));
        }
        assert!(!i.is_up());
        assert!(i.take("local  IP address 10.50.3.7"));
        assert!(i.is_up());
        assert_eq!(i.interface.as_deref(), Some("ppp0"));
        assert_eq!(i.local.as_deref(), Some("10.50.3.7"));
        assert_eq!(i.remote.as_deref(), Some("10.64.64.64"));
        assert_eq!(i.dns, ["194.154.192.1", "194.154.192.101"]);
    }

    #[test]
    fn secrets_stay_off_the_command_line() {
        let mut c = PppConfig::new("1-1.4");
        c.user = Some(Credential::parse("user", "guest", false).unwrap());
        c.password = Some(Credential::parse("password", "s3cret", true).unwrap());
        let a = c.args(Some(std::path::Path::new("/tmp/x/secrets")));
        assert!(!a.iter().any(|s| s.contains("s3cret")));
        assert!(a.windows(2).any(|w| w == ["user", "guest"]));
        assert!(a.windows(2).any(|w| w == ["linkname", "1-1_4"]));
        assert!(!a.iter().any(|s| s == "persist"), "reconnecting is ours");
    }

    #[test]
    fn a_route_metric_goes_with_defaultroute_only() {
        let mut c = PppConfig::new("1-1.4");
        assert!(!c.args(None).iter().any(|s| s == "defaultroute-metric"));
        c.route_metric = Some(200);
        let a = c.args(None);
        let at = a.iter().position(|s| s == "defaultroute").unwrap();
        assert_eq!(a[at + 1..at + 3], ["defaultroute-metric", "200"]);
        c.default_route = false;
        assert!(!c.args(None).iter().any(|s| s.starts_with("defaultroute")));
    }

    #[test]
    fn exit_codes_explain_themselves() {
        assert_eq!(explain_exit(Some(5), &[]), None);
        assert_eq!(explain_exit(Some(16), &[]).unwrap().problem, "modem_hangup");
        assert_eq!(
            explain_exit(Some(19), &[]).unwrap().problem,
            "ppp_auth_failed"
        );
        let ipcp = vec![
            "Connect: ppp0 <--> /dev/ttyUSB0".to_string(),
            "IPCP: timeout sending Config-Requests".into(),
        ];
        assert_eq!(
            explain_exit(Some(10), &ipcp).unwrap().problem,
            "ppp_ipcp_rejected"
        );
        let lcp = vec!["LCP: timeout sending Config-Requests".to_string()];
        assert_eq!(
            explain_exit(Some(10), &lcp).unwrap().problem,
            "ppp_lcp_timeout"
        );
        assert_eq!(explain_exit(Some(4), &[]).unwrap().problem, "ppp_missing");
    }
}
