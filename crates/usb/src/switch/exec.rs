//! Running a [`Plan`] over a [`UsbOps`] implementation, with usb_modeswitch's error semantics:
//! the device vanishing after the switch message (no device, or any read error on the CSW) is
//! success, because that is the stick re-enumerating.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use super::{hex, OnError, Plan, Step, CSW_LEN, CSW_SIGNATURE};

/// Why one USB operation failed, reduced to what the switch logic needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpError {
    /// The device is gone (ENODEV/ESHUTDOWN, "no device", disconnected).
    NoDevice,
    /// The endpoint (or ep0) stalled.
    Stall,
    /// No answer in time.
    Timeout,
    /// Permission denied.
    Permission,
    /// The interface is held by someone else (a kernel driver that could not be detached, or
    /// another program).
    Busy,
    /// The endpoint or interface does not exist.
    NotFound(String),
    /// Anything else, with the system's words.
    Other(String),
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpError::NoDevice => f.write_str("the device is gone"),
            OpError::Stall => f.write_str("the endpoint stalled"),
            OpError::Timeout => f.write_str("timed out"),
            OpError::Permission => f.write_str("permission denied"),
            OpError::Busy => {
                f.write_str("the interface is busy (claimed by another driver or program)")
            }
            OpError::NotFound(s) => write!(f, "not found: {s}"),
            OpError::Other(s) => f.write_str(s),
        }
    }
}

/// The device-level operations a plan needs. [`super::NusbDevice`] does them over usbfs,
/// [`super::Recorder`] records them for tests.
pub trait UsbOps {
    /// Detach the kernel driver of one interface. `Ok(false)` when none was bound.
    fn detach_kernel_driver(&mut self, interface: u8) -> Result<bool, OpError>;
    /// Claim an interface; with `detach`, disconnect a kernel driver in the same step.
    fn claim_interface(&mut self, interface: u8, detach: bool) -> Result<(), OpError>;
    /// Release a claimed interface.
    fn release_interface(&mut self, interface: u8) -> Result<(), OpError>;
    /// Bulk OUT; returns the bytes sent.
    fn bulk_out(&mut self, endpoint: u8, data: &[u8], timeout: Duration) -> Result<usize, OpError>;
    /// Bulk IN of up to `len` bytes.
    fn bulk_in(&mut self, endpoint: u8, len: usize, timeout: Duration) -> Result<Vec<u8>, OpError>;
    /// Interrupt OUT.
    fn interrupt_out(
        &mut self,
        endpoint: u8,
        data: &[u8],
        timeout: Duration,
    ) -> Result<usize, OpError>;
    /// Interrupt IN of up to `len` bytes.
    fn interrupt_in(
        &mut self,
        endpoint: u8,
        len: usize,
        timeout: Duration,
    ) -> Result<Vec<u8>, OpError>;
    /// Control OUT on ep0.
    fn control_out(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        data: &[u8],
        timeout: Duration,
    ) -> Result<(), OpError>;
    /// Control IN on ep0.
    #[allow(clippy::too_many_arguments)]
    fn control_in(
        &mut self,
        request_type: u8,
        request: u8,
        value: u16,
        index: u16,
        length: u16,
        timeout: Duration,
    ) -> Result<Vec<u8>, OpError>;
    /// CLEAR_FEATURE(ENDPOINT_HALT).
    fn clear_halt(&mut self, endpoint: u8) -> Result<(), OpError>;
    /// SET_CONFIGURATION.
    fn set_configuration(&mut self, value: u8) -> Result<(), OpError>;
    /// SET_INTERFACE.
    fn set_alt_setting(&mut self, interface: u8, alt: u8) -> Result<(), OpError>;
    /// USBDEVFS_RESET.
    fn reset(&mut self) -> Result<(), OpError>;
    /// Sleep (the recorder only notes it).
    fn sleep(&mut self, duration: Duration);
    /// Wait for the device to leave and return with the same IDs, and reopen it.
    fn await_return(&mut self, timeout: Duration) -> Result<(), OpError>;
}

/// A decoded Command Status Wrapper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CswInfo {
    /// dCSWTag (echo of the CBW's tag).
    pub tag: u32,
    /// dCSWDataResidue.
    pub residue: u32,
    /// bCSWStatus: 0 pass, 1 fail, 2 phase error.
    pub status: u8,
}

