//! Switch methods byte for byte (usb_modeswitch.md §1.2), the config grammar key by key
//! (§2.1–2.2), name qualifiers (§2.3) and the built-in recipes.

use dongle_catalog::{
    builtin_recipes, c_strtol, config_to_recipe, decode_hex, parse_config, parse_config_name,
    qualifier_match, recipe_for, recipe_for_device, recipe_for_with, DeviceStrings, ModeswitchData,
    Personality, QualifierField, RecipeSource, SwitchMethod, SwitchRecipe, HUAWEI_LEGACY_IDS,
    HUAWEI_NEW_MODE_IDS,
};
use dongle_usb::{Sysfs, UsbDevice};

fn h(s: &str) -> Vec<u8> {
    decode_hex(s).expect("hex")
}

// ---- §1.2: the exact messages -------------------------------------------------------------

/// The hex strings exactly as printed in usb_modeswitch.md §1.2 (and in the 2.6.1 binary).
const REF_HUAWEI_NEW: &str = "55534243123456780000000000000011062000000101000100000000000000";
const REF_HUAWEI_ALT: &str = "55534243123456780000000000000011063000000000010000000000000000";
const REF_CLASSIC: &str = "55534243123456780000000000000011062000000100000000000000000000";
const REF_HILINK: &str = "55534243123456780000000000000a11062000000000000100000000000000";
const REF_TAG0: &str = "55534243000000000000000000000011060000000000000000000000000000";
const REF_E173S: &str = "55534243000000000000000000000011060000000100000000000000000000";
const REF_ALT01: &str = "55534243123456780000000000000011063000000100010000000000000000";
const REF_OPTION: &str = "55534243123456780000000000000601000000000000000000000000000000";
const REF_EJECT: [&str; 4] = [
    "5553424387654321000000000000061e000000000000000000000000000000",
    "5553424397654321000000000000061b000000020000000000000000000000",
    "5553424387654321000000000001061e000000000000000000000000000000",
    "5553424397654321000000000001061b000000020000000000000000000000",
];
const REF_CISCO_FIRST: &str = "55534243f83bcd810002000080000afd000000030000000100000000000000";

#[test]
fn constants_equal_the_reference() {
    use dongle_catalog as c;
    assert_eq!(c::HUAWEI_NEW_MSG, REF_HUAWEI_NEW);
    assert_eq!(c::HUAWEI_ALT_MSG, REF_HUAWEI_ALT);
    assert_eq!(c::HUAWEI_CLASSIC_MSG, REF_CLASSIC);
    assert_eq!(c::HUAWEI_HILINK_MSG, REF_HILINK);
    assert_eq!(c::HUAWEI_TAG0_MSG, REF_TAG0);
    assert_eq!(c::HUAWEI_E173S_MSG, REF_E173S);
    assert_eq!(c::HUAWEI_ALT01_MSG, REF_ALT01);
    assert_eq!(c::OPTION_MSG, REF_OPTION);
    assert_eq!(c::STANDARD_EJECT_MSGS, REF_EJECT);
    assert_eq!(c::CISCO_MSGS[0], REF_CISCO_FIRST);
    assert_eq!(c::CISCO_MSGS.len(), 11);
    // Every CBW is 31 bytes and starts with "USBC".
    let all = [
        REF_HUAWEI_NEW,
        REF_HUAWEI_ALT,
        REF_CLASSIC,
        REF_HILINK,
        REF_TAG0,
        REF_E173S,
        REF_ALT01,
        REF_OPTION,
    ]
    .into_iter()
    .chain(REF_EJECT)
    .chain(c::CISCO_MSGS);
    for m in all {
        let b = h(m);
        assert_eq!(b.len(), 31, "{m}");
        assert_eq!(&b[..4], b"USBC", "{m}");
    }
}

#[test]
fn cbw_fields_decode_as_the_reference_says() {
    // HuaweiNew: tag 12345678, no data, CBLen 0, CDB 11 06 20 00 00 01 01 00 01.
    let b = h(REF_HUAWEI_NEW);
    assert_eq!(&b[4..8], &[0x12, 0x34, 0x56, 0x78]);
    assert_eq!(&b[8..12], &[0, 0, 0, 0]);
    assert_eq!((b[12], b[13], b[14]), (0, 0, 0));
    assert_eq!(
        &b[15..24],
        &[0x11, 0x06, 0x20, 0x00, 0x00, 0x01, 0x01, 0x00, 0x01]
    );
    // HiLink variant: CBLen 10.
    assert_eq!(h(REF_HILINK)[14], 10);
    // Eject on LUN 1: byte 13.
    assert_eq!(h(REF_EJECT[2])[13], 1);
    assert_eq!(h(REF_EJECT[1])[15], 0x1b);
    assert_eq!(h(REF_EJECT[1])[19], 0x02); // LoEj
                                           // Option: REZERO UNIT, CBLen 6.
    assert_eq!((h(REF_OPTION)[14], h(REF_OPTION)[15]), (6, 0x01));
}

