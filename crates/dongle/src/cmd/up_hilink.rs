//! `dongle up --via hilink`: a HiLink stick is a router behind a CDC-Ethernet
//! (or RNDIS) interface. "Online" means: the host has an address on that
//! interface from the stick's DHCP server (the system's DHCP client, as for
//! NCM: [`dongle_connect::host::HostConfig`]), the stick's mobile data switch
//! is on and `monitoring/status` says 901 (connected). We bring up both, watch
//! them, and bring them up again when the stick drops.
//!
//! Several HiLink sticks on one host all hand out 192.168.8.0/24 from
//! 192.168.8.1: when the lease collides with another interface's subnet, the
//! stick is moved to the first free 192.168.N.0/24 (N from 8) through
//! `dhcp/settings` and DHCP runs again.
//!
//! Without a network interface (a URL was given, `--sim e3372-hilink`, or no
//! HiLink stick is plugged in) only the API part runs, at the given or default
//! URL. `DONGLE_HILINK_IFACE` names the interface when the USB view cannot
//! find it (and lets tests use a stand-in).

use crate::cli::UpArgs;
use crate::cmd::hilink::{client_for, failure};
use crate::cmd::unlock::finding_failure;
use crate::cmd::up_steps::{connecting, now, wait_to_retry, RADIO_EVERY};
use crate::context::Context;
use crate::failure::Failure;
use dongle_connect::backoff::Backoff;
use dongle_connect::host::{Configured, HostConfig};
use dongle_connect::state::{LinkState, Radio};
use dongle_connect::Finding;
use dongle_hilink::{connect, disconnect, link_status, Client, LinkInfo};
use dongle_usb::UsbDevice;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often a running link is checked.
const WATCH: Duration = Duration::from_secs(5);
/// Huawei's vendor ID: HiLink firmware is theirs.
const HUAWEI: u16 = 0x12d1;

/// The network interface of a HiLink stick: CDC-Ethernet (02/06, `cdc_ether`)
/// or RNDIS (e0/01/03 or ef/04/01, `rndis_host`), with a net device.
pub fn hilink_netif(dev: &UsbDevice) -> Option<String> {
    if dev.vid != HUAWEI {
        return None;
    }
    dev.interfaces
        .iter()
        .filter(|i| !i.net.is_empty())
        .find(|i| {
            matches!(i.driver.as_deref(), Some("cdc_ether" | "rndis_host"))
                || (i.class, i.subclass) == (0x02, 0x06)
                || (i.class, i.subclass, i.protocol) == (0xe0, 0x01, 0x03)
                || (i.class, i.subclass, i.protocol) == (0xef, 0x04, 0x01)
        })
        .and_then(|i| i.net.first().cloned())
}

/// The HiLink stick `dongle up` would use (the device named, else the first
/// one plugged in) and its interface.
pub fn find_stick(ctx: &Context, a: &UpArgs) -> Option<(UsbDevice, String)> {
    if a.select.port.is_some() {
        return None;
    }
    let devices = match a.select.device.as_deref() {
        Some(spec) if dongle_hilink::is_url(spec) => return None,
        Some(spec) => vec![ctx.sysfs.find(spec).ok()?],
        None => ctx.sysfs.devices().ok()?,
    };
    devices
        .into_iter()
        .find_map(|d| hilink_netif(&d).map(|n| (d, n)))
}

/// Whether `dongle up` without `--via` should take the HiLink way: the
/// device named is a HiLink stick, or none was named, no serial modem is
/// plugged in and a HiLink stick is.
pub fn is_default(ctx: &Context, a: &UpArgs) -> bool {
    match crate::cmd::up_ncm::chosen_device(ctx, a) {
        Some(d) => hilink_netif(&d).is_some(),
        None => find_stick(ctx, a).is_some(),
    }
}