impl CswInfo {
    /// Decodes 13 bytes starting with "USBS".
    pub fn parse(b: &[u8]) -> Option<CswInfo> {
        if b.len() < CSW_LEN || b[..4] != CSW_SIGNATURE {
            return None;
        }
        let le = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        Some(CswInfo {
            tag: le(4),
            residue: le(8),
            status: b[12],
        })
    }
}

/// What happened at one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepResult {
    /// 0-based index into the plan's steps.
    pub step: usize,
    /// What it did, for people ("ok", "31 bytes sent", "CSW status 0 (pass)", …).
    pub result: String,
    /// True when the step failed but the switch went on (harmless or tolerated failures).
    pub tolerated_error: bool,
}

/// How a plan ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Outcome {
    /// Every step ran.
    Completed,
    /// The device dropped off the bus (or stopped answering) after the switch message: it is
    /// re-enumerating. usb_modeswitch: "Device seems to have vanished right after sending.
    /// Good." The remaining steps were skipped.
    Vanished {
        /// The step at which it went.
        step: usize,
        /// What was seen.
        detail: String,
    },
}

/// The record of one execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// One entry per step that ran.
    pub steps: Vec<StepResult>,
    /// How it ended.
    pub outcome: Outcome,
}

/// A switch that failed. Nothing after the failing step was sent.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
#[error("step {} ({what}) failed: {error}", step + 1)]
pub struct SwitchError {
    /// 0-based step index.
    pub step: usize,
    /// The step, as printed.
    pub what: String,
    /// Why.
    pub error: OpError,
    /// What ran before it.
    pub done: Vec<StepResult>,
}

fn ms(v: u32) -> Duration {
    Duration::from_millis(u64::from(v))
}

