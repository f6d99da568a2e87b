//! The usb-modeswitch-data reader against real Debian files (fixtures copied from
//! usb-modeswitch-data 20191128-5, see tests/data/usb-modeswitch-data/README.md) and, when the
//! package is installed, against the whole tarball.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use dongle_catalog::{
    all_recipes, decode_hex, parse_config, recipe_for_with, DataOrigin, DeviceStrings,
    ModeswitchData, Personality, QualifierField, RecipeSource, SwitchMethod, SwitchRecipe,
    SYSTEM_TARBALL, ZTE_2000_MSG,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/usb-modeswitch-data")
}

fn fixture_files() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = fs::read_dir(fixtures())
        .expect("fixture dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".md"))
        .map(|n| {
            let text = fs::read_to_string(fixtures().join(&n)).expect("fixture");
            (n, text)
        })
        .collect();
    v.sort();
    v
}

/// The fixtures packed into a configPack.tar.gz like Debian's (entries at the root).
fn make_tarball(dir: &Path, files: &[(String, String)]) -> PathBuf {
    let path = dir.join("configPack.tar.gz");
    let f = fs::File::create(&path).expect("create");
    let gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    for (name, text) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(text.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, text.as_bytes())
            .expect("append");
    }
    let mut h = tar::Header::new_gnu();
    let lst = b"[12d1:1f01] test\n";
    h.set_size(lst.len() as u64);
    h.set_cksum();
    b.append_data(&mut h, "new.lst", &lst[..]).expect("append");
    b.into_inner().expect("finish").finish().expect("gz");
    path
}

fn fixture_data() -> ModeswitchData {
    let tmp = tempfile::tempdir().expect("tmp");
    let tarball = make_tarball(tmp.path(), &fixture_files());
    ModeswitchData::load_from(Some(&tarball), None).expect("load")
}

fn one(data: &ModeswitchData, vid: u16, pid: u16) -> SwitchRecipe {
    let r = data.recipes(vid, pid);
    assert_eq!(r.len(), 1, "{vid:04x}:{pid:04x}: {r:?}");
    r.into_iter().next().expect("one")
}

#[test]
fn fixtures_load_without_warnings() {
    let data = fixture_data();
    assert_eq!(data.files(), fixture_files().len());
    assert_eq!(data.len(), fixture_files().len());
    // The data's own oddities are reported (obsolete keys are not errors).
    for w in data.warnings() {
        assert!(
            w.message.contains("TargetProductList overrides")
                || w.message.contains("no switching method"),
            "unexpected warning: {w}"
        );
    }
}

#[test]
fn huawei_1f01_exact() {
    let data = fixture_data();
    let r = one(&data, 0x12d1, 0x1f01);
    assert_eq!(r.method, SwitchMethod::HuaweiNew);
    assert_eq!(r.target_vendor, Some(0x12d1));
    assert_eq!(r.target_products, vec![0x14db, 0x14dc]);
    assert_eq!(r.target_class, None);
    assert_eq!(r.target, Some(Personality::Hilink));
    assert_eq!(r.qualifier, None);
    assert_eq!(
        (r.interface, r.message_endpoint, r.response_endpoint),
        (None, None, None)
    );
    assert_eq!(
        (r.configuration, r.alt_setting, r.reset_usb),
        (None, None, false)
    );
    assert_eq!((r.release_delay_ms, r.wait_before_ms), (0, 0));
    match &r.source {
        RecipeSource::ModeswitchData { file, comment } => {
            assert!(file.ends_with("configPack.tar.gz:12d1:1f01"), "{file}");
            assert_eq!(comment.as_deref(), Some("Huawei E353 (3.se) and others"));
        }
        s => panic!("{s:?}"),
    }
    assert_eq!(
        r.method.messages(),
        vec![
            decode_hex("55534243123456780000000000000011062000000101000100000000000000")
                .expect("hex")
        ]
    );
}