#[test]
fn messages_of_each_method() {
    use SwitchMethod as M;
    assert_eq!(M::HuaweiNew.messages(), vec![h(REF_HUAWEI_NEW)]);
    assert_eq!(M::HuaweiAlt.messages(), vec![h(REF_HUAWEI_ALT)]);
    assert_eq!(M::OptionMode.messages(), vec![h(REF_OPTION)]);
    let eject: Vec<Vec<u8>> = REF_EJECT.iter().map(|m| h(m)).collect();
    assert_eq!(M::StandardEject { extra: None }.messages(), eject);
    let mut with5 = eject.clone();
    with5.push(vec![1, 2, 3]);
    assert_eq!(
        M::StandardEject {
            extra: Some(vec![1, 2, 3])
        }
        .messages(),
        with5
    );
    let cisco = M::Cisco.messages();
    assert_eq!(cisco.len(), 11);
    assert_eq!(cisco[0], h(REF_CISCO_FIRST));
    assert_eq!(
        cisco[10],
        h("55534243d84c04820000000000000afd000110732400000000000000000000")
    );
    let raw = M::Messages {
        messages: vec![vec![0x0f, 0x00], h(REF_CLASSIC)],
    };
    assert_eq!(raw.messages(), vec![vec![0x0f, 0x00], h(REF_CLASSIC)]);
    for m in [
        M::HuaweiLegacy,
        M::Sierra,
        M::Sequans,
        M::Qisda,
        M::Quanta,
        M::Kobil,
        M::Blackberry,
        M::Pantech { mode: 2 },
        M::Gct,
        M::Sony,
        M::MobileAction,
        M::DetachOnly,
        M::None,
    ] {
        assert!(m.messages().is_empty(), "{m:?}");
        assert!(!m.is_storage_command(), "{m:?}");
    }
}

#[test]
fn detach_and_storage_classification() {
    use SwitchMethod as M;
    // §1.1 table.
    for m in [
        M::Messages { messages: vec![] },
        M::StandardEject { extra: None },
        M::HuaweiNew,
        M::HuaweiAlt,
        M::OptionMode,
        M::Cisco,
        M::Gct,
        M::Kobil,
        M::Blackberry,
        M::Pantech { mode: 2 },
        M::Sony,
        M::DetachOnly,
    ] {
        assert!(m.detaches_first(), "{m:?}");
    }
    for m in [
        M::HuaweiLegacy,
        M::Sierra,
        M::Qisda,
        M::Quanta,
        M::Sequans,
        M::MobileAction,
        M::None,
    ] {
        assert!(!m.detaches_first(), "{m:?}");
    }
    for m in [
        M::StandardEject { extra: None },
        M::HuaweiNew,
        M::HuaweiAlt,
        M::Cisco,
        M::OptionMode,
        M::Messages {
            messages: vec![h(REF_CLASSIC)],
        },
    ] {
        assert!(m.is_storage_command(), "{m:?}");
    }
    assert!(!M::Messages {
        messages: vec![vec![0x0f, 0, 1, 1, 0x42]]
    }
    .is_storage_command());
}

#[test]
fn method_json() {
    let j = serde_json::to_value(SwitchMethod::HuaweiNew).expect("json");
    assert_eq!(j, serde_json::json!({"method": "huawei_new"}));
    let j = serde_json::to_value(SwitchMethod::Messages {
        messages: vec![vec![0x55, 0x53]],
    })
    .expect("json");
    assert_eq!(
        j,
        serde_json::json!({"method": "messages", "messages": ["5553"]})
    );
    let j = serde_json::to_value(SwitchMethod::Pantech { mode: 4 }).expect("json");
    assert_eq!(j, serde_json::json!({"method": "pantech", "mode": 4}));
    let r = &builtin_recipes(0x12d1, 0x1f01)[0];
    let j = serde_json::to_value(r).expect("json");
    assert_eq!(j["method"]["method"], "huawei_new");
    assert_eq!(j["source"]["kind"], "built_in");
}

// ---- §2.1–2.2: the grammar ----------------------------------------------------------------

