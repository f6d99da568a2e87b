//! The byte stream an [`AtSession`](crate::session::AtSession) talks over.
//!
//! A serial port ([`crate::tty::SerialPort`]), a Unix socket in tests, a
//! cdc-wdm device: anything that can read with a timeout and write.

use std::io;
use std::os::unix::net::UnixStream;
use std::time::Duration;

/// A bidirectional byte stream usable from two threads at once (one reader,
/// one writer).
pub trait Transport: Send + Sync + 'static {
    /// Read what is available, waiting at most `timeout`.
    ///
    /// `Err(TimedOut)` when nothing arrived, `Ok(0)` or another error when the
    /// other end is gone (an unplugged stick reads as EIO or hang-up).
    fn read(&self, buf: &mut [u8], timeout: Duration) -> io::Result<usize>;

    /// Write all of `data`.
    fn write_all(&self, data: &[u8]) -> io::Result<()>;

    /// A name for messages: the port path.
    fn name(&self) -> String;

    /// Make a `read` blocked in another thread return now (with `TimedOut`),
    /// so a session can shut down without waiting out the read slice.
    fn wake(&self) {}
}

/// A Unix stream socket as a transport: the test double for a modem port.
impl Transport for UnixStream {
    fn read(&self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        self.set_read_timeout(Some(timeout.max(Duration::from_millis(1))))?;
        match std::io::Read::read(&mut &*self, buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                Err(io::Error::from(io::ErrorKind::TimedOut))
            }
            r => r,
        }
    }

    fn write_all(&self, data: &[u8]) -> io::Result<()> {
        std::io::Write::write_all(&mut &*self, data)
    }

    fn name(&self) -> String {
        "unix socket".into()
    }

    fn wake(&self) {
        let _ = self.set_read_timeout(Some(Duration::from_millis(1)));
    }
}
