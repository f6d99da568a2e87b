//! `dongle switch [DEV] [--to MODE] [--dry-run] [--timeout S]`: move a stick out of its
//! plug-in storage mode.
//!
//! 1. Pick the device: DEV, else the one device in storage mode (several: list them and ask).
//! 2. A device not in storage mode is already switched: say so and change nothing (exit 0 when
//!    it is in the wanted mode or no mode was asked for).
//! 3. Choose the recipe (built-in first, then the installed usb-modeswitch-data) and turn it
//!    into an explicit plan of USB transfers (`dongle_usb::switch`).
//! 4. `--dry-run` prints the plan (`--json`: device, recipe and plan). Otherwise: start
//!    watching uevents, open the usbfs node, run the plan, wait for the stick to re-enumerate
//!    with its drivers bound, bind `option` to an ID the kernel does not know, set
//!    `avoid_reset_quirk`, report the new personality and the next step.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use dongle_catalog::{Personality, SwitchMethod, SwitchRecipe};
use dongle_usb::bind::{self, NewIdOutcome};
use dongle_usb::switch::{self, Method, NusbDevice, OpError, OpenError, Outcome, Plan, PlanError};
use dongle_usb::uevent::{Reenumeration, Watcher};
use dongle_usb::UsbDevice;
use serde::Serialize;

use crate::cli::{SwitchArgs, SwitchTo};
use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::output;

/// How long drivers get to bind after the device is back, before unbound vendor interfaces
/// are taken as "no driver knows this ID".
const BIND_SETTLE: Duration = Duration::from_millis(1500);
/// How long to wait for `option` to bind after `new_id`.
const NEW_ID_WAIT: Duration = Duration::from_secs(5);

impl SwitchTo {
    fn personality(self) -> Personality {
        match self {
            // The stick firmware: serial ports plus an NCM network function.
            SwitchTo::Stick | SwitchTo::Ncm => Personality::Ncm,
            SwitchTo::Hilink => Personality::Hilink,
            SwitchTo::Serial => Personality::Serial,
        }
    }

    /// True when a device in personality `p` already is what was asked for.
    fn satisfied_by(self, p: Personality) -> bool {
        match self {
            // A stick-firmware device shows serial ports, with or without its NCM function.
            SwitchTo::Stick => matches!(p, Personality::Ncm | Personality::Serial),
            other => other.personality() == p,
        }
    }

    fn name(self) -> &'static str {
        match self {
            SwitchTo::Stick => "stick",
            SwitchTo::Ncm => "ncm",
            SwitchTo::Hilink => "hilink",
            SwitchTo::Serial => "serial",
        }
    }
}

/// One device the way `dongle list` shows it.
#[derive(Serialize)]
struct DeviceLine {
    device: String,
    id: String,
    model: Option<&'static str>,
    mode: Personality,
    ports: Vec<String>,
    net: Vec<String>,
    drivers: Vec<String>,
}

impl DeviceLine {
    fn of(d: &UsbDevice) -> DeviceLine {
        let mut drivers: Vec<String> = d
            .interfaces
            .iter()
            .filter_map(|i| i.driver.clone())
            .collect();
        drivers.sort();
        drivers.dedup();
        DeviceLine {
            device: d.path.clone(),
            id: d.id(),
            model: dongle_catalog::lookup(d.vid, d.pid).map(|k| k.model),
            mode: dongle_catalog::personality(d),
            ports: d.ttys().into_iter().map(|(_, t)| t).collect(),
            net: d.net().into_iter().map(|(_, n)| n).collect(),
            drivers,
        }
    }

    fn row(&self) -> Vec<String> {
        let mut ports = self.ports.clone();
        ports.extend(self.net.iter().cloned());
        vec![
            self.device.clone(),
            self.id.clone(),
            self.model.unwrap_or("-").to_string(),
            self.mode.as_str().to_string(),
            if ports.is_empty() {
                "-".into()
            } else {
                ports.join(",")
            },
            if self.drivers.is_empty() {
                "-".into()
            } else {
                self.drivers.join(",")
            },
        ]
    }
}

#[derive(Serialize)]
struct Already<'a> {
    device: DeviceLine,
    already: bool,
    wanted: Option<&'a str>,
    message: String,
    /// `added` when its vendor-class interfaces had no driver and option was given its ID.
    new_id: Option<NewIdOutcome>,
    warnings: Vec<String>,
}

