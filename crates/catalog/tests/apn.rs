//! The APN database reader against real excerpts of mobile-broadband-provider-info
//! (tests/data/apn/README.md), the installed file when there is one, and the APN memory.

use dongle_catalog::{
    candidates_for, plmn_from_imsi, ApnCandidate, ApnDatabase, ApnMemory, ApnSource, MemoryError,
    Plmn, RememberedApn, SYSTEM_APN_DB,
};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn excerpt_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/apn/serviceproviders-excerpt.xml")
}

fn excerpt() -> ApnDatabase {
    ApnDatabase::from_file(&excerpt_path()).expect("excerpt parses")
}

fn apns(c: &[ApnCandidate]) -> Vec<(String, String)> {
    c.iter()
        .map(|c| (c.provider.clone().unwrap_or_default(), c.apn.clone()))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn post_luxembourg_27001_is_web_pt_lu() {
    let db = excerpt();
    let c = db.lookup("270", "01");
    assert_eq!(c.len(), 1, "{c:#?}");
    let web = &c[0];
    assert_eq!(web.apn, "web.pt.lu");
    assert_eq!(web.provider.as_deref(), Some("LUXGSM"));
    assert_eq!(web.country.as_deref(), Some("lu"));
    assert_eq!(web.usage.as_deref(), Some("internet"));
    assert_eq!(
        (web.mcc.as_deref(), web.mnc.as_deref()),
        (Some("270"), Some("01"))
    );
    assert_eq!(web.username, None);
    assert_eq!(web.password, None);
    assert_eq!(web.auth, None);
    assert_eq!(web.dns, ["194.154.192.101", "194.154.192.102"]);
    assert_eq!(web.source, ApnSource::Database);

    // The MMS APN is listed by lookup_all, after the internet one.
    let all = db.lookup_all("270", "01");
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].apn, "mms.pt.lu");
    assert_eq!(all[1].usage.as_deref(), Some("mms"));
    assert_eq!(all[1].name.as_deref(), Some("Luxgsm MMS"));
    assert_eq!(all[1].username.as_deref(), Some("mms"));
    assert_eq!(all[1].password.as_deref(), Some("mms"));
}

#[test]
fn post_luxembourg_from_the_e3372_imsi() {
    let db = excerpt();
    assert_eq!(
        plmn_from_imsi("270010123456789", &db),
        [Plmn::new("270", "01"), Plmn::new("270", "010")]
    );
    let (plmn, c) = db.lookup_imsi("270010123456789").unwrap();
    assert_eq!(plmn, Plmn::new("270", "01"));
    assert_eq!(c[0].apn, "web.pt.lu");
}

#[test]
fn o2_germany_26207_several_candidates_in_order() {
    let db = excerpt();
    let c = db.lookup("262", "07");
    assert_eq!(
        apns(&c),
        pairs(&[
            ("O2", "pinternet.interkom.de"),
            ("O2", "internet"),
            ("O2", "surfo2"),
            ("Tchibo-Mobil", "webmobil1"),
            // Same APN as O2's first, but with credentials: a different setting.
            ("FONIC", "pinternet.interkom.de"),
            ("Alice", "internet.partner1"),
            // Netzclub's pinternet.interkom.de (no credentials) is O2's first: tried once.
        ])
    );
    assert_eq!(c[0].name.as_deref(), Some("LOOP"));
    assert_eq!(c[1].name.as_deref(), Some("Pay-by-MB"));
    assert_eq!(c[2].name.as_deref(), Some("Pay-by-time"));
    assert_eq!(c[4].username.as_deref(), Some("fonic"));
    assert_eq!(c[4].password.as_deref(), Some("fonic"));
    assert!(c.iter().all(|c| c.usage.as_deref() == Some("internet")));
    // lookup_all keeps everything: Netzclub too, and O2's MMS APN last.
    let all = db.lookup_all("262", "07");
    assert_eq!(all.len(), 8);
    assert_eq!(all[6].provider.as_deref(), Some("Netzclub"));
    assert_eq!(
        (all[7].apn.as_str(), all[7].usage.as_deref()),
        ("internet", Some("mms"))
    );
    // Alice is only on 262/07.
    assert!(!apns(&db.lookup("262", "08")).contains(&("Alice".into(), "internet.partner1".into())));
}

