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
                    error: None,
                });
            } else if cfg.exists {
                println!("{file}: ok ({} modem sections)", cfg.modems.len());
            } else {
                println!("{file}: ok (0 modem sections: the file does not exist, so every default applies)");
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
                    error: Some(error),
                });
            }
            Err(Failure::new(exit, e.to_string()))
        }
    }
}