#[derive(Serialize)]
struct DryRun<'a> {
    device: DeviceLine,
    recipe: &'a SwitchRecipe,
    plan: &'a Plan,
    dry_run: bool,
}

#[derive(Serialize)]
struct Done<'a> {
    before: DeviceLine,
    recipe: &'a SwitchRecipe,
    plan: &'a Plan,
    report: &'a switch::Report,
    after: DeviceLine,
    via: &'static str,
    elapsed_ms: u64,
    new_id: Option<NewIdOutcome>,
    warnings: Vec<String>,
}

pub fn run(ctx: &Context, args: &SwitchArgs) -> Result<(), Failure> {
    let dev = pick_device(ctx, args.device.as_deref())?;
    let now = dongle_catalog::personality(&dev);

    if now != Personality::Storage {
        return already_switched(ctx, &dev, now, args.to);
    }

    let (recipe, plan) = recipe_and_plan(ctx, &dev, args.to)?;

    if args.dry_run {
        if ctx.global.json {
            output::json(&DryRun {
                device: DeviceLine::of(&dev),
                recipe: &recipe,
                plan: &plan,
                dry_run: true,
            });
        } else {
            print!("{plan}");
            println!("recipe: {}", describe_recipe(&recipe));
            if !ctx.global.quiet {
                println!("\ndry run: nothing was sent. Run without --dry-run (as root) to switch.");
            }
        }
        return Ok(());
    }

    if plan.is_empty() {
        return Err(sends_nothing(&dev, &plan));
    }
    execute(ctx, args, dev, recipe, plan)
}

/// The recipe for `dev` (or for its mode `to`) and the transfers it makes.
fn recipe_and_plan(
    ctx: &Context,
    dev: &UsbDevice,
    to: Option<SwitchTo>,
) -> Result<(SwitchRecipe, Plan), Failure> {
    let wanted = to.map(SwitchTo::personality);
    // Built-in recipes first: reading the whole usb-modeswitch-data tarball
    // costs more than the switch itself, and is only needed for sticks we
    // have no recipe for.
    let recipe = match dongle_catalog::recipe_for_device(dev, wanted, None) {
        Some(r) => r,
        None => {
            let data = dongle_catalog::system_data();
            dongle_catalog::recipe_for_device(dev, wanted, data)
                .ok_or_else(|| no_recipe(dev, to, data.is_some()))?
        }
    };
    let spec = to_spec(&recipe);
    let hint = dongle_catalog::personality(dev).as_str();
    let plan = switch::plan(dev, ctx.sysfs.device_class(&dev.path), &spec, Some(hint))
        .map_err(plan_failure)?;
    Ok((recipe, plan))
}

/// A dummy (Configuration=0) or a method with nothing to send: nothing will come back.
fn sends_nothing(dev: &UsbDevice, plan: &Plan) -> Failure {
    Failure::new(
        Exit::Failure,
        format!(
            "the {} recipe for {} sends nothing ({}); nothing was changed. Try another --to, or `dongle doctor`",
            plan.method,
            dev.label(),
            plan.notes.join("; ")
        ),
    )
}

/// `dongle switch DEVICE` for the daemon: nothing printed (no table, no
/// "next:" hint in a service's log). `Ok`: one line on what changed; `Err`:
/// one line on what failed. Neither names the device: the caller's log line
/// starts with the modem's name.
pub fn quietly(ctx: &Context, device: &str, timeout_s: u64) -> Result<String, String> {
    let failed = |f: Failure| {
        if f.message.starts_with("the switch") {
            f.message
        } else {
            format!("the switch failed: {}", f.message)
        }
    };
    let dev = pick_device(ctx, Some(device)).map_err(failed)?;
    // The messages below name the device for a person at a terminal; the
    // caller's line names it already.
    let label = dev.label();
    let failed = |f: Failure| failed(f).replace(&label, "the stick");
    let now = dongle_catalog::personality(&dev);
    if now != Personality::Storage {
        return Ok(format!(
            "already out of storage mode ({now} mode, {}): nothing to switch",
            dev.id()
        ));
    }
    let (recipe, plan) = recipe_and_plan(ctx, &dev, None).map_err(failed)?;
    if plan.is_empty() {
        return Err(failed(sends_nothing(&dev, &plan)));
    }
    let s = perform(ctx, timeout_s, &dev, &recipe, &plan, "the switch").map_err(failed)?;
    let mut line = format!(
        "switched from {} mode ({}) to {} mode ({}) in {:.1} s",
        s.before.mode,
        s.before.id,
        s.after.mode,
        s.after.id,
        s.elapsed_ms as f64 / 1000.0
    );
    if let Some(NewIdOutcome::Added) = s.new_id {
        line.push_str("; bound option by new_id");
    }
    for w in &s.warnings {
        line.push_str(&format!("; warning: {w}"));
    }
    Ok(line)
}

