//! Contrast pairs for mechanisms the real cases brought in: the same symptom with and without
//! the evidence that changes its cause. Each pair fails if a rule matches on the symptom alone.

mod common;

fn first(log: &str) -> String {
    common::diagnose(log)
        .problems()
        .first()
        .map(|s| s.to_string())
        .unwrap_or_else(|| "(none)".into())
}

#[test]
fn creg_stat_0_means_no_usable_sim_unless_the_sim_is_ready_or_data_is_registered() {
    // Not registered and not searching, nothing else known: the modem has no SIM it can use.
    assert_eq!(first("AT+CREG?\n+CREG: 0,0\nOK\n"), "no_sim");
    // Same state with the SIM ready: the radio is off or the operator is set by hand.
    assert_eq!(
        first("AT+CPIN?\n+CPIN: READY\nOK\nAT+CREG?\n+CREG: 0,0\nOK\n"),
        "not_registered"
    );
    // Circuit-switched idle, packet domain registered (data-only SIM): healthy.
    assert_eq!(first("+CREG: 0,0\n+CGREG: 0,1\n"), "(none)");
    // Searching is a coverage problem, not a SIM one.
    assert_eq!(first("+CREG: 0,2\n"), "not_registered");
}

#[test]
fn a_package_list_without_modem_drivers_means_driver_missing() {
    let dev = "P: Vendor=2c7c ProdID=0125 Rev= 3.18\nS: Product=EC25-AF\n";
    let base = "kmod-usb-core - 4.14.195-1\nkmod-usb2 - 4.14.195-1\n";
    assert_eq!(first(&format!("{base}{dev}")), "driver_missing");
    // With the option driver installed the same list is no evidence of a missing driver.
    let with_option = format!("{base}kmod-usb-serial-option - 4.14.195-1\n{dev}");
    assert_ne!(first(&with_option), "driver_missing");
}

#[test]
fn an_empty_driver_field_is_an_unbound_interface() {
    let log = "T: Bus=01 Lev=02 Prnt=02 Port=02 Cnt=01 Dev#= 3 Spd=480 MxCh= 0\n\
               P: Vendor=12d1 ProdID=1573 Rev= 0.00\n\
               I: If#= 0 Alt= 0 #EPs= 3 Cls=ff(vend.) Sub=01 Prot=01 Driver=\n";
    assert_eq!(first(log), "driver_not_bound");
    let bound = log.replace("Driver=\n", "Driver=option\n");
    assert_eq!(first(&bound), "(none)");
}

#[test]
fn usb_modeswitch_refusing_a_non_storage_interface_means_already_switched() {
    let log = "Error: can't use storage command in MessageContent with interface 0;\n       \
               interface class is 2, expected 8. Abort\n";
    assert_eq!(first(log), "already_switched");
}

#[test]
fn unanswered_dhcp_on_a_wwan_interface_points_at_the_apn() {
    assert_eq!(
        first("sudo dhclient -1 -v wwan0\nNo DHCPOFFERS received\n"),
        "wrong_apn"
    );
    // Without a SIM the missing data context is explained by the SIM, not the APN.
    assert_eq!(
        first("+CME ERROR: SIM not inserted\nsudo dhclient -1 -v wwan0\nNo DHCPOFFERS received\n"),
        "no_sim"
    );
}

#[test]
fn chat_timing_out_before_any_dial_means_a_silent_port_not_a_dial_error() {
    let silent = "chat[1]: send (AT&F^M)\nchat[1]: expect (OK)\nchat[1]: alarm\nchat[1]: Failed\n\
                  pppd[2]: Connect script failed\n";
    assert_eq!(first(silent), "port_silent");
    // The same timeout after the dial command: the port answered the init, the dial failed.
    let after_dial = "chat[1]: send (AT&F^M)\nchat[1]: expect (OK)\nchat[1]: OK\n\
                      chat[1]: send (ATD*99#^M)\nchat[1]: expect (CONNECT)\nchat[1]: alarm\n\
                      chat[1]: Failed\npppd[2]: Connect script failed\n";
    assert_eq!(first(after_dial), "dial_error");
}

#[test]
fn an_ipcp_request_for_a_fixed_local_address_that_nobody_answers_is_rejected_ipcp() {
    let own = "sent [IPCP ConfReq id=0x1 <addr 192.168.10.13> <ms-dns1 0.0.0.0>]\n\
               sent [IPCP ConfReq id=0x1 <addr 192.168.10.13> <ms-dns1 0.0.0.0>]\n";
    assert_eq!(first(own), "ppp_ipcp_rejected");
    // Asking for 0.0.0.0 (noipdefault) is the normal request: no finding from it alone.
    let zero = own.replace("192.168.10.13", "0.0.0.0");
    assert_eq!(first(&zero), "(none)");
    // A fixed address the peer answers (acknowledged or corrected) is not the problem.
    let answered = format!("{own}rcvd [IPCP ConfNak id=0x1 <addr 10.64.64.64>]\n");
    assert_eq!(first(&answered), "(none)");
}

#[test]
fn a_cdc_ethernet_function_with_huawei_hilink_address_is_a_hilink_stick() {
    let hilink = "cdc_ether 1-1.4:1.0 eth1: register 'cdc_ether' at usb-ehci-platform.0-1.4, \
                  CDC Ethernet Device, 0c:5b:8f:27:9a:64\n";
    assert_eq!(first(hilink), "hilink_no_serial");
    // Any other CDC-Ethernet device (a phone, a USB NIC) says nothing about HiLink.
    let other = hilink.replace("0c:5b:8f:27:9a:64", "02:1e:10:1f:00:00");
    assert_eq!(first(&other), "(none)");
    // A HiLink-addressed stick that also has serial ports is in a debug composition: no finding
    // about missing ports.
    let with_ports = format!(
        "{hilink}option 1-1.4:1.2: GSM modem (1-port) converter detected\n\
         usb 1-1.4: GSM modem (1-port) converter now attached to ttyUSB0\n"
    );
    assert_ne!(first(&with_ports), "hilink_no_serial");
}
