//! One log line: its time (when the line carries one) and its message with the timestamp and
//! syslog prefixes taken off.
//!
//! Forms understood, alone or stacked:
//! - `dmesg`: `[ 1234.567890] msg`
//! - `dmesg -H` / `-T`: `[Aug15 11:37] msg`, then `[  +0.129958] msg` (deltas),
//!   `[Mon Aug 15 11:37:01 2022] msg`
//! - syslog / `journalctl -k`: `Aug 15 11:37:01 host kernel: msg`, `host tag[pid]: msg`
//! - `journalctl -o short-iso`: `2022-08-15T11:37:01+0200 host kernel: msg`
//! - OpenWrt `logread`: `Mon Aug 15 11:37:01 2022 kern.info kernel: [ 12.3] msg`

/// Running clock for a stream of lines: `dmesg -H` gives deltas from the last full stamp.
#[derive(Debug, Default, Clone)]
pub struct Clock {
    now: Option<f64>,
}

/// A line split into time, syslog tag and message.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<'a> {
    /// Seconds (since boot, or since midnight for wall-clock stamps) when known.
    pub time: Option<f64>,
    /// The syslog program tag (`kernel`, `pppd`, `usb_modeswitch`), when present.
    pub tag: Option<&'a str>,
    /// The message itself.
    pub msg: &'a str,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Clock {
    pub fn new() -> Clock {
        Clock::default()
    }

    /// Split one line (without its newline).
    pub fn parse<'a>(&mut self, line: &'a str) -> Parsed<'a> {
        let mut rest = line.trim_start();
        let mut tag = None;
        // /dev/kmsg records: `6,1234,5678901,-;usb 1-1: …` (priority, sequence, µs, flags).
        if let Some((head, msg)) = rest.split_once(';') {
            let mut f = head.split(',');
            let (p, q, us) = (f.next(), f.next(), f.next());
            let num = |x: Option<&str>| {
                x.is_some_and(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
            };
            if num(p) && num(q) && num(us) {
                if let Some(t) = us.and_then(|v| v.parse::<u64>().ok()) {
                    self.now = Some(t as f64 / 1e6);
                }
                rest = msg;
            }
        }
        // Up to a few stacked prefixes: syslog stamp, host, tag, then a dmesg stamp.
        for _ in 0..4 {
            if let Some((t, r)) = bracket_stamp(rest) {
                if let Some(t) = t {
                    self.now = Some(match t {
                        Stamp::Abs(s) => s,
                        Stamp::Delta(d) => self.now.unwrap_or(0.0) + d,
                    });
                }
                rest = r.trim_start();
                continue;
            }
            if let Some((t, r)) = syslog_stamp(rest) {
                if self.now.is_none() || t.is_some() {
                    if let Some(t) = t {
                        self.now = Some(t);
                    }
                }
                // After a syslog stamp: a host name, then `tag[pid]:` or `facility.level tag:`.
                let (tg, r2) = host_and_tag(r);
                if tg.is_some() {
                    tag = tg;
                }
                rest = r2.trim_start();
                continue;
            }
            break;
        }
        Parsed {
            time: self.now,
            tag,
            msg: rest.trim_end(),
        }
    }
}

enum Stamp {
    Abs(f64),
    Delta(f64),
}

/// `[ 12.345]`, `[  +0.129958]`, `[Aug15 11:37]`, `[Mon Aug 15 11:37:01 2022]`.
fn bracket_stamp(s: &str) -> Option<(Option<Stamp>, &str)> {
    let inner_end = s.strip_prefix('[')?.find(']')?;
    if inner_end > 40 {
        return None;
    }
    let inner = s.get(1..1 + inner_end)?.trim();
    let rest = s.get(2 + inner_end..)?;
    if let Some(d) = inner.strip_prefix('+') {
        return d
            .trim()
            .parse::<f64>()
            .ok()
            .map(|v| (Some(Stamp::Delta(v)), rest));
    }
    if let Ok(v) = inner.parse::<f64>() {
        if v.is_finite() && v >= 0.0 {
            return Some((Some(Stamp::Abs(v)), rest));
        }
        return None;
    }
    // Human forms: must start with a month or day name and contain hh:mm.
    let lower = inner.get(..3)?.to_ascii_lowercase();
    if MONTHS.contains(&lower.as_str()) || DAYS.contains(&lower.as_str()) {
        return Some((clock_in(inner).map(Stamp::Abs), rest));
    }
    None
}

/// The first `hh:mm[:ss]` in `s`, as seconds since midnight.
fn clock_in(s: &str) -> Option<f64> {
    s.split_whitespace().find_map(hms)
}

