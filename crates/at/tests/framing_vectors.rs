//! ModemManager's AT framing vectors (section 1 of
//! `tests/data/modemmanager_vectors.json`, taken from MM's
//! `src/tests/test-at-serial-port.c`) run against our decoder.

use dongle_at::framing::{remove_echo, Decoder, Event};
use serde_json::Value;

fn section1() -> Vec<Value> {
    let text = include_str!("data/modemmanager_vectors.json");
    let all: Value = serde_json::from_str(text).expect("vector file is JSON");
    all["vectors"]
        .as_array()
        .expect("vectors array")
        .iter()
        .filter(|v| v["section"].as_str().is_some_and(|s| s.starts_with("1.")))
        .cloned()
        .collect()
}

#[test]
fn echo_removal_vectors() {
    let vectors: Vec<Value> = section1()
        .into_iter()
        .filter(|v| v["id"].as_str().unwrap().starts_with("at-echo"))
        .collect();
    assert_eq!(vectors.len(), 15);
    for v in vectors {
        let input = v["input"].as_str().unwrap();
        let want = v["expect"]["without_echo"].as_str().unwrap();
        let got = remove_echo(input.as_bytes());
        assert_eq!(String::from_utf8_lossy(got), want, "{}", v["id"]);
    }
}

#[test]
fn final_result_vectors() {
    let vectors: Vec<Value> = section1()
        .into_iter()
        .filter(|v| !v["id"].as_str().unwrap().starts_with("at-echo"))
        .collect();
    assert_eq!(vectors.len(), 29, "4 OK and 25 error vectors");
    for v in vectors {
        let input = v["input"].as_str().unwrap();
        // Feed byte by byte as well as at once: a serial port splits reads anywhere.
        for chunk in [input.len(), 1] {
            let mut d = Decoder::new();
            d.begin("AT+TEST");
            let mut out = Vec::new();
            for piece in input.as_bytes().chunks(chunk) {
                d.push(piece, &mut out);
            }
            let fin = out.iter().find_map(|e| match e {
                Event::Final(f) => Some(f.clone()),
                _ => None,
            });
            assert_eq!(
                fin.is_some(),
                v["expect"]["found"].as_bool().unwrap(),
                "{} found",
                v["id"]
            );
            let error = fin.as_ref().is_some_and(|f| f.is_error());
            assert_eq!(
                error,
                v["expect"]["error"].as_bool().unwrap(),
                "{} error",
                v["id"]
            );
        }
    }
}
