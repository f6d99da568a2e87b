//! Every typed parser on arbitrary text: errors are fine, panics are not.
#![no_main]

use dongle_at::parse::{self, charset::Charset, huawei};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let s = s.as_ref();
    let _ = parse::identity::parse_manufacturer(s);
    let _ = parse::identity::parse_imei(s);
    let _ = parse::identity::parse_imsi(s);
    let _ = parse::identity::parse_iccid(s);
    let _ = parse::identity::parse_fhver(s);
    let _ = parse::sim::parse_cpin(s);
    let _ = parse::sim::parse_huawei_cpin(s);
    let _ = parse::signal::parse_csq(s);
    let _ = parse::signal::parse_cesq(s);
    let _ = parse::registration::parse_registration(s);
    let _ = parse::operator::parse_cops_read(s, Charset::Ira);
    let _ = parse::operator::parse_cops_test(s, Charset::Ucs2);
    let _ = parse::pdp::parse_cgdcont_read(s);
    let _ = parse::pdp::parse_cgdcont_test(s);
    let _ = huawei::sysinfo::parse_sysinfo(s);
    let _ = huawei::sysinfo::parse_sysinfoex(s);
    let _ = huawei::syscfg::parse_syscfg_test(s);
    let _ = huawei::syscfgex::parse_syscfgex_test(s);
    let _ = huawei::hcsq::parse_hcsq(s);
    let _ = huawei::portmode::parse_getportmode(s);
    let _ = huawei::setport::parse_setport_read(s);
    let _ = huawei::ndis::parse_ndisstat(s);
    let _ = huawei::dhcp::parse_dhcp(s);
    let _ = dongle_at::layout::resolve(s);
});
