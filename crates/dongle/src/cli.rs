//! The command line, as DESIGN.md's contract lays it out.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "dongle",
    version,
    about = "Take a USB cellular modem from plugged in to online, and say what is wrong when it can't."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Print JSON (a stable, documented format) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// More detail on stderr (-v: what is sent, -vv: raw bytes).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Root of the sysfs tree to read.
    #[arg(long, global = true, value_name = "ROOT", default_value = "/sys")]
    pub sysfs: PathBuf,
    /// Directory holding the device nodes (ttyUSB0…).
    #[arg(long, global = true, value_name = "ROOT", default_value = "/dev")]
    pub dev: PathBuf,
    /// Run against a built-in virtual modem instead of hardware (e3372, e3531-serial, e620, zte-mf190;
    /// in storage mode, for `switch`: e3372-storage, e3531-storage; HiLink web API: e3372-hilink).
    #[arg(long, global = true, value_name = "PROFILE")]
    pub sim: Option<String>,
    /// Fault scenario (TOML) for --sim.
    #[arg(long, global = true, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List USB modems and what they are.
    List,
    /// One USB device in full: interfaces, drivers, roles, ports.
    Show(ShowArgs),
    /// Find the AT ports of a modem and their roles (modem/PPP, PCUI, diag, GPS).
    Probe(ProbeArgs),
    /// Send AT commands (interactive when none are given).
    At(AtArgs),
    /// Identity, SIM, network and signal of a modem.
    Info(PortSelect),
    /// The APNs to try for a SIM's network (mobile-broadband-provider-info), best first.
    Apn(ApnArgs),
    /// Run a virtual modem in the foreground (for trying dongle and for tests).
    Sim(SimArgs),
    /// Switch a stick out of its plug-in storage mode (usb_modeswitch's job, without the sleeps);
    /// on a switched modem whose serial interfaces have no driver, bind option (new_id).
    Switch(SwitchArgs),
    /// Read or change the stick's persistent port layout (Huawei AT^SETPORT).
    #[command(subcommand)]
    Mode(ModeCommand),
    /// Unlock the SIM with its PIN (or PUK and a new PIN), read from a file or variable.
    Unlock(UnlockArgs),
    /// SMS on the SIM: list, read, send, delete (every message is saved to a file before it is
    /// deleted).
    #[command(subcommand)]
    Sms(crate::cmd::sms::SmsCommand),
    /// Send a USSD code (*100#) and print the network's answer.
    Ussd(crate::cmd::ussd::UssdArgs),
    /// Get online and stay online (foreground; reconnects by itself).
    Up(UpArgs),
    /// Take a link down (stops the `dongle up` that owns it).
    Down(DownArgs),
    /// Show the links that are up.
    Status,
    /// A HiLink stick's web API: status, connect, disconnect, reboot, subnet, mode.
    #[command(subcommand)]
    Hilink(crate::cmd::hilink::HilinkCommand),
    /// Say what is wrong and how to fix it, from pasted logs (dmesg, lsusb, usb_modeswitch,
    /// wvdial, pppd, mmcli…).
    Doctor(DoctorArgs),
    /// The configuration file (/etc/dongle/config.toml): `dongle config check`.
    #[command(subcommand)]
    Config(crate::cmd::config::ConfigCommand),
    /// Write the udev rules (stable /dev/dongle/<name>/<role> links, ModemManager kept off) and
    /// the systemd unit for `dongle daemon`; --dry-run shows them.
    Install(crate::cmd::install::InstallArgs),
    /// Remove what `dongle install` wrote (only files it wrote).
    Uninstall(crate::cmd::install::UninstallArgs),
    /// For the udev rules: print DONGLE_NAME/DONGLE_ROLE/DONGLE_MANAGE for a tty or network
    /// interface, from sysfs and the catalog (no AT traffic).
    #[command(hide = true)]
    UdevName(crate::cmd::udev_name::UdevNameArgs),
    /// Keep every modem online unattended: switch, connect, supervise, reconnect (for systemd,
    /// procd or a container; `dongle status|up|down` talk to it over its control socket).
    Daemon(DaemonArgs),
    /// Print the shell completion script (`dongle completions bash > …`; `dongle install
    /// --completions` puts bash, zsh and fish ones in place).
    Completions(crate::cmd::shell::CompletionsArgs),
    /// Print a man page in roff (`dongle manpage up | man -l -`; `dongle install --man`).
    Manpage(crate::cmd::shell::ManpageArgs),
}

