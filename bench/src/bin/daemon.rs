//! Daemon benchmark (issue 7): one `dongle daemon` managing a fleet of virtual sticks.
//!
//! Starts a fleet (default 32 × e3372 in NCM mode) in this process, runs the real
//! `dongle daemon` against its sysfs and dev roots with stand-ins for the host side (`ip` is a
//! script that keeps per-interface state in files; no DHCP client, so the address comes from
//! `^DHCP`), and measures:
//!
//! - time from the daemon's start until every stick is online (`phase` `up` in the control
//!   socket's status: `{"cmd":"status"}` on `$DONGLE_RUN_DIR/dongle.sock`);
//! - the daemon's resident memory (VmRSS, VmHWM) and, separately, its child processes;
//! - idle CPU over 10 s: utime+stime of the daemon (all threads) and of the children it reaped;
//! - for several sticks in turn: unplug, wait until the daemon has noticed, replug, and time
//!   from the replug until that stick is online again;
//! - the daemon's resident memory after 5 replugs and after all of them, each read
//!   [`SETTLE`] after the last stick came back (what a fleet host sees between events).
//!
//! Targets: all online, RSS < 20 MB, idle CPU < 1 % of one core, back online < 2 s.
//!
//! Run: `cargo build --release -p dongle && cargo run --release -p dongle-bench --bin daemon`
//! Options: `--count N` (32), `--profile NAME` (e3372), `--idle S` (10), `--reps N` (15),
//! `--dongle PATH` (target/release/dongle), `--keep` (keep the scratch directory and print it).

use anyhow::{bail, Context, Result};
use dongle_sim::{Fleet, Scenario};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const RSS_TARGET_KB: u64 = 20 * 1024;
const CPU_TARGET_PERCENT: f64 = 1.0;
const BACK_TARGET: Duration = Duration::from_secs(2);
/// How long after a replug the memory is read: the daemon gives freed memory
/// back once its links settle.
const SETTLE: Duration = Duration::from_secs(3);

/// iproute2 stand-in with one state file per interface, so that 32 links do not share one
/// address. Only what `dongle up --via ncm` calls is understood; everything succeeds.
const FAKE_IP: &str = r#"#!/bin/sh
d=${FAKE_IP_DIR:?}
mkdir -p "$d/addr"
case "$*" in
  "-4 -o addr show dev "*)
    [ -f "$d/addr/$6" ] && echo "4: $6    inet $(cat "$d/addr/$6") scope global $6" ;;
  "-4 -o addr show")
    for f in "$d"/addr/*; do
      [ -f "$f" ] && i=${f##*/} && echo "4: $i    inet $(cat "$f") scope global $i"
    done ;;
  "addr add "*) echo "$3" > "$d/addr/$5" ;;
  "-4 addr flush dev "*) rm -f "$d/addr/$5" ;;
  "route add default via "*) echo "default via $5 dev $7" >> "$d/default" ;;
  "route del default via "*)
    [ -f "$d/default" ] && grep -v " dev $7\$" "$d/default" > "$d/default.new"
    mv -f "$d/default.new" "$d/default" 2>/dev/null ;;
  "-4 route show default") cat "$d/default" 2>/dev/null ;;
  "-4 route show default dev "*) grep " dev $6\$" "$d/default" 2>/dev/null ;;
esac
exit 0
"#;

struct Args {
    count: usize,
    profile: String,
    idle: Duration,
    reps: usize,
    dongle: PathBuf,
    keep: bool,
}

fn parse_args() -> Result<Args> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut a = Args {
        count: 32,
        profile: "e3372".into(),
        idle: Duration::from_secs(10),
        reps: 15,
        dongle: root.join("target/release/dongle"),
        keep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--count" => a.count = value()?.parse().context("--count takes a number")?,
            "--profile" => a.profile = value()?,
            "--idle" => {
                a.idle = Duration::from_secs(value()?.parse().context("--idle takes seconds")?)
            }
            "--reps" => a.reps = value()?.parse().context("--reps takes a number")?,
            "--dongle" => a.dongle = PathBuf::from(value()?),
            "--keep" => a.keep = true,
            other => bail!(
                "unknown option {other}; options: --count N, --profile NAME, --idle S, \
                 --reps N, --dongle PATH, --keep"
            ),
        }
    }
    if !a.dongle.exists() {
        bail!(
            "{} does not exist: build it first with `cargo build --release -p dongle`",
            a.dongle.display()
        );
    }
    Ok(a)
}

