//! Radio access technologies.

use std::fmt;

/// The radio access technology a modem is using (or a network offers).
///
/// The variants follow ModemManager's `MMModemAccessTechnology` values, so
/// vectors and user reports compare one to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum AccessTech {
    Gsm,
    GsmCompact,
    Gprs,
    Edge,
    Umts,
    Hsdpa,
    Hsupa,
    Hspa,
    HspaPlus,
    Cdma1x,
    EvdoRel0,
    EvdoRelA,
    EvdoRelB,
    Lte,
    LteCatM,
    LteNbIot,
    Nr5g,
    /// E-UTRA-NR dual connectivity (5G non-standalone): LTE anchor plus NR.
    LteNr5g,
}

impl AccessTech {
    /// Maps a 3GPP TS 27.007 `<AcT>` value (`+COPS`, `+CREG`, `+CGREG`,
    /// `+CEREG`, `+C5GREG`; TS 27.007 §7.3 / §7.2) to an access technology.
    ///
    /// 8 (EC-GSM-IoT) counts as GSM and 10 (E-UTRA connected to a 5G core) as
    /// LTE, as ModemManager does. Unknown values give `None`.
    pub fn from_27007_act(act: u8) -> Option<Self> {
        use AccessTech::*;
        Some(match act {
            0 | 8 => Gsm,
            1 => GsmCompact,
            2 => Umts,
            3 => Edge,
            4 => Hsdpa,
            5 => Hsupa,
            6 => Hspa,
            7 | 10 => Lte,
            9 => LteNbIot,
            11 | 12 => Nr5g,
            13 => LteNr5g,
            _ => return None,
        })
    }

    /// The generation this technology belongs to, as a mode mask.
    pub fn mode(self) -> crate::parse::ModeMask {
        use crate::parse::ModeMask as M;
        use AccessTech::*;
        match self {
            Gsm | GsmCompact | Gprs | Edge | Cdma1x => M::G2,
            Umts | Hsdpa | Hsupa | Hspa | HspaPlus | EvdoRel0 | EvdoRelA | EvdoRelB => M::G3,
            Lte | LteCatM | LteNbIot => M::G4,
            Nr5g => M::G5,
            LteNr5g => M::G4 | M::G5,
        }
    }
}

impl fmt::Display for AccessTech {
    /// Short names users know from phone status bars and operator pages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use AccessTech::*;
        f.write_str(match self {
            Gsm => "GSM",
            GsmCompact => "GSM Compact",
            Gprs => "GPRS",
            Edge => "EDGE",
            Umts => "UMTS",
            Hsdpa => "HSDPA",
            Hsupa => "HSUPA",
            Hspa => "HSPA",
            HspaPlus => "HSPA+",
            Cdma1x => "CDMA 1x",
            EvdoRel0 => "EV-DO",
            EvdoRelA => "EV-DO Rev.A",
            EvdoRelB => "EV-DO Rev.B",
            Lte => "LTE",
            LteCatM => "LTE-M",
            LteNbIot => "NB-IoT",
            Nr5g => "5G",
            LteNr5g => "5G NSA",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn act_table() {
        assert_eq!(AccessTech::from_27007_act(7), Some(AccessTech::Lte));
        assert_eq!(AccessTech::from_27007_act(12), Some(AccessTech::Nr5g));
        assert_eq!(AccessTech::from_27007_act(14), None);
        assert_eq!(AccessTech::HspaPlus.to_string(), "HSPA+");
    }
}
