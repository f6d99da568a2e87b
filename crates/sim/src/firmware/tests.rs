use super::*;
use crate::profile::profile;
use crate::scenario::Scenario;

fn modem(name: &str) -> Modem {
    Modem::new(profile(name).expect("profile"), &Scenario::default())
}

fn modem_with(name: &str, toml: &str) -> Modem {
    let sc = Scenario::from_toml_str(toml).expect("scenario");
    Modem::new(profile(name).expect("profile"), &sc)
}

/// The reply as text lines: info lines then the final result.
fn run(m: &mut Modem, port: usize, line: &str) -> Vec<String> {
    m.handle(port, line)
        .into_iter()
        .flat_map(|o| match o {
            Output::Info(s) => s.split("\r\n").map(str::to_string).collect(),
            Output::Final(s) | Output::Urc(s) => vec![s],
            Output::Prompt => vec!["> ".into()],
            Output::Delay(_) => vec![],
            Output::Vanish => vec!["<vanish>".into()],
        })
        .collect()
}

fn fin(m: &mut Modem, port: usize, line: &str) -> String {
    run(m, port, line).pop().unwrap_or_default()
}

#[test]
fn basics() {
    let mut m = modem("e3372");
    assert_eq!(run(&mut m, 1, "AT"), ["OK"]);
    assert_eq!(run(&mut m, 1, "at"), ["OK"]);
    assert!(run(&mut m, 1, "hello").is_empty(), "line noise is ignored");
    assert!(m.echo(1));
    assert_eq!(run(&mut m, 1, "ATE0"), ["OK"]);
    assert!(!m.echo(1));
    assert!(m.echo(0), "echo is per port");
    assert_eq!(run(&mut m, 1, "ATZ"), ["OK"]);
    assert!(m.echo(1));
    assert_eq!(run(&mut m, 1, "ATE0V1&C1X4"), ["OK"]);
    assert!(!m.echo(1));
    assert_eq!(run(&mut m, 1, "AT+BOGUS"), ["ERROR"]);
    assert_eq!(run(&mut m, 1, "AT+CGMI;+CGMM"), ["huawei", "E3372", "OK"]);
    let ati = run(&mut m, 1, "ATI");
    assert_eq!(ati[0], "Manufacturer: huawei");
    assert!(ati[3].starts_with("IMEI: 8662910341"));
}

#[test]
fn cmee_modes() {
    let mut m = modem_with("e3372", "[sim]\nstate = \"absent\"\n");
    assert_eq!(fin(&mut m, 1, "AT+CIMI"), "ERROR");
    assert_eq!(run(&mut m, 1, "AT+CMEE=1"), ["OK"]);
    assert_eq!(fin(&mut m, 1, "AT+CIMI"), "+CME ERROR: 10");
    assert_eq!(run(&mut m, 1, "AT+CMEE=2"), ["OK"]);
    assert_eq!(fin(&mut m, 1, "AT+CPIN?"), "+CME ERROR: SIM not inserted");
    assert_eq!(fin(&mut m, 0, "AT+CPIN?"), "ERROR", "CMEE is per port");
    assert_eq!(run(&mut m, 1, "AT+CMEE?"), ["+CMEE: 2", "OK"]);
}

#[test]
fn pin_flow_and_registration_urc() {
    let mut m = modem_with("e3372", "[sim]\nstate = \"pin\"\n");
    run(&mut m, 1, "AT+CMEE=1");
    assert_eq!(run(&mut m, 1, "AT+CPIN?"), ["+CPIN: SIM PIN", "OK"]);
    assert_eq!(
        run(&mut m, 1, "AT^CPIN?"),
        ["^CPIN: SIM PIN,3,10,3,10,3", "OK"]
    );
    assert_eq!(fin(&mut m, 1, "AT+CIMI"), "+CME ERROR: 11");
    assert_eq!(run(&mut m, 1, "AT+CREG=2"), ["OK"]);
    assert_eq!(run(&mut m, 1, "AT+CREG?"), ["+CREG: 2,0", "OK"]);
    assert_eq!(fin(&mut m, 1, "AT+CPIN=\"0000\""), "+CME ERROR: 16");
    assert_eq!(
        run(&mut m, 1, "AT^CPIN?"),
        ["^CPIN: SIM PIN,2,10,2,10,3", "OK"]
    );
    assert!(m.take_urcs(1).is_empty());
    assert_eq!(run(&mut m, 1, "AT+CPIN=\"1234\""), ["OK"]);
    assert_eq!(m.take_urcs(1), ["+CREG: 1,\"0B55\",\"1A2D40F\",7"]);
    assert!(m.take_urcs(0).is_empty(), "URC mode is per port");
    assert_eq!(
        run(&mut m, 1, "AT+CREG?"),
        ["+CREG: 2,1,\"0B55\",\"1A2D40F\",7", "OK"]
    );
    assert_eq!(run(&mut m, 1, "AT+CIMI"), ["270010123456789", "OK"]);
}