/// Runs `plan` on `dev`. Returns the report on success (including the device vanishing after
/// the switch message); a [`SwitchError`] names the step that failed.
pub fn execute(plan: &Plan, dev: &mut dyn UsbOps) -> Result<Report, SwitchError> {
    let mut done: Vec<StepResult> = Vec::new();
    // Once a message went out, the device dropping off the bus is the switch working.
    let mut sent = false;
    for (i, step) in plan.steps.iter().enumerate() {
        let fail = |error: OpError, done: Vec<StepResult>| SwitchError {
            step: i,
            what: step.to_string(),
            error,
            done,
        };
        let ok = |done: &mut Vec<StepResult>, result: String| {
            done.push(StepResult {
                step: i,
                result,
                tolerated_error: false,
            })
        };
        let tolerated = |done: &mut Vec<StepResult>, result: String| {
            log::debug!("step {}: {result}", i + 1);
            done.push(StepResult {
                step: i,
                result,
                tolerated_error: true,
            })
        };
        let vanished = |done: Vec<StepResult>, detail: String| Report {
            steps: done,
            outcome: Outcome::Vanished { step: i, detail },
        };
        log::debug!("switch step {}: {step}", i + 1);
        match step {
            Step::DetachKernelDrivers { interfaces } => {
                let mut detached = Vec::new();
                for &n in interfaces {
                    match dev.detach_kernel_driver(n) {
                        Ok(true) => detached.push(n.to_string()),
                        Ok(false) => {}
                        Err(OpError::NoDevice) if sent => {
                            return Ok(vanished(done, "gone before detaching".into()))
                        }
                        Err(e @ (OpError::NoDevice | OpError::Permission)) => {
                            return Err(fail(e, done))
                        }
                        // usb_modeswitch: "Driver detach failed … Try to continue".
                        Err(e) => log::warn!("detaching the driver of interface {n}: {e}"),
                    }
                }
                ok(
                    &mut done,
                    if detached.is_empty() {
                        "no driver was bound".into()
                    } else {
                        format!("detached interface {}", detached.join(", "))
                    },
                );
            }
            Step::ClaimInterface { interface, detach } => {
                match dev.claim_interface(*interface, *detach) {
                    Ok(()) => ok(&mut done, "claimed".into()),
                    Err(OpError::NoDevice) if sent => {
                        return Ok(vanished(done, "gone before the claim".into()))
                    }
                    Err(e) => return Err(fail(e, done)),
                }
            }
            Step::BulkOut {
                endpoint,
                data,
                timeout_ms,
            } => match dev.bulk_out(*endpoint, data, ms(*timeout_ms)) {
                Ok(n) => {
                    sent = true;
                    ok(&mut done, format!("{n} bytes sent"));
                }
                Err(OpError::NoDevice) => {
                    // "Device seems to have vanished right after sending. Good."
                    return Ok(vanished(
                        done,
                        "the device vanished right after sending".into(),
                    ));
                }
                Err(e @ (OpError::NotFound(_) | OpError::Permission)) => return Err(fail(e, done)),
                Err(e) => {
                    // usb_modeswitch: "Sending the message returned error … Try to continue".
                    sent = true;
                    tolerated(&mut done, format!("sending returned: {e}; continuing"));
                }
            },
            Step::ReadCsw {
                endpoint,
                timeout_ms,
                attempts,
            } => {
                let mut last = String::new();
                let mut stalled = false;
                for attempt in 1..=(*attempts).max(1) {
                    match dev.bulk_in(*endpoint, CSW_LEN, ms(*timeout_ms)) {
                        Ok(b) => match CswInfo::parse(&b) {
                            Some(c) => {
                                last = format!(
                                    "CSW tag {:08x} residue {} status {} ({})",
                                    c.tag,
                                    c.residue,
                                    c.status,
                                    match c.status {
                                        0 => "pass",
                                        1 => "fail",
                                        2 => "phase error",
                                        _ => "unknown",
                                    }
                                );
                                break;
                            }
                            None => {
                                last = format!("{} bytes that are not a CSW: {}", b.len(), hex(&b))
                            }
                        },
                        Err(OpError::Stall) => {
                            // usb_modeswitch goes on after a stalled CSW read.
                            stalled = true;
                            last = "the CSW read stalled".into();
                            break;
                        }
                        Err(e) => {
                            // Any other error on the CSW is the device going away:
                            // skip the rest (usb_modeswitch: "Device is gone, skip any
                            // further commands").
                            return Ok(vanished(
                                done,
                                format!(
                                    "no CSW (attempt {attempt}): {e}; the device is re-enumerating"
                                ),
                            ));
                        }
                    }
                }
                if stalled {
                    tolerated(&mut done, last);
                } else {
                    ok(&mut done, last);
                }
            }
            Step::InterruptOut {
                endpoint,
                data,
                timeout_ms,
            } => match dev.interrupt_out(*endpoint, data, ms(*timeout_ms)) {
                Ok(n) => {
                    sent = true;
                    ok(&mut done, format!("{n} bytes sent"));
                }
                Err(OpError::NoDevice) => {
                    return Ok(vanished(
                        done,
                        "the device vanished after an interrupt transfer".into(),
                    ))
                }
                Err(e) => tolerated(&mut done, format!("interrupt OUT: {e}")),
            },
            Step::InterruptIn {
                endpoint,
                length,
                timeout_ms,
                repeat,
            } => {
                let mut errors = 0;
                for _ in 0..*repeat {
                    match dev.interrupt_in(*endpoint, usize::from(*length), ms(*timeout_ms)) {
                        Ok(_) => {}
                        Err(OpError::NoDevice) if sent => {
                            return Ok(vanished(
                                done,
                                "the device vanished during the exchange".into(),
                            ))
                        }
                        Err(_) => errors += 1,
                    }
                }
                if errors == 0 {
                    ok(&mut done, format!("{repeat} reads"));
                } else {
                    tolerated(&mut done, format!("{errors} of {repeat} reads failed"));
                }
            }
            Step::ControlOut {
                request_type,
                request,
                value,
                index,
                data,
                timeout_ms,
                on_error,
            } => {
                let r = dev.control_out(
                    *request_type,
                    *request,
                    *value,
                    *index,
                    data,
                    ms(*timeout_ms),
                );
                match r {
                    Ok(()) => {
                        sent = true;
                        ok(&mut done, "sent".into());
                    }
                    Err(e) => {
                        if let Some(report) = control_failure(i, e, *on_error, &mut done, &mut sent)
                            .map_err(|e| fail(e, done.clone()))?
                        {
                            return Ok(report);
                        }
                    }
                }
            }
            Step::ControlIn {
                request_type,
                request,
                value,
                index,
                length,
                timeout_ms,
                on_error,
                exact,
            } => {
                let r = dev.control_in(
                    *request_type,
                    *request,
                    *value,
                    *index,
                    *length,
                    ms(*timeout_ms),
                );
                match r {
                    Ok(b) if *exact && b.len() != usize::from(*length) => {
                        let e = OpError::Other(format!(
                            "returned {} bytes, expected {length}",
                            b.len()
                        ));
                        if let Some(report) = control_failure(i, e, *on_error, &mut done, &mut sent)
                            .map_err(|e| fail(e, done.clone()))?
                        {
                            return Ok(report);
                        }
                    }
                    Ok(b) => {
                        sent = true;
                        ok(&mut done, format!("{} bytes: {}", b.len(), hex(&b)));
                    }
                    Err(e) => {
                        if let Some(report) = control_failure(i, e, *on_error, &mut done, &mut sent)
                            .map_err(|e| fail(e, done.clone()))?
                        {
                            return Ok(report);
                        }
                    }
                }
            }
            Step::ClearHalt { endpoint } => match dev.clear_halt(*endpoint) {
                Ok(()) => ok(&mut done, "cleared".into()),
                Err(OpError::NoDevice) if sent => {
                    return Ok(vanished(done, "gone after the message".into()))
                }
                // "Could not reset endpoint (probably harmless)".
                Err(e) => tolerated(
                    &mut done,
                    format!("could not clear the halt: {e} (harmless)"),
                ),
            },
            Step::Release { interface } => match dev.release_interface(*interface) {
                Ok(()) => ok(&mut done, "released".into()),
                Err(OpError::NoDevice) if sent => {
                    return Ok(vanished(done, "gone after the message".into()))
                }
                Err(e) => tolerated(&mut done, format!("release: {e}")),
            },
            Step::SetConfiguration { value } => match dev.set_configuration(*value) {
                Ok(()) => {
                    sent = true;
                    ok(&mut done, "set".into());
                }
                Err(OpError::NoDevice) if sent => {
                    return Ok(vanished(
                        done,
                        "gone while changing the configuration".into(),
                    ))
                }
                Err(e) => return Err(fail(e, done)),
            },
            Step::SetAltSetting { interface, alt } => match dev.set_alt_setting(*interface, *alt) {
                Ok(()) => ok(&mut done, "set".into()),
                Err(OpError::NoDevice) if sent => {
                    return Ok(vanished(done, "gone before the alternate setting".into()))
                }
                Err(e) => return Err(fail(e, done)),
            },
            Step::Reset => match dev.reset() {
                Ok(()) | Err(OpError::NoDevice) => {
                    return Ok(vanished(done, "reset: the device re-enumerates".into()))
                }
                // 2.6.1: "Reset USB device failed with error %d" and carries on.
                Err(e) => tolerated(&mut done, format!("reset failed: {e}")),
            },
            Step::Wait { ms: m, .. } => {
                dev.sleep(ms(*m));
                ok(&mut done, format!("waited {m} ms"));
            }
            Step::AwaitReturn { timeout_ms } => match dev.await_return(ms(*timeout_ms)) {
                Ok(()) => ok(&mut done, "the device came back".into()),
                Err(e) => return Err(fail(e, done)),
            },
        }
    }
    Ok(Report {
        steps: done,
        outcome: Outcome::Completed,
    })
}

/// A failed control transfer: `Ok(Some(report))` ends the plan as a success (device gone),
/// `Ok(None)` goes on, `Err` fails the switch.
fn control_failure(
    step: usize,
    e: OpError,
    on_error: OnError,
    done: &mut Vec<StepResult>,
    sent: &mut bool,
) -> Result<Option<Report>, OpError> {
    if e == OpError::NoDevice {
        // The request itself made the device drop off (a control switch resets the device at
        // once): the switch worked.
        return Ok(Some(Report {
            steps: std::mem::take(done),
            outcome: Outcome::Vanished {
                step,
                detail: "the device vanished after the control request".into(),
            },
        }));
    }
    match (on_error, &e) {
        (OnError::Continue, _) => {
            done.push(StepResult {
                step,
                result: format!("{e} (continuing)"),
                tolerated_error: true,
            });
            Ok(None)
        }
        (OnError::StallOk, OpError::Stall) => {
            *sent = true;
            done.push(StepResult {
                step,
                result: "stalled: the device may have switched anyway".into(),
                tolerated_error: true,
            });
            Ok(None)
        }
        _ => Err(e),
    }
}