/// What a switch did.
struct Switched {
    before: DeviceLine,
    after: DeviceLine,
    report: switch::Report,
    via: &'static str,
    elapsed_ms: u64,
    new_id: Option<NewIdOutcome>,
    warnings: Vec<String>,
}

fn execute(
    ctx: &Context,
    args: &SwitchArgs,
    dev: UsbDevice,
    recipe: SwitchRecipe,
    plan: Plan,
) -> Result<(), Failure> {
    if !ctx.global.quiet && !ctx.global.json {
        eprintln!(
            "switching {} with {} ({} transfers)…",
            dev.label(),
            plan.method,
            plan.steps.len()
        );
    }
    let subject = format!("switching {}", dev.label());
    let Switched {
        before,
        after: after_line,
        report,
        via,
        elapsed_ms,
        new_id,
        warnings,
    } = perform(ctx, args.timeout, &dev, &recipe, &plan, &subject)?;
    if ctx.global.json {
        output::json(&Done {
            before,
            recipe: &recipe,
            plan: &plan,
            report: &report,
            after: after_line,
            via,
            elapsed_ms,
            new_id,
            warnings,
        });
        return Ok(());
    }
    println!(
        "switched {} in {:.2} s ({}): {} {} -> {} {}",
        dev.path,
        elapsed_ms as f64 / 1000.0,
        via,
        before.id,
        before.mode,
        after_line.id,
        after_line.mode
    );
    if let Some(NewIdOutcome::Added) = new_id {
        println!("bound option to {} (new_id)", after_line.id);
    }
    let mut rows = vec![["DEVICE", "ID", "MODEL", "MODE", "PORTS", "DRIVERS"]
        .map(String::from)
        .to_vec()];
    rows.push(after_line.row());
    output::table(&rows, "");
    for w in &warnings {
        eprintln!("dongle: warning: {w}");
    }
    if !ctx.global.quiet {
        println!("\nnext: {}", next_step(&after_line));
    }
    Ok(())
}

/// Send the plan, wait for the stick to come back, bind option to an ID the
/// kernel does not know. Prints nothing; `subject` starts the error of a
/// failed transfer ("switching 1-1.4 (12d1:1f01 …)").
fn perform(
    ctx: &Context,
    timeout_s: u64,
    dev: &UsbDevice,
    recipe: &SwitchRecipe,
    plan: &Plan,
    subject: &str,
) -> Result<Switched, Failure> {
    let mut warnings = Vec::new();
    if recipe.wait_before_ms > 0 {
        // WaitBefore: the handful of devices that need time after plug-in (§4).
        std::thread::sleep(Duration::from_millis(u64::from(recipe.wait_before_ms)));
    }
    // Watch before sending, so the remove/add burst cannot be missed.
    let mut watcher = if ctx.global.sim.is_some() {
        Watcher::polling()
    } else {
        Watcher::new()
    };
    let mut usb = NusbDevice::open(&ctx.sysfs, &ctx.dev_root, dev).map_err(open_failure)?;
    let start = Instant::now();
    let report = switch::execute(plan, &mut usb).map_err(|e| {
        let exit = match e.error {
            OpError::Permission => Exit::Permission,
            OpError::Busy => Exit::Busy,
            OpError::NoDevice => Exit::Gone,
            _ => Exit::Failure,
        };
        let hint = match e.error {
            OpError::Busy => "; a driver or program still holds the interface (check `lsof /dev/bus/usb/*`, or unload usb-storage)",
            OpError::Permission => "; run with sudo, or install the udev rule: `dongle install`",
            _ => "",
        };
        Failure::new(exit, format!("{subject} failed at {e}{hint}"))
    })?;
    drop(usb);
    if let Outcome::Vanished { detail, .. } = &report.outcome {
        log::info!("{detail}");
    }
    let want = Reenumeration {
        port: dev.path.clone(),
        old_id: (dev.vid, dev.pid),
        old_devnum: dev.devnum,
        targets: recipe
            .target_vendor
            .map(|v| recipe.target_products.iter().map(|&p| (v, p)).collect())
            .unwrap_or_default(),
    };
    let timeout = Duration::from_secs(timeout_s.max(1));
    let arrival = watcher
        .wait_for_reenumeration(&ctx.sysfs, &want, timeout, BIND_SETTLE)
        .map_err(|e| Failure::new(Exit::Failure, e.to_string()))?;
    let mut after = arrival.device;

    // usb_modeswitch's last step: keep usb-storage's reset from switching it back.
    if let Err(e) = bind::set_avoid_reset_quirk(&ctx.sysfs, &after.path) {
        warnings.push(e.to_string());
    }
    // A switched ID the kernel does not know: bind option (vendor-class interfaces only).
    let mut new_id = None;
    if !recipe.no_driver_loading {
        (new_id, after) = bind_option(ctx, &mut watcher, after, &mut warnings);
    }
    let elapsed_ms = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(Switched {
        before: DeviceLine::of(dev),
        after: DeviceLine::of(&after),
        report,
        via: arrival.via,
        elapsed_ms,
        new_id,
        warnings,
    })
}

