//! `dongle-gadget`: the gadget side of the virtual USB test bed. Serves a `dongle-sim` profile
//! (or a ZeroCD storage personality) on a FunctionFS mount inside the guest.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use dongle_sim::ffs::{self, Layout, Log, ModemOptions, StorageOptions};
use dongle_sim::hilink::{HilinkOptions, HilinkServer};
use dongle_sim::{profile, profiles, Scenario};

const USAGE: &str = "\
usage:
  dongle-gadget serve --profile NAME --ffs DIR [--scenario FILE] [--log FILE]
                      [--ppp-peer CMD] [-v]
  dongle-gadget storage --ffs DIR --log FILE [--vendor TEXT] [--product TEXT]
                        [--revision TEXT] [--csw-on-switch] [-v]
  dongle-gadget descriptors (--profile NAME | --storage)
  dongle-gadget hilink --listen ADDR [--scenario FILE] [--log FILE] [--connect-ms MS]
                       [--on-subnet CMD] [-v]

serve        the profile's serial interfaces (what `option` binds) on the FunctionFS
             instance mounted at DIR, answered by the dongle-sim firmware model.
             --ppp-peer: shell command started on a PTY at CONNECT (the network side),
             e.g. \"pppd nodetach noauth local 192.0.2.1:192.0.2.2\".
