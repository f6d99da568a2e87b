//! What the daemon does with one USB device: is it a modem at all, what job
//! does it need now (switch it, wait for its ports, connect it), and the
//! worker thread that does that job until told to stop.

use super::Policy;
use crate::cli::{Global, PortSelect, SecretArgs, UpArgs};
use crate::config::ModemIdent;
use crate::context::Context;
use crate::failure::Failure;
use dongle_at::parse::identity;
use dongle_at::probe::ProbeOptions;
use dongle_at::AtSession;
use dongle_catalog::Personality;
use dongle_usb::UsbDevice;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Drivers that only ever bind to cellular modems' interfaces.
const MODEM_DRIVERS: &[&str] = &[
    "option",
    "qcserial",
    "sierra",
    "huawei_cdc_ncm",
    "cdc_mbim",
    "qmi_wwan",
];

/// How long a switched stick gets to come back with its new identity.
const SWITCH_TIMEOUT_S: u64 = 20;

/// Whether the daemon should look after this device. A plain USB flash drive
/// or an FTDI serial adapter must be left alone: an AT command sent to
/// somebody's microcontroller is not harmless.
pub fn is_modem(dev: &UsbDevice) -> bool {
    if dongle_catalog::lookup(dev.vid, dev.pid).is_some() {
        return true;
    }
    if dev.interfaces.iter().any(|i| {
        i.driver
            .as_deref()
            .is_some_and(|d| MODEM_DRIVERS.contains(&d))
    }) {
        return true;
    }
    if dev
        .interfaces
        .iter()
        .any(|i| dongle_catalog::descriptor_rule(dev.vid, i).is_some())
    {
        return true;
    }
    dongle_catalog::personality(dev) == Personality::Storage && has_recipe(dev)
}

/// A switch recipe exists (built in, or in usb-modeswitch-data).
pub fn has_recipe(dev: &UsbDevice) -> bool {
    dongle_catalog::recipe_for_device(dev, None, None).is_some()
        || dongle_catalog::recipe_for_device(dev, None, dongle_catalog::system_data()).is_some()
}

/// The next thing a device needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Switch,
    Connect,
    /// A modem personality whose ports are still binding.
    Settle,
    /// A personality `dongle` cannot connect (MBIM, QMI, RNDIS, update).
    Unsupported,
}

pub fn need(dev: &UsbDevice) -> Need {
    match dongle_catalog::personality(dev) {
        Personality::Storage => Need::Switch,
        Personality::Serial | Personality::Ncm => {
            // Connect once the serial driver has bound every vendor
            // interface and its ttys exist: probing half a stick picks the
            // wrong control port.
            if dev.ttys().is_empty() || !dongle_usb::bind::unbound_serial_interfaces(dev).is_empty()
            {
                Need::Settle
            } else {
                Need::Connect
            }
        }
        Personality::Hilink => {
            if dev.net().is_empty() {
                Need::Settle
            } else {
                Need::Connect
            }
        }
        _ => Need::Unsupported,
    }
}

/// How to connect one modem: `dongle up`'s options, from the config file.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub name: Option<String>,
    pub manage: bool,
    /// Switch it out of storage mode by itself.
    pub switch: bool,
    pub via: Option<String>,
    pub apn: Option<String>,
    pub user: Option<String>,
    pub password_file: Option<std::path::PathBuf>,
    pub pin_file: Option<std::path::PathBuf>,
    pub roaming: bool,
    pub default_route: bool,
    pub route_metric: Option<u32>,
}

impl Settings {
    pub fn up_args(&self, device: &str) -> UpArgs {
        UpArgs {
            select: PortSelect {
                device: Some(device.to_string()),
                port: None,
            },
            apn: self.apn.clone(),
            user: self.user.clone(),
            password_file: self.password_file.clone(),
            password_env: None,
            secrets: SecretArgs {
                pin_file: self.pin_file.clone(),
                ..SecretArgs::default()
            },
            via: self.via.clone(),
            once: false,
            register_timeout: 60,
            no_roaming: !self.roaming,
            no_default_route: !self.default_route,
            route_metric: self.route_metric,
            auth: None,
        }
    }
}

pub enum Job {
    Switch,
    Connect,
}

/// How a job ended badly: the line for the log and, for `dongle status`, the first line of
/// what happened and the problem id and fix when the failure was diagnosed (a status column
/// cannot hold the whole message).
#[derive(Debug, Clone)]
pub struct JobError {
    pub message: String,
    pub problem: Option<&'static str>,
    pub fix: Option<String>,
}

impl JobError {
    pub fn plain(message: impl Into<String>) -> JobError {
        JobError {
            message: message.into(),
            problem: None,
            fix: None,
        }
    }

    /// A failed switch: doctor's `modeswitch_failed`, and where to look.
    fn switch(message: String, device: &str) -> JobError {
        JobError {
            message,
            problem: Some("modeswitch_failed"),
            fix: Some(format!(
                "`dongle -v switch {device}` shows each transfer; `dongle doctor --live` checks the kernel's side"
            )),
        }
    }

