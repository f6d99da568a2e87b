//! The one serial-port setting the kernel offers no safe wrapper for:
//! `closing_wait`. This is the only `unsafe` in the crate.
//!
//! A tty's close waits up to `closing_wait` (30 s by default for usb-serial,
//! `tty_port_init`) for unsent output to drain. A modem that stopped reading
//! (hung firmware, a dead data call) makes every close of its port, ours or
//! pppd's, hang that long, even for SIGKILLed processes. ModemManager sets it
//! to "none" for the same reason (reference/modemmanager.md §2.1).

use std::os::fd::{AsFd, AsRawFd};

/// `struct serial_struct` from `include/uapi/linux/serial.h`.
#[repr(C)]
#[derive(Default)]
struct SerialStruct {
    kind: libc::c_int,
    line: libc::c_int,
    port: libc::c_uint,
    irq: libc::c_int,
    flags: libc::c_int,
    xmit_fifo_size: libc::c_int,
    custom_divisor: libc::c_int,
    baud_base: libc::c_int,
    close_delay: libc::c_ushort,
    io_type: libc::c_char,
    reserved_char: [libc::c_char; 1],
    hub6: libc::c_int,
    closing_wait: libc::c_ushort,
    closing_wait2: libc::c_ushort,
    iomem_base: usize,
    iomem_reg_shift: libc::c_ushort,
    port_high: libc::c_uint,
    iomap_base: libc::c_ulong,
}

/// `ASYNC_CLOSING_WAIT_NONE` from `include/uapi/linux/serial.h`.
const CLOSING_WAIT_NONE: libc::c_ushort = 65535;

/// Make closing the port return at once. Best effort: PTYs and some drivers
/// do not support TIOCGSERIAL, and that is fine.
pub fn no_closing_wait(fd: impl AsFd) -> bool {
    let fd = fd.as_fd().as_raw_fd();
    let mut s = SerialStruct::default();
    // SAFETY: TIOCGSERIAL/TIOCSSERIAL read and write exactly one
    // `struct serial_struct`, which `SerialStruct` mirrors field for field;
    // `fd` is a valid open descriptor borrowed for the duration of the calls.
    unsafe {
        if libc::ioctl(fd, libc::TIOCGSERIAL as _, &mut s as *mut SerialStruct) != 0 {
            return false;
        }
        s.closing_wait = CLOSING_WAIT_NONE;
        libc::ioctl(fd, libc::TIOCSSERIAL as _, &s as *const SerialStruct) == 0
    }
}
