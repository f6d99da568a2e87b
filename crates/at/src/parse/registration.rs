//! Network registration: `+CREG`, `+CGREG`, `+CEREG`, `+C5GREG`, both the
//! solicited (`AT+CREG?`) and the unsolicited (URC) forms.

use super::{is_decimal, is_quoted, lines, parse_dec, parse_hex, split_fields, strip_prefix};
use super::{AccessTech, ParseError, Result};

/// Which registration command a line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum RegCommand {
    /// Circuit-switched (TS 27.007 §7.2).
    Creg,
    /// GPRS / packet-switched (§10.1.20).
    Cgreg,
    /// EPS / LTE (§10.1.22).
    Cereg,
    /// 5GS (§10.1.23).
    C5greg,
}

impl RegCommand {
    const ALL: [(&'static str, RegCommand); 4] = [
        ("+CREG", RegCommand::Creg),
        ("+CGREG", RegCommand::Cgreg),
        ("+CEREG", RegCommand::Cereg),
        ("+C5GREG", RegCommand::C5greg),
    ];
}

/// Registration state `<stat>` (TS 27.007 §7.2, §10.1.22).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum RegState {
    /// 0: not registered and not searching.
    NotRegistered,
    /// 1: registered, home network.
    Home,
    /// 2: not registered, searching.
    Searching,
    /// 3: registration denied.
    Denied,
    /// 4, and any value this parser does not know.
    Unknown,
    /// 5: registered, roaming.
    Roaming,
    /// 6: registered for SMS only, home.
    HomeSmsOnly,
    /// 7: registered for SMS only, roaming.
    RoamingSmsOnly,
    /// 8: attached for emergency bearer services only.
    EmergencyOnly,
    /// 9: registered for CSFB not preferred, home.
    HomeCsfbNotPreferred,
    /// 10: registered for CSFB not preferred, roaming.
    RoamingCsfbNotPreferred,
    /// 11: attached for access to RLOS.
    AttachedRlos,
}

impl RegState {
    /// Maps `<stat>`; values above 11 become [`RegState::Unknown`].
    pub fn from_stat(stat: u32) -> RegState {
        use RegState::*;
        match stat {
            0 => NotRegistered,
            1 => Home,
            2 => Searching,
            3 => Denied,
            5 => Roaming,
            6 => HomeSmsOnly,
            7 => RoamingSmsOnly,
            8 => EmergencyOnly,
            9 => HomeCsfbNotPreferred,
            10 => RoamingCsfbNotPreferred,
            11 => AttachedRlos,
            _ => Unknown,
        }
    }

    /// Whether the modem is registered (home or roaming, any flavour).
    pub fn is_registered(self) -> bool {
        use RegState::*;
        matches!(
            self,
            Home | Roaming
                | HomeSmsOnly
                | RoamingSmsOnly
                | HomeCsfbNotPreferred
                | RoamingCsfbNotPreferred
        )
    }
}

/// One registration report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Registration {
    pub command: RegCommand,
    /// The `<n>` setting echoed by solicited replies; `None` in URCs.
    pub n: Option<u8>,
    pub state: RegState,
    /// Location area code (CREG/CGREG) or tracking area code (CEREG/C5GREG).
    pub lac: Option<u32>,
    /// Cell identity.
    pub ci: Option<u32>,
    pub act: Option<AccessTech>,
}

/// A 27.007 `<AcT>` as printed: unquoted, 1–3 digits.
fn act_like(s: &str) -> bool {
    !is_quoted(s) && s.len() <= 3 && is_decimal(s)
}

/// Does the reply start with the `<n>` setting? Solicited replies are
/// `<n>,<stat>[,…]` and URCs `<stat>[,…]`; the two can only be told apart by
/// asking whether the second field is a `<stat>` or already a LAC.
fn has_n(f: &[&str]) -> bool {
    match f.len() {
        0 | 1 | 3 => false,
        2 => true,
        _ => {
            let second = f[1];
            if is_quoted(second) || !is_decimal(second) || !is_decimal(f[0]) {
                // A quoted or hex second field is a LAC.
                false
            } else if second.len() <= 2 {
                true
            } else {
                // All-digit 3+ character field ("0001", "0011"): a zero-padded
                // <stat> if the URC reading fails because field 4 is no AcT.
                !act_like(f[3])
            }
        }
    }
}

fn parse_line(command: RegCommand, rest: &str, body: &str) -> Result<Registration> {
    let name = match command {
        RegCommand::Creg => "+CREG",
        RegCommand::Cgreg => "+CGREG",
        RegCommand::Cereg => "+CEREG",
        RegCommand::C5greg => "+C5GREG",
    };
    let err = |why: &str| ParseError::new(name, why, body);
    let f = split_fields(rest);
    let (n, f) = if has_n(&f) {
        let n = parse_dec::<u8>(f[0]).ok_or_else(|| err("bad <n>"))?;
        (Some(n), &f[1..])
    } else {
        (None, &f[..])
    };
    let stat = parse_dec::<u32>(f[0]).ok_or_else(|| err("bad <stat>"))?;
    let rest = &f[1..];
    // The fields after <stat> are <lac>,<ci>[,<AcT>[,…]], except Novatel's
    // CEREG which puts a RAC between TAC and CI: <tac>,<rac>,<ci>,<AcT>.
    let (lac, ci, act) = match rest {
        [] => (None, None, None),
        [lac, rac, ci, act] if act_like(act) && !act_like(ci) && rac.len() <= 2 => {
            (Some(*lac), Some(*ci), Some(*act))
        }
        [lac, ci] => (Some(*lac), Some(*ci), None),
        [lac, ci, act, ..] => (Some(*lac), Some(*ci), Some(*act)),
        [_] => return Err(err("a LAC without a cell id")),
    };
    let hex = |s: Option<&str>| s.and_then(parse_hex).and_then(|v| u32::try_from(v).ok());
    Ok(Registration {
        command,
        n,
        state: RegState::from_stat(stat),
        lac: hex(lac),
        ci: hex(ci),
        act: act
            .filter(|a| act_like(a))
            .and_then(parse_dec::<u8>)
            .and_then(AccessTech::from_27007_act),
    })
}

/// Parses the first `+CREG`/`+CGREG`/`+CEREG`/`+C5GREG` line of `body`
/// (3GPP TS 27.007 §7.2, §10.1.20, §10.1.22, §10.1.23), solicited or URC.
///
/// LAC/TAC and CI are hex, quoted or not, with or without leading zeros;
/// stray spaces are tolerated. Fields after the AcT (RAC, NSSAI, cause…) are
/// ignored. Only the first report counts when a buffer holds several.
pub fn parse_registration(body: &str) -> Result<Registration> {
    for line in lines(body) {
        for (prefix, command) in RegCommand::ALL {
            if let Some(rest) = strip_prefix(line, prefix) {
                return parse_line(command, rest, body);
            }
        }
    }
    Err(ParseError::new("+CREG", "no registration line", body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let r = parse_registration("+CEREG: 2,1,\"1F00\",\"79D903\",7").unwrap();
        assert_eq!(r.n, Some(2));
        assert_eq!(r.act, Some(AccessTech::Lte));
        assert!(r.state.is_registered());
        assert!(parse_registration("+CREG: 1,2,3").is_ok());
        assert!(parse_registration("+CREG: x").is_err());
        assert!(parse_registration("+COPS: 0").is_err());
        assert_eq!(
            parse_registration("+CREG: 99").unwrap().state,
            RegState::Unknown
        );
    }
}
