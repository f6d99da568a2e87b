//! `dongle up --via ncm` in the virtual USB test bed: the real cdc_ncm driver
//! makes wwan0, the simulated firmware answers ^NDISDUP/^DHCP? over the real
//! option driver, the host's real `ip` configures wwan0 from ^DHCP?, and
//! `dongle down` removes it; then the same with a real DHCP client and
//! server over the NCM link. See testbed/scenarios/up_ncm.sh.

#[path = "vusb/harness.rs"]
#[allow(dead_code)]
mod harness;

use harness::{available, run_gadget_scenario};

#[test]
fn dongle_up_over_ncm_configures_wwan0_from_dhcp_query() {
    if !available("dongle_up_over_ncm_configures_wwan0_from_dhcp_query") {
        return;
    }
    let run = run_gadget_scenario("up_ncm");
    run.assert_passed();
    run.assert_check("wwan0 got 100.92.236.163/29 through dongle up");
    run.assert_check("default route via 100.92.236.161 dev wwan0");
    run.assert_check("dongle up exited");
    run.assert_check("no address on wwan0 after dongle down");
    run.assert_check("the gadget got AT^NDISDUP=1,0");
    // Second round with the system's DHCP client (busybox udhcpc) against
    // udhcpd on the gadget's end of the NCM link: the lease wins over ^DHCP?.
    run.assert_check("wwan0 got the DHCP lease 10.64.64.2/24 through dongle up");
    run.assert_check("dongle up said it is online with the lease");
    run.assert_check("no address on wwan0 after the DHCP client stopped");
    let st = run.json("status");
    run.ensure(st[0]["state"] == "up", "status after up: state up");
    run.ensure(st[0]["via"] == "ncm", "via ncm");
    run.ensure(st[0]["interface"] == "wwan0", "interface wwan0");
    run.ensure(st[0]["local"] == "100.92.236.163", "address from ^DHCP?");
    run.ensure(st[0]["remote"] == "100.92.236.161", "gateway from ^DHCP?");
    run.ensure(
        st[0]["port"]
            .as_str()
            .is_some_and(|p| p.ends_with("ttyUSB1")),
        "NDISDUP on the PCUI port",
    );
    if let Some(l) = run.console.lines().find(|l| l.starts_with("VUSB: time up")) {
        eprintln!("vusb: up_ncm: {l}");
    }
}