/// Bind `option` to a modem whose vendor-class interfaces no driver took (an ID the kernel's
/// table lacks) by writing its ID to option's `new_id`, as usb_modeswitch's dispatcher does, and
/// wait for the ports. Returns what the write did (`None`: nothing was unbound) and the device
/// as it is now; a failure is a warning, the switch itself having worked.
fn bind_option(
    ctx: &Context,
    watcher: &mut Watcher,
    dev: UsbDevice,
    warnings: &mut Vec<String>,
) -> (Option<NewIdOutcome>, UsbDevice) {
    let unbound = bind::unbound_serial_interfaces(&dev);
    if unbound.is_empty() {
        return (None, dev);
    }
    let modules = bind::running_modules_dir();
    let outcome = match bind::option_new_id(&ctx.sysfs, dev.vid, dev.pid, modules.as_deref()) {
        Ok(outcome) => outcome,
        Err(e) => {
            warnings.push(e.to_string());
            return (None, dev);
        }
    };
    let path = dev.path.clone();
    if let Some(d) = watcher.wait_until(NEW_ID_WAIT, || {
        ctx.sysfs
            .device(&path)
            .ok()
            .filter(|d| bind::unbound_serial_interfaces(d).is_empty())
    }) {
        return (Some(outcome), d);
    }
    warnings.push(format!(
        "option did not bind interfaces {unbound:?} of {} within {} s",
        dev.id(),
        NEW_ID_WAIT.as_secs()
    ));
    let now = ctx.sysfs.device(&path).unwrap_or(dev);
    (Some(outcome), now)
}

fn next_step(d: &DeviceLine) -> String {
    match d.mode {
        Personality::Hilink => format!(
            "the stick is a HiLink router now (DHCP on its network interface); to get AT ports, `dongle mode set {} stick`",
            d.device
        ),
        _ if d.ports.is_empty() => format!("dongle list   (no serial ports on {} yet)", d.device),
        _ => format!("dongle probe {}", d.device),
    }
}

