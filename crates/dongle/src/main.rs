//! `dongle`: take a USB cellular modem from plugged in to online.
//!
//! The binary only composes the library crates: it parses the command line,
//! finds the modem (sysfs or `--sim`), runs one subcommand and turns failures
//! into one clear line and a documented exit code.

mod cli;
mod cmd;
mod config;
mod context;
mod daemon;
mod failure;
mod metrics;
mod output;
mod ports;
mod sigpipe;

use clap::Parser;
use cli::{Cli, Command};
use failure::Failure;
use std::process::ExitCode;

fn main() -> ExitCode {
    sigpipe::restore_default();
    let cli = Cli::parse();
    init_logging(&cli.global);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("dongle: {}", f.message);
            }
            ExitCode::from(f.exit as u8)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    if let Command::Sim(args) = &cli.command {
        // `dongle sim` creates the simulator itself; `--sim` makes no sense here.
        let global = cli::Global {
            sim: None,
            scenario: None,
            ..cli.global.clone()
        };
        let ctx = context::Context::new(global)?;
        return cmd::sim::run(&ctx, args, cli.global.scenario.as_deref());
    }
    let ctx = context::Context::new(cli.global.clone())?;
    match &cli.command {
        Command::List => cmd::list::run(&ctx),
        Command::Show(a) => cmd::list::show(&ctx, a.device.as_deref()),
        Command::Probe(a) => cmd::probe::run(&ctx, a),
        Command::At(a) => cmd::at::run(&ctx, a),
        Command::Info(a) => cmd::info::run(&ctx, a),
        Command::Apn(a) => cmd::apn::run(&ctx, a),
        Command::Switch(a) => cmd::switch::run(&ctx, a),
        Command::Unlock(a) => cmd::unlock::run(&ctx, a),
        Command::Sms(c) => cmd::sms::run(&ctx, c),
        Command::Ussd(a) => cmd::ussd::run(&ctx, a),
        Command::Up(a) => cmd::up::run(&ctx, a),
        Command::Down(a) => cmd::link::down(&ctx, a.device.as_deref()),
        Command::Status => cmd::link::status(&ctx),
        Command::Hilink(c) => cmd::hilink::run(&ctx, c),
        Command::Doctor(a) => cmd::doctor::run(&ctx, a),
        Command::Config(c) => cmd::config::run(&ctx, c),
        Command::Install(a) => cmd::install::install(&ctx, a),
        Command::Uninstall(a) => cmd::install::uninstall(&ctx, a),
        Command::UdevName(a) => cmd::udev_name::run(&ctx, a),
        Command::Daemon(a) => daemon::run(&ctx, a),
        Command::Completions(a) => cmd::shell::completions(a),
        Command::Manpage(a) => cmd::shell::manpage(a),
        Command::Mode(cli::ModeCommand::Get(a)) => {
            cmd::mode::get(&ctx, a.device.as_deref(), a.port.as_deref())
        }
        Command::Mode(cli::ModeCommand::Set(a)) => {
            cmd::mode::set(&ctx, &a.args, a.port.as_deref(), a.dry_run, a.no_reset)
        }
        Command::Sim(_) => unreachable!("handled above"),
    }
}

fn init_logging(g: &cli::Global) {
    let level = match (g.quiet, g.verbose) {
        (true, _) => log::LevelFilter::Error,
        (false, 0) => log::LevelFilter::Warn,
        (false, 1) => log::LevelFilter::Debug,
        (false, _) => log::LevelFilter::Trace,
    };
    env_logger::Builder::new()
        .filter_level(level)
        .parse_env("DONGLE_LOG")
        .format_target(false)
        .init();
}
