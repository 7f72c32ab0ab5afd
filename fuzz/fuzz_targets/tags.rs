//! Fuzz target: any text as a cramp-tag CSV, and as a single time, parses or
//! is refused with a message — never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Problems are typed and put into words only when shown: show them all.
    match cramplab::tags::parse_csv(&text, std::path::Path::new("fuzz/cramps.csv")) {
        Ok(parsed) => {
            for p in &parsed.problems {
                let _ = p.to_string();
            }
            for w in &parsed.warnings {
                let _ = w.to_string();
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    // Each line also as a lone time (the forms of docs/METHOD.md §2).
    for line in text.lines().take(64) {
        match cramplab::tags::TimeSpec::parse(line) {
            // Display must not panic either (it is used in messages).
            Ok(spec) => {
                let _ = spec.to_string();
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
});
