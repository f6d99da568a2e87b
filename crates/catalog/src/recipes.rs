//! Built-in switch recipes, kept as data. Huawei first: for every Huawei ID that
//! usb-modeswitch-data 20191128 switches with `HuaweiNewMode` (62 IDs, usb_modeswitch.md §2.4)
//! the standard message plus the alternative messages, each with the personality it is known
//! to give and the evidence; the old `HuaweiMode` IDs; and the ZTE, Alcatel and Sierra
//! storage IDs.
//!
//! No built-in recipe ever uses a USB `Configuration` switch: usb_modeswitch 2.2's dispatcher
//! replaced the Huawei message with the MBIM `Configuration=2`, which is the E3531/E3533
//! failure story (§5a).
//!
//! Choosing a recipe for a wanted personality ([`recipe_for`]): the first recipe whose known
//! `target` is that personality; else the first whose result is not known (firmware
//! dependent). `to = None` takes the first recipe, the standard switch.

use std::sync::OnceLock;

use dongle_usb::UsbDevice;

use crate::modeswitch_data::{target_personality, ModeswitchData};
use crate::switch::{
    decode_hex, DeviceStrings, RecipeSource, SwitchMethod, SwitchRecipe, HUAWEI_ALT01_MSG,
    HUAWEI_CLASSIC_MSG, HUAWEI_E173S_MSG, HUAWEI_HILINK_MSG, HUAWEI_TAG0_MSG,
};
use crate::types::Personality;

/// Huawei's vendor ID.
pub const HUAWEI: u16 = 0x12d1;

/// ZTE's storage-mode message for 19d2:2000, sent after the StandardEject sequence
/// (usb-modeswitch-data 20191128 `19d2:2000`; 32-byte data-IN, vendor CDB `85 01 01 01 18 01…`).
pub const ZTE_2000_MSG: &str = "55534243123456702000000080000c85010101180101010101000000000000";
/// Alcatel (T&A) vendor CDB `06 f5 04 02 52 70`, 128-byte data-IN (usb-modeswitch-data
/// `1bbb:f000`, `1bbb:f017`, `1bbb:f052`, `1bbb:00ca`, `1bbb:025e`).
pub const ALCATEL_MSG: &str = "55534243123456788000000080000606f50402527000000000000000000000";

