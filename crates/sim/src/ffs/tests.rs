//! Host-side tests of the FunctionFS transport: the bytes written to and read from `ep0` and the
//! endpoints, and the port loop driven through a USB-style link (DTR, DCD, peer), no kernel.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustix::fd::{AsFd, BorrowedFd, OwnedFd};

use super::bot::{self, Cbw, CdRom, SwitchMessage};
use super::desc::{self, EndpointSpec, InterfaceSpec, Layout};
use super::ep0::{self, EventKind, Reply, SerialRequest, Setup};
use super::storage::{storage_request, StorageRequest};
use crate::firmware::Modem;
use crate::profile::profile;
use crate::scenario::Scenario;
use crate::serve::{serve_port, DtrLine, Link, OpenTracker, PortRuntime, Shared};

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Walks a descriptor list: (bLength, bDescriptorType, bytes) per descriptor.
fn walk(mut b: &[u8], count: u32) -> (Vec<Vec<u8>>, &[u8]) {
    let mut out = Vec::new();
    for _ in 0..count {
        let n = usize::from(b[0]);
        out.push(b[..n].to_vec());
        b = &b[n..];
    }
    (out, b)
}

#[test]
fn e3372_descriptor_blob() {
    let p = profile("e3372").expect("e3372");
    let l = Layout::serial(&p);
    let b = l.descriptors();
    assert_eq!(le32(&b, 0), desc::DESCRIPTORS_MAGIC_V2);
    assert_eq!(le32(&b, 4) as usize, b.len());
    assert_eq!(le32(&b, 8), desc::HAS_FS_DESC | desc::HAS_HS_DESC);
    // 2 interfaces + 3 + 2 endpoints per speed.
    assert_eq!(le32(&b, 12), 7);
    assert_eq!(le32(&b, 16), 7);
    let (fs, rest) = walk(&b[20..], 7);
    let (hs, rest) = walk(rest, 7);
    assert!(rest.is_empty());
    assert_eq!(b.len(), 20 + 2 * (2 * 9 + 5 * 7));
    assert_eq!(fs[0], vec![9, 4, 0, 0, 3, 0xff, 0x02, 0x01, 0]);
    assert_eq!(fs[4], vec![9, 4, 1, 0, 2, 0xff, 0x02, 0x02, 0]);
    let eps = |d: &[Vec<u8>]| -> Vec<(u8, u8, u16)> {
        d.iter()
            .filter(|x| x[1] == 5)
            .map(|x| (x[2], x[3], u16::from_le_bytes([x[4], x[5]])))
            .collect()
    };
    assert_eq!(
        eps(&fs),
        vec![
            (0x82, 3, 10),
            (0x81, 2, 64),
            (0x01, 2, 64),
            (0x83, 2, 64),
            (0x02, 2, 64)
        ]
    );
    assert_eq!(
        eps(&hs),
        vec![
            (0x82, 3, 10),
            (0x81, 2, 512),
            (0x01, 2, 512),
            (0x83, 2, 512),
            (0x02, 2, 512)
        ]
    );
    assert!(fs.iter().chain(&hs).all(|d| d[0] as usize == d.len()));
    // Interrupt bInterval set, bulk 0.
    assert!(fs[1][6] > 0 && hs[1][6] > 0 && fs[2][6] == 0);
    // No strings: both counts 0.
    assert_eq!(
        l.strings(),
        vec![2, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    );
    let files: Vec<(String, u8)> = l
        .endpoint_files()
        .into_iter()
        .map(|f| (f.name, f.spec.address))
        .collect();
    assert_eq!(
        files,
        vec![
            ("ep1".to_string(), 0x82),
            ("ep2".to_string(), 0x81),
            ("ep3".to_string(), 0x01),
            ("ep4".to_string(), 0x83),
            ("ep5".to_string(), 0x02)
        ]
    );
}

#[test]
fn every_profile_has_unique_nonzero_endpoints() {
    for name in crate::profiles() {
        let l = Layout::serial(&profile(name).expect(name));
        let mut a: Vec<u8> = l.endpoint_files().iter().map(|f| f.spec.address).collect();
        assert!(a.iter().all(|x| x & 0x0f != 0), "{name}");
        let n = a.len();
        a.sort_unstable();
        a.dedup();
        assert_eq!(a.len(), n, "{name}");
        assert_eq!(
            l.interfaces.len(),
            profile(name).expect(name).serial_ports().len()
        );
    }
    let l = Layout::serial(&profile("e3531-serial").expect("e3531"));
    let classes: Vec<_> = l.interfaces.iter().map(|i| i.class).collect();
    assert_eq!(classes, vec![(0xff, 0xff, 0xff); 3]);
}

#[test]
fn colliding_endpoints_are_renumbered() {
    let mut p = profile("e620").expect("e620");
    for i in &mut p.interfaces {
        for e in &mut i.endpoints {
            e.address &= 0x80; // all number 0: invalid for FunctionFS
        }
    }
    let l = Layout::serial(&p);
    let a: Vec<u8> = l.endpoint_files().iter().map(|f| f.spec.address).collect();
    assert_eq!(a, vec![0x81, 0x82, 0x03, 0x84, 0x05, 0x86, 0x07]);
}

#[test]
fn storage_blob_and_strings() {
    let l = Layout::storage();
    let b = l.descriptors();
    assert_eq!(le32(&b, 8), 1 | 2 | desc::ALL_CTRL_RECIP);
    assert_eq!(le32(&b, 12), 3);
    assert_eq!(&b[20..29], &[9, 4, 0, 0, 2, 0x08, 0x06, 0x50, 0]);
    assert_eq!(&b[29..36], &[7, 5, 0x81, 2, 64, 0, 0]);
    assert_eq!(&b[36..43], &[7, 5, 0x01, 2, 64, 0, 0]);
    // A named interface gets string 1 and a US English table.
    let named = Layout {
        interfaces: vec![InterfaceSpec {
            class: (0xff, 0xff, 0xff),
            endpoints: vec![EndpointSpec {
                address: 0x81,
                transfer: desc::BULK,
                interrupt_packet: 0,
            }],
            name: Some("PCUI".into()),
            port: None,
        }],
        all_ctrl_recip: false,
    };
    assert_eq!(named.descriptors()[28], 1);
    let s = named.strings();
    assert_eq!(le32(&s, 0), desc::STRINGS_MAGIC);
    assert_eq!(le32(&s, 4) as usize, s.len());
    assert_eq!((le32(&s, 8), le32(&s, 12)), (1, 1));
    assert_eq!(&s[16..], b"\x09\x04PCUI\0");
}

fn event(setup: [u8; 8], kind: u8) -> Vec<u8> {
    let mut v = setup.to_vec();
    v.extend([kind, 0, 0, 0]);
    v
}

#[test]
fn ep0_events_parse() {
    let mut buf = event([0; 8], 0);
    buf.extend(event([0; 8], 2));
    buf.extend(event([0x21, 0x22, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00], 4));
    buf.extend([1, 2, 3]); // partial: ignored
    let ev = ep0::parse_events(&buf);
    let kinds: Vec<EventKind> = ev.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![EventKind::Bind, EventKind::Enable, EventKind::Setup]
    );
    let s = ev[2].setup;
    assert_eq!(
        s,
        Setup {
            request_type: 0x21,
            request: 0x22,
            value: 3,
            index: 1,
            length: 0
        }
    );
    assert_eq!(
        s.to_bytes(),
        [0x21, 0x22, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00]
    );
    assert!(!s.is_in());
    assert_eq!(s.kind(), ep0::RequestKind::Class);
    assert_eq!(s.recipient(), 1);
    let k: Vec<EventKind> = [1u8, 3, 5, 6, 9]
        .iter()
        .flat_map(|&t| ep0::parse_events(&event([0; 8], t)))
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        k,
        vec![
            EventKind::Unbind,
            EventKind::Disable,
            EventKind::Suspend,
            EventKind::Resume,
            EventKind::Unknown(9)
        ]
    );
}