#[test]
fn cops_forms_and_multi_command() {
    let mut m = modem("e3372");
    assert_eq!(
        run(&mut m, 1, "AT+COPS=3,0;+COPS?"),
        ["+COPS: 0,0,\"POST\",7", "OK"]
    );
    assert_eq!(
        run(&mut m, 1, "AT+COPS=3,2;+COPS?"),
        ["+COPS: 0,2,\"27001\",7", "OK"]
    );
    let out = m.handle(1, "AT+COPS=?");
    assert!(matches!(out[0], Output::Delay(d) if d.as_millis() == 2000));
    assert_eq!(run(&mut m, 1, "AT+COPS=2"), ["OK"]);
    assert_eq!(run(&mut m, 1, "AT+COPS?"), ["+COPS: 2", "OK"]);
    assert_eq!(run(&mut m, 1, "AT+CSQ"), ["+CSQ: 22,99", "OK"]);
    // The first error ends the line.
    assert_eq!(run(&mut m, 1, "AT+CGMI;+NOPE;+CGMM"), ["huawei", "ERROR"]);
}

#[test]
fn no_network() {
    let mut m = modem_with("e620", "[network]\nregistration = \"none\"\n");
    assert_eq!(run(&mut m, 0, "AT+CREG?"), ["+CREG: 0,0", "OK"]);
    assert_eq!(run(&mut m, 0, "AT+CSQ"), ["+CSQ: 99,99", "OK"]);
    assert_eq!(run(&mut m, 0, "ATD*99#"), ["NO CARRIER"]);
    assert!(!m.in_data_mode(0));
}

#[test]
fn dial_and_data_mode() {
    let mut m = modem_with("e3372", "[network]\napns = [\"web.pt.lu\"]\n");
    assert_eq!(
        run(&mut m, 0, "ATD*99#"),
        ["NO CARRIER"],
        "empty APN refused"
    );
    assert_eq!(run(&mut m, 0, "AT+CGDCONT=1,\"IP\",\"web.pt.lu\""), ["OK"]);
    assert_eq!(
        run(&mut m, 0, "AT+CGDCONT?"),
        ["+CGDCONT: 1,\"IP\",\"web.pt.lu\",\"0.0.0.0\",0,0", "OK"]
    );
    assert_eq!(run(&mut m, 1, "ATD*99#"), ["ERROR"], "PCUI cannot dial");
    assert_eq!(run(&mut m, 0, "ATD*99***1#"), ["CONNECT 150000000"]);
    assert!(m.in_data_mode(0));
    assert!(run(&mut m, 0, "AT").is_empty(), "AT ignored in data mode");
    assert_eq!(run(&mut m, 1, "AT+CGACT?"), ["+CGACT: 1,1", "OK"]);
    assert!(m.hang_up(0));
    assert_eq!(run(&mut m, 0, "AT"), ["OK"]);
    assert_eq!(
        fin(&mut m, 0, "AT+CGDCONT=1,\"IP\",\"bad\\\"apn\""),
        "ERROR"
    );
    assert_eq!(fin(&mut m, 0, "AT+CGDCONT=99,\"IP\",\"x\""), "ERROR");
}

#[test]
fn ndis_session() {
    let mut m = modem("e3372");
    assert_eq!(fin(&mut m, 1, "AT^NDISDUP=1,0"), "ERROR", "already down");
    assert_eq!(run(&mut m, 1, "AT^NDISDUP=1,1,\"web.pt.lu\""), ["OK"]);
    assert_eq!(m.take_urcs(1), ["^NDISSTAT: 1,,,\"IPV4\""]);
    assert_eq!(
        run(&mut m, 1, "AT^NDISSTATQRY?"),
        ["^NDISSTATQRY: 1,,,\"IPV4\",0,,,\"IPV6\"", "OK"]
    );
    assert!(run(&mut m, 1, "AT^DHCP?")[0].starts_with("^DHCP:a3ec5c64,f8ffffff,"));
    assert_eq!(
        fin(&mut m, 1, "AT^NDISDUP=1,1,\"web.pt.lu\""),
        "ERROR",
        "stale"
    );
    assert_eq!(run(&mut m, 1, "AT^NDISDUP=1,0"), ["OK"]);
    assert_eq!(m.take_urcs(1), ["^NDISSTAT: 0,,,\"IPV4\""]);
    assert_eq!(fin(&mut m, 1, "AT^DHCP?"), "ERROR");
    let mut z = modem("zte-mf190");
    assert_eq!(fin(&mut z, 1, "AT^NDISDUP=1,1,\"x\""), "ERROR");
}

