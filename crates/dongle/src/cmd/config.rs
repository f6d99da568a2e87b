//! `dongle config check [--config FILE]`: read the configuration the daemon would read and say
//! whether it is usable, or exactly where it is not (file:line:column, key, fix).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;

use crate::config::{config_path, Config, ConfigError, MetricsConfig};
use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::output;

#[derive(Subcommand, Debug)]
pub enum ConfigCommand {
    /// Check the configuration file (default /etc/dongle/config.toml, or $DONGLE_CONFIG):
    /// prints "FILE: ok (N modem sections)" or the first error; exit 2 on a bad file.
    Check(CheckArgs),
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The file to check instead of $DONGLE_CONFIG or /etc/dongle/config.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `dongle config check --json` (README "JSON formats").
#[derive(Serialize)]
struct CheckReport<'a> {
    file: String,
    ok: bool,
    /// False when the file does not exist (all defaults apply).
    exists: bool,
    modem_sections: usize,
    /// The `name` of each section, in file order (`null` for unnamed ones).
    names: Vec<Option<&'a str>>,
    metrics: Option<&'a MetricsConfig>,
    /// Things that will bite later but are not errors in the file (a missing or
    /// world-readable secret file).
    warnings: Vec<String>,
    error: Option<ErrorReport>,
}

#[derive(Serialize)]
struct ErrorReport {
    line: Option<usize>,
    column: Option<usize>,
    key: Option<String>,
    message: String,
    fix: Option<String>,
}

pub fn run(ctx: &Context, c: &ConfigCommand) -> Result<(), Failure> {
    match c {
        ConfigCommand::Check(a) => check(ctx, a),
    }
}

fn check(ctx: &Context, a: &CheckArgs) -> Result<(), Failure> {
    let path = config_path(a.config.as_deref());
    let file = path.display().to_string();
    match Config::load(&path) {
        Ok(cfg) => {
            if ctx.global.json {
                output::json(&CheckReport {
                    file,
                    ok: true,
                    exists: cfg.exists,
                    modem_sections: cfg.modems.len(),
                    names: cfg.modems.iter().map(|m| m.name.as_deref()).collect(),
                    metrics: Some(&cfg.metrics),
                    warnings: secret_warnings(&cfg),
                    error: None,
                });
                return Ok(());
            }
            if cfg.exists {
                println!("{file}: ok ({} modem sections)", cfg.modems.len());
            } else {
                println!("{file}: ok (0 modem sections: the file does not exist, so every default applies)");
            }
            for w in secret_warnings(&cfg) {
                eprintln!("dongle: warning: {w}");
            }
            Ok(())
        }
        Err(e) => {
            let (exit, error) = match &e {
                ConfigError::Invalid {
                    line,
                    column,
                    key,
                    message,
                    fix,
                    ..
                } => (
                    Exit::Usage,
                    ErrorReport {
                        line: (*line > 0).then_some(*line),
                        column: (*line > 0).then_some(*column),
                        key: key.clone(),
                        message: message.clone(),
                        fix: Some(fix.clone()),
                    },
                ),
                ConfigError::Read { source, .. } => (
                    if source.kind() == std::io::ErrorKind::PermissionDenied {
                        Exit::Permission
                    } else {
                        Exit::Failure
                    },
                    ErrorReport {
                        line: None,
                        column: None,
                        key: None,
                        message: e.to_string(),
                        fix: None,
                    },
                ),
            };
            if ctx.global.json {
                output::json(&CheckReport {
                    file,
                    ok: false,
                    exists: true,
                    modem_sections: 0,
                    names: Vec::new(),
                    metrics: None,
                    warnings: Vec::new(),
                    error: Some(error),
                });
            }
            Err(Failure::new(exit, e.to_string()))
        }
    }
}

/// The secret files the configuration names: one that is missing means that modem cannot
/// connect; one that group or others can read leaks the PIN or password.
fn secret_warnings(cfg: &Config) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let mut sections = vec![("defaults".to_string(), &cfg.defaults)];
    for (i, m) in cfg.modems.iter().enumerate() {
        sections.push((format!("modem[{}]", i + 1), &m.settings));
    }
    let mut out = Vec::new();
    for (section, s) in sections {
        for (key, path) in [
            ("password_file", &s.password_file),
            ("pin_file", &s.pin_file),
        ] {
            let Some(path) = path else { continue };
            match std::fs::metadata(path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => out.push(format!(
                    "{section}.{key}: {} does not exist; create it (first line the secret, chmod 600) or the modems it applies to cannot connect",
                    path.display()
                )),
                Err(e) => out.push(format!(
                    "{section}.{key}: cannot check {}: {e}",
                    path.display()
                )),
                Ok(m) if m.permissions().mode() & 0o077 != 0 => out.push(format!(
                    "{section}.{key}: {} can be read by other users (mode {:03o}); chmod 600 {}",
                    path.display(),
                    m.permissions().mode() & 0o777,
                    path.display()
                )),
                Ok(_) => {}
            }
        }
    }
    out
}
