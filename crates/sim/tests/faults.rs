mod common;

use std::time::{Duration, Instant};

use common::{contains, open, scenario, ReadEnd};
use dongle_sim::{PortFunction, Scenario, Sim};

fn start(profile: &str, toml: &str) -> (tempfile::TempDir, Sim) {
    let t = tempfile::tempdir().expect("tempdir");
    let sim = Sim::start(profile, t.path(), scenario(toml)).expect("start");
    (t, sim)
}

#[test]
fn echo_off_by_scenario() {
    let (_t, sim) = start("e620", "echo = false");
    let c = open(&sim.ports()[1].path);
    assert_eq!(c.at("AT"), "\r\nOK\r\n");
    assert_eq!(c.at("ATE1"), "\r\nOK\r\n");
    assert_eq!(c.at("AT"), "AT\r\r\nOK\r\n");
}

#[test]
fn diag_port_is_silent_but_recorded() {
    let (_t, sim) = start("e3531-serial", "");
    let p = &sim.ports()[1];
    assert_eq!(p.function, PortFunction::Diag);
    let c = open(&p.path);
    c.send("AT\r");
    let (got, end) = c.read_until("OK", Duration::from_millis(150));
    assert!(matches!(end, ReadEnd::Timeout), "{got:?}");
    assert!(got.is_empty());
    assert!(sim.transcript().contains(&"ttyUSB1: AT".to_string()));
    // The other ports answer meanwhile.
    let pcui = open(&sim.ports()[2].path);
    assert!(pcui.at("AT").ends_with("OK\r\n"));
}

#[test]
fn garbage_port_answers_binary() {
    let (_t, sim) = start("e3531-serial", "[ports.ttyUSB1]\ngarbage = true\n");
    let c = open(&sim.ports()[1].path);
    c.send("AT\r");
    let (got, _) = c.read_until("\0\0\0\0", Duration::from_secs(2));
    assert_eq!(got[0], 0x13, "{got:?}");
    assert!(got.contains(&0x7e));
    assert!(!contains(&got, b"OK"));
}

#[test]
fn silent_override_on_at_port() {
    let (_t, sim) = start("e3372", "[ports.ttyUSB0]\nsilent = true\n");
    let c = open(&sim.ports()[0].path);
    c.send("AT\r");
    let (got, end) = c.read_until("OK", Duration::from_millis(100));
    assert!(matches!(end, ReadEnd::Timeout) && got.is_empty(), "{got:?}");
}

#[test]
fn vanish_closes_ports_and_removes_entries() {
    let (t, sim) = start("e3372", "");
    let ports = sim.ports();
    let c = open(&ports[1].path);
    assert!(c.at("AT").ends_with("OK\r\n"));
    sim.vanish();
    assert!(sim.vanished());
    let (_, end) = c.read_until("OK", Duration::from_secs(1));
    assert!(matches!(end, ReadEnd::Gone), "{end:?}");
    assert!(std::fs::symlink_metadata(&ports[1].path).is_err());
    let dev = t.path().join("sys/bus/usb/devices");
    assert!(!dev.join("1-1").exists());
    assert!(!dev.join("1-1:1.0").exists());
    assert!(t.path().join("sys/bus/usb/drivers/option").exists());
}

#[test]
fn vanish_on_command_mid_reply() {
    let (t, sim) = start("e3372", "[ports.ttyUSB1]\nvanish_on = \"AT+COPS?\"\n");
    let c = open(&sim.ports()[1].path);
    assert!(c.at("AT+CSQ").contains("+CSQ: 22,99"));
    c.send("AT+COPS?\r");
    let (got, end) = c.read_until("OK", Duration::from_secs(2));
    assert!(matches!(end, ReadEnd::Gone), "{end:?} {got:?}");
    assert!(!contains(&got, b"+COPS:"));
    let deadline = Instant::now() + Duration::from_secs(2);
    while t.path().join("dev/ttyUSB1").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(!t.path().join("dev/ttyUSB1").exists());
    assert!(!t.path().join("dev/ttyUSB0").exists());
    assert!(sim.vanished());
}

#[test]
fn urc_flood_on_pcui_only_and_curc_stops_it() {
    let (_t, sim) = start("e3372", "echo = false\n[urc]\nflood_ms = 10\n");
    let pcui = open(&sim.ports()[1].path);
    let modem = open(&sim.ports()[0].path);
    let (got, end) = pcui.read_until("^DSFLOWRPT", Duration::from_secs(2));
    assert!(matches!(end, ReadEnd::Found), "{got:?}");
    assert!(contains(&got, b"\r\n^RSSI: 22\r\n"));
    assert!(contains(&got, b"^HCSQ: \"LTE\""));
    let (got, _) = modem.read_until("^", Duration::from_millis(60));
    assert!(got.is_empty(), "{got:?}");
    // Replies still come through the flood.
    let r = pcui.at("AT^CURC=0");
    assert!(r.contains("OK"), "{r:?}");
    std::thread::sleep(Duration::from_millis(30));
    let _ = pcui.read_until("never", Duration::from_millis(20));
    let (got, _) = pcui.read_until("^", Duration::from_millis(80));
    assert!(got.is_empty(), "{got:?}");
}

