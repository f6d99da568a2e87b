//! `dongle-at`: the AT protocol spoken by cellular modems, over any byte stream.
//!
//! The crate knows nothing about USB or sysfs. It turns bytes into lines, tells
//! echo, responses, final result codes and unsolicited result codes (URCs) apart
//! ([`framing`]), runs one command at a time with a timeout over a [`transport`]
//! ([`session`]), and turns response text into typed values ([`parse`]).
//!
//! References: 3GPP TS 27.007 (AT command set for UE), TS 27.005 (SMS),
//! ITU-T V.250 (basic syntax and result codes), Huawei's AT command interface
//! specifications for the `^` extensions.

pub mod error;
pub mod framing;
pub mod parse;
pub mod pdu;
pub mod result;
mod serial_ioctl;
pub mod session;
pub mod transport;
pub mod tty;
pub mod urc;

pub use error::AtError;
pub use framing::{Decoder, Event};
pub use result::{ErrorCode, FinalResult};
pub use session::{AtSession, CancelToken, Response, Timeouts};
pub use transport::Transport;
pub use tty::{Holder, OpenOptions, PortError, SerialPort};
pub use urc::Urc;
pub mod info;
pub mod layout;
pub mod probe;