/// Huawei storage IDs switched with HuaweiNewMode in usb-modeswitch-data 20191128: (default
/// product, TargetProductList, the data file's comment).
#[rustfmt::skip]
pub const HUAWEI_NEW_MODE_IDS: &[(u16, &[u16], &str)] = &[
    (0x1446, &[0x1001, 0x1404, 0x1406, 0x140b, 0x140c, 0x1412, 0x1417, 0x141b, 0x1429, 0x1432, 0x1433, 0x1436, 0x14ac, 0x1506, 0x150c, 0x1511], "Huawei, newer modems, and rebrandings"),
    (0x1449, &[0x1444], "Huawei E352"),
    (0x14ad, &[0x14ae], "Vodafone (Huawei) K3806"),
    (0x14b5, &[0x14a8, 0x14aa], "Huawei E173 (Viettel 3G)"),
    (0x14b7, &[0x14cc], "Vodafone (Huawei) K4511"),
    (0x14ba, &[0x14d2], "Huawei E173u-2, E177"),
    (0x14c1, &[0x14c6], "Vodafone (Huawei) K4605"),
    (0x14c3, &[0x14c8], "K5005 Vodafone/Huawei"),
    (0x14c4, &[0x14ca], "Vodafone/Huawei K3771"),
    (0x14c5, &[0x14cb], "Vodafone (Huawei) K4510"),
    (0x14d1, &[0x14c9], "Vodafone / Huawei K3770"),
    (0x14fe, &[0x1506, 0x150f, 0x151d, 0x1c1e], "Huawei E352 (T-Mobile NL), E173s (Variant)"),
    (0x1505, &[0x140b, 0x140c, 0x1506, 0x150f, 0x150a], "Huawei EC156, Huawei E372u-8"),
    (0x151a, &[0x151b, 0x151d, 0x151e], "Huawei E392u-12, E3131 (Variant)"),
    (0x1520, &[0x1465], "Huawei K3765"),
    (0x1521, &[0x1464], "Huawei K4505"),
    (0x1523, &[0x1491], "Huawei R201"),
    (0x1526, &[0x14cf], "Vodafone / Huawei K3772"),
    (0x1527, &[0x1594], "Vodafone / Huawei R206 Router"),
    (0x1553, &[0x1001], "Huawei E1553"),
    (0x1557, &[0x14a5], "Huawei E173"),
    (0x155a, &[0x14cd], "Vodafone (Huawei) R205"),
    (0x155b, &[0x1506], "Huawei E171"),
    (0x156a, &[0x156b, 0x156c], "Huawei E3276s-151 and E3251"),
    (0x157c, &[0x1506], "Huawei E3276-s150"),
    (0x157d, &[0x14db, 0x14dc], "Huawei E3331, E3372"),
    (0x1580, &[0x1585], "Vodafone / Huawei R210 Router"),
    (0x1581, &[0x1587], "Vodafone / Huawei R208 Router"),
    (0x1582, &[0x1588], "Vodafone / Huawei R215 Router"),
    (0x1583, &[0x1589], "Vodafone / Huawei W5101 Router"),
    (0x1597, &[0x1598], "Huawei E327s-150 (Variant)"),
    (0x15ca, &[0x1506], "Huawei E3131"),
    (0x15cd, &[0x1506], "Huawei E3372"),
    (0x15ce, &[0x15b1, 0x15b3], "Huawei E3531s-2, E3131 (Variant)"),
    (0x15cf, &[0x1506], "Huawei E3372s-153"),
    (0x15d0, &[0x15d1], "Huawei E3131 (Variant)"),
    (0x15d2, &[0x15d3], "Huawei E3531 (Variant)"),
    (0x15e7, &[0x1506], "Huawei E3531"),
    (0x15ec, &[0x1c26], "Vodafone/Huawei K5150"),
    (0x15ee, &[0x1c28], "Vodafone/Huawei K5160"),
    (0x1c0b, &[0x1c05, 0x1c06, 0x1c07, 0x1c08, 0x1c10], "Huawei E173s"),
    (0x1c1b, &[0x1506], "Huawei GP02 (E587 Variant)"),
    (0x1c24, &[0x1c12, 0x1c23], "Huawei E173 (Moviestar), E173s (Variant)"),
    (0x1f01, &[0x14db, 0x14dc], "Huawei E353 (3.se) and others"),
    (0x1f02, &[0x14dc], "Huawei E5377"),
    (0x1f03, &[0x14db], "KDDI (Huawei) HWD12 LTE"),
    (0x1f04, &[0x15bc], "Vodafone / Huawei R206_MR Router"),
    (0x1f05, &[0x15bd], "Vodafone / Huawei R207 Router"),
    (0x1f06, &[0x15c7], "Vodafone / Huawei R215_MR Router"),
    (0x1f07, &[0x15bf], "Huawei/Vodafone R226"),
    (0x1f09, &[0x1c50], "Huawei/Vodafone R216"),
    (0x1f0a, &[0x1c51], "Vodafone/Huawei R218h (lkly compat. to E5573cs)"),
    (0x1f11, &[0x14bc], "Vodafone / Huawei K3773"),
    (0x1f15, &[0x1400, 0x14f7], "Vodafone K4305"),
    (0x1f16, &[0x14f8, 0x1575], "Vodafone K5150"),
    (0x1f17, &[0x1576], "Vodafone K4201"),
    (0x1f18, &[0x1577], "Vodafone K4202"),
    (0x1f19, &[0x14fa, 0x1575, 0x1578], "Vodafone K4606"),
    (0x1f1b, &[0x1579], "Vodafone / Huawei Kxxxx"),
    (0x1f1c, &[0x157a, 0x1590], "Vodafone / Huawei K4203"),
    (0x1f1d, &[0x157b, 0x1591], "Vodafone / Huawei Kxxxx"),
    (0x1f1e, &[0x157f, 0x1592], "Vodafone / Huawei K5160"),
];

