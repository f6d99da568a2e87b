//! The persistent USB port layout of Huawei sticks: `AT^SETPORT`.
//!
//! `AT^SETPORT="<before>;<after>"` stores which functions the stick shows
//! before its mode switch (the CD-ROM stage) and after it; it takes effect at
//! the next boot (`AT^RESET`). Huawei's rules are in `reference/usb_modeswitch.md`
//! §5c. The one that matters most for users: a layout without the PCUI port
//! (code 12 or 2) locks them out of AT for good, so it is refused here before
//! the firmware ever sees it.

use crate::error::AtError;
use crate::parse::huawei::setport::{parse_setport_read, SetportConfig};
use crate::session::AtSession;
use std::time::Duration;

/// A named layout users ask for.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    pub name: &'static str,
    pub layout: &'static str,
    pub summary: &'static str,
}

/// Named layouts. `serial` is the E3372 recipe from DESIGN.md's router story.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "serial",
        layout: "FF;10,12",
        summary: "modem (PPP) + PCUI ports, no CD-ROM stage: a plain serial modem that needs no switching",
    },
    Preset {
        name: "ncm",
        layout: "FF;10,12,16",
        summary: "modem + PCUI + NCM network interface, no CD-ROM stage",
    },
    Preset {
        name: "stick",
        layout: "A1,A2;12,10,16,A1,A2",
        summary: "stick firmware default: CD-ROM and SD first, then PCUI, modem, NCM, CD-ROM, SD",
    },
];

/// Why a requested layout cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error(
        "'{input}' is neither a preset ({}) nor a layout like \"FF;10,12\"",
        preset_names()
    )]
    Unknown { input: String },
    #[error("refusing layout \"{layout}\": {reason}")]
    Unsafe {
        layout: String,
        reason: &'static str,
    },
}

fn preset_names() -> String {
    PRESETS
        .iter()
        .map(|p| p.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Turn a preset name or a raw `before;after` string into a checked layout.
pub fn resolve(input: &str) -> Result<SetportConfig, LayoutError> {
    let wanted = input.trim();
    let raw = PRESETS
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(wanted))
        .map(|p| p.layout)
        .unwrap_or(wanted);
    let unknown = || LayoutError::Unknown {
        input: input.to_string(),
    };
    if !raw.contains(';') {
        return Err(unknown());
    }
    let cfg = parse_setport_read(&format!("^SETPORT:{}", raw.trim_matches('"')))
        .map_err(|_| unknown())?;
    cfg.validate().map_err(|reason| LayoutError::Unsafe {
        layout: cfg.to_string(),
        reason,
    })?;
    Ok(cfg)
}

/// The preset a layout matches, if any.
pub fn preset_of(cfg: &SetportConfig) -> Option<&'static Preset> {
    PRESETS
        .iter()
        .find(|p| resolve(p.name).is_ok_and(|c| c == *cfg))
}

/// Read the current layout (`AT^SETPORT?`).
pub fn read(s: &AtSession) -> Result<SetportConfig, AtError> {
    let r = s.command("AT^SETPORT?")?;
    Ok(parse_setport_read(&r.body())?)
}

/// The command that stores `cfg`.
pub fn write_command(cfg: &SetportConfig) -> String {
    format!("AT^SETPORT=\"{cfg}\"")
}

/// Store `cfg` and read it back. The firmware answers ERROR to layouts it
/// rejects; reading back proves it took the value.
pub fn write(s: &AtSession, cfg: &SetportConfig) -> Result<SetportConfig, AtError> {
    s.command_with(&write_command(cfg), Duration::from_secs(10), None)?;
    read(s)
}

/// Reboot the stick so the layout takes effect. The port usually vanishes
/// before or right after `OK`; that is success.
pub fn reset(s: &AtSession) -> Result<(), AtError> {
    match s.command_with("AT^RESET", Duration::from_secs(5), None) {
        Ok(_) | Err(AtError::PortGone { .. }) | Err(AtError::Timeout { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_e3372_story_is_one_preset() {
        let c = resolve("serial").unwrap();
        assert_eq!(c.to_string(), "FF;10,12");
        assert_eq!(write_command(&c), "AT^SETPORT=\"FF;10,12\"");
        assert_eq!(preset_of(&c).map(|p| p.name), Some("serial"));
    }

    #[test]
    fn raw_layouts_are_checked() {
        assert_eq!(resolve("FF;12,16").unwrap().after, ["12", "16"]);
        assert_eq!(resolve("\"FF;12,16\"").unwrap().after, ["12", "16"]);
        let e = resolve("FF;10,16").unwrap_err();
        assert!(e.to_string().contains("PCUI"), "{e}");
        assert!(resolve("FF;10,12;AT+CFUN=0").is_err());
        assert!(matches!(
            resolve("hilink"),
            Err(LayoutError::Unknown { .. })
        ));
    }

    #[test]
    fn every_preset_is_valid() {
        for p in PRESETS {
            assert!(resolve(p.name).is_ok(), "{}", p.name);
        }
    }
}