/// The daemon's view of every stick: USB path → (phase, problem).
type Status = BTreeMap<String, (String, String)>;

fn status(sock: &Path) -> Result<Status> {
    let s = UnixStream::connect(sock).with_context(|| format!("connect {}", sock.display()))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    (&s).write_all(b"{\"cmd\":\"status\"}\n")?;
    let mut line = String::new();
    BufReader::new(&s).read_line(&mut line)?;
    let v: Value = serde_json::from_str(&line).with_context(|| format!("status reply {line:?}"))?;
    if v["ok"] != true {
        bail!("the daemon refused status: {line}");
    }
    let mut out = BTreeMap::new();
    for m in v["modems"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let dev = m["device"].as_str().unwrap_or_default().to_string();
        let phase = m["phase"].as_str().unwrap_or_default().to_string();
        let problem = m["problem"].as_str().unwrap_or_default().to_string();
        out.insert(dev, (phase, problem));
    }
    Ok(out)
}

/// Polls status every `every` until `done` holds or `limit` passes; returns the last status.
fn wait_for(
    sock: &Path,
    daemon: &mut Child,
    limit: Duration,
    every: Duration,
    done: impl Fn(&Status) -> bool,
) -> Result<(bool, Status)> {
    let t = Instant::now();
    let mut last = BTreeMap::new();
    loop {
        if let Some(code) = daemon.try_wait()? {
            bail!("the daemon exited ({code})");
        }
        if let Ok(s) = status(sock) {
            if done(&s) {
                return Ok((true, s));
            }
            last = s;
        }
        if t.elapsed() > limit {
            return Ok((false, last));
        }
        std::thread::sleep(every);
    }
}

fn online(s: &Status, dev: &str) -> bool {
    s.get(dev).is_some_and(|(p, _)| p == "up")
}

/// `(VmRSS, VmHWM)` in KiB.
fn memory(pid: u32) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Anonymous (heap, stacks) and file-backed (the binary, libraries) resident KiB, from
/// /proc/PID/smaps_rollup: where the memory is when the RSS target is missed.
fn rss_split(pid: u32) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let field = |name: &str| -> Option<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
    };
    let rss = field("Rss:")?;
    let anon = field("Anonymous:")?;
    Some((anon, rss.saturating_sub(anon)))
}

/// A memory row: VmRSS against the target, with its split and the thread count.
fn memory_row(label: String, pid: u32) -> Option<Row> {
    let (rss, hwm) = memory(pid)?;
    let split = rss_split(pid)
        .map(|(anon, file)| format!(" (anonymous {}, file {})", mb(anon), mb(file)))
        .unwrap_or_default();
    Some((
        label,
        format!(
            "VmRSS {}{split}, VmHWM {}, {} threads",
            mb(rss),
            mb(hwm),
            threads(pid).unwrap_or(0)
        ),
        format!("RSS < {}", mb(RSS_TARGET_KB)),
        yes(rss < RSS_TARGET_KB),
    ))
}

/// `(utime+stime, cutime+cstime)` in clock ticks, from /proc/PID/stat.
fn cpu_ticks(pid: u32) -> Option<(u64, u64)> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// `(utime+stime, cutime+cstime)` from a /proc/PID/stat (or task stat) line: fields 14–17.
fn parse_stat(text: &str) -> Option<(u64, u64)> {
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    let rest = text.get(text.rfind(')')? + 1..)?;
    let f: Vec<u64> = rest
        .split_whitespace()
        .skip(11) // state (field 3) … cmajflt (13): utime is field 14
        .take(4)
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    (f.len() == 4).then(|| (f[0] + f[1], f[2] + f[3]))
}

