//! `dongle unlock`: the SIM PIN (or PUK and a new PIN), read from a file or
//! an environment variable, never from the command line.

use crate::cli::UnlockArgs;
use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::output;
use crate::ports;
use dongle_connect::input::{read_secret, Code};
use dongle_connect::sim;

pub fn read_codes(a: &crate::cli::SecretArgs) -> Result<(Option<Code>, Option<Code>), Failure> {
    let usage = |e: dongle_connect::input::InputError| Failure::new(Exit::Usage, e.to_string());
    let pin = read_secret(a.pin_file.as_deref(), a.pin_env.as_deref(), "PIN").map_err(usage)?;
    let puk = read_secret(a.puk_file.as_deref(), a.puk_env.as_deref(), "PUK").map_err(usage)?;
    let pin = pin.map(|p| Code::pin(&p)).transpose().map_err(usage)?;
    let puk = puk.map(|p| Code::puk(&p)).transpose().map_err(usage)?;
    Ok((pin, puk))
}

pub fn run(ctx: &Context, a: &UnlockArgs) -> Result<(), Failure> {
    let (pin, puk) = read_codes(&a.secrets)?;
    let s = ports::open_control(ctx, a.select.device.as_deref(), a.select.port.as_deref())?;
    if pin.is_none() && puk.is_none() {
        // No code given: report the state, which is what the user needs to decide.
        let st = sim::status(&s).map_err(finding_failure)?;
        if ctx.global.json {
            output::json(&st);
        } else {
            let tries = st
                .retries
                .as_ref()
                .map(|r| format!(" (PIN tries left {}, PUK {})", r.pin, r.puk))
                .unwrap_or_default();
            println!("SIM: {:?}{tries}", st.state);
            if let Some(f) = sim::blocking_finding(&st) {
                println!("{}\nfix: {}", f.summary, f.fix);
            }
        }
        return Ok(());
    }
    let done = sim::unlock(&s, pin.as_ref(), puk.as_ref(), a.force).map_err(finding_failure)?;
    if ctx.global.json {
        output::json(&done);
    } else if done.before == sim::SimState::Ready {
        println!("The SIM was already unlocked; nothing sent.");
    } else {
        println!("SIM unlocked.\n\nnext: dongle up");
    }
    Ok(())
}

/// A finding as a failure: one line with the fix.
pub fn finding_failure(f: dongle_connect::Finding) -> Failure {
    let exit = match f.problem {
        "port_gone" => Exit::Gone,
        "modem_error" => Exit::Modem,
        _ => Exit::Offline,
    };
    Failure::new(
        exit,
        format!("{} [{}]\nfix: {}", f.summary, f.problem, f.fix),
    )
    .diagnosed(f.problem, f.fix)
}
