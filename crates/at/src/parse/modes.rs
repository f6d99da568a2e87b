//! Allowed / preferred network modes.

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

/// A set of network generations (ModemManager's `MMModemMode` values), used for
/// "allowed" and "preferred" modes of `^SYSCFG`, `^SYSCFGEX` and `^PREFMODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ModeMask(pub u32);

impl ModeMask {
    pub const NONE: ModeMask = ModeMask(0);
    /// Circuit-switched only.
    pub const CS: ModeMask = ModeMask(1);
    pub const G2: ModeMask = ModeMask(1 << 1);
    pub const G3: ModeMask = ModeMask(1 << 2);
    pub const G4: ModeMask = ModeMask(1 << 3);
    pub const G5: ModeMask = ModeMask(1 << 4);
    /// "Whatever the modem supports" (the raw value of Huawei's auto mode).
    pub const ANY: ModeMask = ModeMask(u32::MAX);

    const NAMES: [(ModeMask, &'static str); 5] = [
        (Self::CS, "CS"),
        (Self::G2, "2G"),
        (Self::G3, "3G"),
        (Self::G4, "4G"),
        (Self::G5, "5G"),
    ];

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every mode in `other` is in `self`.
    pub fn contains(self, other: ModeMask) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for ModeMask {
    type Output = ModeMask;
    fn bitor(self, rhs: ModeMask) -> ModeMask {
        ModeMask(self.0 | rhs.0)
    }
}

impl BitOrAssign for ModeMask {
    fn bitor_assign(&mut self, rhs: ModeMask) {
        self.0 |= rhs.0;
    }
}

impl fmt::Display for ModeMask {
    /// `NONE`, `ANY`, or the generations joined with `|`, e.g. `2G|3G|4G`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Self::ANY {
            return f.write_str("ANY");
        }
        if self.is_empty() {
            return f.write_str("NONE");
        }
        let mut first = true;
        for (mask, name) in Self::NAMES {
            if self.contains(mask) {
                if !first {
                    f.write_str("|")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        let unknown = self.0 & !0x1f;
        if unknown != 0 {
            if !first {
                f.write_str("|")?;
            }
            write!(f, "{unknown:#x}")?;
        }
        Ok(())
    }
}

impl serde::Serialize for ModeMask {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display() {
        assert_eq!((ModeMask::G3 | ModeMask::G2).to_string(), "2G|3G");
        assert_eq!(ModeMask::NONE.to_string(), "NONE");
        assert_eq!(ModeMask::ANY.to_string(), "ANY");
        assert_eq!(ModeMask(0x102).to_string(), "2G|0x100");
    }
}