#[test]
fn urc_inside_response_and_stray_nuls() {
    let (_t, sim) = start(
        "e3372",
        "echo = false\n[urc]\nin_response = true\n[garbage]\nstray_nul = true\n",
    );
    let c = open(&sim.ports()[1].path);
    let r = c.at("AT+CSQ");
    let clean: String = r
        .chars()
        .filter(|&ch| ch != '\0' && ch != '\u{fffd}')
        .collect();
    assert!(r.contains('\0'));
    let i_csq = clean.find("+CSQ: 22,99").expect("csq");
    let i_urc = clean.find("^RSSI: 22").expect("urc");
    let i_ok = clean.find("\r\nOK\r\n").expect("ok");
    assert!(i_csq < i_urc && i_urc < i_ok, "{clean:?}");
}

#[test]
fn boot_urc_on_first_open() {
    let (_t, sim) = start("e620", "[urc]\nboot = true\n");
    let c = open(&sim.ports()[1].path);
    let (got, end) = c.read_until("^BOOT:", Duration::from_secs(1));
    assert!(matches!(end, ReadEnd::Found), "{got:?}");
}

#[test]
fn latency_and_fragmented_replies() {
    let (_t, sim) = start(
        "e3372",
        "[ports.ttyUSB1]\nlatency_ms = 150\nfragment = true\n",
    );
    let c = open(&sim.ports()[1].path);
    let t0 = Instant::now();
    assert_eq!(c.at("AT+CGMM"), "AT+CGMM\r\r\nE3372\r\n\r\nOK\r\n");
    assert!(t0.elapsed() >= Duration::from_millis(150));
    let fast = open(&sim.ports()[0].path);
    let t0 = Instant::now();
    assert!(fast.at("AT").ends_with("OK\r\n"));
    assert!(t0.elapsed() < Duration::from_millis(100));
}

#[test]
fn dial_then_dtr_drop_hangs_up() {
    let (_t, sim) = start("e3372", "echo = false");
    let c = open(&sim.ports()[0].path);
    assert_eq!(c.at("ATD*99#"), "\r\nCONNECT 150000000\r\n");
    c.send("AT\r");
    let (got, _) = c.read_until("OK", Duration::from_millis(100));
    assert!(got.is_empty(), "data mode ignores AT: {got:?}");
    // Drop DTR the way pppd and ModemManager do: speed B0.
    let mut t = rustix::termios::tcgetattr(&c.fd).expect("tcgetattr");
    t.set_speed(0).expect("B0");
    rustix::termios::tcsetattr(&c.fd, rustix::termios::OptionalActions::Now, &t).expect("set");
    let (got, end) = c.read_until("NO CARRIER", Duration::from_secs(1));
    assert!(matches!(end, ReadEnd::Found), "{got:?}");
    t.set_speed(115200).expect("speed");
    rustix::termios::tcsetattr(&c.fd, rustix::termios::OptionalActions::Now, &t).expect("set");
    assert_eq!(c.at("AT"), "\r\nOK\r\n");
}

#[test]
fn close_ends_data_call_and_drops_stale_output() {
    let (_t, sim) = start("e3372", "echo = false");
    let path = sim.ports()[0].path.clone();
    {
        let c = open(&path);
        assert_eq!(c.at("ATD*99#"), "\r\nCONNECT 150000000\r\n");
        c.send("AT+CGMI\r");
    }
    std::thread::sleep(Duration::from_millis(50));
    assert!(!sim.with_modem(|m| m.in_data_mode(0)));
    let c = open(&path);
    assert_eq!(c.at("AT"), "\r\nOK\r\n");
}

#[test]
fn pin_locked_sim_over_pty() {
    let (_t, sim) = start("zte-mf190", "echo = false\n[sim]\nstate = \"pin\"\n");
    let c = open(&sim.ports()[1].path);
    assert_eq!(c.at("AT+CPIN?"), "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n");
    assert_eq!(c.at("AT+CMEE=1"), "\r\nOK\r\n");
    assert_eq!(c.at("AT+CPIN=\"1111\""), "\r\n+CME ERROR: 16\r\n");
    assert_eq!(c.at("AT+CPIN=\"1234\""), "\r\nOK\r\n");
    assert_eq!(c.at("AT+CPIN?"), "\r\n+CPIN: READY\r\n\r\nOK\r\n");
}