#[test]
fn setport_rules() {
    let mut m = modem("e3372");
    assert_eq!(
        run(&mut m, 1, "AT^SETPORT?"),
        ["^SETPORT:A1,A2;12,1,16,A1,A2", "OK"]
    );
    assert_eq!(run(&mut m, 1, "AT^SETPORT=\"FF;10,12\""), ["OK"]);
    assert_eq!(run(&mut m, 1, "AT^SETPORT?"), ["^SETPORT:FF;10,12", "OK"]);
    for bad in [
        "\"FF;10,16\"", // no PCUI: would lock the user out
        "\"FF;12,12\"", // duplicate
        "\"A2;12\"",    // before must start with A1
        "\"A1,A1;12\"", // only A2 may follow A1
        "\"FF;12,99\"", // unknown code
        "\"FF\"",       // no after part
        "\"FF;FF\"",
    ] {
        assert_eq!(
            fin(&mut m, 1, &format!("AT^SETPORT={bad}")),
            "ERROR",
            "{bad}"
        );
    }
    assert_eq!(run(&mut m, 1, "AT^SETPORT?"), ["^SETPORT:FF;10,12", "OK"]);
    let test = run(&mut m, 1, "AT^SETPORT=?");
    assert!(test.contains(&"^SETPORT:12: 4G PCUI".to_string()));
    let mut old = modem("e620");
    assert_eq!(fin(&mut old, 1, "AT^SETPORT?"), "COMMAND NOT SUPPORT");
}

#[test]
fn dialects() {
    let mut m = modem("e3372");
    assert_eq!(
        run(&mut m, 1, "AT^GETPORTMODE"),
        [
            "^GETPORTMODE: TYPE: WCDMA: huawei,MDM:0,PCUI:1,NDIS:2,",
            "OK"
        ]
    );
    assert_eq!(
        run(&mut m, 1, "AT^HCSQ?"),
        ["^HCSQ: \"LTE\",51,46,160,19", "OK"]
    );
    assert_eq!(
        run(&mut m, 1, "AT^FHVER"),
        [
            "^FHVER:\"E3372h-153 21.286.03.01.209,CL2E3372HM Ver.A\"",
            "OK"
        ]
    );
    assert_eq!(run(&mut m, 1, "AT^ICCID?")[0].len(), "^ICCID: ".len() + 20);
    let mut e = modem("e3531-serial");
    assert_eq!(
        run(&mut e, 2, "AT^GETPORTMODE"),
        [
            "^GETPORTMODE: TYPE: WCDMA: huawei,MDM:0,DIAG:1,PCUI:2,",
            "OK"
        ]
    );
    assert_eq!(
        run(&mut e, 2, "AT^SYSINFO"),
        ["^SYSINFO:2,3,0,5,1,,9", "OK"]
    );
    let mut old = modem("e620");
    for c in ["AT^GETPORTMODE", "AT^HCSQ?", "AT^SYSINFOEX", "AT+CEREG?"] {
        assert_eq!(fin(&mut old, 1, c), "COMMAND NOT SUPPORT", "{c}");
    }
    assert_eq!(
        run(&mut old, 1, "AT^SYSINFO"),
        ["^SYSINFO:2,3,0,5,1,,5", "OK"]
    );
    let mut z = modem("zte-mf190");
    assert_eq!(run(&mut z, 1, "AT+CGMI"), ["ZTE INCORPORATED", "OK"]);
    assert_eq!(
        run(&mut z, 1, "AT+ZPAS?"),
        ["+ZPAS: \"HSDPA\",\"CS_PS\"", "OK"]
    );
    for c in ["AT^GETPORTMODE", "AT^SYSINFO", "AT^CURC=0", "AT^HCSQ?"] {
        assert_eq!(fin(&mut z, 1, c), "ERROR", "{c}");
    }
}

#[test]
fn syscfg_changes_act() {
    let mut m = modem("e3372");
    assert_eq!(
        run(&mut m, 1, "AT^SYSCFGEX?"),
        ["^SYSCFGEX: \"00\",3FFFFFFF,1,2,7FFFFFFFFFFFFFFF", "OK"]
    );
    assert_eq!(
        run(
            &mut m,
            1,
            "AT^SYSCFGEX=\"02\",3FFFFFFF,1,2,7FFFFFFFFFFFFFFF,,"
        ),
        ["OK"]
    );
    assert_eq!(run(&mut m, 1, "AT+COPS?"), ["+COPS: 0,0,\"POST\",2", "OK"]);
    assert_eq!(
        fin(&mut m, 1, "AT^SYSCFGEX=\"0303\",3FFFFFFF,1,2,"),
        "ERROR"
    );
    assert_eq!(run(&mut m, 1, "AT^SYSCFG=13,0,3FFFFFFF,1,2"), ["OK"]);
    assert_eq!(
        run(&mut m, 1, "AT^SYSCFG?"),
        ["^SYSCFG:13,0,3FFFFFFF,1,2", "OK"]
    );
}

