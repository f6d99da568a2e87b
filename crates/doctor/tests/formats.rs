//! One small sample per input format and mechanism: the classifier reads the format, the rules
//! name the problem.

mod common;

use common::diagnose;

fn first(log: &str) -> String {
    let r = diagnose(log);
    r.findings
        .first()
        .map(|f| f.problem.clone())
        .unwrap_or_else(|| "(none)".into())
}

fn has(log: &str, id: &str) -> bool {
    diagnose(log).findings.iter().any(|f| f.problem == id)
}

#[test]
fn usb_devices_unbound_vendor_interface() {
    let log = "\
T:  Bus=01 Lev=01 Prnt=01 Port=00 Cnt=01 Dev#=  3 Spd=480  MxCh= 0
P:  Vendor=12d1 ProdID=1c1e Rev= 1.02
S:  Product=HUAWEI Mobile
I:* If#= 0 Alt= 0 #EPs= 3 Cls=ff(vend.) Sub=02 Prot=01 Driver=(none)
I:* If#= 1 Alt= 0 #EPs= 2 Cls=ff(vend.) Sub=02 Prot=02 Driver=(none)
";
    let r = diagnose(log);
    assert_eq!(r.devices[0].id, "12d1:1c1e");
    assert_eq!(r.devices[0].mode, "serial");
    assert_eq!(r.findings[0].problem, "driver_not_bound");
    assert!(r.findings[0].fix.contains("new_id"));
}

#[test]
fn usb_devices_ncm_stick_is_ncm() {
    let log = "\
T:  Bus=02 Lev=01 Prnt=01 Port=00 Cnt=01 Dev#=  7 Spd=480  MxCh= 0
P:  Vendor=12d1 ProdID=1506 Rev= 1.02
I:* If#= 0 Alt= 0 #EPs= 2 Cls=ff(vend.) Sub=03 Prot=12 Driver=option
I:  If#= 1 Alt= 0 #EPs= 1 Cls=ff(vend.) Sub=03 Prot=16 Driver=huawei_cdc_ncm
";
    let r = diagnose(log);
    assert_eq!(r.devices[0].mode, "ncm");
    assert!(r.findings.is_empty(), "{:?}", r.problems());
}

#[test]
fn lsusb_verbose_classes() {
    let log = "\
Bus 002 Device 004: ID 19d2:2000 ZTE WCDMA Technologies MSM MF627/MF628/MF628+/MF636+ HSDPA/HSUPA
Device Descriptor:
  idVendor           0x19d2 ZTE WCDMA Technologies MSM
  idProduct          0x2000 MF627/MF628/MF628+/MF636+ HSDPA/HSUPA
    Interface Descriptor:
      bInterfaceNumber        0
      bInterfaceClass         8 Mass Storage
      bInterfaceSubClass      6 SCSI
      bInterfaceProtocol     80 Bulk-Only
";
    let r = diagnose(log);
    assert_eq!(r.devices.len(), 1);
    assert_eq!(r.devices[0].mode, "storage");
    assert_eq!(r.findings[0].problem, "no_modeswitch");
}

#[test]
fn mmcli_sim_states() {
    let locked = "\
  Status   |                    lock: sim-pin
           |          unlock retries: sim-pin (3), sim-puk (10)
           |                   state: locked
";
    assert_eq!(first(locked), "sim_pin_required");
    let missing = "\
  Status   |             state: failed
           |     failed reason: sim-missing
           |       power state: low
";
    assert_eq!(first(missing), "no_sim");
    let puk = "  Status   |                    lock: sim-puk\n";
    assert_eq!(first(puk), "sim_puk_required");
    // A ready SIM with retries listed is no finding.
    let fine = "\
  Status   |                    lock: none
           |          unlock retries: sim-pin (3), sim-puk (10)
           |                   state: registered
";
    assert!(diagnose(fine).findings.is_empty());
}

#[test]
fn pppd_failures() {
    let lcp = "\
Aug 15 11:40:01 pi pppd[812]: Connect: ppp0 <--> /dev/ttyUSB2
Aug 15 11:40:31 pi pppd[812]: LCP: timeout sending Config-Requests
Aug 15 11:40:31 pi pppd[812]: Connection terminated.
Aug 15 11:40:31 pi pppd[812]: Modem hangup
";
    assert_eq!(first(lcp), "ppp_lcp_timeout");
    let pap = "\
pppd[99]: rcvd [PAP AuthNak id=0x1 \"\"]
pppd[99]: PAP authentication failed
";
    assert_eq!(first(pap), "ppp_auth_failed");
    let hangup = "--> The PPP daemon has died: A modem hung up the phone (exit code = 16)\npppd[99]: Modem hangup\n";
    assert_eq!(first(hangup), "modem_hangup");
}

