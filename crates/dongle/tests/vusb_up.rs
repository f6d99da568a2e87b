//! `dongle up` in the virtual USB test bed: the real option driver, the real
//! pppd on both sides, ppp0 gets its address, a dead network side is
//! reconnected, `dongle down` ends it. See testbed/scenarios/up_ppp.sh.

#[path = "vusb/harness.rs"]
#[allow(dead_code)]
mod harness;

use harness::{available, run_gadget_scenario};

#[test]
fn dongle_up_over_ppp_gets_an_address_and_reconnects() {
    if !available("dongle_up_over_ppp_gets_an_address_and_reconnects") {
        return;
    }
    let run = run_gadget_scenario("up_ppp");
    run.assert_passed();
    run.assert_check("ppp0 got 192.0.2.2 through dongle up");
    run.assert_check("ppp0 back after the reconnect");
    run.assert_check("dongle up exited");
    let first = run.json("status1");
    run.ensure(first[0]["state"] == "up", "status after up: state up");
    run.ensure(first[0]["via"] == "ppp", "via ppp");
    run.ensure(first[0]["interface"] == "ppp0", "interface ppp0");
    run.ensure(
        first[0]["local"] == "192.0.2.2",
        "local address from the network side",
    );
    run.ensure(first[0]["remote"] == "192.0.2.1", "remote address");
    run.ensure(
        first[0]["port"]
            .as_str()
            .is_some_and(|p| p.ends_with("ttyUSB0")),
        "dialled on the modem port",
    );
    let second = run.json("status2");
    run.ensure(
        second[0]["reconnects"] == 1,
        "one reconnect after the network side died",
    );
    if let Some(l) = run.console.lines().find(|l| l.starts_with("VUSB: time up")) {
        eprintln!("vusb: up_ppp: {l}");
    }
}
