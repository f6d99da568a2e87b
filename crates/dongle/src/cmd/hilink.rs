//! HiLink sticks over their web API: `dongle hilink status|connect|disconnect|reboot|subnet|mode`,
//! `dongle info URL`, and the simulated stick of `--sim e3372-hilink`.
//!
//! The stick is addressed by its base URL: the `URL` argument, else the simulated stick of
//! `--sim e3372-hilink`, else `DONGLE_HILINK_URL`, else http://192.168.8.1. A password (sticks
//! with a login) comes from `--password-file FILE` or `DONGLE_HILINK_PASSWORD`, never from the
//! command line; the user name from `DONGLE_HILINK_USER` (default `admin`).

use crate::cli::PortSelect;
use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::output::{self, or_dash};
use clap::{Args, Subcommand, ValueEnum};
use dongle_at::info::{ModemInfo, Signal};
use dongle_hilink::{Client, DeviceMode, HilinkError, LinkInfo};
use dongle_sim::hilink::{HilinkOptions, HilinkServer};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Subcommand, Debug)]
pub enum HilinkCommand {
    /// Link state, data switch, WAN address, DNS, technology, signal and traffic.
    Status(Target),
    /// Turn mobile data on and wait until the stick reports connected (ConnectionStatus 901).
    Connect(LinkArgs),
    /// Turn mobile data off and wait until the stick reports disconnected.
    Disconnect(LinkArgs),
    /// Restart the stick (it stops answering until it is back).
    Reboot(Target),
    /// Move the stick to its own subnet 192.168.N.0/24 (the stick at 192.168.N.1), so several
    /// HiLink sticks can share one host.
    Subnet(SubnetArgs),
    /// Switch to debug mode (the stick re-enumerates with serial AT ports) or back to normal.
    Mode(ModeArgs),
}

/// Which stick.
#[derive(Args, Debug, Clone, Default)]
pub struct Target {
    /// The stick's base URL (default: --sim e3372-hilink's, $DONGLE_HILINK_URL, http://192.168.8.1).
    #[arg(value_name = "URL")]
    pub url: Option<String>,
    /// File whose first line is the stick's web password (for sticks with a login).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct LinkArgs {
    #[command(flatten)]
    pub target: Target,
    /// Seconds to wait for the stick to report the new state.
    #[arg(long, value_name = "S", default_value_t = 60)]
    pub timeout: u64,
}

#[derive(Args, Debug)]
pub struct SubnetArgs {
    /// N in 192.168.N.0/24 (0–254; sticks come with 8).
    #[arg(value_name = "N")]
    pub n: u8,
    #[command(flatten)]
    pub target: Target,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ModeName {
    /// Debug mode: serial AT/diag ports appear (then `dongle probe`, `dongle mode`).
    Debug,
    /// Normal HiLink mode.
    Normal,
}

#[derive(Args, Debug)]
pub struct ModeArgs {
    #[arg(value_enum, value_name = "MODE")]
    pub mode: ModeName,
    #[command(flatten)]
    pub target: Target,
}

// ---- the simulated stick (`--sim e3372-hilink`) ----

static SIM_SERVER: Mutex<Option<HilinkServer>> = Mutex::new(None);

/// Starts the simulated HiLink stick for this command (`--sim e3372-hilink`); it runs until
/// the process ends.
pub fn start_sim(scenario: dongle_sim::Scenario) -> Result<(), Failure> {
    let server = HilinkServer::start(
        "127.0.0.1:0",
        HilinkOptions {
            scenario,
            ..HilinkOptions::default()
        },
    )
    .map_err(|e| Failure::new(Exit::Failure, e.to_string()))?;
    log::debug!("simulated HiLink stick at {}", server.url());
    *SIM_SERVER.lock().unwrap_or_else(|e| e.into_inner()) = Some(server);
    Ok(())
}

impl Context {
    /// The base URL of the simulated HiLink stick, when `--sim e3372-hilink` started one.
    pub fn sim_hilink_url(&self) -> Option<String> {
        SIM_SERVER
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|s| s.url())
    }
}

// ---- addressing, credentials, errors ----

fn url_for(ctx: &Context, explicit: Option<&str>) -> String {
    explicit
        .map(String::from)
        .or_else(|| ctx.sim_hilink_url())
        .or_else(|| {
            std::env::var("DONGLE_HILINK_URL")
                .ok()
                .filter(|u| !u.is_empty())
        })
        .unwrap_or_else(|| dongle_hilink::DEFAULT_URL.to_string())
}

