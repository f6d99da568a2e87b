//! `dongle ussd CODE`: a USSD request (27.007 §7.15 `+CUSD`) and the
//! network's decoded answer; on a HiLink stick through its web API
//! (cmd/sms_hilink.rs).

use crate::cli::PortSelect;
use crate::cmd::sms::{open, printable, sms_failure};
use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::output;
use clap::Args;
use dongle_at::pdu::ussd::{self, Cusd};
use dongle_at::AtSession;
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
pub struct UssdArgs {
    /// The code: digits, *, # and + only (e.g. *100#), at most 182 characters.
    pub code: String,
    #[command(flatten)]
    pub select: PortSelect,
    /// Seconds to wait for the network's answer.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub timeout: u64,
}

/// Huawei firmware of the E1550/E173 generation takes the code only as
/// packed GSM-7 hex; newer firmware and other makers take plain text.
fn is_huawei(s: &AtSession) -> bool {
    s.command("AT+CGMI")
        .map(|r| r.body().to_ascii_lowercase().contains("huawei"))
        .unwrap_or(false)
}

/// `+CUSD` in the response (some firmware answers before `OK`) or as a URC.
fn find_cusd(lines: &[String]) -> Option<Cusd> {
    lines.iter().find_map(|l| ussd::parse_cusd(l))
}

/// The reply as `--json` prints it; over HiLink only `text` is known.
#[derive(serde::Serialize)]
struct Out<'a> {
    code: &'a str,
    status: Option<u8>,
    status_text: Option<&'static str>,
    text: Option<&'a str>,
    dcs: Option<u8>,
    raw: Option<&'a str>,
}

pub fn run(ctx: &Context, a: &UssdArgs) -> Result<(), Failure> {
    ussd::validate_code(&a.code).map_err(|e| Failure::new(Exit::Usage, e))?;
    let (dev, port) = (a.select.device.as_deref(), a.select.port.as_deref());
    if let Some(url) = crate::cmd::sms_hilink::target(ctx, dev, port) {
        let text =
            crate::cmd::sms_hilink::ussd(ctx, &url, &a.code, Duration::from_secs(a.timeout))?;
        if ctx.global.json {
            output::json(&Out {
                code: &a.code,
                status: None,
                status_text: None,
                text: Some(&text),
                dcs: None,
                raw: None,
            });
        } else {
            println!("{}", printable(&text));
        }
        return Ok(());
    }
    let s = open(ctx, a.select.device.as_deref(), a.select.port.as_deref())?;
    let _ = s.command("AT+CMEE=1");
    let urcs = s.subscribe();
    let packed = format!("AT+CUSD=1,\"{}\",15", ussd::pack_code(&a.code));
    let plain = format!("AT+CUSD=1,\"{}\",15", a.code);
    let tries: Vec<&str> = if is_huawei(&s) {
        vec![&packed, &plain]
    } else {
        vec![&plain]
    };
    let mut answered = None;
    let mut last_err = None;
    for t in tries {
        match s.command_with(t, Duration::from_secs(10), None) {
            Ok(r) => {
                answered = Some(find_cusd(&r.lines));
                break;
            }
            Err(e) => last_err = Some(e),
        }
    }
    let Some(early) = answered else {
        let e = last_err.map_or_else(
            || Failure::new(Exit::Modem, "the modem took no USSD request"),
            |e| sms_failure(e, &format!("sending USSD {}", a.code)),
        );
        return Err(e);
    };
    let deadline = Instant::now() + Duration::from_secs(a.timeout);
    let reply = match early {
        Some(c) => c,
        None => loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Failure::new(
                    Exit::Modem,
                    format!(
                        "USSD {}: no answer from the network within {} s (try again, or a longer --timeout; some codes only work when registered on the home network)",
                        a.code, a.timeout
                    ),
                ));
            }
            match urcs.recv_timeout(left) {
                Ok(u) if u.name == "+CUSD" => {
                    if let Some(c) = ussd::parse_cusd(&u.line) {
                        break c;
                    }
                }
                Ok(_) => {}
                Err(_) => {}
            }
        },
    };
    if ctx.global.json {
        output::json(&Out {
            code: &a.code,
            status: Some(reply.status),
            status_text: Some(reply.status_text()),
            text: reply.text.as_deref(),
            dcs: reply.dcs,
            raw: reply.raw.as_deref(),
        });
    } else if let Some(t) = &reply.text {
        println!("{}", printable(t));
        if reply.status == 1 {
            println!("\nnext: the network waits for your answer: dongle ussd ANSWER");
        }
    }
    match reply.status {
        0..=2 => Ok(()),
        4 => Err(Failure::new(
            Exit::Modem,
            format!(
                "USSD {}: the network does not support this code (check it with your operator)",
                a.code
            ),
        )),
        _ => Err(Failure::new(
            Exit::Modem,
            format!("USSD {}: {} (try again)", a.code, reply.status_text()),
        )),
    }
}