#[test]
fn us_att_3_digit_mnc_from_an_imsi() {
    let db = excerpt();
    let imsi = "310410123456789";
    assert_eq!(
        plmn_from_imsi(imsi, &db),
        [Plmn::new("310", "410"), Plmn::new("310", "41")]
    );
    let (plmn, c) = db.lookup_imsi(imsi).unwrap();
    assert_eq!(plmn, Plmn::new("310", "410"));
    assert_eq!(
        apns(&c),
        pairs(&[
            ("AT&T", "NXTGENPHONE"),
            ("AT&T", "ENHANCEDPHONE"),
            ("AT&T", "NRPHONE"),
            ("AT&T", "broadband"),
            ("AT&T", "RESELLER"),
            // AweSIM's NXTGENPHONE is AT&T's first.
            ("Straight Talk", "att.mvno"),
            ("Straight Talk", "tfdata"),
        ])
    );
    assert_eq!(c[0].usage.as_deref(), Some("mms-internet-hipri"));
    assert_eq!(c[3].name.as_deref(), Some("ATT Broadband"));
    // The 2-digit reading of the same IMSI is not a network.
    assert!(db.lookup("310", "41").is_empty());
}

#[test]
fn the_database_decides_mixed_mnc_lengths() {
    let db = excerpt();
    // France uses 2-digit MNCs; the file lists both 208/26 and 208/260 for Simplus.
    assert_eq!(
        plmn_from_imsi("208260123456789", &db),
        [Plmn::new("208", "26"), Plmn::new("208", "260")]
    );
    assert_eq!(
        db.lookup_imsi("208260123456789").unwrap().1[0].apn,
        "fnetnrj"
    );
    // Argentina uses 3 digits: 722/341 is Personal, 722/340 Arnet; 722/34 is in the file too.
    assert_eq!(
        plmn_from_imsi("722341123456789", &db),
        [Plmn::new("722", "341"), Plmn::new("722", "34")]
    );
    assert_eq!(
        db.lookup_imsi("722340123456789").unwrap().1[0].apn,
        "arnet.personal.com"
    );
    // Only the 2-digit split is known: it goes first even in a 3-digit country.
    assert_eq!(
        plmn_from_imsi("722349123456789", &db),
        [Plmn::new("722", "34"), Plmn::new("722", "349")]
    );
}

#[test]
fn unknown_network_is_empty() {
    let db = excerpt();
    assert!(db.lookup("999", "99").is_empty());
    assert!(db.lookup_all("999", "99").is_empty());
    let (plmn, c) = db.lookup_imsi("999990123456789").unwrap();
    assert_eq!(plmn, Plmn::new("999", "99"));
    assert!(c.is_empty());
    assert!(db.lookup_imsi("27001x").is_none());
    assert!(plmn_from_imsi("abc", &db).is_empty());
}

#[test]
fn candidates_order_override_memory_database_fallback() {
    let db = excerpt();
    let dir = tempfile::tempdir().unwrap();
    let mut mem = ApnMemory::open(dir.path().join("apn.toml")).unwrap();
    let imsi = Some("262071234567890");
    let iccid = Some("89490200001234567890");

    // Nothing remembered: the database's order.
    let c = candidates_for(imsi, iccid, Some(&db), Some(&mem), None).unwrap();
    assert_eq!(c[0].apn, "pinternet.interkom.de");
    assert!(c.iter().all(|c| c.source == ApnSource::Database));

    // FONIC's setting worked: it comes first, with the database's password, once.
    mem.remember_entry(
        "iccid:89490200001234567890",
        RememberedApn {
            username: Some("fonic".into()),
            ..RememberedApn::new("pinternet.interkom.de")
        },
    )
    .unwrap();
    let c = candidates_for(imsi, iccid, Some(&db), Some(&mem), None).unwrap();
    assert_eq!(c[0].source, ApnSource::Remembered);
    assert_eq!(c[0].provider.as_deref(), Some("FONIC"));
    assert_eq!(c[0].password.as_deref(), Some("fonic"));
    assert_eq!(c.len(), 6);
    assert_eq!(
        c.iter()
            .filter(|c| c.username.as_deref() == Some("fonic"))
            .count(),
        1
    );

    // The override wins alone.
    let c = candidates_for(imsi, iccid, Some(&db), Some(&mem), Some("my.apn")).unwrap();
    assert_eq!(apns(&c), pairs(&[("", "my.apn")]));
    assert_eq!(c[0].source, ApnSource::Override);
    assert_eq!(c[0].mcc.as_deref(), Some("262"));
    assert!(candidates_for(imsi, iccid, Some(&db), Some(&mem), Some("x\r\nATH")).is_err());

    // Unknown network, no memory: the documented guesses.
    let c = candidates_for(Some("999990123456789"), None, Some(&db), None, None).unwrap();
    assert_eq!(apns(&c), pairs(&[("", "internet"), ("", "")]));
    assert!(c.iter().all(|c| c.source == ApnSource::Fallback));
    // No database at all: the same guesses.
    let c = candidates_for(imsi, None, None, None, None).unwrap();
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].mnc.as_deref(), Some("07"));
}