fn password(file: Option<&PathBuf>) -> Result<Option<String>, Failure> {
    if let Some(f) = file {
        let text = std::fs::read_to_string(f).map_err(|e| {
            Failure::new(
                Exit::Usage,
                format!("cannot read the password file {}: {e}", f.display()),
            )
        })?;
        let line = text.lines().next().unwrap_or("").trim_end().to_string();
        if line.is_empty() {
            return Err(Failure::new(
                Exit::Usage,
                format!("the password file {} is empty", f.display()),
            ));
        }
        return Ok(Some(line));
    }
    Ok(std::env::var("DONGLE_HILINK_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty()))
}

/// A client for `url` (or the default stick), with credentials from the
/// environment: the entry point for `dongle up/down --via hilink`.
pub fn client_for(ctx: &Context, url: Option<&str>) -> Result<Client, Failure> {
    client(
        ctx,
        &Target {
            url: url.map(String::from),
            password_file: None,
        },
    )
}

fn client(ctx: &Context, t: &Target) -> Result<Client, Failure> {
    let url = url_for(ctx, t.url.as_deref());
    let mut c = Client::new(&url).map_err(failure)?;
    if let Some(pw) = password(t.password_file.as_ref())? {
        let user = std::env::var("DONGLE_HILINK_USER")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "admin".into());
        c = c.with_credentials(&user, &pw);
    }
    Ok(c)
}

/// Exit codes for HiLink failures (README "Exit codes"): a bad URL is usage (2), a stick that
/// cannot be reached is not found (3), a login problem is permission (5), a stick that does
/// not answer in time, answers junk or refuses is a modem error (6), a link that does not come
/// up is offline (8).
pub fn failure(e: HilinkError) -> Failure {
    let exit = match &e {
        HilinkError::BadUrl { .. } | HilinkError::Invalid { .. } => Exit::Usage,
        HilinkError::Unreachable { .. } => Exit::NotFound,
        HilinkError::LoginRequired { .. } | HilinkError::UnsupportedLogin { .. } => {
            Exit::Permission
        }
        HilinkError::Api { error, .. }
            if error.policy() == dongle_hilink::Policy::BadCredentials =>
        {
            Exit::Permission
        }
        HilinkError::Timeout { .. } | HilinkError::NotHilink { .. } | HilinkError::Api { .. } => {
            Exit::Modem
        }
        HilinkError::ConnectFailed { .. }
        | HilinkError::ConnectTimeout { .. }
        | HilinkError::Sim { .. } => Exit::Offline,
    };
    Failure::new(exit, e.to_string())
}

// ---- `dongle info URL` ----

/// The URL `dongle info` should use instead of a USB device, if any.
pub fn info_target(ctx: &Context, sel: &PortSelect) -> Option<String> {
    match (&sel.device, &sel.port) {
        (Some(d), _) if dongle_hilink::is_url(d) => Some(d.clone()),
        (None, None) => ctx.sim_hilink_url(),
        _ => None,
    }
}

/// `dongle info` over the HiLink API, in the AT path's JSON shape. A query that fails becomes
/// a note; a stick that does not answer at all is an error.
pub fn info(ctx: &Context, url: &str) -> Result<ModemInfo, Failure> {
    let c = client(
        ctx,
        &Target {
            url: Some(url.to_string()),
            password_file: None,
        },
    )?;
    let mut notes = Vec::new();
    // monitoring/status first: it needs no login, and proves the stick answers.
    let status = keep(&mut notes, "monitoring/status", c.status())?;
    let dev = keep(&mut notes, "device/information", c.device_information())?;
    let pin = keep(&mut notes, "pin/status", c.pin_status())?;
    let plmn = keep(&mut notes, "net/current-plmn", c.current_plmn())?;
    let sig = keep(&mut notes, "device/signal", c.signal())?;

    let sim_state = pin.as_ref().and_then(|p| p.state());
    let sim = match (sim_state, &status) {
        (Some(s), _) => s.word().to_string(),
        (None, Some(st)) if st.sim_status.as_deref() == Some("255") => "absent".into(),
        (None, Some(st)) if st.sim_status.as_deref() == Some("1") => "ready".into(),
        _ => "unknown".into(),
    };
    if let (Some(p), Some(s)) = (&pin, sim_state) {
        if !s.ready() {
            notes.push(format!(
                "PIN tries left {}, PUK tries left {}",
                or_dash(p.pin_retries()),
                or_dash(p.puk_retries())
            ));
        }
    }
    let registration = match &status {
        Some(st) if st.has_service() && st.roaming() => "roaming",
        Some(st) if st.has_service() => "home",
        Some(_) if sim == "ready" => "searching",
        Some(_) => "not_registered",
        None => "unknown",
    };
    let registered = matches!(registration, "home" | "roaming");
    let d = dev.unwrap_or_default();
    let plmn = plmn.unwrap_or_default();
    let sig = sig.unwrap_or_default();
    let signal = Signal {
        quality_percent: status.as_ref().and_then(|s| s.signal_percent()),
        rssi_dbm: sig.rssi_dbm(),
        rsrp_dbm: sig.rsrp_dbm(),
        rsrq_db: sig.rsrq_db(),
        sinr_db: sig.sinr_db(),
        rscp_dbm: sig.rscp_dbm(),
        ecio_db: sig.ecio_db(),
    };
    Ok(ModemInfo {
        port: c.url().to_string(),
        // The HiLink API is Huawei's; it has no manufacturer field.
        manufacturer: d.device_name.as_ref().map(|_| "Huawei".to_string()),
        model: d.device_name,
        firmware: d.software_version,
        imei: d.imei,
        imsi: d.imsi,
        iccid: d.iccid,
        sim,
        pin_retries: None,
        operator: registered
            .then(|| plmn.full_name.or(plmn.short_name))
            .flatten(),
        operator_code: registered.then_some(plmn.numeric).flatten(),
        registration: registration.to_string(),
        technology: status
            .as_ref()
            .and_then(|s| s.technology())
            .or_else(|| sig.technology())
            .filter(|_| registered)
            .map(String::from),
        signal,
        notes,
    })
}

/// A query's value, or a note when it failed for a reason other than a dead stick.
fn keep<T>(
    notes: &mut Vec<String>,
    what: &str,
    r: Result<T, HilinkError>,
) -> Result<Option<T>, Failure> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_transport() || matches!(e, HilinkError::NotHilink { .. }) => Err(failure(e)),
        Err(e) => {
            notes.push(format!("{what}: {}", e.to_string().replace('\n', "; ")));
            Ok(None)
        }
    }
}