#[test]
fn control_line_state_sets_dtr() {
    let up = Setup::parse(&[0x21, 0x22, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00]);
    assert_eq!(
        ep0::serial_request(&up),
        (
            SerialRequest::ControlLines {
                interface: 0,
                dtr: true,
                rts: true
            },
            Reply::Ack
        )
    );
    let down = Setup::parse(&[0x21, 0x22, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00]);
    assert_eq!(
        ep0::serial_request(&down).0,
        SerialRequest::ControlLines {
            interface: 1,
            dtr: false,
            rts: true
        }
    );
    let get = Setup::parse(&[0xa1, 0x21, 0, 0, 0, 0, 7, 0]);
    let (r, reply) = ep0::serial_request(&get);
    assert_eq!(r, SerialRequest::LineCoding);
    assert_eq!(
        reply.data_for(&get),
        Some(vec![0x00, 0xc2, 0x01, 0x00, 0, 0, 8])
    );
    let short = Setup { length: 2, ..get };
    assert_eq!(reply.data_for(&short), Some(vec![0x00, 0xc2]));
    let set = Setup::parse(&[0x21, 0x20, 0, 0, 0, 0, 7, 0]);
    assert_eq!(ep0::serial_request(&set).1, Reply::Ack);
    let vendor = Setup::parse(&[0x40, 0x01, 1, 0, 0, 0, 0, 0]);
    assert_eq!(
        ep0::serial_request(&vendor),
        (SerialRequest::Other, Reply::Stall)
    );
}

