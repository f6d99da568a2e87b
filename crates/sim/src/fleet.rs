//! Many simulated sticks of one profile in one fake sysfs tree and one dev directory: what a
//! host with a powered hub full of modems looks like to `dongle daemon` and its benchmark.
//!
//! Modem `i` (0-based) sits at USB path `1-1.<i+1>` (behind a hub on root port 1, as
//! `dongle-usb` sorts and parses it: `1-1.10` after `1-1.9`), has the host-wide port names a
//! kernel would give it (`ttyUSB<i*P>`… for a profile with `P` serial ports, `wwan<i>`,
//! `cdc-wdm<i>`) and its own IMEI, IMSI, ICCID and USB serial number. Modem 0 has the identity of
//! a single [`Sim`] of the profile.
//!
//! [`Fleet::unplug`] takes one modem away as [`Sim::vanish`] does (PTYs closed, dev links and
//! sysfs directories removed); [`Fleet::replug`] brings it back at the same USB path with the
//! same port names, fresh PTYs, a new `devnum` (as a re-enumeration gives) and firmware freshly
//! booted (SIM locked again if the scenario locks it, no PDP context active).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::profile::{luhn_complete, InterfaceKind, Profile};
use crate::serve::HubThread;
use crate::sysfs::Placement;
use crate::{Modem, Scenario, Sim, SimError, SimPort};

/// Most modems in one fleet: 100 keeps every `devnum` within one USB bus's 127 addresses
/// (with the hub and room for re-enumeration) and the ttyUSB numbers far below the kernel's
/// 512 usb-serial minors.
pub const MAX_FLEET: usize = 100;

/// One modem of a [`Fleet`], as a test or benchmark needs to find it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FleetModem {
    /// 0-based index, the argument of [`Fleet::unplug`].
    pub index: usize,
    /// USB path (`1-1.1`, …): the `DEV` for `dongle info DEV`.
    pub usb_path: String,
    pub imei: String,
    pub imsi: String,
    pub iccid: String,
    /// USB serial number (sysfs `serial`), when the profile has one.
    pub serial: Option<String>,
    /// Network interface (`wwan3`) for profiles with NCM, else None.
    pub net: Option<String>,
    /// Its serial ports: while unplugged the names and dev paths it comes back with, and the
    /// PTYs it had.
    pub ports: Vec<SimPort>,
    /// False between [`Fleet::unplug`] (or a `vanish_on` fault) and [`Fleet::replug`].
    pub plugged: bool,
}

struct Slot {
    profile: Profile,
    place: Placement,
    /// None while unplugged.
    sim: Option<Sim>,
    /// The ports of the last plug-in (kept for [`FleetModem::ports`] while unplugged).
    ports: Vec<SimPort>,
    /// This modem's own scenario from its next plug-in on ([`Fleet::set_scenario`]), instead
    /// of the fleet's.
    scenario: Option<Scenario>,
}

/// A running fleet. Dropping it unplugs every modem (threads joined, entries removed).
pub struct Fleet {
    dir: PathBuf,
    scenario: Scenario,
    slots: Mutex<Vec<Slot>>,
    /// Last `devnum` handed out: re-enumeration takes the next free one, as the kernel does.
    last_devnum: Mutex<u32>,
    /// One inotify instance and thread watching every port's opens (dropped after the sims).
    hub: Option<Arc<HubThread>>,
}

impl std::fmt::Debug for Fleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fleet")
            .field("dir", &self.dir)
            .field("modems", &self.len())
            .finish()
    }
}