/// The plugged-in stick's USB path (unless the user pointed at the API
/// directly: URL or `--sim`) and the interface to run DHCP on:
/// `$DONGLE_HILINK_IFACE`, else the stick's.
fn stick_and_interface(
    ctx: &Context,
    a: &UpArgs,
    url: Option<&str>,
) -> (Option<String>, Option<String>) {
    let stick = if url.is_some() {
        None
    } else {
        find_stick(ctx, a)
    };
    let iface = std::env::var("DONGLE_HILINK_IFACE")
        .ok()
        .filter(|i| !i.is_empty())
        .or_else(|| stick.as_ref().map(|(_, n)| n.clone()));
    (stick.map(|(d, _)| d.path), iface)
}

/// The first 192.168.N.0/24, N from 8 (the sticks' own choice) up, that
/// overlaps none of `used` (address, prefix).
pub fn free_subnet(used: &[(Ipv4Addr, u8)]) -> Option<u8> {
    (8..=254u8).find(|&n| {
        let net = (Ipv4Addr::new(192, 168, n, 0), 24);
        !used.iter().any(|&u| overlaps(net, u))
    })
}

/// The netmask of a prefix length, as a number.
fn mask(prefix: u8) -> u32 {
    match prefix.min(32) {
        0 => 0,
        p => u32::MAX << (32 - p),
    }
}

/// Whether two networks given as (address, prefix) share addresses.
pub fn overlaps(a: (Ipv4Addr, u8), b: (Ipv4Addr, u8)) -> bool {
    let m = mask(a.1.min(b.1));
    u32::from(a.0) & m == u32::from(b.0) & m
}

/// The stick's own LAN address: the lease's gateway when it is in the
/// subnet, else the subnet's first address (HiLink sticks are always `.1`).
fn stick_address(c: &Configured) -> Option<Ipv4Addr> {
    let (addr, prefix) = (c.address?, c.prefix?);
    match c.gateway {
        Some(g) if overlaps((g, 32), (addr, prefix)) => Some(g),
        _ => Some(Ipv4Addr::from((u32::from(addr) & mask(prefix)) + 1)),
    }
}

/// The host side: the interface, how it is configured, and where the API is.
struct Lan {
    host: HostConfig,
    configured: Configured,
    stick: Ipv4Addr,
    /// Set when the stick was moved to this subnet.
    moved_to: Option<u8>,
}