/// utime+stime per thread name (threads of one name added up), from /proc/PID/task.
fn thread_ticks(pid: u32) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for t in tasks.flatten() {
        let name = std::fs::read_to_string(t.path().join("comm"))
            .unwrap_or_default()
            .trim()
            .to_string();
        let tid: u32 = t.file_name().to_string_lossy().parse().unwrap_or(0);
        let ticks = std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/stat"))
            .ok()
            .and_then(|text| parse_stat(&text))
            .map_or(0, |t| t.0);
        // Per-stick threads ("modem 1-1.7") are added up by their first word.
        let group = match name.split_once(' ') {
            Some((first, _)) => format!("{first} …"),
            None => name,
        };
        *out.entry(group).or_default() += ticks;
    }
    out
}

/// `Threads:` of /proc/PID/status.
fn threads(pid: u32) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
}

fn clock_ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100)
}

/// Child processes of `pid` (all threads' children): `(pid, name, VmRSS KiB)`.
fn children(pid: u32) -> Vec<(u32, String, u64)> {
    let mut out = Vec::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for t in tasks.flatten() {
        let list = std::fs::read_to_string(t.path().join("children")).unwrap_or_default();
        for c in list
            .split_whitespace()
            .filter_map(|c| c.parse::<u32>().ok())
        {
            let name = std::fs::read_to_string(format!("/proc/{c}/comm"))
                .unwrap_or_default()
                .trim()
                .to_string();
            let rss = memory(c).map_or(0, |m| m.0);
            out.push((c, name, rss));
        }
    }
    out.sort();
    out.dedup();
    out
}

fn mb(kb: u64) -> String {
    format!("{:.1} MB", kb as f64 / 1024.0)
}