impl Fleet {
    /// Starts `count` modems of `profile_name` in `DIR/sys` and `DIR/dev`, every one with
    /// `scenario` (port settings by the per-device names `ttyUSB0`…). Leftovers of an earlier
    /// sim or fleet in `dir` are replaced.
    pub fn start(
        profile_name: &str,
        count: usize,
        dir: &Path,
        scenario: Scenario,
    ) -> Result<Fleet, SimError> {
        if count == 0 || count > MAX_FLEET {
            return Err(SimError::FleetSize {
                count,
                max: MAX_FLEET,
                why: if count == 0 {
                    "a fleet needs at least one modem"
                } else {
                    "more sticks than one USB bus and the usb-serial minors hold"
                },
            });
        }
        let base = crate::checked_profile(profile_name, &scenario)?;
        let (sys, dev) = crate::prepare_dir(dir)?;
        crate::clear_leftovers(&sys, &dev);
        let ttys_per = base.serial_ports().len();
        let nets_per = base
            .interfaces
            .iter()
            .filter(|i| i.kind == InterfaceKind::NetControl)
            .count();
        let fleet = Fleet {
            dir: dir.to_path_buf(),
            scenario,
            slots: Mutex::new(Vec::with_capacity(count)),
            last_devnum: Mutex::new(1),
            hub: HubThread::start(),
        };
        for i in 0..count {
            let profile = individual(&base, i);
            let place = Placement {
                device: format!("1-1.{}", i + 1),
                tty_base: i * ttys_per,
                net_base: i * nets_per,
                devnum: 0,
                serial: profile.serial.map(|s| serial_of(s, i)),
            };
            let mut slot = Slot {
                profile,
                place,
                sim: None,
                ports: Vec::new(),
                scenario: None,
            };
            let used = devnums_in_use(&fleet.lock());
            // On error the fleet built so far is dropped, which unplugs it.
            fleet.plug(&mut slot, &used)?;
            fleet.lock().push(slot);
        }
        Ok(fleet)
    }

    /// Number of modems (plugged or not).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Never true for a started fleet; here because `len` is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `DIR/sys`: pass as the sysfs root.
    pub fn sysfs_root(&self) -> PathBuf {
        self.dir.join("sys")
    }

    /// `DIR/dev`: pass as the dev root.
    pub fn dev_root(&self) -> PathBuf {
        self.dir.join("dev")
    }

    /// Every modem, in index (and USB path) order.
    pub fn modems(&self) -> Vec<FleetModem> {
        self.lock()
            .iter()
            .enumerate()
            .map(|(i, s)| describe(i, s))
            .collect()
    }

    /// Modem `index`.
    pub fn modem(&self, index: usize) -> Result<FleetModem, SimError> {
        let slots = self.lock();
        let slot = slots.get(index).ok_or(SimError::NoSuchModem {
            index,
            count: slots.len(),
        })?;
        Ok(describe(index, slot))
    }

    /// Unplugs modem `index` now: its PTYs close (readers get EIO or EOF), its dev links and
    /// sysfs directories go. Returns once its port threads have ended. Unplugging an unplugged
    /// modem does nothing.
    pub fn unplug(&self, index: usize) -> Result<(), SimError> {
        let sim = {
            let mut slots = self.lock();
            let count = slots.len();
            let slot = slots
                .get_mut(index)
                .ok_or(SimError::NoSuchModem { index, count })?;
            slot.sim.take()
        };
        // Joined outside the lock: the other modems stay usable meanwhile.
        if let Some(sim) = sim {
            sim.vanish();
        }
        Ok(())
    }

    /// Plugs modem `index` back in: same USB path, port names and identity, fresh PTYs and
    /// firmware state, a new `devnum`. Replugging a plugged modem does nothing; one that
    /// unplugged itself (a `vanish_on` fault) is plugged in again.
    pub fn replug(&self, index: usize) -> Result<(), SimError> {
        let mut slots = self.lock();
        let count = slots.len();
        let slot = slots
            .get_mut(index)
            .ok_or(SimError::NoSuchModem { index, count })?;
        match slot.sim.take() {
            Some(sim) if !sim.vanished() => {
                slot.sim = Some(sim);
                return Ok(());
            }
            // Gone by itself: its threads have ended or are ending; join them.
            Some(sim) => sim.vanish(),
            None => {}
        }
        let used = devnums_in_use(&slots);
        let slot = &mut slots[index];
        self.plug(slot, &used)
    }

