//! Shell completions and man pages (`dongle completions`, `dongle manpage`, `dongle install
//! --completions --man`): the bash script really completes in bash, every man page renders with
//! groff without a warning, and install/uninstall under --prefix round-trip.

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn dongle() -> Command {
    let mut c = Command::cargo_bin("dongle").expect("binary built");
    c.env_remove("DONGLE_CONFIG");
    c
}

/// What bash offers after `words` (the last one being completed), with the script loaded the
/// way bash-completion loads it: sourced, then its function called as `complete -F` would.
fn bash_completes(script: &Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{}'\nCOMP_POINT=${{#COMP_LINE}}\n\
         _dongle dongle '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display(),
        quoted.join(" "),
        words.len() - 1,
        words.join(" "),
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(program)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_commands_and_their_options() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("dongle.bash");
    let out = dongle()
        .args(["completions", "bash"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    std::fs::write(&script, out).expect("write");

    let commands = bash_completes(&script, &["dongle", "u"]);
    for want in ["up", "unlock", "uninstall"] {
        assert!(commands.iter().any(|c| c == want), "{want}: {commands:?}");
    }
    let options = bash_completes(&script, &["dongle", "up", "--a"]);
    assert!(options.iter().any(|o| o == "--apn"), "{options:?}");
    assert!(options.iter().any(|o| o == "--auth"), "{options:?}");
    let nested = bash_completes(&script, &["dongle", "mode", ""]);
    assert!(nested.iter().any(|o| o == "set"), "{nested:?}");
}

#[test]
fn every_man_page_renders_without_warnings() {
    let dir = tempfile::tempdir().expect("tempdir");
    dongle()
        .args(["install", "--man", "--prefix"])
        .arg(dir.path())
        .assert()
        .success();
    let man1 = dir.path().join("usr/local/share/man/man1");
    let mut pages: Vec<_> = std::fs::read_dir(&man1)
        .expect("man1 written")
        .map(|e| e.expect("entry").path())
        .collect();
    pages.sort();
    assert!(pages.len() >= 20, "one page per command: {pages:?}");
    for page in &pages {
        // groff is man-db's renderer (Debian: groff-base, which man-db depends on).
        let out = std::process::Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(page)
            .output()
            .expect("groff runs (apt-get install groff-base)");
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{}: {}",
            page.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let up = std::fs::read_to_string(man1.join("dongle-up.1")).expect("dongle-up.1");
    assert!(up.contains("written by `dongle install`"));
    assert!(up.contains("\\-\\-route\\-metric"), "up's own options");

    // The page printed by `dongle manpage` is the installed one without the marker line.
    let printed = dongle()
        .args(["manpage", "up"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        up.split_once('\n').expect("marker line").1,
        String::from_utf8_lossy(&printed)
    );
}

#[test]
fn install_and_uninstall_round_trip_and_keep_foreign_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    // A page of some other program called dongle-something must survive uninstall.
    let man1 = root.join("usr/local/share/man/man1");
    std::fs::create_dir_all(&man1).expect("mkdir");
    std::fs::write(man1.join("dongle-tools.1"), ".TH theirs 1\n").expect("write");

    dongle()
        .args(["install", "--completions", "--man", "--prefix"])
        .arg(root)
        .assert()
        .success();
    for rel in [
        "usr/local/share/bash-completion/completions/dongle",
        "usr/local/share/zsh/site-functions/_dongle",
        "usr/local/share/fish/vendor_completions.d/dongle.fish",
        "usr/local/share/man/man1/dongle.1",
        "usr/local/share/man/man1/dongle-mode-set.1",
    ] {
        let text = std::fs::read_to_string(root.join(rel)).expect(rel);
        assert!(text.contains("written by `dongle install`"), "{rel}");
    }
    // Only what was asked for.
    assert!(!root.join("etc").exists(), "no udev rules or unit");

    dongle()
        .args(["install", "--completions", "--man", "--prefix"])
        .arg(root)
        .assert()
        .success()
        .stdout(predicate::str::contains("unchanged").and(predicate::str::contains("wrote").not()));

    dongle()
        .args(["uninstall", "--prefix"])
        .arg(root)
        .assert()
        .success()
        .stdout(predicate::str::contains("removed"));
    let left: Vec<_> = std::fs::read_dir(&man1)
        .expect("man1 kept: a foreign page is in it")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("dongle-tools.1")]);
    assert!(!root.join("usr/local/share/bash-completion").exists());
    assert!(!root.join("usr/local/share/zsh").exists());
}

#[test]
fn an_unknown_command_has_no_page() {
    dongle()
        .args(["manpage", "nosuch"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no command `dongle nosuch`"));
    dongle()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bash"));
}