/// Old Huawei IDs switched with `HuaweiMode` (SET_FEATURE) in the data: (product, target
/// product if the data names one, comment). The kernel's usb-storage sends the same request
/// itself for 1001/1003/1004/1401–143F when bcdDevice is 0 (§5b).
#[rustfmt::skip]
pub const HUAWEI_LEGACY_IDS: &[(u16, Option<u16>, &str)] = &[
    (0x1001, None, "Huawei E169 (E620 uses this ID too)"),
    (0x1003, None, "Huawei E220, E230, E270, E870"),
    (0x1009, None, "Huawei V725 Phone (aka Vodafone 725)"),
    (0x1010, None, "Huawei ETS1201"),
    (0x1413, None, "Huawei EC168"),
    (0x1414, None, "Huawei E180"),
    (0x1da1, Some(0x1d09), "Huawei ET8282, Huawei ET127"),
];

fn msg(hex: &str) -> Vec<u8> {
    decode_hex(hex).unwrap_or_default()
}

fn builtin(vid: u16, pid: u16, method: SwitchMethod, note: &'static str) -> SwitchRecipe {
    SwitchRecipe::new(vid, pid, method, RecipeSource::BuiltIn { note })
}

fn with_targets(
    mut r: SwitchRecipe,
    products: &[u16],
    target: Option<Personality>,
) -> SwitchRecipe {
    r.target_vendor = Some(r.vid);
    r.target_products = products.to_vec();
    r.target = target;
    r
}