    /// Gives modem `index` its own scenario from its next plug-in on (e.g. the default one: a
    /// faulty stick replaced or its firmware fixed). The running firmware is not changed.
    pub fn set_scenario(&self, index: usize, scenario: Scenario) -> Result<(), SimError> {
        let mut slots = self.lock();
        let count = slots.len();
        let slot = slots
            .get_mut(index)
            .ok_or(SimError::NoSuchModem { index, count })?;
        slot.scenario = Some(scenario);
        Ok(())
    }

    /// Whether modem `index` is plugged in.
    pub fn plugged(&self, index: usize) -> Result<bool, SimError> {
        Ok(self.modem(index)?.plugged)
    }

    /// Changes modem `index`'s firmware state while it runs (see [`Sim::with_modem`]). None
    /// while it is unplugged.
    pub fn with_modem<R>(
        &self,
        index: usize,
        f: impl FnOnce(&mut Modem) -> R,
    ) -> Result<Option<R>, SimError> {
        let slots = self.lock();
        let slot = slots.get(index).ok_or(SimError::NoSuchModem {
            index,
            count: slots.len(),
        })?;
        Ok(slot.sim.as_ref().map(|s| s.with_modem(f)))
    }

    /// Command lines modem `index` received since it was last plugged in (`"ttyUSB5: AT"`).
    pub fn transcript(&self, index: usize) -> Result<Vec<String>, SimError> {
        let slots = self.lock();
        let slot = slots.get(index).ok_or(SimError::NoSuchModem {
            index,
            count: slots.len(),
        })?;
        Ok(slot.sim.as_ref().map(Sim::transcript).unwrap_or_default())
    }

    /// Unplugs every modem. Drop does the same.
    pub fn stop(self) {}

    fn lock(&self) -> MutexGuard<'_, Vec<Slot>> {
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn plug(&self, slot: &mut Slot, used: &[u32]) -> Result<(), SimError> {
        slot.place.devnum = self.next_devnum(slot.place.devnum, used);
        let sim = Sim::launch(
            slot.profile.clone(),
            &self.dir,
            slot.scenario
                .clone()
                .unwrap_or_else(|| self.scenario.clone()),
            &slot.place,
            self.hub.clone(),
        )?;
        slot.ports = sim.ports();
        slot.sim = Some(sim);
        Ok(())
    }

    /// The next `devnum` after the last one given, in 2..=127 (1 is the root hub), skipping
    /// those in `used` and the modem's previous number `own` (a re-enumeration never gets the
    /// address it just had).
    fn next_devnum(&self, own: u32, used: &[u32]) -> u32 {
        let mut last = self.last_devnum.lock().unwrap_or_else(|e| e.into_inner());
        let mut n = *last;
        for _ in 0..126 {
            n = if n >= 127 { 2 } else { n + 1 };
            if n != own && !used.contains(&n) {
                break;
            }
        }
        *last = n;
        n
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let sims: Vec<Sim> = self
            .lock()
            .iter_mut()
            .filter_map(|s| s.sim.take())
            .collect();
        // Tell every modem first, then wait: 100 modems go away in one round of wake-ups.
        for s in &sims {
            s.shared.unplug();
        }
        drop(sims);
    }
}

fn devnums_in_use(slots: &[Slot]) -> Vec<u32> {
    slots
        .iter()
        .filter(|s| s.sim.as_ref().is_some_and(|s| !s.vanished()))
        .map(|s| s.place.devnum)
        .collect()
}

fn describe(index: usize, slot: &Slot) -> FleetModem {
    let id = &slot.profile.identity;
    let has_net = slot
        .profile
        .interfaces
        .iter()
        .any(|i| i.kind == InterfaceKind::NetControl);
    FleetModem {
        index,
        usb_path: slot.place.device.clone(),
        imei: id.imei.clone(),
        imsi: id.imsi.clone(),
        iccid: id.iccid.clone(),
        serial: slot.place.serial.clone(),
        net: has_net.then(|| format!("wwan{}", slot.place.net_base)),
        ports: slot.ports.clone(),
        plugged: slot.sim.as_ref().is_some_and(|s| !s.vanished()),
    }
}