#[test]
fn serial_state_notification_bytes() {
    assert_eq!(
        ep0::serial_state(0, ep0::STATE_DCD | ep0::STATE_DSR),
        [0xa1, 0x20, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x03, 0x00]
    );
    assert_eq!(
        ep0::serial_state(2, ep0::STATE_DSR),
        [0xa1, 0x20, 0, 0, 2, 0, 2, 0, 0x02, 0]
    );
    assert_eq!(ep0::STATE_RING, 8);
}

#[test]
fn hex_round_trip() {
    let b = [0x55, 0x53, 0x42, 0x43, 0x00, 0xff];
    assert_eq!(ep0::hex(&b), "555342430 0ff".replace(' ', ""));
    assert_eq!(ep0::unhex("55 53 42 43 00 ff"), Some(b.to_vec()));
    assert_eq!(ep0::unhex("5"), None);
    assert_eq!(ep0::unhex("zz"), None);
}

fn cbw(hex: &str) -> Cbw {
    Cbw::parse(&ep0::unhex(hex).expect("hex")).expect("a CBW")
}

#[test]
fn switch_messages_of_usb_modeswitch() {
    // reference/usb_modeswitch.md §1.2, verbatim.
    let cases = [
        (
            "HuaweiNewMode",
            "55534243123456780000000000000011062000000101000100000000000000",
            SwitchMessage::Huawei,
        ),
        (
            "HuaweiAltMode",
            "55534243123456780000000000000011063000000000010000000000000000",
            SwitchMessage::Huawei,
        ),
        (
            "classic",
            "55534243123456780000000000000011062000000100000000000000000000",
            SwitchMessage::Huawei,
        ),
        (
            "14dc variant",
            "55534243123456780000000000000a11062000000000000100000000000000",
            SwitchMessage::Huawei,
        ),
        (
            "tag 0",
            "55534243000000000000000000000011060000000000000000000000000000",
            SwitchMessage::Huawei,
        ),
        (
            "E173s",
            "55534243000000000000000000000011060000000100000000000000000000",
            SwitchMessage::Huawei,
        ),
        (
            "alt + 01",
            "55534243123456780000000000000011063000000100010000000000000000",
            SwitchMessage::Huawei,
        ),
        (
            "REZERO (OptionMode)",
            "55534243123456780000000000000601000000000000000000000000000000",
            SwitchMessage::Rezero,
        ),
        (
            "REZERO dlen 6",
            "55534243123456780600000080000601000000000000000000000000000000",
            SwitchMessage::Rezero,
        ),
        (
            "StandardEject msg 2",
            "5553424397654321000000000000061b000000020000000000000000000000",
            SwitchMessage::Eject,
        ),
        (
            "U8220 LUN 1",
            "55534243123456780600000080010a11060000000000000000000000000000",
            SwitchMessage::Huawei,
        ),
    ];
    for (name, hex, want) in cases {
        let c = cbw(hex);
        assert_eq!(bot::switch_message(&c), Some(want), "{name}");
        assert_eq!(ep0::hex(&c.raw), hex, "{name}");
    }
    let new = cbw(cases[0].1);
    assert_eq!(new.tag, 0x7856_3412);
    assert_eq!((new.data_len, new.flags, new.lun, new.cb_len), (0, 0, 0, 0));
    assert_eq!(&new.cb[..9], &[0x11, 0x06, 0x20, 0, 0, 0x01, 0x01, 0, 0x01]);
    // StandardEject message 1 (ALLOW MEDIUM REMOVAL) is answered, not a switch.
    let allow = cbw("5553424387654321000000000000061e000000000000000000000000000000");
    assert_eq!(bot::switch_message(&allow), None);
    // START STOP UNIT start (no eject) is not a switch either.
    let start = cbw("5553424301000000000000000000061b000000010000000000000000000000");
    assert_eq!(bot::switch_message(&start), None);
    // INQUIRY from usb-storage (the reference daemon's log).
    let inq = cbw("55534243010000002400000080000612000000240000000000000000000000");
    assert_eq!(bot::switch_message(&inq), None);
}