/// The Huawei storage recipes for one HuaweiNewMode ID, default first.
fn huawei_storage(pid: u16, targets: &[u16]) -> Vec<SwitchRecipe> {
    let mut out = Vec::new();
    let dual = matches!(pid, 0x1f01 | 0x157d);
    // 1. The standard switch. 1f01/157d serve HiLink *and* stick firmware: the HiLink firmware
    //    answers with 14dc/14db (data; balena-os#445; askubuntu q/489936), the stick firmware
    //    with 1506 (§5c), so the result is left unknown there.
    let new_target = if dual {
        None
    } else {
        target_personality(HUAWEI, targets)
    };
    let mut products = targets.to_vec();
    if dual {
        products.push(0x1506);
    }
    out.push(with_targets(
        builtin(
            HUAWEI,
            pid,
            SwitchMethod::HuaweiNew,
            "HuaweiNewMode, the data's method for this ID (usb-modeswitch-data 20191128)",
        ),
        &products,
        new_target,
    ));
    // 2. HiLink: the CBLen-10 variant, E3531 1f01 -> 14dc (askubuntu q/489936).
    if dual {
        out.push(with_targets(
            builtin(
                HUAWEI,
                pid,
                SwitchMethod::Messages {
                    messages: vec![msg(HUAWEI_HILINK_MSG)],
                },
                "HiLink variant message: E3531 1f01 -> 12d1:14dc CDC-Ether (askubuntu q/489936)",
            ),
            &[0x14dc],
            Some(Personality::Hilink),
        ));
    }
    // 3. Serial.
    match pid {
        0x1f01 => {
            out.push(with_targets(
                builtin(
                    HUAWEI,
                    pid,
                    SwitchMethod::Messages {
                        messages: vec![msg(HUAWEI_CLASSIC_MSG)],
                    },
                    "classic Huawei message: E3531 1f01 -> 12d1:1001, 3 serial ports (askubuntu \
                     q/489936; 9to5answer); disable auto-dial in the HiLink UI first",
                ),
                &[0x1001],
                Some(Personality::Serial),
            ));
            out.push(with_targets(
                builtin(
                    HUAWEI,
                    pid,
                    SwitchMethod::Messages {
                        messages: vec![msg(HUAWEI_ALT01_MSG)],
                    },
                    "alt+01 message: E3531 fw 22.521 1f01 -> 12d1:155e serial (draisberghof \
                     f=4 t=2644)",
                ),
                &[0x155e],
                Some(Personality::Serial),
            ));
        }
        0x157d => {
            out.push(with_targets(
                builtin(
                    HUAWEI,
                    pid,
                    SwitchMethod::Messages {
                        messages: vec![msg(HUAWEI_ALT01_MSG)],
                    },
                    "alt+01 message: E3533 157d -> 12d1:1001 (OpenWrt forum \"Huawei E3533 USB \
                     modem dongle usbmode switch\")",
                ),
                &[0x1001],
                Some(Personality::Serial),
            ));
            out.push(with_targets(
                builtin(
                    HUAWEI,
                    pid,
                    SwitchMethod::Messages {
                        messages: vec![msg(HUAWEI_CLASSIC_MSG)],
                    },
                    "classic Huawei message (gives 1001 on the E3531 1f01, askubuntu q/489936); \
                     untested on 157d",
                ),
                &[0x1001],
                Some(Personality::Serial),
            ));
        }
        _ => {
            if pid == 0x1c0b {
                out.push(with_targets(
                    builtin(
                        HUAWEI,
                        pid,
                        SwitchMethod::Messages {
                            messages: vec![msg(HUAWEI_E173S_MSG)],
                        },
                        "E173s old-config message: 1c0b -> 12d1:1c05 (draisberghof t=552)",
                    ),
                    &[0x1c05],
                    Some(Personality::Serial),
                ));
            }
            out.push(with_targets(
                builtin(
                    HUAWEI,
                    pid,
                    SwitchMethod::Messages {
                        messages: vec![msg(HUAWEI_CLASSIC_MSG)],
                    },
                    "classic Huawei message, which Huawei asked to use for all its devices \
                     (draisberghof t=552); serial result shown only on the E3531 (1f01 -> 1001)",
                ),
                &[],
                Some(Personality::Serial),
            ));
        }
    }
    // 4. HuaweiAltMode: "NCM (newer modems) or plain PPP ports (older modems)" (ChangeLog 2.5.1).
    out.push(with_targets(
        builtin(
            HUAWEI,
            pid,
            SwitchMethod::HuaweiAlt,
            "HuaweiAltMode: NCM on newer modems, plain PPP ports on older ones (usb_modeswitch \
             2.5.1 ChangeLog)",
        ),
        &[],
        None,
    ));
    // 5. Debug / firmware-update composition (1f01 only has evidence).
    if pid == 0x1f01 {
        out.push(with_targets(
            builtin(
                HUAWEI,
                pid,
                SwitchMethod::Messages {
                    messages: vec![msg(HUAWEI_TAG0_MSG)],
                },
                "tag-0 message: E3531 1f01 -> 12d1:1442, debug mode with 2 serial ports \
                 (askubuntu q/489936)",
            ),
            &[0x1442],
            Some(Personality::Update),
        ));
    }
    out
}

