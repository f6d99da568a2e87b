//! The host side of a link that arrives as a network interface (Huawei NCM's `wwanN`, a HiLink
//! stick's CDC-Ethernet `ethN`/`usbN`): the system's DHCP client when there is one (dhclient,
//! udhcpc, dhcpcd; systemd-networkd left to itself when it manages the interface), else a static
//! address from what the modem reported, with iproute2's `ip`; never replaces a default route the
//! system already has; DNS handed to systemd-resolved or resolvconf, never written over an
//! unrelated `/etc/resolv.conf` (connect_and_hilink.md §6).

use crate::finding::Finding;
use dongle_at::parse::huawei::dhcp::Dhcp;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The system's DHCP clients, in the order they are preferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DhcpFlavour {
    Dhclient,
    Udhcpc,
    Dhcpcd,
}

impl DhcpFlavour {
    pub fn name(self) -> &'static str {
        match self {
            DhcpFlavour::Dhclient => "dhclient",
            DhcpFlavour::Udhcpc => "udhcpc",
            DhcpFlavour::Dhcpcd => "dhcpcd",
        }
    }

    /// The flavour a program is, by its file name (`fake-udhcpc` is udhcpc).
    pub fn of(program: &Path) -> Option<DhcpFlavour> {
        let name = program.file_name()?.to_string_lossy().to_string();
        [
            DhcpFlavour::Dhclient,
            DhcpFlavour::Udhcpc,
            DhcpFlavour::Dhcpcd,
        ]
        .into_iter()
        .find(|f| name.contains(f.name()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhcpClient {
    pub flavour: DhcpFlavour,
    pub program: PathBuf,
}

/// How the host side of the link is set up.
#[derive(Debug, Clone)]
pub struct HostConfig {
    pub iface: String,
    /// iproute2's `ip` (`$DONGLE_IP` overrides).
    pub ip: PathBuf,
    /// The DHCP client to run, if any (`$DONGLE_DHCP`: a program, or `none`).
    pub dhcp: Option<DhcpClient>,
    /// systemd-networkd manages the interface.
    pub networkd: bool,
    /// systemd-resolved runs.
    pub resolved: bool,
    /// Add a default route through the link when there is none.
    pub default_route: bool,
    /// Add the default route with this metric even when another default
    /// route exists: how several modems share a host (`route_metric`).
    pub route_metric: Option<u32>,
    /// Where DHCP client pid and lease files go.
    pub run_dir: PathBuf,
    /// How long to wait for a DHCP lease before falling back to `^DHCP`.
    pub dhcp_timeout: Duration,
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The DHCP client to use: `$DONGLE_DHCP` (`none`, or a program whose name
/// says which client it is), else the first of dhclient, udhcpc, dhcpcd.
pub fn detect_dhcp() -> Result<Option<DhcpClient>, Finding> {
    if let Some(v) = std::env::var_os("DONGLE_DHCP") {
        if v == "none" || v.is_empty() {
            return Ok(None);
        }
        let program = PathBuf::from(v);
        let flavour = DhcpFlavour::of(&program).ok_or_else(|| {
            Finding::new(
                "dhcp_client",
                format!(
                    "$DONGLE_DHCP={}: the name does not say which DHCP client it is",
                    program.display()
                ),
                "name it after dhclient, udhcpc or dhcpcd, or set DONGLE_DHCP=none",
            )
        })?;
        return Ok(Some(DhcpClient { flavour, program }));
    }
    Ok([
        DhcpFlavour::Dhclient,
        DhcpFlavour::Udhcpc,
        DhcpFlavour::Dhcpcd,
    ]
    .into_iter()
    .find_map(|f| {
        find_program(f.name()).map(|program| DhcpClient {
            flavour: f,
            program,
        })
    }))
}

/// Whether systemd-networkd manages `iface` (its state file for the link
/// says anything but `unmanaged`).
pub fn networkd_manages(iface: &str) -> bool {
    let Ok(idx) = std::fs::read_to_string(format!("/sys/class/net/{iface}/ifindex")) else {
        return false;
    };
    match std::fs::read_to_string(format!("/run/systemd/netif/links/{}", idx.trim())) {
        Ok(text) => text.lines().any(|l| {
            l.strip_prefix("ADMIN_STATE=")
                .is_some_and(|s| s != "unmanaged" && s != "linger")
        }),
        Err(_) => false,
    }
}

impl HostConfig {
    /// What this system has: `ip`, a DHCP client, networkd, resolved.
    pub fn detect(iface: &str, default_route: bool) -> Result<HostConfig, Finding> {
        Ok(HostConfig {
            iface: iface.to_string(),
            ip: std::env::var_os("DONGLE_IP")
                .map(PathBuf::from)
                .unwrap_or_else(|| "ip".into()),
            dhcp: detect_dhcp()?,
            networkd: networkd_manages(iface),
            resolved: Path::new("/run/systemd/resolve").is_dir(),
            default_route,
            route_metric: None,
            run_dir: crate::state::run_dir(),
            dhcp_timeout: Duration::from_secs(15),
        })
    }

    fn ip(&self, args: &[&str]) -> Result<String, Finding> {
        log::debug!("{} {}", self.ip.display(), args.join(" "));
        let out = Command::new(&self.ip)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| {
                Finding::new(
                    "ip_failed",
                    format!("cannot run {}: {e}", self.ip.display()),
                    "apt-get install iproute2",
                )
            })?;
        if !out.status.success() {
            let said = String::from_utf8_lossy(&out.stderr);
            return Err(Finding::new(
                "ip_failed",
                format!("`ip {}` failed: {}", args.join(" "), said.trim()),
                ip_failure_fix(&said, &self.iface),
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The interface's IPv4 addresses with prefix (`ip -4 -o addr show dev`).
    pub fn addresses(&self) -> Vec<(Ipv4Addr, u8)> {
        let Ok(out) = self.ip(&["-4", "-o", "addr", "show", "dev", &self.iface]) else {
            return Vec::new();
        };
        parse_addresses(&out)
    }

    /// IPv4 addresses of every other interface (`ip -4 -o addr show`): what a new
    /// link's subnet must not collide with (several HiLink sticks all hand out
    /// 192.168.8.0/24).
    pub fn other_addresses(&self) -> Vec<(String, Ipv4Addr, u8)> {
        let Ok(out) = self.ip(&["-4", "-o", "addr", "show"]) else {
            return Vec::new();
        };
        parse_named_addresses(&out)
            .into_iter()
            .filter(|(i, _, _)| *i != self.iface)
            .collect()
    }

    /// A host route to `addr` through this interface: while two interfaces
    /// share a subnet, it is the only way to reach this link's end of it.
    pub fn add_host_route(&self, addr: Ipv4Addr) -> Result<(), Finding> {
        let dst = format!("{addr}/32");
        self.ip(&["route", "replace", &dst, "dev", &self.iface])
            .map(|_| ())
    }

    /// Undo [`HostConfig::add_host_route`] (best effort: the interface may be gone).
    pub fn del_host_route(&self, addr: Ipv4Addr) {
        let dst = format!("{addr}/32");
        let _ = self.ip(&["route", "del", &dst, "dev", &self.iface]);
    }

    /// The default route, if the system has one (`ip -4 route show default`).
    pub fn default_route(&self) -> Option<String> {
        let out = self.ip(&["-4", "route", "show", "default"]).ok()?;
        let l = out.lines().map(str::trim).find(|l| !l.is_empty())?;
        Some(l.to_string())
    }

    /// The gateway of a default route through this interface, if any.
    pub fn gateway(&self) -> Option<Ipv4Addr> {
        let out = self
            .ip(&["-4", "route", "show", "default", "dev", &self.iface])
            .ok()?;
        let mut w = out.split_whitespace();
        while let Some(t) = w.next() {
            if t == "via" {
                return w.next()?.parse().ok();
            }
        }
        None
    }

    /// Set up the host side. `lease` is what `^DHCP?` said (the static
    /// fallback and the DNS report).
    pub fn configure(&self, lease: Option<&Dhcp>) -> Result<Configured, Finding> {
        let mut c = Configured {
            method: Method::Static,
            address: None,
            prefix: None,
            gateway: lease.map(|l| l.gateway),
            dns: lease
                .map(|l| {
                    [l.dns1, l.dns2]
                        .into_iter()
                        .filter(|d| !d.is_unspecified())
                        .collect()
                })
                .unwrap_or_default(),
            notes: Vec::new(),
            child: None,
            route_added: None,
        };
        self.ip(&["link", "set", "dev", &self.iface, "up"])?;
        if self.networkd {
            c.notes.push(format!(
                "systemd-networkd manages {0}: its addresses are left to it (networkctl status {0})",
                self.iface
            ));
            if let Some((a, p)) = self.wait_address(None) {
                c.method = Method::Networkd;
                c.address = Some(a);
                c.prefix = Some(p);
                c.gateway = self.gateway();
                c.dns.clear();
                return Ok(c);
            }
            c.notes.push(format!(
                "systemd-networkd gave {} no address within {} s: configured from ^DHCP instead",
                self.iface,
                self.dhcp_timeout.as_secs()
            ));
        }
        if let Some(client) = &self.dhcp {
            match self.run_dhcp(client) {
                Ok((child, a, p)) => {
                    c.method = Method::Dhcp(client.flavour);
                    c.child = Some(child);
                    c.address = Some(a);
                    c.prefix = Some(p);
                    // The lease's router and DNS are the client's business
                    // (its script); ^DHCP?'s would be a guess here.
                    c.gateway = self.gateway();
                    c.dns.clear();
                    c.notes.push(format!(
                        "address, route and DNS by {} (the system's DHCP client and its script)",
                        client.flavour.name()
                    ));
                    return Ok(c);
                }
                Err(why) => c.notes.push(format!(
                    "{} got no lease ({why}): configured from ^DHCP instead",
                    client.flavour.name()
                )),
            }
        }
        let Some(l) = lease else {
            return Err(Finding::new(
                "no_address",
                "the modem did not report an address (AT^DHCP?) and no DHCP client got one",
                "install a DHCP client (isc-dhcp-client, udhcpc or dhcpcd) and run `dongle up --via ncm` again",
            ));
        };
        let cidr = format!("{}/{}", l.address, l.prefix);
        let _ = self.ip(&["-4", "addr", "flush", "dev", &self.iface]);
        self.ip(&["addr", "add", &cidr, "dev", &self.iface])?;
        c.address = Some(l.address);
        c.prefix = Some(l.prefix);
        if !self.default_route {
            c.notes
                .push("no default route added (--no-default-route)".to_string());
        } else if l.gateway.is_unspecified() {
            c.notes
                .push("the modem gave no gateway: no default route added".to_string());
        } else if let Some(metric) = self.route_metric {
            let (gw, metric) = (l.gateway.to_string(), metric.to_string());
            self.ip(&[
                "route",
                "add",
                "default",
                "via",
                &gw,
                "dev",
                &self.iface,
                "metric",
                &metric,
            ])?;
            c.route_added = Some(l.gateway);
        } else if let Some(existing) = self.default_route() {
            c.notes.push(format!(
                "a default route exists ({existing}): not replaced; to use this link: ip route add default via {} dev {} metric 50",
                l.gateway, self.iface
            ));
        } else {
            let gw = l.gateway.to_string();
            self.ip(&["route", "add", "default", "via", &gw, "dev", &self.iface])?;
            c.route_added = Some(l.gateway);
        }
        Ok(c)
    }

    fn wait_address(&self, child: Option<&mut Child>) -> Option<(Ipv4Addr, u8)> {
        let deadline = Instant::now() + self.dhcp_timeout;
        let mut child = child;
        loop {
            if let Some(a) = self.addresses().into_iter().next() {
                return Some(a);
            }
            if let Some(c) = child.as_deref_mut() {
                if let Ok(Some(_)) = c.try_wait() {
                    return None;
                }
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn files(&self, client: &DhcpClient) -> (PathBuf, PathBuf) {
        let base = format!("{}-{}", client.flavour.name(), self.iface);
        (
            self.run_dir.join(format!("{base}.pid")),
            self.run_dir.join(format!("{base}.leases")),
        )
    }

    /// Start the DHCP client in the foreground (our child) and wait for an address.
    fn run_dhcp(&self, client: &DhcpClient) -> Result<(Child, Ipv4Addr, u8), String> {
        let _ = std::fs::create_dir_all(&self.run_dir);
        let _ = self.ip(&["-4", "addr", "flush", "dev", &self.iface]);
        let (pid, leases) = self.files(client);
        let mut cmd = Command::new(&client.program);
        match client.flavour {
            DhcpFlavour::Dhclient => {
                cmd.args(["-4", "-d", "-v", "-pf"])
                    .arg(&pid)
                    .arg("-lf")
                    .arg(&leases)
                    .arg(&self.iface);
            }
            DhcpFlavour::Udhcpc => {
                // -f foreground, -R release on exit, -n fail without a lease.
                cmd.args([
                    "-f",
                    "-R",
                    "-n",
                    "-t",
                    "5",
                    "-T",
                    "2",
                    "-i",
                    &self.iface,
                    "-p",
                ])
                .arg(&pid);
            }
            DhcpFlavour::Dhcpcd => {
                let t = self.dhcp_timeout.as_secs().to_string();
                cmd.args(["-4", "-B", "-t", &t, &self.iface]);
            }
        }
        log::info!("starting {:?}", cmd);
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", client.program.display()))?;
        match self.wait_address(Some(&mut child)) {
            Some((a, p)) => Ok((child, a, p)),
            None => {
                let why = match child.try_wait() {
                    Ok(Some(st)) => format!("it exited ({st})"),
                    _ => format!("none within {} s", self.dhcp_timeout.as_secs()),
                };
                stop_child(&mut child);
                Err(why)
            }
        }
    }

    /// Undo [`HostConfig::configure`]: release the DHCP lease and stop the
    /// client, remove the route and addresses, take the interface down.
    pub fn teardown(&self, c: &mut Configured) {
        if let Some(mut child) = c.child.take() {
            if let Method::Dhcp(f) = c.method {
                let client = DhcpClient {
                    flavour: f,
                    program: self
                        .dhcp
                        .as_ref()
                        .map(|d| d.program.clone())
                        .unwrap_or_else(|| f.name().into()),
                };
                let (pid, leases) = self.files(&client);
                match f {
                    DhcpFlavour::Dhclient => {
                        let _ = Command::new(&client.program)
                            .args(["-4", "-r", "-pf"])
                            .arg(&pid)
                            .arg("-lf")
                            .arg(&leases)
                            .arg(&self.iface)
                            .stdin(Stdio::null())
                            .stdout(Stdio::null())
                            .stderr(Stdio::null())
                            .status();
                    }
                    DhcpFlavour::Dhcpcd => {
                        let _ = Command::new(&client.program)
                            .args(["-4", "-k", &self.iface])
                            .stdin(Stdio::null())
                            .stdout(Stdio::null())
                            .stderr(Stdio::null())
                            .status();
                    }
                    // -R: SIGTERM makes udhcpc release the lease.
                    DhcpFlavour::Udhcpc => {}
                }
            }
            stop_child(&mut child);
        }
        if c.method == Method::Networkd {
            return;
        }
        if let Some(gw) = c.route_added.take() {
            let gw = gw.to_string();
            let _ = self.ip(&["route", "del", "default", "via", &gw, "dev", &self.iface]);
        }
        let _ = self.ip(&["-4", "addr", "flush", "dev", &self.iface]);
        let _ = self.ip(&["link", "set", "dev", &self.iface, "down"]);
    }

    /// How DNS is set up, in one line for the user.
    pub fn dns_note(&self, c: &Configured) -> Option<String> {
        if c.dns.is_empty() || matches!(c.method, Method::Dhcp(_) | Method::Networkd) {
            return None;
        }
        let list: Vec<String> = c.dns.iter().map(Ipv4Addr::to_string).collect();
        Some(if self.resolved {
            format!(
                "DNS not written to /etc/resolv.conf; for systemd-resolved: resolvectl dns {} {}",
                self.iface,
                list.join(" ")
            )
        } else {
            format!(
                "DNS not written to /etc/resolv.conf; add `nameserver {}` there (or to your resolver) if you want them",
                list.join("`, `nameserver ")
            )
        })
    }
}

/// TERM, then KILL after 3 s.
fn stop_child(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// `inet A/P` entries of `ip -4 -o addr show` output.
pub fn parse_addresses(out: &str) -> Vec<(Ipv4Addr, u8)> {
    let mut v = Vec::new();
    for l in out.lines() {
        let mut w = l.split_whitespace();
        while let Some(t) = w.next() {
            if t == "inet" {
                if let Some((a, p)) = w.next().and_then(|c| c.split_once('/')) {
                    if let (Ok(a), Ok(p)) = (a.parse(), p.parse()) {
                        v.push((a, p));
                    }
                }
            }
        }
    }
    v
}

/// `(interface, address, prefix)` from `ip -4 -o addr show` output
/// (`2: eth0    inet 192.168.8.100/24 brd … scope global eth0`).
pub fn parse_named_addresses(out: &str) -> Vec<(String, Ipv4Addr, u8)> {
    out.lines()
        .filter_map(|l| {
            let name = l.split_whitespace().nth(1)?;
            // `eth0@if5` for veth pairs: the name is before the `@`.
            let name = name.split('@').next()?.trim_end_matches(':');
            let (a, p) = *parse_addresses(l).first()?;
            Some((name.to_string(), a, p))
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Dhcp(DhcpFlavour),
    Static,
    Networkd,
}

impl Method {
    pub fn describe(self) -> String {
        match self {
            Method::Dhcp(f) => format!("DHCP ({})", f.name()),
            Method::Static => "static from ^DHCP".into(),
            Method::Networkd => "systemd-networkd".into(),
        }
    }
}

/// The host side as set up.
#[derive(Debug)]
pub struct Configured {
    pub method: Method,
    pub address: Option<Ipv4Addr>,
    pub prefix: Option<u8>,
    pub gateway: Option<Ipv4Addr>,
    pub dns: Vec<Ipv4Addr>,
    /// What the user should know (existing default route kept, DHCP fallback…).
    pub notes: Vec<String>,
    child: Option<Child>,
    route_added: Option<Ipv4Addr>,
}

impl Configured {
    /// The DHCP client we started has exited (the lease is no longer kept).
    pub fn client_exited(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(Some(_))))
    }

    /// `A/P`, when known.
    pub fn cidr(&self) -> Option<String> {
        Some(format!("{}/{}", self.address?, self.prefix?))
    }
}

/// What to do about a failed `ip` call, from iproute2's own message: being
/// refused and finding no interface are different problems with different
/// fixes (telling root to become root helps nobody).
fn ip_failure_fix(said: &str, iface: &str) -> String {
    if said.contains("Operation not permitted") || said.contains("Permission denied") {
        "dongle up needs root (or CAP_NET_ADMIN) to configure the interface: run it with sudo, or \
         as the systemd unit `dongle install --systemd` writes"
            .to_string()
    } else if said.contains("Cannot find device") || said.contains("does not exist") {
        format!(
            "the stick's network interface {iface} is gone: it was unplugged or reset, or its \
             network driver (cdc_ncm, huawei_cdc_ncm, cdc_ether) is not bound; `dongle list` \
             shows what the kernel has, `dongle doctor --live` says why"
        )
    } else {
        format!(
            "see iproute2's message above; `dongle doctor --live` checks {iface} and its driver"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_failures_are_told_apart_by_iproute2s_message() {
        let gone = ip_failure_fix("Cannot find device \"wwan0\"\n", "wwan0");
        assert!(gone.contains("wwan0 is gone"), "{gone}");
        assert!(!gone.contains("root"), "{gone}");
        let gone = ip_failure_fix("Device \"wwan0\" does not exist.\n", "wwan0");
        assert!(gone.contains("is gone"), "{gone}");
        let refused = ip_failure_fix("RTNETLINK answers: Operation not permitted\n", "wwan0");
        assert!(refused.contains("CAP_NET_ADMIN"), "{refused}");
        let other = ip_failure_fix("Error: Nexthop has invalid gateway.\n", "wwan0");
        assert!(
            !other.contains("root") && !other.contains("gone"),
            "{other}"
        );
    }

    #[test]
    fn named_addresses_from_ip_output() {
        // iproute2 6.1 `ip -4 -o addr show` (guest of the test bed, one HiLink stick, one veth).
        let out = "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
3: eth0    inet 192.168.8.100/24 brd 192.168.8.255 scope global eth0\\       valid_lft forever preferred_lft forever
5: veth1@if4    inet 10.0.0.2/30 scope global veth1\\       valid_lft forever preferred_lft forever
";
        assert_eq!(
            parse_named_addresses(out),
            vec![
                ("lo".to_string(), Ipv4Addr::new(127, 0, 0, 1), 8),
                ("eth0".to_string(), Ipv4Addr::new(192, 168, 8, 100), 24),
                ("veth1".to_string(), Ipv4Addr::new(10, 0, 0, 2), 30),
            ]
        );
        assert!(parse_named_addresses("").is_empty());
    }

    #[test]
    fn addresses_from_ip_output() {
        let out = "4: wwan0    inet 100.92.236.163/29 scope global wwan0\\       valid_lft forever preferred_lft forever\n";
        assert_eq!(
            parse_addresses(out),
            [(Ipv4Addr::new(100, 92, 236, 163), 29)]
        );
        assert!(parse_addresses("").is_empty());
    }

    #[test]
    fn dns_is_reported_never_written() {
        let mut h = HostConfig {
            iface: "wwan0".into(),
            ip: "ip".into(),
            dhcp: None,
            networkd: false,
            resolved: true,
            default_route: true,
            route_metric: None,
            run_dir: "/nonexistent".into(),
            dhcp_timeout: Duration::from_secs(1),
        };
        let c = Configured {
            method: Method::Static,
            address: Some(Ipv4Addr::new(100, 92, 236, 163)),
            prefix: Some(29),
            gateway: None,
            dns: vec![
                Ipv4Addr::new(10, 177, 0, 34),
                Ipv4Addr::new(10, 168, 187, 116),
            ],
            notes: Vec::new(),
            child: None,
            route_added: None,
        };
        assert_eq!(c.cidr().as_deref(), Some("100.92.236.163/29"));
        let n = h.dns_note(&c).unwrap();
        assert!(
            n.contains("resolvectl dns wwan0 10.177.0.34 10.168.187.116"),
            "{n}"
        );
        h.resolved = false;
        let n = h.dns_note(&c).unwrap();
        assert!(n.contains("not written to /etc/resolv.conf") && !n.contains("resolvectl"));
    }

    #[test]
    fn flavour_by_name() {
        assert_eq!(
            DhcpFlavour::of(Path::new("/tmp/x/fake-udhcpc")),
            Some(DhcpFlavour::Udhcpc)
        );
        assert_eq!(
            DhcpFlavour::of(Path::new("/sbin/dhclient")),
            Some(DhcpFlavour::Dhclient)
        );
        assert_eq!(DhcpFlavour::of(Path::new("/bin/true")), None);
    }
}
