//! A diagnosis in the user's terms. The `problem` ids are shared with
//! `dongle doctor` (see issue 6), so scripts and the doctor speak one language.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable id: `no_sim`, `sim_pin_required`, `not_registered`, `wrong_apn`, `ppp_lcp_timeout`…
    pub problem: &'static str,
    /// What happened, in one sentence.
    pub summary: String,
    /// What to do about it: exact commands where possible.
    pub fix: String,
}

impl Finding {
    pub fn new(
        problem: &'static str,
        summary: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            problem,
            summary: summary.into(),
            fix: fix.into(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} Fix: {}", self.summary, self.fix)
    }
}

impl std::error::Error for Finding {}
