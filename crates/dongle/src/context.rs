//! Where the modems are: the sysfs and dev roots, or a virtual modem started
//! for this one command (`--sim`).

use crate::cli::Global;
use crate::failure::{Exit, Failure};
use dongle_sim::{Scenario, Sim};
use dongle_usb::Sysfs;
use std::path::{Path, PathBuf};

pub struct Context {
    pub global: Global,
    pub sysfs: Sysfs,
    pub dev_root: PathBuf,
    // Field order matters: the simulator stops before its directory goes.
    _sim: Option<Sim>,
    _dir: Option<tempfile::TempDir>,
}

impl Context {
    pub fn new(global: Global) -> Result<Context, Failure> {
        let Some(profile) = global.sim.clone() else {
            if let Some(f) = &global.scenario {
                return Err(Failure::new(
                    Exit::Usage,
                    format!("--scenario {} needs --sim PROFILE (or `dongle sim PROFILE --dir DIR --scenario FILE`)", f.display()),
                ));
            }
            return Ok(Context {
                sysfs: Sysfs::new(&global.sysfs),
                dev_root: global.dev.clone(),
                global,
                _sim: None,
                _dir: None,
            });
        };
        let scenario = match &global.scenario {
            Some(file) => {
                Scenario::from_file(file).map_err(|e| Failure::new(Exit::Usage, e.to_string()))?
            }
            None => Scenario::default(),
        };
        let dir = tempfile::Builder::new()
            .prefix("dongle-sim-")
            .tempdir()
            .map_err(|e| {
                Failure::new(
                    Exit::Failure,
                    format!("cannot create a directory for the simulator: {e}"),
                )
            })?;
        if profile == dongle_sim::hilink::PROFILE {
            // A HiLink stick is a web API, not ttys: `Context::sim_hilink_url` (cmd/hilink.rs).
            crate::cmd::hilink::start_sim(scenario)?;
            return Ok(Context {
                sysfs: Sysfs::new(dir.path()),
                dev_root: dir.path().to_path_buf(),
                global,
                _sim: None,
                _dir: Some(dir),
            });
        }
        let sim = start_sim(&profile, dir.path(), scenario)?;
        Ok(Context {
            sysfs: Sysfs::new(sim.sysfs_root()),
            dev_root: sim.dev_root(),
            global,
            _sim: Some(sim),
            _dir: Some(dir),
        })
    }

    /// A port given by the user: a path as is, a bare name under the dev root.
    pub fn port_path(&self, port: &str) -> PathBuf {
        if port.contains('/') {
            PathBuf::from(port)
        } else {
            self.dev_root.join(port)
        }
    }
}

pub fn start_sim(profile: &str, dir: &Path, scenario: Scenario) -> Result<Sim, Failure> {
    if dongle_sim::profile(profile).is_none() {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "no simulator profile '{profile}'; choose one of: {}",
                dongle_sim::profiles().join(", ")
            ),
        ));
    }
    Sim::start(profile, dir, scenario).map_err(|e| Failure::new(Exit::Failure, e.to_string()))
}
