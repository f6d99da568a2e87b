//! Shared by the story and case tests: read a case file (a `#` header, then the log), run the
//! doctor on the log part, check the header's expectations.
#![allow(dead_code)]

use dongle_doctor::{Doctor, Report};
use std::path::Path;

/// What a case's header asks for.
pub struct Case {
    pub name: String,
    /// `# expect: a b c`: every id must be among the top findings.
    pub expect: Vec<String>,
    /// `# first: a | b`: the first finding must be one of these.
    pub first: Vec<String>,
    /// `# mode: serial`: the last device's mode.
    pub mode: Option<String>,
    /// `# source: URL`
    pub source: Option<String>,
    pub log: String,
}

pub fn load(path: &Path) -> Case {
    let text = std::fs::read_to_string(path).expect("case file readable");
    let mut expect = Vec::new();
    let mut first = Vec::new();
    let mut mode = None;
    let mut source = None;
    let mut body = Vec::new();
    let mut in_header = true;
    for line in text.lines() {
        if in_header && line.starts_with('#') {
            let l = line.trim_start_matches('#').trim();
            if let Some(v) = l.strip_prefix("expect:") {
                expect.extend(
                    v.split([' ', ','])
                        .filter(|s| !s.is_empty())
                        .map(String::from),
                );
            } else if let Some(v) = l.strip_prefix("first:") {
                first.extend(
                    v.split([' ', '|', ','])
                        .filter(|s| !s.is_empty())
                        .map(String::from),
                );
            } else if let Some(v) = l.strip_prefix("mode:") {
                mode = Some(v.trim().to_string());
            } else if let Some(v) = l.strip_prefix("source:") {
                source = Some(v.trim().to_string());
            }
            continue;
        }
        in_header = false;
        body.push(line);
    }
    Case {
        name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        expect,
        first,
        mode,
        source,
        log: body.join("\n"),
    }
}

pub fn diagnose(log: &str) -> Report {
    let mut d = Doctor::new().expect("built-in rules parse");
    d.feed_reader(log.as_bytes()).expect("reading from memory");
    d.finish()
}

/// Check a case; Err explains what is wrong.
pub fn check(case: &Case, top: usize) -> Result<Report, String> {
    let r = diagnose(&case.log);
    let ids = r.problems();
    // `# expect: (none)`: a healthy log, no finding allowed.
    if case.expect.iter().any(|e| e == "(none)") {
        if !ids.is_empty() {
            return Err(format!(
                "{}: a healthy log, yet findings {ids:?}",
                case.name
            ));
        }
        return mode_ok(case, r);
    }
    let top_ids: Vec<&str> = ids.iter().take(top).copied().collect();
    for e in &case.expect {
        if !top_ids.contains(&e.as_str()) {
            return Err(format!(
                "{}: expected {e} among the top {top}, got {ids:?}",
                case.name
            ));
        }
    }
    if !case.first.is_empty() {
        let f = ids.first().copied().unwrap_or("(none)");
        if !case.first.iter().any(|x| x == f) {
            return Err(format!(
                "{}: first finding {f}, expected one of {:?}; all: {ids:?}",
                case.name, case.first
            ));
        }
    }
    mode_ok(case, r)
}

fn mode_ok(case: &Case, r: Report) -> Result<Report, String> {
    if let Some(m) = &case.mode {
        let got = r.devices.first().map(|d| d.mode).unwrap_or("(no device)");
        if got != m {
            return Err(format!("{}: mode {got}, expected {m}", case.name));
        }
    }
    Ok(r)
}
