//! `dongle up` with a HiLink stick in the virtual USB test bed: the real
//! cdc_ether driver makes eth0 for a 12d1:14dc gadget (kernel ecm function)
//! whose end of the link lives in its own network namespace with busybox
//! udhcpd and the simulator's HiLink API at 192.168.8.1:80. `dongle up`
//! (autodetected, no --via) runs the system's DHCP client on eth0, turns the
//! data switch on through the API at the gateway and waits for 901; `dongle
//! down` switches data off and releases the lease. Round 2: 192.168.8.0/24 is
//! already taken on the host, so `dongle up` moves the stick to
//! 192.168.9.0/24 (dhcp/settings) and runs DHCP again.
//! See testbed/scenarios/up_hilink.sh.

#[path = "vusb/harness.rs"]
#[allow(dead_code)]
mod harness;

use harness::{available, run_gadget_scenario};

#[test]
fn dongle_up_over_hilink_gets_dhcp_and_moves_a_colliding_stick() {
    if !available("dongle_up_over_hilink_gets_dhcp_and_moves_a_colliding_stick") {
        return;
    }
    let run = run_gadget_scenario("up_hilink");
    run.assert_passed();
    run.assert_check("cdc_ether bound to the stick's ECM interface (1-1:1.0)");
    run.assert_check("eth0 got the lease 192.168.8.100/24 through dongle up");
    run.assert_check("dongle up said it is online over HiLink on eth0");
    run.assert_check("default route via the stick 192.168.8.1 dev eth0");
    run.assert_check("the stick got the data switch on over the link");
    run.assert_check("no address on eth0 after dongle down");
    run.assert_check("the stick's data switch is off after dongle down");
    let st = run.json("status");
    run.ensure(st[0]["state"] == "up", "status after up: state up");
    run.ensure(st[0]["via"] == "hilink", "via hilink (autodetected)");
    run.ensure(st[0]["interface"] == "eth0", "interface eth0");
    run.ensure(st[0]["local"] == "192.168.8.100", "the host's lease");
    run.ensure(st[0]["remote"] == "192.168.8.1", "the stick's address");
    run.ensure(st[0]["port"] == "http://192.168.8.1", "API at the gateway");
    let hs = run.json("hstatus");
    run.ensure(hs["status_code"] == 901, "the stick says connected (901)");
    run.ensure(hs["data_switch"] == true, "data switch on");
    // Round 2: the collision.
    run.assert_check("dongle up named the collision and the new subnet");
    run.assert_check("the stick moved to 192.168.9.1");
    run.assert_check("eth0 got 192.168.9.100/24 after the move");
    run.assert_check("dongle up is online through the moved stick");
    run.assert_check("no address on eth0 after the second dongle down");
    let st2 = run.json("status2");
    run.ensure(
        st2[0]["local"] == "192.168.9.100",
        "lease in the new subnet",
    );
    run.ensure(
        st2[0]["port"] == "http://192.168.9.1",
        "API at the moved stick",
    );
    if let Some(l) = run.console.lines().find(|l| l.starts_with("VUSB: time up")) {
        eprintln!("vusb: up_hilink: {l}");
    }
}