#[test]
fn cbw_parsing_is_lenient_on_length_only() {
    let good =
        ep0::unhex("55534243123456780000000000000011062000000101000100000000000000").expect("hex");
    assert!(Cbw::parse(&good[..30]).is_none());
    let mut long = good.clone();
    long.push(0);
    assert!(Cbw::parse(&long).is_none());
    let mut bad = good.clone();
    bad[3] = b'S';
    assert!(Cbw::parse(&bad).is_none());
    let inq = cbw("55534243010000002400000080000612000000240000000000000000000000");
    assert_eq!((inq.tag, inq.data_len, inq.cb_len), (1, 36, 6));
    assert!(inq.data_in());
}

#[test]
fn csw_bytes() {
    assert_eq!(
        bot::csw(0x7856_3412, 8, bot::STATUS_FAILED),
        [0x55, 0x53, 0x42, 0x53, 0x12, 0x34, 0x56, 0x78, 8, 0, 0, 0, 1]
    );
}

fn cdb(b: &[u8]) -> [u8; 16] {
    let mut c = [0u8; 16];
    c[..b.len()].copy_from_slice(b);
    c
}

#[test]
fn cdrom_answers() {
    let mut cd = CdRom::new("HUAWEI", "Mass Storage", "2.31");
    let r = cd.command(&cdb(&[0x12, 0, 0, 0, 36, 0]));
    assert_eq!(r.status, bot::STATUS_PASSED);
    assert_eq!(r.data.len(), 36);
    assert_eq!(&r.data[..5], &[0x05, 0x80, 0x02, 0x02, 31]);
    assert_eq!(&r.data[8..], b"HUAWEI  Mass Storage    2.31");
    assert_eq!(cd.command(&cdb(&[0x12, 0, 0, 0, 5, 0])).data.len(), 5);
    // EVPD page 0 answered, other pages refused.
    assert_eq!(
        cd.command(&cdb(&[0x12, 1, 0, 0, 36, 0])).data,
        vec![5, 0, 0, 1, 0]
    );
    assert_eq!(cd.command(&cdb(&[0x12, 1, 0x80, 0, 36, 0])).status, 1);

    // TEST UNIT READY: no disc; the sense is reported once.
    let tur = cd.command(&cdb(&[0]));
    assert_eq!((tur.status, tur.data.len()), (bot::STATUS_FAILED, 0));
    let s = cd.command(&cdb(&[0x03, 0, 0, 0, 18, 0]));
    assert_eq!(s.status, 0);
    assert_eq!(s.data.len(), 18);
    assert_eq!((s.data[0], s.data[2], s.data[7]), (0x70, 0x02, 10));
    assert_eq!((s.data[12], s.data[13]), (0x3a, 0x00));
    let s = cd.command(&cdb(&[0x03, 0, 0, 0, 18, 0]));
    assert_eq!((s.data[2], s.data[12]), (0, 0));

    // Unknown opcode: ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE.
    assert_eq!(cd.command(&cdb(&[0xee])).status, 1);
    let s = cd.command(&cdb(&[0x03, 0, 0, 0, 252, 0]));
    assert_eq!((s.data[2], s.data[12]), (0x05, 0x20));

    assert_eq!(cd.command(&cdb(&[0x1e, 0, 0, 0, 1, 0])).status, 0);
    assert_eq!(cd.command(&cdb(&[0x25])).status, 1);
    let ms = cd.command(&cdb(&[0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 0xff, 0]));
    assert_eq!(ms.status, 0);
    assert_eq!(
        usize::from(u16::from_be_bytes([ms.data[0], ms.data[1]])),
        ms.data.len() - 2
    );
    assert_eq!(ms.data[8], 0x2a);
    let ms6 = cd.command(&cdb(&[0x1a, 0, 0x3f, 0, 0xff, 0]));
    assert_eq!(usize::from(ms6.data[0]), ms6.data.len() - 1);
    let gc = cd.command(&cdb(&[0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0]));
    assert_eq!(gc.data, vec![0, 0, 0, 4, 0, 0, 0, 0]);
    let gesn = cd.command(&cdb(&[0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0]));
    assert_eq!(gesn.data, vec![0, 6, 4, 0x10, 0, 0, 0, 0]);
    assert_eq!(
        cd.command(&cdb(&[0x4a, 0, 0, 0, 0x10, 0, 0, 0, 8, 0]))
            .status,
        1
    );
}

