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
