//! The one-SIM excerpt of the APN database (`ApnDatabase::load_for`, what `dongle up` and the
//! daemon's workers read) against the full parse: the same candidates, in the same order, for
//! every network id of the installed file, of the test excerpt, and of documents written to
//! trip a text scan (comments, attribute order and quotes, white space, CDATA, namespaces,
//! entities).

use dongle_catalog::{imsi_splits, ApnDatabase, Plmn, SYSTEM_APN_DB};
use std::collections::BTreeSet;
use std::path::Path;

/// Every network id the full parse knows.
fn network_ids(db: &ApnDatabase) -> BTreeSet<Plmn> {
    db.countries()
        .iter()
        .flat_map(|c| &c.providers)
        .flat_map(|p| p.networks.iter().cloned())
        .collect()
}

/// An IMSI on `plmn`'s network.
fn imsi_on(plmn: &Plmn) -> String {
    format!("{}{}0123456789", plmn.mcc, plmn.mnc)[..15].to_string()
}

/// One excerpt for `plmns` (with the other split an IMSI on each could have) answers as
/// `full` does for each of them: `lookup`, `lookup_all`, `knows`, and `lookup_imsi` for an
/// IMSI on that network.
fn assert_same(text: &str, full: &ApnDatabase, plmns: &[Plmn]) {
    let mut networks: Vec<Plmn> = plmns
        .iter()
        .flat_map(|p| imsi_splits(&imsi_on(p)))
        .collect();
    networks.extend(plmns.iter().cloned());
    let part = ApnDatabase::parse_for(text, &networks)
        .unwrap_or_else(|e| panic!("{plmns:?}: the excerpt does not parse: {e}"));
    for p in &networks {
        let (mcc, mnc) = (&p.mcc, &p.mnc);
        assert_eq!(part.lookup(mcc, mnc), full.lookup(mcc, mnc), "lookup {p}");
        assert_eq!(
            part.lookup_all(mcc, mnc),
            full.lookup_all(mcc, mnc),
            "lookup_all {p}"
        );
        assert_eq!(part.knows(p), full.knows(p), "knows {p}");
    }
    for p in plmns {
        let imsi = imsi_on(p);
        assert_eq!(
            part.lookup_imsi(&imsi),
            full.lookup_imsi(&imsi),
            "IMSI {imsi}"
        );
    }
}

/// Every network id of `text`, each in an excerpt of its own (`per_excerpt` 1: what `dongle
/// up` does) or several to an excerpt (quicker, for the variations).
fn assert_all_same(text: &str, per_excerpt: usize) -> usize {
    let full = ApnDatabase::parse(text).expect("the full parse");
    let ids: Vec<Plmn> = network_ids(&full).into_iter().collect();
    for group in ids.chunks(per_excerpt) {
        assert_same(text, &full, group);
    }
    // Networks the file does not have: nothing, as in the full parse.
    for absent in [Plmn::new("001", "01"), Plmn::new("999", "999")] {
        if !ids.contains(&absent) {
            assert_same(text, &full, &[absent]);
        }
    }
    ids.len()
}

#[test]
fn every_network_id_of_the_installed_file() {
    if !Path::new(SYSTEM_APN_DB).exists() {
        eprintln!(
            "skipped: {SYSTEM_APN_DB} is not installed (apt-get install mobile-broadband-provider-info)"
        );
        return;
    }
    let text = std::fs::read_to_string(SYSTEM_APN_DB).expect("readable");
    let n = assert_all_same(&text, 1);
    assert!(n > 700, "{n} network ids");
    // The real file, through the path `dongle up` takes.
    let lu = ApnDatabase::load_for(
        Some(Path::new(SYSTEM_APN_DB)),
        &imsi_splits("270010123456789"),
    )
    .expect("loads");
    assert_eq!(lu.lookup("270", "01")[0].apn, "web.pt.lu");
    assert!(
        lu.countries()
            .iter()
            .map(|c| c.providers.len())
            .sum::<usize>()
            < 5,
        "an excerpt, not the file: {:?}",
        lu.countries()
    );
}