#[test]
fn bot_stages() {
    let mut cd = CdRom::new("HUAWEI", "Mass Storage", "2.31");
    let inq = cbw("55534243010000002400000080000612000000240000000000000000000000");
    let t = bot::transfer(&inq, &cd.command(&inq.cb));
    assert_eq!(t.data_in.as_ref().map(Vec::len), Some(36));
    assert_eq!(t.data_out, 0);
    assert_eq!(t.csw, bot::csw(1, 0, 0));
    // READ CAPACITY(10) without a disc: 8 bytes padded, residue 8, failed.
    let rc = cbw("55534243020000000800000080000a25000000000000000000000000000000");
    let t = bot::transfer(&rc, &cd.command(&rc.cb));
    assert_eq!(t.data_in, Some(vec![0; 8]));
    assert_eq!(t.csw, bot::csw(2, 8, 1));
    // Host asks more than the answer: padded with residue.
    let big = cbw("55534243030000006000000080000612000000600000000000000000000000");
    let t = bot::transfer(&big, &cd.command(&big.cb));
    assert_eq!(t.data_in.as_ref().map(Vec::len), Some(0x60));
    assert_eq!(t.csw, bot::csw(3, 0x60 - 36, 0));
    // Data-out the drive does not want: read and dropped.
    let out = cbw("5553424304000000000200000000062a000000000000000000000000000000");
    let t = bot::transfer(&out, &cd.command(&out.cb));
    assert_eq!((t.data_in, t.data_out), (None, 512));
    assert_eq!(t.csw, bot::csw(4, 512, 1));
    // No data stage.
    let tur = cbw("55534243050000000000000000000600000000000000000000000000000000");
    let t = bot::transfer(&tur, &cd.command(&tur.cb));
    assert_eq!((t.data_in, t.data_out, t.csw), (None, 0, bot::csw(5, 0, 1)));
}

#[test]
fn storage_control_requests() {
    let lun = Setup::parse(&[0xa1, 0xfe, 0, 0, 0, 0, 1, 0]);
    assert_eq!(
        storage_request(&lun),
        StorageRequest::Bot(Reply::Data(vec![0]))
    );
    let reset = Setup::parse(&[0x21, 0xff, 0, 0, 0, 0, 0, 0]);
    assert_eq!(storage_request(&reset), StorageRequest::Bot(Reply::Ack));
    // usb_modeswitch §1.3: SierraMode 40 0b 0001, PantechMode 40 70, QuantaMode c0 ff.
    for raw in [
        [0x40, 0x0b, 1, 0, 0, 0, 0, 0],
        [0x40, 0x70, 2, 0, 0, 0, 0, 0],
        [0xc0, 0xff, 0, 0, 0, 0, 0, 0],
        [0x40, 0x01, 1, 0, 0, 0, 0, 0],
    ] {
        assert_eq!(storage_request(&Setup::parse(&raw)), StorageRequest::Switch);
    }
    let std_req = Setup::parse(&[0x80, 0x06, 0, 1, 0, 0, 18, 0]);
    assert_eq!(storage_request(&std_req), StorageRequest::Other);
}

// ---------------------------------------------------------------- the port loop over a USB link

/// A link like the FunctionFS one, without endpoints: the test holds the other end of the
/// socket pair (the "host"), drives DTR and sees carrier changes.
struct TestLink {
    sock: OwnedFd,
    dtr: Arc<DtrLine>,
    carrier: Arc<Mutex<Vec<bool>>>,
}

