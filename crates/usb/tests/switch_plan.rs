//! Switch plans against usb_modeswitch.md §1, byte for byte, and their execution over the
//! recorder (including "the device vanished before the CSW = success").

use dongle_usb::switch::{
    execute, plan, Call, CallKind, Method, OnError, OpError, Outcome, PlanError, Recorder, Step,
    SwitchSpec, QISDA_DATA,
};
use dongle_usb::{Endpoint, UsbDevice, UsbInterface};

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

const HUAWEI_NEW: &str = "55534243123456780000000000000011062000000101000100000000000000";
const HUAWEI_ALT: &str = "55534243123456780000000000000011063000000000010000000000000000";
const HUAWEI_HILINK: &str = "55534243123456780000000000000a11062000000000000100000000000000";
const EJECT: [&str; 4] = [
    "5553424387654321000000000000061e000000000000000000000000000000",
    "5553424397654321000000000000061b000000020000000000000000000000",
    "5553424387654321000000000001061e000000000000000000000000000000",
    "5553424397654321000000000001061b000000020000000000000000000000",
];

fn iface(number: u8, class: (u8, u8, u8), driver: Option<&str>, eps: &[(u8, u8)]) -> UsbInterface {
    UsbInterface {
        number,
        alt: 0,
        class: class.0,
        subclass: class.1,
        protocol: class.2,
        name: None,
        driver: driver.map(String::from),
        endpoints: eps
            .iter()
            .map(|&(a, attr)| Endpoint::from_descriptor(a, attr, 512))
            .collect(),
        ttys: Vec::new(),
        net: Vec::new(),
        cdc_wdm: Vec::new(),
    }
}

fn device(pid: u16, interfaces: Vec<UsbInterface>) -> UsbDevice {
    UsbDevice {
        path: "1-1".into(),
        vid: 0x12d1,
        pid,
        manufacturer: Some("HUAWEI_MOBILE".into()),
        product: Some("HUAWEI_MOBILE".into()),
        serial: None,
        bcd_device: Some(0x0102),
        configuration: Some(1),
        num_configurations: Some(1),
        busnum: Some(1),
        devnum: Some(2),
        interfaces,
    }
}

/// 12d1:1f01 as a real E3372 shows it: one storage interface, bulk OUT 0x01, bulk IN 0x81.
fn e3372_storage() -> UsbDevice {
    device(
        0x1f01,
        vec![iface(
            0,
            (8, 6, 0x50),
            Some("usb-storage"),
            &[(0x01, 2), (0x81, 2)],
        )],
    )
}

/// The same stick under dummy_hcd: the UDC hands out bulk IN 0x81 and bulk OUT **0x02**.
fn dummy_hcd_storage() -> UsbDevice {
    device(
        0x1f01,
        vec![iface(
            0,
            (8, 6, 0x50),
            Some("usb-storage"),
            &[(0x81, 2), (0x02, 2)],
        )],
    )
}

/// E3531 12d1:157d: storage on 0 plus a TF-card storage interface on 1 (both usb-storage),
/// two configurations (the second MBIM).
fn e3531_storage() -> UsbDevice {
    let mut d = device(
        0x157d,
        vec![
            iface(
                0,
                (8, 6, 0x50),
                Some("usb-storage"),
                &[(0x01, 2), (0x81, 2)],
            ),
            iface(
                1,
                (8, 6, 0x50),
                Some("usb-storage"),
                &[(0x02, 2), (0x82, 2)],
            ),
        ],
    );
    d.num_configurations = Some(2);
    d
}

fn hilink_14dc() -> UsbDevice {
    device(
        0x14dc,
        vec![
            iface(0, (2, 6, 0), Some("cdc_ether"), &[(0x82, 3)]),
            iface(1, (0x0a, 0, 0), Some("cdc_ether"), &[(0x81, 2), (0x01, 2)]),
        ],
    )
}

fn huawei_new() -> SwitchSpec {
    SwitchSpec::new(Method::storage_messages(
        "HuaweiNewMode",
        vec![unhex(HUAWEI_NEW)],
    ))
}

