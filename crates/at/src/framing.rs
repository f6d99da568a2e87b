//! Bytes to AT events: echo, response lines, final results, prompts and URCs.
//!
//! Modems frame responses as `<CR><LF>text<CR><LF>` (ITU-T V.250 §5.7.1 with
//! `V1`), echo the command line first when `E1` is on, and interleave
//! unsolicited messages anywhere, even between a response's info lines and its
//! final `OK`. Reads arrive in arbitrary pieces, with stray NULs and, on the
//! wrong port, binary junk. [`Decoder`] is an explicit state machine over
//! that stream: it is told when a command starts ([`Decoder::begin`]) and
//! emits [`Event`]s; it never blocks and never panics on any input.

use crate::result::FinalResult;
use crate::urc::{self, Urc};

/// One thing recognised in the byte stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The modem echoed the command line back.
    Echo(String),
    /// An information line of the current command's response.
    Line(String),
    /// The current command is finished.
    Final(FinalResult),
    /// An unsolicited message.
    Urc(Urc),
    /// A line while no command was in flight that is no URC we know (a late
    /// reply to a timed-out command, boot chatter).
    Stray(String),
}

/// Drop echo and garbage in front of a response: everything before the first
/// `\r\n`, unless that text is itself a call result (some devices send
/// `\nNO CARRIER\r\n` without the leading CR). A buffer without any `\r\n`
/// is returned unchanged: the echo may not be complete yet.
pub fn remove_echo(buf: &[u8]) -> &[u8] {
    let Some(i) = find_crlf(buf) else {
        return buf;
    };
    let head = String::from_utf8_lossy(&buf[..i]);
    let head = head.trim_matches(['\r', '\n']);
    match FinalResult::from_line(head) {
        Some(FinalResult::Connect(_))
        | Some(FinalResult::NoCarrier)
        | Some(FinalResult::Busy)
        | Some(FinalResult::NoAnswer)
        | Some(FinalResult::NoDialtone) => buf,
        _ => &buf[i..],
    }
}

fn find_crlf(buf: &[u8]) -> Option<usize> {
    buf.windows(2).position(|w| w == b"\r\n")
}

/// Bytes that are never part of AT text. Counted so that a prober can tell
/// a diagnostics port (HDLC frames, NUL runs) from a quiet AT port.
fn is_binary(b: u8) -> bool {
    (b < 0x20 && b != b'\r' && b != b'\n' && b != b'\t') || b == 0x7f
}

/// The command in flight, as the decoder needs to know it.
#[derive(Debug)]
struct Pending {
    /// The command line as sent, upper-cased, without CR.
    echo: String,
    /// Names of the commands in the line (`+COPS` for `AT+COPS=3,0;+COPS?`):
    /// lines starting with one of these are responses, never URCs.
    names: Vec<String>,
    /// Still looking for the echo at the start of the response.
    echo_pending: bool,
    /// An info line has been seen (an echo can only come before).
    seen_line: bool,
}

/// Streaming AT decoder.
#[derive(Debug, Default)]
pub struct Decoder {
    buf: Vec<u8>,
    pending: Option<Pending>,
    /// Header of a two-line URC whose body line is still to come.
    urc_header: Option<Urc>,
    binary: usize,
    text: usize,
}

