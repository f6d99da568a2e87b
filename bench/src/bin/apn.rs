//! APN database benchmark: what `dongle up` pays for one SIM's APN candidates, the one-SIM
//! excerpt (`ApnDatabase::load_for`, what `up` and the daemon's workers read) against the full
//! DOM of serviceproviders.xml (`ApnDatabase::load`, what `up` read before), on the installed
//! file. Time per lookup (file read included) and the peak resident set of a process that does
//! one lookup (each path in a fresh child, so the numbers do not mix).
//!
//! Run: `cargo run --release -p dongle-bench --bin apn [-- --runs N] [--file PATH]`

use anyhow::{bail, Context, Result};
use dongle_catalog::{imsi_splits, ApnDatabase, SYSTEM_APN_DB};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// SIMs of the stories and the reference: POST Luxembourg (E3372 story), O2 Germany (several
/// providers on one id), AT&T (3-digit MNC), and a network the file does not have.
const SIMS: &[(&str, &str)] = &[
    ("POST LU 270/01", "270010123456789"),
    ("O2 DE 262/07", "262070123456789"),
    ("AT&T 310/410", "310410123456789"),
    ("unknown 001/01", "001010123456789"),
];

#[derive(Clone, Copy, PartialEq)]
enum Path_ {
    Full,
    Excerpt,
}

impl Path_ {
    fn name(self) -> &'static str {
        match self {
            Path_::Full => "full",
            Path_::Excerpt => "excerpt",
        }
    }

    /// One lookup as `dongle up` does it: the candidates for an IMSI's network.
    fn lookup(self, file: &Path, imsi: &str) -> Result<usize> {
        let db = match self {
            Path_::Full => ApnDatabase::load(Some(file)),
            Path_::Excerpt => ApnDatabase::load_for(Some(file), &imsi_splits(imsi)),
        }
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(db.lookup_imsi(imsi).map_or(0, |(_, c)| c.len()))
    }
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// Peak resident set (VmHWM, KiB) of a child that does one lookup (or, for `None`, only
/// starts and reads the file: the baseline both paths share).
fn peak_kib(file: &Path, path: Option<Path_>, imsi: &str) -> Result<u64> {
    let out = Command::new(std::env::current_exe()?)
        .args(["--child", path.map_or("none", Path_::name), imsi, "--file"])
        .arg(file)
        .output()
        .context("running the child")?;
    if !out.status.success() {
        bail!("child failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .context("child's VmHWM")
}

fn child(kind: &str, imsi: &str, file: &Path) -> Result<()> {
    match kind {
        "full" => drop(Path_::Full.lookup(file, imsi)?),
        "excerpt" => drop(Path_::Excerpt.lookup(file, imsi)?),
        _ => drop(std::fs::read_to_string(file)?),
    }
    let status = std::fs::read_to_string("/proc/self/status")?;
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .context("no VmHWM in /proc/self/status")?;
    println!("{hwm}");
    Ok(())
}

fn main() -> Result<()> {
    let mut runs = 30;
    let mut file = PathBuf::from(SYSTEM_APN_DB);
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        let (Some(kind), Some(imsi), Some(f)) = (args.get(1), args.get(2), args.get(4)) else {
            bail!("usage: --child KIND IMSI --file PATH");
        };
        return child(kind, imsi, Path::new(f));
    }
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => runs = it.next().context("--runs N")?.parse()?,
            "--file" => file = it.next().context("--file PATH")?.into(),
            other => bail!("unknown option {other} (--runs N, --file PATH)"),
        }
    }
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    if !file.exists() {
        bail!(
            "{}: missing (apt-get install mobile-broadband-provider-info, or --file PATH)",
            file.display()
        );
    }
    let size = std::fs::metadata(&file)?.len();
    println!(
        "APN lookup for one SIM: excerpt (`ApnDatabase::load_for`, dongle up / daemon workers) \
         vs full DOM (`ApnDatabase::load`), {} ({} kB), {runs} alternating runs each, file read \
         included; peak RSS of a child doing one lookup.",
        file.display(),
        size / 1000
    );
    println!();
    println!("| SIM | candidates | full ms (median) | excerpt ms (median) | excerpt / full | full peak RSS KiB | excerpt peak RSS KiB | file read only KiB |");
    println!("|---|---|---|---|---|---|---|---|");
    for (name, imsi) in SIMS {
        let (mut full, mut part) = (Vec::new(), Vec::new());
        let mut found = (0, 0);
        for _ in 0..runs {
            for (path, times) in [(Path_::Full, &mut full), (Path_::Excerpt, &mut part)] {
                let t = Instant::now();
                let n = path.lookup(&file, imsi)?;
                times.push(t.elapsed());
                if path == Path_::Full {
                    found.0 = n;
                } else {
                    found.1 = n;
                }
            }
        }
        if found.0 != found.1 {
            bail!(
                "{name}: full finds {} candidates, excerpt {}",
                found.0,
                found.1
            );
        }
        let (f, p) = (median(&mut full), median(&mut part));
        println!(
            "| {name} | {} | {} | {} | {:.3} | {} | {} | {} |",
            found.0,
            ms(f),
            ms(p),
            p.as_secs_f64() / f.as_secs_f64(),
            peak_kib(&file, Some(Path_::Full), imsi)?,
            peak_kib(&file, Some(Path_::Excerpt), imsi)?,
            peak_kib(&file, None, imsi)?,
        );
    }
    Ok(())
}