#[test]
fn every_key_parses() {
    let text = "\
# comment
DefaultVendor=0x12d1
DefaultProduct=1f01
TargetVendor=  0x12d1
TargetProduct=0x1001
TargetProductList=\"14db,14dc\"
TargetClass=0xff
MessageContent=\"55534243\"
MessageContent2=\"5553424300\"
MessageContent3=\"aa\"
MessageEndpoint=0x01
ResponseEndpoint=81
ReleaseDelay=4000
NeedResponse=1
InquireDevice=0
StandardEject=0
NoDriverLoading=yes
HuaweiNewMode=1
PantechMode=0
Interface=0x02
Configuration=10
AltSetting=1
ResetUSB=1
CheckSuccess=40
WaitBefore=5
NoMBIMCheck=1
DriverModule=option
DriverIDPath=/sys/bus/usb-serial/drivers/option1
";
    let (c, issues) = parse_config(text);
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(c.default_vendor, Some(0x12d1));
    assert_eq!(c.default_product, Some(0x1f01));
    assert_eq!(c.target_vendor, Some(0x12d1));
    assert_eq!(c.target_product, Some(0x1001));
    assert_eq!(c.target_product_list.as_deref(), Some("14db,14dc"));
    assert_eq!(c.target_class, Some(0xff));
    assert_eq!(c.message_content[0].as_deref(), Some("55534243"));
    assert_eq!(c.message_content[1].as_deref(), Some("5553424300"));
    assert_eq!(c.message_content[2].as_deref(), Some("aa"));
    assert_eq!(c.message_endpoint, Some(1));
    assert_eq!(c.response_endpoint, Some(0x81));
    assert_eq!(c.release_delay, Some(4000));
    assert_eq!(c.need_response, Some(true));
    assert_eq!(c.inquire_device, Some(false));
    assert_eq!(c.standard_eject, Some(false));
    assert_eq!(c.no_driver_loading, Some(true));
    assert_eq!(c.modes, vec!["HuaweiNewMode"]);
    assert_eq!(c.pantech_mode, Some(0));
    assert_eq!(c.interface, Some(2));
    assert_eq!(c.configuration, Some(16)); // hex!
    assert_eq!(c.alt_setting, Some(1));
    assert_eq!(c.reset_usb, Some(1));
    assert_eq!(c.check_success, Some(40));
    assert_eq!(c.wait_before, Some(5));
    assert_eq!(c.no_mbim_check, Some(true));
    assert_eq!(c.driver_module.as_deref(), Some("option"));
    assert_eq!(
        c.driver_id_path.as_deref(),
        Some("/sys/bus/usb-serial/drivers/option1")
    );

    let mut issues = Vec::new();
    let src = RecipeSource::BuiltIn { note: "test" };
    let r = config_to_recipe(0x12d1, 0x1f01, &c, src, &mut issues).expect("recipe");
    assert_eq!(r.method, SwitchMethod::HuaweiNew); // special mode wins over MessageContent
    assert!(issues
        .iter()
        .any(|i| i.message.contains("ignored together")));
    assert!(issues
        .iter()
        .any(|i| i.message.contains("overrides TargetProduct")));
    assert_eq!(r.target_products, vec![0x14db, 0x14dc]);
    assert_eq!(r.target_class, Some(0xff));
    assert_eq!(
        (r.message_endpoint, r.response_endpoint),
        (Some(1), Some(0x81))
    );
    assert_eq!(
        (r.interface, r.configuration, r.alt_setting),
        (Some(2), Some(16), Some(1))
    );
    assert!(r.reset_usb && r.no_driver_loading);
    assert_eq!((r.release_delay_ms, r.wait_before_ms), (4000, 5000));
}