    /// What happened, in one line: the message up to the problem tag or the first line break.
    pub fn summary(&self) -> String {
        let first = self.message.lines().next().unwrap_or_default();
        match self.problem {
            Some(p) => first
                .strip_suffix(&format!(" [{p}]"))
                .unwrap_or(first)
                .to_string(),
            None => first.to_string(),
        }
    }
}

impl From<Failure> for JobError {
    fn from(f: Failure) -> JobError {
        let (problem, fix) = match f.problem {
            Some((p, fix)) => (Some(p), Some(fix)),
            None => (None, None),
        };
        JobError {
            message: f.message,
            problem,
            fix,
        }
    }
}

/// A thread doing one job for one device; ends when the job is done or
/// `stop` is set.
pub struct Worker {
    pub job: Job,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<Result<(), JobError>>>,
    resolved: Arc<Mutex<Option<Settings>>>,
}

/// IMEI and ICCID over AT, for config sections that match on them. What
/// cannot be read stays unknown (such a section then does not match).
fn identify(ctx: &Context, device: &str, id: &str) -> ModemIdent {
    let mut ident = ModemIdent {
        usb_path: Some(device.to_string()),
        id: Some(id.to_string()),
        imei: None,
        iccid: None,
    };
    let Ok(cands) = crate::ports::candidates(ctx, Some(device), &[]) else {
        return ident;
    };
    let found = crate::ports::probe(&cands, &ProbeOptions::default());
    let Some(control) = crate::ports::control_port(&found) else {
        return ident;
    };
    let Ok(port) = crate::cmd::up_steps::open(control) else {
        return ident;
    };
    let s = AtSession::new(port);
    let ask = |cmd: &str, parse: fn(&str) -> dongle_at::parse::Result<String>| {
        s.command(cmd).ok().and_then(|r| parse(&r.body()).ok())
    };
    ident.imei = ask("AT+CGSN", identity::parse_imei);
    ident.iccid =
        ask("AT^ICCID?", identity::parse_iccid).or_else(|| ask("AT+CCID", identity::parse_iccid));
    ident
}

impl Worker {
    pub fn start(
        job: Job,
        global: &Global,
        dev: &UsbDevice,
        settings: &Settings,
        policy: Arc<Policy>,
    ) -> Worker {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let global = Global {
            sim: None,
            scenario: None,
            json: false,
            ..global.clone()
        };
        let device = dev.path.clone();
        let id = dev.id();
        let mut settings = settings.clone();
        let is_switch = matches!(job, Job::Switch);
        let resolved = Arc::new(Mutex::new(None));
        let cell = Arc::clone(&resolved);
        let handle = std::thread::Builder::new()
            .name(format!("modem {device}"))
            .spawn(move || {
                crate::cmd::up_steps::set_label(settings.name.as_deref().unwrap_or(&device));
                let ctx = Context::new(global)?;
                if is_switch {
                    // One log line, not `dongle switch`'s table and hints.
                    let done = crate::cmd::switch::quietly(&ctx, &device, SWITCH_TIMEOUT_S)
                        .map_err(|e| JobError::switch(e, &device))?;
                    eprintln!("{}{done}", crate::cmd::up_steps::who());
                    return Ok(());
                }
                if policy.needs_identity() {
                    // A `[[modem]]` section matched by IMEI or ICCID: read them first.
                    let ident = identify(&ctx, &device, &id);
                    settings = policy.settings_for(&ident);
                    if let Ok(mut c) = cell.lock() {
                        *c = Some(settings.clone());
                    }
                    if let Some(n) = &settings.name {
                        crate::cmd::up_steps::set_label(n);
                    }
                    if !settings.manage {
                        eprintln!("dongle daemon: {device}: not managed (config, by IMEI/ICCID)");
                        return Ok(());
                    }
                }
                let up = settings.up_args(&device);
                crate::cmd::up::keep_up(&ctx, &up, &flag).map_err(JobError::from)
            })
            .ok();
        Worker {
            job,
            stop,
            handle,
            resolved,
        }
    }

    /// The settings of a `[[modem]]` section matched by IMEI or ICCID,
    /// known once the worker has read them.
    pub fn resolved(&self) -> Option<Settings> {
        self.resolved.lock().ok().and_then(|s| s.clone())
    }

    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    pub fn finished(&self) -> bool {
        self.handle.as_ref().is_none_or(|h| h.is_finished())
    }

    /// The job's result once finished (`None` while it runs).
    pub fn take_result(&mut self) -> Option<Result<(), JobError>> {
        if !self.finished() {
            return None;
        }
        Some(match self.handle.take() {
            Some(h) => h
                .join()
                .unwrap_or_else(|_| Err(JobError::plain("the worker thread panicked"))),
            None => Err(JobError::plain("could not start a thread")),
        })
    }
}
