//! Real logs users posted publicly (tests/cases/*.txt): each header names its source, date and
//! the diagnosis the thread confirms; the doctor must find it among its top findings (and first
//! where the header says `first:`). Healthy logs (`# expect: (none)`) must give no finding.

mod common;

use std::path::Path;

/// How many findings count as "top".
const TOP: usize = 3;

#[test]
fn every_real_case_is_diagnosed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/cases exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "cases: {files:?}");
    let mut failures = Vec::new();
    for f in &files {
        let case = common::load(f);
        assert!(
            case.source.is_some(),
            "{}: no `# source:` header",
            case.name
        );
        assert!(
            !case.expect.is_empty(),
            "{}: no `# expect:` header",
            case.name
        );
        if let Err(e) = common::check(&case, TOP) {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases wrong:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
