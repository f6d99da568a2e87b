//! `dongle install [--udev] [--systemd] [--dry-run] [--prefix DIR]` and `dongle uninstall`:
//! the udev rules that give every modem dongle knows stable names (`/dev/dongle/<name>/<role>`)
//! and keep ModemManager off it, and the systemd unit that runs `dongle daemon`.
//!
//! These replace the hand-written pieces of DESIGN.md's stories (a udev rule with a syntax
//! error, a unit with `Restart=always` and no hardening). Files are written atomically and
//! carry a marker line; `uninstall` removes only files with that marker, so a file a user wrote
//! under the same name is never deleted.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use clap::Args;
use dongle_catalog::{
    builtin_recipes, known_devices, lookup, Personality, SwitchMethod, HUAWEI_LEGACY_IDS,
    HUAWEI_NEW_MODE_IDS,
};
use serde::Serialize;

use crate::context::Context;
use crate::failure::{Exit, Failure};
use crate::output;

/// Where the rules go (70-: before ModemManager's 77-mm-*.rules and 80-mm-candidate.rules,
/// which read `ID_MM_DEVICE_IGNORE`).
pub const UDEV_RULES: &str = "etc/udev/rules.d/70-dongle.rules";
/// Where the unit goes (the administrator's directory, not the package manager's).
pub const SYSTEMD_UNIT: &str = "etc/systemd/system/dongle.service";
/// Every file `dongle install` writes carries this; `uninstall` deletes nothing without it.
pub const MARKER: &str = "written by `dongle install`";

#[derive(Args, Debug)]
pub struct InstallArgs {
    /// Install the udev rules (with none of --udev, --systemd, --completions, --man: the rules
    /// and the unit).
    #[arg(long)]
    pub udev: bool,
    /// Install the systemd unit for `dongle daemon`.
    #[arg(long)]
    pub systemd: bool,
    /// Install bash, zsh and fish completions under /usr/local/share.
    #[arg(long)]
    pub completions: bool,
    /// Install the man pages (dongle.1, dongle-up.1, …) under /usr/local/share/man.
    #[arg(long)]
    pub man: bool,
    /// Print the files and the commands, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Install under DIR instead of / (packaging, tests); runs no udevadm or systemctl.
    #[arg(long, value_name = "DIR")]
    pub prefix: Option<PathBuf>,
    /// The dongle binary the rules and the unit run (default: this binary, canonical path).
    #[arg(long, value_name = "PATH")]
    pub binary: Option<PathBuf>,
    /// Leave ModemManager alone: do not set ID_MM_DEVICE_IGNORE on the modems dongle manages.
    #[arg(long)]
    pub keep_modemmanager: bool,
}

#[derive(Args, Debug)]
pub struct UninstallArgs {
    /// Print what would be removed and the commands, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Remove from under DIR instead of / (as installed with --prefix).
    #[arg(long, value_name = "DIR")]
    pub prefix: Option<PathBuf>,
}

/// `dongle install|uninstall --json` (README "JSON formats").
#[derive(Serialize, Debug, Default)]
struct Report {
    dry_run: bool,
    prefix: Option<String>,
    files: Vec<FileReport>,
    commands: Vec<CommandReport>,
    notes: Vec<String>,
}

#[derive(Serialize, Debug)]
struct FileReport {
    path: String,
    /// `udev` or `systemd`.
    kind: &'static str,
    /// install: `write` (dry run), `written`, `unchanged`; uninstall: `remove` (dry run),
    /// `removed`, `absent`, `foreign` (no marker: left alone).
    action: &'static str,
    /// The file's text (install only).
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<String>,
}