/// Upper limit on an unterminated line; beyond it the data is not AT.
const MAX_LINE: usize = 4096;

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// A command line has just been (or is about to be) written.
    pub fn begin(&mut self, command: &str) {
        let echo = command
            .trim_end_matches(['\r', '\n'])
            .trim()
            .to_ascii_uppercase();
        let names = command_names(&echo);
        self.pending = Some(Pending {
            echo,
            names,
            echo_pending: true,
            seen_line: false,
        });
    }

    /// The command ended (final result, timeout or cancellation).
    pub fn end(&mut self) {
        self.pending = None;
    }

    /// Is a command in flight?
    pub fn in_flight(&self) -> bool {
        self.pending.is_some()
    }

    /// Count of binary (non-AT) bytes and of text bytes seen so far.
    pub fn byte_counts(&self) -> (usize, usize) {
        (self.binary, self.text)
    }

    /// Feed bytes; recognised events are appended to `out`.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<Event>) {
        for &b in bytes {
            if is_binary(b) {
                self.binary += 1;
                continue;
            }
            // Bytes above 0x7f may be UTF-8 text, but on an AT port they are
            // far more often a diagnostics protocol: keep them, count them.
            if b >= 0x80 {
                self.binary += 1;
            } else {
                self.text += 1;
            }
            self.buf.push(b);
        }
        self.drain(out);
    }

    fn drain(&mut self, out: &mut Vec<Event>) {
        if self.pending.as_ref().is_some_and(|p| p.echo_pending) {
            if find_crlf(&self.buf).is_none() && self.buf.len() < MAX_LINE {
                // The echo (or a response without leading CRLF) may be incomplete.
                if !self.buf.starts_with(b"\n") && !self.prompt_waiting() {
                    return;
                }
            }
            let rest = remove_echo(&self.buf);
            let cut = self.buf.len() - rest.len();
            if cut > 0 {
                let text = String::from_utf8_lossy(&self.buf[..cut]).trim().to_string();
                self.buf.drain(..cut);
                if !text.is_empty() {
                    out.push(Event::Echo(text));
                }
            }
            if let Some(p) = self.pending.as_mut() {
                p.echo_pending = false;
            }
        }
        loop {
            let start = self.buf.iter().position(|&b| b != b'\r' && b != b'\n');
            match start {
                None => {
                    self.buf.clear();
                    return;
                }
                Some(s) => {
                    self.buf.drain(..s);
                }
            }
            let Some(end) = self.buf.iter().position(|&b| b == b'\r' || b == b'\n') else {
                if self.prompt_waiting() {
                    self.buf.clear();
                    self.finish(FinalResult::Prompt, out);
                } else if self.buf.len() > MAX_LINE {
                    let junk = String::from_utf8_lossy(&self.buf).into_owned();
                    self.buf.clear();
                    out.push(Event::Stray(junk));
                }
                return;
            };
            // Invalid UTF-8 is line noise (stray 0xff bytes on a USB serial
            // link), never text: drop it, and drop lines that were only noise.
            let line = String::from_utf8_lossy(&self.buf[..end]).replace('\u{FFFD}', "");
            self.buf.drain(..=end);
            if line.trim().is_empty() {
                continue;
            }
            self.line(line, out);
        }
    }

    /// `> ` with nothing after it while a command waits: the SMS prompt
    /// (27.005 §3.5.1), which has no line terminator.
    fn prompt_waiting(&self) -> bool {
        if self.pending.is_none() {
            return false;
        }
        let t: Vec<u8> = self
            .buf
            .iter()
            .copied()
            .filter(|b| !b" \r\n".contains(b))
            .collect();
        t == b">"
    }

    fn finish(&mut self, result: FinalResult, out: &mut Vec<Event>) {
        self.pending = None;
        out.push(Event::Final(result));
    }

    fn line(&mut self, line: String, out: &mut Vec<Event>) {
        if let Some(mut header) = self.urc_header.take() {
            header.body = Some(line);
            out.push(Event::Urc(header));
            return;
        }
        let Some(p) = self.pending.as_mut() else {
            return self.idle_line(line, out);
        };
        // The SMS prompt with more bytes (a URC) behind it in the same read.
        if line.trim() == ">" {
            return self.finish(FinalResult::Prompt, out);
        }
        if !p.seen_line && line.trim().eq_ignore_ascii_case(&p.echo) {
            out.push(Event::Echo(line.trim().to_string()));
            return;
        }
        if let Some(result) = FinalResult::from_line(&line) {
            return self.finish(result, out);
        }
        let solicited = urc::line_name(&line)
            .is_some_and(|n| p.names.iter().any(|c| c == &n || c.starts_with(n.as_str())));
        if !solicited {
            if let Some((name, has_body)) = urc::classify(&line) {
                return self.urc(name, line, has_body, out);
            }
        }
        p.seen_line = true;
        out.push(Event::Line(line));
    }

    fn idle_line(&mut self, line: String, out: &mut Vec<Event>) {
        if let Some((name, has_body)) = urc::classify(&line) {
            return self.urc(name, line, has_body, out);
        }
        // NO CARRIER while idle is the data call (PPP) ending: worth a URC.
        if FinalResult::from_line(&line) == Some(FinalResult::NoCarrier) {
            return self.urc("NO CARRIER".into(), line, false, out);
        }
        out.push(Event::Stray(line));
    }

    fn urc(&mut self, name: String, line: String, has_body: bool, out: &mut Vec<Event>) {
        let u = Urc {
            name,
            line,
            body: None,
        };
        if has_body {
            self.urc_header = Some(u);
        } else {
            out.push(Event::Urc(u));
        }
    }
}

