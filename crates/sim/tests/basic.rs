mod common;

use std::time::Duration;

use common::{open, scenario, ReadEnd};
use dongle_sim::{PortFunction, Scenario, Sim};

#[test]
fn at_ok_with_echo() {
    let t = tempfile::tempdir().expect("tempdir");
    let sim = Sim::start("e3372", t.path(), Scenario::default()).expect("start");
    let ports = sim.ports();
    assert_eq!(ports.len(), 2);
    assert_eq!(ports[1].function, PortFunction::Pcui);
    assert_eq!(ports[1].path, t.path().join("dev/ttyUSB1"));
    let c = open(&ports[1].path);
    let r = c.at("AT");
    assert_eq!(r, "AT\r\r\nOK\r\n");
    let r = c.at("AT+CSQ");
    assert_eq!(r, "AT+CSQ\r\r\n+CSQ: 22,99\r\n\r\nOK\r\n");
    let r = c.at("ATE0");
    assert_eq!(r, "ATE0\r\r\nOK\r\n");
    let r = c.at("AT+CGMI");
    assert_eq!(r, "\r\nhuawei\r\n\r\nOK\r\n");
    assert!(sim.transcript().contains(&"ttyUSB1: AT+CSQ".to_string()));
    let (_, end) = c.read_until("x", Duration::from_millis(10));
    assert!(matches!(end, ReadEnd::Timeout));
    let _ = scenario("");
}
