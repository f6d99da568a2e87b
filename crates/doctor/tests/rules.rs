//! The rules file is data: a malformed rule must fail here, never at run time.

use dongle_doctor::{Rules, BUILTIN_RULES, DERIVED_SIGNALS};

/// Problem ids the issue names; each must be produced by at least one rule.
const ISSUE_IDS: &[&str] = &[
    "no_modeswitch",
    "wrong_mode",
    "already_switched",
    "storage_claims_interface",
    "modeswitch_segfault",
    "mbim_bind_failure",
    "driver_not_bound",
    "wrong_driver_bound",
    "driver_missing",
    "reconnect_loop",
    "port_silent",
    "port_busy",
    "no_sim",
    "sim_pin_required",
    "sim_puk_required",
    "sim_locked",
    "sim_failure",
    "not_registered",
    "wrong_apn",
    "dial_error",
    "ppp_lcp_timeout",
    "ppp_ipcp_rejected",
    "ppp_auth_failed",
    "power_problem",
    "hilink_no_serial",
    "hilink_no_connection",
    "hilink_no_dhcp",
    "needs_setport",
    "blocked_by_usb_policy",
    "stale_ndis_session",
    "ncm_driver_bug",
];

#[test]
fn builtin_rules_parse() {
    let r = Rules::builtin().expect("rules.toml is valid");
    assert!(r.rules.len() >= 30);
}

#[test]
fn every_issue_id_has_a_rule() {
    let r = Rules::builtin().expect("valid");
    for id in ISSUE_IDS {
        assert!(r.rules.iter().any(|x| x.problem == *id), "no rule for {id}");
    }
}

#[test]
fn every_signal_is_used_or_documented() {
    let r = Rules::builtin().expect("valid");
    for s in &r.signals {
        assert!(!s.doc.is_empty(), "signal {} has no doc", s.name);
    }
    assert!(!DERIVED_SIGNALS.is_empty());
}

#[test]
fn malformed_rules_are_rejected() {
    let bad = [
        // unknown signal
        "[[rule]]\nproblem='x'\nall=['nope']\nconfidence=0.5\nsummary='s'\nexplanation='e'\nfix='f'\n",
        // no condition
        "[[rule]]\nproblem='x'\nconfidence=0.5\nsummary='s'\nexplanation='e'\nfix='f'\n",
        // confidence out of range
        "[[rule]]\nproblem='x'\nall=['tty_loop']\nconfidence=1.5\nsummary='s'\nexplanation='e'\nfix='f'\n",
        // missing fix
        "[[rule]]\nproblem='x'\nall=['tty_loop']\nconfidence=0.5\nsummary='s'\nexplanation='e'\n",
        // unknown key
        "[[rule]]\nproblem='x'\nall=['tty_loop']\nconfidence=0.5\nsummary='s'\nexplanation='e'\nfix='f'\nwhen='x'\n",
        // duplicate signal, and one shadowing a derived signal
        "[[signal]]\nname='a'\nany=['x']\n[[signal]]\nname='a'\nany=['y']\n",
        "[[signal]]\nname='tty_loop'\nany=['x']\n",
        // empty pattern
        "[[signal]]\nname='a'\nany=['']\n",
        // bad problem id
        "[[rule]]\nproblem='Port Busy'\nall=['tty_loop']\nconfidence=0.5\nsummary='s'\nexplanation='e'\nfix='f'\n",
        "not toml at all [[[",
    ];
    for b in bad {
        assert!(Rules::parse(b).is_err(), "accepted: {b}");
    }
    // The file itself, with one rule broken, is rejected too.
    let broken = BUILTIN_RULES.replacen(
        "all = [\"usbfs_storage_claim\"]",
        "all = [\"usbfs_storage_clam\"]",
        1,
    );
    assert!(Rules::parse(&broken).is_err());
}
