//! Real logs users posted publicly (tests/cases/*.txt): each header names its source, date and
//! the diagnosis the thread confirms (`# expect:` ids, `# first:` the acceptable first findings).
//!
//! The measure the issue asks for is the share of cases whose FIRST finding is the expected one:
//! the first id listed in `# first:` (or, without it, in `# expect:`); a healthy log
//! (`# expect: (none)`) is right when it gives no finding at all. A case the doctor cannot
//! explain stays here with its honest header and counts as a miss; the share must stay at or
//! above 85 %. Cases it gets right must also keep every `expect` id among the top findings.

mod common;

use dongle_doctor::Rules;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// How many findings count as "top".
const TOP: usize = 3;
/// The bar: right first finding for at least 85 % of the real cases.
const MIN_SHARE: f64 = 0.85;
/// The bar: at least 40 real cases.
const MIN_CASES: usize = 40;

fn case_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/cases exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    files
}

/// The id the first finding must be: first of `first:`, else first of `expect:`.
fn primary(case: &common::Case) -> &str {
    case.first
        .first()
        .or_else(|| case.expect.first())
        .map(String::as_str)
        .unwrap_or("(none)")
}

#[test]
fn every_case_has_its_header_and_known_ids() {
    let rules = Rules::builtin().expect("built-in rules parse");
    let known: BTreeSet<&str> = rules.rules.iter().map(|r| r.problem.as_str()).collect();
    let files = case_files();
    assert!(
        files.len() >= MIN_CASES,
        "only {} real cases, the issue asks for at least {MIN_CASES}",
        files.len()
    );
    for f in &files {
        let case = common::load(f);
        let source = case.source.as_deref().unwrap_or("");
        assert!(
            source.starts_with("http"),
            "{}: `# source:` must name where the log was posted",
            case.name
        );
        assert!(!case.expect.is_empty(), "{}: no `# expect:`", case.name);
        let text = std::fs::read_to_string(f).expect("case readable");
        assert!(
            text.lines().any(|l| l.starts_with("# date:")),
            "{}: no `# date:`",
            case.name
        );
        assert!(
            text.lines().any(|l| l.starts_with("# diagnosis")),
            "{}: no `# diagnosis` (what the thread confirms)",
            case.name
        );
        for id in case.expect.iter().chain(&case.first) {
            if id == "(none)" {
                continue;
            }
            assert!(
                known.contains(id.as_str()),
                "{}: `{id}` is not a problem id any rule in rules.toml gives",
                case.name
            );
        }
    }
}

#[test]
fn first_finding_is_right_for_enough_real_cases() {
    let files = case_files();
    let mut right = 0usize;
    let mut misses = Vec::new();
    let mut regressions = Vec::new();
    let mut per_id: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for f in &files {
        let case = common::load(f);
        let want = primary(&case).to_string();
        let report = common::diagnose(&case.log);
        let ids = report.problems();
        let got = ids.first().copied().unwrap_or("(none)");
        let hit = if want == "(none)" {
            ids.is_empty()
        } else {
            got == want
        };
        let slot = per_id.entry(want.clone()).or_default();
        slot.0 += 1;
        if hit {
            slot.1 += 1;
            right += 1;
            // A right first finding must not hide the rest of the confirmed diagnosis.
            if let Err(e) = common::check(&case, TOP) {
                regressions.push(e);
            }
        } else {
            misses.push(format!("{}: expected {want} first, got {ids:?}", case.name));
        }
    }
    let share = right as f64 / files.len().max(1) as f64;
    println!(
        "real cases: {} · first finding right: {right} ({:.1} %)",
        files.len(),
        share * 100.0
    );
    for (id, (n, ok)) in &per_id {
        println!("  {id:<26} {ok}/{n}");
    }
    for m in &misses {
        println!("  miss: {m}");
    }
    assert!(
        regressions.is_empty(),
        "cases right first but wrong otherwise:\n{}",
        regressions.join("\n")
    );
    assert!(
        share >= MIN_SHARE,
        "first finding right for only {:.1} % of {} cases (need {:.0} %):\n{}",
        share * 100.0,
        files.len(),
        MIN_SHARE * 100.0,
        misses.join("\n")
    );
}