#[derive(Serialize, Debug)]
struct CommandReport {
    argv: Vec<String>,
    /// `planned` (dry run), `skipped` (--prefix), `ok`, `failed`, `missing` (not installed).
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

// ---- what the files say --------------------------------------------------------------------

/// Every vid:pid the rules match, with a comment naming the model: the serial and NCM
/// personalities of the device table, and every modem ID a built-in switch recipe can turn a
/// storage-mode stick into (`TargetProductList`). HiLink, firmware-update and unidentified
/// IDs are left out: they have no ports dongle names (a HiLink stick is a network card; a
/// firmware-update composition must not be touched).
pub fn modem_ids() -> BTreeMap<(u16, u16), String> {
    let mut out: BTreeMap<(u16, u16), String> = BTreeMap::new();
    let wanted = |vid: u16, pid: u16| match lookup(vid, pid) {
        Some(d) => matches!(d.personality, Personality::Serial | Personality::Ncm),
        None => true,
    };
    for d in known_devices() {
        if matches!(d.personality, Personality::Serial | Personality::Ncm) {
            out.insert((d.vid, d.pid), format!("{} {}", d.vendor, d.model));
        }
    }
    // The plug-in (storage) IDs with built-in recipes, with the name the data gives them.
    // 1bbb:f000 (Alcatel) has a recipe but no row in the device table.
    let mut plug_in: Vec<(u16, u16, String)> = known_devices()
        .iter()
        .filter(|d| d.personality == Personality::Storage)
        .map(|d| (d.vid, d.pid, format!("{} {}", d.vendor, d.model)))
        .collect();
    plug_in.extend(
        HUAWEI_NEW_MODE_IDS
            .iter()
            .map(|(p, _, name)| (0x12d1, *p, name.to_string())),
    );
    plug_in.extend(
        HUAWEI_LEGACY_IDS
            .iter()
            .map(|(p, _, name)| (0x12d1, *p, name.to_string())),
    );
    plug_in.push((
        0x1bbb,
        0xf000,
        "Alcatel X060S/X070S/X080S/X200 and others".into(),
    ));
    for (vid, pid, name) in plug_in {
        let from = format!("{name} (after switching from {vid:04x}:{pid:04x})");
        for r in builtin_recipes(vid, pid) {
            let tvid = r.target_vendor.unwrap_or(vid);
            if r.target_products.is_empty()
                && matches!(r.method, SwitchMethod::HuaweiLegacy)
                && wanted(vid, pid)
            {
                // HuaweiMode keeps the ID: the same device, now with serial ports. (Other
                // recipes without a target list lead to an ID nobody recorded, not to the
                // storage ID itself.)
                out.entry((vid, pid)).or_insert_with(|| name.clone());
            }
            for &p in &r.target_products {
                if wanted(tvid, p) {
                    out.entry((tvid, p)).or_insert_with(|| from.clone());
                }
            }
        }
    }
    out
}

/// The udev rules. `binary` runs as `IMPORT{program}`; udev splits that string on spaces, so
/// the path must have none (checked by the caller).
pub fn udev_rules(binary: &Path, ignore_modemmanager: bool) -> String {
    let ids = modem_ids();
    let mut s = String::new();
    s.push_str(&format!(
        "# /{UDEV_RULES}: {MARKER} (dongle {}); `dongle uninstall` removes it.\n",
        env!("CARGO_PKG_VERSION")
    ));
    s.push_str(
        "# Stable names for the USB modems dongle knows: /dev/dongle/<name>/<role>.\n\
         # <name>: the [[modem]] name in /etc/dongle/config.toml matched by usb_path or id, else the\n\
         # USB path (1-1.4). <role>: modem, at, diag, gps, or ifN when the catalog does not know it.\n\
         # `dongle udev-name` works both out from sysfs and the catalog; it never talks to the modem.\n",
    );
    if ignore_modemmanager {
        s.push_str(
            "# ID_MM_DEVICE_IGNORE keeps ModemManager off the modems dongle manages (manage = true,\n\
             # the default); this file is 70- so it comes before ModemManager's 77-/80- rules.\n",
        );
    }
    s.push_str(
        "# Regenerate with `dongle install --udev`; local rules belong in another file.\n\n",
    );
    s.push_str("ACTION==\"remove\", GOTO=\"dongle_end\"\n");
    s.push_str("SUBSYSTEM!=\"tty|net\", GOTO=\"dongle_end\"\n\n");
    let mut last_comment = "";
    for ((vid, pid), model) in &ids {
        if model != last_comment {
            s.push_str(&format!("# {model}\n"));
            last_comment = model;
        }
        s.push_str(&format!(
            "ATTRS{{idVendor}}==\"{vid:04x}\", ATTRS{{idProduct}}==\"{pid:04x}\", GOTO=\"dongle_modem\"\n"
        ));
    }
    s.push_str("GOTO=\"dongle_end\"\n\n");
    s.push_str("LABEL=\"dongle_modem\"\n");
    s.push_str(&format!(
        "IMPORT{{program}}=\"{} udev-name %k\"\n",
        binary.display()
    ));
    s.push_str(
        "SUBSYSTEM==\"tty\", ENV{DONGLE_NAME}==\"?*\", ENV{DONGLE_ROLE}==\"?*\", \
         SYMLINK+=\"dongle/$env{DONGLE_NAME}/$env{DONGLE_ROLE}\"\n",
    );
    if ignore_modemmanager {
        s.push_str("ENV{DONGLE_MANAGE}==\"1\", ENV{ID_MM_DEVICE_IGNORE}=\"1\"\n");
    }
    s.push_str("\nLABEL=\"dongle_end\"\n");
    s
}

/// Where node-exporter's textfile collector reads on Debian (prometheus-node-exporter).
pub const NODE_EXPORTER_TEXTFILE_DIR: &str = "/var/lib/prometheus/node-exporter";

/// The systemd unit for `dongle daemon`. `textfile_dir`: the directory of the configuration's
/// `[metrics] textfile`, when it is set and not the node-exporter default (which is always
/// writable).
pub fn systemd_unit(binary: &Path, textfile_dir: Option<&Path>) -> String {
    let mut metrics_paths = format!("ReadWritePaths=-{NODE_EXPORTER_TEXTFILE_DIR}\n");
    if let Some(d) = textfile_dir.filter(|d| *d != Path::new(NODE_EXPORTER_TEXTFILE_DIR)) {
        metrics_paths.push_str(&format!(
            "# The [metrics] textfile directory of {} when this was installed.\nReadWritePaths=-{}\n",
            crate::config::config_path(None).display(),
            d.display()
        ));
    }
    format!(
        r#"# /{SYSTEMD_UNIT}: {MARKER} (dongle {version}); `dongle uninstall` removes it.
# Local changes belong in a drop-in (`systemctl edit dongle`), which survives a reinstall.

[Unit]
Description=dongle: keep USB cellular modems online
# dongle brings links up; services that need the network order themselves after it.
Wants=network.target
Before=network.target
After=network-pre.target
# A daemon that keeps failing at start stops after 5 tries in 5 minutes (not a tight loop
# forever, as Restart=always with no limit does); `systemctl status dongle` shows why.
StartLimitIntervalSec=300
StartLimitBurst=5

[Service]
# READY=1 once the first sysfs scan is done and the control socket listens.
Type=notify
ExecStart={binary} daemon
# The daemon sends WATCHDOG=1 every 15 s; one that hangs is killed and restarted.
WatchdogSec=30
Restart=on-failure
RestartSec=2
# Exit 2 is a bad command line or configuration: restarting will not fix it
# (`dongle config check` says what is wrong).
RestartPreventExitStatus=2
# SIGTERM to the daemon only: it takes every link down itself (pppd, DHCP clients are its
# children), then the rest of the group gets SIGKILL after TimeoutStopSec.
KillMode=mixed
TimeoutStopSec=30
# /run/dongle: control socket and per-link state. Kept across restarts so a restarted daemon
# resumes the links (the state files say what was up).
RuntimeDirectory=dongle
RuntimeDirectoryPreserve=restart
# /var/lib/dongle: remembered APNs (apn.toml).
StateDirectory=dongle

# ---- hardening ----
# Everything read-only except the paths below; /dev, /proc and /sys stay as they are.
ProtectSystem=strict
# /run: pppd writes /run/pppN.pid, /run/ppp-<link>.pid and /run/pppd2.tdb; UUCP lock files
# live in /run/lock; resolvconf keeps its state in /run/resolvconf.
ReadWritePaths=/run
# UUCP lock files where /var/lock is a directory rather than a link to /run/lock.
ReadWritePaths=-/var/lock
# pppd's usepeerdns writes /etc/ppp/resolv.conf; its ip-up.d scripts run as root too.
ReadWritePaths=-/etc/ppp
# udhcpc's and dhcpcd's scripts rewrite /etc/resolv.conf in place. isc-dhclient's script
# replaces it with mv, which needs all of /etc: with dhclient, use resolvconf or
# systemd-resolved (both write under /run), or add a drop-in with ReadWritePaths=/etc.
ReadWritePaths=-/etc/resolv.conf
# [metrics] textfile: the node-exporter textfile collector's directory (written atomically).
{metrics_paths}ProtectHome=yes
PrivateTmp=yes
# pppd is setuid root, but it is started by this root daemon, so the bit grants nothing:
# no-new-privileges costs nothing here.
NoNewPrivileges=yes
# Not PrivateDevices: dongle needs the modem ttys, /dev/bus/usb (mode switch) and /dev/ppp.
# Not ProtectKernelTunables: binding drivers writes /sys (new_id, avoid_reset_quirk).
# Not ProtectClock: it adds a device allow-list, which would hide the modem ttys.
ProtectKernelModules=yes
ProtectControlGroups=yes
ProtectHostname=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
# AF_UNIX: control socket, sd_notify; AF_NETLINK: uevents and `ip`; AF_INET/AF_INET6: HiLink
# HTTP, pppd and DHCP sockets; AF_PACKET: DHCP clients' raw sockets.
RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6 AF_PACKET
# Only what the job needs (the daemon runs as root, so the bounding set is the limit):
# CAP_NET_ADMIN: addresses, routes, links, PPP units (pppd, ip, DHCP clients).
CapabilityBoundingSet=CAP_NET_ADMIN
# CAP_NET_RAW: DHCP clients send and receive on packet sockets before there is an address.
CapabilityBoundingSet=CAP_NET_RAW
# CAP_NET_BIND_SERVICE: DHCP clients bind UDP port 68.
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
# CAP_SYS_ADMIN: usb-serial refuses to change closing_wait (TIOCSSERIAL) without it, and
# closing_wait "none" is what keeps a close on a hung modem from blocking for 30 s.
CapabilityBoundingSet=CAP_SYS_ADMIN
# CAP_SETUID CAP_SETGID CAP_SYS_CHROOT: dhcpcd 9's privilege separation (it drops to its own
# user in a chroot); without them dhcpcd refuses to start.
CapabilityBoundingSet=CAP_SETUID CAP_SETGID CAP_SYS_CHROOT
# Not CAP_DAC_OVERRIDE: every file dongle and pppd touch belongs to root. Not CAP_SYS_MODULE:
# udev loads the USB drivers and the kernel loads ppp_generic for /dev/ppp; ppp_async loads on
# demand unless dev.tty.ldisc_autoload=0 (then list it in /etc/modules-load.d/).

[Install]
WantedBy=multi-user.target
"#,
        version = env!("CARGO_PKG_VERSION"),
        binary = binary.display(),
        metrics_paths = metrics_paths,
    )
}

// ---- doing it ------------------------------------------------------------------------------

struct Planned {
    path: PathBuf,
    kind: &'static str,
    content: String,
}

/// The binary the generated files run: `--binary`, else this one's canonical path.
fn binary_path(explicit: Option<&Path>) -> Result<PathBuf, Failure> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => std::env::current_exe()
            .and_then(|p| p.canonicalize())
            .map_err(|e| {
                Failure::new(
                    Exit::Failure,
                    format!("cannot tell where this dongle binary is ({e}); give it with --binary /usr/bin/dongle"),
                )
            })?,
    };
    let text = path.to_string_lossy();
    if !path.is_absolute() || text.contains(|c: char| c.is_whitespace() || c == '"' || c == '\\') {
        // udev splits IMPORT{program} on spaces and systemd's ExecStart on whitespace.
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "--binary {}: must be an absolute path without spaces, quotes or backslashes (udev and systemd split the command line on spaces)",
                path.display()
            ),
        ));
    }
    Ok(path)
}

