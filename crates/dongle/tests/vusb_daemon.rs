//! `dongle daemon` in the virtual USB test bed: the daemon runs first, a
//! storage-mode stick is plugged into the real kernel, and with no command
//! typed the daemon switches it, waits for the modem personality's ports and
//! brings it online — over NCM with every default, then over PPP from a
//! configuration file. SIGTERM takes the link down and the daemon exits 0.
//! See testbed/scenarios/daemon.sh.

#[path = "vusb/harness.rs"]
#[allow(dead_code)]
mod harness;

use harness::{available, run_gadget_scenario, Run};
use serde_json::Value;

/// The one modem in a `dongle --json status` capture (the daemon's list).
fn only_modem(run: &Run, capture: &str) -> Value {
    let st = run.json(capture);
    let list = st.as_array().cloned().unwrap_or_default();
    run.ensure(
        list.len() == 1,
        &format!("`{capture}`: the daemon should list exactly one modem: {st}"),
    );
    list[0].clone()
}

#[test]
fn daemon_switches_a_plugged_storage_stick_and_brings_it_online() {
    if !available("daemon_switches_a_plugged_storage_stick_and_brings_it_online") {
        return;
    }
    let run = run_gadget_scenario("daemon");
    run.assert_passed();

    // Before the plug: a daemon with nothing to do.
    run.ensure(
        run.json("status-empty") == serde_json::json!([]),
        "the daemon lists no modem before the stick is plugged",
    );

    // Round 1, defaults: switched by the daemon, online over NCM.
    run.assert_check("ncm: storage stick switched by the daemon (exit 42)");
    run.assert_check("ncm: switch CBW logged");
    run.assert_check("ncm: wwan0 got 100.92.236.163/29 with no command typed");
    let m = only_modem(&run, "status-ncm");
    run.ensure(m["device"] == "1-1", "the modem at USB path 1-1");
    run.ensure(m["id"] == "12d1:1506", "the switched ID, not 12d1:1f01");
    run.ensure(m["phase"] == "up", "phase up");
    let l = &m["link"];
    run.ensure(l["via"] == "ncm", "via ncm (the default for this stick)");
    run.ensure(l["interface"] == "wwan0", "interface wwan0");
    run.ensure(l["local"] == "100.92.236.163", "address from ^DHCP?");
    run.ensure(l["remote"] == "100.92.236.161", "gateway from ^DHCP?");
    run.ensure(l["apn"] == "web.pt.lu", "APN from the SIM's network");
    run.ensure(
        l["port"].as_str().is_some_and(|p| p.ends_with("ttyUSB1")),
        "NDISDUP on the PCUI port",
    );
    let (addr, rc) = run.captured("addr-ncm");
    run.ensure(
        rc == 0 && addr.contains("inet 100.92.236.163/29"),
        "the kernel's wwan0 has the address the daemon reports",
    );
    run.assert_check("ncm: daemon exit status 0");
    run.assert_check("ncm: no address on wwan0 after SIGTERM");
    run.assert_check("ncm: the gadget got AT^NDISDUP=1,0");
    run.assert_check("ncm: control socket removed");
    let log = run.shown_log("/tmp/daemon-ncm.log");
    run.ensure(
        log.iter().any(|l| {
            l.contains("dongle daemon: 1-1: switched from storage mode (12d1:1f01) to ncm mode")
                && l.contains("12d1:1506")
        }),
        "the daemon's log says in one line that it switched the stick",
    );
    // `dongle switch`'s table and its hint for a person are not for a service's log.
    run.ensure(
        !log.iter()
            .any(|l| l.starts_with("next:") || l.starts_with("DEVICE ")),
        "no switch table or next: hint in the daemon's log",
    );
    run.ensure(
        log.iter()
            .any(|l| l.contains("dongle daemon: stopping; taking every link down")),
        "the daemon's log says it stops on SIGTERM",
    );

    // Round 2, `via = "ppp"` and an APN from the configuration file.
    run.assert_check("ppp: storage stick switched by the daemon (exit 42)");
    run.assert_check("ppp: ppp0 got 192.0.2.2 with no command typed");
    run.assert_check("ppp: the gadget got the configured APN");
    let m = only_modem(&run, "status-ppp");
    run.ensure(m["phase"] == "up", "phase up");
    let l = &m["link"];
    run.ensure(l["via"] == "ppp", "via ppp (from the configuration file)");
    run.ensure(l["interface"] == "ppp0", "interface ppp0");
    run.ensure(l["local"] == "192.0.2.2", "address from the network side");
    run.ensure(l["remote"] == "192.0.2.1", "the network side's address");
    run.ensure(l["apn"] == "daemon.test", "the configured APN");
    run.ensure(
        l["port"].as_str().is_some_and(|p| p.ends_with("ttyUSB0")),
        "dialled on the modem port",
    );
    let (addr, rc) = run.captured("addr-ppp");
    run.ensure(
        rc == 0 && addr.contains("inet 192.0.2.2 peer 192.0.2.1"),
        "the kernel's ppp0 has the address the daemon reports",
    );
    run.assert_check("ppp: daemon exit status 0");
    run.assert_check("ppp: ppp0 gone after SIGTERM");
    run.assert_check("ppp: no host-side pppd left");

    for l in run.console.lines().filter(|l| l.starts_with("VUSB: time")) {
        eprintln!("vusb: daemon: {l}");
    }
}