/// The installed file rewritten the way another generator might write it: single quotes,
/// `mnc` before `mcc`, line breaks and spaces inside the tags, a commented-out provider with a
/// real id before every provider, and CDATA holding a fake provider.
#[test]
fn every_network_id_of_the_installed_file_rewritten() {
    let Ok(text) = std::fs::read_to_string(SYSTEM_APN_DB) else {
        eprintln!("skipped: {SYSTEM_APN_DB} is not installed");
        return;
    };
    let mut out = String::with_capacity(text.len() * 2);
    let mut rest = text.as_str();
    while let Some(i) = rest.find("<network-id") {
        out.push_str(&rest[..i]);
        let end = i + rest[i..].find("/>").expect("network-id ends") + 2;
        let tag = &rest[i..end];
        let attr = |name: &str| {
            let at = tag.find(&format!("{name}=\"")).expect("attribute") + name.len() + 2;
            &tag[at..at + tag[at..].find('"').expect("closing quote")]
        };
        out.push_str(&format!(
            "<network-id\n\t\tmnc = ' {} '\r\n mcc='{}'\n/>",
            attr("mnc"),
            attr("mcc")
        ));
        rest = &rest[end..];
    }
    out.push_str(rest);
    let fake = "<provider><name>Fake</name><gsm><network-id mcc=\"262\" mnc=\"07\"/>\
                <apn value=\"fake\"/></gsm></provider>";
    // Outside the file's own comments (some hold whole providers): no comment in a comment.
    let mut marked = String::with_capacity(out.len() * 2);
    let mut rest = out.as_str();
    while !rest.is_empty() {
        let (code, comment) = match rest.find("<!--") {
            Some(i) => {
                let end = i + rest[i..].find("-->").expect("comment ends") + 3;
                (&rest[..i], &rest[i..end])
            }
            None => (rest, ""),
        };
        marked.push_str(&code.replace(
            "<provider>",
            &format!("<!-- {fake} --><provider><![CDATA[{fake}]]>"),
        ));
        marked.push_str(comment);
        rest = &rest[code.len() + comment.len()..];
    }
    let out = marked;
    let full = ApnDatabase::parse(&out).expect("still well-formed");
    assert!(full.lookup("262", "07").iter().all(|c| c.apn != "fake"));
    assert!(assert_all_same(&out, 8) > 700);
}

#[test]
fn every_network_id_of_the_test_excerpt() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/apn/serviceproviders-excerpt.xml");
    let text = std::fs::read_to_string(path).expect("excerpt");
    assert!(assert_all_same(&text, 1) > 5);
}

const TRICKY: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE serviceproviders SYSTEM "serviceproviders.2.dtd">
<!-- <provider><gsm><network-id mcc="001" mnc="01"/></gsm></provider> -->
<serviceproviders format="2.0" xmlns:x="urn:example">
<?skip <provider> ?>
<country code="aa"><name>A &amp; B</name>
  <provider primary="false"><name>First</name><name xml:lang="de">Erste</name>
    <gsm>
      <network-id mnc='01' mcc='001'/>
      <apn value="first.one"><usage type="internet"/><name><![CDATA[x > <y>]]></name></apn>
    </gsm>
  </provider>
  <provider note="a > b, 'quoted'"><name>Second</name>
    <gsm><network-id
        mcc = " 001 "
        mnc = "01" /><apn value="second.one"/></gsm>
  </provider>
  <x:provider><name>Prefixed</name><x:gsm><x:network-id mcc="001" mnc="01"/>
    <x:apn value="prefixed.one"/></x:gsm></x:provider>
  <provider primary="true"><name>Main</name>
    <cdma><network-id mcc="001" mnc="01"/></cdma>
    <gsm><network-id mcc="001" mnc="001"/><network-id mcc="&#48;01" mnc="01"/>
      <apn value="main.one"><usage type="internet"/></apn></gsm>
  </provider>
  <provider><name>Deep</name><gsm><other><network-id mcc="001" mnc="01"/></other>
    <apn value="deep.one"/></gsm></provider>
  <provider><name>Second gsm</name><gsm><network-id mcc="002" mnc="02"/></gsm>
    <gsm><network-id mcc="001" mnc="01"/><apn value="second.gsm"/></gsm></provider>
  <provider/>