#[test]
fn network_loss_mid_call() {
    let (_t, sim) = start("e3372", "echo = false");
    let pcui = open(&sim.ports()[1].path);
    let modem = open(&sim.ports()[0].path);
    assert_eq!(pcui.at("AT+CEREG=2"), "\r\nOK\r\n");
    assert_eq!(modem.at("ATD*99#"), "\r\nCONNECT 150000000\r\n");
    sim.with_modem(|m| m.set_registration(dongle_sim::Registration::Searching));
    let (got, end) = modem.read_until("NO CARRIER", Duration::from_secs(1));
    assert!(matches!(end, ReadEnd::Found), "{got:?}");
    let (got, end) = pcui.read_until("+CEREG: 2\r\n", Duration::from_secs(1));
    assert!(matches!(end, ReadEnd::Found), "{got:?}");
    sim.with_modem(|m| m.set_registration(dongle_sim::Registration::Home));
    let (got, end) = pcui.read_until("+CEREG: 1,\"0B55\"", Duration::from_secs(1));
    assert!(matches!(end, ReadEnd::Found), "{got:?}");
}

#[test]
fn unknown_profile_and_port_errors() {
    let t = tempfile::tempdir().expect("tempdir");
    let e = Sim::start("e9999", t.path(), Scenario::default()).unwrap_err();
    let m = e.to_string();
    assert!(m.contains("e9999") && m.contains("e3372"), "{m}");
    let e = Sim::start(
        "e620",
        t.path(),
        scenario("[ports.ttyUSB7]\nsilent = true\n"),
    )
    .unwrap_err();
    let m = e.to_string();
    assert!(m.contains("ttyUSB7") && m.contains("ttyUSB2"), "{m}");
    let e = Sim::start("e620", std::path::Path::new("/"), Scenario::default()).unwrap_err();
    assert!(e.to_string().contains("refusing"), "{e}");
}

#[test]
fn restart_in_same_dir_replaces_leftovers() {
    let t = tempfile::tempdir().expect("tempdir");
    let a = Sim::start("e3372", t.path(), Scenario::default()).expect("a");
    a.stop();
    let b = Sim::start("zte-mf190", t.path(), Scenario::default()).expect("b");
    let v = std::fs::read_to_string(t.path().join("sys/bus/usb/devices/1-1/idVendor")).expect("r");
    assert_eq!(v, "19d2\n");
    assert!(!t
        .path()
        .join("sys/bus/usb/devices/1-1:1.3/ttyUSB3")
        .exists());
    let c = open(&b.ports()[1].path);
    assert!(c.at("AT").ends_with("OK\r\n"));
}

#[test]
fn plus_escape_leaves_data_mode() {
    let (_t, sim) = start("e620", "echo = false");
    let c = open(&sim.ports()[0].path);
    assert_eq!(c.at("ATD*99#"), "\r\nCONNECT 3600000\r\n");
    c.send("+++");
    let (got, end) = c.read_until("OK", Duration::from_secs(1));
    assert!(matches!(end, ReadEnd::Found), "{got:?}");
    assert_eq!(c.at("AT+CGMM"), "\r\nE620\r\n\r\nOK\r\n");
}

#[test]
fn stop_removes_dev_entries() {
    let (t, sim) = start("e3372", "");
    let link = sim.ports()[0].path.clone();
    assert!(link.exists());
    sim.stop();
    assert!(std::fs::symlink_metadata(&link).is_err());
    assert!(!t.path().join("sys/bus/usb/devices/1-1").exists());
}

/// What `dongle probe` does: AT on every port at once. The AT ports must answer in a few
/// milliseconds even though the DIAG port never does.
#[test]
fn answering_ports_are_fast_next_to_a_silent_one() {
    let (_t, sim) = start("e3531-serial", "");
    let clients: Vec<_> = sim.ports().iter().map(|p| open(&p.path)).collect();
    let t0 = Instant::now();
    for c in &clients {
        c.send("AT\r");
    }
    for (i, c) in clients.iter().enumerate() {
        let (_, end) = c.read_until("OK\r\n", Duration::from_millis(100));
        assert_eq!(matches!(end, ReadEnd::Found), i != 1, "port {i}");
    }
    assert!(t0.elapsed() < Duration::from_millis(500));
}

#[test]
fn scenario_file_round_trip() {
    let t = tempfile::tempdir().expect("tempdir");
    let f = t.path().join("s.toml");
    std::fs::write(&f, "[network]\nregistration = \"denied\"\n").expect("write");
    let sc = Scenario::from_file(&f).expect("parse");
    let sim = Sim::start("e3372", &t.path().join("sim"), sc).expect("start");
    let c = open(&sim.ports()[1].path);
    assert!(c.at("AT+CREG?").contains("+CREG: 0,3"));
    std::fs::write(&f, "[network]\nregistered = true\n").expect("write");
    let e = Scenario::from_file(&f).unwrap_err().to_string();
    assert!(e.contains("s.toml") && e.contains("registered"), "{e}");
}