/// Every built-in recipe for a plug-in ID, the default (standard) one first. Empty when the ID
/// has no built-in recipe.
pub fn builtin_recipes(vid: u16, pid: u16) -> Vec<SwitchRecipe> {
    if vid == HUAWEI {
        if let Some((_, targets, _)) = HUAWEI_NEW_MODE_IDS.iter().find(|(p, _, _)| *p == pid) {
            return huawei_storage(pid, targets);
        }
        if let Some((_, target, _)) = HUAWEI_LEGACY_IDS.iter().find(|(p, _, _)| *p == pid) {
            let mut r = builtin(
                vid,
                pid,
                SwitchMethod::HuaweiLegacy,
                "HuaweiMode (SET_FEATURE DEVICE_REMOTE_WAKEUP): only while bcdDevice is 0 and \
                 interface 0 is storage; the kernel usually did it already (§5b)",
            );
            r.target_class = Some(0xff);
            if let Some(t) = target {
                r.target_vendor = Some(vid);
                r.target_products = vec![*t];
            }
            r.target = Some(Personality::Serial);
            return vec![r];
        }
        return Vec::new();
    }
    match (vid, pid) {
        (0x19d2, 0x2000) => {
            const T: &[u16] = &[
                0x0001, 0x0002, 0x0015, 0x0016, 0x0017, 0x0019, 0x0024, 0x0031, 0x0033, 0x0037,
                0x0042, 0x0052, 0x0055, 0x0061, 0x0063, 0x0064, 0x0066, 0x0091, 0x0108, 0x0117,
                0x0128, 0x0151, 0x0157, 0x0177, 0x1402, 0x2002, 0x2003,
            ];
            let r = builtin(
                vid,
                pid,
                SwitchMethod::StandardEject {
                    extra: Some(msg(ZTE_2000_MSG)),
                },
                "ZTE storage: StandardEject + the ZTE message (usb-modeswitch-data 19d2:2000)",
            );
            vec![with_targets(r, T, target_personality(vid, T))]
        }
        (0x1bbb, 0xf000) => {
            const T: &[u16] = &[0x0000, 0x0017, 0x00b7, 0x011e, 0x0191, 0x0195];
            let r = builtin(
                vid,
                pid,
                SwitchMethod::Messages {
                    messages: vec![msg(ALCATEL_MSG)],
                },
                "Alcatel X200/X060S/L100V: vendor CDB f5 04 (usb-modeswitch-data 1bbb:f000)",
            );
            vec![with_targets(r, T, target_personality(vid, T))]
        }
        (0x1199, 0x0fff) => {
            const T: &[u16] = &[
                0x0017, 0x0018, 0x0019, 0x0020, 0x0021, 0x0022, 0x0023, 0x0024, 0x0025, 0x0026,
                0x0027, 0x0028, 0x0029, 0x0112, 0x0120, 0x0218, 0x0220, 0x0224, 0x0301, 0x6802,
                0x6803, 0x6804, 0x6805, 0x6808, 0x6809, 0x6812, 0x6813, 0x6815, 0x6816, 0x6820,
                0x6821, 0x6822, 0x6832, 0x6833, 0x6834, 0x6835, 0x6838, 0x6839, 0x683a, 0x683b,
                0x683c, 0x683d, 0x683e, 0x6850, 0x6851, 0x6852, 0x6853, 0x6855, 0x6856, 0x6859,
                0x685a, 0x6880, 0x6890, 0x6891, 0x6892, 0x6893, 0x68a2, 0x68a3, 0x68aa,
            ];
            let r = builtin(
                vid,
                pid,
                SwitchMethod::Sierra,
                "Sierra TRU-Install: SierraMode (usb-modeswitch-data 1199:0fff)",
            );
            vec![with_targets(r, T, target_personality(vid, T))]
        }
        _ => Vec::new(),
    }
}

/// The generic Huawei switch for a 12d1 device whose interface 0 is storage and that has no
/// recipe of its own (the data's generic udev rule, §3.1): HuaweiNewMode.
pub fn huawei_generic_recipe(pid: u16) -> SwitchRecipe {
    let mut r = builtin(
        HUAWEI,
        pid,
        SwitchMethod::HuaweiNew,
        "generic Huawei rule: any 12d1 storage interface 0, manufacturer not Android (§3.1, §7)",
    );
    r.target_vendor = Some(HUAWEI);
    r
}

/// Pick from `recipes` for `to`: `None` → the first; `Some(p)` → the first whose target is
/// `p`, else the first whose target is unknown.
pub fn choose(recipes: &[SwitchRecipe], to: Option<Personality>) -> Option<&SwitchRecipe> {
    match to {
        None => recipes.first(),
        Some(p) => recipes
            .iter()
            .find(|r| r.target == Some(p))
            .or_else(|| recipes.iter().find(|r| r.target.is_none())),
    }
}

