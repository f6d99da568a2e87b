//! Shell completions and man pages, generated from the clap definition the binary parses its
//! own command line with: they cannot drift from the real options. `dongle completions SHELL`
//! and `dongle manpage [COMMAND…]` print them; `dongle install --completions --man` puts them
//! where bash-completion, zsh, fish and man look for locally installed programs.

use crate::cli::Cli;
use crate::failure::{Exit, Failure};
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Args, Debug)]
pub struct ManpageArgs {
    /// The command whose page to print (`up`, `mode set`…); none: the page of `dongle` itself.
    pub command: Vec<String>,
}

/// Where the completion files go under a root, per shell: the directories each shell searches
/// for locally installed programs (bash-completion's XDG_DATA_DIRS default, Debian's zsh fpath,
/// fish's vendor directory).
const COMPLETION_FILES: [(Shell, &str); 3] = [
    (
        Shell::Bash,
        "usr/local/share/bash-completion/completions/dongle",
    ),
    (Shell::Zsh, "usr/local/share/zsh/site-functions/_dongle"),
    (
        Shell::Fish,
        "usr/local/share/fish/vendor_completions.d/dongle.fish",
    ),
];

/// Where the man pages go under a root (in man-db's default manpath).
pub const MAN_DIR: &str = "usr/local/share/man/man1";

pub fn completions(a: &CompletionsArgs) -> Result<(), Failure> {
    emit(&completion(a.shell))
}

pub fn manpage(a: &ManpageArgs) -> Result<(), Failure> {
    let pages = man_pages();
    let name = page_name(&a.command);
    match pages.into_iter().find(|(n, _)| *n == name) {
        Some((_, page)) => emit(&page),
        None => Err(Failure::new(
            Exit::Usage,
            format!(
                "no command `dongle {}`; `dongle --help` lists them",
                a.command.join(" ")
            ),
        )),
    }
}

fn emit(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::new(Exit::Failure, format!("cannot write to stdout: {e}")))
}

/// One shell's completion script.
pub fn completion(shell: Shell) -> String {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "dongle", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// `dongle-mode-set` for `["mode", "set"]`, `dongle` for none (git's naming of per-command pages).
fn page_name(command: &[String]) -> String {
    std::iter::once("dongle")
        .chain(command.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("-")
}

/// Every page: `dongle` and one per visible command and sub-command, as (name, roff).
pub fn man_pages() -> Vec<(String, String)> {
    let mut root = Cli::command();
    root.build();
    let mut pages = Vec::new();
    collect(&root, "dongle", &mut pages);
    pages
}

fn collect(cmd: &clap::Command, name: &str, pages: &mut Vec<(String, String)>) {
    // The page's title and synopsis use the command's own name: give it the full one.
    let titled = cmd
        .clone()
        .name(name.to_string())
        .bin_name(name.replace('-', " "))
        .version(env!("CARGO_PKG_VERSION"));
    let mut buf = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = clap_mangen::Man::new(titled)
        .section("1")
        .manual("dongle manual")
        .render(&mut buf);
    pages.push((name.to_string(), ascii_roff(&String::from_utf8_lossy(&buf))));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        collect(sub, &format!("{name}-{}", sub.get_name()), pages);
    }
}

/// The help texts' dashes and ellipses as groff's `\[uXXXX]` escapes: troff reads its input as
/// Latin-1 unless a preprocessor (man-db's preconv) converts it first, and not every man has one
/// (groff_char(7)).
fn ascii_roff(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    for c in page.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", c as u32));
        }
    }
    out
}

/// The files `dongle install --completions` / `--man` writes under `root`, each starting with
/// `marker` in the format's comment syntax so uninstall knows they are its own.
pub fn install_files(
    root: &Path,
    completions: bool,
    man: bool,
    marker: &str,
) -> Vec<(PathBuf, &'static str, String)> {
    let mut files = Vec::new();
    if completions {
        for (shell, rel) in COMPLETION_FILES {
            let text = format!("# /{rel}: {marker}\n{}", completion(shell));
            files.push((root.join(rel), "completion", text));
        }
    }
    if man {
        for (name, page) in man_pages() {
            let text = format!(".\\\" {marker}\n{page}");
            files.push((root.join(MAN_DIR).join(format!("{name}.1")), "man", text));
        }
    }
    files
}

/// What uninstall looks at: the completion files, and every `dongle*.1` in the man directory
/// (the set of pages depends on the version that installed them).
pub fn installed_candidates(root: &Path) -> Vec<(PathBuf, &'static str)> {
    let mut found: Vec<(PathBuf, &'static str)> = COMPLETION_FILES
        .iter()
        .map(|(_, rel)| (root.join(rel), "completion"))
        .collect();
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root.join(MAN_DIR))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("dongle") && n.ends_with(".1"))
        })
        .collect();
    pages.sort();
    found.extend(pages.into_iter().map(|p| (p, "man")));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_visible_command_has_a_page_and_hidden_ones_none() {
        let names: Vec<String> = man_pages().into_iter().map(|(n, _)| n).collect();
        for want in [
            "dongle",
            "dongle-up",
            "dongle-mode-set",
            "dongle-config-check",
        ] {
            assert!(names.iter().any(|n| n == want), "{want} missing: {names:?}");
        }
        assert!(!names.iter().any(|n| n.contains("udev-name")), "{names:?}");
        assert!(!names.iter().any(|n| n.ends_with("-help")), "{names:?}");
    }

    #[test]
    fn a_commands_page_shows_its_full_name_and_options() {
        let pages = man_pages();
        let (_, up) = pages
            .iter()
            .find(|(n, _)| n == "dongle-up")
            .expect("dongle-up page");
        assert!(
            up.contains(".TH dongle-up 1"),
            "{}",
            &up[..200.min(up.len())]
        );
        assert!(up.contains("dongle up"), "synopsis names the command");
        assert!(up.contains("\\-\\-apn"), "options of up are listed");
    }
}