/// The profile with modem `i`'s identity: IMEI and ICCID with their serial part counted up and
/// a fresh Luhn digit, IMSI counted up within its subscriber number. Modem 0 keeps the
/// profile's identity.
fn individual(base: &Profile, i: usize) -> Profile {
    let mut p = base.clone();
    let id = &mut p.identity;
    let body = |s: &str| s[..s.len().saturating_sub(1)].to_string();
    id.imei = luhn_complete(&count_up(&body(&id.imei), i));
    id.iccid = luhn_complete(&count_up(&body(&id.iccid), i));
    id.imsi = count_up(&id.imsi, i);
    p
}

/// Adds `n` to the last six digits of `digits` (wrapping within them), so that the prefix
/// (IMEI type code, ICCID issuer, IMSI network) stays that of the profile.
fn count_up(digits: &str, n: usize) -> String {
    let split = digits.len().saturating_sub(6);
    let (head, tail) = digits.split_at(split);
    match tail.parse::<u64>() {
        Ok(v) if tail.bytes().all(|b| b.is_ascii_digit()) => {
            let modulus = 10u64.pow(tail.len() as u32);
            let v = (v + n as u64) % modulus;
            format!("{head}{v:0width$}", width = tail.len())
        }
        _ => digits.to_string(),
    }
}

/// Modem `i`'s USB serial number: the profile's with its last four characters replaced by `i`
/// in hex (modem 0 keeps the profile's).
fn serial_of(serial: &str, i: usize) -> String {
    if i == 0 {
        return serial.to_string();
    }
    let keep = serial.char_indices().rev().nth(3).map_or(0, |(pos, _)| pos);
    format!("{}{i:04X}", &serial[..keep])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::luhn_valid;

    #[test]
    fn count_up_keeps_prefix_and_width() {
        assert_eq!(count_up("86629103412345", 0), "86629103412345");
        assert_eq!(count_up("86629103412345", 31), "86629103412376");
        assert_eq!(count_up("86629103999999", 2), "86629103000001");
        assert_eq!(count_up("12", 5), "17");
    }

    #[test]
    fn identities_are_distinct_and_valid() {
        let base = crate::profile("e3372").expect("e3372");
        let ids: Vec<_> = (0..MAX_FLEET)
            .map(|i| individual(&base, i).identity)
            .collect();
        assert_eq!(ids[0], base.identity, "modem 0 is the single sim");
        for (i, id) in ids.iter().enumerate() {
            assert!(luhn_valid(&id.imei), "{i}: {}", id.imei);
            assert!(luhn_valid(&id.iccid), "{i}: {}", id.iccid);
            assert_eq!(id.imei.len(), 15);
            assert_eq!(id.iccid.len(), 20);
            assert!(id.imsi.starts_with(base.identity.home_mcc_mnc));
        }
        for field in [
            |id: &crate::Identity| id.imei.clone(),
            |id: &crate::Identity| id.iccid.clone(),
            |id: &crate::Identity| id.imsi.clone(),
        ] {
            let mut v: Vec<String> = ids.iter().map(field).collect();
            v.sort();
            v.dedup();
            assert_eq!(v.len(), MAX_FLEET);
        }
    }

    #[test]
    fn serials_differ() {
        assert_eq!(serial_of("0123456789ABCDEF", 0), "0123456789ABCDEF");
        assert_eq!(serial_of("0123456789ABCDEF", 1), "0123456789AB0001");
        assert_eq!(serial_of("0123456789ABCDEF", 31), "0123456789AB001F");
        assert_eq!(serial_of("AB", 2), "0002");
    }
}
