//! A [`UsbOps`] that records every call and answers from a script: for tests of the execution
//! logic and of whole `dongle switch` runs without hardware.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use super::exec::{OpError, UsbOps};

/// The kind of a recorded call (to script answers per kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CallKind {
    /// [`UsbOps::detach_kernel_driver`].
    Detach,
    /// [`UsbOps::claim_interface`].
    Claim,
    /// [`UsbOps::release_interface`].
    Release,
    /// [`UsbOps::bulk_out`].
    BulkOut,
    /// [`UsbOps::bulk_in`].
    BulkIn,
    /// [`UsbOps::interrupt_out`].
    InterruptOut,
    /// [`UsbOps::interrupt_in`].
    InterruptIn,
    /// [`UsbOps::control_out`].
    ControlOut,
    /// [`UsbOps::control_in`].
    ControlIn,
    /// [`UsbOps::clear_halt`].
    ClearHalt,
    /// [`UsbOps::set_configuration`].
    SetConfiguration,
    /// [`UsbOps::set_alt_setting`].
    SetAltSetting,
    /// [`UsbOps::reset`].
    Reset,
    /// [`UsbOps::sleep`].
    Sleep,
    /// [`UsbOps::await_return`].
    AwaitReturn,
}

/// One recorded call with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// Detach interface N.
    Detach(u8),
    /// Claim interface N (detach flag).
    Claim(u8, bool),
    /// Release interface N.
    Release(u8),
    /// Bulk OUT endpoint, bytes, timeout ms.
    BulkOut(u8, Vec<u8>, u64),
    /// Bulk IN endpoint, length, timeout ms.
    BulkIn(u8, usize, u64),
    /// Interrupt OUT endpoint, bytes.
    InterruptOut(u8, Vec<u8>),
    /// Interrupt IN endpoint, length.
    InterruptIn(u8, usize),
    /// Control OUT (type, request, value, index, data, timeout ms).
    ControlOut(u8, u8, u16, u16, Vec<u8>, u64),
    /// Control IN (type, request, value, index, length, timeout ms).
    ControlIn(u8, u8, u16, u16, u16, u64),
    /// Clear halt on endpoint.
    ClearHalt(u8),
    /// Set configuration.
    SetConfiguration(u8),
    /// Set alt setting (interface, alt).
    SetAltSetting(u8, u8),
    /// Reset.
    Reset,
    /// Sleep ms.
    Sleep(u64),
    /// Await return (timeout ms).
    AwaitReturn(u64),
}

/// Records calls; by default every call succeeds, detaching finds a driver on each interface
/// listed in `bound`, and a bulk IN answers with a passing CSW for the last CBW sent.
#[derive(Debug, Default)]
pub struct Recorder {
    /// Every call, in order.
    pub calls: Vec<Call>,
    /// Interfaces that have a kernel driver bound (detach returns `Ok(true)` once for each).
    pub bound: Vec<u8>,
    script: BTreeMap<CallKind, VecDeque<Result<Vec<u8>, OpError>>>,
    last_tag: [u8; 4],
}

impl Recorder {
    /// A recorder where every call succeeds.
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// A recorder whose device has drivers bound to these interfaces.
    pub fn with_bound(bound: &[u8]) -> Recorder {
        Recorder {
            bound: bound.to_vec(),
            ..Recorder::default()
        }
    }

    /// The next call of `kind` fails with `err` (queued: call several times for several calls).
    pub fn fail_next(&mut self, kind: CallKind, err: OpError) -> &mut Recorder {
        self.script.entry(kind).or_default().push_back(Err(err));
        self
    }

    /// The next call of `kind` (an IN transfer) returns these bytes.
    pub fn answer_next(&mut self, kind: CallKind, bytes: Vec<u8>) -> &mut Recorder {
        self.script.entry(kind).or_default().push_back(Ok(bytes));
        self
    }

    /// Only the bulk OUT payloads, in order.
    pub fn bulk_out_payloads(&self) -> Vec<Vec<u8>> {
        self.calls
            .iter()
            .filter_map(|c| match c {
                Call::BulkOut(_, d, _) => Some(d.clone()),
                _ => None,
            })
            .collect()
    }

    fn scripted(&mut self, kind: CallKind) -> Option<Result<Vec<u8>, OpError>> {
        self.script.get_mut(&kind).and_then(VecDeque::pop_front)
    }