#[test]
fn faults_errors_and_vanish() {
    let mut m = modem_with(
        "e3372",
        "[errors]\n\"AT+CSQ\" = \"+CME ERROR: 100\"\n[ports.ttyUSB1]\nvanish_on = \"at+cops?\"\n",
    );
    assert_eq!(run(&mut m, 1, "AT+CSQ"), ["+CME ERROR: 100"]);
    assert_eq!(
        run(&mut m, 1, "AT+CGMI;+CSQ"),
        ["huawei", "+CME ERROR: 100"]
    );
    assert_eq!(run(&mut m, 0, "AT+COPS?"), ["+COPS: 0,0,\"POST\",7", "OK"]);
    assert_eq!(run(&mut m, 1, "AT+COPS=3,0;+COPS?"), ["<vanish>"]);
}

#[test]
fn reset_relocks_sim() {
    let mut m = modem_with("e3372", "[sim]\nstate = \"pin\"\n");
    run(&mut m, 1, "AT+CPIN=1234");
    assert_eq!(run(&mut m, 1, "AT+CPIN?"), ["+CPIN: READY", "OK"]);
    assert_eq!(run(&mut m, 1, "AT^RESET"), ["OK"]);
    assert_eq!(run(&mut m, 1, "AT+CPIN?"), ["+CPIN: SIM PIN", "OK"]);
    assert_eq!(m.take_urcs(1), ["^SYSSTART"]);
}

#[test]
fn cfun_off_deregisters() {
    let mut m = modem("e3372");
    run(&mut m, 1, "AT+CEREG=1");
    assert_eq!(run(&mut m, 1, "AT+CFUN=4"), ["OK"]);
    assert_eq!(m.take_urcs(1), ["+CEREG: 0"]);
    assert_eq!(run(&mut m, 1, "AT+CSQ"), ["+CSQ: 99,99", "OK"]);
    assert_eq!(run(&mut m, 1, "AT+CFUN=1"), ["OK"]);
    assert_eq!(m.take_urcs(1), ["+CEREG: 1"]);
}

#[test]
fn split_commands_forms() {
    let c = split_commands("+CGDCONT=1,\"IP\",\"a;b\";+CGDCONT?").expect("parses");
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].kind, Kind::Set("1,\"IP\",\"a;b\"".into()));
    assert_eq!(c[1].kind, Kind::Read);
    let c = split_commands("S0=0E0&D2").expect("parses");
    assert_eq!(
        c.iter().map(|c| c.raw.as_str()).collect::<Vec<_>>(),
        ["S0=0", "E0", "&D2"]
    );
    assert!(split_commands("!!").is_none());
    assert_eq!(args("1, \"IP\" ,\"a,b\""), ["1", "IP", "a,b"]);
}

/// Whatever a client sends, the model answers without panicking.
#[test]
fn no_panic_on_mangled_lines() {
    let alphabet: Vec<char> = "AT+^=?;,\"0123456789DdSs&EZI*#é\u{0}\r CMEPINOPSGDCXFHQ"
        .chars()
        .collect();
    let seeds = [
        "AT+CPIN=\"1234\",\"\"",
        "AT^SETPORT=\"\"",
        "ATD",
        "AT+CGDCONT=,,,",
        "AT^SYSCFGEX=\"0\"",
        "AT+COPS=1,2",
        "AT+CLCK=\"SC\",1",
        "ATS=",
        "AT&",
        "AT+CFUN=1,x",
        "ATé",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for name in crate::profile::profiles() {
        let mut m = modem(name);
        for s in seeds {
            for p in 0..m.ports.len() {
                let _ = m.handle(p, s);
                m.hang_up(p);
            }
        }
        for _ in 0..3000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 24) as usize;
            let mut line = String::from("AT");
            let mut x = state;
            for _ in 0..len {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                line.push(alphabet[(x >> 33) as usize % alphabet.len()]);
            }
            let port = (state >> 40) as usize % m.ports.len();
            let _ = m.handle(port, &line);
            m.hang_up(port);
        }
    }
}

#[test]
fn a_hung_firmware_neither_echoes_nor_answers_and_resumes_as_it_was() {
    let mut m = modem("e3372");
    assert_eq!(run(&mut m, 1, "ATE0"), ["OK"]);
    m.hung = true;
    assert!(!m.echo(0), "no echo while hung");
    assert!(run(&mut m, 1, "AT").is_empty());
    assert!(run(&mut m, 0, "AT+CGMM").is_empty());
    m.hung = false;
    assert!(m.echo(0) && !m.echo(1), "echo settings kept");
    assert_eq!(run(&mut m, 1, "AT"), ["OK"]);
}
