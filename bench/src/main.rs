//! Side-by-side benchmark: `dongle probe` and `dongle info` versus
//! `wvdialconf`, on the same virtual 3-port stick with one silent port.
//!
//! Not a test: it prints a table of wall-clock times and ratios measured in
//! one run, so a noisy shared machine slows both sides alike.
//!
//! Run: `cargo build --release -p dongle && cargo run --release -p dongle-bench`
//! Options: `--runs N` (default 7), `--profile NAME` (default e3531-serial),
//! `--dongle PATH` (default target/release/dongle).

use anyhow::{bail, Context, Result};
use dongle_sim::{Scenario, Sim};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Args {
    runs: usize,
    profile: String,
    dongle: PathBuf,
}

fn parse_args() -> Result<Args> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut a = Args {
        runs: 7,
        profile: "e3531-serial".into(),
        dongle: root.join("target/release/dongle"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--runs" => a.runs = value()?.parse().context("--runs takes a number")?,
            "--profile" => a.profile = value()?,
            "--dongle" => a.dongle = PathBuf::from(value()?),
            other => {
                bail!("unknown option {other}; options: --runs N, --profile NAME, --dongle PATH")
            }
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

/// Wall-clock times of one command over several runs.
struct Series {
    name: String,
    times: Vec<Duration>,
    note: String,
}

impl Series {
    fn median(&self) -> Option<Duration> {
        let mut t = self.times.clone();
        t.sort();
        t.get(t.len() / 2).copied()
    }
}

fn time_runs(name: &str, runs: usize, mut cmd: impl FnMut() -> Command) -> Result<Series> {
    let mut times = Vec::new();
    let mut note = String::new();
    for _ in 0..runs {
        let mut c = cmd();
        let start = Instant::now();
        let out = c
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .with_context(|| format!("running {name}"))?;
        times.push(start.elapsed());
        if !out.status.success() {
            note = format!(
                "exit {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
    }
    Ok(Series {
        name: name.into(),
        times,
        note,
    })
}

fn ms(d: Option<Duration>) -> String {
    d.map(|d| format!("{:.1}", d.as_secs_f64() * 1000.0))
        .unwrap_or_else(|| "-".into())
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let dir = tempfile::tempdir()?;
    let sim = Sim::start(&args.profile, dir.path(), Scenario::default())
        .map_err(|e| anyhow::anyhow!("starting the simulator: {e}"))?;
    let sys = sim.sysfs_root();
    let dev = sim.dev_root();
    let lock_dir = dir.path().join("locks");
    std::fs::create_dir_all(&lock_dir)?;
    let ptys: Vec<String> = sim
        .ports()
        .iter()
        .map(|p| p.pts.display().to_string())
        .collect();

    let dongle = |sub: &'static str| {
        let (bin, sys, dev, locks) = (
            args.dongle.clone(),
            sys.clone(),
            dev.clone(),
            lock_dir.clone(),
        );
        move || {
            let mut c = Command::new(&bin);
            c.env("DONGLE_LOCK_DIR", &locks)
                .arg("--sysfs")
                .arg(&sys)
                .arg("--dev")
                .arg(&dev)
                .arg(sub);
            c
        }
    };
    let probe = time_runs("dongle probe", args.runs, dongle("probe"))?;
    let info = time_runs("dongle info", args.runs, dongle("info"))?;

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/wvdialconf-in-ns.sh");
    let wv_runs = args.runs.clamp(1, 3);
    let wvdial = if which("wvdialconf") {
        let mut k = 0;
        time_runs("wvdialconf", wv_runs, || {
            k += 1;
            let mut c = Command::new("bash");
            c.arg(&script)
                .arg(dir.path().join(format!("wvdial{k}.conf")))
                .args(&ptys);
            c
        })?
    } else {
        Series {
            name: "wvdialconf".into(),
            times: vec![],
            note: "not installed (apt-get install wvdial)".into(),
        }
    };

    println!(
        "Probe benchmark: virtual {} ({} ports, one silent), {} runs each",
        args.profile,
        ptys.len(),
        args.runs
    );
    println!();
    println!("| tool | runs | median ms | min ms | max ms | note |");
    println!("|---|---|---|---|---|---|");
    for s in [&probe, &info, &wvdial] {
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            s.name,
            s.times.len(),
            ms(s.median()),
            ms(s.times.iter().min().copied()),
            ms(s.times.iter().max().copied()),
            s.note
        );
    }
    println!();
    let (p, i) = (
        probe.median().unwrap_or_default(),
        info.median().unwrap_or_default(),
    );
    if let Some(w) = wvdial.median().filter(|w| !w.is_zero()) {
        let ratio = p.as_secs_f64() / w.as_secs_f64();
        println!(
            "dongle probe / wvdialconf = {ratio:.3} (target <= 0.100: {})",
            verdict(ratio <= 0.1)
        );
    }
    println!(
        "dongle probe median {} ms (target < 500: {})",
        ms(Some(p)),
        verdict(p < Duration::from_millis(500))
    );
    println!(
        "dongle info median {} ms (target < 300: {})",
        ms(Some(i)),
        verdict(i < Duration::from_millis(300))
    );
    sim.stop();
    Ok(())
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
        .unwrap_or(false)
}