/// DHCP on the stick's interface; on a subnet collision, move the stick and
/// run DHCP again.
fn lan_up(ctx: &Context, host: &HostConfig, api_url: Option<&str>) -> Result<Lan, Finding> {
    if host.dhcp.is_none() && !host.networkd {
        return Err(Finding::new(
            "dhcp_client",
            format!(
                "no DHCP client for {}: a HiLink stick hands out its addresses by DHCP",
                host.iface
            ),
            "install one (isc-dhcp-client, udhcpc or dhcpcd), or set DONGLE_DHCP to it",
        ));
    }
    let mut configured = configure(host)?;
    let Some(addr) = configured.address.zip(configured.prefix) else {
        return Err(no_lease(host));
    };
    let others = host.other_addresses();
    let Some((clash, _, _)) = others
        .iter()
        .find(|(_, a, p)| overlaps(addr, (*a, *p)))
        .cloned()
    else {
        let stick = stick_address(&configured).ok_or_else(|| no_lease(host))?;
        return Ok(Lan {
            host: host.clone(),
            configured,
            stick,
            moved_to: None,
        });
    };
    let used: Vec<(Ipv4Addr, u8)> = others.iter().map(|(_, a, p)| (*a, *p)).collect();
    let n = free_subnet(&used).ok_or_else(|| {
        Finding::new(
            "hilink_subnet",
            "every 192.168.N.0/24 is in use on this host: no subnet left for the stick",
            "free one, or move the stick by hand: dongle hilink subnet N URL",
        )
    })?;
    let stick = stick_address(&configured).ok_or_else(|| no_lease(host))?;
    let net = Ipv4Addr::from(u32::from(addr.0) & mask(addr.1));
    if !ctx.global.quiet {
        eprintln!(
            "dongle: {}'s subnet {net}/{} is also {clash}'s: moving the stick to 192.168.{n}.0/24",
            host.iface, addr.1
        );
    }
    // Both interfaces have a route to the stick's address: a host route
    // through ours makes the request reach our stick.
    host.add_host_route(stick)?;
    let moved = move_stick(ctx, api_url, stick, n);
    host.del_host_route(stick);
    moved?;
    host.teardown(&mut configured);
    // The stick applies the new settings after its reply (and may restart
    // its DHCP server): a few rounds until the lease is in the new subnet.
    let want = (Ipv4Addr::new(192, 168, n, 0), 24);
    let mut last = None;
    for _ in 0..3 {
        let mut c = configure(host)?;
        match c.address.zip(c.prefix) {
            Some(a) if overlaps(a, want) => {
                let stick = stick_address(&c).ok_or_else(|| no_lease(host))?;
                return Ok(Lan {
                    host: host.clone(),
                    configured: c,
                    stick,
                    moved_to: Some(n),
                });
            }
            other => {
                last = other;
                host.teardown(&mut c);
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
    Err(Finding::new(
        "hilink_subnet",
        format!(
            "the stick was moved to 192.168.{n}.0/24 but {} still gets {}",
            host.iface,
            last.map(|(a, p)| format!("{a}/{p}"))
                .unwrap_or_else(|| "no lease".into())
        ),
        "replug the stick (some firmware applies dhcp/settings only after a restart), then dongle up again",
    ))
}

fn configure(host: &HostConfig) -> Result<Configured, Finding> {
    host.configure(None).map_err(|f| {
        if f.problem == "no_address" {
            no_lease(host)
        } else {
            f
        }
    })
}

fn no_lease(host: &HostConfig) -> Finding {
    let carrier = std::fs::read_to_string(format!("/sys/class/net/{}/carrier", host.iface)).ok();
    lease_finding(&host.iface, carrier.as_deref())
}

/// Why there is no lease. `carrier` is sysfs's `carrier` file ("0"/"1"; absent
/// while the interface is down): without a carrier no DHCP answer can come,
/// and the cause is the stick or the USB link, not DHCP.
fn lease_finding(iface: &str, carrier: Option<&str>) -> Finding {
    if carrier.map(str::trim) == Some("0") {
        return Finding::new(
            "no_address",
            format!(
                "{iface} has no link (no carrier): the stick has not brought its network side up"
            ),
            "wait for the stick to finish starting, or replug it; then dongle up again",
        );
    }
    Finding::new(
        "no_address",
        format!("{iface} got no address from the stick's DHCP server"),
        "check that the stick is in HiLink mode (dongle list), replug it, then dongle up again",
    )
}

/// `dhcp/settings` on the stick: its LAN moves to 192.168.N.0/24.
fn move_stick(ctx: &Context, api_url: Option<&str>, stick: Ipv4Addr, n: u8) -> Result<(), Finding> {
    let url = api_url
        .map(String::from)
        .unwrap_or_else(|| format!("http://{stick}"));
    let client = client_for(ctx, Some(&url))
        .map_err(|f| Finding::new("hilink_subnet", f.message, "dongle hilink status URL"))?;
    let api = |e| {
        Finding::new(
            "hilink_subnet",
            format!("cannot move the stick at {url}: {}", failure(e).message),
            "move it by hand: dongle hilink subnet N URL",
        )
    };
    let next = client
        .dhcp_settings()
        .map_err(api)?
        .with_subnet(n)
        .map_err(|e| Finding::new("hilink_subnet", e, "dongle hilink subnet N URL"))?;
    match client.set_dhcp_settings(&next) {
        Ok(()) => Ok(()),
        // The stick may switch addresses before its reply reaches us.
        Err(e) if e.is_transport() => Ok(()),
        Err(e) => Err(api(e)),
    }
}

pub fn run(ctx: &Context, a: &UpArgs, url: Option<&str>, stop: &AtomicBool) -> Result<(), Failure> {
    let (usb_path, iface) = stick_and_interface(ctx, a, url);
    let host = match &iface {
        Some(i) => Some(HostConfig::detect(i, !a.no_default_route).map_err(finding_failure)?),
        None => None,
    };
    // With an interface, the API is at the stick's address on it; a URL
    // (or the simulator) wins.
    let api_url = url.map(String::from).or_else(|| ctx.sim_hilink_url());
    // A stick found on the bus is known by its USB path, as NCM and PPP links
    // are: the daemon (and `dongle down 1-1.4`) find its link by it.
    let port = api_url
        .clone()
        .or_else(|| iface.clone())
        .unwrap_or_else(|| dongle_hilink::DEFAULT_URL.to_string());
    let device = usb_path.unwrap_or_else(|| port.clone());
    let mut state = connecting(device, port, "hilink", 0);
    state.interface = iface.clone();
    let mut backoff = Backoff::default();
    let mut lan: Option<Lan> = None;
    let mut identity = Identity::default();
    loop {
        let _ = state.save();
        let started = Instant::now();
        let finding = match attempt(ctx, host.as_ref(), api_url.as_deref(), &mut lan) {
            Ok((client, link)) => {
                state.state = "up".into();
                state.port = client.url().to_string();
                match &lan {
                    Some(l) => {
                        state.local = l.configured.address.map(|a| a.to_string());
                        state.remote = Some(l.stick.to_string());
                    }
                    None => state.local = link.wan_ip.clone(),
                }
                state.dns = link.dns.clone();
                state.problem = None;
                state.since = now();
                state.radio = radio(&client, &mut identity);
                let _ = state.save();
                announce(ctx, &state, &client, &link, lan.as_ref(), started.elapsed());
                backoff.reset();
                let mut up = Up {
                    client: &client,
                    state: &mut state,
                    identity: &mut identity,
                };
                match watch(&mut up, lan.as_mut(), stop) {
                    None => {
                        let _ = disconnect(&client, Duration::from_secs(20));
                        if let Some(mut l) = lan.take() {
                            l.host.teardown(&mut l.configured);
                        }
                        state.remove();
                        if !ctx.global.quiet {
                            eprintln!("dongle: link down (stopped)");
                        }
                        return Ok(());
                    }
                    Some(f) => f,
                }
            }
            Err(f) => f,
        };
        if lan
            .as_mut()
            .is_some_and(|l| l.configured.client_exited() || gone(&l.host))
        {
            if let Some(mut l) = lan.take() {
                l.host.teardown(&mut l.configured);
            }
        }
        if a.once || stop.load(Ordering::SeqCst) {
            if let Some(mut l) = lan.take() {
                l.host.teardown(&mut l.configured);
            }
            state.remove();
            return Err(finding_failure(finding));
        }
        state.state = "waiting".into();
        state.problem = Some(finding.problem.to_string());
        state.reconnects += 1;
        let _ = state.save();
        if !wait_to_retry(&finding, &mut backoff, stop) {
            if let Some(mut l) = lan.take() {
                l.host.teardown(&mut l.configured);
            }
            state.remove();
            return Ok(());
        }
    }
}

/// The interface has gone (stick unplugged or re-enumerated).
fn gone(host: &HostConfig) -> bool {
    std::env::var_os("DONGLE_HILINK_IFACE").is_none()
        && !std::path::Path::new("/sys/class/net")
            .join(&host.iface)
            .exists()
}

/// Address on the interface (once; kept across API reconnects), then the data switch.
fn attempt(
    ctx: &Context,
    host: Option<&HostConfig>,
    api_url: Option<&str>,
    lan: &mut Option<Lan>,
) -> Result<(Client, LinkInfo), Finding> {
    if let (Some(h), None) = (host, lan.as_ref()) {
        *lan = Some(lan_up(ctx, h, api_url)?);
    }
    let url = api_url
        .map(String::from)
        .or_else(|| lan.as_ref().map(|l| format!("http://{}", l.stick)));
    let client = client_for(ctx, url.as_deref())
        .map_err(|f| no_connection(&f.message, "dongle hilink status URL"))?;
    connect(&client, Duration::from_secs(60))
        .map_err(|e| no_connection(&e.to_string(), "dongle hilink status; dongle doctor"))
        .map(|l| (client, l))
}

/// A `hilink_no_connection` finding from an error text. The HiLink client's
/// errors end in their own `fix: …` line: it becomes the finding's fix, so
/// the retry message stays one line with one fix.
fn no_connection(error: &str, fallback_fix: &str) -> Finding {
    match error.split_once("\nfix: ") {
        Some((what, fix)) => Finding::new(
            "hilink_no_connection",
            what.trim_end().replace('\n', "; "),
            fix.trim_end().replace('\n', "; "),
        ),
        None => Finding::new(
            "hilink_no_connection",
            error.trim_end().replace('\n', "; "),
            fallback_fix,
        ),
    }
}

fn announce(
    ctx: &Context,
    state: &LinkState,
    client: &Client,
    link: &LinkInfo,
    lan: Option<&Lan>,
    took: Duration,
) {
    if ctx.global.json {
        crate::output::json(state);
    } else if !ctx.global.quiet {
        let wan = link.wan_ip.as_deref().unwrap_or("?");
        match lan {
            Some(l) => {
                println!(
                    "Online: HiLink {} on {} {} ({}; WAN address {wan}) in {:.1} s",
                    client.url(),
                    l.host.iface,
                    l.configured.cidr().unwrap_or_else(|| "?".into()),
                    l.configured.method.describe(),
                    took.as_secs_f64()
                );
                if let Some(n) = l.moved_to {
                    println!(
                        "The stick now uses 192.168.{n}.0/24 (its default subnet was taken on this host)."
                    );
                }
                for n in &l.configured.notes {
                    println!("note: {n}");
                }
            }
            None => println!(
                "Online: HiLink {} (WAN address {wan}) in {:.1} s",
                client.url(),
                took.as_secs_f64()
            ),
        }
        println!("Stays up until Ctrl-C or `dongle down`; reconnects by itself.");
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
}

/// Model and IMEI (`device/information`): they do not change, so they are
/// read once, but only after the stick answered (some firmware wants a
/// login for them: then they stay unknown).
#[derive(Default)]
struct Identity {
    read: bool,
    model: Option<String>,
    imei: Option<String>,
}

/// Operator, technology and signal for `status` and metrics, as NCM and PPP
/// links have them. A stick that does not answer gives `None`; the link
/// does not care.
fn radio(client: &Client, id: &mut Identity) -> Option<Radio> {
    let r = dongle_hilink::radio(client).ok()?;
    if !id.read {
        id.read = true;
        if let Ok(d) = client.device_information() {
            (id.model, id.imei) = (d.device_name, d.imei);
        }
    }
    Some(Radio {
        model: id.model.clone(),
        imei: id.imei.clone(),
        operator: r.operator,
        technology: r.technology,
        registration: Some(r.registration),
        quality_percent: r.quality_percent,
        rssi_dbm: r.rssi_dbm,
        rsrp_dbm: r.rsrp_dbm,
        rsrq_db: r.rsrq_db,
        sinr_db: r.sinr_db,
        at: now().unwrap_or(0),
    })
}

/// A connected stick and its link's state file.
struct Up<'a> {
    client: &'a Client,
    state: &'a mut LinkState,
    identity: &'a mut Identity,
}

/// Watch a connected stick; its radio is read again every [`RADIO_EVERY`].
/// `None` when asked to stop, else why it dropped.
fn watch(up: &mut Up, mut lan: Option<&mut Lan>, stop: &AtomicBool) -> Option<Finding> {
    let client = up.client;
    let mut next_radio = Instant::now() + RADIO_EVERY;
    loop {
        let next = Instant::now() + WATCH;
        while Instant::now() < next {
            if stop.load(Ordering::SeqCst) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if let Some(l) = lan.as_deref_mut() {
            if l.configured.client_exited() {
                return Some(Finding::new(
                    "hilink_no_connection",
                    format!(
                        "the DHCP client on {} exited: the lease is gone",
                        l.host.iface
                    ),
                    "dongle up starts it again by itself",
                ));
            }
            if gone(&l.host) {
                return Some(Finding::new(
                    "hilink_no_connection",
                    format!(
                        "{} disappeared (stick unplugged or restarted)",
                        l.host.iface
                    ),
                    "check that the stick is still plugged in",
                ));
            }
        }
        match link_status(client) {
            Ok(l) if l.connected() => {
                if Instant::now() >= next_radio {
                    next_radio = Instant::now() + RADIO_EVERY;
                    if let Some(r) = radio(client, up.identity) {
                        up.state.radio = Some(r);
                        let _ = up.state.save();
                    }
                }
            }
            Ok(l) => {
                return Some(Finding::new(
                    "hilink_no_connection",
                    format!(
                        "the stick dropped the connection: {} ({})",
                        l.status, l.status_code
                    ),
                    "dongle up turns the data switch on again by itself",
                ))
            }
            Err(e) => {
                return Some(no_connection(
                    &e.to_string(),
                    "check that the stick is still plugged in",
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn a_client_error_is_one_line_with_its_own_fix() {
        let f = no_connection(
            "http://127.0.0.1:8/api/monitoring/status did not answer within 5s\nfix: check that the stick is plugged in",
            "fallback",
        );
        assert_eq!(
            f.summary,
            "http://127.0.0.1:8/api/monitoring/status did not answer within 5s"
        );
        assert_eq!(f.fix, "check that the stick is plugged in");
        let f = no_connection("no route to host", "fallback");
        assert_eq!(
            (f.summary.as_str(), f.fix.as_str()),
            ("no route to host", "fallback")
        );
    }

    #[test]
    fn no_lease_without_carrier_blames_the_link() {
        let f = lease_finding("eth0", Some("0\n"));
        assert!(
            f.summary.contains("eth0 has no link (no carrier)"),
            "{}",
            f.summary
        );
        let f = lease_finding("eth0", Some("1\n"));
        assert!(f
            .summary
            .contains("no address from the stick's DHCP server"));
        let f = lease_finding("eth0", None);
        assert!(f
            .summary
            .contains("no address from the stick's DHCP server"));
    }

    #[test]
    fn free_subnet_skips_the_used_ones() {
        // Nothing else: the stick's own 8.
        assert_eq!(free_subnet(&[]), Some(8));
        // A first stick at 192.168.8.100/24 and a home LAN at 192.168.9.0/24.
        assert_eq!(
            free_subnet(&[(ip("192.168.8.100"), 24), (ip("192.168.9.20"), 24)]),
            Some(10)
        );
        // A /16 covers every 192.168.N: nothing left.
        assert_eq!(free_subnet(&[(ip("192.168.1.2"), 16)]), None);
        // A /23 at 192.168.8.0 takes 8 and 9.
        assert_eq!(free_subnet(&[(ip("192.168.8.5"), 23)]), Some(10));
        // Unrelated networks and loopback do not count.
        assert_eq!(
            free_subnet(&[(ip("127.0.0.1"), 8), (ip("10.0.0.2"), 8)]),
            Some(8)
        );
    }

    #[test]
    fn overlap_uses_the_wider_prefix() {
        assert!(overlaps((ip("192.168.8.100"), 24), (ip("192.168.8.1"), 32)));
        assert!(overlaps((ip("192.168.8.100"), 24), (ip("192.168.0.1"), 16)));
        assert!(!overlaps(
            (ip("192.168.8.100"), 24),
            (ip("192.168.9.1"), 24)
        ));
        assert!(overlaps((ip("1.2.3.4"), 0), (ip("192.168.9.1"), 24)));
    }
}