fn yes(ok: bool) -> &'static str {
    if ok {
        "yes"
    } else {
        "**no**"
    }
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn main() -> Result<()> {
    let a = parse_args()?;
    let scratch = tempfile::tempdir()?;
    let dir = scratch.path();
    let run = dir.join("run");
    std::fs::create_dir_all(&run)?;
    let ip = dir.join("fake-ip");
    std::fs::write(&ip, FAKE_IP)?;
    std::fs::set_permissions(&ip, std::fs::Permissions::from_mode(0o755))?;
    // An empty configuration: the defaults, whatever /etc/dongle/config.toml says.
    let config = dir.join("config.toml");
    std::fs::write(&config, "")?;

    let t = Instant::now();
    let fleet = Fleet::start(&a.profile, a.count, &dir.join("sim"), Scenario::default())
        .context("start the fleet")?;
    let fleet_start = t.elapsed();
    let sim_mem = memory(std::process::id());
    eprintln!(
        "fleet: {} × {} in {} (sysfs {})",
        a.count,
        a.profile,
        secs(fleet_start),
        fleet.sysfs_root().display()
    );

    let log = dir.join("daemon.log");
    let mut daemon = Command::new(&a.dongle)
        .env("DONGLE_RUN_DIR", &run)
        .env("DONGLE_LOCK_DIR", dir)
        .env("DONGLE_IP", &ip)
        .env("FAKE_IP_DIR", dir.join("ip"))
        .env("DONGLE_DHCP", "none")
        .env("DONGLE_APN_MEMORY", dir.join("apn-memory.toml"))
        .env("DONGLE_CONFIG", &config)
        .env_remove("DONGLE_LOG")
        .env_remove("NOTIFY_SOCKET")
        .arg("--sysfs")
        .arg(fleet.sysfs_root())
        .arg("--dev")
        .arg(fleet.dev_root())
        .args(["daemon", "--config"])
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        .spawn()
        .with_context(|| format!("start {} daemon", a.dongle.display()))?;
    let pid = daemon.id();
    let started = Instant::now();
    let sock = run.join("dongle.sock");
    let devices: Vec<String> = fleet.modems().into_iter().map(|m| m.usb_path).collect();

    let result = measure(&a, &fleet, &mut daemon, pid, &sock, &devices, started);
    let sim_mem_end = memory(std::process::id());

    // SIGTERM: every link down, then exit; time it.
    let t = Instant::now();
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let mut stopped = None;
    while t.elapsed() < Duration::from_secs(30) {
        if let Ok(Some(code)) = daemon.try_wait() {
            stopped = Some((t.elapsed(), code));
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if stopped.is_none() {
        let _ = daemon.kill();
        let _ = daemon.wait();
    }
    drop(fleet);
    match result {
        Ok(rows) => {
            println!(
                "\n## dongle daemon, {} virtual {} sticks{}\n",
                a.count,
                a.profile,
                std::env::var("MALLOC_ARENA_MAX")
                    .map(|v| format!(" (MALLOC_ARENA_MAX={v})"))
                    .unwrap_or_default()
            );
            println!("| measure | value | target | met |");
            println!("|---|---|---|---|");
            for r in rows {
                println!("| {} | {} | {} | {} |", r.0, r.1, r.2, r.3);
            }
            let sim = sim_mem.map_or("?".into(), |m| mb(m.0));
            let sim_end =
                sim_mem_end.map_or("?".into(), |m| format!("{} (peak {})", mb(m.0), mb(m.1)));
            println!(
                "| simulator (this process, {} sticks) | RSS {sim} at start, {sim_end} at the end; started in {} | | |",
                a.count,
                secs(fleet_start)
            );
            match stopped {
                Some((d, code)) => println!(
                    "| shutdown on SIGTERM (every link down) | {} ({code}) | | |",
                    secs(d)
                ),
                None => println!(
                    "| shutdown on SIGTERM | did not exit within 30 s (killed) | | **no** |"
                ),
            }
        }
        Err(e) => {
            eprintln!("daemon log (last 40 lines):\n{}", tail(&log, 40));
            if a.keep {
                let kept = scratch.keep();
                eprintln!("kept {}", kept.display());
            }
            return Err(e);
        }
    }
    if a.keep {
        let kept = scratch.keep();
        eprintln!("kept {}", kept.display());
    }
    Ok(())
}

type Row = (String, String, String, &'static str);

fn measure(
    a: &Args,
    fleet: &Fleet,
    daemon: &mut Child,
    pid: u32,
    sock: &Path,
    devices: &[String],
    started: Instant,
) -> Result<Vec<Row>> {
    let mut rows: Vec<Row> = Vec::new();
    let all_up = |s: &Status| devices.iter().all(|d| online(s, d));
    let (ok, last) = wait_for(
        sock,
        daemon,
        Duration::from_secs(60 + 2 * a.count as u64),
        Duration::from_millis(50),
        all_up,
    )?;
    let to_online = started.elapsed();
    let up = devices.iter().filter(|d| online(&last, d)).count();
    if !ok {
        let not: Vec<String> = devices
            .iter()
            .filter(|d| !online(&last, d))
            .map(|d| {
                let (p, why) = last.get(d).cloned().unwrap_or_default();
                format!("{d}: {p} {why}")
            })
            .take(5)
            .collect();
        bail!(
            "only {up} of {} sticks online after {}; e.g. {}",
            a.count,
            secs(to_online),
            not.join("; ")
        );
    }
    rows.push((
        "sticks online".into(),
        format!("{}/{} after {}", a.count, a.count, secs(to_online)),
        "all".into(),
        yes(true),
    ));

    // Settle, then idle: nothing asks the daemon anything during the window.
    std::thread::sleep(Duration::from_secs(2));
    let hz = clock_ticks_per_second() as f64;
    let before = cpu_ticks(pid).context("read the daemon's /proc stat")?;
    let threads_before = thread_ticks(pid);
    let sim_before = cpu_ticks(std::process::id()).map_or(0, |t| t.0);
    let commands_before: Vec<usize> = (0..devices.len())
        .map(|i| fleet.transcript(i).map_or(0, |t| t.len()))
        .collect();
    let kids_before: u64 = children(pid)
        .iter()
        .filter_map(|c| cpu_ticks(c.0).map(|t| t.0))
        .sum();
    let t = Instant::now();
    std::thread::sleep(a.idle);
    let window = t.elapsed().as_secs_f64();
    let after = cpu_ticks(pid).context("read the daemon's /proc stat")?;
    let threads_after = thread_ticks(pid);
    let sim_after = cpu_ticks(std::process::id()).map_or(0, |t| t.0);
    // What the daemon keeps asking: the commands of the window, counted by text.
    let mut asked: BTreeMap<String, usize> = BTreeMap::new();
    let mut commands = 0;
    for (i, from) in commands_before.iter().enumerate() {
        let t = fleet.transcript(i).unwrap_or_default();
        for line in t.iter().skip(*from) {
            let cmd = line.split_once(": ").map_or(line.as_str(), |(_, c)| c);
            *asked.entry(cmd.to_string()).or_default() += 1;
            commands += 1;
        }
    }
    let mut asked: Vec<(usize, String)> = asked.into_iter().map(|(c, n)| (n, c)).collect();
    asked.sort_by(|x, y| y.cmp(x));
    let kids = children(pid);
    let kids_after: u64 = kids
        .iter()
        .filter_map(|c| cpu_ticks(c.0).map(|t| t.0))
        .sum();
    let own = (after.0 - before.0) as f64 / hz / window * 100.0;
    let reaped = (after.1 - before.1) as f64 / hz / window * 100.0;
    // Live children's time (a long-running helper such as a DHCP client); approximate when
    // children came or went during the window.
    let live = kids_after.saturating_sub(kids_before) as f64 / hz / window * 100.0;
    let total = own + reaped + live;
    rows.push((
        format!("idle CPU over {window:.0} s"),
        format!(
            "{total:.2} % of one core (daemon {own:.2} %, reaped children {reaped:.2} %, running children {live:.2} %)"
        ),
        format!("< {CPU_TARGET_PERCENT} %"),
        yes(total < CPU_TARGET_PERCENT),
    ));

    // Where the idle time goes, by thread name: what to look at when the target is missed.
    let mut busy: Vec<(u64, String)> = threads_after
        .iter()
        .map(|(n, t)| {
            (
                t.saturating_sub(*threads_before.get(n).unwrap_or(&0)),
                n.clone(),
            )
        })
        .filter(|(t, _)| *t > 0)
        .collect();
    busy.sort_by(|x, y| y.cmp(x));
    let mut top: Vec<String> = busy
        .iter()
        .take(4)
        .map(|(t, n)| format!("{n} {:.2} %", *t as f64 / hz / window * 100.0))
        .collect();
    // The process total also counts threads that started and ended inside the window.
    let live_threads: u64 = busy.iter().map(|b| b.0).sum();
    let ended = (after.0 - before.0).saturating_sub(live_threads);
    if ended > 0 {
        top.push(format!(
            "threads that ended meanwhile {:.2} %",
            ended as f64 / hz / window * 100.0
        ));
    }
    rows.push((
        "idle CPU by daemon thread (name; ±1 tick each)".into(),
        if top.is_empty() {
            "no thread ran a full tick".into()
        } else {
            top.join(", ")
        },
        String::new(),
        "",
    ));
    rows.push((
        "AT commands the sticks got while idle".into(),
        format!(
            "{:.1} per second{} (simulator CPU {:.2} %)",
            commands as f64 / window,
            if asked.is_empty() {
                String::new()
            } else {
                let top: Vec<String> = asked
                    .iter()
                    .take(4)
                    .map(|(n, c)| format!("`{c}` {:.1}/s", *n as f64 / window))
                    .collect();
                format!(": {}", top.join(", "))
            },
            sim_after.saturating_sub(sim_before) as f64 / hz / window * 100.0
        ),
        String::new(),
        "",
    ));

    rows.push(
        memory_row("daemon memory, all online and idle".into(), pid)
            .context("read the daemon's /proc status")?,
    );
    let kids_rss: u64 = kids.iter().map(|k| k.2).sum();
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for k in &kids {
        *names.entry(k.1.as_str()).or_default() += 1;
    }
    let named: Vec<String> = names.iter().map(|(n, c)| format!("{c} × {n}")).collect();
    rows.push((
        "child processes".into(),
        if kids.is_empty() {
            "none".into()
        } else {
            format!(
                "{} ({}), RSS {} together",
                kids.len(),
                named.join(", "),
                mb(kids_rss)
            )
        },
        "(separate)".into(),
        "",
    ));

    // Unplug and replug sticks in turn, spread over the fleet.
    let mut back = Vec::new();
    let mut noticed = Vec::new();
    for rep in 0..a.reps {
        let i = (rep * 7 + 3) % devices.len();
        let dev = &devices[i];
        let t = Instant::now();
        fleet.unplug(i)?;
        let (seen, _) = wait_for(
            sock,
            daemon,
            Duration::from_secs(10),
            Duration::from_millis(20),
            |s| !online(s, dev),
        )?;
        if !seen {
            bail!("{dev} unplugged, but the daemon still reports it up after 10 s");
        }
        noticed.push(t.elapsed());
        // Gone for a while, as a stick being moved to another port is.
        std::thread::sleep(Duration::from_secs(1));
        let t = Instant::now();
        fleet.replug(i)?;
        let (ok, last) = wait_for(
            sock,
            daemon,
            Duration::from_secs(30),
            Duration::from_millis(20),
            |s| online(s, dev),
        )?;
        let d = t.elapsed();
        if !ok {
            let (p, why) = last.get(dev).cloned().unwrap_or_default();
            bail!("{dev} replugged, not online after {}: {p} {why}", secs(d));
        }
        eprintln!("replug {dev}: online again after {}", secs(d));
        back.push(d);
        if back.len() == 5 && a.reps > 5 {
            std::thread::sleep(SETTLE);
            rows.extend(memory_row(
                format!("daemon memory after 5 replugs (+{})", secs(SETTLE)),
                pid,
            ));
        }
    }
    if !back.is_empty() {
        let mut sorted = back.clone();
        sorted.sort();
        let max = *sorted.last().unwrap_or(&Duration::ZERO);
        let each: Vec<String> = back
            .iter()
            .map(|d| format!("{:.2}", d.as_secs_f64()))
            .collect();
        rows.push((
            format!(
                "replug → online again ({} unplug/replug cycles)",
                back.len()
            ),
            format!(
                "median {}, max {} (each: {} s)",
                secs(sorted[sorted.len() / 2]),
                secs(max),
                each.join(", ")
            ),
            format!("< {}", secs(BACK_TARGET)),
            yes(max < BACK_TARGET),
        ));
        noticed.sort();
        rows.push((
            "unplug → daemon reports it not up".into(),
            format!(
                "median {}, max {}",
                secs(noticed[noticed.len() / 2]),
                secs(*noticed.last().unwrap_or(&Duration::ZERO))
            ),
            String::new(),
            "",
        ));
    }
    let (ok, last) = wait_for(
        sock,
        daemon,
        Duration::from_secs(10),
        Duration::from_millis(50),
        all_up,
    )?;
    let up = devices.iter().filter(|d| online(&last, d)).count();
    rows.push((
        "sticks online at the end".into(),
        format!("{up}/{}", a.count),
        "all".into(),
        yes(ok),
    ));
    rows.extend(memory_row(
        "daemon memory right after the last replug".into(),
        pid,
    ));
    std::thread::sleep(SETTLE);
    rows.extend(memory_row(
        format!(
            "daemon memory after {} replugs (+{})",
            back.len(),
            secs(SETTLE)
        ),
        pid,
    ));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::parse_stat;

    #[test]
    fn stat_lines() {
        // Real lines: `cat /proc/self/stat`, and a daemon worker thread (a name with a space).
        let cat = "21783 (cat) R 21781 21781 9433 0 -1 4194304 99 0 0 0 7 3 2 1 20 0 1 0 \
                   218125 3133440 381 18446744073709551615 94290933452800 0\n";
        assert_eq!(parse_stat(cat), Some((10, 3)));
        let worker =
            "9577 (modem 1-1.7) S 9535 9540 1170 0 -1 4194368 120 0 0 0 41 12 0 0 20 0 66 0 \
                      123456 0 0\n";
        assert_eq!(parse_stat(worker), Some((53, 0)));
        let odd = "1 (a) b) S 0 0 0 0 -1 0 0 0 0 0 5 6 7 8 20\n";
        assert_eq!(parse_stat(odd), Some((11, 15)));
        assert_eq!(parse_stat("12 (cut"), None);
        assert_eq!(parse_stat("12 (x) S 1 2"), None);
    }
}