#[test]
fn huawei_14fe_and_1446_exact() {
    let data = fixture_data();
    let r = one(&data, 0x12d1, 0x14fe);
    assert_eq!(r.method, SwitchMethod::HuaweiNew);
    assert_eq!(r.target_products, vec![0x1506, 0x150f, 0x151d, 0x1c1e]);
    assert_eq!(r.target, Some(Personality::Ncm)); // 1506 is the only known target
    let r = one(&data, 0x12d1, 0x1446);
    assert_eq!(r.method, SwitchMethod::HuaweiNew);
    assert_eq!(
        r.target_products,
        vec![
            0x1001, 0x1404, 0x1406, 0x140b, 0x140c, 0x1412, 0x1417, 0x141b, 0x1429, 0x1432, 0x1433,
            0x1436, 0x14ac, 0x1506, 0x150c, 0x1511
        ]
    );
    assert_eq!(r.target, None); // 1001 serial vs 1506 ncm: no single answer
}

#[test]
fn huawei_legacy_and_dummies() {
    let data = fixture_data();
    let r = one(&data, 0x12d1, 0x1001);
    assert_eq!(r.method, SwitchMethod::HuaweiLegacy);
    assert_eq!(r.target_class, Some(0xff));
    assert!(r.target_products.is_empty() && r.target_vendor.is_none());
    let r = one(&data, 0x12d1, 0x1573);
    assert_eq!(r.method, SwitchMethod::None);
    assert_eq!(r.configuration, Some(0));
    assert!(r.is_noop());
    let r = one(&data, 0x12d1, 0x1d50);
    assert_eq!(r.configuration, Some(2));
    assert!(!r.is_noop());
}

#[test]
fn zte_2000_exact() {
    let data = fixture_data();
    let r = one(&data, 0x19d2, 0x2000);
    assert_eq!(
        r.method,
        SwitchMethod::StandardEject {
            extra: Some(decode_hex(ZTE_2000_MSG).expect("hex"))
        }
    );
    assert_eq!(r.target_vendor, Some(0x19d2)); // "TargetVendor= 0x19d2"
    assert_eq!(r.target_products.len(), 27);
    assert_eq!(r.target_products[0], 0x0001);
    assert_eq!(r.target_products[26], 0x2003);
    let msgs = r.method.messages();
    assert_eq!(msgs.len(), 5);
    assert_eq!(msgs[4], decode_hex(ZTE_2000_MSG).expect("hex"));
    assert!(r.method.is_storage_command() && r.method.detaches_first());
}

#[test]
fn sierra_0fff_exact() {
    let data = fixture_data();
    let r = one(&data, 0x1199, 0x0fff);
    assert_eq!(r.method, SwitchMethod::Sierra);
    assert_eq!(r.target_vendor, Some(0x1199));
    assert_eq!(r.target_products.len(), 59);
    assert_eq!(r.target_products.first(), Some(&0x0017));
    assert_eq!(r.target_products.last(), Some(&0x68aa));
    assert!(r.method.messages().is_empty());
    assert!(!r.method.detaches_first());
}