fn hms(tok: &str) -> Option<f64> {
    let tok = tok.split(['.', ',', '+', 'Z']).next()?;
    let mut parts = tok.split(':');
    let h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let sec: u32 = match parts.next() {
        Some(p) => p.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    Some(f64::from(h * 3600 + m * 60 + sec))
}

/// `Aug 15 11:37:01 `, `Mon Aug 15 11:37:01 2022 `, `2022-08-15T11:37:01.123+0200 `.
fn syslog_stamp(s: &str) -> Option<(Option<f64>, &str)> {
    let first = s.split_whitespace().next()?;
    // ISO: 2022-08-15T11:37:01...
    if first.len() >= 16 && first.as_bytes().get(4) == Some(&b'-') {
        let t = first.split_once('T').and_then(|(_, t)| hms(t.get(..8)?));
        if t.is_some() {
            return Some((t, s.get(first.len()..)?));
        }
        return None;
    }
    let lower = first.get(..3)?.to_ascii_lowercase();
    let mut toks = 0usize;
    let mut pos = 0usize;
    let mut time = None;
    if DAYS.contains(&lower.as_str()) && first.len() == 3 {
        // Mon Aug 15 11:37:01 2022
        for (i, tok) in s.split_whitespace().enumerate().take(5) {
            pos = s.get(pos..)?.find(tok)? + pos + tok.len();
            if i == 3 {
                time = hms(tok);
            }
            toks += 1;
        }
        if toks == 5 && time.is_some() {
            return Some((time, s.get(pos..)?));
        }
        return None;
    }
    if MONTHS.contains(&lower.as_str()) && first.len() == 3 {
        for (i, tok) in s.split_whitespace().enumerate().take(3) {
            pos = s.get(pos..)?.find(tok)? + pos + tok.len();
            if i == 1 && tok.parse::<u32>().is_err() {
                return None;
            }
            if i == 2 {
                time = hms(tok);
            }
        }
        return time.map(|t| (Some(t), s.get(pos..).unwrap_or("")));
    }
    None
}

/// After a syslog stamp: `host tag[pid]: rest`, `host tag: rest`, `kern.info tag: rest`.
fn host_and_tag(s: &str) -> (Option<&str>, &str) {
    let t = s.trim_start();
    let mut it = t.splitn(3, ' ');
    let (Some(a), Some(b)) = (it.next(), it.next()) else {
        return (None, s);
    };
    let rest = it.next().unwrap_or("");
    // `host tag: msg` or `kern.info tag: msg`
    if let Some(tag) = b.strip_suffix(':') {
        return (Some(strip_pid(tag)), rest);
    }
    // `tag: msg` directly (no host)
    if let Some(tag) = a.strip_suffix(':') {
        let after = t.get(a.len()..).unwrap_or("");
        return (Some(strip_pid(tag)), after);
    }
    (None, s)
}

fn strip_pid(tag: &str) -> &str {
    match tag.find('[') {
        Some(i) => tag.get(..i).unwrap_or(tag),
        None => tag,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_dmesg() {
        let mut c = Clock::new();
        let p = c.parse("[ 1234.500000] usb 1-1: new high-speed USB device number 2");
        assert_eq!(p.time, Some(1234.5));
        assert_eq!(p.msg, "usb 1-1: new high-speed USB device number 2");
    }

    #[test]
    fn human_dmesg_with_deltas() {
        let mut c = Clock::new();
        let p = c.parse("[Aug15 11:37] usb 1-1.4: USB disconnect, device number 5");
        assert_eq!(p.time, Some(41820.0));
        assert_eq!(p.msg, "usb 1-1.4: USB disconnect, device number 5");
        let p = c.parse("[  +0.129958] option 1-1.4:1.0: GSM modem (1-port) converter detected");
        assert!((p.time.unwrap_or(0.0) - 41820.129958).abs() < 1e-6);
        assert_eq!(
            p.msg,
            "option 1-1.4:1.0: GSM modem (1-port) converter detected"
        );
        let p = c.parse("[Mon Aug 15 11:38:02 2022] usb 1-1: reset");
        assert_eq!(p.time, Some(41882.0));
        assert_eq!(p.msg, "usb 1-1: reset");
    }

    #[test]
    fn syslog_and_journal() {
        let mut c = Clock::new();
        let p = c.parse("Aug 15 11:37:01 pi kernel: [  12.5] usb 1-1.5: USB disconnect");
        assert_eq!(p.tag, Some("kernel"));
        assert_eq!(p.time, Some(12.5));
        assert_eq!(p.msg, "usb 1-1.5: USB disconnect");
        let p = c.parse("Aug 15 11:37:02 pi usb_modeswitch[812]: switched to 12d1:1506 on 001/005");
        assert_eq!(p.tag, Some("usb_modeswitch"));
        assert_eq!(p.msg, "switched to 12d1:1506 on 001/005");
        let p = c.parse("2022-08-15T11:37:01+0200 pi pppd[99]: Modem hangup");
        assert_eq!(p.tag, Some("pppd"));
        assert_eq!(p.msg, "Modem hangup");
        let p = c.parse("Mon Aug 15 11:37:01 2022 kern.info kernel: [   9.1] usb 1-1: x");
        assert_eq!(p.tag, Some("kernel"));
        assert_eq!(p.msg, "usb 1-1: x");
    }

    #[test]
    fn kmsg_records() {
        let mut c = Clock::new();
        let p = c.parse("6,1234,5678901,-;usb 1-1: USB disconnect, device number 2");
        assert_eq!(p.time, Some(5.678901));
        assert_eq!(p.msg, "usb 1-1: USB disconnect, device number 2");
        assert_eq!(
            c.parse("AT+CGDCONT=1,\"IP\",\"a;b\"").msg,
            "AT+CGDCONT=1,\"IP\",\"a;b\""
        );
    }

    #[test]
    fn junk_is_kept_as_message() {
        let mut c = Clock::new();
        for s in [
            "",
            "[",
            "[]",
            "[+]",
            "Aug",
            "Aug 99",
            "Mon Aug",
            "[Aug15 99:99] x",
            "ü[ä]",
        ] {
            let _ = c.parse(s);
        }
        assert_eq!(
            c.parse("--> Modem not responding.").msg,
            "--> Modem not responding."
        );
    }
}
