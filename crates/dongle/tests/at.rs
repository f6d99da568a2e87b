//! `dongle at` end to end on the virtual modem.

mod common;
use common::*;

#[test]
fn one_shot_commands_print_the_modem_answer() {
    let out = sim_run("e3372", None, &["at", "AT+CGMI", "AT+CSQ"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.to_lowercase().contains("huawei"), "{text}");
    assert!(text.contains("+CSQ:"), "{text}");
    assert!(text.lines().filter(|l| *l == "OK").count() == 2, "{text}");
}

#[test]
fn rejected_command_exits_6_with_the_modem_result() {
    let out = sim_run(
        "e3372",
        Some("[errors]\n\"AT+CIMI\" = \"+CME ERROR: 10\"\n"),
        &["at", "AT+CIMI"],
    );
    assert_eq!(out.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&out.stdout).contains("SIM not inserted"));
}

#[test]
fn json_transcript() {
    let v = sim_json("e3372", None, &["at", "AT+CGMM"]);
    assert_eq!(v[0]["command"], "AT+CGMM");
    assert_eq!(v[0]["ok"], true);
    assert_eq!(v[0]["result"], "OK");
    assert!(v[0]["lines"][0].is_string());
}

#[test]
fn injection_attempt_is_refused() {
    let out = sim_run(
        "e3372",
        None,
        &["at", "AT+CGDCONT=1,\"IP\",\"x\"\rAT+CFUN=0"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("control characters"));
}

#[test]
fn interactive_reads_commands_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let out = dongle(dir.path())
        .args(["--sim", "e3372", "at"])
        .write_stdin("AT+CGMI\nATI\nexit\n")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.to_lowercase().contains("huawei") && text.contains("OK"),
        "{text}"
    );
}

#[test]
fn explicit_port_by_name() {
    let out = sim_run("e3531-serial", None, &["at", "--port", "ttyUSB2", "AT"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn silent_port_times_out_with_the_port_named() {
    let out = sim_run(
        "e3531-serial",
        None,
        &["at", "--port", "ttyUSB1", "--timeout", "300", "AT"],
    );
    assert_eq!(out.status.code(), Some(6));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ttyUSB1") && err.contains("no answer"),
        "{err}"
    );
}

#[test]
fn junk_answering_port_is_named_as_not_at() {
    let out = sim_run(
        "e3531-serial",
        Some("[ports.ttyUSB1]\ngarbage = true\n"),
        &["at", "--port", "ttyUSB1", "--timeout", "300", "AT"],
    );
    assert_eq!(out.status.code(), Some(6));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ttyUSB1") && err.contains("binary data, not AT"),
        "{err}"
    );
}

#[test]
fn interactive_sms_sends_the_pdu_after_the_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let out = dongle(dir.path())
        .args(["--sim", "e3372", "at"])
        .write_stdin(
            "AT+CMGF=0\nAT+CMGS=23\n0011000B916121021021F70000AA0AE8329BFD4697D9EC37\nAT+CMGS=5\nhello\tworld\nAT\nexit\n",
        )
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("+CMGS: "), "{text}");
    // Text with a control character (a tab here; Ctrl-Z or ESC would end the message early) is
    // refused before anything is sent, and the modem still answers the next command.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("PDU in hex"), "{err}");
    assert_eq!(text.lines().filter(|l| *l == "OK").count(), 3, "{text}");
}