#[test]
fn all_mode_keys_map_to_methods() {
    let cases: &[(&str, SwitchMethod)] = &[
        ("DetachStorageOnly=1", SwitchMethod::DetachOnly),
        ("HuaweiMode=1", SwitchMethod::HuaweiLegacy),
        ("HuaweiNewMode=1", SwitchMethod::HuaweiNew),
        ("HuaweiAltMode=1", SwitchMethod::HuaweiAlt),
        ("SierraMode=1", SwitchMethod::Sierra),
        ("SonyMode=1", SwitchMethod::Sony),
        ("GCTMode=1", SwitchMethod::Gct),
        ("KobilMode=1", SwitchMethod::Kobil),
        ("SequansMode=1", SwitchMethod::Sequans),
        ("MobileActionMode=1", SwitchMethod::MobileAction),
        ("CiscoMode=1", SwitchMethod::Cisco),
        ("QisdaMode=1", SwitchMethod::Qisda),
        ("QuantaMode=1", SwitchMethod::Quanta),
        ("BlackberryMode=1", SwitchMethod::Blackberry),
        ("OptionMode=1", SwitchMethod::OptionMode),
        ("PantechMode=4", SwitchMethod::Pantech { mode: 4 }),
        (
            "StandardEject=1",
            SwitchMethod::StandardEject { extra: None },
        ),
        (
            "MessageContent=\"0102\"",
            SwitchMethod::Messages {
                messages: vec![vec![1, 2]],
            },
        ),
        ("Configuration=2", SwitchMethod::None),
    ];
    for (line, want) in cases {
        let r = recipe(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(&r.method, want, "{line}");
        assert_eq!(r.method.key().is_empty(), *want == SwitchMethod::None);
    }
}

fn recipe(text: &str) -> Result<SwitchRecipe, String> {
    let (c, mut issues) = parse_config(text);
    config_to_recipe(
        0x1234,
        0x5678,
        &c,
        RecipeSource::BuiltIn { note: "t" },
        &mut issues,
    )
}

#[test]
fn grammar_quirks() {
    let cfg = |t: &str| parse_config(t).0;
    // Hex with and without 0x, stops at the first non-hex character, garbage is 0.
    assert_eq!(cfg("TargetVendor=0x12d1").target_vendor, Some(0x12d1));
    assert_eq!(cfg("TargetVendor=12d1").target_vendor, Some(0x12d1));
    assert_eq!(cfg("TargetVendor=0X12D1").target_vendor, Some(0x12d1));
    assert_eq!(
        cfg("TargetVendor=0x12d1 # comment").target_vendor,
        Some(0x12d1)
    );
    assert_eq!(cfg("TargetVendor=zz").target_vendor, Some(0));
    assert_eq!(cfg("TargetVendor=0x").target_vendor, Some(0));
    // Interface/Configuration/AltSetting/ResetUSB are hex; ReleaseDelay is decimal.
    assert_eq!(cfg("Configuration=10").configuration, Some(16));
    assert_eq!(cfg("Interface=10").interface, Some(16));
    assert_eq!(cfg("AltSetting=a").alt_setting, Some(10));
    assert_eq!(cfg("ReleaseDelay=0x10").release_delay, Some(0));
    assert_eq!(cfg("ReleaseDelay= 250ms").release_delay, Some(250));
    // ResetUSB lives in a C char: 0x100 truncates to 0.
    assert!(!recipe("ResetUSB=100").expect("ok").reset_usb);
    assert!(recipe("ResetUSB=1").expect("ok").reset_usb);
    // Booleans: first character Y/y/T/t/1.
    for (v, b) in [
        ("1", true),
        ("yes", true),
        ("True", true),
        ("t", true),
        ("0", false),
        ("no", false),
        ("on", false),
    ] {
        assert_eq!(
            cfg(&format!("StandardEject={v}")).standard_eject,
            Some(b),
            "{v}"
        );
    }
    // A comment character before '=' makes the line a comment; after it, it stays in the value.
    assert_eq!(cfg("# HuaweiNewMode=1").modes, Vec::<&str>::new());
    assert_eq!(cfg("Huawei;NewMode=1").modes, Vec::<&str>::new());
    assert_eq!(cfg("HuaweiNewMode=1 ; yes").modes, vec!["HuaweiNewMode"]);
    // Quotes: first to last; text before the first is dropped; a lone quote runs to the end.
    assert_eq!(
        cfg("TargetProductList=\"14db,14dc\"")
            .target_product_list
            .as_deref(),
        Some("14db,14dc")
    );
    assert_eq!(
        cfg("TargetProductList=x\"14db\"y")
            .target_product_list
            .as_deref(),
        Some("14db")
    );
    assert_eq!(
        cfg("TargetProductList=\"14db")
            .target_product_list
            .as_deref(),
        Some("14db")
    );
    assert_eq!(
        cfg("MessageContent=\"aa\" # \"x\"").message_content[0].as_deref(),
        Some("aa\" # \"x")
    );
    // Names: first blank-free word after leading blanks; case-sensitive.
    assert_eq!(cfg("  \tTargetClass = 0xff").target_class, Some(0xff));
    assert_eq!(cfg("Target Class=0xff").target_class, None);
    let (c, issues) = parse_config("targetclass=0xff");
    assert_eq!(c.target_class, None);
    assert!(
        issues[0].message.contains("write TargetClass"),
        "{issues:?}"
    );
    // First setting wins; the repeat is reported with its line.
    let (c, issues) = parse_config("TargetClass=0x02\nTargetClass=0xff\n");
    assert_eq!(c.target_class, Some(2));
    assert_eq!(issues[0].line, Some(2));
    // Empty values are ignored with an issue.
    let (c, issues) = parse_config("TargetClass=   \nTargetClass=\"\"\n");
    assert_eq!(c.target_class, None);
    assert_eq!(issues.len(), 2);
    // CRLF.
    let c = cfg("TargetVendor=0x19d2\r\nMessageContent=0102\r\n");
    assert_eq!(c.message_content[0].as_deref(), Some("0102"));
    // Only 50 settings are stored.
    let many: String = (0..50)
        .map(|i| format!("Unused{i}=1\n"))
        .collect::<String>()
        + "HuaweiNewMode=1\n";
    let (c, issues) = parse_config(&many);
    assert!(c.modes.is_empty());
    assert!(issues
        .iter()
        .any(|i| i.line == Some(51) && i.message.contains("50")));
    // Lines are cut at 1023 bytes.
    let long = format!("MessageContent={}", "ab".repeat(600));
    assert_eq!(
        cfg(&long).message_content[0].as_ref().map(|m| m.len()),
        Some(1023 - 15)
    );
    // WaitBefore follows the dispatcher's regex (decimal, at the start of the line).
    assert_eq!(cfg("WaitBefore=2").wait_before, Some(2));
    assert_eq!(cfg("WaitBefore = 2 ").wait_before, Some(2));
    assert_eq!(cfg(" WaitBefore=2").wait_before, None);
    assert_eq!(cfg("WaitBefore=2s").wait_before, None);
}

#[test]
fn c_number_parsing() {
    assert_eq!(c_strtol("  -0x10", 16), -16);
    assert_eq!(c_strtol("+7f", 16), 0x7f);
    assert_eq!(c_strtol("0xg", 16), 0);
    assert_eq!(c_strtol("99999999999999999999999", 10), -1); // LONG_MAX as int
    assert_eq!(c_strtol("12abc", 10), 12);
    assert_eq!(c_strtol("", 16), 0);
}

#[test]
fn run_time_rules() {
    // Two special modes: usb_modeswitch aborts, so the entry is refused.
    assert!(recipe("HuaweiNewMode=1\nSierraMode=1").is_err());
    assert!(recipe("HuaweiNewMode=1\nPantechMode=2").is_err());
    // PantechMode=0 is not a mode.
    assert_eq!(
        recipe("HuaweiNewMode=1\nPantechMode=0").expect("ok").method,
        SwitchMethod::HuaweiNew
    );
    // StandardEject takes MessageContent as its 5th message and ignores MessageContent2.
    let (c, mut issues) =
        parse_config("StandardEject=1\nMessageContent=\"0102\"\nMessageContent2=\"0304\"");
    let r =
        config_to_recipe(1, 2, &c, RecipeSource::BuiltIn { note: "t" }, &mut issues).expect("ok");
    assert_eq!(
        r.method,
        SwitchMethod::StandardEject {
            extra: Some(vec![1, 2])
        }
    );
    assert!(issues
        .iter()
        .any(|i| i.message.contains("MessageContent2/3 are ignored")));
    // MessageContent2 alone is never sent.
    assert_eq!(
        recipe("MessageContent2=0102").expect("ok").method,
        SwitchMethod::None
    );
    // Odd-length messages are skipped (2.6.1); non-hex ones refuse the entry.
    assert_eq!(
        recipe("MessageContent=010\nMessageContent2=0203")
            .expect("ok")
            .method,
        SwitchMethod::Messages {
            messages: vec![vec![2, 3]]
        }
    );
    let e = recipe("MessageContent=5553424x").expect_err("non-hex");
    assert!(e.contains("not a hex string"), "{e}");
    // TargetProductList: 4-hex-digit tokens only, empty tokens dropped.
    let r = recipe("TargetProductList=\"1506,,150,15060,zzzz,14DC\"").expect("ok");
    assert_eq!(r.target_products, vec![0x1506, 0x14dc]);
    // TargetProduct alone; -1 means none.
    assert_eq!(
        recipe("TargetProduct=0x1001").expect("ok").target_products,
        vec![0x1001]
    );
    assert!(recipe("TargetProduct=-1")
        .expect("ok")
        .target_products
        .is_empty());
    // Defaults: Interface=-1 / AltSetting=-1 / endpoints 0 mean auto.
    let r = recipe("Interface=-1\nAltSetting=-1\nMessageEndpoint=0\nHuaweiNewMode=1").expect("ok");
    assert_eq!(
        (r.interface, r.alt_setting, r.message_endpoint),
        (None, None, None)
    );
    assert!(recipe("Interface=0x100\nHuaweiNewMode=1").is_err());
    // DefaultVendor/DefaultProduct must agree with the file name.
    assert!(recipe("DefaultVendor=0x1234\nDefaultProduct=0x5678\nHuaweiNewMode=1").is_ok());
    assert!(recipe("DefaultProduct=0x1f01\nHuaweiNewMode=1").is_err());
}

// ---- §2.3: names and qualifiers -----------------------------------------------------------

#[test]
fn config_names() {
    let n = parse_config_name("12d1:1f01").expect("ok");
    assert_eq!((n.vid, n.pid, n.qualifier), (0x12d1, Some(0x1f01), None));
    let n = parse_config_name("05c6:1000:uMa=Co.,Ltd").expect("ok");
    assert_eq!(
        n.qualifier.expect("q").attrs,
        vec![(QualifierField::Manufacturer, "Co.,Ltd".to_string())]
    );
    let n = parse_config_name("0e8d:0002:uPr=MT:sVe=Foo=Bar").expect("ok");
    let q = n.qualifier.expect("q");
    assert_eq!(q.attrs[1], (QualifierField::ScsiVendor, "Foo".to_string())); // ends at '='
    let n = parse_config_name("12d1:#linux").expect("ok");
    assert_eq!((n.pid, n.os.as_deref()), (None, Some("linux")));
    for bad in [
        "12d1",
        "12d1:1f0",
        "xyz1:1f01",
        "12d1:1f01:zZz=1",
        "12d1:1f01:?",
        "12d1:#bsd",
    ] {
        assert!(parse_config_name(bad).is_err(), "{bad}");
    }
}

#[test]
fn qualifier_matching() {
    assert!(qualifier_match("AnyDATA", "AnyDATA Corporation"));
    assert!(!qualifier_match("AnyDATA", "anydata"));
    assert!(qualifier_match("USB_Modem", "Qualcomm USB Modem"));
    assert!(qualifier_match("USB_Modem", "USB_Modem")); // as written, too
    assert!(qualifier_match("Co.,Ltd", "ZTE Co.,Ltd"));
    assert!(qualifier_match("MF*Plus", "ZTE MF190 Plus"));
    assert!(qualifier_match("MF19?", "MF190"));
    assert!(qualifier_match("[A-C]T", "ZBT"));
    assert!(!qualifier_match("[A-C]T", "ZDT"));
    assert!(qualifier_match("", "anything"));
    let data = ModeswitchData::from_texts([
        ("1c9e:f000", "StandardEject=1\n"),
        ("1c9e:f000:uMa=USB_Modem", "MessageContent=\"0102\"\n"),
    ]);
    let s = |m: &'static str| DeviceStrings {
        manufacturer: Some(m),
        ..DeviceStrings::default()
    };
    assert_eq!(
        data.recipe_for_device(0x1c9e, 0xf000, &s("USB Modem"))
            .map(|r| r.method),
        Some(SwitchMethod::Messages {
            messages: vec![vec![1, 2]]
        })
    );
    assert_eq!(
        data.recipe_for_device(0x1c9e, 0xf000, &s("Other"))
            .map(|r| r.method),
        Some(SwitchMethod::StandardEject { extra: None })
    );
    // Generic per-vendor files come after the specific ones.
    let data = ModeswitchData::from_texts([
        ("abcd:#linux", "HuaweiNewMode=1\n"),
        ("abcd:0001", "SierraMode=1\n"),
        ("abcd:0001.dpkg-dist", "KobilMode=1\n"),
    ]);
    let r = data.recipes(0xabcd, 0x0001);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].method, SwitchMethod::Sierra);
    assert_eq!(
        (r[1].method.clone(), r[1].pid),
        (SwitchMethod::HuaweiNew, 1)
    );
    assert_eq!(data.recipes(0xabcd, 0x0002).len(), 1);
}

