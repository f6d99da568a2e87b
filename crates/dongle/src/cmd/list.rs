//! `dongle list`: every USB device that looks like a modem, from sysfs alone.

use crate::context::Context;
use crate::failure::Failure;
use crate::output;
use dongle_catalog::Personality;
use serde::Serialize;

/// One interface as `list`/`show` report it.
#[derive(Serialize)]
struct InterfaceOut {
    number: u8,
    /// `ff/02/01`: class/subclass/protocol in hex.
    class: String,
    driver: Option<String>,
    /// What the interface is for, when the descriptors or our table say.
    role: Option<dongle_catalog::PortRole>,
    ttys: Vec<String>,
    net: Vec<String>,
}

#[derive(Serialize)]
struct Entry {
    index: usize,
    /// USB path (`1-1.4`); `device` is the same, kept for scripts written first.
    path: String,
    device: String,
    id: String,
    manufacturer: Option<String>,
    product: Option<String>,
    model: Option<&'static str>,
    mode: Personality,
    interfaces: Vec<InterfaceOut>,
    /// Serial ports (`ttyUSB0`…); `ttys` is the same.
    ports: Vec<String>,
    ttys: Vec<String>,
    /// Network interfaces (`wwan0`…); `net` is the same.
    netifs: Vec<String>,
    net: Vec<String>,
    drivers: Vec<String>,
}

fn entry(i: usize, d: &dongle_usb::UsbDevice) -> Entry {
    let mut drivers: Vec<String> = d
        .interfaces
        .iter()
        .filter_map(|i| i.driver.clone())
        .collect();
    drivers.sort();
    drivers.dedup();
    let ttys: Vec<String> = d.ttys().into_iter().map(|(_, t)| t).collect();
    let net: Vec<String> = d.net().into_iter().map(|(_, n)| n).collect();
    Entry {
        index: i + 1,
        path: d.path.clone(),
        device: d.path.clone(),
        id: d.id(),
        manufacturer: d.manufacturer.clone(),
        product: d.product.clone(),
        model: dongle_catalog::lookup(d.vid, d.pid).map(|k| k.model),
        mode: dongle_catalog::personality(d),
        interfaces: d
            .interfaces
            .iter()
            .map(|i| InterfaceOut {
                number: i.number,
                class: i.class_triple(),
                driver: i.driver.clone(),
                role: dongle_catalog::port_role(d, i).map(|(r, _)| r),
                ttys: i.ttys.clone(),
                net: i.net.clone(),
            })
            .collect(),
        ports: ttys.clone(),
        ttys,
        netifs: net.clone(),
        net,
        drivers,
    }
}

/// `dongle show [DEV]`: one device in full.
pub fn show(ctx: &Context, dev: Option<&str>) -> Result<(), Failure> {
    let devices = ctx.sysfs.devices()?;
    let (i, d) = match dev {
        Some(spec) => {
            let d = ctx.sysfs.find(spec)?;
            let i = devices.iter().position(|x| x.path == d.path).unwrap_or(0);
            (i, d)
        }
        None => match devices.first() {
            Some(d) => (0, d.clone()),
            None => {
                return Err(Failure::new(
                    crate::failure::Exit::NotFound,
                    format!("no USB devices under {}", ctx.sysfs.root().display()),
                ))
            }
        },
    };
    let e = entry(i, &d);
    if ctx.global.json {
        output::json(&e);
        return Ok(());
    }
    let model = e
        .model
        .map(String::from)
        .or(e.product.clone())
        .unwrap_or_else(|| "-".into());
    println!("{}  {}  {}  ({})", e.path, e.id, model, e.mode.as_str());
    let mut rows = vec![["IF", "CLASS", "DRIVER", "ROLE", "PORTS"]
        .map(String::from)
        .to_vec()];
    for i in &e.interfaces {
        let mut ports = i.ttys.clone();
        ports.extend(i.net.iter().cloned());
        rows.push(vec![
            i.number.to_string(),
            i.class.clone(),
            output::or_dash(i.driver.clone()),
            output::or_dash(i.role),
            if ports.is_empty() {
                "-".into()
            } else {
                ports.join(",")
            },
        ]);
    }
    output::table(&rows, "  ");
    if !ctx.global.quiet {
        println!("\n{}", next_step(std::slice::from_ref(&e)));
    }
    Ok(())
}

pub fn run(ctx: &Context) -> Result<(), Failure> {
    let devices = ctx.sysfs.devices()?;
    let entries: Vec<Entry> = devices
        .iter()
        .enumerate()
        .map(|(i, d)| entry(i, d))
        .collect();
    if ctx.global.json {
        output::json(&entries);
        return Ok(());
    }
    if entries.is_empty() {
        println!("No USB devices found under {}.", ctx.sysfs.root().display());
        return Ok(());
    }
    let mut rows = vec![["#", "DEVICE", "ID", "MODEL", "MODE", "PORTS", "DRIVERS"]
        .map(String::from)
        .to_vec()];
    for e in &entries {
        let model = e
            .model
            .map(String::from)
            .or(e.product.clone())
            .unwrap_or_else(|| "-".into());
        let mut ports = e.ttys.clone();
        ports.extend(e.net.iter().cloned());
        rows.push(vec![
            e.index.to_string(),
            e.device.clone(),
            e.id.clone(),
            model,
            e.mode.as_str().to_string(),
            if ports.is_empty() {
                "-".into()
            } else {
                ports.join(",")
            },
            e.drivers.join(","),
        ]);
    }
    output::table(&rows, "");
    if !ctx.global.quiet {
        println!("\n{}", next_step(&entries));
    }
    Ok(())
}

/// The next step for the first device that needs one.
fn next_step(entries: &[Entry]) -> String {
    let first = |m: Personality| entries.iter().find(|e| e.mode == m);
    if let Some(e) = first(Personality::Storage) {
        return format!(
            "next: dongle switch {} (it is in storage/CD-ROM mode)",
            e.device
        );
    }
    if let Some(e) = entries.iter().find(|e| !e.ttys.is_empty()) {
        return format!("next: dongle probe {}", e.device);
    }
    if let Some(e) = first(Personality::Hilink) {
        return format!(
            "next: {} is a HiLink stick (a router on {}): its web API is at http://192.168.8.1",
            e.device,
            e.net
                .first()
                .map(String::as_str)
                .unwrap_or("its network interface")
        );
    }
    "next: plug in a modem; `dongle list` shows what the kernel sees".into()
}