#[derive(Args, Debug)]
pub struct DaemonArgs {
    /// Configuration file (default: $DONGLE_CONFIG, else /etc/dongle/config.toml; missing = defaults).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// A log to read (dmesg, journalctl -k, lsusb [-v], usb-devices, usb_modeswitch, wvdial,
    /// pppd, mmcli, AT transcripts; any mix); repeat for more; `-` is stdin. None: stdin.
    #[arg(long = "file", short = 'f', value_name = "LOG")]
    pub files: Vec<PathBuf>,
    /// Examine the running system: kernel log, USB devices and drivers from sysfs (--sysfs),
    /// kernel modules, ModemManager/usb_modeswitch, programs holding the modem ports, a quick
    /// AT probe with SIM and registration state; --file logs may be added.
    #[arg(long)]
    pub live: bool,
}

/// Where secrets come from: never the command line (it shows in `ps`).
#[derive(Args, Debug, Clone, Default)]
pub struct SecretArgs {
    /// File whose first line is the SIM PIN (the new PIN when unlocking with a PUK).
    #[arg(long, value_name = "FILE")]
    pub pin_file: Option<PathBuf>,
    /// Environment variable holding the SIM PIN.
    #[arg(long, value_name = "VAR")]
    pub pin_env: Option<String>,
    /// File whose first line is the SIM PUK.
    #[arg(long, value_name = "FILE")]
    pub puk_file: Option<PathBuf>,
    /// Environment variable holding the SIM PUK.
    #[arg(long, value_name = "VAR")]
    pub puk_env: Option<String>,
}