impl Link for TestLink {
    fn fd(&self) -> BorrowedFd<'_> {
        self.sock.as_fd()
    }
    fn dtr_dropped(&self) -> bool {
        !self.dtr.level()
    }
    fn flush_unread(&self) {}
    fn carrier(&mut self, on: bool) {
        self.carrier.lock().expect("lock").push(on);
    }
}

struct Host {
    sock: UnixStream,
    dtr: Arc<DtrLine>,
    carrier: Arc<Mutex<Vec<bool>>>,
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Host {
    fn start(name: &str, port: usize) -> Host {
        let p = profile(name).expect("profile");
        let sc = Scenario::default();
        let function = p.serial_ports()[port].2;
        let shared = Arc::new(
            Shared::new(
                Modem::new(p.clone(), &sc),
                sc.clone(),
                p.serial_ports().len(),
            )
            .expect("shared"),
        );
        let (a, b) = UnixStream::pair().expect("pair");
        a.set_nonblocking(true).expect("nonblocking");
        b.set_read_timeout(Some(Duration::from_millis(50)))
            .expect("timeout");
        let dtr = DtrLine::new().expect("dtr");
        let carrier = Arc::new(Mutex::new(Vec::new()));
        let link = TestLink {
            sock: a.into(),
            dtr: Arc::clone(&dtr),
            carrier: Arc::clone(&carrier),
        };
        let rt = PortRuntime::new(port, function, &sc);
        let (s2, d2) = (Arc::clone(&shared), Arc::clone(&dtr));
        let thread = std::thread::spawn(move || serve_port(s2, link, OpenTracker::dtr(d2), rt));
        Host {
            sock: b,
            dtr,
            carrier,
            shared,
            thread: Some(thread),
        }
    }

    fn read_until(&mut self, want: &str, limit: Duration) -> String {
        let end = Instant::now() + limit;
        let mut got = Vec::new();
        while Instant::now() < end && !String::from_utf8_lossy(&got).contains(want) {
            let mut b = [0u8; 1024];
            if let Ok(n) = self.sock.read(&mut b) {
                got.extend_from_slice(&b[..n]);
            }
        }
        String::from_utf8_lossy(&got).into_owned()
    }

    fn wait_carrier(&self, want: &[bool]) -> Vec<bool> {
        let end = Instant::now() + Duration::from_secs(2);
        loop {
            let c = self.carrier.lock().expect("lock").clone();
            if c == want || Instant::now() > end {
                return c;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        self.shared.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[test]
fn usb_port_answers_at_and_dtr_drop_hangs_up() {
    let mut h = Host::start("e3372", 0);
    h.dtr.set(true);
    h.sock.write_all(b"AT\r").expect("write");
    assert_eq!(
        h.read_until("OK\r\n", Duration::from_secs(2)),
        "AT\r\r\nOK\r\n"
    );
    h.sock.write_all(b"ATD*99#\r").expect("write");
    let got = h.read_until("CONNECT", Duration::from_secs(2));
    assert!(got.contains("CONNECT 150000000"), "{got:?}");
    assert_eq!(h.wait_carrier(&[true]), vec![true]);
    assert!(h.shared.modem().in_data_mode(0));
    // pppd's hang-up: DTR drop (TIOCMBIC → SET_CONTROL_LINE_STATE wValue 0).
    h.dtr.set(false);
    assert_eq!(h.wait_carrier(&[true, false]), vec![true, false]);
    assert!(!h.shared.modem().in_data_mode(0));
    // Reopened: commands again.
    h.dtr.set(true);
    h.sock.write_all(b"AT\r").expect("write");
    assert!(h
        .read_until("OK\r\n", Duration::from_secs(2))
        .ends_with("OK\r\n"));
}

#[test]
fn usb_port_escape_drops_carrier() {
    let mut h = Host::start("e3372", 0);
    h.dtr.set(true);
    h.sock.write_all(b"ATE0\rATD*99#\r").expect("write");
    let got = h.read_until("CONNECT", Duration::from_secs(2));
    assert!(got.contains("CONNECT"), "{got:?}");
    h.sock.write_all(b"+++").expect("write");
    let got = h.read_until("OK", Duration::from_secs(2));
    assert!(got.contains("OK"), "{got:?}");
    assert_eq!(h.wait_carrier(&[true, false]), vec![true, false]);
}