// ---- built-in recipes ----------------------------------------------------------------------

#[test]
fn builtin_huawei_recipes() {
    // Every Huawei storage ID: the default is HuaweiNew; no recipe switches configuration.
    for (pid, _, _) in HUAWEI_NEW_MODE_IDS {
        let all = builtin_recipes(0x12d1, *pid);
        assert_eq!(all[0].method, SwitchMethod::HuaweiNew, "{pid:04x}");
        for r in &all {
            assert_eq!(
                r.configuration, None,
                "{pid:04x}: never Configuration=N (§5a)"
            );
            assert!(r.method.is_storage_command());
            assert!(matches!(r.source, RecipeSource::BuiltIn { note } if !note.is_empty()));
        }
    }
    for pid in [
        0x1f01u16, 0x157d, 0x15cd, 0x15cf, 0x15e7, 0x1c0b, 0x1446, 0x14fe, 0x1505, 0x155b, 0x1f1c,
        0x1c24,
    ] {
        assert!(!builtin_recipes(0x12d1, pid).is_empty(), "{pid:04x}");
    }
    assert_eq!(HUAWEI_NEW_MODE_IDS.len(), 62);
    // Byte checks of each variant's message.
    let msgs = |pid: u16, to: Personality| {
        recipe_for_with(0x12d1, pid, &DeviceStrings::default(), Some(to), None)
            .map(|r| r.method.messages())
    };
    assert_eq!(msgs(0x1f01, Personality::Hilink), Some(vec![h(REF_HILINK)]));
    assert_eq!(
        msgs(0x1f01, Personality::Serial),
        Some(vec![h(REF_CLASSIC)])
    );
    assert_eq!(
        msgs(0x1f01, Personality::Ncm),
        Some(vec![h(REF_HUAWEI_NEW)])
    );
    assert_eq!(msgs(0x1f01, Personality::Update), Some(vec![h(REF_TAG0)]));
    assert_eq!(msgs(0x157d, Personality::Serial), Some(vec![h(REF_ALT01)]));
    assert_eq!(msgs(0x157d, Personality::Hilink), Some(vec![h(REF_HILINK)]));
    // 1c0b: the data's HuaweiNew targets (1c05…) are serial already; the old message is an
    // alternative.
    assert_eq!(
        msgs(0x1c0b, Personality::Serial),
        Some(vec![h(REF_HUAWEI_NEW)])
    );
    assert!(builtin_recipes(0x12d1, 0x1c0b)
        .iter()
        .any(|r| r.method.messages() == vec![h(REF_E173S)]));
    assert_eq!(
        msgs(0x15cd, Personality::Ncm),
        Some(vec![h(REF_HUAWEI_NEW)])
    );
    assert_eq!(
        msgs(0x15cd, Personality::Serial),
        Some(vec![h(REF_CLASSIC)])
    );
    // A stick-firmware ID cannot become HiLink: only the "unknown result" HuaweiAlt remains.
    assert_eq!(
        msgs(0x15cd, Personality::Hilink),
        Some(vec![h(REF_HUAWEI_ALT)])
    );
    let r = &builtin_recipes(0x12d1, 0x1f01);
    let alt01 = r
        .iter()
        .find(|r| r.method.messages() == vec![h(REF_ALT01)])
        .expect("alt01");
    assert_eq!(alt01.target_products, vec![0x155e]);
    assert_eq!(r[0].target, None); // HiLink or stick firmware decides
    assert_eq!(
        builtin_recipes(0x12d1, 0x15cf)[0].target,
        Some(Personality::Ncm)
    );
    assert_eq!(
        builtin_recipes(0x12d1, 0x1f02)[0].target,
        Some(Personality::Hilink)
    );
    // Old Huawei: SET_FEATURE.
    for (pid, _, _) in HUAWEI_LEGACY_IDS {
        let r = &builtin_recipes(0x12d1, *pid)[0];
        assert_eq!(r.method, SwitchMethod::HuaweiLegacy);
        assert_eq!(r.target_class, Some(0xff));
    }
    // Unknown IDs: nothing built in.
    assert!(builtin_recipes(0x12d1, 0x1506).is_empty());
    assert!(builtin_recipes(0x1234, 0x5678).is_empty());
}