#[test]
fn memory_round_trip_by_iccid_and_imsi() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/apn.toml");
    let mut mem = ApnMemory::open(&path).unwrap();
    assert_eq!(mem.recall("iccid:1"), None);
    mem.remember("iccid:8935201001234567894", "web.pt.lu")
        .unwrap();
    mem.remember("imsi:262071234567890", "internet").unwrap();

    let again = ApnMemory::open(&path).unwrap();
    assert_eq!(
        again.recall("iccid:8935201001234567894").as_deref(),
        Some("web.pt.lu")
    );
    assert_eq!(
        again.recall("imsi:262071234567890").as_deref(),
        Some("internet")
    );
    assert!(again
        .recall_entry("iccid:8935201001234567894")
        .unwrap()
        .updated
        .is_some());

    // By IMSI when the ICCID is unknown or not remembered.
    let c = candidates_for(
        Some("262071234567890"),
        Some("000"),
        Some(&excerpt()),
        Some(&again),
        None,
    )
    .unwrap();
    assert_eq!(
        (c[0].apn.as_str(), c[0].source),
        ("internet", ApnSource::Remembered)
    );
    assert_eq!(c[0].provider.as_deref(), Some("O2"));

    // Overwrite, forget.
    let mut m = again;
    m.remember("iccid:8935201001234567894", "web2.pt.lu")
        .unwrap();
    m.forget("imsi:262071234567890").unwrap();
    let m = ApnMemory::open(&path).unwrap();
    assert_eq!(
        m.recall("iccid:8935201001234567894").as_deref(),
        Some("web2.pt.lu")
    );
    assert_eq!(m.recall("imsi:262071234567890"), None);
}

#[test]
fn memory_is_written_atomically_and_keeps_no_password() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("apn.toml");
    std::fs::write(&path, "# old\n").unwrap();
    let mut mem = ApnMemory::open(&path).unwrap();
    let ino_before = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap());
    mem.remember_entry(
        "iccid:1",
        RememberedApn {
            username: Some("fonic".into()),
            auth: Some("pap".into()),
            ..RememberedApn::new("pinternet.interkom.de")
        },
    )
    .unwrap();
    // A rename, not an overwrite in place: a new inode, and no temporary file left behind.
    let ino_after = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap());
    assert_ne!(ino_before, ino_after);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["apn.toml"]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("apn = \"pinternet.interkom.de\""), "{text}");
    assert!(text.contains("username = \"fonic\""), "{text}");
    assert!(!text.contains("password ="), "{text}");

    // An invalid APN is refused and changes nothing.
    assert!(matches!(
        mem.remember("iccid:1", "a\";ATH"),
        Err(MemoryError::Invalid(_))
    ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}

#[test]
fn memory_write_failure_leaves_memory_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    // The parent "directory" is a file: nothing can be written.
    let blocker = dir.path().join("blocker");
    std::fs::write(&blocker, "").unwrap();
    let mut mem = ApnMemory::empty(blocker.join("apn.toml"));
    let e = mem.remember("iccid:1", "internet").unwrap_err();
    assert!(e.to_string().contains("blocker/apn.toml"), "{e}");
    assert_eq!(mem.recall("iccid:1"), None);
}

#[test]
fn corrupt_memory_file_names_the_file_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("apn.toml");
    std::fs::write(&path, "[sims\nnot toml").unwrap();
    let e = ApnMemory::open(&path).unwrap_err().to_string();
    assert!(e.starts_with(&path.display().to_string()), "{e}");
    assert!(e.contains("remove the file"), "{e}");
}

#[test]
fn database_errors_name_the_file_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("serviceproviders.xml");
    let e = ApnDatabase::from_file(&missing).unwrap_err().to_string();
    assert!(e.starts_with(&missing.display().to_string()), "{e}");
    assert!(
        e.contains("apt-get install mobile-broadband-provider-info"),
        "{e}"
    );

    let bad = dir.path().join("bad.xml");
    std::fs::write(&bad, "<serviceproviders><country code=\"x\">").unwrap();
    let e = ApnDatabase::from_file(&bad).unwrap_err().to_string();
    assert!(e.starts_with(&bad.display().to_string()), "{e}");
    assert!(e.contains("not valid XML"), "{e}");

    let e = ApnDatabase::from_file(dir.path()).unwrap_err().to_string();
    assert!(e.contains("is a directory"), "{e}");

    std::fs::write(&bad, [0xff, 0xfe, 0x00]).unwrap();
    let e = ApnDatabase::from_file(&bad).unwrap_err().to_string();
    assert!(e.contains("not UTF-8"), "{e}");
}

