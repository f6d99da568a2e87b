//! The doctor on arbitrary log text: any mix of lines, any bytes. Findings
//! may be anything; panics and unbounded memory are bugs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut d) = dongle_doctor::Doctor::new() else { return };
    let _ = d.feed_reader(std::io::Cursor::new(data));
    let _ = d.finish();
});