#[test]
fn builtin_other_vendors() {
    let zte = &builtin_recipes(0x19d2, 0x2000)[0];
    assert_eq!(zte.method.messages().len(), 5);
    assert_eq!(
        zte.method.messages()[4],
        h("55534243123456702000000080000c85010101180101010101000000000000")
    );
    assert_eq!(zte.target, Some(Personality::Serial));
    let alcatel = &builtin_recipes(0x1bbb, 0xf000)[0];
    assert_eq!(
        alcatel.method,
        SwitchMethod::Messages {
            messages: vec![h(
                "55534243123456788000000080000606f50402527000000000000000000000"
            )]
        }
    );
    assert_eq!(alcatel.target, Some(Personality::Serial));
    assert_eq!(
        builtin_recipes(0x1199, 0x0fff)[0].method,
        SwitchMethod::Sierra
    );
}

#[test]
fn builtin_prefers_over_data_and_data_fills_in() {
    let data = ModeswitchData::from_texts([
        ("12d1:1f01", "Configuration=2\n"),
        ("0af0:6711", "TargetClass=0xff\nOptionMode=1\n"),
        (
            "12d1:1506",
            "TargetVendor=0x12d1\nTargetProduct=0x14dc\nHuaweiNewMode=1\n",
        ),
    ]);
    let none = DeviceStrings::default();
    let r = recipe_for_with(0x12d1, 0x1f01, &none, None, Some(&data)).expect("r");
    assert_eq!(r.method, SwitchMethod::HuaweiNew);
    assert_eq!(r.configuration, None);
    let r = recipe_for_with(0x0af0, 0x6711, &none, None, Some(&data)).expect("r");
    assert_eq!(r.method, SwitchMethod::OptionMode);
    // A data recipe known to give HiLink is refused for --to serial.
    assert!(recipe_for_with(
        0x12d1,
        0x1506,
        &none,
        Some(Personality::Serial),
        Some(&data)
    )
    .is_none());
    assert!(recipe_for_with(
        0x12d1,
        0x1506,
        &none,
        Some(Personality::Hilink),
        Some(&data)
    )
    .is_some());
    // recipe_for uses the system data when installed; built-ins do not need it.
    assert_eq!(
        recipe_for(0x12d1, 0x1f01, None).map(|r| r.method),
        Some(SwitchMethod::HuaweiNew)
    );
}

