//! Exclusive opening of real ttys (PTYs stand in for ttyUSB ports).

use dongle_at::{OpenOptions, PortError, SerialPort, Transport};
use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::time::Duration;

fn pty() -> (OwnedFd, PathBuf) {
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC).unwrap();
    grantpt(&master).unwrap();
    unlockpt(&master).unwrap();
    let name = ptsname(&master, Vec::new()).unwrap();
    (master, PathBuf::from(name.to_str().unwrap()))
}

#[test]
fn port_held_by_another_program_is_busy_and_names_it() {
    let (_master, slave) = pty();
    let mut holder = std::process::Command::new("sleep")
        .arg("30")
        .stdin(std::fs::File::open(&slave).unwrap())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let lock_dir = tempfile::tempdir().unwrap();
    std::env::set_var("DONGLE_LOCK_DIR", lock_dir.path());
    let err = SerialPort::open(&slave, &OpenOptions::default()).unwrap_err();
    let _ = holder.kill();
    let _ = holder.wait();
    match &err {
        PortError::Busy { holders, .. } => {
            assert_eq!(holders[0].pid, holder.id());
            assert_eq!(holders[0].program, "sleep");
        }
        other => panic!("expected busy, got {other}"),
    }
    assert!(err.to_string().contains("sleep (pid"), "{err}");
}

#[test]
fn open_port_reads_and_writes_raw_bytes() {
    let (master, slave) = pty();
    let lock_dir = tempfile::tempdir().unwrap();
    std::env::set_var("DONGLE_LOCK_DIR", lock_dir.path());
    let port = SerialPort::open(&slave, &OpenOptions::default()).unwrap();
    port.write_all(b"AT\r").unwrap();
    let mut buf = [0u8; 16];
    let n = rustix::io::read(&master, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"AT\r", "raw mode: no CR translation");
    rustix::io::write(&master, b"\r\nOK\r\n").unwrap();
    let n = port.read(&mut buf, Duration::from_secs(1)).unwrap();
    assert_eq!(&buf[..n], b"\r\nOK\r\n");
    let timed_out = port.read(&mut buf, Duration::from_millis(50)).unwrap_err();
    assert_eq!(timed_out.kind(), std::io::ErrorKind::TimedOut);
    // The UUCP lock file exists while the port is open and goes with it.
    let locks: Vec<_> = std::fs::read_dir(lock_dir.path()).unwrap().collect();
    assert_eq!(locks.len(), 1);
    drop(port);
    assert_eq!(std::fs::read_dir(lock_dir.path()).unwrap().count(), 0);
}

#[test]
fn unplug_is_an_error_not_a_timeout() {
    let (master, slave) = pty();
    let lock_dir = tempfile::tempdir().unwrap();
    std::env::set_var("DONGLE_LOCK_DIR", lock_dir.path());
    let port = SerialPort::open(&slave, &OpenOptions::default()).unwrap();
    drop(master);
    let mut buf = [0u8; 16];
    match port.read(&mut buf, Duration::from_secs(1)) {
        Ok(0) => {}
        Err(e) => assert_ne!(e.kind(), std::io::ErrorKind::TimedOut),
        Ok(n) => panic!("read {n} bytes from a dead port"),
    }
}
