//! The SMS PDU decoder, the USSD reply decoder and the +CMGL/+CMGR/+CPMS parsers on arbitrary input: errors are
//! fine, panics are not. Octets go in as-is and as hex text, as `+CMGL` gives them.
#![no_main]

use dongle_at::pdu;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(tpdu) = pdu::decode(data) {
        let _ = tpdu.text();
    }
    let _ = pdu::decode_hex(&pdu::to_hex(data));
    let s = String::from_utf8_lossy(data);
    let _ = pdu::decode_hex(&s);
    let _ = pdu::ussd::parse_cusd(&s);
    let _ = dongle_at::parse::sms::parse_cmgl_pdu(&s);
    let _ = dongle_at::parse::sms::parse_cmgr_pdu(&s);
    let _ = dongle_at::parse::sms::parse_cpms_read(&s);
    let _ = pdu::ussd::decode_reply(&s, data.first().copied());
});