/// DEV, or the one storage-mode device; with none in storage mode, the one modem there is
/// (to say it is already switched).
fn pick_device(ctx: &Context, spec: Option<&str>) -> Result<UsbDevice, Failure> {
    if let Some(s) = spec {
        return Ok(ctx.sysfs.find(s)?);
    }
    let devices = ctx.sysfs.devices()?;
    let storage: Vec<&UsbDevice> = devices
        .iter()
        .filter(|d| dongle_catalog::personality(d) == Personality::Storage)
        .collect();
    match storage.len() {
        1 => return Ok(storage[0].clone()),
        0 => {}
        _ => {
            return Err(Failure::new(
                Exit::Usage,
                format!(
                    "{} devices are in storage mode: {}. Name one, e.g. `dongle switch {}`",
                    storage.len(),
                    storage
                        .iter()
                        .map(|d| d.label())
                        .collect::<Vec<_>>()
                        .join(", "),
                    storage[0].path
                ),
            ))
        }
    }
    let modems: Vec<&UsbDevice> = devices
        .iter()
        .filter(|d| {
            dongle_catalog::lookup(d.vid, d.pid).is_some()
                || dongle_catalog::personality(d) != Personality::Unknown
        })
        .collect();
    match modems.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Failure::new(
            Exit::NotFound,
            format!(
                "no USB modem found under {} (nothing in storage mode to switch). Plug the stick in, then `dongle list`",
                ctx.sysfs.root().display()
            ),
        )),
        many => Err(Failure::new(
            Exit::Usage,
            format!(
                "no device is in storage mode; modems found: {}. Name one to check it, e.g. `dongle switch {}`",
                many.iter().map(|d| d.label()).collect::<Vec<_>>().join(", "),
                many[0].path
            ),
        )),
    }
}

fn already_switched(
    ctx: &Context,
    dev: &UsbDevice,
    now: Personality,
    to: Option<SwitchTo>,
) -> Result<(), Failure> {
    match to {
        Some(t) if !t.satisfied_by(now) => Err(Failure::new(
            Exit::Failure,
            format!(
                "{} is already switched (mode {now}), not in its plug-in storage mode, so it cannot be switched to {}: a stick only takes a switch message as it plugs in. \
                 To change the mode it comes up in, use `dongle mode set {} {}`",
                dev.label(),
                t.name(),
                dev.path,
                t.name()
            ),
        )),
        _ => {
            // Out of storage mode with no driver on its serial interfaces: the ID is missing
            // from option's table (a switch elsewhere, or a replug after one). Binding is the
            // step left, and the one `dongle doctor` (driver_not_bound) sends users here for.
            let mut warnings = Vec::new();
            // Only a modem: a device the catalog knows, or an ID a switch recipe leads to
            // (option's new_id would grab any vendor-class interface, a phone's ADB too).
            let modem = crate::daemon::modem::is_modem(dev)
                || crate::cmd::install::modem_ids().contains_key(&(dev.vid, dev.pid));
            let (new_id, dev) = if modem {
                let mut watcher = if ctx.global.sim.is_some() {
                    Watcher::polling()
                } else {
                    Watcher::new()
                };
                bind_option(ctx, &mut watcher, dev.clone(), &mut warnings)
            } else {
                (None, dev.clone())
            };
            let dev = &dev;
            let line = DeviceLine::of(dev);
            let already = match to {
                Some(t) => format!("{} is already in {} mode ({now})", dev.label(), t.name()),
                None => format!("{} is already switched (mode {now})", dev.label()),
            };
            let message = match new_id {
                Some(NewIdOutcome::Added) if warnings.is_empty() => format!(
                    "{already}; its serial interfaces had no driver: bound option to {} (new_id)",
                    dev.id()
                ),
                Some(_) => format!("{already}; binding option to its serial interfaces failed"),
                None if !warnings.is_empty() => format!(
                    "{already}; its serial interfaces have no driver and option could not be bound"
                ),
                None => format!("{already}; nothing to do"),
            };
            if ctx.global.json {
                output::json(&Already {
                    device: line,
                    already: true,
                    wanted: to.map(SwitchTo::name),
                    message,
                    new_id,
                    warnings,
                });
            } else {
                println!("{message}.");
                for w in &warnings {
                    eprintln!("dongle: warning: {w}");
                }
                if !ctx.global.quiet {
                    println!("\nnext: {}", next_step(&line));
                }
            }
            Ok(())
        }
    }
}

fn no_recipe(dev: &UsbDevice, to: Option<SwitchTo>, have_data: bool) -> Failure {
    let ifaces: Vec<String> = dev
        .interfaces
        .iter()
        .map(|i| {
            format!(
                "{} {}{}",
                i.number,
                i.class_triple(),
                i.driver
                    .as_deref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            )
        })
        .collect();
    let data = if have_data {
        ""
    } else {
        " (usb-modeswitch-data is not installed; installing it adds ~500 recipes)"
    };
    let what = match to {
        Some(t) => format!("no known recipe switches {} to {}", dev.label(), t.name()),
        None => format!("no known switch recipe for {}", dev.label()),
    };
    Failure::new(
        Exit::NotFound,
        format!(
            "{what}{data}; its interfaces: {}. Try another --to, or run `dongle doctor` for help",
            ifaces.join(", ")
        ),
    )
}