#[test]
fn other_keys_exact() {
    let data = fixture_data();
    // 19d2:0120: DetachStorageOnly=0 is not a mode; Interface=0x00 is interface 0.
    let r = one(&data, 0x19d2, 0x0120);
    assert_eq!(r.method, SwitchMethod::StandardEject { extra: None });
    assert_eq!(r.interface, Some(0));
    assert_eq!(r.target_products, vec![0x0079]);
    // MessageContent + MessageContent2.
    let r = one(&data, 0x201e, 0x1023);
    match &r.method {
        SwitchMethod::Messages { messages } => assert_eq!(messages.len(), 2),
        m => panic!("{m:?}"),
    }
    // ReleaseDelay is decimal.
    assert_eq!(one(&data, 0x1a8d, 0x1000).release_delay_ms, 4000);
    // Endpoints; a non-CBW message.
    let r = one(&data, 0x046d, 0xc261);
    assert_eq!(
        (r.message_endpoint, r.response_endpoint),
        (Some(1), Some(1))
    );
    assert_eq!(r.target_class, Some(3));
    assert_eq!(
        r.method,
        SwitchMethod::Messages {
            messages: vec![vec![0x0f, 0x00, 0x01, 0x01, 0x42]]
        }
    );
    assert!(!r.method.is_storage_command());
    assert_eq!(
        one(&data, 0x10a9, 0x6080).method,
        SwitchMethod::Pantech { mode: 2 }
    );
    assert_eq!(one(&data, 0x1307, 0x1169).method, SwitchMethod::Cisco);
    assert_eq!(one(&data, 0x1307, 0x1169).target_vendor, Some(0x13b1));
    assert_eq!(one(&data, 0x1076, 0x7f40).method, SwitchMethod::Gct);
    assert_eq!(one(&data, 0x1004, 0x6190).wait_before_ms, 10_000);
    let (cfg, _) = parse_config(&fs::read_to_string(fixtures().join("05c6:2000")).expect("r"));
    assert_eq!(cfg.check_success, Some(40));
    assert_eq!(cfg.need_response, Some(true));
}