#[test]
fn hostile_xml_is_refused_without_reading_files() {
    let xxe = r#"<?xml version="1.0"?>
<!DOCTYPE serviceproviders [<!ENTITY x SYSTEM "file:///etc/hostname">]>
<serviceproviders><country code="x"><name>&x;</name></country></serviceproviders>"#;
    assert!(ApnDatabase::parse(xxe).is_err());
    let mut laughs = String::from(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE serviceproviders [\n<!ENTITY a0 \"lol\">\n",
    );
    for i in 1..10 {
        let p = i - 1;
        laughs.push_str(&format!(
            "<!ENTITY a{i} \"&a{p};&a{p};&a{p};&a{p};&a{p};&a{p};&a{p};&a{p};&a{p};&a{p};\">\n"
        ));
    }
    laughs.push_str(
        "]>\n<serviceproviders><country code=\"x\"><name>&a9;</name></country></serviceproviders>",
    );
    assert!(ApnDatabase::parse(&laughs).is_err());
}

/// Every truncation, and byte-level damage at many places, gives Ok or Err: never a panic.
#[test]
fn mangled_xml_never_panics() {
    let text = std::fs::read_to_string(excerpt_path()).unwrap();
    let bytes = text.as_bytes();
    let mut parsed = 0;
    for cut in (0..bytes.len()).step_by(37) {
        let s = String::from_utf8_lossy(&bytes[..cut]);
        if let Ok(db) = ApnDatabase::parse(&s) {
            parsed += 1;
            let _ = db.lookup("262", "07");
        }
    }
    // Damage: replace one byte with each of a few troublesome ones.
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..600 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let pos = (rng % bytes.len() as u64) as usize;
        let mut b = bytes.to_vec();
        b[pos] = [b'<', b'>', b'"', b'&', b'/', 0, b'\'', b'='][(rng >> 32) as usize % 8];
        let s = String::from_utf8_lossy(&b);
        if let Ok(db) = ApnDatabase::parse(&s) {
            for (mcc, mnc) in [("262", "07"), ("270", "01"), ("310", "410")] {
                let _ = db.lookup(mcc, mnc);
                let _ = db.lookup_all(mcc, mnc);
            }
            let _ = db.lookup_imsi("310410123456789");
        }
    }
    // Structurally odd but well-formed documents.
    for doc in [
        "<serviceproviders/>",
        "<serviceproviders><country/></serviceproviders>",
        "<serviceproviders><country><provider><gsm><network-id/><apn/></gsm></provider></country></serviceproviders>",
        "<serviceproviders><country><provider><gsm><network-id mcc=\"\" mnc=\"\"/><apn value=\"\"><usage/><authentication/></apn></gsm></provider></country></serviceproviders>",
        "<serviceproviders><provider><gsm><network-id mcc=\"1\" mnc=\"2\"/></gsm></provider></serviceproviders>",
        "<serviceproviders><country><provider><gsm><network-id mcc=\"001\" mnc=\"01\"/><apn value=\"\"/></gsm></provider></country></serviceproviders>",
    ] {
        let db = ApnDatabase::parse(doc).unwrap_or_else(|e| panic!("{doc}: {e}"));
        assert!(db.lookup("001", "01").is_empty(), "{doc}");
    }
    assert!(parsed <= 1, "only the whole file parses");
}

/// The installed database (Debian: mobile-broadband-provider-info), when present: the same
/// answers, and the parse time.
#[test]
fn installed_database() {
    if !Path::new(SYSTEM_APN_DB).exists() {
        eprintln!(
            "skipped: {SYSTEM_APN_DB} is not installed (apt-get install mobile-broadband-provider-info)"
        );
        return;
    }
    let t = Instant::now();
    let db = ApnDatabase::from_file(Path::new(SYSTEM_APN_DB)).expect("the installed file parses");
    let took = t.elapsed();
    eprintln!(
        "parsed {SYSTEM_APN_DB}: {} countries, {} network ids in {took:?}",
        db.countries().len(),
        db.network_count()
    );
    assert!(db.countries().len() > 100);
    assert!(db.network_count() > 700);
    assert!(took.as_secs() < 2, "parsing took {took:?}");

    assert_eq!(db.lookup("270", "01")[0].apn, "web.pt.lu");
    let o2: Vec<String> = db.lookup("262", "07").into_iter().map(|c| c.apn).collect();
    assert_eq!(o2[..3], ["pinternet.interkom.de", "internet", "surfo2"]);
    let (plmn, att) = db.lookup_imsi("310410123456789").unwrap();
    assert_eq!(plmn, Plmn::new("310", "410"));
    assert_eq!(att[0].provider.as_deref(), Some("AT&T"));
    // Every candidate the full file yields is a valid APN (the file's `http://…` and
    // `internet ` values are cleaned or skipped).
    for c in db.countries() {
        for p in &c.providers {
            for n in &p.networks {
                for cand in db.lookup(&n.mcc, &n.mnc) {
                    assert!(dongle_catalog::validate_apn(&cand.apn).is_ok(), "{cand:?}");
                    assert!(!cand.apn.is_empty());
                }
            }
        }
    }
}