#[derive(Args, Debug)]
pub struct UnlockArgs {
    #[command(flatten)]
    pub select: PortSelect,
    #[command(flatten)]
    pub secrets: SecretArgs,
    /// Allow the last PIN/PUK try (a wrong code then blocks or destroys the SIM).
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct UpArgs {
    #[command(flatten)]
    pub select: PortSelect,
    /// Access point name; default: from the SIM's network (`dongle apn`).
    #[arg(long)]
    pub apn: Option<String>,
    /// PPP user name, if the APN needs one (most do not).
    #[arg(long)]
    pub user: Option<String>,
    /// File whose first line is the PPP password.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Environment variable holding the PPP password.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    #[command(flatten)]
    pub secrets: SecretArgs,
    /// How to connect: ppp, ncm (Huawei NDIS) or hilink; default: ncm when the stick has it,
    /// hilink for a HiLink URL, else ppp.
    #[arg(long, value_name = "ppp|ncm|hilink")]
    pub via: Option<String>,
    /// Give up after the first failure instead of retrying with backoff.
    #[arg(long)]
    pub once: bool,
    /// Seconds to wait for network registration.
    #[arg(long, value_name = "S", default_value_t = 60)]
    pub register_timeout: u64,
    /// Refuse to connect while roaming.
    #[arg(long)]
    pub no_roaming: bool,
    /// Do not add a default route through the link.
    #[arg(long)]
    pub no_default_route: bool,
    /// NDIS (--via ncm) authentication with --user/--password: pap, chap (default), mschapv2
    /// or none; PPP leaves it to pppd's negotiation.
    #[arg(long, value_name = "pap|chap|mschapv2|none")]
    pub auth: Option<String>,
    /// Add the default route with this metric, beside other default routes (several modems on
    /// one host; lower wins). Applies to PPP and to NCM without a DHCP client.
    #[arg(long, value_name = "N")]
    pub route_metric: Option<u32>,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// USB path, vid:pid or index from `dongle list`; default: the first device.
    #[arg(value_name = "DEV")]
    pub device: Option<String>,
}

#[derive(Args, Debug)]
pub struct DownArgs {
    /// USB path or port of the link; default: every link.
    #[arg(value_name = "DEV")]
    pub device: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum ModeCommand {
    /// Show the current layout and the presets.
    Get(PortSelect),
    /// Store a layout: a preset (serial, ncm, stick) or a raw value like "FF;10,12", then restart the stick.
    Set(ModeSetArgs),
}

#[derive(Args, Debug)]
pub struct ModeSetArgs {
    /// [DEV] MODE: the device (optional) and the preset or layout.
    #[arg(value_name = "DEV|MODE", num_args = 1..=2, required = true)]
    pub args: Vec<String>,
    /// Use this tty directly (path, or a name under --dev such as ttyUSB2).
    #[arg(long, value_name = "TTY")]
    pub port: Option<String>,
    /// Print the AT commands and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Store the layout but do not restart the stick (it applies at the next power-up).
    #[arg(long)]
    pub no_reset: bool,
}

#[derive(Args, Debug)]
pub struct SwitchArgs {
    /// USB path (1-1.4), vid:pid (12d1:1f01) or index from `dongle list`; default: the one
    /// device in storage mode.
    #[arg(value_name = "DEV")]
    pub device: Option<String>,
    /// The personality to switch to; default: the recommended switch for the device.
    #[arg(long, value_enum, value_name = "MODE")]
    pub to: Option<SwitchTo>,
    /// Print the exact USB transfers and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Seconds to wait for the device to come back after the switch.
    #[arg(long, value_name = "S", default_value_t = 20)]
    pub timeout: u64,
}

/// What `dongle switch --to` can ask for.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwitchTo {
    /// Stick firmware: serial (AT/PPP) ports plus an NCM network function.
    Stick,
    /// Serial ports plus NCM (same as stick).
    Ncm,
    /// HiLink: a CDC-Ethernet router with a web API.
    Hilink,
    /// Serial ports only (PPP).
    Serial,
}

/// Which modem, or which port.
#[derive(Args, Debug, Clone, Default)]
pub struct PortSelect {
    /// USB path (1-1.4), vid:pid (12d1:1506) or index from `dongle list`.
    #[arg(value_name = "DEV")]
    pub device: Option<String>,
    /// Use this tty directly (path, or a name under --dev such as ttyUSB2).
    #[arg(long, value_name = "TTY", conflicts_with = "device")]
    pub port: Option<String>,
}

#[derive(Args, Debug)]
pub struct ProbeArgs {
    /// USB path, vid:pid or index from `dongle list`; default: every modem.
    #[arg(value_name = "DEV")]
    pub device: Option<String>,
    /// Probe these ttys instead (paths or names under --dev).
    #[arg(long, value_name = "TTY", num_args = 1.., conflicts_with = "device")]
    pub port: Vec<String>,
    /// Time limit per port in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 300)]
    pub timeout: u64,
}

#[derive(Args, Debug)]
pub struct AtArgs {
    /// [DEV] then the commands to send in order, e.g. `12d1:1506 AT+CSQ 'AT+COPS?'`.
    /// Anything starting with AT, + or ^ is a command; no commands: interactive.
    #[arg(value_name = "DEV|CMD", allow_hyphen_values = true)]
    pub args: Vec<String>,
    /// Use this tty directly (path, or a name under --dev such as ttyUSB2).
    #[arg(long, value_name = "TTY")]
    pub port: Option<String>,
    /// Time limit per command in milliseconds (default: by command, 3 s for queries).
    #[arg(long, value_name = "MS")]
    pub timeout: Option<u64>,
}

#[derive(Args, Debug)]
pub struct SimArgs {
    /// Profile: e3372, e3531-serial, e620, zte-mf190.
    pub profile: String,
    /// Where to create sys/ and dev/.
    #[arg(long, value_name = "DIR")]
    pub dir: PathBuf,
    /// Run N sticks of the profile at USB paths 1-1.1 … 1-1.N (1 to 100); `unplug K` and
    /// `replug K` lines on stdin take stick K away and back.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=100))]
    pub count: Option<u16>,
}

#[derive(Args, Debug)]
pub struct ApnArgs {
    /// The network: MCCMNC (27001, 310410) or MCC/MNC (262/07). Default: the SIM's, read from
    /// the modem (AT+CIMI).
    #[arg(value_name = "MCCMNC", conflicts_with = "imsi")]
    pub network: Option<String>,
    /// An IMSI (6 to 15 digits) instead; both MNC lengths are tried.
    #[arg(long, value_name = "IMSI")]
    pub imsi: Option<String>,
    /// The database (default: $DONGLE_APN_DB, else
    /// /usr/share/mobile-broadband-provider-info/serviceproviders.xml).
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Everything the database has for the network (MMS and WAP APNs, duplicates), not just
    /// what `dongle up` tries.
    #[arg(long)]
    pub all: bool,
    /// The modem whose SIM to read: USB path, vid:pid or index from `dongle list`.
    #[arg(long, value_name = "DEV", conflicts_with_all = ["network", "imsi"])]
    pub device: Option<String>,
    /// Read the SIM through this tty (path, or a name under --dev such as ttyUSB2).
    #[arg(long, value_name = "TTY", conflicts_with_all = ["network", "imsi", "device"])]
    pub port: Option<String>,
}