/// Where installed programs live, as opposed to a build tree or a home directory.
fn is_system_path(p: &Path) -> bool {
    ["/usr/", "/bin/", "/sbin/", "/opt/"]
        .iter()
        .any(|d| p.starts_with(d))
}

fn root(prefix: Option<&Path>) -> PathBuf {
    prefix.map_or_else(|| PathBuf::from("/"), Path::to_path_buf)
}

fn udev_commands() -> Vec<Vec<&'static str>> {
    vec![
        vec!["udevadm", "control", "--reload"],
        // Re-run the rules for ports that are already there: adds (or, after uninstall,
        // drops) the /dev/dongle links and ModemManager's ignore flag.
        vec![
            "udevadm",
            "trigger",
            "--subsystem-match=tty",
            "--subsystem-match=net",
        ],
    ]
}

/// The directory of the configuration's `[metrics] textfile`, which the unit must let the
/// daemon write. A configuration with errors is reported (the daemon would refuse it too) but
/// does not stop the install.
fn textfile_dir(notes: &mut Vec<String>) -> Option<PathBuf> {
    let path = crate::config::config_path(None);
    match crate::config::Config::load(&path) {
        Ok(c) => c.metrics.textfile?.parent().map(Path::to_path_buf),
        Err(e) => {
            notes.push(format!(
                "{e}; the daemon will not start until it is fixed (`dongle config check`)"
            ));
            None
        }
    }
}