storage      a Bulk-Only-Transport CD-ROM without a disc (08/06/50; default INQUIRY
             \"HUAWEI\" \"Mass Storage\" \"2.31\"); logs every CBW; exits on a switch message.
descriptors  print what would be written to ep0 (listing and hex), for host-side tests.
hilink       the HiLink web API (dongle-sim's HilinkServer) on ADDR, e.g. 0.0.0.0:80 behind the
             kernel ecm function: the stick's router side. Logs READY, HTTP <method> <path>
             [error N], SUBNET <new LAN address> (after dhcp/settings), and runs --on-subnet
             CMD with the new address as $1 (the test bed re-addresses its end of the link).
             Runs until killed.

The function must be mounted and the gadget not yet bound: bind the UDC once the epN files
exist. Log lines: READY, EVENT, SETUP <8 bytes hex>, DTR, RX/TX, DCD, SERIAL_STATE, PEER,
CBW <31 bytes hex>, SWITCH <hex>, VANISH, HTTP, SUBNET.

exit status: 0 stopped, 1 error, 2 usage, 42 bulk switch message, 43 vendor control
request (switch), 44 the device vanished (scenario vanish_on).";

struct Args {
    cmd: String,
    profile: Option<String>,
    ffs: Option<PathBuf>,
    scenario: Option<PathBuf>,
    log: Option<PathBuf>,
    ppp_peer: Option<String>,
    vendor: String,
    product: String,
    revision: String,
    csw_on_switch: bool,
    storage: bool,
    verbose: bool,
    listen: Option<String>,
    connect_ms: Option<u64>,
    on_subnet: Option<String>,
}

fn parse(argv: &[String]) -> Result<Args, String> {
    let mut it = argv.iter();
    let cmd = it.next().ok_or("missing command")?.clone();
    if !["serve", "storage", "descriptors", "hilink"].contains(&cmd.as_str()) {
        return Err(format!("unknown command `{cmd}`"));
    }
    let mut a = Args {
        cmd,
        profile: None,
        ffs: None,
        scenario: None,
        log: None,
        ppp_peer: None,
        vendor: "HUAWEI".into(),
        product: "Mass Storage".into(),
        revision: "2.31".into(),
        csw_on_switch: false,
        storage: false,
        verbose: false,
        listen: None,
        connect_ms: None,
        on_subnet: None,
    };
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--profile" => a.profile = Some(value()?),
            "--ffs" => a.ffs = Some(value()?.into()),
            "--scenario" => a.scenario = Some(value()?.into()),
            "--log" => a.log = Some(value()?.into()),
            "--ppp-peer" => a.ppp_peer = Some(value()?),
            "--vendor" => a.vendor = value()?,
            "--product" => a.product = value()?,
            "--revision" => a.revision = value()?,
            "--csw-on-switch" => a.csw_on_switch = true,
            "--storage" => a.storage = true,
            "--listen" => a.listen = Some(value()?),
            "--on-subnet" => a.on_subnet = Some(value()?),
            "--connect-ms" => {
                let v = value()?;
                a.connect_ms = Some(
                    v.parse()
                        .map_err(|_| format!("--connect-ms {v}: not a number of milliseconds"))?,
                )
            }
            "-v" | "--verbose" => a.verbose = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(a)
}

fn get_profile(name: Option<&str>) -> Result<dongle_sim::Profile, String> {
    let name = name.ok_or("--profile is required")?;
    profile(name).ok_or_else(|| {
        format!(
            "unknown profile `{name}`; known profiles: {}",
            profiles().join(", ")
        )
    })
}

fn run(a: Args) -> Result<i32, String> {
    match a.cmd.as_str() {
        "descriptors" => {
            let layout = if a.storage {
                Layout::storage()
            } else {
                Layout::serial(&get_profile(a.profile.as_deref())?)
            };
            let text = format!(
                "{}descriptors {}\nstrings {}\n",
                layout.describe(),
                ffs::ep0::hex(&layout.descriptors()),
                ffs::ep0::hex(&layout.strings())
            );
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
            Ok(0)
        }
        "hilink" => {
            let listen = a
                .listen
                .ok_or("--listen ADDR is required (e.g. 0.0.0.0:80)")?;
            let scenario = match &a.scenario {
                Some(p) => Scenario::from_file(p).map_err(|e| e.to_string())?,
                None => Scenario::default(),
            };
            let log = Log::open(a.log.as_deref(), a.verbose).map_err(|e| e.to_string())?;
            let mut opts = HilinkOptions {
                scenario,
                ..HilinkOptions::default()
            };
            if let Some(ms) = a.connect_ms {
                opts.connect_ms = ms;
            }
            serve_hilink(&listen, opts, &log, a.on_subnet.as_deref())
        }
        "serve" => {
            let profile = get_profile(a.profile.as_deref())?;
            let ffs_dir = a.ffs.ok_or("--ffs DIR is required")?;
            let scenario = match &a.scenario {
                Some(p) => Scenario::from_file(p).map_err(|e| e.to_string())?,
                None => Scenario::default(),
            };
            let log = Log::open(a.log.as_deref(), a.verbose).map_err(|e| e.to_string())?;
            ffs::run_modem(ModemOptions {
                ffs: ffs_dir,
                profile,
                scenario,
                log,
                ppp_peer: a.ppp_peer,
            })
            .map_err(|e| e.to_string())
        }
        _ => {
            let ffs_dir = a.ffs.ok_or("--ffs DIR is required")?;
            let log_path = a
                .log
                .ok_or("--log FILE is required (the CBWs received go there)")?;
            let log = Log::open(Some(&log_path), a.verbose).map_err(|e| e.to_string())?;
            ffs::run_storage(StorageOptions {
                ffs: ffs_dir,
                log,
                vendor: a.vendor,
                product: a.product,
                revision: a.revision,
                csw_on_switch: a.csw_on_switch,
            })
            .map_err(|e| e.to_string())
        }
    }
}

/// Serves the HiLink API until the process is killed, logging each request and every move of
/// the stick's LAN address (the test bed reads the log; `--on-subnet` follows the move).
fn serve_hilink(
    listen: &str,
    opts: HilinkOptions,
    log: &Log,
    on_subnet: Option<&str>,
) -> Result<i32, String> {
    let server = HilinkServer::start(listen, opts).map_err(|e| e.to_string())?;
    log.line(&format!("READY {}", server.url()));
    let mut seen = 0;
    let mut lan = server.snapshot().lan_ip;
    loop {
        std::thread::sleep(Duration::from_millis(50));
        let reqs = server.requests();
        for r in reqs.iter().skip(seen) {
            match r.error {
                Some(e) => log.line(&format!("HTTP {} {} error {e}", r.method, r.path)),
                None => log.line(&format!("HTTP {} {}", r.method, r.path)),
            }
        }
        seen = reqs.len();
        let now = server.snapshot().lan_ip;
        if now != lan {
            log.line(&format!("SUBNET {now}"));
            lan = now;
            if let Some(cmd) = on_subnet {
                // The new address as $1; sh's $0 is a label for its messages.
                let st = std::process::Command::new("sh")
                    .args(["-c", cmd, "on-subnet", &lan])
                    .status();
                log.line(&format!("ON-SUBNET {lan}: {st:?}"));
            }
        }
    }
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse(&argv) {
        Ok(a) => a,
        Err(e) => {
            if e.is_empty() {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            eprintln!("dongle-gadget: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) => {
            eprintln!("dongle-gadget: {e}");
            ExitCode::from(1)
        }
    }
}