fn plan_failure(e: PlanError) -> Failure {
    Failure::new(Exit::Failure, e.to_string())
}

fn open_failure(e: OpenError) -> Failure {
    let exit = match e {
        OpenError::Permission { .. } => Exit::Permission,
        OpenError::NoNode { .. } | OpenError::NoBusDev { .. } => Exit::NotFound,
        OpenError::Other { .. } => Exit::Failure,
    };
    Failure::new(exit, e.to_string())
}

/// The catalog's recipe as USB-level switch parameters.
pub fn to_spec(r: &SwitchRecipe) -> switch::SwitchSpec {
    let m = &r.method;
    let method = match m {
        SwitchMethod::Messages { .. }
        | SwitchMethod::HuaweiNew
        | SwitchMethod::HuaweiAlt
        | SwitchMethod::StandardEject { .. }
        | SwitchMethod::OptionMode => Method::Bulk {
            key: m.key().to_string(),
            messages: m.messages(),
            storage: m.is_storage_command(),
            csw_attempts: 1,
            forced_release_delay_ms: None,
        },
        SwitchMethod::Cisco => Method::cisco(m.messages()),
        SwitchMethod::HuaweiLegacy => Method::HuaweiLegacy,
        SwitchMethod::Sierra => Method::Sierra,
        SwitchMethod::Sequans => Method::Sequans,
        SwitchMethod::Qisda => Method::Qisda,
        SwitchMethod::Quanta => Method::Quanta,
        SwitchMethod::Kobil => Method::Kobil,
        SwitchMethod::Blackberry => Method::Blackberry,
        SwitchMethod::Pantech { mode } => Method::Pantech { mode: *mode },
        SwitchMethod::Gct => Method::Gct,
        SwitchMethod::Sony => Method::Sony,
        SwitchMethod::MobileAction => Method::MobileAction,
        SwitchMethod::DetachOnly => Method::DetachOnly,
        SwitchMethod::None => Method::None,
    };
    switch::SwitchSpec {
        method,
        interface: r.interface,
        message_endpoint: r.message_endpoint,
        response_endpoint: r.response_endpoint,
        configuration: r.configuration,
        alt_setting: r.alt_setting,
        reset_usb: r.reset_usb,
        release_delay_ms: r.release_delay_ms,
    }
}

fn describe_recipe(r: &SwitchRecipe) -> String {
    let source = match &r.source {
        dongle_catalog::RecipeSource::BuiltIn { note } => format!("built-in ({note})"),
        dongle_catalog::RecipeSource::ModeswitchData { file, .. } => {
            format!("usb-modeswitch-data {}", PathBuf::from(file).display())
        }
    };
    let targets: Vec<String> = match r.target_vendor {
        Some(v) => r
            .target_products
            .iter()
            .map(|p| format!("{v:04x}:{p:04x}"))
            .collect(),
        None => Vec::new(),
    };
    let mut s = source;
    if !targets.is_empty() {
        s.push_str(&format!("; expect {}", targets.join(" or ")));
    }
    if let Some(t) = r.target {
        s.push_str(&format!(" ({t})"));
    }
    s
}

#[cfg(test)]
mod tests {
    //! The catalog (what usb_modeswitch sends) and dongle-usb (how the plan sends it) describe
    //! the same bytes twice; these tests keep them identical for every method.
    use super::*;
    use dongle_catalog::{RecipeSource, CISCO_MSGS, HUAWEI_NEW_MSG};
    use dongle_usb::switch::Step;
    use dongle_usb::{Endpoint, UsbInterface};

    fn storage() -> UsbDevice {
        UsbDevice {
            path: "1-1".into(),
            vid: 0x12d1,
            pid: 0x1f01,
            manufacturer: None,
            product: None,
            serial: None,
            bcd_device: None,
            configuration: Some(1),
            num_configurations: Some(1),
            busnum: Some(1),
            devnum: Some(2),
            interfaces: vec![UsbInterface {
                number: 0,
                alt: 0,
                class: 8,
                subclass: 6,
                protocol: 0x50,
                name: None,
                driver: Some("usb-storage".into()),
                endpoints: vec![
                    Endpoint::from_descriptor(0x81, 2, 512),
                    Endpoint::from_descriptor(0x02, 2, 512),
                ],
                ttys: vec![],
                net: vec![],
                cdc_wdm: vec![],
            }],
        }
    }

