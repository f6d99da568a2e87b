//! `dongle mode get|set`: the stick's persistent port layout (`AT^SETPORT`).

use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::output;
use crate::ports;
use dongle_at::layout::{self, PRESETS};
use dongle_at::parse::huawei::setport::{function_name, SetportConfig};
use dongle_at::AtError;
use serde::Serialize;

#[derive(Serialize)]
struct Function {
    code: String,
    name: Option<&'static str>,
}

#[derive(Serialize)]
struct LayoutOut {
    /// The value as `AT^SETPORT` takes it, e.g. `FF;10,12`.
    layout: String,
    /// Functions before the mode switch; empty for `FF` (no CD-ROM stage).
    before: Vec<Function>,
    after: Vec<Function>,
    preset: Option<&'static str>,
}

impl LayoutOut {
    fn new(c: &SetportConfig) -> LayoutOut {
        let f = |codes: &[String]| {
            codes
                .iter()
                .map(|c| Function {
                    code: c.clone(),
                    name: function_name(c),
                })
                .collect()
        };
        LayoutOut {
            layout: c.to_string(),
            before: c.before.as_deref().map(f).unwrap_or_default(),
            after: f(&c.after),
            preset: layout::preset_of(c).map(|p| p.name),
        }
    }
}

fn describe(fs: &[Function]) -> String {
    if fs.is_empty() {
        return "none (no CD-ROM stage: nothing to switch)".into();
    }
    fs.iter()
        .map(|f| format!("{} {}", f.code, f.name.unwrap_or("?")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn not_huawei(e: AtError) -> Failure {
    match e {
        AtError::Rejected { .. } => Failure::new(
            Exit::Modem,
            "the modem does not support AT^SETPORT (only Huawei stick firmware has it; HiLink firmware needs the HiLink API)",
        ),
        e => e.into(),
    }
}

pub fn get(ctx: &Context, dev: Option<&str>, port: Option<&str>) -> Result<(), Failure> {
    let s = ports::open_control(ctx, dev, port)?;
    let cur = layout::read(&s).map_err(not_huawei)?;
    let out = LayoutOut::new(&cur);
    if ctx.global.json {
        output::json(&out);
        return Ok(());
    }
    let preset = out
        .preset
        .map(|p| format!("  (preset: {p})"))
        .unwrap_or_default();
    output::table(
        &[
            vec!["Layout:".into(), format!("{}{preset}", out.layout)],
            vec!["Before switch:".into(), describe(&out.before)],
            vec!["After switch:".into(), describe(&out.after)],
        ],
        "",
    );
    if !ctx.global.quiet {
        println!("\nPresets:");
        for p in PRESETS {
            println!("  {:<7} {:<22} {}", p.name, p.layout, p.summary);
        }
        println!("\nnext: dongle mode set serial   (or any preset or layout)");
    }
    Ok(())
}

#[derive(Serialize)]
struct SetOut {
    previous: String,
    layout: String,
    changed: bool,
    reset: bool,
    commands: Vec<String>,
}

pub fn set(
    ctx: &Context,
    args: &[String],
    port: Option<&str>,
    dry_run: bool,
    no_reset: bool,
) -> Result<(), Failure> {
    let (dev, mode) = match args {
        [mode] => (None, mode),
        [dev, mode] => (Some(dev.as_str()), mode),
        _ => {
            return Err(Failure::new(
                Exit::Usage,
                "usage: dongle mode set [DEV] MODE",
            ))
        }
    };
    let wanted = layout::resolve(mode).map_err(|e| Failure::new(Exit::Usage, e.to_string()))?;
    let s = ports::open_control(ctx, dev, port)?;
    let cur = layout::read(&s).map_err(not_huawei)?;
    let mut out = SetOut {
        previous: cur.to_string(),
        layout: wanted.to_string(),
        changed: false,
        reset: false,
        commands: Vec::new(),
    };
    if cur == wanted {
        report(
            ctx,
            &out,
            &format!("The layout is already {wanted}; nothing changed."),
        );
        return Ok(());
    }
    out.commands.push(layout::write_command(&wanted));
    if !no_reset {
        out.commands.push("AT^RESET".into());
    }
    if dry_run {
        let msg = format!("Would send: {}", out.commands.join(", then "));
        report(ctx, &out, &msg);
        return Ok(());
    }
    let stored = layout::write(&s, &wanted)?;
    if stored != wanted {
        return Err(Failure::new(
            Exit::Modem,
            format!("the modem accepted AT^SETPORT but reads back {stored}; nothing was reset"),
        ));
    }
    out.changed = true;
    if !no_reset {
        layout::reset(&s)?;
        out.reset = true;
    }
    let next = if no_reset {
        "It takes effect at the next power-up (or `dongle at AT^RESET`)."
    } else {
        "The stick is restarting with it; next: dongle list, then dongle probe."
    };
    report(
        ctx,
        &out,
        &format!(
            "Layout changed from {} to {}. {next}",
            out.previous, out.layout
        ),
    );
    Ok(())
}

fn report(ctx: &Context, out: &SetOut, text: &str) {
    if ctx.global.json {
        output::json(out);
    } else {
        println!("{text}");
    }
}