/// The names of the commands in a command line, used to tell their response
/// lines from URCs: `AT+CREG?` answers `+CREG: 0,1` which would otherwise look
/// like the unsolicited `+CREG`. Basic commands (`ATI`, `ATE0`) have no name.
fn command_names(line: &str) -> Vec<String> {
    let body = line.strip_prefix("AT").unwrap_or(line);
    body.split(';')
        .filter_map(|part| {
            let part = part.trim();
            if !part.starts_with(['+', '^', '%', '$', '*']) {
                return None;
            }
            let end = part.find(['=', '?']).unwrap_or(part.len());
            Some(part[..end].to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(cmd: Option<&str>, chunks: &[&[u8]]) -> Vec<Event> {
        let mut d = Decoder::new();
        if let Some(c) = cmd {
            d.begin(c);
        }
        let mut out = Vec::new();
        for c in chunks {
            d.push(c, &mut out);
        }
        out
    }

    fn line(s: &str) -> Event {
        Event::Line(s.into())
    }

    #[test]
    fn echo_then_response_in_one_piece() {
        let ev = run(Some("AT+CSQ"), &[b"AT+CSQ\r\r\n+CSQ: 15,99\r\n\r\nOK\r\n"]);
        assert_eq!(
            ev,
            vec![
                Event::Echo("AT+CSQ".into()),
                line("+CSQ: 15,99"),
                Event::Final(FinalResult::Ok)
            ]
        );
    }

    #[test]
    fn byte_by_byte_with_nuls_and_echo_off() {
        let data = b"\r\n\0+CGMI\0: huawei\r\n\r\nO\0K\r\n";
        let chunks: Vec<&[u8]> = data.chunks(1).collect();
        let ev = run(Some("AT+CGMI"), &chunks);
        assert_eq!(
            ev,
            vec![line("+CGMI: huawei"), Event::Final(FinalResult::Ok)]
        );
    }

    #[test]
    fn urc_in_the_middle_of_a_response_is_routed_apart() {
        let ev = run(
            Some("AT+CREG?"),
            &[b"\r\n+CREG: 2,1,\"00C3\",\"0000F1A2\",7\r\n\r\n^RSSI:17\r\n\r\nOK\r\n"],
        );
        assert_eq!(ev.len(), 3);
        assert_eq!(ev[0], line("+CREG: 2,1,\"00C3\",\"0000F1A2\",7"));
        assert!(matches!(&ev[1], Event::Urc(u) if u.name == "^RSSI" && u.value() == "17"));
        assert_eq!(ev[2], Event::Final(FinalResult::Ok));
    }

    #[test]
    fn unsolicited_creg_while_idle_is_a_urc() {
        let ev = run(None, &[b"\r\n+CREG: 1,\"00C3\",\"0000F1A2\",2\r\n"]);
        assert!(matches!(&ev[0], Event::Urc(u) if u.name == "+CREG"));
    }

    #[test]
    fn late_ok_while_idle_is_stray() {
        assert_eq!(run(None, &[b"\r\nOK\r\n"]), vec![Event::Stray("OK".into())]);
    }

    #[test]
    fn sms_prompt_without_line_end() {
        let ev = run(Some("AT+CMGS=23"), &[b"AT+CMGS=23\r", b"\r\n> "]);
        assert_eq!(ev.last(), Some(&Event::Final(FinalResult::Prompt)));
    }

    #[test]
    fn two_line_cmt_keeps_its_pdu() {
        let ev = run(None, &[b"\r\n+CMT: ,24\r\n07911326040000F0040B911346610089F60000208062917314800CC8F71D14969741F977FD07\r\n"]);
        match &ev[0] {
            Event::Urc(u) => {
                assert_eq!(u.name, "+CMT");
                assert!(u.body.as_deref().is_some_and(|b| b.starts_with("0791")));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ndisstat_answer_to_ndisstatqry_is_a_response() {
        let ev = run(
            Some("AT^NDISSTATQRY?"),
            &[b"\r\n^NDISSTAT: 1,,,\"IPV4\"\r\n\r\nOK\r\n"],
        );
        assert_eq!(ev[0], line("^NDISSTAT: 1,,,\"IPV4\""));
    }

    #[test]
    fn connect_with_rate_ends_dial() {
        let ev = run(Some("ATD*99#"), &[b"ATD*99#\r\r\nCONNECT 150000000\r\n"]);
        assert_eq!(
            ev.last(),
            Some(&Event::Final(FinalResult::Connect(Some(
                "150000000".into()
            ))))
        );
    }

    #[test]
    fn lf_only_no_carrier_is_not_eaten_as_echo() {
        let ev = run(Some("ATD*99#"), &[b"\nNO CARRIER\r\n"]);
        assert_eq!(ev, vec![Event::Final(FinalResult::NoCarrier)]);
    }

    #[test]
    fn binary_junk_is_counted_not_reported_as_text() {
        let mut d = Decoder::new();
        d.begin("AT");
        let mut out = Vec::new();
        d.push(&[0x7e, 0x00, 0x01, 0x02, 0x7e, 0x00, 0x00, 0x13], &mut out);
        assert!(out.is_empty());
        assert_eq!(d.byte_counts().0, 6);
    }

    #[test]
    fn stray_high_bytes_are_noise() {
        let ev = run(
            Some("AT+CGSN"),
            &[b"\r\n866291034123453\xff\r\n\x80\xfe\r\n\r\nOK\r\n"],
        );
        assert_eq!(
            ev,
            vec![line("866291034123453"), Event::Final(FinalResult::Ok)]
        );
    }

    #[test]
    fn utf8_text_survives() {
        let ev = run(
            Some("AT+COPS?"),
            &["\r\n+COPS: 0,0,\"Télé2\",2\r\nOK\r\n".as_bytes()],
        );
        assert_eq!(ev[0], line("+COPS: 0,0,\"Télé2\",2"));
    }

    #[test]
    fn command_names_cover_chains() {
        assert_eq!(command_names("AT+COPS=3,0;+COPS?"), vec!["+COPS", "+COPS"]);
        assert_eq!(command_names("ATI"), Vec::<String>::new());
        assert_eq!(command_names("AT^SYSINFOEX"), vec!["^SYSINFOEX"]);
    }
}