#[test]
fn huawei_new_plan_is_exact() {
    let p = plan(&e3372_storage(), Some(0), &huawei_new(), None).expect("plan");
    assert_eq!(
        p.steps,
        vec![
            Step::DetachKernelDrivers {
                interfaces: vec![0]
            },
            Step::ClaimInterface {
                interface: 0,
                detach: true
            },
            Step::BulkOut {
                endpoint: 0x01,
                data: unhex(HUAWEI_NEW),
                timeout_ms: 3000
            },
            Step::ReadCsw {
                endpoint: 0x81,
                timeout_ms: 3000,
                attempts: 1
            },
            Step::ClearHalt { endpoint: 0x81 },
            Step::ClearHalt { endpoint: 0x01 },
            Step::Release { interface: 0 },
        ]
    );
    assert_eq!(p.method, "HuaweiNewMode");
    assert_eq!(p.usbfs.as_deref(), Some("001/002"));
    assert_eq!(unhex(HUAWEI_NEW).len(), 31);
    let text = p.to_string();
    assert!(
        text.contains(&format!("bulk OUT 0x01, 31 bytes, 3000 ms: {HUAWEI_NEW}")),
        "{text}"
    );
    assert!(text.contains("via /dev/bus/usb/001/002"), "{text}");
    assert!(text.contains("drivers bound now: 0: usb-storage"), "{text}");
    let json = serde_json::to_value(&p).expect("json");
    assert_eq!(json["steps"][2]["op"], "bulk_out");
    assert_eq!(json["steps"][2]["data"], HUAWEI_NEW);
    assert_eq!(json["steps"][2]["endpoint"], 1);
    assert_eq!(json["message_endpoint"], 1);
    assert_eq!(json["response_endpoint"], 0x81);
}

#[test]
fn endpoints_come_from_descriptors_never_0x01() {
    let p = plan(&dummy_hcd_storage(), Some(0), &huawei_new(), None).expect("plan");
    assert_eq!(p.message_endpoint, Some(0x02));
    assert_eq!(p.response_endpoint, Some(0x81));
    assert!(p.steps.contains(&Step::BulkOut {
        endpoint: 0x02,
        data: unhex(HUAWEI_NEW),
        timeout_ms: 3000
    }));
    assert!(!p
        .steps
        .iter()
        .any(|s| matches!(s, Step::BulkOut { endpoint: 0x01, .. })));
    // The recipe's MessageEndpoint/ResponseEndpoint win.
    let mut spec = huawei_new();
    spec.message_endpoint = Some(0x0f);
    spec.response_endpoint = Some(0x8f);
    let p = plan(&dummy_hcd_storage(), Some(0), &spec, None).expect("plan");
    assert!(matches!(p.steps[2], Step::BulkOut { endpoint: 0x0f, .. }));
    assert!(matches!(p.steps[3], Step::ReadCsw { endpoint: 0x8f, .. }));
}

#[test]
fn detach_every_real_interface_number() {
    // Non-contiguous interface numbers: detach iterates the real bInterfaceNumber values.
    let d = device(
        0x1f01,
        vec![
            iface(
                0,
                (8, 6, 0x50),
                Some("usb-storage"),
                &[(0x01, 2), (0x81, 2)],
            ),
            iface(
                2,
                (8, 6, 0x50),
                Some("usb-storage"),
                &[(0x03, 2), (0x83, 2)],
            ),
            iface(5, (0xff, 0xff, 0xff), None, &[(0x84, 2), (0x04, 2)]),
        ],
    );
    let p = plan(&d, Some(0), &huawei_new(), None).expect("plan");
    assert_eq!(
        p.steps[0],
        Step::DetachKernelDrivers {
            interfaces: vec![0, 2, 5]
        }
    );
    // Interface= picks another interface and its endpoints.
    let mut spec = huawei_new();
    spec.interface = Some(2);
    let p = plan(&d, Some(0), &spec, None).expect("plan");
    assert!(matches!(
        p.steps[1],
        Step::ClaimInterface { interface: 2, .. }
    ));
    assert!(matches!(p.steps[2], Step::BulkOut { endpoint: 0x03, .. }));
    spec.interface = Some(7);
    assert!(matches!(
        plan(&d, Some(0), &spec, None),
        Err(PlanError::NoSuchInterface { interface: 7, .. })
    ));
}