/// Built-in recipes first, then the data's (in the dispatcher's order) when given.
pub fn all_recipes(vid: u16, pid: u16, data: Option<&ModeswitchData>) -> Vec<SwitchRecipe> {
    let mut out = builtin_recipes(vid, pid);
    if let Some(d) = data {
        out.extend(d.recipes(vid, pid));
    }
    out
}

/// The installed usb-modeswitch-data, loaded once per process (`None` when not installed or
/// unreadable; problems are logged).
pub fn system_data() -> Option<&'static ModeswitchData> {
    static DATA: OnceLock<Option<ModeswitchData>> = OnceLock::new();
    DATA.get_or_init(|| match ModeswitchData::load_system() {
        Ok(d) => d,
        Err(e) => {
            log::warn!("usb-modeswitch-data: {e}");
            None
        }
    })
    .as_ref()
}

/// The recipe to switch `vid:pid` into `to` (`None` = the standard switch): built-in recipes
/// first, then the installed usb-modeswitch-data ([`system_data`], read once). Data entries
/// qualified by device strings (`uMa=` …) are not considered here; use [`recipe_for_device`].
pub fn recipe_for(vid: u16, pid: u16, to: Option<Personality>) -> Option<SwitchRecipe> {
    recipe_for_with(vid, pid, &DeviceStrings::default(), to, system_data())
}

/// [`recipe_for`] with explicit device strings and data. Qualified data entries are used when
/// their attributes match `strings`.
pub fn recipe_for_with(
    vid: u16,
    pid: u16,
    strings: &DeviceStrings<'_>,
    to: Option<Personality>,
    data: Option<&ModeswitchData>,
) -> Option<SwitchRecipe> {
    let builtin = builtin_recipes(vid, pid);
    if let Some(r) = choose(&builtin, to) {
        return Some(r.clone());
    }
    let from_data: Vec<SwitchRecipe> = data
        .map(|d| d.recipes(vid, pid))
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.matches(strings))
        .collect();
    // The dispatcher uses only the first matching file; `to` can only accept or refuse it.
    let first = from_data.into_iter().next()?;
    match to {
        Some(p) if first.target.is_some_and(|t| t != p) => None,
        _ => Some(first),
    }
}

/// The recipe for a device as seen in sysfs: its strings select qualified data entries; a
/// device whose interface-0 class already equals the recipe's TargetClass is left alone (as
/// usb_modeswitch does); a Huawei device with a storage interface 0 and no recipe of its own
/// gets [`huawei_generic_recipe`] (not when the manufacturer is "Android").
pub fn recipe_for_device(
    dev: &UsbDevice,
    to: Option<Personality>,
    data: Option<&ModeswitchData>,
) -> Option<SwitchRecipe> {
    let strings = DeviceStrings {
        manufacturer: dev.manufacturer.as_deref(),
        product: dev.product.as_deref(),
        serial: dev.serial.as_deref(),
        ..DeviceStrings::default()
    };
    let if0 = dev.interfaces.iter().min_by_key(|i| (i.number, i.alt));
    let if0_class = if0.map(|i| i.class);
    let r = recipe_for_with(dev.vid, dev.pid, &strings, to, data).or_else(|| {
        let android = dev
            .manufacturer
            .as_deref()
            .is_some_and(|m| m.contains("Android"));
        (dev.vid == HUAWEI && if0_class == Some(0x08) && !android)
            .then(|| huawei_generic_recipe(dev.pid))
    })?;
    if r.target_class.is_some() && r.target_class == if0_class {
        return None; // already switched
    }
    if r.method == SwitchMethod::HuaweiLegacy && dev.bcd_device.is_some_and(|b| b != 0) {
        return None; // only bcdDevice 0 is the storage personality of these IDs
    }
    Some(r)
}
