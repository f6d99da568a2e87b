//! The AT decoder on arbitrary bytes, cut into arbitrary reads, with a
//! command in flight or not: it must never panic, and every final result
//! must end the command it belongs to.
#![no_main]

use dongle_at::framing::{Decoder, Event};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, rest)) = data.split_first() else { return };
    let mut d = Decoder::new();
    if ctl & 1 == 1 {
        d.begin("AT+CREG?");
    }
    let chunk = usize::from(ctl >> 1).max(1);
    let mut out = Vec::new();
    for piece in rest.chunks(chunk) {
        d.push(piece, &mut out);
        if out.iter().any(|e| matches!(e, Event::Final(_))) {
            assert!(!d.in_flight(), "a final result must end the command");
            d.begin("AT");
        }
        out.clear();
    }
});