// ---- `dongle hilink …` ----

pub fn run(ctx: &Context, cmd: &HilinkCommand) -> Result<(), Failure> {
    match cmd {
        HilinkCommand::Status(t) => status(ctx, t),
        HilinkCommand::Connect(a) => link(ctx, a, true),
        HilinkCommand::Disconnect(a) => link(ctx, a, false),
        HilinkCommand::Reboot(t) => reboot(ctx, t),
        HilinkCommand::Subnet(a) => subnet(ctx, a),
        HilinkCommand::Mode(a) => mode(ctx, a),
    }
}

fn bytes(n: u64) -> String {
    match n {
        n if n >= 10_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        n if n >= 10_000 => format!("{:.1} kB", n as f64 / 1e3),
        n => format!("{n} B"),
    }
}

fn print_link(l: &LinkInfo) {
    let rows: Vec<Vec<String>> = [
        ("URL", Some(l.url.clone())),
        ("Link", Some(format!("{} ({})", l.status, l.status_code))),
        (
            "Data switch",
            l.data_switch
                .map(|on| if on { "on" } else { "off" }.to_string()),
        ),
        ("WAN address", l.wan_ip.clone()),
        ("DNS", (!l.dns.is_empty()).then(|| l.dns.join(", "))),
        ("Technology", l.technology.clone()),
        ("Signal", l.signal_percent.map(|p| format!("{p}%"))),
        ("Roaming", Some(output::yes_no(l.roaming))),
        (
            "Uptime",
            l.uptime_s.filter(|s| *s > 0).map(|s| format!("{s} s")),
        ),
        (
            "Traffic",
            match (l.rx_bytes, l.tx_bytes) {
                (Some(rx), Some(tx)) => Some(format!("rx {}, tx {}", bytes(rx), bytes(tx))),
                _ => None,
            },
        ),
    ]
    .into_iter()
    .map(|(k, v)| vec![format!("{k}:"), or_dash(v)])
    .collect();
    output::table(&rows, "");
}