pub fn install(ctx: &Context, a: &InstallArgs) -> Result<(), Failure> {
    let both = !a.udev && !a.systemd && !a.completions && !a.man;
    let mut report_notes = Vec::new();
    let binary = binary_path(a.binary.as_deref())?;
    if a.binary.is_none() && !is_system_path(&binary) {
        // A build tree or a download directory: the next `cargo clean` or cleanup silently
        // breaks udev naming and the service.
        report_notes.push(format!(
            "the rules and the unit run {}; copy the binary to /usr/local/bin (or /usr/bin) and pass --binary, or they break when that file goes",
            binary.display()
        ));
    }
    let root = root(a.prefix.as_deref());
    let mut plan = Vec::new();
    let mut commands: Vec<Vec<&str>> = Vec::new();
    if a.udev || both {
        plan.push(Planned {
            path: root.join(UDEV_RULES),
            kind: "udev",
            content: udev_rules(&binary, !a.keep_modemmanager),
        });
        commands.extend(udev_commands());
    }
    if a.systemd || both {
        plan.push(Planned {
            path: root.join(SYSTEMD_UNIT),
            kind: "systemd",
            content: systemd_unit(&binary, textfile_dir(&mut report_notes).as_deref()),
        });
        commands.push(vec!["systemctl", "daemon-reload"]);
        commands.push(vec!["systemctl", "enable", "--now", "dongle"]);
    }
    for (path, kind, content) in super::shell::install_files(&root, a.completions, a.man, MARKER) {
        plan.push(Planned {
            path,
            kind,
            content,
        });
    }
    let mut report = Report {
        dry_run: a.dry_run,
        prefix: a.prefix.as_ref().map(|p| p.display().to_string()),
        notes: report_notes,
        ..Report::default()
    };
    // Refuse before writing anything: a file of that name that dongle did not write.
    for p in &plan {
        if let Ok(old) = std::fs::read_to_string(&p.path) {
            if !old.contains(MARKER) {
                return Err(Failure::new(
                    Exit::Failure,
                    format!(
                        "{} exists and was not written by `dongle install`; move it away (or merge it into a drop-in) and run install again",
                        p.path.display()
                    ),
                ));
            }
        }
    }
    for p in plan {
        let unchanged = std::fs::read_to_string(&p.path).is_ok_and(|old| old == p.content);
        let action = if a.dry_run {
            "write"
        } else if unchanged {
            "unchanged"
        } else {
            write_atomic(&p.path, &p.content)?;
            "written"
        };
        report.files.push(FileReport {
            path: p.path.display().to_string(),
            kind: p.kind,
            action,
            content: Some(p.content),
        });
    }
    run_commands(&mut report, &commands, a.dry_run, a.prefix.is_some());
    print_report(ctx, &report, true);
    Ok(())
}

