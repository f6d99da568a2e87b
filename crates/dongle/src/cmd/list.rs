//! `dongle list`: every USB device that looks like a modem, from sysfs alone.

use crate::context::Context;
use crate::failure::Failure;
use crate::output;
use dongle_catalog::Personality;
use serde::Serialize;

#[derive(Serialize)]
struct Entry {
    index: usize,
    device: String,
    id: String,
    manufacturer: Option<String>,
    product: Option<String>,
    model: Option<&'static str>,
    mode: Personality,
    ttys: Vec<String>,
    net: Vec<String>,
    drivers: Vec<String>,
}

pub fn run(ctx: &Context) -> Result<(), Failure> {
    let devices = ctx.sysfs.devices()?;
    let entries: Vec<Entry> = devices
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut drivers: Vec<String> = d
                .interfaces
                .iter()
                .filter_map(|i| i.driver.clone())
                .collect();
            drivers.sort();
            drivers.dedup();
            Entry {
                index: i + 1,
                device: d.path.clone(),
                id: d.id(),
                manufacturer: d.manufacturer.clone(),
                product: d.product.clone(),
                model: dongle_catalog::lookup(d.vid, d.pid).map(|k| k.model),
                mode: dongle_catalog::personality(d),
                ttys: d.ttys().into_iter().map(|(_, t)| t).collect(),
                net: d.net().into_iter().map(|(_, n)| n).collect(),
                drivers,
            }
        })
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