#[test]
fn hilink_cannot_take_a_storage_message() {
    let e = plan(&hilink_14dc(), Some(0), &huawei_new(), Some("hilink")).expect_err("refused");
    assert!(matches!(
        e,
        PlanError::NotStorage {
            class: 2,
            interface: 0,
            ..
        }
    ));
    let msg = e.to_string();
    assert!(msg.contains("interface 0 is class 02"), "{msg}");
    assert!(msg.contains("expected 08"), "{msg}");
    assert!(
        msg.contains("already switched (it looks like hilink)"),
        "{msg}"
    );
    // A control method has no such check.
    let p = plan(
        &hilink_14dc(),
        Some(0),
        &SwitchSpec::new(Method::Sierra),
        None,
    )
    .expect("plan");
    assert_eq!(p.steps.len(), 1);
}

#[test]
fn e3531_huawei_message_is_never_swapped_for_mbim_config() {
    // 157d offers two configurations and cdc_mbim may exist: the plan still sends the Huawei
    // message and never sets a configuration (usb_modeswitch 2.2's bug, §5a).
    let p = plan(&e3531_storage(), Some(0), &huawei_new(), None).expect("plan");
    assert_eq!(
        p.steps[0],
        Step::DetachKernelDrivers {
            interfaces: vec![0, 1]
        }
    );
    assert!(p
        .steps
        .iter()
        .any(|s| matches!(s, Step::BulkOut { data, .. } if *data == unhex(HUAWEI_NEW))));
    assert!(!p
        .steps
        .iter()
        .any(|s| matches!(s, Step::SetConfiguration { .. })));
    // Configuration=0 (the data's dummy) stays a no-op.
    let mut spec = huawei_new();
    spec.configuration = Some(0);
    let p = plan(&e3531_storage(), Some(0), &spec, None).expect("plan");
    assert!(!p
        .steps
        .iter()
        .any(|s| matches!(s, Step::SetConfiguration { .. })));
    assert!(p.notes.iter().any(|n| n.contains("dummy")));
}

#[test]
fn configuration_switch_is_detach_unconfigure_wait_set() {
    let mut spec = SwitchSpec::new(Method::None);
    spec.configuration = Some(2);
    let p = plan(&e3531_storage(), Some(0), &spec, None).expect("plan");
    assert_eq!(
        p.steps,
        vec![
            Step::DetachKernelDrivers {
                interfaces: vec![0, 1]
            },
            Step::SetConfiguration { value: 0 },
            Step::Wait {
                ms: 100,
                reason: "settle between unconfigure and set configuration".into()
            },
            Step::SetConfiguration { value: 2 },
        ]
    );
    // Already active: nothing.
    spec.configuration = Some(1);
    let p = plan(&e3531_storage(), Some(0), &spec, None).expect("plan");
    assert!(p.steps.is_empty());
    assert!(p.notes[0].contains("already active"));
}

#[test]
fn standard_eject_then_extra_message() {
    let mut msgs: Vec<Vec<u8>> = EJECT.iter().map(|m| unhex(m)).collect();
    msgs.push(unhex(HUAWEI_HILINK));
    let spec = SwitchSpec::new(Method::storage_messages("StandardEject", msgs.clone()));
    let p = plan(&e3372_storage(), None, &spec, None).expect("plan");
    let outs: Vec<&Vec<u8>> = p
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::BulkOut { data, .. } => Some(data),
            _ => None,
        })
        .collect();
    assert_eq!(outs, msgs.iter().collect::<Vec<_>>());
    // Every message is a CBW: one CSW read after each.
    let csws = p
        .steps
        .iter()
        .filter(|s| matches!(s, Step::ReadCsw { .. }))
        .count();
    assert_eq!(csws, 5);
    assert_eq!(
        p.steps[0],
        Step::DetachKernelDrivers {
            interfaces: vec![0]
        }
    );
}

