//! The storage personality: a ZeroCD CD-ROM on Bulk-Only Transport that waits for the
//! mode-switch message.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use rustix::fd::OwnedFd;
use rustix::io::Errno;

use super::bot::{self, Cbw, CdRom};
use super::desc::Layout;
use super::ep0::{self, EventKind, Reply, RequestKind};
use super::{answer_setup, start_function, write_ep, FfsError, Log};

/// What [`run_storage`] serves.
#[derive(Clone, Debug)]
pub struct StorageOptions {
    /// The FunctionFS mount (holds `ep0`).
    pub ffs: PathBuf,
    pub log: Log,
    /// INQUIRY identification, e.g. "HUAWEI", "Mass Storage", "2.31".
    pub vendor: String,
    pub product: String,
    pub revision: String,
    /// Send the CSW of a bulk switch message before exiting. Real sticks often reboot before
    /// it (the kernel's old Huawei initialiser said: "it is unnecessary to read its response").
    pub csw_on_switch: bool,
}

/// Bulk-Only Mass Storage Reset and Get Max LUN (BOT §3.1, §3.2).
const BOT_RESET: u8 = 0xff;
const GET_MAX_LUN: u8 = 0xfe;

/// Serves until a switch message arrives; returns [`super::EXIT_SWITCH_BULK`] or
/// [`super::EXIT_SWITCH_CONTROL`], or 1 when `ep0` fails.
pub fn run_storage(opts: StorageOptions) -> Result<i32, FfsError> {
    let layout = Layout::storage();
    let ep0 = start_function(&opts.ffs, &layout)?;
    let files = layout.endpoint_files();
    // Layout::storage: ep1 = bulk IN, ep2 = bulk OUT.
    let ep_in = super::open_ffs_file(&opts.ffs, &files[0].name)?;
    let ep_out = super::open_ffs_file(&opts.ffs, &files[1].name)?;
    let log = opts.log.clone();
    log.line(&format!(
        "READY storage CD-ROM \"{}\" \"{}\" \"{}\" on {}",
        opts.vendor,
        opts.product,
        opts.revision,
        opts.ffs.display()
    ));
    let (tx, rx) = mpsc::channel::<i32>();
    let spawn_err = |source| FfsError::Io {
        what: "spawning a thread".into(),
        source,
    };
    {
        let (log, tx) = (log.clone(), tx.clone());
        std::thread::Builder::new()
            .name("ffs-ep0".into())
            .spawn(move || {
                let code = storage_ep0(&ep0, &log);
                let _ = tx.send(code);
                std::thread::park();
            })
            .map_err(spawn_err)?;
    }
    {
        let cd = CdRom::new(&opts.vendor, &opts.product, &opts.revision);
        let csw_on_switch = opts.csw_on_switch;
        std::thread::Builder::new()
            .name("ffs-bot".into())
            .spawn(move || {
                let code = bot_loop(&ep_in, &ep_out, cd, &log, csw_on_switch);
                let _ = tx.send(code);
                std::thread::park();
            })
            .map_err(spawn_err)?;
    }
    Ok(rx.recv().unwrap_or(1))
}

/// What a control request to the storage function means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum StorageRequest {
    /// A BOT class request, answered.
    Bot(Reply),
    /// A vendor request: a control-transfer mode switch (SierraMode, PantechMode, …).
    Switch,
    /// Anything else: stalled.
    Other,
}

pub(crate) fn storage_request(s: &ep0::Setup) -> StorageRequest {
    match (s.kind(), s.request_type, s.request) {
        (RequestKind::Class, 0xa1, GET_MAX_LUN) => StorageRequest::Bot(Reply::Data(vec![0])),
        (RequestKind::Class, 0x21, BOT_RESET) => StorageRequest::Bot(Reply::Ack),
        (RequestKind::Vendor, _, _) => StorageRequest::Switch,
        _ => StorageRequest::Other,
    }
}

fn storage_ep0(ep0: &OwnedFd, log: &Log) -> i32 {
    let mut buf = [0u8; ep0::EVENT_SIZE * 4];
    loop {
        let n = match rustix::io::read(ep0, &mut buf) {
            Ok(n) => n,
            Err(Errno::INTR | Errno::AGAIN | Errno::IDRM) => continue,
            Err(e) => {
                log.line(&format!("EP0 read failed: {e}; stopping"));
                return 1;
            }
        };
        for ev in ep0::parse_events(&buf[..n]) {
            if ev.kind != EventKind::Setup {
                log.line(&format!("EVENT {:?}", ev.kind));
                continue;
            }
            let s = ev.setup;
            let raw = s.to_bytes();
            log.line(&format!("SETUP {}", ep0::hex(&raw)));
            match storage_request(&s) {
                StorageRequest::Bot(reply) => {
                    if let Err(e) = answer_setup(ep0, &s, &reply) {
                        log.line(&format!("SETUP answer failed: {e}"));
                    }
                }
                StorageRequest::Switch => {
                    // Take the data stage (or send zeros for an IN request), then go.
                    let reply = if s.is_in() {
                        Reply::Data(vec![0; usize::from(s.length)])
                    } else {
                        Reply::Ack
                    };
                    let data = answer_setup(ep0, &s, &reply).unwrap_or_default();
                    let mut all = raw.to_vec();
                    all.extend(data);
                    log.line(&format!("SWITCH {}", ep0::hex(&all)));
                    return super::EXIT_SWITCH_CONTROL;
                }
                StorageRequest::Other => {
                    let _ = answer_setup(ep0, &s, &Reply::Stall);
                }
            }
        }
    }
}

fn bot_loop(
    ep_in: &OwnedFd,
    ep_out: &OwnedFd,
    mut cd: CdRom,
    log: &Log,
    csw_on_switch: bool,
) -> i32 {
    let mut buf = vec![0u8; 512];
    let mut last_err = None;
    loop {
        let n = match rustix::io::read(ep_out, &mut buf) {
            Ok(n) => n,
            Err(Errno::INTR) => continue,
            Err(e) => {
                if last_err != Some(e) {
                    log.line(&format!("bulk OUT: {e}"));
                    last_err = Some(e);
                }
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        last_err = None;
        let Some(cbw) = Cbw::parse(&buf[..n]) else {
            log.line(&format!("NOT-A-CBW {}", ep0::hex(&buf[..n])));
            continue;
        };
        log.line(&format!("CBW {}", ep0::hex(&cbw.raw)));
        if let Some(kind) = bot::switch_message(&cbw) {
            log.line(&format!("SWITCH {} ({kind:?})", ep0::hex(&cbw.raw)));
            if csw_on_switch {
                let _ = write_ep(ep_in, &bot::csw(cbw.tag, 0, bot::STATUS_PASSED));
            }
            return super::EXIT_SWITCH_BULK;
        }
        let reply = cd.command(&cbw.cb);
        let t = bot::transfer(&cbw, &reply);
        if let Some(d) = &t.data_in {
            if let Err(e) = write_ep(ep_in, d) {
                log.line(&format!("bulk IN data: {e}"));
                continue;
            }
        }
        let mut left = t.data_out as usize;
        while left > 0 {
            match rustix::io::read(ep_out, &mut buf) {
                Ok(0) => break,
                Ok(n) => left = left.saturating_sub(n),
                Err(Errno::INTR) => {}
                Err(_) => break,
            }
        }
        if let Err(e) = write_ep(ep_in, &t.csw) {
            log.line(&format!("bulk IN CSW: {e}"));
        }
    }
}