    /// (bmRequestType, bRequest, wValue, wIndex, OUT data, IN wLength, timeout ms)
    type Ctl = (u8, u8, u16, u16, Vec<u8>, u16, u32);

    fn all_methods() -> Vec<SwitchMethod> {
        let msg = dongle_catalog::decode_hex(HUAWEI_NEW_MSG).expect("hex");
        vec![
            SwitchMethod::Messages {
                messages: vec![msg.clone(), vec![1, 2, 3]],
            },
            SwitchMethod::HuaweiNew,
            SwitchMethod::HuaweiAlt,
            SwitchMethod::StandardEject { extra: Some(msg) },
            SwitchMethod::StandardEject { extra: None },
            SwitchMethod::OptionMode,
            SwitchMethod::Cisco,
            SwitchMethod::HuaweiLegacy,
            SwitchMethod::Sierra,
            SwitchMethod::Sequans,
            SwitchMethod::Qisda,
            SwitchMethod::Quanta,
            SwitchMethod::Kobil,
            SwitchMethod::Blackberry,
            SwitchMethod::Pantech { mode: 1 },
            SwitchMethod::Pantech { mode: 2 },
            SwitchMethod::Gct,
            SwitchMethod::Sony,
            SwitchMethod::MobileAction,
            SwitchMethod::DetachOnly,
            SwitchMethod::None,
        ]
    }

    #[test]
    fn plan_sends_exactly_what_the_catalog_says() {
        let dev = storage();
        for m in all_methods() {
            let r = SwitchRecipe::new(
                0x12d1,
                0x1f01,
                m.clone(),
                RecipeSource::BuiltIn { note: "test" },
            );
            let spec = to_spec(&r);
            assert_eq!(spec.method.detaches_first(), m.detaches_first(), "{m}");
            assert_eq!(
                spec.method.is_storage_command(),
                m.is_storage_command(),
                "{m}"
            );
            let plan = switch::plan(&dev, Some(0), &spec, None).expect("plan");
            let bulk: Vec<Vec<u8>> = plan
                .steps
                .iter()
                .filter_map(|s| match s {
                    Step::BulkOut { endpoint, data, .. } => {
                        assert_eq!(*endpoint, 0x02, "{m}: OUT endpoint from the descriptors");
                        Some(data.clone())
                    }
                    _ => None,
                })
                .collect();
            assert_eq!(bulk, m.messages(), "{m}");
            let csws = plan
                .steps
                .iter()
                .filter(|s| matches!(s, Step::ReadCsw { .. }))
                .count();
            let want_csws = m
                .messages()
                .iter()
                .filter(|b| dongle_catalog::expects_csw(b))
                .count();
            assert_eq!(csws, want_csws, "{m}");
            // Sony sends its request twice (before and after the device returns).
            let mut ctl: Vec<Ctl> = plan
                .steps
                .iter()
                .filter_map(|s| match s {
                    Step::ControlOut {
                        request_type,
                        request,
                        value,
                        index,
                        data,
                        timeout_ms,
                        ..
                    } => Some((
                        *request_type,
                        *request,
                        *value,
                        *index,
                        data.clone(),
                        0,
                        *timeout_ms,
                    )),
                    Step::ControlIn {
                        request_type,
                        request,
                        value,
                        index,
                        length,
                        timeout_ms,
                        ..
                    } => Some((
                        *request_type,
                        *request,
                        *value,
                        *index,
                        vec![],
                        *length,
                        *timeout_ms,
                    )),
                    _ => None,
                })
                .collect();
            if m == SwitchMethod::Sony {
                assert_eq!(ctl.len(), 2);
                ctl.pop();
            }
            let want: Vec<_> = m
                .control_requests(0)
                .into_iter()
                .map(|c| {
                    (
                        c.request_type,
                        c.request,
                        c.value,
                        c.index,
                        c.data,
                        c.read_len,
                        c.timeout_ms,
                    )
                })
                .collect();
            assert_eq!(ctl, want, "{m}");
        }
        assert_eq!(CISCO_MSGS.len(), 11);
    }
}