#[test]
fn qualified_uma_file() {
    let data = fixture_data();
    let all = data.recipes(0x05c6, 0x1000);
    // Dispatcher order: names sorted descending.
    let names: Vec<String> = all
        .iter()
        .map(|r| {
            r.qualifier
                .as_ref()
                .map(|q| q.to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(names, ["uMa=Option", "uMa=AnyDATA", "sVe=Option"]);
    let anydata = &all[1];
    let q = anydata.qualifier.as_ref().expect("qualified");
    assert_eq!(
        q.attrs,
        vec![(QualifierField::Manufacturer, "AnyDATA".to_string())]
    );
    assert_eq!(anydata.method, SwitchMethod::StandardEject { extra: None });
    assert_eq!(anydata.target_vendor, Some(0x16d5));
    assert_eq!(anydata.target_products, vec![0x6502]);

    let strings = |m: &'static str| DeviceStrings {
        manufacturer: Some(m),
        ..DeviceStrings::default()
    };
    let pick = |m: &'static str| data.recipe_for_device(0x05c6, 0x1000, &strings(m));
    assert_eq!(
        pick("AnyDATA Corporation").and_then(|r| r.target_vendor),
        Some(0x16d5)
    );
    assert_eq!(
        pick("Option N.V.").map(|r| r.method),
        Some(SwitchMethod::OptionMode)
    );
    // No manufacturer match: only the SCSI-qualified one is left, and SCSI strings are unknown.
    assert_eq!(pick("Qualcomm"), None);
    let scsi = DeviceStrings {
        manufacturer: Some("Qualcomm"),
        scsi_vendor: Some("Option"),
        ..DeviceStrings::default()
    };
    assert_eq!(
        data.recipe_for_device(0x05c6, 0x1000, &scsi)
            .and_then(|r| r.qualifier)
            .map(|q| q.to_string()),
        Some("sVe=Option".into())
    );
    // recipe_for without strings never picks a qualified entry.
    assert_eq!(
        recipe_for_with(0x05c6, 0x1000, &DeviceStrings::default(), None, Some(&data)),
        None
    );
}

#[test]
fn overrides_and_leftovers() {
    let tmp = tempfile::tempdir().expect("tmp");
    let tarball = make_tarball(tmp.path(), &fixture_files());
    let etc = tmp.path().join("etc");
    fs::create_dir(&etc).expect("mkdir");
    let write = |name: &str, text: &str| {
        let mut f = fs::File::create(etc.join(name)).expect("create");
        f.write_all(text.as_bytes()).expect("write");
    };
    // Override the 1f01 file; add a qualified one; leave a dpkg leftover and junk.
    write(
        "12d1:1f01",
        "# local\nTargetVendor=0x12d1\nTargetProduct=0x1506\nHuaweiAltMode=1\n",
    );
    write("12d1:1f01:uPr=Special", "HuaweiMode=1\n");
    write("12d1:14fe.dpkg-old", "SierraMode=1\n");
    write("README", "not a config\n");
    write("1199:0fff", "SierraMode=1\nHuaweiMode=1\n"); // two modes: skipped, data used
    let data = ModeswitchData::load_from(Some(&tarball), Some(&etc)).expect("load");

    let r = data.recipes(0x12d1, 0x1f01);
    assert_eq!(r.len(), 2, "{r:?}"); // the tarball's 1f01 is shadowed
    assert_eq!(r[0].method, SwitchMethod::HuaweiLegacy); // "…:uPr=Special" sorts first
    assert_eq!(r[1].method, SwitchMethod::HuaweiAlt);
    assert_eq!(r[1].target_products, vec![0x1506]);
    assert!(
        matches!(&r[1].source, RecipeSource::ModeswitchData { file, .. } if file.ends_with("etc/12d1:1f01"))
    );
    assert!(data
        .entries()
        .iter()
        .any(|e| e.name == "12d1:1f01" && e.origin == DataOrigin::Override));
    assert_eq!(one(&data, 0x12d1, 0x14fe).method, SwitchMethod::HuaweiNew);
    // The bad override is reported with its file and skipped; the name is still shadowed.
    let bad: Vec<_> = data
        .warnings()
        .iter()
        .filter(|w| w.file.ends_with("etc/1199:0fff"))
        .collect();
    assert_eq!(bad.len(), 1, "{:?}", data.warnings());
    assert!(bad[0].message.contains("more than one switching method"));
    assert!(data.recipes(0x1199, 0x0fff).is_empty());
    assert!(data
        .warnings()
        .iter()
        .any(|w| w.file.ends_with("etc/README")));
    // Built-ins come first in all_recipes.
    let all = all_recipes(0x12d1, 0x1f01, Some(&data));
    assert!(matches!(all[0].source, RecipeSource::BuiltIn { .. }));
    assert_eq!(
        all.len(),
        dongle_catalog::builtin_recipes(0x12d1, 0x1f01).len() + 2
    );
}

#[test]
fn missing_paths() {
    let e = ModeswitchData::load_from(Some(Path::new("/nonexistent/configPack.tar.gz")), None)
        .expect_err("missing");
    let msg = e.to_string();
    assert!(msg.contains("/nonexistent/configPack.tar.gz") && msg.contains("apt-get install"));
    assert!(ModeswitchData::load_paths(
        Some(Path::new("/nonexistent/a.tar.gz")),
        Some(Path::new("/nonexistent/d")),
        None
    )
    .expect("ok")
    .is_none());
}

#[test]
fn damaged_tarball_keeps_going() {
    let tmp = tempfile::tempdir().expect("tmp");
    let tarball = make_tarball(tmp.path(), &fixture_files());
    let bytes = fs::read(&tarball).expect("read");
    for cut in [0, 10, bytes.len() / 3, bytes.len() / 2, bytes.len() - 9] {
        let p = tmp.path().join(format!("cut{cut}.tar.gz"));
        fs::write(&p, &bytes[..cut]).expect("write");
        let d = ModeswitchData::load_from(Some(&p), None).expect("load");
        assert!(d.len() < fixture_files().len() || cut > bytes.len() / 2);
        if cut > 0 && d.len() < fixture_files().len() {
            assert!(!d.warnings().is_empty(), "cut {cut}");
        }
    }
    // Garbage that is not gzip at all.
    let p = tmp.path().join("junk.tar.gz");
    fs::write(&p, b"this is not a tarball").expect("write");
    let d = ModeswitchData::load_from(Some(&p), None).expect("load");
    assert!(d.is_empty() && !d.warnings().is_empty());
}

/// The whole installed usb-modeswitch-data (Debian 20191128-5): 512 config files, 497 distinct
/// IDs (usb_modeswitch.md §2.4), every one parsed with zero warnings about errors.
#[test]
fn installed_tarball() {
    if !Path::new(SYSTEM_TARBALL).exists() {
        eprintln!("skipped: {SYSTEM_TARBALL} absent (apt-get install usb-modeswitch-data)");
        return;
    }
    let data = ModeswitchData::load_from(Some(Path::new(SYSTEM_TARBALL)), None).expect("load");
    assert_eq!(data.files(), 512);
    assert_eq!(data.len(), 512, "{:#?}", data.warnings());
    assert_eq!(data.distinct_ids(), 497);
    let bad: Vec<String> = data
        .warnings()
        .iter()
        .filter(|w| {
            !(w.message.contains("TargetProductList overrides")
                || w.message.contains("no switching method"))
        })
        .map(|w| w.to_string())
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    for w in data.warnings() {
        eprintln!("note: {w}");
    }

    let mut methods: BTreeMap<String, usize> = BTreeMap::new();
    for e in data.entries() {
        let k = match &e.recipe.method {
            SwitchMethod::Messages { .. } => "MessageContent".to_string(),
            SwitchMethod::None => format!("Configuration={:?}", e.recipe.configuration),
            m => m.key().to_string(),
        };
        *methods.entry(k).or_default() += 1;
    }
    eprintln!("{methods:#?}");
    let n = |k: &str| methods.get(k).copied().unwrap_or(0);
    // Key counts from §2.4: each special mode once per file that sets it to 1.
    assert_eq!(n("HuaweiNewMode"), 62);
    assert_eq!(n("HuaweiMode"), 7);
    assert_eq!(n("OptionMode"), 61);
    assert_eq!(n("SierraMode"), 5);
    assert_eq!(n("QuantaMode"), 3);
    assert_eq!(n("SonyMode"), 2);
    assert_eq!(n("PantechMode"), 2);
    assert_eq!(n("KobilMode"), 2);
    for k in [
        "SequansMode",
        "QisdaMode",
        "MobileActionMode",
        "GCTMode",
        "CiscoMode",
        "BlackberryMode",
    ] {
        assert_eq!(n(k), 1, "{k}");
    }
    assert_eq!(n("DetachStorageOnly"), 0); // its only use is "DetachStorageOnly=0"
    assert_eq!(n("HuaweiAltMode"), 0);
    assert_eq!(n("StandardEject"), 181);
    // Every file is one method (or a configuration); nothing is lost.
    assert_eq!(methods.values().sum::<usize>(), 512);
    // Huawei: 84 files.
    let huawei = data
        .entries()
        .iter()
        .filter(|e| e.parsed_name.vid == 0x12d1)
        .count();
    assert_eq!(huawei, 84);
    // Qualified names: 05c6:1000 has ten uMa= variants.
    let uma = data
        .entries()
        .iter()
        .filter(|e| e.name.starts_with("05c6:1000:uMa="))
        .count();
    assert_eq!(uma, 10);
    // Every built-in Huawei recipe's default method agrees with the data.
    for (pid, targets, _) in dongle_catalog::HUAWEI_NEW_MODE_IDS {
        let r = data.recipes(0x12d1, *pid);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].method, SwitchMethod::HuaweiNew, "{pid:04x}");
        assert_eq!(&r[0].target_products[..], *targets, "{pid:04x}");
    }
    for (pid, _, _) in dongle_catalog::HUAWEI_LEGACY_IDS {
        assert_eq!(
            data.recipes(0x12d1, *pid)[0].method,
            SwitchMethod::HuaweiLegacy
        );
    }
}

/// `load_system` on this machine: `None` only when nothing is installed.
#[test]
fn load_system_smoke() {
    let d = ModeswitchData::load_system().expect("readable");
    if Path::new(SYSTEM_TARBALL).exists() {
        let d = d.expect("installed");
        assert!(d.len() >= 512);
    } else {
        eprintln!(
            "usb-modeswitch-data not installed: load_system() = {:?}",
            d.map(|d| d.len())
        );
    }
}