</country>
<country code="bb"/>
<not-a-country><provider><gsm><network-id mcc="001" mnc="01"/><apn value="stray"/></gsm></provider></not-a-country>
<country code="cc"><provider><name>Elsewhere</name><gsm><network-id mcc="001" mnc="01"/>
  <apn value="cc.one"/></gsm></provider></country>
</serviceproviders>
<!-- after the root -->
"#;

#[test]
fn documents_written_to_trip_a_scan() {
    let full = ApnDatabase::parse(TRICKY).expect("well-formed");
    let apns: Vec<String> = full
        .lookup("001", "01")
        .into_iter()
        .map(|c| c.apn)
        .collect();
    // The entity-encoded id counts, commented/CDATA/nested/stray ones do not.
    assert_eq!(
        apns,
        [
            "main.one",
            "first.one",
            "second.one",
            "prefixed.one",
            "cc.one"
        ]
    );
    assert_all_same(TRICKY, 1);
    // Each of the 001/01 providers alone still gives the same answers.
    let part = ApnDatabase::parse_for(TRICKY, &[Plmn::new("001", "01")]).unwrap();
    assert_eq!(part.lookup("001", "01"), full.lookup("001", "01"));
    assert_eq!(part.countries().len(), 2, "aa and cc only");
}

/// What the scan cannot vouch for goes to the full parse: same answers, same errors.
#[test]
fn internal_subsets_and_broken_files_fall_back_to_the_full_parse() {
    let with_entity = r#"<?xml version="1.0"?>
<!DOCTYPE serviceproviders [<!ENTITY lux '<provider><name>E</name><gsm><network-id mcc="270" mnc="01"/><apn value="from.entity"/></gsm></provider>'>]>
<serviceproviders><country code="lu">&lux;</country></serviceproviders>"#;
    if let Ok(full) = ApnDatabase::parse(with_entity) {
        let part = ApnDatabase::parse_for(with_entity, &[Plmn::new("270", "01")]).unwrap();
        assert_eq!(part.lookup("270", "01"), full.lookup("270", "01"));
        assert_eq!(part.lookup("270", "01")[0].apn, "from.entity");
    }
    for broken in [
        "<serviceproviders><country><provider></country></serviceproviders>",
        "<serviceproviders><country code='x'>",
        "<html><country/></html>",
        "<serviceproviders/>",
        "",
        "<!-- unterminated",
    ] {
        let full = ApnDatabase::parse(broken).map_err(|e| e.to_string());
        let part =
            ApnDatabase::parse_for(broken, &[Plmn::new("001", "01")]).map_err(|e| e.to_string());
        match (&full, &part) {
            (Err(a), Err(b)) => assert_eq!(a, b, "{broken}"),
            (Ok(a), Ok(b)) => assert_eq!(a.lookup("001", "01"), b.lookup("001", "01")),
            _ => panic!("{broken}: full {full:?} vs excerpt {part:?}"),
        }
    }
}

/// Truncated and damaged copies of the test excerpt: never a panic, and whenever the whole
/// document parses, the excerpt answers as it does.
#[test]
fn damaged_documents_never_panic_and_agree_when_well_formed() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/apn/serviceproviders-excerpt.xml");
    let bytes = std::fs::read(path).expect("excerpt");
    let ids = [
        Plmn::new("262", "07"),
        Plmn::new("270", "01"),
        Plmn::new("310", "410"),
    ];
    let check = |s: &str| {
        let part = ApnDatabase::parse_for(s, &ids);
        if let Ok(full) = ApnDatabase::parse(s) {
            let part = part.expect("the excerpt parses when the whole does");
            for p in &ids {
                assert_eq!(
                    part.lookup_all(&p.mcc, &p.mnc),
                    full.lookup_all(&p.mcc, &p.mnc)
                );
            }
        }
    };
    for cut in (0..bytes.len()).step_by(41) {
        check(&String::from_utf8_lossy(&bytes[..cut]));
    }
    let mut rng: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..600 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let pos = (rng % bytes.len() as u64) as usize;
        let mut b = bytes.clone();
        b[pos] = [b'<', b'>', b'"', b'&', b'/', 0, b'\'', b'=', b'['][(rng >> 32) as usize % 9];
        check(&String::from_utf8_lossy(&b));
    }
}