/// A device read from a fake sysfs tree (the stable sysfs format, not the struct layout).
fn device(vid: u16, pid: u16, class0: u8, manufacturer: &str, bcd: u16) -> UsbDevice {
    let tmp = tempfile::tempdir().expect("tmp");
    let devs = tmp.path().join("bus/usb/devices");
    let dev = devs.join("1-1");
    let if0 = devs.join("1-1:1.0");
    std::fs::create_dir_all(&dev).expect("mkdir");
    std::fs::create_dir_all(&if0).expect("mkdir");
    let w = |dir: &std::path::Path, f: &str, v: String| {
        std::fs::write(dir.join(f), v + "\n").expect("write")
    };
    w(&dev, "idVendor", format!("{vid:04x}"));
    w(&dev, "idProduct", format!("{pid:04x}"));
    w(&dev, "bcdDevice", format!("{bcd:04x}"));
    w(&dev, "manufacturer", manufacturer.to_string());
    w(&dev, "bConfigurationValue", "1".into());
    w(&dev, "bNumConfigurations", "1".into());
    w(&if0, "bInterfaceNumber", "00".into());
    w(&if0, "bAlternateSetting", "0".into());
    w(&if0, "bInterfaceClass", format!("{class0:02x}"));
    w(&if0, "bInterfaceSubClass", "06".into());
    w(&if0, "bInterfaceProtocol", "50".into());
    let d = Sysfs::new(tmp.path())
        .device("1-1")
        .expect("fake sysfs device");
    assert_eq!((d.vid, d.pid, d.interfaces.len()), (vid, pid, 1));
    d
}

#[test]
fn recipe_for_a_sysfs_device() {
    // Storage 1f01: the standard switch.
    let d = device(0x12d1, 0x1f01, 8, "HUAWEI", 0x0102);
    assert_eq!(
        recipe_for_device(&d, None, None).map(|r| r.method),
        Some(SwitchMethod::HuaweiNew)
    );
    // An unknown Huawei storage ID gets the generic rule; Android phones do not.
    let d = device(0x12d1, 0x1234, 8, "HUAWEI", 0);
    assert_eq!(
        recipe_for_device(&d, None, None).map(|r| r.method),
        Some(SwitchMethod::HuaweiNew)
    );
    let d = device(0x12d1, 0x1234, 8, "Android", 0);
    assert_eq!(recipe_for_device(&d, None, None), None);
    // E620 1001: only as storage with bcdDevice 0; class ff means it is already a modem.
    let d = device(0x12d1, 0x1001, 8, "HUAWEI", 0);
    assert_eq!(
        recipe_for_device(&d, None, None).map(|r| r.method),
        Some(SwitchMethod::HuaweiLegacy)
    );
    let d = device(0x12d1, 0x1001, 0xff, "HUAWEI", 0);
    assert_eq!(recipe_for_device(&d, None, None), None);
    let d = device(0x12d1, 0x1001, 8, "HUAWEI", 0x0100);
    assert_eq!(recipe_for_device(&d, None, None), None);
}

// ---- no panics on mangled input -------------------------------------------------------------

