//! The SIM card: lock state, PIN/PUK checking and retry counting as 27.007 `+CPIN` describes.

use crate::scenario::{SimConfig, SimState};

/// `+CME ERROR` codes the SIM produces.
pub mod cme {
    pub const NOT_ALLOWED: u16 = 3;
    pub const SIM_NOT_INSERTED: u16 = 10;
    pub const SIM_PIN_REQUIRED: u16 = 11;
    pub const SIM_PUK_REQUIRED: u16 = 12;
    pub const SIM_FAILURE: u16 = 13;
    pub const INCORRECT_PASSWORD: u16 = 16;
    pub const INCORRECT_PARAMETERS: u16 = 50;
}

/// The SIM, as the firmware sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimCard {
    pub state: SimState,
    pub pin: String,
    pub puk: String,
    pub pin_retries: u8,
    pub puk_retries: u8,
    /// PIN lock enabled (`+CLCK="SC"`): the SIM asks for the PIN at every power-on.
    pub pin_enabled: bool,
}

pub const PIN_RETRIES: u8 = 3;
pub const PUK_RETRIES: u8 = 10;

impl SimCard {
    pub fn new(c: &SimConfig) -> SimCard {
        SimCard {
            state: c.state,
            pin: c.pin.clone().unwrap_or_else(|| "1234".into()),
            puk: c.puk.clone().unwrap_or_else(|| "12345678".into()),
            pin_retries: c.pin_retries.unwrap_or(PIN_RETRIES),
            puk_retries: c.puk_retries.unwrap_or(PUK_RETRIES),
            pin_enabled: c.state == SimState::Pin,
        }
    }

    /// `Ok` when the SIM can be used, else the `+CME ERROR` code that says why not.
    pub fn ready(&self) -> Result<(), u16> {
        match self.state {
            SimState::Ready => Ok(()),
            SimState::Pin => Err(cme::SIM_PIN_REQUIRED),
            SimState::Puk => Err(cme::SIM_PUK_REQUIRED),
            SimState::Absent => Err(cme::SIM_NOT_INSERTED),
            SimState::Failure => Err(cme::SIM_FAILURE),
        }
    }

    /// `Ok` when the card is present and readable (ICCID works before the PIN).
    pub fn present(&self) -> Result<(), u16> {
        match self.state {
            SimState::Absent => Err(cme::SIM_NOT_INSERTED),
            SimState::Failure => Err(cme::SIM_FAILURE),
            _ => Ok(()),
        }
    }

    /// `+CPIN?` reply.
    pub fn cpin_query(&self) -> Result<String, u16> {
        match self.state {
            SimState::Ready => Ok("+CPIN: READY".into()),
            SimState::Pin => Ok("+CPIN: SIM PIN".into()),
            SimState::Puk => Ok("+CPIN: SIM PUK".into()),
            SimState::Absent => Err(cme::SIM_NOT_INSERTED),
            SimState::Failure => Err(cme::SIM_FAILURE),
        }
    }

    /// Huawei `^CPIN?`: `^CPIN: <code>,[<times>],<puk_times>,<pin_times>,<puk2_times>,<pin2_times>`.
    pub fn huawei_cpin_query(&self) -> Result<String, u16> {
        let (code, times) = match self.state {
            SimState::Ready => ("READY", String::new()),
            SimState::Pin => ("SIM PIN", self.pin_retries.to_string()),
            SimState::Puk => ("SIM PUK", self.puk_retries.to_string()),
            SimState::Absent => return Err(cme::SIM_NOT_INSERTED),
            SimState::Failure => return Err(cme::SIM_FAILURE),
        };
        Ok(format!(
            "^CPIN: {code},{times},{},{},{PUK_RETRIES},{PIN_RETRIES}",
            self.puk_retries, self.pin_retries
        ))
    }