#[test]
fn chat_no_carrier_is_the_apn() {
    let log = "\
Aug 15 11:40:01 pi chat[811]: send (AT+CGDCONT=1,\"IP\",\"internet.wrong\"^M)
Aug 15 11:40:01 pi chat[811]: expect (OK)
Aug 15 11:40:01 pi chat[811]: OK
Aug 15 11:40:01 pi chat[811]: send (ATD*99#^M)
Aug 15 11:40:01 pi chat[811]: expect (CONNECT)
Aug 15 11:40:02 pi chat[811]: NO CARRIER
Aug 15 11:40:02 pi chat[811]: -- failed
Aug 15 11:40:02 pi pppd[810]: Connect script failed
";
    assert_eq!(first(log), "wrong_apn");
}

#[test]
fn dial_error_on_the_pcui_port() {
    let log = "--> Sending: ATDT*99#\n--> Waiting for carrier.\nATDT*99#\nERROR\n--> Invalid dial command.\n";
    assert_eq!(first(log), "dial_error");
}

#[test]
fn registration_denied_and_searching() {
    assert_eq!(first("AT+CREG?\n+CREG: 0,3\nOK\n"), "not_registered");
    assert_eq!(first("AT+CGREG?\n+CGREG: 0,2\nOK\n"), "not_registered");
    assert!(diagnose("AT+CREG?\n+CREG: 0,1\nOK\n").findings.is_empty());
}

#[test]
fn cme_codes() {
    assert_eq!(first("AT+CPIN?\n+CME ERROR: 10\n"), "no_sim");
    assert_eq!(first("AT+CIMI\n+CME ERROR: 11\n"), "sim_pin_required");
    assert_eq!(
        first("AT+CPIN?\n+CME ERROR: SIM PUK required\n"),
        "sim_puk_required"
    );
    assert_eq!(first("AT+CGACT=1,1\n+CME ERROR: 533\n"), "wrong_apn");
}

#[test]
fn busy_port() {
    let log = "--> Cannot open /dev/ttyUSB0: Device or resource busy\n";
    assert_eq!(first(log), "port_busy");
    let lock = "pppd[99]: Device ttyUSB2 is locked by pid 812\n";
    assert_eq!(first(lock), "port_busy");
}

#[test]
fn ndisdup_error_is_a_stale_session() {
    let log = "AT^NDISDUP=1,1,\"internet\"\r\nERROR\r\n";
    assert_eq!(first(log), "stale_ndis_session");
}

#[test]
fn usb_policy_and_generic_driver_and_power() {
    let guard = "Feb 07 14:05:13 host usbguard-daemon[511]: uid=0 pid=511 result='SUCCESS' device.rule='block id 12d1:1f01' target.new='block'\n";
    assert_eq!(first(guard), "blocked_by_usb_policy");
    let generic = "[  10.1] usbserial_generic 2-2:1.0: generic converter detected\n[  10.2] usb 2-2: generic converter now attached to ttyUSB0\n";
    assert!(has(generic, "wrong_driver_bound"));
    let power = "[  99.0] usb 1-1-port2: over-current condition\n[  99.1] usb 1-1.2: USB disconnect, device number 4\n";
    assert_eq!(first(power), "power_problem");
}

#[test]
fn already_switched() {
    let log = "\
Looking for default devices ...
 No devices in default mode found. Nothing to do. Bye!
Bus 001 Device 005: ID 12d1:1506 Huawei Technologies Co., Ltd. Modem/Networkcard
";
    assert_eq!(first(log), "already_switched");
}

#[test]
fn timestamps_human_and_journal() {
    let log = "\
[Aug15 11:37] usb 1-1.4: new high-speed USB device number 5 using xhci_hcd
[  +0.100000] usb 1-1.4: New USB device found, idVendor=12d1, idProduct=1001
[  +0.100000] option 1-1.4:1.0: GSM modem (1-port) converter detected
[  +0.000100] usb 1-1.4: GSM modem (1-port) converter now attached to ttyUSB0
Aug 15 11:38:01 host kernel: option1 ttyUSB0: GSM modem (1-port) converter now disconnected from ttyUSB0
";
    let r = diagnose(log);
    assert_eq!(r.devices[0].id, "12d1:1001");
    assert_eq!(r.devices[0].path.as_deref(), Some("1-1.4"));
    assert!(r.devices[0].ports.is_empty(), "ttyUSB0 detached at the end");
}

#[test]
fn hilink_disconnected_and_no_dhcp() {
    let log = "\
[    7.2] usb 1-1: New USB device found, idVendor=12d1, idProduct=14dc
[    7.3] cdc_ether 1-1:1.0 eth1: register 'cdc_ether' at usb-0000:00:14.0-1, CDC Ethernet Device, 0c:5b:8f:27:9a:64
Aug 15 11:40:12 pi dhclient[900]: No DHCPOFFERS received.
";
    assert!(has(log, "hilink_no_dhcp"));
    let api = "<response><ConnectionStatus>902</ConnectionStatus></response>\n";
    assert_eq!(first(api), "hilink_no_connection");
}

#[test]
fn a_successful_dial_is_no_finding() {
    let log = "\
Aug 15 11:40:01 pi pppd[810]: pppd 2.4.9 started by root, uid 0
Aug 15 11:40:02 pi chat[811]: abort on (BUSY)
Aug 15 11:40:02 pi chat[811]: abort on (NO CARRIER)
Aug 15 11:40:02 pi chat[811]: abort on (ERROR)
Aug 15 11:40:02 pi chat[811]: send (AT^M)
Aug 15 11:40:02 pi chat[811]: expect (OK)
Aug 15 11:40:02 pi chat[811]: OK
Aug 15 11:40:02 pi chat[811]:  -- got it
Aug 15 11:40:02 pi chat[811]: send (ATD*99#^M)
Aug 15 11:40:02 pi chat[811]: expect (CONNECT)
Aug 15 11:40:03 pi chat[811]: CONNECT
Aug 15 11:40:03 pi chat[811]:  -- got it
Aug 15 11:40:03 pi pppd[810]: Serial connection established.
Aug 15 11:40:03 pi pppd[810]: Using interface ppp0
Aug 15 11:40:03 pi pppd[810]: Connect: ppp0 <--> /dev/ttyUSB0
Aug 15 11:40:04 pi pppd[810]: local  IP address 10.64.64.64
Aug 15 11:40:04 pi pppd[810]: remote IP address 10.64.64.65
Aug 15 11:40:04 pi pppd[810]: primary   DNS address 194.154.192.1
";
    let r = diagnose(log);
    assert!(r.findings.is_empty(), "{:?}", r.problems());
}