#[test]
fn message_content_without_cbw_reads_no_csw() {
    let spec = SwitchSpec::new(Method::messages(
        "MessageContent",
        vec![unhex("0102030405")],
    ));
    let p = plan(&e3372_storage(), Some(0), &spec, None).expect("plan");
    assert!(!spec.method.is_storage_command());
    assert!(!p.steps.iter().any(|s| matches!(s, Step::ReadCsw { .. })));
    // Not a storage command: allowed on a non-storage interface too.
    let mut on1 = spec.clone();
    on1.interface = Some(1);
    assert!(plan(&hilink_14dc(), Some(0), &on1, None).is_ok());
    // Three MessageContents with one CBW among them.
    let spec = SwitchSpec::new(Method::messages(
        "MessageContent",
        vec![unhex(HUAWEI_ALT), unhex("aabb"), unhex(HUAWEI_NEW)],
    ));
    let p = plan(&e3372_storage(), Some(0), &spec, None).expect("plan");
    let kinds: Vec<&str> = p
        .steps
        .iter()
        .map(|s| match s {
            Step::BulkOut { .. } => "out",
            Step::ReadCsw { .. } => "csw",
            _ => "-",
        })
        .filter(|k| *k != "-")
        .collect();
    assert_eq!(kinds, ["out", "csw", "out", "out", "csw"]);
}

#[test]
fn cisco_three_csw_attempts_and_release_delay() {
    let msgs = vec![unhex(
        "55534243f83bcd810002000080000afd000000030000000100000000000000",
    )];
    let spec = SwitchSpec::new(Method::cisco(msgs));
    let p = plan(&e3372_storage(), Some(0), &spec, None).expect("plan");
    assert!(p.steps.contains(&Step::ReadCsw {
        endpoint: 0x81,
        timeout_ms: 3000,
        attempts: 3
    }));
    let n = p.steps.len();
    assert!(matches!(p.steps[n - 2], Step::Wait { ms: 2000, .. }));
    // Cisco clears the message endpoint's halt first.
    assert_eq!(p.steps[n - 4], Step::ClearHalt { endpoint: 0x01 });
    assert_eq!(p.steps[n - 3], Step::ClearHalt { endpoint: 0x81 });
}

#[test]
fn release_delay_only_when_asked() {
    let mut spec = huawei_new();
    spec.release_delay_ms = 4000;
    let p = plan(&e3372_storage(), Some(0), &spec, None).expect("plan");
    assert!(p.steps.contains(&Step::Wait {
        ms: 4000,
        reason: "ReleaseDelay from the recipe".into()
    }));
    let p = plan(&e3372_storage(), Some(0), &huawei_new(), None).expect("plan");
    assert!(!p.steps.iter().any(|s| matches!(s, Step::Wait { .. })));
}

/// (bmRequestType, bRequest, wValue, wIndex, data or wLength zeros, timeout ms)
type Ctl = (u8, u8, u16, u16, Vec<u8>, u32);

