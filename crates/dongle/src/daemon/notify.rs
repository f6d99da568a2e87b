//! systemd's readiness protocol (sd_notify(3)): datagrams like `READY=1` to
//! the socket named in `$NOTIFY_SOCKET`, a path or, with a leading `@`, an
//! abstract name. Without the variable (not under systemd) every call is a
//! no-op, so the daemon runs the same by hand, under OpenWrt's procd or in a
//! container.

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::time::Duration;

pub struct Notifier {
    target: Option<(UnixDatagram, SocketAddr)>,
    /// `$WATCHDOG_USEC`: systemd restarts us when no `WATCHDOG=1` arrives in time.
    pub watchdog: Option<Duration>,
}

impl Notifier {
    pub fn from_env() -> Notifier {
        let target = std::env::var("NOTIFY_SOCKET").ok().and_then(|s| {
            let addr = match s.strip_prefix('@') {
                Some(name) => SocketAddr::from_abstract_name(name.as_bytes()).ok()?,
                None => SocketAddr::from_pathname(&s).ok()?,
            };
            Some((UnixDatagram::unbound().ok()?, addr))
        });
        // The watchdog is meant for this process only (WATCHDOG_PID, when set).
        let ours = std::env::var("WATCHDOG_PID")
            .ok()
            .is_none_or(|p| p.trim() == std::process::id().to_string());
        let watchdog = std::env::var("WATCHDOG_USEC")
            .ok()
            .and_then(|u| u.trim().parse::<u64>().ok())
            .filter(|&u| u > 0 && ours)
            .map(Duration::from_micros);
        Notifier { target, watchdog }
    }

    pub fn send(&self, state: &str) {
        if let Some((sock, addr)) = &self.target {
            if let Err(e) = sock.send_to_addr(state.as_bytes(), addr) {
                log::debug!("sd_notify {state:?}: {e}");
            }
        }
    }

    /// How often to send `WATCHDOG=1`: half the deadline, as sd_watchdog_enabled(3) advises.
    pub fn ping_every(&self) -> Option<Duration> {
        self.watchdog.map(|w| w / 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_to_a_path_socket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let rx = UnixDatagram::bind(&path).unwrap();
        rx.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let n = Notifier {
            target: Some((
                UnixDatagram::unbound().unwrap(),
                SocketAddr::from_pathname(&path).unwrap(),
            )),
            watchdog: None,
        };
        n.send("READY=1\nSTATUS=2 modems, 1 online");
        let mut buf = [0u8; 128];
        let len = rx.recv(&mut buf).unwrap();
        assert_eq!(&buf[..len], b"READY=1\nSTATUS=2 modems, 1 online");
    }

    #[test]
    fn watchdog_pings_at_half_the_deadline() {
        let n = Notifier {
            target: None,
            watchdog: Some(Duration::from_secs(30)),
        };
        assert_eq!(n.ping_every(), Some(Duration::from_secs(15)));
        // No socket: sending is a no-op, not an error.
        n.send("WATCHDOG=1");
    }
}
