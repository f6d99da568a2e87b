//! `dongle info`: identity, SIM, network and signal.

use crate::cli::PortSelect;
use crate::context::Context;
use crate::failure::Failure;
use crate::output::{self, or_dash};
use crate::ports;
use dongle_at::info::{self, ModemInfo};

pub fn run(ctx: &Context, sel: &PortSelect) -> Result<(), Failure> {
    if let Some(url) = crate::cmd::hilink::info_target(ctx, sel) {
        let info = crate::cmd::hilink::info(ctx, &url)?;
        match ctx.global.json {
            true => output::json(&info),
            false => print_human(&info, ctx.global.quiet),
        }
        return Ok(());
    }
    let session = ports::open_control(ctx, sel.device.as_deref(), sel.port.as_deref())?;
    let info = info::query(&session)?;
    if ctx.global.json {
        output::json(&info);
    } else {
        print_human(&info, ctx.global.quiet);
    }
    Ok(())
}

fn print_human(i: &ModemInfo, quiet: bool) {
    let sim = match &i.pin_retries {
        Some(r) => format!("{} (PIN tries left {}, PUK {})", i.sim, r.pin, r.puk),
        None => i.sim.clone(),
    };
    let network = match (&i.operator, &i.operator_code) {
        (Some(n), Some(c)) => format!("{n} ({c})"),
        (Some(n), None) => n.clone(),
        (None, Some(c)) => c.clone(),
        (None, None) => "-".into(),
    };
    let s = &i.signal;
    let mut signal = Vec::new();
    if let Some(q) = s.quality_percent {
        signal.push(format!("{q}%"));
    }
    for (name, v, unit) in [
        ("RSSI", s.rssi_dbm, "dBm"),
        ("RSRP", s.rsrp_dbm, "dBm"),
        ("RSRQ", s.rsrq_db, "dB"),
        ("SINR", s.sinr_db, "dB"),
        ("RSCP", s.rscp_dbm, "dBm"),
        ("Ec/Io", s.ecio_db, "dB"),
    ] {
        if let Some(v) = v {
            signal.push(format!("{name} {v:.1} {unit}"));
        }
    }
    let rows: Vec<Vec<String>> = [
        ("Port", Some(i.port.clone())),
        ("Manufacturer", i.manufacturer.clone()),
        ("Model", i.model.clone()),
        ("Firmware", i.firmware.clone()),
        ("IMEI", i.imei.clone()),
        ("IMSI", i.imsi.clone()),
        ("ICCID", i.iccid.clone()),
        ("SIM", Some(sim)),
        ("Operator", Some(network)),
        ("Registration", Some(i.registration.clone())),
        ("Technology", i.technology.clone()),
        ("Signal", (!signal.is_empty()).then(|| signal.join(", "))),
    ]
    .into_iter()
    .map(|(k, v)| vec![format!("{k}:"), or_dash(v)])
    .collect();
    output::table(&rows, "");
    if quiet {
        return;
    }
    let next = match i.sim.as_str() {
        "pin" => "next: unlock the SIM with `dongle unlock --pin-file FILE`".to_string(),
        "puk" => "next: the SIM is PUK-locked: `dongle unlock --puk-file FILE`".to_string(),
        "absent" => "next: insert a SIM card (contacts down), then replug the stick".to_string(),
        "ready" if i.registration == "home" || i.registration == "roaming" => {
            "next: dongle up".to_string()
        }
        "ready" => format!(
            "next: the modem is {}: check coverage and that the SIM has service",
            i.registration.replace('_', " ")
        ),
        _ => "next: dongle doctor".to_string(),
    };
    println!("\n{next}");
}