    fn unit(&mut self, kind: CallKind) -> Result<(), OpError> {
        match self.scripted(kind) {
            Some(Err(e)) => Err(e),
            _ => Ok(()),
        }
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl UsbOps for Recorder {
    fn detach_kernel_driver(&mut self, interface: u8) -> Result<bool, OpError> {
        self.calls.push(Call::Detach(interface));
        self.unit(CallKind::Detach)?;
        match self.bound.iter().position(|&n| n == interface) {
            Some(p) => {
                self.bound.remove(p);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn claim_interface(&mut self, interface: u8, detach: bool) -> Result<(), OpError> {
        self.calls.push(Call::Claim(interface, detach));
        self.unit(CallKind::Claim)?;
        if self.bound.contains(&interface) {
            if detach {
                self.bound.retain(|&n| n != interface);
            } else {
                return Err(OpError::Busy);
            }
        }
        Ok(())
    }

    fn release_interface(&mut self, interface: u8) -> Result<(), OpError> {
        self.calls.push(Call::Release(interface));
        self.unit(CallKind::Release)
    }

    fn bulk_out(&mut self, endpoint: u8, data: &[u8], timeout: Duration) -> Result<usize, OpError> {
        self.calls
            .push(Call::BulkOut(endpoint, data.to_vec(), ms(timeout)));
        self.unit(CallKind::BulkOut)?;
        if data.len() >= 8 && data.starts_with(b"USBC") {
            self.last_tag.copy_from_slice(&data[4..8]);
        }
        Ok(data.len())
    }

    fn bulk_in(&mut self, endpoint: u8, len: usize, timeout: Duration) -> Result<Vec<u8>, OpError> {
        self.calls.push(Call::BulkIn(endpoint, len, ms(timeout)));
        match self.scripted(CallKind::BulkIn) {
            Some(r) => r,
            None => {
                let mut csw = b"USBS".to_vec();
                csw.extend_from_slice(&self.last_tag);
                csw.extend_from_slice(&[0, 0, 0, 0, 0]);
                Ok(csw)
            }
        }
    }

    fn interrupt_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
        _timeout: Duration,
    ) -> Result<usize, OpError> {
        self.calls.push(Call::InterruptOut(endpoint, data.to_vec()));
        self.unit(CallKind::InterruptOut)?;
        Ok(data.len())
    }

    fn interrupt_in(
        &mut self,
        endpoint: u8,
        len: usize,
        _timeout: Duration,
    ) -> Result<Vec<u8>, OpError> {
        self.calls.push(Call::InterruptIn(endpoint, len));
        match self.scripted(CallKind::InterruptIn) {
            Some(r) => r,
            None => Ok(vec![0; len]),
        }
    }

    fn control_out(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        data: &[u8],
        timeout: Duration,
    ) -> Result<(), OpError> {
        self.calls.push(Call::ControlOut(
            request_type,
            request,
            value,
            index,
            data.to_vec(),
            ms(timeout),
        ));
        self.unit(CallKind::ControlOut)
    }

    fn control_in(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        length: u16,
        timeout: Duration,
    ) -> Result<Vec<u8>, OpError> {
        self.calls.push(Call::ControlIn(
            request_type,
            request,
            value,
            index,
            length,
            ms(timeout),
        ));
        match self.scripted(CallKind::ControlIn) {
            Some(r) => r,
            None => Ok(vec![0; usize::from(length)]),
        }
    }

    fn clear_halt(&mut self, endpoint: u8) -> Result<(), OpError> {
        self.calls.push(Call::ClearHalt(endpoint));
        self.unit(CallKind::ClearHalt)
    }

    fn set_configuration(&mut self, value: u8) -> Result<(), OpError> {
        self.calls.push(Call::SetConfiguration(value));
        self.unit(CallKind::SetConfiguration)
    }

    fn set_alt_setting(&mut self, interface: u8, alt: u8) -> Result<(), OpError> {
        self.calls.push(Call::SetAltSetting(interface, alt));
        self.unit(CallKind::SetAltSetting)
    }

    fn reset(&mut self) -> Result<(), OpError> {
        self.calls.push(Call::Reset);
        self.unit(CallKind::Reset)
    }

    fn sleep(&mut self, duration: Duration) {
        self.calls.push(Call::Sleep(ms(duration)));
    }

    fn await_return(&mut self, timeout: Duration) -> Result<(), OpError> {
        self.calls.push(Call::AwaitReturn(ms(timeout)));
        self.unit(CallKind::AwaitReturn)
    }
}