#[test]
fn no_panic_on_mangled_configs() {
    let seeds = [
        "# Huawei\nTargetVendor=0x12d1\nTargetProductList=\"14db,14dc\"\nHuaweiNewMode=1\n",
        "TargetVendor= 0x19d2\nStandardEject=1\nMessageContent=\"55534243123456702000000080000c85010101180101010101000000000000\"\n",
        "PantechMode=2\nInterface=0x00\nConfiguration=ff\nAltSetting=-5\nResetUSB=zz\nWaitBefore=10\n",
    ];
    let alphabet: &[u8] =
        b"=\"#;! \t\r\n0xX1fF,-\xc3\xa9:_?*[]\\abcdefgzTargetVendorMessageContent";
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..3000 {
        let mut bytes = seeds[round % seeds.len()].as_bytes().to_vec();
        for _ in 0..(next() % 12) {
            let pos = (next() as usize) % (bytes.len() + 1);
            match next() % 4 {
                0 if !bytes.is_empty() => {
                    bytes.remove(pos.min(bytes.len() - 1));
                }
                1 => bytes.insert(pos, alphabet[(next() as usize) % alphabet.len()]),
                2 => bytes.insert(pos, (next() & 0xff) as u8),
                _ => {
                    let n = (next() % 40) as usize;
                    let chunk: Vec<u8> = (0..n)
                        .map(|_| alphabet[(next() as usize) % alphabet.len()])
                        .collect();
                    bytes.splice(pos..pos, chunk);
                }
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let (cfg, mut issues) = parse_config(&text);
        let _ = config_to_recipe(
            0x12d1,
            0x1f01,
            &cfg,
            RecipeSource::BuiltIn { note: "fuzz" },
            &mut issues,
        );
        let name: String = text.chars().take(30).collect();
        let _ = parse_config_name(&name);
        let _ = qualifier_match(&name, &text);
        let data =
            ModeswitchData::from_texts([(format!("12d1:1f01:uMa={name}").as_str(), text.as_ref())]);
        let _ = data.recipe_for_device(
            0x12d1,
            0x1f01,
            &DeviceStrings {
                manufacturer: Some(&text),
                ..DeviceStrings::default()
            },
        );
    }
    // Pathological inputs.
    let huge = "=".repeat(100_000);
    let _ = parse_config(&huge);
    let _ = parse_config(&"\n".repeat(100_000));
    let _ = qualifier_match(&"*".repeat(200), &"a".repeat(2000));
    let _ = qualifier_match("[", "x");
    let _ = qualifier_match("\\", "\\");
}

#[test]
fn control_requests_of_each_method() {
    use dongle_catalog::{expects_csw, ControlRequest};
    use SwitchMethod as M;
    let one = |m: M| -> (u8, u8, u16, u16, Vec<u8>, u16) {
        let r = m.control_requests(0);
        assert_eq!(r.len(), 1, "{m:?}");
        let ControlRequest {
            request_type,
            request,
            value,
            index,
            data,
            read_len,
            ..
        } = r[0].clone();
        (request_type, request, value, index, data, read_len)
    };
    // §1.3 table, row by row.
    assert_eq!(one(M::HuaweiLegacy), (0x00, 0x03, 1, 0, vec![], 0));
    assert_eq!(one(M::Sierra), (0x40, 0x0b, 1, 0, vec![], 0));
    assert_eq!(one(M::Sequans), (0x40, 0x0b, 2, 0, vec![], 0));
    assert_eq!(
        one(M::Qisda),
        (
            0x40,
            0x04,
            0,
            0,
            vec![
                0x05, 0x8c, 0x04, 0x08, 0xa0, 0xee, 0x20, 0x00, 0x5c, 0x01, 0x04, 0x08, 0x98, 0xcd,
                0xea, 0xbf
            ],
            0
        )
    );
    assert_eq!(one(M::Quanta), (0xc0, 0xff, 0, 0, vec![], 0));
    assert_eq!(one(M::Kobil), (0xc0, 0x88, 0, 0, vec![], 8));
    assert_eq!(one(M::Pantech { mode: 4 }), (0x40, 0x70, 4, 0, vec![], 0));
    assert!(M::Pantech { mode: 1 }.control_requests(0).is_empty());
    let sony = M::Sony.control_requests(0);
    assert_eq!(
        (
            sony[0].request_type,
            sony[0].request,
            sony[0].value,
            sony[0].read_len,
            sony[0].timeout_ms
        ),
        (0xc0, 0x11, 2, 3, 100)
    );
    let bb = M::Blackberry.control_requests(0);
    assert_eq!(bb.len(), 2);
    assert_eq!((bb[0].request, bb[0].value, bb[0].read_len), (0xb1, 0, 8));
    assert_eq!(
        (bb[1].request, bb[1].value, bb[1].read_len),
        (0xa9, 0x0e, 2)
    );
    let gct = M::Gct.control_requests(3);
    assert_eq!(
        gct.iter()
            .map(|r| (r.request_type, r.request, r.index, r.read_len))
            .collect::<Vec<_>>(),
        vec![(0xa1, 0xa0, 3, 1), (0xa1, 0xfe, 3, 1)]
    );
    assert!(gct.iter().all(ControlRequest::is_in));
    let ma = M::MobileAction.control_requests(0);
    assert_eq!(ma.len(), 2);
    assert_eq!(
        (ma[0].request_type, ma[0].request, ma[0].value),
        (0x21, 0x09, 0x0300)
    );
    assert_eq!(
        ma[0].data,
        vec![0xb0, 0x04, 0x00, 0x00, 0x02, 0x90, 0x26, 0x86]
    );
    for m in [
        M::HuaweiNew,
        M::HuaweiAlt,
        M::OptionMode,
        M::Cisco,
        M::DetachOnly,
        M::None,
        M::StandardEject { extra: None },
    ] {
        assert!(m.control_requests(0).is_empty(), "{m:?}");
    }
    assert!(expects_csw(&h(REF_HUAWEI_NEW)));
    assert!(!expects_csw(&[0x0f, 0x00, 0x01, 0x01, 0x42]));
}