fn status(ctx: &Context, t: &Target) -> Result<(), Failure> {
    let c = client(ctx, t)?;
    let l = dongle_hilink::link_status(&c).map_err(failure)?;
    if ctx.global.json {
        output::json(&l);
        return Ok(());
    }
    print_link(&l);
    if !ctx.global.quiet {
        let next = if l.connected() {
            "next: the host is online through the stick's network interface".to_string()
        } else {
            let arg = t
                .url
                .as_deref()
                .map(|u| format!(" {u}"))
                .unwrap_or_default();
            format!("next: dongle hilink connect{arg}")
        };
        println!("\n{next}");
    }
    Ok(())
}

fn link(ctx: &Context, a: &LinkArgs, up: bool) -> Result<(), Failure> {
    let c = client(ctx, &a.target)?;
    let timeout = Duration::from_secs(a.timeout.max(1));
    let l = if up {
        dongle_hilink::connect(&c, timeout)
    } else {
        dongle_hilink::disconnect(&c, timeout)
    }
    .map_err(failure)?;
    if ctx.global.json {
        output::json(&l);
    } else if !ctx.global.quiet {
        let secs = l.waited_ms as f64 / 1000.0;
        if up {
            println!(
                "Connected ({}) in {secs:.1} s: WAN address {}, DNS {}",
                or_dash(l.technology.clone()),
                or_dash(l.wan_ip.clone()),
                if l.dns.is_empty() {
                    "-".to_string()
                } else {
                    l.dns.join(", ")
                }
            );
            println!("\nnext: get an address on the stick's network interface (DHCP), then the host is online");
        } else {
            println!("Disconnected ({}) in {secs:.1} s", l.status_code);
        }
    }
    Ok(())
}

fn reboot(ctx: &Context, t: &Target) -> Result<(), Failure> {
    let c = client(ctx, t)?;
    c.reboot().map_err(failure)?;
    if ctx.global.json {
        output::json(&serde_json::json!({ "url": c.url(), "rebooting": true }));
    } else if !ctx.global.quiet {
        println!(
            "{} is restarting; it re-enumerates on USB and answers again once it is back.",
            c.url()
        );
        println!("\nnext: dongle hilink status {}", c.url());
    }
    Ok(())
}

#[derive(Serialize)]
struct SubnetOut {
    url: String,
    new_url: String,
    confirmed: bool,
    settings: dongle_hilink::DhcpSettings,
}

fn subnet(ctx: &Context, a: &SubnetArgs) -> Result<(), Failure> {
    let c = client(ctx, &a.target)?;
    let current = c.dhcp_settings().map_err(failure)?;
    let next = current
        .with_subnet(a.n)
        .map_err(|e| Failure::new(Exit::Usage, e))?;
    let new_ip = next.dhcp_ip_address.clone().unwrap_or_default();
    let new_url = format!("http://{new_ip}");
    let confirmed = match c.set_dhcp_settings(&next) {
        Ok(()) => true,
        // The stick may switch addresses before its reply reaches us.
        Err(e) if e.is_transport() => false,
        Err(e) => return Err(failure(e)),
    };
    if ctx.global.json {
        output::json(&SubnetOut {
            url: c.url().to_string(),
            new_url,
            confirmed,
            settings: next,
        });
        return Ok(());
    }
    if confirmed {
        println!(
            "{} moves to {new_url} (DHCP pool {}–{}).",
            c.url(),
            or_dash(next.dhcp_start_ip_address.clone()),
            or_dash(next.dhcp_end_ip_address.clone())
        );
    } else {
        println!(
            "{} did not confirm (it may have moved already); it should now answer at {new_url}.",
            c.url()
        );
    }
    if !ctx.global.quiet {
        println!("\nnext: renew DHCP on the stick's network interface, then `dongle hilink status {new_url}`");
    }
    Ok(())
}

fn mode(ctx: &Context, a: &ModeArgs) -> Result<(), Failure> {
    let c = client(ctx, &a.target)?;
    let m = match a.mode {
        ModeName::Debug => DeviceMode::Debug,
        ModeName::Normal => DeviceMode::Project,
    };
    c.set_device_mode(m).map_err(failure)?;
    if ctx.global.json {
        output::json(&serde_json::json!({ "url": c.url(), "mode": m.code() }));
    } else if !ctx.global.quiet {
        match m {
            DeviceMode::Debug => println!(
                "{} is switching to debug mode: it re-enumerates with serial ports (best-effort on some firmware).\n\nnext: dongle list, then dongle probe",
                c.url()
            ),
            DeviceMode::Project => println!("{} is in normal HiLink mode.", c.url()),
        }
    }
    Ok(())
}