    /// `+CPIN=<pin>` or `+CPIN=<puk>,<newpin>`. Wrong codes use up a retry; the last PIN retry
    /// blocks the PIN (PUK needed), the last PUK retry kills the card, as on real SIMs.
    pub fn enter(&mut self, args: &[String]) -> Result<(), u16> {
        let valid_pin =
            |p: &str| (4..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
        match (self.state, args) {
            (SimState::Absent, _) => Err(cme::SIM_NOT_INSERTED),
            (SimState::Failure, _) => Err(cme::SIM_FAILURE),
            (SimState::Ready, _) => Err(cme::NOT_ALLOWED),
            (SimState::Pin, [pin]) => {
                if !valid_pin(pin) {
                    return Err(cme::INCORRECT_PARAMETERS);
                }
                if *pin == self.pin {
                    self.state = SimState::Ready;
                    self.pin_retries = PIN_RETRIES;
                    Ok(())
                } else {
                    self.pin_retries = self.pin_retries.saturating_sub(1);
                    if self.pin_retries == 0 {
                        self.state = SimState::Puk;
                    }
                    Err(cme::INCORRECT_PASSWORD)
                }
            }
            (SimState::Puk, [puk, new_pin]) => {
                if !valid_pin(new_pin) || puk.len() != 8 || !puk.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(cme::INCORRECT_PARAMETERS);
                }
                if *puk == self.puk {
                    self.state = SimState::Ready;
                    self.pin = new_pin.clone();
                    self.pin_retries = PIN_RETRIES;
                    self.puk_retries = PUK_RETRIES;
                    Ok(())
                } else {
                    self.puk_retries = self.puk_retries.saturating_sub(1);
                    if self.puk_retries == 0 {
                        self.state = SimState::Failure;
                    }
                    Err(cme::INCORRECT_PASSWORD)
                }
            }
            (SimState::Puk, [_]) => Err(cme::SIM_PUK_REQUIRED),
            _ => Err(cme::INCORRECT_PARAMETERS),
        }
    }

    /// Power cycle (`^RESET`, `+CFUN=1,1`): a PIN-protected card asks for the PIN again.
    pub fn power_cycle(&mut self) {
        if self.state == SimState::Ready && self.pin_enabled {
            self.state = SimState::Pin;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(state: SimState) -> SimCard {
        SimCard::new(&SimConfig {
            state,
            ..SimConfig::default()
        })
    }

    fn a(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn pin_unlock_and_retries() {
        let mut c = card(SimState::Pin);
        assert_eq!(c.enter(&a(&["0000"])), Err(cme::INCORRECT_PASSWORD));
        assert_eq!(c.pin_retries, 2);
        assert_eq!(c.enter(&a(&["1234"])), Ok(()));
        assert_eq!(c.state, SimState::Ready);
        assert_eq!(c.pin_retries, 3);
        assert_eq!(c.enter(&a(&["1234"])), Err(cme::NOT_ALLOWED));
    }

    #[test]
    fn three_wrong_pins_need_puk_then_puk_sets_new_pin() {
        let mut c = card(SimState::Pin);
        for _ in 0..3 {
            assert_eq!(c.enter(&a(&["9999"])), Err(cme::INCORRECT_PASSWORD));
        }
        assert_eq!(c.state, SimState::Puk);
        assert_eq!(c.cpin_query().as_deref(), Ok("+CPIN: SIM PUK"));
        assert_eq!(c.enter(&a(&["1234"])), Err(cme::SIM_PUK_REQUIRED));
        assert_eq!(
            c.enter(&a(&["00000000", "4321"])),
            Err(cme::INCORRECT_PASSWORD)
        );
        assert_eq!(c.puk_retries, 9);
        assert_eq!(c.enter(&a(&["12345678", "4321"])), Ok(()));
        assert_eq!(c.pin, "4321");
        assert_eq!(c.puk_retries, 10);
    }

    #[test]
    fn ten_wrong_puks_kill_the_card() {
        let mut c = card(SimState::Puk);
        for _ in 0..10 {
            let _ = c.enter(&a(&["00000000", "1111"]));
        }
        assert_eq!(c.state, SimState::Failure);
        assert_eq!(c.cpin_query(), Err(cme::SIM_FAILURE));
    }

    #[test]
    fn huawei_cpin_format() {
        let c = card(SimState::Ready);
        assert_eq!(
            c.huawei_cpin_query().as_deref(),
            Ok("^CPIN: READY,,10,3,10,3")
        );
        let c = card(SimState::Pin);
        assert_eq!(
            c.huawei_cpin_query().as_deref(),
            Ok("^CPIN: SIM PIN,3,10,3,10,3")
        );
        assert_eq!(
            card(SimState::Absent).cpin_query(),
            Err(cme::SIM_NOT_INSERTED)
        );
    }
}