fn only_control(p: &dongle_usb::switch::Plan) -> Vec<Ctl> {
    p.steps
        .iter()
        .filter_map(|s| match s {
            Step::ControlOut {
                request_type,
                request,
                value,
                index,
                data,
                timeout_ms,
                ..
            } => Some((
                *request_type,
                *request,
                *value,
                *index,
                data.clone(),
                *timeout_ms,
            )),
            Step::ControlIn {
                request_type,
                request,
                value,
                index,
                length,
                timeout_ms,
                ..
            } => Some((
                *request_type,
                *request,
                *value,
                *index,
                vec![0; usize::from(*length)],
                *timeout_ms,
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn control_methods_exact_and_detach_table() {
    let d = e3372_storage();
    let detached = |m: &Method| {
        let p = plan(&d, Some(0), &SwitchSpec::new(m.clone()), None).expect("plan");
        (
            matches!(p.steps.first(), Some(Step::DetachKernelDrivers { .. })),
            p,
        )
    };
    // (method, detaches first, [(type, request, value, index, data-or-zeros, timeout)])
    let cases: Vec<(Method, bool, Vec<Ctl>)> = vec![
        (
            Method::HuaweiLegacy,
            false,
            vec![(0x00, 0x03, 1, 0, vec![], 1000)],
        ),
        (
            Method::Sierra,
            false,
            vec![(0x40, 0x0b, 1, 0, vec![], 1000)],
        ),
        (
            Method::Sequans,
            false,
            vec![(0x40, 0x0b, 2, 0, vec![], 1000)],
        ),
        (
            Method::Qisda,
            false,
            vec![(0x40, 0x04, 0, 0, QISDA_DATA.to_vec(), 1000)],
        ),
        (
            Method::Quanta,
            false,
            vec![(0xc0, 0xff, 0, 0, vec![], 1000)],
        ),
        (
            Method::Kobil,
            true,
            vec![(0xc0, 0x88, 0, 0, vec![0; 8], 1000)],
        ),
        (
            Method::Blackberry,
            true,
            vec![
                (0xc0, 0xb1, 0, 0, vec![0; 8], 1000),
                (0xc0, 0xa9, 0x0e, 0, vec![0; 2], 1000),
            ],
        ),
        (
            Method::Pantech { mode: 4 },
            true,
            vec![(0x40, 0x70, 4, 0, vec![], 1000)],
        ),
        (Method::Pantech { mode: 1 }, true, vec![]),
        (
            Method::Gct,
            true,
            vec![
                (0xa1, 0xa0, 0, 0, vec![0; 1], 1000),
                (0xa1, 0xfe, 0, 0, vec![0; 1], 1000),
            ],
        ),
        (
            Method::Sony,
            true,
            vec![
                (0xc0, 0x11, 2, 0, vec![0; 3], 100),
                (0xc0, 0x11, 2, 0, vec![0; 3], 100),
            ],
        ),
        (Method::DetachOnly, true, vec![]),
    ];
    for (m, detach, want) in cases {
        let (d0, p) = detached(&m);
        assert_eq!(d0, detach, "{m:?} detach-first");
        assert_eq!(d0, m.detaches_first(), "{m:?}");
        assert_eq!(only_control(&p), want, "{m:?}");
    }
    // Sierra tolerates a stall; Blackberry's first request may fail, its second must return
    // exactly 2 bytes.
    let (_, p) = detached(&Method::Sierra);
    assert!(matches!(
        p.steps[0],
        Step::ControlOut {
            on_error: OnError::StallOk,
            ..
        }
    ));
    let (_, p) = detached(&Method::Blackberry);
    assert!(matches!(
        p.steps[1],
        Step::ControlIn {
            on_error: OnError::Continue,
            exact: false,
            ..
        }
    ));
    assert!(matches!(
        p.steps[2],
        Step::ControlIn {
            on_error: OnError::Fail,
            exact: true,
            ..
        }
    ));
    // GCT claims the interface around its requests; Sony waits for the device to return.
    let (_, p) = detached(&Method::Gct);
    assert!(matches!(
        p.steps[1],
        Step::ClaimInterface { interface: 0, .. }
    ));
    assert!(matches!(
        p.steps.last(),
        Some(Step::Release { interface: 0 })
    ));
    let (_, p) = detached(&Method::Sony);
    assert!(p
        .steps
        .iter()
        .any(|s| matches!(s, Step::AwaitReturn { timeout_ms: 30000 })));
}

#[test]
fn mobile_action_sequence() {
    let p = plan(
        &e3372_storage(),
        Some(0),
        &SwitchSpec::new(Method::MobileAction),
        None,
    )
    .expect("plan");
    assert!(!matches!(p.steps[0], Step::DetachKernelDrivers { .. }));
    let report = vec![0xb0, 0x04, 0x00, 0x00, 0x02, 0x90, 0x26, 0x86];
    for s in &p.steps[0..2] {
        assert_eq!(
            *s,
            Step::ControlOut {
                request_type: 0x21,
                request: 0x09,
                value: 0x0300,
                index: 0,
                data: report.clone(),
                timeout_ms: 1000,
                on_error: OnError::Continue,
            }
        );
    }
    // No interrupt endpoints in the descriptors: usb_modeswitch's 0x02 / 0x81.
    let outs = p
        .steps
        .iter()
        .filter(|s| matches!(s, Step::InterruptOut { endpoint: 0x02, .. }))
        .count();
    let reads: u32 = p
        .steps
        .iter()
        .map(|s| match s {
            Step::InterruptIn {
                endpoint: 0x81,
                repeat,
                ..
            } => u32::from(*repeat),
            _ => 0,
        })
        .sum();
    assert_eq!(outs, 8);
    assert_eq!(reads, 2 + 1 + 1 + 63 + 1 + 1 + 73 + 1 + 1);
}

#[test]
fn alt_setting_and_reset_come_last() {
    let mut spec = huawei_new();
    spec.alt_setting = Some(1);
    spec.reset_usb = true;
    let p = plan(&e3372_storage(), Some(0), &spec, None).expect("plan");
    let n = p.steps.len();
    assert_eq!(p.steps[n - 1], Step::Reset);
    assert!(matches!(p.steps[n - 2], Step::Wait { ms: 1000, .. }));
    assert_eq!(
        p.steps[n - 4],
        Step::SetAltSetting {
            interface: 0,
            alt: 1
        }
    );
}

#[test]
fn no_bulk_out_is_a_clear_error() {
    let d = device(0x1f01, vec![iface(0, (8, 6, 0x50), None, &[(0x81, 2)])]);
    let e = plan(&d, Some(0), &huawei_new(), None).expect_err("no OUT");
    assert!(e.to_string().contains("no bulk OUT endpoint"), "{e}");
    let d = device(0x1f01, vec![]);
    assert!(matches!(
        plan(&d, Some(0), &huawei_new(), None),
        Err(PlanError::NoInterfaces { .. })
    ));
}

// ---- execution over the recorder ----

#[test]
fn recorder_runs_the_plan_in_order() {
    let p = plan(&dummy_hcd_storage(), Some(0), &huawei_new(), None).expect("plan");
    let mut rec = Recorder::with_bound(&[0]);
    let report = execute(&p, &mut rec).expect("runs");
    assert_eq!(report.outcome, Outcome::Completed);
    assert_eq!(
        rec.calls,
        vec![
            Call::Detach(0),
            Call::Claim(0, true),
            Call::BulkOut(0x02, unhex(HUAWEI_NEW), 3000),
            Call::BulkIn(0x81, 13, 3000),
            Call::ClearHalt(0x81),
            Call::ClearHalt(0x02),
            Call::Release(0),
        ]
    );
    assert!(
        report.steps[3].result.contains("tag 78563412"),
        "{:?}",
        report.steps[3]
    );
    assert!(report.steps[3].result.contains("status 0 (pass)"));
}

#[test]
fn vanished_before_csw_is_success() {
    let p = plan(&e3372_storage(), Some(0), &huawei_new(), None).expect("plan");
    for err in [
        OpError::NoDevice,
        OpError::Timeout,
        OpError::Other("EPROTO".into()),
    ] {
        let mut rec = Recorder::with_bound(&[0]);
        rec.fail_next(CallKind::BulkIn, err.clone());
        let report = execute(&p, &mut rec).expect("success");
        match &report.outcome {
            Outcome::Vanished { step, detail } => {
                assert_eq!(*step, 3, "{err:?}");
                assert!(detail.contains("re-enumerating"), "{detail}");
            }
            o => panic!("{err:?}: {o:?}"),
        }
        // Nothing after the CSW read was attempted.
        assert_eq!(rec.calls.last(), Some(&Call::BulkIn(0x81, 13, 3000)));
    }
}

#[test]
fn vanished_right_after_sending_is_success() {
    let p = plan(&e3372_storage(), Some(0), &huawei_new(), None).expect("plan");
    let mut rec = Recorder::new();
    rec.fail_next(CallKind::BulkOut, OpError::NoDevice);
    let report = execute(&p, &mut rec).expect("success");
    assert!(matches!(report.outcome, Outcome::Vanished { step: 2, .. }));
    assert_eq!(rec.calls.len(), 3);
}

#[test]
fn stalled_csw_goes_on() {
    let p = plan(&e3372_storage(), Some(0), &huawei_new(), None).expect("plan");
    let mut rec = Recorder::new();
    rec.fail_next(CallKind::BulkIn, OpError::Stall);
    let report = execute(&p, &mut rec).expect("success");
    assert_eq!(report.outcome, Outcome::Completed);
    assert!(report.steps[3].tolerated_error);
    assert_eq!(rec.calls.last(), Some(&Call::Release(0)));
}

#[test]
fn claim_failure_and_missing_endpoint_fail_cleanly() {
    let p = plan(&e3372_storage(), Some(0), &huawei_new(), None).expect("plan");
    let mut rec = Recorder::new();
    rec.fail_next(CallKind::Claim, OpError::Busy);
    let e = execute(&p, &mut rec).expect_err("busy");
    assert_eq!(e.step, 1);
    assert!(e.to_string().contains("step 2 (claim interface 0"), "{e}");
    let mut rec = Recorder::new();
    rec.fail_next(CallKind::BulkOut, OpError::NotFound("endpoint 0x01".into()));
    let e = execute(&p, &mut rec).expect_err("ENOENT");
    assert_eq!(e.step, 2);
    // Permission at detach time stops before anything was sent.
    let mut rec = Recorder::new();
    rec.fail_next(CallKind::Detach, OpError::Permission);
    assert!(execute(&p, &mut rec).is_err());
    assert_eq!(rec.calls.len(), 1);
}

#[test]
fn control_switch_vanishing_is_success_and_sierra_stall_ok() {
    let d = e3372_storage();
    let p = plan(&d, Some(0), &SwitchSpec::new(Method::HuaweiLegacy), None).expect("plan");
    let mut rec = Recorder::new();
    rec.fail_next(CallKind::ControlOut, OpError::NoDevice);
    let r = execute(&p, &mut rec).expect("gone = switched");
    assert!(matches!(r.outcome, Outcome::Vanished { .. }));
    let mut rec = Recorder::new();
    rec.fail_next(CallKind::ControlOut, OpError::Timeout);
    assert!(execute(&p, &mut rec).is_err());

    let p = plan(&d, Some(0), &SwitchSpec::new(Method::Sierra), None).expect("plan");
    let mut rec = Recorder::new();
    rec.fail_next(CallKind::ControlOut, OpError::Stall);
    let r = execute(&p, &mut rec).expect("stall ok");
    assert!(r.steps[0].result.contains("may have switched"));

    let p = plan(&d, Some(0), &SwitchSpec::new(Method::Blackberry), None).expect("plan");
    let mut rec = Recorder::new();
    rec.answer_next(CallKind::ControlIn, vec![0; 8]);
    rec.answer_next(CallKind::ControlIn, vec![0; 1]);
    let e = execute(&p, &mut rec).expect_err("short answer");
    assert!(e.to_string().contains("expected 2"), "{e}");
}

#[test]
fn configuration_switch_runs_with_wait() {
    let mut spec = SwitchSpec::new(Method::None);
    spec.configuration = Some(2);
    let p = plan(&e3531_storage(), Some(0), &spec, None).expect("plan");
    let mut rec = Recorder::with_bound(&[0, 1]);
    execute(&p, &mut rec).expect("runs");
    assert_eq!(
        rec.calls,
        vec![
            Call::Detach(0),
            Call::Detach(1),
            Call::SetConfiguration(0),
            Call::Sleep(100),
            Call::SetConfiguration(2),
        ]
    );
}
