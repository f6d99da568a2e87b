//! `dongle up --via ncm --auth pap|chap|mschapv2|none`: the authentication
//! code at the end of `^NDISDUP=1,1,"apn","user","password",auth` (on the
//! virtual E3372; iproute2 is a stand-in that succeeds, no DHCP client).

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let ip = dir.path().join("fake-ip");
        std::fs::write(&ip, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&ip, std::fs::Permissions::from_mode(0o755)).unwrap();
        Env { dir }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("dongle"));
        c.env("DONGLE_LOCK_DIR", self.dir.path())
            .env("DONGLE_RUN_DIR", self.dir.path().join("run"))
            .env("DONGLE_IP", self.dir.path().join("fake-ip"))
            .env("DONGLE_DHCP", "none")
            .env("DONGLE_APN_MEMORY", self.dir.path().join("apn-memory.toml"))
            .env("PW", "s3cr3t")
            .env_remove("DONGLE_NDIS_AUTH")
            .env_remove("DONGLE_LOG")
            .args(args);
        c
    }

    /// `dongle -v up` until it is online, then `dongle down`; its stderr (the AT log).
    fn up_log(&self, extra: &[&str], env: &[(&str, &str)]) -> String {
        let mut args = vec![
            "--sim",
            "e3372",
            "-v",
            "up",
            "--via",
            "ncm",
            "--apn",
            "web.pt.lu",
            "--user",
            "guest",
            "--password-env",
            "PW",
        ];
        args.extend_from_slice(extra);
        let mut c = self.cmd(&args);
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let t = Instant::now();
        loop {
            let out = self.cmd(&["--json", "status"]).output().unwrap();
            let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
            if s[0]["state"] == "up" {
                break;
            }
            if let Ok(Some(st)) = child.try_wait() {
                let mut err = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                panic!("dongle up ended ({st}): {err}");
            }
            assert!(t.elapsed() < Duration::from_secs(20), "never up");
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(self.cmd(&["down"]).output().unwrap().status.success());
        let st = child.wait().unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert!(st.success(), "{err}");
        err
    }
}

const DUP: &str = "AT^NDISDUP=1,1,\"web.pt.lu\",\"guest\",\"<password>\",";

#[test]
fn auth_pap_is_code_1_and_the_password_stays_out_of_the_log() {
    let log = Env::new().up_log(&["--auth", "pap"], &[]);
    assert!(log.contains(&format!("{DUP}1\n")), "{log}");
    assert!(!log.contains("s3cr3t"), "password in the log: {log}");
}

#[test]
fn chap_is_the_default_and_the_flag_beats_the_environment() {
    let env = Env::new();
    let log = env.up_log(&[], &[]);
    assert!(log.contains(&format!("{DUP}2\n")), "default CHAP: {log}");
    let log = env.up_log(&["--auth", "mschapv2"], &[("DONGLE_NDIS_AUTH", "pap")]);
    assert!(log.contains(&format!("{DUP}3\n")), "--auth wins: {log}");
}

#[test]
fn an_unknown_auth_is_a_usage_error_naming_the_flag() {
    let out = Env::new()
        .cmd(&[
            "--sim", "e3372", "up", "--via", "ncm", "--auth", "kerberos", "--once",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--auth \"kerberos\"") && err.contains("pap"),
        "{err}"
    );
}