pub fn uninstall(ctx: &Context, a: &UninstallArgs) -> Result<(), Failure> {
    let root = root(a.prefix.as_deref());
    let mut report = Report {
        dry_run: a.dry_run,
        prefix: a.prefix.as_ref().map(|p| p.display().to_string()),
        ..Report::default()
    };
    let mut before: Vec<Vec<&str>> = Vec::new();
    let mut after: Vec<Vec<&str>> = Vec::new();
    let mut removals: Vec<PathBuf> = Vec::new();
    let mut candidates = vec![
        (root.join(SYSTEMD_UNIT), "systemd"),
        (root.join(UDEV_RULES), "udev"),
    ];
    candidates.extend(super::shell::installed_candidates(&root));
    for (path, kind) in candidates {
        let action = match std::fs::read_to_string(&path) {
            // Completions and man pages are optional: not having them is not worth a line.
            Err(e)
                if e.kind() == std::io::ErrorKind::NotFound
                    && matches!(kind, "completion" | "man") =>
            {
                continue
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "absent",
            Err(e) => {
                return Err(Failure::new(
                    Exit::Failure,
                    format!("cannot read {}: {e}", path.display()),
                ))
            }
            Ok(text) if !text.contains(MARKER) => {
                report.notes.push(format!(
                    "{} was not written by `dongle install`: left alone",
                    path.display()
                ));
                "foreign"
            }
            Ok(_) => {
                if kind == "systemd" {
                    // Stop and disable while the unit file still exists.
                    before.push(vec!["systemctl", "disable", "--now", "dongle"]);
                    after.push(vec!["systemctl", "daemon-reload"]);
                } else if kind == "udev" {
                    after.extend(udev_commands());
                }
                removals.push(path.clone());
                if a.dry_run {
                    "remove"
                } else {
                    "removed"
                }
            }
        };
        report.files.push(FileReport {
            path: path.display().to_string(),
            kind,
            action,
            content: None,
        });
    }
    run_commands(&mut report, &before, a.dry_run, a.prefix.is_some());
    if !a.dry_run {
        for path in &removals {
            std::fs::remove_file(path).map_err(|e| {
                Failure::new(
                    Exit::Failure,
                    format!("cannot remove {}: {e}", path.display()),
                )
            })?;
            if let Some(prefix) = &a.prefix {
                prune_empty_dirs(path, prefix);
            }
        }
    }
    run_commands(&mut report, &after, a.dry_run, a.prefix.is_some());
    print_report(ctx, &report, false);
    Ok(())
}

/// Under --prefix, remove the directories install created for the file, up to the prefix, as
/// long as they are empty (a package build tree is left as it was found). Never done at /:
/// /etc/udev/rules.d belongs to udev even when empty.
fn prune_empty_dirs(file: &Path, prefix: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == prefix || !d.starts_with(prefix) || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Write `content` to `path` atomically: a temporary file in the same directory, synced, then
/// renamed over the target, so udev or systemd never read half a file. Mode 0644.
fn write_atomic(path: &Path, content: &str) -> Result<(), Failure> {
    let fail = |what: &str, e: std::io::Error| {
        let exit = if e.kind() == std::io::ErrorKind::PermissionDenied {
            Exit::Permission
        } else {
            Exit::Failure
        };
        Failure::new(
            exit,
            format!(
                "cannot {what} {}: {e}{}",
                path.display(),
                if exit == Exit::Permission {
                    "; run dongle install as root (or with --prefix DIR for a staging tree)"
                } else {
                    ""
                }
            ),
        )
    };
    let dir = path.parent().unwrap_or(Path::new("/"));
    std::fs::create_dir_all(dir).map_err(|e| fail("create the directory for", e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".dongle-install-")
        .tempfile_in(dir)
        .map_err(|e| fail("write", e))?;
    tmp.write_all(content.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| fail("write", e))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
        .map_err(|e| fail("set the mode of", e))?;
    tmp.persist(path).map_err(|e| fail("replace", e.error))?;
    Ok(())
}

fn run_commands(report: &mut Report, commands: &[Vec<&str>], dry_run: bool, prefixed: bool) {
    for argv in commands {
        let owned: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        let (status, detail) = if dry_run {
            ("planned", None)
        } else if prefixed {
            ("skipped", None)
        } else {
            match Command::new(argv[0]).args(&argv[1..]).output() {
                Ok(out) if out.status.success() => ("ok", None),
                Ok(out) => {
                    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
                    report.notes.push(format!(
                        "`{}` failed ({}){}; the files are in place, run it yourself once the cause is fixed",
                        argv.join(" "),
                        out.status,
                        if err.is_empty() { String::new() } else { format!(": {err}") }
                    ));
                    ("failed", Some(err))
                }
                Err(e) => {
                    report.notes.push(format!(
                        "`{}` not run: {} ({e}); the files take effect at the next boot, or run it where {} exists",
                        argv.join(" "),
                        argv[0],
                        argv[0]
                    ));
                    ("missing", Some(e.to_string()))
                }
            }
        };
        report.commands.push(CommandReport {
            argv: owned,
            status,
            detail,
        });
    }
    if prefixed && !dry_run && !commands.is_empty() {
        report.notes.push(
            "installed under --prefix: udevadm and systemctl were not run (the package's scripts or the target system do that)".into(),
        );
    }
}

fn print_report(ctx: &Context, r: &Report, install: bool) {
    if ctx.global.json {
        output::json(r);
        return;
    }
    for f in &r.files {
        match (f.action, &f.content) {
            // Generated from the command line's definition: the body says nothing new.
            ("write", Some(c)) if matches!(f.kind, "completion" | "man") => {
                println!("would write {} ({} lines)", f.path, c.lines().count());
            }
            ("write", Some(c)) => {
                println!("would write {} ({} lines):", f.path, c.lines().count());
                for line in c.lines() {
                    println!("    {line}");
                }
            }
            ("remove", _) => println!("would remove {}", f.path),
            ("written", _) => println!("wrote {}", f.path),
            ("unchanged", _) => println!("unchanged {}", f.path),
            ("removed", _) => println!("removed {}", f.path),
            ("absent", _) => println!("not installed: {}", f.path),
            _ => {}
        }
    }
    for c in &r.commands {
        let cmd = c.argv.join(" ");
        match c.status {
            "planned" => println!("would run: {cmd}"),
            "ok" => println!("ran: {cmd}"),
            _ => {}
        }
    }
    for n in &r.notes {
        eprintln!("dongle: note: {n}");
    }
    if install && !r.dry_run && r.prefix.is_none() {
        let mut next = vec!["`dongle config check`".to_string()];
        if r.files.iter().any(|f| f.kind == "systemd") {
            next.push("`systemctl status dongle`".into());
        }
        if r.files.iter().any(|f| f.kind == "udev") {
            next.push("`ls -lR /dev/dongle/` (links appear for plugged modems)".into());
        }
        println!("next: {}", next.join(", then "));
    }
}
